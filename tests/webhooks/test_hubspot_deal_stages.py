"""HubSpot webhooks name deal stages by internal id (``appointmentscheduled``, a number for a
custom stage); exports and the pull name them by label. The receiver maps ids through the
portal's pipelines (``GET /crm/v3/pipelines/deals``, read with the pull connector and the
``FUNNELPACT_HUBSPOT_TOKEN``), so one stage is one stage whichever way it came in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from webhook_testkit import CLIENT_SECRET, OCCURRED, hubspot_event, post_hubspot

from funnelpact.domain.records import Deal, DealStageChange, Ref
from funnelpact.ingest.hubspot.api import HubSpotClient, RetryPolicy
from funnelpact.ingest.hubspot.webhooks import parse_delivery, read_delivery
from funnelpact.server.tracking import models
from funnelpact.server.webhooks import service

PIPELINES = Path(__file__).resolve().parents[1] / "ingest/data/hubspot_api/pipelines_deals.json"
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def stage_event(event_id: int, deal_id: int, stage_id: str, offset_s: int = 0) -> dict[str, Any]:
    return hubspot_event(
        event_id,
        subscriptionType="deal.propertyChange",
        objectId=deal_id,
        propertyName="dealstage",
        propertyValue=stage_id,
        occurredAt=OCCURRED + offset_s * 1000,
    )


# -- reading a delivery (pure) -------------------------------------------------------------------


def test_stage_ids_become_the_portal_s_labels_then_the_default_pipeline_s() -> None:
    events = parse_delivery(
        json.dumps(
            [
                stage_event(1, 70, "1234567"),
                stage_event(2, 71, "closedwon", 1),
                stage_event(3, 72, "appointmentscheduled", 2),
                stage_event(4, 73, "99999", 3),
            ]
        ).encode()
    )
    portal = {"1234567": "Proposal sent", "closedwon": "Won (renamed)"}
    stages = [r.stage for r in read_delivery(events, portal).records]
    assert stages == ["Proposal sent", "Won (renamed)", "Appointment Scheduled", "99999"]
    stages = [r.stage for r in read_delivery(events).records]
    assert stages == ["1234567", "Closed Won", "Appointment Scheduled", "99999"]


# -- the receiver --------------------------------------------------------------------------------


class Portal:
    """A fake api.hubapi.com serving the recorded /crm/v3/pipelines/deals answer."""

    def __init__(self) -> None:
        self.requests = 0
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        assert request.url.path == "/crm/v3/pipelines/deals"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        if self.down:
            return httpx.Response(
                503,
                json={"status": "error", "message": "Service unavailable", "category": "ERROR"},
            )
        return httpx.Response(200, json=json.loads(PIPELINES.read_text(encoding="utf-8")))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def portal(db: None, monkeypatch: pytest.MonkeyPatch) -> Portal:
    from funnelpact.server.accounts.services import set_webhook_secret

    set_webhook_secret("hubspot", CLIENT_SECRET, now=timezone.now())
    fake = Portal()

    def client(token: str) -> HubSpotClient:
        return HubSpotClient(
            token,
            transport=httpx.MockTransport(fake),
            retry=RetryPolicy(attempts=1),
            sleep=lambda _s: None,
        )

    monkeypatch.setenv("FUNNELPACT_HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setattr(service, "DEAL_STAGES", service.DealStageLabels(client, Clock()))
    return fake


def test_a_webhook_stage_and_the_pull_s_label_are_one_stage(portal: Portal) -> None:
    from funnelpact.server.tracking.services import RecordKind, store_records

    hs = Ref.parse("hubspot:9001")
    # The pull (or an export) stored the deal and its stage by label ...
    store_records(
        [
            Deal(ref=hs, created_at=at(OCCURRED), amount=Decimal(100), stage="Proposal sent"),
            DealStageChange(hs, "Proposal sent", at(OCCURRED + 5000)),
        ]
    )
    # ... HubSpot's webhook says the same change by the custom stage's id, and a later one.
    answer = post_hubspot(
        Client(), [stage_event(1, 9001, "1234567", 5), stage_event(2, 9001, "closedwon", 60)]
    )
    assert answer.status_code == 200, answer.content
    changes = sorted(
        (c.entered_at, c.stage)
        for c in models.DealStageChange.objects.filter(deal__external_id="9001")
    )
    assert changes == [
        (at(OCCURRED + 5000), "Proposal sent"),
        (at(OCCURRED + 60_000), "Closed Won"),
    ]
    # The pull again: nothing new.
    again = store_records([DealStageChange(hs, "Proposal sent", at(OCCURRED + 5000))])
    assert again[RecordKind.DEAL_STAGE_CHANGE].unchanged == 1
    assert portal.requests == 1


def test_pipelines_are_read_once_then_again_for_a_stage_they_lack(portal: Portal) -> None:
    clock = service.DEAL_STAGES.clock
    assert isinstance(clock, Clock)
    post_hubspot(Client(), [stage_event(1, 1, "1234567")])
    post_hubspot(Client(), [stage_event(2, 2, "closedwon")])
    assert portal.requests == 1  # kept
    post_hubspot(Client(), [stage_event(3, 3, "777")])  # unknown, but read a moment ago
    assert portal.requests == 1
    clock.now += service.PIPELINES_RETRY_S + 1
    post_hubspot(Client(), [stage_event(4, 4, "778")])  # unknown: read again
    assert portal.requests == 2
    clock.now += service.PIPELINES_TTL_S + 1
    post_hubspot(Client(), [stage_event(5, 5, "closedwon")])  # stale: read again
    assert portal.requests == 3
    post_hubspot(Client(), [hubspot_event(6, objectId=9)])  # no deal stage: nothing read
    assert portal.requests == 3


def test_unreadable_pipelines_refuse_a_custom_stage_with_503_and_store_nothing(
    portal: Portal,
) -> None:
    portal.down = True
    answer = post_hubspot(Client(), [stage_event(1, 9001, "1234567")])
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "unavailable"
    assert "HubSpot answered 503" in body["message"] and "1234567" in body["message"]
    assert not models.DealStageChange.objects.exists()
    assert not models.IngestedEvent.objects.exists()
    # A default stage id needs no pipelines: stored by the default pipeline's label.
    answer = post_hubspot(Client(), [stage_event(2, 9001, "closedwon")])
    assert answer.status_code == 200, answer.content
    assert models.DealStageChange.objects.get().stage == "Closed Won"
    # HubSpot delivers the refused event again once the API answers.
    portal.down = False
    service.DEAL_STAGES.clock.now += service.PIPELINES_RETRY_S + 1  # type: ignore[attr-defined]
    answer = post_hubspot(Client(), [stage_event(1, 9001, "1234567")])
    assert answer.status_code == 200, answer.content
    assert sorted(models.DealStageChange.objects.values_list("stage", flat=True)) == [
        "Closed Won",
        "Proposal sent",
    ]


def test_without_a_token_no_request_is_made(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNNELPACT_HUBSPOT_TOKEN")
    answer = post_hubspot(Client(), [stage_event(1, 9001, "1234567")])
    assert answer.status_code == 200, answer.content
    assert models.DealStageChange.objects.get().stage == "1234567"  # nothing names it
    assert portal.requests == 0
