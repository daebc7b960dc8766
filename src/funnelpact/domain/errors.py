"""Located problems: every issue names where it is (file, line, column or field path)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    FUTURE_ERROR = "future-error"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in user input, with a stable code and where it is."""

    level: Level
    code: str
    message: str
    field: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        if not parts and self.field:
            return self.field
        return ":".join(parts)

    def render(self) -> str:
        where = self.location()
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.level} {self.code} {self.message}"


class DomainError(ValueError):
    """Bad input to the domain, carrying every issue found (never a bare traceback)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(issue.render() for issue in issues))
