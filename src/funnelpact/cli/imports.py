"""`funnelpact import hubspot|salesforce|csv FILE...`: CRM exports into the store.

Thin: ``funnelpact.ingest`` reads and checks the files, ``store_records`` writes them in one
transaction. All or nothing by default: a bad row refuses the whole import (every problem is
printed, up to --max-problems, then a count) and nothing is stored; --skip-invalid stores the
good rows and writes the rejected ones, with the reason, next to each input file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from funnelpact.domain.records import Record
from funnelpact.errors import FunnelpactError, InputError
from funnelpact.ingest.common import ImportRefusedError, ImportReport
from funnelpact.ingest.engine import ImportJob, ImportOptions
from funnelpact.ingest.engine import Progress as ImportProgress
from funnelpact.ingest.hubspot import HubSpotKind, prepare_hubspot
from funnelpact.ingest.mapping import ColumnMapping, prepare_mapping
from funnelpact.ingest.salesforce import SalesforceObject, StatusMap, prepare_salesforce

if TYPE_CHECKING:
    from funnelpact.server.tracking.services import StoreReport

app = typer.Typer(
    help="Import CRM exports: HubSpot, Salesforce, any CSV through a mapping (docs/imports.md).",
    no_args_is_help=True,
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Files = Annotated[list[Path], typer.Argument(help="Export files (CSV).", show_default=False)]
DateFormat = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help='strptime format of non-ISO dates, e.g. "%d/%m/%Y %H:%M". Default: ISO 8601, or'
        " day/month vs month/day detected (refused when no value tells).",
    ),
]
Timezone = Annotated[
    str | None,
    typer.Option("--timezone", help="Zone of dates written without one, e.g. Europe/Madrid."),
]
Encoding = Annotated[
    str | None,
    typer.Option("--encoding", help="File encoding, e.g. latin-1. Default: UTF-8 (BOM or not)."),
]
Delimiter = Annotated[
    str | None, typer.Option("--delimiter", help="Column separator. Default: sniffed.")
]
SkipInvalid = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Store the good rows; write the bad ones to NAME.rejected.csv with the reason.",
    ),
]
RejectedDir = Annotated[
    Path | None,
    typer.Option("--rejected-dir", help="Folder for rejected rows (default: next to each file)."),
]
MaxProblems = Annotated[
    int, typer.Option("--max-problems", min=1, help="Problems printed before a count.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no warnings.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Read and check the files; store nothing.")]
CreateMissing = Annotated[
    bool,
    typer.Option(
        "--create-missing-contacts",
        help="Let touches, stage changes and members name contacts not imported yet"
        " (placeholders a later contact import fills in).",
    ),
]


def _options(
    date_format: str | None,
    timezone: str | None,
    encoding: str | None,
    delimiter: str | None,
    skip_invalid: bool,
    rejected_dir: Path | None,
    max_problems: int,
) -> ImportOptions:
    separator = delimiter.replace("\\t", "\t") if delimiter else None
    if separator is not None and (len(separator) != 1 or separator in '"\r\n'):
        # csv.reader would fail with a TypeError deep inside the import (found by fuzzing).
        raise InputError(f"--delimiter {delimiter!r}: use one character, e.g. ; or \\t for a tab")
    options = ImportOptions(
        encoding=encoding,
        delimiter=separator,
        date_format=date_format,
        timezone=timezone,
        skip_invalid=skip_invalid,
        rejected_dir=rejected_dir,
        max_problems=max_problems,
    )
    options.zone()  # an unknown zone is refused before any file is read
    return options


@app.command("hubspot")
def hubspot_command(
    files: Files,
    kind: Annotated[
        HubSpotKind | None,
        typer.Option("--kind", help="What the files hold. Default: detected from the columns."),
    ] = None,
    date_format: DateFormat = None,
    timezone: Timezone = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    skip_invalid: SkipInvalid = False,
    rejected_dir: RejectedDir = None,
    max_problems: MaxProblems = 50,
    create_missing: CreateMissing = False,
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """HubSpot contact, deal and activity exports, as HubSpot writes them (en, es, it)."""

    def prepare() -> ImportJob:
        options = _options(
            date_format, timezone, encoding, delimiter, skip_invalid, rejected_dir, max_problems
        )
        return prepare_hubspot(files, options, kind)

    _run(prepare, dry_run=dry_run, quiet=quiet, create_missing=create_missing, columnar=True)


@app.command("salesforce")
def salesforce_command(
    files: Files,
    obj: Annotated[
        SalesforceObject | None,
        typer.Option("--object", help="The object the files hold. Default: detected."),
    ] = None,
    status_map: Annotated[
        Path | None,
        typer.Option("--status-map", help="YAML: Lead Status values -> stages (docs/imports.md)."),
    ] = None,
    date_format: DateFormat = None,
    timezone: Timezone = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    skip_invalid: SkipInvalid = False,
    rejected_dir: RejectedDir = None,
    max_problems: MaxProblems = 50,
    create_missing: CreateMissing = False,
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Salesforce Data Loader and report exports: Lead, LeadHistory, Task, Event, Opportunity,
    OpportunityHistory, CampaignMember."""

    def prepare() -> ImportJob:
        options = _options(
            date_format, timezone, encoding, delimiter, skip_invalid, rejected_dir, max_problems
        )
        statuses = StatusMap.load(status_map) if status_map else None
        return prepare_salesforce(files, options, obj, statuses)

    _run(prepare, dry_run=dry_run, quiet=quiet, create_missing=create_missing)


@app.command("csv")
def csv_command(
    files: Files,
    mapping: Annotated[
        Path,
        typer.Option("--mapping", help="MAP.yaml: record kind and column -> field mapping."),
    ],
    date_format: DateFormat = None,
    timezone: Timezone = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    skip_invalid: SkipInvalid = False,
    rejected_dir: RejectedDir = None,
    max_problems: MaxProblems = 50,
    create_missing: CreateMissing = False,
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Any other CRM's CSV, through a column mapping (see examples/exports/mapping)."""

    def prepare() -> ImportJob:
        options = _options(
            date_format, timezone, encoding, delimiter, skip_invalid, rejected_dir, max_problems
        )
        return prepare_mapping(files, ColumnMapping.load(mapping), options)

    _run(prepare, dry_run=dry_run, quiet=quiet, create_missing=create_missing)


# -- running an import -------------------------------------------------------------------------


def _fail(lines: list[str], code: int = 1) -> typer.Exit:
    for line in lines:
        err.print(line, markup=False, soft_wrap=True)
    return typer.Exit(code)


def _store_problems(job: ImportJob, error: FunnelpactError) -> list[str]:
    """The store's message for each record it refused, prefixed by the row that gave it."""
    problems = getattr(error, "problems", None)
    if not problems:
        return [error.message]
    shown = problems[: job.options.max_problems]
    places = job.locate([problem.record for problem in shown])
    lines = []
    for problem in shown:
        place = places.get(problem.record)
        where = f"{place[0]}, row {place[1]} (line {place[2]}): " if place else ""
        lines.append(f"{where}error {problem.message}")
    if len(problems) > len(shown):
        lines.append(f"... and {len(problems) - len(shown)} more record(s) refused")
    return lines


def _refusal(report: ImportReport, where: str, hint: bool = False) -> list[str]:
    """Every problem (up to the limit), then the verdict."""
    verdict = f"import refused: {report.errors} error(s){where}; nothing was stored"
    if hint:
        verdict += " (--skip-invalid stores the good rows)"
    return [*report.problem_lines(), verdict]


def _store_function() -> Callable[..., StoreReport]:
    """The store's write entry point, Django configured and the schema up to date."""
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)  # idempotent; a fresh store works
    from funnelpact.server.tracking.services import store_records

    return store_records


class _ProgressBar:
    """Rows read and rows per second on stderr; silent when not a terminal or --quiet."""

    def __init__(self, total_bytes: int, quiet: bool) -> None:
        self.enabled = not quiet and err.is_terminal
        self.started = time.perf_counter()
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:>12,} rows"),
            TextColumn("{task.fields[rate]:>10,.0f} rows/s"),
            TimeElapsedColumn(),
            console=err,
            disable=not self.enabled,
        )
        self.task: TaskID = self.progress.add_task(
            "reading", total=max(total_bytes, 1), rows=0, rate=0.0
        )

    def __enter__(self) -> _ProgressBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def update(self, tick: ImportProgress) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(
            self.task,
            completed=tick.bytes_done,
            rows=tick.rows,
            rate=tick.rows / elapsed,
            description="reading" if tick.bytes_done < tick.bytes_total else "storing",
        )


def _run_columnar(job: ImportJob, bar: _ProgressBar) -> tuple[ImportReport, StoreReport] | None:
    """The bulk path (HubSpot contact exports): the columnar reader, then the bulk writer, in
    one transaction. None when it does not apply (or a row is bad): the row path runs then and
    names every problem as it always has."""
    from funnelpact.ingest.hubspot.bulk import NotColumnar, columnar_report, read_job

    try:
        read = read_job(job)
    except NotColumnar:
        return None
    bar.update(ImportProgress("", read.rows, job.bytes_total, job.bytes_total))
    from funnelpact.server.tracking.bulk import store_columnar

    def stored(rows: int) -> None:
        bar.update(ImportProgress("", rows, job.bytes_total, job.bytes_total))

    report = store_columnar(read, on_progress=stored)
    return columnar_report(job, read), report


def _run(
    prepare: Callable[[], ImportJob],
    *,
    dry_run: bool,
    quiet: bool,
    create_missing: bool,
    columnar: bool = False,
) -> None:
    started = time.perf_counter()
    try:
        job = prepare()
    except ImportRefusedError as exc:
        raise _fail(_refusal(exc.report, "")) from None
    except FunnelpactError as exc:
        raise _fail([f"error: {exc.message}"], exc.exit_code) from None
    store = None if dry_run else _store_function()
    if store is not None and columnar and not create_missing:
        with _ProgressBar(job.bytes_total, quiet) as bar:
            try:
                done = _run_columnar(job, bar)
            except FunnelpactError as exc:  # the store refused records (StoreInputError)
                raise _fail(
                    [*_store_problems(job, exc), "import refused by the store; nothing was stored"],
                    exc.exit_code,
                ) from None
        if done is not None:
            report, stored_report = done
            if not quiet:
                for line in report.problem_lines():
                    err.print(line, markup=False, soft_wrap=True)
            _print_summary(report, stored_report, time.perf_counter() - started, dry_run)
            return
    stored: StoreReport | None = None
    with _ProgressBar(job.bytes_total, quiet) as bar:
        records: Iterator[Record] = job.records(bar.update)
        try:
            if store is None:
                for _ in records:
                    pass
            else:
                stored = store(records, create_missing_contacts=create_missing)
        except ImportRefusedError as exc:
            raise _fail(
                _refusal(exc.report, f" in {exc.report.rejected} row(s)", hint=True)
            ) from None
        except FunnelpactError as exc:  # the store refused records (StoreInputError)
            raise _fail(
                [*_store_problems(job, exc), "import refused by the store; nothing was stored"],
                exc.exit_code,
            ) from None
    seconds = time.perf_counter() - started
    report = job.report()
    if not quiet:
        for line in report.problem_lines():
            err.print(line, markup=False, soft_wrap=True)
    _print_summary(report, stored, seconds, dry_run)


def _print_summary(
    report: ImportReport, stored: StoreReport | None, seconds: float, dry_run: bool
) -> None:
    files = Table(title="Files", title_justify="left")
    for column in ("file", "kind", "rows", "rejected", "dates"):
        files.add_column(column, justify="right" if column in ("rows", "rejected") else "left")
    for summary in report.files:
        files.add_row(
            summary.name, summary.kind, f"{summary.rows:,}", f"{summary.rejected:,}", summary.dates
        )
    out.print(files)
    if stored is not None:
        table = Table(title="Stored", title_justify="left")
        for column in ("records", "created", "updated", "unchanged", "merged"):
            table.add_column(column, justify="left" if column == "records" else "right")
        for kind, counts in stored.kinds:
            table.add_row(
                kind.value.replace("_", " "),
                *(
                    f"{getattr(counts, name):,}"
                    for name in ("created", "updated", "unchanged", "merged")
                ),
            )
        out.print(table)
    else:
        table = Table(title="Read", title_justify="left")
        table.add_column("records")
        table.add_column("count", justify="right")
        for name, count in sorted(report.records_by_kind().items()):
            table.add_row(name, f"{count:,}")
        out.print(table)
        if dry_run:
            out.print("dry run: nothing was stored")
    rate = report.rows / seconds if seconds > 0 else 0.0
    out.print(f"{report.rows:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s)")
    for summary in report.files:
        if summary.rejected_path:
            out.print(
                f"{summary.rejected:,} rejected row(s) of {summary.name} written to"
                f" {summary.rejected_path}",
                soft_wrap=True,
                markup=False,
            )
