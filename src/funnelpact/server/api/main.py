"""The NinjaAPI instance: routes, the one error renderer, and the offline docs.

Every expected failure becomes a ``FunnelpactError`` (it carries the HTTP status) and is
rendered by ``render_error`` as ``{"error", "message", "problems"}``; django-ninja's own
validation, authentication and parsing errors are converted to it first. Bad input is never a
500.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from funnelpact.errors import FunnelpactError, InputError, NotFoundError
from funnelpact.server.api.docs import OfflineSwagger
from funnelpact.server.api.endpoints import reads, router
from funnelpact.server.api.ingestion import BatchRejectedError
from funnelpact.server.api.schemas import EVENT_KINDS, ErrorOut, Problem

DESCRIPTION = """Live events into the funnelpact store and contacts out.

Authenticate with `Authorization: Bearer <token>` (`funnelpact token create NAME --scope ...`).
Every event carries `id`: an id sent again is acknowledged (`duplicate: true`) and ignored.
A batch (up to 1,000 items) is one transaction: all stored, or none and a 422 naming each
item and field. See docs/api.md.
"""

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
    422: "invalid_input",
}


class RequestInputError(InputError):
    """The request body does not fit the schema: each problem names the item and the field."""

    status_code = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the request; nothing was stored"
        )


class RequestTooLargeError(FunnelpactError):
    status_code = 413


api = NinjaAPI(
    title="funnelpact API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/v1/", router)
api.add_router("/v1/", reads)


def render_error(request: HttpRequest, exc: FunnelpactError) -> HttpResponse:
    """The one renderer of every expected failure."""
    problems: Sequence[Problem] = ()
    if isinstance(exc, RequestInputError):
        problems = exc.problems
    elif isinstance(exc, BatchRejectedError):
        problems = [Problem(item=p.index, field=p.field, message=p.message) for p in exc.problems]
    body = ErrorOut(
        error=ERROR_CODES.get(exc.status_code, "error"),
        message=exc.message,
        problems=list(problems),
    )
    return api.create_response(request, body.model_dump(), status=exc.status_code)


def problem_of(error: dict[str, Any]) -> Problem:
    """A pydantic error at ("body", <param>, "items", 3, <kind>, "entered_at") as item 3,
    field "entered_at"."""
    loc = [part for part in error.get("loc", ()) if part != "body"]
    if loc and isinstance(loc[0], str) and loc[0] in {"item", "batch"}:
        loc = loc[1:]
    item: int | None = None
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        item, loc = loc[1], loc[2:]
        if loc and loc[0] in EVENT_KINDS:  # the union's tag: the kind is not a field
            loc = loc[1:]
    field = ".".join(str(part) for part in loc)
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "union_tag_invalid" or error.get("type") == "union_tag_not_found":
        field = "kind"
        message = f"kind must be one of: {', '.join(EVENT_KINDS)}"
    return Problem(item=item, field=field, message=message)


@api.exception_handler(FunnelpactError)
def on_funnelpact_error(request: HttpRequest, exc: FunnelpactError) -> HttpResponse:
    return render_error(request, exc)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return render_error(request, RequestInputError([problem_of(e) for e in exc.errors]))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja's own refusals (an unparsable body, throttling) in our shape.
    message = str(exc.message)
    if message == "Cannot parse request body":
        message = "the request body is not valid JSON"
    error = FunnelpactError(message)
    error.status_code = exc.status_code
    return render_error(request, error)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return render_error(request, NotFoundError(str(exc) or "not found"))


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return render_error(
        request,
        RequestTooLargeError(
            "the request body is larger than the server accepts (Django's "
            "DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default): send smaller batches"
        ),
    )
