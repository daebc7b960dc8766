"""Calendar arithmetic of a plan: the period, its month slices, seasonality, shifting by a lag.

Volumes are spread over calendar months (a partial first or last month counts for the share of
its days inside the period) and, within a month, evenly over its days: a plan is a monthly
commitment, not a daily forecast.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ONE_DAY = timedelta(days=1)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def default_period_end(start: date) -> date:
    return add_years(start, 1) - ONE_DAY


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    return month_end(day) + ONE_DAY


def days_between(start: date, end: date) -> int:
    """Days from start to end, both included (0 when end is before start)."""
    return max((end - start).days + 1, 0)


def overlap_days(start: date, end: date, other_start: date, other_end: date) -> int:
    return days_between(max(start, other_start), min(end, other_end))


@dataclass(frozen=True, slots=True)
class Slice:
    """A stretch of days (both ends included) carrying an amount spread evenly over them."""

    start: date
    end: date
    amount: Decimal

    @property
    def days(self) -> int:
        return days_between(self.start, self.end)

    def part_between(self, start: date, end: date) -> Decimal:
        days = overlap_days(self.start, self.end, start, end)
        if days == 0:
            return Decimal(0)
        if days == self.days:
            return self.amount
        return self.amount * days / self.days


def month_slices(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months touched by [start, end], clipped to it."""
    slices: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        slices.append((cursor, min(month_end(cursor), end)))
        cursor = next_month(cursor)
    return slices


def month_weights(
    start: date, end: date, seasonality: Sequence[Decimal] | None
) -> list[tuple[date, date, Decimal]]:
    """Each month slice of the period with its share of the period's volume (shares sum to 1).

    A month weighs its seasonality weight (1 without seasonality) times the part of the month
    inside the period, so a full year without seasonality gives twelve equal months.
    """
    slices = month_slices(start, end)
    raw: list[Decimal] = []
    coverages: list[Decimal] = []
    for slice_start, slice_end in slices:
        coverage = Decimal(days_between(slice_start, slice_end)) / Decimal(
            days_between(month_start(slice_start), month_end(slice_start))
        )
        coverages.append(coverage)
        season = seasonality[slice_start.month - 1] if seasonality else Decimal(1)
        raw.append(season * coverage)
    total = sum(raw, Decimal(0))
    if total == 0:
        # Every month of a short period weighs 0 in the seasonality: spread by days instead of
        # dropping the goal.
        raw, total = coverages, sum(coverages, Decimal(0))
    return [(s, e, weight / total) for (s, e), weight in zip(slices, raw, strict=True)]


def months_in_period(start: date, end: date) -> Decimal:
    """How many months the period spans, partial months counted by their share of days."""
    total = Decimal(0)
    for slice_start, slice_end in month_slices(start, end):
        total += Decimal(days_between(slice_start, slice_end)) / Decimal(
            days_between(month_start(slice_start), month_end(slice_start))
        )
    return total


def working_weeks_in_period(start: date, end: date, working_weeks_per_year: Decimal) -> Decimal:
    """Working weeks per year pro-rated by days; exactly the yearly figure for a one-year period."""
    year_days = (add_years(start, 1) - start).days
    return working_weeks_per_year * days_between(start, end) / year_days


def shift_back(slices: Sequence[Slice], days: int) -> list[Slice]:
    delta = timedelta(days=days)
    return [Slice(s.start - delta, s.end - delta, s.amount) for s in slices]


def rebucket_by_month(slices: Sequence[Slice]) -> list[Slice]:
    """The same amounts gathered into whole calendar months (clipped to the slices' span)."""
    if not slices:
        return []
    first = min(s.start for s in slices)
    last = max(s.end for s in slices)
    months: list[Slice] = []
    for start, end in month_slices(first, last):
        amount = sum((s.part_between(start, end) for s in slices), Decimal(0))
        months.append(Slice(start, end, amount))
    return months
