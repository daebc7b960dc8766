"""Shared tools for the compliance tests: the Madrid office and journeys evaluated at an instant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

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


EXAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "examples"
