"""Exact journeys through the business calendar: leads handed over at awkward moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from funnelpact.domain.calendar import (
    BusinessCalendar,
    CalendarSpec,
    NaiveDatetimeError,
    PublicHolidays,
    Weekday,
)

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
HOURS_24 = timedelta(hours=24)


def madrid_office(**extra: object) -> BusinessCalendar:
    return BusinessCalendar(
        CalendarSpec.model_validate(
            {
                "timezone": "Europe/Madrid",
                "public_holidays": {"country": "ES", "subdivision": "MD"},
                **extra,
            }
        )
    )


def always_open(zone: str) -> BusinessCalendar:
    return BusinessCalendar(
        CalendarSpec(timezone=zone, working_days=tuple(Weekday), working_hours=("00:00-24:00",))
    )


def real_length(opening: tuple[datetime, datetime]) -> timedelta:
    # Subtracting two datetimes of one tzinfo compares wall clocks; UTC gives real time.
    return opening[1].astimezone(UTC) - opening[0].astimezone(UTC)


def test_mql_friday_1700_with_a_national_holiday_on_monday() -> None:
    """Friday 5 Dec 2025 17:00; Sat 6 Constitution Day, Mon 8 Immaculate Conception (national).

    24 business hours of 9-hour days: Fri 1 h, Tue 9 h, Wed 9 h, Thu 5 h -> Thu 11 Dec 14:00.
    """
    calendar = madrid_office()
    handed_over = datetime(2025, 12, 5, 17, 0, tzinfo=MADRID)
    deadline = calendar.add(handed_over, HOURS_24)
    assert deadline == datetime(2025, 12, 11, 14, 0, tzinfo=MADRID)
    assert calendar.holiday_name(date(2025, 12, 8)) == "Immaculate Conception"
    assert calendar.elapsed(handed_over, deadline) == HOURS_24
    # Measured the other way round, the same span is negative (antisymmetric).
    assert calendar.elapsed(deadline, handed_over) == -HOURS_24
    # Monday stays closed: the first touch on Monday counts zero time.
    monday_noon = datetime(2025, 12, 8, 12, 0, tzinfo=MADRID)
    assert not calendar.is_working(monday_noon)
    assert calendar.next_opening(monday_noon) == datetime(2025, 12, 9, 9, 0, tzinfo=MADRID)
    assert calendar.elapsed(handed_over, monday_noon) == timedelta(hours=1)


def test_mql_friday_1700_over_the_march_dst_weekend() -> None:
    """Clocks jump 02:00 -> 03:00 on Sunday 30 Mar 2025; no working hour is lost."""
    calendar = madrid_office()
    handed_over = datetime(2025, 3, 28, 17, 0, tzinfo=MADRID)  # 16:00 UTC
    deadline = calendar.add(handed_over, HOURS_24)
    assert deadline == datetime(2025, 4, 2, 14, 0, tzinfo=MADRID)  # 12:00 UTC
    assert deadline.utcoffset() == timedelta(hours=2)
    assert deadline.astimezone(UTC) - handed_over.astimezone(UTC) == timedelta(hours=116)
    # The same question in UTC gives the same instant, expressed in UTC.
    assert calendar.add(handed_over.astimezone(UTC), HOURS_24) == datetime(
        2025, 4, 2, 12, 0, tzinfo=UTC
    )


def test_mql_friday_1700_over_the_october_dst_weekend() -> None:
    """Clocks go back 03:00 -> 02:00 on Sunday 26 Oct 2025; no working hour is gained."""
    calendar = madrid_office()
    handed_over = datetime(2025, 10, 24, 17, 0, tzinfo=MADRID)
    deadline = calendar.add(handed_over, HOURS_24)
    assert deadline == datetime(2025, 10, 29, 14, 0, tzinfo=MADRID)
    assert deadline.utcoffset() == timedelta(hours=1)
    assert deadline.astimezone(UTC) - handed_over.astimezone(UTC) == timedelta(hours=118)


def test_a_deadline_that_lands_on_closing_time_is_that_closing() -> None:
    calendar = madrid_office()
    friday = datetime(2025, 12, 5, 17, 0, tzinfo=MADRID)
    assert calendar.add(friday, timedelta(hours=1)) == datetime(2025, 12, 5, 18, 0, tzinfo=MADRID)
    assert calendar.add(friday, timedelta(hours=1, seconds=1)) == datetime(
        2025, 12, 9, 9, 0, 1, tzinfo=MADRID
    )
    assert calendar.add(friday, timedelta(0)) == friday


def test_a_lead_arriving_at_night_starts_at_the_next_opening() -> None:
    calendar = madrid_office()
    night = datetime(2025, 6, 10, 23, 30, tzinfo=MADRID)  # Tuesday
    assert calendar.next_opening(night) == datetime(2025, 6, 11, 9, 0, tzinfo=MADRID)
    assert calendar.add(night, timedelta(hours=2)) == datetime(2025, 6, 11, 11, 0, tzinfo=MADRID)
    assert calendar.elapsed(night, datetime(2025, 6, 11, 9, 0, tzinfo=MADRID)) == timedelta(0)


def test_lunch_break_and_short_friday() -> None:
    calendar = madrid_office(
        working_hours=["09:00-14:00", "15:00-18:00"], hours_by_day={"fri": ["08:00-15:00"]}
    )
    before_lunch = datetime(2025, 6, 10, 13, 30, tzinfo=MADRID)
    assert calendar.add(before_lunch, timedelta(hours=1)) == datetime(
        2025, 6, 10, 15, 30, tzinfo=MADRID
    )
    assert not calendar.is_working(datetime(2025, 6, 10, 14, 0, tzinfo=MADRID))
    assert calendar.is_working(datetime(2025, 6, 10, 15, 0, tzinfo=MADRID))
    thursday_evening = datetime(2025, 6, 12, 17, 0, tzinfo=MADRID)
    # Thu 1 h, Fri 08:00-15:00 7 h, then Monday 09:00 + 2 h.
    assert calendar.add(thursday_evening, timedelta(hours=10)) == datetime(
        2025, 6, 16, 11, 0, tzinfo=MADRID
    )
    week = calendar.elapsed(
        datetime(2025, 6, 9, 0, 0, tzinfo=MADRID), datetime(2025, 6, 16, 0, 0, tzinfo=MADRID)
    )
    assert week == timedelta(hours=4 * 8 + 7)


def test_company_closed_dates_close_the_office() -> None:
    calendar = madrid_office(closed_dates=["2025-12-24"])
    tuesday_evening = datetime(2025, 12, 23, 17, 0, tzinfo=MADRID)
    # Wed 24 closed (company), Thu 25 Christmas: Tue 1 h + Fri 26 from 09:00.
    assert calendar.add(tuesday_evening, timedelta(hours=3)) == datetime(
        2025, 12, 26, 11, 0, tzinfo=MADRID
    )
    assert calendar.holiday_name(date(2025, 12, 24)) == "closed"


def test_us_team_works_columbus_day_when_told_so() -> None:
    public = PublicHolidays(country="US", subdivision="NY")
    closed = BusinessCalendar(CalendarSpec(timezone="America/New_York", public_holidays=public))
    worked = BusinessCalendar(
        CalendarSpec(
            timezone="America/New_York",
            public_holidays=public,
            worked_holidays=(date(2025, 10, 13),),
        )
    )
    friday = datetime(2025, 10, 10, 17, 0, tzinfo=NEW_YORK)
    assert closed.holiday_name(date(2025, 10, 13)) == "Columbus Day"
    assert worked.holiday_name(date(2025, 10, 13)) is None
    assert closed.add(friday, timedelta(hours=8)) == datetime(2025, 10, 14, 16, 0, tzinfo=NEW_YORK)
    assert worked.add(friday, timedelta(hours=8)) == datetime(2025, 10, 13, 16, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Madrid", date(2025, 3, 30), 23),
        ("Europe/Madrid", date(2025, 10, 26), 25),
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        ("Australia/Lord_Howe", date(2025, 10, 5), 23.5),  # a 30-minute DST shift
        ("Australia/Lord_Howe", date(2025, 4, 6), 24.5),
        ("America/Santiago", date(2025, 9, 7), 23),  # the jump is at midnight: 00:00 never shows
        ("America/Santiago", date(2025, 4, 5), 25),  # the repeated hour ends this date
        ("Asia/Kolkata", date(2025, 3, 30), 24),
    ],
)
def test_a_day_open_around_the_clock_has_its_real_length(
    zone: str, day: date, hours: float
) -> None:
    calendar = always_open(zone)
    (opening,) = calendar.openings(day)
    assert real_length(opening) == timedelta(hours=hours)
    start = opening[0].astimezone(UTC)  # UTC arithmetic: 24 real hours, all of them working
    assert calendar.elapsed(start, start + timedelta(days=1)) == timedelta(hours=24)


def test_santiago_day_that_skips_midnight_opens_at_one() -> None:
    (opening,) = always_open("America/Santiago").openings(date(2025, 9, 7))
    assert opening[0].replace(tzinfo=None) == datetime(2025, 9, 7, 1, 0)


def test_working_hours_inside_a_dst_gap_or_fold() -> None:
    """02:30-04:00 in Madrid: the gap day starts at the jump (03:00), the fold day runs 2.5 h."""
    calendar = BusinessCalendar(
        CalendarSpec(
            timezone="Europe/Madrid", working_days=tuple(Weekday), working_hours=("02:30-04:00",)
        )
    )
    (spring,) = calendar.openings(date(2025, 3, 30))
    assert spring[0].astimezone(UTC) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert real_length(spring) == timedelta(hours=1)
    (autumn,) = calendar.openings(date(2025, 10, 26))
    assert autumn[0].astimezone(UTC) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert real_length(autumn) == timedelta(hours=2, minutes=30)
    # A span wholly inside the gap gives no working time that day.
    gap_only = BusinessCalendar(
        CalendarSpec(
            timezone="Europe/Madrid", working_days=(Weekday.SUN,), working_hours=("02:10-02:50",)
        )
    )
    assert gap_only.openings(date(2025, 3, 30)) == ()
    assert len(gap_only.openings(date(2025, 4, 6))) == 1


def test_kolkata_half_hour_offset() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    calendar = BusinessCalendar(
        CalendarSpec(timezone="Asia/Kolkata", public_holidays=PublicHolidays(country="IN"))
    )
    # 09:00 IST is 03:30 UTC.
    assert calendar.next_opening(datetime(2025, 6, 10, 0, 0, tzinfo=UTC)) == datetime(
        2025, 6, 10, 3, 30, tzinfo=UTC
    )
    friday = datetime(2025, 6, 13, 17, 30, tzinfo=kolkata)
    assert calendar.add(friday, timedelta(hours=2)) == datetime(2025, 6, 16, 10, 30, tzinfo=kolkata)


def test_microseconds_are_exact() -> None:
    calendar = madrid_office()
    start = datetime(2025, 6, 10, 10, 0, 0, 1, tzinfo=MADRID)
    end = calendar.add(start, timedelta(hours=30, microseconds=7))
    assert calendar.elapsed(start, end) == timedelta(hours=30, microseconds=7)
    assert end == datetime(2025, 6, 13, 13, 0, 0, 8, tzinfo=MADRID)


def test_naive_datetimes_are_refused_with_a_clear_error() -> None:
    calendar = madrid_office()
    naive = datetime(2025, 6, 10, 10, 0)
    aware = naive.replace(tzinfo=MADRID)
    with pytest.raises(NaiveDatetimeError, match=r"start 2025-06-10T10:00:00 has no time zone"):
        calendar.elapsed(naive, aware)
    with pytest.raises(NaiveDatetimeError, match=r"end 2025-06-10T10:00:00 has no time zone"):
        calendar.elapsed(aware, naive)
    with pytest.raises(ValueError, match="no time zone"):
        calendar.add(naive, HOURS_24)
    with pytest.raises(ValueError, match="no time zone"):
        calendar.is_working(naive)
    with pytest.raises(ValueError, match="no time zone"):
        calendar.next_opening(naive)


def test_negative_durations_cannot_be_added() -> None:
    calendar = madrid_office()
    with pytest.raises(ValueError, match="cannot be negative"):
        calendar.add(datetime(2025, 6, 10, 10, 0, tzinfo=MADRID), -HOURS_24)


def test_a_year_of_madrid_working_hours() -> None:
    """2025: 261 weekdays, 10 of them Madrid holidays -> 251 days of 9 hours."""
    calendar = madrid_office()
    year = calendar.elapsed(
        datetime(2025, 1, 1, tzinfo=MADRID), datetime(2026, 1, 1, tzinfo=MADRID)
    )
    assert year == timedelta(hours=251 * 9)
