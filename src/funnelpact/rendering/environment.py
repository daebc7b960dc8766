"""The Jinja2 environment every document shares: templates and CSS shipped in the package.

HTML templates (``*.html.j2``) are autoescaped; Markdown templates (``*.md.j2``) escape with
`markdown_text` instead. Both get gettext from the document's `Localizer` (``_``, ``gettext``,
``ngettext``, ``{% trans %}``), so a template's fixed words come from the same catalogs as the
rest of funnelpact.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from funnelpact.i18n import Language, localizer
from funnelpact.rendering.blocks import Cell, Document, Table

_PACKAGE = "funnelpact.rendering"


def stylesheet(name: str = "document.css") -> str:
    """The text of a stylesheet shipped in ``funnelpact/rendering/static``."""
    return resources.files(_PACKAGE).joinpath("static", name).read_text(encoding="utf-8")


# Markdown: characters that would start markup in running text. Underscores inside words
# (lead_owner) are left alone: GitHub does not treat them as emphasis.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>]|(?<!\w)_|_(?!\w))")
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")
_BLOCK_START = re.compile(r"^(\s*)([#+\-])(\s)", flags=re.MULTILINE)
_ORDERED_START = re.compile(r"^(\s*\d+)([.)])(\s)", flags=re.MULTILINE)


def markdown_text(text: str) -> str:
    """Plain text made safe for Markdown: it shows as written, never as markup."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A line may not start a heading or a list: '# x' -> '\# x', '1. x' -> '1\. x'.
    escaped = _BLOCK_START.sub(r"\1\\\2\3", escaped)
    return _ORDERED_START.sub(r"\1\\\2\3", escaped)


def markdown_cell(cell: Cell) -> str:
    """A table cell on one line: pipes escaped, several values joined by '; '."""
    text = "; ".join(cell) if isinstance(cell, tuple) else cell
    # Line breaks would end the row; no-break spaces (1.000 €) stay as they are.
    return markdown_text(_LINE_BREAKS.sub(" ", text).strip(" ")).replace("|", "\\|")


def markdown_table(table: Table) -> str:
    """A GitHub-flavoured table, columns padded so that the source reads as a table too."""
    rows = [
        [markdown_cell(column.header) for column in table.columns],
        *([markdown_cell(cell) for cell in row] for row in table.rows),
    ]
    if table.footer:
        rows.append([f"**{markdown_cell(cell)}**" if cell else "" for cell in table.footer])
    widths = [max(3, *(len(row[index]) for row in rows)) for index in range(len(table.columns))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(width) if column.numeric else cell.ljust(width)
            for cell, width, column in zip(cells, widths, table.columns, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (width - 1) + ":" if column.numeric else "-" * width
        for width, column in zip(widths, table.columns, strict=True)
    ]
    return "\n".join([line(rows[0]), line(rule), *(line(row) for row in rows[1:])])


_NOT_ANCHOR = re.compile(r"[^\w\- ]")


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: 'Plan and targets' -> 'plan-and-targets'."""
    return _NOT_ANCHOR.sub("", title.strip().lower()).replace(" ", "-")


def css_string(text: str) -> Markup:
    """A quoted CSS string (for ``content:`` in a <style>), safe to place in HTML unescaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    escaped = escaped.replace("<", "\\3c ").replace(">", "\\3e ")
    return Markup(f'"{escaped}"')


def page_counter(label: str) -> Markup:
    """'Page %(page)s of %(pages)s' -> CSS content: "Page " counter(page) " of " counter(pages)."""
    parts: list[str] = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", label):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts))


@cache
def environment(language: Language) -> jinja2.Environment:
    """The environment of one language (cached: templates compile once per process)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        localizer(language).catalog, newstyle=True
    )
    env.filters["md"] = markdown_text
    env.filters["md_table"] = markdown_table
    env.filters["github_anchor"] = github_anchor
    env.filters["css_string"] = css_string
    env.filters["page_counter"] = page_counter
    env.globals["stylesheet"] = stylesheet
    env.globals["localizer"] = localizer(language)
    return env


def render_template(name: str, language: Language, **context: Any) -> str:
    """Render a template of the package in ``language``."""
    return environment(language).get_template(name).render(**context)


def render_html(document: Document, template: str = "document.html.j2") -> str:
    """A self-contained HTML page: CSS inlined, no external resource."""
    return render_template(template, Language(document.language), document=document)


def render_markdown(document: Document, template: str = "document.md.j2") -> str:
    """GitHub-flavoured Markdown of the same content."""
    text = render_template(template, Language(document.language), document=document)
    # Templates leave blank runs where optional parts are absent: one blank line is enough.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
