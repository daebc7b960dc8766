"""Live events into the store: the API's batches and the webhooks' deliveries go through here.

``ingest(events)`` runs one transaction: it looks up which event ids the store has seen (the
``IngestedEvent`` ledger), stores the records of the new ones with ``store_records`` (the store's
one write entry point), and records the new ids, so a repeated id is acknowledged and ignored.
All or nothing: a record the store refuses fails the whole batch, naming the item.

Live events arrive in any order, so facts (and deals) may name a contact or deal not described
yet: the store gets ``create_missing_contacts=True`` (a placeholder contact, filled in by the
contact's record), and a deal named only by a stage change gets a placeholder deal (amount 0)
that the deal's own record replaces when it comes.

Event ids are scoped by channel (``api:<id>``, ``in:<source>:<id>``, ``hubspot:<eventId>``):
two senders' ids never collide.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    StageChange,
)
from funnelpact.errors import InputError
from funnelpact.server.tracking import models
from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import StoreInputError, StoreReport, store_records

# Records whose class carries ``event_id``: the store records their ids itself.
_FACTS = (StageChange, OwnerChange, DealStageChange, HandoffDecision)
LEDGER_KIND_LENGTH = 40


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event: its ledger id, its kind, and the record it carries (None: nothing to store).

    ``if_new``: store the record only when the store does not know its ref yet (a HubSpot
    ``contact.creation`` knows less than an export does, and must not blank what is known).
    """

    key: str
    kind: str
    record: Record | None
    if_new: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    kind: str
    duplicate: bool


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcomes: tuple[Outcome, ...]
    report: StoreReport

    @property
    def duplicates(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.duplicate)

    @property
    def accepted(self) -> int:
        return len(self.outcomes) - self.duplicates


@dataclass(frozen=True, slots=True)
class ItemProblem:
    index: int | None  # the event's position in the batch; None for a record we added
    message: str
    field: str = ""


_UNKNOWN_REFERENCE = re.compile(r"\b(contact|deal) \S+ is neither in the store")
_TOO_LONG = re.compile(r"\b(\w+) is \d+ characters long")
_BAD_INSTANT = re.compile(r": (\w+) \S+ (?:is out of range|has no time zone)")
_FIELD_OF_COLUMN = {"external_id": "ref"}


def field_of(message: str) -> str:
    """The event field a store refusal is about ("" when it names none): every 422 problem
    should name its field (schemathesis found deals of unknown contacts naming none)."""
    if found := _UNKNOWN_REFERENCE.search(message):
        return found.group(1)
    if found := _TOO_LONG.search(message):
        return _FIELD_OF_COLUMN.get(found.group(1), found.group(1))
    if found := _BAD_INSTANT.search(message):
        return found.group(1)
    return ""


class BatchRejectedError(InputError):
    """The store refused records of a batch: nothing was stored (answered 422)."""

    status_code = 422

    def __init__(self, problems: list[ItemProblem]) -> None:
        self.problems = problems
        lines = [(f"item {p.index}: " if p.index is not None else "") + p.message for p in problems]
        super().__init__("\n".join(lines))


def known_event_ids(store: Store, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    table = models.IngestedEvent._meta.db_table
    return {row[0] for row in store.select_in(table, ["event_id"], "event_id", keys)}


def record_event_ids(store: Store, rows: Sequence[tuple[str, str]], received_at: datetime) -> None:
    """Add (event id, kind) rows to the store's ledger of events taken in."""
    if not rows:
        return
    at = store.db_instant(received_at)
    store.insert(
        models.IngestedEvent._meta.db_table,
        ("event_id", "kind", "received_at"),
        [(key, kind[:LEDGER_KIND_LENGTH], at) for key, kind in rows],
    )


def _placeholder_deals(store: Store, records: list[Record]) -> list[Record]:
    """A placeholder deal (amount 0, created at its earliest stage change) for each deal named
    by a stage change but neither stored nor in the batch; a stored placeholder is moved to an
    earlier stage change, so that it says the same whatever order its changes came in."""
    described = {r.ref for r in records if isinstance(r, Deal)}
    earliest: dict[Ref, datetime] = {}
    for r in records:
        if not isinstance(r, DealStageChange) or r.deal in described:
            continue
        if r.entered_at.utcoffset() is None:
            continue  # the store names the naive instant
        if r.deal not in earliest or r.entered_at < earliest[r.deal]:
            earliest[r.deal] = r.entered_at
    if not earliest:
        return []
    stored = {
        _stored_ref(system, external_id): (store.instant_value(created), amount, rest)
        for system, external_id, created, amount, *rest in store.select_refs(
            models.Deal._meta.db_table,
            ["created_at", *_DEAL_VALUES],
            [(ref.system.value, ref.external_id) for ref in earliest],
        )
    }
    placeholders: list[Record] = []
    for ref in sorted(earliest):
        found = stored.get(ref)
        if found is not None:
            created, amount, rest = found
            if _described(amount, rest) or created <= earliest[ref]:
                continue
        placeholders.append(Deal(ref=ref, created_at=earliest[ref], amount=Decimal(0)))
    return placeholders


_DEAL_VALUES = ("amount", "name", "stage", "currency", "contact_id", "owner_id", "closed_at", "won")


def _described(amount: Any, rest: Sequence[Any]) -> bool:
    """A stored deal with more than a placeholder's blank values."""
    return bool(amount) or any(value not in ("", None) for value in rest)


def _stored_ref(system: str, external_id: str) -> Ref:
    return Ref.parse(f"{system}:{external_id}")


def _described_contacts(store: Store, refs: set[Ref]) -> set[Ref]:
    """The refs naming a stored contact that a record described (not a placeholder)."""
    identity = models.ContactIdentity._meta.db_table
    contact = models.Contact._meta.db_table
    found: set[Ref] = set()
    for ref in refs:  # a HubSpot delivery holds at most 100 events: one lookup each is fine
        rows = store.select(
            f"SELECT c.placeholder FROM {identity} i JOIN {contact} c ON c.id = i.contact_id "
            "WHERE i.system = %s AND i.external_id = %s",
            [ref.system.value, ref.external_id],
        )
        if rows and not rows[0][0]:
            found.add(ref)
    return found


def _described_deals(store: Store, refs: set[Ref]) -> set[Ref]:
    """The refs naming a stored deal with more than a placeholder's blank values."""
    if not refs:
        return set()
    rows = store.select_refs(
        models.Deal._meta.db_table,
        list(_DEAL_VALUES),
        [(ref.system.value, ref.external_id) for ref in refs],
    )
    return {
        _stored_ref(system, external_id)
        for system, external_id, amount, *rest in rows
        if _described(amount, rest)
    }


def _drop_known(store: Store, events: list[LiveEvent]) -> list[LiveEvent]:
    """Leave out ``if_new`` records whose ref the store has described already.

    A placeholder (a contact or deal named by a fact before any record) is not "described":
    the creation replaces it, so the result does not depend on which came first.
    """
    contacts = {e.record.ref for e in events if e.if_new and isinstance(e.record, Contact)}
    deals = {e.record.ref for e in events if e.if_new and isinstance(e.record, Deal)}
    known = _described_contacts(store, contacts) | _described_deals(store, deals)
    kept: list[LiveEvent] = []
    for event in events:
        record: Any = event.record
        if event.if_new and isinstance(record, Contact | Deal) and record.ref in known:
            kept.append(dataclasses.replace(event, record=None))
        else:
            kept.append(event)
    return kept


def ingest(
    events: Sequence[LiveEvent],
    *,
    received_at: datetime,
    then: Callable[[Store, frozenset[str]], None] | None = None,
) -> IngestResult:
    """Store the records of the events not seen before, in one transaction.

    ``then(store, new_keys)`` runs inside the same transaction after the records are stored,
    with the ids of the events not seen before (HubSpot merges).
    Raises ``BatchRejectedError`` naming each item the store refuses; nothing is stored then.
    """
    with transaction.atomic():
        store = Store()
        store.lock()  # serialise writers: the ledger lookup and the inserts stay consistent
        seen = known_event_ids(store, [event.key for event in events])
        outcomes: list[Outcome] = []
        fresh: list[tuple[int, LiveEvent]] = []
        for index, event in enumerate(events):
            duplicate = event.key in seen
            seen.add(event.key)
            outcomes.append(Outcome(event.key, event.kind, duplicate))
            if not duplicate:
                fresh.append((index, event))
        kept = _drop_known(store, [event for _, event in fresh])
        records: list[Record] = []
        index_of: dict[int, int] = {}  # id(record) -> item index, to name refused items
        ledger: list[tuple[str, str]] = []
        for (index, _), event in zip(fresh, kept, strict=True):
            record = event.record
            if isinstance(record, _FACTS):
                if record.event_id != event.key:  # the API's records carry it already
                    record = dataclasses.replace(record, event_id=event.key)
            else:
                ledger.append((event.key, event.kind))
            if record is not None:
                index_of[id(record)] = index
                records.append(record)
        records.extend(_placeholder_deals(store, records))
        try:
            report = (
                store_records(records, create_missing_contacts=True, received_at=received_at)
                if records
                else StoreReport(())
            )
        except StoreInputError as exc:
            raise BatchRejectedError(
                [
                    ItemProblem(index_of.get(id(p.record)), p.message, field_of(p.message))
                    for p in exc.problems
                ]
            ) from None
        record_event_ids(store, ledger, received_at)
        if then is not None:
            then(store, frozenset(event.key for _, event in fresh))
        return IngestResult(tuple(outcomes), report)
