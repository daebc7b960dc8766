"""OpenAPI at /api/openapi.json and Swagger UI at /api/docs, with no CDN at run time."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_describes_every_route_with_bearer_security() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert schema["info"]["title"] == "funnelpact API"
    paths = set(schema["paths"])
    for kind in (
        "contacts",
        "stage-changes",
        "owner-changes",
        "touches",
        "deals",
        "deal-stage-changes",
        "decisions",
    ):
        assert f"/api/v1/{kind}" in paths and f"/api/v1/{kind}/batch" in paths
    assert {
        "/api/v1/events/batch",
        "/api/v1/contacts/{ref}",
        "/api/v1/contacts/{ref}/timeline",
    } <= paths
    schemes = schema["components"]["securitySchemes"]
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}
    batch = schema["paths"]["/api/v1/stage-changes/batch"]["post"]
    assert set(batch["responses"]) == {"200", "401", "403", "404", "413", "422"}


def test_the_docs_page_loads_only_assets_this_server_serves() -> None:
    client = Client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/api/docs/assets/") for url in urls)
    types = {}
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        types[url.rsplit("/", 1)[1]] = asset["Content-Type"]
        body = b"".join(asset.streaming_content)  # type: ignore[attr-defined]
        assert len(body) > 100
    assert types["swagger-ui-bundle.js"] in {"text/javascript", "application/javascript"}
    assert types["swagger-ui.css"] == "text/css"
    assert '"url": "/api/openapi.json"' in html


def test_only_the_listed_assets_are_served() -> None:
    client = Client()
    assert client.get("/api/docs/assets/..%2F..%2Fmain.py").status_code == 404
    assert client.get("/api/docs/assets/redoc.standalone.js").status_code == 404
