"""Parse YAML text into plain data plus a `SourceMap`, reporting problems as located issues.

The parser reads the YAML 1.2 core schema, not PyYAML's YAML 1.1 default, because 1.1 turns
country code ``NO`` into ``False`` and ``8:30`` into the integer 510: true/false are the only
booleans, integers are decimal, and ``08:00`` stays a string. Dates (``2025-01-31``) and
timestamps are still read as dates. Duplicate keys, which PyYAML silently overwrites, are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.error import MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from funnelpact.domain.agreement.locations import FieldPath, Mark, SourceMap, path_text
from funnelpact.domain.errors import Issue, Level


class YamlCode(StrEnum):
    """Stable codes of problems in the YAML text itself (documented in docs/rule-codes.md)."""

    MALFORMED = "YML001"
    TAB = "YML002"
    DUPLICATE_KEY = "YML003"
    NOT_A_MAPPING = "YML004"


class _CoreSchemaLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars (see the module docstring for why)."""

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        # "2025-02-30" matches the date pattern but is no date: say where, never raise ValueError.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"{node.value!r} is not a valid date or time ({exc})", node.start_mark
            ) from exc


_CoreSchemaLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _CoreSchemaLoader.construct_yaml_timestamp
)
_CoreSchemaLoader.yaml_implicit_resolvers = {}
_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:timestamp",
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
        "0123456789",
    ),
)
for _tag, _pattern, _first in _RESOLVERS:
    _CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
# The empty scalar resolves to null (its first "character" is the empty string).
_CoreSchemaLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    """Plain data (None when unreadable), where each value is, and the problems found."""

    data: Any
    source_map: SourceMap
    issues: list[Issue] = field(default_factory=list)


def _mark(node_mark: yaml.Mark) -> Mark:
    return Mark(line=node_mark.line + 1, column=node_mark.column + 1)


def _error(code: YamlCode, message: str, file: str, mark: Mark | None, path: str = "") -> Issue:
    return Issue(
        level=Level.ERROR,
        code=code,
        message=message,
        field=path,
        file=file,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
    )


def _from_yaml_error(exc: MarkedYAMLError, file: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    where = _mark(mark) if mark is not None else None
    problem = exc.problem or str(exc)
    if "\\t" in problem or "tab" in problem:
        return _error(
            YamlCode.TAB,
            "tab character where YAML expects indentation or a value: indent with spaces",
            file,
            where,
        )
    if isinstance(exc, ConstructorError):
        return _error(YamlCode.MALFORMED, problem, file, where)
    context = f"{exc.context}, " if exc.context else ""
    return _error(YamlCode.MALFORMED, f"malformed YAML: {context}{problem}", file, where)


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else f"<{node.tag}>"


def _walk(
    node: Node,
    path: FieldPath,
    values: dict[FieldPath, Mark],
    keys: dict[FieldPath, Mark],
    duplicates: list[tuple[FieldPath, Mark, Mark]],
    seen: set[int],
) -> None:
    values.setdefault(path, _mark(node.start_mark))
    # An alias repeats a node already walked: do not walk it (or a cycle) again.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            key_mark = _mark(key_node.start_mark)
            child = (*path, key)
            if key in first_seen:
                duplicates.append((child, key_mark, first_seen[key]))
                continue
            first_seen[key] = key_mark
            keys[child] = key_mark
            _walk(value_node, child, values, keys, duplicates, seen)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), values, keys, duplicates, seen)


def parse_yaml(text: str, file: str = "") -> ParsedYaml:
    """Parse one YAML document; never raises on bad text (problems come back as issues)."""
    try:
        loader = _CoreSchemaLoader(text)
    except yaml.reader.ReaderError as exc:
        # Control characters are refused before parsing starts; the error has a position only.
        before = text[: exc.position]
        mark = Mark(line=before.count("\n") + 1, column=len(before.rsplit("\n", 1)[-1]) + 1)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        issue = _error(
            YamlCode.MALFORMED,
            f"control character {shown} is not allowed in a YAML file",
            file,
            mark,
        )
        return ParsedYaml(None, SourceMap(file=file), [issue])
    try:
        try:
            node = loader.get_single_node()
        except MarkedYAMLError as exc:
            return ParsedYaml(None, SourceMap(file=file), [_from_yaml_error(exc, file)])
        if node is None:
            issue = _error(YamlCode.NOT_A_MAPPING, "the document is empty", file, Mark(1, 1))
            return ParsedYaml(None, SourceMap(file=file), [issue])
        values: dict[FieldPath, Mark] = {}
        keys: dict[FieldPath, Mark] = {}
        duplicates: list[tuple[FieldPath, Mark, Mark]] = []
        _walk(node, (), values, keys, duplicates, set())
        source_map = SourceMap(file=file, values=values, keys=keys)
        issues = [
            _error(
                YamlCode.DUPLICATE_KEY,
                f"duplicate key {path[-1]!r} (first defined at line {first.line}); "
                "YAML would silently keep only the last one",
                file,
                mark,
                path_text(path),
            )
            for path, mark, first in duplicates
        ]
        try:
            data = loader.construct_document(node)
        except MarkedYAMLError as exc:
            return ParsedYaml(None, source_map, [*issues, _from_yaml_error(exc, file)])
        return ParsedYaml(data, source_map, issues)
    except RecursionError:
        # Thousands of nested [ or { (found by fuzzing): the parser recurses once per level.
        issue = _error(
            YamlCode.MALFORMED,
            "nesting too deep: no agreement needs more than a few levels",
            file,
            _mark(loader.get_mark()),
        )
        return ParsedYaml(None, SourceMap(file=file), [issue])
    finally:
        loader.dispose()
