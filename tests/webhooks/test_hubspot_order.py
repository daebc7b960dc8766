"""Property: HubSpot's at-least-once, unordered deliveries give one store whatever the order.

A stream of HubSpot events (creations, lifecycle and owner changes, deal creations and stage
changes, events that are skipped) is delivered in any order, with any events repeated, split
into any deliveries; the store ends as when the stream is delivered once, in order. (Merges are
left out: merging two contacts before or after a fact names one of them is tested by example.)
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_testkit import CLIENT_SECRET, OCCURRED, hubspot_event, lifecycle, post_hubspot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from api_testkit import store_dump

pytestmark = pytest.mark.django_db


def owner(event_id: int, contact: int, owner_id: str, offset_s: int) -> dict[str, Any]:
    return hubspot_event(
        event_id,
        objectId=contact,
        propertyName="hubspot_owner_id",
        propertyValue=owner_id,
        occurredAt=OCCURRED + offset_s * 1000,
    )


def deal(event_id: int, deal_id: int, stage: str | None, offset_s: int) -> dict[str, Any]:
    if stage is None:
        return hubspot_event(
            event_id,
            subscriptionType="deal.creation",
            objectId=deal_id,
            occurredAt=OCCURRED + offset_s * 1000,
        )
    return hubspot_event(
        event_id,
        subscriptionType="deal.propertyChange",
        objectId=deal_id,
        propertyName="dealstage",
        propertyValue=stage,
        occurredAt=OCCURRED + offset_s * 1000,
    )


STREAM = [
    hubspot_event(1, subscriptionType="contact.creation", objectId=601),
    lifecycle(2, "lead", object_id=601),
    lifecycle(3, "marketingqualifiedlead", object_id=601, offset_s=60),
    owner(4, 601, "41629779", 30),
    owner(5, 601, "52744136", 90),
    lifecycle(6, "salesqualifiedlead", object_id=602, offset_s=10),
    hubspot_event(7, subscriptionType="contact.creation", objectId=602, occurredAt=OCCURRED - 5000),
    deal(8, 900, None, 10),
    deal(9, 900, "appointmentscheduled", 20),
    deal(10, 900, "closedwon", 40),
    deal(11, 901, "qualifiedtobuy", 50),
    hubspot_event(12, objectId=601, propertyName="email", propertyValue="x@y.z"),
    hubspot_event(13, subscriptionType="contact.deletion", objectId=603),
]


@pytest.fixture
def secret(db: None) -> None:
    from funnelpact.server.accounts.services import set_webhook_secret

    set_webhook_secret("hubspot", CLIENT_SECRET, now=timezone.now())


def _deliver(deliveries: list[list[dict[str, Any]]]) -> dict[str, Any]:
    savepoint = transaction.savepoint()
    try:
        client = Client()
        for delivery in deliveries:
            answer = post_hubspot(client, delivery)
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
def test_any_order_repeats_and_split_give_the_same_store(secret: None, data: st.DataObject) -> None:
    repeats = data.draw(st.lists(st.sampled_from(STREAM), max_size=6))
    shuffled = data.draw(st.permutations([*STREAM, *[{**e, "attemptNumber": 1} for e in repeats]]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=4)))
    bounds = [0, *cuts, len(shuffled)]
    deliveries = [shuffled[a:b] for a, b in itertools.pairwise(bounds) if b > a]

    assert _deliver(deliveries) == _deliver([STREAM])


def test_the_in_order_store_holds_what_the_stream_says(secret: None) -> None:
    dump = _deliver([STREAM])
    assert len(dump["contact"]) == 2
    assert all(row[-1] is False for row in dump["contact"])  # creations replaced placeholders
    assert sorted(row[1] for row in dump["stage_change"]) == ["lead", "mql", "sql"]
    assert len(dump["owner_change"]) == 2
    assert [row[0] for row in dump["deal"]] == ["hubspot:900", "hubspot:901"]
    assert len(dump["deal_stage_change"]) == 3
    assert len(dump["ingested_event"]) == 11  # the two skipped events are not recorded
