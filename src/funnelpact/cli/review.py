"""`funnelpact review AGREEMENT.yaml --output NEXT.yaml`: reset the benchmarks with actual data.

    funnelpact review sla.yaml --months 6 --data export/ --output sla-v2.yaml

Shows the observed rates, deal size, lag and load over the last N months beside the agreement's
assumptions (with confidence intervals), writes the proposed next version, and says what
changed in plain words.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from funnelpact.analytics.engine import ENGINE_ENV, AnalyticsEngine
from funnelpact.analytics.sources import from_directory
from funnelpact.cli.report import load_agreement, store_data
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.errors import InputError
from funnelpact.rendering import write_atomic
from funnelpact.reports.context import facts_config_of
from funnelpact.review.recalibrate import (
    DEFAULT_WITHIN_DAYS,
    MIN_DEAL_SAMPLE,
    MIN_RATE_SAMPLE,
    Figure,
    Observation,
    Review,
    review,
)

console = Console(width=120)


def _number(value: float, figure: Figure) -> str:
    if figure is Figure.RATE:
        return f"{value:.1%}"
    if figure is Figure.DEAL_SIZE:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _row(observation: Observation) -> list[str]:
    interval = observation.observed
    assumed = (
        "—"
        if observation.assumed is None
        else _number(float(observation.assumed), observation.figure)
    )
    if interval is None:
        return [observation.label, assumed, "—", "—", "0", observation.reason or "no data"]
    low, high = (_number(v, observation.figure) for v in (interval.low, interval.high))
    spread = f"{low} – {high}"
    verdict = "replaced" if observation.replace else f"kept ({observation.reason})"
    return [
        observation.label,
        assumed,
        _number(interval.estimate, observation.figure),
        spread,
        str(interval.sample),
        verdict,
    ]


def print_review(result: Review, output: Path) -> None:
    table = Table(
        title=f"Observed {result.window.label} (rates: cohorts {result.cohort_window.label}) "
        "against the agreement",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for header, right in (
        ("figure", False),
        ("assumed", True),
        ("observed", True),
        ("95% interval", True),
        ("sample", True),
        ("next version", False),
    ):
        table.add_column(header, justify="right" if right else "left", overflow="fold")
    for observation in result.observations:
        table.add_row(*_row(observation))
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    console.print(
        f"Proposed version {result.proposed.metadata.version} written to {output}:", markup=False
    )
    changes = result.diff.changes
    if not changes:
        console.print("  nothing changes", markup=False)
    for change in changes:
        console.print(f"  - {change.text}", markup=False)
    if result.diff.targets_skipped:
        console.print(f"  (targets not compared: {result.diff.targets_skipped})", markup=False)


def review_command(
    agreement_file: Annotated[Path, typer.Argument(help="The agreement in force (YAML).")],
    output: Annotated[Path, typer.Option(help="Where to write the proposed next version.")],
    months: Annotated[int, typer.Option(help="Months of data to look back on.")] = 6,
    data: Annotated[
        Path | None, typer.Option(help="A directory of CSV/Parquet exports (default: the store).")
    ] = None,
    engine: Annotated[
        str | None, typer.Option(help=f"duckdb:// (default), postgresql://... ({ENGINE_ENV})")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Review date YYYY-MM-DD (default: today).")
    ] = None,
    within_days: Annotated[
        int, typer.Option(help="Days a cohort has to convert to the next stage.")
    ] = DEFAULT_WITHIN_DAYS,
    min_sample: Annotated[
        int, typer.Option(help="Contacts a rate needs to be replaced.")
    ] = MIN_RATE_SAMPLE,
    min_deals: Annotated[
        int, typer.Option(help="Won deals the deal size needs to be replaced.")
    ] = MIN_DEAL_SAMPLE,
) -> None:
    """Observed figures beside the agreement's assumptions, and the proposed next version."""
    if output.exists() and output.resolve() == agreement_file.resolve():
        raise InputError(f"--output {output}: is the agreement itself; name a new file")
    if output.is_dir() or not output.parent.is_dir():
        raise InputError(f"--output {output}: name a file in an existing folder")
    agreement = load_agreement(agreement_file)
    zone = agreement.calendar.timezone
    now = datetime.now(UTC)
    try:
        review_date = date.fromisoformat(as_of) if as_of else now.astimezone(ZoneInfo(zone)).date()
    except ValueError:
        raise InputError(f"--as-of {as_of!r}: not a date (YYYY-MM-DD)") from None
    source = from_directory(data) if data is not None else store_data()
    analytics = AnalyticsEngine(
        source,
        now=now,
        timezone=zone,
        calendar=BusinessCalendar(agreement.calendar),
        config=facts_config_of(agreement),
        url=engine,
    )
    result, text = review(
        analytics,
        agreement,
        review_date,
        months,
        within_days=within_days,
        min_sample=min_sample,
        min_deals=min_deals,
    )
    write_atomic(output, text.encode("utf-8"))
    print_review(result, output)
