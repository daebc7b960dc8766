"""Working time for the generator: when reps work, and adding business hours to an instant.

A small, cached helper for making data, not the SLA's business clock (that is
`funnelpact.domain.calendar`): it reads the same `CalendarSpec` so demo reps keep the hours the
agreement measures. Each local date's working intervals are computed once, as UTC instants.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from funnelpact.domain.calendar import CalendarSpec, Weekday, parse_interval

_HOUR = 3600.0


class WorkingTime:
    """Working intervals of a calendar, per local date, as aware UTC datetimes."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._holiday_years: set[int] = set()
        self._holidays: set[date] = set()
        self._closed = set(spec.closed_dates)
        self._worked = set(spec.worked_holidays)

    def _load_holidays(self, year: int) -> None:
        if year in self._holiday_years:
            return
        self._holiday_years.add(year)
        source = self.spec.public_holidays
        if source is not None:
            public = holidays.country_holidays(
                source.country, subdiv=source.subdivision, years=[year], observed=source.observed
            )
            self._holidays.update(public.keys())

    def is_holiday(self, day: date) -> bool:
        self._load_holidays(day.year)
        return (day in self._holidays and day not in self._worked) or day in self._closed

    def intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local date (empty on weekends, holidays, closed dates)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        spans: list[tuple[datetime, datetime]] = []
        if not self.is_holiday(day):
            for text in self.spec.hours_for(Weekday.of(day)):
                start, end = parse_interval(text)
                spans.append((self.local_moment(day, start), self.local_moment(day, end)))
        result = tuple(sorted(spans))
        self._days[day] = result
        return result

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals(day))

    def is_working(self, instant: datetime) -> bool:
        return any(
            start <= instant < end for start, end in self.intervals(self.local_date(instant))
        )

    def add_hours(self, instant: datetime, hours: float) -> datetime:
        """The instant `hours` of working time after `instant` (from the next working moment)."""
        remaining = hours * _HOUR
        day = self.local_date(instant)
        for _ in range(3660):  # ten years of days: a calendar with working time ends far sooner
            for start, end in self.intervals(day):
                if end <= instant:
                    continue
                begin = max(start, instant)
                available = (end - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time in the next ten years")

    def next_working_day(self, day: date) -> date:
        for _ in range(3660):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("the calendar has no working day in the next ten years")

    def moment_on(self, day: date, rng: random.Random) -> datetime:
        """A random moment inside the working hours of `day` (moved to the next working day)."""
        spans = self.intervals(self.next_working_day(day))
        total = sum((end - start).total_seconds() for start, end in spans)
        offset = rng.random() * total
        for start, end in spans:
            length = (end - start).total_seconds()
            if offset < length:
                return start + timedelta(seconds=offset)
            offset -= length
        return spans[-1][1] - timedelta(minutes=1)

    def evening_on(self, day: date, rng: random.Random) -> datetime:
        """A moment after hours (19:00-23:00 local): the rep who answers at night."""
        minutes = 19 * 60 + rng.randrange(240)
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def local_moment(self, day: date, minutes: int) -> datetime:
        """The UTC instant of local wall-clock time `minutes` after midnight on `day`.

        Wall-clock arithmetic first, then the zone: DST days keep their local hours.
        """
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def hours_between(self, start: datetime, stop: datetime) -> float:
        """Working hours from `start` to `stop` (zero when stop is not after start)."""
        if stop <= start:
            return 0.0
        total = 0.0
        day = self.local_date(start)
        last = self.local_date(stop)
        while day <= last:
            for begin, end in self.intervals(day):
                low, high = max(begin, start), min(end, stop)
                if high > low:
                    total += (high - low).total_seconds()
            day += timedelta(days=1)
        return total / _HOUR
