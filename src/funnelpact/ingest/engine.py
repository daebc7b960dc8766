"""The import engine: files in, batches of canonical records out, every problem located.

An adapter (HubSpot contacts, Salesforce Lead, a CSV mapping, ...) turns one row into records and
raises ``CellError`` for a bad value; the engine reads the rows, numbers them, collects problems,
writes rejected rows, and yields records in batches. It knows CSV, not the database: the caller
hands the batches to the store.

All-or-nothing (the default): after the first bad row no more records are yielded, the rest of
the files are still read so every problem is reported, and the iteration ends by raising
``ImportRefusedError``; a store that consumes the batches inside one transaction thereby rolls back.
"""

from __future__ import annotations

import csv
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from io import BufferedReader
from pathlib import Path
from typing import ClassVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from funnelpact.domain.errors import Level
from funnelpact.domain.records import Record, Ref, Rep, System
from funnelpact.errors import InputError
from funnelpact.ingest.common import (
    CellError,
    CsvFile,
    FileRejectedError,
    FileSummary,
    Header,
    ImportCode,
    ImportIssue,
    ImportRefusedError,
    ImportReport,
    IssueLog,
    iter_rows,
    normalise_label,
    open_csv,
    parse_amount,
    skip_header,
)
from funnelpact.ingest.dates import AmbiguousDates, DateParser, DateStyle, detect_order


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the files of one import (the CLI's options)."""

    encoding: str | None = None  # None: UTF-8 (with or without BOM), or UTF-16 by its BOM
    delimiter: str | None = None  # None: sniffed from the header line
    date_format: str | None = None  # a strptime format; None: ISO 8601 or detected d/m vs m/d
    timezone: str | None = None  # the zone of values without one; None: UTC (with a warning)
    skip_invalid: bool = False
    rejected_dir: Path | None = None  # None: next to each input file
    max_problems: int = 50
    batch_size: int = 5_000

    def zone(self) -> tzinfo:
        if not self.timezone:
            return UTC
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                f"unknown time zone {self.timezone!r}: use an IANA name such as Europe/Madrid,"
                " Europe/Rome or America/New_York"
            ) from None


OWNER_LENGTH = 255  # the store's longest rep ref and rep name


class OwnerTooLongError(CellError):
    """An owner (name or id) longer than the store keeps; the engine finds its column."""

    def __init__(self, value: str, limit: int) -> None:
        super().__init__(
            -1,
            ImportCode.BAD_VALUE,
            f'owner "{value[:40]}…" is {len(value)} characters long (at most {limit})',
        )
        self.value = value


class RepDirectory:
    """Owners as exports name them: one Rep record per owner, with a ref stable across imports.

    A display name becomes the ref ``name:<normalised name>`` of its system, so the same owner
    in two exports (or two imports) is the same rep; an id (Salesforce OwnerId) is used as is.
    New reps wait in ``pending`` until the engine puts them in front of the next batch.
    """

    def __init__(self) -> None:
        self._by_name: dict[tuple[System, str], Ref] = {}
        self._by_id: dict[tuple[System, str], Ref] = {}
        self.pending: list[Record] = []

    def by_name(self, system: System, name: str, team: str = "") -> Ref | None:
        if not name:
            return None
        ref = self._by_name.get((system, name))
        if ref is None:
            normalised = " ".join(name.split()).casefold()
            if not normalised:
                return None
            ref = Ref(system, f"name:{normalised}")
            if len(ref.external_id) > OWNER_LENGTH:
                raise OwnerTooLongError(name, OWNER_LENGTH - len("name:"))
            if (system, ref.external_id) not in self._by_id:
                self._by_id[(system, ref.external_id)] = ref
                self.pending.append(Rep(ref=ref, name=" ".join(name.split()), team=team))
            self._by_name[(system, name)] = ref
        return ref

    def snapshot(self) -> tuple[dict[tuple[System, str], Ref], dict[tuple[System, str], Ref], int]:
        """The directory's state, for ``restore`` (a reader that gave up hands over)."""
        return dict(self._by_name), dict(self._by_id), len(self.pending)

    def restore(
        self, saved: tuple[dict[tuple[System, str], Ref], dict[tuple[System, str], Ref], int]
    ) -> None:
        by_name, by_id, pending = saved
        self._by_name, self._by_id = dict(by_name), dict(by_id)
        del self.pending[pending:]

    def by_id(self, system: System, external_id: str, name: str = "") -> Ref | None:
        if not external_id:
            return None
        ref = self._by_id.get((system, external_id))
        if ref is None:
            for value in (external_id, name):
                if len(value) > OWNER_LENGTH:
                    raise OwnerTooLongError(value, OWNER_LENGTH)
            ref = Ref(system, external_id)
            self._by_id[(system, external_id)] = ref
            self.pending.append(Rep(ref=ref, name=" ".join(name.split()) or external_id))
        return ref


class ImportContext:
    """What the files of one import share: options, time zone, owners, the problems found."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.zone = options.zone()
        self.reps = RepDirectory()
        self.log = IssueLog(options.max_problems)


class FileAdapter(ABC):
    """Turns the rows of one kind of export into canonical records.

    Subclasses resolve their columns in ``__init__`` (through ``self.header``, which collects
    missing and duplicated columns), list their date columns, and implement ``convert``, which
    validates a whole row before appending its records (the engine drops a failed row's output).
    """

    kind: str = ""
    priority: int = 50  # lower first: contacts before what refers to them
    strips_report_footer: ClassVar[bool] = False
    decimal_comma: bool | None = None  # the export's locale writes 1.234,56

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        self.file = file
        self.header = header
        self.context = context
        self.reps = context.reps
        self.row = 0  # set by the engine before each convert(), for warnings
        self.dates = DateParser(DateStyle(None), context.zone)
        self._parse_date = self.dates.parse
        self._date_expected = self.dates.style.expected()
        self._unknown: dict[tuple[int, str], list[int]] = {}  # -> [rows, first row]
        self.notes: list[ImportIssue] = []  # file-level warnings found while binding columns

    @property
    @abstractmethod
    def date_columns(self) -> list[int]:
        """Indexes of the columns holding dates (read to detect the day/month order)."""

    @abstractmethod
    def convert(self, cells: list[str], out: list[Record]) -> None:
        """Append the row's records to ``out``; raise CellError for a bad value."""

    def use_dates(self, parser: DateParser) -> None:
        self.dates = parser
        self._parse_date = parser.parse
        self._date_expected = parser.style.expected()

    # -- helpers for convert() -------------------------------------------------------------

    def date(self, cells: list[str], index: int) -> datetime | None:
        if index < 0:
            return None
        value = cells[index]
        if not value:
            return None
        try:
            return self._parse_date(value)
        except ValueError:
            raise CellError(
                index, ImportCode.BAD_DATE, f'bad date "{value}": expected {self._date_expected}'
            ) from None

    def required_date(self, cells: list[str], index: int) -> datetime:
        found = self.date(cells, index)
        if found is None:
            raise CellError(index, ImportCode.MISSING_VALUE, "a date is required here")
        return found

    def required(self, cells: list[str], index: int, what: str = "a value") -> str:
        value = cells[index].strip()
        if not value:
            raise CellError(index, ImportCode.MISSING_VALUE, f"{what} is required here")
        return value

    @staticmethod
    def text(cells: list[str], index: int) -> str:
        return cells[index].strip() if index >= 0 else ""

    def amount(self, cells: list[str], index: int) -> tuple[Decimal | None, str]:
        if index < 0 or not cells[index].strip():
            return None, ""
        value = cells[index]
        try:
            return parse_amount(value, self.decimal_comma)
        except ValueError:
            raise CellError(
                index,
                ImportCode.BAD_NUMBER,
                f'bad amount "{value}": expected a number such as 1500 or 1234.56',
            ) from None

    def unknown_value(self, index: int, value: str) -> None:
        """Note a value no table knows (reported once per value at the end of the file)."""
        seen = self._unknown.get((index, value))
        if seen is None:
            self._unknown[(index, value)] = [1, self.row]
        else:
            seen[0] += 1

    def unknown_meaning(self, index: int) -> str:
        """What happens to an unknown value of column ``index`` (completes the warning)."""
        return "kept as written"

    def finish(self) -> list[ImportIssue]:
        """File-level warnings found while reading (unknown values)."""
        found: list[ImportIssue] = []
        for (index, value), (count, first) in self._unknown.items():
            rows = f"{count} row(s), first row {first}"
            found.append(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.UNKNOWN_VALUE,
                    f'value "{value}" ({rows}) is not a known value: {self.unknown_meaning(index)}',
                    file=self.file.name,
                    column=self.file.header[index],
                )
            )
        return found


AdapterChooser = Callable[[CsvFile, Header, ImportContext], FileAdapter]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an import is: for a progress bar with rows per second."""

    file: str
    rows: int  # rows read so far, all files
    bytes_done: int  # bytes read so far, all files
    bytes_total: int


_FOOTER_STARTS = tuple(
    normalise_label(text)
    for text in (
        "Grand Totals",
        "Total general",
        "Totales generales",
        "Suma total",
        "Totale complessivo",
        "Totali complessivi",
        "Totale generale",
        "Confidential Information",
        "Información confidencial",
        "Informazioni riservate",
        "Informazioni confidenziali",
        "Copyright (c)",
        "Copyright ©",
    )
)


def _is_report_footer(cells: list[str]) -> bool:
    """Salesforce report footers: Grand Totals, Confidential Information, Copyright lines."""
    text = normalise_label(",".join(cells).strip().strip('"'))
    return text.startswith(_FOOTER_STARTS) or "salesforce.com" in text


class _RejectedRows:
    """Rejected rows of one file: original columns plus _row, _column, _reason.

    Written to a temporary file and renamed into place when the import ends, so a reader never
    sees half a file.
    """

    def __init__(self, file: CsvFile, directory: Path | None) -> None:
        folder = directory or file.path.parent
        self.path = folder / f"{file.path.stem}.rejected.csv"
        self._partial = folder / f".{file.path.stem}.rejected.csv.part"
        folder.mkdir(parents=True, exist_ok=True)
        self._handle = self._partial.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow([*file.header, "_row", "_column", "_reason"])
        self.count = 0

    def add(self, cells: list[str], row: int, column: str, reason: str) -> None:
        self._writer.writerow([*cells, row, column, reason])
        self.count += 1

    def commit(self) -> Path:
        self._handle.close()
        self._partial.replace(self.path)
        return self.path

    def discard(self) -> None:
        self._handle.close()
        self._partial.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class PreparedFile:
    file: CsvFile
    adapter: FileAdapter


class ImportJob:
    """Files checked and ready: iterate ``batches()`` (or ``records()``) to read them."""

    def __init__(self, files: Sequence[PreparedFile], context: ImportContext) -> None:
        self.files = list(files)
        self.context = context
        self.options = context.options
        self._summaries: list[FileSummary] = []
        self._refused = False
        self._done = False
        self.bytes_total = sum(prepared.file.size for prepared in self.files)

    def records(self, on_progress: Callable[[Progress], None] | None = None) -> Iterator[Record]:
        for batch in self.batches(on_progress):
            yield from batch

    def batches(
        self, on_progress: Callable[[Progress], None] | None = None
    ) -> Iterator[list[Record]]:
        """Batches of records, contacts first; ImportRefusedError at the end if refused."""
        if self._done:
            raise RuntimeError("an import job is read once")
        self._done = True
        rows_before = 0
        bytes_before = 0
        rejected_files: list[_RejectedRows] = []
        try:
            for prepared in self.files:
                rows = yield from self._read_file(
                    prepared, rejected_files, rows_before, bytes_before, on_progress
                )
                rows_before += rows
                bytes_before += prepared.file.size
        except BaseException:
            for rejected in rejected_files:
                rejected.discard()
            raise
        if self._refused:
            for rejected in rejected_files:
                rejected.discard()
            raise ImportRefusedError(self.report())
        for rejected in rejected_files:
            rejected.commit()

    def locate(self, wanted: Collection[Record]) -> dict[Record, tuple[str, int, int]]:
        """Where records came from, as (file, row, line): a second read of the files, for
        messages about records the store refused (nothing is kept per row on the fast path)."""
        found: dict[Record, tuple[str, int, int]] = {}
        remaining = set(wanted)
        for prepared in self.files:
            file, adapter = prepared.file, prepared.adapter
            width = len(file.header)
            with file.path.open(encoding=file.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=file.delimiter)
                skip_header(reader, file)
                end = reader.line_num
                row = 0
                for cells in reader:
                    start, end = end + 1, reader.line_num
                    if adapter.strips_report_footer and _is_report_footer(cells):
                        continue
                    if len(cells) != width:
                        row += 0 if not any(cells) else 1
                        continue
                    row += 1
                    out: list[Record] = []
                    try:
                        adapter.convert(cells, out)
                    except CellError:
                        continue
                    for record in out:
                        if record in remaining:
                            remaining.discard(record)
                            found[record] = (file.name, row, start)
                    if not remaining:
                        return found
        return found

    def report(self) -> ImportReport:
        log = self.context.log
        return ImportReport(
            tuple(self._summaries),
            tuple(log.kept),
            log.errors,
            log.warnings,
            self._refused,
            log.limit,
        )

    def _read_file(
        self,
        prepared: PreparedFile,
        rejected_files: list[_RejectedRows],
        rows_before: int,
        bytes_before: int,
        on_progress: Callable[[Progress], None] | None,
    ) -> Generator[list[Record], None, int]:
        file, adapter = prepared.file, prepared.adapter
        log = self.context.log
        pending_reps = self.context.reps.pending
        skip_invalid = self.options.skip_invalid
        batch_size = self.options.batch_size
        convert = adapter.convert
        strips_footer = adapter.strips_report_footer
        width = len(file.header)
        counts: Counter[type] = Counter()
        rejected: _RejectedRows | None = None
        batch: list[Record] = []
        row = 0
        rejected_count = 0
        with file.path.open(encoding=file.encoding, newline="") as handle:
            binary = cast(BufferedReader, handle.buffer)  # its position drives the progress bar
            reader = csv.reader(handle, delimiter=file.delimiter)
            skip_header(reader, file)
            end = reader.line_num
            for cells in reader:
                start = end + 1
                end = reader.line_num
                if strips_footer and _is_report_footer(cells):
                    continue
                if len(cells) != width:
                    if not any(cells):
                        continue  # a blank line
                    row += 1
                    error = CellError(
                        -1,
                        ImportCode.ROW_SHAPE,
                        f"the row has {len(cells)} cells, the header has {width}"
                        " (a missing quote, or a line break inside a value?)",
                    )
                else:
                    row += 1
                    adapter.row = row
                    mark = len(batch)
                    try:
                        convert(cells, batch)
                    except CellError as exc:
                        del batch[mark:]
                        if isinstance(exc, OwnerTooLongError):
                            exc.column = next(
                                (i for i, cell in enumerate(cells) if exc.value in cell), -1
                            )
                        if not any(cell.strip() for cell in cells):
                            row -= 1  # a row of empty cells, as spreadsheets save
                            continue
                        error = exc
                    else:
                        if len(batch) >= batch_size:
                            if pending_reps:
                                batch[:0] = pending_reps
                                pending_reps.clear()
                            counts.update(map(type, batch))
                            if not self._refused:
                                yield batch
                            batch = []
                            if on_progress is not None:
                                on_progress(
                                    Progress(
                                        file.name,
                                        rows_before + row,
                                        bytes_before + binary.tell(),
                                        self.bytes_total,
                                    )
                                )
                        continue
                # a bad row
                rejected_count += 1
                column = file.header[error.column] if error.column >= 0 else ""
                log.add(
                    ImportIssue(
                        Level.ERROR,
                        error.code,
                        error.message,
                        file=file.name,
                        row=row,
                        line=start,
                        column=column,
                    )
                )
                if skip_invalid:
                    if rejected is None:
                        rejected = _RejectedRows(file, self.options.rejected_dir)
                        rejected_files.append(rejected)
                    rejected.add(cells[:width], row, column, error.message)
                else:
                    self._refused = True
        if pending_reps:
            batch[:0] = pending_reps
            pending_reps.clear()
        counts.update(map(type, batch))
        if batch and not self._refused:
            yield batch
        if on_progress is not None:
            on_progress(
                Progress(file.name, rows_before + row, bytes_before + file.size, self.bytes_total)
            )
        log.extend(adapter.finish())
        if adapter.dates.naive_seen and not self.options.timezone:
            log.add(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.NAIVE_TIMES,
                    "dates without a time zone were read as UTC; pass --timezone with the"
                    " export's zone (e.g. --timezone Europe/Madrid) if it used another",
                    file=file.name,
                )
            )
        if row == 0:
            log.add(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.NO_DATA,
                    "no data rows after the header",
                    file=file.name,
                )
            )
        self._summaries.append(
            FileSummary(
                name=file.name,
                kind=adapter.kind,
                rows=row,
                rejected=rejected_count,
                records=tuple(sorted((kind.__name__, count) for kind, count in counts.items())),
                rejected_path=str(rejected.path) if rejected is not None else "",
                encoding=file.encoding,
                delimiter=file.delimiter,
                dates=adapter.dates.style.describe(),
            )
        )
        return row


def _ambiguity_issue(file: CsvFile, found: AmbiguousDates) -> ImportIssue:
    rows = list(found.rows)
    if len(rows) > 3:
        shown = ", ".join(str(r) for r in rows[:3]) + ", ..."
    elif len(rows) > 1:
        shown = ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"
    else:
        shown = str(rows[0])
    label = "rows" if len(rows) > 1 else "row"
    return ImportIssue(
        Level.ERROR,
        ImportCode.AMBIGUOUS_DATES,
        f'dates such as "{found.example}" ({label} {shown}) read both as day/month and as'
        f" month/day, and no value in the file tells which; pass {found.suggestion()}",
        file=file.name,
        column=file.header[found.column],
    )


def _date_parser(
    file: CsvFile,
    adapter: FileAdapter,
    context: ImportContext,
) -> DateParser | list[ImportIssue]:
    explicit = context.options.date_format
    if explicit:
        return DateParser(DateStyle.from_format(explicit), context.zone)
    found = detect_order(iter_rows(file), adapter.date_columns)
    if isinstance(found, list):
        return [_ambiguity_issue(file, ambiguous) for ambiguous in found]
    return DateParser(DateStyle(found), context.zone)


def prepare(
    paths: Sequence[Path],
    options: ImportOptions,
    choose: AdapterChooser,
    *,
    names: Sequence[str] | None = None,
) -> ImportJob:
    """Open every file, pick its adapter, check its columns and dates: a job ready to read.

    Raises ImportRefusedError naming every file-level problem of every file (nothing is read twice
    and nothing is stored when one file cannot be read).
    """
    context = ImportContext(options)
    problems: list[ImportIssue] = []
    prepared: list[PreparedFile] = []
    for position, path in enumerate(paths):
        name = names[position] if names else str(path)
        try:
            file = open_csv(path, name=name, encoding=options.encoding, delimiter=options.delimiter)
            header = Header(file)
            adapter = choose(file, header, context)
        except FileRejectedError as exc:
            problems.extend(exc.issues)
            continue
        issues = header.problems() + adapter.notes
        errors = [issue for issue in issues if issue.level is not Level.WARNING]
        problems.extend(issues)
        if errors:
            continue
        parser = _date_parser(file, adapter, context)
        if isinstance(parser, list):
            problems.extend(parser)
            continue
        adapter.use_dates(parser)
        prepared.append(PreparedFile(file, adapter))
    context.log.extend(problems)
    if any(issue.level is not Level.WARNING for issue in problems):
        log = context.log
        raise ImportRefusedError(
            ImportReport((), tuple(log.kept), log.errors, log.warnings, True, log.limit)
        )
    prepared.sort(key=lambda item: item.adapter.priority)
    return ImportJob(prepared, context)
