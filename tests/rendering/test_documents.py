"""The shared layer: blocks, Markdown escaping and tables, HTML structure, CSS strings."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelpact.i18n import Language
from funnelpact.rendering import (
    Bullets,
    Column,
    Document,
    Fact,
    Facts,
    Note,
    Paragraph,
    Section,
    Table,
    render_html,
    render_markdown,
)
from funnelpact.rendering.blocks import slug
from funnelpact.rendering.environment import (
    css_string,
    github_anchor,
    markdown_cell,
    markdown_table,
    markdown_text,
    page_counter,
    render_template,
)

TABLE = Table(
    caption="Targets",
    columns=(Column("Stage"), Column("Needed", numeric=True)),
    rows=(("MQLs", "800"), ("SQLs | sales", "400")),
    footer=("Customers", "100"),
)


def test_markdown_table_is_github_flavoured_and_aligned() -> None:
    assert markdown_table(TABLE).splitlines() == [
        "| Stage         |  Needed |",
        "| ------------- | ------: |",
        "| MQLs          |     800 |",
        "| SQLs \\| sales |     400 |",
        "| **Customers** | **100** |",
    ]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="a row has 1 cells, not 2"):
        Table(caption="x", columns=(Column("a"), Column("b")), rows=(("only one",),))


def test_markdown_text_never_becomes_markup() -> None:
    assert markdown_text("*bold* <b> [link] `code` \\") == (
        "\\*bold\\* \\<b\\> \\[link\\] \\`code\\` \\\\"
    )
    assert markdown_text("# not a heading") == "\\# not a heading"
    assert markdown_text("1. not a list") == "1\\. not a list"
    assert markdown_text("- not a bullet\n+ nor this") == "\\- not a bullet\n\\+ nor this"
    assert markdown_text("Step 1. is fine mid-line") == "Step 1. is fine mid-line"
    assert markdown_text("lead_owner stays readable") == "lead_owner stays readable"
    assert markdown_text("_emphasis_") == "\\_emphasis\\_"


@given(st.lists(st.text(max_size=30), min_size=1, max_size=4) | st.text(max_size=60))
def test_a_markdown_cell_stays_on_one_line_and_in_its_column(value: list[str] | str) -> None:
    cell = markdown_cell(tuple(value) if isinstance(value, list) else value)
    assert "\n" not in cell and "\r" not in cell
    # Every pipe is escaped, so it cannot split the cell.
    assert "|" not in cell.replace("\\|", "")


def test_anchors_follow_github_and_slugs_drop_accents() -> None:
    assert github_anchor("KPIs, review and alerts") == "kpis-review-and-alerts"
    assert github_anchor("Traspaso y gestión de leads") == "traspaso-y-gestión-de-leads"
    assert slug("Traspaso y gestión de leads") == "traspaso-y-gestion-de-leads"
    assert slug("¿?") == "section"


def test_css_strings_are_quoted_and_cannot_close_the_style_element() -> None:
    assert css_string('Say "hi"') == '"Say \\"hi\\""'
    assert "</style>" not in css_string("</style><script>")
    assert page_counter("Página %(page)s de %(pages)s") == (
        '"Página " counter(page) " de " counter(pages)'
    )


def _document() -> Document:
    return Document(
        language="it",
        title="Title <script>alert(1)</script>",
        subtitle="Sub",
        summary=(Fact("Hash", "sha256:abc", code=True),),
        contents_title="Indice",
        sections=(
            Section(
                "First",
                blocks=(Paragraph("Hello & welcome", emphasis=True), TABLE),
                sections=(
                    Section(
                        "Nested",
                        blocks=(Facts((Fact("Term", "Value"),)), Bullets(("one", "two"), "List")),
                        sections=(Section("Deeper", blocks=(Note("careful", warning=True),)),),
                    ),
                ),
            ),
            Section("Second", new_page=True, anchor="second"),
        ),
    )


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))


def test_html_is_accessible_and_escaped() -> None:
    html = render_html(_document())
    outline = _Outline()
    outline.feed(html)
    assert ("html", {"lang": "it"}) in outline.tags
    # One h1, then no level skipped on the way down.
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1
    assert outline.headings == [1, 2, 2, 3, 4, 2]  # contents, First, Nested, Deeper, Second
    headers = [attrs for tag, attrs in outline.tags if tag == "th"]
    assert {"scope": "col"} in headers and {"scope": "row"} in headers
    assert "<script>" not in html and "Title &lt;script&gt;" in html
    assert "Hello &amp; welcome" in html
    assert 'class="level-2 new-page"' in html and 'id="second"' in html


def test_html_is_self_contained() -> None:
    html = render_html(_document())
    outline = _Outline()
    outline.feed(html)
    tags = {tag for tag, _ in outline.tags}
    assert "style" in tags
    assert not tags & {"link", "script", "img", "iframe"}
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert "size: A4" in html and "break-before: page" in html


def test_markdown_has_the_same_outline() -> None:
    markdown = render_markdown(_document())
    headings = [line.split(" ")[0] for line in markdown.splitlines() if line.startswith("#")]
    assert headings == ["#", "##", "##", "###", "####", "##"]
    assert "1. [First](#first)" in markdown
    assert "- **Hash:** `sha256:abc`" in markdown
    assert "> careful" in markdown
    assert "\n\n\n" not in markdown


def test_templates_translate_through_the_catalogs() -> None:
    markdown = render_markdown(Document(language="es", title="T"), "agreement.md.j2")
    assert markdown == "# T\n"
    html = render_template("agreement.html.j2", Language.ES, document=Document("es", "T"))
    assert "Página " in html  # the page counter of printed pages, translated
    from funnelpact.rendering.environment import environment

    template = environment(Language.ES).from_string(
        "{{ _('Signatures') }}|{% trans %}Date{% endtrans %}"
    )
    assert template.render() == "Firmas|Fecha"
