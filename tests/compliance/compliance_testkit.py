"""Shared tools for the compliance tests: the Madrid office and journeys evaluated at an instant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ibis

from funnelpact.demo.journeys import Event, journey
from funnelpact.domain.calendar import BusinessCalendar, CalendarSpec
from funnelpact.domain.compliance import (
    ComplianceRules,
    LeadCompliance,
    Timeline,
    evaluate,
)
from funnelpact.domain.records import Record

MADRID = ZoneInfo("Europe/Madrid")
DEFAULT_RULES = ComplianceRules()


@cache
def madrid_office() -> BusinessCalendar:
    """Monday to Friday 09:00-18:00 in Madrid, with the Community of Madrid's holidays."""
    return BusinessCalendar(
        CalendarSpec.model_validate(
            {"timezone": "Europe/Madrid", "public_holidays": {"country": "ES", "subdivision": "MD"}}
        )
    )


def local(text: str) -> datetime:
    """A Madrid wall-clock time, e.g. "2025-12-05 17:00" (what the tests read and assert)."""
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


def timeline_of(events: Sequence[Event], contact: str = "c1") -> Timeline:
    return Timeline.from_records(journey(contact, events))


def evaluate_journey(
    events: Sequence[Event] | Sequence[Record],
    now: str,
    *,
    rules: ComplianceRules = DEFAULT_RULES,
    calendar: BusinessCalendar | None = None,
) -> LeadCompliance:
    """Evaluate one person's journey (events, or records already made) at a Madrid time."""
    records = list(events)
    if records and isinstance(records[0], tuple):
        timeline = timeline_of(records)  # type: ignore[arg-type]
    else:
        timeline = Timeline.from_records(records)  # type: ignore[arg-type]
    return evaluate(timeline, rules, calendar or madrid_office(), local(now))


@cache
def duckdb() -> Any:
    return ibis.duckdb.connect()


@cache
def calendars() -> tuple[BusinessCalendar, ...]:
    seed_000_like = CalendarSpec.model_validate(
        {
            "timezone": "Europe/Madrid",
            "working_hours": ["09:00-14:00", "15:00-18:00"],
            "hours_by_day": {"fri": ["08:00-15:00"]},
            "public_holidays": {"country": "ES", "subdivision": "MD"},
            "closed_dates": ["2025-12-24", "2025-12-31"],
        }
    )
    # +05:30 with a 09:30 opening: half-hour buckets in the clock table.
    kolkata = CalendarSpec.model_validate(
        {"timezone": "Asia/Kolkata", "working_hours": ["09:30-18:00"],
         "public_holidays": {"country": "IN"}}
    )  # fmt: skip
    new_york = CalendarSpec.model_validate(
        {"timezone": "America/New_York", "public_holidays": {"country": "US", "subdivision": "NY"}}
    )
    return (
        madrid_office(),
        BusinessCalendar(seed_000_like),
        BusinessCalendar(kolkata),
        BusinessCalendar(new_york),
    )


EXAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "examples"
