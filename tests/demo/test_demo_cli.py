"""`funnelpact demo-data`: options, located messages for bad input, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelpact.cli.demo_data import load_scenario, parse_end
from funnelpact.cli.main import app
from funnelpact.errors import InputError


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "funnelpact", "demo-data", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )


def test_end_dates_are_local_and_date_times_keep_their_offset() -> None:
    assert parse_end("2026-03-06", "Europe/Madrid") == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert parse_end("2026-03-06T12:30", "Europe/Madrid") == datetime(
        2026, 3, 6, 11, 30, tzinfo=UTC
    )
    assert parse_end("2026-03-06T12:30Z", "Europe/Madrid") == datetime(
        2026, 3, 6, 12, 30, tzinfo=UTC
    )
    with pytest.raises(InputError, match="--end: 'last week' is not a date"):
        parse_end("last week", "Europe/Madrid")


def test_a_bad_end_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = _run("--contacts", "10", "--end", "31/03/2026", "--out", "x", cwd=tmp_path)
    assert result.returncode == 1
    # The CLI's error console wraps long lines when not on a terminal: compare the words.
    assert " ".join(result.stderr.split()) == (
        "error: --end: '31/03/2026' is not a date (YYYY-MM-DD) or a date-time "
        "(YYYY-MM-DDTHH:MM, optionally with +01:00 or Z)"
    )
    assert not (tmp_path / "x").exists()


def test_a_bad_scenario_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("company: Acme\nemail_domain: acme.es\ncolour: blue\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert f"{path}: colour: Extra inputs are not permitted" in caught.value.message
    assert f"{path}: calendar: Field required" in caught.value.message
    path.write_text("company: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"scenario.yaml:2:1: not valid YAML"):
        load_scenario(path)


def test_language_and_end_options(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "demo-data",
            "--contacts",
            "120",
            "--language",
            "it",
            "--end",
            "2026-03-06",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    header = (tmp_path / "contacts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("ID record,Nome,Cognome,E-mail,Nome azienda,Data di creazione")
    assert "120 people" in result.output


def test_an_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder", encoding="utf-8")
    result = _run("--contacts", "10", "--out", str(blocker), cwd=tmp_path)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert message == f"error: cannot write the export in {blocker}: it is a file, not a folder"
    assert "Traceback" not in result.stderr


def test_demo_export_through_funnelpact_import_hubspot_into_the_store(tmp_path: Path) -> None:
    """The user's path end to end, in Spanish: demo-data -> db upgrade -> import hubspot."""
    import os
    import sqlite3

    from funnelpact.demo.generator import DEFAULT_END, generate_journeys
    from funnelpact.demo.scenario import default_scenario

    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}

    def funnelpact(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "funnelpact", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result

    funnelpact(
        "demo-data", "--contacts", "250", "--seed", "3", "--language", "es", "--out", "export"
    )
    funnelpact("db", "upgrade")
    files = sorted(str(path) for path in (tmp_path / "export").glob("*.csv"))
    funnelpact("import", "hubspot", *files, "--timezone", "Europe/Madrid")

    journeys = list(generate_journeys(default_scenario(), 3, DEFAULT_END, contacts=250))

    def counts() -> tuple[int, ...]:
        with sqlite3.connect(tmp_path / "store.db") as db:
            return tuple(
                db.execute(sql).fetchone()[0]
                for sql in (
                    "select count(*) from tracking_contact"
                    " where merged_into_id is null and placeholder = 0",
                    "select count(*) from tracking_stagechange",
                    "select count(*) from tracking_handoffdecision",
                    "select count(*) from tracking_deal",
                )
            )

    first = counts()
    assert first == (
        250,  # duplicate rows merged into their person by email
        sum(len(j.stages) for j in journeys),
        sum(j.decision is not None for j in journeys),
        sum(j.deal is not None for j in journeys),
    )
    funnelpact("import", "hubspot", *files, "--timezone", "Europe/Madrid")
    assert counts() == first  # importing the same export again changes nothing
