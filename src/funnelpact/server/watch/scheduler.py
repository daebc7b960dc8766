"""The scheduler: leads become at risk and breached on time, with no new event; alerts go out.

``tick(now)`` does one round: re-evaluate every watched lead whose ``next_check_at`` passed,
queue the daily digests and the MQL pace alert when their time comes, then send the outbox. Only
the holder of the scheduler lease (a row in ``SchedulerLease``, taken with one conditional
UPDATE, so it works on SQLite and PostgreSQL alike) ticks: two workers never double-send.

``run_worker`` loops ticks (``funnelpact worker``); ``start_in_process_scheduler`` runs the same
loop in a daemon thread (``funnelpact serve``). The clock and the sleep are injectable: tests
pass a fake clock and never sleep.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F, Q

from funnelpact.domain.agreement.model import Recipient
from funnelpact.domain.compliance import Status
from funnelpact.server.watch import models
from funnelpact.server.watch.channels import DeliveryReport, Sender, apprise_send, deliver_due
from funnelpact.server.watch.repository import batched
from funnelpact.server.watch.services import (
    Period,
    Person,
    WatchContext,
    _Transition,
    active_context,
    queue_alert,
    queue_obligation_alerts,
    refresh_obligations,
    resolve_recipients,
    team_figures,
)

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(minutes=2)
DEFAULT_INTERVAL_SECONDS = 30.0
TICK_BATCH = 2_000

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(holder: str, now: datetime, ttl: timedelta = LEASE_TTL) -> bool:
    """Take or renew the scheduler lease; False while another holder's lease runs."""
    with transaction.atomic():
        models.SchedulerLease.objects.get_or_create(
            name=LEASE_NAME, defaults={"holder": "", "expires_at": now}
        )
    taken = models.SchedulerLease.objects.filter(name=LEASE_NAME).filter(
        # Free (expired) or already ours: one UPDATE decides, whatever the database.
        Q(expires_at__lte=now) | Q(holder=holder)
    )
    updated: int = taken.update(holder=holder, expires_at=now + ttl)
    return updated == 1


def release_lease(holder: str) -> None:
    models.SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(
        holder="", expires_at=datetime(1970, 1, 1, tzinfo=UTC)
    )


@dataclass(frozen=True, slots=True)
class TickReport:
    ran: bool
    leads: int = 0
    alerts_queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def tick(
    now: datetime,
    *,
    holder: str = "default",
    send: Sender = apprise_send,
    batch: int = TICK_BATCH,
) -> TickReport:
    """One scheduler round at ``now`` (see the module docstring)."""
    if not acquire_lease(holder, now):
        return TickReport(ran=False)
    leads = queued = 0
    context = active_context()
    if context is not None:
        _moved, alerts = advance_statuses(context, now)
        queued += alerts
        while True:
            due = list(
                models.WatchedLead.objects.filter(next_check_at__lte=now)
                .order_by("next_check_at")
                .values_list("contact_id", flat=True)[:batch]
            )
            if not due:
                break
            report = refresh_obligations(due, now)
            leads += len(due)
            queued += report.alerts
            # A lead whose contact vanished keeps no check time; never loop on it.
            models.WatchedLead.objects.filter(contact_id__in=due, next_check_at__lte=now).update(
                next_check_at=None
            )
        # Once a day each: a marker row says the day's digests and pace check are done.
        day = _digest_time_passed(context, now)
        if day is not None and _first_time(f"daily:{day.isoformat()}", now):
            queued += queue_digests(context, now)
            queued += queue_pace_alert(context, now)
    delivery = deliver_due(now, send=send)
    # Scheduled reports (funnelpact.server.schedules): each period queued once, sent, retried.
    from funnelpact.server.schedules.services import run_due as run_due_reports

    run_due_reports(now)
    return TickReport(ran=True, leads=leads, alerts_queued=queued, delivery=delivery)


# What a moved obligation's alert needs: loading only these keeps a mass change cheap.
_ALERT_FIELDS = ("id", "contact_id", "cycle", "name", "due_at", "at_risk_at", "owner_id")


def advance_statuses(context: WatchContext, now: datetime) -> tuple[int, int]:
    """Move open obligations whose instants passed: to breached at ``due_at``, else to at risk
    at ``at_risk_at`` (docs/compliance.md, "Status", rules 3 and 4), with their alerts.

    This is the reference evaluator's answer for a lead with no new visible event (met and not
    applicable need an event; any stored event re-evaluates the lead in full, and future-dated
    ones set its ``next_check_at``), done set-based: two indexed reads and two UPDATEs, however
    many leads are open. Returns (obligations moved, alerts queued).
    """
    moved = 0
    transitions: list[_Transition] = []
    with transaction.atomic():
        open_statuses = [Status.PENDING.value, Status.AT_RISK.value]
        breaching = list(
            models.Obligation.objects.filter(status__in=open_statuses, due_at__lte=now).only(
                *_ALERT_FIELDS
            )
        )
        if breaching:
            ids = [row.pk for row in breaching]
            for chunk in batched(ids):
                models.Obligation.objects.filter(pk__in=chunk).update(
                    status=Status.BREACHED.value, breached_at=F("due_at"), evaluated_at=now
                )
            for row in breaching:
                row.status = Status.BREACHED.value
                row.breached_at = row.due_at
                transitions.append(_Transition(row, models.AlertKind.BREACH, row.due_at))
            _schedule_escalations(context, breaching, now)
        at_risk = list(
            models.Obligation.objects.filter(
                status=Status.PENDING.value, at_risk_at__lte=now, due_at__gt=now
            ).only(*_ALERT_FIELDS)
        )
        if at_risk:
            for chunk in batched([row.pk for row in at_risk]):
                models.Obligation.objects.filter(pk__in=chunk).update(
                    status=Status.AT_RISK.value, evaluated_at=now
                )
            for row in at_risk:
                row.status = Status.AT_RISK.value
                transitions.append(_Transition(row, models.AlertKind.AT_RISK, row.at_risk_at))
        moved = len(breaching) + len(at_risk)
        alerts = queue_obligation_alerts(context, transitions, now) if transitions else 0
    return moved, alerts


def _schedule_escalations(
    context: WatchContext, rows: list[models.Obligation], now: datetime
) -> None:
    """New breaches escalate after the agreed business hours: look at their leads then."""
    hours = timedelta(hours=context.agreement.alerts.escalation.after_business_hours)
    when: dict[int, datetime] = {}
    for row in rows:
        at = context.calendar.add(row.due_at, hours)
        when[row.contact_id] = min(at, when.get(row.contact_id, at))
    for lead in models.WatchedLead.objects.filter(contact_id__in=list(when)):
        at = max(when[lead.contact_id], now)
        if lead.next_check_at is None or at < lead.next_check_at:
            lead.next_check_at = at
            lead.save(update_fields=["next_check_at"])


def _first_time(name: str, now: datetime) -> bool:
    _, created = models.SchedulerLease.objects.get_or_create(
        name=name, defaults={"holder": "done", "expires_at": now}
    )
    return bool(created)


# -- daily digest -------------------------------------------------------------------------------


def _digest_time_passed(context: WatchContext, now: datetime) -> date | None:
    digest = context.agreement.alerts.daily_digest
    if not digest.enabled:
        return None
    local = now.astimezone(context.calendar.zone)
    if local.time() < digest.at or not context.calendar.openings(local.date()):
        return None  # not yet today, or a closed day (nobody reads a Sunday digest)
    return local.date()


def queue_digests(context: WatchContext, now: datetime) -> int:
    """Once a working day, after the agreed time: per person, what is at risk and breached."""
    day = _digest_time_passed(context, now)
    if day is None:
        return 0
    open_rows = list(
        models.Obligation.objects.select_related("owner")
        .filter(status__in=[Status.AT_RISK, Status.BREACHED, Status.PENDING])
        .filter(Q(resolved_at__isnull=True))
    )
    by_owner: dict[int | None, list[models.Obligation]] = defaultdict(list)
    for row in open_rows:
        by_owner[row.owner_id].append(row)
    queued = 0
    for owner_id, rows in by_owner.items():
        if owner_id is None:
            continue
        people = resolve_recipients(context.agreement, [Recipient.LEAD_OWNER], owner_id)
        queued += _queue_digest(context, day, people, rows, now)
    tokens = context.agreement.alerts.daily_digest.recipients
    people = resolve_recipients(context.agreement, tokens, None)
    queued += _queue_digest(context, day, people, open_rows, now)
    return queued


def _queue_digest(
    context: WatchContext,
    day: date,
    people: list[Person],
    rows: list[models.Obligation],
    now: datetime,
) -> int:
    if not people:
        return 0
    counts = {status: sum(1 for r in rows if r.status == status) for status in Status}
    lines = [
        f"{counts[Status.BREACHED]} breached, {counts[Status.AT_RISK]} at risk, "
        f"{counts[Status.PENDING]} pending."
    ]
    zone = context.calendar.zone
    for row in sorted(rows, key=lambda r: r.due_at)[:20]:
        if row.status in (Status.BREACHED, Status.AT_RISK):
            due = row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            lines.append(f"- {row.status}: {row.name} of contact {row.contact_id}, due {due}")
    queued = 0
    for person in people:
        queued += queue_alert(
            key=f"digest:{day.isoformat()}:{person.email or person.name}",
            kind=models.AlertKind.DIGEST,
            people=[person],
            title=f"SLA digest {day.isoformat()}",
            body="\n".join(lines),
            now=now,
        )
    return queued


# -- MQL pace -------------------------------------------------------------------------------------


def queue_pace_alert(context: WatchContext, now: datetime) -> int:
    """Marketing hears (once a day) when this month's MQLs so far fall outside the band."""
    day = _digest_time_passed(context, now)
    if day is None:
        return 0
    figures = team_figures(Period.MONTH, day, context=context)
    total = next((item for item in figures.marketing if item.group == "total"), None)
    from funnelpact.domain.errors import DomainError
    from funnelpact.domain.planning import build_plan

    try:
        plan = build_plan(context.agreement.plan_spec())
        target = plan.target_between(context.agreement.handoff.stage, figures.start, day)
    except DomainError:
        return 0
    delivered = total.mqls if total is not None else 0
    if target.low <= delivered <= target.high:
        return 0
    word = "behind" if delivered < target.low else "ahead of"
    people = resolve_recipients(context.agreement, [Recipient.MARKETING_OWNER], None)
    return queue_alert(
        key=f"mql_pace:{day.isoformat()}",
        kind=models.AlertKind.MQL_PACE,
        people=people,
        title=f"MQL pace {word} plan",
        body=(
            f"{delivered} MQLs from {figures.start} to {day}; the plan expects "
            f"{target.expected:.0f} (band {target.low:.0f}-{target.high:.0f})."
        ),
        now=now,
    )


# -- loops --------------------------------------------------------------------------------------


def run_worker(
    *,
    clock: Clock = system_clock,
    sleep: Callable[[float], object] | None = None,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    stop: threading.Event | None = None,
    max_ticks: int | None = None,
    holder: str | None = None,
    send: Sender = apprise_send,
    on_tick: Callable[[TickReport], None] | None = None,
) -> int:
    """Tick every ``interval`` seconds until ``stop`` is set (or ``max_ticks``); ticks done."""
    stop = stop or threading.Event()
    holder = holder or default_holder()
    wait = sleep or stop.wait
    done = 0
    try:
        while not stop.is_set() and (max_ticks is None or done < max_ticks):
            if not connection.in_atomic_block:  # a long-lived loop drops stale connections
                close_old_connections()
            try:
                report = tick(clock(), holder=holder, send=send)
            except DatabaseError:
                log.exception("scheduler tick failed; retrying next interval")
                report = TickReport(ran=False)
            done += 1
            if on_tick is not None:
                on_tick(report)
            if max_ticks is not None and done >= max_ticks:
                break
            wait(interval)
    finally:
        release_lease(holder)
    return done


@dataclass(frozen=True, slots=True)
class SchedulerHandle:
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_in_process_scheduler(
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    clock: Clock = system_clock,
    send: Sender = apprise_send,
    on_tick: Callable[[TickReport], None] | None = None,
) -> SchedulerHandle:
    """Run the scheduler in a daemon thread of this process (``funnelpact serve``)."""
    stop = threading.Event()

    def loop() -> None:
        try:
            run_worker(clock=clock, interval=interval, stop=stop, send=send, on_tick=on_tick)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(
        target=loop,
        name="funnelpact-scheduler",
        daemon=True,
    )
    thread.start()
    return SchedulerHandle(thread=thread, stop_event=stop)
