"""One definition, every backend: the full scorecard on DuckDB, PostgreSQL and Spark (local)
from the same data must give identical figures (percentiles included: each backend's exact
interpolated percentile, chosen by Ibis's compiler for that backend)."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from typing import Any

import pytest

from funnelpact.analytics.engine import AnalyticsEngine, scorecard
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo.generator import generate
from funnelpact.demo.scenario import default_scenario

from .conftest import march_records

NOW = datetime(2026, 4, 15, tzinfo=UTC)
BREAKDOWNS = (
    (Breakdown.PERIOD, Breakdown.SOURCE),
    (Breakdown.PERIOD, Breakdown.REP),
    (Breakdown.TEAM, Breakdown.STREAM, Breakdown.CAMPAIGN),
)


@pytest.fixture(scope="module")
def shared_data() -> AnalyticsData:
    records = [*generate(default_scenario(), 11, contacts=400), *march_records()]
    return from_records(records)


def figures(data: AnalyticsData, url: str) -> dict[str, Any]:
    engine = AnalyticsEngine(data, now=NOW, timezone="Europe/Madrid", url=url)
    return scorecard(engine, "2025-10-01..2026-03-31", BREAKDOWNS)


@pytest.fixture(scope="module")
def duckdb_figures(shared_data: AnalyticsData) -> dict[str, Any]:
    result = figures(shared_data, "duckdb://")
    # The comparison means something only if the data fills the scorecard.
    filled = [name for name, rows in result.items() if any(value for _, value, _ in rows)]
    assert len(filled) >= 0.9 * len(result)
    return result


def test_postgresql_gives_the_same_figures(
    shared_data: AnalyticsData, duckdb_figures: dict[str, Any], postgres_url: str
) -> None:
    assert figures(shared_data, postgres_url) == duckdb_figures


def test_spark_gives_the_same_figures(
    shared_data: AnalyticsData, duckdb_figures: dict[str, Any]
) -> None:
    if importlib.util.find_spec("pyspark") is None:
        pytest.fail("pyspark is a dev dependency: `uv sync` installs it")
    assert figures(shared_data, "spark://local") == duckdb_figures
