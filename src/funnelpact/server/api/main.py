"""The NinjaAPI instance: routes, the one error renderer, and the offline docs.

Every expected failure becomes a ``FunnelpactError`` (it carries the HTTP status) and is
rendered by ``render_error`` as ``{"error", "message", "problems"}``; django-ninja's own
validation, authentication and parsing errors are converted to it first. Bad input is never a
500.
"""

from __future__ import annotations

import psycopg
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from funnelpact.errors import FunnelpactError, NotFoundError
from funnelpact.server.api.docs import OfflineSwagger
from funnelpact.server.api.endpoints import reads, router
from funnelpact.server.api.errors import (
    RequestInputError,
    RequestTooLargeError,
    error_body,
    problem_of,
)
from funnelpact.server.watch.api import router as watch_router

DESCRIPTION = """Live events into the funnelpact store and contacts out.

Authenticate with `Authorization: Bearer <token>` (`funnelpact token create NAME --scope ...`).
Every event carries `id`: an id sent again is acknowledged (`duplicate: true`) and ignored.
A batch (up to 1,000 items) is one transaction: all stored, or none and a 422 naming each
item and field. See docs/api.md.
"""

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
api.add_router("/v1/", watch_router)


def render_error(request: HttpRequest, exc: FunnelpactError) -> HttpResponse:
    """The one renderer of every expected failure of the API."""
    return api.create_response(request, error_body(exc), status=exc.status_code)


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


class StoreUnavailableError(FunnelpactError):
    status_code = 503


def store_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The store's connection was lost mid-request (PostgreSQL restarted, the backend
    # terminated, the server unreachable): the transaction was rolled back, nothing of the
    # request is stored. Django closes the broken connection at the end of the request and the
    # next one opens a new one, so the client only has to send the same request again. (The
    # bulk writers' COPY uses psycopg's cursor directly: its errors reach us unwrapped, and
    # Django has not marked the connection; marked here, it is checked and closed.)
    connection.errors_occurred = True
    response = render_error(
        request,
        StoreUnavailableError(
            "the store is unavailable (its database connection was lost: "
            f"{type(exc).__name__}); nothing of this request was stored: send it again"
        ),
    )
    response["Retry-After"] = "1"
    return response


@api.exception_handler(OperationalError)
def on_operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    return store_unavailable(request, exc)


@api.exception_handler(InterfaceError)
def on_interface_error(request: HttpRequest, exc: InterfaceError) -> HttpResponse:
    return store_unavailable(request, exc)


@api.exception_handler(psycopg.OperationalError)
def on_driver_operational_error(
    request: HttpRequest, exc: psycopg.OperationalError
) -> HttpResponse:
    return store_unavailable(request, exc)


@api.exception_handler(psycopg.InterfaceError)
def on_driver_interface_error(request: HttpRequest, exc: psycopg.InterfaceError) -> HttpResponse:
    return store_unavailable(request, exc)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return render_error(
        request,
        RequestTooLargeError(
            "the request body is larger than the server accepts (Django's "
            "DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default): send smaller batches"
        ),
    )
