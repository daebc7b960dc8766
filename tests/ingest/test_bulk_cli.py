"""`funnelpact import hubspot` takes the bulk path for contact exports, and the row path when a
row is bad (its messages, --skip-invalid's rejected rows) or the files are not all contacts."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import pytest
from ingest_testkit import DATA
from test_bulk_store import empty_store, full_dump, row_path
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.server.tracking import bulk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import write_contacts_export  # noqa: E402

pytestmark = pytest.mark.django_db

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def invoke(*args: object) -> Any:
    return runner.invoke(app, ["import", *(str(arg) for arg in args)], env=WIDE)


@pytest.fixture
def bulk_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = bulk.store_columnar

    def spy(read: Any, **kwargs: Any) -> Any:
        calls.append(read.rows)
        return real(read, **kwargs)

    monkeypatch.setattr(bulk, "store_columnar", spy)
    return calls


def test_contacts_go_the_bulk_way_and_store_what_the_row_path_stores(
    tmp_path: Path, bulk_calls: list[int]
) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 300, seed=21)
    row_path([path])
    expected = full_dump()
    empty_store()

    first = invoke("hubspot", path, "--timezone", "Europe/Madrid")
    again = invoke("hubspot", path, "--timezone", "Europe/Madrid")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert bulk_calls == [300, 300]
    assert full_dump() == expected
    assert "300 rows in" in first.stdout
    contact_line = next(line for line in again.stdout.splitlines() if "│ contact " in line)
    assert contact_line.split("│")[2:6] == ["       0 ", "       0 ", "       300 ", "      0 "]


def test_a_bad_row_is_named_by_the_row_path_and_nothing_is_stored(
    tmp_path: Path, bulk_calls: list[int]
) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 200, seed=22)
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    rows[150][13] = "2024-13-01 09:00"  # Create Date of data row 150
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)

    refused = invoke("hubspot", path, "--timezone", "Europe/Madrid")

    assert refused.exit_code == 1
    assert bulk_calls == []
    assert (
        f'{path}, row 150 (line 151), column "Create Date": error IMP101 bad date'
        ' "2024-13-01 09:00": expected an ISO 8601 date such as 2024-12-31 or 2024-12-31'
        " 23:59:59" in refused.output.replace("\n", "")
    )
    assert full_dump()["tracking_contact"] == []

    kept = invoke("hubspot", path, "--timezone", "Europe/Madrid", "--skip-invalid")

    assert kept.exit_code == 0, kept.output
    rejected = list(csv.reader((tmp_path / "contacts.rejected.csv").open(encoding="utf-8")))
    assert [row[-3:] for row in rejected[1:]] == [
        ["150", "Create Date", 'bad date "2024-13-01 09:00": expected an ISO 8601 date such as'
         " 2024-12-31 or 2024-12-31 23:59:59"]
    ]  # fmt: skip
    assert len(full_dump()["tracking_contact"]) == 199


def test_mixed_exports_go_the_row_way(bulk_calls: list[int]) -> None:
    done = invoke(
        "hubspot",
        DATA / "hubspot_contacts_en.csv",
        DATA / "hubspot_deals_en.csv",
        "--timezone",
        "Europe/Madrid",
    )

    assert done.exit_code == 0, done.output
    assert bulk_calls == []
