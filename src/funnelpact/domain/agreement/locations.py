"""Where each field of a YAML document is: field path -> (line, column), to locate issues.

A field path is a tuple such as ``("plan", "stages", 2, "rate")``; its text form is
``plan.stages[2].rate`` (the planner's `format_field_path` / `parse_field_path`). Lines and
columns are 1-based, as editors show them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from funnelpact.domain.errors import Issue
from funnelpact.domain.planning import format_field_path, parse_field_path

PathPart = str | int
FieldPath = tuple[PathPart, ...]

__all__ = [
    "FieldPath",
    "Mark",
    "PathPart",
    "SourceMap",
    "format_field_path",
    "parse_field_path",
]


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A position in the source text, 1-based."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class SourceMap:
    """The position of every value (and of every mapping key) of one parsed document."""

    file: str = ""
    values: Mapping[FieldPath, Mark] = field(default_factory=dict)
    keys: Mapping[FieldPath, Mark] = field(default_factory=dict)

    def mark_for(self, path: Iterable[PathPart]) -> Mark | None:
        """Where `path` is written: its key (``rate:``), else its value (a list item), else
        the nearest enclosing field that exists (a missing field points at its parent)."""
        parts = tuple(path)
        while True:
            mark = self.keys.get(parts) or self.values.get(parts)
            if mark is not None or not parts:
                return mark
            parts = parts[:-1]

    def locate(self, issue: Issue) -> Issue:
        """The issue with this document's file, line and column (from its field path)."""
        if issue.line is not None:
            return dataclasses.replace(issue, file=issue.file or self.file)
        mark = self.mark_for(parse_field_path(issue.field) if issue.field else ())
        return dataclasses.replace(
            issue,
            file=issue.file or self.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
        )

    def locate_all(self, issues: Iterable[Issue]) -> list[Issue]:
        return [self.locate(issue) for issue in issues]


def path_text(path: Iterable[PathPart]) -> str:
    """``("plan", "stages", 2)`` -> ``plan.stages[2]``."""
    return format_field_path(path)
