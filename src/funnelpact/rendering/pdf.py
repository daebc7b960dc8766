"""PDF through WeasyPrint, from the very HTML the ``html`` format gives."""

from __future__ import annotations

from typing import Any, NoReturn

from funnelpact.errors import FunnelpactError


class RenderingError(FunnelpactError):
    """The renderer failed on a document we produced: a bug or a broken install, said plainly."""

    status_code = 500


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    # Documents are self-contained; a fetch would mean a stray URL, never a resource we need.
    raise RenderingError(f"the document tried to load {url}; documents must be self-contained")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (A4 and page breaks come from its print CSS)."""
    try:
        # Imported here: WeasyPrint loads Pango and takes a moment, which other commands skip.
        import weasyprint
    except OSError as exc:  # the system Pango library is missing
        raise RenderingError(
            f"PDF rendering needs the Pango library ({exc}); on Debian or Ubuntu: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from None
    document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch)
    pdf: bytes = document.write_pdf()
    return pdf
