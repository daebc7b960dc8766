"""The API's Swagger UI from the assets django-ninja ships: nothing is fetched from a CDN.

django-ninja loads Swagger UI from a CDN unless "ninja" is an installed app *and* static files
are served; serving its three files from the package directory ourselves works in every
deployment (no collectstatic, no static server) and keeps the page usable offline.
"""

from __future__ import annotations

import html
import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png", "favicon.svg"}
)
ASSET_URL_NAME = "api-docs-asset"

_PAGE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" type="text/css" href="{css}">
  <link rel="icon" type="image/png" href="{icon}">
</head>
<body data-csrf-token="" data-api-csrf="">
  <script type="application/json" id="swagger-settings">{settings}</script>
  <div id="swagger-ui"></div>
  <script src="{bundle}"></script>
  <script src="{init}"></script>
</body>
</html>
"""


def asset_url(name: str) -> str:
    return str(reverse(ASSET_URL_NAME, kwargs={"name": name}))


class OfflineSwagger(DocsBase):
    """Swagger UI whose script, style and icon come from this server."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "persistAuthorization": True,
        }
        page = _PAGE.format(
            title=html.escape(api.title),
            css=asset_url("swagger-ui.css"),
            icon=asset_url("favicon.png"),
            bundle=asset_url("swagger-ui-bundle.js"),
            init=asset_url("swagger-ui-init.js"),
            # "</" inside a script element would end it: escape it in the JSON.
            settings=json.dumps(settings).replace("</", "<\\/"),
        )
        return HttpResponse(page, content_type="text/html; charset=utf-8")


def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One of the Swagger UI files shipped with django-ninja (a fixed list: no path walking)."""
    if name not in ASSETS:
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
