"""A planning file's text -> a checked `PlanSpec`, every issue located at its file:line:column.

Pure: the caller reads the file and hands the text in. The same locator serves any YAML
document whose issues carry field paths (``stages[2].rate``).
"""

from __future__ import annotations

from dataclasses import replace

import yaml

from funnelpact.domain.errors import Issue, Level
from funnelpact.domain.planning.spec import PlanSpec
from funnelpact.domain.planning.validation import PathPart, PlanCode, load_plan, parse_field_path


def locate(
    root: yaml.Node | None, path: tuple[PathPart, ...], *, at_key: bool = False
) -> tuple[int, int] | None:
    """1-based line and column of the node at ``path``, or of its deepest existing ancestor.

    ``at_key`` points at the mapping key rather than its value (for a misspelt or unknown key).
    """
    if root is None:
        return None
    node: yaml.Node = root
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    child = key if at_key and part == path[-1] else value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and (0 <= part < len(node.value))
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1, node.start_mark.column + 1


def locate_issues(issues: list[Issue], root: yaml.Node | None, file: str) -> list[Issue]:
    """The issues with file, line and column filled in from their field paths."""
    located: list[Issue] = []
    for issue in issues:
        path = parse_field_path(issue.field)
        # A wrong key (misspelt field, unknown stage in rates) is best shown at the key itself.
        at_key = issue.code == PlanCode.UNKNOWN_FIELD or (len(path) >= 2 and path[-2] == "rates")
        where = locate(root, path, at_key=at_key) if issue.field else None
        if where is None:
            located.append(replace(issue, file=file))
        else:
            # Keep the field path in the text: the line alone may be a parent mapping.
            message = f"{issue.field}: {issue.message}" if issue.field else issue.message
            located.append(
                replace(issue, file=file, line=where[0], column=where[1], message=message)
            )
    return located


def load_plan_text(text: str, *, file: str = "") -> tuple[PlanSpec | None, list[Issue]]:
    """Parse a planning file's YAML text; the spec is None when any issue is an error."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return None, [
            Issue(
                level=Level.ERROR,
                code=PlanCode.INVALID_VALUE,
                message=f"not valid YAML: {problem}",
                file=file,
                line=mark.line + 1 if mark is not None else None,
                column=mark.column + 1 if mark is not None else None,
            )
        ]
    if data is None:
        return None, [
            Issue(
                level=Level.ERROR,
                code=PlanCode.MISSING_FIELD,
                message="the planning file is empty: it needs goal, deal_size and stages",
                file=file,
            )
        ]
    spec, issues = load_plan(data)
    return spec, locate_issues(issues, root, file)
