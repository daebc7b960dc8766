"""Reporting periods: `2026-10`, `2026-Q3`, `2026-W42`, `2026`, `2026-03-01..2026-03-15`.

A period is a range of local dates (both ends included) in the agreement's time zone. The
engines hold UTC instants only (Ibis has no time zones), so a period becomes the half-open
range of epoch seconds [start, end) between local midnight of its first day and local midnight
after its last day, computed here with zoneinfo (DST is handled: a March month in Madrid is
one hour shorter than 31 x 24 h).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from funnelpact.errors import InputError

_MONTH: Final = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER: Final = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK: Final = re.compile(r"^(\d{4})-[Ww](\d{2})$")
_YEAR: Final = re.compile(r"^(\d{4})$")
_RANGE: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/)\s*(\d{4}-\d{2}-\d{2})$")
_DAY: Final = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
EXAMPLES: Final = "2026-10, 2026-Q3, 2026-W42, 2026, 2026-10-01..2026-10-15 or 2026-10-07"


class PeriodError(InputError):
    """A period that cannot be read; the message quotes it and shows the accepted forms."""


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates `first`..`last` (both included) of one kind, with a label as typed."""

    kind: PeriodKind
    first: date
    last: date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, timezone: str) -> tuple[int, int]:
        """[start, end) in epoch seconds: local midnights of `first` and of the day after `last`."""
        return _midnight(self.first, timezone), _midnight(self.last + timedelta(days=1), timezone)

    def previous(self) -> Period:
        """The period of equal length just before (the previous month for a month, etc.)."""
        if self.kind is PeriodKind.MONTH:
            last = self.first - timedelta(days=1)
            return month(last.year, last.month)
        if self.kind is PeriodKind.QUARTER:
            last = self.first - timedelta(days=1)
            return quarter(last.year, (last.month - 1) // 3 + 1)
        if self.kind is PeriodKind.YEAR:
            return year(self.first.year - 1)
        if self.kind is PeriodKind.WEEK:
            first = self.first - timedelta(days=7)
            iso = first.isocalendar()
            return week(iso.year, iso.week)
        first = self.first - timedelta(days=self.days)
        last = self.first - timedelta(days=1)
        kind = PeriodKind.DAY if self.kind is PeriodKind.DAY else PeriodKind.RANGE
        label = first.isoformat() if kind is PeriodKind.DAY else f"{first}..{last}"
        return Period(kind, first, last, label)

    def sub_periods(self) -> list[Period]:
        """The buckets of the `period` breakdown: months for long periods, days for short ones."""
        if self.days > 62:
            months: list[Period] = []
            cursor = self.first.replace(day=1)
            while cursor <= self.last:
                whole = month(cursor.year, cursor.month)
                first, last = max(whole.first, self.first), min(whole.last, self.last)
                label = (
                    whole.label
                    if (first, last) == (whole.first, whole.last)
                    else f"{first}..{last}"
                )
                months.append(Period(PeriodKind.MONTH, first, last, label))
                cursor = whole.last + timedelta(days=1)
            return months
        return [
            Period(PeriodKind.DAY, day, day, day.isoformat())
            for day in (self.first + timedelta(days=n) for n in range(self.days))
        ]


def _midnight(day: date, timezone: str) -> int:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PeriodError(f"unknown time zone {timezone!r}") from exc
    return int(datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).timestamp())


def month(year_number: int, month_number: int) -> Period:
    first = date(year_number, month_number, 1)
    following = date(year_number + month_number // 12, month_number % 12 + 1, 1)
    return Period(
        PeriodKind.MONTH, first, following - timedelta(days=1), f"{year_number}-{month_number:02d}"
    )


def quarter(year_number: int, quarter_number: int) -> Period:
    first_month = 3 * (quarter_number - 1) + 1
    first = date(year_number, first_month, 1)
    last = month(year_number, first_month + 2).last
    return Period(PeriodKind.QUARTER, first, last, f"{year_number}-Q{quarter_number}")


def week(year_number: int, week_number: int) -> Period:
    first = date.fromisocalendar(year_number, week_number, 1)
    return Period(
        PeriodKind.WEEK, first, first + timedelta(days=6), f"{year_number}-W{week_number:02d}"
    )


def year(year_number: int) -> Period:
    return Period(
        PeriodKind.YEAR, date(year_number, 1, 1), date(year_number, 12, 31), str(year_number)
    )


def _date(text: str, whole: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(f"period {whole!r}: {text!r} is not a date ({exc})") from exc


def parse_period(text: str) -> Period:
    """Read a period; PeriodError quotes the text and lists the accepted forms."""
    cleaned = text.strip()
    try:
        if found := _MONTH.match(cleaned):
            number = int(found[2])
            if not 1 <= number <= 12:
                raise PeriodError(f"period {text!r}: month {number} is not 01..12")
            return month(int(found[1]), number)
        if found := _QUARTER.match(cleaned):
            return quarter(int(found[1]), int(found[2]))
        if found := _WEEK.match(cleaned):
            try:
                return week(int(found[1]), int(found[2]))
            except ValueError as exc:
                raise PeriodError(
                    f"period {text!r}: ISO year {found[1]} has no week {found[2]}"
                ) from exc
        if found := _YEAR.match(cleaned):
            return year(int(found[1]))
        if found := _DAY.match(cleaned):
            day = _date(found[1], text)
            return Period(PeriodKind.DAY, day, day, day.isoformat())
        if found := _RANGE.match(cleaned):
            first, last = _date(found[1], text), _date(found[2], text)
            if last < first:
                raise PeriodError(f"period {text!r}: the end {last} is before the start {first}")
            return Period(PeriodKind.RANGE, first, last, f"{first}..{last}")
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"period {text!r}: {exc}") from exc
    raise PeriodError(f"period {text!r} is not understood; use {EXAMPLES}")


def period_containing(instant: datetime, timezone: str) -> Period:
    """The calendar month holding `instant` in `timezone` (the default reporting period)."""
    local = instant.astimezone(ZoneInfo(timezone))
    return month(local.year, local.month)


RELATIVE_RULES: Final = (
    "previous-day",
    "previous-week",
    "previous-month",
    "previous-quarter",
    "week-to-date",
    "month-to-date",
)


def relative_period(rule: str, day: date) -> Period:
    """The period a scheduled report covers when it runs on local date `day`.

    ``previous-day`` the day before, ``previous-week`` the ISO week before, ``previous-month``
    and ``previous-quarter`` the calendar month and quarter before; ``week-to-date`` and
    ``month-to-date`` the week and month containing `day` (figures up to the run's `now`).
    """
    if rule == "previous-day":
        before = day - timedelta(days=1)
        return Period(PeriodKind.DAY, before, before, before.isoformat())
    if rule in ("previous-week", "week-to-date"):
        anchor = day - timedelta(days=7) if rule == "previous-week" else day
        iso = anchor.isocalendar()
        return week(iso.year, iso.week)
    if rule in ("previous-month", "month-to-date"):
        anchor = day.replace(day=1) - timedelta(days=1) if rule == "previous-month" else day
        return month(anchor.year, anchor.month)
    if rule == "previous-quarter":
        current = (day.month - 1) // 3
        year_number, number = (day.year, current) if current else (day.year - 1, 4)
        return quarter(year_number, number)
    raise PeriodError(f"period rule {rule!r}: use one of {', '.join(RELATIVE_RULES)}")
