"""The in-process scheduler (for `funnelpact serve`): a daemon thread ticking on its own
database connection, stopped cleanly; driven by a fake clock, waiting on its ticks (no sleep)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from watch_factories import madrid, mql, team

from funnelpact.domain.compliance import Status
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.channels import add_channel
from funnelpact.server.watch.scheduler import TickReport, start_in_process_scheduler
from funnelpact.server.watch.services import use_agreement

HANDOFF = madrid(2025, 12, 1, 10)
DECISION_DUE = madrid(2025, 12, 2, 10)


@pytest.mark.django_db(transaction=True)
def test_the_thread_breaches_and_alerts_on_time(clock, agreement_path, hook_server) -> None:
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("ops", hook_server.url())
    store_records([*team(), *mql(HANDOFF)])
    clock.set(DECISION_DUE + timedelta(seconds=1))
    ticked = threading.Event()
    reports: list[TickReport] = []

    def on_tick(report: TickReport) -> None:
        reports.append(report)
        ticked.set()

    handle = start_in_process_scheduler(interval=0.05, clock=clock, on_tick=on_tick)
    try:
        assert ticked.wait(60), "the scheduler thread never ticked"
    finally:
        handle.stop()
    assert not handle.thread.is_alive()
    assert reports[0].ran
    decision = models.Obligation.objects.get(name="decision")
    assert decision.status == Status.BREACHED
    breach = models.AlertOutbox.objects.get(kind="breach")
    assert breach.status == models.DeliveryStatus.SENT
