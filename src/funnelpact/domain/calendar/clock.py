"""The business clock table: business time as one join and integer arithmetic in any SQL engine.

One row per UTC bucket of `bucket_seconds` (a divisor of 3600 such that every opening and
closing falls on a bucket boundary, so a bucket is wholly open or wholly closed):

    bucket_start  epoch seconds (UTC) where the bucket begins
    cum_bsec      business seconds from the table's first bucket to bucket_start
    is_open       1 when the whole bucket is working time, else 0

For an instant t (epoch seconds) inside the table, with b the row where
bucket_start = t - t mod bucket_seconds:

    B(t) = cum_bsec[b] + is_open[b] * (t - bucket_start[b])
    elapsed business seconds between t1 and t2 = B(t2) - B(t1)

which equals `BusinessCalendar.elapsed` exactly (tests/calendar/test_clock.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import gcd

from funnelpact.domain.calendar.business import BusinessCalendar, to_epoch_us

_US_PER_SECOND = 1_000_000
LARGEST_BUCKET_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class ClockBucket:
    """One row of the business clock table."""

    bucket_start: int
    cum_bsec: int
    is_open: int


@dataclass(frozen=True, slots=True)
class ClockTable:
    """The rows and the bucket size they were built with (needed to find an instant's row)."""

    bucket_seconds: int
    buckets: tuple[ClockBucket, ...]

    def covers(self, epoch_seconds: int) -> bool:
        """True when B(t) can be read from this table (t in [first start, last end])."""
        if not self.buckets:
            return False
        last_end = self.buckets[-1].bucket_start + self.bucket_seconds
        return self.buckets[0].bucket_start <= epoch_seconds <= last_end


def clock_bucket_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """The largest divisor of 3600 on which every opening and closing in [start, end) falls.

    3600 for whole-hour zones and hours; 1800 for Asia/Kolkata (+05:30) with 09:00-18:00;
    900 for Asia/Kathmandu (+05:45) or for a 09:15 opening.
    """
    size = LARGEST_BUCKET_SECONDS
    first, last = _bounds_seconds(start, end)
    for open_us, close_us in calendar.spans_between(
        first * _US_PER_SECOND, last * _US_PER_SECOND, clip=False
    ):
        for boundary in (open_us, close_us):
            seconds, rest = divmod(boundary, _US_PER_SECOND)
            if rest:  # not possible with minute-based hours; kept so a bug cannot go silent
                raise ValueError("a working boundary is not a whole second")
            size = gcd(size, seconds)
    return size


def _bounds_seconds(start: datetime, end: datetime) -> tuple[int, int]:
    first = to_epoch_us(start, "start") // _US_PER_SECOND
    last = -(-to_epoch_us(end, "end") // _US_PER_SECOND)
    if last < first:
        raise ValueError("the clock table's end is before its start")
    return first, last


def clock_table(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    bucket_seconds: int | None = None,
) -> ClockTable:
    """The business clock covering [start, end], widened to whole buckets.

    `bucket_seconds` defaults to `clock_bucket_seconds`; a given size (e.g. 900 for every
    calendar alike) must put every opening and closing on a boundary, else ValueError.
    """
    natural = clock_bucket_seconds(calendar, start, end)
    size = natural if bucket_seconds is None else bucket_seconds
    if size <= 0 or natural % size:
        raise ValueError(
            f"bucket of {size} s does not put every opening and closing on a boundary "
            f"(use a divisor of {natural})"
        )
    first, last = _bounds_seconds(start, end)
    table_start = first - first % size
    table_end = last + (-last) % size
    if table_end == table_start:
        table_end += size
    spans = [
        (open_us // _US_PER_SECOND, close_us // _US_PER_SECOND)
        for open_us, close_us in calendar.spans_between(
            table_start * _US_PER_SECOND, table_end * _US_PER_SECOND
        )
    ]
    rows: list[ClockBucket] = []
    cumulative = 0
    span_index = 0
    for bucket_start in range(table_start, table_end, size):
        while span_index < len(spans) and spans[span_index][1] <= bucket_start:
            span_index += 1
        is_open = int(span_index < len(spans) and spans[span_index][0] <= bucket_start)
        rows.append(ClockBucket(bucket_start=bucket_start, cum_bsec=cumulative, is_open=is_open))
        cumulative += size * is_open
    return ClockTable(bucket_seconds=size, buckets=tuple(rows))


def clock_buckets(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    bucket_seconds: int | None = None,
) -> list[ClockBucket]:
    """The rows of `clock_table` (see there); their size is the gap between bucket starts."""
    return list(clock_table(calendar, start, end, bucket_seconds).buckets)
