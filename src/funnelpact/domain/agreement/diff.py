"""What changed between two versions of an agreement, in sentences a manager reads.

Two kinds of change: the targets the planner derives from each version ("MQLs per month
66.67 -> 80"), because a changed rate matters through the volume it asks for, and the document's
own fields ("First touch within 24 -> 16 business hours", "Stage 'sql' rate 0.5 -> 0.55").
Lists whose items have a name (stages, KPIs, reasons...) are matched by that name, so inserting
a stage reads as one addition, not as every later stage changing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from funnelpact.domain.agreement.locations import FieldPath, PathPart, path_text
from funnelpact.domain.agreement.model import KPI_DEFINITIONS, Agreement, KpiMetric
from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning import Plan, StageTargets, build_plan

Pattern = tuple[str, ...]  # a field path with every list item written "*"


class ChangeKind(StrEnum):
    TARGET = "target"  # derived by the planner
    FIELD = "field"  # written in the document


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    path: str  # field path for FIELD changes; the target's name for TARGET changes
    old: str | None  # None: added
    new: str | None  # None: removed
    text: str


# Lists matched by an identifying field rather than by position.
_ITEM_KEYS: dict[Pattern, str] = {
    ("metadata", "parties"): "id",
    ("metadata", "signatories"): "name",
    ("buyer_personas",): "name",
    ("lifecycle", "stages"): "name",
    ("lifecycle", "qualification", "criteria"): "key",
    ("plan", "stages"): "name",
    ("plan", "streams"): "name",
    ("plan", "sources"): "name",
    ("handoff", "rejection_reasons"): "code",
    ("kpis",): "metric",
}

_ITEM_NOUNS: dict[Pattern, str] = {
    ("metadata", "parties"): "Party",
    ("metadata", "signatories"): "Signatory",
    ("buyer_personas",): "Persona",
    ("lifecycle", "stages"): "Lifecycle stage",
    ("lifecycle", "qualification", "criteria"): "Qualification criterion",
    ("plan", "stages"): "Stage",
    ("plan", "streams"): "Stream",
    ("plan", "sources"): "Source",
    ("handoff", "rejection_reasons"): "Rejection reason",
    ("kpis",): "KPI",
}

# Field labels and units: "First touch within" + "business hours". Keys use "*" for an item.
_FIELD_WORDS: dict[Pattern, tuple[str, str]] = {
    ("metadata", "name"): ("Name", ""),
    ("metadata", "version"): ("Version", ""),
    ("metadata", "effective_from"): ("Effective from", ""),
    ("metadata", "effective_to"): ("Effective to", ""),
    ("metadata", "currency"): ("Currency", ""),
    ("metadata", "locale"): ("Language", ""),
    ("plan", "goal"): ("Revenue goal", "{currency}"),
    ("plan", "deal_size"): ("Average deal size", "{currency}"),
    ("plan", "tolerance"): ("Accepted deviation of targets", ""),
    ("plan", "working_weeks"): ("Working weeks a year", ""),
    ("plan", "stages", "*", "rate"): ("rate", ""),
    ("plan", "stages", "*", "lag_days"): ("lag", "days"),
    ("plan", "streams", "*", "share"): ("share of the goal", ""),
    ("plan", "sources", "*", "mix"): ("share of the leads", ""),
    ("plan", "capacity", "mqls_per_rep_week"): ("MQLs a rep reviews a week", ""),
    ("plan", "capacity", "sqls_per_rep_week"): ("SQLs a rep works a week", ""),
    ("handoff", "stage"): ("Hand-off stage", ""),
    ("handoff", "decide_within_business_hours"): ("Accept or reject within", "business hours"),
    ("handoff", "recycle_to"): ("Rejected leads recycled to", ""),
    ("handoff", "rejection_reasons", "*", "route"): ("goes to", ""),
    ("protocol", "first_touch_within_business_hours"): ("First touch within", "business hours"),
    ("protocol", "follow_up_cadence"): ("Follow-up cadence", ""),
    ("protocol", "counting_touch_types"): ("Touches that count", ""),
    ("calendar", "timezone"): ("Time zone", ""),
    ("calendar", "working_days"): ("Working days", ""),
    ("calendar", "working_hours"): ("Working hours", ""),
    ("kpis", "*", "threshold"): ("threshold", ""),
    ("kpis", "*", "notify"): ("notifies", ""),
    ("review", "every_months"): ("Review every", "months"),
    ("review", "next_review"): ("Next review", ""),
    ("alerts", "at_risk_share"): ("At risk after this share of a window", ""),
    ("alerts", "at_risk"): ("At-risk alerts go to", ""),
    ("alerts", "breach"): ("Breach alerts go to", ""),
    ("alerts", "escalation", "to"): ("Escalation goes to", ""),
    ("alerts", "escalation", "after_business_hours"): ("Escalate after", "business hours"),
    ("alerts", "daily_digest", "at"): ("Daily digest at", ""),
    ("alerts", "daily_digest", "recipients"): ("Daily digest goes to", ""),
}

# Lists compared as one value: their items have no name, and a sentence reads better whole.
_WHOLE_LISTS = frozenset(
    {
        ("protocol", "follow_up_cadence"),
        ("plan", "seasonality"),
        ("plan", "follow_up", "required_attempts"),
    }
)

_LONG_TEXT = 60


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _number(value: Decimal | int | float) -> str:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return str(number.quantize(Decimal("0.01")).normalize())


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, list):
        if value and all(isinstance(item, Mapping) and "touches" in item for item in value):
            return ", ".join(f"{item['touches']} in {item['within_days']} days" for item in value)
        return ", ".join(_show(item) for item in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {_show(item)}" for key, item in value.items())
    text = str(value)
    # Decimals arrive as JSON strings ("0.5"): show them as numbers.
    return _number(Decimal(text)) if _NUMBER.match(text) else text


def _subject(path: FieldPath, pattern: Pattern, currency: str) -> tuple[str, str]:
    """("Stage 'sql' rate", "") or ("First touch within", "business hours")."""
    words: list[str] = []
    last_item = -1
    for index, (part, kind) in enumerate(zip(path, pattern, strict=True)):
        if kind == "*":
            noun = _ITEM_NOUNS.get(pattern[:index])
            name = _item_name(pattern[:index], part)
            words.append(f"{noun} {name}" if noun else f"{path_text(path[:index])} item {name}")
            last_item = index
    label, unit = _FIELD_WORDS.get(pattern, ("", ""))
    unit = unit.format(currency=currency)
    if label:
        return " ".join([*words, label]), unit
    tail = [str(part).replace("_", " ") for part in path[last_item + 1 :]]
    if words:
        return " ".join([*words, *tail]), unit
    return " ".join(tail).capitalize(), unit


def _item_name(list_pattern: Pattern, part: PathPart) -> str:
    if isinstance(part, int):
        return str(part + 1)
    if list_pattern == ("kpis",) and part in set(KpiMetric):
        return f"'{KPI_DEFINITIONS[KpiMetric(part)].label}'"
    return f"'{part}'"


def _keyed(items: Sequence[Any], key: str) -> dict[str, Any] | None:
    if not all(isinstance(item, Mapping) and key in item for item in items):
        return None
    keyed = {str(item[key]): item for item in items}
    return keyed if len(keyed) == len(items) else None


def _walk(
    old: Any, new: Any, path: FieldPath, pattern: Pattern
) -> Iterator[tuple[FieldPath, Pattern, Any, Any]]:
    """Changed leaves as (path, pattern, old, new); a named item added or removed is one."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _walk(old.get(key), new.get(key), (*path, key), (*pattern, key))
        return
    if isinstance(old, list) and isinstance(new, list) and pattern not in _WHOLE_LISTS:
        item_key = _ITEM_KEYS.get(pattern)
        old_items = _keyed(old, item_key) if item_key else None
        new_items = _keyed(new, item_key) if item_key else None
        item = (*pattern, "*")
        if old_items is not None and new_items is not None:
            for name in [*old_items, *(n for n in new_items if n not in old_items)]:
                if name not in new_items:
                    yield (*path, name), item, old_items[name], None
                elif name not in old_items:
                    yield (*path, name), item, None, new_items[name]
                else:
                    yield from _walk(old_items[name], new_items[name], (*path, name), item)
            return
        if all(not isinstance(value, Mapping | list) for value in [*old, *new]):
            if old != new:
                yield path, pattern, old, new
            return
        for index in range(max(len(old), len(new))):
            yield from _walk(
                old[index] if index < len(old) else None,
                new[index] if index < len(new) else None,
                (*path, index),
                item,
            )
        return
    if old != new:
        yield path, pattern, old, new


def _field_sentence(path: FieldPath, pattern: Pattern, old: Any, new: Any, currency: str) -> str:
    subject, unit = _subject(path, pattern, currency)
    suffix = f" {unit}" if unit else ""
    if old is None and isinstance(new, Mapping):
        return f"{subject} added"
    if new is None and isinstance(old, Mapping):
        return f"{subject} removed"
    shown_old, shown_new = _show(old), _show(new)
    if len(shown_old) > _LONG_TEXT or len(shown_new) > _LONG_TEXT:
        return f"{subject} changed"
    return f"{subject} {shown_old} -> {shown_new}{suffix}"


def field_changes(old: Agreement, new: Agreement) -> list[Change]:
    """Changes of the written fields (signatures excluded: they are not content)."""
    before = old.model_dump(mode="json", exclude={"signatures"})
    after = new.model_dump(mode="json", exclude={"signatures"})
    currency = new.metadata.currency
    changes: list[Change] = []
    for path, pattern, was, now in _walk(before, after, (), ()):
        changes.append(
            Change(
                kind=ChangeKind.FIELD,
                path=path_text(path),
                old=None if was is None else _show(was),
                new=None if now is None else _show(now),
                text=_field_sentence(path, pattern, was, now, currency),
            )
        )
    return changes


def _stage_rows(plan: Plan) -> dict[str, StageTargets]:
    return {stage.name: stage for stage in plan.stages}


def _target(name: str, text: str, old: Decimal | int | None, new: Decimal | int | None) -> Change:
    shown_old = None if old is None else _number(old)
    shown_new = None if new is None else _number(new)
    return Change(ChangeKind.TARGET, name, shown_old, shown_new, text)


def target_changes(old_plan: Plan, new_plan: Plan) -> list[Change]:
    """Changes of what the planner derives: customers, per-stage volumes, reps."""
    changes: list[Change] = []
    if old_plan.customers != new_plan.customers:
        changes.append(
            _target(
                "customers",
                f"Customers needed {old_plan.customers} -> {new_plan.customers}",
                old_plan.customers,
                new_plan.customers,
            )
        )
    before, after = _stage_rows(old_plan), _stage_rows(new_plan)
    for name in [*before, *(n for n in after if n not in before)]:
        was, now = before.get(name), after.get(name)
        if was is None and now is not None:
            changes.append(
                _target(name, f"{now.label} now planned: {now.needed} needed", None, now.needed)
            )
            continue
        if now is None and was is not None:
            changes.append(_target(name, f"{was.label} no longer planned", was.needed, None))
            continue
        assert was is not None and now is not None
        label = now.label
        rows = (
            ("needed", f"{label} needed in the period", was.needed, now.needed),
            (
                "per_month",
                f"{label} target per month",
                was.per_month.expected,
                now.per_month.expected,
            ),
            ("per_week", f"{label} target per week", was.per_week.expected, now.per_week.expected),
        )
        for suffix, text, old_value, new_value in rows:
            if _number(old_value) != _number(new_value):
                changes.append(
                    _target(
                        f"{name}.{suffix}",
                        f"{text} {_number(old_value)} -> {_number(new_value)}",
                        old_value,
                        new_value,
                    )
                )
    old_reps = old_plan.capacity.total.reps_needed_rounded if old_plan.capacity else None
    new_reps = new_plan.capacity.total.reps_needed_rounded if new_plan.capacity else None
    if old_reps != new_reps and old_reps is not None and new_reps is not None:
        changes.append(
            _target("reps", f"Sales reps needed {old_reps} -> {new_reps}", old_reps, new_reps)
        )
    if old_plan.follow_up is not None and new_plan.follow_up is not None:
        was_attempts = old_plan.follow_up.attempts_per_lead
        now_attempts = new_plan.follow_up.attempts_per_lead
        if _number(was_attempts) != _number(now_attempts):
            changes.append(
                _target(
                    "follow_up.attempts_per_lead",
                    "Follow-up attempts per lead the reps can afford "
                    f"{_number(was_attempts)} -> {_number(now_attempts)}",
                    was_attempts,
                    now_attempts,
                )
            )
    return changes


@dataclass(frozen=True, slots=True)
class AgreementDiff:
    targets: list[Change]
    fields: list[Change]
    # Why targets were not compared (a plan that does not compute), else empty.
    targets_skipped: str = ""

    @property
    def changes(self) -> list[Change]:
        return [*self.targets, *self.fields]


def describe_changes(old: Agreement, new: Agreement) -> AgreementDiff:
    """Derived target changes, then field changes, each as a sentence."""
    skipped = ""
    targets: list[Change] = []
    try:
        targets = target_changes(build_plan(old.plan_spec()), build_plan(new.plan_spec()))
    except DomainError as exc:
        skipped = "; ".join(issue.render() for issue in exc.issues)
    return AgreementDiff(targets=targets, fields=field_changes(old, new), targets_skipped=skipped)
