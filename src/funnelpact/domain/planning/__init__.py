"""The reverse-funnel planner: from the revenue goal back to the volume every stage must deliver.

Public API (see docs/planner.md):
- `PlanSpec` and its parts: the input (the top level of a planning file and the ``plan:``
  section of the SLA agreement);
- `load_plan(mapping)` -> (spec or None, issues); `validate_plan(spec)` -> issues;
- `PlanCode`: the stable issue codes; `format_field_path` / `parse_field_path`.
"""

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

__all__ = [
    "DEFAULT_REQUIRED_ATTEMPTS",
    "DEFAULT_STAGE_NAMES",
    "CapacitySpec",
    "FollowUpSpec",
    "PeriodSpec",
    "PlanCode",
    "PlanSpec",
    "RoundingMode",
    "SourceSpec",
    "StageSpec",
    "StreamSpec",
    "format_field_path",
    "issues_from_validation_error",
    "load_plan",
    "parse_field_path",
    "validate_plan",
]
