"""The store's tables fed to the analytics engine in Arrow batches, kept current incrementally.

Reads through Django's database connection (SQLite or PostgreSQL; no DuckDB extension, nothing
downloaded at run time), so it sees what the caller's transaction sees. On PostgreSQL each read
is one `COPY (SELECT ...) TO STDOUT` in CSV parsed by Arrow's CSV reader (no Python object per
row; instants as epoch microseconds); on SQLite, `batch_rows` rows at a time through the cursor.
The first `refresh()` reads everything; later ones read only:

- rows with an id above the table's id watermark (stage changes, owner changes, touches and
  hand-off decisions are append-only in the store);
- contacts with a newer id or an `updated_at` after the last one seen (they replace the
  earlier row of the same contact);
- deals and reps in full: a deal changes in place when it closes, and both are small.

A merge (child rows moved in place) or a deletion (erasure) cannot be seen by watermarks: each
refresh compares the contacts' row and tombstone counts with what it has read, and reads
everything again when they differ.

Each refresh also records what changed (`last_change`: the rows appended, the contacts
replaced, the new deals and reps, the version it applies to), which
`AnalyticsEngine.refresh(data, change)` uses to update its tables and facts in place: only the
contacts touched since the last refresh are recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from funnelpact.analytics.sources import (
    DEALS,
    REPS,
    STORE_TABLES,
    AnalyticsData,
    from_arrow,
    store_rows_to_canonical,
)

APPEND_ONLY: Final = ("stage_changes", "owner_changes", "touches", "decisions")
REREAD: Final = (DEALS, REPS)
BATCH_ROWS: Final = 50_000
_INSTANT_COLUMNS: Final = frozenset(
    {"created_at", "entered_at", "assigned_at", "occurred_at", "decided_at", "closed_at"}
    | {"updated_at"}
)
_BOOLEAN_COLUMNS: Final = frozenset({"automated", "won"})
_FLOAT_COLUMNS: Final = frozenset({"amount"})


def _is_integer_column(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite text
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise TypeError(f"not an instant: {value!r}")


def _arrow_column(values: list[Any]) -> pa.Array:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, datetime) or (
        isinstance(sample, str) and len(sample) >= 19 and sample[4] == "-" and sample[10] in " T"
    ):
        try:
            return pa.array([_instant(v) for v in values], pa.timestamp("us", tz="UTC"))
        except (TypeError, ValueError):
            pass
    if isinstance(sample, Decimal):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array(values)


@dataclass(frozen=True)
class FeedChange:
    """What one refresh read, relative to the data version `base` (canonical Arrow tables).

    `full`: everything was read (first refresh, or a merge/deletion was seen): there is no
    delta to apply. Else `appended` holds the new rows of the append-only tables, `contacts`
    the new and updated contact rows (replacing earlier rows of the same `contact_id`),
    `removed` contacts that left (merged away), and `deals`/`reps` the full small tables."""

    base: str
    version: str
    full: bool
    appended: dict[str, pa.Table] = field(default_factory=dict)
    contacts: pa.Table | None = None
    removed: frozenset[str] = frozenset()
    deals: pa.Table | None = None
    reps: pa.Table | None = None

    def touched(self) -> set[str]:
        """Contacts whose rows changed (their deals' changes are found by the engine)."""
        ids: set[str] = set(self.removed)
        for table in [*self.appended.values(), self.contacts]:
            if table is not None and table.num_rows:
                ids.update(v for v in pc.unique(table.column("contact_id")).to_pylist() if v)
        return ids


@dataclass
class StoreFeed:
    """Incremental reader of the store (Django's default connection unless one is given)."""

    connection: Any = None
    batch_rows: int = BATCH_ROWS
    _tables: dict[str, pa.Table] = field(default_factory=dict)
    _last_id: dict[str, int] = field(default_factory=dict)
    _last_updated: datetime | None = None
    _counts: tuple[int, int] | None = None  # contact rows, tombstones (merged) read so far
    _version_now: str = ""
    last_read: dict[str, int] = field(default_factory=dict)  # rows read by the last refresh
    last_change: FeedChange | None = None

    def _connection(self) -> Any:
        if self.connection is None:
            from django.db import connection

            return connection
        return self.connection

    def _batches(self, sql: str, params: list[Any], columns: list[str]) -> Iterator[pa.Table]:
        with self._connection().cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(self.batch_rows):
                arrays = [_arrow_column([row[i] for row in rows]) for i in range(len(columns))]
                yield pa.Table.from_arrays(arrays, names=columns)

    def _copy(self, table: str, columns: list[str], where: str) -> pa.Table:
        """PostgreSQL: one COPY of the rows as CSV, parsed by Arrow (instants as epoch µs)."""
        select = ", ".join(
            f"(EXTRACT(EPOCH FROM {name}) * 1000000)::bigint AS {name}"
            if name in _INSTANT_COLUMNS
            else name
            for name in columns
        )
        sql = f"COPY (SELECT {select} FROM {table} {where} ORDER BY id) TO STDOUT (FORMAT csv)"
        buffer = io.BytesIO()
        with self._connection().cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in copy:
                buffer.write(chunk)
        types: dict[str, pa.DataType] = {}
        for name in columns:
            if name in _INSTANT_COLUMNS or _is_integer_column(name):
                types[name] = pa.int64()
            elif name in _BOOLEAN_COLUMNS:
                types[name] = pa.bool_()
            elif name in _FLOAT_COLUMNS:
                types[name] = pa.float64()
            else:
                types[name] = pa.string()
        if buffer.tell() == 0:
            return pa.schema([(n, types[n]) for n in columns]).empty_table()
        buffer.seek(0)
        raw = pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=columns, block_size=1 << 24),
            convert_options=pa_csv.ConvertOptions(
                column_types=types,
                true_values=["t"],
                false_values=["f"],
                strings_can_be_null=True,  # NULL is an unquoted empty field,
                quoted_strings_can_be_null=False,  # "" an empty text
            ),
        )
        arrays = [
            pc.cast(raw.column(n), pa.timestamp("us", tz="UTC"))
            if n in _INSTANT_COLUMNS
            else raw.column(n)
            for n in columns
        ]
        return pa.table(arrays, names=columns)

    def _where(self, where: str, params: list[Any]) -> str:
        """The WHERE clause with its values written in (ints and instants we produced)."""
        parts = where.split("%s")
        text = parts[0]
        for value, rest in zip(params, parts[1:], strict=True):
            if isinstance(value, datetime):
                text += f"'{value.astimezone(UTC).isoformat()}'::timestamptz"
            else:
                text += str(int(value))
            text += rest
        return text

    def _read(self, name: str, where: str = "", params: list[Any] | None = None) -> pa.Table:
        table, mapping = STORE_TABLES[name]
        columns = sorted({"id", *mapping.values()})
        if name == "contacts":
            columns += ["merged_into_id", "updated_at"]
        if self._connection().vendor == "postgresql":
            result = self._copy(table, columns, self._where(where, params or []))
            self.last_read[name] = result.num_rows
            return result
        select = ", ".join(columns)
        sql = f"SELECT {select} FROM {table} {where} ORDER BY id"
        batches = list(self._batches(sql, params or [], columns))
        self.last_read[name] = sum(batch.num_rows for batch in batches)
        if not batches:
            return pa.table({column: pa.array([], pa.null()) for column in columns})
        return pa.concat_tables(batches, promote_options="permissive")

    def _canonical(self, name: str, raw: pa.Table) -> pa.Table:
        origin = f"store table {STORE_TABLES[name][0]}"
        return from_arrow({name: store_rows_to_canonical(name, raw, origin)}, origin).tables[name]

    def _empty(self, name: str) -> pa.Table:
        return from_arrow({}, "store").tables[name]

    def _append(self, name: str, new: pa.Table) -> pa.Table | None:
        if new.num_rows == 0 and name in self._tables:
            return None
        canonical = self._canonical(name, new) if new.num_rows else self._empty(name)
        earlier = self._tables.get(name)
        self._tables[name] = (
            canonical if earlier is None else pa.concat_tables([earlier, canonical])
        )
        return canonical if canonical.num_rows else None

    def _store_counts(self, up_to: int) -> tuple[int, int]:
        """Contact rows and tombstones with an id up to `up_to` (what has been read)."""
        with self._connection().cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), COUNT(merged_into_id) FROM tracking_contact WHERE id <= %s",
                [up_to],
            )
            rows, merged = cursor.fetchone()
        return int(rows), int(merged)

    def reset(self) -> None:
        """Forget what was read: the next refresh reads everything."""
        self._tables = {}
        self._last_id = {}
        self._last_updated = None
        self._counts = None

    def refresh(self) -> AnalyticsData:
        """Read what changed since the last refresh; the data with its version."""
        self.last_read = {}
        base = self._version_now
        if self._counts is not None:
            now = self._store_counts(self._last_id.get("contacts", 0))
            if now != self._counts:
                # A merge or a deletion (or a row committed late under the watermark): ids
                # cannot tell what moved, so everything is read again.
                self.reset()
        full = not self._tables
        appended: dict[str, pa.Table] = {}
        for name in APPEND_ONLY:
            last = self._last_id.get(name, 0)
            raw = self._read(name, "WHERE id > %s", [last])
            if raw.num_rows:
                self._last_id[name] = int(pc.max(raw.column("id")).as_py())
            new = self._append(name, raw)
            if new is not None:
                appended[name] = new
        contacts, removed = self._refresh_contacts()
        for name in REREAD:
            raw = self._read(name)
            self._tables[name] = self._canonical(name, raw) if raw.num_rows else self._empty(name)
        self._counts = self._store_counts(self._last_id.get("contacts", 0))
        version = self._version()
        self._version_now = version
        self.last_change = FeedChange(
            base=base,
            version=version,
            full=full,
            appended=appended,
            contacts=contacts,
            removed=removed,
            deals=self._tables[DEALS],
            reps=self._tables[REPS],
        )
        return AnalyticsData(dict(self._tables), version)

    def _refresh_contacts(self) -> tuple[pa.Table | None, frozenset[str]]:
        name = "contacts"
        last_id = self._last_id.get(name, 0)
        if self._last_updated is None:
            raw = self._read(name, "WHERE id > %s", [last_id])
        else:
            updated = self._last_updated.isoformat(" ")
            vendor = self._connection().vendor
            since: Any = self._last_updated if vendor == "postgresql" else updated[:-6]
            raw = self._read(name, "WHERE id > %s OR updated_at > %s", [last_id, since])
        removed: frozenset[str] = frozenset()
        if raw.num_rows:
            self._last_id[name] = max(last_id, int(pc.max(raw.column("id")).as_py()))
            stamps = raw.column("updated_at")
            if pa.types.is_timestamp(stamps.type) and stamps.null_count < len(stamps):
                latest = pc.max(stamps).as_py()
                if self._last_updated is None or latest > self._last_updated:
                    self._last_updated = latest
            merged = raw.column("merged_into_id")
            if merged.null_count < len(merged):
                gone = raw.filter(pc.is_valid(merged)).column("id")
                removed = frozenset(str(v) for v in gone.to_pylist())
        if self._last_updated is None:
            self._last_updated = datetime(1970, 1, 1, tzinfo=UTC)
        if not raw.num_rows and name in self._tables:
            return None, removed
        fresh = self._canonical(name, raw) if raw.num_rows else self._empty(name)
        earlier = self._tables.get(name)
        if earlier is not None and (fresh.num_rows or removed):
            leaving = pa.concat_arrays(
                [
                    pc.cast(fresh.column("contact_id").combine_chunks(), pa.string()),
                    pa.array(sorted(removed), pa.string()),
                ]
            )
            replaced = pc.is_in(earlier.column("contact_id"), value_set=leaving)
            earlier = earlier.filter(pc.invert(replaced))
            self._tables[name] = pa.concat_tables([earlier, fresh])
        else:
            self._tables[name] = fresh
        return (fresh if fresh.num_rows else None), removed

    def _version(self) -> str:
        deals = self._tables[DEALS]
        won = pc.sum(pc.cast(pc.fill_null(deals.column("won"), False), pa.int64())).as_py()
        closed = deals.num_rows - deals.column("closed_at").null_count
        parts = {
            "ids": self._last_id,
            "updated": str(self._last_updated),
            "counts": self._counts,
            "deals": [deals.num_rows, closed, won, pc.sum(deals.column("amount")).as_py()],
            "reps": sorted(
                map(str, self._tables[REPS].select(["rep_id", "name", "team"]).to_pylist())
            ),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]
