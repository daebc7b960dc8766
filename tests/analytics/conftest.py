"""A small March 2026 in Madrid (Mon-Fri 09:00-18:00), every figure computed by hand in the tests.

Mar 2 2026 is a Monday; Madrid moves to summer time on Mar 29. Business hours below count
09:00-18:00 local on weekdays.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo.journeys import journey, team
from funnelpact.domain.records import Record

NOW = datetime(2026, 4, 15, tzinfo=UTC)
ZONE = "Europe/Madrid"


def march_records() -> list[Record]:
    return [
        *team("north", "rep1"),
        *team("south", "rep2"),
        # c1: MQL Mon 10:00, first call 2 business hours later, SQL a day later, won 1000.
        *journey(
            "c1",
            [
                ("2026-03-02 09:00", "lead"),
                ("2026-03-02 09:30", "owner", "rep1"),
                ("2026-03-02 10:00", "mql"),
                ("2026-03-02 12:00", "call", "rep1"),
                ("2026-03-02 15:00", "accepted", "rep1"),
                ("2026-03-03 10:00", "sql"),
                ("2026-03-04 10:00", "email", "rep1"),
                ("2026-03-04 10:00", "deal", "rep1", "1000"),
                ("2026-03-05 10:00", "meeting", "rep1"),
                ("2026-03-06 11:00", "auto_email", "rep1"),
                ("2026-03-20 10:00", "won"),
                ("2026-03-20 10:00", "customer"),
            ],
            source="web",
            stream="smb",
        ),
        # c2: MQL Thu 10:00, call Fri 17:00 (16 business hours), rejected as not_icp.
        *journey(
            "c2",
            [
                ("2026-03-05 09:00", "owner", "rep2"),
                ("2026-03-05 10:00", "mql"),
                ("2026-03-06 17:00", "call", "rep2"),
                ("2026-03-06 18:00", "rejected", "rep2", "not_icp"),
            ],
            source="ads",
            stream="enterprise",
        ),
        # c3: MQL Fri 17:00, call Mon 17:00 (9 business hours), SQL Tue 12:00, deal 500 lost.
        *journey(
            "c3",
            [
                ("2026-03-06 16:00", "owner", "rep1"),
                ("2026-03-06 17:00", "mql"),
                ("2026-03-09 17:00", "call", "rep1"),
                ("2026-03-09 18:00", "accepted", "rep1"),
                ("2026-03-10 09:00", "email", "rep1"),
                ("2026-03-10 12:00", "sql"),
                ("2026-03-11 10:00", "deal", "rep1", "500"),
                ("2026-03-25 10:00", "lost"),
            ],
            source="web",
            stream="smb",
        ),
        # c4: MQL Tue, never touched, no owner.
        *journey("c4", [("2026-03-10 10:00", "mql")], source="web", stream="smb"),
        # c5: an MQL of February (the previous period).
        *journey("c5", [("2026-02-25 10:00", "mql")], source="ads", stream="enterprise"),
        # c6: 00:30 on April 1 in Madrid is still March 31 in UTC: it belongs to April.
        *journey("c6", [("2026-04-01 00:30", "mql")], source="web", stream="smb"),
    ]


@pytest.fixture(scope="session")
def march_data() -> AnalyticsData:
    return from_records(march_records())


@pytest.fixture(scope="session")
def march(march_data: AnalyticsData) -> AnalyticsEngine:
    return AnalyticsEngine(march_data, now=NOW, timezone=ZONE)
