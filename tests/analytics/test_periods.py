"""Periods: the forms users type, their local bounds, the previous period, the sub-periods."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelpact.analytics.periods import PeriodError, PeriodKind, parse_period


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2026-10", PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31)),
        ("2026-02", PeriodKind.MONTH, date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-Q3", PeriodKind.QUARTER, date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-W42", PeriodKind.WEEK, date(2026, 10, 12), date(2026, 10, 18)),
        ("2026-W01", PeriodKind.WEEK, date(2025, 12, 29), date(2026, 1, 4)),  # ISO: Monday first
        ("2026", PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-10-07", PeriodKind.DAY, date(2026, 10, 7), date(2026, 10, 7)),
        ("2026-10-01..2026-10-15", PeriodKind.RANGE, date(2026, 10, 1), date(2026, 10, 15)),
    ],
)
def test_forms(text: str, kind: PeriodKind, first: date, last: date) -> None:
    period = parse_period(text)
    assert (period.kind, period.first, period.last) == (kind, first, last)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "month 13 is not 01..12"),
        ("2026-Q5", "not understood"),
        ("2025-W53", "has no week 53"),  # 2025 has 52 ISO weeks (2026 has 53)
        ("2026-02-30", "is not a date"),
        ("2026-10-15..2026-10-01", "is before the start"),
        ("October", "not understood; use 2026-10"),
        ("", "not understood"),
    ],
)
def test_bad_periods_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_bounds_are_local_midnights_in_utc() -> None:
    march = parse_period("2026-03")
    start, end = march.bounds("Europe/Madrid")
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2026, 3, 31, 22, tzinfo=UTC)  # summer time
    assert end - start == 31 * 86400 - 3600


def test_previous_periods() -> None:
    assert parse_period("2026-03").previous().label == "2026-02"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-W01").previous().label == "2025-W52"
    assert parse_period("2026").previous().label == "2025"
    assert parse_period("2026-10-01..2026-10-15").previous().label == "2026-09-16..2026-09-30"


def test_sub_periods() -> None:
    assert [p.label for p in parse_period("2026-Q3").sub_periods()] == [
        "2026-07",
        "2026-08",
        "2026-09",
    ]
    assert len(parse_period("2026-02").sub_periods()) == 28
    assert [p.label for p in parse_period("2026-01-15..2026-04-10").sub_periods()] == [
        "2026-01-15..2026-01-31",
        "2026-02",
        "2026-03",
        "2026-04-01..2026-04-10",
    ]


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["UTC", "Europe/Madrid", "Europe/Rome", "America/New_York", "Asia/Kolkata"]),
)
def test_sub_periods_tile_the_period_and_previous_is_adjacent(
    first: date, length: int, zone: str
) -> None:
    period = parse_period(f"{first}..{first + timedelta(days=length)}")
    parts = period.sub_periods()
    assert parts[0].first == period.first and parts[-1].last == period.last
    for before, after in itertools.pairwise(parts):
        assert after.first == before.last + timedelta(days=1)
        assert before.bounds(zone)[1] == after.bounds(zone)[0]
    previous = period.previous()
    assert previous.days == period.days
    assert previous.last + timedelta(days=1) == period.first
    assert previous.bounds(zone)[1] == period.bounds(zone)[0]
