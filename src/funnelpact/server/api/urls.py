"""The API's URLs: /api/v1/..., /api/openapi.json, /api/docs and the docs' own assets.

Every answer under /api/ is JSON, also the ones django-ninja and Django make themselves: a
method an endpoint does not have (django-ninja's 405 is an HTML page) and a path no endpoint
has (Django's 404 page) are rendered in the API's error shape here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path

from funnelpact.errors import FunnelpactError, NotFoundError
from funnelpact.server.api.docs import ASSET_URL_NAME, docs_asset
from funnelpact.server.api.errors import MethodNotAllowedError, error_body
from funnelpact.server.api.main import api

METHOD_NOT_ALLOWED = 405


def _json_error(exc: FunnelpactError, **headers: str) -> JsonResponse:
    response = JsonResponse(error_body(exc), status=exc.status_code)
    for name, value in headers.items():
        response[name] = value
    return response


def json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """django-ninja answers a method no operation of a path has with ``405 Method not
    allowed`` in text/html: the same refusal in the API's JSON shape (the Allow header kept)."""

    @functools.wraps(view)  # keeps csrf_exempt: senders hold no session
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != METHOD_NOT_ALLOWED or response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        message = f"{request.method} is not allowed on {request.path}"
        if allowed:
            message += f" (allowed: {allowed})"
        return _json_error(MethodNotAllowedError(message), Allow=allowed)

    return wrapper


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/: a JSON 404 (Django's own page is HTML)."""
    return _json_error(NotFoundError(f"no API endpoint at {request.path} (see /api/docs)"))


def _json_everywhere(
    patterns: list[URLPattern | URLResolver],
) -> list[URLPattern | URLResolver]:
    wrapped: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern = URLPattern(
                pattern.pattern,
                json_method_not_allowed(pattern.callback),
                pattern.default_args,
                pattern.name,
            )
        wrapped.append(pattern)
    return wrapped


_api_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("api/docs/assets/<str:name>", docs_asset, name=ASSET_URL_NAME),
    path("api/", (_json_everywhere(list(_api_patterns)), _app_name, _namespace)),
    re_path(r"^api/(?P<rest>.*)$", not_found, name="api_not_found"),
]
