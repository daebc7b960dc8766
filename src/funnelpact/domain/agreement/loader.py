"""Agreement text -> `Agreement` plus every shape problem, each located at FILE:LINE:COL.

The domain takes text (callers read files): `load_agreement_text` never raises on bad input.
Shape problems of the ``plan:`` and ``calendar:`` sections are reported by their owners (the
planner's PLAN codes, the calendar's CAL codes) so that a section reads the same in a planning
file and in an agreement; the rest get the SCH codes below.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from funnelpact.domain import calendar as calendar_section
from funnelpact.domain import planning as plan_section
from funnelpact.domain.agreement.locations import PathPart, SourceMap, path_text
from funnelpact.domain.agreement.model import SCHEMA_VERSION, Agreement
from funnelpact.domain.agreement.yaml_source import YamlCode, parse_yaml
from funnelpact.domain.errors import Issue, Level


class SchemaCode(StrEnum):
    """Stable codes of shape problems (documented in docs/rule-codes.md)."""

    MISSING = "SCH001"
    UNKNOWN_KEY = "SCH002"
    INVALID = "SCH003"
    VERSION = "SCH004"


@dataclass(frozen=True, slots=True)
class LoadedAgreement:
    """The agreement (None when its shape is wrong), where each field is, and the problems."""

    agreement: Agreement | None
    source_map: SourceMap
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(issue.level is Level.ERROR for issue in self.issues)


def _plan_shape_issues(value: Mapping[str, Any]) -> list[Issue]:
    try:
        plan_section.PlanSpec.model_validate(value)
    except ValidationError as exc:
        return plan_section.issues_from_validation_error(exc, prefix="plan")
    return []


def _calendar_shape_issues(value: Mapping[str, Any]) -> list[Issue]:
    try:
        calendar_section.CalendarSpec.model_validate(value)
    except ValidationError as exc:
        return calendar_section.issues_from_validation_error(exc, "calendar")
    return []


# Sections whose shape errors their owner reports, with its own codes.
_DELEGATED: dict[str, Callable[[Mapping[str, Any]], list[Issue]]] = {
    "plan": _plan_shape_issues,
    "calendar": _calendar_shape_issues,
}


def _schema_error(code: SchemaCode, message: str, path: Sequence[PathPart]) -> Issue:
    return Issue(level=Level.ERROR, code=code, message=message, field=path_text(path))


def _model_at(path: Sequence[PathPart]) -> type[BaseModel] | None:
    """The model class that describes the mapping at `path` (to list its allowed keys)."""
    current: Any = Agreement
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`tuple[X, ...]`, `X | None` and `dict[K, X]` -> X."""
    origin = typing.get_origin(annotation)
    if origin in (tuple, list, dict):
        args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
        return _unwrap(args[-1]) if args else annotation
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else annotation
    return annotation


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _from_pydantic(detail: ErrorDetails) -> Issue | None:
    path = [part for part in detail["loc"] if isinstance(part, str | int)]
    name = str(path[-1]) if path else "document"
    kind = detail["type"]
    if kind == "missing":
        return _schema_error(SchemaCode.MISSING, f"required field {name!r} is missing", path)
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = f" (allowed: {', '.join(model.model_fields)})" if model else ""
        return _schema_error(SchemaCode.UNKNOWN_KEY, f"unknown key {name!r}{allowed}", path)
    given = detail["input"]
    if kind == "too_short" and isinstance(given, Sized):
        needed = int(detail.get("ctx", {}).get("min_length", 1))
        if len(given) >= needed:
            return None  # enough items were written; the broken ones are reported themselves
        return _schema_error(
            SchemaCode.INVALID,
            f"{name} needs at least {needed} item{'s' if needed > 1 else ''}, got {len(given)}",
            path,
        )
    message = str(detail["msg"]).removeprefix("Value error, ").replace("Tuple", "List")
    shown = "" if isinstance(given, Mapping | list) else f" (got {_shown(given)})"
    return _schema_error(SchemaCode.INVALID, f"invalid {name}: {message}{shown}", path)


def _delegated_issues(data: Mapping[str, Any]) -> tuple[set[str], list[Issue]]:
    """Shape issues of the owned sections, and which sections their owners reported."""
    handled: set[str] = set()
    issues: list[Issue] = []
    for section, shape_issues in _DELEGATED.items():
        value = data.get(section)
        if not isinstance(value, Mapping):
            continue  # absent or not a mapping: the agreement's own check says so
        handled.add(section)
        issues.extend(shape_issues(value))
    return handled, issues


def _version_issue(data: Mapping[str, Any]) -> Issue | None:
    if "schema_version" not in data:
        return _schema_error(
            SchemaCode.VERSION,
            f"schema_version is missing: start the file with 'schema_version: {SCHEMA_VERSION}'",
            (),
        )
    version = data["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        return _schema_error(
            SchemaCode.VERSION,
            f"schema_version {version!r} is not supported: this funnelpact reads version "
            f"{SCHEMA_VERSION}",
            ("schema_version",),
        )
    return None


def _position(issue: Issue) -> tuple[int, int]:
    return (issue.line or 0, issue.column or 0)


def load_agreement_text(text: str, file: str = "") -> LoadedAgreement:
    """Parse and shape-check an agreement; every problem comes back located, nothing raises.

    The rules about meaning are in `funnelpact.domain.agreement.rules.validate` (run them on
    the returned agreement, with the returned source map).
    """
    parsed = parse_yaml(text, file)
    source_map = parsed.source_map
    issues = list(parsed.issues)
    if parsed.data is None:
        return LoadedAgreement(None, source_map, issues)
    data = parsed.data
    if not isinstance(data, Mapping):
        issues.append(
            source_map.locate(
                Issue(
                    level=Level.ERROR,
                    code=YamlCode.NOT_A_MAPPING,
                    message="an agreement must be a mapping of sections (schema_version, "
                    f"metadata, lifecycle, plan...), got a {type(data).__name__}",
                )
            )
        )
        return LoadedAgreement(None, source_map, issues)
    version_issue = _version_issue(data)
    if version_issue is not None:
        # Another format: its keys would only bury this one message in noise.
        return LoadedAgreement(None, source_map, [*issues, source_map.locate(version_issue)])
    handled, shape_issues = _delegated_issues(data)
    agreement: Agreement | None = None
    try:
        agreement = Agreement.model_validate(dict(data))
    except ValidationError as exc:
        for detail in exc.errors(include_url=False):
            section = detail["loc"][0] if detail["loc"] else ""
            if section in handled and len(detail["loc"]) > 1:
                continue
            issue = _from_pydantic(detail)
            if issue is not None:
                shape_issues.append(issue)
    issues.extend(sorted(source_map.locate_all(shape_issues), key=_position))
    return LoadedAgreement(agreement, source_map, issues)
