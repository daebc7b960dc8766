"""Small YAML files users write (column mappings, status maps): loaded with line numbers.

Problems name the file, the line and the key path (``columns.created_at``), never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from funnelpact.errors import InputError

ModelT = TypeVar("ModelT", bound=BaseModel)


class YamlDocument:
    """A parsed YAML file and the line of each key, for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
        try:
            self.node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data: Any = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise InputError(f"{where}: not valid YAML: {problem}") from None

    def line_of(self, location: tuple[str | int, ...]) -> int | None:
        """The line of the key (or item) at ``location``; the nearest parent's when absent."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for part in location:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def where(self, location: tuple[str | int, ...]) -> str:
        line = self.line_of(location)
        return f"{self.path}:{line}" if line is not None else str(self.path)

    def validate(self, model: type[ModelT]) -> ModelT:
        """The document as ``model``; InputError naming file:line and key path of each problem."""
        if not isinstance(self.data, dict):
            raise InputError(f"{self.path}: expected a mapping of keys at the top level")
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            lines = []
            for error in exc.errors():
                location = tuple(error["loc"])
                path = ".".join(str(part) for part in location) or "(top level)"
                lines.append(f"{self.where(location)}: {path}: {error['msg']}")
            raise InputError("\n".join(lines)) from None
