"""Property: events sent through the API in any order, repeated, in any batches, give the store
the same final state as the same events sent once, in order, in one batch.

(Each example runs twice inside savepoints rolled back afterwards, and compares a dump of every
table by meaning.) Contacts have distinct emails here: when two ids of one person arrive after
facts that made placeholders for them, the store leaves the pair for review rather than merge it
(see docs/api.md), which is order-dependent by design.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from api_testkit import (
    T0,
    Api,
    contact,
    deal,
    deal_stage,
    decision,
    hours,
    owner,
    stage,
    store_dump,
    touch,
)
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db


def item(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, **body}


STREAM: list[dict[str, Any]] = [
    item("contact", contact(id="c1a", ref="hubspot:1", email="ann@acme.com", updated=T0,
                            lifecycle_stage="lead", owner="hubspot:o1")),
    item("contact", contact(id="c1b", ref="hubspot:1", email="ann@acme.com",
                            updated=T0 + hours(5), lifecycle_stage="mql", first_name="Ann")),
    item("contact", contact(id="c2", ref="hubspot:2", email="bo@beta.io", updated=T0,
                            at=T0 + hours(1))),
    item("contact", contact(id="c3", ref="lead-3", email="cy@gamma.io", stream="enterprise")),
    item("stage_change", stage(id="s1", contact="hubspot:1", stage="lead", at=T0)),
    item("stage_change", stage(id="s2", contact="hubspot:1", stage="mql", at=T0 + hours(5))),
    item("stage_change", stage(id="s3", contact="hubspot:2", stage="mql", at=T0 + hours(2))),
    item("stage_change", stage(id="s4", contact="lead-3", stage="sql", at=T0 + hours(30))),
    item("owner_change", owner(id="o1", contact="hubspot:1", owner="hubspot:o1", at=T0)),
    item("owner_change", owner(id="o2", contact="hubspot:2", owner="hubspot:o2",
                               at=T0 + hours(3))),
    item("touch", touch(id="t1", contact="hubspot:1", at=T0 + hours(6), rep="hubspot:o1",
                        subject="intro")),
    item("touch", touch(id="t2", contact="lead-3", type="email", at=T0 + hours(1),
                        direction="inbound")),
    item("decision", decision(id="h1", contact="hubspot:1", decision="accepted",
                              at=T0 + hours(7), decided_by="hubspot:o1")),
    item("decision", decision(id="h2", contact="hubspot:2", decision="rejected",
                              at=T0 + hours(8), reason="no_budget")),
    item("deal", deal(id="d1", ref="hubspot:d1", amount="1200.5", at=T0 + hours(9),
                      name="Pilot", stage="won", won=True, closed_at="2025-03-05T10:00:00Z")),
    item("deal_stage_change", deal_stage(id="ds1", deal="hubspot:d1", stage="proposal",
                                         at=T0 + hours(10))),
    item("deal_stage_change", deal_stage(id="ds2", deal="hubspot:d1", stage="won",
                                         at=T0 + hours(30))),
    # Deals naming contacts: one described later in the stream, one never described (its
    # placeholder holds the earliest instant of what names it, in whatever order it came).
    item("deal", deal(id="d2", ref="hubspot:d2", amount="300", at=T0 + hours(4),
                      contact="hubspot:2", owner="hubspot:o2", stage="proposal")),
    item("deal", deal(id="d3", ref="hubspot:d3", amount="50", at=T0 + hours(12),
                      contact="hubspot:9")),
    item("touch", touch(id="t3", contact="hubspot:9", at=T0 + hours(11))),
    item("stage_change", stage(id="s5", contact="hubspot:9", stage="lead", at=T0 + hours(13))),
    # A fact older than its contact's own creation: the contact's created_at is its record's.
    item("stage_change", stage(id="s6", contact="hubspot:2", stage="lead", at=T0)),
    # Stage changes of a deal nothing describes: a placeholder deal from its earliest change.
    item("deal_stage_change", deal_stage(id="ds3", deal="hubspot:d4", stage="demo",
                                         at=T0 + hours(20))),
    item("deal_stage_change", deal_stage(id="ds4", deal="hubspot:d4", stage="proposal",
                                         at=T0 + hours(22))),
    item("deal_stage_change", deal_stage(id="ds5", deal="hubspot:d2", stage="won",
                                         at=T0 + hours(40))),
]  # fmt: skip


def _send_in_savepoint(api: Api, batches: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    savepoint = transaction.savepoint()
    try:
        for batch in batches:
            answer = api.post("/events/batch", {"items": list(batch)})
            assert answer.status_code == 200, answer.content
        return store_dump()
    finally:
        transaction.savepoint_rollback(savepoint)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_order_with_repeats_in_any_batches_gives_the_same_store(
    api: Api, data: st.DataObject
) -> None:
    repeats = data.draw(st.lists(st.sampled_from(STREAM), max_size=len(STREAM)))
    shuffled = data.draw(st.permutations([*STREAM, *repeats]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=5)))
    bounds = [0, *cuts, len(shuffled)]
    batches = [shuffled[a:b] for a, b in itertools.pairwise(bounds) if b > a]

    expected = _send_in_savepoint(api, [STREAM])
    assert _send_in_savepoint(api, batches) == expected


def test_the_in_order_store_holds_what_the_stream_says(api: Api) -> None:
    dump = _send_in_savepoint(api, [STREAM])
    (ann,) = [row for row in dump["contact"] if row[0] == "hubspot:1"]
    assert ann[1:4] == ("ann@acme.com", "Ann", "")  # the newest version's fields
    assert ann[11] == "mql"
    assert len(dump["stage_change"]) == 6 and len(dump["touch"]) == 3
    assert len(dump["ingested_event"]) == len(STREAM)
    deals = {row[0]: row for row in dump["deal"]}
    pilot = deals["hubspot:d1"]
    assert pilot[4] == "Pilot" and pilot[9] is True
    assert deals["hubspot:d2"][6] == "hubspot:2" and deals["hubspot:d2"][7] == "hubspot:o2"
    assert deals["hubspot:d3"][6] == "hubspot:9"
    placeholder_deal = deals["hubspot:d4"]
    assert placeholder_deal[1] == T0 + hours(20) and placeholder_deal[2] == 0
    contacts = {row[0]: row for row in dump["contact"]}
    assert contacts["hubspot:2"][5] == T0 + hours(1)  # its record's, not the older fact's
    assert contacts["hubspot:2"][13] is False
    assert contacts["hubspot:9"][5] == T0 + hours(11)  # a placeholder: its earliest fact
    assert contacts["hubspot:9"][13] is True


def test_a_deal_naming_an_unknown_contact_is_stored_with_a_placeholder(api: Api) -> None:
    answer = api.post(
        "/deals",
        deal(id="lone", ref="hubspot:d77", amount="10", at=T0, contact="hubspot:404"),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["store"]["contact"]["placeholders"] == 1
    later = api.post(
        "/contacts",
        contact(id="c404", ref="hubspot:404", at=T0 + hours(2), email="late@acme.com"),
    )
    assert later.status_code == 200, later.content
    dump = store_dump()
    ((person, email, *_rest),) = dump["contact"]
    assert (person, email) == ("hubspot:404", "late@acme.com")
    assert dump["contact"][0][5] == T0 + hours(2) and dump["contact"][0][13] is False
    assert dump["deal"][0][6] == "hubspot:404"


def test_an_instant_out_of_range_in_utc_is_a_422_naming_the_field(api: Api) -> None:
    answer = api.post(
        "/touches",
        {"id": "old", "contact": "lead-1", "type": "email",
         "occurred_at": "0001-01-01T00:00:00+01:00"},
    )  # fmt: skip
    assert answer.status_code == 422, answer.content
    (problem,) = answer.json()["problems"]
    assert problem["field"] == "occurred_at" and problem["item"] is None  # a single event
    assert "out of range in UTC" in problem["message"]
    assert store_dump()["touch"] == []
