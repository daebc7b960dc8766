"""funnelpact token create|list|revoke and funnelpact webhook set|list|remove, on the test store."""

from __future__ import annotations

import pytest
from api_testkit import Api, stage
from django.test import Client
from typer.testing import CliRunner

from funnelpact.cli.main import app

pytestmark = pytest.mark.django_db


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_a_created_token_is_printed_once_and_works_until_revoked() -> None:
    code, output = cli("token", "create", "zapier", "--scope", "events:write")
    assert code == 0, output
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("fpt_")
    api = Api(Client(), secret)
    assert (
        api.post("/stage-changes", stage(id="e1", contact="lead-1", stage="mql")).status_code == 200
    )

    code, listing = cli("token", "list")
    assert code == 0 and "zapier" in listing and secret not in listing

    assert cli("token", "revoke", "zapier")[0] == 0
    assert (
        api.post("/stage-changes", stage(id="e2", contact="lead-1", stage="sql")).status_code == 401
    )
    assert "zapier" not in cli("token", "list")[1]
    assert "zapier" in cli("token", "list", "--all")[1]


def test_token_mistakes_are_one_clear_line_and_a_non_zero_exit() -> None:
    from funnelpact.errors import FunnelpactError

    cli("token", "create", "ops", "--scope", "admin")
    for args, message in (
        (("token", "create", "ops", "--scope", "admin"), "a live token named 'ops' exists"),
        (("token", "create", "x", "--scope", "bogus"), "unknown scope 'bogus'"),
        (("token", "revoke", "nobody"), "no live token named 'nobody'"),
        (("webhook", "set", "Bad Name"), "'Bad Name' is not a source name"),
        (("webhook", "set", "zap", "--secret", "short"), "a webhook secret has 16 to 200"),
        (("webhook", "remove", "nothing"), "no webhook source named 'nothing'"),
    ):
        result = CliRunner().invoke(app, list(args))
        assert isinstance(result.exception, FunnelpactError), args
        assert message in result.exception.message


def test_a_webhook_source_gets_a_secret_that_signs_requests() -> None:
    import json
    import time

    from funnelpact.ingest.signing import sign

    code, output = cli("webhook", "set", "make")
    assert code == 0, output
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    assert "make" in cli("webhook", "list")[1] and secret not in cli("webhook", "list")[1]
    body = json.dumps(
        {"items": [{"kind": "stage_change", **stage(id="m1", contact="lead-2", stage="mql")}]}
    ).encode()
    answer = Client().post(
        "/webhooks/in/make",
        data=body,
        content_type="application/json",
        headers={"X-Funnelpact-Signature": sign(secret, body, int(time.time()))},
    )
    assert answer.status_code == 200, answer.content
    assert cli("webhook", "remove", "make")[0] == 0
