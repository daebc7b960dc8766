"""The store fed to the engine: the same figures as from records; refreshes read only new rows."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.store_feed import StoreFeed
from funnelpact.cli.main import app
from funnelpact.demo.journeys import journey
from funnelpact.server.tracking.services import store_records

from .conftest import NOW, ZONE, march_records

pytestmark = pytest.mark.django_db


def test_store_figures_equal_the_records_and_refresh_is_incremental() -> None:
    store_records(march_records())
    feed = StoreFeed()
    engine = AnalyticsEngine(feed.refresh(), now=NOW, timezone=ZONE)
    first_version = engine.data_version
    assert feed.last_read["touches"] == 7  # every touch of conftest's March
    # Hand-computed in test_metric_journeys: 4 March MQLs, half became SQL in 30 days.
    assert engine.run(MetricQuery(metric="stage_entered", period="2026-03")).total() == 4
    assert engine.run(MetricQuery(metric="cohort_conversion", period="2026-03")).total() == 0.5
    assert engine.run(MetricQuery(metric="win_rate", period="2026-03")).total() == 0.5

    # Nothing new: nothing appended, same version (the cache answers).
    engine.load(feed.refresh())
    assert feed.last_read["touches"] == 0
    assert engine.data_version == first_version

    # One more MQL, touched once: only its rows are read.
    store_records(
        journey(
            "c7",
            [("2026-03-12 10:00", "mql"), ("2026-03-12 11:00", "call", "rep1")],
            source="web",
        )
    )
    engine.load(feed.refresh())
    assert feed.last_read["touches"] == 1
    assert feed.last_read["stage_changes"] == 1
    assert engine.data_version != first_version
    assert engine.run(MetricQuery(metric="stage_entered", period="2026-03")).total() == 5
    assert engine.run(MetricQuery(metric="cohort_conversion", period="2026-03")).total() == 0.4


def test_metrics_show_reads_the_store_without_data() -> None:
    store_records(march_records())
    args = ["metrics", "show", "stage_entered", "--period", "2026-03", "--by", "source"]
    result = CliRunner().invoke(app, [*args, "--timezone", ZONE, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["keys"]["source"]: row["value"] for row in json.loads(result.output)["rows"]}
    assert rows == {"ads": 1, "web": 3}  # conftest: c2; c1, c3, c4
