"""The watch's services: the agreement in force, live obligations, alerts, the closed loop.

- ``use_agreement(path, now)``: the agreement the watch runs on (stored text and hash); every
  contact that ever entered the hand-off stage is queued for re-evaluation under it.
- ``refresh_obligations(contact_ids, now)``: re-evaluate those contacts (the reference
  evaluator, `funnelpact.domain.compliance.evaluate`), store their obligations and, in the same
  transaction, the alerts their status changes cause. Called by the store's ``on_stored`` hook
  inside every store_records() transaction, and by the scheduler for leads whose
  ``next_check_at`` passed.
- ``decide(lead, decision, reason, now)``: the closed loop (accept or reject an MQL).
- Reads: ``status``, ``breaches``, ``rejections``, ``team_figures``.
"""

from __future__ import annotations

import gc
import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from funnelpact.agreements import check_agreement_file, errors_of
from funnelpact.domain.agreement import check_agreement_text
from funnelpact.domain.agreement.model import Agreement, PartyTeam, Recipient, RejectionRoute
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance import (
    ComplianceRules,
    ObligationKind,
    ObligationSeconds,
    Status,
    StopReason,
    Timeline,
    evaluate_seconds,
    rules_from_agreement,
)
from funnelpact.domain.errors import DomainError
from funnelpact.domain.records import (
    Contact,
    Decision,
    HandoffDecision,
    Record,
    Ref,
    StageChange,
)
from funnelpact.errors import FunnelpactError, InputError, NotFoundError
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.repository import Store
from funnelpact.server.watch import models
from funnelpact.server.watch.repository import (
    OBLIGATION_TABLE,
    ObligationRow,
    ObligationStream,
    Timelines,
    batched,
    delete_ids,
    find_contact,
    identity_of,
    insert_obligations,
    load_timelines,
    obligation_ids,
    read_obligations,
    read_watched,
    update_obligations,
    upsert_watched,
)

# Alerts about what happened longer ago than this are not sent: importing a year of history
# must not page every rep for last year's breaches (the figures still count them).
ALERT_LOOKBACK = timedelta(days=3)
# A contact batch larger than this (an import) is queued for the scheduler instead of being
# evaluated inside the import's transaction.
LIVE_REFRESH_LIMIT = 2_000
DECISION_SOURCE = "funnelpact:decide"


class NoAgreementError(FunnelpactError):
    """The watch has no agreement yet."""

    status_code = 409


# -- the agreement in force ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchContext:
    """The agreement in force and what the evaluator needs from it, built once per version."""

    version_id: int
    content_hash: str
    agreement: Agreement
    rules: ComplianceRules
    calendar: BusinessCalendar


_contexts: dict[str, WatchContext] = {}


def _context_of(version: models.AgreementVersion) -> WatchContext:
    cached = _contexts.get(version.content_hash)
    if cached is not None and cached.version_id == version.pk:
        return cached
    # The text was validated when it was put in force; "today" only dates warnings.
    today = version.activated_at.date()
    loaded = check_agreement_text(version.text, version.source_path or "agreement", today)
    if loaded.agreement is None:
        raise DomainError(errors_of(loaded.issues))
    agreement = loaded.agreement
    context = WatchContext(
        version_id=version.pk,
        content_hash=version.content_hash,
        agreement=agreement,
        rules=rules_from_agreement(agreement),
        calendar=BusinessCalendar(agreement.calendar),
    )
    _contexts[version.content_hash] = context
    return context


def active_context() -> WatchContext | None:
    """The agreement the watch runs on, or None before `funnelpact watch use`."""
    # A raw read of the hash first: this runs after every ingested event.
    table = models.AgreementVersion._meta.db_table
    rows = Store().select(
        f"SELECT id, content_hash FROM {table} WHERE active "
        "ORDER BY activated_at DESC, id DESC LIMIT 1"
    )
    if not rows:
        return None
    version_id, content_hash = rows[0]
    cached = _contexts.get(content_hash)
    if cached is not None and cached.version_id == version_id:
        return cached
    return _context_of(models.AgreementVersion.objects.get(pk=version_id))


def require_context() -> WatchContext:
    context = active_context()
    if context is None:
        raise NoAgreementError(
            "the watch has no agreement: run `funnelpact watch use AGREEMENT.yaml` first"
        )
    return context


@dataclass(frozen=True, slots=True)
class UseReport:
    version: models.AgreementVersion
    changed: bool
    queued: int


def use_agreement(path: Path, now: datetime) -> UseReport:
    """Run the watch on the agreement file at ``path`` (errors: a DomainError naming lines)."""
    loaded = check_agreement_file(path, now.date())
    errors = errors_of(loaded.issues)
    if errors or loaded.agreement is None:
        raise DomainError(errors)
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    agreement = loaded.agreement
    with transaction.atomic():
        current = (
            models.AgreementVersion.objects.filter(active=True).order_by("-activated_at").first()
        )
        if current is not None and current.content_hash == digest:
            return UseReport(current, changed=False, queued=0)
        models.AgreementVersion.objects.filter(active=True).update(active=False)
        version, _ = models.AgreementVersion.objects.update_or_create(
            content_hash=digest,
            defaults={
                "text": text,
                "name": agreement.metadata.name,
                "version": agreement.metadata.version,
                "source_path": str(path),
                "active": True,
                "activated_at": now,
            },
        )
        queued = queue_handoff_contacts(agreement.handoff.stage, now)
    return UseReport(version, changed=True, queued=queued)


def queue_handoff_contacts(handoff_stage: str, now: datetime) -> int:
    """Queue every contact that ever entered the hand-off stage for the next scheduler tick."""
    ids = list(
        store.StageChange.objects.filter(stage=handoff_stage)
        .values_list("contact_id", flat=True)
        .distinct()
    )
    queue_contacts(ids, now)
    return len(ids)


def queue_contacts(contact_ids: Sequence[int], now: datetime) -> None:
    for chunk in batched(list(contact_ids)):
        models.WatchedLead.objects.bulk_create(
            [models.WatchedLead(contact_id=cid, next_check_at=now) for cid in chunk],
            update_conflicts=True,
            unique_fields=["contact"],
            update_fields=["next_check_at"],
        )


# -- live obligations ---------------------------------------------------------------------------


def system_clock() -> datetime:
    return datetime.now(UTC)


# The instant live refreshes evaluate at; tests replace it with a fake clock.
clock: Callable[[], datetime] = system_clock


def on_records_stored(contact_ids: frozenset[int]) -> None:
    """The store's hook: runs inside store_records' transaction."""
    if not contact_ids:
        return
    now = clock()
    if len(contact_ids) > LIVE_REFRESH_LIMIT:
        if active_context() is not None:
            queue_contacts(sorted(contact_ids), now)
        return
    refresh_obligations(contact_ids, now)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    contacts: int = 0
    obligations: int = 0
    changed: int = 0
    alerts: int = 0


def refresh_obligations(contact_ids: Iterable[int], now: datetime) -> RefreshReport:
    """Re-evaluate the contacts' obligations at ``now``; store them and the alerts they cause.

    Runs in the caller's transaction (one of its own when there is none), so the statuses and
    their alerts are written together or not at all. Without an agreement it does nothing.
    """
    context = active_context()
    ids = sorted(set(contact_ids))
    if context is None or not ids:
        return RefreshReport()
    with transaction.atomic(), _collection_paused(len(ids) >= GC_PAUSE_FROM):
        timelines = load_timelines(ids)
        return _refresh(context, timelines, ids, now)


# From this many contacts a refresh runs with Python's cyclic garbage collector paused: a batch
# allocates hundreds of thousands of short-lived objects (records, timelines, rows), all freed
# by reference counting, and the collector's passes over them cost 10-15 % of a scheduler
# batch (measured: bench/bench_watch.py, about 350 collections per 10,000 leads).
GC_PAUSE_FROM = 200


@contextmanager
def _collection_paused(pause: bool) -> Iterator[None]:
    """The cyclic collector off for the block (when ``pause`` and it is on), on again after."""
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(slots=True)
class _Transition:
    row: ObligationRow
    kind: models.AlertKind
    at: datetime


_WHY_NOT_APPLICABLE = {
    StopReason.REJECTED: "rejected before the window ended",
    StopReason.ADVANCED: "became {}",
    StopReason.LEFT_STAGE: "moved to {}",
}


def _reason(item: ObligationSeconds) -> str:
    """`Obligation.why_not_applicable`, for the seconds form."""
    if item.status is not Status.NOT_APPLICABLE or item.stop_reason is None:
        return ""
    return _WHY_NOT_APPLICABLE[item.stop_reason].format(item.stop_stage)


def _values(item: ObligationSeconds, owner_id: int | None) -> tuple[Any, ...]:
    """An evaluated obligation as the stored values it is compared with (``OBLIGATION_VALUES``
    order, instants as epoch seconds: see ``read_obligations``)."""
    status = item.status
    if status is Status.MET:
        business_seconds = item.met_after
    elif status is Status.BREACHED and item.resolved_at is not None:
        # An open breach's lateness grows every second: stored once resolved (reads compute
        # it from breached_at until then), so a row changes only when its status or facts do.
        business_seconds = item.breached_by
    else:
        business_seconds = None
    return (
        # str() of a StrEnum member is its value (in C; `.value` is a Python-level property).
        str(item.kind),
        str(status),
        item.handoff_at,
        item.due_at,
        item.at_risk_from,
        item.met_at,
        item.breached_at,
        item.resolved_at,
        item.not_applicable_at,
        business_seconds,
        owner_id,
        _reason(item) if status is Status.NOT_APPLICABLE else "",
    )


def _refresh(
    context: WatchContext, timelines: Timelines, ids: list[int], now: datetime
) -> RefreshReport:
    """Evaluate, compare with the stored rows, write what changed: a few set statements for
    the whole batch (reads by contact id, one bulk insert, one executemany update, one upsert
    of the watched leads), whatever its size.

    The evaluator's epoch-second form (`evaluate_seconds`) is compared with the stored rows
    read as epoch seconds; the rows written carry them too (SQLite turns them into its stored
    text in the statement, PostgreSQL gets each distinct instant as a datetime once), and
    datetimes are built only for the rows an alert or an escalation reads.
    """
    db = Store()

    def instant(seconds: int | None) -> datetime | None:
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

    evaluated_at = db.db_instant(now)
    existing = read_obligations(db, ids)
    watched = read_watched(db, ids)
    fresh: list[tuple[tuple[int, int, str], tuple[Any, ...]]] = []
    fresh_rows: list[tuple[int, ObligationRow]] = []  # (index in fresh, row): ids come later
    updates: list[tuple[tuple[Any, ...], int]] = []  # (values, row id)
    transitions: list[_Transition] = []
    leads: list[tuple[int, datetime | None, datetime, datetime | None]] = []
    seen: set[tuple[int, int, str]] = set()
    total = 0
    reengaged: list[tuple[int, int, str, datetime, int | None]] = []
    rep_ids = timelines.rep_ids
    escalation_hours = timedelta(hours=context.agreement.alerts.escalation.after_business_hours)
    rules, calendar = context.rules, context.calendar
    pending, at_risk, breached = Status.PENDING, Status.AT_RISK, Status.BREACHED
    at_risk_value, breached_value = at_risk.value, breached.value
    # PostgreSQL: new rows stream to the server (COPY) while the loop evaluates.
    stream = ObligationStream(db, evaluated_at) if db.postgres else None
    last_owner: Ref | None = None
    last_owner_id: int | None = None
    with stream if stream is not None else nullcontext():
        for cid in ids:
            timeline = timelines.by_contact.get(cid)
            if timeline is None:
                continue
            lead_open = False
            # Statuses that change with time alone (at risk, breached) are moved by the scheduler's
            # set-based pass (scheduler.advance_statuses); a full re-evaluation is needed only
            # when a stored event becomes visible (future-dated records) or a breach escalates.
            moments = [at for at in _event_instants(timeline) if at > now]
            for item in evaluate_seconds(timeline, rules, calendar, now):
                total += 1
                key = (cid, item.cycle, item.name)
                if existing:  # stale rows are the stored ones not seen (none on a first pass)
                    seen.add(key)
                owner = item.owner
                # A cycle's obligations share one owner object: its id looked up once
                # (a Ref's hash is a Python-level dataclass method).
                if owner is not last_owner:
                    last_owner = owner
                    last_owner_id = rep_ids.get(owner) if owner is not None else None
                owner_id = last_owner_id
                values = _values(item, owner_id)
                stored = existing.get(key)
                row_id = 0
                before = ""
                if stored is None:
                    fresh.append((key, values))
                    if stream is not None:
                        stream.add(key, values)
                else:
                    row_id, stored_values = stored
                    before = stored_values[1]
                    # evaluated_at alone is no change: the steady-state tick then writes nothing.
                    if stored_values != values:
                        updates.append((values, row_id))
                status = item.status
                if status is pending:
                    lead_open = True
                elif status is at_risk or status is breached:
                    lead_open = lead_open or status is at_risk
                    row = ObligationRow(
                        id=row_id,
                        contact_id=cid,
                        cycle=item.cycle,
                        name=item.name,
                        status=status.value,
                        due_at=datetime.fromtimestamp(item.due_at, UTC),
                        at_risk_at=datetime.fromtimestamp(item.at_risk_from, UTC),
                        owner_id=owner_id,
                        breached_at=instant(item.breached_at),
                        resolved_at=instant(item.resolved_at),
                    )
                    if stored is None:
                        fresh_rows.append((len(fresh) - 1, row))
                    # One alert per (obligation, status): the outbox key makes a repeat a no-op.
                    if status is at_risk and before != at_risk_value:
                        transitions.append(
                            _Transition(row, models.AlertKind.AT_RISK, row.at_risk_at)
                        )
                    elif status is breached and before != breached_value:
                        transitions.append(_Transition(row, models.AlertKind.BREACH, row.due_at))
                    if row.breached_at is not None and row.resolved_at is None:
                        escalate = calendar.add(row.breached_at, escalation_hours)
                        if escalate > now:
                            moments.append(escalate)
                        else:  # breaches still open after the agreed business hours
                            transitions.append(
                                _Transition(row, models.AlertKind.ESCALATION, escalate)
                            )
            known = watched.get(cid)
            next_check_at = min(moments, default=None)
            activity_seen_at = known[1] if known is not None else None
            activity = timelines.activity.get(cid)
            if activity:
                newest = max((at for at, _, _ in activity if at <= now), default=None)
                if lead_open and activity_seen_at is not None:
                    for at, touch_id, kind in activity:
                        if activity_seen_at < at <= now:
                            owner_of = _current_owner(timeline, timelines)
                            reengaged.append((cid, touch_id, kind, at, owner_of))
            else:
                newest = None
            if newest is not None and (activity_seen_at is None or newest > activity_seen_at):
                activity_seen_at = newest
            elif activity_seen_at is None:
                # Watched from now on: only activity after this instant re-engages the lead.
                activity_seen_at = now
            # Written only when it changed: an event that changes nothing writes nothing here.
            if known is None or (next_check_at, activity_seen_at) != known:
                leads.append((cid, next_check_at, now, activity_seen_at))
    stale = [row_id for key, (row_id, _) in existing.items() if key not in seen]
    if stale:
        delete_ids(db, OBLIGATION_TABLE, stale)
    if fresh and db.postgres:  # already streamed
        if fresh_rows:
            found = obligation_ids(db, [fresh[index][0] for index, _ in fresh_rows])
            for index, row in fresh_rows:
                row.id = found[fresh[index][0]]
    elif fresh:
        new_ids = db.allocate_ids(models.Obligation, len(fresh))
        for index, row in fresh_rows:
            row.id = new_ids[index]
        insert_obligations(
            db,
            [
                (row_id, *key, *values, evaluated_at)
                for row_id, (key, values) in zip(new_ids, fresh, strict=True)
            ],
        )
    update_obligations(db, [(*values, evaluated_at, row_id) for values, row_id in updates])
    upsert_watched(db, leads)
    alerts = queue_obligation_alerts(context, transitions, now)
    alerts += queue_reengagement_alerts(context, reengaged, now)
    return RefreshReport(
        contacts=len(timelines.by_contact),
        obligations=total,
        changed=len(fresh) + len(updates),
        alerts=alerts,
    )


def _event_instants(timeline: Timeline) -> list[datetime]:
    return [
        *(record.entered_at for record in timeline.stage_changes),
        *(record.assigned_at for record in timeline.owner_changes),
        *(record.occurred_at for record in timeline.touches),
        *(record.decided_at for record in timeline.decisions),
    ]


def _current_owner(timeline: Any, timelines: Timelines) -> int | None:
    owner = timeline.owner
    return timelines.rep_ids.get(owner) if owner is not None else None


# -- alerts into the outbox ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


def _rep_person(rep_id: int | None) -> Person | None:
    if rep_id is None:
        return None
    rep = store.Rep.objects.filter(pk=rep_id).values_list("name", "email").first()
    if rep is None:
        return None
    return Person(rep[0] or f"rep {rep_id}", rep[1])


def _manager_of(rep_id: int | None) -> Person | None:
    if rep_id is None:
        return None
    manager_id = store.Rep.objects.filter(pk=rep_id).values_list("manager_id", flat=True).first()
    return _rep_person(manager_id)


def _party_person(agreement: Agreement, team: PartyTeam) -> Person | None:
    for party in agreement.metadata.parties:
        if party.team is team:
            return Person(party.owner, party.email or "")
    return None


def resolve_recipients(
    agreement: Agreement, tokens: Sequence[str], owner_id: int | None
) -> list[Person]:
    """The people an alert's recipient list names (roles or e-mail addresses), once each."""
    people: list[Person] = []
    for token in tokens:
        person: Person | None
        match token:
            case Recipient.LEAD_OWNER:
                person = _rep_person(owner_id)
            case Recipient.LEAD_OWNER_MANAGER:
                person = _manager_of(owner_id)
            case Recipient.SALES_OWNER:
                person = _party_person(agreement, PartyTeam.SALES)
            case Recipient.MARKETING_OWNER:
                person = _party_person(agreement, PartyTeam.MARKETING)
            case _:
                person = Person(token, token) if "@" in token else None
        if person is not None and person not in people:
            people.append(person)
    return people


class AlertBatch:
    """Outbox rows for many alerts, written together (channels read once, repeats dropped).

    Per alert: one row per e-mail recipient on e-mail channels, one row on every other channel.
    Each row's ``key`` (alert key, channel, recipient) is unique: an alert seen again on every
    tick is written once. Rows are kept as the tuples they are inserted as: a tick where
    thousands of leads change at once writes thousands of rows, and building ORM objects for
    them cost more than the insert.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.channels = list(models.AlertChannel.objects.filter(enabled=True).order_by("pk"))
        # key, kind, obligation id, contact id, channel id, recipient, title, body
        self.rows: list[tuple[str, str, int | None, int | None, int, str, str, str]] = []

    def add(
        self,
        *,
        key: str,
        kind: models.AlertKind,
        people: Sequence[Person],
        title: str,
        body: str,
        obligation_id: int | None = None,
        contact_id: int | None = None,
    ) -> None:
        names = ", ".join(person.name for person in people)
        for channel in self.channels:
            email = channel.kind == models.ChannelKind.EMAIL
            targets = [p.email for p in people if p.email] if email else [names] if people else []
            for address in targets:
                self.rows.append(
                    (
                        f"{key}|{channel.name}|{address}"[:400],
                        kind.value,
                        obligation_id,
                        contact_id,
                        channel.pk,
                        address,
                        title,
                        body if email else f"{names}: {body}",
                    )
                )

    def flush(self) -> int:
        """Write the rows not written before (the store's bulk insert); how many were new."""
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        db = Store()
        table = models.AlertOutbox._meta.db_table
        known = {key for (key,) in db.select_in(table, ["key"], "key", [r[0] for r in rows])}
        fresh = list({row[0]: row for row in rows if row[0] not in known}.values())
        now = db.db_instant(self.now)
        pending = models.DeliveryStatus.PENDING.value
        db.insert(
            table,
            OUTBOX_COLUMNS,
            [(*row, now, pending, 0, now, "", None) for row in fresh],
        )
        return len(fresh)


OUTBOX_COLUMNS = (
    "key",
    "kind",
    "obligation_id",
    "contact_id",
    "channel_id",
    "recipient",
    "title",
    "body",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
)


def queue_alert(
    *,
    key: str,
    kind: models.AlertKind,
    people: Sequence[Person],
    title: str,
    body: str,
    now: datetime,
    obligation_id: int | None = None,
    contact_id: int | None = None,
) -> int:
    """Outbox rows for one alert (see `AlertBatch`); how many were new."""
    batch = AlertBatch(now)
    batch.add(
        key=key,
        kind=kind,
        people=people,
        title=title,
        body=body,
        obligation_id=obligation_id,
        contact_id=contact_id,
    )
    return batch.flush()


_TITLES = {
    models.AlertKind.AT_RISK: "At risk",
    models.AlertKind.BREACH: "SLA breached",
    models.AlertKind.ESCALATION: "SLA breach escalated",
}


def _lead_labels(contact_ids: Iterable[int]) -> dict[int, str]:
    labels: dict[int, str] = {}
    columns = ["id", "first_name", "last_name", "email", "company"]
    for cid, first, last, email, company in Store().select_in(
        store.Contact._meta.db_table, columns, "id", sorted(set(contact_ids))
    ):
        name = f"{first} {last}".strip() or email or f"contact {cid}"
        labels[cid] = f"{name} ({company})" if company else name
    return labels


def _lead_label(contact_id: int) -> str:
    return _lead_labels([contact_id]).get(contact_id, f"contact {contact_id}")


def queue_obligation_alerts(
    context: WatchContext, transitions: Sequence[_Transition], now: datetime
) -> int:
    alerts = context.agreement.alerts
    zone = context.calendar.zone
    recent = [t for t in transitions if t.at >= now - ALERT_LOOKBACK]
    if not recent:
        return 0
    batch = AlertBatch(now)
    if not batch.channels:
        return 0
    labels = _lead_labels(t.row.contact_id for t in recent)
    people_of: dict[tuple[models.AlertKind, int | None], list[Person]] = {}
    for transition in recent:
        row = transition.row
        audience = (transition.kind, row.owner_id)
        if audience not in people_of:
            tokens = {
                models.AlertKind.AT_RISK: alerts.at_risk,
                models.AlertKind.BREACH: alerts.breach,
                models.AlertKind.ESCALATION: alerts.escalation.to,
            }[transition.kind]
            people_of[audience] = resolve_recipients(context.agreement, tokens, row.owner_id)
        lead = labels.get(row.contact_id, f"contact {row.contact_id}")
        due = row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        what = row.name.replace("_", " ")
        verb = "is due" if transition.kind is models.AlertKind.AT_RISK else "was due"
        batch.add(
            key=f"{transition.kind.value}:{row.contact_id}:{row.cycle}:{row.name}",
            kind=transition.kind,
            people=people_of[audience],
            title=f"{_TITLES[transition.kind]}: {what} for {lead}",
            body=f"{what} of {lead} (hand-off cycle {row.cycle}) {verb} {due}.",
            obligation_id=row.id,
            contact_id=row.contact_id,
        )
    return batch.flush()


def queue_reengagement_alerts(
    context: WatchContext,
    reengaged: Sequence[tuple[int, int, str, datetime, int | None]],
    now: datetime,
) -> int:
    queued = 0
    for contact_id, touch_id, kind, at, owner_id in reengaged:
        if at < now - ALERT_LOOKBACK:
            continue
        people = resolve_recipients(context.agreement, [Recipient.LEAD_OWNER], owner_id)
        lead = _lead_label(contact_id)
        what = {
            "page_view": "visited the website again",
            "form_submission": "submitted a form",
            "content_download": "downloaded content",
        }.get(kind, kind)
        local = at.astimezone(context.calendar.zone).strftime("%Y-%m-%d %H:%M %Z")
        queued += queue_alert(
            key=f"reengagement:{contact_id}:{touch_id}",
            kind=models.AlertKind.REENGAGEMENT,
            people=people,
            title=f"{lead} is back: {what}",
            body=f"Your open lead {lead} {what} at {local}.",
            now=now,
            contact_id=contact_id,
        )
    return queued


# -- the closed loop ----------------------------------------------------------------------------


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    contact_id: int
    decision: Decision
    reason: str
    routed_to: str  # the stage a rejected lead went to ("" when accepted)


def contact_for(lead: str) -> int:
    contact_id = find_contact(lead)
    if contact_id is None:
        raise NotFoundError(f"lead {lead!r}: no such contact (give system:id or the store's id)")
    return contact_id


def decide(
    lead: str,
    decision: DecisionKind,
    reason: str,
    now: datetime,
    *,
    note: str = "",
    decided_by: str = "",
) -> DecisionOutcome:
    """Sales accepts or rejects an MQL; a rejected lead goes where the agreement routes it."""
    context = require_context()
    handoff = context.agreement.handoff
    codes = {item.code: item for item in handoff.rejection_reasons}
    valid = ", ".join(codes)
    if decision is DecisionKind.REJECT and reason not in codes:
        what = f"unknown rejection reason {reason!r}" if reason else "a rejection needs a reason"
        raise InputError(f"{what}; the agreement's reasons: {valid}")
    contact_id = contact_for(lead)
    ref = identity_of(contact_id)
    decided_by_ref = None
    if decided_by:
        try:
            from funnelpact.domain.records import Ref

            decided_by_ref = Ref.parse(decided_by)
        except ValueError as exc:
            raise InputError(f"--by {decided_by!r}: give the rep as system:id") from exc
    records: list[Record] = [
        HandoffDecision(
            contact=ref,
            decision=Decision.ACCEPTED if decision is DecisionKind.ACCEPT else Decision.REJECTED,
            decided_at=now,
            decided_by=decided_by_ref,
            reason=reason,
            note=note,
        )
    ]
    routed_to = ""
    if decision is DecisionKind.REJECT:
        route = codes[reason].route
        # Disqualified: the agreement's terminal stage outside the lifecycle (out of the
        # funnel: no stage figure counts it, and the follow-up stops).
        routed_to = (
            handoff.recycle_to if route is RejectionRoute.RECYCLE else handoff.disqualified_stage
        )
        records.append(
            StageChange(contact=ref, stage=routed_to, entered_at=now, change_source=DECISION_SOURCE)
        )
        records.append(_contact_in_stage(contact_id, ref, routed_to, now))
    from funnelpact.server.tracking.services import store_records

    # store_records refreshes the lead's obligations (the on_stored hook) in its transaction.
    store_records(records)
    return DecisionOutcome(
        contact_id=contact_id,
        decision=records[0].decision,  # type: ignore[union-attr]
        reason=reason,
        routed_to=routed_to,
    )


def _contact_in_stage(contact_id: int, ref: Any, stage: str, now: datetime) -> Contact:
    """The contact record as stored, now in ``stage`` (the store keeps the newest record)."""
    row = store.Contact.objects.select_related("owner").get(pk=contact_id)
    owner = None
    if row.owner is not None:
        from funnelpact.domain.records import Ref, System

        owner = Ref(System(row.owner.system), row.owner.external_id)
    return Contact(
        ref=ref,
        created_at=row.created_at,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        company=row.company,
        source=row.source,
        source_detail_1=row.source_detail_1,
        source_detail_2=row.source_detail_2,
        campaign=row.campaign,
        stream=row.stream,
        owner=owner,
        lifecycle_stage=stage,
        lead_status=row.lead_status,
        updated_at=max(now, row.updated_at) if row.updated_at else now,
    )


# -- reads --------------------------------------------------------------------------------------


def obligations_query(
    *, lead: str | None = None, rep: str | None = None, team: str | None = None
) -> QuerySet[models.Obligation]:
    rows = models.Obligation.objects.select_related("owner", "contact")
    if lead:
        rows = rows.filter(contact_id=contact_for(lead))
    if rep:
        matched = store.Rep.objects.filter(Q(name=rep) | Q(email=rep))
        if ":" in rep:
            system, _, external_id = rep.partition(":")
            matched = store.Rep.objects.filter(
                Q(name=rep) | Q(system=system, external_id=external_id)
            )
        if not matched.exists():
            raise NotFoundError(f"rep {rep!r}: no rep has that name, e-mail or id")
        rows = rows.filter(owner__in=matched)
    if team:
        if not store.Rep.objects.filter(team_name=team).exists():
            raise NotFoundError(f"team {team!r}: no rep belongs to it")
        rows = rows.filter(owner__team_name=team)
    return rows


def status(
    *, lead: str | None = None, rep: str | None = None, team: str | None = None
) -> list[models.Obligation]:
    """What is due, at risk and breached (still unresolved) now; every obligation of one lead."""
    rows = obligations_query(lead=lead, rep=rep, team=team)
    if not lead:
        rows = rows.filter(
            Q(status__in=[Status.PENDING, Status.AT_RISK])
            | Q(status=Status.BREACHED, resolved_at__isnull=True)
        )
    return list(rows.order_by("due_at", "contact_id", "cycle", "name"))


def breaches(since: datetime) -> list[models.Obligation]:
    rows = models.Obligation.objects.select_related("owner", "contact").filter(
        status=Status.BREACHED, breached_at__gte=since
    )
    return list(rows.order_by("breached_at", "contact_id", "cycle", "name"))


@dataclass(frozen=True, slots=True)
class RejectionCount:
    reason: str
    source: str
    campaign: str
    count: int


def rejections(since: datetime | None = None) -> list[RejectionCount]:
    """Rejected MQLs by reason, source and campaign (marketing's view of lead quality)."""
    rows = store.HandoffDecision.objects.filter(decision=Decision.REJECTED.value)
    if since is not None:
        rows = rows.filter(decided_at__gte=since)
    counts = Counter(
        (reason or "(none)", source or "(none)", campaign or "(none)")
        for reason, source, campaign in rows.values_list(
            "reason", "contact__source", "contact__campaign"
        )
    )
    return [
        RejectionCount(reason, source, campaign, count)
        for (reason, source, campaign), count in sorted(
            counts.items(), key=lambda item: (-item[1], item[0])
        )
    ]


# -- team figures (live, from the Obligation table) ---------------------------------------------


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def period_bounds(period: Period, day: date) -> tuple[date, date]:
    """The week (Monday first), month or quarter holding ``day``: first and last dates."""
    if period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    first_month = day.month if period is Period.MONTH else 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    months = 1 if period is Period.MONTH else 3
    year, month = divmod(first_month - 1 + months, 12)
    return start, date(day.year + year, month + 1, 1) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SalesFigures:
    who: str  # a rep's name, or the team's
    mqls: int
    touched_in_sla: float | None  # share of first touches met (of those decided: met or breached)
    speed_median_hours: float | None  # business hours from hand-off to first touch (met ones)
    speed_p90_hours: float | None
    cadence_compliance: float | None
    decisions_on_time: float | None


@dataclass(frozen=True, slots=True)
class MarketingFigures:
    group: str  # "total", "stream:<name>", "source:<name>"
    mqls: int
    expected: float | None
    low: float | None
    high: float | None
    accepted_share: float | None


@dataclass(frozen=True, slots=True)
class TeamFigures:
    period: Period
    start: date
    end: date
    marketing: tuple[MarketingFigures, ...]
    sales: tuple[SalesFigures, ...]


def _share(kept: int, total: int) -> float | None:
    return None if total == 0 else kept / total


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def _sales_figures(who: str, rows: list[models.Obligation]) -> SalesFigures:
    first = [row for row in rows if row.name == "first_touch"]
    first_done = [row for row in first if row.status in (Status.MET, Status.BREACHED)]
    speeds = [
        row.business_seconds / 3600
        for row in first
        if row.status == Status.MET and row.business_seconds is not None
    ]
    cadence = [
        row for row in rows if row.kind == "cadence" and row.status in (Status.MET, Status.BREACHED)
    ]
    decisions = [
        row
        for row in rows
        if row.name == "decision" and row.status in (Status.MET, Status.BREACHED)
    ]
    return SalesFigures(
        who=who,
        mqls=len({(row.contact_id, row.cycle) for row in rows}),
        touched_in_sla=_share(sum(r.status == Status.MET for r in first_done), len(first_done)),
        speed_median_hours=statistics.median(speeds) if speeds else None,
        speed_p90_hours=_p90(speeds),
        cadence_compliance=_share(sum(r.status == Status.MET for r in cadence), len(cadence)),
        decisions_on_time=_share(sum(r.status == Status.MET for r in decisions), len(decisions)),
    )


def team_figures(
    period: Period, day: date, *, team: str | None = None, context: WatchContext | None = None
) -> TeamFigures:
    """Marketing (MQLs vs the pro-rated target, acceptance) and sales (speed, cadence) figures
    for the hand-offs of the period holding ``day``, per rep and for the team."""
    context = context or require_context()
    start, end = period_bounds(period, day)
    zone = context.calendar.zone
    first_instant = datetime.combine(start, datetime.min.time(), zone)
    last_instant = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    # The period's hand-offs by their first-touch rows (the partial index of those), then
    # their cycles' rows by contact (the unique index): every row of a cycle shares its
    # hand-off instant.
    in_period = {"handoff_at__gte": first_instant, "handoff_at__lt": last_instant}
    handoffs = models.Obligation.objects.filter(
        name=ObligationKind.FIRST_TOUCH.value, **in_period
    ).values("contact_id")
    rows = list(
        models.Obligation.objects.select_related("owner", "contact").filter(
            contact_id__in=handoffs, **in_period
        )
    )
    if team:
        rows = [row for row in rows if row.owner is not None and row.owner.team_name == team]
    by_rep: dict[str, list[models.Obligation]] = defaultdict(list)
    for row in rows:
        by_rep[str(row.owner) if row.owner is not None else "(no owner)"].append(row)
    sales = [_sales_figures(team or "all", rows)]
    sales.extend(_sales_figures(name, by_rep[name]) for name in sorted(by_rep))
    marketing = _marketing_figures(context, rows, start, end)
    return TeamFigures(period, start, end, tuple(marketing), tuple(sales))


def _marketing_figures(
    context: WatchContext, rows: list[models.Obligation], start: date, end: date
) -> list[MarketingFigures]:
    from funnelpact.domain.planning import build_plan

    handoffs = {(row.contact_id, row.cycle): row.contact for row in rows}
    decided = {
        (row.contact_id, row.cycle): row
        for row in rows
        if row.name == "decision" and row.status == Status.MET
    }
    accepted_contacts = set(
        store.HandoffDecision.objects.filter(
            contact_id__in=[cid for cid, _ in handoffs], decision=Decision.ACCEPTED.value
        ).values_list("contact_id", flat=True)
    )
    try:
        plan = build_plan(context.agreement.plan_spec())
    except DomainError:
        plan = None
    stage = context.agreement.handoff.stage
    groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, contact in handoffs.items():
        groups["total"].append(key)
        if contact.stream:
            groups[f"stream:{contact.stream}"].append(key)
        if contact.source:
            groups[f"source:{contact.source}"].append(key)
    figures: list[MarketingFigures] = []
    for group in sorted(groups, key=lambda name: (name != "total", name)):
        keys = groups[group]
        target = None
        if plan is not None:
            kind, _, name = group.partition(":")
            try:
                target = plan.target_between(
                    stage,
                    start,
                    end,
                    stream=name if kind == "stream" else None,
                    source=name if kind == "source" else None,
                )
            except DomainError:
                target = None
        in_decided = [key for key in keys if key in decided]
        accepted = sum(1 for key in in_decided if key[0] in accepted_contacts)
        figures.append(
            MarketingFigures(
                group=group,
                mqls=len(keys),
                expected=float(target.expected) if target else None,
                low=float(target.low) if target else None,
                high=float(target.high) if target else None,
                accepted_share=_share(accepted, len(in_decided)),
            )
        )
    return figures
