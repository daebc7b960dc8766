"""The write service: the one entry point importers, the API and the webhooks call.

``store_records(records)`` stores canonical records (``funnelpact.domain.records``) in one
transaction, with bulk statements, and reports what it created, updated, left unchanged and merged.

Semantics (docs/store.md has the long form):
- All or nothing: the call runs inside ``transaction.atomic()``; the outermost scope commits.
- Idempotent: storing the same records again changes nothing. Facts (stage changes, owner changes,
  deal stage changes, hand-off decisions) are unique on what they say; records with an id in their
  source (touches, deals, campaigns, reps) are updated when a newer export says otherwise.
- A record carrying an ``event_id`` already stored is ignored (live events are at-least-once).
- Contacts are matched by ``(system, external_id)``, then, for an id not seen before, by normalised
  email across every system: the duplicate joins the existing contact (its id becomes one more
  identity; its touches and stage changes land on that contact). A contact's fields are those of
  its newest record (``updated_at``; a record without one counts as newest: last write wins);
  ``created_at`` is the earliest any record reports.
- Order does not matter: references are resolved after the records they name, anywhere in the
  call. A fact whose contact (or deal) is neither stored nor in the call is an error naming the
  record, unless ``create_missing_contacts=True``, which creates a placeholder contact that a later
  contact record fills in. Reps and campaigns named before they are described get placeholders.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import islice
from operator import itemgetter
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from funnelpact.domain.records import (
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStageChange,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Team,
    Touch,
    normalise_email,
)
from funnelpact.errors import InputError
from funnelpact.server.tracking import models
from funnelpact.server.tracking.repository import MONEY_QUANTUM, Row, Store, money

DEFAULT_BATCH_SIZE = 50_000
# Exports name owners by display name: the importers' reps are ``<system>:name:<normalised name>``.
NAME_PREFIX = "name:"
MAX_PROBLEMS_SHOWN = 20
INSTANT_CACHE_SIZE = 200_000


class RecordKind(StrEnum):
    TEAM = "team"
    REP = "rep"
    CAMPAIGN = "campaign"
    CONTACT = "contact"
    STAGE_CHANGE = "stage_change"
    OWNER_CHANGE = "owner_change"
    TOUCH = "touch"
    DEAL = "deal"
    DEAL_STAGE_CHANGE = "deal_stage_change"
    CAMPAIGN_MEMBER = "campaign_member"
    HANDOFF_DECISION = "handoff_decision"


KIND_OF: dict[type, RecordKind] = {
    Team: RecordKind.TEAM,
    Rep: RecordKind.REP,
    Campaign: RecordKind.CAMPAIGN,
    Contact: RecordKind.CONTACT,
    StageChange: RecordKind.STAGE_CHANGE,
    OwnerChange: RecordKind.OWNER_CHANGE,
    Touch: RecordKind.TOUCH,
    Deal: RecordKind.DEAL,
    DealStageChange: RecordKind.DEAL_STAGE_CHANGE,
    CampaignMember: RecordKind.CAMPAIGN_MEMBER,
    HandoffDecision: RecordKind.HANDOFF_DECISION,
}


@dataclass(frozen=True, slots=True)
class KindCounts:
    """What storing one kind of record did. ``merged``: contacts matched to another by email;
    ``ignored_events``: records whose event id was already stored (also counted unchanged);
    ``placeholders``: rows created for references not yet described."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    ignored_events: int = 0
    placeholders: int = 0

    @property
    def records(self) -> int:
        return self.created + self.updated + self.unchanged + self.merged


@dataclass(frozen=True, slots=True)
class StoreReport:
    kinds: tuple[tuple[RecordKind, KindCounts], ...]

    def __getitem__(self, kind: RecordKind) -> KindCounts:
        return dict(self.kinds).get(kind, KindCounts())

    @property
    def records(self) -> int:
        return sum(counts.records for _, counts in self.kinds)

    def total(self, name: str) -> int:
        return sum(getattr(counts, name) for _, counts in self.kinds)


@dataclass(frozen=True, slots=True)
class RecordProblem:
    record: Record
    message: str


class StoreInputError(InputError):
    """Records the store cannot take; ``problems`` names each one (importers map them to rows)."""

    def __init__(self, problems: list[RecordProblem]) -> None:
        self.problems = problems
        lines = [p.message for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
        super().__init__("\n".join(lines))


class MergeError(InputError):
    pass


def describe(record: Record) -> str:
    """A record named the way a user can find it."""
    match record:
        case Contact() | Touch() | Deal() | Campaign() | Rep():
            return f"{KIND_OF[type(record)].replace('_', ' ')} {record.ref}"
        case Team():
            return f"team {record.name!r}"
        case StageChange():
            return f"stage change of contact {record.contact} to {record.stage!r}"
        case OwnerChange():
            return f"owner change of contact {record.contact} to {record.owner}"
        case DealStageChange():
            return f"stage change of deal {record.deal} to {record.stage!r}"
        case CampaignMember():
            return f"campaign member {record.contact} of {record.campaign}"
        case HandoffDecision():
            return f"hand-off decision on contact {record.contact}"


# -- counting ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Counter:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    ignored_events: int = 0
    placeholders: int = 0

    def frozen(self) -> KindCounts:
        return KindCounts(**{f.name: getattr(self, f.name) for f in fields(KindCounts)})


# -- columns of each table, in the comparable form (see repository) ----------------------------

REP_COLUMNS = ("name", "email", "team_name", "manager_id", "active", "placeholder")
CAMPAIGN_COLUMNS = ("name", "channel", "started_at", "placeholder")
CONTACT_COLUMNS = (
    "created_at",
    "updated_at",
    "email",
    "normalised_email",
    "first_name",
    "last_name",
    "company",
    "source",
    "source_detail_1",
    "source_detail_2",
    "campaign",
    "stream",
    "owner_id",
    "lifecycle_stage",
    "lead_status",
    "placeholder",
    "fields_from",
)
TOUCH_COLUMNS = (
    "contact_id",
    "type",
    "occurred_at",
    "direction",
    "rep_id",
    "automated",
    "subject",
    "campaign",
    "content",
)
DEAL_COLUMNS = (
    "created_at",
    "amount",
    "currency",
    "name",
    "stage",
    "contact_id",
    "owner_id",
    "closed_at",
    "won",
)
INSTANT_COLUMNS = frozenset(
    {
        "created_at",
        "updated_at",
        "started_at",
        "occurred_at",
        "closed_at",
        "entered_at",
        "assigned_at",
        "joined_at",
        "responded_at",
        "decided_at",
        "received_at",
    }
)
MONEY_COLUMNS = frozenset({"amount"})
# Columns holding enum values: bounded by construction, not checked for length.
ENUM_COLUMNS = frozenset({"system", "type", "direction", "decision", "kind"})


def _max_lengths(model: type[Any]) -> dict[str, int]:
    return {
        f.column: f.max_length
        for f in model._meta.concrete_fields
        if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"
    }


@dataclass(frozen=True, slots=True)
class _Table:
    """How one table is written: which columns hold instants or money, and string limits."""

    model: type[Any]
    name: str
    instants: tuple[int, ...]
    monies: tuple[int, ...]
    limits: tuple[tuple[int, str, int], ...]
    limits_floor: int = 0  # the smallest limit
    pick_limited: Callable[[Row], tuple[Any, ...]] | None = None  # the limited columns of a row

    @classmethod
    def of(cls, model: type[Any], columns: tuple[str, ...]) -> _Table:
        # Built once per (model, columns): live API batches use every table in every call.
        key = (model._meta.db_table, columns)
        table = _TABLES.get(key)
        if table is None:
            table = _TABLES[key] = cls.build(model, columns)
        return table

    @classmethod
    def build(cls, model: type[Any], columns: tuple[str, ...]) -> _Table:
        lengths = _max_lengths(model)
        limits = tuple(
            (i, c, lengths[c])
            for i, c in enumerate(columns)
            if c in lengths and c not in ENUM_COLUMNS
        )
        return cls(
            model=model,
            name=model._meta.db_table,
            instants=tuple(i for i, c in enumerate(columns) if c in INSTANT_COLUMNS),
            monies=tuple(i for i, c in enumerate(columns) if c in MONEY_COLUMNS),
            limits=limits,
            limits_floor=min((limit for _, _, limit in limits), default=0),
            pick_limited=itemgetter(*(i for i, _, _ in limits)) if len(limits) > 1 else None,
        )

    def any_too_long(self, columns: Sequence[Sequence[Any]]) -> bool:
        """Is some string of ``columns`` (the rows transposed) over its limit? Checked a column
        at a time in C (``max(map(len, ...))``); callers then name the rows with ``too_long``."""
        for index, _column, limit in self.limits:
            values = columns[index] if index < len(columns) else ()
            try:
                longest = max(map(len, filter(None, values)), default=0)
            except TypeError:  # not only strings: let the row-wise check decide
                return True
            if longest > limit:
                return True
        return False

    def too_long(self, row: Row) -> str:
        # Most rows are short everywhere: one C-level pass against the smallest limit first.
        if self.pick_limited is not None:
            try:
                if max(map(len, filter(None, self.pick_limited(row))), default=0) <= (
                    self.limits_floor
                ):
                    return ""
            except TypeError:  # a value that is not a string: the loop below decides
                pass
        for index, column, limit in self.limits:
            value = row[index]
            if isinstance(value, str) and len(value) > limit:
                return f"{column} is {len(value)} characters long (at most {limit})"
        return ""


_TABLES: dict[tuple[str, tuple[str, ...]], _Table] = {}


# -- the session: one store_records call --------------------------------------------------------


@dataclass(slots=True)
class _ContactState:
    """A contact's fields, from one record (``source``) or as stored."""

    created_at: Any  # instants in the store's form (Store.db_instant)
    updated_at: Any
    values: tuple[Any, ...]  # CONTACT_COLUMNS[2:], ending with fields_from (== source)
    tiebreak: tuple[str, ...]  # the values as text, owner as its ref: comparable across calls
    source: str  # the identity whose record supplied the values ("" for a placeholder)
    id: int = 0
    changed: bool = False
    new: bool = False

    def replaced_by(self, incoming: _ContactState) -> bool:
        """Does ``incoming`` carry newer fields than these?

        A newer ``updated_at`` wins; between versions of one record without timestamps the
        latest stored wins (a newer export of the same file); otherwise a total order on
        (has a timestamp, timestamp, values, source) decides, so that the result never depends
        on the order records arrive in.
        """
        if not self.source:
            return True
        if incoming.source == self.source and (
            incoming.updated_at is None or self.updated_at is None
        ):
            return True
        return _rank(incoming) > _rank(self)

    def take(self, incoming: _ContactState) -> bool:
        """Merge a version into this state; True when something changed.

        A placeholder's ``created_at`` is a guess (its earliest fact): the first record of the
        contact replaces it, as if the record had come first.
        """
        changed = False
        if not self.source and incoming.source:
            if incoming.created_at != self.created_at:
                self.created_at = incoming.created_at
                changed = True
        elif incoming.created_at < self.created_at:
            self.created_at = incoming.created_at
            changed = True
        if (incoming.values, incoming.updated_at) != (self.values, self.updated_at) and (
            self.replaced_by(incoming)
        ):
            self.values, self.updated_at = incoming.values, incoming.updated_at
            self.tiebreak, self.source = incoming.tiebreak, incoming.source
            changed = True
        self.changed |= changed
        return changed


def _rank(state: _ContactState) -> tuple[Any, ...]:
    if state.updated_at is None:
        return (False, state.tiebreak, state.source)
    return (True, state.updated_at, state.tiebreak, state.source)


@dataclass(slots=True)
class _Session:
    store: Store
    create_missing_contacts: bool
    received_at: datetime
    counters: dict[RecordKind, _Counter] = field(default_factory=dict)
    rep_ids: dict[Ref, int] = field(default_factory=dict)
    campaign_ids: dict[Ref, int] = field(default_factory=dict)
    contact_ids: dict[Ref, int] = field(default_factory=dict)
    deal_ids: dict[Ref, int] = field(default_factory=dict)
    pending: list[Record] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    # Contacts this call created, and per fact table the contacts it has written facts for: a
    # contact in the first set and not the second has no stored facts there, so a fresh import
    # skips the existence lookups (the store lock keeps other writers out meanwhile).
    created_contacts: set[int] = field(default_factory=set)
    facts_written: dict[str, set[int]] = field(default_factory=dict)
    # UTC instants -> the store's form (a HubSpot row repeats a date in several columns).
    instants: dict[datetime, Any] = field(default_factory=dict)
    # Ids of the contacts the call's records name (None: nobody listens, see on_stored).
    touched_ids: set[int] | None = None
    # (system, normalised name) -> the one described rep of that system with that name and an
    # id of its own: what a ``name:`` ref of an export resolves to (loaded when first needed).
    rep_aliases: dict[tuple[str, str], int] | None = None

    def count(self, kind: RecordKind) -> _Counter:
        counter = self.counters.get(kind)
        if counter is None:
            counter = self.counters[kind] = _Counter()
        return counter

    def problem(self, record: Record, message: str) -> None:
        self.problems.append(RecordProblem(record, f"{describe(record)}: {message}"))

    def report(self) -> StoreReport:
        return StoreReport(
            tuple(
                (kind, self.counters[kind].frozen()) for kind in RecordKind if kind in self.counters
            )
        )

    # -- value checks -------------------------------------------------------------------------

    def instant(self, record: Record, name: str, value: datetime | None) -> Any:
        """An aware instant in the store's form; a problem (and None) for a naive one."""
        if value is None:
            return None
        if value.tzinfo is UTC:  # what importers hand in: memoised, rows repeat their dates
            if self.store.postgres:
                return value  # PostgreSQL takes aware datetimes as they are
            stored = self.instants.get(value)
            if stored is None:
                if len(self.instants) >= INSTANT_CACHE_SIZE:
                    self.instants.clear()
                stored = self.instants[value] = self.store.db_instant(value)
            return stored
        if value.tzinfo is None or value.utcoffset() is None:
            self.problem(record, f"{name} {value.isoformat()} has no time zone (store instants)")
            return None
        try:
            return self.store.db_instant(value)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC instant
            self.problem(record, f"{name} {value.isoformat()} is out of range (in UTC)")
            return None

    def amount(self, record: Record, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        try:
            quantized = value.quantize(MONEY_QUANTUM)
        except InvalidOperation:
            quantized = None
        if quantized is None or quantized != value or not value.is_finite():
            self.problem(record, f"amount {value} has more than 4 decimal places or is too large")
            return None
        if abs(quantized) >= Decimal(10) ** (models.MONEY_DIGITS - models.MONEY_PLACES):
            self.problem(record, f"amount {value} is too large")
            return None
        return quantized

    def check_ref(self, record: Record, ref: Ref) -> None:
        if not ref.external_id or len(ref.external_id) > models.ID_LENGTH:
            self.problem(record, f"id {ref.external_id!r} is empty or too long")

    # -- chunk processing ---------------------------------------------------------------------

    def store_chunk(self, chunk: Sequence[Record]) -> None:
        by_kind: dict[type, list[Any]] = {}
        for record in chunk:
            kind_list = by_kind.get(type(record))
            if kind_list is None:
                if type(record) not in KIND_OF:
                    raise TypeError(f"not a canonical record: {record!r}")
                kind_list = by_kind[type(record)] = []
            kind_list.append(record)
        self.store_reps(by_kind.get(Rep, []))
        self.store_teams(by_kind.get(Team, []))
        self.store_campaigns(by_kind.get(Campaign, []))
        self.store_contacts(by_kind.get(Contact, []))
        facts: list[Record] = []
        for kind in (
            Deal,
            DealStageChange,
            StageChange,
            OwnerChange,
            Touch,
            CampaignMember,
            HandoffDecision,
        ):
            facts.extend(by_kind.get(kind, []))
        self.pending.extend(self.store_facts(facts, final=False))
        self.raise_problems()

    def finish(self) -> None:
        pending, self.pending = self.pending, []
        unresolved = self.store_facts(pending, final=True)
        for record in unresolved:
            self.problem(record, self.unresolved_reason(record))
        self.raise_problems()

    def raise_problems(self) -> None:
        if self.problems:
            raise StoreInputError(self.problems)

    def unresolved_reason(self, record: Record) -> str:
        if isinstance(record, DealStageChange):
            return f"deal {record.deal} is neither in the store nor in this import"
        contact = getattr(record, "contact", None)
        return (
            f"contact {contact} is neither in the store nor in this import "
            "(import the contacts first, or with them)"
        )

    # -- reps, teams, campaigns -------------------------------------------------------------

    def ensure_reps(self, refs: Iterable[Ref]) -> None:
        """Make every ref a known rep id, creating placeholders for reps not described yet.

        A ``name:`` ref (an export's owner) resolves to the rep with an id of its own and that
        name, when the store has exactly one (see ``merge_named_reps``).
        """
        missing = {ref for ref in refs if ref not in self.rep_ids}
        if not missing:
            return
        for ref in [r for r in missing if r.external_id.startswith(NAME_PREFIX)]:
            alias = self.alias_of(ref)
            if alias is not None:
                self.rep_ids[ref] = alias
                missing.discard(ref)
        if not missing:
            return
        for system, external_id, rep_id in self.store.select_refs(
            models.Rep._meta.db_table, ["id"], [(r.system._value_, r.external_id) for r in missing]
        ):
            self.rep_ids[_stored_ref(system, external_id)] = rep_id
        new = sorted(ref for ref in missing if ref not in self.rep_ids)
        if not new:
            return
        ids = self.store.allocate_ids(models.Rep, len(new))
        self.store.insert(
            models.Rep._meta.db_table,
            ("id", "system", "external_id", *REP_COLUMNS),
            [
                (i, r.system.value, r.external_id, "", "", "", None, True, True)
                for i, r in zip(ids, new, strict=True)
            ],
        )
        self.rep_ids.update(zip(new, ids, strict=True))
        self.count(RecordKind.REP).placeholders += len(new)

    def store_reps(self, records: list[Rep]) -> None:
        """Reps with ids of their own first (a CRM's owners), then reps named by an export:
        one person is one rep whichever came first (``merge_named_reps``, ``absorb_named``)."""
        if not records:
            return
        named = [r for r in records if r.ref.external_id.startswith(NAME_PREFIX)]
        with_ids = [r for r in records if not r.ref.external_id.startswith(NAME_PREFIX)]
        if with_ids:
            self.upsert_reps(with_ids)
            if self.problems:
                return
            self.merge_named_reps({r.ref: r for r in with_ids})
        if named:
            self.upsert_reps(self.absorb_named(named))

    def upsert_reps(self, records: list[Rep]) -> None:
        if not records:
            return
        latest = {r.ref: r for r in records}
        for record in latest.values():
            self.check_ref(record, record.ref)
        # Rows first, managers after: a rep's manager may be another new rep of this call.
        rows = {ref: (r.name, r.email, r.team, None, r.active, False) for ref, r in latest.items()}
        self.upsert_by_ref(
            RecordKind.REP,
            _Table.of(models.Rep, REP_COLUMNS),
            REP_COLUMNS,
            rows,
            latest,
            self.rep_ids,
            len(records),
            keep_manager=True,
        )
        if self.problems:
            return
        self.ensure_reps(r.manager for r in latest.values() if r.manager is not None)
        table = models.Rep._meta.db_table
        stored: dict[int, int | None] = dict(
            self.store.select_in(table, ["id", "manager_id"], "id", self.rep_ids.values())
        )
        managers = []
        for ref, r in latest.items():
            rep_id = self.rep_ids[ref]
            manager_id = self.rep_ids[r.manager] if r.manager else None
            if stored.get(rep_id) != manager_id:
                managers.append((manager_id, rep_id))
        self.store.update(table, ("manager_id",), managers)

    # -- one person, one rep: an export's owner names and a CRM's owner ids ---------------------

    def load_rep_aliases(self) -> dict[tuple[str, str], int]:
        if self.rep_aliases is None:
            found: dict[tuple[str, str], int | None] = {}
            for rep_id, system, name in self.store.select(
                f"SELECT id, system, name FROM {models.Rep._meta.db_table} "
                f"WHERE NOT placeholder AND name <> '' AND external_id NOT LIKE '{NAME_PREFIX}%%'"
            ):
                key = (system, rep_name_key(name))
                found[key] = None if key in found else rep_id  # two owners, one name: no link
            self.rep_aliases = {key: i for key, i in found.items() if i is not None}
        return self.rep_aliases

    def alias_of(self, ref: Ref) -> int | None:
        """The rep a ``name:`` ref names, when one rep with an id of its own has that name."""
        if not ref.external_id.startswith(NAME_PREFIX):
            return None
        key = (ref.system.value, ref.external_id[len(NAME_PREFIX) :])
        return self.load_rep_aliases().get(key)

    def absorb_named(self, records: list[Rep]) -> list[Rep]:
        """Export reps whose name is a described rep's: that rep (its team filled in when it
        has none). Returns the records that name nobody else, to store as they are."""
        kept: list[Rep] = []
        teams: dict[int, str] = {}
        counter = self.count(RecordKind.REP)
        for record in records:
            alias = self.alias_of(record.ref)
            if alias is None:
                kept.append(record)
                continue
            self.rep_ids[record.ref] = alias
            counter.unchanged += 1
            if record.team and alias not in teams:
                teams[alias] = record.team
        if teams:
            table = models.Rep._meta.db_table
            condition, params = self.store.in_list("id", list(teams))
            empty = self.store.select(
                f"SELECT id FROM {table} WHERE team_name = '' AND {condition}", params
            )
            self.store.update(table, ("team_name",), [(teams[i], i) for (i,) in empty])
        return kept

    def merge_named_reps(self, described: dict[Ref, Rep]) -> None:
        """A rep an export named (``name:<name>``) before the CRM's owners described the same
        person with an id is merged into that rep: every contact, owner change, touch, deal and
        decision it had moves over (a fact the rep has already is not doubled) and the named
        row goes; later exports resolve the name to the rep (``alias_of``)."""
        self.rep_aliases = None  # the reps just stored may add (or make ambiguous) names
        aliases = self.load_rep_aliases()
        wanted: dict[tuple[str, str], int] = {}
        for ref, record in described.items():
            rep_id = self.rep_ids.get(ref)
            key = (ref.system.value, rep_name_key(record.name))
            if rep_id is not None and key[1] and aliases.get(key) == rep_id:
                wanted[(key[0], NAME_PREFIX + key[1])] = rep_id
        if not wanted:
            return
        table = models.Rep._meta.db_table
        for system, external_id, drop, team in self.store.select_refs(
            table, ["id", "team_name"], list(wanted)
        ):
            keep = wanted[(system, external_id)]
            if drop != keep:
                self.merge_rep(drop, keep, team)

    def merge_rep(self, drop: int, keep: int, team: str) -> None:
        store, rep = self.store, models.Rep._meta.db_table
        owner_changes = models.OwnerChange._meta.db_table
        store.execute(  # (contact, owner, assigned_at) is unique: the kept rep's copy stays
            f"DELETE FROM {owner_changes} WHERE owner_id = %s AND id IN ("
            f"SELECT d.id FROM {owner_changes} d JOIN {owner_changes} k "
            "ON k.contact_id = d.contact_id AND k.assigned_at = d.assigned_at "
            "WHERE d.owner_id = %s AND k.owner_id = %s)",
            [drop, drop, keep],
        )
        if self.touched_ids is not None:
            contact = models.Contact._meta.db_table
            self.touched_ids.update(
                row[0]
                for row in store.select(f"SELECT id FROM {contact} WHERE owner_id = %s", [drop])
            )
        for relation in models.Rep._meta.related_objects:  # every table pointing at reps
            table, column = relation.related_model._meta.db_table, relation.field.column
            store.execute(f"UPDATE {table} SET {column} = %s WHERE {column} = %s", [keep, drop])
        if team:
            store.execute(
                f"UPDATE {rep} SET team_name = %s WHERE id = %s AND team_name = ''", [team, keep]
            )
        store.execute(f"DELETE FROM {rep} WHERE id = %s", [drop])
        for ref, rep_id in list(self.rep_ids.items()):
            if rep_id == drop:
                self.rep_ids[ref] = keep
        self.count(RecordKind.REP).merged += 1

    def store_teams(self, records: list[Team]) -> None:
        if not records:
            return
        latest = {r.name: r for r in records}
        self.ensure_reps(r.manager for r in latest.values() if r.manager is not None)
        table = models.Team._meta.db_table
        existing = {
            name: (team_id, kind, manager_id)
            for team_id, name, kind, manager_id in self.store.select_in(
                table, ["id", "name", "kind", "manager_id"], "name", list(latest)
            )
        }
        counter = self.count(RecordKind.TEAM)
        counter.unchanged += len(records) - len(latest)
        inserts: list[Row] = []
        updates: list[Row] = []
        for name, record in latest.items():
            if not name or len(name) > models.LABEL_LENGTH:
                self.problem(record, "team name is empty or too long")
                continue
            values = (record.kind.value, self.rep_ids[record.manager] if record.manager else None)
            stored = existing.get(name)
            if stored is None:
                inserts.append((name, *values))
                counter.created += 1
            elif stored[1:] != values:
                updates.append((*values, stored[0]))
                counter.updated += 1
            else:
                counter.unchanged += 1
        self.store.insert(table, ("name", "kind", "manager_id"), inserts)
        self.store.update(table, ("kind", "manager_id"), updates)

    def store_campaigns(self, records: list[Campaign]) -> None:
        if not records:
            return
        latest = {r.ref: r for r in records}
        rows: dict[Ref, Row] = {}
        for ref, r in latest.items():
            self.check_ref(r, ref)
            rows[ref] = (r.name, r.channel, self.instant(r, "started_at", r.started_at), False)
        self.upsert_by_ref(
            RecordKind.CAMPAIGN,
            _Table.of(models.Campaign, CAMPAIGN_COLUMNS),
            CAMPAIGN_COLUMNS,
            rows,
            latest,
            self.campaign_ids,
            len(records),
        )

    def ensure_campaigns(self, refs: Iterable[Ref]) -> None:
        missing = {ref for ref in refs if ref not in self.campaign_ids}
        if not missing:
            return
        table = models.Campaign._meta.db_table
        for system, external_id, campaign_id in self.store.select_refs(
            table, ["id"], [(r.system._value_, r.external_id) for r in missing]
        ):
            self.campaign_ids[_stored_ref(system, external_id)] = campaign_id
        new = sorted(ref for ref in missing if ref not in self.campaign_ids)
        if not new:
            return
        ids = self.store.allocate_ids(models.Campaign, len(new))
        self.store.insert(
            table,
            ("id", "system", "external_id", *CAMPAIGN_COLUMNS),
            [
                (i, r.system.value, r.external_id, "", "", None, True)
                for i, r in zip(ids, new, strict=True)
            ],
        )
        self.campaign_ids.update(zip(new, ids, strict=True))
        self.count(RecordKind.CAMPAIGN).placeholders += len(new)

    def upsert_by_ref(
        self,
        kind: RecordKind,
        table: _Table,
        columns: Sequence[str],
        rows: dict[Ref, Row],
        records: dict[Ref, Any],
        ids: dict[Ref, int] | None,
        seen: int,
        *,
        keep_manager: bool = False,
    ) -> None:
        """Insert new refs, update changed ones (the incoming record wins), count the rest.

        ``ids``, when given, receives the id of every ref (allocated for new rows).
        ``keep_manager``: rows carry a placeholder manager_id, set afterwards; compare without it.
        """
        counter = self.count(kind)
        counter.unchanged += seen - len(rows)
        stored: dict[Ref, tuple[int, Row]] = {}
        for row in self.store.select_refs(
            table.name, ["id", *columns], [(r.system._value_, r.external_id) for r in rows]
        ):
            ref = _stored_ref(row[0], row[1])
            decoded = list(row[3:])
            for index in table.instants:
                decoded[index] = self.store.read_instant(decoded[index])
            for index in table.monies:
                decoded[index] = money(decoded[index])
            stored[ref] = (row[2], tuple(decoded))
        manager = columns.index("manager_id") if keep_manager else -1
        new_refs: list[Ref] = []
        updates: list[Row] = []
        # Checked column-wise first; rows are checked one by one only when some value is long.
        limits = (
            table.too_long
            if table.limits and table.any_too_long(list(zip(*rows.values(), strict=True)))
            else None
        )
        for ref, values in rows.items():
            if limits is not None and (message := limits(values)):
                self.problem(records[ref], message)
                continue
            current = stored.get(ref) if stored else None
            if current is None:
                new_refs.append(ref)
                counter.created += 1
                continue
            if ids is not None:
                ids[ref] = current[0]
            compared = values
            if manager >= 0:  # keep the stored manager until managers are set
                compared = (*values[:manager], current[1][manager], *values[manager + 1 :])
            if compared != current[1]:
                updates.append((*compared, current[0]))
                counter.updated += 1
            else:
                counter.unchanged += 1
        if self.problems:
            return
        self.store.update(table.name, columns, updates)
        if ids is not None:
            new_ids = self.store.allocate_ids(table.model, len(new_refs))
            ids.update(zip(new_refs, new_ids, strict=True))
            self.store.insert(
                table.name,
                ("id", "system", "external_id", *columns),
                [
                    (i, r.system.value, r.external_id, *rows[r])
                    for i, r in zip(new_ids, new_refs, strict=True)
                ],
            )
        else:
            self.store.insert(
                table.name,
                ("system", "external_id", *columns),
                [(r.system.value, r.external_id, *rows[r]) for r in new_refs],
            )

    # -- contacts -----------------------------------------------------------------------------

    def load_contact_ids(self, refs: Iterable[Ref]) -> None:
        missing = [ref for ref in refs if ref not in self.contact_ids]
        if not missing:
            return
        for system, external_id, contact_id in self.store.select_refs(
            models.ContactIdentity._meta.db_table,
            ["contact_id"],
            [(r.system._value_, r.external_id) for r in missing],
        ):
            self.contact_ids[_stored_ref(system, external_id)] = contact_id

    def contact_state(self, record: Contact) -> _ContactState | None:
        created_at = self.instant(record, "created_at", record.created_at)
        updated_at = self.instant(record, "updated_at", record.updated_at)
        if created_at is None:
            return None
        owner_id = self.rep_ids[record.owner] if record.owner is not None else None
        values = (
            record.email,
            normalise_email(record.email),
            record.first_name,
            record.last_name,
            record.company,
            record.source,
            record.source_detail_1,
            record.source_detail_2,
            record.campaign,
            record.stream,
            owner_id,
            record.lifecycle_stage,
            record.lead_status,
            False,
            str(record.ref),
        )
        tiebreak = (*values[:10], str(record.owner) if record.owner else "", *values[11:13])
        return _ContactState(created_at, updated_at, values, tiebreak, str(record.ref))

    def store_contacts(self, records: list[Contact]) -> None:
        if not records:
            return
        counter = self.count(RecordKind.CONTACT)
        table = _Table.of(models.Contact, CONTACT_COLUMNS)
        self.ensure_reps(r.owner for r in records if r.owner is not None)
        states: dict[Ref, _ContactState] = {}
        for record in records:
            self.check_ref(record, record.ref)
            state = self.contact_state(record)
            if state is None:
                continue
            if message := table.too_long((None, None, *state.values)):
                self.problem(record, message)
                continue
            previous = states.get(record.ref)
            if previous is None:
                states[record.ref] = state
            else:
                counter.unchanged += 1
                previous.take(state)
        if self.problems:
            return
        self.load_contact_ids(states)
        new_refs = [ref for ref in states if ref not in self.contact_ids]
        emails = sorted({states[ref].values[1] for ref in new_refs} - {""})
        by_email: dict[str, int] = {}
        rows = self.store.select(*self._active_by_email_query(emails)) if emails else []
        for contact_id, email in rows:
            # Several active contacts may share an email (left for review): take the oldest id.
            if email not in by_email or contact_id < by_email[email]:
                by_email[email] = contact_id
        wanted = {self.contact_ids[ref] for ref in states if ref in self.contact_ids}
        wanted.update(by_email.values())
        working = self.load_contact_states(wanted)
        touched = self.touched_ids
        for ref in states:
            if ref in self.contact_ids:
                if touched is not None:
                    touched.add(self.contact_ids[ref])
                if working[self.contact_ids[ref]].take(states[ref]):
                    counter.updated += 1
                else:
                    counter.unchanged += 1
        identities: list[tuple[str, str, int]] = []
        fresh: list[_ContactState] = []
        groups: dict[str, list[Ref]] = {}
        for ref in new_refs:
            email = states[ref].values[1]
            groups.setdefault(email or f"\0{ref}", []).append(ref)
        creating = sum(1 for email in groups if email not in by_email)
        new_ids = iter(self.store.allocate_ids(models.Contact, creating))
        for email, refs in groups.items():
            target_id = by_email.get(email)
            if target_id is None:
                target = states[refs[0]]
                target.id, target.new = next(new_ids), True
                self.created_contacts.add(target.id)
                working[target.id] = target
                fresh.append(target)
                counter.created += 1
                counter.merged += len(refs) - 1
                for ref in refs[1:]:
                    target.take(states[ref])
            else:
                target = working[target_id]
                counter.merged += len(refs)
                for ref in refs:
                    target.take(states[ref])
            if touched is not None:
                touched.add(target.id)
            for ref in refs:
                self.contact_ids[ref] = target.id
                identities.append((ref.system.value, ref.external_id, target.id))
        contact_table = models.Contact._meta.db_table
        self.store.insert(
            contact_table,
            ("id", *CONTACT_COLUMNS),
            [(s.id, s.created_at, s.updated_at, *s.values) for s in fresh],
        )
        self.store.insert(
            models.ContactIdentity._meta.db_table,
            ("system", "external_id", "contact_id"),
            identities,
        )
        self.store.update(
            contact_table,
            CONTACT_COLUMNS,
            [
                (s.created_at, s.updated_at, *s.values, s.id)
                for s in working.values()
                if s.changed and not s.new
            ],
        )

    def _active_by_email_query(self, emails: list[str]) -> tuple[str, list[Any]]:
        condition, params = self.store.in_list("normalised_email", emails)
        return (
            f"SELECT id, normalised_email FROM {models.Contact._meta.db_table} "
            f"WHERE merged_into_id IS NULL AND {condition}",
            params,
        )

    def load_contact_states(self, ids: Iterable[int]) -> dict[int, _ContactState]:
        contact = models.Contact._meta.db_table
        rep = models.Rep._meta.db_table
        wanted = list(ids)
        if not wanted:
            return {}
        condition, params = self.store.in_list("c.id", wanted)
        columns = ", ".join(f"c.{c}" for c in CONTACT_COLUMNS)
        states: dict[int, _ContactState] = {}
        for row in self.store.select(
            f"SELECT c.id, {columns}, r.system, r.external_id FROM {contact} c "
            f"LEFT JOIN {rep} r ON r.id = c.owner_id WHERE {condition}",
            params,
        ):
            values = tuple(row[3:18])
            owner = f"{row[18]}:{row[19]}" if row[18] is not None else ""
            states[row[0]] = _ContactState(
                id=row[0],
                created_at=self.store.read_instant(row[1]),
                updated_at=self.store.read_instant(row[2]),
                values=values,
                tiebreak=(*values[:10], owner, *values[11:13]),
                source=values[14],
            )
        return states

    def ensure_contacts(self, records: Sequence[Record]) -> None:
        """Placeholder contacts for facts naming contacts nothing describes (opt-in).

        A placeholder's ``created_at`` is the earliest instant of the facts (a deal: its
        ``created_at``) naming it, whatever call they come in (``lower_placeholders``).
        """
        earliest = _earliest_by_contact(
            self.store, (r for r in records if getattr(r, "contact", None) not in self.contact_ids)
        )
        if not earliest:
            return
        refs = sorted(earliest)
        ids = self.store.allocate_ids(models.Contact, len(refs))
        blank = ("", "", "", "", "", "", "", "", "", "", None, "", "", True, "")
        self.store.insert(
            models.Contact._meta.db_table,
            ("id", *CONTACT_COLUMNS),
            [(i, earliest[r], None, *blank) for i, r in zip(ids, refs, strict=True)],
        )
        self.store.insert(
            models.ContactIdentity._meta.db_table,
            ("system", "external_id", "contact_id"),
            [(r.system.value, r.external_id, i) for i, r in zip(ids, refs, strict=True)],
        )
        self.contact_ids.update(zip(refs, ids, strict=True))
        self.created_contacts.update(ids)
        self.count(RecordKind.CONTACT).placeholders += len(refs)

    def lower_placeholders(self, facts: Sequence[Record]) -> None:
        """A placeholder stored earlier takes an earlier fact's instant as its ``created_at``:
        the placeholder then says the same whatever order its facts came in."""
        earliest = _earliest_by_contact(
            self.store,
            (
                f
                for f in facts
                if (ref := getattr(f, "contact", None)) is not None
                and self.contact_ids.get(ref) not in self.created_contacts
            ),
        )
        by_id: dict[int, Any] = {}
        for ref, when in earliest.items():
            contact_id = self.contact_ids.get(ref)
            if contact_id is not None and (contact_id not in by_id or when < by_id[contact_id]):
                by_id[contact_id] = when
        if not by_id:
            return
        condition, params = self.store.in_list("id", list(by_id))
        rows = self.store.select(
            f"SELECT id, created_at FROM {models.Contact._meta.db_table} "
            f"WHERE placeholder AND {condition}",
            params,
        )
        self.store.update(
            models.Contact._meta.db_table,
            ("created_at",),
            [
                (by_id[contact_id], contact_id)
                for contact_id, stored in rows
                if by_id[contact_id] < self.store.read_instant(stored)
            ],
        )

    # -- facts --------------------------------------------------------------------------------

    def store_facts(self, facts: list[Record], *, final: bool) -> list[Record]:
        """Store what can be resolved now; return the records whose contact or deal is unknown."""
        if not facts:
            return []
        contact_ids = self.contact_ids
        # Only the refs not known yet (one hash per fact: imports have millions).
        self.load_contact_ids(
            {
                ref
                for f in facts
                if (ref := getattr(f, "contact", None)) is not None and ref not in contact_ids
            }
        )
        if final and self.create_missing_contacts:
            self.ensure_contacts([f for f in facts if not isinstance(f, DealStageChange)])
        facts = self.drop_seen_events(facts)
        if self.create_missing_contacts:
            self.lower_placeholders(facts)
        resolved: dict[type, list[Any]] = {}
        unresolved: list[Record] = []
        deal_changes: list[DealStageChange] = []
        touched = self.touched_ids
        for fact in facts:
            if isinstance(fact, DealStageChange):
                deal_changes.append(fact)
                continue
            contact = getattr(fact, "contact", None)
            if contact is not None:
                contact_id = contact_ids.get(contact)
                if contact_id is None:
                    unresolved.append(fact)
                    continue
                if touched is not None:
                    touched.add(contact_id)
            resolved.setdefault(type(fact), []).append(fact)
        self.ensure_reps(
            ref
            for kind in (Deal, OwnerChange, Touch, HandoffDecision)
            for f in resolved.get(kind, [])
            if (
                ref := getattr(f, "owner", None)
                or getattr(f, "rep", None)
                or getattr(f, "decided_by", None)
            )
            is not None
        )
        self.store_deals(resolved.get(Deal, []))
        if deal_changes:
            self.load_deal_ids({c.deal for c in deal_changes})
            ready = [c for c in deal_changes if c.deal in self.deal_ids]
            unresolved.extend(c for c in deal_changes if c.deal not in self.deal_ids)
            self.store_deal_stage_changes(ready)
        self.store_stage_changes(resolved.get(StageChange, []))
        self.store_owner_changes(resolved.get(OwnerChange, []))
        self.store_touches(resolved.get(Touch, []))
        self.store_campaign_members(resolved.get(CampaignMember, []))
        self.store_decisions(resolved.get(HandoffDecision, []))
        stored = [f for kind in resolved.values() for f in kind]
        stored.extend(c for c in deal_changes if c.deal in self.deal_ids)
        self.record_events(stored)
        return unresolved

    def drop_seen_events(self, facts: list[Record]) -> list[Record]:
        """Leave out records whose event id is stored or repeated earlier in this call."""
        with_ids = [f for f in facts if getattr(f, "event_id", "")]
        if not with_ids:
            return facts
        seen = {
            row[0]
            for row in self.store.select_in(
                models.IngestedEvent._meta.db_table,
                ["event_id"],
                "event_id",
                [f.event_id for f in with_ids],  # type: ignore[union-attr]
            )
        }
        kept: list[Record] = []
        for fact in facts:
            event_id = getattr(fact, "event_id", "")
            if event_id and event_id in seen:
                contact_id = self.contact_ids.get(getattr(fact, "contact", None))  # type: ignore[arg-type]
                if self.touched_ids is not None and contact_id is not None:
                    self.touched_ids.add(contact_id)
                counter = self.count(KIND_OF[type(fact)])
                counter.unchanged += 1
                counter.ignored_events += 1
                continue
            if event_id:
                seen.add(event_id)
            kept.append(fact)
        return kept

    def record_events(self, facts: list[Record]) -> None:
        rows = []
        received_at = self.store.db_instant(self.received_at)
        for f in facts:
            event_id = getattr(f, "event_id", "")
            if not event_id:
                continue
            if len(event_id) > models.ID_LENGTH:
                self.problem(f, f"event_id is longer than {models.ID_LENGTH} characters")
            rows.append((event_id, KIND_OF[type(f)].value, received_at))
        self.raise_problems()
        self.store.insert(
            models.IngestedEvent._meta.db_table, ("event_id", "kind", "received_at"), rows
        )

    def load_deal_ids(self, refs: Iterable[Ref]) -> None:
        missing = [ref for ref in refs if ref not in self.deal_ids]
        if not missing:
            return
        for system, external_id, deal_id in self.store.select_refs(
            models.Deal._meta.db_table, ["id"], [(r.system._value_, r.external_id) for r in missing]
        ):
            self.deal_ids[_stored_ref(system, external_id)] = deal_id

    def store_deals(self, records: list[Deal]) -> None:
        if not records:
            return
        latest = {r.ref: r for r in records}
        rows: dict[Ref, Row] = {}
        for ref, r in latest.items():
            self.check_ref(r, ref)
            rows[ref] = (
                self.instant(r, "created_at", r.created_at),
                self.amount(r, r.amount),
                r.currency,
                r.name,
                r.stage,
                self.contact_ids[r.contact] if r.contact is not None else None,
                self.rep_ids[r.owner] if r.owner is not None else None,
                self.instant(r, "closed_at", r.closed_at),
                r.won,
            )
        if self.problems:
            return
        self.upsert_by_ref(
            RecordKind.DEAL,
            _Table.of(models.Deal, DEAL_COLUMNS),
            DEAL_COLUMNS,
            rows,
            latest,
            self.deal_ids,
            len(records),
        )

    def store_touches(self, records: list[Touch]) -> None:
        if not records:
            return
        latest = {r.ref: r for r in records}
        rows: dict[Ref, Row] = {}
        contact_ids, rep_ids = self.contact_ids, self.rep_ids
        for ref, r in latest.items():
            if not ref.external_id or len(ref.external_id) > models.ID_LENGTH:
                self.check_ref(r, ref)
            when = self.instant(r, "occurred_at", r.occurred_at)
            if when is None:
                continue
            rows[ref] = (
                contact_ids[r.contact],
                r.type._value_,
                when,
                r.direction._value_,
                rep_ids[r.rep] if r.rep is not None else None,
                r.automated,
                r.subject,
                r.campaign,
                r.content,
            )
        if self.problems:
            return
        self.upsert_by_ref(
            RecordKind.TOUCH,
            _Table.of(models.Touch, TOUCH_COLUMNS),
            TOUCH_COLUMNS,
            rows,
            latest,
            None,
            len(records),
        )

    def store_stage_changes(self, records: list[StageChange]) -> None:
        facts: dict[tuple[Any, ...], tuple[Row, Record]] = {}
        for r in records:
            when = self.instant(r, "entered_at", r.entered_at)
            if when is None:
                continue
            key = (self.contact_ids[r.contact], r.stage, when)
            previous = facts.get(key)
            # Deterministic whatever the order: the smallest change_source label is kept.
            if previous is None or r.change_source < previous[0][0]:
                facts[key] = ((r.change_source,), r)
        self.upsert_facts(
            RecordKind.STAGE_CHANGE,
            models.StageChange,
            ("contact_id", "stage", "entered_at"),
            ("change_source",),
            facts,
            len(records),
            keep="smallest",
        )

    def store_owner_changes(self, records: list[OwnerChange]) -> None:
        facts: dict[tuple[Any, ...], tuple[Row, Record]] = {}
        for r in records:
            when = self.instant(r, "assigned_at", r.assigned_at)
            if when is not None:
                facts[(self.contact_ids[r.contact], self.rep_ids[r.owner], when)] = ((), r)
        self.upsert_facts(
            RecordKind.OWNER_CHANGE,
            models.OwnerChange,
            ("contact_id", "owner_id", "assigned_at"),
            (),
            facts,
            len(records),
        )

    def store_deal_stage_changes(self, records: list[DealStageChange]) -> None:
        facts: dict[tuple[Any, ...], tuple[Row, Record]] = {}
        for r in records:
            when = self.instant(r, "entered_at", r.entered_at)
            if when is not None:
                key = (self.deal_ids[r.deal], r.stage, when)
                facts[key] = ((self.amount(r, r.amount),), r)
        self.upsert_facts(
            RecordKind.DEAL_STAGE_CHANGE,
            models.DealStageChange,
            ("deal_id", "stage", "entered_at"),
            ("amount",),
            facts,
            len(records),
        )

    def store_campaign_members(self, records: list[CampaignMember]) -> None:
        self.ensure_campaigns(r.campaign for r in records)
        facts: dict[tuple[Any, ...], tuple[Row, Record]] = {}
        for r in records:
            key = (self.campaign_ids[r.campaign], self.contact_ids[r.contact])
            facts[key] = (
                (
                    r.status,
                    self.instant(r, "joined_at", r.joined_at),
                    self.instant(r, "responded_at", r.responded_at),
                ),
                r,
            )
        self.upsert_facts(
            RecordKind.CAMPAIGN_MEMBER,
            models.CampaignMember,
            ("campaign_id", "contact_id"),
            ("status", "joined_at", "responded_at"),
            facts,
            len(records),
        )

    def store_decisions(self, records: list[HandoffDecision]) -> None:
        facts: dict[tuple[Any, ...], tuple[Row, Record]] = {}
        for r in records:
            when = self.instant(r, "decided_at", r.decided_at)
            if when is None:
                continue
            key = (self.contact_ids[r.contact], r.decision.value, when)
            by = self.rep_ids[r.decided_by] if r.decided_by is not None else None
            facts[key] = ((by, r.reason, r.note), r)
        self.upsert_facts(
            RecordKind.HANDOFF_DECISION,
            models.HandoffDecision,
            ("contact_id", "decision", "decided_at"),
            ("decided_by_id", "reason", "note"),
            facts,
            len(records),
        )

    def upsert_facts(
        self,
        kind: RecordKind,
        model: type[Any],
        key_columns: tuple[str, ...],
        value_columns: tuple[str, ...],
        facts: dict[tuple[Any, ...], tuple[Row, Record]],
        seen: int,
        *,
        keep: str = "newest",
    ) -> None:
        """Facts unique on ``key_columns``: insert new ones, update changed values, count."""
        if self.problems or seen == 0:
            return
        counter = self.count(kind)
        counter.unchanged += seen - len(facts)
        columns = (*key_columns, *value_columns)
        table = _Table.of(model, columns)
        width = len(key_columns)
        if table.limits and table.any_too_long(
            _columns_of(facts, [v for v, _ in facts.values()], width)
        ):
            for key, (values, record) in facts.items():
                if message := table.too_long((*key, *values)):
                    self.problem(record, message)
        if self.problems:
            return
        # Facts of contacts this call created, and has not written facts of this table for yet,
        # cannot be stored: no lookup for them.
        written = self.facts_written.setdefault(table.name, set())
        created = self.created_contacts if key_columns[0] == "contact_id" else set()
        lookup = [key[0] for key in facts if key[0] not in created or key[0] in written]
        stored: dict[tuple[Any, ...], tuple[int, Row]] = {}
        for row in self.store.select_in(table.name, ["id", *columns], key_columns[0], lookup):
            decoded = list(row[1:])
            for index in table.instants:
                decoded[index] = self.store.read_instant(decoded[index])
            for index in table.monies:
                decoded[index] = money(decoded[index])
            stored[tuple(decoded[:width])] = (row[0], tuple(decoded[width:]))
        inserts: list[Row] = []
        updates: list[Row] = []
        for key, (values, _record) in facts.items():
            current = stored.get(key)
            if current is None:
                inserts.append((*key, *values))
                counter.created += 1
            elif values != current[1] and (keep != "smallest" or values < current[1]):
                updates.append((*values, current[0]))
                counter.updated += 1
            else:
                counter.unchanged += 1
        if created:
            written.update(row[0] for row in inserts)
        self.store.insert(table.name, columns, inserts)
        self.store.update(table.name, value_columns, updates)


def _columns_of(
    keys: Iterable[tuple[Any, ...]], values: Sequence[tuple[Any, ...]], width: int
) -> list[tuple[Any, ...]]:
    """The columns of rows made of a key (``width`` columns) then values, transposed in C."""
    key_columns = list(zip(*keys, strict=True)) or [()] * width
    value_columns = list(zip(*values, strict=True))
    return [*key_columns, *value_columns]


_SYSTEMS = {system.value: system for system in System}


def _stored_ref(system: str, external_id: str) -> Ref:
    """A ref read back from the store (valid by construction: no parsing)."""
    return Ref(_SYSTEMS[system], external_id)


def rep_name_key(name: str) -> str:
    """A rep's name as the importers write it into ``name:`` refs (spaces folded, case-free)."""
    return " ".join(name.split()).casefold()


def _fact_instant(record: Record) -> datetime | None:
    """When a record naming a contact says something happened (a deal: its creation)."""
    for name in (
        "entered_at",
        "assigned_at",
        "occurred_at",
        "decided_at",
        "joined_at",
        "created_at",
    ):
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            return value
    return None


def _earliest_by_contact(store: Store, records: Iterable[Record]) -> dict[Ref, Any]:
    """Per contact ref, the earliest aware instant of the records naming it (store form)."""
    earliest: dict[Ref, Any] = {}
    for record in records:
        ref = getattr(record, "contact", None)
        if ref is None:
            continue
        when = _fact_instant(record)
        if when is None or when.tzinfo is None or when.utcoffset() is None:
            continue
        try:
            when = store.db_instant(when)
        except OverflowError:  # out of range in UTC: the record's own check names it
            continue
        if ref not in earliest or when < earliest[ref]:
            earliest[ref] = when
    return earliest


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: records hold no cycles, and with millions of live
    objects its full passes cost a quarter of an import's time (measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


# Called inside store_records' transaction with the ids of the contacts the call touched (the
# watch keeps their SLA obligations current in the same transaction). Register with on_stored().
_stored_callbacks: list[Callable[[frozenset[int]], None]] = []


def on_stored(callback: Callable[[frozenset[int]], None]) -> None:
    """Call ``callback(contact_ids)`` inside every store_records() transaction, once registered."""
    if callback not in _stored_callbacks:
        _stored_callbacks.append(callback)


def store_records(
    records: Iterable[Record],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    create_missing_contacts: bool = False,
    received_at: datetime | None = None,
) -> StoreReport:
    """Store canonical records in one transaction; see the module docstring for the semantics.

    ``on_progress`` gets the number of records handled so far after each batch.
    ``received_at`` stamps new event ids (default: now). Raises ``StoreInputError`` naming every
    record it cannot take; nothing is stored then.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with _no_cyclic_gc(), transaction.atomic():
        store = Store()
        store.lock()
        store.check_references_at_once(True)
        try:
            session = _Session(
                store=store,
                create_missing_contacts=create_missing_contacts,
                received_at=received_at or timezone.now(),
                touched_ids=set() if _stored_callbacks else None,
            )
            done = 0
            for chunk in _chunks(records, batch_size):
                session.store_chunk(chunk)
                done += len(chunk)
                if on_progress is not None:
                    on_progress(done)
            session.finish()
        finally:
            # Back to Django's default (deferred) for the rest of the caller's transaction;
            # after a database error the transaction is aborted and rolls back anyway.
            with suppress(DatabaseError):
                store.check_references_at_once(False)
        if session.touched_ids:
            ids = frozenset(session.touched_ids)
            for callback in _stored_callbacks:
                callback(ids)
        return session.report()


# -- duplicates and merges ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DuplicateContact:
    id: int
    email: str
    name: str
    created_at: datetime
    identities: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Active contacts sharing a normalised email: candidates for ``merge_contacts``."""

    normalised_email: str
    contacts: tuple[DuplicateContact, ...]


def find_duplicates() -> list[DuplicateGroup]:
    """Groups of active (not merged) contacts with the same normalised email, oldest first.

    Storing records merges a new id into a contact with its email at once; these groups arise
    when an email changes later, or a contact was a placeholder: a person decides.
    """
    active = models.Contact.objects.filter(merged_into__isnull=True).exclude(normalised_email="")
    shared = (
        active.values("normalised_email")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("normalised_email", flat=True)
    )
    contacts = list(
        active.filter(normalised_email__in=list(shared))
        .order_by("normalised_email", "created_at", "id")
        .prefetch_related("identities")
    )
    groups: dict[str, list[DuplicateContact]] = {}
    for contact in contacts:
        groups.setdefault(contact.normalised_email, []).append(
            DuplicateContact(
                id=contact.id,
                email=contact.email,
                name=f"{contact.first_name} {contact.last_name}".strip(),
                created_at=contact.created_at,
                identities=tuple(sorted(Ref.parse(str(i)) for i in contact.identities.all())),
            )
        )
    return [DuplicateGroup(email, tuple(members)) for email, members in groups.items()]


@dataclass(frozen=True, slots=True)
class MergeReport:
    keep: int
    drop: int
    moved: tuple[tuple[str, int], ...]  # table, rows moved to the kept contact
    duplicates_removed: int  # facts the kept contact already had


# Per table: the contact column and the other columns of its unique key (none: no key).
_CONTACT_TABLES: tuple[tuple[type[Any], tuple[str, ...] | None], ...] = (
    (models.ContactIdentity, None),
    (models.StageChange, ("stage", "entered_at")),
    (models.OwnerChange, ("owner_id", "assigned_at")),
    (models.Touch, None),
    (models.Deal, None),
    (models.CampaignMember, ("campaign_id",)),
    (models.HandoffDecision, ("decision", "decided_at")),
)


def merge_contacts(keep: int, drop: int) -> MergeReport:
    """Merge contact ``drop`` into ``keep``: every identity, touch, stage change, deal and
    decision moves to ``keep`` (a fact ``keep`` already has is not doubled); ``keep``'s fields
    stay, its ``created_at`` becomes the earlier of the two; ``drop`` remains as a tombstone
    with ``merged_into = keep``. One transaction."""
    if keep == drop:
        raise MergeError(f"cannot merge contact {keep} into itself")
    with transaction.atomic():
        store = Store()
        store.lock()
        found = {
            c.id: c for c in models.Contact.objects.select_for_update().filter(id__in=[keep, drop])
        }
        for contact_id in (keep, drop):
            if contact_id not in found:
                raise MergeError(f"contact {contact_id} does not exist")
            if found[contact_id].merged_into_id is not None:
                raise MergeError(
                    f"contact {contact_id} was already merged into "
                    f"contact {found[contact_id].merged_into_id}"
                )
        moved: list[tuple[str, int]] = []
        removed = 0
        for model, key in _CONTACT_TABLES:
            table = model._meta.db_table
            with store.connection.cursor() as cursor:
                if key:
                    same = " AND ".join(f"k.{column} = d.{column}" for column in key)
                    cursor.execute(
                        f"DELETE FROM {table} WHERE contact_id = %s AND id IN ("
                        f"SELECT d.id FROM {table} d JOIN {table} k ON {same} "
                        "WHERE d.contact_id = %s AND k.contact_id = %s)",
                        [drop, drop, keep],
                    )
                    removed += max(cursor.rowcount, 0)
                cursor.execute(
                    f"UPDATE {table} SET contact_id = %s WHERE contact_id = %s", [keep, drop]
                )
                moved.append((table, max(cursor.rowcount, 0)))
        kept, dropped = found[keep], found[drop]
        if dropped.created_at < kept.created_at:
            kept.created_at = dropped.created_at
            kept.save(update_fields=["created_at"])
        models.Contact.objects.filter(merged_into_id=drop).update(merged_into_id=keep)
        dropped.merged_into_id = keep
        dropped.save(update_fields=["merged_into"])
        return MergeReport(keep=keep, drop=drop, moved=tuple(moved), duplicates_removed=removed)
