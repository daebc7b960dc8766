"""The bulk writer: contact exports read column-wise (``ingest.hubspot.bulk``) into the store.

``store_columnar(read)`` stores what ``store_records(records)`` would store for the same files,
in one transaction, without a Python object per record for the rows that need no decision:

- **Set-wise split.** Every contact row is classified in DuckDB against the store: a row is
  *plain* when its id is not stored, appears once in the import, and its normalised email is
  empty or named by no other row and no active stored contact (and no value is over the
  store's limits). A plain row's contact is new and has no stored facts, so its contact, its
  identity, its stage changes, owner change, form-submission touches and decision are plain
  inserts: nothing to look up, compare or merge.
- **Unchanged rows.** A row whose id is stored, whose contact only it reaches in the import,
  and whose contact and every fact the store already holds exactly (a re-import) is counted
  unchanged set-wise, after one read of the store's HubSpot contacts and their facts: nothing
  to write, nothing handed on.
- **The rest** (ids already stored with something new: a newer export; ids repeated in the import;
  emails shared with another row or an active stored contact; values over a limit) is handed
  to ``store_records`` as canonical records, in the same transaction: merges by email, the
  newer-export-updates rule, idempotence and the messages stay the store's own. These rows
  never touch a plain row's contact (that is what "plain" checks), so the split does not change
  the outcome; ``tests/ingest/test_bulk_store.py`` compares every table with the row path's.
- **Writing.** Ids are allocated up front (as ``store_records`` does); SQLite gets
  ``executemany`` straight into the tables, rows in id order (its B-trees append); PostgreSQL
  gets ``COPY ... (FORMAT csv)`` of CSV that DuckDB writes, foreign keys checked as the rows
  stream. Reps (a few hundred) go through ``store_records`` first.
- **The watch.** ``on_stored`` callbacks get the ids of the plain contacts (``store_records``
  calls them itself for the rest).

A database error on the plain part (a touch id some other contact already has, say) rolls back
that savepoint and the whole import goes through ``store_records`` instead.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.compute as pc
from django.db import DatabaseError, transaction

from funnelpact.domain.records import Record, System
from funnelpact.ingest.hubspot.bulk import ColumnarImport, ContactColumns
from funnelpact.server.tracking import models
from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import (
    CONTACT_COLUMNS,
    KindCounts,
    RecordKind,
    StoreReport,
    _no_cyclic_gc,
    _stored_callbacks,
    store_records,
)

HUBSPOT = System.HUBSPOT.value
CHUNK = 100_000  # rows per executemany piece (bounds memory)
_AHEAD = 2  # pieces DuckDB may produce ahead of the store
_ARROW_ROWS = 100_000  # from this many rows, _rows converts through pyarrow

_FACT_TABLES = ("stage_changes", "owner_changes", "touches", "decisions")


def _merge(*reports: StoreReport) -> StoreReport:
    totals: dict[RecordKind, dict[str, int]] = {}
    for report in reports:
        for kind, counts in report.kinds:
            into = totals.setdefault(kind, {f.name: 0 for f in fields(KindCounts)})
            for f in fields(KindCounts):
                into[f.name] += getattr(counts, f.name)
    return StoreReport(
        tuple((kind, KindCounts(**totals[kind])) for kind in RecordKind if kind in totals)
    )


class _Plain:
    """The plain rows of an import, in DuckDB, ready to be written."""

    def __init__(self, store: Store, read: ColumnarImport) -> None:
        self.store = store
        self.read = read
        self.con = duckdb.connect()
        for name in ("contacts", *_FACT_TABLES):
            parts = []
            for i, file in enumerate(read.files):
                self.con.register(f"{name}_{i}_arrow", getattr(file, name))
                parts.append(f"SELECT *, {i}::BIGINT AS file FROM {name}_{i}_arrow")
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {' UNION ALL '.join(parts)}")
            for i in range(len(read.files)):
                self.con.unregister(f"{name}_{i}_arrow")

    def _rows(self, name: str, columns: dict[str, str], rows: list[tuple[Any, ...]]) -> None:
        """Table ``name`` of ``rows`` (``columns``: name -> DuckDB type).

        Small tables go as one list parameter per column (``unnest``): pyarrow converting
        Python lists imports pandas, seconds of a process when bytecode is not cached. From
        ``_ARROW_ROWS`` rows on (a re-import's stored contacts on SQLite) pyarrow's conversion,
        about 3x cheaper per value, pays for that import."""
        values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
        if len(rows) >= _ARROW_ROWS:
            import pyarrow as pa

            kinds = {"VARCHAR": pa.string(), "BIGINT": pa.int64()}
            table = pa.Table.from_arrays(
                [
                    pa.array(list(v), kinds[kind])
                    for v, kind in zip(values, columns.values(), strict=True)
                ],
                names=list(columns),
            )
            self.con.register(f"{name}_arrow", table)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
            self.con.unregister(f"{name}_arrow")
            return
        select = ", ".join(
            f"unnest(${i + 1}::{kind}[]) AS {column}"
            for i, (column, kind) in enumerate(columns.items())
        )
        self.con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT {select}", [list(v) for v in values]
        )

    def _fetch(
        self, name: str, columns: dict[str, str], sql: str, params: list[Any] | None = None
    ) -> int:
        """Table ``name`` of a store query's rows (``columns``: name -> DuckDB type); their
        number. PostgreSQL: ``COPY (query) TO STDOUT`` as CSV into a file DuckDB reads (no
        Python object per value); SQLite: the rows through Python."""
        if not self.store.postgres:
            rows = self.store.select(sql, params or [])
            self._rows(name, columns, rows)
            return len(rows)
        handle, temp = tempfile.mkstemp(prefix="funnelpact-bulk-", suffix=".csv")
        path = Path(temp)
        try:
            with (
                os.fdopen(handle, "wb") as out,
                self.store.connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
            ):
                for block in copy:
                    out.write(block)
            types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
            # An unquoted empty field is NULL, a quoted one ("") the empty string.
            self.con.execute(
                f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{path}',"
                f" header=false, auto_detect=false, delim=',', quote='\"', escape='\"',"
                f" allow_quoted_nulls=false, columns={types})"
            )
        finally:
            path.unlink(missing_ok=True)
        return int(self.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])

    def classify(self) -> None:
        """Table ``plain(file, row)``: the rows ``store_columnar`` writes itself."""
        identity = models.ContactIdentity._meta.db_table
        contact = models.Contact._meta.db_table
        stored_ids = self._fetch(
            "stored_ids",
            {"external_id": "VARCHAR"},
            f"SELECT external_id FROM {identity} WHERE system = %s",
            [HUBSPOT],
        )
        self._fetch(
            "stored_emails",
            {"email": "VARCHAR"},
            f"SELECT DISTINCT normalised_email FROM {contact}"
            " WHERE merged_into_id IS NULL AND normalised_email <> ''",
        )
        label, email, ident = models.LABEL_LENGTH, models.EMAIL_LENGTH, models.ID_LENGTH
        long_text = " OR ".join(
            f"length({column}) > {label}"
            for column in (
                "first_name",
                "last_name",
                "company",
                "source",
                "source_detail_1",
                "source_detail_2",
                "campaign",
                "stream",
                "lifecycle_stage",
                "lead_status",
            )
        )
        self.con.execute(
            f"""CREATE OR REPLACE TABLE plain AS
            WITH counted AS (
              SELECT c.file, c.row, c.external_id, c.normalised_email,
                count(*) OVER (PARTITION BY c.external_id) AS same_id,
                CASE WHEN c.normalised_email = '' THEN 1 ELSE
                  count(DISTINCT c.external_id) OVER (PARTITION BY c.normalised_email) END
                  AS same_email,
                ({long_text} OR length(c.email) > {email} OR length(c.normalised_email) > {email}
                  OR length(c.external_id) > {ident} - 30) AS too_long
              FROM contacts c
            )
            SELECT k.file, k.row, k.external_id FROM counted k
            LEFT JOIN stored_ids s ON s.external_id = k.external_id
            LEFT JOIN stored_emails e ON e.email = k.normalised_email
            WHERE s.external_id IS NULL AND e.email IS NULL AND k.same_id = 1
              AND k.same_email = 1 AND NOT k.too_long"""
        )
        # Facts over a limit (a long form name) make their row's contact go the store's way.
        self.con.execute(
            f"""DELETE FROM plain WHERE (file, row) IN (
              SELECT file, row FROM touches WHERE length(external_id) > {ident}
              UNION SELECT file, row FROM decisions WHERE length(reason) > {label}
            )"""
        )
        self.plain_count = int(self.con.execute("SELECT count(*) FROM plain").fetchall()[0][0])
        self.con.execute(
            "CREATE OR REPLACE TABLE noop (file BIGINT, row BIGINT, contact_id BIGINT)"
        )
        if stored_ids:
            self.find_unchanged()

    def rest(self) -> list[ContactColumns]:
        """The import's other rows, as ContactColumns per file (no reps: stored already)."""
        out = []
        for index, file in enumerate(self.read.files):
            tables = {}
            for name in ("contacts", *_FACT_TABLES):
                tables[name] = self.con.sql(
                    f"SELECT * EXCLUDE (file) FROM {name} t WHERE t.file = {index}"
                    f" AND NOT EXISTS (SELECT 1 FROM plain p WHERE p.file = t.file"
                    f" AND p.row = t.row) AND NOT EXISTS (SELECT 1 FROM noop n"
                    f" WHERE n.file = t.file AND n.row = t.row) ORDER BY t.row"
                ).to_arrow_table()
            out.append(replace(file, reps=[], **tables))
        return out

    def ids(self) -> int:
        """Allocate the plain contacts' ids; table ``ids(file, row, id)``; returns the first."""
        count = self.plain_count
        first = _allocate(self.store, models.Contact, count)
        self.con.execute(
            "CREATE OR REPLACE TABLE ids AS SELECT file, row, external_id,"
            f" {first} - 1 + row_number() OVER (ORDER BY file, row) AS id FROM plain"
        )
        return first

    def load_rep_ids(self, rep_ids: dict[str, int]) -> None:
        self._rows(
            "rep_ids",
            {"external_id": "VARCHAR", "id": "BIGINT"},
            list(rep_ids.items()),
        )

    def stored_instant(self, column: str) -> str:
        """Server-side SQL giving a stored instant as the text ``instant`` gives in DuckDB."""
        if self.store.postgres:
            return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        return f"({column} || '')"  # the stored text (a bare column would come back parsed)

    def compared_instant(self, column: str) -> str:
        if self.store.postgres:
            return f"strftime({column}, '%Y-%m-%d %H:%M:%S.%f')"
        return self.instant(column)

    def find_unchanged(self) -> None:
        """Table ``noop(file, row, contact_id)``: rows of stored ids whose contact and facts
        the store already holds exactly as they are (a re-import): ``store_records`` would
        count them unchanged and write nothing. A row qualifies only when nothing else in the
        import can reach its contact (no other row with its id, its contact or its email), so
        that its contact's state cannot move while the rest is stored."""
        e, d = self.stored_instant, self.compared_instant
        identity = models.ContactIdentity._meta.db_table
        contact = models.Contact._meta.db_table
        hubspot = f"(SELECT contact_id FROM {identity} WHERE system = '{HUBSPOT}')"
        text = "VARCHAR"
        names = ("external_id", "id", "created_at", "updated_at", "email", "normalised_email",
                 "first_name", "last_name", "company", "source", "source_detail_1",
                 "source_detail_2", "campaign", "stream", "owner_id", "lifecycle_stage",
                 "lead_status", "fields_from")  # fmt: skip
        self._fetch(
            "sc",
            {n: ("BIGINT" if n in ("id", "owner_id") else text) for n in names},
            f"""SELECT i.external_id, c.id, {e("c.created_at")}, {e("c.updated_at")}, c.email,
              c.normalised_email, c.first_name, c.last_name, c.company, c.source,
              c.source_detail_1, c.source_detail_2, c.campaign, c.stream, c.owner_id,
              c.lifecycle_stage, c.lead_status, c.fields_from
            FROM {identity} i JOIN {contact} c ON c.id = i.contact_id
            WHERE i.system = %s AND c.merged_into_id IS NULL AND c.placeholder = %s""",
            [HUBSPOT, False],
        )
        same = " AND ".join(
            f"k.{n} = s.{n}"
            for n in (*names[4:14], "lifecycle_stage", "lead_status")
            if n != "owner_id"
        )
        self.con.execute(
            f"""CREATE OR REPLACE TABLE noop AS
            WITH targets AS (
              SELECT k.file, k.row, s.id AS contact_id, s.normalised_email AS stored_email,
                count(*) OVER (PARTITION BY s.id) AS same_contact,
                count(*) OVER (PARTITION BY k.external_id) AS same_id,
                k.external_id, k.created_at, k.updated_at, k.owner,
                s.created_at AS s_created, s.updated_at AS s_updated, s.owner_id,
                s.fields_from, {same} AS same_values
              FROM contacts k JOIN sc s USING (external_id)
            ), emails AS (
              SELECT normalised_email, count(*) AS n FROM contacts
              WHERE normalised_email <> '' GROUP BY normalised_email
            )
            SELECT t.file, t.row, t.contact_id FROM targets t
            LEFT JOIN rep_ids r ON r.external_id = t.owner
            LEFT JOIN emails m ON m.normalised_email = t.stored_email
            WHERE t.same_contact = 1 AND t.same_id = 1 AND t.same_values
              AND (t.stored_email = '' OR m.n = 1)
              AND {d("t.created_at")} = t.s_created
              AND {d("t.updated_at")} IS NOT DISTINCT FROM t.s_updated
              AND r.id IS NOT DISTINCT FROM t.owner_id
              AND t.fields_from = 'hubspot:' || t.external_id"""
        )
        if not self.con.execute("SELECT count(*) FROM noop").fetchall()[0][0]:
            return
        # Every fact of those rows must be stored as it is (stage facts keep the smallest
        # change source: a stored one at most as large is unchanged).
        stage = models.StageChange._meta.db_table
        self._fetch(
            "s_stage",
            {"contact_id": "BIGINT", "stage": text, "entered_at": text, "source": text},
            f"SELECT contact_id, stage, {e('entered_at')}, change_source FROM {stage}"
            f" WHERE contact_id IN {hubspot}",
        )
        owner = models.OwnerChange._meta.db_table
        self._fetch(
            "s_owner",
            {"contact_id": "BIGINT", "owner_id": "BIGINT", "assigned_at": text},
            f"SELECT contact_id, owner_id, {e('assigned_at')} FROM {owner}"
            f" WHERE contact_id IN {hubspot}",
        )
        touch = models.Touch._meta.db_table
        self._fetch(
            "s_touch",
            {
                "external_id": text,
                "contact_id": "BIGINT",
                "type": text,
                "occurred_at": text,
                "direction": text,
                "rep_id": "BIGINT",
                "automated": "BIGINT",
                "subject": text,
                "campaign": text,
                "content": text,
            },
            f"SELECT external_id, contact_id, type, {e('occurred_at')}, direction, rep_id,"
            f" CASE WHEN automated THEN 1 ELSE 0 END, subject, campaign, content"
            f" FROM {touch} WHERE system = %s AND contact_id IN {hubspot}",
            [HUBSPOT],
        )
        decision = models.HandoffDecision._meta.db_table
        self._fetch(
            "s_decision",
            {
                "contact_id": "BIGINT",
                "decision": text,
                "decided_at": text,
                "decided_by_id": "BIGINT",
                "reason": text,
                "note": text,
            },
            f"SELECT contact_id, decision, {e('decided_at')}, decided_by_id, reason, note"
            f" FROM {decision} WHERE contact_id IN {hubspot}",
        )
        self.con.execute(
            f"""DELETE FROM noop WHERE (file, row) IN (
              SELECT f.file, f.row FROM stage_changes f JOIN noop n USING (file, row)
              LEFT JOIN s_stage x ON x.contact_id = n.contact_id AND x.stage = f.stage
                AND x.entered_at = {d("f.entered_at")} AND x.source <= f.change_source
              WHERE x.contact_id IS NULL
              UNION ALL
              SELECT f.file, f.row FROM owner_changes f JOIN noop n USING (file, row)
              LEFT JOIN rep_ids r ON r.external_id = f.owner
              LEFT JOIN s_owner x ON x.contact_id = n.contact_id AND x.owner_id = r.id
                AND x.assigned_at = {d("f.assigned_at")}
              WHERE x.contact_id IS NULL
              UNION ALL
              SELECT f.file, f.row FROM touches f JOIN noop n USING (file, row)
              LEFT JOIN s_touch x ON x.external_id = f.external_id
                AND x.contact_id = n.contact_id AND x.type = 'form_submission'
                AND x.occurred_at = {d("f.occurred_at")} AND x.direction = 'inbound'
                AND x.rep_id IS NULL AND x.automated = 0 AND x.subject = ''
                AND x.campaign = '' AND x.content = f.content
              WHERE x.external_id IS NULL
              UNION ALL
              SELECT f.file, f.row FROM decisions f JOIN noop n USING (file, row)
              LEFT JOIN rep_ids r ON r.external_id = f.decided_by
              LEFT JOIN s_decision x ON x.contact_id = n.contact_id
                AND x.decision = f.decision AND x.decided_at = {d("f.decided_at")}
                AND x.decided_by_id IS NOT DISTINCT FROM r.id AND x.reason = f.reason
                AND x.note = ''
              WHERE x.contact_id IS NULL
            )"""
        )

    def unchanged(self) -> tuple[StoreReport, frozenset[int]]:
        """What the no-op rows count as (unchanged), and their contacts' ids."""

        def n(table: str) -> int:
            return int(
                self.con.execute(
                    f"SELECT count(*) FROM {table} JOIN noop USING (file, row)"
                ).fetchall()[0][0]
            )

        kinds = (
            (RecordKind.CONTACT, n("contacts")),
            (RecordKind.STAGE_CHANGE, n("stage_changes")),
            (RecordKind.OWNER_CHANGE, n("owner_changes")),
            (RecordKind.TOUCH, n("touches")),
            (RecordKind.HANDOFF_DECISION, n("decisions")),
        )
        ids = frozenset(
            row[0] for row in self.con.execute("SELECT contact_id FROM noop").fetchall()
        )
        report = StoreReport(
            tuple((kind, KindCounts(unchanged=count)) for kind, count in kinds if count)
        )
        return report, ids

    def instant(self, column: str) -> str:
        """An instant in the store's form: SQLite's text, or ISO 8601 in UTC for COPY."""
        if self.store.postgres:
            return f"strftime({column}, '%Y-%m-%d %H:%M:%S.%f+00')"
        return (
            f"CASE WHEN microsecond({column}) = 0 THEN strftime({column}, '%Y-%m-%d %H:%M:%S')"
            f" ELSE strftime({column}, '%Y-%m-%d %H:%M:%S.%f') END"
        )

    def selects(self) -> Iterator[tuple[str, tuple[str, ...], str]]:
        """(table, columns, DuckDB query giving its rows in id order) for each store table.
        The columns of ``_SAME`` are those literals in every row (SQLite gets them in the
        INSERT itself: no Python value per row)."""
        i = self.instant
        same = _SAME
        yield (
            models.Contact._meta.db_table,
            ("id", *CONTACT_COLUMNS),
            f"""SELECT ids.id, {i("c.created_at")}, {i("c.updated_at")}, c.email,
              c.normalised_email, c.first_name, c.last_name, c.company, c.source,
              c.source_detail_1, c.source_detail_2, c.campaign, c.stream, r.id,
              c.lifecycle_stage, c.lead_status, {same["placeholder"]}, 'hubspot:' || c.external_id
            FROM ids JOIN contacts c USING (file, row)
            LEFT JOIN rep_ids r ON r.external_id = c.owner ORDER BY ids.id""",
        )
        yield (
            models.ContactIdentity._meta.db_table,
            ("system", "external_id", "contact_id"),
            f"SELECT {same['system']}, external_id, id FROM ids ORDER BY id",
        )
        yield (
            models.StageChange._meta.db_table,
            ("contact_id", "stage", "entered_at", "change_source"),
            f"""SELECT ids.id, s.stage, {i("s.entered_at")}, s.change_source
            FROM stage_changes s JOIN ids USING (file, row) ORDER BY ids.id, s.stage""",
        )
        yield (
            models.OwnerChange._meta.db_table,
            ("contact_id", "owner_id", "assigned_at"),
            f"""SELECT ids.id, r.id, {i("o.assigned_at")} FROM owner_changes o
            JOIN ids USING (file, row) JOIN rep_ids r ON r.external_id = o.owner
            ORDER BY ids.id""",
        )
        yield (
            models.Touch._meta.db_table,
            (
                "system",
                "external_id",
                "contact_id",
                "type",
                "occurred_at",
                "direction",
                "rep_id",
                "automated",
                "subject",
                "campaign",
                "content",
            ),
            f"""SELECT {same["system"]}, t.external_id, ids.id, {same["type"]},
              {i("t.occurred_at")}, {same["direction"]}, {same["rep_id"]}, {same["automated"]},
              {same["subject"]}, {same["campaign"]}, t.content
            FROM touches t JOIN ids USING (file, row) ORDER BY t.external_id""",
        )
        yield (
            models.HandoffDecision._meta.db_table,
            ("contact_id", "decision", "decided_at", "decided_by_id", "reason", "note"),
            f"""SELECT ids.id, d.decision, {i("d.decided_at")}, r.id, d.reason, ''
            FROM decisions d JOIN ids USING (file, row)
            LEFT JOIN rep_ids r ON r.external_id = d.decided_by ORDER BY ids.id""",
        )

    def counts(self) -> StoreReport:
        def n(sql: str) -> int:
            return int(self.con.execute(sql).fetchall()[0][0])

        plain = "JOIN plain USING (file, row)"
        kinds = (
            (RecordKind.CONTACT, self.plain_count),
            (RecordKind.STAGE_CHANGE, n(f"SELECT count(*) FROM stage_changes {plain}")),
            (RecordKind.OWNER_CHANGE, n(f"SELECT count(*) FROM owner_changes {plain}")),
            (RecordKind.TOUCH, n(f"SELECT count(*) FROM touches {plain}")),
            (RecordKind.HANDOFF_DECISION, n(f"SELECT count(*) FROM decisions {plain}")),
        )
        return StoreReport(
            tuple((kind, KindCounts(created=count)) for kind, count in kinds if count)
        )

    def write(self) -> None:
        """Every table's rows into the store, DuckDB producing the next piece (a chunk of
        rows, or the next table's CSV) on a second thread while the store takes the current
        one and rebuilds its indexes (docs/store.md "Bulk writes")."""
        plan = []
        for table, columns, query in self.selects():
            rows = int(self.con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0])
            if rows:
                plan.append((table, columns, query, rows))
        postgres = self.store.postgres
        queries = [
            (query if postgres else _varying(table, columns, query), postgres)
            for table, columns, query, _r in plan
        ]
        with _Producer(self.con, queries) as pieces:
            for index, (table, columns, _query, rows) in enumerate(plan):
                rebuilt = _drop_indexes(self.store, table, rows)
                if postgres:
                    _copy_file(self.store, table, columns, pieces.file(index))
                else:
                    _insert_chunks(self.store, table, columns, pieces.chunks(index))
                for statement in rebuilt:
                    self.store.execute(statement)

    def close(self) -> None:
        self.con.close()


def _drop_indexes(store: Store, table: str, rows: int) -> list[str]:
    """Drop ``table``'s secondary (non-unique) indexes when the load is at least as large as
    the table, and return the statements that rebuild them (run after the load, in the same
    transaction). Building an index from sorted data once is far cheaper than inserting a
    million keys in random order into a B-tree. SQLite's unique indexes stay (they are part of
    the table and check the load); PostgreSQL's unique constraints are dropped and added back
    too (the ALTER checks every row). Measured in docs/benchmarks.md. On PostgreSQL dropping an
    index locks the table until the import commits (readers wait): worth it for a large load
    only, which is what this decides.
    """
    if store.postgres:
        found = store.select(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = %s AND NOT x.indisunique AND NOT x.indisprimary",
            [table],
        )
    else:
        found = store.select(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
    keys = _foreign_keys(store, table)
    unique = _unique_constraints(store, table)
    if not found and not keys and not unique:
        return []
    (existing,) = store.select(f"SELECT count(*) FROM {table}")[0]
    if rows < int(existing):
        return []
    rebuild = []
    for name, definition in unique:
        # PostgreSQL: a unique constraint built after the load (one sort, the same check over
        # every row: a duplicate fails the ALTER, the plain part rolls back and store_records
        # decides) costs less than a B-tree insert per row (docs/benchmarks.md).
        store.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, _sql in found:
        store.execute(f'DROP INDEX "{name}"')
    rebuild.extend(sql for _name, sql in found)
    for name, definition in keys:
        # PostgreSQL checks a foreign key per row with a trigger that locks the parent row
        # (FOR KEY SHARE): most of a COPY's time (docs/benchmarks.md). Dropped for the load,
        # then added back NOT VALID and validated by one join over the table, in the same
        # transaction: the same constraint, checked once.
        store.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
        rebuild.append(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    return rebuild


def _foreign_keys(store: Store, table: str) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of ``table``'s foreign keys (none on SQLite, whose
    checks are a primary-key probe per row and cannot be switched off in a transaction)."""
    if not store.postgres:
        return []
    return [
        (str(name), str(definition))
        for name, definition in store.select(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
    ]


def _unique_constraints(store: Store, table: str) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of ``table``'s unique constraints no foreign key relies
    on (SQLite's are part of the table: they cannot be dropped)."""
    if not store.postgres:
        return []
    return [
        (str(name), str(definition))
        for name, definition in store.select(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " WHERE c.conrelid = %s::regclass AND c.contype = 'u' AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)"
            " ORDER BY c.conname",
            [table],
        )
    ]


def _allocate(store: Store, model: type[Any], count: int) -> int:
    """Reserve ``count`` consecutive ids of ``model``'s table; the first one."""
    table = model._meta.db_table
    if count == 0:
        return 1
    if store.postgres:
        # Writers hold the store lock; the sequence moves past the whole range at once.
        ((first,),) = store.select(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1) - %s + 1",
            [table, table, count, count],
        )
        return int(first)
    return store.allocate_ids(model, 1)[0]  # SQLite: BEGIN IMMEDIATE holds other writers off


_DONE = object()  # the end of a table's chunks

# Columns every plain row has the same value in, per column name: SQL literals that DuckDB and
# SQLite read alike (``false`` is 0 in SQLite). ``_Plain.selects`` writes them into its queries;
# for SQLite the INSERT carries them and DuckDB produces only the other columns.
_SAME = {
    "placeholder": "false",  # contacts
    "system": f"'{HUBSPOT}'",  # identities, touches
    "type": "'form_submission'",  # touches from here on
    "direction": "'inbound'",
    "rep_id": "NULL",
    "automated": "false",
    "subject": "''",
    "campaign": "''",
}
_SAME_BY_TABLE = {
    models.Contact._meta.db_table: ("placeholder",),
    models.ContactIdentity._meta.db_table: ("system",),
    models.Touch._meta.db_table: (
        "system",
        "type",
        "direction",
        "rep_id",
        "automated",
        "subject",
        "campaign",
    ),
}


class _Producer:
    """DuckDB's side of ``_Plain.write`` on its own thread: for each query in turn, SQLite's
    rows a chunk at a time (DuckDB's ``fetchmany`` tuples, built in C++: about twice as fast as
    Arrow's ``to_pylist`` per column and a zip) or PostgreSQL's CSV file (DuckDB's ``COPY``).
    PostgreSQL works in its own process while DuckDB writes the next CSV (about 6% of the
    store step at 200k rows, within the noise); on SQLite DuckDB's tuples and sqlite3's binding
    both need the GIL and the overlap measured nothing (docs/benchmarks.md). At most
    ``_AHEAD`` pieces wait (memory bound)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, queries: list[tuple[str, bool]]) -> None:
        self.cursor = con.cursor()  # a connection of its own to the same DuckDB database
        self.queries = queries
        self.pieces: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=_AHEAD)
        self.stop = threading.Event()
        self.paths: list[Path] = []
        self.thread = threading.Thread(target=self._run, name="funnelpact-bulk", daemon=True)

    def __enter__(self) -> _Producer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        while self.thread.is_alive():  # unblock a put, then let the thread see ``stop``
            with contextlib.suppress(queue.Empty):
                self.pieces.get(timeout=0.05)
        self.cursor.close()
        for path in self.paths:
            path.unlink(missing_ok=True)

    def _put(self, index: int, piece: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.pieces.put((index, piece), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for index, (query, to_file) in enumerate(self.queries):
                if to_file:
                    handle, name = tempfile.mkstemp(prefix="funnelpact-bulk-", suffix=".csv")
                    os.close(handle)
                    path = Path(name)
                    self.paths.append(path)
                    self.cursor.execute(
                        f"COPY ({query}) TO '{path}' (HEADER false, DELIMITER ',', QUOTE '\"')"
                    )
                    if not self._put(index, path):
                        return
                    continue
                result = self.cursor.execute(query)
                while rows := result.fetchmany(CHUNK):
                    if not self._put(index, rows):
                        return
                if not self._put(index, _DONE):
                    return
        except BaseException as error:  # handed to the writing thread
            self._put(-1, error)

    def _next(self, index: int) -> Any:
        got, piece = self.pieces.get()
        if isinstance(piece, BaseException):
            raise piece
        assert got == index, (got, index)
        return piece

    def chunks(self, index: int) -> Iterator[list[tuple[Any, ...]]]:
        while (piece := self._next(index)) is not _DONE:
            yield piece

    def file(self, index: int) -> Path:
        path = self._next(index)
        assert isinstance(path, Path)
        return path


def _varying(table: str, columns: tuple[str, ...], query: str) -> str:
    """``query`` without the columns ``_SAME_BY_TABLE`` names for ``table`` (in order)."""
    same = _SAME_BY_TABLE.get(table, ())
    if not same:
        return query
    names = [f"c{n}" for n in range(len(columns))]
    kept = ", ".join(
        name for name, column in zip(names, columns, strict=True) if column not in same
    )
    return f"SELECT {kept} FROM ({query}) AS q({', '.join(names)})"


def _insert_chunks(
    store: Store, table: str, columns: tuple[str, ...], chunks: Iterable[list[tuple[Any, ...]]]
) -> None:
    """SQLite: the rows (without the table's ``_SAME`` columns, whose literals the INSERT
    carries), a chunk at a time, through one prepared INSERT."""
    same = _SAME_BY_TABLE.get(table, ())
    names = ", ".join(columns)
    marks = ", ".join(_SAME[column] if column in same else "?" for column in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
    raw = store.connection.connection  # the sqlite3 connection under Django's wrapper
    # Django's exceptions for the driver's (sqlite3.IntegrityError is not a DatabaseError of
    # django.db: store_columnar's fallback would not see it).
    with store.connection.wrap_database_errors:
        for rows in chunks:
            raw.executemany(sql, rows)


def _copy_file(store: Store, table: str, columns: tuple[str, ...], path: Path) -> None:
    """PostgreSQL: COPY of the CSV DuckDB wrote (no Python per row); the file is removed."""
    names = ", ".join(columns)
    try:
        with (
            store.connection.wrap_database_errors,  # psycopg's errors as Django's
            store.connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy,
            path.open("rb") as source,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
    finally:
        path.unlink(missing_ok=True)


def _rep_ids(store: Store, read: ColumnarImport) -> dict[str, int]:
    owners: set[str] = set()
    for file in read.files:
        for name in ("contacts", "owner_changes", "decisions"):
            table = getattr(file, name)
            column = "decided_by" if name == "decisions" else "owner"
            owners.update(value for value in pc.unique(table.column(column)).to_pylist() if value)
    if not owners:
        return {}
    rows = store.select_refs(
        models.Rep._meta.db_table, ["id"], [(HUBSPOT, owner) for owner in owners]
    )
    return {row[1]: row[2] for row in rows}


def _owners_may_alias(store: Store) -> bool:
    """Does the store hold HubSpot reps with ids of their own (not ``name:`` refs)? Then an
    export's owner names may resolve to them (services: rep aliases) and only
    ``store_records`` knows how."""
    table = models.Rep._meta.db_table
    rows = store.select(
        f"SELECT 1 FROM {table} WHERE system = %s AND external_id NOT LIKE %s LIMIT 1",
        [HUBSPOT, "name:%"],
    )
    return bool(rows)


def _records(files: list[ContactColumns]) -> Iterator[Record]:
    for file in files:
        yield from file.records()


def store_columnar(
    read: ColumnarImport,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> StoreReport:
    """Store an import read column-wise, in one transaction (see the module docstring).

    ``on_progress(n)`` gets the number of rows handled so far. Raises ``StoreInputError`` as
    ``store_records`` does (nothing is stored then).
    """
    reps = [rep for file in read.files for rep in file.reps]
    done = 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        if on_progress is not None:
            on_progress(done)

    with _no_cyclic_gc(), transaction.atomic():
        store = Store()
        store.lock()
        reports = [store_records(reps)] if reps else []
        if _owners_may_alias(store):
            # store_records resolves an export's owner name to a rep the owners API described
            # with an id of its own (one person, one rep): leave that to it.
            rest = [replace(file, reps=[]) for file in read.files if file.contacts.num_rows]
            if rest:
                reports.append(store_records(_records(rest)))
            progress(read.rows)
            return _merge(*reports)
        plain = _Plain(store, read)
        try:
            plain.load_rep_ids(_rep_ids(store, read))
            plain.classify()
            unchanged, unchanged_ids = plain.unchanged()
            reports.append(unchanged)
            rest = plain.rest()
            try:
                with transaction.atomic():
                    written = _write_plain(store, plain, read, progress)
            except DatabaseError:
                # Something the classification did not foresee: the store's own path decides.
                written = None
                reports.remove(unchanged)
                unchanged_ids = frozenset()
                rest = [replace(file, reps=[]) for file in read.files]
        finally:
            plain.close()
        if written is not None:
            reports.append(written)
        if unchanged_ids:
            for callback in _stored_callbacks:
                callback(unchanged_ids)
        rest_rows = [file for file in rest if file.contacts.num_rows]
        if rest_rows:
            reports.append(store_records(_records(rest_rows)))
        progress(read.rows - done)
        return _merge(*reports)


def _write_plain(
    store: Store,
    plain: _Plain,
    read: ColumnarImport,
    progress: Callable[[int], None],
) -> StoreReport | None:
    if plain.plain_count == 0:
        return None
    store.lock()
    store.check_references_at_once(True)
    if store.postgres:
        # The index and constraint builds after the load sort in memory, and the foreign keys'
        # validation joins in memory, instead of spilling to disk at the server's defaults
        # (64 MB, 4 MB); this transaction only.
        store.execute("SET LOCAL maintenance_work_mem = '512MB'")
        store.execute("SET LOCAL work_mem = '256MB'")
    first = plain.ids()
    plain.write()
    store.check_references_at_once(False)
    report = plain.counts()
    progress(plain.plain_count)
    if _stored_callbacks:
        ids = frozenset(range(first, first + plain.plain_count))
        for callback in _stored_callbacks:
            callback(ids)
    return report
