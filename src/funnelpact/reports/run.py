"""One report computed from data: the engine, the context and the builder, as the CLI and the
scheduled deliveries both run it (`funnelpact report`, `funnelpact.server.schedules`)."""

from __future__ import annotations

from datetime import datetime

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.periods import parse_period
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.reports.context import ReportContext, facts_config_of, plan_of
from funnelpact.reports.model import Report
from funnelpact.reports.registry import ReportSpec


def compute_report(
    spec: ReportSpec,
    period: str,
    data: AnalyticsData,
    *,
    now: datetime,
    language: str,
    agreement: Agreement | None = None,
    engine_url: str | None = None,
) -> Report:
    """The report of `period` at `now`, with the agreement's targets, calendar and currency."""
    parse_period(period)  # a bad period fails before any figure is computed
    analytics = AnalyticsEngine(
        data,
        now=now,
        timezone=agreement.calendar.timezone if agreement else "UTC",
        calendar=BusinessCalendar(agreement.calendar) if agreement is not None else None,
        config=facts_config_of(agreement) if agreement else None,
        url=engine_url,
    )
    return report_on(analytics, spec, period, now=now, language=language, agreement=agreement)


def report_on(
    analytics: AnalyticsEngine,
    spec: ReportSpec,
    period: str,
    *,
    now: datetime,
    language: str,
    agreement: Agreement | None = None,
) -> Report:
    """The report of `period` on an engine already loaded (the process's incremental engine
    over the store: `funnelpact.analytics.live`); its `now` must be `now`."""
    parse_period(period)
    context = ReportContext(
        analytics,
        period,
        now,
        agreement=agreement,
        plan=plan_of(agreement),
        currency=agreement.metadata.currency if agreement else "EUR",
    )
    return spec.build(context, language)
