"""What the API takes and gives: one schema per event kind, batches of them, results, errors.

Every event carries ``id``, the sender's event id: the same id sent again is acknowledged as a
duplicate and ignored. Records are named by references, ``"system:id"`` when the part before the
first colon is a system funnelpact knows (``hubspot:123``, ``salesforce:00Q...``), otherwise the
whole text is an id of the ``api`` system (``lead-42`` is ``api:lead-42``).
Instants must carry their UTC offset (``2025-03-03T09:00:00Z``, ``...+01:00``).

Plain pydantic models, not ``ninja.Schema``: Schema's ORM-friendly validator wraps every field
access, which cost a third of a 500-item batch's time (bench/bench_api.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)

from funnelpact.domain.records import Decision, Direction, Ref, System, TouchType

MAX_BATCH = 1_000
EVENT_ID_LENGTH = 200  # the store's ledger keeps 255 characters, the channel's prefix included
ID_LENGTH = 255
LABEL_LENGTH = 255
TEXT_LENGTH = 20_000
REF_CACHE_SIZE = 65_536

_SYSTEMS = {system.value: system for system in System}  # a dict: System(text) costs 10x


@lru_cache(maxsize=REF_CACHE_SIZE)
def parse_ref(text: str) -> Ref:
    """``hubspot:123`` -> Ref(hubspot, 123); ``lead-42`` (no known system) -> Ref(api, lead-42).

    Kept per text (refs are immutable): a batch names each contact several times, and the
    schema checks every ref before the endpoint reads it again."""
    system, sep, rest = text.partition(":")
    if sep and rest and system in _SYSTEMS:
        return Ref(_SYSTEMS[system], rest)
    return Ref(System.API, text)


def _check_ref(text: str) -> str:
    if not text.strip():
        raise ValueError("a reference cannot be empty")
    if len(parse_ref(text).external_id) > ID_LENGTH:
        raise ValueError(f"the id is longer than {ID_LENGTH} characters")
    return text


def _no_nul(text: str) -> str:
    # PostgreSQL text cannot hold U+0000 and SQLite compares it inconsistently: a repeated id
    # with one was a 500 (found by schemathesis); refused here as a 422 naming the field.
    if "\x00" in text:
        raise ValueError("must not contain the NUL character (U+0000)")
    return text


NoNul = AfterValidator(_no_nul)


def _in_utc_range(value: datetime) -> datetime:
    # 0001-01-01T00:00+01:00 has no UTC instant (the store keeps UTC): a 500 found by
    # schemathesis, refused here as a 422 naming the field.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range in UTC") from None
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]

EventId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=EVENT_ID_LENGTH),
    NoNul,
    Field(description="The sender's event id: sent again, the event is acknowledged and ignored"),
]
RefText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=ID_LENGTH + 20),
    NoNul,
    AfterValidator(_check_ref),
    Field(description='"system:id" (hubspot:123) or an id of the api system (lead-42)'),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=LABEL_LENGTH), NoNul]
Required = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NoNul
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320), NoNul]
LongText = Annotated[str, StringConstraints(max_length=TEXT_LENGTH), NoNul]
Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=4, allow_inf_nan=False)]


class EventSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EventId


class ContactIn(EventSchema):
    """A contact as its source describes it now (the whole record: fields left out are blank).
    The newest ``updated_at`` wins; without it, the last one sent wins."""

    ref: RefText
    created_at: Instant
    updated_at: Instant | None = None
    email: Email = ""
    first_name: Label = ""
    last_name: Label = ""
    company: Label = ""
    source: Label = Field(default="", description="e.g. ORGANIC_SEARCH, PAID_SEARCH, outbound")
    source_detail_1: Label = ""
    source_detail_2: Label = ""
    campaign: Label = ""
    stream: Label = Field(default="", description="the revenue stream (segment), per the plan")
    owner: RefText | None = None
    lifecycle_stage: Label = ""
    lead_status: Label = ""


class StageChangeIn(EventSchema):
    """The contact entered a lifecycle stage (lead, mql, sql, ...)."""

    contact: RefText
    stage: Required
    entered_at: Instant
    change_source: Label = "api"


class OwnerChangeIn(EventSchema):
    """The contact was assigned to an owner (a rep)."""

    contact: RefText
    owner: RefText
    assigned_at: Instant


class TouchIn(EventSchema):
    """A call, email, meeting, note, task, page view, form submission or content download."""

    ref: RefText | None = Field(default=None, description="the touch's own id; default: api:<id>")
    contact: RefText
    type: TouchType
    occurred_at: Instant
    direction: Direction = Direction.OUTBOUND
    rep: RefText | None = None
    automated: bool = Field(default=False, description="sent by a sequence or workflow")
    subject: LongText = ""
    campaign: Label = ""
    content: LongText = ""


class DealIn(EventSchema):
    """A deal as its source describes it now (the whole record)."""

    ref: RefText
    created_at: Instant
    amount: Amount
    currency: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10), NoNul] = ""
    name: Label = ""
    stage: Label = ""
    contact: RefText | None = None
    owner: RefText | None = None
    closed_at: Instant | None = None
    won: bool | None = Field(default=None, description="true won, false lost, null open")


class DealStageChangeIn(EventSchema):
    deal: RefText
    stage: Required
    entered_at: Instant
    amount: Amount | None = None


class DecisionIn(EventSchema):
    """Sales accepted or rejected an MQL; a rejection carries a reason code."""

    contact: RefText
    decision: Decision
    decided_at: Instant
    decided_by: RefText | None = None
    reason: Label = ""
    note: LongText = ""


# -- mixed batches (POST /api/v1/events/batch and signed webhooks) -------------------------------


class ContactEvent(ContactIn):
    kind: Literal["contact"]


class StageChangeEvent(StageChangeIn):
    kind: Literal["stage_change"]


class OwnerChangeEvent(OwnerChangeIn):
    kind: Literal["owner_change"]


class TouchEvent(TouchIn):
    kind: Literal["touch"]


class DealEvent(DealIn):
    kind: Literal["deal"]


class DealStageChangeEvent(DealStageChangeIn):
    kind: Literal["deal_stage_change"]


class DecisionEvent(DecisionIn):
    kind: Literal["decision"]


AnyEvent = Annotated[
    ContactEvent
    | StageChangeEvent
    | OwnerChangeEvent
    | TouchEvent
    | DealEvent
    | DealStageChangeEvent
    | DecisionEvent,
    Field(discriminator="kind"),
]
EVENT_KINDS = (
    "contact",
    "stage_change",
    "owner_change",
    "touch",
    "deal",
    "deal_stage_change",
    "decision",
)


class EventBatch(BaseModel):
    """Events of any kinds, each with its ``kind``; one transaction: all stored or none."""

    model_config = ConfigDict(extra="forbid")
    items: Annotated[list[AnyEvent], Field(min_length=1, max_length=MAX_BATCH)]


def batch_of(item: type[EventSchema]) -> type[BaseModel]:
    """``{"items": [item, ...]}``, 1 to ``MAX_BATCH`` items (``ContactIn`` -> ``ContactBatch``)."""
    items: Any = Annotated[list[item], Field(min_length=1, max_length=MAX_BATCH)]  # type: ignore[valid-type]
    model: type[BaseModel] = create_model(
        item.__name__.removesuffix("In") + "Batch",
        __config__=ConfigDict(extra="forbid"),
        __module__=__name__,
        items=(items, ...),
    )
    return model


ContactBatch = batch_of(ContactIn)
StageChangeBatch = batch_of(StageChangeIn)
OwnerChangeBatch = batch_of(OwnerChangeIn)
TouchBatch = batch_of(TouchIn)
DealBatch = batch_of(DealIn)
DealStageChangeBatch = batch_of(DealStageChangeIn)
DecisionBatch = batch_of(DecisionIn)


# -- results -------------------------------------------------------------------------------------


class ItemResult(BaseModel):
    index: int
    id: str
    kind: str
    duplicate: bool = Field(description="the id was seen before: acknowledged, not stored again")


class KindCountsOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    merged: int
    placeholders: int


class BatchResult(BaseModel):
    accepted: int = Field(description="events stored (new ids)")
    duplicates: int = Field(description="events whose id was seen before")
    items: list[ItemResult]
    store: dict[str, KindCountsOut] = Field(description="what storing did, per record kind")


class Problem(BaseModel):
    item: int | None = Field(default=None, description="the index of the item in `items`")
    field: str = Field(default="", description="the field, dotted (owner, amount, ...)")
    message: str


class ErrorOut(BaseModel):
    error: str = Field(description="a stable code: invalid_input, unauthorized, forbidden, ...")
    message: str
    problems: list[Problem] = Field(default_factory=list)


# -- reads ---------------------------------------------------------------------------------------


class ContactOut(BaseModel):
    id: int
    refs: list[str] = Field(description="every identity of the contact in its source systems")
    email: str
    first_name: str
    last_name: str
    company: str
    created_at: datetime
    updated_at: datetime | None
    source: str
    source_detail_1: str
    source_detail_2: str
    campaign: str
    stream: str
    owner: str | None
    lifecycle_stage: str
    lead_status: str
    placeholder: bool = Field(description="named by an event before any record described it")


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(description="created, stage_change, owner_change, touch, decision, deal, ...")
    detail: dict[str, str | bool | None]


class TimelineOut(BaseModel):
    contact: ContactOut
    entries: list[TimelineEntry]
