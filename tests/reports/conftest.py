"""A small June 2026 in Madrid (Mon-Fri 09:00-18:00), every figure computed by hand in the tests.

Jun 8 2026 is a Monday. a1 converts all the way (with touches of two campaigns), a2 is
rejected, a3 is handed off on a Friday evening and never touched.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo.journeys import journey, team
from funnelpact.domain.records import Record, Touch, TouchType
from funnelpact.reports.context import ReportContext

NOW = datetime(2026, 7, 15, tzinfo=UTC)
ZONE = "Europe/Madrid"


def june_records() -> list[Record]:
    a1 = journey(
        "a1",
        [
            ("2026-06-08 09:00", "lead"),
            ("2026-06-08 10:00", "page_view", "", "pricing"),
            ("2026-06-09 10:00", "form_submission", "", "ebook"),
            ("2026-06-09 10:00", "mql"),
            ("2026-06-09 10:00", "owner", "rep1"),
            ("2026-06-09 11:00", "call", "rep1"),
            ("2026-06-09 12:00", "accepted", "rep1"),
            ("2026-06-10 10:00", "email", "rep1"),
            ("2026-06-11 10:00", "meeting", "rep1"),
            ("2026-06-11 11:00", "sql"),
            ("2026-06-11 12:00", "deal", "rep1", "2000"),
            ("2026-06-12 10:00", "won"),
            ("2026-06-12 10:00", "customer"),
        ],
        source="web",
        campaign="spring",
    )
    # The form came from another campaign than the one that created the contact.
    a1 = [
        replace(r, campaign="webinar")
        if isinstance(r, Touch) and r.type is TouchType.FORM_SUBMISSION
        else r
        for r in a1
    ]
    a2 = journey(
        "a2",
        [
            ("2026-06-08 12:00", "lead"),
            ("2026-06-08 12:00", "page_view", "", "pricing"),
            ("2026-06-10 09:00", "mql"),
            ("2026-06-10 09:00", "owner", "rep2"),
            ("2026-06-11 15:00", "call", "rep2"),
            ("2026-06-11 16:00", "rejected", "rep2", "not_icp"),
        ],
        source="ads",
        campaign="retarget",
    )
    a3 = journey(
        "a3",
        [("2026-06-12 17:00", "mql"), ("2026-06-12 17:00", "owner", "rep1")],
        source="web",
        campaign="spring",
    )
    return [*team("north", "rep1"), *team("south", "rep2"), *a1, *a2, *a3]


@pytest.fixture(scope="session")
def june_data() -> AnalyticsData:
    return from_records(june_records())


@pytest.fixture(scope="session")
def june(june_data: AnalyticsData) -> AnalyticsEngine:
    return AnalyticsEngine(june_data, now=NOW, timezone=ZONE)


@pytest.fixture(scope="session")
def june_context(june: AnalyticsEngine) -> ReportContext:
    return ReportContext(june, "2026-06", NOW)


@pytest.fixture(scope="session")
def june_export(tmp_path_factory: pytest.TempPathFactory, june_data: AnalyticsData) -> Path:
    directory = tmp_path_factory.mktemp("june-export")
    for name, table in june_data.tables.items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory
