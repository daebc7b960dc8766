"""Properties of business time over many zones, holidays and hour layouts (hypothesis).

The issue's four properties (add then measure, additivity, never negative, a closed start counts
from the next opening) plus a cross-check against a minute-by-minute oracle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_testkit import (
    MinuteOracle,
    business_durations,
    calendar_for,
    calendar_specs,
    instants,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.domain.calendar import CalendarSpec

ONE_US = timedelta(microseconds=1)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(spec=calendar_specs(), start=instants(), duration=business_durations())
def test_add_then_measure_gives_back_the_duration(
    spec: CalendarSpec, start: datetime, duration: timedelta
) -> None:
    calendar = calendar_for(spec)
    end = calendar.add(start, duration)
    assert end >= start
    assert calendar.elapsed(start, end) == duration


@PROPERTY_SETTINGS
@given(spec=calendar_specs(), start=instants(), duration=business_durations())
def test_add_gives_the_earliest_such_instant(
    spec: CalendarSpec, start: datetime, duration: timedelta
) -> None:
    calendar = calendar_for(spec)
    end = calendar.add(start, duration)
    if duration:
        # One microsecond earlier is short, and that last microsecond was working time.
        assert calendar.elapsed(start, end - ONE_US) == duration - ONE_US
    else:
        assert end == start


@PROPERTY_SETTINGS
@given(spec=calendar_specs(), a=instants(), b=instants())
def test_measure_then_add_lands_on_or_before_the_end(
    spec: CalendarSpec, a: datetime, b: datetime
) -> None:
    calendar = calendar_for(spec)
    start, end = min(a, b), max(a, b)
    landed = calendar.add(start, calendar.elapsed(start, end))
    assert start <= landed <= end
    assert calendar.elapsed(landed, end) == timedelta(0)


@PROPERTY_SETTINGS
@given(
    spec=calendar_specs(),
    start=instants(),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
)
def test_a_deadline_measured_to_a_closing_is_that_closing(
    spec: CalendarSpec, start: datetime, day: date
) -> None:
    """Hits exact week totals: add must not skip a week whose time equals what remains."""
    calendar = calendar_for(spec)
    closings = [close for _, close in calendar.openings(day) if close > start]
    for closing in closings:
        assert calendar.add(start, calendar.elapsed(start, closing)) == closing


@PROPERTY_SETTINGS
@given(spec=calendar_specs(), a=instants(), b=instants(), c=instants())
def test_elapsed_is_additive_over_any_split_point(
    spec: CalendarSpec, a: datetime, b: datetime, c: datetime
) -> None:
    calendar = calendar_for(spec)
    assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)


@PROPERTY_SETTINGS
@given(spec=calendar_specs(), a=instants(), b=instants())
def test_elapsed_is_never_negative_nor_more_than_the_wall_span(
    spec: CalendarSpec, a: datetime, b: datetime
) -> None:
    calendar = calendar_for(spec)
    start, end = min(a, b), max(a, b)
    measured = calendar.elapsed(start, end)
    assert timedelta(0) <= measured <= end - start
    assert calendar.elapsed(end, start) == -measured


@PROPERTY_SETTINGS
@given(
    spec=calendar_specs(),
    start=instants(),
    duration=business_durations().filter(bool),
)
def test_a_start_outside_working_hours_starts_at_the_next_opening(
    spec: CalendarSpec, start: datetime, duration: timedelta
) -> None:
    calendar = calendar_for(spec)
    opening = calendar.next_opening(start)
    assert opening >= start
    assert calendar.is_working(opening)
    assert calendar.elapsed(start, opening) == timedelta(0)
    assert calendar.add(start, duration) == calendar.add(opening, duration)
    if calendar.is_working(start):
        assert opening == start
    else:
        # Nothing between start and the opening is working, up to its last microsecond.
        assert not calendar.is_working(opening - ONE_US)


@PROPERTY_SETTINGS
@given(
    spec=calendar_specs(),
    a=instants(),
    b=instants(),
    zone=st.sampled_from(["UTC", "Europe/Madrid", "Asia/Kolkata", "Pacific/Chatham"]),
)
def test_the_zone_an_instant_is_written_in_does_not_matter(
    spec: CalendarSpec, a: datetime, b: datetime, zone: str
) -> None:
    calendar = calendar_for(spec)
    elsewhere = ZoneInfo(zone)
    assert calendar.elapsed(a.astimezone(elsewhere), b) == calendar.elapsed(a, b)
    moved = calendar.add(a.astimezone(elsewhere), timedelta(hours=5))
    assert moved.tzinfo is elsewhere
    assert moved == calendar.add(a, timedelta(hours=5))


@settings(max_examples=60, deadline=None)
@given(
    spec=calendar_specs(),
    start=instants(whole_minutes=True),
    minutes=st.integers(min_value=0, max_value=6 * 24 * 60),
)
def test_elapsed_matches_a_minute_by_minute_oracle(
    spec: CalendarSpec, start: datetime, minutes: int
) -> None:
    calendar = calendar_for(spec)
    expected = MinuteOracle(spec).elapsed_minutes(start, minutes)
    assert calendar.elapsed(start, start + timedelta(minutes=minutes)) == timedelta(
        minutes=expected
    )


@settings(max_examples=300, deadline=None)
@given(spec=calendar_specs(), instant=instants())
def test_is_working_matches_the_oracle(spec: CalendarSpec, instant: datetime) -> None:
    assert calendar_for(spec).is_working(instant) == MinuteOracle(spec).is_working(instant)


def test_dst_weeks_match_the_oracle_in_every_zone() -> None:
    """Not left to chance: the weeks around each 2025 DST change, minute by minute."""
    weeks = [
        datetime(2025, 3, 27, tzinfo=UTC),  # Europe, 30 Mar
        datetime(2025, 10, 23, tzinfo=UTC),  # Europe, 26 Oct
        datetime(2025, 3, 6, tzinfo=UTC),  # US, 9 Mar
        datetime(2025, 10, 30, tzinfo=UTC),  # US, 2 Nov
        datetime(2025, 4, 2, tzinfo=UTC),  # Lord Howe and Santiago, 5-6 Apr
        datetime(2025, 9, 3, tzinfo=UTC),  # Santiago, 6-7 Sep
        datetime(2025, 10, 2, tzinfo=UTC),  # Lord Howe, 5 Oct
    ]
    for zone in ["Europe/Madrid", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]:
        spec = CalendarSpec(
            timezone=zone,
            working_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),  # type: ignore[arg-type]
            working_hours=("06:00-12:00", "13:00-22:00"),
        )
        calendar, oracle = calendar_for(spec), MinuteOracle(spec)
        for start in weeks:
            minutes = 7 * 24 * 60
            expected = oracle.elapsed_minutes(start, minutes)
            measured = calendar.elapsed(start, start + timedelta(minutes=minutes))
            assert measured == timedelta(minutes=expected), (zone, start)


@PROPERTY_SETTINGS
@given(
    spec=calendar_specs(),
    start=instants(),
    durations=st.lists(business_durations(), min_size=1, max_size=5),
)
def test_many_deadlines_from_one_start_are_each_one_added_alone(
    spec: CalendarSpec, start: datetime, durations: list[timedelta]
) -> None:
    # add_many_us walks the days once for all the deadlines (the evaluator's four per hand-off).
    calendar = calendar_for(spec)
    start_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // ONE_US
    micros = [duration // ONE_US for duration in durations]
    assert calendar.add_many_us(start_us, micros) == [
        calendar.add_us(start_us, value) for value in micros
    ]
