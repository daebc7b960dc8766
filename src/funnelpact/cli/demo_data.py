"""`funnelpact demo-data`: seeded, realistic funnel journeys as HubSpot exports or into the store.

Thin: parses the options, builds the scenario (the default company or a YAML file), calls
`funnelpact.demo.service.make_demo_data` with a Rich progress bar, and prints what it made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from funnelpact.demo.generator import DEFAULT_END
from funnelpact.demo.hubspot_labels import Language
from funnelpact.demo.hubspot_writer import DEFAULT_DATE_FORMAT
from funnelpact.demo.scenario import Scenario, default_scenario
from funnelpact.demo.service import DemoResult, StoreFunction, make_demo_data
from funnelpact.errors import InputError

console = Console()

# A date alone means this local time of day: inside working hours, so "now" has work in flight.
END_OF_DAY_LOCAL = time(17, 0)


class ExportFormat(StrEnum):
    HUBSPOT = "hubspot"


HELP = """Make a demo company's CRM history: realistic B2B journeys, the same for the same seed.

Two revenue streams, five lead sources and content campaigns with their own rates, two sales
teams whose reps work at different speeds in a Madrid business calendar, rejections with reasons,
duplicates, and work in flight at the end date (MQLs waiting, at risk, breached).

\b
    funnelpact demo-data --contacts 5000 --seed 1 --out demo/
    funnelpact demo-data --contacts 5000 --seed 1 --store
    funnelpact demo-data --contacts 2000 --language es --end 2026-03-06 --out demo-es/

Files (HubSpot exports, labels in the chosen language): contacts.csv, deals.csv, calls.csv,
emails.csv, meetings.csv. See docs/demo-data.md.
"""


def parse_end(text: str, timezone: str) -> datetime:
    """`--end`: YYYY-MM-DD (that day at 17:00 local) or an ISO date-time (local unless offset)."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 10:
            day = date.fromisoformat(cleaned)
            return datetime.combine(day, END_OF_DAY_LOCAL, tzinfo=ZoneInfo(timezone)).astimezone(
                UTC
            )
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--end: {text!r} is not a date (YYYY-MM-DD) or a date-time "
            "(YYYY-MM-DDTHH:MM, optionally with +01:00 or Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def load_scenario(path: Path) -> Scenario:
    """A scenario YAML file (the shape of `Scenario`); problems name the file and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the scenario file: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a scenario is a mapping of keys (company, calendar, ...)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "(top level)"
            lines.append(f"{path}: {field}: {error['msg']}")
        raise InputError("\n".join(lines)) from None


def _store_function() -> StoreFunction:
    """The store's write entry point, with Django configured from FUNNELPACT_DATABASE_URL."""
    try:
        from funnelpact.server import setup_django

        setup_django()
        from django.core.management import call_command

        # The demo should work on a fresh machine: bring the schema up to date first (idempotent).
        call_command("migrate", verbosity=0, interactive=False)
        from funnelpact.server.tracking.services import store_records
    except ImportError as exc:  # pragma: no cover - only when the store is not installed
        raise InputError(f"--store: the store is not available ({exc})") from exc
    return store_records


def demo_data_command(
    contacts: Annotated[
        int, typer.Option("--contacts", min=0, help="How many people (duplicate rows come extra).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the export files (default ./demo-data)."),
    ] = None,
    store: Annotated[
        bool,
        typer.Option("--store", help="Store the records (FUNNELPACT_DATABASE_URL or the default)."),
    ] = False,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="Export shape of the files.")
    ] = ExportFormat.HUBSPOT,
    language: Annotated[
        Language, typer.Option("--language", help="Language of the HubSpot column labels.")
    ] = Language.EN,
    end: Annotated[
        str | None,
        typer.Option(
            "--end",
            help="The data ends here ('now'): YYYY-MM-DD (17:00 local) or an ISO date-time. "
            f"Default {DEFAULT_END.isoformat()} so output never depends on the day.",
        ),
    ] = None,
    history_days: Annotated[
        int | None,
        typer.Option("--history-days", min=30, help="Days of history before the end (450)."),
    ] = None,
    date_format: Annotated[
        str, typer.Option("--date-format", help="strftime format of dates in the files.")
    ] = DEFAULT_DATE_FORMAT,
    scenario_file: Annotated[
        Path | None,
        typer.Option("--scenario", help="A scenario YAML file instead of the default company."),
    ] = None,
) -> None:
    scenario = load_scenario(scenario_file) if scenario_file else default_scenario()
    if history_days is not None:
        scenario = scenario.model_copy(update={"history_days": history_days})
    end_at = parse_end(end, scenario.calendar.timezone) if end else DEFAULT_END
    out_dir = out if out is not None or store else Path("demo-data")
    store_function = _store_function() if store else None
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        people = progress.add_task("contacts", total=contacts)
        stored = progress.add_task("stored records", total=None, visible=store)
        result = make_demo_data(
            scenario,
            seed=seed,
            end=end_at,
            contacts=contacts,
            out_dir=out_dir,
            language=language,
            date_format=date_format,
            store=store_function,
            on_contact=lambda done: progress.update(people, completed=done),
            on_stored=lambda done: progress.update(stored, completed=done),
        )
    _report(result, end_at, seed)


def _report(result: DemoResult, end_at: datetime, seed: int) -> None:
    seconds = max(result.seconds, 1e-9)
    console.print(
        f"{result.contacts:,} people ({result.contact_rows:,} contact rows), "
        f"{result.records:,} records, seed {seed}, ending {end_at.isoformat()}: "
        f"{seconds:.1f} s, {result.contacts / seconds:,.0f} contacts/s, "
        f"{result.records / seconds:,.0f} records/s",
        highlight=False,
    )
    if result.export is not None:
        table = Table("file", "rows", title="HubSpot export")
        for kind, path in result.export.files.items():
            table.add_row(str(path), f"{result.export.rows[kind]:,}")
        console.print(table)
    report: Any = result.store_report
    if report is not None:
        console.print(
            f"stored: {report.total('created'):,} created, {report.total('updated'):,} updated, "
            f"{report.total('unchanged'):,} unchanged, {report.total('merged'):,} merged "
            "(duplicates joined by email)",
            highlight=False,
        )


demo_data_command.__doc__ = HELP
