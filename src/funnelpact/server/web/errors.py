"""Error pages in the reader's language, inside the page frame, and JSON for JSON clients.

Django's own 403/404/500 pages are English text outside the app (and its CSRF failure page
speaks to developers); a rep who follows a stale link, or a viewer who opens a page their
role does not have, gets the app's header, a sentence in their language and a way back.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_lazy

from funnelpact.server.accounts.roles import Capability
from funnelpact.server.web.permissions import viewer_of, wants_json

logger = logging.getLogger(__name__)

# status: (JSON detail, page title, sentence)
_TEXTS: Final[dict[int, tuple[str, Any, Any]]] = {
    403: (
        "forbidden",
        gettext_lazy("No access"),
        gettext_lazy("Your role does not give you access to this page."),
    ),
    404: (
        "not found",
        gettext_lazy("Page not found"),
        gettext_lazy("There is nothing at this address, or it is not yours to see."),
    ),
    500: (
        "server error",
        gettext_lazy("Something went wrong"),
        gettext_lazy("The server could not answer. Try again in a moment."),
    ),
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/webhooks/")) or wants_json(request)


def error_response(request: HttpRequest, status: int, detail: str | None = None) -> HttpResponse:
    """The page (or JSON body) for ``status``; ``detail`` replaces the sentence."""
    code, title, sentence = _TEXTS[status]
    if _is_api(request):
        return JsonResponse({"detail": code}, status=status)
    viewer = None
    try:
        viewer = viewer_of(request) if hasattr(request, "user") else None
    except Exception:  # the store may be what failed (a 500): the page shows no header then
        logger.debug("no viewer for the error page", exc_info=True)
    context = {
        "viewer": viewer,
        "caps": {c.value for c in Capability if viewer is not None and viewer.can(c)},
        "status": status,
        "title": str(title),
        "sentence": detail or str(sentence),
    }
    try:
        body = render_to_string("web/error.html", context, request=request)
    except Exception:  # never let the error page raise: plain words instead
        logger.exception("the error page could not be rendered")
        body = f"{title}. {sentence}"
    return HttpResponse(body, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its token (an expired page, usually): say what to do."""
    return error_response(
        request,
        403,
        detail=gettext("This form has expired. Reload the page and send it again."),
    )
