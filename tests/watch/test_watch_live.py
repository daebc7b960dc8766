"""The live watch on a real store: obligations follow every stored event in its transaction, and
the scheduler moves leads to at risk and breached on a fake clock, alerting exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from watch_factories import LEAD, call, madrid, mql, team, visit

from funnelpact.domain.compliance import Status
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.channels import add_channel
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.scheduler import run_worker, tick
from funnelpact.server.watch.services import refresh_obligations, use_agreement

pytestmark = pytest.mark.django_db

HANDOFF = madrid(2025, 12, 1, 10)  # Monday 1 December 2025, 10:00 Madrid
# 8 business hours (decision): Monday 10-14 and 15-18 (7 h), Tuesday 09-10.
DECISION_DUE = madrid(2025, 12, 2, 10)
# 75 % of 8 hours = 6 business hours: Monday 17:00.
DECISION_AT_RISK = madrid(2025, 12, 1, 17)


def obligation(name: str) -> models.Obligation:
    contact_id = find_contact(str(LEAD))
    return models.Obligation.objects.get(contact_id=contact_id, cycle=1, name=name)


@pytest.fixture
def watching(clock, agreement_path: Path, hook_server):
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("ops-webhook", hook_server.url())
    store_records([*team(), *mql(HANDOFF)])
    return hook_server


def test_an_mql_gets_its_obligations_in_the_store_transaction(watching, clock) -> None:
    first_touch = obligation("first_touch")
    decision = obligation("decision")
    assert decision.status == Status.PENDING
    assert decision.due_at == DECISION_DUE
    assert decision.at_risk_at == DECISION_AT_RISK
    assert first_touch.owner is not None and first_touch.owner.name == "Ana Ruiz"
    lead = models.WatchedLead.objects.get(contact_id=decision.contact_id)
    # Time alone moves it to at risk and breached (the scheduler's set-based pass): no full
    # re-evaluation is scheduled while no future-dated event or escalation awaits.
    assert lead.next_check_at is None


def test_a_touch_meets_the_first_touch_at_once(watching, clock) -> None:
    clock.set(madrid(2025, 12, 1, 11, 30))
    store_records([call(madrid(2025, 12, 1, 11, 30), "call-1")])
    first_touch = obligation("first_touch")
    assert first_touch.status == Status.MET
    assert first_touch.met_at == madrid(2025, 12, 1, 11, 30)
    assert first_touch.business_seconds == 90 * 60


def _statuses() -> list[tuple[str, str, object]]:
    return sorted(models.Obligation.objects.values_list("name", "status", "breached_at"))


def test_the_set_based_pass_agrees_with_the_reference_evaluator(watching, clock) -> None:
    contact_id = find_contact(str(LEAD))
    start = HANDOFF
    for hours in (0, 6, 7, 8, 20, 23, 24, 30, 50, 24 * 14, 24 * 15, 24 * 60):
        now = clock.set(start + timedelta(hours=hours))
        tick(now)
        moved = _statuses()
        refresh_obligations([contact_id], now)
        assert _statuses() == moved, hours


def test_fake_clock_past_the_due_instant_breaches_with_one_alert(watching, clock) -> None:
    # No event after the hand-off: only the scheduler's ticks move the lead.
    tick(clock.set(DECISION_AT_RISK - timedelta(seconds=1)))
    assert obligation("decision").status == Status.PENDING
    tick(clock.set(DECISION_AT_RISK))
    assert obligation("decision").status == Status.AT_RISK
    tick(clock.set(DECISION_DUE - timedelta(seconds=1)))
    assert obligation("decision").status == Status.AT_RISK
    tick(clock.set(DECISION_DUE))
    decision = obligation("decision")
    assert decision.status == Status.BREACHED
    assert decision.breached_at == DECISION_DUE
    for minutes in range(1, 6):  # the scheduler keeps ticking: no repeat
        tick(clock.set(DECISION_DUE + timedelta(minutes=minutes)))
    breach_alerts = models.AlertOutbox.objects.filter(kind="breach", obligation=decision)
    assert breach_alerts.count() == 1
    assert breach_alerts.get().status == models.DeliveryStatus.SENT
    posts = [body for _, body in watching.posts if "breached" in body.get("title", "")]
    assert len(posts) == 1
    assert "decision" in posts[0]["title"]
    # The owner and the sales owner (the agreement's breach recipients) are named.
    assert "Ana Ruiz" in posts[0]["message"] and "Javier Romero" in posts[0]["message"]
    at_risk = [body for _, body in watching.posts if body.get("title", "").startswith("At risk")]
    assert len(at_risk) == 1


def test_breach_escalates_to_the_managers_after_the_agreed_hours(watching, clock) -> None:
    tick(clock.set(DECISION_DUE))
    assert not models.AlertOutbox.objects.filter(kind="escalation").exists()
    # 8 business hours after Tuesday 10:00: Tuesday 10-14, 15-18 (7 h), Wednesday 09-10.
    tick(clock.set(madrid(2025, 12, 3, 10)))
    escalation = models.AlertOutbox.objects.get(kind="escalation")
    assert "Marta Gil" in escalation.body
    tick(clock.set(madrid(2025, 12, 3, 11)))
    assert models.AlertOutbox.objects.filter(kind="escalation").count() == 1


def test_failed_channel_then_worker_restart_delivers_exactly_once(watching, clock) -> None:
    watching.failing = True
    run_worker(clock=clock, max_ticks=1, holder="worker-1")
    clock.set(DECISION_DUE)
    run_worker(clock=clock, max_ticks=1, holder="worker-1")
    failed = models.AlertOutbox.objects.get(kind="breach")
    assert failed.status == models.DeliveryStatus.FAILED
    assert failed.attempts == 1 and failed.last_error
    assert failed.next_attempt_at == DECISION_DUE + timedelta(seconds=30)
    # The worker "crashes" (it is gone); the endpoint recovers; a new worker starts.
    watching.failing = False
    clock.set(DECISION_DUE + timedelta(seconds=10))
    run_worker(clock=clock, max_ticks=1, holder="worker-2")
    assert models.AlertOutbox.objects.get(kind="breach").status == models.DeliveryStatus.FAILED
    for seconds in (30, 60, 90, 120):
        clock.set(DECISION_DUE + timedelta(seconds=seconds))
        run_worker(clock=clock, max_ticks=1, holder="worker-2")
    delivered = models.AlertOutbox.objects.get(kind="breach")
    assert delivered.status == models.DeliveryStatus.SENT
    assert delivered.attempts == 2
    breach_posts = [body for _, body in watching.posts if "breached" in body.get("title", "")]
    assert len(breach_posts) == 1


def test_two_workers_never_tick_together(watching, clock) -> None:
    from funnelpact.server.watch.scheduler import acquire_lease

    now = clock.set(DECISION_DUE)
    assert acquire_lease("worker-a", now)
    assert not tick(now, holder="worker-b").ran
    assert tick(now, holder="worker-a").ran
    assert tick(now + timedelta(minutes=3), holder="worker-b").ran  # a's lease expired


def test_a_visit_from_an_open_lead_tells_its_owner(watching, clock) -> None:
    at = madrid(2025, 12, 1, 12)
    clock.set(at)
    store_records([visit(at, "visit-1")])
    alert = models.AlertOutbox.objects.get(kind="reengagement")
    assert "visited the website" in alert.title
    assert "Ana Ruiz" in alert.body
    store_records([visit(at, "visit-1")])  # the same visit again: no second alert
    assert models.AlertOutbox.objects.filter(kind="reengagement").count() == 1


def test_history_far_in_the_past_pages_nobody(clock, agreement_path, hook_server) -> None:
    use_agreement(agreement_path, clock.set(madrid(2025, 12, 20, 10)))
    add_channel("ops-webhook", hook_server.url())
    store_records([*team(), *mql(HANDOFF)])
    assert obligation("decision").status == Status.BREACHED
    assert not models.AlertOutbox.objects.exists()


def test_daily_digests_and_the_mql_pace_once_a_working_day(watching, clock) -> None:
    from funnelpact.domain.planning import build_plan
    from funnelpact.server.watch.services import require_context

    tick(clock.set(madrid(2025, 12, 2, 8, 29)))  # before the agreed 08:30
    assert not models.AlertOutbox.objects.filter(kind__in=["digest", "mql_pace"]).exists()
    tick(clock.set(madrid(2025, 12, 2, 8, 30)))
    digests = models.AlertOutbox.objects.filter(kind="digest")
    # Ana (her own leads), and the agreement's digest recipients (sales and marketing owners).
    assert sorted(row.body.split(":")[0] for row in digests) == [
        "Ana Ruiz",
        "Javier Romero",
        "Lucía Fernández",
    ]
    agreement = require_context().agreement
    target = build_plan(agreement.plan_spec()).target_between(
        "mql", madrid(2025, 12, 1, 0).date(), madrid(2025, 12, 2, 0).date()
    )
    pace = models.AlertOutbox.objects.get(kind="mql_pace")
    assert target.low > 1  # one MQL this month is behind the plan's band
    assert pace.title == "MQL pace behind plan"
    assert pace.body.startswith("Lucía Fernández: 1 MQLs from 2025-12-01 to 2025-12-02")
    tick(clock.set(madrid(2025, 12, 2, 15)))
    assert models.AlertOutbox.objects.filter(kind__in=["digest", "mql_pace"]).count() == 4
    tick(clock.set(madrid(2025, 12, 6, 9)))  # Saturday: closed, no digest
    assert models.AlertOutbox.objects.filter(kind="digest").count() == 3


def test_a_crashed_worker_keeps_its_lease_until_it_expires_then_one_delivery(
    watching, clock
) -> None:
    # worker-1 ticks at the due instant; the channel fails; the process dies without
    # releasing its lease (a crash, not a stop).
    watching.failing = True
    assert tick(clock.set(DECISION_DUE), holder="worker-1").ran
    assert models.AlertOutbox.objects.get(kind="breach").status == models.DeliveryStatus.FAILED
    watching.failing = False
    # worker-2 starts at once: the lease is still worker-1's for two minutes; it waits.
    assert not tick(clock.set(DECISION_DUE + timedelta(seconds=40)), holder="worker-2").ran
    assert models.AlertOutbox.objects.get(kind="breach").status == models.DeliveryStatus.FAILED
    # Once the lease expired, worker-2 takes over and delivers the retried alert, once.
    for seconds in (121, 151, 181, 600):
        assert tick(clock.set(DECISION_DUE + timedelta(seconds=seconds)), holder="worker-2").ran
    delivered = models.AlertOutbox.objects.get(kind="breach")
    assert delivered.status == models.DeliveryStatus.SENT and delivered.attempts == 2
    breach_posts = [body for _, body in watching.posts if "breached" in body.get("title", "")]
    assert len(breach_posts) == 1
