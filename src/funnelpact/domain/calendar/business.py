"""Business time: how much working time lies between two instants, and N working hours later.

Semantics (docs/calendar.md has the worked examples):

- Working time is a set of half-open UTC intervals [open, close). Each working local date
  contributes its wall-clock intervals, each boundary mapped to the *first* instant at which the
  zone's wall clock shows that time (or later, for a time skipped by a DST jump). So an interval
  that contains a DST change lasts its real number of seconds (09:00-18:00 is 9 hours on any
  European DST day because the jump happens at night; 00:00-24:00 lasts 23 or 25 hours there).
- `elapsed(a, b)` is antisymmetric: `elapsed(b, a) == -elapsed(a, b)`, so it is additive over any
  split point and never negative when a <= b.
- `add(a, d)` for d > 0 is the earliest instant t with `elapsed(a, t) == d`: a start outside
  working time begins at the next opening, and a result that lands on a closing is that closing
  (Friday 17:00 + 1 hour is Friday 18:00, not Monday 09:00). `add(a, 0) == a`.
- Instants must be aware; naive datetimes raise `NaiveDatetimeError` (a ValueError).

Cost: per local day a handful of zone conversions, computed once and cached; long spans are
summed a cached week at a time, so the cost grows with the weeks spanned, never with seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays

from funnelpact.domain.calendar.spec import CalendarSpec, Weekday, check_calendar, parse_interval
from funnelpact.domain.errors import DomainError, Level

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_DAY = 24 * 60 * _US_PER_MINUTE
_MAX_DST_SHIFT_US = 2 * 60 * _US_PER_MINUTE
_DAYS_PER_WEEK = 7
# Local dates the calendar computes: one day of margin inside datetime's range, so that any zone
# offset and "the next day's midnight" stay representable.
FIRST_DATE = date.min + timedelta(days=1)
LAST_DATE = date.max - timedelta(days=2)
_RANGE_TEXT = f"business time is computed between {FIRST_DATE} and {LAST_DATE}"
# A valid calendar works at least one day a week; this many closed days in a row means the
# remaining dates cannot be reached (e.g. past year 9999), not a slow search.
_MAX_CLOSED_DAYS_IN_A_ROW = 3 * 366


class NaiveDatetimeError(ValueError):
    """An instant without a time zone: business time needs to know when it really happened."""


class CalendarRangeError(ValueError):
    """The requested instant lies outside the dates the calendar can compute."""


Span = tuple[int, int]
"""A working interval [open, close) in microseconds since the Unix epoch (UTC)."""


def to_epoch_us(instant: datetime, what: str = "instant") -> int:
    """Exact microseconds since 1970-01-01 UTC of an aware datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {instant.isoformat()} has no time zone; pass an aware datetime "
            "(e.g. with tzinfo=ZoneInfo('Europe/Madrid') or UTC)"
        )
    return (instant - _EPOCH) // _ONE_US


def from_epoch_us(micros: int, zone: tzinfo = UTC) -> datetime:
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(zone)


@dataclass(frozen=True, slots=True)
class _DayHours:
    """The local intervals (minutes after midnight) of one weekday."""

    intervals: tuple[tuple[int, int], ...]


class BusinessCalendar:
    """Working time of one `CalendarSpec`; build once and reuse (its per-day cache is warm)."""

    def __init__(self, spec: CalendarSpec) -> None:
        errors = [issue for issue in check_calendar(spec) if issue.level is Level.ERROR]
        if errors:
            raise DomainError(errors)
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._hours = {
            day.number: _DayHours(
                tuple(sorted(parse_interval(text) for text in spec.hours_for(day)))
            )
            for day in Weekday
        }
        self._closed = frozenset(spec.closed_dates)
        self._worked = frozenset(spec.worked_holidays)
        source = spec.public_holidays
        self._public: holidays.HolidayBase | None = (
            None
            if source is None
            else holidays.country_holidays(
                source.country, subdiv=source.subdivision, observed=source.observed
            )
        )
        # No real week holds more working time: nominal hours plus the largest DST shift
        # (2 hours, double summer time) gained by every interval, capped by the wall clock.
        self._week_upper_bound = sum(
            min(
                _US_PER_DAY + _MAX_DST_SHIFT_US,
                sum(end - start for start, end in hours.intervals) * _US_PER_MINUTE
                + len(hours.intervals) * _MAX_DST_SHIFT_US,
            )
            for hours in self._hours.values()
        )
        self._day_spans: dict[int, tuple[Span, ...]] = {}
        self._day_starts: dict[int, int] = {}
        self._week_totals: dict[int, int] = {}
        self._day_totals: dict[int, int] = {}
        # UTC day number -> (local date at its first instant, starts of the later local dates
        # within it): see `_ordinal_of`.
        self._utc_days: dict[int, tuple[int, tuple[int, ...]]] = {}

    # -- what a day looks like ---------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """True when the local date is closed although its weekday may be a working day."""
        if day in self._closed:
            return True
        if day in self._worked or self._public is None:
            return False
        return day in self._public

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name, "closed" for the company's own dates, None otherwise."""
        if day in self._closed:
            return "closed"
        if self._public is None or day in self._worked:
            return None
        name = self._public.get(day)
        return None if name is None else str(name)

    def openings(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local date as aware datetimes in the calendar's zone."""
        return tuple(
            (from_epoch_us(start, self.zone), from_epoch_us(end, self.zone))
            for start, end in self._spans(day.toordinal())
        )

    def _wall_to_us(self, ordinal: int, minutes: int) -> int:
        """First instant at which the local wall clock shows (date, minutes) or a later time."""
        wall = datetime.combine(date.fromordinal(ordinal), time()) + timedelta(minutes=minutes)
        earlier = wall.replace(tzinfo=self.zone, fold=0)
        micros = to_epoch_us(earlier)
        if from_epoch_us(micros, self.zone).replace(tzinfo=None) == wall:
            return micros  # exists (fold=0 is the first of two readings in a repeated hour)
        # Skipped by a forward jump: fold=0 maps past the jump, fold=1 before it. The opening
        # is the jump itself: the first whole second whose wall clock reads `wall` or later.
        low = to_epoch_us(wall.replace(tzinfo=self.zone, fold=1)) // _US_PER_SECOND
        high = micros // _US_PER_SECOND
        while low < high:
            middle = (low + high) // 2
            if from_epoch_us(middle * _US_PER_SECOND, self.zone).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle + 1
        return high * _US_PER_SECOND

    def _day_start(self, ordinal: int) -> int:
        cached = self._day_starts.get(ordinal)
        if cached is None:
            _check_ordinal(ordinal, last=LAST_DATE.toordinal() + 1)
            cached = self._wall_to_us(ordinal, 0)
            self._day_starts[ordinal] = cached
        return cached

    def _spans(self, ordinal: int) -> tuple[Span, ...]:
        cached = self._day_spans.get(ordinal)
        if cached is not None:
            return cached
        _check_ordinal(ordinal, last=LAST_DATE.toordinal())
        day = date.fromordinal(ordinal)
        spans: list[Span] = []
        if not self.is_holiday(day):
            for start_min, end_min in self._hours[day.weekday()].intervals:
                start = self._wall_to_us(ordinal, start_min)
                end = (
                    self._day_start(ordinal + 1)
                    if end_min == 24 * 60
                    else self._wall_to_us(ordinal, end_min)
                )
                if end > start:  # both ends inside one DST gap: nothing to work
                    spans.append((start, end))
        result = tuple(spans)
        self._day_spans[ordinal] = result
        return result

    def _day_total(self, ordinal: int) -> int:
        cached = self._day_totals.get(ordinal)
        if cached is None:
            cached = sum(end - start for start, end in self._spans(ordinal))
            self._day_totals[ordinal] = cached
        return cached

    def _week_total(self, first_ordinal: int) -> int:
        """Working microseconds of the 7 days from `first_ordinal` (a multiple of 7)."""
        cached = self._week_totals.get(first_ordinal)
        if cached is None:
            cached = sum(self._day_total(first_ordinal + i) for i in range(_DAYS_PER_WEEK))
            self._week_totals[first_ordinal] = cached
        return cached

    def _ordinal_of(self, micros: int) -> int:
        """The local date whose day [start of day, start of next day) holds the instant.

        Usually the wall-clock date; a fall-back across midnight repeats the last hour of a day
        after the next day began, and that hour belongs to the next day here. Answered from a
        cache per UTC day (the local dates that UTC day overlaps and where each begins), built
        by the exact search below: the evaluator asks this for every deadline it computes.
        """
        cached = self._utc_days.get(micros // _US_PER_DAY)
        if cached is None:
            cached = self._utc_day(micros // _US_PER_DAY)
            if cached is None:  # at the ends of the range: the exact search, with its errors
                return self._search_ordinal(micros)
        ordinal, starts = cached
        for start in starts:
            if micros < start:
                break
            ordinal += 1
        return ordinal

    def _utc_day(self, day: int) -> tuple[int, tuple[int, ...]] | None:
        """The local date holding the UTC day's first instant and the starts of the next local
        dates that begin within the UTC day (None near the ends of the range)."""
        first = day * _US_PER_DAY
        try:
            ordinal = self._search_ordinal(first)
            starts: list[int] = []
            following = self._day_start(ordinal + 1)
            while following < first + _US_PER_DAY:
                starts.append(following)
                following = self._day_start(ordinal + 1 + len(starts))
        except (CalendarRangeError, OverflowError, ValueError):
            return None
        if ordinal + len(starts) > LAST_DATE.toordinal() - 1:
            return None
        found = (ordinal, tuple(starts))
        self._utc_days[day] = found
        return found

    def _search_ordinal(self, micros: int) -> int:
        try:
            ordinal = from_epoch_us(micros, self.zone).toordinal()
        except (OverflowError, ValueError) as exc:
            raise CalendarRangeError(f"the instant is out of range: {_RANGE_TEXT}") from exc
        _check_ordinal(ordinal, last=LAST_DATE.toordinal())
        while micros < self._day_start(ordinal):
            ordinal -= 1
        while micros >= self._day_start(ordinal + 1):
            ordinal += 1
        return ordinal

    def _sum_days(self, first: int, stop: int) -> int:
        """Working microseconds of the whole local days first .. stop-1."""
        total = 0
        ordinal = first
        while ordinal < stop and ordinal % _DAYS_PER_WEEK:
            total += self._day_total(ordinal)
            ordinal += 1
        while ordinal + _DAYS_PER_WEEK <= stop:
            total += self._week_total(ordinal)
            ordinal += _DAYS_PER_WEEK
        while ordinal < stop:
            total += self._day_total(ordinal)
            ordinal += 1
        return total

    # -- the public questions ----------------------------------------------------------------

    def elapsed_us(self, start: int, end: int) -> int:
        """Working microseconds between two epoch-microsecond instants (negative if end < start)."""
        if end < start:
            return -self.elapsed_us(end, start)
        first, last = self._ordinal_of(start), self._ordinal_of(end)
        if first == last:
            return _overlap(self._spans(first), start, end)
        return (
            _overlap(self._spans(first), start, None)
            + self._sum_days(first + 1, last)
            + _overlap(self._spans(last), None, end)
        )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two aware instants; `-elapsed(end, start)` when end < start."""
        micros = self.elapsed_us(to_epoch_us(start, "start"), to_epoch_us(end, "end"))
        return timedelta(microseconds=micros)

    def add_us(self, start: int, duration: int) -> int:
        """The earliest epoch-microsecond instant `duration` working microseconds after start."""
        return self._add_sorted(start, (duration,))[0]

    def add_many_us(self, start: int, durations: Sequence[int]) -> list[int]:
        """`add_us(start, d)` for each of ``durations``, in their order, the days walked once
        (the SLA evaluator asks four deadlines per hand-off). A duration out of range makes
        the whole call fail, as `add_us` would for it."""
        order = sorted(range(len(durations)), key=durations.__getitem__)
        found = self._add_sorted(start, [durations[index] for index in order])
        results = [start] * len(durations)
        for index, value in zip(order, found, strict=True):
            results[index] = value
        return results

    def _add_sorted(self, start: int, targets: Sequence[int]) -> list[int]:
        """`add_us(start, t)` for each of ``targets``, given in ascending order: one walk over
        the days, each deadline found where the walk passes it."""
        count = len(targets)
        if count and targets[0] < 0:
            raise ValueError("a business duration to add cannot be negative")
        results: list[int] = []
        while len(results) < count and targets[len(results)] == 0:
            results.append(start)  # add(a, 0) == a, even outside working time
        if len(results) == count:
            return results
        # Refuse at once, rather than walk thousands of years, a duration longer than all the
        # working time that could possibly remain before the end of the range.
        range_end = self._day_start(LAST_DATE.toordinal() + 1)
        weeks_left = (range_end - start) // (_DAYS_PER_WEEK * _US_PER_DAY) + 1
        if targets[-1] > weeks_left * self._week_upper_bound:
            raise CalendarRangeError(f"the deadline is out of range: {_RANGE_TEXT}")
        target = targets[len(results)]
        used = 0  # working microseconds walked since start
        ordinal = self._ordinal_of(start)
        closed_in_a_row = 0
        if self._day_start(ordinal) < start:
            # The start's own day, from the start on; the loop below takes whole days.
            spans = self._spans(ordinal)
            closed_in_a_row = 0 if spans else 1
            for open_at, close_at in spans:
                if close_at <= start:
                    continue
                open_at = max(open_at, start)
                length = close_at - open_at
                while target - used <= length:
                    results.append(open_at + target - used)
                    if len(results) == count:
                        return results
                    target = targets[len(results)]
                used += length
            ordinal += 1
        day_totals = self._day_totals
        while True:
            if closed_in_a_row > _MAX_CLOSED_DAYS_IN_A_ROW:
                raise CalendarRangeError("no working time found in the dates after the start")
            remaining = target - used
            if ordinal % _DAYS_PER_WEEK == 0:
                # A whole week that ends strictly before the target is skipped in one step; a
                # week with exactly the remaining time is walked so the result is its closing.
                week = self._week_total(ordinal)
                if remaining > week:
                    used += week
                    closed_in_a_row = closed_in_a_row + _DAYS_PER_WEEK if week == 0 else 0
                    ordinal += _DAYS_PER_WEEK
                    continue
            total = day_totals.get(ordinal)
            if total is None:
                total = self._day_total(ordinal)
            if remaining > total:  # the whole day is used: skipped in one step
                used += total
                closed_in_a_row = 0 if total else closed_in_a_row + 1
                ordinal += 1
                continue
            for open_at, close_at in self._spans(ordinal):
                length = close_at - open_at
                while target - used <= length:
                    results.append(open_at + target - used)
                    if len(results) == count:
                        return results
                    target = targets[len(results)]
                used += length
            closed_in_a_row = 0
            ordinal += 1

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of business time after start, in start's time zone.

        A start outside working time counts from the next opening; the result is the earliest
        such instant (a deadline that lands on a closing is that closing).
        """
        start_us = to_epoch_us(start, "start")
        result = self.add_us(start_us, duration // _ONE_US)
        return from_epoch_us(result, start.tzinfo or UTC)

    def is_working(self, instant: datetime) -> bool:
        """True when the instant lies in working time (an opening is working, a closing is not)."""
        micros = to_epoch_us(instant)
        return any(start <= micros < end for start, end in self._spans(self._ordinal_of(micros)))

    def next_opening_us(self, micros: int) -> int:
        ordinal = self._ordinal_of(micros)
        for _ in range(_MAX_CLOSED_DAYS_IN_A_ROW + 1):
            for start, end in self._spans(ordinal):
                if micros < end:
                    return max(start, micros)
            ordinal += 1
        raise CalendarRangeError("no working time found in the dates after the instant")

    def next_opening(self, instant: datetime) -> datetime:
        """The instant itself when working, else the next opening, in the instant's zone."""
        micros = self.next_opening_us(to_epoch_us(instant))
        return from_epoch_us(micros, instant.tzinfo or UTC)

    def spans_between(self, start_us: int, end_us: int, *, clip: bool = True) -> Iterator[Span]:
        """The working spans of every local day touching [start_us, end_us), in order.

        Clipped to that range by default; `clip=False` gives the whole spans that overlap it.
        """
        if end_us <= start_us:
            return
        for ordinal in range(self._ordinal_of(start_us), self._ordinal_of(end_us) + 1):
            for open_at, close_at in self._spans(ordinal):
                low, high = max(open_at, start_us), min(close_at, end_us)
                if low < high:
                    yield (low, high) if clip else (open_at, close_at)


def _check_ordinal(ordinal: int, last: int) -> None:
    if not FIRST_DATE.toordinal() <= ordinal <= last:
        raise CalendarRangeError(f"the dates reached are out of range: {_RANGE_TEXT}")


def _overlap(spans: tuple[Span, ...], start: int | None, end: int | None) -> int:
    """Microseconds of the spans inside [start, end); None means unbounded on that side."""
    total = 0
    for open_at, close_at in spans:
        low = open_at if start is None else max(open_at, start)
        high = close_at if end is None else min(close_at, end)
        if high > low:
            total += high - low
    return total
