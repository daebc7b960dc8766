"""The business calendar: when the SLA clock runs, and business time between instants.

Public API: `CalendarSpec` (configuration), `check_calendar`, `calendar_spec_from_dict`;
`BusinessCalendar` (elapsed, add, next_opening, is_working); `clock_table` / `clock_buckets`
(the business clock table for SQL).
"""

from funnelpact.domain.calendar.business import (
    BusinessCalendar,
    CalendarRangeError,
    NaiveDatetimeError,
)
from funnelpact.domain.calendar.clock import (
    ClockBucket,
    ClockTable,
    clock_bucket_seconds,
    clock_buckets,
    clock_table,
)
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
    "BusinessCalendar",
    "CalendarCode",
    "CalendarRangeError",
    "CalendarSpec",
    "ClockBucket",
    "ClockTable",
    "NaiveDatetimeError",
    "PublicHolidays",
    "Weekday",
    "calendar_spec_from_dict",
    "check_calendar",
    "clock_bucket_seconds",
    "clock_buckets",
    "clock_table",
    "issues_from_validation_error",
    "parse_interval",
]
