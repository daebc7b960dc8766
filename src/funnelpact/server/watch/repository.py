"""Reads the watch needs from the store: timelines of many contacts in a few queries.

The evaluator wants domain values (`funnelpact.domain.compliance.Timeline`); the store keeps
rows. A contact's records carry one synthetic ref (``web:<contact id>``) so the evaluator's
"same contact" check holds whatever identities the person has; owners keep their real refs
(the evaluator breaks ties between simultaneous owner changes on them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from typing import Any

from funnelpact.domain.compliance import Timeline
from funnelpact.domain.records import (
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Ref,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.repository import Store
from funnelpact.server.watch import models as watch_models

# SQLite allows 999 parameters per statement in old builds: stay well below.
IN_BATCH = 500


def contact_ref(contact_id: int) -> Ref:
    return Ref(System.WEB, str(contact_id))


def contact_id_of(ref: Ref) -> int:
    return int(ref.external_id)


def batched(values: Sequence[int], size: int = IN_BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True, slots=True)
class Timelines:
    """Timelines by contact id, the reps they name (ref -> rep id) and each contact's activity."""

    by_contact: dict[int, Timeline]
    rep_ids: dict[Ref, int]
    # Contact activity (visits, forms, downloads): (instant, touch id, type) per contact.
    activity: dict[int, list[tuple[datetime, int, str]]]


ACTIVITY_TYPES = (
    TouchType.PAGE_VIEW.value,
    TouchType.FORM_SUBMISSION.value,
    TouchType.CONTENT_DOWNLOAD.value,
)


def _table(model: type[Any]) -> str:
    return str(model._meta.db_table)


def execute_for_ids(
    db: Store, sql: str, column: str, ids: Sequence[int], params: Sequence[Any] = ()
) -> None:
    """Run ``sql``, its ``{ids}`` replaced by ``column`` in ``ids`` (one parameter, first:
    the other ``params`` follow), in one statement whatever the number of ids
    (``Store.in_list``: a ``bigint[]`` on PostgreSQL)."""
    condition, values = db.in_list(column, list(ids))
    db.execute(sql.format(ids=condition), [*values, *params])


def load_timelines(contact_ids: Iterable[int]) -> Timelines:
    """Every given contact's timeline (contacts that do not exist are left out).

    Raw statements through the store's connection (one per table, the ids as one parameter):
    this runs after every ingested event, where the ORM's query building would cost more than
    the reads themselves.
    """
    ids = sorted(set(contact_ids))
    db = Store()
    instant = db.instant_value
    owners: dict[int, int | None] = {}
    stages: dict[int, list[StageChange]] = defaultdict(list)
    owner_changes: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    touches: dict[int, list[tuple[int, str, datetime, str, int | None, bool]]] = defaultdict(list)
    decisions: dict[int, list[HandoffDecision]] = defaultdict(list)
    activity: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    refs: dict[int, Ref] = {}
    for cid, owner_id in db.select_in(_table(store.Contact), ["id", "owner_id"], "id", ids):
        owners[cid] = owner_id
        refs[cid] = contact_ref(cid)
    contact_ref_of = refs.get
    for cid, stage, entered_at in db.select_in(
        _table(store.StageChange), ["contact_id", "stage", "entered_at"], "contact_id", ids
    ):
        stages[cid].append(
            StageChange(contact_ref_of(cid) or contact_ref(cid), stage, instant(entered_at))
        )
    for cid, rep_id, assigned_at in db.select_in(
        _table(store.OwnerChange), ["contact_id", "owner_id", "assigned_at"], "contact_id", ids
    ):
        owner_changes[cid].append((rep_id, instant(assigned_at)))
    touch_columns = ["contact_id", "id", "type", "occurred_at", "direction", "rep_id", "automated"]
    for row in db.select_in(_table(store.Touch), touch_columns, "contact_id", ids):
        cid, touch_id, kind, occurred_at, direction, rep_id, automated = row
        at = instant(occurred_at)
        touches[cid].append((touch_id, kind, at, direction, rep_id, bool(automated)))
        if kind in ACTIVITY_TYPES:
            activity[cid].append((at, touch_id, kind))
    decision_columns = ["contact_id", "decision", "decided_at", "reason"]
    for cid, decision, decided_at, reason in db.select_in(
        _table(store.HandoffDecision), decision_columns, "contact_id", ids
    ):
        decisions[cid].append(
            HandoffDecision(
                contact_ref_of(cid) or contact_ref(cid),
                Decision(decision),
                instant(decided_at),
                reason=reason,
            )
        )
    wanted_reps = {rep for rep in owners.values() if rep is not None}
    wanted_reps.update(rep for rows in owner_changes.values() for rep, _ in rows)
    wanted_reps.update(row[4] for rows in touches.values() for row in rows if row[4] is not None)
    rep_refs: dict[int, Ref] = {
        rep_id: Ref(System(system), external_id)
        for rep_id, system, external_id in db.select_in(
            _table(store.Rep), ["id", "system", "external_id"], "id", sorted(wanted_reps)
        )
    }
    by_contact: dict[int, Timeline] = {}
    for cid, owner_id in owners.items():
        ref = refs[cid]
        by_contact[cid] = Timeline(
            contact=ref,
            owner=rep_refs.get(owner_id) if owner_id is not None else None,
            stage_changes=tuple(stages.get(cid, ())),
            owner_changes=tuple(
                OwnerChange(ref, rep_refs[rep_id], at) for rep_id, at in owner_changes.get(cid, ())
            ),
            touches=tuple(
                Touch(
                    ref=Ref(System.WEB, f"touch-{touch_id}"),
                    contact=ref,
                    type=TouchType(kind),
                    occurred_at=at,
                    direction=Direction(direction),
                    rep=rep_refs.get(rep_id) if rep_id is not None else None,
                    automated=automated,
                )
                for touch_id, kind, at, direction, rep_id, automated in touches.get(cid, ())
            ),
            decisions=tuple(decisions.get(cid, ())),
        )
    return Timelines(
        by_contact=by_contact,
        rep_ids={ref: rep_id for rep_id, ref in rep_refs.items()},
        activity=dict(activity),
    )


def find_contact(key: str) -> int | None:
    """A contact id from what a user types: ``hubspot:123`` (any system's id) or the store id."""
    text = key.strip()
    # isdigit() alone admits '¹' and other digits int() refuses; 18 digits fit a bigint.
    if text.isascii() and text.isdigit() and len(text) <= 18:
        found = store.Contact.objects.filter(pk=int(text)).values_list("pk", flat=True).first()
        return int(found) if found is not None else None
    try:
        ref = Ref.parse(text)
    except ValueError:
        return None
    found = (
        store.ContactIdentity.objects.filter(system=ref.system.value, external_id=ref.external_id)
        .values_list("contact_id", flat=True)
        .first()
    )
    return int(found) if found is not None else None


def identity_of(contact_id: int) -> Ref:
    """The ref the contact's records go to the store under (its own fields' source first)."""
    contact = store.Contact.objects.only("fields_from").get(pk=contact_id)
    if contact.fields_from:
        try:
            return Ref.parse(contact.fields_from)
        except ValueError:
            pass
    identity = store.ContactIdentity.objects.filter(contact_id=contact_id).order_by("pk").first()
    if identity is None:
        return contact_ref(contact_id)
    return Ref(System(identity.system), identity.external_id)


# -- the watch's own rows, read and written raw -------------------------------------------------
#
# A full re-evaluation (an agreement change, a large import) reads and writes tens of thousands of
# obligation rows in one tick; building and saving ORM objects cost several times the reads and
# writes themselves. Rows cross here as tuples in the backend's stored form.


def aware(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite: text or naive UTC; PostgreSQL: aware)."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return value  # type: ignore[no-any-return]


def instant_columns(db: Store, columns: Sequence[str], instants: frozenset[str]) -> list[str]:
    """Select expressions for ``columns``: on SQLite the instants as their stored text (Django's
    converter would parse every one with a regular expression), elsewhere as they are."""
    if db.postgres:
        return list(columns)
    return [f"CAST({name} AS TEXT)" if name in instants else name for name in columns]


def epoch_column(db: Store, name: str) -> str:
    """A select expression for a stored instant as whole epoch seconds (NULL stays NULL)."""
    if db.postgres:
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {name})) AS BIGINT)"
    return f"CAST(strftime('%%s', {name}) AS INTEGER)"


_EPOCH_DATE = date(1970, 1, 1)
_SECONDS_PER_DAY = 86_400


def instant_forms(db: Store, seconds: Iterable[int | None]) -> dict[int | None, Any]:
    """Epoch seconds -> the backend's stored form of that instant, as ``Store.db_instant``
    gives it, for every distinct value given (None maps to None): rows are then built with
    one dict lookup per instant.

    On SQLite that is Django's UTC text, ``YYYY-MM-DD HH:MM:SS`` for a whole second, built
    from the date (once per day) and the time of day without a datetime: a first evaluation
    of 10,000 leads writes about 130,000 distinct instants.
    """
    distinct = {at for at in seconds if at is not None}
    forms: dict[int | None, Any] = {None: None}
    if db.postgres:
        for value in distinct:
            forms[value] = datetime.fromtimestamp(value, UTC)
        return forms
    days: dict[int, str] = {}
    for value in distinct:
        day, second = divmod(value, _SECONDS_PER_DAY)
        prefix = days.get(day)
        if prefix is None:
            prefix = days[day] = f"{(_EPOCH_DATE + timedelta(days=day)).isoformat()} "
        hour, rest = divmod(second, 3600)
        minute, second = divmod(rest, 60)
        forms[value] = f"{prefix}{hour:02d}:{minute:02d}:{second:02d}"
    return forms


@dataclass(slots=True)
class ObligationRow:
    """One stored obligation, as much as alerts and escalations read (instants aware)."""

    id: int
    contact_id: int
    cycle: int
    name: str
    status: str
    due_at: datetime
    at_risk_at: datetime
    owner_id: int | None
    breached_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def pk(self) -> int:
        return self.id


OBLIGATION_TABLE = str(watch_models.Obligation._meta.db_table)
# What a re-evaluation compares (every column but the key, the id and evaluated_at).
OBLIGATION_VALUES = (
    "kind",
    "status",
    "handoff_at",
    "due_at",
    "at_risk_at",
    "met_at",
    "breached_at",
    "resolved_at",
    "not_applicable_at",
    "business_seconds",
    "owner_id",
    "reason",
)
OBLIGATION_INSTANTS = frozenset(
    {
        "handoff_at",
        "due_at",
        "at_risk_at",
        "met_at",
        "breached_at",
        "resolved_at",
        "not_applicable_at",
        "evaluated_at",
        "next_check_at",
        "activity_seen_at",
    }
)


def read_obligations(
    db: Store, contact_ids: Sequence[int]
) -> dict[tuple[int, int, str], tuple[int, tuple[Any, ...]]]:
    """Stored obligations of the contacts: (contact, cycle, name) -> (id, values), the values
    in ``OBLIGATION_VALUES`` order with the instants as whole epoch seconds (the evaluator's
    form: a re-evaluation compares integers and converts only the rows it writes)."""
    columns = [
        "id",
        "contact_id",
        "cycle",
        "name",
        *(
            epoch_column(db, name) if name in OBLIGATION_INSTANTS else name
            for name in OBLIGATION_VALUES
        ),
    ]
    found: dict[tuple[int, int, str], tuple[int, tuple[Any, ...]]] = {}
    for row in db.select_in(OBLIGATION_TABLE, columns, "contact_id", contact_ids):
        found[(row[1], row[2], row[3])] = (row[0], row[4:])
    return found


# The columns an obligation row is written with (the id first, evaluated_at last).
OBLIGATION_COLUMNS = ("id", "contact_id", "cycle", "name", *OBLIGATION_VALUES, "evaluated_at")
# The evaluator's instants among them (written from epoch seconds; evaluated_at is `now`).
_EVALUATED_INSTANTS = frozenset(OBLIGATION_INSTANTS & set(OBLIGATION_VALUES))
_FIRST_VALUE = OBLIGATION_COLUMNS.index(OBLIGATION_VALUES[0])


def _from_seconds(column: str) -> str:
    """The placeholder of a column: on SQLite an evaluator's instant (epoch seconds) becomes
    Django's stored text in the statement (``datetime(s, 'unixepoch')``: ``YYYY-MM-DD
    HH:MM:SS``, what ``Store.db_instant`` gives for a whole second)."""
    return "datetime(%s, 'unixepoch')" if column in _EVALUATED_INSTANTS else "%s"


def _with_instant_forms(db: Store, rows: Sequence[tuple[Any, ...]], first: int) -> list[Any]:
    """PostgreSQL: the rows with their evaluator instants (``OBLIGATION_VALUES`` starting at
    position ``first``) as datetimes, each distinct second converted once."""
    positions = [
        first + i for i, name in enumerate(OBLIGATION_VALUES) if name in OBLIGATION_INSTANTS
    ]
    form = instant_forms(db, (row[p] for row in rows for p in positions)).__getitem__
    converted = []
    for row in rows:
        values = list(row)
        for p in positions:
            values[p] = form(values[p])
        converted.append(tuple(values))
    return converted


def insert_obligations(db: Store, rows: Sequence[tuple[Any, ...]]) -> None:
    """New obligation rows in ``OBLIGATION_COLUMNS`` order, the evaluator's instants as epoch
    seconds and ``evaluated_at`` in the stored form: one bulk statement (COPY on PostgreSQL)."""
    if not rows:
        return
    if db.postgres:
        db.insert(OBLIGATION_TABLE, OBLIGATION_COLUMNS, _with_instant_forms(db, rows, _FIRST_VALUE))
        return
    names = ", ".join(OBLIGATION_COLUMNS)
    group = "(" + ", ".join(_from_seconds(name) for name in OBLIGATION_COLUMNS) + ")"
    with db.connection.cursor() as cursor:
        for size, chunks in _row_groups(rows, SQLITE_ROWS_PER_INSERT):
            values = ", ".join([group] * size)
            cursor.executemany(f"INSERT INTO {OBLIGATION_TABLE} ({names}) VALUES {values}", chunks)


# SQLite: rows per multi-row INSERT (x 17 columns: 8,500 parameters, under SQLite's 32,766).
# One statement per row cost about 8 us a row, one per 500 rows about 4.5 (50,000 rows of a
# first evaluation: ~0.40 s -> ~0.23 s of CPU): each statement execution has its own
# overhead (the AUTOINCREMENT counter's update in sqlite_sequence at every statement's end,
# the deferred foreign-key bookkeeping, the reset and the bind).
SQLITE_ROWS_PER_INSERT = 500


def _row_groups(
    rows: Sequence[tuple[Any, ...]], size: int
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """``rows`` as the parameters of multi-row statements: (rows per statement, each
    statement's flattened parameters), ``size`` rows per statement then one for the rest."""
    whole = len(rows) - len(rows) % size
    if whole:
        yield size, [tuple(chain.from_iterable(rows[i : i + size])) for i in range(0, whole, size)]
    if whole < len(rows):
        yield len(rows) - whole, [tuple(chain.from_iterable(rows[whole:]))]


# PostgreSQL's binary COPY types of ``OBLIGATION_COLUMNS`` but the id.
_STREAM_TYPES = (
    "int8",  # contact_id
    "int4",  # cycle
    "text",  # name
    "text",  # kind
    "text",  # status
    *["timestamptz"] * 7,  # handoff_at .. not_applicable_at
    "int8",  # business_seconds
    "int8",  # owner_id
    "text",  # reason
    "timestamptz",  # evaluated_at
)
_VALUE_INSTANTS = tuple(
    3 + i for i, name in enumerate(OBLIGATION_VALUES) if name in OBLIGATION_INSTANTS
)


class ObligationStream:
    """PostgreSQL: new obligation rows sent by one binary COPY (server-numbered ids) while the
    batch is still being evaluated: the COPY opens at the first new row and stays open through
    the evaluation loop (which reads nothing from the store), so the server inserts the rows
    and maintains the table's indexes on its own core as the client evaluates the next leads,
    instead of after it. Use as a context manager around that loop; ``add`` takes a row's key
    and values (``OBLIGATION_VALUES`` order, instants as epoch seconds)."""

    def __init__(self, db: Store, evaluated_at: Any) -> None:
        self.db = db
        self.evaluated_at = evaluated_at
        self.stack = ExitStack()
        self.copy: Any = None
        self.forms: dict[int, datetime] = {}

    def __enter__(self) -> ObligationStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.__exit__(*exc)  # type: ignore[arg-type]

    def add(self, key: tuple[int, int, str], values: tuple[Any, ...]) -> None:
        copy = self.copy
        if copy is None:
            copy = self._open()
        row = [*key, *values, self.evaluated_at]
        forms = self.forms
        for position in _VALUE_INSTANTS:
            seconds = row[position]
            if seconds is not None:
                form = forms.get(seconds)
                if form is None:
                    form = forms[seconds] = datetime.fromtimestamp(seconds, UTC)
                row[position] = form
        copy.write_row(row)

    def _open(self) -> Any:
        names = ", ".join(OBLIGATION_COLUMNS[1:])
        cursor = self.stack.enter_context(self.db.connection.cursor())
        copy = self.stack.enter_context(
            cursor.cursor.copy(f"COPY {OBLIGATION_TABLE} ({names}) FROM STDIN (FORMAT BINARY)")
        )
        copy.set_types(_STREAM_TYPES)
        self.copy = copy
        return copy


def obligation_ids(
    db: Store, keys: Iterable[tuple[int, int, str]]
) -> dict[tuple[int, int, str], int]:
    """The ids of the stored obligations with these (contact, cycle, name) keys."""
    wanted = set(keys)
    contacts = sorted({cid for cid, _, _ in wanted})
    columns = ["id", "contact_id", "cycle", "name"]
    return {
        (cid, cycle, name): row_id
        for row_id, cid, cycle, name in db.select_in(
            OBLIGATION_TABLE, columns, "contact_id", contacts
        )
        if (cid, cycle, name) in wanted
    }


def update_obligations(db: Store, rows: Sequence[tuple[Any, ...]]) -> None:
    """Changed obligation rows: ``OBLIGATION_VALUES`` (instants as epoch seconds), then
    ``evaluated_at`` (stored form), then the id."""
    if not rows:
        return
    columns = [*OBLIGATION_VALUES, "evaluated_at"]
    if db.postgres:
        db.update(OBLIGATION_TABLE, columns, _with_instant_forms(db, rows, 0))
        return
    assignments = ", ".join(f"{name} = {_from_seconds(name)}" for name in columns)
    with db.connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {OBLIGATION_TABLE} SET {assignments} WHERE id = %s", rows)


WATCHED_TABLE = str(watch_models.WatchedLead._meta.db_table)


def read_watched(
    db: Store, contact_ids: Sequence[int]
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Watched leads: contact id -> (next_check_at, activity_seen_at), aware."""
    columns = instant_columns(
        db, ["contact_id", "next_check_at", "activity_seen_at"], OBLIGATION_INSTANTS
    )
    return {
        cid: (aware(next_check), aware(seen))
        for cid, next_check, seen in db.select_in(WATCHED_TABLE, columns, "contact_id", contact_ids)
    }


def upsert_watched(db: Store, rows: Sequence[tuple[int, Any, Any, Any]]) -> None:
    """(contact id, next_check_at, evaluated_at, activity_seen_at), inserted or updated."""
    if not rows:
        return
    forms: dict[Any, Any] = {}  # a batch's rows share most instants (``now`` in each)

    def stored(value: datetime | None) -> Any:
        found = forms.get(value)
        if found is None and value is not None:
            found = forms[value] = db.db_instant(value)
        return found

    if db.postgres:
        _upsert_watched_arrays(db, [(cid, check, at, seen) for cid, check, at, seen in rows])
        return
    values = [(cid, stored(check), stored(at), stored(seen)) for cid, check, at, seen in rows]
    with db.connection.cursor() as cursor:
        # Multi-row statements, as insert_obligations (a statement per row costs its own).
        for size, chunks in _row_groups(values, SQLITE_ROWS_PER_INSERT):
            groups = ", ".join(["(%s, %s, %s, %s)"] * size)
            cursor.executemany(
                f"INSERT INTO {WATCHED_TABLE} (contact_id, next_check_at, evaluated_at, "
                f"activity_seen_at) VALUES {groups} ON CONFLICT (contact_id) DO UPDATE SET "
                "next_check_at = EXCLUDED.next_check_at, evaluated_at = EXCLUDED.evaluated_at, "
                "activity_seen_at = EXCLUDED.activity_seen_at",
                chunks,
            )


def _upsert_watched_arrays(db: Store, rows: Sequence[tuple[int, Any, Any, Any]]) -> None:
    """PostgreSQL: the watched leads' upsert as one statement over four binary arrays
    (``unnest``): an executemany of 2,000 rows runs 2,000 statements on the server (90 ms)."""
    import psycopg

    columns: list[list[Any]] = [[], [], [], []]
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    db.connection.ensure_connection()
    with psycopg.Cursor(db.connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {WATCHED_TABLE} (contact_id, next_check_at, evaluated_at, "
            "activity_seen_at) SELECT * FROM unnest(%b::bigint[], %b::timestamptz[], "
            "%b::timestamptz[], %b::timestamptz[]) ON CONFLICT (contact_id) DO UPDATE SET "
            "next_check_at = EXCLUDED.next_check_at, evaluated_at = EXCLUDED.evaluated_at, "
            "activity_seen_at = EXCLUDED.activity_seen_at",
            columns,
        )


def delete_ids(db: Store, table: str, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), IN_BATCH * 100):
        execute_for_ids(
            db, f"DELETE FROM {table} WHERE {{ids}}", "id", ids[start : start + IN_BATCH * 100]
        )
