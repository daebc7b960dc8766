"""`funnelpact plan` through Typer's runner and, once, through a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.domain.errors import DomainError
from funnelpact.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SEED_000 = str(ROOT / "examples/plan-seed-000.yaml")
SEED_003 = str(ROOT / "examples/plan-seed-003.yaml")
QUICK = [
    "plan", "--goal", "100000", "--deal-size", "1000",
    "--stage", "prospect:0.5", "--stage", "lead:0.5", "--stage", "mql:0.5",
    "--stage", "sql:0.5", "--stage", "opportunity:0.5",
]  # fmt: skip

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_quick_flags_give_seed_000_exactly() -> None:
    document = _json([*QUICK, "--weeks", "48", "--rep-mqls-per-week", "8", "--format", "json"])
    assert document["customers"] == 100
    stages = document["stages"]
    assert isinstance(stages, list)
    assert [(s["name"], s["needed"]) for s in stages] == [
        ("prospect", 3200),
        ("lead", 1600),
        ("mql", 800),
        ("sql", 400),
        ("opportunity", 200),
    ]
    per_week = document["per_week"]
    assert isinstance(per_week, dict)
    assert list(per_week) == ["prospect", "lead", "mql", "sql", "opportunity"]
    assert round(per_week["mql"], 2) == 16.67
    assert round(float(str(document["reps_needed"])), 2) == 2.08
    assert document["reps_needed_rounded"] == 3


def test_quick_flags_without_capacity_have_no_reps_and_cover_this_year() -> None:
    document = _json([*QUICK, "--format", "json"])
    assert "reps_needed" not in document
    period = document["period"]
    assert isinstance(period, dict)
    assert period["start"] == f"{date.today().year}-01-01"
    assert document["working_weeks"] == 48


def test_percent_rates_and_start_flag() -> None:
    document = _json(
        ["plan", "--goal", "1000", "--deal-size", "10", "--stage", "mql:25%",
         "--start", "2025-04-01", "--format", "json"]
    )  # fmt: skip
    assert document["customers"] == 100
    stages = document["stages"]
    assert isinstance(stages, list) and stages[0]["needed"] == 400
    assert document["period"] == {"start": "2025-04-01", "end": "2026-03-31"}


def test_file_table_is_what_a_marketer_pastes() -> None:
    result = runner.invoke(app, ["plan", SEED_000], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "100 customers" in text
    for expected in ("Prospects", "3,200", "1,600", "800", "16.67", "2.08 (3 rounded up)"):
        assert expected in text
    assert "2,880-3,520" in text  # the period bounds of the prospects, +/-10%


def test_seed_003_json_compares_sources() -> None:
    document = _json(["plan", SEED_003, "--format", "json"])
    alone = {f["name"]: f["stages"][0]["needed"] for f in document["single_source"]}  # type: ignore[index, union-attr, attr-defined]
    assert alone == {"web_form": 3900, "outbound": 2600}
    assert document["customers"] == 250
    assert document["currency"] == "USD"


def test_csv_is_long_and_adds_up() -> None:
    result = runner.invoke(app, ["plan", SEED_000, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    period = [
        r for r in rows if (r["scope"], r["stage"], r["granularity"]) == ("total", "mql", "period")
    ]
    assert [Decimal(r["expected"]) for r in period] == [Decimal(800)]
    months = [
        r for r in rows if (r["scope"], r["stage"], r["granularity"]) == ("total", "mql", "month")
    ]
    assert len(months) == 12
    assert abs(sum(Decimal(r["expected"]) for r in months) - 800) < Decimal("1e-20")


def test_markdown_has_the_funnel_table() -> None:
    result = runner.invoke(app, ["plan", SEED_000, "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "# Funnel plan"
    assert "| MQLs | 50% | 800 | 720-880 | 66.67 | 60-73.3 | 16.67 | 15-18.3 |" in lines


def test_help_shows_both_examples() -> None:
    result = runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "funnelpact plan examples/plan-seed-000.yaml" in result.stdout
    assert "--stage opportunity:0.5" in result.stdout
    for flag in ("--goal", "--deal-size", "--weeks", "--rep-mqls-per-week", "--format"):
        assert flag in result.stdout


def test_bad_flags_raise_located_errors() -> None:
    result = runner.invoke(app, [*QUICK[:3], "--deal-size", "1000", "--stage", "mql:1.5"])
    # The goal is valid; only the rate is named, as the flag the user typed.
    assert isinstance(result.exception, DomainError)
    assert [(i.code, i.field) for i in result.exception.issues] == [
        ("PLAN023", "--stage 'mql:1.5'")
    ]
    result = runner.invoke(app, ["plan", "--goal", "1", "--stage", "mql"])
    assert isinstance(result.exception, InputError)
    result = runner.invoke(app, ["plan", SEED_000, "--goal", "5"])
    assert isinstance(result.exception, InputError)
    assert "not both" in result.exception.message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "missing.yaml"], "error: missing.yaml: no such planning file"),
        (["plan"], "error: give a planning file (funnelpact plan FILE.yaml) or --goal"),
        (
            ["plan", "--goal", "-5", "--deal-size", "1000", "--stage", "mql:2"],
            "--goal: error PLAN010 goal -5 must be greater than 0\n"
            "--stage 'mql:2': error PLAN023 conversion rate 2 is outside (0, 1]",
        ),
        (
            ["plan", "--goal", "100", "--deal-size", "1", "--stage", "sql:abc"],
            "--stage 'sql:abc': error PLAN003 invalid rate 'abc'",
        ),
    ],
)
def test_real_process_errors_are_one_located_message(args: list[str], message: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "funnelpact", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    assert completed.returncode == 1
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_real_process_reports_bad_yaml_at_its_line(tmp_path: Path) -> None:
    planning = tmp_path / "plan.yaml"
    planning.write_text(
        "goal: 100000\ndeal_size: 1000\nstages:\n"
        "  - {name: mql, rate: 0.5}\n  - {name: sql, rate: 7}\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "funnelpact", "plan", str(planning)],
        capture_output=True, text=True, env={"COLUMNS": "200"}, check=False,
    )  # fmt: skip
    assert completed.returncode == 1
    assert completed.stderr.strip() == (
        f"{planning}:5:23: error PLAN023 stages[1].rate: conversion rate 7 is outside (0, 1]; "
        "write 25% as 0.25"
    )


def test_readme_command_through_uv() -> None:
    """The README's main command, exactly as a newcomer types it."""
    completed = subprocess.run(
        ["uv", "run", "--quiet", "funnelpact", "plan", "examples/plan-seed-000.yaml",
         "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert [s["needed"] for s in document["stages"]] == [3200, 1600, 800, 400, 200]
