"""Helpers for the agreement tests: real files made from the examples, and the real CLI."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from funnelpact.cli.main import run
from funnelpact.domain.agreement import LoadedAgreement, check_agreement_text

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples"
SEED_000 = EXAMPLES / "agreement-seed-000.yaml"
SEED_003 = EXAMPLES / "agreement-seed-003.yaml"
# A date inside both examples' first review period: no "review is past" warning.
TODAY = date(2025, 3, 3)


def seed_text(path: Path = SEED_000) -> str:
    return path.read_text(encoding="utf-8")


def edited(text: str, *replacements: tuple[str, str]) -> str:
    """The text with each (old, new) replaced once; fails loudly if `old` is not there."""
    for old, new in replacements:
        assert text.count(old) >= 1, f"{old!r} is not in the text"
        text = text.replace(old, new, 1)
    return text


def write(tmp_path: Path, text: str, name: str = "agreement.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(text: str, file: str = "agreement.yaml", today: date = TODAY) -> LoadedAgreement:
    return check_agreement_text(text, file, today)


def rendered(loaded: LoadedAgreement) -> list[str]:
    return [issue.render() for issue in loaded.issues]


def at(text: str, fragment: str, occurrence: int = 1) -> str:
    """ "LINE:COL" (1-based) where the n-th occurrence of `fragment` starts."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        start = 0
        while (index := line.find(fragment, start)) != -1:
            seen += 1
            if seen == occurrence:
                return f"{number}:{index + 1}"
            start = index + 1
    raise AssertionError(f"{fragment!r} occurs fewer than {occurrence} times")


def words(text: str) -> str:
    """Text with runs of whitespace made one space: the CLI's error console wraps at 80."""
    return " ".join(text.split())


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> CliResult:
    """Run `funnelpact ARGS` in-process through the real entry point (error rendering included)."""
    monkeypatch.setattr(sys, "argv", ["funnelpact", *args])
    capsys.readouterr()
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return CliResult(code, out, err)
