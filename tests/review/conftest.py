"""Demo data (seeded, Jan 2025 - Mar 2026) and the example agreement, for the review tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo import default_scenario, generate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agreement-seed-000.yaml"


@pytest.fixture(scope="session")
def demo_data() -> AnalyticsData:
    return from_records(generate(default_scenario(), 7, contacts=3000))


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory, demo_data: AnalyticsData) -> Path:
    directory = tmp_path_factory.mktemp("demo-export")
    for name, table in demo_data.tables.items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory
