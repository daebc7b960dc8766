"""`funnelpact import`: end to end into the store (SQLite by default, PostgreSQL in CI)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from ingest_testkit import DATA, EXPORTS
from typer.testing import CliRunner

from funnelpact.cli.main import app

pytestmark = pytest.mark.django_db

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
CONTACTS = DATA / "hubspot_contacts_en.csv"
HUBSPOT_FILES = [CONTACTS, DATA / "hubspot_deals_en.csv", DATA / "hubspot_activities_en.csv"]


def invoke(*args: object) -> Any:
    return runner.invoke(app, ["import", *(str(arg) for arg in args)], env=WIDE)


def store_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (primary keys included: a re-import must not recreate rows)."""
    from django.apps import apps

    state = {}
    for model in apps.get_app_config("tracking").get_models():
        rows = model.objects.order_by("pk").values_list()
        state[model.__name__] = [tuple(row) for row in rows]
    return state


def count(name: str) -> int:
    from django.apps import apps

    return int(apps.get_model("tracking", name).objects.count())


def test_a_hubspot_import_stores_everything_and_a_reimport_changes_nothing() -> None:
    first = invoke("hubspot", *HUBSPOT_FILES, "--timezone", "Europe/Madrid")

    assert first.exit_code == 0, first.output
    assert "Stored" in first.stdout and "Files" in first.stdout
    assert (count("Contact"), count("StageChange"), count("Deal"), count("Touch")) == (
        4, 6, 3, 6)  # fmt: skip  # 5 activity touches + 1 form submission
    state = store_state()

    again = invoke("hubspot", *HUBSPOT_FILES, "--timezone", "Europe/Madrid")

    assert again.exit_code == 0, again.output
    assert store_state() == state
    contact_line = next(line for line in again.stdout.splitlines() if "│ contact " in line)
    assert contact_line.split("│")[2:6] == ["       0 ", "       0 ", "         4 ", "      0 "]


def test_a_newer_export_updates_and_adds_history_without_duplicates(tmp_path: Path) -> None:
    assert invoke("hubspot", CONTACTS, "--timezone", "Europe/Madrid").exit_code == 0
    with CONTACTS.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    # A week later: Ana became an SQL, and a new contact arrived.
    ana = rows[0]
    ana[header.index("Lifecycle Stage")] = "Sales Qualified Lead"
    ana[header.index("Became a Sales Qualified Lead Date")] = "2024-03-13 10:00"
    rows.append(
        [
            "505",
            "Eva",
            "Gallo",
            "eva@example.it",
            "Gallo Srl",
            "Marco Ferri",
            "Lead",
            "",
            "2024-03-15 09:00",
            "Referrals",
            "",
            "",
            "2024-03-15 09:00",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    newer = tmp_path / "contacts-newer.csv"
    with newer.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])

    result = invoke("hubspot", newer, "--timezone", "Europe/Madrid")

    assert result.exit_code == 0, result.output
    from funnelpact.server.tracking import models

    assert count("Contact") == 5
    ana_stages = models.StageChange.objects.filter(contact__first_name="Ana")
    assert sorted(ana_stages.values_list("stage", flat=True)) == ["lead", "mql", "sql"]
    assert models.Contact.objects.get(first_name="Ana").lifecycle_stage == "sql"
    assert count("StageChange") == 6 + 2  # Ana's SQL and Eva's lead; nothing repeated


def test_a_bad_row_refuses_the_import_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    text = CONTACTS.read_text(encoding="utf-8-sig").replace("2024-03-14 09:30", "2024-03-14 9h30")
    path.write_text(text, encoding="utf-8")

    result = invoke("hubspot", path, "--timezone", "Europe/Madrid")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'{path}, row 4 (line 6), column "Owner assigned date": error IMP101 bad date'
        ' "2024-03-14 9h30": expected an ISO 8601 date such as 2024-12-31 or 2024-12-31'
        " 23:59:59",
        "import refused: 1 error(s) in 1 row(s); nothing was stored (--skip-invalid stores the"
        " good rows)",
    ]
    assert count("Contact") == 0 and count("Rep") == 0


def test_skip_invalid_stores_the_good_rows_and_prints_where_the_bad_ones_are(
    tmp_path: Path,
) -> None:
    path = tmp_path / "contacts.csv"
    text = CONTACTS.read_text(encoding="utf-8-sig").replace("2024-03-14 09:30", "2024-03-14 9h30")
    path.write_text(text, encoding="utf-8")

    result = invoke("hubspot", path, "--timezone", "Europe/Madrid", "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert count("Contact") == 3
    rejected = tmp_path / "contacts.rejected.csv"
    assert f"1 rejected row(s) of {path} written to {rejected}" in " ".join(result.stdout.split())
    with rejected.open(encoding="utf-8", newline="") as handle:
        [_header, row] = list(csv.reader(handle))
    assert row[0] == "504" and row[-3:-1] == ["4", "Owner assigned date"]


def test_a_file_level_problem_exits_before_anything_is_read() -> None:
    result = invoke("hubspot", DATA / "empty.csv")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{DATA / 'empty.csv'}: error IMP002 the file is empty: no header row and no data",
        "import refused: 1 error(s); nothing was stored",
    ]


def test_a_dry_run_reads_and_stores_nothing() -> None:
    result = invoke("hubspot", *HUBSPOT_FILES, "--timezone", "UTC", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: nothing was stored" in result.stdout
    assert count("Contact") == 0


def test_touches_of_contacts_not_imported_need_the_option() -> None:
    activities = DATA / "hubspot_activities_en.csv"

    refused = invoke("hubspot", activities, "--timezone", "UTC")
    accepted = invoke("hubspot", activities, "--timezone", "UTC", "--create-missing-contacts")

    assert refused.exit_code == 1
    lines = refused.stderr.splitlines()
    # The store names the record; the import adds the row that gave it.
    assert lines[0].startswith(f"{activities}, row 1 (line 2): error touch hubspot:7001:")
    assert lines[4].startswith(f"{activities}, row 4 (line 5): error touch hubspot:7004:504:")
    assert lines[-1] == "import refused by the store; nothing was stored"
    assert accepted.exit_code == 0, accepted.output
    assert count("Touch") == 5


def test_salesforce_and_mapped_csv_imports() -> None:
    salesforce = sorted((EXPORTS / "salesforce").glob("[A-Z]*.csv"))
    mapping = EXPORTS / "mapping"

    first = invoke("salesforce", *salesforce, "--timezone", "Europe/Rome")
    second = invoke(
        "csv",
        mapping / "pipedrive-persons.csv",
        "--mapping",
        mapping / "pipedrive-persons.map.yaml",
    )
    third = invoke(
        "csv",
        mapping / "pipedrive-activities.csv",
        "--mapping",
        mapping / "pipedrive-activities.map.yaml",
    )

    assert (first.exit_code, second.exit_code, third.exit_code) == (0, 0, 0), (
        first.output + second.output + third.output)  # fmt: skip
    assert count("Contact") == 4 + 3
    assert count("Deal") == 2


def test_bad_options_are_refused_clearly(tmp_path: Path) -> None:
    zone = invoke("hubspot", CONTACTS, "--timezone", "Mars/Olympus")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("kind: contacts\n")
    bad_mapping = invoke("csv", CONTACTS, "--mapping", mapping)

    assert zone.exit_code == 1
    assert zone.stderr.strip() == (
        "error: unknown time zone 'Mars/Olympus': use an IANA name such as Europe/Madrid,"
        " Europe/Rome or America/New_York"
    )
    assert bad_mapping.exit_code == 1
    assert bad_mapping.stderr.splitlines()[0] == (
        f"error: {mapping}:1: columns.ref: required for contacts: map it to a column (or give it"
        " under defaults)"
    )
