"""Documents people read: HTML (self-contained), PDF (WeasyPrint) and Markdown, in en/es/it.

Public API (see docs/rendering.md):
- `Document`, `Section` and the blocks (`Paragraph`, `Note`, `Facts`/`Fact`, `Bullets`,
  `Table`/`Column`, `Signatures`/`SignatureBlock`): a document as data, written by a builder
  with texts already translated (`funnelpact.i18n`).
- `render_html(document, template)`, `render_markdown(document, template)`,
  `html_to_pdf(html)`: the same content in three formats; templates extend
  ``document.html.j2`` / ``document.md.j2`` from ``funnelpact/rendering/templates``.
- `OutputFormat`, `emit(content, output)`, `write_atomic(path, data)`, `check_destination`.
- The agreement: `agreement_document(agreement, plan, language)`,
  `render_agreement(agreement, output_format, language)`, `render_agreement_file(path, ...)`.
"""

from funnelpact.rendering.agreement import (
    agreement_document,
    render_agreement,
    render_agreement_file,
    signature_statuses,
)
from funnelpact.rendering.blocks import (
    Block,
    Bullets,
    Column,
    Document,
    Fact,
    Facts,
    Note,
    Paragraph,
    Section,
    SignatureBlock,
    Signatures,
    SignatureState,
    Table,
)
from funnelpact.rendering.environment import (
    environment,
    markdown_table,
    markdown_text,
    render_html,
    render_markdown,
    render_template,
    stylesheet,
)
from funnelpact.rendering.output import OutputFormat, check_destination, emit, write_atomic
from funnelpact.rendering.pdf import RenderingError, html_to_pdf

__all__ = [
    "Block",
    "Bullets",
    "Column",
    "Document",
    "Fact",
    "Facts",
    "Note",
    "OutputFormat",
    "Paragraph",
    "RenderingError",
    "Section",
    "SignatureBlock",
    "SignatureState",
    "Signatures",
    "Table",
    "agreement_document",
    "check_destination",
    "emit",
    "environment",
    "html_to_pdf",
    "markdown_table",
    "markdown_text",
    "render_agreement",
    "render_agreement_file",
    "render_html",
    "render_markdown",
    "render_template",
    "signature_statuses",
    "stylesheet",
    "write_atomic",
]
