"""Every planning issue code, its field path and its message; all issues at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from funnelpact.domain.errors import DomainError, Level
from funnelpact.domain.planning import (
    PlanCode,
    PlanSpec,
    build_plan,
    format_field_path,
    load_plan,
    load_plan_text,
    locate,
    parse_field_path,
    validate_plan,
)


def _valid() -> dict[str, Any]:
    return {
        "goal": 100000,
        "deal_size": 1000,
        "period": {"start": "2025-01-01"},
        "stages": [
            {"name": "lead", "rate": 0.5},
            {"name": "mql", "rate": 0.5},
            {"name": "sql", "rate": 0.5},
        ],
    }


def _issues(**changes: Any) -> list[tuple[str, str, str]]:
    data = _valid() | changes
    spec, issues = load_plan(data)
    if any(issue.level is Level.ERROR for issue in issues):
        assert spec is None
    return [(issue.code, issue.field, issue.message) for issue in issues]


def test_a_valid_plan_has_no_issues() -> None:
    spec, issues = load_plan(_valid())
    assert issues == []
    assert spec is not None and spec.goal == Decimal(100000)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"goal": -5}, (PlanCode.GOAL_NOT_POSITIVE, "goal", "goal -5 must be greater than 0")),
        ({"goal": 0}, (PlanCode.GOAL_NOT_POSITIVE, "goal", "goal 0 must be greater than 0")),
        (
            {"deal_size": 0},
            (PlanCode.DEAL_SIZE_NOT_POSITIVE, "deal_size", "deal size 0 must be greater than 0"),
        ),
        (
            {"period": {"start": "2025-01-01", "end": "2024-12-31"}},
            (
                PlanCode.PERIOD_END_BEFORE_START,
                "period.end",
                "period end 2024-12-31 is before its start 2025-01-01",
            ),
        ),
        (
            {"currency": "euro"},
            (
                PlanCode.CURRENCY_NOT_ISO,
                "currency",
                "currency 'euro' must be a three-letter ISO 4217 code such as EUR",
            ),
        ),
        ({"stages": []}, (PlanCode.NO_STAGES, "stages", "at least one funnel stage is needed")),
        (
            {"stages": [{"name": "lead", "rate": 1.5}]},
            (
                PlanCode.RATE_OUT_OF_RANGE,
                "stages[0].rate",
                "conversion rate 1.5 is outside (0, 1]; write 25% as 0.25",
            ),
        ),
        (
            {"stages": [{"name": "lead", "rate": 0}]},
            (
                PlanCode.RATE_OUT_OF_RANGE,
                "stages[0].rate",
                "conversion rate 0 is outside (0, 1]; write 25% as 0.25",
            ),
        ),
        (
            {"stages": [{"name": "lead", "rate": 0.5}, {"name": "lead", "rate": 0.5}]},
            (
                PlanCode.DUPLICATE_STAGE,
                "stages[1].name",
                "duplicate stage name 'lead' (already at stages[0])",
            ),
        ),
        (
            {"stages": [{"name": "1st stage", "rate": 0.5}]},
            (
                PlanCode.BAD_NAME,
                "stages[0].name",
                "stage name '1st stage' must start with a letter and use only letters, digits, "
                "'_' or '-'",
            ),
        ),
        (
            {"stages": [{"name": "lead", "rate": 0.5, "lag_days": -3}]},
            (PlanCode.NEGATIVE_LAG, "stages[0].lag_days", "lag of -3 days must be 0 or more"),
        ),
        (
            {"streams": [{"name": "smb", "share": 0.5}, {"name": "ent", "share": 0.4}]},
            (
                PlanCode.SHARES_NOT_ONE,
                "streams",
                "the streams' shares must add up to 1, got 0.5 + 0.4 = 0.9",
            ),
        ),
        (
            {"streams": [{"name": "smb", "share": 0.5}, {"name": "smb", "share": 0.5}]},
            (
                PlanCode.DUPLICATE_STREAM,
                "streams[1].name",
                "duplicate stream name 'smb' (already at streams[0])",
            ),
        ),
        (
            {"streams": [{"name": "smb", "share": 1, "rates": {"mqll": 0.3}}]},
            (
                PlanCode.UNKNOWN_STAGE,
                "streams[0].rates.mqll",
                "unknown stage 'mqll' (stages: lead, mql, sql)",
            ),
        ),
        (
            {"sources": [{"name": "web", "mix": 0.7}]},
            (PlanCode.MIX_NOT_ONE, "sources", "the sources' mixes must add up to 1, got 0.7"),
        ),
        (
            {"sources": [{"name": "web", "mix": 0.5}, {"name": "web", "mix": 0.5}]},
            (
                PlanCode.DUPLICATE_SOURCE,
                "sources[1].name",
                "duplicate source name 'web' (already at sources[0])",
            ),
        ),
        (
            {"streams": [{"name": "smb", "share": 1.5}, {"name": "ent", "share": -0.5}]},
            (PlanCode.SHARE_OUT_OF_RANGE, "streams[0].share", "share 1.5 is outside (0, 1]"),
        ),
        (
            {"working_weeks": 60},
            (
                PlanCode.WORKING_WEEKS_OUT_OF_RANGE,
                "working_weeks",
                "working weeks 60 must be in (0, 53]",
            ),
        ),
        (
            {"seasonality": [1, 1, 1]},
            (
                PlanCode.BAD_SEASONALITY,
                "seasonality",
                "seasonality needs 12 weights (January..December), got 3",
            ),
        ),
        (
            {"tolerance": 1},
            (
                PlanCode.TOLERANCE_OUT_OF_RANGE,
                "tolerance",
                "tolerance 1 must be in [0, 1); write 10% as 0.10",
            ),
        ),
        (
            {"capacity": {"mqls_per_rep_week": 0}},
            (
                PlanCode.CAPACITY_NOT_POSITIVE,
                "capacity.mqls_per_rep_week",
                "mqls_per_rep_week 0 must be greater than 0",
            ),
        ),
        (
            {"capacity": {"sqls_per_rep_week": 4, "sql_stage": "opportunity"}},
            (
                PlanCode.UNKNOWN_STAGE,
                "capacity.sql_stage",
                "unknown stage 'opportunity' (stages: lead, mql, sql)",
            ),
        ),
        (
            {"follow_up": {"hours_per_rep_month": 0, "minutes_per_attempt": 10}},
            (
                PlanCode.FOLLOW_UP_NOT_POSITIVE,
                "follow_up.hours_per_rep_month",
                "hours_per_rep_month 0 must be greater than 0",
            ),
        ),
        (
            {"follow_up": {"hours_per_rep_month": 10, "minutes_per_attempt": 10, "stage": "x"}},
            (
                PlanCode.UNKNOWN_STAGE,
                "follow_up.stage",
                "unknown stage 'x' (stages: lead, mql, sql)",
            ),
        ),
        (
            {"goal": "lots"},
            (
                PlanCode.INVALID_VALUE,
                "goal",
                "invalid goal 'lots': Input should be a valid decimal",
            ),
        ),
        (
            {"stagez": []},
            (
                PlanCode.UNKNOWN_FIELD,
                "stagez",
                "unknown field 'stagez' (check the spelling; see docs/planner.md)",
            ),
        ),
        (
            {"rounding": "sometimes"},
            (
                PlanCode.INVALID_VALUE,
                "rounding",
                "invalid rounding 'sometimes': Input should be 'each_stage' or 'once'",
            ),
        ),
    ],
)
def test_each_code_names_field_and_value(
    changes: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    assert expected in _issues(**changes)


def test_missing_field() -> None:
    data = _valid()
    del data["deal_size"]
    _, issues = load_plan(data)
    assert [(i.code, i.field, i.message) for i in issues] == [
        (PlanCode.MISSING_FIELD, "deal_size", "required field 'deal_size' is missing")
    ]


def test_deal_larger_than_goal_is_a_warning_and_keeps_the_spec() -> None:
    spec, issues = load_plan(_valid() | {"goal": 500})
    assert spec is not None
    assert [(i.level, i.code) for i in issues] == [(Level.WARNING, PlanCode.DEAL_LARGER_THAN_GOAL)]


def test_every_problem_is_reported_at_once() -> None:
    issues = _issues(
        goal=-1,
        stages=[{"name": "lead", "rate": 2}, {"name": "lead", "rate": -0.1}],
        sources=[{"name": "web", "mix": 0.3, "rates": {"nope": 0.5}}],
        tolerance=-0.1,
    )
    codes = [code for code, _, _ in issues]
    assert codes == [
        PlanCode.GOAL_NOT_POSITIVE,
        PlanCode.RATE_OUT_OF_RANGE,
        PlanCode.RATE_OUT_OF_RANGE,
        PlanCode.DUPLICATE_STAGE,
        PlanCode.UNKNOWN_STAGE,
        PlanCode.MIX_NOT_ONE,
        PlanCode.TOLERANCE_OUT_OF_RANGE,
    ]


def test_non_finite_numbers_are_refused() -> None:
    issues = _issues(goal="NaN", deal_size="Infinity")
    assert [(c, f) for c, f, _ in issues] == [
        (PlanCode.INVALID_VALUE, "goal"),
        (PlanCode.INVALID_VALUE, "deal_size"),
    ]


def test_shares_are_compared_with_a_tolerance_of_1e_9() -> None:
    thirds = [{"name": f"s{i}", "share": "0.3333333333"} for i in range(3)]
    assert _issues(streams=thirds) == []  # 0.9999999999 is 1e-10 from 1
    off = [{"name": f"s{i}", "share": "0.33333333"} for i in range(3)]
    assert [c for c, _, _ in _issues(streams=off)] == [PlanCode.SHARES_NOT_ONE]


def test_prefix_names_the_section_of_an_enclosing_document() -> None:
    _, issues = load_plan(_valid() | {"goal": -1}, prefix="plan")
    assert [i.field for i in issues] == ["plan.goal"]
    spec = PlanSpec.model_validate(_valid() | {"tolerance": 2})
    assert [i.field for i in validate_plan(spec, prefix="plan")] == ["plan.tolerance"]


def test_a_plan_must_be_a_mapping() -> None:
    spec, issues = load_plan([1, 2])
    assert spec is None
    assert [(i.code, i.message) for i in issues] == [
        (
            PlanCode.INVALID_VALUE,
            "a plan must be a mapping of fields (goal, deal_size, stages...), got list",
        )
    ]


def test_build_plan_refuses_an_invalid_spec_with_every_issue() -> None:
    spec = PlanSpec.model_validate(_valid() | {"goal": -1, "tolerance": 3})
    with pytest.raises(DomainError) as caught:
        build_plan(spec)
    assert [i.code for i in caught.value.issues] == [
        PlanCode.GOAL_NOT_POSITIVE,
        PlanCode.TOLERANCE_OUT_OF_RANGE,
    ]


def test_build_plan_needs_a_period_start() -> None:
    data = _valid()
    del data["period"]
    spec = PlanSpec.model_validate(data)
    with pytest.raises(DomainError) as caught:
        build_plan(spec)
    assert [(i.code, i.field) for i in caught.value.issues] == [(PlanCode.MISSING_FIELD, "period")]


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("goal", ("goal",)),
        ("stages[2].rate", ("stages", 2, "rate")),
        ("plan.streams[0].rates.mql", ("plan", "streams", 0, "rates", "mql")),
        ("seasonality[11]", ("seasonality", 11)),
    ],
)
def test_field_paths_round_trip(path: str, parts: tuple[str | int, ...]) -> None:
    assert parse_field_path(path) == parts
    assert format_field_path(parts) == path


PLANNING_FILE = """\
goal: 100000
deal_size: 1000
period: {start: 2025-01-01}
stages:
  - name: lead
    rate: 1.5
  - {name: mql, rate: 0.5, lagdays: 3}
streams:
  - name: smb
    share: 1
    rates:
      sqll: 0.2
"""


def test_issues_from_a_file_carry_line_and_column() -> None:
    spec, issues = load_plan_text(PLANNING_FILE, file="plan.yaml")
    assert spec is None
    assert [i.render() for i in issues] == [
        "plan.yaml:7:28: error PLAN002 stages[1].lagdays: unknown field 'lagdays' "
        "(check the spelling; see docs/planner.md)",
    ]
    fixed = PLANNING_FILE.replace(", lagdays: 3", "")
    spec, issues = load_plan_text(fixed, file="plan.yaml")
    assert [i.render() for i in issues] == [
        "plan.yaml:6:11: error PLAN023 stages[0].rate: conversion rate 1.5 is outside (0, 1]; "
        "write 25% as 0.25",
        "plan.yaml:12:7: error PLAN032 streams[0].rates.sqll: unknown stage 'sqll' "
        "(stages: lead, mql)",
    ]


def test_yaml_syntax_errors_and_empty_files_are_located() -> None:
    _, issues = load_plan_text("goal: [1\n", file="bad.yaml")
    assert [(i.code, i.file, i.line) for i in issues] == [(PlanCode.INVALID_VALUE, "bad.yaml", 2)]
    _, issues = load_plan_text("# nothing yet\n", file="empty.yaml")
    assert [(i.code, i.file, i.line) for i in issues] == [
        (PlanCode.MISSING_FIELD, "empty.yaml", None)
    ]


def test_locate_falls_back_to_the_deepest_existing_node() -> None:
    import yaml

    root = yaml.compose(PLANNING_FILE)
    assert locate(root, ("stages", 1, "rate")) == (7, 23)
    assert locate(root, ("stages", 9, "rate")) == (5, 3)  # no 10th stage: the stages list
    assert locate(None, ("goal",)) is None
