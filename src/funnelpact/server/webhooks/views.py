"""POST /webhooks/hubspot and POST /webhooks/in/<source>.

Both are POST-only and exempt from CSRF (urls.py): senders sign, they hold no session. Both
check the signature before anything else: an unsigned, wrongly signed or stale request is
answered 401, logged, and nothing is stored. A signed delivery is stored in one transaction and
answered 200 with what it did. The body shape is in docs/webhooks.md.
"""

from __future__ import annotations

import logging

import pydantic
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from funnelpact.errors import FunnelpactError, InputError
from funnelpact.ingest.hubspot.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    parse_delivery,
    read_delivery,
    verify_signature_v3,
)
from funnelpact.ingest.signing import SIGNATURE_HEADER as GENERIC_SIGNATURE_HEADER
from funnelpact.ingest.signing import SignatureError, SignatureProblem, verify
from funnelpact.server.accounts.services import webhook_secret
from funnelpact.server.api.endpoints import ingest_items
from funnelpact.server.api.errors import RequestInputError, error_body, problem_of
from funnelpact.server.api.schemas import EventBatch
from funnelpact.server.webhooks import service
from funnelpact.server.webhooks.service import (
    hubspot_client_secret,
    public_uri,
    store_hubspot_delivery,
)

log = logging.getLogger("funnelpact.webhooks")
HUBSPOT_SOURCE = "hubspot"


def error_response(exc: FunnelpactError) -> JsonResponse:
    return JsonResponse(error_body(exc), status=exc.status_code)


def _refused(request: HttpRequest, source: str, exc: SignatureError) -> JsonResponse:
    log.warning(
        "webhook %s refused (%s): %s [from %s]",
        source,
        exc.problem.value,
        exc.message,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return error_response(exc)


def hubspot_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    try:
        verify_signature_v3(
            client_secret=hubspot_client_secret(webhook_secret(HUBSPOT_SOURCE)),
            method=request.method or "POST",
            uri=public_uri(request),
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            now=timezone.now(),
        )
    except SignatureError as exc:
        return _refused(request, HUBSPOT_SOURCE, exc)
    try:
        events = parse_delivery(body)
        delivery = read_delivery(events, service.DEAL_STAGES.for_events(events))
        outcome = store_hubspot_delivery(delivery, received_at=timezone.now())
    except FunnelpactError as exc:
        log.warning("webhook hubspot: delivery not stored: %s", exc.message)
        return error_response(exc)
    return JsonResponse(
        {
            "received": outcome.received,
            "applied": outcome.applied,
            "duplicates": outcome.duplicates + outcome.repeated_in_delivery,
            "merged": outcome.merged,
            "skipped": outcome.skipped,
        }
    )


def signed_webhook(request: HttpRequest, source: str) -> JsonResponse:
    body = request.body
    secret = webhook_secret(source)
    try:
        if secret is None:
            raise SignatureError(
                SignatureProblem.NO_SECRET,
                f"no webhook source named {source!r} (funnelpact webhook set {source})",
            )
        verify(request.headers.get(GENERIC_SIGNATURE_HEADER), body, [secret], timezone.now())
    except SignatureError as exc:
        return _refused(request, source, exc)
    try:
        try:
            batch = EventBatch.model_validate_json(body)
        except pydantic.ValidationError as exc:
            errors = exc.errors(include_url=False)
            if any(e["type"] == "json_invalid" for e in errors):
                raise InputError("the request body is not valid JSON") from None
            raise RequestInputError([problem_of(dict(e)) for e in errors]) from None
        result = ingest_items(batch.items, prefix=f"in:{source}:")
    except FunnelpactError as exc:
        return error_response(exc)
    return JsonResponse(result.model_dump(mode="json"))
