"""Django templates: a `{# ... #}` comment must open and close on one line.

Django's comment tag is single-line; a comment spanning lines is not a comment but text, and is
shown to the user (the dashboard once printed its own developer note above the figures).
Multi-line notes use `{% comment %}...{% endcomment %}`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "funnelpact"
TEMPLATES = sorted(
    path
    for path in SOURCE.rglob("templates/**/*.html")
    if path.suffix == ".html"  # Jinja templates (*.j2) allow multi-line comments
)
OPEN_COMMENT = re.compile(r"\{#(?![^\n]*#\})")


def test_templates_are_found() -> None:
    assert len(TEMPLATES) > 10, TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(SOURCE)))
def test_no_comment_spans_lines(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    unclosed = [
        f"{template.name}:{text.count(chr(10), 0, match.start()) + 1}"
        for match in OPEN_COMMENT.finditer(text)
    ]
    assert unclosed == [], f"a {{# comment left open on its line (shown as text): {unclosed}"


def test_the_check_finds_an_open_comment() -> None:
    assert OPEN_COMMENT.search("{# spans\n lines #}")
    assert not OPEN_COMMENT.search("{# one line #} and {# another #}")
