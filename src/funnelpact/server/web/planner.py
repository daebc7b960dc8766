"""The interactive reverse funnel: form fields -> a plan file's text -> `build_plan`.

The form's fields are written as the planner's own YAML and checked by its loader, so the web
planner validates exactly as `funnelpact plan` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import yaml
from django.http import QueryDict
from django.utils.translation import gettext

from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning import Plan, build_plan
from funnelpact.domain.planning.spec import PlanSpec
from funnelpact.domain.planning.yaml_source import load_plan_text
from funnelpact.errors import InputError
from funnelpact.server.web.models import SavedScenario

# Without an agreement in force the planner starts from the seeds' worked example.
STAGES = ("prospect", "lead", "mql", "sql", "opportunity")
FIELDS = ("goal", "currency", "deal_size", "start", "tolerance", "working_weeks")


class PlannerInputError(InputError):
    pass


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def defaults(spec: PlanSpec | None = None) -> dict[str, str]:
    """The form's starting values: the agreement's plan in force (its funnel, goal, deal size,
    period, tolerance) when there is one, so a RevOps lead explores from the plan both teams
    signed; the seeds' example otherwise. Rates are ``rate_<stage>`` keys, in funnel order."""
    if spec is None:
        values = {
            "goal": "100000",
            "currency": "EUR",
            "deal_size": "1000",
            "start": "2026-01-01",
            "tolerance": "0.10",
            "working_weeks": "48",
        }
        values.update({f"rate_{stage}": "0.5" for stage in STAGES})
        values["stages"] = ",".join(STAGES)
        return values
    values = {
        "goal": _plain(spec.goal),
        "currency": spec.currency,
        "deal_size": _plain(spec.deal_size),
        "start": (spec.period.start.isoformat() if spec.period else "2026-01-01"),
        "tolerance": _plain(spec.tolerance),
        "working_weeks": _plain(spec.working_weeks),
    }
    values.update({f"rate_{stage.name}": _plain(stage.rate) for stage in spec.stages})
    values["stages"] = ",".join(stage.name for stage in spec.stages)
    return values


def stage_labels(spec: PlanSpec | None) -> dict[str, str]:
    if spec is None:
        return {}
    return {stage.name: stage.label or stage.name for stage in spec.stages}


def stages_of(values: dict[str, str]) -> list[str]:
    """The funnel's stages, top first. The order is kept in ``stages``: a saved scenario's
    inputs come back from PostgreSQL's jsonb with their keys reordered (shortest first)."""
    rated = [key[len("rate_") :] for key in values if key.startswith("rate_")]
    if "stages" in values:
        listed = [stage for stage in values["stages"].split(",") if stage in rated]
        return [*listed, *(stage for stage in rated if stage not in listed)]
    # Scenarios saved before the order was kept had the example's stages.
    known = [stage for stage in STAGES if stage in rated]
    return [*known, *(stage for stage in rated if stage not in known)]


def inputs_from(form: QueryDict, base: dict[str, str] | None = None) -> dict[str, str]:
    values = dict(base or defaults())
    for key in values:
        if key in form and key != "stages":  # the funnel's order is the plan's, not the form's
            values[key] = form[key].strip()[:40]
    return values


def _number(values: dict[str, str], key: str) -> float:
    try:
        return float(values[key].replace(",", "."))
    except ValueError:
        raise PlannerInputError(f"{key}: {values[key]!r} is not a number") from None


def plan_text(values: dict[str, str], labels: dict[str, str] | None = None) -> str:
    document: dict[str, Any] = {
        "goal": _number(values, "goal"),
        "currency": values["currency"].upper(),
        "period": {"start": values["start"]},
        "deal_size": _number(values, "deal_size"),
        "stages": [
            {
                "name": stage,
                "rate": _number(values, f"rate_{stage}"),
                **({"label": labels[stage]} if labels and stage in labels else {}),
            }
            for stage in stages_of(values)
        ],
        "working_weeks": _number(values, "working_weeks"),
        "tolerance": _number(values, "tolerance"),
    }
    return yaml.safe_dump(document, sort_keys=False)


def run(values: dict[str, str], labels: dict[str, str] | None = None) -> Plan:
    spec, issues = load_plan_text(plan_text(values, labels), file="planner")
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
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]  # stage name, needed per scenario
    labels: dict[str, str]  # stage name -> what the page shows


def _scenario_values(inputs: dict[str, str]) -> dict[str, str]:
    """A saved scenario's inputs over the defaults; its own funnel replaces the default one."""
    base = defaults()
    if stages_of(inputs):
        base = {key: value for key, value in base.items() if not key.startswith("rate_")}
    return {**base, **inputs}


def compare(ids: list[int], labels: dict[str, str] | None = None) -> Comparison | None:
    chosen = list(SavedScenario.objects.filter(pk__in=ids).order_by("pk"))
    if not chosen:
        return None
    plans: list[dict[str, int] | None] = []
    stages: list[str] = []  # every scenario's stages, in the order first seen
    for scenario in chosen:
        values = _scenario_values(scenario.inputs)
        stages.extend(stage for stage in stages_of(values) if stage not in stages)
        try:
            plan = run(values, labels)
        except (DomainError, PlannerInputError):
            plans.append(None)
            continue
        plans.append({**{s.name: s.needed for s in plan.stages}, "customers": plan.customers})
    rows = tuple(
        (stage, tuple(plan.get(stage) if plan else None for plan in plans))
        for stage in (*stages, "customers")
    )
    shown = {stage: (labels or {}).get(stage, stage) for stage in stages}
    shown["customers"] = str(gettext("Customers"))
    return Comparison(tuple(s.name for s in chosen), rows, shown)
