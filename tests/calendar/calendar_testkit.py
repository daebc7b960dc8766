"""Shared test tools for the calendar: hypothesis strategies and a slow brute-force oracle.

The oracle is deliberately naive (one wall-clock lookup per minute) so it shares nothing with
the day/week arithmetic of `BusinessCalendar` except the holiday data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import strategies as st

from funnelpact.domain.calendar import (
    BusinessCalendar,
    CalendarSpec,
    PublicHolidays,
    Weekday,
    check_calendar,
    parse_interval,
)
from funnelpact.domain.errors import Level

# Zones with something to say: CET/CEST, US rules, +05:30 and +05:45 without DST, a 30-minute
# DST shift, and DST jumps at midnight (Santiago).
ZONES_WITH_HOLIDAYS: list[tuple[str, PublicHolidays | None]] = [
    ("Europe/Madrid", PublicHolidays(country="ES", subdivision="MD")),
    ("Europe/Rome", PublicHolidays(country="IT")),
    ("America/New_York", PublicHolidays(country="US", subdivision="NY")),
    ("Asia/Kolkata", PublicHolidays(country="IN")),
    ("Asia/Kathmandu", PublicHolidays(country="NP")),
    ("Australia/Lord_Howe", PublicHolidays(country="AU", subdivision="NSW")),
    ("America/Santiago", PublicHolidays(country="CL")),
    ("Europe/Madrid", None),
]

FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2026, 12, 31, tzinfo=UTC)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def interval_lists(draw: st.DrawFn) -> tuple[str, ...]:
    """One or two intervals on quarter hours between 06:00 and 22:00 (away from DST jumps)."""
    count = draw(st.sampled_from([2, 4]))
    marks = draw(
        st.lists(
            st.integers(min_value=6 * 4, max_value=22 * 4),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    quarters = sorted(marks)
    return tuple(
        f"{_clock(quarters[i] * 15)}-{_clock(quarters[i + 1] * 15)}" for i in range(0, count, 2)
    )


@st.composite
def calendar_specs(draw: st.DrawFn) -> CalendarSpec:
    zone, public = draw(st.sampled_from(ZONES_WITH_HOLIDAYS))
    usual = [list(Weekday)[:5], list(Weekday)[:6], list(Weekday), list(Weekday)[1:6]]
    days = draw(
        st.one_of(
            st.sampled_from(usual),
            st.sampled_from(usual),
            st.sets(st.sampled_from(list(Weekday)), min_size=1),
        )
    )
    working_days = tuple(day for day in Weekday if day in days)
    overrides: dict[Weekday, tuple[str, ...]] = {}
    if draw(st.booleans()):
        overrides[draw(st.sampled_from(working_days))] = draw(interval_lists())
    some_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
    closed = draw(st.lists(some_dates, max_size=4, unique=True))
    worked = draw(
        st.lists(some_dates.filter(lambda day: day not in closed), max_size=2, unique=True)
    )
    spec = CalendarSpec(
        timezone=zone,
        working_days=working_days,
        working_hours=draw(interval_lists()),
        hours_by_day=overrides,
        public_holidays=public,
        closed_dates=tuple(closed),
        worked_holidays=tuple(worked),
    )
    assert not [i for i in check_calendar(spec) if i.level is Level.ERROR]
    return spec


_CALENDARS: dict[str, BusinessCalendar] = {}


def calendar_for(spec: CalendarSpec) -> BusinessCalendar:
    """Build once per distinct spec: the holiday tables make a first build cost milliseconds."""
    key = spec.model_dump_json()
    if key not in _CALENDARS:
        _CALENDARS[key] = BusinessCalendar(spec)
    return _CALENDARS[key]


@st.composite
def _moments(draw: st.DrawFn, first: datetime, last: datetime, grain: timedelta) -> datetime:
    # Day, time of day and fraction drawn apart: hypothesis' datetimes() cling to min_value.
    days = (last - first).days
    day = draw(st.integers(min_value=0, max_value=days - 1))
    steps = draw(st.integers(min_value=0, max_value=timedelta(days=1) // grain - 1))
    return first + timedelta(days=day) + steps * grain


def instants(
    first: datetime = FIRST_DAY, last: datetime = LAST_DAY, *, whole_minutes: bool = False
) -> st.SearchStrategy[datetime]:
    """Aware UTC instants spread over [first, last): with microseconds, on whole minutes, or on
    quarter hours (to land exactly on openings and closings); whole minutes at least if asked."""
    quarter_hours = _moments(first, last, timedelta(minutes=15))
    minutes = _moments(first, last, timedelta(minutes=1))
    if whole_minutes:
        return st.one_of(minutes, quarter_hours)
    return st.one_of(_moments(first, last, timedelta(microseconds=1)), minutes, quarter_hours)


def business_durations(max_hours: int = 2000) -> st.SearchStrategy[timedelta]:
    """Any length up to max_hours, often whole hours (the SLA's usual 24 or 48)."""
    return st.one_of(
        st.integers(min_value=0, max_value=max_hours * 3600 * 10**6).map(
            lambda micros: timedelta(microseconds=micros)
        ),
        st.integers(min_value=0, max_value=max_hours).map(lambda hours: timedelta(hours=hours)),
    )


class MinuteOracle:
    """Is this minute working? Asked of the wall clock directly, one minute at a time."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        source = spec.public_holidays
        self.public = (
            None
            if source is None
            else holidays.country_holidays(
                source.country, subdiv=source.subdivision, observed=source.observed
            )
        )

    def is_working(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        day = local.date()
        if day in self.spec.closed_dates:
            return False
        public_holiday = self.public is not None and day in self.public
        if public_holiday and day not in self.spec.worked_holidays:
            return False
        minute_of_day = local.hour * 60 + local.minute
        for text in self.spec.hours_for(Weekday.of(day)):
            start, end = parse_interval(text)
            if start <= minute_of_day < end:
                return True
        return False

    def elapsed_minutes(self, start: datetime, minutes: int) -> int:
        return sum(self.is_working(start + timedelta(minutes=offset)) for offset in range(minutes))
