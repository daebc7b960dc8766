"""CalendarSpec and its rules: each code with a broken calendar and the exact message."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml

from funnelpact.domain.calendar import (
    BusinessCalendar,
    CalendarCode,
    CalendarSpec,
    Weekday,
    calendar_spec_from_dict,
    check_calendar,
    parse_interval,
)
from funnelpact.domain.errors import DomainError, Level


def rendered(data: object, prefix: str = "calendar") -> list[str]:
    _, issues = calendar_spec_from_dict(data, prefix)
    return [issue.render() for issue in issues]


def test_defaults_are_a_madrid_style_office_week() -> None:
    spec, issues = calendar_spec_from_dict({"timezone": "Europe/Madrid"})
    assert issues == []
    assert spec is not None
    assert spec.working_days == (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    assert spec.working_hours == ("09:00-18:00",)
    assert spec.public_holidays is None
    assert spec.hours_for(Weekday.SAT) == ()


def test_a_full_section_parsed_from_yaml_is_valid() -> None:
    text = """
timezone: Europe/Madrid
working_days: [mon, tue, wed, thu, fri]
working_hours: [09:00-14:00, 15:00-18:00]
hours_by_day:
  fri: [08:00-15:00]
public_holidays:
  country: ES
  subdivision: MD
closed_dates: [2025-12-24, 2025-12-31]
worked_holidays: [2025-05-02]
"""
    spec, issues = calendar_spec_from_dict(yaml.safe_load(text))
    assert issues == []
    assert spec is not None
    assert spec.hours_for(Weekday.FRI) == ("08:00-15:00",)
    assert spec.hours_for(Weekday.MON) == ("09:00-14:00", "15:00-18:00")
    assert spec.closed_dates == (date(2025, 12, 24), date(2025, 12, 31))
    assert spec.public_holidays is not None and spec.public_holidays.subdivision == "MD"


def test_equal_specs_hash_alike_whatever_the_order_of_hours_by_day() -> None:
    first = CalendarSpec.model_validate(
        {
            "timezone": "Europe/Rome",
            "hours_by_day": {"fri": ["08:00-14:00"], "mon": ["10:00-18:00"]},
        }
    )
    second = CalendarSpec.model_validate(
        {
            "timezone": "Europe/Rome",
            "hours_by_day": {"mon": ["10:00-18:00"], "fri": ["08:00-14:00"]},
        }
    )
    other = CalendarSpec.model_validate(
        {
            "timezone": "Europe/Rome",
            "hours_by_day": {"mon": ["10:00-17:00"], "fri": ["08:00-14:00"]},
        }
    )
    assert first == second and hash(first) == hash(second)
    assert first != other
    assert len({first, second, other}) == 2
    assert set(CalendarSpec.model_fields) == {
        "timezone",
        "working_days",
        "working_hours",
        "hours_by_day",
        "public_holidays",
        "closed_dates",
        "worked_holidays",
    }, "a new field must join CalendarSpec.__hash__"


def test_the_spec_is_frozen_and_round_trips() -> None:
    spec = CalendarSpec(timezone="Europe/Rome", closed_dates=(date(2025, 8, 14),))
    with pytest.raises(ValueError, match="frozen"):
        spec.timezone = "UTC"  # type: ignore[misc]
    again = CalendarSpec.model_validate(json.loads(spec.model_dump_json()))
    assert again == spec


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"timezone": "Europe/Madrid", "working_hour": ["09:00-18:00"]},
            ["calendar.working_hour: error CAL001 unknown key (check its spelling)"],
        ),
        ({}, ["calendar.timezone: error CAL001 required key is missing"]),
        (
            {"timezone": "Europe/Madrid", "working_days": ["mon", "monday"]},
            [
                "calendar.working_days[1]: error CAL001 Input should be 'mon', 'tue', 'wed', "
                "'thu', 'fri', 'sat' or 'sun'"
            ],
        ),
        (
            {"timezone": "Europe/Madrid", "working_hours": ["9 to 5"]},
            [
                "calendar.working_hours[0]: error CAL001 expected a local time interval like "
                "'09:00-18:00', got '9 to 5'"
            ],
        ),
        (
            {"timezone": "Europe/Madrid", "working_hours": ["09:00-24:30"]},
            ["calendar.working_hours[0]: error CAL001 24:30 is not a time of day in '09:00-24:30'"],
        ),
        (
            {"timezone": "Europe/Madrid", "hours_by_day": {"friday": ["08:00-15:00"]}},
            [
                "calendar.hours_by_day.friday: error CAL001 Input should be 'mon', 'tue', "
                "'wed', 'thu', 'fri', 'sat' or 'sun'"
            ],
        ),
        (
            {"timezone": "Europe/Madrid", "closed_dates": ["2025-02-30"]},
            [
                "calendar.closed_dates[0]: error CAL001 Input should be a valid date or datetime, "
                "day value is outside expected range"
            ],
        ),
        (
            {"timezone": "Europe/Madrid", "public_holidays": {"region": "MD"}},
            [
                "calendar.public_holidays.country: error CAL001 required key is missing",
                "calendar.public_holidays.region: error CAL001 unknown key (check its spelling)",
            ],
        ),
        (
            ["Europe/Madrid"],
            ["calendar: error CAL001 expected a mapping of calendar settings, got list"],
        ),
    ],
)
def test_shape_errors_are_cal001_with_field_paths(data: object, expected: list[str]) -> None:
    spec, issues = calendar_spec_from_dict(data, "calendar")
    assert spec is None
    assert [issue.render() for issue in issues] == expected
    assert {issue.code for issue in issues} == {CalendarCode.INVALID}


def test_every_shape_error_is_reported_at_once() -> None:
    lines = rendered({"timezone": 3, "working_days": ["xyz"], "bogus": True})
    assert len(lines) == 3
    assert lines[0] == "calendar.timezone: error CAL001 Input should be a valid string"
    assert lines[1].startswith("calendar.working_days[0]: error CAL001")
    assert lines[2] == "calendar.bogus: error CAL001 unknown key (check its spelling)"


RULE_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "CAL002",
        {"timezone": "Europe/Madird"},
        [
            "calendar.timezone: error CAL002 unknown time zone 'Europe/Madird' (use an IANA name "
            "such as Europe/Madrid)"
        ],
    ),
    (
        "CAL003",
        {"timezone": "Europe/Madrid", "public_holidays": {"country": "es"}},
        [
            "calendar.public_holidays.country: error CAL003 unknown holiday country 'es' "
            "(did you mean ES?)"
        ],
    ),
    (
        "CAL003",
        {"timezone": "Europe/Madrid", "public_holidays": {"country": "Spain"}},
        [
            "calendar.public_holidays.country: error CAL003 unknown holiday country 'Spain' "
            "(use an ISO code such as ES, IT, US)"
        ],
    ),
    (
        "CAL004",
        {"timezone": "Europe/Rome", "public_holidays": {"country": "IT", "subdivision": "XX"}},
        [],  # message lists the known codes; checked by prefix below
    ),
    (
        "CAL005",
        {"timezone": "Europe/Madrid", "working_hours": ["18:00-09:00"]},
        [
            "calendar.working_hours[0]: error CAL005 working interval '18:00-09:00' ends before "
            "or when it starts (split a night shift at midnight: '22:00-24:00' and '00:00-06:00' "
            "on the next day)",
            "calendar.working_days: error CAL007 the calendar has no working time at all: no "
            "working day with working hours, so no business clock can run",
        ],
    ),
    (
        "CAL006",
        {
            "timezone": "Europe/Madrid",
            "working_hours": ["09:00-18:00", "10:00-11:00", "12:00-13:00"],
        },
        [
            "calendar.working_hours[1]: error CAL006 working interval '10:00-11:00' overlaps "
            "'09:00-18:00'",
            "calendar.working_hours[2]: error CAL006 working interval '12:00-13:00' overlaps "
            "'09:00-18:00'",
        ],
    ),
    (
        "CAL007",
        {"timezone": "Europe/Madrid", "working_days": []},
        [
            "calendar.working_days: error CAL007 the calendar has no working time at all: no "
            "working day with working hours, so no business clock can run"
        ],
    ),
    (
        "CAL008",
        {"timezone": "Europe/Madrid", "hours_by_day": {"sat": ["10:00-13:00"]}},
        [
            "calendar.hours_by_day.sat: warning CAL008 hours are given for sat, which is not in "
            "working_days, so they are ignored (add it to working_days to work that day)"
        ],
    ),
    (
        "CAL009",
        {
            "timezone": "America/New_York",
            "public_holidays": {"country": "US"},
            "closed_dates": ["2025-10-13"],
            "worked_holidays": ["2025-10-13"],
        },
        [
            "calendar.worked_holidays[0]: error CAL009 2025-10-13 is both a closed date and a "
            "worked holiday"
        ],
    ),
    (
        "CAL010",
        {
            "timezone": "America/New_York",
            "public_holidays": {"country": "US", "subdivision": "NY"},
            "worked_holidays": ["2025-10-13", "2025-10-14"],
        },
        [
            "calendar.worked_holidays[1]: warning CAL010 2025-10-14 is listed as a worked holiday "
            "but is not a public holiday of US-NY"
        ],
    ),
    (
        "CAL010",
        {"timezone": "Europe/Rome", "worked_holidays": ["2025-08-15"]},
        [
            "calendar.worked_holidays[0]: warning CAL010 2025-08-15 is listed as a worked holiday "
            "but no public_holidays are configured, so it changes nothing"
        ],
    ),
    (
        "CAL011",
        {
            "timezone": "Europe/Rome",
            "working_days": ["mon", "tue", "mon"],
            "closed_dates": ["2025-08-14", "2025-08-14"],
        },
        [
            "calendar.working_days[2]: warning CAL011 working day mon is listed twice",
            "calendar.closed_dates[1]: warning CAL011 date 2025-08-14 is listed twice",
        ],
    ),
]


@pytest.mark.parametrize(("code", "data", "expected"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_rule_reports_its_exact_message(
    code: str, data: dict[str, Any], expected: list[str]
) -> None:
    spec, issues = calendar_spec_from_dict(data, "calendar")
    assert spec is not None, "rule cases have a valid shape"
    assert code in {issue.code for issue in issues}
    if expected:
        assert [issue.render() for issue in issues] == expected


def test_unknown_subdivision_lists_the_known_ones() -> None:
    lines = rendered(
        {"timezone": "Europe/Rome", "public_holidays": {"country": "IT", "subdivision": "XX"}}
    )
    assert len(lines) == 1
    assert lines[0].startswith(
        "calendar.public_holidays.subdivision: error CAL004 unknown subdivision 'XX' of IT (known: "
    )
    assert "AG, AL, AN" in lines[0]
    assert lines[0].endswith("more)")


def test_every_code_has_a_case_here() -> None:
    covered = {code for code, _, _ in RULE_CASES} | {"CAL001"}
    assert covered == {code.value for code in CalendarCode}


def test_a_lunch_break_and_24_00_are_fine() -> None:
    spec = CalendarSpec(timezone="Europe/Madrid", working_hours=("09:00-14:00", "15:00-24:00"))
    assert check_calendar(spec) == []
    assert parse_interval("15:00-24:00") == (900, 1440)
    assert parse_interval(" 9:30 - 13:45 ") == (570, 825)


def test_a_spec_with_errors_cannot_become_a_business_calendar() -> None:
    spec = CalendarSpec(timezone="Mars/Olympus_Mons", working_hours=("10:00-09:00",))
    with pytest.raises(DomainError) as caught:
        BusinessCalendar(spec)
    assert [issue.code for issue in caught.value.issues] == ["CAL002", "CAL005", "CAL007"]
    assert all(issue.level is Level.ERROR for issue in caught.value.issues)


def test_warnings_do_not_stop_a_business_calendar() -> None:
    spec = CalendarSpec(timezone="Europe/Madrid", hours_by_day={Weekday.SUN: ("10:00-12:00",)})
    assert [issue.level for issue in check_calendar(spec)] == [Level.WARNING]
    assert BusinessCalendar(spec).openings(date(2025, 6, 1)) == ()  # a Sunday stays closed


@pytest.mark.parametrize(
    "name", ["", " Europe/Madrid", "../etc/passwd", "/Europe/Madrid", "Nowhere"]
)
def test_odd_time_zone_names_are_unknown_not_crashes(name: str) -> None:
    spec = CalendarSpec(timezone=name)
    assert [issue.code for issue in check_calendar(spec)] == ["CAL002"]


def test_json_schema_lists_every_field_with_a_description() -> None:
    schema = CalendarSpec.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(CalendarSpec.model_fields)
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
    interval = schema["properties"]["working_hours"]["items"]
    assert interval["type"] == "string" and "pattern" in interval
