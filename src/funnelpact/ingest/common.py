"""Reading CRM export files: encodings, delimiters, headers, numbers and located problems.

Every problem names the file, the data row (1-based, the header is not a row), the physical line
(a quoted value may span lines, so the two differ) and the column, so a user can find it in a
spreadsheet or an editor.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

from funnelpact.domain.errors import Level
from funnelpact.errors import InputError

# CSV fields of a few MB are legal (long notes, email bodies); the csv module's default is 128 KB.
csv.field_size_limit(64 * 1024 * 1024)


class ImportCode(StrEnum):
    """Stable codes of import problems (documented in docs/imports.md)."""

    ENCODING = "IMP001"
    EMPTY_FILE = "IMP002"
    NO_DATA = "IMP003"
    DUPLICATE_COLUMN = "IMP004"
    MISSING_COLUMN = "IMP005"
    UNKNOWN_FILE = "IMP006"
    AMBIGUOUS_DATES = "IMP007"
    UNREADABLE = "IMP008"
    IGNORED_COLUMN = "IMP010"
    BAD_DATE = "IMP101"
    MISSING_VALUE = "IMP102"
    BAD_NUMBER = "IMP103"
    BAD_ID = "IMP104"
    BAD_VALUE = "IMP105"
    ROW_SHAPE = "IMP106"
    UNKNOWN_VALUE = "IMP201"
    NAIVE_TIMES = "IMP202"


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One problem in an import file, located by file, data row, physical line and column."""

    level: Level
    code: ImportCode
    message: str
    file: str = ""
    row: int | None = None
    line: int | None = None
    column: str = ""

    def location(self) -> str:
        parts = [self.file] if self.file else []
        if self.row is not None:
            parts.append(f"row {self.row} (line {self.line})")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)

    def render(self) -> str:
        where = self.location()
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.level} {self.code} {self.message}"


class CellError(Exception):
    """A value of a row is wrong; raised by row converters, located by the engine."""

    def __init__(self, column: int, code: ImportCode, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


class IssueLog:
    """Keeps the first ``limit`` problems and counts all of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[ImportIssue] = []
        self.errors = 0
        self.warnings = 0

    def add(self, issue: ImportIssue) -> None:
        if issue.level is Level.WARNING:
            self.warnings += 1
        else:
            self.errors += 1
        if len(self.kept) < self.limit:
            self.kept.append(issue)

    def extend(self, issues: Iterable[ImportIssue]) -> None:
        for issue in issues:
            self.add(issue)


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What one file gave: rows read and rejected, records by kind."""

    name: str
    kind: str
    rows: int
    rejected: int
    records: tuple[tuple[str, int], ...]
    rejected_path: str = ""
    encoding: str = ""
    delimiter: str = ""
    dates: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of reading every file of an import (before or without storing)."""

    files: tuple[FileSummary, ...]
    issues: tuple[ImportIssue, ...]
    errors: int
    warnings: int
    refused: bool  # True: nothing may be stored
    limit: int = 50

    @property
    def rows(self) -> int:
        return sum(summary.rows for summary in self.files)

    @property
    def rejected(self) -> int:
        return sum(summary.rejected for summary in self.files)

    def records_by_kind(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for summary in self.files:
            for kind, count in summary.records:
                totals[kind] = totals.get(kind, 0) + count
        return totals

    def problem_lines(self) -> list[str]:
        """Every kept problem, then how many were left out."""
        lines = [issue.render() for issue in self.issues]
        left_out = self.errors + self.warnings - len(self.issues)
        if left_out > 0:
            lines.append(f"... and {left_out} more problem(s) (the first {self.limit} are shown)")
        return lines


class ImportRefusedError(InputError):
    """The import was refused: the report says every problem found; nothing was stored."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        lines = report.problem_lines()
        lines.append(f"import refused: {report.errors} error(s); nothing was stored")
        super().__init__("\n".join(lines))


class FileRejectedError(Exception):
    """A whole file cannot be read (encoding, no header, unknown kind): its problems."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("\n".join(issue.render() for issue in issues))
        self.issues = issues


# -- text -------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "'": "'", "’": "'"})


def normalise_label(text: str) -> str:
    """The form labels are matched in: case, accents, spacing and quote style ignored."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().replace("\ufeff", "").split())


def quoted_list(names: Iterable[str], limit: int = 40) -> str:
    items = [f'"{name}"' for name in names]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", ... ({len(items) - limit} more)"
    return ", ".join(items)


# -- files ------------------------------------------------------------------------------------

_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16"}
_DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class CsvFile:
    """An export whose encoding was checked and whose header row was read."""

    path: Path
    name: str  # as the user wrote it, for messages
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    header_lines: int  # physical lines the header takes
    size: int


def _guess_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        start = handle.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"; the BOM says the byte order
    return "utf-8-sig"  # UTF-8 with or without the BOM Excel writes


def check_encoding(path: Path, name: str, encoding: str) -> ImportIssue | None:
    """Decode the whole file once (fast, in C) so a bad byte is found before anything is stored."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    lines_before = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                bad = offset - len(pending) + exc.start
                line = lines_before + data.count(b"\n", 0, exc.start) + 1
                shown = _ENCODING_NAMES.get(encoding, encoding)
                return ImportIssue(
                    Level.ERROR,
                    ImportCode.ENCODING,
                    f"cannot read the file as {shown}: byte 0x{data[exc.start]:02x} at offset {bad}"
                    f" (line {line}) is not valid {shown}; if the file uses another encoding,"
                    " pass it with --encoding (e.g. --encoding latin-1 or --encoding cp1252)",
                    file=name,
                    line=line,
                )
            if not chunk:
                return None
            offset += len(chunk)
            lines_before += chunk.count(b"\n")


def _sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def open_csv(
    path: Path, *, name: str = "", encoding: str | None = None, delimiter: str | None = None
) -> CsvFile:
    """Check the encoding, find the delimiter and read the header (or FileRejectedError)."""
    shown = name or str(path)
    if not path.is_file():
        issue = ImportIssue(Level.ERROR, ImportCode.UNREADABLE, "no such file", file=shown)
        raise FileRejectedError([issue])
    chosen = encoding or _guess_encoding(path)
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise FileRejectedError(
            [
                ImportIssue(
                    Level.ERROR, ImportCode.ENCODING, f"unknown encoding {chosen!r}", file=shown
                )
            ]
        ) from None
    problem = check_encoding(path, shown, chosen)
    if problem is not None:
        raise FileRejectedError([problem])
    size = path.stat().st_size
    with path.open(encoding=chosen, newline="") as handle:
        first_line = handle.readline()
        handle.seek(0)
        sep = delimiter or _sniff_delimiter(first_line)
        reader = csv.reader(handle, delimiter=sep)
        header: list[str] = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                header = cells
                break
        header_lines = reader.line_num
    if not header:
        raise FileRejectedError(
            [
                ImportIssue(
                    Level.ERROR,
                    ImportCode.EMPTY_FILE,
                    "the file is empty: no header row and no data",
                    file=shown,
                )
            ]
        )
    cleaned = tuple(cell.replace("\ufeff", "").strip() for cell in header)
    return CsvFile(path, shown, chosen, sep, cleaned, header_lines, size)


def skip_header(reader: Iterator[list[str]], file: CsvFile) -> None:
    """Advance a csv reader past the header (and any blank lines before it)."""
    for _ in reader:
        if reader.line_num >= file.header_lines:  # type: ignore[attr-defined]
            return


def iter_rows(file: CsvFile) -> Iterator[tuple[int, int, list[str]]]:
    """Data rows as (row number, first physical line, cells); blank lines are skipped."""
    with file.path.open(encoding=file.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=file.delimiter)
        skip_header(reader, file)
        end = reader.line_num
        row = 0
        for cells in reader:
            start = end + 1
            end = reader.line_num
            if not any(cells):
                continue
            row += 1
            yield row, start, cells


# -- headers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column an adapter reads, by its labels (every language) and whether it must be there."""

    field: str
    labels: tuple[str, ...]
    required: bool = False

    @property
    def display(self) -> str:
        first = f'"{self.labels[0]}"'
        if len(self.labels) > 1 and self.labels[1].isascii():
            return f'{first} (or "{self.labels[1]}")'
        return first


@dataclass
class Header:
    """Finds columns by label; collects missing and duplicated columns for one report."""

    file: CsvFile
    positions: dict[str, list[int]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for index, name in enumerate(self.file.header):
            if name:
                self.positions.setdefault(normalise_label(name), []).append(index)

    @property
    def names(self) -> tuple[str, ...]:
        return self.file.header

    def has(self, label: str) -> bool:
        return normalise_label(label) in self.positions

    def find(self, labels: Iterable[str]) -> int | None:
        """The column with the first label present, or None."""
        for label in labels:
            found = self.positions.get(normalise_label(label))
            if found:
                if len(found) > 1:
                    self._duplicate(found)
                self.used.add(found[0])
                return found[0]
        return None

    def column(self, spec: ColumnSpec) -> int | None:
        index = self.find(spec.labels)
        if index is None and spec.required:
            self.missing.append(spec.display)
        return index

    def require(self, spec: ColumnSpec) -> int:
        """The column's index; -1 (and a missing-column problem) when it is absent."""
        index = self.find(spec.labels)
        if index is None:
            self.missing.append(spec.display)
            return -1
        return index

    def _duplicate(self, positions: list[int]) -> None:
        name = self.file.header[positions[0]]
        places = " and ".join(str(position + 1) for position in positions)
        message = (
            f'column "{name}" appears {len(positions)} times (columns {places}):'
            " the export must name each column once"
        )
        issue = ImportIssue(
            Level.ERROR, ImportCode.DUPLICATE_COLUMN, message, file=self.file.name, line=1
        )
        if issue not in self.issues:
            self.issues.append(issue)

    def problems(self) -> list[ImportIssue]:
        """Missing required columns (one problem naming them all) and duplicated columns."""
        found = [issue for issue in self.issues]
        if self.missing:
            plural = "s" if len(self.missing) > 1 else ""
            found.insert(
                0,
                ImportIssue(
                    Level.ERROR,
                    ImportCode.MISSING_COLUMN,
                    f"missing required column{plural} {', '.join(self.missing)};"
                    f" columns found: {quoted_list(self.file.header)}",
                    file=self.file.name,
                    line=1,
                ),
            )
        for indexes in self.positions.values():
            if len(indexes) > 1 and indexes[0] not in self.used:
                name = self.file.header[indexes[0]]
                places = " and ".join(str(position + 1) for position in indexes)
                found.append(
                    ImportIssue(
                        Level.WARNING,
                        ImportCode.DUPLICATE_COLUMN,
                        f'column "{name}" appears {len(indexes)} times (columns {places});'
                        " it is not read, so it is ignored",
                        file=self.file.name,
                        line=1,
                    )
                )
        return found


# -- numbers ----------------------------------------------------------------------------------

_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_SPACES = str.maketrans("", "", " \u00a0\u202f'’")


def _grouped(core: str, separator: str) -> bool:
    """True when ``separator`` splits ``core`` like a thousands separator (1,234,567)."""
    head, *groups = core.lstrip("-+").split(separator)
    return bool(groups) and 1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)


def parse_amount(value: str, decimal_comma: bool | None = None) -> tuple[Decimal, str]:
    """A money amount as exports write it ("1500", "1.234,56", "EUR 1,234.56", "1 234,56 €").

    ``decimal_comma`` says the export's locale writes a decimal comma (Spanish, Italian); when
    it is None a comma followed by exactly three digits is read as a thousands separator.
    Returns the amount and the currency code written next to it ("" when there is none).
    Raises ValueError when the value is not an amount.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty")
    negative = text.startswith("(") and text.endswith(")")  # accounting style
    text = text.strip("()")
    start = 0
    while start < len(text) and not (text[start].isdigit() or text[start] in "-+.,"):
        start += 1
    end = len(text)
    while end > start and not text[end - 1].isdigit():
        end -= 1
    prefix, core, suffix = text[:start].strip(), text[start:end], text[end:].strip()
    currency = ""
    for mark in (prefix, suffix):
        if mark:
            code = _SYMBOLS.get(mark, mark.upper() if len(mark) == 3 and mark.isalpha() else "")
            if not code:
                raise ValueError(f"not an amount: {value!r}")
            currency = code
    core = core.translate(_SPACES)
    if not core:
        raise ValueError(f"not an amount: {value!r}")
    comma, dot = core.rfind(","), core.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal_mark = "," if comma > dot else "."
    elif comma >= 0:
        if decimal_comma is None:
            decimal_mark = "" if _grouped(core, ",") else ","
        else:
            decimal_mark = "," if decimal_comma or not _grouped(core, ",") else ""
    elif dot >= 0:
        decimal_mark = "" if decimal_comma and _grouped(core, ".") else "."
    else:
        decimal_mark = ""
    thousands = {",": ".", ".": ",", "": ",." if decimal_comma is not None else ","}[decimal_mark]
    for mark in thousands:
        core = core.replace(mark, "")
    if decimal_mark == ",":
        core = core.replace(",", ".")
    if core.count(".") > 1:
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(core)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return (-amount if negative else amount), currency


_TRUE = frozenset(
    normalise_label(word)
    for word in ("true", "yes", "1", "y", "x", "sí", "si", "vero", "verdadero", "wahr", "oui")
)
_FALSE = frozenset(
    normalise_label(word) for word in ("false", "no", "0", "n", "falso", "non", "nein", "")
)


def parse_bool(value: str) -> bool:
    """Yes/no as exports write it, in English, Spanish or Italian; raises ValueError if not."""
    key = normalise_label(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"not yes or no: {value!r}")


def first_labels(specs: Sequence[ColumnSpec]) -> list[str]:
    return [spec.labels[0] for spec in specs]
