"""Every report, attribution included, gives the same figures on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo.generator import generate
from funnelpact.demo.scenario import default_scenario
from funnelpact.reports.context import ReportContext
from funnelpact.reports.registry import REPORTS
from funnelpact.reports.render import report_json

from .conftest import june_records

NOW = datetime(2026, 7, 15, tzinfo=UTC)
PERIOD = "2025-10-01..2026-03-31"


@pytest.fixture(scope="module")
def shared_data() -> AnalyticsData:
    return from_records([*generate(default_scenario(), 11, contacts=400), *june_records()])


def every_report(data: AnalyticsData, url: str) -> dict[str, Any]:
    engine = AnalyticsEngine(data, now=NOW, timezone="Europe/Madrid", url=url)
    context = ReportContext(engine, PERIOD, NOW)
    figures = {}
    for spec in REPORTS:
        document = report_json(spec.build(context, "en"), "en")
        figures[spec.slug] = [(table["key"], table["rows"]) for table in document["tables"]]
    return figures


def _rounded(value: Any) -> Any:
    # Sums of float weights may differ in the last bits between engines (summation order).
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


def test_postgresql_gives_the_same_reports(shared_data: AnalyticsData, postgres_url: str) -> None:
    duckdb = every_report(shared_data, "duckdb://")
    filled = sum(bool(rows) for tables in duckdb.values() for _, rows in tables)
    assert filled >= 15  # the comparison means something only if the reports have rows
    assert _rounded(every_report(shared_data, postgres_url)) == _rounded(duckdb)


def test_attribution_on_spark_gives_the_hand_computed_credit() -> None:
    # PySpark in local mode: the same Ibis expressions as on DuckDB (window functions, union).
    from funnelpact.analytics.attribution import Conversion, Dimension, Model, attribute

    engine = AnalyticsEngine(
        from_records(june_records()), now=NOW, timezone="Europe/Madrid", url="spark://local"
    )
    result = attribute(
        engine,
        conversion=Conversion.CUSTOMER,
        model=Model.W_SHAPED,
        by=Dimension.CAMPAIGN,
        period="2026-06",
    )
    credit = {row.key: row.credit for row in result.rows}
    # tests/reports/test_attribution.py: 0.3 + 0.1/3, 0.3, 0.1/3 + 0.1/3 + 0.3.
    assert credit == pytest.approx({"spring": 0.3 + 0.1 / 3, "webinar": 0.3, "": 0.3 + 0.2 / 3})
