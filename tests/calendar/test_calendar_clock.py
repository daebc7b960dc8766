"""The business clock table: its SQL formula gives exactly `elapsed()`, in every zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from calendar_testkit import calendar_for, calendar_specs, instants
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.domain.calendar import (
    BusinessCalendar,
    CalendarSpec,
    ClockTable,
    NaiveDatetimeError,
    PublicHolidays,
    clock_bucket_seconds,
    clock_buckets,
    clock_table,
)

TABLE_START = datetime(2024, 12, 1, 7, 13, 5, tzinfo=UTC)  # deliberately not on a bucket
TABLE_END = datetime(2026, 2, 1, tzinfo=UTC)


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def clock_reading(table: ClockTable, seconds: int) -> int:
    """B(t) exactly as the analytics SQL computes it: find the bucket row, then one formula."""
    size = table.bucket_seconds
    index = (seconds - table.buckets[0].bucket_start) // size
    # At the very end of the table, read the end of the last bucket.
    if index == len(table.buckets):
        last = table.buckets[-1]
        return last.cum_bsec + last.is_open * size
    row = table.buckets[index]
    assert row.bucket_start == seconds - seconds % size
    return row.cum_bsec + row.is_open * (seconds - row.bucket_start)


_TABLES: dict[str, ClockTable] = {}


def table_for(spec: CalendarSpec) -> ClockTable:
    key = spec.model_dump_json()
    if key not in _TABLES:
        _TABLES[key] = clock_table(calendar_for(spec), TABLE_START, TABLE_END)
    return _TABLES[key]


@settings(max_examples=40, deadline=None)
@given(
    spec=calendar_specs(),
    pairs=st.lists(
        st.tuples(
            instants(TABLE_START, TABLE_END, whole_minutes=True),
            instants(TABLE_START, TABLE_END, whole_minutes=True),
        ),
        min_size=25,
        max_size=25,
    ),
)
def test_the_clock_formula_equals_elapsed_for_random_instants(
    spec: CalendarSpec, pairs: list[tuple[datetime, datetime]]
) -> None:
    calendar = calendar_for(spec)
    table = table_for(spec)
    for t1, t2 in pairs:
        by_clock = clock_reading(table, epoch(t2)) - clock_reading(table, epoch(t1))
        assert by_clock == calendar.elapsed(t1, t2) // timedelta(seconds=1), (t1, t2)


@pytest.mark.parametrize(
    ("zone", "hours", "size"),
    [
        ("Europe/Madrid", ("09:00-14:00", "15:00-18:00"), 3600),
        ("America/New_York", ("09:00-17:00",), 3600),
        ("Asia/Kolkata", ("09:00-18:00",), 1800),  # +05:30
        ("Asia/Kathmandu", ("09:00-18:00",), 900),  # +05:45
        ("Australia/Lord_Howe", ("09:00-18:00",), 1800),  # +10:30 / +11:00
        ("Europe/Rome", ("09:15-13:00", "14:00-18:00"), 900),  # a 09:15 opening
        ("Europe/Rome", ("08:30-12:30",), 1800),
    ],
)
def test_every_bucket_is_wholly_open_or_closed(
    zone: str, hours: tuple[str, ...], size: int
) -> None:
    calendar = BusinessCalendar(
        CalendarSpec(timezone=zone, working_hours=hours, public_holidays=None)
    )
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    table = clock_table(calendar, start, end)
    assert table.bucket_seconds == size == clock_bucket_seconds(calendar, start, end)
    assert table.buckets[0].bucket_start == epoch(start)
    assert table.buckets[-1].bucket_start + size == epoch(end)
    assert len(table.buckets) == 365 * 86400 // size
    running = 0
    for bucket in table.buckets:
        assert bucket.cum_bsec == running
        bucket_start = datetime.fromtimestamp(bucket.bucket_start, UTC)
        open_seconds = calendar.elapsed(bucket_start, bucket_start + timedelta(seconds=size))
        assert open_seconds == timedelta(seconds=size * bucket.is_open)
        running += size * bucket.is_open
    assert running == calendar.elapsed(start, end).total_seconds()


def test_a_coarser_shared_bucket_size_is_refused_a_finer_one_accepted() -> None:
    calendar = BusinessCalendar(CalendarSpec(timezone="Asia/Kolkata"))
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"bucket of 3600 s .* \(use a divisor of 1800\)"):
        clock_buckets(calendar, start, end, bucket_seconds=3600)
    fine = clock_table(calendar, start, end, bucket_seconds=900)
    coarse = clock_table(calendar, start, end)
    assert len(fine.buckets) == 2 * len(coarse.buckets)
    assert fine.buckets[-1].cum_bsec + 900 * fine.buckets[-1].is_open == (
        coarse.buckets[-1].cum_bsec + 1800 * coarse.buckets[-1].is_open
    )


def test_clock_table_of_a_madrid_week_with_a_holiday() -> None:
    """Mon 8 Dec 2025 is a national holiday: the week has 4 x 9 hours."""
    calendar = BusinessCalendar(
        CalendarSpec(
            timezone="Europe/Madrid", public_holidays=PublicHolidays(country="ES", subdivision="MD")
        )
    )
    start = datetime(2025, 12, 7, 23, tzinfo=UTC)  # Monday 00:00 in Madrid
    rows = clock_buckets(calendar, start, start + timedelta(days=7))
    assert len(rows) == 7 * 24
    assert sum(row.is_open for row in rows) == 4 * 9
    assert [row.is_open for row in rows[:24]] == [0] * 24  # the holiday
    tuesday = rows[24:48]
    assert [row.is_open for row in tuesday] == [0] * 9 + [1] * 9 + [0] * 6  # 09-18 local = 08-17Z
    assert tuesday[9].cum_bsec == 0 and tuesday[18].cum_bsec == 9 * 3600


def test_clock_table_refuses_naive_and_reversed_bounds() -> None:
    calendar = BusinessCalendar(CalendarSpec(timezone="Europe/Madrid"))
    with pytest.raises(NaiveDatetimeError):
        clock_buckets(calendar, datetime(2025, 1, 1), datetime(2025, 2, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="end is before its start"):
        clock_buckets(calendar, TABLE_END, TABLE_START)
    table = clock_table(calendar, TABLE_START, TABLE_START)
    assert len(table.buckets) == 1 and table.covers(epoch(TABLE_START))
