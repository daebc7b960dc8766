"""The imported tables' secondary indexes are the ones a query needs (docs/store.md "Indexes").

Every secondary index costs a bulk import a rebuild (or a B-tree insert per row): the audit of
migration 0002 dropped contact_created_at and stage_change_stage_time (no query used them; the
contacts that entered a stage are read faster from the unique fact index) and made
touch_rep_time partial (imported touches have no rep). This test keeps the set deliberate.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SECONDARY = {
    "tracking_contact": {"contact_normalised_email", "contact_owner_created", "merged_into"},
    "tracking_contactidentity": {"contact_id"},
    "tracking_stagechange": set(),
    "tracking_ownerchange": {"owner_id"},
    "tracking_touch": {"touch_contact_time", "touch_rep_time"},
}


def _secondary(table: str) -> dict[str, str]:
    """Non-unique indexes of ``table``: name -> definition."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                " WHERE t.relname = %s AND NOT x.indisunique AND NOT x.indisprimary",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        return {str(name): str(sql) for name, sql in cursor.fetchall()}


def _short(name: str, table: str) -> str:
    """Django's generated names (table_column_hash) by their column."""
    for column in ("merged_into", "contact_id", "owner_id"):
        if name.startswith(f"{table}_{column}"):
            return column
    return name


@pytest.mark.parametrize("table", sorted(SECONDARY))
def test_the_imported_tables_keep_only_the_indexes_a_query_needs(table: str) -> None:
    found = _secondary(table)
    assert {_short(name, table) for name in found} == SECONDARY[table]


def test_touches_by_rep_are_indexed_only_where_there_is_a_rep() -> None:
    definition = _secondary("tracking_touch")["touch_rep_time"]
    assert "WHERE" in definition.upper()
    assert "rep_id" in definition.split("WHERE", 1)[-1].split("where", 1)[-1]
    assert "NOT NULL" in definition.upper()
