"""The closed loop (accept or reject with the agreement's reasons), rejections for marketing, and
load-balanced assignment within working hours and capacity, on a real store."""

from __future__ import annotations

import pytest
from watch_factories import LEAD, call, madrid, mql, team

from funnelpact.domain.compliance import Status
from funnelpact.domain.records import Ref, Rep, System
from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.assignment import assign_new_mqls
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.services import (
    DecisionKind,
    Period,
    decide,
    rejections,
    team_figures,
    use_agreement,
)

pytestmark = pytest.mark.django_db
HANDOFF = madrid(2025, 12, 1, 10)


@pytest.fixture
def watching(clock, agreement_path):
    use_agreement(agreement_path, clock.set(HANDOFF))
    store_records([*team(), *mql(HANDOFF, source="web_form", campaign="webinar-q4")])


def test_reject_with_a_recycle_reason_sends_the_lead_back_to_nurture(watching, clock) -> None:
    at = clock.set(madrid(2025, 12, 1, 12))
    outcome = decide(str(LEAD), DecisionKind.REJECT, "no_need", at, note="call in March")
    assert outcome.routed_to == "lead"  # handoff.recycle_to
    contact_id = find_contact(str(LEAD))
    contact = store.Contact.objects.get(pk=contact_id)
    assert contact.lifecycle_stage == "lead"
    assert store.StageChange.objects.filter(contact=contact, stage="lead").exists()
    decision = models.Obligation.objects.get(contact_id=contact_id, name="decision")
    assert decision.status == Status.MET and decision.business_seconds == 2 * 3600
    first_touch = models.Obligation.objects.get(contact_id=contact_id, name="first_touch")
    assert first_touch.status == Status.NOT_APPLICABLE
    assert first_touch.reason == "rejected before the window ended"
    assert [(r.reason, r.source, r.campaign, r.count) for r in rejections()] == [
        ("no_need", "web_form", "webinar-q4", 1)
    ]


def test_reject_with_a_disqualifying_reason(watching, clock) -> None:
    outcome = decide(str(LEAD), DecisionKind.REJECT, "not_icp", clock.set(madrid(2025, 12, 1, 12)))
    assert outcome.routed_to == "disqualified"


def test_an_unknown_reason_names_the_valid_codes_and_stores_nothing(watching, clock) -> None:
    with pytest.raises(InputError) as raised:
        decide(str(LEAD), DecisionKind.REJECT, "too_small", clock.set(madrid(2025, 12, 1, 12)))
    assert "not_icp, no_authority, no_need, bad_timing, unreachable" in raised.value.message
    assert not store.HandoffDecision.objects.exists()


def test_accept_meets_the_decision_and_keeps_the_follow_up(watching, clock) -> None:
    decide(str(LEAD), DecisionKind.ACCEPT, "", clock.set(madrid(2025, 12, 1, 11)))
    contact_id = find_contact(str(LEAD))
    decision = models.Obligation.objects.get(contact_id=contact_id, name="decision")
    assert decision.status == Status.MET
    first_touch = models.Obligation.objects.get(contact_id=contact_id, name="first_touch")
    assert first_touch.status == Status.PENDING


def test_unknown_lead(watching, clock) -> None:
    with pytest.raises(NotFoundError):
        decide("hubspot:nobody", DecisionKind.ACCEPT, "", clock.set(HANDOFF))


def test_team_figures_count_speed_to_lead_per_rep(watching, clock) -> None:
    clock.set(madrid(2025, 12, 1, 11, 30))
    store_records([call(madrid(2025, 12, 1, 11, 30), "call-1")])
    figures = team_figures(Period.WEEK, madrid(2025, 12, 1, 12).date())
    everyone = figures.sales[0]
    assert everyone.mqls == 1
    assert everyone.touched_in_sla == 1.0
    assert everyone.speed_median_hours == 1.5
    ana = next(item for item in figures.sales if item.who == "Ana Ruiz")
    assert ana.mqls == 1
    total = next(item for item in figures.marketing if item.group == "total")
    assert total.mqls == 1
    assert total.expected is not None and total.low is not None and total.high is not None


def _unowned_mqls(count: int, at) -> list:
    records = []
    for number in range(count):
        records.extend(mql(at, ref=Ref(System.HUBSPOT, f"new-{number}"), owner=None))
    return records


def test_assignment_balances_the_load_within_hours(watching, clock) -> None:
    store_records([Rep(ref=Ref(System.HUBSPOT, "rep-bea"), name="Bea Sanz", team="Ventas")])
    at = clock.set(madrid(2025, 12, 2, 10))
    store_records(_unowned_mqls(4, at))
    report = assign_new_mqls("Ventas", at)
    names = sorted(name for _, name in report.assigned)
    # Ana, Bea and Marta (the manager is on the team too) share four leads: 2-1-1 at most.
    counts = {name: names.count(name) for name in set(names)}
    assert sum(counts.values()) == 4 and max(counts.values()) - min(counts.values()) <= 1
    assert report.queued == 0
    owned = store.Contact.objects.filter(identities__external_id__startswith="new-")
    assert all(contact.owner_id is not None for contact in owned)
    assert models.Obligation.objects.filter(contact__in=owned, owner__isnull=False).count() > 0


def test_assignment_waits_for_the_next_opening(watching, clock) -> None:
    saturday = clock.set(madrid(2025, 12, 6, 11))
    store_records(_unowned_mqls(2, saturday))
    report = assign_new_mqls("Ventas", saturday)
    assert report.assigned == () and report.queued == 2
    assert report.next_opening == madrid(2025, 12, 9, 9)  # Monday 8 is a holiday in Madrid


def test_assignment_stops_at_each_reps_weekly_capacity(watching, clock) -> None:
    # The plan's capacity: a rep reviews 8 MQLs a week. Three reps: 24 this week, 2 wait.
    store_records([Rep(ref=Ref(System.HUBSPOT, "rep-bea"), name="Bea Sanz", team="Ventas")])
    at = clock.set(madrid(2025, 12, 2, 10))
    store_records(_unowned_mqls(26, at))
    report = assign_new_mqls("Ventas", at)
    names = [name for _, name in report.assigned]
    assert len(names) == 24 and report.queued == 2
    assert {name: names.count(name) for name in set(names)} == {
        "Ana Ruiz": 8,
        "Bea Sanz": 8,
        "Marta Gil": 8,
    }
    # Later the same week nobody has room; the next Monday they do.
    assert assign_new_mqls("Ventas", clock.set(madrid(2025, 12, 4, 10))).assigned == ()
    next_week = assign_new_mqls("Ventas", clock.set(madrid(2025, 12, 9, 10)))
    assert len(next_week.assigned) == 2


def test_assignment_for_an_unknown_team(watching, clock) -> None:
    with pytest.raises(NotFoundError, match="no active rep"):
        assign_new_mqls("Nobody", clock.set(madrid(2025, 12, 2, 10)))
