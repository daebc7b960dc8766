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


def test_a_deal_of_an_unknown_contact_is_stored_with_a_placeholder_contact(
    headers: dict[str, str],
) -> None:
    # Was a 422 naming no field, then one naming "contact"; live events arrive in any order,
    # so the deal now makes a placeholder contact that the contact's record fills in (issue 4).
    deal = {
        "id": "d1",
        "ref": "deal-1",
        "contact": "lead-404",
        "amount": 10.0,
        "created_at": "2000-01-01T00:00:00Z",
    }
    status, body = _post("/api/v1/deals", deal, headers)
    assert status == 200, body
    assert body["store"]["contact"]["placeholders"] == 1  # type: ignore[index]


def test_a_store_refusal_names_the_field_it_is_about() -> None:
    from funnelpact.server.api.ingestion import field_of

    assert field_of("deal api:d1: contact api:lead-404 is neither in the store nor in this") == (
        "contact"
    )
    assert field_of("stage change of deal api:d9 to 'x': deal api:d9 is neither in the store") == (
        "deal"
    )
    assert field_of("touch api:t1: external_id is 300 characters long (at most 255)") == "ref"


@pytest.mark.parametrize("key", ["¹", "٣", "99999999999999999999999"])
def test_a_lead_key_of_odd_digits_is_a_404_not_a_500(key: str, headers: dict[str, str]) -> None:
    # '¹'.isdigit() is true but int('¹') fails; a 23-digit id overflows PostgreSQL's bigint.
    response = Client().get(f"/api/v1/leads/{key}/obligations", **headers)
    assert response.status_code == 404
    assert response.json()["error"]


def test_a_lost_database_connection_is_a_503_json_error_and_stores_nothing(
    headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What bench_faults.py's pg_terminate_backend of serve's connection does mid-request: the
    # driver raises OperationalError (or InterfaceError on a closed connection), wrapped by
    # Django, or psycopg's own AdminShutdown from the bulk writers' COPY (found by a loop of
    # pg_terminate_backend against a real serve: 14 of 372 batches were Django's HTML 500).
    import psycopg
    from django.db import InterfaceError, OperationalError

    from funnelpact.server.api import endpoints
    from funnelpact.server.tracking.models import Contact

    item = {
        "kind": "contact",
        "id": "lost-1",
        "ref": "lead-lost",
        "created_at": "2025-01-01T00:00:00Z",
    }
    for error in (OperationalError, InterfaceError, psycopg.errors.AdminShutdown):

        def lost(*_args: object, error: type[Exception] = error) -> object:
            raise error("terminating connection due to administrator command")

        monkeypatch.setattr(endpoints, "ingest_items", lost)
        response = Client().post(
            "/api/v1/events/batch",
            json.dumps({"items": [item]}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 503
        assert response["Content-Type"].startswith("application/json")
        assert response["Retry-After"] == "1"
        body = response.json()
        assert body["error"] == "unavailable"
        assert error.__name__ in body["message"] and "send it again" in body["message"]
    assert not Contact.objects.filter(identities__external_id="lead-lost").exists()
    monkeypatch.undo()
    status, body = _post("/api/v1/events/batch", {"items": [item]}, headers)
    assert status == 200 and body["accepted"] == 1  # the same request, sent again, is stored
    assert Contact.objects.filter(identities__external_id="lead-lost").count() == 1
