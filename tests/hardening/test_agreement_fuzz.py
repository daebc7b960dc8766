"""Agreement fuzzing: the example agreements mangled by hypothesis (keys removed, values of the
wrong type or absurd size, YAML syntax broken, aliases, tags, bytes that are not UTF-8) through
`funnelpact agreement validate`.

Whatever the file: exit 0 or 1, never a traceback, and every issue names the file, and the line
and column of the problem whenever the file could be parsed as far as the problem.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_testkit import run_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AGREEMENTS = (EXAMPLES / "agreement-seed-000.yaml", EXAMPLES / "agreement-seed-003.yaml")
TREES = {path: yaml.safe_load(path.read_text(encoding="utf-8")) for path in AGREEMENTS}
ISSUE_LINE = re.compile(r"^(?P<where>.+?): (?P<level>error|warning|future error) [A-Z]{2,4}\d{3} ")
# Codes about the whole file, where no line can be named (unreadable, empty, not UTF-8...).
FILE_LEVEL_WITHOUT_LINE = re.compile(r"^(YML|AGR)0\d\d$")

odd_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(("", "2025-02-30", "24:61", "1e309", "-0", "EUR€", "P1D", "x" * 20_000)),
    st.dates().map(lambda d: d.isoformat()),
)
odd_values = st.recursive(
    odd_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += _paths(value, (*prefix, index))
    return found


def _parent(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        tree = tree[step]
    return tree


def _dump(tree: Any) -> str:
    # NaN and infinities have no plain YAML form in safe_dump's eyes; write them as YAML does.
    text: str = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    return text


@st.composite
def mangled_agreements(draw: st.DrawFn) -> bytes:
    import copy

    source = draw(st.sampled_from(AGREEMENTS))
    tree = copy.deepcopy(TREES[source])
    for _ in range(draw(st.integers(1, 5))):
        paths = _paths(tree)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(tree, path)
        action = draw(st.sampled_from(("delete", "replace", "duplicate_item")))
        try:
            if action == "delete":
                del parent[path[-1]]
            elif action == "replace":
                parent[path[-1]] = draw(odd_values)
            elif isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            continue
    text = _dump(tree)
    damage = draw(
        st.sampled_from(
            ("none", "none", "truncate", "tab", "duplicate_key", "alias", "tag", "bytes", "deep")
        )
    )
    event(f"damage: {damage}")
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "tab":
        lines = text.splitlines()
        index = draw(st.integers(0, max(0, len(lines) - 1)))
        if lines:
            lines[index] = "\t" + lines[index]
        text = "\n".join(lines)
    elif damage == "duplicate_key":
        text += "schema_version: 2\nmetadata: {}\n"
    elif damage == "alias":
        # A small "billion laughs": aliases must not blow up time or memory.
        laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for level in range(1, 6):
            refs = ",".join([f"*a{level - 1}"] * 9)
            laughs.append(f"a{level}: &a{level} [{refs}]")
        text += "\n".join(laughs) + "\n"
    elif damage == "tag":
        text += "evil: !!python/object/apply:os.system ['echo pwned']\n"
    elif damage == "bytes":
        raw = text.encode("utf-8")
        cut = draw(st.integers(0, len(raw)))
        return (
            raw[:cut] + draw(st.sampled_from((b"\xff\xfe", b"\xe9", b"\x00", b"\xc3"))) + raw[cut:]
        )
    elif damage == "deep":
        text += "deep: " + "[" * 5000 + "]" * 5000 + "\n"
    return text.encode("utf-8")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mangled_agreements())
def test_any_mangled_agreement_is_validated_with_located_issues(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("agreement") / "agreement.yaml"
    path.write_bytes(data)

    outcome = run_cli(["agreement", "validate", str(path), "--today", "2025-06-01"])

    assert outcome.exit_code in (0, 1), outcome.stdout + outcome.stderr
    event(f"exit {outcome.exit_code}")
    assert "pwned" not in outcome.stdout + outcome.stderr
    issues = [line for line in (outcome.stdout + "\n" + outcome.stderr).splitlines() if line]
    issues = [line for line in issues if ISSUE_LINE.match(line)]
    if outcome.exit_code == 1:
        # A file that is not text at all is refused whole, naming the file and the byte.
        unreadable = outcome.stderr.startswith(f"error: {path}: not UTF-8 text (byte ")
        assert unreadable or any(": error " in line for line in issues), (
            outcome.stdout + outcome.stderr
        )
    for line in issues:
        match = ISSUE_LINE.match(line)
        assert match is not None
        where = match.group("where")
        assert where.startswith(str(path)), line
        code = line[match.end("level") + 1 :].split(" ", 1)[0]
        if not re.fullmatch(re.escape(str(path)) + r":\d+:\d+", where):
            assert FILE_LEVEL_WITHOUT_LINE.match(code), f"issue without line and column: {line}"
            event(f"file-level issue {code}")


def test_floats_that_yaml_cannot_hold_are_still_checked(tmp_path: Path) -> None:
    # .nan and .inf are valid YAML floats: a rate or an amount of NaN is an error, located.
    text = (EXAMPLES / "agreement-seed-000.yaml").read_text(encoding="utf-8")
    assert "schema_version: 1" in text
    tree = yaml.safe_load(text)
    tree["metadata"]["version"] = math.inf
    path = tmp_path / "agreement.yaml"
    path.write_text(_dump(tree), encoding="utf-8")

    outcome = run_cli(["agreement", "validate", str(path), "--today", "2025-06-01"])

    assert outcome.exit_code == 1
    errors = [line for line in outcome.stdout.splitlines() if ": error " in line]
    assert errors and all(re.match(re.escape(str(path)) + r":\d+:\d+: error ", e) for e in errors)
