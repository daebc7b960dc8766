"""The sales activity report: calls, emails and meetings per rep in the period.

Touch counts by type are not a registry metric (the registry counts *counting touches* per
contact); this report counts the activity itself with one group-by over the touches table:
outbound, by a rep, not automated (the same filter as the facts' counting touches).
"""

from __future__ import annotations

from typing import Any, Final

from ibis.expr.types import Table

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.facts import seconds
from funnelpact.analytics.metrics import L_
from funnelpact.domain.records import Direction, TouchType
from funnelpact.reports import texts
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Bar, Chart, Kind, Report, ReportColumn, ReportTable, Value

TITLE: Final = L_("Sales activity")
ACTIVITY_TYPES: Final = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)


def activity_expression(engine: AnalyticsEngine, start: int, end: int) -> Table:
    """rep, calls, emails, meetings, total, contacts: a row per rep active in [start, end)."""
    touches: Table = engine.tables["touches"]
    at = seconds(touches.occurred_at)
    rows = touches.filter(
        touches.rep_id.notnull()
        & ~touches.automated
        & (touches.direction == Direction.OUTBOUND.value)
        & touches.touch_type.isin([t.value for t in ACTIVITY_TYPES])
        & (at >= start)
        & (at < end)
    )
    return rows.group_by(rep=rows.rep_id).aggregate(
        calls=rows.count(where=rows.touch_type == TouchType.CALL.value),
        emails=rows.count(where=rows.touch_type == TouchType.EMAIL.value),
        meetings=rows.count(where=rows.touch_type == TouchType.MEETING.value),
        total=rows.count(),
        contacts=rows.contact_id.nunique(),
    )


def activity(context: ReportContext) -> list[dict[str, Any]]:
    start, end = context.parsed_period.bounds(context.engine.timezone)
    expression = activity_expression(context.engine, start, end)
    found: list[dict[str, Any]] = context.engine.con.to_pyarrow(expression).to_pylist()
    return sorted(found, key=lambda row: str(row["rep"]))


def build(context: ReportContext, language: str = "en") -> Report:
    rows = activity(context)
    columns = (
        ReportColumn("rep", texts.REP),
        ReportColumn("calls", texts.CALLS, Kind.COUNT),
        ReportColumn("emails", texts.EMAILS, Kind.COUNT),
        ReportColumn("meetings", texts.MEETINGS, Kind.COUNT),
        ReportColumn("total", texts.TOTAL, Kind.COUNT),
        ReportColumn("contacts", texts.CONTACTS_TOUCHED, Kind.COUNT),
    )
    body: tuple[tuple[Value, ...], ...] = tuple(
        (
            str(r["rep"]),
            int(r["calls"]),
            int(r["emails"]),
            int(r["meetings"]),
            int(r["total"]),
            int(r["contacts"]),
        )
        for r in rows
    )
    table = ReportTable(
        "activity",
        L_("Activity per rep"),
        columns,
        body,
    )
    chart = Chart(
        "activity",
        texts.TOTAL,
        Kind.COUNT,
        tuple(Bar(str(r["rep"]), float(r["total"])) for r in rows),
    )
    return Report(
        slug="sales-activity",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=None,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=(table,),
        charts=(chart,) if rows else (),
    )
