"""HubSpot deliveries (pure): the v3 signature, reading events, turning them into records."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelpact.domain.records import Contact, Deal, DealStageChange, OwnerChange, Ref, StageChange
from funnelpact.ingest.hubspot.webhooks import (
    DeliveryError,
    HubSpotMerge,
    parse_delivery,
    read_delivery,
    signature_v3,
    signed_uri,
    verify_signature_v3,
)
from funnelpact.ingest.signing import SignatureError, SignatureProblem

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://crm.example.com/webhooks/hubspot"
OCCURRED = 1_740_990_000_000  # 2025-03-03T08:20:00Z


def event(event_id: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "eventId": event_id,
        "subscriptionId": 12345,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": OCCURRED,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": 123,
        "changeFlag": "NEW",
        "changeSource": "CRM",
    }
    base.update(fields)
    return base


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


# -- signature ----------------------------------------------------------------------------------


def test_signature_v3_is_base64_hmac_of_method_uri_body_timestamp() -> None:
    body = b'[{"eventId":1,"subscriptionType":"contact.creation"}]'
    source = b"POST" + URI.encode() + body + str(NOW_MS).encode()
    expected = base64.b64encode(hmac.new(SECRET.encode(), source, hashlib.sha256).digest())
    assert signature_v3(SECRET, "POST", URI, body, str(NOW_MS)) == expected.decode()


def test_signed_uri_decodes_exactly_the_characters_hubspot_lists() -> None:
    assert (
        signed_uri("https://x.io/hook?a=%3A%2F%3f%40%21%24%27%28%29%2A%2C%3B&b=%20%26#frag")
        == "https://x.io/hook?a=:/?@!$'()*,;&b=%20%26"
    )


def verify(**overrides: object) -> None:
    body = b"[]"
    arguments: dict[str, object] = {
        "client_secret": SECRET,
        "method": "POST",
        "uri": URI,
        "body": body,
        "signature": signature_v3(SECRET, "POST", URI, body, str(NOW_MS - 1000)),
        "timestamp": str(NOW_MS - 1000),
        "now": NOW,
    }
    arguments.update(overrides)
    verify_signature_v3(**arguments)  # type: ignore[arg-type]


def test_a_correct_recent_signature_passes() -> None:
    verify()
    old = str(NOW_MS - 299_000)
    verify(timestamp=old, signature=signature_v3(SECRET, "POST", URI, b"[]", old))


@pytest.mark.parametrize(
    ("overrides", "problem", "message"),
    [
        ({"signature": None}, SignatureProblem.MISSING, "no X-HubSpot-Signature-v3"),
        ({"timestamp": ""}, SignatureProblem.MISSING, "no X-HubSpot-Request-Timestamp"),
        ({"timestamp": "12:00"}, SignatureProblem.MALFORMED, "must be epoch milliseconds"),
        ({"client_secret": ""}, SignatureProblem.NO_SECRET, "no HubSpot client secret"),
        ({"body": b"[{}]"}, SignatureProblem.MISMATCH, "does not match"),
        ({"uri": "http://crm.example.com/webhooks/hubspot"}, SignatureProblem.MISMATCH, ""),
        ({"method": "PUT"}, SignatureProblem.MISMATCH, ""),
        ({"client_secret": "other"}, SignatureProblem.MISMATCH, "client secret"),
    ],
)
def test_unsigned_or_tampered_requests_are_refused(
    overrides: dict[str, object], problem: SignatureProblem, message: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(**overrides)
    assert caught.value.problem is problem
    assert message in caught.value.message


def test_a_request_older_than_five_minutes_or_from_the_future_is_refused() -> None:
    stale = str(NOW_MS - 301_000)
    with pytest.raises(SignatureError) as old:
        verify(timestamp=stale, signature=signature_v3(SECRET, "POST", URI, b"[]", stale))
    assert old.value.problem is SignatureProblem.STALE
    ahead = str(NOW_MS + 120_000)
    with pytest.raises(SignatureError) as future:
        verify(timestamp=ahead, signature=signature_v3(SECRET, "POST", URI, b"[]", ahead))
    assert future.value.problem is SignatureProblem.FUTURE


# -- reading a delivery -------------------------------------------------------------------------


def test_a_delivery_is_read_with_every_documented_field() -> None:
    body = json.dumps(
        [
            event(
                7,
                subscriptionType="contact.propertyChange",
                propertyName="lifecyclestage",
                propertyValue="marketingqualifiedlead",
                sourceId="userId:101",
                attemptNumber=2,
            )
        ]
    ).encode()
    (parsed,) = parse_delivery(body)
    assert parsed.event_id == 7
    assert parsed.portal_id == 62515 and parsed.app_id == 54321 and parsed.subscription_id == 12345
    assert parsed.occurred_at == at(OCCURRED)
    assert parsed.attempt_number == 2
    assert parsed.change_flag == "NEW" and parsed.change_source == "CRM"
    assert parsed.source_id == "userId:101"
    assert parsed.property_name == "lifecyclestage"
    assert parsed.key == "hubspot:7"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe", "the body is not UTF-8 (byte 0)"),
        (
            b"[{",
            "the body is not JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        (b'{"eventId": 1}', "a HubSpot delivery is a JSON array of events"),
        (b"[1]", "event 0: an event must be a JSON object"),
        (json.dumps([{"occurredAt": 1}]).encode(), "event 0: eventId is missing"),
        (
            json.dumps([event(1), {**event(2), "occurredAt": "yesterday"}]).encode(),
            "event 1 (eventId 2): occurredAt must be an integer; got 'yesterday'",
        ),
        (
            json.dumps([{**event(3), "objectId": None}]).encode(),
            "event 0 (eventId 3): objectId is missing",
        ),
        (
            json.dumps([{**event(4), "subscriptionType": ""}]).encode(),
            "event 0 (eventId 4): subscriptionType is missing",
        ),
        (
            json.dumps([{**event(5), "occurredAt": 10**17}]).encode(),
            "event 0 (eventId 5): occurredAt 100000000000000000 is not epoch milliseconds",
        ),
        (
            json.dumps([{**event(6), "mergedObjectIds": "12"}]).encode(),
            "event 0 (eventId 6): mergedObjectIds must be a list of ids",
        ),
        (
            json.dumps([{**event(8), "portalId": True}]).encode(),
            "event 0 (eventId 8): portalId must be an integer; got true",
        ),
        (
            json.dumps([{**event(9), "propertyValue": {"a": 1}}]).encode(),
            'event 0 (eventId 9): propertyValue must be a string; got {"a": 1}',
        ),
    ],
)
def test_a_malformed_delivery_names_the_event_and_the_field(body: bytes, message: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        parse_delivery(body)
    assert caught.value.message.startswith(message)


def test_numeric_strings_are_read_as_ids() -> None:
    (parsed,) = parse_delivery(json.dumps([{**event(1), "objectId": "987"}]).encode())
    assert parsed.object_id == 987


# -- events -> records --------------------------------------------------------------------------


def test_each_subscription_type_becomes_its_record() -> None:
    events = parse_delivery(
        json.dumps(
            [
                event(1, objectId=11),
                event(
                    2,
                    subscriptionType="contact.propertyChange",
                    objectId=11,
                    propertyName="lifecyclestage",
                    propertyValue="salesqualifiedlead",
                    occurredAt=OCCURRED + 1000,
                ),
                event(
                    3,
                    subscriptionType="contact.propertyChange",
                    objectId=11,
                    propertyName="hubspot_owner_id",
                    propertyValue="41629779",
                    occurredAt=OCCURRED + 2000,
                ),
                event(4, subscriptionType="deal.creation", objectId=77, occurredAt=OCCURRED + 3000),
                event(
                    5,
                    subscriptionType="deal.propertyChange",
                    objectId=77,
                    propertyName="dealstage",
                    propertyValue="closedwon",
                    occurredAt=OCCURRED + 4000,
                ),
                event(
                    6,
                    subscriptionType="contact.merge",
                    objectId=11,
                    primaryObjectId=11,
                    mergedObjectIds=[12, 11, 13],
                    occurredAt=OCCURRED + 5000,
                ),
                event(
                    8,
                    subscriptionType="object.propertyChange",
                    objectTypeId="0-1",
                    objectId=14,
                    propertyName="lifecyclestage",
                    propertyValue="lead",
                    occurredAt=OCCURRED + 6000,
                ),
            ]
        ).encode()
    )
    delivery = read_delivery(events)
    hs = lambda i: Ref.parse(f"hubspot:{i}")  # noqa: E731
    assert delivery.records == [
        Contact(ref=hs(11), created_at=at(OCCURRED)),
        StageChange(hs(11), "sql", at(OCCURRED + 1000), "webhook:hubspot", "hubspot:2"),
        OwnerChange(hs(11), hs(41629779), at(OCCURRED + 2000), "hubspot:3"),
        Deal(ref=hs(77), created_at=at(OCCURRED + 3000), amount=Decimal(0)),
        DealStageChange(hs(77), "Closed Won", at(OCCURRED + 4000), event_id="hubspot:5"),
        StageChange(hs(14), "lead", at(OCCURRED + 6000), "webhook:hubspot", "hubspot:8"),
    ]
    assert delivery.merges == [
        HubSpotMerge(hs(11), (hs(12), hs(13)), at(OCCURRED + 5000), "hubspot:6")
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"subscriptionType": "contact.deletion"}, "contact.deletion: not applied to the store"),
        ({"subscriptionType": "company.creation"}, "company.creation: not a contact or deal"),
        (
            {"subscriptionType": "contact.propertyChange", "propertyName": "email"},
            "contact property 'email' not read",
        ),
        (
            {
                "subscriptionType": "contact.propertyChange",
                "propertyName": "lifecyclestage",
                "propertyValue": "",
            },
            "lifecycle stage cleared",
        ),
        (
            {"subscriptionType": "contact.propertyChange", "propertyName": "hubspot_owner_id"},
            "owner removed",
        ),
        (
            {"subscriptionType": "deal.propertyChange", "propertyName": "amount"},
            "deal property 'amount' not read",
        ),
        (
            {"subscriptionType": "object.creation", "objectTypeId": "0-2"},
            "object.creation: not a contact or deal event",
        ),
        ({"subscriptionType": "contact.merge", "mergedObjectIds": [123]}, "merge names no other"),
    ],
)
def test_events_that_change_nothing_are_skipped_with_the_reason(
    fields: dict[str, object], reason: str
) -> None:
    (applied,) = read_delivery(parse_delivery(json.dumps([event(1, **fields)]).encode())).applied
    assert applied.record is None and applied.merge is None
    assert applied.skipped.startswith(reason)


def test_custom_lifecycle_stage_ids_are_kept_as_they_are() -> None:
    (applied,) = read_delivery(
        parse_delivery(
            json.dumps(
                [
                    event(
                        1,
                        subscriptionType="contact.propertyChange",
                        propertyName="lifecyclestage",
                        propertyValue="1023456",
                    )
                ]
            ).encode()
        )
    ).applied
    assert isinstance(applied.record, StageChange) and applied.record.stage == "1023456"


@given(
    order=st.permutations(range(6)),
    repeats=st.lists(st.integers(0, 5), max_size=6),
)
def test_any_order_with_repeats_reads_to_the_same_delivery(
    order: list[int], repeats: list[int]
) -> None:
    events = [
        event(
            100 + i,
            subscriptionType="contact.propertyChange",
            propertyName="lifecyclestage",
            propertyValue=["lead", "marketingqualifiedlead", "salesqualifiedlead"][i % 3],
            objectId=1 + i % 2,
            occurredAt=OCCURRED + (5 - i) * 1000,
            attemptNumber=0,
        )
        for i in range(6)
    ]
    reference = read_delivery(parse_delivery(json.dumps(events).encode()))
    shuffled = [events[i] for i in order] + [{**events[i], "attemptNumber": 1} for i in repeats]
    delivery = read_delivery(parse_delivery(json.dumps(shuffled).encode()))
    assert delivery.records == reference.records
    assert delivery.repeated == len(repeats)
    times = [a.event.occurred_at for a in delivery.applied]
    assert times == sorted(times)
