"""The API's URLs: /api/v1/..., /api/openapi.json, /api/docs and the docs' own assets."""

from __future__ import annotations

from django.urls import path

from funnelpact.server.api.docs import ASSET_URL_NAME, docs_asset
from funnelpact.server.api.main import api

urlpatterns = [
    path("api/docs/assets/<str:name>", docs_asset, name=ASSET_URL_NAME),
    path("api/", api.urls),
]
