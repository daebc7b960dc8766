"""The store's queries and bulk writes.

Imports write hundreds of thousands of rows: this module speaks SQL through Django's connection
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) instead of saving ORM objects one by one.
Values cross it in the form the backend stores, which is also the form the service compares:
instants as Django writes them (SQLite: text "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, which sorts
like time; PostgreSQL: aware UTC ``datetime``) and money as ``Decimal`` with four places, so that
the service can tell an unchanged row from a changed one without converting every value twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.apps import apps
from django.db import connection as default_connection
from django.db import connections, models

from funnelpact.server.tracking.models import MONEY_PLACES

MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
# From this many rows on, PostgreSQL inserts use binary COPY. Measured with 500-row batches of
# touches (the live API's size), per batch: executemany 14 ms client CPU + 30 ms server CPU,
# one INSERT ... unnest(arrays) 2.6 + 4.0 ms, binary COPY 1.1 + 3.5 ms (docs/benchmarks.md).
COPY_THRESHOLD = 2
# One IN-list per query at most this long: a bound on statement size for very large imports.
LOOKUP_CHUNK = 50_000
# Any constant: serialises store writers on PostgreSQL (SQLite has BEGIN IMMEDIATE for that).
STORE_LOCK_KEY = 0x46554E4E  # "FUNN"

Row = tuple[Any, ...]


def as_utc(value: datetime) -> datetime:
    """An aware instant in UTC, the comparable form used throughout the store."""
    # Importers mostly hand in UTC already: skip the conversion (imports call this millions
    # of times).
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def money(value: Any) -> Decimal | None:
    """A stored amount (SQLite returns int or float, PostgreSQL Decimal) as a 4-place Decimal."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(MONEY_QUANTUM)


class Store:
    """The store's tables through one database connection (Django's default one)."""

    def __init__(self, connection: Any = None) -> None:
        self.connection = connection if connection is not None else default_connection
        self.postgres = self.connection.vendor == "postgresql"

    # -- values ------------------------------------------------------------------------------

    def db_instant(self, value: datetime | None) -> Any:
        """An aware instant as the backend stores it (and the service compares it)."""
        if value is None:
            return None
        value = as_utc(value)
        if self.postgres:
            return value
        return value.isoformat(" ")[:-6]  # Django's SQLite text: the "+00:00" cut off

    def read_instant(self, value: Any) -> Any:
        """A stored instant, read back, in the form ``db_instant`` gives."""
        if value is None or isinstance(value, str):  # SQLite expressions come back as text
            return value
        if value.tzinfo is None:  # SQLite's converter: naive UTC
            return value.isoformat(" ")
        return as_utc(value)

    def instant_value(self, stored: Any) -> datetime:
        """A stored (or ``db_instant``) instant as an aware datetime."""
        if isinstance(stored, str):
            return datetime.fromisoformat(stored).replace(tzinfo=UTC)
        return as_utc(stored)

    # -- statements --------------------------------------------------------------------------

    def lock(self) -> None:
        """Serialise writers for the current transaction (lookups then inserts stay correct)."""
        if self.postgres:
            self.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK_KEY])

    def check_references_at_once(self, at_once: bool) -> None:
        """PostgreSQL: check foreign keys row by row while COPY streams (the server does it on
        its own core, overlapping our work) instead of all at commit; rows go in parents first."""
        if self.postgres:
            self.execute(
                "SET CONSTRAINTS ALL IMMEDIATE" if at_once else "SET CONSTRAINTS ALL DEFERRED"
            )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self.postgres and any(isinstance(p, list) for p in params):
            with self._bound_cursor() as raw:
                # in_list's arrays in binary: text arrays are quoted element by element.
                raw.execute(sql.replace("= ANY(%s", "= ANY(%b"), params)
                return [tuple(row) for row in raw.fetchall()]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def _bound_cursor(self) -> Any:
        """PostgreSQL: a cursor binding parameters on the server, in binary where psycopg can.

        Django's psycopg cursors bind on the client, quoting every element of a list into the
        statement's text: for the arrays of an ``= ANY(%s)`` lookup that quoting cost more
        than the statement (measured: bench/bench_api.py). The statement runs in the same
        connection and transaction.
        """
        import psycopg

        self.connection.ensure_connection()
        return psycopg.Cursor(self.connection.connection)

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column IN values`` with one parameter, whatever the number of values."""
        if self.postgres:
            if values and all(type(value) is int for value in values):
                # psycopg sends small ints as smallint[]/int4[]: against a bigint column that
                # comparison is not hashed, and a store without statistics (right after a big
                # import) scans the table testing each row against every id.
                return f"{column} = ANY(%s::bigint[])", [list(values)]
            return f"{column} = ANY(%s)", [list(values)]
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]

    def select_in(
        self, table: str, columns: Sequence[str], column: str, values: Iterable[Any]
    ) -> list[Row]:
        """Rows of ``table`` whose ``column`` is one of ``values`` (chunked)."""
        distinct = list(dict.fromkeys(values))
        rows: list[Row] = []
        for start in range(0, len(distinct), LOOKUP_CHUNK):
            condition, params = self.in_list(column, distinct[start : start + LOOKUP_CHUNK])
            rows.extend(
                self.select(f"SELECT {', '.join(columns)} FROM {table} WHERE {condition}", params)
            )
        return rows

    def select_refs(
        self, table: str, columns: Sequence[str], refs: Iterable[tuple[str, str]]
    ) -> list[Row]:
        """Rows of ``table`` named by ``(system, external_id)`` pairs; columns follow those two."""
        by_system: dict[str, list[str]] = {}
        for system, external_id in refs:
            by_system.setdefault(system, []).append(external_id)
        rows: list[Row] = []
        selected = ["system", "external_id", *columns]
        for system, ids in by_system.items():
            ids = list(dict.fromkeys(ids))
            for start in range(0, len(ids), LOOKUP_CHUNK):
                condition, params = self.in_list("external_id", ids[start : start + LOOKUP_CHUNK])
                rows.extend(
                    self.select(
                        f"SELECT {', '.join(selected)} FROM {table} "
                        f"WHERE system = %s AND {condition}",
                        [system, *params],
                    )
                )
        return rows

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Insert rows in one bulk statement: COPY on PostgreSQL, executemany otherwise."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgres and len(rows) >= COPY_THRESHOLD:
            # Binary COPY: about three times faster than text for the same rows.
            types = _copy_types(table, tuple(columns))
            options = " (FORMAT BINARY)" if types else ""
            with (
                self.connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN{options}") as copy,
            ):
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        with self.connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def update(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """``UPDATE table SET columns WHERE id``: each row is the new values then the id."""
        if not rows:
            return
        assignments = ", ".join(f"{column} = %s" for column in columns)
        with self.connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)

    def allocate_ids(self, model: type[models.Model], count: int) -> list[int]:
        """Reserve ``count`` primary keys (inserts then name their rows without reading back)."""
        if count == 0:
            return []
        table = model._meta.db_table
        if self.postgres:
            rows = self.select(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in rows]
        # SQLite: writers are serialised (BEGIN IMMEDIATE), so the next free ids are ours.
        (highest,) = self.select(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0]
        sequence = self.select("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        start = max(int(highest), int(sequence[0][0]) if sequence else 0) + 1
        return list(range(start, start + count))

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 10_000) -> Iterator[Row]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(size):
                yield from (tuple(row) for row in batch)


# PostgreSQL column types (as Django declares them) -> the names psycopg's binary COPY dumps.
_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "varchar": "text",
    "text": "text",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "boolean": "bool",
    "numeric": "numeric",
    "double precision": "float8",
    "uuid": "uuid",
    "jsonb": "jsonb",
}


@cache
def _copy_types(table: str, columns: tuple[str, ...]) -> list[str] | None:
    """Binary COPY types for ``columns`` of ``table``; None when one has no known binary form."""
    by_table = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    model = by_table.get(table)
    if model is None:
        return None
    fields = {f.column: f for f in model._meta.concrete_fields}
    types: list[str] = []
    for column in columns:
        declared = fields[column].db_type(connections["default"]) or ""
        name = _BINARY_TYPES.get(declared.split("(")[0].strip())
        if name is None:
            return None
        types.append(name)
    return types
