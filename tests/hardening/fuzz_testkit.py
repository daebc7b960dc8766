"""Shared pieces of the fuzzing tests: the CLI as a user runs it (errors rendered as `run()`
renders them), a store dump, and the check that every problem printed is located."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.domain.errors import DomainError
from funnelpact.errors import FunnelpactError

runner = CliRunner()
WIDE = {"COLUMNS": "300"}
# An issue line: "error CODE ..." or "warning CODE ..." after the location. The store's own
# refusals (a value longer than its column) carry no code yet: "error contact hubspot:1: ...".
ISSUE = re.compile(r":\s(error|warning|future error)\s")
CODED = re.compile(r":\s(error|warning|future error)\s[A-Z]{2,4}\d{3}\b")


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str]) -> Outcome:
    """Like `funnelpact ARGS`: an expected error becomes its message and exit code, anything
    else (a traceback for a user) fails the test with the exception."""
    result = runner.invoke(app, args, env=WIDE)
    error = result.exception
    if error is None or isinstance(error, SystemExit):
        return Outcome(result.exit_code, result.stdout, result.stderr)
    if isinstance(error, DomainError):
        lines = [issue.render() for issue in error.issues]
        return Outcome(1, result.stdout, result.stderr + "\n".join(lines))
    if isinstance(error, FunnelpactError):
        return Outcome(error.exit_code, result.stdout, result.stderr + f"error: {error.message}")
    raise AssertionError(f"traceback for funnelpact {' '.join(args)!r}") from error


def store_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every store table, primary keys included."""
    from funnelpact.server.tracking.models import STORE_MODELS

    return {
        model.__name__: [tuple(row) for row in model.objects.order_by("pk").values_list()]
        for model in STORE_MODELS
    }


def issue_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ISSUE.search(line)]
