"""`funnelpact report NAME`: a report from the store or straight from an export directory.

    funnelpact report scorecard --data export/ --agreement sla.yaml --period 2026-10
    funnelpact report weekly-meeting --period 2026-W42 --format pdf --output week42.pdf
    funnelpact report list

`--data DIR` reads CSV/Parquet files (`funnelpact db export`, or canonical tables) with DuckDB:
no store needed. Without it, the store is read (exported to a temporary Parquet directory).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from funnelpact.analytics.engine import ENGINE_ENV
from funnelpact.analytics.metrics import L_
from funnelpact.analytics.periods import parse_period, period_containing
from funnelpact.analytics.sources import AnalyticsData, from_directory
from funnelpact.domain.agreement.model import Agreement
from funnelpact.errors import InputError
from funnelpact.i18n import language_of
from funnelpact.rendering import emit
from funnelpact.reports.registry import REPORTS, ReportSpec, report_spec
from funnelpact.reports.render import ReportFormat, render
from funnelpact.reports.run import compute_report


def list_reports(language: str) -> None:
    table = Table(box=box.SIMPLE)
    for column in (L_("report"), L_("title"), L_("what it shows")):
        table.add_column(column.get(language), overflow="fold")
    for spec in REPORTS:
        table.add_row(spec.slug, spec.labels.get(language), spec.description.get(language))
    Console().print(table)


def load_agreement(path: Path) -> Agreement:
    """The agreement file, or a located error for every problem (rendered by the CLI)."""
    from funnelpact.agreements.files import errors_of, load_agreement_file
    from funnelpact.domain.errors import DomainError

    agreement, issues = load_agreement_file(path)
    if agreement is None:
        raise DomainError(errors_of(issues))
    return agreement


def store_data() -> AnalyticsData:
    """The store's tables: exported to a temporary Parquet directory, then read as an export."""
    from funnelpact.cli.db import database_errors, require_upgraded, setup_store

    setup_store()  # before any model is imported: Django must be configured first
    from funnelpact.server.backup import export_store

    with database_errors():
        require_upgraded()
        with tempfile.TemporaryDirectory(prefix="funnelpact-report-") as folder:
            directory = Path(folder) / "export"
            export_store(directory)
            return from_directory(directory)


def default_period(spec: ReportSpec, now: datetime, timezone: str) -> str:
    if spec.default_period == "week":
        iso = now.astimezone(UTC).isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return period_containing(now, timezone).label


def report_command(
    name: Annotated[str, typer.Argument(help="A report (`funnelpact report list`), or `list`.")],
    period: Annotated[
        str | None,
        typer.Option(help="2026-10, 2026-Q3, 2026-W42, 2026 or 2026-10-01..2026-10-15"),
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option(help="Write to FILE (required for pdf, xlsx).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="A directory of CSV/Parquet exports: no store needed.")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help=f"duckdb:// (default), postgresql://... or spark://local (${ENGINE_ENV})"
        ),
    ] = None,
    agreement_file: Annotated[
        Path | None,
        typer.Option(
            "--agreement", help="The SLA agreement: targets, funnel, time zone, currency."
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option("--locale", "--lang", help="en, es or it (default: the agreement's)."),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(help="Send the report to these addresses (a,b) through an alert channel."),
    ] = None,
    channel: Annotated[str, typer.Option(help="The e-mail alert channel for --email.")] = "email",
) -> None:
    """Render a report (or `list` them): scorecard, daily-sales, weekly-meeting, ..."""
    language = language_of(locale).value if locale else None
    if name == "list":
        list_reports(language or "en")
        return
    spec = report_spec(name)
    if output is None and output_format.is_binary and not email:
        raise InputError(
            f"--format {output_format.value} writes a binary file: name it with --output FILE"
        )
    if output is not None and output.is_dir():
        raise InputError(f"--output {output}: is a directory; name a file")
    if output is not None and not output.parent.is_dir():
        raise InputError(f"--output {output}: folder {output.parent} does not exist")
    agreement = load_agreement(agreement_file) if agreement_file is not None else None
    language = language or (agreement.metadata.locale.value if agreement else "en")
    timezone = agreement.calendar.timezone if agreement else "UTC"
    now = datetime.now(UTC)
    period_text = period or default_period(spec, now, timezone)
    parse_period(period_text)  # a bad period fails before any data is read
    source = from_directory(data) if data is not None else store_data()
    report = compute_report(
        spec,
        period_text,
        source,
        now=now,
        language=language,
        agreement=agreement,
        engine_url=engine,
    )
    content = render(report, output_format, language)
    if email:
        from funnelpact.reports.delivery import send_report

        send_report(report, language, [a.strip() for a in email.split(",") if a.strip()], channel)
        if output is None:
            return
    emit(content, output)
