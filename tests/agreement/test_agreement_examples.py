"""The two example agreements: valid, signable, and planned exactly like the planning files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from agreement_testkit import EXAMPLES, SEED_000, SEED_003, check, edited, rendered, run_cli, write

PAIRS = [
    (SEED_000, EXAMPLES / "plan-seed-000.yaml"),
    (SEED_003, EXAMPLES / "plan-seed-003.yaml"),
]


@pytest.mark.parametrize("path", [SEED_000, SEED_003])
def test_example_is_valid_and_only_awaits_signatures(path: Path) -> None:
    loaded = check(path.read_text(encoding="utf-8"), file=str(path))
    assert loaded.agreement is not None
    assert [line.split()[2] for line in rendered(loaded)] == ["AGR016", "AGR016"]


def _without_labels(value: Any) -> Any:
    # The Spanish agreement labels its stages in Spanish; the numbers are what must agree.
    if isinstance(value, dict):
        return {key: _without_labels(item) for key, item in value.items() if key != "label"}
    if isinstance(value, list):
        return [_without_labels(item) for item in value]
    return value


@pytest.mark.parametrize(("agreement", "planning"), PAIRS, ids=["seed-000", "seed-003"])
def test_plan_of_the_agreement_is_the_plan_of_the_planning_file(
    agreement: Path,
    planning: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_agreement = run_cli(capsys, monkeypatch, "plan", str(agreement), "--format", "json")
    from_planning = run_cli(capsys, monkeypatch, "plan", str(planning), "--format", "json")
    assert from_agreement.exit_code == from_planning.exit_code == 0, from_agreement.stderr
    plan_a = json.loads(from_agreement.stdout)
    plan_p = json.loads(from_planning.stdout)
    assert _without_labels(plan_a) == _without_labels(plan_p)
    assert plan_a["customers"] == (100 if agreement == SEED_000 else 250)


def test_plan_reports_a_plan_error_of_the_agreement_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = edited(
        SEED_000.read_text(encoding="utf-8"), ("{name: sql, rate: 0.5", "{name: sql, rate: 1.5")
    )
    path = write(tmp_path, text)
    result = run_cli(capsys, monkeypatch, "plan", str(path))
    assert result.exit_code == 1
    # The CLI's error console wraps long lines (even inside a path): compare without spaces.
    expected = (
        f"{path}:136:19: error PLAN023 conversion rate 1.5 is outside (0, 1]; write 25% as 0.25"
    )
    assert "".join(result.stderr.split()) == "".join(expected.split())


def test_plan_still_works_on_a_draft_with_a_stale_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SEED_000.read_text(encoding="utf-8"))
    assert (
        run_cli(
            capsys, monkeypatch, "agreement", "sign", str(path), "--name", "Javier Romero"
        ).exit_code
        == 0
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("  goal: 100000\n", "  goal: 120000\n"),
        encoding="utf-8",
    )
    assert run_cli(capsys, monkeypatch, "agreement", "validate", str(path)).exit_code == 1
    result = run_cli(capsys, monkeypatch, "plan", str(path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["customers"] == 120
