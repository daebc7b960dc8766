"""The webhook endpoints through Django's test client on the real store.

HubSpot: signed deliveries are stored (stage and owner changes, creations, merges), repeated and
reordered ones change nothing more, unsigned or stale ones are 401, logged, and store nothing.
Generic: the same, with a source's secret and the API's batch shape.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from webhook_testkit import (
    CLIENT_SECRET,
    OCCURRED,
    ZAPIER_SECRET,
    hubspot_event,
    lifecycle,
    post_hubspot,
    post_signed,
)

from funnelpact.ingest.hubspot.webhooks import signature_v3
from funnelpact.server.tracking import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def secrets(db: None) -> None:
    from funnelpact.server.accounts.services import set_webhook_secret

    set_webhook_secret("hubspot", CLIENT_SECRET, now=timezone.now())
    set_webhook_secret("zapier", ZAPIER_SECRET, now=timezone.now())


# -- HubSpot -------------------------------------------------------------------------------------


def test_a_signed_delivery_stores_stage_and_owner_changes(secrets: None) -> None:
    answer = post_hubspot(
        Client(),
        [
            lifecycle(1, "lead"),
            lifecycle(2, "marketingqualifiedlead", offset_s=60),
            hubspot_event(
                3, propertyName="hubspot_owner_id", propertyValue="41629779", occurredAt=OCCURRED
            ),
            hubspot_event(4, propertyName="email", propertyValue="x@y.z"),
        ],
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "received": 4,
        "applied": 3,
        "duplicates": 0,
        "merged": 0,
        "skipped": {"contact property 'email' not read": 1},
    }
    stages = models.StageChange.objects.order_by("entered_at")
    assert [(s.stage, s.change_source) for s in stages] == [
        ("lead", "webhook:hubspot"),
        ("mql", "webhook:hubspot"),
    ]
    assignment = models.OwnerChange.objects.get()
    assert (assignment.owner.system, assignment.owner.external_id) == ("hubspot", "41629779")
    person = models.Contact.objects.get()
    assert person.placeholder is True  # known only by its id until a record describes it
    ledger = set(models.IngestedEvent.objects.values_list("event_id", flat=True))
    assert ledger == {"hubspot:1", "hubspot:2", "hubspot:3"}


def test_retries_and_reordered_deliveries_change_nothing_more(secrets: None) -> None:
    client = Client()
    events = [lifecycle(i, v, offset_s=i) for i, v in enumerate(["lead", "salesqualifiedlead"])]
    post_hubspot(client, events)
    before = list(models.StageChange.objects.values_list("stage", "entered_at"))
    retry = post_hubspot(client, [{**e, "attemptNumber": 1} for e in reversed(events)] * 2)
    assert retry.status_code == 200
    assert retry.json()["applied"] == 0
    assert retry.json()["duplicates"] == 4  # two already stored, two repeated in the delivery
    assert list(models.StageChange.objects.values_list("stage", "entered_at")) == before


def test_a_creation_never_blanks_a_contact_the_store_knows(secrets: None) -> None:
    from funnelpact.domain.records import Contact, Ref, System
    from funnelpact.server.tracking.services import store_records

    store_records([Contact(ref=Ref(System.HUBSPOT, "501"), created_at=timezone.now(),
                           email="ann@acme.com", first_name="Ann")])  # fmt: skip
    answer = post_hubspot(Client(), [hubspot_event(9, subscriptionType="contact.creation")])
    assert answer.status_code == 200
    person = models.Contact.objects.get()
    assert (person.email, person.first_name) == ("ann@acme.com", "Ann")


def test_a_creation_of_an_unknown_contact_creates_it(secrets: None) -> None:
    post_hubspot(Client(), [hubspot_event(9, subscriptionType="contact.creation", objectId=77)])
    person = models.Contact.objects.get()
    assert person.identities.get().external_id == "77"
    assert person.created_at.timestamp() == OCCURRED / 1000


def test_a_merge_merges_the_store_s_contacts(secrets: None) -> None:
    client = Client()
    post_hubspot(client, [lifecycle(1, "lead", object_id=10), lifecycle(2, "lead", object_id=11)])
    assert models.Contact.objects.filter(merged_into__isnull=True).count() == 2
    merge = hubspot_event(
        3,
        subscriptionType="contact.merge",
        objectId=10,
        primaryObjectId=10,
        mergedObjectIds=[11],
        occurredAt=OCCURRED + 5000,
    )
    answer = post_hubspot(client, [merge])
    assert answer.json()["merged"] == 1
    (active,) = models.Contact.objects.filter(merged_into__isnull=True)
    assert sorted(active.identities.values_list("external_id", flat=True)) == ["10", "11"]
    assert active.stage_changes.count() == 1  # the same fact from both is kept once
    assert post_hubspot(client, [merge]).json()["merged"] == 0  # a retry merges nothing


def test_deal_events_store_the_deal_and_its_stage(secrets: None) -> None:
    post_hubspot(
        Client(),
        [
            hubspot_event(
                5,
                subscriptionType="deal.propertyChange",
                objectId=900,
                propertyName="dealstage",
                propertyValue="closedwon",
                occurredAt=OCCURRED + 1000,
            ),
            hubspot_event(4, subscriptionType="deal.creation", objectId=900),
        ],
    )
    stored = models.Deal.objects.get()
    assert stored.external_id == "900"
    assert stored.stage_changes.get().stage == "Closed Won"  # the default pipeline's label


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"signed": False}, "no X-HubSpot-Signature-v3"),
        ({"secret": "wrong-secret"}, "does not match"),
        ({"age_ms": 6 * 60 * 1000}, "requests older than 300 s are refused"),
        ({"url": "http://testserver/webhooks/hubspot?x=1"}, ""),  # signed for another URI
    ],
)
def test_unsigned_forged_or_stale_deliveries_are_401_logged_and_store_nothing(
    secrets: None, caplog: pytest.LogCaptureFixture, kwargs: dict[str, Any], reason: str
) -> None:
    events = [lifecycle(1, "lead")]
    if "url" in kwargs:
        # Signed for a URI with a query, sent to the plain path: the URIs differ.
        body = json.dumps(events).encode()
        timestamp = str(int(time.time() * 1000))
        answer = Client().post(
            "/webhooks/hubspot",
            data=body,
            content_type="application/json",
            headers={
                "X-HubSpot-Signature-v3": signature_v3(
                    CLIENT_SECRET, "POST", kwargs["url"], body, timestamp
                ),
                "X-HubSpot-Request-Timestamp": timestamp,
            },
        )
    else:
        with caplog.at_level(logging.WARNING, logger="funnelpact.webhooks"):
            answer = post_hubspot(Client(), events, **kwargs)
        assert any("webhook hubspot refused" in r.getMessage() for r in caplog.records)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"
    assert reason in answer.json()["message"]
    assert models.StageChange.objects.count() == 0
    assert models.Contact.objects.count() == 0
    assert models.IngestedEvent.objects.count() == 0


def test_without_a_configured_secret_every_delivery_is_refused(db: None) -> None:
    answer = post_hubspot(Client(), [lifecycle(1, "lead")])
    assert answer.status_code == 401
    assert "no HubSpot client secret is configured" in answer.json()["message"]


def test_the_client_secret_may_come_from_the_environment(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUNNELPACT_HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
    assert post_hubspot(Client(), [lifecycle(1, "lead")]).status_code == 200


def test_behind_a_proxy_the_public_base_url_is_what_is_signed(secrets: None, settings: Any) -> None:
    public = "https://crm.example.com/webhooks/hubspot?portal=62515"
    settings.FUNNELPACT_PUBLIC_BASE_URL = "https://crm.example.com/"
    assert post_hubspot(Client(), [lifecycle(1, "lead")], url=public).status_code == 200
    # The URL the server itself sees no longer verifies.
    internal = "http://testserver/webhooks/hubspot?portal=62515"
    assert post_hubspot(Client(), [lifecycle(2, "lead")], url=internal).status_code == 401


def test_a_signed_body_that_is_not_a_delivery_is_a_400_naming_the_event(secrets: None) -> None:
    answer = post_hubspot(Client(), [{"eventId": 1, "objectId": 5}])
    assert answer.status_code == 400
    assert answer.json()["message"] == "event 0 (eventId 1): occurredAt is missing"


def test_only_post_is_allowed(db: None) -> None:
    assert Client().get("/webhooks/hubspot").status_code == 405
    assert Client().get("/webhooks/in/zapier").status_code == 405


# -- generic signed webhook ----------------------------------------------------------------------


BATCH = {
    "items": [
        {"kind": "contact", "id": "z1", "ref": "lead-9", "created_at": "2025-03-03T09:00:00Z",
         "email": "zed@zeta.io"},
        {"kind": "stage_change", "id": "z2", "contact": "lead-9", "stage": "mql",
         "entered_at": "2025-03-03T10:00:00Z"},
    ]
}  # fmt: skip


def test_a_signed_batch_is_stored_and_a_resend_is_acknowledged(secrets: None) -> None:
    client = Client()
    answer = post_signed(client, "zapier", BATCH)
    assert answer.status_code == 200, answer.content
    assert answer.json()["accepted"] == 2
    assert models.Contact.objects.get().email == "zed@zeta.io"
    again = post_signed(client, "zapier", BATCH)
    assert again.json()["duplicates"] == 2
    ledger = set(models.IngestedEvent.objects.values_list("event_id", flat=True))
    assert ledger == {"in:zapier:z1", "in:zapier:z2"}


def test_event_ids_of_different_sources_do_not_collide(secrets: None) -> None:
    from funnelpact.server.accounts.services import set_webhook_secret

    set_webhook_secret("make", "whsec_make_secret_for_tests", now=timezone.now())
    post_signed(Client(), "zapier", BATCH)
    answer = post_signed(Client(), "make", BATCH, secret="whsec_make_secret_for_tests")
    assert answer.json()["accepted"] == 2 and answer.json()["duplicates"] == 0


@pytest.mark.parametrize(
    ("source", "kwargs", "reason"),
    [
        ("unknown", {}, "no webhook source named 'unknown'"),
        ("zapier", {"secret": "whsec_another_secret_000"}, "the signature does not match"),
        ("zapier", {"age_s": 301}, "requests older than 300 s are refused"),
        ("zapier", {"header": ""}, "no X-Funnelpact-Signature header"),
        ("zapier", {"header": "sha256=abc"}, "has no t=<unix>"),
    ],
)
def test_unsigned_unknown_or_stale_requests_are_401_and_store_nothing(
    secrets: None,
    caplog: pytest.LogCaptureFixture,
    source: str,
    kwargs: dict[str, Any],
    reason: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="funnelpact.webhooks"):
        answer = post_signed(Client(), source, BATCH, **kwargs)
    assert answer.status_code == 401
    assert reason in answer.json()["message"]
    assert any(f"webhook {source} refused" in r.getMessage() for r in caplog.records)
    assert models.Contact.objects.count() == 0
    assert models.IngestedEvent.objects.count() == 0


def test_a_signed_but_invalid_batch_is_a_422_naming_item_and_field(secrets: None) -> None:
    bad = {"items": [BATCH["items"][0], {**BATCH["items"][1], "entered_at": "tomorrow"}]}
    answer = post_signed(Client(), "zapier", bad)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {
            "item": 1,
            "field": "entered_at",
            "message": "Input should be a valid datetime or date, input is too short",
        }
    ]
    assert models.Contact.objects.count() == 0
    not_json = post_signed(Client(), "zapier", b"{oops")
    assert not_json.status_code == 400
    assert not_json.json()["message"] == "the request body is not valid JSON"
