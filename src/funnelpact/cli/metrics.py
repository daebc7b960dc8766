"""`funnelpact metrics`: the metrics registry (`list`) and one metric's figures (`show`).

    funnelpact metrics show cohort_conversion --period 2026-03 --by source --data export/

The figures come from `funnelpact.analytics`: DuckDB in memory by default, or `--engine URL`
(FUNNELPACT_ANALYTICS_URL): postgresql://... or spark://local.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from funnelpact.agreements.files import errors_of, load_agreement_file
from funnelpact.analytics.engine import ENGINE_ENV, AnalyticsEngine, MetricQuery, MetricResult
from funnelpact.analytics.metrics import METRICS, REGISTRY, Breakdown
from funnelpact.analytics.periods import parse_period, period_containing
from funnelpact.analytics.sources import AnalyticsData, from_directory
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.errors import DomainError
from funnelpact.errors import InputError
from funnelpact.reports.context import facts_config_of

app = typer.Typer(help="The metrics registry and each metric's figures.", no_args_is_help=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@app.command("list")
def list_metrics(
    language: Annotated[str, typer.Option("--language", "-l", help="en, es or it")] = "en",
) -> None:
    """Every metric: slug, label, unit and what it measures."""
    table = Table(box=box.SIMPLE)
    for column in ("slug", "label", "unit", "definition"):
        table.add_column(column, overflow="fold")
    for metric in METRICS:
        table.add_row(
            metric.slug, metric.labels.get(language), metric.unit.value, metric.definition
        )
    Console().print(table)


def _render(result: MetricResult, output: OutputFormat, language: str) -> str:
    keys = [b.value for b in result.by if b is not Breakdown.PERIOD]
    key_names = list(result.rows[0].keys) if result.rows else ([b.value for b in result.by] or keys)
    compare = result.previous_period is not None
    header = [*key_names, "value", "sample", *(["previous"] if compare else [])]
    rows = [
        [
            *row.keys.values(),
            "" if row.value is None else f"{row.value:g}",
            str(row.sample),
            *([("" if row.previous is None else f"{row.previous:g}")] if compare else []),
        ]
        for row in result.rows
    ]
    if output is OutputFormat.JSON:
        return result.model_dump_json(indent=2)
    if output is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()
    title = f"{REGISTRY[result.metric].labels.get(language)} ({result.unit.value}), {result.period}"
    if compare:
        title += f" vs {result.previous_period}"
    table = Table(title=title, box=box.SIMPLE)
    for name in header:
        table.add_column(
            name, justify="right" if name in ("value", "sample", "previous") else "left"
        )
    for row in rows:
        table.add_row(*row)
    console = Console(width=120)
    with console.capture() as captured:
        console.print(table)
    return captured.get()


def _agreement(path: Path) -> Agreement:
    """The agreement, or every problem with its file:line (rendered by the CLI)."""
    agreement, issues = load_agreement_file(path)
    if agreement is None:
        raise DomainError(errors_of(issues))
    return agreement


def _from_store() -> AnalyticsData:
    """The store's tables (FUNNELPACT_DATABASE_URL), read in Arrow batches."""
    from django.db import DatabaseError

    from funnelpact.analytics.store_feed import StoreFeed
    from funnelpact.server import setup_django

    setup_django()
    try:
        return StoreFeed().refresh()
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(
            f"the store cannot be read ({first}); run `funnelpact db upgrade`, or give --data DIR"
        ) from exc


@app.command("show")
def show(
    slug: Annotated[str, typer.Argument(help="A metric's slug (`funnelpact metrics list`).")],
    period: Annotated[
        str | None, typer.Option(help="2026-10, 2026-Q3, 2026-W42, 2026 or 2026-10-01..2026-10-15")
    ] = None,
    by: Annotated[
        list[Breakdown] | None, typer.Option("--by", help="Breakdown (repeatable).")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="CSV/Parquet from `funnelpact db export` (default: read the store)."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(help=f"duckdb://, postgresql://... or spark://local (or ${ENGINE_ENV})"),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    agreement_file: Annotated[
        Path | None,
        typer.Option(
            "--agreement",
            help="The SLA agreement: its time zone, business calendar, stages, SLA and cadence.",
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of the periods (default: the agreement's, UTC).")
    ] = None,
    from_stage: Annotated[str | None, typer.Option(help="Stage pair metrics: from.")] = None,
    to_stage: Annotated[str | None, typer.Option(help="Stage pair metrics: to.")] = None,
    stage: Annotated[str | None, typer.Option(help="One-stage metrics: the stage.")] = None,
    within_days: Annotated[int, typer.Option(help="Cohort conversion window, days.")] = 30,
    compare: Annotated[bool, typer.Option(help="Add the previous period of equal length.")] = False,
    language: Annotated[str, typer.Option("--language", "-l")] = "en",
) -> None:
    """One metric for a period, broken down as asked."""
    if slug not in REGISTRY:
        raise InputError(f"unknown metric {slug!r}; `funnelpact metrics list` shows them")
    agreement = _agreement(agreement_file) if agreement_file is not None else None
    zone = timezone or (agreement.calendar.timezone if agreement else "UTC")
    now = datetime.now(UTC)
    period_text = period or period_containing(now, zone).label
    parse_period(period_text)  # a bad period fails before any data is read
    metric = REGISTRY[slug]
    refused = [b.value for b in (by or []) if b not in metric.breakdowns]
    if refused:
        raise InputError(f"metric {slug} cannot be broken down by {', '.join(refused)}")
    source = from_directory(data) if data is not None else _from_store()
    analytics = AnalyticsEngine(
        source,
        now=now,
        timezone=zone,
        calendar=BusinessCalendar(agreement.calendar) if agreement else None,
        config=facts_config_of(agreement) if agreement else None,
        url=engine,
    )
    result = analytics.run(
        MetricQuery(
            metric=slug,
            period=period_text,
            by=tuple(by or ()),
            from_stage=from_stage,
            to_stage=to_stage,
            stage=stage,
            within_days=within_days,
            compare_previous=compare,
        )
    )
    sys.stdout.write(_render(result, output, language))
    if output is OutputFormat.JSON:
        sys.stdout.write("\n")
