"""Canonical Ibis tables: contacts, stage changes, owner changes, touches, hand-off decisions.

One schema per table, named columns that never collide in a join (`contact_id` everywhere,
never a bare `id`: joining two tables that both have `id` silently renames one to `id_right`,
ANALYTICS.md). References are written as text, `system:external_id` (`str(Ref)`); instants are
UTC timestamps with microseconds.

Build them from records (`arrow_from_records`, `tables_from_records`) or from Arrow tables that
already have these columns (`tables_from_arrow`, e.g. exported by the store).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
from ibis.expr.types import Table

from funnelpact.domain.records import (
    Contact,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    Touch,
)
from funnelpact.errors import InputError

INSTANT: Final = dt.Timestamp(timezone="UTC", scale=6)


class TableName(StrEnum):
    CONTACTS = "contacts"
    STAGE_CHANGES = "stage_changes"
    OWNER_CHANGES = "owner_changes"
    TOUCHES = "touches"
    DECISIONS = "decisions"


SCHEMAS: Final[dict[TableName, ibis.Schema]] = {
    TableName.CONTACTS: ibis.schema(
        {
            "contact_id": "!string",
            "created_at": INSTANT,
            "owner_id": "string",
            "source": "string",
            "campaign": "string",
            "stream": "string",
            "lifecycle_stage": "string",
        }
    ),
    TableName.STAGE_CHANGES: ibis.schema(
        {"contact_id": "!string", "stage": "!string", "entered_at": INSTANT.copy(nullable=False)}
    ),
    TableName.OWNER_CHANGES: ibis.schema(
        {
            "contact_id": "!string",
            "owner_id": "!string",
            "assigned_at": INSTANT.copy(nullable=False),
        }
    ),
    TableName.TOUCHES: ibis.schema(
        {
            "touch_id": "!string",
            "contact_id": "!string",
            "touch_type": "!string",
            "occurred_at": INSTANT.copy(nullable=False),
            "direction": "!string",
            "rep_id": "string",
            "automated": "!boolean",
            "subject": "string",
            "campaign": "string",
            "content": "string",
        }
    ),
    TableName.DECISIONS: ibis.schema(
        {
            "contact_id": "!string",
            "decision": "!string",
            "decided_at": INSTANT.copy(nullable=False),
            "decided_by": "string",
            "reason": "string",
            "note": "string",
        }
    ),
}


@dataclass(frozen=True, slots=True)
class CanonicalTables:
    """The five canonical tables as Ibis table expressions (one backend for all)."""

    contacts: Table
    stage_changes: Table
    owner_changes: Table
    touches: Table
    decisions: Table


def _ref(ref: Ref | None) -> str | None:
    return None if ref is None else str(ref)


def _rows(records: Iterable[Record]) -> dict[TableName, list[dict[str, Any]]]:
    rows: dict[TableName, list[dict[str, Any]]] = {name: [] for name in TableName}
    for record in records:
        if isinstance(record, Contact):
            rows[TableName.CONTACTS].append(
                {
                    "contact_id": str(record.ref),
                    "created_at": record.created_at,
                    "owner_id": _ref(record.owner),
                    "source": record.source,
                    "campaign": record.campaign,
                    "stream": record.stream,
                    "lifecycle_stage": record.lifecycle_stage,
                }
            )
        elif isinstance(record, StageChange):
            rows[TableName.STAGE_CHANGES].append(
                {
                    "contact_id": str(record.contact),
                    "stage": record.stage,
                    "entered_at": record.entered_at,
                }
            )
        elif isinstance(record, OwnerChange):
            rows[TableName.OWNER_CHANGES].append(
                {
                    "contact_id": str(record.contact),
                    "owner_id": str(record.owner),
                    "assigned_at": record.assigned_at,
                }
            )
        elif isinstance(record, Touch):
            rows[TableName.TOUCHES].append(
                {
                    "touch_id": str(record.ref),
                    "contact_id": str(record.contact),
                    "touch_type": record.type.value,
                    "occurred_at": record.occurred_at,
                    "direction": record.direction.value,
                    "rep_id": _ref(record.rep),
                    "automated": record.automated,
                    "subject": record.subject,
                    "campaign": record.campaign,
                    "content": record.content,
                }
            )
        elif isinstance(record, HandoffDecision):
            rows[TableName.DECISIONS].append(
                {
                    "contact_id": str(record.contact),
                    "decision": record.decision.value,
                    "decided_at": record.decided_at,
                    "decided_by": _ref(record.decided_by),
                    "reason": record.reason,
                    "note": record.note,
                }
            )
    return rows


_INSTANT_COLUMNS: Final = ("created_at", "entered_at", "assigned_at", "occurred_at", "decided_at")


def _check_aware(name: TableName, rows: list[dict[str, Any]]) -> None:
    # Arrow would read a naive datetime as UTC without a word: refuse it instead.
    for index, row in enumerate(rows):
        for column in _INSTANT_COLUMNS:
            value = row.get(column)
            if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
                raise InputError(
                    f"{name} row {index + 1}: {column} {value.isoformat()} has no time zone"
                )


def arrow_from_records(records: Iterable[Record]) -> dict[TableName, pa.Table]:
    """One Arrow table per canonical table (records that are none of them are ignored).

    Instants must be aware (records hold UTC instants); a naive one raises InputError naming
    the table, the row (1-based, in the order given) and the column.
    """
    result: dict[TableName, pa.Table] = {}
    for name, rows in _rows(records).items():
        _check_aware(name, rows)
        schema = SCHEMAS[name].to_pyarrow()
        try:
            result[name] = pa.Table.from_pylist(rows, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
            raise InputError(f"{name}: a record does not fit the table ({exc})") from exc
    return result


def tables_from_arrow(arrow: Mapping[str, pa.Table]) -> CanonicalTables:
    """Ibis tables over Arrow tables with the canonical columns (missing tables are empty).

    Columns are checked by name and cast to the canonical types; a missing column is an
    InputError naming the table and the column.
    """
    tables: dict[TableName, Table] = {}
    for name in TableName:
        schema = SCHEMAS[name]
        given = arrow.get(name.value)
        if given is None:
            given = schema.to_pyarrow().empty_table()
        missing = [column for column in schema.names if column not in given.column_names]
        if missing:
            raise InputError(f"table {name}: missing column(s) {', '.join(missing)}")
        table = ibis.memtable(given.select(list(schema.names)))
        tables[name] = table.cast(schema)
    return CanonicalTables(
        contacts=tables[TableName.CONTACTS],
        stage_changes=tables[TableName.STAGE_CHANGES],
        owner_changes=tables[TableName.OWNER_CHANGES],
        touches=tables[TableName.TOUCHES],
        decisions=tables[TableName.DECISIONS],
    )


def tables_from_records(records: Iterable[Record]) -> CanonicalTables:
    """The canonical Ibis tables of `records` (in-memory, any Ibis backend can run them)."""
    return tables_from_arrow(
        {name.value: table for name, table in arrow_from_records(records).items()}
    )
