"""The store's tables fed to the analytics engine in Arrow batches, kept current incrementally.

Reads through Django's database connection (SQLite or PostgreSQL; no DuckDB extension, nothing
downloaded at run time), `batch_rows` rows at a time, each batch turned into Arrow columns.
The first `refresh()` reads everything; later ones read only:

- rows with an id above the table's id watermark (stage changes, owner changes, touches and
  hand-off decisions are append-only in the store);
- contacts with a newer id or an `updated_at` after the last one seen (they replace the
  earlier row of the same contact);
- deals and reps in full: a deal changes in place when it closes, and both are small.

A dashboard calling `refresh()` every minute thus reads the minute's new rows, not the history.
The facts are then rebuilt by `AnalyticsEngine.load` when the data version changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

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


@dataclass
class StoreFeed:
    """Incremental reader of the store (Django's default connection unless one is given)."""

    connection: Any = None
    batch_rows: int = BATCH_ROWS
    _tables: dict[str, pa.Table] = field(default_factory=dict)
    _last_id: dict[str, int] = field(default_factory=dict)
    _last_updated: datetime | None = None
    last_read: dict[str, int] = field(default_factory=dict)  # rows read by the last refresh

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

    def _read(self, name: str, where: str = "", params: list[Any] | None = None) -> pa.Table:
        table, mapping = STORE_TABLES[name]
        columns = sorted({"id", *mapping.values()})
        if name == "contacts":
            columns += ["merged_into_id", "updated_at"]
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

    def _append(self, name: str, new: pa.Table) -> None:
        if new.num_rows == 0 and name in self._tables:
            return
        canonical = self._canonical(name, new) if new.num_rows else None
        if canonical is None:
            canonical = from_arrow({}, "store").tables[name]
        earlier = self._tables.get(name)
        self._tables[name] = (
            canonical if earlier is None else pa.concat_tables([earlier, canonical])
        )

    def refresh(self) -> AnalyticsData:
        """Read what changed since the last refresh; the data with its version."""
        self.last_read = {}
        for name in APPEND_ONLY:
            last = self._last_id.get(name, 0)
            raw = self._read(name, "WHERE id > %s", [last])
            if raw.num_rows:
                self._last_id[name] = int(pc.max(raw.column("id")).as_py())
            self._append(name, raw)
        self._refresh_contacts()
        for name in REREAD:
            raw = self._read(name)
            self._tables[name] = (
                self._canonical(name, raw) if raw.num_rows else from_arrow({}, "store").tables[name]
            )
        return AnalyticsData(dict(self._tables), self._version())

    def _refresh_contacts(self) -> None:
        name = "contacts"
        last_id = self._last_id.get(name, 0)
        if self._last_updated is None:
            raw = self._read(name, "WHERE id > %s", [last_id])
        else:
            updated = self._last_updated.isoformat(" ")
            vendor = self._connection().vendor
            since: Any = self._last_updated if vendor == "postgresql" else updated[:-6]
            raw = self._read(name, "WHERE id > %s OR updated_at > %s", [last_id, since])
        if raw.num_rows:
            self._last_id[name] = max(last_id, int(pc.max(raw.column("id")).as_py()))
            stamps = raw.column("updated_at")
            if pa.types.is_timestamp(stamps.type) and stamps.null_count < len(stamps):
                latest = pc.max(stamps).as_py()
                if self._last_updated is None or latest > self._last_updated:
                    self._last_updated = latest
        if self._last_updated is None:
            self._last_updated = datetime(1970, 1, 1, tzinfo=UTC)
        if not raw.num_rows and name in self._tables:
            return
        fresh = self._canonical(name, raw) if raw.num_rows else from_arrow({}, "s").tables[name]
        earlier = self._tables.get(name)
        if earlier is not None and fresh.num_rows:
            replaced = pc.is_in(earlier.column("contact_id"), value_set=fresh.column("contact_id"))
            earlier = earlier.filter(pc.invert(replaced))
            fresh = pa.concat_tables([earlier, fresh])
        self._tables[name] = fresh

    def _version(self) -> str:
        deals = self._tables[DEALS]
        won = pc.sum(pc.cast(pc.fill_null(deals.column("won"), False), pa.int64())).as_py()
        closed = deals.num_rows - deals.column("closed_at").null_count
        parts = {
            "ids": self._last_id,
            "updated": str(self._last_updated),
            "deals": [deals.num_rows, closed, won, pc.sum(deals.column("amount")).as_py()],
            "reps": self._tables[REPS].num_rows,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]
