"""Checks of a plan's meaning, every problem at once, each a located `Issue` with a stable code.

Field paths look like ``stages[2].rate`` or ``streams[0].rates.mql``: list positions in
brackets (0-based), mapping keys after a dot. `parse_field_path` turns one back into the
pydantic-style location tuple so that a YAML loader can find the line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from funnelpact.domain.errors import Issue, Level
from funnelpact.domain.planning.spec import PlanSpec

# Shares and mixes are written by people as decimals (0.3, 0.7): an exact tolerance would
# reject nothing real, a loose one would hide a typo.
SHARE_TOLERANCE = Decimal("1e-9")
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
MAX_WORKING_WEEKS = Decimal(53)


class PlanCode(StrEnum):
    """Stable codes of planning issues (documented in docs/planner.md)."""

    MISSING_FIELD = "PLAN001"
    UNKNOWN_FIELD = "PLAN002"
    INVALID_VALUE = "PLAN003"
    GOAL_NOT_POSITIVE = "PLAN010"
    DEAL_SIZE_NOT_POSITIVE = "PLAN011"
    PERIOD_END_BEFORE_START = "PLAN012"
    CURRENCY_NOT_ISO = "PLAN013"
    NO_STAGES = "PLAN020"
    DUPLICATE_STAGE = "PLAN021"
    BAD_NAME = "PLAN022"
    RATE_OUT_OF_RANGE = "PLAN023"
    NEGATIVE_LAG = "PLAN024"
    SHARES_NOT_ONE = "PLAN030"
    DUPLICATE_STREAM = "PLAN031"
    UNKNOWN_STAGE = "PLAN032"
    MIX_NOT_ONE = "PLAN033"
    DUPLICATE_SOURCE = "PLAN034"
    SHARE_OUT_OF_RANGE = "PLAN035"
    WORKING_WEEKS_OUT_OF_RANGE = "PLAN040"
    BAD_SEASONALITY = "PLAN041"
    TOLERANCE_OUT_OF_RANGE = "PLAN042"
    CAPACITY_NOT_POSITIVE = "PLAN050"
    FOLLOW_UP_NOT_POSITIVE = "PLAN060"
    DEAL_LARGER_THAN_GOAL = "PLAN090"


PathPart = str | int


def format_field_path(location: Iterable[PathPart], prefix: str = "") -> str:
    """``('stages', 2, 'rate')`` -> ``stages[2].rate`` (after ``prefix.`` when given)."""
    text = prefix
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_field_path(path: str) -> tuple[PathPart, ...]:
    """``stages[2].rate`` -> ``('stages', 2, 'rate')``: the inverse of `format_field_path`."""
    parts: list[PathPart] = []
    for match in _PATH_TOKEN.finditer(path):
        index, key = match.groups()
        parts.append(int(index) if index is not None else key)
    return tuple(parts)


class _Collector:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.issues: list[Issue] = []

    def error(self, code: PlanCode, location: Sequence[PathPart], message: str) -> None:
        self._add(Level.ERROR, code, location, message)

    def warning(self, code: PlanCode, location: Sequence[PathPart], message: str) -> None:
        self._add(Level.WARNING, code, location, message)

    def _add(self, level: Level, code: PlanCode, location: Sequence[PathPart], text: str) -> None:
        where = format_field_path(location, self.prefix)
        # The path is the issue's field (its location when no file is known), not message text,
        # so that a loader that adds file:line:column does not print it twice.
        self.issues.append(Issue(level=level, code=code, message=text, field=where))


def _check_name(out: _Collector, location: Sequence[PathPart], name: str, what: str) -> None:
    if not NAME_PATTERN.match(name):
        out.error(
            PlanCode.BAD_NAME,
            location,
            f"{what} name {name!r} must start with a letter and use only letters, digits, "
            "'_' or '-'",
        )


def _check_rate(out: _Collector, location: Sequence[PathPart], rate: Decimal) -> None:
    if not Decimal(0) < rate <= Decimal(1):
        out.error(
            PlanCode.RATE_OUT_OF_RANGE,
            location,
            f"conversion rate {rate} is outside (0, 1]; write 25% as 0.25",
        )


def _check_overrides(
    out: _Collector, location: Sequence[PathPart], rates: Mapping[str, Decimal], stages: set[str]
) -> None:
    for stage_name, rate in rates.items():
        where = [*location, stage_name]
        if stage_name not in stages:
            known = ", ".join(sorted(stages)) or "none"
            out.error(
                PlanCode.UNKNOWN_STAGE,
                where,
                f"unknown stage {stage_name!r} (stages: {known})",
            )
        _check_rate(out, where, rate)


def _check_unique(
    out: _Collector, section: str, names: Sequence[str], code: PlanCode, what: str
) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            out.error(
                code,
                [section, index, "name"],
                f"duplicate {what} name {name!r} (already at {section}[{seen[name]}])",
            )
        else:
            seen[name] = index


def _check_parts_sum(
    out: _Collector,
    section: str,
    field: str,
    values: Sequence[Decimal],
    code: PlanCode,
) -> None:
    for index, value in enumerate(values):
        if not Decimal(0) < value <= Decimal(1):
            out.error(
                PlanCode.SHARE_OUT_OF_RANGE,
                [section, index, field],
                f"{field} {value} is outside (0, 1]",
            )
    if values:
        total = sum(values, Decimal(0))
        if abs(total - Decimal(1)) > SHARE_TOLERANCE:
            listed = " + ".join(str(value) for value in values)
            got = f"{listed} = {total}" if len(values) > 1 else listed
            plural = "mixes" if field == "mix" else f"{field}s"
            out.error(code, [section], f"the {section}' {plural} must add up to 1, got {got}")


def _check_spec(spec: PlanSpec, out: _Collector) -> None:
    if spec.goal <= 0:
        out.error(PlanCode.GOAL_NOT_POSITIVE, ["goal"], f"goal {spec.goal} must be greater than 0")
    if spec.deal_size <= 0:
        out.error(
            PlanCode.DEAL_SIZE_NOT_POSITIVE,
            ["deal_size"],
            f"deal size {spec.deal_size} must be greater than 0",
        )
    elif spec.goal > 0 and spec.deal_size > spec.goal:
        out.warning(
            PlanCode.DEAL_LARGER_THAN_GOAL,
            ["deal_size"],
            f"deal size {spec.deal_size} is larger than the goal {spec.goal}: the plan needs "
            "a single customer",
        )
    if not CURRENCY_PATTERN.match(spec.currency):
        out.error(
            PlanCode.CURRENCY_NOT_ISO,
            ["currency"],
            f"currency {spec.currency!r} must be a three-letter ISO 4217 code such as EUR",
        )
    period = spec.period
    if period is not None and period.end is not None and period.end < period.start:
        out.error(
            PlanCode.PERIOD_END_BEFORE_START,
            ["period", "end"],
            f"period end {period.end} is before its start {period.start}",
        )

    stage_names = [stage.name for stage in spec.stages]
    known = set(stage_names)
    if not spec.stages:
        out.error(PlanCode.NO_STAGES, ["stages"], "at least one funnel stage is needed")
    for index, stage in enumerate(spec.stages):
        _check_name(out, ["stages", index, "name"], stage.name, "stage")
        _check_rate(out, ["stages", index, "rate"], stage.rate)
        if stage.lag_days is not None and stage.lag_days < 0:
            out.error(
                PlanCode.NEGATIVE_LAG,
                ["stages", index, "lag_days"],
                f"lag of {stage.lag_days} days must be 0 or more",
            )
    _check_unique(out, "stages", stage_names, PlanCode.DUPLICATE_STAGE, "stage")

    for index, stream in enumerate(spec.streams):
        _check_name(out, ["streams", index, "name"], stream.name, "stream")
        if stream.deal_size is not None and stream.deal_size <= 0:
            out.error(
                PlanCode.DEAL_SIZE_NOT_POSITIVE,
                ["streams", index, "deal_size"],
                f"deal size {stream.deal_size} must be greater than 0",
            )
        _check_overrides(out, ["streams", index, "rates"], stream.rates, known)
    _check_unique(
        out, "streams", [s.name for s in spec.streams], PlanCode.DUPLICATE_STREAM, "stream"
    )
    _check_parts_sum(
        out, "streams", "share", [s.share for s in spec.streams], PlanCode.SHARES_NOT_ONE
    )

    for index, source in enumerate(spec.sources):
        _check_name(out, ["sources", index, "name"], source.name, "source")
        _check_overrides(out, ["sources", index, "rates"], source.rates, known)
    _check_unique(
        out, "sources", [s.name for s in spec.sources], PlanCode.DUPLICATE_SOURCE, "source"
    )
    _check_parts_sum(out, "sources", "mix", [s.mix for s in spec.sources], PlanCode.MIX_NOT_ONE)

    if not Decimal(0) < spec.working_weeks <= MAX_WORKING_WEEKS:
        out.error(
            PlanCode.WORKING_WEEKS_OUT_OF_RANGE,
            ["working_weeks"],
            f"working weeks {spec.working_weeks} must be in (0, 53]",
        )
    if spec.seasonality is not None:
        weights = spec.seasonality
        if len(weights) != 12:
            out.error(
                PlanCode.BAD_SEASONALITY,
                ["seasonality"],
                f"seasonality needs 12 weights (January..December), got {len(weights)}",
            )
        for index, weight in enumerate(weights):
            if weight < 0:
                out.error(
                    PlanCode.BAD_SEASONALITY,
                    ["seasonality", index],
                    f"seasonality weight {weight} must be 0 or more",
                )
        if weights and all(weight <= 0 for weight in weights):
            out.error(
                PlanCode.BAD_SEASONALITY, ["seasonality"], "at least one weight must be above 0"
            )
    if not Decimal(0) <= spec.tolerance < Decimal(1):
        out.error(
            PlanCode.TOLERANCE_OUT_OF_RANGE,
            ["tolerance"],
            f"tolerance {spec.tolerance} must be in [0, 1); write 10% as 0.10",
        )

    if spec.capacity is not None:
        capacity = spec.capacity
        for field, value in (
            ("mqls_per_rep_week", capacity.mqls_per_rep_week),
            ("sqls_per_rep_week", capacity.sqls_per_rep_week),
        ):
            if value is not None and value <= 0:
                out.error(
                    PlanCode.CAPACITY_NOT_POSITIVE,
                    ["capacity", field],
                    f"{field} {value} must be greater than 0",
                )
        for field, name in (("mql_stage", capacity.mql_stage), ("sql_stage", capacity.sql_stage)):
            used = (
                capacity.mqls_per_rep_week if field == "mql_stage" else capacity.sqls_per_rep_week
            )
            if used is not None and name not in known:
                out.error(
                    PlanCode.UNKNOWN_STAGE,
                    ["capacity", field],
                    f"unknown stage {name!r} (stages: {', '.join(stage_names) or 'none'})",
                )

    if spec.follow_up is not None:
        follow_up = spec.follow_up
        for field, amount in (
            ("hours_per_rep_month", follow_up.hours_per_rep_month),
            ("minutes_per_attempt", follow_up.minutes_per_attempt),
        ):
            if amount <= 0:
                out.error(
                    PlanCode.FOLLOW_UP_NOT_POSITIVE,
                    ["follow_up", field],
                    f"{field} {amount} must be greater than 0",
                )
        for index, attempts in enumerate(follow_up.required_attempts):
            if attempts < 1:
                out.error(
                    PlanCode.FOLLOW_UP_NOT_POSITIVE,
                    ["follow_up", "required_attempts", index],
                    f"required attempts {attempts} must be 1 or more",
                )
        if follow_up.reps is not None and follow_up.reps < 1:
            out.error(
                PlanCode.FOLLOW_UP_NOT_POSITIVE,
                ["follow_up", "reps"],
                f"reps {follow_up.reps} must be 1 or more",
            )
        follow_stage = follow_up.stage or (
            spec.capacity.mql_stage if spec.capacity is not None else "mql"
        )
        if follow_stage not in known:
            out.error(
                PlanCode.UNKNOWN_STAGE,
                ["follow_up", "stage"],
                f"unknown stage {follow_stage!r} (stages: {', '.join(stage_names) or 'none'})",
            )


def validate_plan(spec: PlanSpec, *, prefix: str = "") -> list[Issue]:
    """Every meaning problem of a parsed spec (errors and warnings), in field order.

    ``prefix`` is prepended to each field path, e.g. ``plan`` when the spec is the ``plan:``
    section of an agreement.
    """
    out = _Collector(prefix)
    _check_spec(spec, out)
    return out.issues


def _structure_code(error_type: str) -> PlanCode:
    if error_type == "missing":
        return PlanCode.MISSING_FIELD
    if error_type == "extra_forbidden":
        return PlanCode.UNKNOWN_FIELD
    return PlanCode.INVALID_VALUE


def issues_from_validation_error(error: ValidationError, *, prefix: str = "") -> list[Issue]:
    """Pydantic's shape errors as `Issue`s, each naming the field path and the value given."""
    issues: list[Issue] = []
    for detail in error.errors(include_url=False):
        location = [part for part in detail["loc"] if isinstance(part, str | int)]
        where = format_field_path(location, prefix)
        code = _structure_code(detail["type"])
        name = str(location[-1]) if location else "plan"
        if code is PlanCode.MISSING_FIELD:
            text = f"required field {name!r} is missing"
        elif code is PlanCode.UNKNOWN_FIELD:
            text = f"unknown field {name!r} (check the spelling; see docs/planner.md)"
        else:
            text = f"invalid {name} {detail['input']!r}: {detail['msg']}"
        issues.append(Issue(level=Level.ERROR, code=code, message=text, field=where))
    return issues


def load_plan(data: Any, *, prefix: str = "") -> tuple[PlanSpec | None, list[Issue]]:
    """Parse a plain mapping (from YAML or JSON) into a checked `PlanSpec`.

    Returns the spec and its issues. The spec is None when any issue is an error, so a caller
    never plans from half-valid input; warnings alone keep the spec.
    """
    if not isinstance(data, Mapping):
        issue = Issue(
            level=Level.ERROR,
            code=PlanCode.INVALID_VALUE,
            message="a plan must be a mapping of fields (goal, deal_size, stages...), "
            f"got {type(data).__name__}",
            field=prefix,
        )
        return None, [issue]
    try:
        spec = PlanSpec.model_validate(dict(data))
    except ValidationError as error:
        return None, issues_from_validation_error(error, prefix=prefix)
    issues = validate_plan(spec, prefix=prefix)
    if any(issue.level is Level.ERROR for issue in issues):
        return None, issues
    return spec, issues
