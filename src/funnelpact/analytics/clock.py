"""The business clock as an Ibis table: business time by one equi-join and integer arithmetic.

Built from `funnelpact.domain.calendar.clock_table` (one row per UTC bucket, wholly open or
closed). With `size` the bucket length in seconds and b the bucket of instant t (epoch seconds,
t >= 0), i.e. the row with bucket_start = t - t mod size:

    B(t) = cum_bsec[b] + is_open[b] * (t - bucket_start[b])        (business seconds)
    elapsed business seconds from t1 to t2 = B(t2) - B(t1)

"N business seconds after t" (the earliest instant u with B(u) = B(t) + N, N > 0, which is
`BusinessCalendar.add`): with T = B(t) + N, the open bucket whose business seconds hold T is
the one with cum_bsec = size * floor((T - 1) / size) (cum_bsec of open buckets are distinct
multiples of size, so this is an equi-join, portable to every engine, no ASOF join), and

    u = bucket_start + (T - cum_bsec)

exact to the second. T on an open bucket's first business second boundary lands on the end of
the previous open bucket: a deadline on a closing is that closing, as the calendar says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import pyarrow as pa
from ibis.expr.types import IntegerValue, Table

from funnelpact.domain.calendar import BusinessCalendar, clock_table


@dataclass(frozen=True, slots=True)
class BusinessClock:
    """The clock table (`buckets`: bucket_start, cum_bsec, is_open) and its bucket size.

    Covers instants in [first_second, last_second]; lookups outside find no row (null).
    """

    bucket_seconds: int
    buckets: Table
    first_second: int
    last_second: int

    def covers(self, first_second: int, last_second: int) -> bool:
        return self.first_second <= first_second and last_second <= self.last_second

    def business_at(self, table: Table, instant: str, into: str) -> Table:
        """`table` with column `into` = B(`instant`) (null when the instant is null)."""
        size = self.bucket_seconds
        t = table[instant]
        keyed = table.mutate(__bucket=t - t % size)
        clock = self.buckets.select(
            __bucket_start=self.buckets.bucket_start,
            __cum=self.buckets.cum_bsec,
            __open=self.buckets.is_open,
        )
        joined = keyed.left_join(clock, keyed["__bucket"] == clock["__bucket_start"])
        joined = joined.mutate(
            **{into: joined["__cum"] + joined["__open"] * (joined[instant] - joined["__bucket"])}
        )
        return joined.drop("__bucket", "__bucket_start", "__cum", "__open")

    def add_business(self, table: Table, target: str, into: str) -> Table:
        """`table` with `into` = the earliest instant u with B(u) = `target` (target >= 1)."""
        size = self.bucket_seconds
        goal = table[target]
        keyed = table.mutate(__cum_key=((goal - 1) // size) * size)
        buckets = self.buckets
        open_buckets = buckets.filter(buckets.is_open == 1).select(
            __open_start=buckets.bucket_start, __open_cum=buckets.cum_bsec
        )
        joined = keyed.left_join(open_buckets, keyed["__cum_key"] == open_buckets["__open_cum"])
        value: IntegerValue = joined["__open_start"] + (joined[target] - joined["__open_cum"])
        return joined.mutate(**{into: value}).drop("__cum_key", "__open_start", "__open_cum")


def business_clock(
    calendar: BusinessCalendar, start: datetime, end: datetime, bucket_seconds: int | None = None
) -> BusinessClock:
    """The business clock of `calendar` covering [start, end] (widened to whole buckets)."""
    built = clock_table(calendar, start, end, bucket_seconds)
    size = built.bucket_seconds
    arrow = pa.table(
        {
            "bucket_start": pa.array([row.bucket_start for row in built.buckets], pa.int64()),
            "cum_bsec": pa.array([row.cum_bsec for row in built.buckets], pa.int64()),
            "is_open": pa.array([row.is_open for row in built.buckets], pa.int64()),
        }
    )
    return BusinessClock(
        bucket_seconds=size,
        buckets=ibis.memtable(arrow),
        first_second=built.buckets[0].bucket_start,
        last_second=built.buckets[-1].bucket_start + size,
    )
