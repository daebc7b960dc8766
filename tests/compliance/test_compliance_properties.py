"""Properties of the reference evaluator over generated journeys (hypothesis)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from compliance_strategies import Journey, populations
from compliance_testkit import DEFAULT_RULES, madrid_office
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnelpact.domain.compliance import (
    LeadCompliance,
    Obligation,
    Status,
    Timeline,
    evaluate,
    next_change_at,
)
from funnelpact.domain.records import (
    HandoffDecision,
    OwnerChange,
    Record,
    StageChange,
    Touch,
)

CALENDAR = madrid_office()
RESOLVED = (Status.MET, Status.NOT_APPLICABLE)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(journey: Journey, now: datetime) -> LeadCompliance:
    return evaluate(Timeline.from_records(journey.records), DEFAULT_RULES, CALENDAR, now)


def instant_of(record: Record) -> datetime | None:
    if isinstance(record, StageChange):
        return record.entered_at
    if isinstance(record, OwnerChange):
        return record.assigned_at
    if isinstance(record, Touch):
        return record.occurred_at
    if isinstance(record, HandoffDecision):
        return record.decided_at
    return None


def happened_by(journey: Journey, now: datetime) -> Journey:
    """The journey without the events after `now` (whole seconds, as the contract reads)."""
    cut = now.replace(microsecond=0)
    kept = [
        record
        for record in journey.records
        if (at := instant_of(record)) is None or at.replace(microsecond=0) <= cut
    ]
    return Journey(journey.contact, kept)


def key(obligation: Obligation) -> tuple[int, str]:
    return obligation.cycle, obligation.name


@SETTINGS
@given(populations(CALENDAR, max_size=4), st.randoms(use_true_random=False))
def test_order_and_duplicates_never_matter(
    population: tuple[list[Journey], datetime], shuffler: random.Random
) -> None:
    people, now = population
    for journey in people:
        records = list(journey.records)
        shuffler.shuffle(records)
        records += records[: len(records) // 2]
        assert run(Journey(journey.contact, records), now) == run(journey, now)


@SETTINGS
@given(populations(CALENDAR, max_size=4))
def test_only_what_happened_by_now_counts(population: tuple[list[Journey], datetime]) -> None:
    people, now = population
    for journey in people:
        assert run(happened_by(journey, now), now) == run(journey, now)


@SETTINGS
@given(populations(CALENDAR, max_size=4), st.integers(1, 40 * 86_400))
def test_the_clock_only_moves_forward(
    population: tuple[list[Journey], datetime], later_seconds: int
) -> None:
    """Met and not-applicable never change; breached stays breached at the same instant."""
    people, now = population
    later = now + timedelta(seconds=later_seconds)
    for journey in people:
        before = {key(item): item for item in run(journey, now).obligations}
        after = {key(item): item for item in run(journey, later).obligations}
        assert set(before) <= set(after)
        for name, was in before.items():
            now_is = after[name]
            assert (now_is.due_at, now_is.at_risk_from, now_is.owner) == (
                was.due_at,
                was.at_risk_from,
                was.owner,
            )
            if was.status in RESOLVED:
                assert now_is == was
            elif was.status is Status.BREACHED:
                assert now_is.status is Status.BREACHED
                assert now_is.breached_at == was.breached_at == was.due_at
                assert was.breached_by is not None and now_is.breached_by is not None
                assert now_is.breached_by >= was.breached_by
                if was.resolved_at is not None:
                    assert now_is == was
            elif was.status is Status.AT_RISK:
                assert now_is.status is not Status.PENDING


@SETTINGS
@given(populations(CALENDAR, max_size=4))
def test_next_change_at_is_when_a_status_changes_with_no_new_event(
    population: tuple[list[Journey], datetime],
) -> None:
    people, now = population
    for journey in people:
        quiet = happened_by(journey, now)  # nothing happens after now
        lead = run(quiet, now)
        statuses = [item.status for item in lead.obligations]
        moment = next_change_at(lead)
        if moment is None:
            far = now + timedelta(days=400)
            assert [item.status for item in run(quiet, far).obligations] == statuses
            assert not any(status.open for status in statuses)
            continue
        assert moment > lead.now
        just_before = [
            item.status for item in run(quiet, moment - timedelta(seconds=1)).obligations
        ]
        assert just_before == statuses
        assert [item.status for item in run(quiet, moment).obligations] != statuses


@SETTINGS
@given(populations(CALENDAR, max_size=4))
def test_statuses_carry_exactly_their_own_fields(
    population: tuple[list[Journey], datetime],
) -> None:
    people, now = population
    for journey in people:
        lead = run(journey, now)
        for item in lead.obligations:
            assert item.handoff_at <= item.at_risk_from <= item.due_at
            met = item.status is Status.MET
            breached = item.status is Status.BREACHED
            stopped = item.status is Status.NOT_APPLICABLE
            assert (item.met_at is not None) is met and (item.met_after is not None) is met
            assert (item.breached_at is not None) is breached
            assert (item.breached_by is not None) is breached
            assert (item.stop_reason is not None) is stopped
            if met:
                assert item.met_at is not None and item.met_at <= min(item.due_at, lead.now)
            if breached:
                assert item.due_at <= lead.now
            if item.status.open:
                assert lead.now < item.due_at
                assert (item.status is Status.AT_RISK) is (lead.now >= item.at_risk_from)
