"""Permission matrix: every API operation, walked anonymous -> 401, bad token -> 401, revoked
-> 401, wrong scope -> 403; the ingestion API's operations also right scope (or admin) -> 2xx.
The operations come from the OpenAPI schema, so a new endpoint cannot be left out of the walk
(other features mounted in the API, such as the watch's, test their own 2xx cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_testkit import T0, Api, contact, deal, deal_stage, decision, owner, stage, touch
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

BODIES: dict[str, dict[str, Any]] = {
    "post_contact": contact(id="c", ref="hubspot:1"),
    "post_stage_change": stage(id="s", contact="hubspot:1", stage="mql"),
    "post_owner_change": owner(id="o", contact="hubspot:1", owner="hubspot:9"),
    "post_touch": touch(id="t", contact="hubspot:1"),
    "post_deal": deal(id="d", ref="hubspot:d1", amount="10"),
    "post_deal_stage_change": deal_stage(id="ds", deal="hubspot:d1", stage="won"),
    "post_decision": decision(id="h", contact="hubspot:1", decision="accepted"),
}
KIND = {
    "post_contact": "contact",
    "post_stage_change": "stage_change",
    "post_owner_change": "owner_change",
    "post_touch": "touch",
    "post_deal": "deal",
    "post_deal_stage_change": "deal_stage_change",
    "post_decision": "decision",
}


def operations() -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every operation under /api/v1."""
    from funnelpact.server.api.main import api

    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found.append((method, path, operation["operationId"]))
    return sorted(found)


def request_for(method: str, path: str, operation: str, counter: list[int]) -> tuple[str, Any]:
    """A valid request for the operation (fresh event ids each time)."""
    counter[0] += 1
    n = counter[0]
    if operation not in INGESTION:  # another feature's: refused before its body is read
        return path.replace("{ref}", "hubspot:1"), {}
    if method == "get":
        return path.replace("{ref}", "hubspot:1"), None
    if operation == "post_events_batch":
        return path, {"items": [{"kind": "contact", **contact(id=f"m{n}", ref="hubspot:1")}]}
    if operation.endswith("_batch"):
        single = operation.removesuffix("_batch")
        return path, {"items": [{**BODIES[single], "id": f"b{n}"}]}
    return path, {**BODIES[operation], "id": f"x{n}"}


def call(client: Client, method: str, url: str, body: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, data=body, content_type="application/json", headers=headers)


INGESTION = {*BODIES, *(f"{o}_batch" for o in BODIES)} | {
    "post_events_batch",
    "get_contact",
    "get_contact_timeline",
}


def test_the_schema_lists_every_ingestion_operation() -> None:
    assert {operation for _, _, operation in operations()} >= INGESTION


def test_every_operation_walks_401_403_2xx(make_token: Callable[..., str]) -> None:
    from funnelpact.server.accounts.services import revoke_token

    client = Client(enforce_csrf_checks=True)  # tokens, not cookies: CSRF does not apply
    writer = make_token("events:write", name="writer")
    reader = make_token("contacts:read", name="reader")
    admin = make_token("admin", name="admin")
    revoked = make_token("admin", name="revoked")
    revoke_token("revoked", now=timezone.now())
    # A contact to read.
    Api(client, writer).post("/contacts", contact(id="seed", ref="hubspot:1", at=T0))
    counter = [0]
    for method, path, operation in operations():
        url, body = request_for(method, path, operation, counter)
        right, wrong = (reader, writer) if method == "get" else (writer, reader)
        walk = [
            (None, 401, "no token: send Authorization: Bearer <token>"),
            ("fpt_not-a-token", 401, "the token is unknown or revoked"),
            ("not-even-the-format", 401, "the token is unknown or revoked"),
            (revoked, 401, "the token is unknown or revoked"),
            (wrong, 403, "lacks the scope"),
        ]
        for token, status, message in walk:
            answer = call(client, method, url, body, token)
            assert answer.status_code == status, (operation, token, answer.content)
            error = "unauthorized" if status == 401 else "forbidden"
            assert answer.json()["error"] == error
            assert message in answer.json()["message"]
        if operation not in INGESTION:
            continue
        for token in (right, admin):
            url, body = request_for(method, path, operation, counter)
            answer = call(client, method, url, body, token)
            assert answer.status_code == 200, (operation, answer.content)


def test_a_malformed_authorization_header_is_a_401() -> None:
    client = Client()
    answer = client.get("/api/v1/contacts/hubspot:1", headers={"Authorization": "Basic abc"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "the Authorization header must be: Bearer <token>"


def test_an_unauthenticated_request_is_refused_before_its_body_is_read() -> None:
    answer = Api(Client(), None).post("/contacts", "{not json")
    assert answer.status_code == 401


def test_using_a_token_records_when_it_was_last_used(make_token: Callable[..., str]) -> None:
    from funnelpact.server.accounts.models import ApiToken

    secret = make_token("contacts:read", name="reader")
    assert ApiToken.objects.get(name="reader").last_used_at is None
    Api(Client(), secret).get("/contacts/hubspot:1")
    assert ApiToken.objects.get(name="reader").last_used_at is not None


def test_tokens_are_stored_hashed_and_shown_once(make_token: Callable[..., str]) -> None:
    import hashlib

    from funnelpact.server.accounts.models import ApiToken

    secret = make_token("admin", name="ops")
    stored = ApiToken.objects.get(name="ops")
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(list(ApiToken.objects.values()))
    assert secret.startswith(stored.prefix) and len(stored.prefix) < 12
