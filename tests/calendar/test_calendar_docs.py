"""docs/calendar.md stays true: every code and field is documented, its examples run."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from funnelpact.domain.calendar import (
    CalendarCode,
    CalendarSpec,
    PublicHolidays,
    calendar_spec_from_dict,
)
from funnelpact.domain.calendar import __all__ as public_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "calendar.md"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    """The fenced blocks opened with ```language (an empty language: a bare fence)."""
    blocks: list[str] = []
    current: list[str] | None = None
    current_language = ""
    for line in doc_text().splitlines():
        if line.startswith("```"):
            if current is None:
                current, current_language = [], line[3:].strip()
            else:
                if current_language == language:
                    blocks.append("\n".join(current) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_every_code_is_in_the_codes_table() -> None:
    rows = set(re.findall(r"^\| (CAL\d{3}) \|", doc_text(), flags=re.MULTILINE))
    assert rows == {code.value for code in CalendarCode}


def test_every_field_is_documented() -> None:
    text = doc_text()
    for name in CalendarSpec.model_fields:
        assert f"| `{name}` |" in text, name
    for name in PublicHolidays.model_fields:
        assert f"| `public_holidays.{name}` |" in text, name


def test_every_public_name_is_mentioned() -> None:
    text = doc_text()
    for name in public_names:
        assert f"`{name}" in text, name


def test_the_yaml_example_is_a_valid_calendar_section() -> None:
    (example, *_) = code_blocks("yaml")
    section = yaml.safe_load(example)["calendar"]
    spec, issues = calendar_spec_from_dict(section, "calendar")
    assert spec is not None
    assert issues == []


def test_the_python_example_runs() -> None:
    (example,) = code_blocks("python")
    namespace: dict[str, object] = {}
    exec(compile(example, str(DOC), "exec"), namespace)  # its asserts are the check
    assert "deadline" in namespace


def test_the_sample_validate_output_is_what_the_rules_say() -> None:
    sample = next(block for block in code_blocks("") if "CAL002" in block)
    _, issues = calendar_spec_from_dict(
        {"timezone": "Europe/Madird", "working_hours": ["09:00-14:00", "13:00-18:00"]},
        "calendar",
    )
    assert sample.strip().splitlines() == [issue.render() for issue in issues]
