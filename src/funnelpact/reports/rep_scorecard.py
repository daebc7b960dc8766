"""Rep scorecards: each rep's hand-offs, speed, cadence, acceptance, conversion and wins."""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.metrics import L_, Breakdown
from funnelpact.reports import texts
from funnelpact.reports.common import breakdown_table
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Bar, Chart, Kind, Report

TITLE: Final = L_("Rep scorecards")


def build(context: ReportContext, language: str = "en") -> Report:
    handoff, sql = context.config.handoff_stage, context.config.sql_stage
    table = breakdown_table(
        context,
        "reps",
        L_("Each rep"),
        Breakdown.REP,
        texts.REP,
        [
            ("stage_entered", {"stage": handoff}),
            ("speed_to_lead_median_business_hours", {}),
            ("speed_to_lead_within_sla", {}),
            ("cadence_compliance", {}),
            ("acceptance_rate", {}),
            ("cohort_conversion", {"from_stage": handoff, "to_stage": sql}),
            ("win_rate", {}),
            ("won_revenue", {}),
        ],
        language,
    )
    within = table.column(table.columns[3].key)
    chart = Chart(
        "within_sla",
        texts.metric_label("speed_to_lead_within_sla"),
        Kind.SHARE,
        tuple(
            Bar(str(rep), float(value))
            for rep, value in zip(table.column("rep"), within, strict=True)
            if isinstance(value, float)
        ),
    )
    return Report(
        slug="rep-scorecard",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=None,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=(table,),
        charts=(chart,) if chart.bars else (),
    )
