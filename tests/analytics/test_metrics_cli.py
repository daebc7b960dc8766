"""`funnelpact metrics` end to end on real export files (Parquet and the store's CSV layout)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from funnelpact.analytics.sources import AnalyticsData
from funnelpact.cli.main import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory, march_data: AnalyticsData) -> Path:
    directory = tmp_path_factory.mktemp("export")
    for name, table in march_data.tables.items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory


def test_show_json_gives_the_hand_computed_rate(export_dir: Path) -> None:
    args = ["metrics", "show", "cohort_conversion", "--period", "2026-03", "--by", "source"]
    args += ["--data", str(export_dir), "--timezone", "Europe/Madrid", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {row["keys"]["source"]: row["value"] for row in json.loads(result.output)["rows"]}
    assert rows == {"ads": 0.0, "web": pytest.approx(2 / 3)}  # conftest: c1, c3 of c1, c3, c4


def test_show_csv_with_the_previous_period(export_dir: Path) -> None:
    args = [
        "metrics",
        "show",
        "stage_entered",
        "--period",
        "2026-03",
        "--by",
        "source",
        "--compare",
    ]
    args += ["--data", str(export_dir), "--timezone", "Europe/Madrid", "--format", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows == [
        {"source": "ads", "value": "1", "sample": "1", "previous": "1"},
        {"source": "web", "value": "3", "sample": "3", "previous": ""},
    ]


def test_store_export_layout_is_read(tmp_path: Path, march_data: AnalyticsData) -> None:
    # The store's backup names: tracking_* tables, integer ids, Django column names.
    contacts = march_data.tables["contacts"]
    ids = {ref: index + 1 for index, ref in enumerate(contacts.column("contact_id").to_pylist())}
    store_contacts = contacts.rename_columns(["id", *contacts.column_names[1:]]).set_column(
        0, "id", __import__("pyarrow").array(list(ids.values()))
    )
    pa_csv.write_csv(store_contacts, tmp_path / "tracking_contact.csv")
    changes = march_data.tables["stage_changes"]
    contact_ids = __import__("pyarrow").array(
        [ids[c] for c in changes.column("contact_id").to_pylist()]
    )
    pa_csv.write_csv(
        changes.set_column(0, "contact_id", contact_ids), tmp_path / "tracking_stagechange.csv"
    )
    args = ["metrics", "show", "stage_entered", "--period", "2026-03", "--data", str(tmp_path)]
    args += ["--timezone", "Europe/Madrid", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"][0]["value"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "month 13 is not 01..12"),
        (["--period", "2026-W54"], "has no week 54"),
        (["--period", "2026-03-10..2026-03-01"], "is before the start"),
        (["--by", "colour"], "colour"),
    ],
)
def test_bad_input_is_one_clear_line(export_dir: Path, args: list[str], message: str) -> None:
    command = [str(Path(sys.executable).parent / "funnelpact"), "metrics", "show", "win_rate"]
    done = subprocess.run(
        [*command, "--data", str(export_dir), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert message in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_missing_data_directory_is_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["metrics", "show", "win_rate", "--data", str(tmp_path / "none")])
    assert result.exit_code != 0
    # `funnelpact`'s run() renders InputError as one line; the app itself raises it.
    assert "none: not a directory" in str(result.exception)


def test_list_shows_every_metric_in_italian() -> None:
    result = runner.invoke(app, ["metrics", "list", "--language", "it"])
    assert result.exit_code == 0
    assert "Tasso di vittoria" in result.output


def test_agreement_sets_zone_and_funnel(export_dir: Path) -> None:
    # Seed 000's agreement: Europe/Madrid, MQL hand-off, SQL qualification.
    args = ["metrics", "show", "stage_entered", "--period", "2026-03", "--data", str(export_dir)]
    args += ["--agreement", str(ROOT / "examples" / "agreement-seed-000.yaml"), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"][0]["value"] == 4  # c6 (April 1 in Madrid) is out
