"""The reverse funnel: from the revenue goal back to the people every stage must deliver.

All arithmetic is `Decimal` (28 significant digits, Python's default, pinned so that a caller's
context cannot change a plan), so 100,000 / 1,000 / 0.5 is exactly 200 and rounding up never
turns an exact 3,900 into 3,901 (the 0.1 + 0.2 trap of binary floats).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.planning.periods import (
    Slice,
    days_between,
    default_period_end,
    month_end,
    month_slices,
    month_start,
    month_weights,
    months_in_period,
    rebucket_by_month,
    shift_back,
    working_weeks_in_period,
)
from funnelpact.domain.planning.result import (
    CapacityPlan,
    FollowUpPlan,
    Funnel,
    PeriodTarget,
    Plan,
    ProtocolCheck,
    RepNeed,
    SensitivityRow,
    StageTargets,
    Target,
)
from funnelpact.domain.planning.spec import PlanSpec, RoundingMode, SourceSpec, StreamSpec
from funnelpact.domain.planning.validation import PlanCode, validate_plan

PRECISION = 28
# Derived ratios (reps, attempts) go through several divisions; an exact 3 must not become
# 3.000...01 and round up to 4.
DERIVED_EPSILON = Decimal("1e-20")
ONE_POINT = Decimal("0.01")
TEN_PERCENT = Decimal("1.1")

RateAdjuster = Callable[[int, Decimal], Decimal]


def ceil_int(value: Decimal) -> int:
    """Round up to a whole number, exactly (no epsilon: the funnel arithmetic is exact)."""
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def ceil_derived(value: Decimal) -> int:
    """Round up a ratio of several divisions, forgiving the last digit of rounding error."""
    return ceil_int(value - DERIVED_EPSILON)


def reverse_chain(
    customers_exact: Decimal, rates: Sequence[Decimal], rounding: RoundingMode
) -> tuple[int, tuple[int, ...]]:
    """Customers and the people needed at each stage (top to bottom) to make them.

    ``each_stage``: customers are rounded up first, then each stage above is computed from the
    rounded stage below it and rounded up (seed 000 and seed 003 work this way).
    ``once``: each stage is the exact customers divided by the product of the rates below it,
    rounded up only then; never more than ``each_stage``, sometimes a few less.
    """
    customers = ceil_int(customers_exact)
    needed: list[int] = []
    match rounding:
        case RoundingMode.EACH_STAGE:
            below = Decimal(customers)
            for rate in reversed(rates):
                count = ceil_int(below / rate)
                needed.append(count)
                below = Decimal(count)
        case RoundingMode.ONCE:
            product = Decimal(1)
            for rate in reversed(rates):
                product *= rate
                # One division of exact decimals: an integer result stays exactly an integer.
                needed.append(ceil_int(customers_exact / product))
    return customers, tuple(reversed(needed))


def apportion(total: int, weights: Sequence[Decimal]) -> list[int]:
    """Split a whole number by weights, largest remainders first (ties: first listed)."""
    weight_sum = sum(weights, Decimal(0))
    if total == 0 or weight_sum == 0:
        return [0 for _ in weights]
    quotas = [Decimal(total) * weight / weight_sum for weight in weights]
    shares = [int(quota) for quota in quotas]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


@dataclass(frozen=True, slots=True)
class _Counts:
    """Customers and per-stage counts of one funnel, before timing is laid on them."""

    goal: Decimal
    customers: int
    needed: tuple[int, ...]
    # needed x rate per stage: the expected flow into the next stage. A sum of funnels keeps
    # it so that its blended rate is flow / needed, not a ratio of rounded counts.
    flows: tuple[Decimal, ...]

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(
            goal=self.goal + other.goal,
            customers=self.customers + other.customers,
            needed=tuple(a + b for a, b in zip(self.needed, other.needed, strict=True)),
            flows=tuple(a + b for a, b in zip(self.flows, other.flows, strict=True)),
        )

    def rate(self, index: int, fallback: Decimal) -> Decimal:
        needed = self.needed[index]
        return self.flows[index] / needed if needed else fallback


def _counts(
    goal: Decimal, customers: int, needed: tuple[int, ...], rates: Sequence[Decimal]
) -> _Counts:
    flows = tuple(count * rate for count, rate in zip(needed, rates, strict=True))
    return _Counts(goal=goal, customers=customers, needed=needed, flows=flows)


def _zero(stage_count: int) -> _Counts:
    return _Counts(
        goal=Decimal(0), customers=0, needed=(0,) * stage_count, flows=(Decimal(0),) * stage_count
    )


def _streams_of(spec: PlanSpec) -> tuple[StreamSpec, ...]:
    if spec.streams:
        return spec.streams
    return (StreamSpec(name="all", share=Decimal(1)),)


def _rates(
    spec: PlanSpec,
    stream: StreamSpec,
    source: SourceSpec | None,
    adjust: RateAdjuster | None,
) -> list[Decimal]:
    rates: list[Decimal] = []
    for index, stage in enumerate(spec.stages):
        rate = stream.rates.get(stage.name, stage.rate)
        if source is not None:
            rate = source.rates.get(stage.name, rate)
        rates.append(adjust(index, rate) if adjust is not None else rate)
    return rates


def _product(values: Sequence[Decimal]) -> Decimal:
    result = Decimal(1)
    for value in values:
        result *= value
    return result


@dataclass(frozen=True, slots=True)
class _RawPlan:
    total: _Counts
    streams: tuple[_Counts, ...]
    sources: tuple[_Counts, ...]


def _count(
    spec: PlanSpec, sources: Sequence[SourceSpec], adjust: RateAdjuster | None = None
) -> _RawPlan:
    """Counts per stream and per source; the total is their sum, so the parts always add up."""
    stage_count = len(spec.stages)
    stream_counts: list[_Counts] = []
    source_counts = [_zero(stage_count) for _ in sources]
    for stream in _streams_of(spec):
        goal = spec.goal * stream.share
        deal_size = stream.deal_size if stream.deal_size is not None else spec.deal_size
        customers_exact = goal / deal_size
        if len(sources) <= 1:
            # No mix to split: one chain, rounded the plan's way (seeds 000 and 003).
            source = sources[0] if sources else None
            rates = _rates(spec, stream, source, adjust)
            customers, needed = reverse_chain(customers_exact, rates, spec.rounding)
            counts = _counts(goal, customers, needed, rates)
            stream_counts.append(counts)
            if sources:
                source_counts[0] = source_counts[0] + counts
            continue
        source_rates = [_rates(spec, stream, source, adjust) for source in sources]
        # A source's share of the customers is its share of the top of the funnel times the
        # share of that top that its own rates carry through to a sale.
        weights = [
            source.mix * _product(rates)
            for source, rates in zip(sources, source_rates, strict=True)
        ]
        weight_sum = sum(weights, Decimal(0))
        whole = ceil_int(customers_exact)
        # Each source's share of the customers is a fraction (0.4 of a sale): rounding it up at
        # every stage would invent people and distort the mix, so each source's funnel is
        # rounded once from its share; the shares are of the whole customers in each_stage
        # mode and of the exact ones in once mode. Whole customers are split by largest
        # remainder so that the sources' customers add up to the stream's.
        base = Decimal(whole) if spec.rounding is RoundingMode.EACH_STAGE else customers_exact
        shown = apportion(whole, weights)
        stream_total = _zero(stage_count)
        for index, rates in enumerate(source_rates):
            share = base * weights[index] / weight_sum
            _, needed = reverse_chain(share, rates, RoundingMode.ONCE)
            part = _counts(goal * weights[index] / weight_sum, shown[index], needed, rates)
            source_counts[index] = source_counts[index] + part
            stream_total = stream_total + part
        stream_counts.append(stream_total)
    total = _zero(stage_count)
    for counts in stream_counts:
        total = total + counts
    return _RawPlan(total=total, streams=tuple(stream_counts), sources=tuple(source_counts))


@dataclass(frozen=True, slots=True)
class _Timing:
    """What every funnel of one plan shares: the period, its months and the lags."""

    start: date
    end: date
    weeks: Decimal
    months: Decimal
    shares: tuple[tuple[date, date, Decimal], ...]
    lags: tuple[int, ...]
    tolerance: Decimal


def _lags_to_customer(spec: PlanSpec) -> tuple[int, ...]:
    lags: list[int] = []
    running = 0
    for stage in reversed(spec.stages):
        running += stage.lag_days or 0
        lags.append(running)
    return tuple(reversed(lags))


def _month_label(start: date) -> str:
    return f"{start:%Y-%m}"


def _schedule(needed: int, lag_days: int, timing: _Timing) -> list[Slice]:
    goal_timed = [Slice(start, end, needed * share) for start, end, share in timing.shares]
    shifted = shift_back(goal_timed, lag_days)
    first = shifted[0].start
    if first >= timing.start:
        return rebucket_by_month(shifted)
    # Split at the period start too, so that no month mixes volume before and inside it.
    before = [
        Slice(start, end, sum((s.part_between(start, end) for s in shifted), Decimal(0)))
        for start, end in month_slices(first, timing.start - timedelta(days=1))
    ]
    inside = rebucket_by_month(
        [
            Slice(max(s.start, timing.start), s.end, s.part_between(timing.start, s.end))
            for s in shifted
            if s.end >= timing.start
        ]
    )
    return before + inside


def _period_target(label: str, slice_: Slice, timing: _Timing) -> PeriodTarget:
    band = Target.around(slice_.amount, timing.tolerance)
    return PeriodTarget(
        label=label,
        start=slice_.start,
        end=slice_.end,
        in_period=slice_.start >= timing.start,
        expected=band.expected,
        low=band.low,
        high=band.high,
    )


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarters(months: Sequence[Slice], timing: _Timing) -> list[PeriodTarget]:
    groups: dict[int, list[Slice]] = {}
    for month in months:
        offset = (month.start.year - timing.start.year) * 12 + (
            month.start.month - timing.start.month
        )
        groups.setdefault(offset // 3, []).append(month)
    quarters: list[PeriodTarget] = []
    for key in sorted(groups):
        members = groups[key]
        # Label the quarter's window, not its members, so every stage names it the same way.
        first = _add_months(month_start(timing.start), key * 3)
        span = f"{_month_label(first)}..{_month_label(_add_months(first, 2))}"
        label = f"Q{key + 1} {span}" if key >= 0 else f"before {span}"
        amount = sum((m.amount for m in members), Decimal(0))
        quarters.append(
            _period_target(label, Slice(members[0].start, members[-1].end, amount), timing)
        )
    return quarters


def _stage_targets(spec: PlanSpec, counts: _Counts, timing: _Timing) -> tuple[StageTargets, ...]:
    stages: list[StageTargets] = []
    for index, stage in enumerate(spec.stages):
        needed = counts.needed[index]
        rate = counts.rate(index, stage.rate)
        months = _schedule(needed, timing.lags[index], timing)
        per_month = Decimal(needed) / timing.months
        stages.append(
            StageTargets(
                name=stage.name,
                label=stage.label or stage.name,
                rate=rate,
                needed=needed,
                lag_days_to_customer=timing.lags[index],
                period=Target.around(Decimal(needed), timing.tolerance),
                per_quarter=Target.around(per_month * 3, timing.tolerance),
                per_month=Target.around(per_month, timing.tolerance),
                per_week=Target.around(Decimal(needed) / timing.weeks, timing.tolerance),
                value_per_unit=counts.goal / needed if needed else None,
                months=tuple(_period_target(_month_label(m.start), m, timing) for m in months),
                quarters=tuple(_quarters(months, timing)),
                before_period=sum((m.amount for m in months if m.start < timing.start), Decimal(0)),
            )
        )
    return tuple(stages)


def _funnel(name: str, label: str, spec: PlanSpec, counts: _Counts, timing: _Timing) -> Funnel:
    return Funnel(
        name=name,
        label=label,
        goal=counts.goal,
        customers=counts.customers,
        stages=_stage_targets(spec, counts, timing),
    )


def _rep_need(stream: str, funnel: Funnel, spec: PlanSpec, weeks: Decimal) -> RepNeed:
    assert spec.capacity is not None
    capacity = spec.capacity
    mqls_per_week = sqls_per_week = reps_for_mqls = reps_for_sqls = None
    if capacity.mqls_per_rep_week is not None:
        mqls_per_week = funnel.stage(capacity.mql_stage).needed / weeks
        reps_for_mqls = mqls_per_week / capacity.mqls_per_rep_week
    if capacity.sqls_per_rep_week is not None:
        sqls_per_week = funnel.stage(capacity.sql_stage).needed / weeks
        reps_for_sqls = sqls_per_week / capacity.sqls_per_rep_week
    needs = [need for need in (reps_for_mqls, reps_for_sqls) if need is not None]
    reps_needed = max(needs, default=Decimal(0))
    return RepNeed(
        stream=stream,
        mqls_per_week=mqls_per_week,
        reps_for_mqls=reps_for_mqls,
        sqls_per_week=sqls_per_week,
        reps_for_sqls=reps_for_sqls,
        reps_needed=reps_needed,
        reps_needed_rounded=ceil_derived(reps_needed),
    )


def _capacity(
    plan_spec: PlanSpec, total: Funnel, streams: Sequence[Funnel], weeks: Decimal
) -> CapacityPlan | None:
    if plan_spec.capacity is None:
        return None
    per_stream = tuple(_rep_need(f.name, f, plan_spec, weeks) for f in streams)
    whole = _rep_need("total", total, plan_spec, weeks)
    if per_stream:
        # Each stream's reps work its own leads: the team is the sum of the streams' needs.
        summed = sum((need.reps_needed for need in per_stream), Decimal(0))
        whole = whole.model_copy(
            update={"reps_needed": summed, "reps_needed_rounded": ceil_derived(summed)}
        )
    return CapacityPlan(capacity=plan_spec.capacity, total=whole, streams=per_stream)


def _follow_up(
    spec: PlanSpec, total: Funnel, capacity: CapacityPlan | None, timing: _Timing
) -> FollowUpPlan | None:
    if spec.follow_up is None:
        return None
    follow_up = spec.follow_up
    stage_name = follow_up.stage or (spec.capacity.mql_stage if spec.capacity else "mql")
    stage = total.stage(stage_name)
    reps = follow_up.reps or (capacity.total.reps_needed_rounded if capacity else 0) or 1
    leads_per_month = Decimal(stage.needed) / timing.months
    full_months = [
        month.expected
        * days_between(month_start(month.start), month_end(month.start))
        / days_between(month.start, month.end)
        for month in stage.months
        if month.in_period
    ]
    peak = max(full_months, default=leads_per_month)
    hours = reps * follow_up.hours_per_rep_month
    attempts = hours * 60 / follow_up.minutes_per_attempt

    def per_lead(leads: Decimal) -> Decimal:
        return attempts / leads if leads else Decimal(0)

    protocols = tuple(
        ProtocolCheck(
            required_attempts=required,
            hours_needed_per_month=leads_per_month * required * follow_up.minutes_per_attempt / 60,
            reps_needed=leads_per_month
            * required
            * follow_up.minutes_per_attempt
            / 60
            / follow_up.hours_per_rep_month,
            affordable=per_lead(leads_per_month) + DERIVED_EPSILON >= required,
        )
        for required in follow_up.required_attempts
    )
    return FollowUpPlan(
        stage=stage_name,
        reps=reps,
        leads_per_month=leads_per_month,
        peak_leads_per_month=peak,
        hours_per_month=hours,
        attempts_per_month=attempts,
        attempts_per_lead=per_lead(leads_per_month),
        attempts_per_lead_at_peak=per_lead(peak),
        protocols=protocols,
    )


def _sensitivity(spec: PlanSpec, base: _RawPlan) -> tuple[SensitivityRow, ...]:
    top = base.total.needed[0]
    rows: list[tuple[int, int, int, SensitivityRow]] = []
    for index, stage in enumerate(spec.stages):

        def one_point(i: int, rate: Decimal, stage_index: int = index) -> Decimal:
            return min(rate + ONE_POINT, Decimal(1)) if i == stage_index else rate

        def ten_percent(i: int, rate: Decimal, stage_index: int = index) -> Decimal:
            return min(rate * TEN_PERCENT, Decimal(1)) if i == stage_index else rate

        top_one = _count(spec, spec.sources, one_point).total.needed[0]
        top_ten = _count(spec, spec.sources, ten_percent).total.needed[0]
        row = SensitivityRow(
            rank=0,
            stage=stage.name,
            rate=base.total.rate(index, stage.rate),
            top_needed=top,
            plus_one_point_top_needed=top_one,
            plus_one_point_saving=top - top_one,
            plus_one_point_saving_share=Decimal(top - top_one) / top if top else Decimal(0),
            plus_ten_percent_top_needed=top_ten,
            plus_ten_percent_saving=top - top_ten,
            plus_ten_percent_saving_share=Decimal(top - top_ten) / top if top else Decimal(0),
        )
        rows.append((-(top - top_one), -(top - top_ten), index, row))
    rows.sort(key=lambda item: item[:3])
    return tuple(
        row.model_copy(update={"rank": rank}) for rank, (*_, row) in enumerate(rows, start=1)
    )


def _period(spec: PlanSpec, default_start: date | None) -> tuple[date, date]:
    if spec.period is not None:
        start = spec.period.start
        return start, spec.period.end or default_period_end(start)
    if default_start is None:
        raise DomainError(
            [
                Issue(
                    level=Level.ERROR,
                    code=PlanCode.MISSING_FIELD,
                    message="the plan has no period: give period.start (the end defaults to a "
                    "year later)",
                    field="period",
                )
            ]
        )
    return default_start, default_period_end(default_start)


def build_plan(spec: PlanSpec, *, default_start: date | None = None) -> Plan:
    """Reverse the funnel of ``spec``.

    ``default_start`` is the first day of the period when the spec has none (the CLI passes
    1 January of the current year; the domain never reads the clock). Raises `DomainError`
    with every issue when the spec is invalid.
    """
    issues = validate_plan(spec)
    errors = [issue for issue in issues if issue.level is Level.ERROR]
    if errors:
        raise DomainError(errors)
    with decimal.localcontext() as context:
        context.prec = PRECISION
        return _build(spec, default_start)


def _build(spec: PlanSpec, default_start: date | None) -> Plan:
    start, end = _period(spec, default_start)
    timing = _Timing(
        start=start,
        end=end,
        weeks=working_weeks_in_period(start, end, spec.working_weeks),
        months=months_in_period(start, end),
        shares=tuple(month_weights(start, end, spec.seasonality)),
        lags=_lags_to_customer(spec),
        tolerance=spec.tolerance,
    )
    raw = _count(spec, spec.sources)
    total = _funnel("total", "Total", spec, raw.total, timing)
    streams = tuple(
        _funnel(stream.name, stream.label or stream.name, spec, counts, timing)
        for stream, counts in zip(spec.streams, raw.streams, strict=False)
    )
    sources = tuple(
        _funnel(source.name, source.label or source.name, spec, counts, timing)
        for source, counts in zip(spec.sources, raw.sources, strict=True)
    )
    single_source = tuple(
        _funnel(
            source.name,
            source.label or source.name,
            spec,
            _count(spec, [source.model_copy(update={"mix": Decimal(1)})]).total,
            timing,
        )
        for source in spec.sources
    )
    capacity = _capacity(spec, total, streams, timing.weeks)
    return Plan(
        spec=spec,
        currency=spec.currency,
        goal=spec.goal,
        period_start=start,
        period_end=end,
        working_weeks=timing.weeks,
        months=timing.months,
        tolerance=spec.tolerance,
        total=total,
        streams=streams,
        sources=sources,
        single_source=single_source,
        capacity=capacity,
        follow_up=_follow_up(spec, total, capacity, timing),
        sensitivity=_sensitivity(spec, raw),
    )
