"""The weekly smarketing meeting report (seed 001): one shared set of numbers for both teams.

Pacing against the plan, the funnel's conversion, the SLA figures, the rejections and their
reasons, and the figures by source, each against the previous week.
"""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.metrics import L_, Breakdown
from funnelpact.reports import texts
from funnelpact.reports.common import breakdown_table, compare_table
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Bar, Chart, Kind, Report, ReportColumn, ReportTable, Value

TITLE: Final = L_("Weekly smarketing meeting")


def pacing_table(context: ReportContext, language: str) -> ReportTable | None:
    if context.plan is None:
        return None
    rows: list[tuple[Value, ...]] = []
    for stage in context.plan.stages:
        pacing = context.pacing(stage.name)
        if pacing is None:
            continue
        rows.append(
            (
                stage.label or stage.name,
                float(pacing.actual),
                float(pacing.expected),
                float(pacing.low),
                float(pacing.high),
                pacing.forecast,
                texts.PACE[pacing.status].get(language)
                if pacing.status in texts.PACE
                else pacing.status,
            )
        )
    columns = (
        ReportColumn("stage", L_("Stage")),
        ReportColumn("actual", texts.ACTUAL, Kind.COUNT),
        ReportColumn("target", texts.TARGET, Kind.NUMBER),
        ReportColumn("low", texts.LOW, Kind.NUMBER),
        ReportColumn("high", texts.HIGH, Kind.NUMBER),
        ReportColumn("forecast", texts.FORECAST, Kind.NUMBER),
        ReportColumn("pace", L_("Pace")),
    )
    return ReportTable(
        "pacing",
        L_("Pacing against the plan"),
        columns,
        tuple(rows),
    )


def rejections_table(context: ReportContext) -> ReportTable:
    result = context.metric("rejections_by_reason", by=())
    rows = tuple((row.keys.get("reason") or "—", row.value) for row in result.rows if row.sample)
    return ReportTable(
        "rejections",
        texts.metric_label("rejections_by_reason"),
        (ReportColumn("reason", texts.REASON), ReportColumn("count", texts.TOTAL, Kind.COUNT)),
        rows,
    )


def build(context: ReportContext, language: str = "en") -> Report:
    config = context.config
    handoff, sql = config.handoff_stage, config.sql_stage
    tables: list[ReportTable] = []
    pacing = pacing_table(context, language)
    if pacing is not None:
        tables.append(pacing)
    tables.append(
        compare_table(
            context,
            "funnel",
            L_("The funnel"),
            [
                ("contacts_created", {}),
                ("stage_entered", {"stage": handoff}),
                ("stage_entered", {"stage": sql}),
                ("cohort_conversion", {"from_stage": handoff, "to_stage": sql}),
                ("period_conversion", {"from_stage": handoff, "to_stage": sql}),
                ("stage_lag_median_business_hours", {"from_stage": handoff, "to_stage": sql}),
            ],
            language,
        )
    )
    tables.append(
        compare_table(
            context,
            "sla",
            L_("The SLA"),
            [
                ("speed_to_lead_within_sla", {}),
                ("speed_to_lead_median_business_hours", {}),
                ("cadence_compliance", {}),
                ("acceptance_rate", {}),
                ("touches_per_sql", {}),
            ],
            language,
        )
    )
    tables.append(rejections_table(context))
    tables.append(
        breakdown_table(
            context,
            "by_source",
            L_("By source"),
            Breakdown.SOURCE,
            texts.SOURCE,
            [
                ("stage_entered", {"stage": handoff}),
                ("cohort_conversion", {"from_stage": handoff, "to_stage": sql}),
                ("speed_to_lead_within_sla", {}),
            ],
            language,
        )
    )
    rejections = tables[-2]
    charts: tuple[Chart, ...] = ()
    if rejections.rows:
        charts = (
            Chart(
                "rejections",
                texts.metric_label("rejections_by_reason"),
                Kind.COUNT,
                tuple(Bar(str(row[0]), float(row[1] or 0)) for row in rejections.rows),
            ),
        )
    return Report(
        slug="weekly-meeting",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=context.previous_period,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=tuple(tables),
        charts=charts,
    )
