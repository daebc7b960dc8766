"""The business calendar's configuration: the `calendar:` section of the SLA agreement.

`CalendarSpec` is the shape (pydantic, frozen, unknown keys refused); `check_calendar` holds the
rules a shape cannot express (the zone exists, intervals are ordered, some time is working...);
`calendar_spec_from_dict` turns a plain mapping into a spec plus located issues, never raising.

Working hours are written as local wall-clock intervals "HH:MM-HH:MM" (end may be "24:00"): one
string is one interval, two strings make a lunch break. Field paths in issues are dotted with
list indexes in brackets, e.g. ``calendar.working_hours[1]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from funnelpact.domain.errors import Issue, Level


class Weekday(StrEnum):
    """A day of the week, in the order of `date.weekday()` (Monday is 0)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday ... 6 for Sunday, as `date.weekday()`."""
        return list(Weekday).index(self)

    @classmethod
    def of(cls, day: date) -> Weekday:
        return list(Weekday)[day.weekday()]


class CalendarCode(StrEnum):
    """Stable codes of calendar issues (documented in docs/calendar.md)."""

    INVALID = "CAL001"
    UNKNOWN_TIMEZONE = "CAL002"
    UNKNOWN_COUNTRY = "CAL003"
    UNKNOWN_SUBDIVISION = "CAL004"
    EMPTY_INTERVAL = "CAL005"
    OVERLAPPING_INTERVALS = "CAL006"
    NO_WORKING_TIME = "CAL007"
    OVERRIDE_ON_CLOSED_DAY = "CAL008"
    DATE_BOTH_CLOSED_AND_WORKED = "CAL009"
    WORKED_DATE_NOT_A_HOLIDAY = "CAL010"
    DUPLICATE_ENTRY = "CAL011"


_INTERVAL_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_MINUTES_PER_DAY = 24 * 60


def parse_interval(text: str) -> tuple[int, int]:
    """ "09:00-18:00" -> (540, 1080): start and end in minutes after local midnight.

    Raises ValueError with a message for users when the text is not two valid clock times.
    Ordering (end after start) is a rule of `check_calendar`, not of the text.
    """
    match = _INTERVAL_TEXT.match(text)
    if match is None:
        raise ValueError(f"expected a local time interval like '09:00-18:00', got {text!r}")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    for hour, minute in ((start_h, start_m), (end_h, end_m)):
        # 24:00 is allowed so that a day can close at midnight.
        if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
            raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day in {text!r}")
    return start_h * 60 + start_m, end_h * 60 + end_m


def _check_interval_text(text: str) -> str:
    parse_interval(text)
    return text.strip()


IntervalText = Annotated[
    str,
    AfterValidator(_check_interval_text),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$",
            "examples": ["09:00-18:00", "09:00-14:00", "15:00-18:00"],
            "description": "A local wall-clock interval HH:MM-HH:MM; the end may be 24:00.",
        }
    ),
]

DEFAULT_WORKING_DAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
DEFAULT_WORKING_HOURS = ("09:00-18:00",)


class PublicHolidays(BaseModel):
    """Which public-holiday list of the `holidays` package closes the office."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str = Field(
        description="ISO 3166-1 alpha-2 country code known to the `holidays` package, "
        "e.g. ES, IT, US."
    )
    subdivision: str | None = Field(
        default=None,
        description="Region, state or province code of that country, e.g. MD (Madrid) for ES, "
        "CA for US; omit for national holidays only.",
    )
    observed: bool = Field(
        default=True,
        description="Include the substitute days a country observes when a holiday falls on a "
        "weekend (e.g. US holidays moved to Friday or Monday).",
    )


class CalendarSpec(BaseModel):
    """When the clock of the SLA runs: zone, working days and hours, holidays, own dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(
        description="IANA time zone of the team, e.g. Europe/Madrid, Europe/Rome, "
        "America/New_York. Working hours are local wall-clock times in this zone."
    )
    working_days: tuple[Weekday, ...] = Field(
        default=DEFAULT_WORKING_DAYS,
        description="Days of the week the team works: mon, tue, wed, thu, fri, sat, sun.",
    )
    working_hours: tuple[IntervalText, ...] = Field(
        default=DEFAULT_WORKING_HOURS,
        description="Local working intervals of a working day, e.g. ['09:00-18:00'], or "
        "['09:00-14:00', '15:00-18:00'] for a lunch break. End may be 24:00.",
    )
    hours_by_day: dict[Weekday, tuple[IntervalText, ...]] = Field(
        default_factory=dict,
        description="Per-weekday replacement of working_hours, e.g. {fri: ['08:00-15:00']} for a "
        "short Friday. Only working days may have an entry.",
    )
    public_holidays: PublicHolidays | None = Field(
        default=None,
        description="Public holidays that close the office, from the `holidays` package; omit "
        "for none.",
    )
    closed_dates: tuple[date, ...] = Field(
        default=(),
        description="The company's own closed dates (YYYY-MM-DD), e.g. 2025-12-24: no working time "
        "at all on those local dates.",
    )
    worked_holidays: tuple[date, ...] = Field(
        default=(),
        description="Public holidays the team works anyway (YYYY-MM-DD), removed from the public "
        "list, e.g. US Columbus Day; those dates get their weekday's working hours.",
    )

    def __hash__(self) -> int:
        # Frozen, so a value: hashable despite the mapping (whose order does not matter).
        return hash(
            (
                self.timezone,
                self.working_days,
                self.working_hours,
                tuple(sorted(self.hours_by_day.items())),
                self.public_holidays,
                self.closed_dates,
                self.worked_holidays,
            )
        )

    def hours_for(self, day: Weekday) -> tuple[str, ...]:
        """The interval texts of a weekday (override or default), empty if not a working day."""
        if day not in self.working_days:
            return ()
        return self.hours_by_day.get(day, self.working_hours)


def _join_path(prefix: str, loc: Sequence[int | str]) -> str:
    path = prefix
    for part in loc:
        if part == "[key]":  # pydantic's marker for "the key itself is wrong"
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _error(code: CalendarCode, message: str, path: str) -> Issue:
    return Issue(level=Level.ERROR, code=code, message=message, field=path)


def _warning(code: CalendarCode, message: str, path: str) -> Issue:
    return Issue(level=Level.WARNING, code=code, message=message, field=path)


def known_timezone(name: str) -> bool:
    """True when the IANA database (tzdata) knows the zone name."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_intervals(texts: Sequence[str], path: str) -> list[Issue]:
    issues: list[Issue] = []
    spans: list[tuple[int, int, int]] = []
    for index, text in enumerate(texts):
        start, end = parse_interval(text)
        if end <= start:
            issues.append(
                _error(
                    CalendarCode.EMPTY_INTERVAL,
                    f"working interval {text!r} ends before or when it starts (split a night "
                    "shift at midnight: '22:00-24:00' and '00:00-06:00' on the next day)",
                    f"{path}[{index}]",
                )
            )
        else:
            spans.append((start, end, index))
    spans.sort()
    # Track the latest end so far: an interval may overlap an earlier, longer one.
    latest_end, latest_index = -1, -1
    for start, end, index in spans:
        if start < latest_end:
            issues.append(
                _error(
                    CalendarCode.OVERLAPPING_INTERVALS,
                    f"working interval {texts[index]!r} overlaps {texts[latest_index]!r}",
                    f"{path}[{index}]",
                )
            )
        if end > latest_end:
            latest_end, latest_index = end, index
    return issues


def _check_duplicates(values: Sequence[object], path: str, what: str) -> list[Issue]:
    seen: set[object] = set()
    issues: list[Issue] = []
    for index, value in enumerate(values):
        if value in seen:
            issues.append(
                _warning(
                    CalendarCode.DUPLICATE_ENTRY,
                    f"{what} {value} is listed twice",
                    f"{path}[{index}]",
                )
            )
        seen.add(value)
    return issues


def _check_public_holidays(spec: CalendarSpec, prefix: str) -> list[Issue]:
    issues: list[Issue] = []
    source = spec.public_holidays
    path = _join_path(prefix, ["public_holidays"])
    if source is None:
        for index, day in enumerate(spec.worked_holidays):
            issues.append(
                _warning(
                    CalendarCode.WORKED_DATE_NOT_A_HOLIDAY,
                    f"{day.isoformat()} is listed as a worked holiday but no public_holidays "
                    "are configured, so it changes nothing",
                    _join_path(prefix, ["worked_holidays", index]),
                )
            )
        return issues
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    if source.country not in supported:
        close = sorted(code for code in supported if code.upper() == source.country.upper())
        hint = f" (did you mean {close[0]}?)" if close else " (use an ISO code such as ES, IT, US)"
        issues.append(
            _error(
                CalendarCode.UNKNOWN_COUNTRY,
                f"unknown holiday country {source.country!r}{hint}",
                f"{path}.country",
            )
        )
        return issues
    subdivisions = supported[source.country]
    if source.subdivision is not None and source.subdivision not in subdivisions:
        shown = 40  # Italy alone has over a hundred provinces
        listed = ", ".join(subdivisions[:shown]) or "none"
        if len(subdivisions) > shown:
            listed += f", ... and {len(subdivisions) - shown} more"
        issues.append(
            _error(
                CalendarCode.UNKNOWN_SUBDIVISION,
                f"unknown subdivision {source.subdivision!r} of {source.country} (known: {listed})",
                f"{path}.subdivision",
            )
        )
        return issues
    if spec.worked_holidays:
        years = sorted({day.year for day in spec.worked_holidays})
        public = holidays.country_holidays(
            source.country, subdiv=source.subdivision, years=years, observed=source.observed
        )
        for index, day in enumerate(spec.worked_holidays):
            if day not in public:
                issues.append(
                    _warning(
                        CalendarCode.WORKED_DATE_NOT_A_HOLIDAY,
                        f"{day.isoformat()} is listed as a worked holiday but is not a public "
                        f"holiday of {source.country}"
                        + (f"-{source.subdivision}" if source.subdivision else ""),
                        _join_path(prefix, ["worked_holidays", index]),
                    )
                )
    return issues


def check_calendar(spec: CalendarSpec, field_prefix: str = "") -> list[Issue]:
    """Every rule the shape cannot express, as located issues (errors and warnings).

    `field_prefix` is prepended to field paths, e.g. "calendar" inside the agreement.
    An empty list of errors means `BusinessCalendar(spec)` will build.
    """
    issues: list[Issue] = []
    if not known_timezone(spec.timezone):
        issues.append(
            _error(
                CalendarCode.UNKNOWN_TIMEZONE,
                f"unknown time zone {spec.timezone!r} (use an IANA name such as Europe/Madrid)",
                _join_path(field_prefix, ["timezone"]),
            )
        )
    issues.extend(
        _check_duplicates(
            spec.working_days, _join_path(field_prefix, ["working_days"]), "working day"
        )
    )
    issues.extend(_check_intervals(spec.working_hours, _join_path(field_prefix, ["working_hours"])))
    for day, texts in spec.hours_by_day.items():
        path = _join_path(field_prefix, ["hours_by_day", day.value])
        if day not in spec.working_days:
            issues.append(
                _warning(
                    CalendarCode.OVERRIDE_ON_CLOSED_DAY,
                    f"hours are given for {day.value}, which is not in working_days, so they "
                    "are ignored (add it to working_days to work that day)",
                    path,
                )
            )
        issues.extend(_check_intervals(texts, path))
    if not any(
        _working_minutes(spec.hours_for(day)) > 0 for day in Weekday if day in spec.working_days
    ):
        issues.append(
            _error(
                CalendarCode.NO_WORKING_TIME,
                "the calendar has no working time at all: no working day with working hours, so "
                "no business clock can run",
                _join_path(field_prefix, ["working_days"]),
            )
        )
    issues.extend(
        _check_duplicates(spec.closed_dates, _join_path(field_prefix, ["closed_dates"]), "date")
    )
    issues.extend(
        _check_duplicates(
            spec.worked_holidays, _join_path(field_prefix, ["worked_holidays"]), "date"
        )
    )
    closed = set(spec.closed_dates)
    for index, worked in enumerate(spec.worked_holidays):
        if worked in closed:
            issues.append(
                _error(
                    CalendarCode.DATE_BOTH_CLOSED_AND_WORKED,
                    f"{worked.isoformat()} is both a closed date and a worked holiday",
                    _join_path(field_prefix, ["worked_holidays", index]),
                )
            )
    issues.extend(_check_public_holidays(spec, field_prefix))
    return issues


def _working_minutes(texts: Sequence[str]) -> int:
    total = 0
    for text in texts:
        start, end = parse_interval(text)
        total += max(0, end - start)
    return total


def _pydantic_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check its spelling)"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value"))
    # "Value error, expected ..." reads better without pydantic's prefix.
    return message.removeprefix("Value error, ")


def issues_from_validation_error(exc: ValidationError, field_prefix: str = "") -> list[Issue]:
    """Pydantic's errors as CAL001 issues with dotted field paths."""
    return [
        _error(
            CalendarCode.INVALID, _pydantic_message(error), _join_path(field_prefix, error["loc"])
        )
        for error in exc.errors()
    ]


def calendar_spec_from_dict(
    data: object, field_prefix: str = ""
) -> tuple[CalendarSpec | None, list[Issue]]:
    """Build and check a spec from plain data (e.g. parsed YAML); never raises on bad input.

    Returns (spec, issues): spec is None when the data does not even have the right shape;
    otherwise the issues of `check_calendar` (which may still contain errors).
    """
    if not isinstance(data, Mapping):
        return None, [
            _error(
                CalendarCode.INVALID,
                f"expected a mapping of calendar settings, got {type(data).__name__}",
                field_prefix,
            )
        ]
    try:
        spec = CalendarSpec.model_validate(dict(data))
    except ValidationError as exc:
        return None, issues_from_validation_error(exc, field_prefix)
    return spec, check_calendar(spec, field_prefix)
