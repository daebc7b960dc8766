"""The reverse-funnel planner: from the revenue goal back to the volume every stage must deliver.

Public API (see docs/planner.md):
- `PlanSpec` and its parts: the input (the top level of a planning file and the ``plan:``
  section of the SLA agreement);
- `load_plan(mapping)` -> (spec or None, issues); `validate_plan(spec)` -> issues;
  `load_plan_text(yaml_text, file=...)`: the same from a planning file's text, each issue at
  its file:line:column (`locate_issues` does that for any YAML document and field paths);
- `PlanCode`: the stable issue codes; `format_field_path` / `parse_field_path`;
- `build_plan(spec, default_start=...)` -> `Plan`: per stage, stream and source, what is needed
  per period, quarter, month and week with bounds; reps, follow-up budget, sensitivity;
  `Plan.target_between(stage, start, end)` pro-rates a target to any dates (for pacing).
"""

from funnelpact.domain.planning.planner import apportion, build_plan, reverse_chain
from funnelpact.domain.planning.result import (
    CapacityPlan,
    FollowUpPlan,
    Funnel,
    PeriodTarget,
    Plan,
    ProtocolCheck,
    RepNeed,
    SensitivityRow,
    StageTargets,
    Target,
)
from funnelpact.domain.planning.spec import (
    DEFAULT_REQUIRED_ATTEMPTS,
    DEFAULT_STAGE_NAMES,
    CapacitySpec,
    FollowUpSpec,
    PeriodSpec,
    PlanSpec,
    RoundingMode,
    SourceSpec,
    StageSpec,
    StreamSpec,
)
from funnelpact.domain.planning.validation import (
    PlanCode,
    format_field_path,
    issues_from_validation_error,
    load_plan,
    parse_field_path,
    validate_plan,
)
from funnelpact.domain.planning.yaml_source import load_plan_text, locate, locate_issues

__all__ = [
    "DEFAULT_REQUIRED_ATTEMPTS",
    "DEFAULT_STAGE_NAMES",
    "CapacityPlan",
    "CapacitySpec",
    "FollowUpPlan",
    "FollowUpSpec",
    "Funnel",
    "PeriodSpec",
    "PeriodTarget",
    "Plan",
    "PlanCode",
    "PlanSpec",
    "ProtocolCheck",
    "RepNeed",
    "RoundingMode",
    "SensitivityRow",
    "SourceSpec",
    "StageSpec",
    "StageTargets",
    "StreamSpec",
    "Target",
    "apportion",
    "build_plan",
    "format_field_path",
    "issues_from_validation_error",
    "load_plan",
    "load_plan_text",
    "locate",
    "locate_issues",
    "parse_field_path",
    "reverse_chain",
    "validate_plan",
]
