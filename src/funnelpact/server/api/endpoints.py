"""The API's routes: events in (single and batch, per kind and mixed), contacts out.

Every write is one transaction (``ingestion.ingest``): a batch is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from pydantic import BaseModel

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    System,
    Touch,
)
from funnelpact.server.accounts.models import Scope
from funnelpact.server.api.auth import TokenWithScope
from funnelpact.server.api.ingestion import IngestResult, LiveEvent, ingest
from funnelpact.server.api.reads import contact_out, find_contact, timeline
from funnelpact.server.api.schemas import (
    BatchResult,
    ContactBatch,
    ContactIn,
    ContactOut,
    DealBatch,
    DealIn,
    DealStageChangeBatch,
    DealStageChangeIn,
    DecisionBatch,
    DecisionIn,
    ErrorOut,
    EventBatch,
    EventSchema,
    ItemResult,
    KindCountsOut,
    OwnerChangeBatch,
    OwnerChangeIn,
    StageChangeBatch,
    StageChangeIn,
    TimelineOut,
    TouchBatch,
    TouchIn,
    parse_ref,
)

API_EVENT_PREFIX = "api:"
WRITE = TokenWithScope(Scope.EVENTS_WRITE)
READ = TokenWithScope(Scope.CONTACTS_READ)
ERRORS: dict[int, type[BaseModel]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}

router = Router(tags=["events"])
reads = Router(tags=["contacts"])


def _optional(text: str | None) -> Ref | None:
    return parse_ref(text) if text else None


def to_record(item: EventSchema, event_id: str = "") -> Record:
    """An API item as the canonical record it describes (facts carry ``event_id``)."""
    match item:
        case ContactIn():
            return Contact(
                ref=parse_ref(item.ref),
                created_at=item.created_at,
                updated_at=item.updated_at,
                email=item.email,
                first_name=item.first_name,
                last_name=item.last_name,
                company=item.company,
                source=item.source,
                source_detail_1=item.source_detail_1,
                source_detail_2=item.source_detail_2,
                campaign=item.campaign,
                stream=item.stream,
                owner=_optional(item.owner),
                lifecycle_stage=item.lifecycle_stage,
                lead_status=item.lead_status,
            )
        case StageChangeIn():
            return StageChange(
                contact=parse_ref(item.contact),
                stage=item.stage,
                entered_at=item.entered_at,
                change_source=item.change_source,
                event_id=event_id,
            )
        case OwnerChangeIn():
            return OwnerChange(
                contact=parse_ref(item.contact),
                owner=parse_ref(item.owner),
                assigned_at=item.assigned_at,
                event_id=event_id,
            )
        case TouchIn():
            return Touch(
                ref=parse_ref(item.ref) if item.ref else Ref(System.API, item.id),
                contact=parse_ref(item.contact),
                type=item.type,
                occurred_at=item.occurred_at,
                direction=item.direction,
                rep=_optional(item.rep),
                automated=item.automated,
                subject=item.subject,
                campaign=item.campaign,
                content=item.content,
            )
        case DealIn():
            return Deal(
                ref=parse_ref(item.ref),
                created_at=item.created_at,
                amount=item.amount,
                currency=item.currency.upper(),
                name=item.name,
                stage=item.stage,
                contact=_optional(item.contact),
                owner=_optional(item.owner),
                closed_at=item.closed_at,
                won=item.won,
            )
        case DealStageChangeIn():
            return DealStageChange(
                deal=parse_ref(item.deal),
                stage=item.stage,
                entered_at=item.entered_at,
                amount=item.amount,
                event_id=event_id,
            )
        case DecisionIn():
            return HandoffDecision(
                contact=parse_ref(item.contact),
                decision=item.decision,
                decided_at=item.decided_at,
                decided_by=_optional(item.decided_by),
                reason=item.reason,
                note=item.note,
                event_id=event_id,
            )
    raise TypeError(f"not an event schema: {type(item).__name__}")


KIND_OF: dict[type[EventSchema], str] = {
    ContactIn: "contact",
    StageChangeIn: "stage_change",
    OwnerChangeIn: "owner_change",
    TouchIn: "touch",
    DealIn: "deal",
    DealStageChangeIn: "deal_stage_change",
    DecisionIn: "decision",
}


def kind_of(item: EventSchema) -> str:
    for cls in type(item).__mro__:
        if cls in KIND_OF:
            return KIND_OF[cls]
    raise TypeError(f"not an event schema: {type(item).__name__}")


def live_events(items: Sequence[EventSchema], prefix: str) -> list[LiveEvent]:
    events = []
    for item in items:
        key = f"{prefix}{item.id}"
        events.append(LiveEvent(key, kind_of(item), to_record(item, key)))
    return events


def batch_result(items: Sequence[EventSchema], result: IngestResult) -> BatchResult:
    return BatchResult(
        accepted=result.accepted,
        duplicates=result.duplicates,
        items=[
            ItemResult(index=index, id=item.id, kind=outcome.kind, duplicate=outcome.duplicate)
            for index, (item, outcome) in enumerate(zip(items, result.outcomes, strict=True))
        ],
        store={
            kind.value: KindCountsOut(
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
                merged=counts.merged,
                placeholders=counts.placeholders,
            )
            for kind, counts in result.report.kinds
        },
    )


def ingest_items(items: Sequence[EventSchema], prefix: str = API_EVENT_PREFIX) -> BatchResult:
    """Store API-shaped items (the REST API's and the signed webhooks' batches)."""
    result = ingest(live_events(items, prefix), received_at=timezone.now())
    return batch_result(items, result)


# -- writes -------------------------------------------------------------------------------------


def _route(path: str, single: type[EventSchema], batch: type[BaseModel], what: str) -> None:
    """POST <path> (one event) and POST <path>/batch (up to 1,000), both scope events:write."""
    kind = KIND_OF[single]

    def post_one(request: HttpRequest, item: Any) -> BatchResult:
        return ingest_items([item])

    def post_batch(request: HttpRequest, batch: Any) -> BatchResult:
        return ingest_items(batch.items)

    # Annotations set here: django-ninja reads the body's schema from them.
    post_one.__annotations__ = {"request": HttpRequest, "item": single, "return": BatchResult}
    post_batch.__annotations__ = {"request": HttpRequest, "batch": batch, "return": BatchResult}
    responses: dict[int, type[BaseModel]] = {200: BatchResult, **ERRORS}
    router.post(
        path,
        response=responses,
        auth=WRITE,
        operation_id=f"post_{kind}",
        summary=f"Send one {what}",
    )(post_one)
    router.post(
        f"{path}/batch",
        response=responses,
        auth=WRITE,
        operation_id=f"post_{kind}_batch",
        summary=f"Send up to 1,000 {what}s in one transaction",
    )(post_batch)


_route("/contacts", ContactIn, ContactBatch, "contact")
_route("/stage-changes", StageChangeIn, StageChangeBatch, "stage change")
_route("/owner-changes", OwnerChangeIn, OwnerChangeBatch, "owner change")
_route("/touches", TouchIn, TouchBatch, "touch")
_route("/deals", DealIn, DealBatch, "deal")
_route("/deal-stage-changes", DealStageChangeIn, DealStageChangeBatch, "deal stage change")
_route("/decisions", DecisionIn, DecisionBatch, "hand-off decision")


@router.post(
    "/events/batch",
    response={200: BatchResult, **ERRORS},
    auth=WRITE,
    operation_id="post_events_batch",
    summary="Send up to 1,000 events of any kinds (each with its kind) in one transaction",
)
def post_events(request: HttpRequest, batch: EventBatch) -> BatchResult:
    return ingest_items(batch.items)


# -- reads --------------------------------------------------------------------------------------


@reads.get(
    "/contacts/{ref}",
    response={200: ContactOut, **ERRORS},
    auth=READ,
    operation_id="get_contact",
    summary="A contact by any of its references (hubspot:123, api:lead-42, ...)",
)
def get_contact(request: HttpRequest, ref: str) -> ContactOut:
    return contact_out(find_contact(parse_ref(ref)))


@reads.get(
    "/contacts/{ref}/timeline",
    response={200: TimelineOut, **ERRORS},
    auth=READ,
    operation_id="get_contact_timeline",
    summary="A contact and everything that happened to it, oldest first",
)
def get_timeline(request: HttpRequest, ref: str) -> TimelineOut:
    return timeline(find_contact(parse_ref(ref)))
