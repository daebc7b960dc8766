"""A document as data: sections of blocks that the HTML and Markdown templates lay out.

Builders (the agreement today, reports later) write every text already translated and every
value already formatted; the templates only arrange. So one builder gives the same content
in HTML, PDF and Markdown, and a test can read the content without parsing markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

Cell = str | tuple[str, ...]
"""A table cell: one text, or several shown as a list (HTML) or joined by '; ' (Markdown)."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str
    emphasis: bool = False  # the sentence a reader must not miss (e.g. the protocol)


@dataclass(frozen=True, slots=True)
class Note:
    """A remark set apart from the text: a caveat or a warning the reader should act on."""

    kind: ClassVar[str] = "note"
    text: str
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    term: str
    value: str
    code: bool = False  # a machine value (a content hash): shown in a fixed-width font


@dataclass(frozen=True, slots=True)
class Facts:
    """Term and value pairs (a definition list)."""

    kind: ClassVar[str] = "facts"
    items: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned, so that digits line up


@dataclass(frozen=True, slots=True)
class Table:
    """A table whose first column names each row (a row header for screen readers)."""

    kind: ClassVar[str] = "table"
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[Cell, ...] = ()  # a total row, set apart

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in (*self.rows, *((self.footer,) if self.footer else ())):
            if len(row) != width:
                raise ValueError(f"table {self.caption!r}: a row has {len(row)} cells, not {width}")


class SignatureState(StrEnum):
    UNSIGNED = "unsigned"  # an empty line to sign on paper
    VALID = "valid"  # recorded, and the content hash still matches
    STALE = "stale"  # recorded, but the document changed afterwards


@dataclass(frozen=True, slots=True)
class SignatureBlock:
    """One signatory's block: who, for whom, and the recorded signature or a line to sign on."""

    name: str
    role: str
    party: str
    state: SignatureState
    status: str = ""  # translated: 'valid' / 'no longer matches'
    signed_at: str = ""  # formatted date and time of a recorded signature


@dataclass(frozen=True, slots=True)
class Signatures:
    kind: ClassVar[str] = "signatures"
    blocks: tuple[SignatureBlock, ...]
    signature_label: str
    date_label: str
    status_label: str
    signed_label: str


Block = Paragraph | Note | Facts | Bullets | Table | Signatures


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part; nested sections are one heading level deeper."""

    title: str
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    anchor: str = ""
    new_page: bool = False  # printed from the top of a page

    @property
    def id(self) -> str:
        return self.anchor or slug(self.title)


@dataclass(frozen=True, slots=True)
class Document:
    """A whole document: the language it is written in, its title, its sections."""

    language: str
    title: str
    subtitle: str = ""
    kicker: str = ""  # the kind of document, above the title
    summary: tuple[Fact, ...] = ()  # shown under the title (version, dates...)
    sections: tuple[Section, ...] = ()
    contents_title: str = ""  # a table of contents when set
    running_header: str = ""  # repeated at the top of printed pages
    running_footer: str = ""  # repeated at the bottom of printed pages, beside the page number

    def all_sections(self) -> list[Section]:
        """Every section, depth first (for tests and tables of contents)."""
        found: list[Section] = []

        def walk(sections: tuple[Section, ...]) -> None:
            for section in sections:
                found.append(section)
                walk(section.sections)

        walk(self.sections)
        return found


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """'Plan and targets' -> 'plan-and-targets' (accents dropped), for anchors."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", plain.lower()).strip("-") or "section"
