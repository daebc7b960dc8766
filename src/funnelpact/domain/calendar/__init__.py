"""The business calendar: when the SLA clock runs, and business time between instants.

Public API: `CalendarSpec` (configuration), `check_calendar`, `calendar_spec_from_dict`.
"""

from funnelpact.domain.calendar.spec import (
    CalendarCode,
    CalendarSpec,
    PublicHolidays,
    Weekday,
    calendar_spec_from_dict,
    check_calendar,
    issues_from_validation_error,
    parse_interval,
)

__all__ = [
    "CalendarCode",
    "CalendarSpec",
    "PublicHolidays",
    "Weekday",
    "calendar_spec_from_dict",
    "check_calendar",
    "issues_from_validation_error",
    "parse_interval",
]
