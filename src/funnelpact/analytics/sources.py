"""Where the analytics data comes from: records, export directories, or the store itself.

Every source yields the same Arrow tables: the five canonical tables of
`funnelpact.analytics.tables` plus `deals` and `reps` (defined here, in the same spirit: no bare
`id`, references as text), and a *data version* string that changes whenever the data does
(the metric cache is keyed by it).

- `from_records`: canonical records (journey tests, raw files already parsed).
- `from_directory`: a directory written by `funnelpact db export` (Parquet or CSV, one file per
  store table, integer ids) or canonical files named after the tables (`contacts.parquet`...).
- `StoreFeed` (funnelpact.analytics.store_feed): the store's tables in Arrow batches, loaded
  incrementally by id watermark.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from funnelpact.analytics.tables import INSTANT, SCHEMAS, TableName, arrow_from_records
from funnelpact.domain.records import Deal, Record, Rep
from funnelpact.errors import InputError

DEALS: Final = "deals"
REPS: Final = "reps"
EXTRA_SCHEMAS: Final[dict[str, pa.Schema]] = {
    DEALS: pa.schema(
        [
            pa.field("deal_id", pa.string(), nullable=False),
            pa.field("contact_id", pa.string()),
            pa.field("owner_id", pa.string()),
            pa.field("amount", pa.float64(), nullable=False),
            pa.field("created_at", INSTANT.to_pyarrow(), nullable=False),
            pa.field("closed_at", INSTANT.to_pyarrow()),
            pa.field("won", pa.bool_()),
        ]
    ),
    REPS: pa.schema(
        [
            pa.field("rep_id", pa.string(), nullable=False),
            pa.field("name", pa.string()),
            pa.field("team", pa.string()),
        ]
    ),
}
TABLE_NAMES: Final = (*(name.value for name in TableName), DEALS, REPS)


def arrow_schema(name: str) -> pa.Schema:
    if name in EXTRA_SCHEMAS:
        return EXTRA_SCHEMAS[name]
    return SCHEMAS[TableName(name)].to_pyarrow()


@dataclass(frozen=True, slots=True)
class AnalyticsData:
    """Arrow tables with the canonical columns (every name in TABLE_NAMES) and their version."""

    tables: Mapping[str, pa.Table]
    version: str


def _conform(name: str, table: pa.Table, origin: str) -> pa.Table:
    schema = arrow_schema(name)
    missing = [field.name for field in schema if field.name not in table.column_names]
    if missing:
        raise InputError(f"{origin}: table {name} lacks the column(s) {', '.join(missing)}")
    columns = []
    for field in schema:
        column = table.column(field.name)
        try:
            if pa.types.is_timestamp(field.type) and pa.types.is_string(column.type):
                column = pc.cast(column, pa.timestamp("us", tz="UTC"))
            columns.append(pc.cast(column, field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(f"{origin}: table {name}, column {field.name}: {exc}") from exc
    return pa.Table.from_arrays(columns, schema=schema.with_metadata(None))


def version_of(tables: Mapping[str, pa.Table]) -> str:
    """A content version: row counts and the largest instant of each table, hashed."""
    parts: dict[str, list[object]] = {}
    for name in sorted(tables):
        table = tables[name]
        latest = [
            str(pc.max(table.column(field.name)).as_py())
            for field in table.schema
            if pa.types.is_timestamp(field.type)
        ]
        parts[name] = [table.num_rows, *latest]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def from_arrow(tables: Mapping[str, pa.Table], origin: str = "data") -> AnalyticsData:
    """Conform Arrow tables to the canonical columns (absent tables are empty)."""
    conformed = {
        name: _conform(name, tables[name], origin)
        if name in tables
        else arrow_schema(name).empty_table()
        for name in TABLE_NAMES
    }
    return AnalyticsData(conformed, version_of(conformed))


def from_records(records: Iterable[Record]) -> AnalyticsData:
    """The analytics tables of canonical records (deals and reps included)."""
    kept = list(records)
    tables: dict[str, pa.Table] = {
        name.value: table for name, table in arrow_from_records(kept).items()
    }
    deals = [record for record in kept if isinstance(record, Deal)]
    tables[DEALS] = pa.Table.from_pylist(
        [
            {
                "deal_id": str(deal.ref),
                "contact_id": None if deal.contact is None else str(deal.contact),
                "owner_id": None if deal.owner is None else str(deal.owner),
                "amount": float(deal.amount),
                "created_at": deal.created_at,
                "closed_at": deal.closed_at,
                "won": deal.won,
            }
            for deal in deals
        ],
        schema=EXTRA_SCHEMAS[DEALS],
    )
    tables[REPS] = pa.Table.from_pylist(
        [
            {"rep_id": str(rep.ref), "name": rep.name, "team": rep.team}
            for rep in kept
            if isinstance(rep, Rep)
        ],
        schema=EXTRA_SCHEMAS[REPS],
    )
    return from_arrow(tables, "records")


# The store's tables (`funnelpact db export`): integer ids and foreign keys, Django column names.
# canonical name -> (store table, {canonical column: store column}).
STORE_TABLES: Final[dict[str, tuple[str, dict[str, str]]]] = {
    TableName.CONTACTS.value: (
        "tracking_contact",
        {
            "contact_id": "id",
            "created_at": "created_at",
            "owner_id": "owner_id",
            "source": "source",
            "campaign": "campaign",
            "stream": "stream",
            "lifecycle_stage": "lifecycle_stage",
        },
    ),
    TableName.STAGE_CHANGES.value: (
        "tracking_stagechange",
        {"contact_id": "contact_id", "stage": "stage", "entered_at": "entered_at"},
    ),
    TableName.OWNER_CHANGES.value: (
        "tracking_ownerchange",
        {"contact_id": "contact_id", "owner_id": "owner_id", "assigned_at": "assigned_at"},
    ),
    TableName.TOUCHES.value: (
        "tracking_touch",
        {
            "touch_id": "id",
            "contact_id": "contact_id",
            "touch_type": "type",
            "occurred_at": "occurred_at",
            "direction": "direction",
            "rep_id": "rep_id",
            "automated": "automated",
            "subject": "subject",
            "campaign": "campaign",
            "content": "content",
        },
    ),
    TableName.DECISIONS.value: (
        "tracking_handoffdecision",
        {
            "contact_id": "contact_id",
            "decision": "decision",
            "decided_at": "decided_at",
            "decided_by": "decided_by_id",
            "reason": "reason",
            "note": "note",
        },
    ),
    DEALS: (
        "tracking_deal",
        {
            "deal_id": "id",
            "contact_id": "contact_id",
            "owner_id": "owner_id",
            "amount": "amount",
            "created_at": "created_at",
            "closed_at": "closed_at",
            "won": "won",
        },
    ),
    REPS: ("tracking_rep", {"rep_id": "id", "name": "name", "team": "team_name"}),
}


def store_rows_to_canonical(name: str, table: pa.Table, origin: str) -> pa.Table:
    """A store table (Django columns) renamed to the canonical columns, ids as text."""
    _, columns = STORE_TABLES[name]
    missing = sorted({store for store in columns.values() if store not in table.column_names})
    if missing:
        raise InputError(f"{origin}: lacks the column(s) {', '.join(missing)}")
    if name == TableName.CONTACTS.value and "merged_into_id" in table.column_names:
        # A merged contact's history lives on the contact it was merged into.
        table = table.filter(pc.is_null(table.column("merged_into_id")))
    arrays = {canonical: table.column(store) for canonical, store in columns.items()}
    for canonical, column in arrays.items():
        if pa.types.is_integer(column.type):
            arrays[canonical] = pc.cast(column, pa.string())
        elif pa.types.is_decimal(column.type):
            arrays[canonical] = pc.cast(column, pa.float64())
    return pa.table(arrays)


def _read(path: Path) -> pa.Table:
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        return pa_csv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from exc


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def from_directory(directory: Path) -> AnalyticsData:
    """Read an export directory (store backup or canonical files); InputError names the file."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    tables: dict[str, pa.Table] = {}
    found_any = False
    for name in TABLE_NAMES:
        canonical = _find(directory, name)
        if canonical is not None:
            tables[name] = _conform(name, _read(canonical), str(canonical))
            found_any = True
            continue
        store_name, _ = STORE_TABLES[name]
        store_file = _find(directory, store_name)
        if store_file is not None:
            raw = store_rows_to_canonical(name, _read(store_file), str(store_file))
            tables[name] = _conform(name, raw, str(store_file))
            found_any = True
    if not found_any:
        raise InputError(
            f"{directory}: no analytics tables found (expected tracking_contact.parquet/.csv "
            "from `funnelpact db export`, or contacts.parquet/.csv, stage_changes..., touches...)"
        )
    return from_arrow(tables, str(directory))
