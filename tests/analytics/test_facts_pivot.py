"""The contact facts computed on the stage pivot, joined to the contacts once: contacts
without a stage change, or with a later stage but no hand-off, get the same columns as a
contact-first computation (no owner change, touch or decision counted; rep = their owner;
their deals still counted); and the engine's shared aggregates (hand-off = MQL entry)."""

from __future__ import annotations

from typing import Any

from funnelpact.analytics import engine as engine_module
from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.sources import from_records
from funnelpact.demo.journeys import journey, team

from .conftest import NOW, ZONE, march_records


def _engine() -> AnalyticsEngine:
    records = [
        *march_records(),
        *team("west", "rep3"),
        # c7: owned and touched, a deal, but no stage change at all.
        *journey(
            "c7",
            [
                ("2026-03-03 09:00", "owner", "rep3"),
                ("2026-03-03 11:00", "call", "rep3"),
                ("2026-03-04 10:00", "deal", "rep3", "700"),
            ],
            source="events",
            stream="smb",
        ),
        # c8: an SQL entry without an MQL entry (imported mid-funnel), touched after it.
        *journey(
            "c8",
            [
                ("2026-03-11 09:00", "owner", "rep3"),
                ("2026-03-11 10:00", "sql"),
                ("2026-03-11 12:00", "email", "rep3"),
            ],
            source="events",
            stream="smb",
        ),
    ]
    return AnalyticsEngine(from_records(records), now=NOW, timezone=ZONE)


def _facts_row(engine: AnalyticsEngine, contact: str) -> dict[str, Any]:
    contacts = engine.facts.contacts
    rows: list[dict[str, Any]] = engine.con.to_pyarrow(contacts).to_pylist()
    ids = {row["contact_id"]: row for row in rows}
    matches = [row for key, row in ids.items() if key.endswith(contact)]
    assert len(matches) == 1, sorted(ids)
    return matches[0]


def test_contacts_without_a_hand_off_have_no_touch_facts_but_keep_owner_and_deals() -> None:
    engine = _engine()
    c7 = _facts_row(engine, "c7")
    assert c7["mql_at"] is None and c7["sql_at"] is None and c7["handoff_at"] is None
    assert c7["rep"].endswith("rep3") and c7["team"] == "west"
    assert c7["first_touch_at"] is None and c7["first_touch_b"] is None
    assert (c7["touches_after_handoff"], c7["touches_before_sql"], c7["cadence_touches"]) == (
        0,
        0,
        0,
    )
    assert c7["accepted_at"] is None and c7["rejected_at"] is None
    assert c7["deals"] == 1 and c7["pipeline"] == 700.0
    assert c7["mql_b"] is None and c7["handoff_b"] is None

    c8 = _facts_row(engine, "c8")
    assert c8["mql_at"] is None and c8["handoff_at"] is None
    assert c8["sql_at"] is not None and c8["sql_b"] is not None
    assert c8["rep"].endswith("rep3")  # no hand-off: the contact's owner
    assert c8["first_touch_at"] is None and c8["cadence_touches"] == 0
    assert c8["deals"] == 0 and c8["pipeline"] == 0.0


def test_pruned_facts_equal_the_full_facts_columns() -> None:
    full = _engine()
    pruned = _engine()
    queries = [
        MetricQuery(metric=slug, period="2026-03", by=(Breakdown.PERIOD, by))
        for by in (Breakdown.SOURCE, Breakdown.REP)
        for slug in (
            "contacts_created",
            "stage_entered",
            "cohort_conversion",
            "stage_lag_median_hours",
            "speed_to_lead_median_business_hours",
            "speed_to_lead_within_sla",
            "cadence_compliance",
        )
    ]
    _ = full.facts  # every column, every join
    assert [r.rows for r in pruned.run_many(queries)] == [r.rows for r in full.run_many(queries)]
    assert pruned._partial is not None and full._partial is None


def test_metrics_dated_by_the_hand_off_and_by_the_mql_entry_share_one_aggregate() -> None:
    engine = _engine()
    slugs = ("stage_entered", "cohort_conversion", "speed_to_lead_within_sla")
    queries = [
        MetricQuery(metric=slug, period="2026-03", by=(Breakdown.PERIOD, Breakdown.SOURCE))
        for slug in slugs
    ]
    together = engine.run_many(queries)
    batches = [
        key[-1]
        for key in engine_module._PLANS
        if key[0] == "batch" and key[1] == id(engine.con) and set(key[-1]) == set(slugs)
    ]
    assert len(batches) == 1  # one scan and group-by for the three
    alone = _engine()
    assert [r.rows for r in together] == [alone.run(q).rows for q in queries]
