"""The closed loop through the API: POST /api/v1/leads/{ref}/decision, GET .../obligations."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from watch_factories import LEAD, madrid, mql, team

from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch.services import use_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(clock, agreement_path) -> Client:
    from funnelpact.server.accounts.services import create_token

    use_agreement(agreement_path, clock.set(madrid(2025, 12, 1, 10)))
    store_records([*team(), *mql(madrid(2025, 12, 1, 10), source="web_form")])
    token = create_token(
        "watch-tests", ["events:write", "contacts:read"], created_by="tests", now=timezone.now()
    )
    return Client(headers={"Authorization": f"Bearer {token.secret}"})


def test_reject_through_the_api_recycles_the_lead(client: Client) -> None:
    answer = client.post(
        f"/api/v1/leads/{LEAD}/decision",
        {"decision": "reject", "reason": "bad_timing", "note": "budget in Q2"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["routed_to"] == "lead"
    decision = next(item for item in body["obligations"] if item["name"] == "decision")
    assert decision["status"] == "met"


def test_an_unknown_reason_is_a_400_naming_the_codes(client: Client) -> None:
    answer = client.post(
        f"/api/v1/leads/{LEAD}/decision",
        {"decision": "reject", "reason": "meh"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "not_icp, no_authority, no_need, bad_timing, unreachable" in answer.json()["message"]


def test_an_unknown_lead_is_a_404(client: Client) -> None:
    answer = client.get("/api/v1/leads/hubspot:nobody/obligations")
    assert answer.status_code == 404


def test_obligations_of_a_lead(client: Client) -> None:
    answer = client.get(f"/api/v1/leads/{LEAD}/obligations")
    assert answer.status_code == 200
    names = sorted(item["name"] for item in answer.json())
    assert names == sorted(
        ["first_touch", "decision", "cadence_3_in_14", "cadence_5_in_28", "cadence_7_in_56"]
    )


def test_anonymous_is_401_and_a_read_token_may_not_decide(client: Client) -> None:
    from funnelpact.server.accounts.services import create_token

    anonymous = Client()
    assert anonymous.get(f"/api/v1/leads/{LEAD}/obligations").status_code == 401
    reader = create_token("reader", ["contacts:read"], created_by="tests", now=timezone.now())
    read_only = Client(headers={"Authorization": f"Bearer {reader.secret}"})
    answer = read_only.post(
        f"/api/v1/leads/{LEAD}/decision", {"decision": "accept"}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert read_only.get(f"/api/v1/leads/{LEAD}/obligations").status_code == 200
