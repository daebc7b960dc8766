"""API fuzzing with schemathesis against the OpenAPI schema the server publishes: every
operation, with an admin token and without one. Never a 5xx; every 4xx is our JSON error
(``error``, ``message``), and a 422 names the field (and the item of a batch) of each problem."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
EXAMPLES_PER_OPERATION = 60
METHOD_NOT_ALLOWED = 405


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler would close the database connection at
    each request's start and end, which on PostgreSQL ends the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: None) -> str:
    from django.utils import timezone

    from funnelpact.server.accounts.services import create_token

    return create_token("schemathesis", ["admin"], created_by="tests", now=timezone.now()).secret


def _check(response: Any, *, authenticated: bool) -> None:
    status = response.status_code
    assert status < 500, f"{status}: {response.text[:500]}"
    if status < 400:
        assert authenticated, f"{status} without a token"
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    if status == 422:
        assert body["problems"], body
        for problem in body["problems"]:
            assert problem["field"] and problem["message"], body
    if not authenticated:
        assert status in (401, 404, 405), f"{status} without a token: {body}"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_with_an_admin_token(case: Any, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    response = case.call(headers=headers)
    try:
        _check(response, authenticated=True)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\nbody sent: {case.body!r}"[:3000]) from None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_without_a_token(case: Any, db: None) -> None:
    response = case.call(headers={"Authorization": ""} if case.headers is None else None)
    _check(response, authenticated=False)


def test_a_wrong_method_is_our_json_error(client: Any) -> None:
    response = client.delete("/api/v1/contacts")
    assert response.status_code == METHOD_NOT_ALLOWED
    assert response["Content-Type"].startswith("application/json"), response.content
    assert response.json() == {
        "error": "method_not_allowed",
        "message": "DELETE is not allowed on /api/v1/contacts (allowed: POST)",
        "problems": [],
    }
    assert response["Allow"] == "POST"


def test_a_wrong_method_on_a_read_endpoint_is_our_json_error(client: Any) -> None:
    response = client.post("/api/v1/contacts/hubspot:1", data="{}", content_type="application/json")
    assert response.status_code == METHOD_NOT_ALLOWED
    body = response.json()
    assert body["error"] == "method_not_allowed"
    assert "allowed: GET" in body["message"]


def test_a_path_no_endpoint_has_is_our_json_404(client: Any) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json"), response.content
    assert response.json() == {
        "error": "not_found",
        "message": "no API endpoint at /api/v1/no-such-thing (see /api/docs)",
        "problems": [],
    }
