"""Each report's key figures on the June journeys, computed by hand (conftest.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from funnelpact.agreements.files import load_agreement_file
from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.domain.agreement.model import Comparison
from funnelpact.reports import daily_sales, rep_scorecard, sales_activity, scorecard, weekly_meeting
from funnelpact.reports.context import ReportContext, facts_config_of, plan_of
from funnelpact.reports.model import Status
from funnelpact.reports.registry import REPORTS, report_spec

from .conftest import NOW, ZONE

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agreement-seed-000.yaml"


@pytest.mark.parametrize(
    ("actual", "target", "comparison", "status"),
    [
        (0.95, 1.0, Comparison.AT_LEAST, Status.CLOSE),  # 5 % short, tolerance 10 %
        (0.85, 1.0, Comparison.AT_LEAST, Status.MISSED),
        (1.0, 1.0, Comparison.AT_LEAST, Status.MET),
        (42.0, 40.0, Comparison.AT_MOST, Status.CLOSE),
        (45.0, 40.0, Comparison.AT_MOST, Status.MISSED),
        (None, 40.0, Comparison.AT_MOST, Status.NO_DATA),
        (3.0, None, Comparison.AT_MOST, Status.NO_TARGET),
    ],
)
def test_status_rule(
    actual: float | None, target: float | None, comparison: Comparison, status: Status
) -> None:
    assert scorecard.judge(actual, target, comparison, Decimal("0.10")) is status


def test_scorecard_without_agreement(june_context: ReportContext) -> None:
    report = scorecard.build(june_context, "en")
    marketing, sales = report.table("marketing"), report.table("sales")
    assert marketing.row("MQLs delivered") == {
        "commitment": "MQLs delivered",
        "unit": "count",
        "target": None,
        "actual": 3.0,
        "status": "no_target",
        "sample": 3,
    }
    # a1 touched after 1 business hour, a2 after 15 (Wed 9-18, Thu 9-15), a3 never: 2 of 3.
    within = sales.row("Hand-offs touched within 24 business hours")
    assert (within["target"], within["actual"], within["status"]) == (
        1.0,
        pytest.approx(2 / 3),
        "missed",
    )
    # Only a1 got 3 counting touches in 14 days.
    assert sales.row("Cadence kept (3 touches in 14 days)")["actual"] == pytest.approx(1 / 3)
    # a1 accepted, a2 rejected.
    assert sales.row("Acceptance rate")["actual"] == 0.5
    # Defaults shown without targets: MQL->SQL 1 of 3; a1 Tue 10:00 -> Thu 11:00 = 19 h.
    assert sales.row("MQL to SQL rate")["actual"] == pytest.approx(1 / 3)
    assert sales.row("Time from MQL to SQL")["actual"] == pytest.approx(19.0)
    assert sales.row("Touches per MQL that becomes SQL")["actual"] == 3.0


def test_scorecard_with_the_agreements_kpis(june_data: AnalyticsData) -> None:
    agreement, _ = load_agreement_file(EXAMPLE)
    assert agreement is not None
    engine = AnalyticsEngine(june_data, now=NOW, timezone=ZONE, config=facts_config_of(agreement))
    context = ReportContext(engine, "2026-06", NOW, agreement=agreement, currency="EUR")
    report = scorecard.build(context, "es")
    sales = report.table("sales")
    # KPI mql_to_sql_rate >= 0.5: 1/3 is more than 10 % short.
    assert sales.row("Tasa de MQL a SQL")["target"] == 0.5
    assert sales.row("Tasa de MQL a SQL")["status"] == "missed"
    # mql_to_sql_hours <= 40: 19 h; touches_per_sql <= 7: 3.
    assert sales.row("Tiempo de MQL a SQL")["status"] == "met"
    assert sales.row("Contactos por MQL que se convierte en SQL")["status"] == "met"
    marketing = report.table("marketing")
    # The example's plan covers 2025: June 2026 has no volume due.
    assert marketing.row("MQL entregados")["status"] == "no_target"
    assert marketing.row("MQL entregados")["actual"] == 3.0
    # sql_value >= 30,000: a1's deal of 2,000.
    assert marketing.row("Valor de los SQL")["actual"] == 2000.0
    assert marketing.row("Valor de los SQL")["status"] == "missed"


def test_scorecard_volumes_against_the_plan(june_data: AnalyticsData) -> None:
    agreement, _ = load_agreement_file(EXAMPLE)
    assert agreement is not None
    plan = plan_of(agreement)
    assert plan is not None
    # The same journeys a year earlier fall in the plan's year (2025).
    engine = AnalyticsEngine(june_data, now=NOW, timezone=ZONE, config=facts_config_of(agreement))
    context = ReportContext(engine, "2026-06", NOW, agreement=agreement, plan=plan)
    pacing = engine.pacing(plan, "mql", "2025-06")
    assert pacing.expected > 0  # the plan's June 2025 has MQLs due
    late = ReportContext(engine, "2025-06", NOW, agreement=agreement, plan=plan)
    row = scorecard.build(late, "en").table("marketing").row("MQLs delivered")
    # No MQL in June 2025 in these journeys: below the band.
    assert (row["target"], row["actual"], row["status"]) == (float(pacing.expected), 0.0, "missed")
    assert scorecard.build(context, "en").table("marketing").row("MQLs delivered")["status"] == (
        "no_target"
    )


def test_daily_sales_against_the_previous_month(june_context: ReportContext) -> None:
    report = daily_sales.build(june_context, "en")
    assert report.previous_period == "2026-05"
    figures = report.table("figures")
    mqls = figures.row("Entered the stage: MQL")
    assert (mqls["actual"], mqls["previous"], mqls["change"]) == (3.0, 0.0, None)
    assert figures.row("Revenue won")["actual"] == 2000.0
    assert figures.row("Win rate")["actual"] == 1.0
    chart = report.charts[0]
    assert len(chart.bars) == 30  # every day of June, empty days included
    assert {bar.label: bar.value for bar in chart.bars if bar.value} == {
        "2026-06-09": 1.0,
        "2026-06-10": 1.0,
        "2026-06-12": 1.0,
    }


def test_weekly_meeting_rejections_and_sources(june: AnalyticsEngine) -> None:
    context = ReportContext(june, "2026-W24", NOW)  # Jun 8-14
    report = weekly_meeting.build(context, "en")
    assert report.previous_period == "2026-W23"
    assert report.table("rejections").rows == (("not_icp", 1.0),)
    by_source = report.table("by_source")
    assert by_source.row("web")["stage_entered@mql"] == 2.0
    assert by_source.row("ads")["stage_entered@mql"] == 1.0
    assert by_source.row("web")["cohort_conversion@mql@sql"] == 0.5


def test_rep_scorecard(june_context: ReportContext) -> None:
    reps = rep_scorecard.build(june_context, "en").table("reps")
    rep1, rep2 = reps.row("demo:rep1"), reps.row("demo:rep2")
    assert rep1["stage_entered@mql"] == 2.0  # a1 and a3
    assert rep1["speed_to_lead_within_sla"] == 0.5  # a1 yes, a3 never touched
    assert rep1["won_revenue"] == 2000.0
    assert rep2["acceptance_rate"] == 0.0
    assert rep2["speed_to_lead_median_business_hours"] == 15.0


def test_sales_activity_counts_calls_emails_meetings(june_context: ReportContext) -> None:
    table = sales_activity.build(june_context, "en").table("activity")
    assert table.rows == (
        ("demo:rep1", 1, 1, 1, 3, 1),
        ("demo:rep2", 1, 0, 0, 1, 1),
    )


def test_registry_slugs_and_labels() -> None:
    assert [spec.slug for spec in REPORTS] == [
        "scorecard",
        "daily-sales",
        "weekly-meeting",
        "monthly-marketing",
        "rep-scorecard",
        "sales-activity",
        "attribution",
    ]
    for spec in REPORTS:
        assert len({spec.labels.en, spec.labels.es, spec.labels.it}) >= 2, spec.slug
    with pytest.raises(Exception, match="unknown report 'nope'"):
        report_spec("nope")


@pytest.mark.parametrize("spec", REPORTS, ids=lambda spec: spec.slug)
def test_every_report_builds_in_every_language(june_context: ReportContext, spec: object) -> None:
    from funnelpact.reports.registry import ReportSpec

    assert isinstance(spec, ReportSpec)
    for language in ("en", "es", "it"):
        report = spec.build(june_context, language)
        assert report.tables, spec.slug
        assert report.period == "2026-06"
