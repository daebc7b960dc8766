"""Property: whatever a lead's journey, the statuses the scheduler moves set-based (with events
stored live as they happen) equal the reference evaluator's at every instant looked at."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from watch_factories import LEAD, REP, call, madrid, mql, team, visit

from funnelpact.domain.records import Decision, HandoffDecision, Record, StageChange
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.scheduler import tick
from funnelpact.server.watch.services import refresh_obligations, use_agreement

EVENT_KINDS = ("call", "visit", "accept", "reject", "sql", "lead", "mql")


def _event(kind: str, at: datetime, number: int) -> Record:
    match kind:
        case "call":
            return call(at, f"call-{number}")
        case "visit":
            return visit(at, f"visit-{number}")
        case "accept" | "reject":
            decision = Decision.ACCEPTED if kind == "accept" else Decision.REJECTED
            return HandoffDecision(contact=LEAD, decision=decision, decided_at=at, reason="no_need")
        case _:
            return StageChange(contact=LEAD, stage=kind, entered_at=at)


journeys = st.tuples(
    st.integers(min_value=0, max_value=7 * 24 * 60),  # hand-off: minutes after Mon 1 Dec 00:00
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=40 * 24 * 60), st.sampled_from(EVENT_KINDS)),
        max_size=6,
    ),
    st.lists(st.integers(min_value=0, max_value=60 * 24 * 60), min_size=1, max_size=6),
)


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        models.Obligation.objects.values_list("cycle", "name", "status", "breached_at", "met_at")
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(journey=journeys)
def test_set_based_pass_equals_the_reference(db, clock, agreement_path, journey) -> None:
    handoff_minutes, events, looks = journey
    handoff = madrid(2025, 12, 1, 0) + timedelta(minutes=handoff_minutes)
    with transaction.atomic():
        use_agreement(agreement_path, clock.set(handoff))
        store_records([*team(), *mql(handoff, owner=REP)])
        contact_id = find_contact(str(LEAD))
        timeline = sorted(
            [(handoff + timedelta(minutes=m), "event", kind) for m, kind in events]
            + [(handoff + timedelta(minutes=m), "look", "") for m in looks]
        )
        for number, (at, what, kind) in enumerate(timeline):
            now = clock.set(at)
            if what == "event":
                store_records([_event(kind, now, number)])
                continue
            tick(now, send=lambda *args: None)
            moved = _snapshot()
            refresh_obligations([contact_id], now)
            assert _snapshot() == moved, (at, journey)
        transaction.set_rollback(True)
