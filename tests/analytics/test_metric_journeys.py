"""Every metric of the registry on the hand-made March of conftest.py, figures worked by hand."""

from __future__ import annotations

import pytest

from funnelpact.analytics.engine import (
    ENGINE_ENV,
    AnalyticsEngine,
    AnalyticsError,
    MetricQuery,
    connect,
)
from funnelpact.analytics.metrics import REGISTRY, Breakdown
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.errors import InputError

from .conftest import NOW, ZONE


def total(
    engine: AnalyticsEngine, metric: str, period: str = "2026-03", **params: object
) -> float | None:
    return engine.run(MetricQuery(metric=metric, period=period, **params)).total()  # type: ignore[arg-type]


def by(
    engine: AnalyticsEngine,
    metric: str,
    *keys: Breakdown,
    period: str = "2026-03",
    **params: object,
) -> dict[tuple[str, ...], float | None]:
    result = engine.run(MetricQuery(metric=metric, period=period, by=keys, **params))  # type: ignore[arg-type]
    return {tuple(row.keys.values()): row.value for row in result.rows}


# Hand-computed figures: (metric, parameters, value). Comments give the arithmetic.
EXPECTED: list[tuple[str, dict[str, object], float | None]] = [
    ("contacts_created", {}, 4),  # c1, c2, c3, c4 (c5 is February, c6 April in Madrid)
    ("stage_entered", {}, 4),  # MQLs c1..c4
    ("stage_entered", {"stage": "sql"}, 2),  # c1 (Mar 3), c3 (Mar 10)
    ("stage_entered", {"stage": "customer"}, 1),  # c1
    ("cohort_conversion", {}, 0.5),  # of 4 March MQLs, c1 and c3 became SQL within 30 days
    ("cohort_conversion", {"within_days": 3}, 0.25),  # c3 took 3 days 19 hours
    ("period_conversion", {}, 0.5),  # 2 SQLs / 4 MQLs entered in March
    ("stage_lag_median_hours", {}, 57.5),  # c1 24 h, c3 91 h (Fri 17:00 -> Tue 12:00)
    ("stage_lag_p90_hours", {}, 84.3),  # 24 + 0.9 x (91 - 24)
    ("stage_lag_median_business_hours", {}, 11.0),  # c1 8+1 = 9, c3 1+9+3 = 13
    ("stage_lag_p90_business_hours", {}, 12.6),  # 9 + 0.9 x 4
    ("time_in_stage_median_hours", {}, 57.5),  # MQL left for SQL: 24 h, 91 h (c2, c4 still in)
    ("time_in_stage_p90_hours", {}, 84.3),
    ("time_in_stage_median_business_hours", {}, 11.0),
    ("time_in_stage_p90_business_hours", {}, 12.6),
    ("speed_to_lead_median_business_hours", {}, 9.0),  # c1 2, c3 9, c2 16 (Thu 8 + Fri 8)
    ("speed_to_lead_p90_business_hours", {}, 14.6),  # 9 + 0.8 x (16 - 9)
    ("speed_to_lead_within_sla", {}, 0.75),  # c1, c2, c3 within 24 bh; c4 never touched
    (
        "cadence_compliance",
        {},
        0.25,
    ),  # only c1 had 3 touches in 14 days (the auto e-mail is not one)
    ("acceptance_rate", {}, 2 / 3),  # c1, c3 accepted; c2 rejected; c4 undecided
    ("rejections_by_reason", {}, 1),  # c2 not_icp
    ("touches_per_sql", {}, 1.5),  # c1: the call; c3: the call and the e-mail before SQL
    ("sql_value", {}, 1500.0),  # deals of c1 (1000) and c3 (500)
    ("pipeline_created", {}, 1500.0),
    ("deals_created", {}, 2),
    ("won_revenue", {}, 1000.0),
    ("mql_to_customer_rate", {}, 0.25),  # c1 of 4
    ("win_rate", {}, 0.5),  # closed in March: c1 won, c3 lost
    ("average_deal_size", {}, 1000.0),
    ("sales_cycle_days", {}, 16.0),  # Mar 4 10:00 -> Mar 20 10:00
    ("sales_velocity", {}, 62.5),  # 2 deals x 0.5 x 1000 / 16 days
]


def test_every_metric_has_a_hand_computed_figure() -> None:
    assert {metric for metric, _, _ in EXPECTED} == set(REGISTRY)


@pytest.mark.parametrize(("metric", "params", "expected"), EXPECTED, ids=lambda v: str(v))
def test_march_figures(
    march: AnalyticsEngine, metric: str, params: dict[str, object], expected: float
) -> None:
    if metric == "rejections_by_reason":
        assert by(march, metric) == {("not_icp",): expected}
        return
    assert total(march, metric, **params) == pytest.approx(expected, abs=1e-9)


def test_stage_entered_by_source_rep_team_stream(march: AnalyticsEngine) -> None:
    assert by(march, "stage_entered", Breakdown.SOURCE) == {("ads",): 1, ("web",): 3}
    # The owner at the hand-off: rep1 for c1 and c3, rep2 for c2; c4 has none.
    assert by(march, "stage_entered", Breakdown.REP) == {
        ("",): 1,
        ("demo:rep1",): 2,
        ("demo:rep2",): 1,
    }
    assert by(march, "stage_entered", Breakdown.TEAM) == {("",): 1, ("north",): 2, ("south",): 1}
    assert by(march, "stage_entered", Breakdown.STREAM) == {("enterprise",): 1, ("smb",): 3}
    assert by(march, "cohort_conversion", Breakdown.SOURCE) == {
        ("ads",): 0.0,
        ("web",): pytest.approx(2 / 3),
    }


def test_period_breakdown_days_in_a_month_months_in_a_quarter(march: AnalyticsEngine) -> None:
    days = by(march, "stage_entered", Breakdown.PERIOD)
    assert days == {("2026-03-02",): 1, ("2026-03-05",): 1, ("2026-03-06",): 1, ("2026-03-10",): 1}
    months = by(march, "stage_entered", Breakdown.PERIOD, period="2026-Q1")
    assert months == {("2026-02",): 1, ("2026-03",): 4}


def test_periods_are_local_to_the_agreement_zone(march: AnalyticsEngine) -> None:
    # c6 became MQL at 00:30 on April 1 in Madrid (22:30 UTC on March 31).
    assert total(march, "stage_entered", period="2026-04") == 1
    assert total(march, "stage_entered", period="2026-03-31") == 0
    assert total(march, "stage_entered", period="2026-W14") == 1  # Mon Mar 30 .. Sun Apr 5


def test_comparison_with_the_previous_period(march: AnalyticsEngine) -> None:
    result = march.run(
        MetricQuery(
            metric="stage_entered", period="2026-03", by=(Breakdown.SOURCE,), compare_previous=True
        )
    )
    assert result.previous_period == "2026-02"
    assert {row.keys["source"]: (row.value, row.previous) for row in result.rows} == {
        "ads": (1, 1),
        "web": (3, None),
    }


def test_results_are_cached_by_data_version(march: AnalyticsEngine) -> None:
    query = MetricQuery(metric="win_rate", period="2026-03")
    first = march.run(query)
    assert march.run(query) is first
    assert first.data_version == march.data_version


def test_unknown_metric_stage_and_breakdown_are_input_errors(march: AnalyticsEngine) -> None:
    with pytest.raises(InputError, match="unknown metric 'nope'"):
        march.run(MetricQuery(metric="nope", period="2026-03"))
    with pytest.raises(InputError, match="'opp' is not a stage"):
        march.run(MetricQuery(metric="stage_entered", period="2026-03", stage="opp"))
    with pytest.raises(InputError, match="not understood"):
        march.run(MetricQuery(metric="stage_entered", period="March"))


def test_derived_metrics_by_source(march: AnalyticsEngine) -> None:
    # ads: 1 MQL (c2), no SQL -> 0; web: 2 SQLs of 3 MQLs.
    assert by(march, "period_conversion", Breakdown.SOURCE) == {
        ("ads",): 0.0,
        ("web",): pytest.approx(2 / 3),
    }
    # web: 2 deals x 1/2 won x 1000 / 16 days; ads has no deal.
    assert by(march, "sales_velocity", Breakdown.SOURCE) == {("web",): 62.5}


def test_run_many_gives_what_run_gives(march: AnalyticsEngine, march_data: AnalyticsData) -> None:
    fresh = AnalyticsEngine(march_data, now=NOW, timezone=ZONE)
    queries = [
        MetricQuery(metric=slug, period="2026-03", by=(Breakdown.PERIOD, Breakdown.SOURCE))
        for slug in REGISTRY
    ]
    together = fresh.run_many(queries)
    assert [r.rows for r in together] == [march.run(q).rows for q in queries]


def test_engine_url_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "mysql://somewhere")
    with pytest.raises(AnalyticsError, match="'mysql://somewhere' is not supported"):
        connect()
