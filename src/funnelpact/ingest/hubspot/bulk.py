"""The columnar reader of HubSpot contact exports: the first half of the bulk import.

The row path (``HubSpotContacts.convert``) builds a Python object per value and per record;
at a million rows that alone takes longer than the whole import may. This reader gives the same
records as Arrow tables, computed set-wise by DuckDB:

- the file is read by DuckDB's CSV reader, every column as text (``all_varchar``), after the
  row path's own checks (encoding, header, labels in en/es/it, required columns, the day/month
  order of the dates): ``prepare_hubspot`` runs first and its adapter says which column is what;
- dates are parsed column-wise with the file's detected style; values without a zone become
  UTC through a table of the zone's offset per local hour (computed with ``zoneinfo``); a value
  outside the fast patterns, or in an hour whose offset changes (DST), is parsed by the row
  path's own ``DateParser``, once per distinct value;
- labels (lifecycle stage, lead status, original source, decisions) are mapped by joins on small
  tables built from the row path's label tables, once per distinct value; owners become reps
  through the import's ``RepDirectory``, once per distinct name;
- text is trimmed as Python's ``str.strip`` does (ASCII whitespace in SQL; values with a
  non-ASCII character at an edge go through ``str.strip`` itself).

**Bad cells.** A cell the row path would refuse (a bad id, a date that does not parse, an
unknown decision, a row of the wrong width, a CSV quirk DuckDB's strict reader refuses) is found
set-wise; the reader then raises ``NotColumnar`` and the caller reads the files through the row
path, which names every problem (file, row, line, column, message) exactly as it always has.
So messages and ``--skip-invalid``'s rejected files are the row path's, by construction.

``ContactColumns.records()`` turns the tables back into canonical records (for tests, and for
the few rows the bulk writer leaves to ``store_records``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from funnelpact.domain.errors import Level
from funnelpact.domain.records import (
    Contact,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.ingest.common import (
    CellError,
    FileSummary,
    ImportCode,
    ImportIssue,
    ImportReport,
    normalise_label,
)
from funnelpact.ingest.dates import DateOrder
from funnelpact.ingest.engine import ImportContext, ImportJob, PreparedFile
from funnelpact.ingest.hubspot.contacts import HubSpotContacts
from funnelpact.ingest.hubspot.labels import (
    DECISIONS,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    ORIGINAL_SOURCES,
)

HUBSPOT = System.HUBSPOT
FAST_ENCODINGS = frozenset({"utf-8", "utf-8-sig"})
# Python's str.strip() removes these ASCII characters (str.isspace); SQL trims them.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_SPACE_CLASS = "[ \\t\\n\\r\\x0b\\x0c\\x1c-\\x1f]"

# Dates the reader parses in SQL: a column's values that read back exactly in one of these
# formats (strptime then strftime gives the value again) are what the row path reads the same
# way; anything else goes to DateParser, once per distinct value.
_ISO_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_SAMPLE = 500


def _local_formats(order: DateOrder) -> tuple[str, ...]:
    found = []
    for day in ("%d", "%-d"):
        for month in ("%m", "%-m"):
            first, second = (day, month) if order is DateOrder.DAY_FIRST else (month, day)
            found.append(f"{first}/{second}/%Y")
            for hour in ("%H", "%-H"):
                found.append(f"{first}/{second}/%Y {hour}:%M")
                found.append(f"{first}/{second}/%Y {hour}:%M:%S")
    return tuple(found)


class NotColumnar(Exception):  # noqa: N818 - a signal, not an error: the row path takes over
    """The columnar reader does not apply to these files (or found a bad cell): use the row
    path, which reads them with the exact messages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


CONTACT_SCHEMA = (
    "row",
    "external_id",
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
    "owner",
    "lifecycle_stage",
    "lead_status",
)


@dataclass
class ContactColumns:
    """One contact export, read: canonical records as Arrow tables (instants naive UTC).

    ``contacts``: one row per data row (``CONTACT_SCHEMA``); ``owner`` is the rep's external id
    (``name:<normalised name>``). ``stage_changes`` (row, contact, stage, entered_at,
    change_source), ``owner_changes`` (row, contact, owner, assigned_at), ``touches`` (row,
    external_id, contact, occurred_at, content: form submissions), ``decisions`` (row, contact,
    decision, decided_at, decided_by, reason). ``contact`` columns hold HubSpot record ids.
    """

    name: str
    rows: int
    contacts: pa.Table
    stage_changes: pa.Table
    owner_changes: pa.Table
    touches: pa.Table
    decisions: pa.Table
    reps: list[Rep]
    issues: list[ImportIssue]
    summary: FileSummary

    def records(self) -> Iterator[Record]:
        """The canonical records, in the row path's order (row by row; reps first)."""
        yield from self.reps
        per_row: dict[int, list[Record]] = {}
        for record, row in _contact_records(self.contacts):
            per_row.setdefault(row, []).append(record)
        for table, build in (
            (self.stage_changes, _stage_records),
            (self.owner_changes, _owner_records),
            (self.touches, _touch_records),
            (self.decisions, _decision_records),
        ):
            for record, row in build(table):
                per_row[row].append(record)
        for row in sorted(per_row):
            yield from per_row[row]

    def record_count(self) -> int:
        return int(
            len(self.reps)
            + self.contacts.num_rows
            + self.stage_changes.num_rows
            + self.owner_changes.num_rows
            + self.touches.num_rows
            + self.decisions.num_rows
        )


@dataclass
class ColumnarImport:
    """Every file of an import, read by the columnar reader (contact exports only)."""

    files: list[ContactColumns]
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(file.rows for file in self.files)


def _utc(value: Any) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _contact_records(table: pa.Table) -> Iterator[tuple[Record, int]]:
    columns = {name: table.column(name).to_pylist() for name in CONTACT_SCHEMA}
    for i, row in enumerate(columns["row"]):
        owner = columns["owner"][i]
        yield (
            Contact(
                ref=Ref(HUBSPOT, columns["external_id"][i]),
                created_at=columns["created_at"][i].replace(tzinfo=UTC),
                email=columns["email"][i],
                first_name=columns["first_name"][i],
                last_name=columns["last_name"][i],
                company=columns["company"][i],
                source=columns["source"][i],
                source_detail_1=columns["source_detail_1"][i],
                source_detail_2=columns["source_detail_2"][i],
                campaign=columns["campaign"][i],
                owner=Ref(HUBSPOT, owner) if owner is not None else None,
                lifecycle_stage=columns["lifecycle_stage"][i],
                lead_status=columns["lead_status"][i],
                updated_at=_utc(columns["updated_at"][i]),
                stream=columns["stream"][i],
            ),
            row,
        )


def _stage_records(table: pa.Table) -> Iterator[tuple[Record, int]]:
    for item in table.to_pylist():
        yield (
            StageChange(
                Ref(HUBSPOT, item["contact"]),
                item["stage"],
                item["entered_at"].replace(tzinfo=UTC),
                item["change_source"],
            ),
            item["row"],
        )


def _owner_records(table: pa.Table) -> Iterator[tuple[Record, int]]:
    for item in table.to_pylist():
        yield (
            OwnerChange(
                Ref(HUBSPOT, item["contact"]),
                Ref(HUBSPOT, item["owner"]),
                item["assigned_at"].replace(tzinfo=UTC),
            ),
            item["row"],
        )


def _touch_records(table: pa.Table) -> Iterator[tuple[Record, int]]:
    for item in table.to_pylist():
        yield (
            Touch(
                ref=Ref(HUBSPOT, item["external_id"]),
                contact=Ref(HUBSPOT, item["contact"]),
                type=TouchType.FORM_SUBMISSION,
                occurred_at=item["occurred_at"].replace(tzinfo=UTC),
                direction=Direction.INBOUND,
                content=item["content"],
            ),
            item["row"],
        )


def _decision_records(table: pa.Table) -> Iterator[tuple[Record, int]]:
    for item in table.to_pylist():
        by = item["decided_by"]
        yield (
            HandoffDecision(
                contact=Ref(HUBSPOT, item["contact"]),
                decision=Decision(item["decision"]),
                decided_at=item["decided_at"].replace(tzinfo=UTC),
                decided_by=Ref(HUBSPOT, by) if by is not None else None,
                reason=item["reason"],
            ),
            item["row"],
        )


# -- reading ------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _col(index: int) -> str:
    return f"c{index}"


class _Reader:
    """Reads one prepared contact export into a DuckDB connection's tables."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, prepared: PreparedFile, context: ImportContext
    ) -> None:
        self.con = con
        self.file = prepared.file
        adapter = prepared.adapter
        if not isinstance(adapter, HubSpotContacts):
            raise NotColumnar(f"{self.file.name}: not a HubSpot contacts export")
        self.adapter = adapter
        self.context = context
        self.width = len(self.file.header)

    # -- helpers ----------------------------------------------------------------------------

    def stripped(self, index: int) -> str:
        return "''" if index < 0 else f"s_{_col(index)}"

    def run(self, sql: str) -> None:
        self.con.execute(sql)

    def values(self, sql: str) -> list[Any]:
        return [row[0] for row in self.con.execute(sql).fetchall()]

    def mapping(self, name: str, pairs: dict[str, Any], kind: str = "VARCHAR") -> None:
        """A small lookup table ``name(raw, value)``.

        Built from two list parameters (``unnest``), not from an Arrow table: pyarrow
        converting a Python list imports pandas, seconds of a process's start when the
        bytecode is not cached, for tables of a few hundred values."""
        raw = list(pairs)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT unnest($1::VARCHAR[]) AS raw,"
            f" unnest($2::{kind}[]) AS value",
            [raw, [pairs[key] for key in raw]],
        )

    # -- the steps --------------------------------------------------------------------------

    def load(self) -> None:
        """Table ``r``: one row per data row (``row`` numbered as the row path does), with the
        raw cells of the id, owner and date columns and ``s_cN``, the stripped text columns."""
        if self.file.encoding.lower() not in FAST_ENCODINGS:
            raise NotColumnar(f"{self.file.name}: encoding {self.file.encoding}")
        columns = "{" + ", ".join(f"'{_col(i)}': 'VARCHAR'" for i in range(self.width)) + "}"
        source = (
            f"read_csv({_quote(str(self.file.path))}, header=false,"
            f" skip={self.file.header_lines}, delim={_quote(self.file.delimiter)}, quote='\"',"
            f" escape='\"', all_varchar=true, auto_detect=false, strict_mode=true,"
            f" null_padding=false, columns={columns})"
        )
        a = self.adapter
        texts = [
            a.email,
            a.first_name,
            a.last_name,
            a.company,
            a.lifecycle,
            a.lead_status,
            a.source,
            a.source_1,
            a.source_2,
            a.campaign,
            a.stream,
            a.team,
            a.decision,
            a.rejection_reason,
            *(name for _, name in a.conversions),
        ]
        self.stripped_indexes = sorted({index for index in texts if index >= 0})
        raws = sorted({a.id, a.owner, *self.date_columns()} - {-1})
        self.con.create_function(
            "py_strip", lambda value: value.strip(), ["VARCHAR"], "VARCHAR", side_effects=False
        )
        parts = [f"{_col(index)}" for index in raws]
        for index in self.stripped_indexes:
            raw = f"coalesce({_col(index)}, '')"
            trimmed = f"trim({raw}, {_quote(_ASCII_SPACE)})"
            # str.strip() also removes non-ASCII spaces: values with a non-ASCII edge use it.
            parts.append(
                f"CASE WHEN ord(left({trimmed}, 1)) > 127 OR ord(right({trimmed}, 1)) > 127"
                f" THEN py_strip({raw}) ELSE {trimmed} END AS s_{_col(index)}"
            )
        empty = " AND ".join(
            f"trim(coalesce({_col(i)}, ''), {_quote(_ASCII_SPACE)}) = ''" for i in range(self.width)
        )
        # One pass over the file: the cells kept, and whether the row is blank.
        try:
            self.run(
                f"CREATE OR REPLACE TEMP TABLE r0 AS SELECT {', '.join(parts)},"
                # (a CASE: the full test only for rows whose id cell is empty)
                f" CASE WHEN trim(coalesce({_col(a.id)}, ''), {_quote(_ASCII_SPACE)}) <> ''"
                f" THEN false ELSE ({empty}) END"
                f" AS blank FROM {source}"
            )
        except duckdb.Error as exc:
            # A row of another width, a stray quote, ...: the row path names it.
            raise NotColumnar(f"{self.file.name}: {str(exc).splitlines()[0]}") from None
        # Data rows as the row path numbers them: rows of empty cells are not rows. The table
        # keeps the file's order (rowid); without blank rows, ``r`` is a view numbering them.
        blank = self.values("SELECT count(*) FROM r0 WHERE blank")[0]
        if not blank:
            self.run("CREATE OR REPLACE TEMP VIEW r AS SELECT rowid + 1 AS row, * FROM r0")
        else:
            self.run(
                "CREATE OR REPLACE TEMP TABLE r AS SELECT row_number() OVER (ORDER BY rowid)"
                " AS row, * FROM r0 WHERE NOT blank"
            )
        self.rows = self.values("SELECT count(*) FROM r")[0]

    def check_ids(self) -> None:
        idcol = f"coalesce({_col(self.adapter.id)}, '')"
        bad = self.values(
            f"SELECT count(*) FROM r WHERE NOT regexp_full_match("
            f"trim({idcol}, {_quote(_ASCII_SPACE)}), '[0-9]+')"
        )[0]
        if bad:
            raise NotColumnar(f"{self.file.name}: {bad} bad record id(s)")

    def date_columns(self) -> list[int]:
        a = self.adapter
        found = [a.created, a.assigned, a.updated, a.decision_date]
        found.extend(column for column, _ in a.conversions)
        for _stage, first, second, _, _ in a.stage_columns:
            found.extend((first, second))
        return sorted({index for index in found if index >= 0})

    def parse_dates(self) -> None:
        """``t_cN``: every date column as a naive UTC timestamp (NULL when the cell is empty)."""
        parser = self.adapter.dates
        style = parser.style
        formats = list(_ISO_FORMATS)
        if style.order is not None and not style.strptime_format:
            formats.extend(_local_formats(style.order))
        columns = self.date_columns()
        self.dated = columns
        chosen: dict[int, str] = {}
        for i in columns:
            c = _col(i)
            sample = [
                v
                for v in self.values(f"SELECT {c} FROM r WHERE {c} <> '' LIMIT {_SAMPLE}")
                if v is not None
            ]
            self.mapping("date_sample", {v: None for v in sample})
            best, best_count = "", 0
            for fmt in formats:
                count = self.values(
                    f"SELECT count(*) FROM date_sample WHERE strftime(try_strptime(raw,"
                    f" {_quote(fmt)}), {_quote(fmt)}) = raw"
                )[0]
                if count > best_count:
                    best, best_count = fmt, count
                if count == len(set(sample)):
                    break
            chosen[i] = best

        def fast(i: int) -> str:
            c, fmt = _col(i), chosen[i]
            if not fmt:
                return "CAST(NULL AS TIMESTAMP)"
            parsed = f"try_strptime({c}, {_quote(fmt)})"
            return f"CASE WHEN strftime({parsed}, {_quote(fmt)}) = {c} THEN {parsed} END"

        selects = ", ".join(f"{fast(i)} AS f_{_col(i)}" for i in columns)
        self.run(
            "CREATE OR REPLACE TEMP TABLE d AS SELECT row, "
            + (selects or "NULL AS nothing")
            + " FROM r"
        )
        zone = self.context.zone
        utc = zone is UTC
        naive_fast = False
        if columns:
            naive_fast = bool(
                self.values(
                    "SELECT count(*) FROM d WHERE "
                    + " OR ".join(f"f_{_col(i)} IS NOT NULL" for i in columns)
                )[0]
            )
        # The zone's offset per local hour; None where it changes within the hour (DST).
        offsets: dict[str, int | None] = {}
        if columns and not utc:
            hours = self.values(
                " UNION ".join(
                    f"SELECT DISTINCT date_trunc('hour', f_{_col(i)}) FROM d"
                    f" WHERE f_{_col(i)} IS NOT NULL"
                    for i in columns
                )
            )
            for hour in hours:
                start = hour.replace(tzinfo=zone)
                end = start.replace(minute=59, second=59)
                offset = start.utcoffset()
                same = offset is not None and offset == end.utcoffset()
                offsets[hour.isoformat(" ")] = (
                    offset // timedelta(microseconds=1) if same and offset is not None else None
                )
        self.mapping("hour_offsets", offsets, "BIGINT")
        self.run(
            "CREATE OR REPLACE TEMP TABLE hour_offset AS SELECT CAST(raw AS TIMESTAMP) AS hour,"
            " value AS offset_us FROM hour_offsets"
        )
        # Values the SQL did not parse (or in an hour with a DST change): DateParser, once each.
        slow_sql = " UNION ".join(
            f"SELECT DISTINCT {_col(i)} AS raw FROM r JOIN d USING (row)"
            f" LEFT JOIN hour_offset h ON h.hour = date_trunc('hour', d.f_{_col(i)})"
            f" WHERE coalesce({_col(i)}, '') <> '' AND (d.f_{_col(i)} IS NULL"
            + ("" if utc else " OR h.offset_us IS NULL")
            + ")"
            for i in columns
        )
        slow: dict[str, datetime] = {}
        if slow_sql:
            for raw in self.values(slow_sql):
                try:
                    slow[raw] = parser.parse(raw).astimezone(UTC).replace(tzinfo=None)
                except ValueError:
                    raise NotColumnar(f"{self.file.name}: bad date {raw!r}") from None
        if naive_fast:
            parser.naive_seen = True
        self.mapping("slow_dates", slow, "TIMESTAMP")
        exprs = []
        joins = []
        for i in columns:
            c = _col(i)
            if utc:
                fast_utc = f"d.f_{c}"
            else:
                fast_utc = f"d.f_{c} - to_microseconds(h_{c}.offset_us)"
                joins.append(
                    f"LEFT JOIN hour_offset h_{c} ON h_{c}.hour = date_trunc('hour', d.f_{c})"
                )
            joins.append(f"LEFT JOIN slow_dates s_{c} ON s_{c}.raw = r.{c}")
            fast_ok = f"d.f_{c} IS NOT NULL" + ("" if utc else f" AND h_{c}.offset_us IS NOT NULL")
            exprs.append(
                f"CASE WHEN coalesce(r.{c}, '') = '' THEN NULL WHEN {fast_ok} THEN {fast_utc}"
                f" ELSE s_{c}.value END AS t_{c}"
            )
        self.run(
            "CREATE OR REPLACE TEMP TABLE t AS SELECT r.row"
            + "".join(f", {e}" for e in exprs)
            + " FROM r JOIN d USING (row) "
            + " ".join(joins)
        )

    def map_values(self) -> None:
        """Lookup tables for the labelled columns, built once per distinct value."""
        a = self.adapter

        def distinct(index: int) -> list[str]:
            if index < 0:
                return []
            return [v for v in self.values(f"SELECT DISTINCT s_{_col(index)} FROM r") if v]

        def table_map(index: int, table: dict[str, str]) -> dict[str, Any]:
            return {raw: table.get(normalise_label(raw)) for raw in distinct(index)}

        self.mapping("map_lifecycle", table_map(a.lifecycle, LIFECYCLE_STAGES))
        self.mapping("map_source", table_map(a.source, ORIGINAL_SOURCES))
        self.mapping("map_status", table_map(a.lead_status, LEAD_STATUSES))
        self.mapping("map_decision", table_map(a.decision, DECISIONS))
        if a.decision >= 0:
            unknown = self.values(
                f"SELECT count(*) FROM r LEFT JOIN map_decision m ON m.raw = r.s_{_col(a.decision)}"
                f" WHERE r.s_{_col(a.decision)} <> '' AND m.value IS NULL"
            )[0]
            if unknown:
                raise NotColumnar(f"{self.file.name}: {unknown} unknown decision(s)")
            if a.decision_date < 0:
                if self.values(f"SELECT count(*) FROM r WHERE s_{_col(a.decision)} <> ''")[0]:
                    raise NotColumnar(f"{self.file.name}: decisions without a date column")
            elif self.values(
                f"SELECT count(*) FROM r JOIN t USING (row) WHERE r.s_{_col(a.decision)} <> ''"
                f" AND t.t_{_col(a.decision_date)} IS NULL"
            )[0]:
                raise NotColumnar(f"{self.file.name}: decisions without a date")
        # Owners: the import's RepDirectory, in the order the rows name them (as the row path).
        owners: dict[str, Any] = {}
        if a.owner >= 0:
            team = self.stripped(a.team)
            found = self.con.execute(
                f"SELECT {_col(a.owner)}, arg_min({team}, row) AS team, min(row) AS first"
                f" FROM r WHERE coalesce({_col(a.owner)}, '') <> ''"
                f" GROUP BY {_col(a.owner)} ORDER BY first"
            ).fetchall()
            pending_before = len(self.context.reps.pending)
            for name, team_name, _first in found:
                try:
                    ref = self.context.reps.by_name(HUBSPOT, name, team=team_name)
                except CellError:  # an owner the store cannot keep: the row path names it
                    raise NotColumnar(f"{self.file.name}: owner {name[:40]!r}") from None
                owners[name] = ref.external_id if ref is not None else None
            self.reps = [
                r for r in self.context.reps.pending[pending_before:] if isinstance(r, Rep)
            ]
            del self.context.reps.pending[pending_before:]
        else:
            self.reps = []
        self.mapping("map_owner", owners)

    def build(self) -> ContactColumns:
        a = self.adapter
        c = _col
        created = f"t.t_{c(a.created)}"
        if self.values(f"SELECT count(*) FROM t WHERE {created} IS NULL")[0]:
            raise NotColumnar(f"{self.file.name}: a create date is missing")
        lifecycle = self.stripped(a.lifecycle)
        source = self.stripped(a.source)
        status = self.stripped(a.lead_status)
        owner_col = "NULL" if a.owner < 0 else f"r.{c(a.owner)}"
        email = self.stripped(a.email)
        self.con.create_function(
            "py_normalise_email",
            lambda value: "".join(value.split()).lower(),
            ["VARCHAR"],
            "VARCHAR",
            side_effects=False,
        )
        normalised = (
            f"CASE WHEN regexp_full_match({email}, '[\\x00-\\x7f]*')"
            f" THEN lower(regexp_replace({email}, '{_SPACE_CLASS}', '', 'g'))"
            f" ELSE py_normalise_email({email}) END"
        )
        id_expr = f"trim(coalesce(r.{c(a.id)}, ''), {_quote(_ASCII_SPACE)})"
        updated = "NULL" if a.updated < 0 else f"t.t_{c(a.updated)}"
        self.run(
            f"""CREATE OR REPLACE TEMP TABLE contacts AS SELECT
              r.row, {id_expr} AS external_id, {created} AS created_at,
              CAST({updated} AS TIMESTAMP) AS updated_at,
              {email} AS email, {normalised} AS normalised_email,
              {self.stripped(a.first_name)} AS first_name,
              {self.stripped(a.last_name)} AS last_name,
              {self.stripped(a.company)} AS company,
              coalesce(ms.value, {source}) AS source,
              {self.stripped(a.source_1)} AS source_detail_1,
              {self.stripped(a.source_2)} AS source_detail_2,
              {self.stripped(a.campaign)} AS campaign,
              {self.stripped(a.stream)} AS stream,
              mo.value AS owner,
              coalesce(ml.value, {lifecycle}) AS lifecycle_stage,
              coalesce(mt.value, {status}) AS lead_status
            FROM r JOIN t USING (row)
            LEFT JOIN map_source ms ON ms.raw = {source}
            LEFT JOIN map_lifecycle ml ON ml.raw = {lifecycle}
            LEFT JOIN map_status mt ON mt.raw = {status}
            LEFT JOIN map_owner mo ON mo.raw = {owner_col}
            ORDER BY r.row"""
        )
        stage_parts: list[str] = []
        for stage, first, second, first_source, second_source in a.stage_columns:
            first_t = "NULL" if first < 0 else f"t.t_{c(first)}"
            second_t = "NULL" if second < 0 else f"t.t_{c(second)}"
            stage_parts.append(
                f"SELECT row, {_quote(stage)} AS stage,"
                f" CAST(coalesce({first_t}, {second_t}) AS TIMESTAMP) AS entered_at,"
                f" CASE WHEN {first_t} IS NOT NULL THEN {_quote(first_source)}"
                f" ELSE {_quote(second_source)} END AS change_source,"
                f" {len(stage_parts)} AS position"
                f" FROM t WHERE coalesce({first_t}, {second_t}) IS NOT NULL"
            )
        stages = " UNION ALL ".join(stage_parts) or (
            "SELECT 0 AS row, '' AS stage, CAST(NULL AS TIMESTAMP) AS entered_at,"
            " '' AS change_source, 0 AS position WHERE false"
        )
        self.run(
            "CREATE OR REPLACE TEMP TABLE stage_changes AS SELECT s.row, k.external_id AS contact,"
            f" s.stage, s.entered_at, s.change_source FROM ({stages}) s"
            " JOIN contacts k USING (row) ORDER BY s.row, s.position"
        )
        assigned = "NULL" if a.assigned < 0 else f"t.t_{c(a.assigned)}"
        self.run(
            "CREATE OR REPLACE TEMP TABLE owner_changes AS SELECT k.row,"
            " k.external_id AS contact, k.owner,"
            f" CAST({assigned} AS TIMESTAMP) AS assigned_at"
            f" FROM contacts k JOIN t USING (row)"
            f" WHERE k.owner IS NOT NULL AND {assigned} IS NOT NULL ORDER BY k.row"
        )
        conversion_parts = []
        (d1, n1), (d2, n2) = a.conversions
        t1 = "NULL" if d1 < 0 else f"t.t_{c(d1)}"
        t2 = "NULL" if d2 < 0 else f"t.t_{c(d2)}"
        conversion_parts.append(
            f"SELECT row, CAST({t1} AS TIMESTAMP) AS at, {self.stripped(n1)} AS content,"
            f" 0 AS position FROM t JOIN r USING (row) WHERE {t1} IS NOT NULL"
        )
        conversion_parts.append(
            f"SELECT row, CAST({t2} AS TIMESTAMP) AS at, {self.stripped(n2)} AS content,"
            f" 1 AS position FROM t JOIN r USING (row)"
            f" WHERE {t2} IS NOT NULL AND ({t1} IS NULL OR {t1} <> {t2})"
        )
        conversions = " UNION ALL ".join(conversion_parts)
        if self.values(
            f"SELECT count(*) FROM ({conversions}) v WHERE epoch_us(v.at) % 1000000 <> 0"
        )[0]:
            raise NotColumnar(f"{self.file.name}: conversion dates with fractions of a second")
        self.run(
            "CREATE OR REPLACE TEMP TABLE touches AS SELECT v.row,"
            " k.external_id || ':conversion:' || CAST(epoch_us(v.at) // 1000000 AS VARCHAR)"
            " AS external_id, k.external_id AS contact, v.at AS occurred_at, v.content"
            f" FROM ({conversions}) v JOIN contacts k USING (row) ORDER BY v.row, v.position"
        )
        if a.decision >= 0 and a.decision_date >= 0:
            decision = f"r.s_{c(a.decision)}"
            reason = self.stripped(a.rejection_reason)
            self.run(
                "CREATE OR REPLACE TEMP TABLE decisions AS SELECT k.row,"
                " k.external_id AS contact, m.value AS decision,"
                f" CAST(t.t_{c(a.decision_date)} AS TIMESTAMP) AS decided_at,"
                " k.owner AS decided_by,"
                f" CASE WHEN m.value = 'rejected' THEN {reason} ELSE '' END AS reason"
                " FROM contacts k JOIN r USING (row) JOIN t USING (row)"
                f" JOIN map_decision m ON m.raw = {decision}"
                f" WHERE {decision} <> '' ORDER BY k.row"
            )
        else:
            self.run(
                "CREATE OR REPLACE TEMP TABLE decisions AS SELECT 0::BIGINT AS row,"
                " '' AS contact, '' AS decision, CAST(NULL AS TIMESTAMP) AS decided_at,"
                " CAST(NULL AS VARCHAR) AS decided_by, '' AS reason WHERE false"
            )
        issues = self.warnings()
        tables = {
            name: self.con.sql(f"SELECT * FROM {name}").to_arrow_table()
            for name in ("contacts", "stage_changes", "owner_changes", "touches", "decisions")
        }
        counts = {
            "Contact": tables["contacts"].num_rows,
            "StageChange": tables["stage_changes"].num_rows,
            "OwnerChange": tables["owner_changes"].num_rows,
            "Touch": tables["touches"].num_rows,
            "HandoffDecision": tables["decisions"].num_rows,
            "Rep": len(self.reps),
        }
        summary = FileSummary(
            name=self.file.name,
            kind=a.kind,
            rows=self.rows,
            rejected=0,
            records=tuple(sorted((kind, n) for kind, n in counts.items() if n)),
            encoding=self.file.encoding,
            delimiter=self.file.delimiter,
            dates=a.dates.style.describe(),
        )
        return ContactColumns(
            name=self.file.name,
            rows=self.rows,
            contacts=tables["contacts"],
            stage_changes=tables["stage_changes"],
            owner_changes=tables["owner_changes"],
            touches=tables["touches"],
            decisions=tables["decisions"],
            reps=self.reps,
            issues=issues,
            summary=summary,
        )

    def warnings(self) -> list[ImportIssue]:
        """The row path's end-of-file warnings: unknown lifecycle stages, naive times, no data."""
        a = self.adapter
        found: list[ImportIssue] = []
        if a.lifecycle >= 0:
            lifecycle = f"r.s_{_col(a.lifecycle)}"
            for value, count, first in self.con.execute(
                f"SELECT {lifecycle}, count(*), min(row) AS first FROM r"
                f" LEFT JOIN map_lifecycle m ON m.raw = {lifecycle}"
                f" WHERE {lifecycle} <> '' AND m.value IS NULL GROUP BY {lifecycle}"
                " ORDER BY first"
            ).fetchall():
                found.append(
                    ImportIssue(
                        Level.WARNING,
                        ImportCode.UNKNOWN_VALUE,
                        f'value "{value}" ({count} row(s), first row {first}) is not a known'
                        f" value: {a.unknown_meaning(a.lifecycle)}",
                        file=self.file.name,
                        column=self.file.header[a.lifecycle],
                    )
                )
        if a.dates.naive_seen and not self.context.options.timezone:
            found.append(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.NAIVE_TIMES,
                    "dates without a time zone were read as UTC; pass --timezone with the"
                    " export's zone (e.g. --timezone Europe/Madrid) if it used another",
                    file=self.file.name,
                )
            )
        if self.rows == 0:
            found.append(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.NO_DATA,
                    "no data rows after the header",
                    file=self.file.name,
                )
            )
        return found


def read_contacts(
    prepared: PreparedFile, context: ImportContext, *, threads: int | None = None
) -> ContactColumns:
    """One prepared HubSpot contacts export, read column-wise (raises NotColumnar)."""
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        reader = _Reader(con, prepared, context)
        reader.load()
        reader.check_ids()
        reader.parse_dates()
        reader.map_values()
        return reader.build()
    finally:
        con.close()


def columnar_applies(job: ImportJob) -> str:
    """Why the columnar path cannot read this job ('' when it can)."""
    # --skip-invalid applies too: a bad row sends the job to the row path, which writes the
    # rejected rows.
    for prepared in job.files:
        if not isinstance(prepared.adapter, HubSpotContacts):
            return f"{prepared.file.name} is not a contacts export"
        if prepared.file.encoding.lower() not in FAST_ENCODINGS:
            return f"{prepared.file.name} is not UTF-8"
    return ""


def read_job(job: ImportJob) -> ColumnarImport:
    """Every file of a prepared HubSpot job, read column-wise (raises NotColumnar).

    Nothing of the job is consumed: when this raises, ``job.batches()`` still reads the files
    the row path's way. The import's context (reps, warnings) is shared with the row path.
    """
    reason = columnar_applies(job)
    if reason:
        raise NotColumnar(reason)
    reps = job.context.reps
    saved = reps.snapshot()
    try:
        files = [read_contacts(prepared, job.context) for prepared in job.files]
    except NotColumnar:
        reps.restore(saved)  # the row path names the same owners again
        raise
    issues = [issue for file in files for issue in file.issues]
    return ColumnarImport(files, issues)


def columnar_report(job: ImportJob, read: ColumnarImport) -> ImportReport:
    """The import report of a job read column-wise (the shape ``job.report()`` gives)."""
    log = job.context.log
    log.extend(read.issues)
    return ImportReport(
        tuple(file.summary for file in read.files),
        tuple(log.kept),
        log.errors,
        log.warnings,
        False,
        log.limit,
    )
