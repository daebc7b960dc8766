"""The seeds' worked examples, exactly as the blog posts compute them.

Seed 000: /work/shared/seeds/000_132ee8e7c70ffc8c.txt (Spanish, HubSpot's SLA example).
Seed 003: /work/shared/seeds/003_6ff784be974e56aa.txt (Italian, the symmetric SLA).
Seed 002: /work/shared/seeds/002_bcc0de4d96bef914.txt (Spanish, the follow-up budget formula).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from funnelpact.domain.planning import (
    CapacitySpec,
    FollowUpSpec,
    PeriodSpec,
    PlanSpec,
    SourceSpec,
    StageSpec,
    build_plan,
    load_plan_text,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
JANUARY_2025 = PeriodSpec(start=date(2025, 1, 1))


def _seed_000_spec() -> PlanSpec:
    # "ventas promedio ... de 1.000 euros y la tasa de conversión entre cada etapa del embudo
    # del 50%", "nuestra meta para este año es de 100.000 euros".
    return PlanSpec(
        goal=Decimal(100000),
        deal_size=Decimal(1000),
        period=JANUARY_2025,
        stages=tuple(
            StageSpec(name=name, rate=Decimal("0.5"))
            for name in ("prospect", "lead", "mql", "sql", "opportunity")
        ),
        working_weeks=Decimal(48),
        capacity=CapacitySpec(mqls_per_rep_week=Decimal(8), sqls_per_rep_week=Decimal(4)),
    )


def test_seed_000_reverse_funnel_counts() -> None:
    """Seed 000: 100 clientes, 200 oportunidades, 400 SQLs, 800 MQLs, 1.600, 3.200 prospectos."""
    plan = build_plan(_seed_000_spec())
    assert plan.customers == 100
    assert [(s.name, s.needed) for s in plan.stages] == [
        ("prospect", 3200),
        ("lead", 1600),
        ("mql", 800),
        ("sql", 400),
        ("opportunity", 200),
    ]


def test_seed_000_weekly_mqls_and_reps() -> None:
    """Seed 000: 48 semanas laborables; 800 MQLs / 48 = 16.67 a week; 8 MQLs per rep -> 2.08."""
    plan = build_plan(_seed_000_spec())
    mql = plan.total.stage("mql")
    assert round(mql.per_week.expected, 2) == Decimal("16.67")
    assert abs(mql.per_week.expected * 48 - 800) < Decimal("1e-20")
    assert plan.capacity is not None
    need = plan.capacity.total
    assert need.reps_for_mqls is not None and round(need.reps_for_mqls, 2) == Decimal("2.08")
    # "llamar a los 4 que identifique como SQLs": 400 SQLs / 48 / 4 is the same 2.08 reps.
    assert need.reps_for_sqls is not None and round(need.reps_for_sqls, 2) == Decimal("2.08")
    assert need.reps_needed_rounded == 3


def test_seed_000_value_per_stage_is_goal_over_count() -> None:
    plan = build_plan(_seed_000_spec())
    values = {s.name: s.value_per_unit for s in plan.stages}
    assert values == {
        "prospect": Decimal("31.25"),
        "lead": Decimal("62.5"),
        "mql": Decimal(125),
        "sql": Decimal(250),
        "opportunity": Decimal(500),
    }


def _seed_003_spec(**changes: object) -> PlanSpec:
    # "La quota ... $ 500.000", "Da SQL a opportunità CR: 82%", "Tasso di vincita: 23%",
    # "AOV: $ 2.000"; 1326 SQL from 3900 MQL is an MQL -> SQL rate of 0.34.
    spec = PlanSpec(
        goal=Decimal(500000),
        currency="USD",
        deal_size=Decimal(2000),
        period=JANUARY_2025,
        stages=(
            StageSpec(name="mql", rate=Decimal("0.34")),
            StageSpec(name="sql", rate=Decimal("0.82")),
            StageSpec(name="opportunity", rate=Decimal("0.23")),
        ),
    )
    return spec.model_copy(update=changes)


def test_seed_003_quota_to_mqls() -> None:
    """Seed 003: 250 affari, 1087 opportunità, 1326 SQL, 3 900 MQL."""
    plan = build_plan(_seed_003_spec())
    assert plan.customers == 250
    assert [(s.name, s.needed) for s in plan.stages] == [
        ("mql", 3900),
        ("sql", 1326),
        ("opportunity", 1087),
    ]


def test_seed_003_value_per_lead_is_quota_over_mqls() -> None:
    """Seed 003: "dividere la quota per il numero di MQL necessari"."""
    plan = build_plan(_seed_003_spec())
    assert plan.total.stage("mql").value_per_unit == Decimal(500000) / Decimal(3900)
    # The seed's own illustration: 1 million and 100 leads -> each lead is worth 10,000.
    small = build_plan(
        PlanSpec(
            goal=Decimal(1_000_000),
            deal_size=Decimal(10_000),
            period=JANUARY_2025,
            stages=(StageSpec(name="lead", rate=Decimal(1)),),
        )
    )
    assert small.total.stage("lead").needed == 100
    assert small.total.stage("lead").value_per_unit == Decimal(10_000)


def test_seed_003_tolerance_gives_bounds() -> None:
    """Seed 003: "+- 10% di consegna in eccesso o in difetto entro un mese"."""
    plan = build_plan(_seed_003_spec())
    month = plan.total.stage("mql").per_month
    assert month.expected == Decimal(325)
    assert (month.low, month.high) == (Decimal("292.5"), Decimal("357.5"))


def test_seed_003_web_form_versus_outbound() -> None:
    """Seed 003: the quota needs 3,900 web-form leads or 2,600 outbound leads."""
    spec = _seed_003_spec(
        sources=(
            SourceSpec(name="web_form", mix=Decimal("0.5")),
            SourceSpec(name="outbound", mix=Decimal("0.5"), rates={"mql": Decimal("0.51")}),
        )
    )
    plan = build_plan(spec)
    alone = {funnel.name: funnel.top.needed for funnel in plan.single_source}
    assert alone == {"web_form": 3900, "outbound": 2600}


def test_seed_003_sales_cycle_lag_buys_leads_ahead() -> None:
    """Seed 003: "se il tuo tempo medio di chiusura è di circa un mese" buy leads ahead."""
    spec = _seed_003_spec(
        stages=(
            StageSpec(name="mql", rate=Decimal("0.34"), lag_days=0),
            StageSpec(name="sql", rate=Decimal("0.82"), lag_days=0),
            StageSpec(name="opportunity", rate=Decimal("0.23"), lag_days=31),
        )
    )
    plan = build_plan(spec)
    mql = plan.total.stage("mql")
    # A 31-day cycle moves one month of twelve before the period: December 2024.
    assert mql.months[0].label == "2024-12" and not mql.months[0].in_period
    assert mql.before_period == Decimal(3900) / 12
    assert sum(m.expected for m in mql.months) == 3900


def test_seed_002_follow_up_budget_formula() -> None:
    """Seed 002: "Con X oportunidades de venta y Y horas al mes, ¿cuántos intentos...?"."""
    spec = _seed_000_spec().model_copy(
        update={
            "follow_up": FollowUpSpec(
                hours_per_rep_month=Decimal(20), minutes_per_attempt=Decimal(15), reps=2
            )
        }
    )
    plan = build_plan(spec)
    follow = plan.follow_up
    assert follow is not None
    # 800 MQLs a year = 66.67 a month; 2 reps x 20 h x 60 / 15 min = 160 attempts a month.
    assert follow.attempts_per_month == 160
    assert follow.attempts_per_lead == Decimal(160) / (Decimal(800) / 12)
    assert [(p.required_attempts, p.affordable) for p in follow.protocols] == [
        (3, False),
        (5, False),
        (7, False),
    ]
    roomy = spec.model_copy(
        update={"follow_up": spec.follow_up.model_copy(update={"reps": 5})}  # type: ignore[union-attr]
    )
    checks = build_plan(roomy).follow_up
    assert checks is not None
    assert [p.affordable for p in checks.protocols] == [True, True, False]


def test_example_seed_000_file() -> None:
    path = EXAMPLES / "plan-seed-000.yaml"
    spec, issues = load_plan_text(path.read_text(encoding="utf-8"), file=str(path))
    assert issues == [] and spec is not None
    plan = build_plan(spec)
    assert plan.customers == 100
    assert [s.needed for s in plan.stages] == [3200, 1600, 800, 400, 200]
    assert plan.capacity is not None and plan.capacity.total.reps_needed_rounded == 3


def test_example_seed_003_file() -> None:
    path = EXAMPLES / "plan-seed-003.yaml"
    spec, issues = load_plan_text(path.read_text(encoding="utf-8"), file=str(path))
    assert issues == [] and spec is not None
    plan = build_plan(spec)
    assert plan.customers == 250
    alone = {f.name: [s.needed for s in f.stages] for f in plan.single_source}
    assert alone == {"web_form": [3900, 1326, 1087], "outbound": [2600, 1326, 1087]}
    # The planned 60/40 mix sits between the two extremes and adds up to the total.
    assert 2600 < plan.total.top.needed < 3900
    assert sum(f.top.needed for f in plan.sources) == plan.total.top.needed
    assert plan.total.stage("mql").before_period > 0
