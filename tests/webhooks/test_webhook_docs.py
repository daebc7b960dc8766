"""docs/webhooks.md and docs/api.md say what the code does: the signing examples produce
signatures the server accepts, and every API route and error code is documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from funnelpact.ingest.signing import verify

ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = (ROOT / "docs/webhooks.md").read_text(encoding="utf-8")
API = (ROOT / "docs/api.md").read_text(encoding="utf-8")
SECRET = "whsec_docs_example_secret"


def block(text: str, language: str, containing: str) -> str:
    for found in re.findall(rf"```{language}\n(.*?)```", text, flags=re.S):
        if containing in found:
            return str(found)
    raise AssertionError(f"no ```{language} block with {containing!r}")


def test_the_python_signing_example_is_at_most_five_lines_and_verifies() -> None:
    code = block(WEBHOOKS, "python", "hmac.new")
    assert len(code.strip().splitlines()) <= 5
    sent: dict[str, object] = {}

    class Request:
        def __init__(self, url: str, data: bytes, headers: dict[str, str]) -> None:
            sent.update(url=url, data=data, headers=headers)

    import urllib.request

    namespace = {"SECRET": SECRET, "URL": "https://crm.example.com/webhooks/in/zapier"}
    original = (urllib.request.Request, urllib.request.urlopen)
    urllib.request.Request = Request  # type: ignore[assignment,misc]
    urllib.request.urlopen = lambda request: None  # type: ignore[assignment]
    try:
        exec(code, namespace)
    finally:
        urllib.request.Request, urllib.request.urlopen = original  # type: ignore[misc]
    headers = sent["headers"]
    assert isinstance(headers, dict) and isinstance(sent["data"], bytes)
    from datetime import UTC, datetime

    verify(headers["X-Funnelpact-Signature"], sent["data"], [SECRET], datetime.now(UTC))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_curl_and_openssl_example_signs_the_same_way() -> None:
    script = block(WEBHOOKS, "bash", "openssl dgst")
    signing = "\n".join(line for line in script.splitlines() if not line.startswith("curl"))
    done = subprocess.run(
        ["bash", "-c", f'{signing}\nprintf "%s\\n%s\\n%s" "$T" "$SIG" "$BODY"'],
        env={"SECRET": SECRET, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    t, signature, body = done.stdout.split("\n", 2)
    from datetime import UTC, datetime

    assert abs(int(t) - time.time()) < 60
    verify(f"t={t},v1={signature}", body.encode(), [SECRET], datetime.now(UTC))


@pytest.mark.django_db
def test_every_api_route_and_error_code_is_documented() -> None:
    from funnelpact.server.api.endpoints import reads, router
    from funnelpact.server.api.errors import ERROR_CODES
    from funnelpact.server.api.main import api

    ours = {
        operation.operation_id
        for owner in (router, reads)
        for path_view in owner.path_operations.values()
        for operation in path_view.operations
    }
    for path, methods in api.get_openapi_schema()["paths"].items():
        if any(operation["operationId"] in ours for operation in methods.values()):
            assert path.removesuffix("/batch") in API, f"{path} is not in docs/api.md"
    for status, code in ERROR_CODES.items():
        assert f"| {status} | `{code}` |" in API
    assert "/api/openapi.json" in API and "/api/docs" in API


def test_the_webhook_docs_name_every_setting_and_header() -> None:
    for name in (
        "FUNNELPACT_PUBLIC_BASE_URL",
        "FUNNELPACT_HUBSPOT_CLIENT_SECRET",
        "FUNNELPACT_HUBSPOT_TOKEN",
        "FUNNELPACT_HUBSPOT_BASE_URL",
        "/crm/v3/pipelines/deals",
        "X-HubSpot-Signature-v3",
        "X-HubSpot-Request-Timestamp",
        "X-Funnelpact-Signature",
        "funnelpact webhook set",
    ):
        assert name in WEBHOOKS
