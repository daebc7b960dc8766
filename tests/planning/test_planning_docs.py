"""docs/planner.md keeps up with the code: every field, issue code and CLI option is there."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.domain.planning import PlanCode, spec

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs/planner.md").read_text(encoding="utf-8")


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_every_field_is_documented() -> None:
    models = (
        spec.PlanSpec, spec.PeriodSpec, spec.StageSpec, spec.StreamSpec, spec.SourceSpec,
        spec.CapacitySpec, spec.FollowUpSpec,
    )  # fmt: skip
    missing = {f"{m.__name__}.{f}" for m in models for f in _fields(m) if f"`{f}`" not in DOC}
    assert missing == set()


def test_every_field_has_a_description() -> None:
    for model in (spec.PlanSpec, spec.StageSpec, spec.StreamSpec, spec.SourceSpec):
        assert all(field.description for field in model.model_fields.values()), model


def test_every_issue_code_is_documented_once_and_no_other() -> None:
    documented = re.findall(r"^\| (PLAN\d{3}) \|", DOC, flags=re.MULTILINE)
    assert sorted(documented) == sorted(code.value for code in PlanCode)


def test_every_cli_option_is_documented() -> None:
    result = CliRunner().invoke(app, ["plan", "--help"], env={"COLUMNS": "200"})
    options = set(re.findall(r"(--[a-z][a-z-]+)", result.stdout))
    assert options, result.stdout
    assert {option for option in options if option not in DOC} == set()


def test_both_examples_are_in_the_docs_and_exist() -> None:
    for example in ("examples/plan-seed-000.yaml", "examples/plan-seed-003.yaml"):
        assert example in DOC
        assert (ROOT / example).is_file()
    assert "uv run funnelpact plan examples/plan-seed-000.yaml" in DOC


def test_the_documented_planning_file_is_a_valid_plan() -> None:
    from datetime import date

    from funnelpact.domain.planning import build_plan, load_plan_text

    block = re.search(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
    assert block is not None
    planning, issues = load_plan_text(block.group(1), file="docs/planner.md")
    assert issues == [] and planning is not None
    plan = build_plan(planning, default_start=date(2025, 1, 1))
    assert [f.name for f in plan.streams] == ["smb", "enterprise"]
    assert plan.total.stage("prospect").before_period > 0
