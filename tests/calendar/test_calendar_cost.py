"""Cost grows with the days spanned, not the seconds; far dates fail clearly, not slowly.

The time limits are loose (a shared 2-core machine); measured figures are in docs/calendar.md.
A per-second implementation would take hours for these spans, so the bounds still bite.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from funnelpact.domain.calendar import (
    BusinessCalendar,
    CalendarRangeError,
    CalendarSpec,
    PublicHolidays,
)


def madrid() -> BusinessCalendar:
    return BusinessCalendar(
        CalendarSpec(
            timezone="Europe/Madrid", public_holidays=PublicHolidays(country="ES", subdivision="MD")
        )
    )


def test_a_century_of_business_time_is_fast_and_consistent() -> None:
    calendar = madrid()
    start = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    century = calendar.elapsed(start, end)
    cold = time.perf_counter() - began
    assert cold < 5.0
    # Summed year by year it is the same: whole weeks and single days agree.
    by_year = sum(
        (
            calendar.elapsed(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
            for year in range(2000, 2100)
        ),
        timedelta(0),
    )
    assert by_year == century
    began = time.perf_counter()
    for _ in range(100):
        assert calendar.elapsed(start, end) == century
    assert (time.perf_counter() - began) / 100 < 0.05  # cached weeks: well under a millisecond
    assert calendar.add(start, century) <= end


def test_many_deadlines_are_cheap() -> None:
    calendar = madrid()
    first = datetime(2025, 1, 1, 7, 3, tzinfo=UTC)
    starts = [first + timedelta(minutes=37 * i) for i in range(20_000)]
    began = time.perf_counter()
    deadlines = [calendar.add(start, timedelta(hours=24)) for start in starts]
    assert time.perf_counter() - began < 5.0
    assert all(
        calendar.elapsed(s, d) == timedelta(hours=24)
        for s, d in zip(starts, deadlines, strict=True)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add(datetime(2025, 1, 1, tzinfo=UTC), timedelta(days=10**6)),
        lambda c: c.elapsed(datetime(1, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)),
        lambda c: c.is_working(datetime(9999, 12, 31, 23, tzinfo=UTC)),
        lambda c: c.next_opening(datetime(9999, 12, 29, 20, tzinfo=UTC)),
    ],
)
def test_dates_out_of_range_raise_a_clear_error(call: object) -> None:
    with pytest.raises(CalendarRangeError, match="business time is computed between 0001-01-02"):
        call(madrid())  # type: ignore[operator]
