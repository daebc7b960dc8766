"""`funnelpact report NAME`: a report from the store or straight from an export directory.

    funnelpact report scorecard --data export/ --agreement sla.yaml --period 2026-10
    funnelpact report weekly-meeting --period 2026-W42 --format pdf --output week42.pdf
    funnelpact report list
    funnelpact report schedule add daily-dash --report daily-sales --every weekdays --at 08:30 \
        --period month-to-date --to ana@example.com,luca@example.com --format pdf
    funnelpact report schedule list | remove NAME | run-due

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
from typer._click.core import Context as ClickContext  # typer vendors click (0.29)
from typer.core import TyperCommand

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


class ReportCommand(TyperCommand):
    """`report NAME [options]`, and `report schedule ...` handed to the schedule commands."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        if args and args[0] == "schedule":
            ctx.meta[_SCHEDULE_ARGS] = args[1:]
            args = ["schedule"]
        return super().parse_args(ctx, args)


_SCHEDULE_ARGS = "funnelpact.report.schedule"


def report_command(
    ctx: typer.Context,
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
    """Render a report (or `list` them; `schedule` them): scorecard, daily-sales, ..."""
    if name == "schedule":
        command = typer.main.get_command(schedule_app)
        command.main(
            ctx.meta.get(_SCHEDULE_ARGS, []),
            prog_name="funnelpact report schedule",
            standalone_mode=True,
        )
        return
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


# --- scheduled delivery ---------------------------------------------------------------------------

schedule_app = typer.Typer(
    help="Scheduled delivery of any report by e-mail, Slack, Teams or webhook (the alert "
    "channels), run by `funnelpact worker`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@schedule_app.command("add")
def schedule_add_command(
    name: Annotated[str, typer.Argument(help="A name for the schedule, e.g. daily-dashboard.")],
    report: Annotated[str, typer.Option("--report", help="A report slug (`report list`).")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="E-mail recipients: a@b.example,c@d.example (not for chat or webhook channels).",
        ),
    ] = "",
    every: Annotated[
        str, typer.Option("--every", help="daily, weekdays, weekly or monthly")
    ] = "daily",
    at: Annotated[
        str, typer.Option("--at", help="Local time (agreement's zone), HH:MM.")
    ] = "08:00",
    on: Annotated[
        str | None, typer.Option("--on", help="weekly: mon..sun; monthly: day 1..28")
    ] = None,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="previous-day, previous-week, previous-month, previous-quarter, "
            "week-to-date or month-to-date",
        ),
    ] = "previous-day",
    output_format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.PDF,
    locale: Annotated[str, typer.Option("--locale", "--lang", help="en, es or it")] = "en",
    channel: Annotated[
        str,
        typer.Option(
            help="The alert channel (`funnelpact alerts add`): e-mail (to --to), or Slack, "
            "Microsoft Teams or a webhook (posted to the channel)."
        ),
    ] = "email",
) -> None:
    """Add (or replace) a schedule: REPORT for PERIOD to the recipients, EVERY ... AT."""
    from funnelpact.cli.watch import store_session

    with store_session():
        from funnelpact.server.schedules.services import (
            ScheduleSpec,
            add_schedule,
            describe_cadence,
            parse_at,
            parse_on,
        )

        weekday, day = parse_on(every, on)
        schedule = add_schedule(
            ScheduleSpec(
                name=name,
                report=report,
                period_rule=period,
                output_format=output_format.value,
                language=locale,
                recipients=tuple(a.strip() for a in to.split(",") if a.strip()),
                channel=channel,
                cadence=every,
                at=parse_at(at),
                weekday=weekday,
                day=day,
            ),
            datetime.now(UTC),
        )
        cadence = describe_cadence(schedule)
    Console().print(
        f"schedule {schedule.name}: {schedule.report} ({schedule.period_rule}, "
        f"{schedule.format}, {schedule.language}) {cadence} to "
        f"{schedule.recipients or 'channel ' + schedule.channel}",
        highlight=False,
    )


@schedule_app.command("list")
def schedule_list_command() -> None:
    """The schedules, with each one's last delivered period and failures."""
    from funnelpact.cli.watch import store_session

    with store_session():
        from funnelpact.server.schedules import models
        from funnelpact.server.schedules.services import describe_cadence

        table = Table(box=box.SIMPLE)
        for column in ("name", "report", "period", "format", "when", "to", "last sent", "failing"):
            table.add_column(column, overflow="fold")
        for schedule in models.ReportSchedule.objects.order_by("name"):
            sent = (
                schedule.deliveries.filter(status=models.DeliveryStatus.SENT)
                .order_by("-sent_at")
                .first()
            )
            failing = schedule.deliveries.filter(status=models.DeliveryStatus.FAILED)
            error = failing.order_by("-next_attempt_at").first()
            table.add_row(
                schedule.name,
                schedule.report,
                schedule.period_rule,
                f"{schedule.format}/{schedule.language}",
                describe_cadence(schedule),
                schedule.recipients or f"(channel {schedule.channel})",
                f"{sent.period} ({sent.sent_at:%Y-%m-%d %H:%M})" if sent and sent.sent_at else "",
                f"{failing.count()}: {error.last_error}" if error else "",
            )
    Console(width=160).print(table)


@schedule_app.command("remove")
def schedule_remove_command(
    name: Annotated[str, typer.Argument(help="The schedule to remove.")],
) -> None:
    """Remove a schedule (and its delivery history)."""
    from funnelpact.cli.watch import store_session

    with store_session():
        from funnelpact.server.schedules.services import remove_schedule

        removed = remove_schedule(name)
    Console().print(f"schedule {name} removed ({removed} delivery record(s))", highlight=False)


@schedule_app.command("run-due")
def schedule_run_due_command() -> None:
    """Queue and send the reports due now (what `funnelpact worker` does on every tick)."""
    from funnelpact.cli.watch import store_session

    with store_session():
        from funnelpact.server.schedules.services import run_due
        from funnelpact.server.watch.scheduler import acquire_lease, release_lease

        now = datetime.now(UTC)
        holder = f"report-schedule-run-due:{now.timestamp()}"
        if not acquire_lease(holder, now):
            Console().print(
                "a worker holds the scheduler lease: it sends the due reports", highlight=False
            )
            return
        try:
            result = run_due(now)
        finally:
            release_lease(holder)
    Console().print(
        f"{result.queued} delivery(ies) queued, {result.sent} sent, {result.failed} failed",
        highlight=False,
    )
    if result.failed:
        raise typer.Exit(1)
