"""Helpers for webhook tests: HubSpot-shaped events and signed posts to the endpoints."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from funnelpact.ingest.hubspot.webhooks import signature_v3
from funnelpact.ingest.signing import sign

CLIENT_SECRET = "hubspot-app-client-secret-0001"
ZAPIER_SECRET = "whsec_zapier_secret_for_tests"
OCCURRED = 1_740_990_000_000  # 2025-03-03T08:20:00Z


def hubspot_event(event_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 1,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": OCCURRED,
        "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0,
        "objectId": 501,
        "changeFlag": "",
        "changeSource": "CRM_UI",
        "sourceId": "userId:1",
        **fields,
    }


def lifecycle(event_id: int, value: str, object_id: int = 501, offset_s: int = 0) -> dict[str, Any]:
    return hubspot_event(
        event_id,
        objectId=object_id,
        propertyName="lifecyclestage",
        propertyValue=value,
        occurredAt=OCCURRED + offset_s * 1000,
    )


def post_hubspot(
    client: Client,
    events: list[dict[str, Any]],
    *,
    secret: str = CLIENT_SECRET,
    url: str = "http://testserver/webhooks/hubspot",
    age_ms: int = 0,
    signed: bool = True,
) -> Any:
    """POST a delivery as HubSpot does: the v3 signature over the URL HubSpot called."""
    body = json.dumps(events).encode()
    timestamp = str(int(time.time() * 1000) - age_ms)
    headers = {}
    if signed:
        headers = {
            "X-HubSpot-Signature-v3": signature_v3(secret, "POST", url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-Version": "v3",
        }
    path = "/webhooks/hubspot" + (url.split("/webhooks/hubspot", 1)[1])
    return client.post(path, data=body, content_type="application/json", headers=headers)


def post_signed(
    client: Client,
    source: str,
    payload: Any,
    *,
    secret: str = ZAPIER_SECRET,
    age_s: int = 0,
    header: str | None = None,
) -> Any:
    """POST to the generic webhook with an X-Funnelpact-Signature."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = header if header is not None else sign(secret, body, int(time.time()) - age_s)
    return client.post(
        f"/webhooks/in/{source}",
        data=body,
        content_type="application/json",
        headers={"X-Funnelpact-Signature": signature},
    )
