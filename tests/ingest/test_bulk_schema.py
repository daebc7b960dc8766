"""The bulk writer drops indexes (and on PostgreSQL foreign keys) for a large load and puts them
back: the schema after an import is the schema before it, every constraint validated; and the
reader's one-pass load numbers rows as the row path does when the file has blank rows."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.bulk import read_job
from funnelpact.server.tracking.bulk import store_columnar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import write_contacts_export  # noqa: E402
from test_bulk_store import OPTIONS, compare, empty_store  # noqa: E402

pytestmark = pytest.mark.django_db


def schema() -> list[tuple[Any, ...]]:
    """Indexes and constraints of the tracking tables (with validation state on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid),"
                " convalidated FROM pg_constraint"
                " WHERE conrelid::regclass::text LIKE 'tracking\\_%%'"
                " UNION ALL SELECT tablename, indexname, indexdef, true FROM pg_indexes"
                " WHERE tablename LIKE 'tracking\\_%%'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name, sql, 1 FROM sqlite_master"
                " WHERE tbl_name LIKE 'tracking\\_%' ESCAPE '\\'"
            )
        return sorted(tuple(row) for row in cursor.fetchall())


def test_a_bulk_load_leaves_the_schema_as_it_found_it(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 300, seed=11)
    empty_store()
    before = schema()
    assert any("FOREIGN KEY" in str(row[2]) or "REFERENCES" in str(row[2]) for row in before)
    report = store_columnar(read_job(prepare_hubspot([path], OPTIONS)))
    assert report.total("created") > 300
    after = schema()
    assert after == before
    if connection.vendor == "postgresql":
        assert all(row[3] for row in after)  # every foreign key validated


def test_blank_rows_are_not_rows(tmp_path: Path) -> None:
    source = tmp_path / "source.csv"
    write_contacts_export(source, 40, seed=12)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    width = len(rows[0])
    # blank rows (empty and whitespace-only cells) in the middle and at the end
    rows[10:10] = [[""] * width, [" "] * width]
    rows[25:25] = [["\t"] + [""] * (width - 1)]
    rows.append([""] * width)
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    read = read_job(prepare_hubspot([path], OPTIONS))
    assert read.rows == 40
    compare([[path]])


def test_large_stored_tables_through_pyarrow_give_the_same_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-import's stored rows reach DuckDB through pyarrow from ``_ARROW_ROWS`` rows on
    (list parameters below): the same comparison, the same store."""
    from funnelpact.server.tracking import bulk

    monkeypatch.setattr(bulk, "_ARROW_ROWS", 0)
    older, newer = tmp_path / "older.csv", tmp_path / "newer.csv"
    write_contacts_export(older, 300, seed=3)
    write_contacts_export(newer, 400, seed=4)
    compare([[older], [older], [newer]])
