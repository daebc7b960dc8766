"""Helpers for the rendering tests: run the real CLI entry point in-process, load examples."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from funnelpact.agreements import check_agreement_file
from funnelpact.cli.main import run
from funnelpact.domain.agreement import Agreement
from funnelpact.domain.planning import Plan, build_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED_000 = EXAMPLES / "agreement-seed-000.yaml"
SEED_003 = EXAMPLES / "agreement-seed-003.yaml"
TODAY = date(2025, 1, 15)


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(args: list[str], capsys: pytest.CaptureFixture[str]) -> Result:
    """`funnelpact ARGS` through `run()`, the entry point users get (errors rendered there)."""
    capsys.readouterr()  # drop anything printed before
    saved = sys.argv
    sys.argv = ["funnelpact", *args]
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def load(path: Path) -> Agreement:
    loaded = check_agreement_file(path, TODAY)
    assert loaded.agreement is not None, [issue.render() for issue in loaded.issues]
    return loaded.agreement


def plan_of(agreement: Agreement) -> Plan:
    """The planner's own numbers, which the document must show (never typed in a test)."""
    return build_plan(agreement.plan_spec())


def compile_messages_tool() -> ModuleType:
    """tools/compile_messages.py as a module (tools/ is not a package)."""
    name = "compile_messages"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "compile_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def markdown_row(markdown: str, first_cell: str, after: str = "") -> list[str]:
    """The cells of the first table row whose first cell is ``first_cell`` (after a marker)."""
    text = markdown[markdown.index(after) :] if after else markdown
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip().strip("*") for cell in line.strip("|").split("|")]
            if cells[0] == first_cell:
                return cells
    raise AssertionError(f"no table row starting with {first_cell!r}")
