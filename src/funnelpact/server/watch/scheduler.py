"""The scheduler: leads become at risk and breached on time, with no new event; alerts go out.

``tick(now)`` does one round: re-evaluate every watched lead whose ``next_check_at`` passed,
assign new MQLs when the agreement asks for it (``handoff.assignment``), queue the daily
digests and the MQL pace alert when their time comes, then send the outbox. Only
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
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q

from funnelpact.domain.agreement.model import Recipient
from funnelpact.domain.compliance import ObligationKind, Status
from funnelpact.server.tracking.repository import Store
from funnelpact.server.watch import models
from funnelpact.server.watch.assignment import assign_on_tick
from funnelpact.server.watch.channels import DeliveryReport, Sender, apprise_send, deliver_due
from funnelpact.server.watch.repository import (
    OBLIGATION_INSTANTS,
    OBLIGATION_TABLE,
    WATCHED_TABLE,
    ObligationRow,
    aware,
    execute_for_ids,
    instant_columns,
    read_watched,
)
from funnelpact.server.watch.services import (
    Period,
    Person,
    WatchContext,
    _Transition,
    active_context,
    period_bounds,
    queue_alert,
    queue_obligation_alerts,
    refresh_obligations,
    resolve_recipients,
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
    assigned: int = 0  # new MQLs given to reps (the agreement's handoff.assignment)


def tick(
    now: datetime,
    *,
    holder: str = "default",
    send: Sender = apprise_send,
    batch: int = TICK_BATCH,
    stop: threading.Event | None = None,
) -> TickReport:
    """One scheduler round at ``now`` (see the module docstring); ``stop`` cuts delivery short."""
    if not acquire_lease(holder, now):
        return TickReport(ran=False)
    leads = queued = assigned = 0
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
            # A lead whose contact vanished keeps no check time; never loop on it. One raw
            # statement with the ids as one parameter: the ORM's ``__in`` of 2,000 ids cost
            # 20-30 ms of CPU per batch building the statement.
            _clear_due(due, now)
        # New MQLs to the reps of the agreement's teams, when it asks for that (their
        # obligations are refreshed by store_records, in this tick).
        assigned = assign_on_tick(context, now)
        # Once a day each: a marker row says the day's digests and pace check are done.
        day = _digest_time_passed(context, now)
        if day is not None and _first_time(f"daily:{day.isoformat()}", now):
            queued += queue_digests(context, now)
            queued += queue_pace_alert(context, now)
    delivery = deliver_due(now, send=send, stop=stop)
    # Scheduled reports (funnelpact.server.schedules): each period queued once, sent, retried.
    from funnelpact.server.schedules.services import run_due as run_due_reports

    run_due_reports(now)
    return TickReport(
        ran=True, leads=leads, alerts_queued=queued, delivery=delivery, assigned=assigned
    )


def _clear_due(contact_ids: list[int], now: datetime) -> None:
    """No check time for these watched leads where theirs is still due at ``now``."""
    db = Store()
    execute_for_ids(
        db,
        f"UPDATE {WATCHED_TABLE} SET next_check_at = NULL WHERE {{ids}} AND next_check_at <= %s",
        "contact_id",
        contact_ids,
        [db.db_instant(now)],
    )


def _moved_rows(db: Store, sql: str, params: list[Any]) -> list[ObligationRow]:
    """Run an ``UPDATE ... RETURNING`` of obligations; the rows it moved, in key order."""
    rows = [
        ObligationRow(
            id=row_id,
            contact_id=contact_id,
            cycle=cycle,
            name=name,
            status=status,
            due_at=aware_instant(due_at),
            at_risk_at=aware_instant(at_risk_at),
            owner_id=owner_id,
            breached_at=aware(breached_at),
        )
        for row_id, contact_id, cycle, name, status, due_at, at_risk_at, owner_id, breached_at in (
            db.select(sql, params)
        )
    ]
    rows.sort(key=lambda row: (row.contact_id, row.cycle, row.name))
    return rows


def aware_instant(value: Any) -> datetime:
    found = aware(value)
    assert found is not None  # a NOT NULL column
    return found


def advance_statuses(context: WatchContext, now: datetime) -> tuple[int, int]:
    """Move open obligations whose instants passed: to breached at ``due_at``, else to at risk
    at ``at_risk_at`` (docs/compliance.md, "Status", rules 3 and 4), with their alerts.

    This is the reference evaluator's answer for a lead with no new visible event (met and not
    applicable need an event; any stored event re-evaluates the lead in full, and future-dated
    ones set its ``next_check_at``), done set-based: one ``UPDATE ... RETURNING`` per status
    (each a range of the index ``(status, at_risk_at, due_at)``), the moved rows'
    alerts written with one bulk insert, however many leads are open. Returns (obligations
    moved, alerts queued).
    """
    db = Store()
    at = db.db_instant(now)
    returned = ", ".join(
        instant_columns(
            db,
            [
                "id",
                "contact_id",
                "cycle",
                "name",
                "status",
                "due_at",
                "at_risk_at",
                "owner_id",
                "breached_at",
            ],
            OBLIGATION_INSTANTS,
        )
    )
    pending, at_risk, breached = (
        Status.PENDING.value,
        Status.AT_RISK.value,
        Status.BREACHED.value,
    )
    with transaction.atomic():
        # at_risk_at <= due_at always (the at-risk share is at most 1): the bound on at_risk_at
        # changes no answer and makes this a range of obligation_status_risk_due.
        breaching = _moved_rows(
            db,
            f"UPDATE {OBLIGATION_TABLE} SET status = %s, breached_at = due_at, evaluated_at = %s "
            f"WHERE status IN (%s, %s) AND at_risk_at <= %s AND due_at <= %s RETURNING {returned}",
            [breached, at, pending, at_risk, at, at],
        )
        # What is left open has due_at > now: the pending ones whose at-risk instant passed.
        turning = _moved_rows(
            db,
            f"UPDATE {OBLIGATION_TABLE} SET status = %s, evaluated_at = %s "
            f"WHERE status = %s AND at_risk_at <= %s RETURNING {returned}",
            [at_risk, at, pending, at],
        )
        transitions = [_Transition(row, models.AlertKind.BREACH, row.due_at) for row in breaching]
        transitions.extend(
            _Transition(row, models.AlertKind.AT_RISK, row.at_risk_at) for row in turning
        )
        if breaching:
            _schedule_escalations(context, db, breaching, now)
        alerts = queue_obligation_alerts(context, transitions, now) if transitions else 0
    return len(breaching) + len(turning), alerts


def _schedule_escalations(
    context: WatchContext, db: Store, rows: list[ObligationRow], now: datetime
) -> None:
    """New breaches escalate after the agreed business hours: look at their leads then."""
    hours = timedelta(hours=context.agreement.alerts.escalation.after_business_hours)
    at_of: dict[datetime, datetime] = {}  # many breaches share a due instant
    when: dict[int, datetime] = {}
    for row in rows:
        at = at_of.get(row.due_at)
        if at is None:
            at = at_of[row.due_at] = context.calendar.add(row.due_at, hours)
        when[row.contact_id] = min(at, when.get(row.contact_id, at))
    changed: list[tuple[Any, int]] = []
    for contact_id, (next_check_at, _) in read_watched(db, sorted(when)).items():
        at = max(when[contact_id], now)
        if next_check_at is None or at < next_check_at:
            changed.append((db.db_instant(at), contact_id))
    if changed:
        with db.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {WATCHED_TABLE} SET next_check_at = %s WHERE contact_id = %s", changed
            )


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
    """Once a working day, after the agreed time: per person, what is at risk and breached.

    Each digest counts the person's open obligations (pending, at risk, breached and not yet
    resolved) by status and lists the 20 at risk or breached that fell due first. Aggregates
    and a ranked read in SQL: the day's first tick does not load every open row.
    """
    day = _digest_time_passed(context, now)
    if day is None:
        return 0
    db = Store()
    open_statuses = [Status.PENDING.value, Status.AT_RISK.value, Status.BREACHED.value]
    listed = [Status.AT_RISK.value, Status.BREACHED.value]
    counts: dict[int | None, Counter[str]] = defaultdict(Counter)
    for owner_id, status, count in db.select(
        f"SELECT owner_id, status, COUNT(*) FROM {OBLIGATION_TABLE} "
        "WHERE status IN (%s, %s, %s) AND resolved_at IS NULL GROUP BY owner_id, status",
        open_statuses,
    ):
        counts[owner_id][status] += int(count)
    due = instant_columns(db, ["due_at"], OBLIGATION_INSTANTS)[0]
    order = "due_at, contact_id, cycle, name"
    lines_of: dict[int | None, list[tuple[str, str, int, datetime]]] = defaultdict(list)
    for owner_id, status, name, contact_id, due_at in db.select(
        f"SELECT owner_id, status, name, contact_id, due FROM (SELECT owner_id, status, name, "
        f"contact_id, cycle, {due} AS due, ROW_NUMBER() OVER (PARTITION BY owner_id "
        f"ORDER BY {order}) AS n FROM {OBLIGATION_TABLE} WHERE status IN (%s, %s) "
        f"AND resolved_at IS NULL AND owner_id IS NOT NULL) ranked WHERE n <= %s "
        "ORDER BY owner_id, n",
        [*listed, DIGEST_LINES],
    ):
        lines_of[owner_id].append((status, name, contact_id, aware_instant(due_at)))
    everything = [
        (status, name, contact_id, aware_instant(due_at))
        for status, name, contact_id, due_at in db.select(
            f"SELECT status, name, contact_id, {due} FROM {OBLIGATION_TABLE} "
            f"WHERE status IN (%s, %s) AND resolved_at IS NULL ORDER BY {order} LIMIT %s",
            [*listed, DIGEST_LINES],
        )
    ]
    queued = 0
    for owner_id in sorted(owner for owner in counts if owner is not None):
        people = resolve_recipients(context.agreement, [Recipient.LEAD_OWNER], owner_id)
        queued += _queue_digest(context, day, people, counts[owner_id], lines_of[owner_id], now)
    total: Counter[str] = Counter()
    for by_status in counts.values():
        total.update(by_status)
    tokens = context.agreement.alerts.daily_digest.recipients
    people = resolve_recipients(context.agreement, tokens, None)
    queued += _queue_digest(context, day, people, total, everything, now)
    return queued


DIGEST_LINES = 20


def _queue_digest(
    context: WatchContext,
    day: date,
    people: list[Person],
    counts: Counter[str],
    rows: list[tuple[str, str, int, datetime]],
    now: datetime,
) -> int:
    if not people:
        return 0
    lines = [
        f"{counts[Status.BREACHED.value]} breached, {counts[Status.AT_RISK.value]} at risk, "
        f"{counts[Status.PENDING.value]} pending."
    ]
    zone = context.calendar.zone
    for status, name, contact_id, due_at in rows:
        due = due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(f"- {status}: {name} of contact {contact_id}, due {due}")
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


def handoffs_between(context: WatchContext, start: date, end: date) -> int:
    """Hand-offs (contact and cycle) dated ``start`` to ``end`` inclusive, agreement time zone:
    every cycle has exactly one first-touch obligation, so one indexed count."""
    zone = context.calendar.zone
    db = Store()
    first = datetime.combine(start, datetime.min.time(), zone)
    last = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    # The name as a literal: a partial index serves only a query that names its condition.
    ((count,),) = db.select(
        f"SELECT COUNT(*) FROM {OBLIGATION_TABLE} "
        f"WHERE name = '{ObligationKind.FIRST_TOUCH.value}' AND handoff_at >= %s "
        "AND handoff_at < %s",
        [db.db_instant(first), db.db_instant(last)],
    )
    return int(count)


def queue_pace_alert(context: WatchContext, now: datetime) -> int:
    """Marketing hears (once a day) when this month's MQLs so far fall outside the band."""
    day = _digest_time_passed(context, now)
    if day is None:
        return 0
    from funnelpact.domain.errors import DomainError
    from funnelpact.domain.planning import build_plan

    start, _ = period_bounds(Period.MONTH, day)
    try:
        plan = build_plan(context.agreement.plan_spec())
        target = plan.target_between(context.agreement.handoff.stage, start, day)
    except DomainError:
        return 0
    delivered = handoffs_between(context, start, day)
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
            f"{delivered} MQLs from {start} to {day}; the plan expects "
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
                report = tick(clock(), holder=holder, send=send, stop=stop)
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
