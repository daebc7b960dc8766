"""`funnelpact plan`: reverse the funnel from the revenue goal, from a file or from flags.

Thin: it reads the file (or builds the spec from the flags), asks the domain for the plan and
renders it as a table, JSON, CSV or Markdown. Every bad input ends in a located message.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from funnelpact.agreements.planning import is_agreement_text, plan_spec_from_agreement_text
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.planning import (
    Funnel,
    Plan,
    PlanSpec,
    RoundingMode,
    StageTargets,
    Target,
    build_plan,
    load_plan,
    load_plan_text,
    parse_field_path,
)
from funnelpact.errors import InputError


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


HELP = """Reverse the funnel from the revenue goal: how many people every stage must deliver.

From a planning file (YAML whose top level is the plan; see docs/planner.md):

\b
    funnelpact plan examples/plan-seed-000.yaml

or, for the quick case, from flags (each --stage NAME:RATE is the conversion rate from that
stage to the next, top to bottom; the last stage converts into customers):

\b
    funnelpact plan --goal 100000 --deal-size 1000 --stage prospect:0.5
      --stage lead:0.5 --stage mql:0.5 --stage sql:0.5 --stage opportunity:0.5
      --weeks 48 --rep-mqls-per-week 8 --format json
"""

# Flag names for the fields the quick case sets, so a bad flag is named as the user typed it.
_FLAG_OF_FIELD = {
    "goal": "--goal",
    "deal_size": "--deal-size",
    "currency": "--currency",
    "working_weeks": "--weeks",
    "tolerance": "--tolerance",
    "capacity.mqls_per_rep_week": "--rep-mqls-per-week",
    "capacity.sqls_per_rep_week": "--rep-sqls-per-week",
    "stages": "--stage",
}
_STAGE_FLAG = re.compile(r"^\s*([^:]+?)\s*:\s*(\S+?)\s*$")


def _parse_rate(text: str) -> Decimal | str:
    """'0.25' or '25%' -> Decimal('0.25'); anything else is passed on for the domain to refuse."""
    try:
        if text.endswith("%"):
            return Decimal(text[:-1]) / 100
        return Decimal(text)
    except InvalidOperation:
        return text


def _stage_entries(stages: Sequence[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for raw in stages:
        match = _STAGE_FLAG.match(raw)
        if match is None:
            raise InputError(
                f"--stage {raw!r}: expected NAME:RATE, e.g. --stage mql:0.25 (the rate from "
                "that stage to the next)"
            )
        entries.append({"name": match.group(1), "rate": _parse_rate(match.group(2))})
    return entries


def _flag_issue(issue: Issue, stages: Sequence[str]) -> Issue:
    """Name the flag (``--stage mql:1.5``) instead of the field path (``stages[2].rate``)."""
    path = parse_field_path(issue.field)
    if path and path[0] == "stages" and len(path) > 1 and isinstance(path[1], int):
        # Quoted: the console would read an unquoted ``sql:abc:`` as an emoji code.
        where = f"--stage {stages[path[1]]!r}"
    else:
        where = _FLAG_OF_FIELD.get(issue.field, issue.field)
    return replace(issue, field=where)


def _spec_from_flags(
    *,
    goal: str,
    deal_size: str | None,
    stages: Sequence[str],
    currency: str,
    weeks: str | None,
    rep_mqls_per_week: str | None,
    rep_sqls_per_week: str | None,
    rounding: RoundingMode,
    tolerance: str | None,
) -> PlanSpec:
    missing = [flag for flag, value in (("--deal-size", deal_size),) if value is None]
    if not stages:
        missing.append("--stage NAME:RATE (at least one)")
    if missing:
        raise InputError(
            f"the quick case needs --goal, --deal-size and --stage; missing: {', '.join(missing)}"
        )
    data: dict[str, Any] = {
        "goal": goal,
        "deal_size": deal_size,
        "currency": currency,
        "stages": _stage_entries(stages),
        "rounding": rounding,
    }
    if weeks is not None:
        data["working_weeks"] = weeks
    if tolerance is not None:
        data["tolerance"] = tolerance
    if rep_mqls_per_week is not None or rep_sqls_per_week is not None:
        data["capacity"] = {
            key: value
            for key, value in (
                ("mqls_per_rep_week", rep_mqls_per_week),
                ("sqls_per_rep_week", rep_sqls_per_week),
            )
            if value is not None
        }
    spec, issues = load_plan(data)
    _warn(issues)
    if spec is None:
        raise DomainError([_flag_issue(issue, stages) for issue in issues])
    return spec


def _spec_from_file(path: Path) -> PlanSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such planning file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a planning file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the planning file ({error.strerror})") from None
    if is_agreement_text(text):
        # An SLA agreement: plan its plan: section (docs/agreement.md).
        spec_of_agreement, agreement_issues = plan_spec_from_agreement_text(text, file=str(path))
        _warn(agreement_issues)
        return spec_of_agreement
    spec, issues = load_plan_text(text, file=str(path))
    _warn(issues)
    if spec is None:
        raise DomainError([issue for issue in issues if issue.level is not Level.WARNING])
    return spec


_err = Console(stderr=True)


def _warn(issues: Sequence[Issue]) -> None:
    for issue in issues:
        if issue.level is Level.WARNING:
            _err.print(issue.render(), markup=False, highlight=False)


# --- rendering -------------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    """A JSON number: integral values as integers, the rest as floats."""
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: Decimal | int, places: int = 2) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.{places}f}"


def _bound(value: Decimal) -> str:
    # Bounds are a band, not a count: whole numbers from 100 up, one decimal below, so that
    # the funnel table fits an 80-column terminal.
    return _fmt(value, 0 if abs(value) >= 100 else 1)


def _band(target: Target) -> str:
    return f"{_bound(target.low)}-{_bound(target.high)}"


def _pct(value: Decimal) -> str:
    percent = value * 100
    if percent == percent.to_integral_value():
        return f"{int(percent)}%"
    return f"{percent:.1f}%"


def _target_json(target: Target) -> dict[str, int | float]:
    return {
        "expected": _number(target.expected),
        "low": _number(target.low),
        "high": _number(target.high),
    }


def _stage_json(stage: StageTargets) -> dict[str, Any]:
    return {
        "name": stage.name,
        "label": stage.label,
        "rate": _number(stage.rate),
        "needed": stage.needed,
        "low": _number(stage.period.low),
        "high": _number(stage.period.high),
        "per_quarter": _target_json(stage.per_quarter),
        "per_month": _target_json(stage.per_month),
        "per_week": _target_json(stage.per_week),
        "value_per_unit": None if stage.value_per_unit is None else _number(stage.value_per_unit),
        "lag_days_to_customer": stage.lag_days_to_customer,
        "before_period": _number(stage.before_period),
        "months": [
            {
                "label": month.label,
                "start": month.start.isoformat(),
                "end": month.end.isoformat(),
                "in_period": month.in_period,
                "expected": _number(month.expected),
                "low": _number(month.low),
                "high": _number(month.high),
            }
            for month in stage.months
        ],
        "quarters": [
            {
                "label": quarter.label,
                "start": quarter.start.isoformat(),
                "end": quarter.end.isoformat(),
                "expected": _number(quarter.expected),
                "low": _number(quarter.low),
                "high": _number(quarter.high),
            }
            for quarter in stage.quarters
        ],
    }


def _funnel_json(funnel: Funnel) -> dict[str, Any]:
    return {
        "name": funnel.name,
        "label": funnel.label,
        "goal": _number(funnel.goal),
        "customers": funnel.customers,
        "stages": [_stage_json(stage) for stage in funnel.stages],
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as one JSON object (the ``--format json`` output)."""
    spec = plan.spec
    document: dict[str, Any] = {
        "goal": _number(plan.goal),
        "currency": plan.currency,
        "deal_size": _number(spec.deal_size),
        "period": {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
        "working_weeks": _number(plan.working_weeks),
        "months": _number(plan.months),
        "rounding": str(spec.rounding),
        "tolerance": _number(plan.tolerance),
        "customers": plan.customers,
        "stages": [_stage_json(stage) for stage in plan.stages],
        "per_week": {stage.name: _number(stage.per_week.expected) for stage in plan.stages},
        "per_month": {stage.name: _number(stage.per_month.expected) for stage in plan.stages},
        "streams": [_funnel_json(funnel) for funnel in plan.streams],
        "sources": [_funnel_json(funnel) for funnel in plan.sources],
        "single_source": [_funnel_json(funnel) for funnel in plan.single_source],
        "sensitivity": [
            {
                key: _number(value) if isinstance(value, Decimal) else value
                for key, value in row.model_dump().items()
            }
            for row in plan.sensitivity
        ],
    }
    if plan.capacity is not None:
        total = plan.capacity.total
        document["reps_needed"] = _number(total.reps_needed)
        document["reps_needed_rounded"] = total.reps_needed_rounded
        document["capacity"] = {
            "total": _json_values(total.model_dump()),
            "streams": [_json_values(need.model_dump()) for need in plan.capacity.streams],
        }
    if plan.follow_up is not None:
        follow_up = _json_values(plan.follow_up.model_dump())
        follow_up["protocols"] = [_json_values(p.model_dump()) for p in plan.follow_up.protocols]
        document["follow_up"] = follow_up
    return document


def _json_values(mapping: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _number(value) if isinstance(value, Decimal) else value
        for key, value in mapping.items()
    }


def _scopes(plan: Plan) -> Iterator[tuple[str, Funnel]]:
    yield "total", plan.total
    for funnel in plan.streams:
        yield f"stream:{funnel.name}", funnel
    for funnel in plan.sources:
        yield f"source:{funnel.name}", funnel
    for funnel in plan.single_source:
        yield f"only-source:{funnel.name}", funnel


def plan_csv(plan: Plan) -> str:
    """Long format: one row per scope, stage and period, ready for a spreadsheet pivot."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["scope", "stage", "granularity", "label", "start", "end", "expected", "low", "high"]
    )
    start, end = plan.period_start.isoformat(), plan.period_end.isoformat()
    for scope, funnel in _scopes(plan):
        for stage in funnel.stages:
            for granularity, target in (
                ("period", stage.period),
                ("quarter_average", stage.per_quarter),
                ("month_average", stage.per_month),
                ("week_average", stage.per_week),
            ):
                writer.writerow(
                    [
                        scope,
                        stage.name,
                        granularity,
                        "",
                        start,
                        end,
                        target.expected,
                        target.low,
                        target.high,
                    ]
                )
            for granularity, periods in (("quarter", stage.quarters), ("month", stage.months)):
                for item in periods:
                    writer.writerow(
                        [
                            scope,
                            stage.name,
                            granularity,
                            item.label,
                            item.start.isoformat(),
                            item.end.isoformat(),
                            item.expected,
                            item.low,
                            item.high,
                        ]
                    )
    return buffer.getvalue()


def _summary(plan: Plan) -> list[str]:
    spec = plan.spec
    lines = [
        f"Goal {_fmt(plan.goal)} {plan.currency} from {plan.period_start} to {plan.period_end}; "
        f"deal size {_fmt(spec.deal_size)} {plan.currency}; {_fmt(plan.customers)} customers.",
        f"{_fmt(plan.working_weeks)} working weeks, {_fmt(plan.months)} months; rounding "
        f"{spec.rounding}; targets within +/-{_pct(plan.tolerance)}.",
    ]
    if plan.capacity is not None:
        need = plan.capacity.total
        parts = []
        if need.reps_for_mqls is not None and need.mqls_per_week is not None:
            parts.append(
                f"{_fmt(need.mqls_per_week)} MQLs a week / "
                f"{_fmt(plan.capacity.capacity.mqls_per_rep_week or Decimal(0))} per rep = "
                f"{_fmt(need.reps_for_mqls)} reps"
            )
        if need.reps_for_sqls is not None and need.sqls_per_week is not None:
            parts.append(
                f"{_fmt(need.sqls_per_week)} SQLs a week / "
                f"{_fmt(plan.capacity.capacity.sqls_per_rep_week or Decimal(0))} per rep = "
                f"{_fmt(need.reps_for_sqls)} reps"
            )
        lines.append(
            f"Reps needed: {_fmt(need.reps_needed)} ({need.reps_needed_rounded} rounded up): "
            + "; ".join(parts)
            + "."
        )
    before = [s for s in plan.stages if s.before_period > 0]
    if before:
        lines.append(
            "Pipeline needed before the period starts: "
            + ", ".join(f"{_fmt(s.before_period, 0)} {s.label}" for s in before)
            + "."
        )
    return lines


def _rows_funnel(funnel: Funnel) -> list[list[str]]:
    return [
        [
            stage.label,
            _pct(stage.rate),
            _fmt(stage.needed),
            _band(stage.period),
            _fmt(stage.per_month.expected),
            _band(stage.per_month),
            _fmt(stage.per_week.expected),
            _band(stage.per_week),
        ]
        for stage in funnel.stages
    ] + [["Customers", "", _fmt(funnel.customers), "", "", "", "", ""]]


def _funnel_headers(plan: Plan) -> list[str]:
    band = f"±{_pct(plan.tolerance)}"
    return ["Stage", "Rate", "Needed", band, "Month", band, "Week", band]


def _sections(plan: Plan) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, headers, rows) of every table the plan has, in reading order."""
    currency = plan.currency
    headers = _funnel_headers(plan)
    sections = [
        ("Funnel: needed per period, per month, per week", headers, _rows_funnel(plan.total))
    ]
    for funnel in plan.streams:
        title = f"Stream {funnel.label} ({_fmt(funnel.goal)} {currency})"
        sections.append((title, headers, _rows_funnel(funnel)))
    for funnel in plan.sources:
        title = f"Source {funnel.label} at the planned mix"
        sections.append((title, headers, _rows_funnel(funnel)))
    sections.append(_value_section(plan))
    if plan.single_source:
        sections.append(
            (
                "The whole goal from one source",
                ["Source", *(stage.label for stage in plan.stages)],
                [
                    [funnel.label, *(_fmt(stage.needed) for stage in funnel.stages)]
                    for funnel in plan.single_source
                ],
            )
        )
    sections.append(_month_section(plan))
    sections.append(_quarter_section(plan))
    if plan.capacity is not None and plan.capacity.streams:
        sections.append(
            (
                "Reps per stream",
                ["Stream", "MQLs a week", "SQLs a week", "Reps", "Rounded up"],
                [
                    [
                        need.stream,
                        _fmt(need.mqls_per_week) if need.mqls_per_week is not None else "",
                        _fmt(need.sqls_per_week) if need.sqls_per_week is not None else "",
                        _fmt(need.reps_needed),
                        str(need.reps_needed_rounded),
                    ]
                    for need in (*plan.capacity.streams, plan.capacity.total)
                ],
            )
        )
    if plan.follow_up is not None:
        sections.append(_follow_up_section(plan))
    sections.append(
        (
            f"Sensitivity: {plan.stages[0].label} saved by a better rate",
            ["Rank", "Stage", "Rate", "Now", "+1 point", "Saved", "x1.1", "Saved"],
            [
                [
                    str(row.rank),
                    row.stage,
                    _pct(row.rate),
                    _fmt(row.top_needed),
                    _fmt(row.plus_one_point_top_needed),
                    f"{_fmt(row.plus_one_point_saving)} ({_pct(row.plus_one_point_saving_share)})",
                    _fmt(row.plus_ten_percent_top_needed),
                    f"{_fmt(row.plus_ten_percent_saving)} "
                    f"({_pct(row.plus_ten_percent_saving_share)})",
                ]
                for row in plan.sensitivity
            ],
        )
    )
    return sections


def _value_section(plan: Plan) -> tuple[str, list[str], list[list[str]]]:
    scopes = [plan.total, *plan.streams, *plan.sources, *plan.single_source]
    names = (
        ["Total"]
        + [f"Stream {f.label}" for f in plan.streams]
        + [f"Source {f.label}" for f in plan.sources]
        + [f"Only {f.label}" for f in plan.single_source]
    )
    rows = []
    for index, stage in enumerate(plan.stages):
        cells = [stage.label]
        for funnel in scopes:
            value = funnel.stages[index].value_per_unit
            cells.append("" if value is None else _fmt(value))
        rows.append(cells)
    return f"Value of each ({plan.currency}: revenue / number needed)", ["Stage", *names], rows


def _month_section(plan: Plan) -> tuple[str, list[str], list[list[str]]]:
    labels = sorted({month.label for stage in plan.stages for month in stage.months})
    rows = []
    for label in labels:
        before = any(m.label == label and not m.in_period for s in plan.stages for m in s.months)
        row = [label + (" (before)" if before else "")]
        for stage in plan.stages:
            amounts = [m.expected for m in stage.months if m.label == label]
            row.append(_fmt(sum(amounts, Decimal(0))) if amounts else "")
        rows.append(row)
    title = "Month by month: when each stage's volume must arrive"
    return title, ["Month", *(stage.label for stage in plan.stages)], rows


def _quarter_section(plan: Plan) -> tuple[str, list[str], list[list[str]]]:
    labels: list[str] = []
    for stage in plan.stages:
        labels += [q.label for q in stage.quarters if q.label not in labels]
    labels.sort(key=lambda label: label.split(" ", 1)[1])
    rows = []
    for label in labels:
        row = [label]
        for stage in plan.stages:
            amounts = [q.expected for q in stage.quarters if q.label == label]
            row.append(_fmt(sum(amounts, Decimal(0))) if amounts else "")
        rows.append(row)
    return "Quarter by quarter", ["Quarter", *(stage.label for stage in plan.stages)], rows


def _follow_up_section(plan: Plan) -> tuple[str, list[str], list[list[str]]]:
    follow = plan.follow_up
    assert follow is not None
    title = (
        f"Follow-up budget: {_fmt(follow.leads_per_month)} {follow.stage} a month "
        f"(peak {_fmt(follow.peak_leads_per_month)}); {follow.reps} reps, "
        f"{_fmt(follow.hours_per_month)} h a month: {_fmt(follow.attempts_per_lead)} attempts "
        f"per lead ({_fmt(follow.attempts_per_lead_at_peak)} at the peak)"
    )
    rows = [
        [
            str(check.required_attempts),
            _fmt(check.hours_needed_per_month),
            _fmt(check.reps_needed),
            "yes" if check.affordable else "NO",
        ]
        for check in follow.protocols
    ]
    return title, ["Required attempts", "Hours a month", "Reps needed", "Affordable"], rows


def plan_markdown(plan: Plan) -> str:
    lines = ["# Funnel plan", ""]
    lines += [f"{line}  " for line in _summary(plan)]
    for title, headers, rows in _sections(plan):
        lines += [
            "",
            f"## {title}",
            "",
            "| " + " | ".join(headers) + " |",
            "|" + "|".join("---" if i == 0 else "--:" for i in range(len(headers))) + "|",
        ]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
    return "\n".join(lines) + "\n"


def print_table(plan: Plan, console: Console) -> None:
    for line in _summary(plan):
        console.print(line, markup=False, highlight=False)
    for title, headers, rows in _sections(plan):
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        for index, header in enumerate(headers):
            # Never cut a number; labels wrap instead.
            table.add_column(header, justify="left" if index == 0 else "right", no_wrap=index > 0)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def plan_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE.yaml",
            help="Planning file (YAML), or an SLA agreement file. Omit it to plan from the flags.",
            show_default=False,
        ),
    ] = None,
    goal: Annotated[
        str | None, typer.Option("--goal", metavar="AMOUNT", help="Revenue goal for the period.")
    ] = None,
    deal_size: Annotated[
        str | None,
        typer.Option("--deal-size", metavar="AMOUNT", help="Average revenue per customer."),
    ] = None,
    stage: Annotated[
        list[str] | None,
        typer.Option(
            "--stage",
            metavar="NAME:RATE",
            help="NAME:RATE, repeated top to bottom: the rate from that stage to the next "
            "(0.25 or 25%); the last converts into customers.",
        ),
    ] = None,
    weeks: Annotated[
        str | None,
        typer.Option("--weeks", metavar="WEEKS", help="Working weeks in a year (default 48)."),
    ] = None,
    rep_mqls_per_week: Annotated[
        str | None,
        typer.Option(
            "--rep-mqls-per-week", metavar="COUNT", help="MQLs one rep reviews in a week."
        ),
    ] = None,
    rep_sqls_per_week: Annotated[
        str | None,
        typer.Option("--rep-sqls-per-week", metavar="COUNT", help="SQLs one rep works in a week."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", metavar="CODE", help="ISO code of the goal (default EUR)."),
    ] = None,
    rounding: Annotated[
        RoundingMode | None,
        typer.Option(
            "--rounding",
            help="each_stage: round up at every stage (the seeds' way); once: only at the end "
            "(default each_stage).",
        ),
    ] = None,
    tolerance: Annotated[
        str | None,
        typer.Option("--tolerance", metavar="SHARE", help="Bounds of every target (default 0.10)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            metavar="DATE",
            help="First day of the period (YYYY-MM-DD) when the plan has none "
            "(default: 1 January of this year).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print the plan.")
    ] = OutputFormat.TABLE,
) -> None:
    """Reverse the funnel from the revenue goal (see the full help: funnelpact plan --help)."""
    quick = {
        "--goal": goal,
        "--deal-size": deal_size,
        "--stage": stage,
        "--weeks": weeks,
        "--rep-mqls-per-week": rep_mqls_per_week,
        "--rep-sqls-per-week": rep_sqls_per_week,
        "--tolerance": tolerance,
        "--currency": currency,
        "--rounding": rounding,
    }
    if file is not None:
        given = [flag for flag, value in quick.items() if value]
        if given:
            raise InputError(
                f"{file}: give either a planning file or the quick flags, not both "
                f"(remove {', '.join(given)} or put them in the file)"
            )
        spec = _spec_from_file(file)
    elif goal is None:
        raise InputError(
            "give a planning file (funnelpact plan FILE.yaml) or --goal, "
            "--deal-size and --stage NAME:RATE; see funnelpact plan --help"
        )
    else:
        spec = _spec_from_flags(
            goal=goal,
            deal_size=deal_size,
            stages=stage or [],
            currency=currency or "EUR",
            weeks=weeks,
            rep_mqls_per_week=rep_mqls_per_week,
            rep_sqls_per_week=rep_sqls_per_week,
            rounding=rounding or RoundingMode.EACH_STAGE,
            tolerance=tolerance,
        )
    default_start = _parse_start(start)
    plan = build_plan(spec, default_start=default_start)
    # Piped or captured output has no width: print tables whole rather than cut to 80 columns.
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    match output_format:
        case OutputFormat.JSON:
            typer.echo(json.dumps(plan_json(plan), indent=2, ensure_ascii=False))
        case OutputFormat.CSV:
            typer.echo(plan_csv(plan), nl=False)
        case OutputFormat.MARKDOWN:
            typer.echo(plan_markdown(plan), nl=False)
        case OutputFormat.TABLE:
            print_table(plan, console)


def _parse_start(text: str | None) -> date:
    if text is None:
        # The CLI, unlike the domain, may read the clock: a plan without dates covers this year.
        return date(date.today().year, 1, 1)  # noqa: DTZ011 - a calendar year, no time of day
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--start {text!r}: expected a date such as 2025-01-01") from None


plan_command.__doc__ = HELP


def root_callback() -> None:
    """The Sales & Marketing SLA engine: plan, agree, track, watch, report, review."""
