"""One meaning, two engines: the Ibis twin (DuckDB) equals the reference, obligation by obligation.

Hypothesis generates populations of journeys (re-entries after rejection, every touch type,
automated and inbound touches, decisions, events outside working hours, on weekends and
holidays, around DST changes, out of order, duplicated) and a `now`; both engines must give the
same obligations in the same order with identical statuses, instants and durations. This is
also the CI check ANALYTICS.md asks for against silent join mistakes (`id_right`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from compliance_strategies import Journey, populations
from compliance_testkit import calendars, duckdb, madrid_office
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnelpact.analytics.compliance import OBLIGATION_COLUMNS, evaluate_all
from funnelpact.analytics.tables import tables_from_records
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance import (
    CadenceRule,
    ComplianceRules,
    Obligation,
    Timeline,
    epoch_seconds,
    evaluate,
)
from funnelpact.domain.records import Record, TouchType

Row = tuple[Any, ...]


RULE_SETS = (
    ComplianceRules(),
    ComplianceRules(
        first_touch_business_hours=4,
        decide_business_hours=2,
        cadence=(CadenceRule(1, 1), CadenceRule(2, 3), CadenceRule(4, 10)),
        counting_touch_types=frozenset({TouchType.CALL, TouchType.NOTE, TouchType.MEETING}),
        at_risk_share=Decimal("0.333"),
    ),
    ComplianceRules(at_risk_share=Decimal(0)),
    ComplianceRules(at_risk_share=Decimal(1), first_touch_business_hours=1),
    # Handed over at `lead`: mql, sql and after are advancing stages; subscriber is not.
    ComplianceRules(handoff_stage="lead"),
)


def _s(value: datetime | None) -> int | None:
    return None if value is None else epoch_seconds(value)


def _d(value: Any) -> int | None:
    return None if value is None else int(value.total_seconds())


def reference_row(item: Obligation) -> Row:
    return (
        str(item.contact),
        item.cycle,
        item.name,
        item.kind.value,
        None if item.owner is None else str(item.owner),
        item.status.value,
        _s(item.handoff_at),
        _s(item.due_at),
        _s(item.at_risk_from),
        _s(item.met_at),
        _d(item.met_after),
        _s(item.breached_at),
        _s(item.resolved_at),
        _d(item.breached_by),
        _s(item.not_applicable_at),
        None if item.stop_reason is None else item.stop_reason.value,
        item.stop_stage,
    )


def twin_row(row: dict[str, Any]) -> Row:
    return tuple(
        _s(row[column]) if isinstance(row[column], datetime) else row[column]
        for column in OBLIGATION_COLUMNS
    )


def reference_rows(
    people: list[Journey], rules: ComplianceRules, calendar: BusinessCalendar, now: datetime
) -> list[Row]:
    rows: list[Row] = []
    for journey in sorted(people, key=lambda person: str(person.contact)):
        timeline = Timeline.from_records(journey.records)
        rows.extend(
            reference_row(item) for item in evaluate(timeline, rules, calendar, now).obligations
        )
    return rows


def twin_rows(
    people: list[Journey], rules: ComplianceRules, calendar: BusinessCalendar, now: datetime
) -> list[Row]:
    records: list[Record] = [record for journey in people for record in journey.records]
    result = evaluate_all(tables_from_records(records), rules, calendar, now, duckdb())
    return [twin_row(row) for row in result.to_pylist()]


def assert_twins(
    people: list[Journey], rules: ComplianceRules, calendar: BusinessCalendar, now: datetime
) -> None:
    expected = reference_rows(people, rules, calendar, now)
    actual = twin_rows(people, rules, calendar, now)
    # Compare row by row first: a failure names the obligation that differs.
    for want, got in zip(expected, actual, strict=False):
        assert got == want, f"obligation {want[:3]}:\n  reference {want}\n  twin      {got}"
    assert len(actual) == len(expected)


@st.composite
def cases(
    draw: st.DrawFn,
) -> tuple[list[Journey], ComplianceRules, BusinessCalendar, datetime]:
    calendar = draw(st.sampled_from(calendars()))
    rules = draw(st.sampled_from(RULE_SETS))
    people, now = draw(populations(calendar, min_size=10, max_size=30))
    return people, rules, calendar, now


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_the_twin_equals_the_reference_obligation_by_obligation(
    case: tuple[list[Journey], ComplianceRules, BusinessCalendar, datetime],
) -> None:
    people, rules, calendar, now = case
    assert_twins(people, rules, calendar, now)


@pytest.mark.parametrize("rules", RULE_SETS, ids=lambda rules: rules.handoff_stage)
def test_the_twin_on_the_journeys_of_the_docs(rules: ComplianceRules) -> None:
    """The worked examples of the journey tests, through both engines at several instants."""
    from compliance_testkit import local

    from funnelpact.demo.journeys import journey
    from funnelpact.domain.records import Ref, System

    people = [
        Journey(
            Ref(System.DEMO, "bridge"),
            journey(
                "bridge",
                [
                    ("2025-12-05 16:00", "lead"),
                    ("2025-12-05 17:00", "mql"),
                    ("2025-12-05 17:06", "auto_email", "rep1"),
                    ("2025-12-11 15:30", "call", "rep1"),
                ],
            ),
        ),
        Journey(
            Ref(System.DEMO, "recycled"),
            journey(
                "recycled",
                [
                    ("2025-12-01 10:00", "mql"),
                    ("2025-12-01 11:00", "call", "rep1"),
                    ("2025-12-01 12:00", "rejected", "rep1", "no_need"),
                    ("2025-12-01 12:05", "lead"),
                    ("2025-12-09 10:00", "mql"),
                    ("2025-12-09 10:00", "call", "rep2"),
                    ("2025-12-10 09:00", "sql"),
                ],
            ),
        ),
    ]
    for now in ("2025-12-09 16:00", "2026-03-01 00:00"):
        assert_twins(people, rules, madrid_office(), local(now).astimezone(UTC))
