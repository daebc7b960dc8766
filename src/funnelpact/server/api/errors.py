"""The API's error shape, shared by the JSON API and the webhooks: one body for every failure.

``{"error": <stable code>, "message": <for a person>, "problems": [{"item", "field", "message"}]}``
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from funnelpact.errors import FunnelpactError, InputError
from funnelpact.server.api.ingestion import BatchRejectedError
from funnelpact.server.api.schemas import EVENT_KINDS, ErrorOut, Problem

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_input",
    503: "unavailable",
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


class MethodNotAllowedError(FunnelpactError):
    status_code = 405


def error_body(exc: FunnelpactError) -> dict[str, Any]:
    """The JSON body of every expected failure."""
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
    return body.model_dump(mode="json")


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
    # Nothing left: the body itself is missing or not an object (found by schemathesis).
    field = ".".join(str(part) for part in loc) or "body"
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "union_tag_invalid" or error.get("type") == "union_tag_not_found":
        field = "kind"
        message = f"kind must be one of: {', '.join(EVENT_KINDS)}"
    return Problem(item=item, field=field, message=message)
