"""Properties of the reverse funnel (hypothesis), over any valid plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning_strategies import plan_specs, rates

from funnelpact.domain.planning import (
    Funnel,
    PlanSpec,
    RoundingMode,
    StageSpec,
    build_plan,
    validate_plan,
)

# Decimal sums of 28-digit fractions: equal to the last few digits.
CLOSE = Decimal("1e-18")
START = date(2025, 1, 1)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= CLOSE * max(Decimal(1), abs(b))


def _chain_rates(spec: PlanSpec, stream: int | None, source: int | None) -> list[Decimal]:
    result = []
    for stage in spec.stages:
        rate = stage.rate
        if stream is not None:
            rate = spec.streams[stream].rates.get(stage.name, rate)
        if source is not None:
            rate = spec.sources[source].rates.get(stage.name, rate)
        result.append(rate)
    return result


def _forward(top: int, chain: list[Decimal]) -> Decimal:
    """Simulate the plan forward: the top volume times every rate, stage by stage."""
    volume = Decimal(top)
    for rate in chain:
        volume *= rate
    return volume


@FAST
@given(plan_specs(sources=False))
def test_forward_simulation_reaches_the_goal_streams(spec: PlanSpec) -> None:
    assert [i for i in validate_plan(spec) if i.level == "error"] == []
    plan = build_plan(spec)
    revenue = Decimal(0)
    if spec.streams:
        for index, stream in enumerate(spec.streams):
            funnel = plan.funnel(stream=stream.name)
            deal = stream.deal_size or spec.deal_size
            customers = _forward(funnel.top.needed, _chain_rates(spec, index, None))
            assert customers * deal >= funnel.goal - CLOSE
            revenue += customers * deal
    else:
        revenue = _forward(plan.total.top.needed, _chain_rates(spec, None, None)) * spec.deal_size
    assert revenue >= spec.goal - CLOSE


@FAST
@given(plan_specs(streams=False))
def test_forward_simulation_reaches_the_goal_sources(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    if not spec.sources:
        customers = _forward(plan.total.top.needed, _chain_rates(spec, None, None))
    else:
        customers = sum(
            (
                _forward(plan.funnel(source=source.name).top.needed, _chain_rates(spec, None, i))
                for i, source in enumerate(spec.sources)
            ),
            Decimal(0),
        )
    assert customers * spec.deal_size >= spec.goal - CLOSE


@FAST
@given(plan_specs(sources=False))
def test_each_stage_feeds_the_next(spec: PlanSpec) -> None:
    """Stage by stage: what a stage converts covers the stage below (exactly, in each_stage)."""
    plan = build_plan(spec)
    # Each stream is one chain; the total is a sum of chains (checked in each_stage only,
    # where every chain's flow covers its own rounded stage below).
    chains = plan.streams or (plan.total,)
    funnels = (plan.total, *chains) if spec.rounding is RoundingMode.EACH_STAGE else chains
    for funnel in funnels:
        below = [s.needed for s in funnel.stages[1:]] + [funnel.customers]
        for stage, next_needed in zip(funnel.stages, below, strict=True):
            flow = stage.needed * stage.rate
            if spec.rounding is RoundingMode.EACH_STAGE:
                assert flow >= next_needed - CLOSE
            else:  # rounded once: covers the exact need below, which rounds up to next_needed
                assert flow > next_needed - 1


@FAST
@given(plan_specs(sources=False), st.data())
def test_lowering_a_rate_never_lowers_a_count(spec: PlanSpec, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(spec.stages) - 1))
    stage = spec.stages[index]
    lower = data.draw(rates.filter(lambda r: r <= stage.rate))
    worse_stages = list(spec.stages)
    worse_stages[index] = stage.model_copy(update={"rate": lower})

    # Stream overrides of that stage are lowered too, never above their own value.
    def lowered(rates: dict[str, Decimal]) -> dict[str, Decimal]:
        return {k: (min(v, lower) if k == stage.name else v) for k, v in rates.items()}

    worse_streams = tuple(s.model_copy(update={"rates": lowered(s.rates)}) for s in spec.streams)
    worse = spec.model_copy(update={"stages": tuple(worse_stages), "streams": worse_streams})
    before, after = build_plan(spec), build_plan(worse)
    for old, new in zip(before.stages, after.stages, strict=True):
        assert new.needed >= old.needed
    assert after.customers == before.customers


@FAST
@given(plan_specs())
def test_months_weeks_quarters_add_up_to_the_period(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    for funnel in (plan.total, *plan.streams, *plan.sources):
        for stage in funnel.stages:
            needed = Decimal(stage.needed)
            assert _close(sum((m.expected for m in stage.months), Decimal(0)), needed)
            assert _close(sum((q.expected for q in stage.quarters), Decimal(0)), needed)
            assert _close(stage.per_week.expected * plan.working_weeks, needed)
            assert _close(stage.per_month.expected * plan.months, needed)
            in_period = sum((m.expected for m in stage.months if m.in_period), Decimal(0))
            assert _close(in_period + stage.before_period, needed)
            # The whole schedule pro-rated over its own dates is the whole need.
            whole = plan.target_between(
                stage.name,
                stage.months[0].start,
                stage.months[-1].end,
                stream=funnel.name if funnel in plan.streams else None,
                source=funnel.name if funnel in plan.sources else None,
            )
            assert _close(whole.expected, needed)
            low, high = whole.low, whole.high
            assert low <= whole.expected <= high


@FAST
@given(plan_specs())
def test_streams_and_sources_add_up_to_the_total(spec: PlanSpec) -> None:
    plan = build_plan(spec)

    def column(funnels: tuple[Funnel, ...]) -> list[int]:
        return [sum(f.stages[i].needed for f in funnels) for i in range(len(spec.stages))]

    totals = [s.needed for s in plan.stages]
    if plan.streams:
        assert column(plan.streams) == totals
        assert sum(f.customers for f in plan.streams) == plan.customers
        assert _close(sum((f.goal for f in plan.streams), Decimal(0)), spec.goal)
    if plan.sources:
        assert column(plan.sources) == totals
        assert sum(f.customers for f in plan.sources) == plan.customers
        assert _close(sum((f.goal for f in plan.sources), Decimal(0)), spec.goal)


@FAST
@given(plan_specs(streams=False, sources=False, lags=False))
def test_rounding_once_never_needs_more_than_each_stage(spec: PlanSpec) -> None:
    each = build_plan(spec.model_copy(update={"rounding": RoundingMode.EACH_STAGE}))
    once = build_plan(spec.model_copy(update={"rounding": RoundingMode.ONCE}))
    assert once.customers == each.customers
    for a, b in zip(once.stages, each.stages, strict=True):
        assert a.needed <= b.needed


@FAST
@given(plan_specs())
def test_sensitivity_never_costs_volume_and_is_ranked(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    rows = plan.sensitivity
    assert [r.rank for r in rows] == list(range(1, len(spec.stages) + 1))
    assert sorted(r.stage for r in rows) == sorted(spec.stage_names())
    for row in rows:
        assert row.plus_one_point_saving >= 0
        assert row.plus_ten_percent_saving >= 0
        assert row.top_needed == plan.total.top.needed
    savings = [r.plus_one_point_saving for r in rows]
    assert savings == sorted(savings, reverse=True)


def test_an_exact_chain_is_not_rounded_up_by_float_noise() -> None:
    """The 0.1 + 0.2 trap: in floats 7 / 0.01 / 0.35 is 2000.0000000000002, rounding up to 2001."""
    assert 7 / 0.01 / 0.35 > 2000
    spec = PlanSpec(
        goal=Decimal(7),
        deal_size=Decimal(1),
        stages=(
            StageSpec(name="a", rate=Decimal("0.35")),
            StageSpec(name="b", rate=Decimal("0.01")),
        ),
    )
    for rounding in RoundingMode:
        plan = build_plan(spec.model_copy(update={"rounding": rounding}), default_start=START)
        assert [s.needed for s in plan.stages] == [2000, 700]


@FAST
@given(plan_specs(streams=False), st.data())
def test_with_sources_lowering_a_rate_never_lowers_the_top(
    spec: PlanSpec, data: st.DataObject
) -> None:
    """With a source mix, the top of the funnel is monotone; middle stages need not be.

    The mix is fixed at the top, so a worse rate for one source shifts the middle of the
    funnel towards the others: a middle stage's total can fall while the top grows
    (docs/planner.md, "Sources").
    """
    index = data.draw(st.integers(0, len(spec.stages) - 1))
    stage = spec.stages[index]
    factor = data.draw(st.integers(1, 100).map(lambda n: Decimal(n) / 100))

    def lowered(rates: dict[str, Decimal]) -> dict[str, Decimal]:
        return {
            k: max(Decimal("0.001"), v * factor) if k == stage.name else v for k, v in rates.items()
        }

    worse_stage = stage.model_copy(update={"rate": max(Decimal("0.001"), stage.rate * factor)})
    worse = spec.model_copy(
        update={
            "stages": tuple(worse_stage if s is stage else s for s in spec.stages),
            "sources": tuple(
                s.model_copy(update={"rates": lowered(s.rates)}) for s in spec.sources
            ),
        }
    )
    assert build_plan(worse).total.top.needed >= build_plan(spec).total.top.needed
