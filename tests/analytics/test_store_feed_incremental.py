"""Incremental refresh: the facts updated in place equal the facts rebuilt from scratch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery, scorecard
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.store_feed import StoreFeed
from funnelpact.demo.journeys import journey
from funnelpact.domain.records import Direction, Ref, System, Touch, TouchType
from funnelpact.server.tracking.services import merge_contacts, store_records

from .conftest import NOW, ZONE, march_records

pytestmark = pytest.mark.django_db


def _mixed_changes() -> None:
    """New contact, new touch of an old one, an old contact updated (owner, source, touch,
    decision), and a deal closed as won instead of lost."""
    store_records(
        [
            *journey(
                "c8",
                [
                    ("2026-03-16 10:00", "owner", "rep1"),
                    ("2026-03-16 10:30", "mql"),
                    ("2026-03-16 12:00", "call", "rep1"),
                    ("2026-03-17 12:00", "rejected", "rep1", "not_icp"),
                ],
                source="events",
                stream="smb",
            ),
            Touch(
                ref=Ref(System.DEMO, "c1-t99"),
                contact=Ref(System.DEMO, "c1"),
                type=TouchType.CALL,
                occurred_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
                direction=Direction.OUTBOUND,
                rep=Ref(System.DEMO, "rep1"),
            ),
            *journey(
                "c4",
                [
                    ("2026-03-10 09:00", "owner", "rep2"),
                    ("2026-03-10 10:00", "mql"),
                    ("2026-03-10 11:00", "call", "rep2"),
                    ("2026-03-10 12:00", "accepted", "rep2"),
                ],
                source="ads",
                stream="smb",
            ),
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
                    ("2026-03-25 10:00", "won"),
                    ("2026-03-25 10:00", "customer"),
                ],
                source="web",
                stream="smb",
            ),
        ]
    )


def _store_ids() -> dict[str, str]:
    from funnelpact.server.tracking.models import ContactIdentity

    return {
        identity.external_id: str(identity.contact_id)
        for identity in ContactIdentity.objects.filter(system="demo")
    }


def _rows(engine: AnalyticsEngine, table: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = engine.con.to_pyarrow(table).to_pylist()
    return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))


def _dashboard_figures(engine: AnalyticsEngine) -> list[Any]:
    queries = [
        MetricQuery(metric=slug, period="2026-03", by=by, where=where)
        for slug in ("stage_entered", "speed_to_lead_within_sla", "acceptance_rate")
        for by in ((), (Breakdown.REP,), (Breakdown.SOURCE,))
        for where in ((), ((Breakdown.TEAM, "north"),))
    ]
    queries.append(MetricQuery(metric="rejections_by_reason", period="2026-03"))
    queries.append(
        MetricQuery(
            metric="speed_to_lead_median_business_hours", period="2026-03", buckets=(1, 4, 24)
        )
    )
    return [result.rows for result in engine.run_many(queries)]


def test_incremental_refresh_equals_a_full_rebuild_after_mixed_changes() -> None:
    store_records(march_records())
    feed = StoreFeed()
    first = feed.refresh()
    # One engine with the full facts (all columns), one with the scorecard's pruned facts.
    whole = AnalyticsEngine(first, now=NOW, timezone=ZONE, incremental=True)
    pruned = AnalyticsEngine(first, now=NOW, timezone=ZONE, incremental=True)
    before = _rows(whole, whole.facts.contacts)
    scorecard(pruned, "2026-03")
    _dashboard_figures(whole)

    _mixed_changes()
    data = feed.refresh()
    change = feed.last_change
    assert change is not None and not change.full
    ids = _store_ids()
    assert change.touched() == {ids[name] for name in ("c1", "c3", "c4", "c8")}
    assert feed.last_read["touches"] == 3  # c8's, c4's and c1's new calls: nothing re-read
    assert whole.refresh(data, change) == "incremental"
    assert pruned.refresh(data, change) == "incremental"
    assert whole.data_version == data.version

    rebuilt = AnalyticsEngine(data, now=NOW, timezone=ZONE, incremental=True)
    after = _rows(whole, whole.facts.contacts)
    assert after != before  # the change did move the facts
    assert after == _rows(rebuilt, rebuilt.facts.contacts)
    assert _rows(whole, whole.facts.deals) == _rows(rebuilt, rebuilt.facts.deals)
    assert _rows(whole, whole.facts.rejections) == _rows(rebuilt, rebuilt.facts.rejections)
    assert _dashboard_figures(whole) == _dashboard_figures(rebuilt)
    assert scorecard(pruned, "2026-03") == scorecard(rebuilt, "2026-03")
    # The figures moved as the changes say: c8 and c4 are new March hand-off facts.
    mqls = whole.run(MetricQuery(metric="stage_entered", period="2026-03")).total()
    assert mqls == 5  # c1-c4 and c8


def test_a_merge_is_seen_and_read_in_full() -> None:
    store_records(march_records())
    feed = StoreFeed()
    engine = AnalyticsEngine(feed.refresh(), now=NOW, timezone=ZONE, incremental=True)
    engine.facts  # noqa: B018 - built, so that the refresh has facts to update
    ids = _store_ids()
    merge_contacts(int(ids["c1"]), int(ids["c4"]))
    data = feed.refresh()
    assert feed.last_change is not None and feed.last_change.full
    assert engine.refresh(data, feed.last_change) == "full"
    rebuilt = AnalyticsEngine(data, now=NOW, timezone=ZONE)
    assert _rows(engine, engine.facts.contacts) == _rows(rebuilt, rebuilt.facts.contacts)
    assert engine.run(MetricQuery(metric="stage_entered", period="2026-03")).total() == 3


def test_moving_now_drops_cached_results() -> None:
    store_records(march_records())
    engine = AnalyticsEngine(StoreFeed().refresh(), now=NOW, timezone=ZONE, incremental=True)
    query = MetricQuery(metric="speed_to_lead_within_sla", period="2026-03")
    engine.run(query)
    assert engine.cached_queries == 1
    engine.set_now(datetime(2026, 4, 16, tzinfo=UTC))
    assert engine.cached_queries == 0
    assert engine.run(query).rows == engine.run(query).rows
