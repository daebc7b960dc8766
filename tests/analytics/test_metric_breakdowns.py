"""The campaign breakdown (alone and crossed with rep), on three hand-made hand-offs.

March 2026, Madrid. d1 (campaign spring, rep1) is MQL on Mon 2 March 10:00 and SQL the next day;
d2 (spring, rep2) is MQL on Wed 4 March and goes no further; d3 (autumn, rep1) is MQL on Thu
5 March 10:00 and SQL on Fri 6 March 10:00 (24 calendar hours, 9 business hours of 09-18).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.sources import from_records
from funnelpact.demo.journeys import journey, team

NOW = datetime(2026, 4, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def campaigns() -> AnalyticsEngine:
    records = [
        *team("north", "rep1"),
        *team("south", "rep2"),
        *journey(
            "d1",
            [
                ("2026-03-02 09:00", "lead"),
                ("2026-03-02 10:00", "mql"),
                ("2026-03-02 10:00", "owner", "rep1"),
                ("2026-03-02 11:00", "call", "rep1"),
                ("2026-03-03 10:00", "sql"),
            ],
            source="web",
            campaign="spring",
        ),
        *journey(
            "d2",
            [("2026-03-04 10:00", "mql"), ("2026-03-04 10:00", "owner", "rep2")],
            source="web",
            campaign="spring",
        ),
        *journey(
            "d3",
            [
                ("2026-03-05 10:00", "mql"),
                ("2026-03-05 10:00", "owner", "rep1"),
                ("2026-03-06 10:00", "sql"),
            ],
            source="ads",
            campaign="autumn",
        ),
    ]
    return AnalyticsEngine(from_records(records), now=NOW, timezone="Europe/Madrid")


def by(
    engine: AnalyticsEngine, metric: str, *keys: Breakdown, **params: object
) -> dict[tuple[str, ...], float | None]:
    query = MetricQuery(metric=metric, period="2026-03", by=keys, **params)  # type: ignore[arg-type]
    return {tuple(row.keys.values()): row.value for row in engine.run(query).rows}


def test_stage_counts_by_campaign(campaigns: AnalyticsEngine) -> None:
    assert by(campaigns, "stage_entered", Breakdown.CAMPAIGN) == {("autumn",): 1, ("spring",): 2}
    assert by(campaigns, "stage_entered", Breakdown.CAMPAIGN, stage="sql") == {
        ("autumn",): 1,
        ("spring",): 1,
    }


def test_conversion_by_campaign(campaigns: AnalyticsEngine) -> None:
    # spring: d1 of d1, d2 became SQL within 30 days; autumn: d3 of d3.
    assert by(campaigns, "cohort_conversion", Breakdown.CAMPAIGN) == {
        ("autumn",): 1.0,
        ("spring",): 0.5,
    }
    assert by(campaigns, "period_conversion", Breakdown.CAMPAIGN) == {
        ("autumn",): 1.0,
        ("spring",): 0.5,
    }


def test_lag_by_campaign_in_calendar_and_business_hours(campaigns: AnalyticsEngine) -> None:
    # d1: Mon 10:00 -> Tue 10:00; d3: Thu 10:00 -> Fri 10:00: both 24 hours.
    assert by(campaigns, "stage_lag_median_hours", Breakdown.CAMPAIGN) == {
        ("autumn",): 24.0,
        ("spring",): 24.0,
    }
    # 10:00-18:00 the first day (8) + 09:00-10:00 the next (1): 9 business hours each.
    assert by(campaigns, "stage_lag_median_business_hours", Breakdown.CAMPAIGN) == {
        ("autumn",): 9.0,
        ("spring",): 9.0,
    }


def test_rep_crossed_with_campaign(campaigns: AnalyticsEngine) -> None:
    assert by(campaigns, "stage_entered", Breakdown.REP, Breakdown.CAMPAIGN) == {
        ("demo:rep1", "autumn"): 1,
        ("demo:rep1", "spring"): 1,
        ("demo:rep2", "spring"): 1,
    }
    assert by(campaigns, "stage_entered", Breakdown.TEAM, Breakdown.CAMPAIGN) == {
        ("north", "autumn"): 1,
        ("north", "spring"): 1,
        ("south", "spring"): 1,
    }
