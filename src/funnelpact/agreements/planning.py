"""`funnelpact plan AGREEMENT.yaml`: plan the ``plan:`` section of an agreement file.

The planner's command calls these two functions when the file it is given is an agreement
(a mapping with ``schema_version`` and ``plan``), so an agreement and the equivalent planning
file give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from funnelpact.agreements.files import local_today
from funnelpact.domain.agreement import check_agreement_text
from funnelpact.domain.agreement.yaml_source import parse_yaml
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.planning import PlanSpec


def is_agreement_text(text: str) -> bool:
    """True when the YAML text is an agreement: a mapping with schema_version and plan."""
    data = parse_yaml(text).data
    return isinstance(data, Mapping) and "schema_version" in data and "plan" in data


def _about_plan(issue: Issue) -> bool:
    return issue.field == "plan" or issue.field.startswith(("plan.", "plan["))


def plan_spec_from_agreement_text(
    text: str, *, file: str = "", today: date | None = None
) -> tuple[PlanSpec, list[Issue]]:
    """The plan the agreement implies, and the warnings about its plan section.

    Raises `DomainError` when the agreement cannot be read or its plan section has errors.
    Errors elsewhere (a stale signature while a draft is edited) do not change the numbers,
    so they do not stop planning: `funnelpact agreement validate` reports them.
    """
    loaded = check_agreement_text(text, file, today or local_today())
    errors = [issue for issue in loaded.issues if issue.level is Level.ERROR]
    if loaded.agreement is None:
        raise DomainError(errors)
    plan_errors = [issue for issue in errors if _about_plan(issue)]
    if plan_errors:
        raise DomainError(plan_errors)
    warnings = [
        issue for issue in loaded.issues if issue.level is not Level.ERROR and _about_plan(issue)
    ]
    return loaded.agreement.plan_spec(), warnings
