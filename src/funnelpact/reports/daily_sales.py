"""The daily sales dashboard (seed 002): today's figures of the month against the previous month.

`--period` is usually the current month (the default): month to date against the whole previous
month, the comparison the seed's sales leaders make every morning.
"""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.metrics import L_
from funnelpact.reports.common import Figure, compare_table, daily_chart
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Report

TITLE: Final = L_("Daily sales dashboard")


def figures(context: ReportContext) -> list[Figure]:
    config = context.config
    return [
        ("stage_entered", {"stage": config.handoff_stage}),
        ("stage_entered", {"stage": config.sql_stage}),
        ("deals_created", {}),
        ("pipeline_created", {}),
        ("won_revenue", {}),
        ("win_rate", {}),
        ("average_deal_size", {}),
        ("speed_to_lead_median_business_hours", {}),
        ("speed_to_lead_within_sla", {}),
        ("acceptance_rate", {}),
        ("sales_velocity", {}),
    ]


def build(context: ReportContext, language: str = "en") -> Report:
    table = compare_table(
        context,
        "figures",
        L_("The month against the previous month"),
        figures(context),
        language,
    )
    chart = daily_chart(
        context,
        "mqls_by_day",
        L_("Hand-offs per day"),
        "stage_entered",
        stage=context.config.handoff_stage,
    )
    return Report(
        slug="daily-sales",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=context.previous_period,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=(table,),
        charts=(chart,),
    )
