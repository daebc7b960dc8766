"""What API fuzzing found, kept as plain tests: each was a 500 or an error naming no field."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers() -> dict[str, str]:
    from funnelpact.server.accounts.services import create_token

    secret = create_token("fuzz", ["admin"], created_by="tests", now=timezone.now()).secret
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(path: str, body: object, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = Client().post(path, json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


def test_an_event_id_with_a_nul_character_is_a_422_not_a_500(headers: dict[str, str]) -> None:
    item = {"created_at": "2000-01-01T00:00:00Z", "id": "a\x00b", "ref": "lead-1"}
    for _ in range(2):  # sent twice, it used to break the ledger's unique index
        status, body = _post("/api/v1/contacts/batch", {"items": [item]}, headers)
        assert status == 422
        assert body["problems"] == [
            {
                "item": 0,
                "field": "id",
                "message": "Value error, must not contain the NUL character (U+0000)",
            }
        ]


def test_a_missing_body_names_the_body(headers: dict[str, str]) -> None:
    response = Client().post("/api/v1/contacts", content_type="application/json", **headers)
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["error"] and body["message"]
    assert all(problem["field"] for problem in body["problems"])


def test_a_deal_of_an_unknown_contact_names_the_contact_field(headers: dict[str, str]) -> None:
    deal = {
        "id": "d1",
        "ref": "deal-1",
        "contact": "lead-404",
        "amount": 10.0,
        "created_at": "2000-01-01T00:00:00Z",
    }
    status, body = _post("/api/v1/deals", deal, headers)
    assert status == 422
    [problem] = body["problems"]
    assert problem["field"] == "contact" and problem["item"] == 0
    assert "lead-404 is neither in the store nor in this import" in problem["message"]
