"""Hypothesis strategies for plan specs: valid by construction, small enough to run fast."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from funnelpact.domain.planning import (
    PeriodSpec,
    PlanSpec,
    RoundingMode,
    SourceSpec,
    StageSpec,
    StreamSpec,
)

rates = st.integers(min_value=1, max_value=1000).map(lambda n: Decimal(n) / 1000)
money = st.integers(min_value=1, max_value=10_000_000).map(Decimal)


@st.composite
def percent_parts(draw: st.DrawFn, count: int) -> list[Decimal]:
    """``count`` shares in (0, 1] that add up to exactly 1 (whole percents)."""
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 100]
    return [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]


@st.composite
def overrides(draw: st.DrawFn, names: list[str]) -> dict[str, Decimal]:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return {name: draw(rates) for name in chosen}


@st.composite
def plan_specs(
    draw: st.DrawFn,
    *,
    streams: bool = True,
    sources: bool = True,
    lags: bool = True,
    seasonality: bool = True,
) -> PlanSpec:
    stage_count = draw(st.integers(min_value=1, max_value=5))
    names = [f"s{index}" for index in range(stage_count)]
    stage_specs = tuple(
        StageSpec(
            name=name,
            rate=draw(rates),
            lag_days=draw(st.none() | st.integers(0, 90)) if lags else None,
        )
        for name in names
    )
    stream_specs: tuple[StreamSpec, ...] = ()
    if streams and draw(st.booleans()):
        count = draw(st.integers(1, 3))
        shares = draw(percent_parts(count))
        stream_specs = tuple(
            StreamSpec(
                name=f"stream{index}",
                share=share,
                deal_size=draw(st.none() | money.filter(lambda m: m <= 100_000)),
                rates=draw(overrides(names)),
            )
            for index, share in enumerate(shares)
        )
    source_specs: tuple[SourceSpec, ...] = ()
    if sources and draw(st.booleans()):
        count = draw(st.integers(1, 3))
        mixes = draw(percent_parts(count))
        source_specs = tuple(
            SourceSpec(name=f"source{index}", mix=mix, rates=draw(overrides(names)))
            for index, mix in enumerate(mixes)
        )
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
    end = draw(st.none() | st.integers(0, 500).map(lambda days: start + timedelta(days=days)))
    weights = None
    if seasonality and draw(st.booleans()):
        weights = tuple(draw(st.lists(st.integers(0, 20), min_size=12, max_size=12).filter(any)))
        weights = tuple(Decimal(w) / 10 for w in weights)
    return PlanSpec(
        goal=draw(money),
        deal_size=draw(money.filter(lambda m: m <= 100_000)),
        period=PeriodSpec(start=start, end=end),
        stages=stage_specs,
        rounding=draw(st.sampled_from(list(RoundingMode))),
        working_weeks=Decimal(draw(st.integers(1, 52))),
        seasonality=weights,
        streams=stream_specs,
        sources=source_specs,
        tolerance=Decimal(draw(st.integers(0, 50))) / 100,
    )
