"""Timing: the period, months, quarters, weeks, seasonality, lag and target_between."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from funnelpact.domain.planning import (
    CapacitySpec,
    PeriodSpec,
    PlanSpec,
    StageSpec,
    StreamSpec,
    build_plan,
)

CLOSE = Decimal("1e-20")


def _spec(**changes: object) -> PlanSpec:
    spec = PlanSpec(
        goal=Decimal(120000),
        deal_size=Decimal(1000),
        period=PeriodSpec(start=date(2025, 1, 1)),
        stages=(
            StageSpec(name="lead", rate=Decimal("0.5")),
            StageSpec(name="mql", rate=Decimal("0.5")),
        ),
    )
    return spec.model_copy(update=changes)


def test_default_period_is_a_year_and_months_are_equal() -> None:
    plan = build_plan(_spec())
    assert (plan.period_start, plan.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert plan.months == 12 and plan.working_weeks == 48
    mql = plan.total.stage("mql")
    assert mql.needed == 240
    assert [m.label for m in mql.months] == [f"2025-{n:02}" for n in range(1, 13)]
    assert {m.expected for m in mql.months} == {Decimal(20)}
    assert [q.expected for q in mql.quarters] == [Decimal(60)] * 4
    assert mql.quarters[0].label == "Q1 2025-01..2025-03"
    assert (mql.per_week.expected, mql.per_week.low, mql.per_week.high) == (
        Decimal(5),
        Decimal("4.5"),
        Decimal("5.5"),
    )


def test_default_start_is_used_only_without_a_period() -> None:
    plan = build_plan(_spec(period=None), default_start=date(2024, 3, 1))
    assert (plan.period_start, plan.period_end) == (date(2024, 3, 1), date(2025, 2, 28))
    assert plan.total.stage("mql").quarters[0].label == "Q1 2024-03..2024-05"


def test_a_half_year_has_half_the_weeks_and_partial_months_by_days() -> None:
    period = PeriodSpec(start=date(2025, 1, 16), end=date(2025, 6, 30))
    plan = build_plan(_spec(period=period))
    days = (date(2025, 6, 30) - date(2025, 1, 16)).days + 1
    assert plan.working_weeks == Decimal(48) * days / 365
    assert plan.months == 5 + Decimal(16) / 31
    mql = plan.total.stage("mql")
    january = mql.months[0]
    assert (january.start, january.end) == (date(2025, 1, 16), date(2025, 1, 31))
    # Half a January weighs half a month.
    assert abs(january.expected / mql.months[1].expected - Decimal(16) / 31) < CLOSE


def test_seasonality_weights_the_months() -> None:
    weights = tuple(
        Decimal(w) for w in (1, 1, 1, 1, 1, 1, 1, Decimal("0.5"), 1, 1, 1, Decimal("0.5"))
    )
    plan = build_plan(_spec(seasonality=weights))
    mql = plan.total.stage("mql")
    by_month = {m.label: m.expected for m in mql.months}
    assert by_month["2025-08"] == by_month["2025-12"] == Decimal(240) * Decimal("0.5") / 11
    assert by_month["2025-01"] == Decimal(240) / 11
    assert abs(sum(by_month.values()) - 240) < CLOSE


def test_target_between_pro_rates_by_days_and_honours_seasonality() -> None:
    weights = (Decimal(2),) + (Decimal(1),) * 11
    plan = build_plan(_spec(seasonality=weights))
    january = plan.target_between("mql", date(2025, 1, 1), date(2025, 1, 31))
    february = plan.target_between("mql", date(2025, 2, 1), date(2025, 2, 28))
    assert abs(january.expected - Decimal(240) * 2 / 13) < CLOSE
    assert abs(january.expected - 2 * february.expected) < CLOSE
    first_week = plan.target_between("mql", date(2025, 2, 1), date(2025, 2, 7))
    assert abs(first_week.expected - february.expected * 7 / 28) < CLOSE
    assert first_week.low == first_week.expected * Decimal("0.9")
    assert first_week.high == first_week.expected * Decimal("1.1")
    # Outside the plan there is nothing due.
    assert plan.target_between("mql", date(2030, 1, 1), date(2030, 12, 31)).expected == 0


def test_lag_shifts_arrivals_back_and_says_what_must_exist_before_the_period() -> None:
    stages = (
        StageSpec(name="lead", rate=Decimal("0.5"), lag_days=10),
        StageSpec(name="mql", rate=Decimal("0.5"), lag_days=21),
    )
    plan = build_plan(_spec(stages=stages))
    lead, mql = plan.total.stage("lead"), plan.total.stage("mql")
    assert (lead.lag_days_to_customer, mql.lag_days_to_customer) == (31, 21)
    # MQLs arrive 21 days before their customers: 21 of January's 31 days fall in December.
    assert mql.months[0].label == "2024-12" and not mql.months[0].in_period
    assert mql.months[0].start == date(2024, 12, 11)
    assert mql.before_period == Decimal(240) / 12 * 21 / 31
    # Leads arrive a whole January (31 days) earlier: all of December.
    assert lead.months[0].start == date(2024, 12, 1)
    assert lead.before_period == Decimal(480) / 12
    assert lead.quarters[0].label == "before 2024-10..2024-12"
    december = plan.target_between("lead", date(2024, 12, 1), date(2024, 12, 31))
    assert december.expected == Decimal(40)


def test_streams_have_their_own_deal_size_rates_and_reps() -> None:
    spec = _spec(
        streams=(
            StreamSpec(name="smb", share=Decimal("0.5"), deal_size=Decimal(500)),
            StreamSpec(
                name="enterprise",
                share=Decimal("0.5"),
                deal_size=Decimal(6000),
                rates={"mql": Decimal("0.25")},
            ),
        ),
        capacity=CapacitySpec(mqls_per_rep_week=Decimal(5)),
    )
    plan = build_plan(spec)
    smb, enterprise = plan.funnel(stream="smb"), plan.funnel(stream="enterprise")
    assert (smb.customers, [s.needed for s in smb.stages]) == (120, [480, 240])
    assert (enterprise.customers, [s.needed for s in enterprise.stages]) == (10, [80, 40])
    assert [s.needed for s in plan.stages] == [560, 280]
    # The total's MQL rate is the blend: (240 x 0.5 + 40 x 0.25) / 280.
    assert plan.total.stage("mql").rate == (Decimal(120) + Decimal(10)) / 280
    assert plan.capacity is not None
    needs = {n.stream: (n.reps_needed, n.reps_needed_rounded) for n in plan.capacity.streams}
    assert needs == {"smb": (Decimal(1), 1), "enterprise": (Decimal(40) / 48 / 5, 1)}
    total = plan.capacity.total
    assert total.reps_needed == Decimal(1) + Decimal(40) / 48 / 5
    assert total.reps_needed_rounded == 2


def test_sensitivity_ranks_the_best_lever_first() -> None:
    stages = (
        StageSpec(name="lead", rate=Decimal("0.5")),
        StageSpec(name="mql", rate=Decimal("0.05")),
    )
    plan = build_plan(_spec(stages=stages))
    first = plan.sensitivity[0]
    # From 5% to 6% saves a sixth of the top; from 50% to 51% saves a fiftieth.
    assert (first.rank, first.stage) == (1, "mql")
    assert first.top_needed == 4800
    assert first.plus_one_point_top_needed == 4000
    assert first.plus_ten_percent_top_needed == 4364  # 2400 / 0.055 = 2181.8 -> 2182 x 2
    second = plan.sensitivity[1]
    assert (second.stage, second.plus_one_point_top_needed) == ("lead", 4706)
