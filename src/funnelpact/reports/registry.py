"""The reports funnelpact knows: slug, labels in en/es/it, what each shows, and its builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from funnelpact.analytics.metrics import L_, Labels
from funnelpact.errors import InputError
from funnelpact.reports import (
    attribution,
    daily_sales,
    monthly_marketing,
    rep_scorecard,
    sales_activity,
    scorecard,
    weekly_meeting,
)
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Report

Builder = Callable[[ReportContext, str], Report]


@dataclass(frozen=True, slots=True)
class ReportSpec:
    slug: str
    labels: Labels
    description: Labels
    build: Builder
    default_period: str = "month"  # month or week: what `--period` defaults to


REPORTS: Final[tuple[ReportSpec, ...]] = (
    ReportSpec(
        "scorecard",
        scorecard.TITLE,
        L_("Marketing's and sales' commitments: target, actual, status."),
        scorecard.build,
    ),
    ReportSpec(
        "daily-sales",
        daily_sales.TITLE,
        L_("The month's sales figures against the previous month."),
        daily_sales.build,
    ),
    ReportSpec(
        "weekly-meeting",
        weekly_meeting.TITLE,
        L_("Pacing, funnel, SLA, rejections and sources of the week."),
        weekly_meeting.build,
        default_period="week",
    ),
    ReportSpec(
        "monthly-marketing",
        monthly_marketing.TITLE,
        L_("Volumes and quality by source and campaign; what content converts."),
        monthly_marketing.build,
    ),
    ReportSpec(
        "rep-scorecard",
        rep_scorecard.TITLE,
        L_("Each rep's speed, cadence, acceptance, conversion and wins."),
        rep_scorecard.build,
    ),
    ReportSpec(
        "sales-activity",
        sales_activity.TITLE,
        L_("Calls, emails and meetings per rep."),
        sales_activity.build,
    ),
    ReportSpec(
        "attribution",
        attribution.TITLE,
        L_("Credit of sources, campaigns and content under five attribution models."),
        attribution.build,
    ),
)
BY_SLUG: Final = {spec.slug: spec for spec in REPORTS}


def report_spec(slug: str) -> ReportSpec:
    spec = BY_SLUG.get(slug)
    if spec is None:
        known = ", ".join(BY_SLUG)
        raise InputError(f"unknown report {slug!r} (reports: {known}; `funnelpact report list`)")
    return spec
