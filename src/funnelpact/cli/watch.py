"""``funnelpact watch``: the agreement the watch runs on, and what is due, at risk and breached.

Also ``funnelpact decide LEAD --accept|--reject REASON``: the closed loop from the command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from funnelpact.errors import InputError

if TYPE_CHECKING:
    from funnelpact.server.watch.models import Obligation

app = typer.Typer(
    help="The live watch: every lead's SLA obligations, breaches and rejections.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@contextmanager
def store_session() -> Iterator[None]:
    """Django set up, the store reachable and upgraded; database failures as one message."""
    from funnelpact.cli.db import database_errors, require_upgraded, setup_store

    setup_store()
    with database_errors():
        require_upgraded()
        yield


def _now() -> datetime:
    return datetime.now(UTC)


def _instant(value: datetime | None, zone: Any) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _hours(seconds: int | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.1f} h"


def _obligation_json(row: Obligation) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "contact_id": row.contact_id,
        "lead": str(row.contact),
        "cycle": row.cycle,
        "obligation": row.name,
        "kind": row.kind,
        "status": row.status,
        "owner": str(row.owner) if row.owner is not None else None,
        "handoff_at": iso(row.handoff_at),
        "due_at": iso(row.due_at),
        "at_risk_at": iso(row.at_risk_at),
        "met_at": iso(row.met_at),
        "breached_at": iso(row.breached_at),
        "resolved_at": iso(row.resolved_at),
        "business_seconds": row.business_seconds,
        "reason": row.reason,
        "evaluated_at": iso(row.evaluated_at),
    }


def _print_obligations(rows: Sequence[Obligation], output: OutputFormat, title: str) -> None:
    from funnelpact.server.watch.services import require_context

    if output is OutputFormat.JSON:
        typer.echo(json.dumps([_obligation_json(row) for row in rows], indent=2))
        return
    zone = require_context().calendar.zone
    if not rows:
        console.print(f"{title}: nothing.", highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for column in ("lead", "cycle", "obligation", "status", "owner", "due", "how long", "note"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row.contact} ({row.contact_id})",
            str(row.cycle),
            row.name,
            row.status,
            str(row.owner) if row.owner is not None else "-",
            _instant(row.due_at, zone),
            _hours(row.business_seconds),
            row.reason,
        )
    console.print(table)


@app.command("use")
def use_command(
    agreement: Annotated[Path, typer.Argument(help="The signed agreement file (YAML).")],
) -> None:
    """Run the watch on AGREEMENT: obligations are re-evaluated under it."""
    with store_session():
        from funnelpact.server.watch.services import use_agreement

        report = use_agreement(agreement, _now())
    version = report.version
    if report.changed:
        console.print(
            f"watching with {version.name} v{version.version} ({version.content_hash[:12]}); "
            f"{report.queued} lead(s) queued for re-evaluation",
            highlight=False,
        )
    else:
        console.print(f"already watching with {version.name} v{version.version}", highlight=False)


@app.command("status")
def status_command(
    lead: Annotated[str | None, typer.Option("--lead", help="system:id or store id.")] = None,
    rep: Annotated[str | None, typer.Option("--rep", help="Rep name, e-mail or id.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Team name.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """What is due, at risk and breached now (every obligation of one --lead)."""
    if sum(value is not None for value in (lead, rep, team)) > 1:
        raise InputError("give at most one of --lead, --rep, --team")
    with store_session():
        from funnelpact.server.watch.services import require_context, status

        require_context()
        rows = status(lead=lead, rep=rep, team=team)
        _print_obligations(rows, output, "obligations" if lead else "open and breached")


def _parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"{option} {text!r}: not a date (YYYY-MM-DD)") from exc


@app.command("breaches")
def breaches_command(
    since: Annotated[str, typer.Option("--since", help="First day (YYYY-MM-DD).")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Obligations breached since a day (the agreement's time zone)."""
    day = _parse_day(since, "--since")
    with store_session():
        from funnelpact.server.watch.services import breaches, require_context

        zone = require_context().calendar.zone
        rows = breaches(datetime.combine(day, datetime.min.time(), zone))
        _print_obligations(rows, output, f"breached since {day}")


@app.command("rejections")
def rejections_command(
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD).")] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Rejected MQLs by reason, source and campaign (marketing's view of quality)."""
    day = _parse_day(since, "--since") if since else None
    with store_session():
        from funnelpact.server.watch.services import rejections

        start = datetime.combine(day, datetime.min.time(), UTC) if day else None
        rows = rejections(start)
    if output is OutputFormat.JSON:
        items = [
            {"reason": r.reason, "source": r.source, "campaign": r.campaign, "count": r.count}
            for r in rows
        ]
        typer.echo(json.dumps(items, indent=2))
        return
    table = Table(title="rejections", title_justify="left")
    for column in ("reason", "source", "campaign", "rejected"):
        table.add_column(column, justify="right" if column == "rejected" else "left")
    for row in rows:
        table.add_row(row.reason, row.source, row.campaign, str(row.count))
    console.print(table)


@app.command("figures")
def figures_command(
    period: Annotated[str, typer.Option("--period", help="week, month or quarter.")] = "month",
    day: Annotated[str | None, typer.Option("--day", help="A day in the period.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's reps.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Team figures of the period: MQLs vs target, acceptance, speed-to-lead, cadence."""
    with store_session():
        from funnelpact.server.watch.services import Period, require_context, team_figures

        try:
            chosen = Period(period)
        except ValueError as exc:
            raise InputError(f"--period {period!r}: week, month or quarter") from exc
        context = require_context()
        when = _parse_day(day, "--day") if day else _now().astimezone(context.calendar.zone).date()
        figures = team_figures(chosen, when, team=team, context=context)
    if output is OutputFormat.JSON:
        import dataclasses

        typer.echo(json.dumps(dataclasses.asdict(figures), indent=2, default=str))
        return

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    marketing = Table(title=f"marketing {figures.start}..{figures.end}", title_justify="left")
    for column in ("group", "MQLs", "expected", "band", "accepted"):
        marketing.add_column(column)
    for item in figures.marketing:
        band = "-" if item.low is None else f"{item.low:.0f}-{item.high:.0f}"
        marketing.add_row(
            item.group, str(item.mqls), num(item.expected), band, pct(item.accepted_share)
        )
    sales = Table(title="sales", title_justify="left")
    for column in (
        "who",
        "MQLs",
        "touched in SLA",
        "median h",
        "p90 h",
        "cadence",
        "decided in time",
    ):
        sales.add_column(column)
    for rep in figures.sales:
        sales.add_row(
            rep.who,
            str(rep.mqls),
            pct(rep.touched_in_sla),
            num(rep.speed_median_hours),
            num(rep.speed_p90_hours),
            pct(rep.cadence_compliance),
            pct(rep.decisions_on_time),
        )
    console.print(marketing)
    console.print(sales)


def decide_command(
    lead: Annotated[
        str, typer.Argument(help="The lead: system:id (e.g. hubspot:123) or store id.")
    ],
    accept: Annotated[bool, typer.Option("--accept", help="Sales accepts the MQL.")] = False,
    reject: Annotated[
        str | None, typer.Option("--reject", help="Reject with a reason code of the agreement.")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note kept with the decision.")] = "",
    by: Annotated[str, typer.Option("--by", help="The deciding rep as system:id.")] = "",
) -> None:
    """Accept or reject an MQL (the closed loop); a rejected lead goes where the agreement says."""
    if accept == (reject is not None):
        raise InputError("give exactly one of --accept or --reject REASON")
    with store_session():
        from funnelpact.server.watch.services import DecisionKind, decide

        outcome = decide(
            lead,
            DecisionKind.ACCEPT if accept else DecisionKind.REJECT,
            reject or "",
            _now(),
            note=note,
            decided_by=by,
        )
    if outcome.routed_to:
        console.print(
            f"rejected ({outcome.reason}): lead {lead} moved to {outcome.routed_to}",
            highlight=False,
        )
    else:
        console.print(f"accepted: lead {lead}", highlight=False)


@app.command("assign")
def assign_command(
    team: Annotated[
        str | None,
        typer.Option("--team", help="Only this team (default: the agreement's assignment teams)."),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option("--method", help="least_loaded or round_robin (default: the agreement's)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would get each lead; store nothing.")
    ] = False,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Give new (unowned) MQLs to the team's reps, within working hours and capacity."""
    from funnelpact.domain.agreement.model import AssignmentMethod

    chosen: AssignmentMethod | None = None
    if method is not None:
        try:
            chosen = AssignmentMethod(method)
        except ValueError as exc:
            raise InputError(f"--method {method!r}: least_loaded or round_robin") from exc
    with store_session():
        from funnelpact.server.watch.assignment import assign_for_agreement
        from funnelpact.server.watch.services import require_context

        zone = require_context().calendar.zone
        reports = assign_for_agreement(_now(), team=team, dry_run=dry_run, method=chosen)
        labels = _contact_labels([cid for report in reports for cid, _ in report.assigned])
    if output is OutputFormat.JSON:
        items = [
            {
                "team": report.team,
                "method": report.method.value,
                "dry_run": dry_run,
                "assigned": [
                    {"contact_id": cid, "lead": labels.get(cid, str(cid)), "rep": rep}
                    for cid, rep in report.assigned
                ],
                "waiting": report.queued,
                "next_opening": (
                    report.next_opening.isoformat() if report.next_opening is not None else None
                ),
            }
            for report in reports
        ]
        typer.echo(json.dumps(items, indent=2))
        return
    verb = "would assign" if dry_run else "assigned"
    for report in reports:
        console.print(
            f"team {report.team} ({report.method.value}): {verb} {len(report.assigned)} "
            f"lead(s), {report.queued} waiting",
            highlight=False,
        )
        if report.next_opening is not None:
            resumes = _instant(report.next_opening, zone)
            console.print(f"  outside working hours: assignment resumes {resumes}", highlight=False)
        for cid, rep in report.assigned:
            console.print(f"  {labels.get(cid, str(cid))} -> {rep}", highlight=False)


def _contact_labels(contact_ids: Sequence[int]) -> dict[int, str]:
    from funnelpact.server.watch.repository import identity_of

    return {cid: f"{identity_of(cid)} ({cid})" for cid in contact_ids}
