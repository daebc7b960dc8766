"""The interactive reverse funnel: form fields -> a plan file's text -> `build_plan`.

The form's fields are written as the planner's own YAML and checked by its loader, so the web
planner validates exactly as `funnelpact plan` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from django.http import QueryDict

from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning import Plan, build_plan
from funnelpact.domain.planning.yaml_source import load_plan_text
from funnelpact.errors import InputError
from funnelpact.server.web.models import SavedScenario

STAGES = ("prospect", "lead", "mql", "sql", "opportunity")
FIELDS = ("goal", "currency", "deal_size", "start", "tolerance", "working_weeks")


class PlannerInputError(InputError):
    pass


def defaults() -> dict[str, str]:
    values = {
        "goal": "100000",
        "currency": "EUR",
        "deal_size": "1000",
        "start": "2026-01-01",
        "tolerance": "0.10",
        "working_weeks": "48",
    }
    values.update({f"rate_{stage}": "0.5" for stage in STAGES})
    return values


def inputs_from(form: QueryDict) -> dict[str, str]:
    values = defaults()
    for key in (*FIELDS, *(f"rate_{stage}" for stage in STAGES)):
        if key in form:
            values[key] = form[key].strip()[:40]
    return values


def _number(values: dict[str, str], key: str) -> float:
    try:
        return float(values[key].replace(",", "."))
    except ValueError:
        raise PlannerInputError(f"{key}: {values[key]!r} is not a number") from None


def plan_text(values: dict[str, str]) -> str:
    document: dict[str, Any] = {
        "goal": _number(values, "goal"),
        "currency": values["currency"].upper(),
        "period": {"start": values["start"]},
        "deal_size": _number(values, "deal_size"),
        "stages": [{"name": stage, "rate": _number(values, f"rate_{stage}")} for stage in STAGES],
        "working_weeks": _number(values, "working_weeks"),
        "tolerance": _number(values, "tolerance"),
    }
    return yaml.safe_dump(document, sort_keys=False)


def run(values: dict[str, str]) -> Plan:
    spec, issues = load_plan_text(plan_text(values), file="planner")
    errors = [issue for issue in issues if issue.level.value == "error"]
    if spec is None or errors:
        raise DomainError(errors or issues)
    return build_plan(spec)


def save(name: str, values: dict[str, str], who: str, now: datetime) -> SavedScenario:
    scenario: SavedScenario = SavedScenario.objects.create(
        name=name, inputs=values, created_by=who, created_at=now
    )
    return scenario


def saved() -> list[SavedScenario]:
    return list(SavedScenario.objects.all()[:50])


@dataclass(frozen=True, slots=True)
class Comparison:
    names: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]  # stage label, needed per scenario


def compare(ids: list[int]) -> Comparison | None:
    chosen = list(SavedScenario.objects.filter(pk__in=ids).order_by("pk"))
    if not chosen:
        return None
    plans: list[Plan | None] = []
    for scenario in chosen:
        try:
            plans.append(run({**defaults(), **scenario.inputs}))
        except (DomainError, PlannerInputError):
            plans.append(None)
    rows = []
    for index, stage in enumerate(STAGES):
        rows.append(
            (
                stage,
                tuple(plan.stages[index].needed if plan else None for plan in plans),
            )
        )
    rows.append(("customers", tuple(plan.customers if plan else None for plan in plans)))
    return Comparison(tuple(s.name for s in chosen), tuple(rows))
