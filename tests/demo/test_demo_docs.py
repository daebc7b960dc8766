"""docs/demo-data.md stays true: every option, scenario field and rejection reason is documented,
the rep table matches the default scenario, and the fixture example runs."""

from __future__ import annotations

from pathlib import Path

import typer

from funnelpact.cli.main import app
from funnelpact.demo.scenario import REJECTION_REASONS, Scenario, default_scenario
from funnelpact.domain.records import Record

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-data.md"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    blocks, current = [], None
    for line in doc_text().splitlines():
        if line.startswith("```"):
            if current is None and line.strip() == "```python":
                current = []
            elif current is not None:
                blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_every_option_is_documented() -> None:
    group = typer.main.get_command(app)
    command = group.commands["demo-data"]  # type: ignore[attr-defined]
    options = [opt for param in command.params for opt in param.opts if opt.startswith("--")]
    assert len(options) >= 10
    for option in options:
        assert f"| `{option}` |" in doc_text(), option


def test_every_scenario_field_and_reason_is_documented() -> None:
    text = doc_text()
    for name in Scenario.model_fields:
        assert f"| `{name}` |" in text, name
    for reason in REJECTION_REASONS:
        assert f"`{reason}`" in text, reason


def test_the_rep_table_matches_the_default_scenario() -> None:
    text = doc_text()
    for team in default_scenario().sales_teams:
        for rep in team.members:
            assert f"| {rep.name} |" in text, rep.name
            row = next(line for line in text.splitlines() if line.startswith(f"| {rep.name} |"))
            assert f"| {rep.first_touch_median_hours:g} |" in row, row
            assert f"| {round(rep.cadence_diligence * 100)}% |" in row, row


def test_the_fixture_example_runs() -> None:
    example = next(block for block in python_blocks() if "journey(" in block)
    namespace: dict[str, object] = {}
    exec(example, namespace)
    records = namespace["records"]
    assert isinstance(records, list) and all(isinstance(r, Record) for r in records)
    assert len(records) == 4 + 1 + 6  # team, manager, two reps; the contact; six events
