"""Reports from the store: straight from it, and from its `funnelpact db export` files (CSV)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.server.backup import BackupFormat, export_store
from funnelpact.server.tracking.services import store_records

from .conftest import june_records

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def sales_side(output: str) -> dict[str, dict[str, object]]:
    tables = json.loads(output)["tables"]
    sales = next(table for table in tables if table["key"] == "sales")
    return {row["commitment"]: row for row in sales["rows"]}


def test_the_store_and_its_csv_export_give_the_hand_computed_scorecard(tmp_path: Path) -> None:
    store_records(june_records())
    args = ["report", "scorecard", "--period", "2026-06", "--format", "json"]
    from_store = runner.invoke(app, args)
    assert from_store.exit_code == 0, from_store.output
    export = tmp_path / "export"
    export_store(export, BackupFormat.CSV)
    assert (export / "tracking_contact.csv").is_file()
    from_files = runner.invoke(app, [*args, "--data", str(export)])
    assert from_files.exit_code == 0, from_files.output
    for output in (from_store.output, from_files.output):
        sales = sales_side(output)
        # conftest: a1 and a2 touched within 24 business hours, a3 never; a1 accepted, a2 not.
        assert sales["Hand-offs touched within 24 business hours"]["actual"] == pytest.approx(2 / 3)
        assert sales["Acceptance rate"]["actual"] == 0.5
