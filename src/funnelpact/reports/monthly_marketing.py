"""The monthly marketing report (seeds 001 and 002): volumes, quality and what converts.

The month against the previous one, each source and campaign with its volumes and quality, and
which campaigns and content helped convert (linear attribution of the month's MQLs and revenue).
"""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.attribution import Conversion, Dimension, Model
from funnelpact.analytics.metrics import L_, Breakdown
from funnelpact.reports import texts
from funnelpact.reports.attribution import attribution_table
from funnelpact.reports.common import Figure, breakdown_table, compare_table, daily_chart
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Report

TITLE: Final = L_("Monthly marketing report")


def quality_figures(context: ReportContext) -> list[Figure]:
    handoff, sql = context.config.handoff_stage, context.config.sql_stage
    return [
        ("contacts_created", {}),
        ("stage_entered", {"stage": handoff}),
        ("cohort_conversion", {"from_stage": handoff, "to_stage": sql}),
        ("sql_value", {}),
        ("mql_to_customer_rate", {}),
    ]


def build(context: ReportContext, language: str = "en") -> Report:
    figures = quality_figures(context)
    tables = (
        compare_table(
            context,
            "month",
            L_("The month against the previous month"),
            [*figures, ("pipeline_created", {}), ("won_revenue", {})],
            language,
        ),
        breakdown_table(
            context,
            "by_source",
            L_("By source"),
            Breakdown.SOURCE,
            texts.SOURCE,
            figures,
            language,
        ),
        breakdown_table(
            context,
            "by_campaign",
            L_("By campaign"),
            Breakdown.CAMPAIGN,
            texts.CAMPAIGN,
            figures,
            language,
        ),
        attribution_table(context, Conversion.MQL, Dimension.CAMPAIGN, (Model.LINEAR,), language),
        attribution_table(
            context, Conversion.REVENUE, Dimension.CONTENT, (Model.LINEAR,), language
        ),
    )
    chart = daily_chart(
        context,
        "contacts_by_day",
        L_("Contacts created per day"),
        "contacts_created",
    )
    return Report(
        slug="monthly-marketing",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=context.previous_period,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=tables,
        charts=(chart,),
    )
