"""Pacing: conftest's March MQLs against seed 000's plan, moved to 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.domain.planning import Plan, build_plan, load_plan_text

from .conftest import ZONE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan_2026() -> Plan:
    text = (ROOT / "examples" / "plan-seed-000.yaml").read_text(encoding="utf-8")
    spec, issues = load_plan_text(text.replace("start: 2025-01-01", "start: 2026-01-01"))
    assert spec is not None, issues
    return build_plan(spec)


def test_mid_march_pacing(march_data: AnalyticsData, plan_2026: Plan) -> None:
    # Midnight of March 16 in Madrid: 15 whole days of March are over.
    now = datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    engine = AnalyticsEngine(march_data, now=now, timezone=ZONE)
    pacing = engine.pacing(plan_2026, "mql", "2026-03")
    assert pacing.actual == 4  # c1..c4
    # March in Madrid lasts 31 days minus the hour lost on the 29th: 2,674,800 s; 15 days over.
    assert pacing.elapsed_share == pytest.approx(15 * 86400 / 2_674_800)
    assert pacing.forecast == pytest.approx(4 * 2_674_800 / (15 * 86400))  # 8.26
    whole = plan_2026.target_between("mql", date(2026, 3, 1), date(2026, 3, 31))
    so_far = plan_2026.target_between("mql", date(2026, 3, 1), date(2026, 3, 15))
    assert (pacing.expected, pacing.low, pacing.high) == (whole.expected, whole.low, whole.high)
    assert pacing.expected_to_date == so_far.expected
    # Seed 000: 800 MQLs a year, about 33 by mid-March, band +-10%: 4 is far below.
    assert Decimal(25) < so_far.low < so_far.expected < so_far.high < Decimal(40)
    assert pacing.status == "below"


def test_pacing_after_the_period_uses_the_whole_target(
    march: AnalyticsEngine, plan_2026: Plan
) -> None:
    pacing = march.pacing(plan_2026, "mql", "2026-03")
    assert pacing.elapsed_share == 1.0
    assert pacing.forecast == 4.0
    assert pacing.expected_to_date == pacing.expected
