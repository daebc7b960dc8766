"""Pull from the HubSpot CRM API (v3): owners, deal pipelines, contacts with their lifecycle
history, deals with their stage history, calls, emails and meetings -> canonical records.

    with HubSpotClient(token) as client:
        records = list(pull_records(client))

Contacts and deals are read with ``propertiesWithHistory`` (HubSpot then pages at most 50
records); every entry of ``lifecyclestage`` history becomes a ``StageChange``, of
``hubspot_owner_id`` an ``OwnerChange``, of a deal's ``dealstage`` a ``DealStageChange`` named by
the stage's label (from ``/crm/v3/pipelines/deals``). Activities are linked to contacts through
their associations; one touch per associated contact, named like the export importer names them
(``<id>`` for the first contact, ``<id>:<contact id>`` for the others), so an export and a pull
of the same portal do not double them. Owners are reps ``hubspot:<owner id>``.

429 and 5xx answers (and dropped connections) are retried with exponential backoff, honouring
``Retry-After``; any other error stops the pull with HubSpot's message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any

import httpx

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    Direction,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.errors import FunnelpactError
from funnelpact.ingest.common import normalise_label
from funnelpact.ingest.hubspot.labels import AUTOMATION_WORDS, LIFECYCLE_STAGES

BASE_URL = "https://api.hubapi.com"
PAGE_LIMIT = 100
HISTORY_PAGE_LIMIT = 50  # HubSpot's cap on a page read with propertiesWithHistory

CONTACT_PROPERTIES = (
    "email",
    "firstname",
    "lastname",
    "company",
    "createdate",
    "lastmodifieddate",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_analytics_source_data_2",
    "hs_analytics_first_touch_converting_campaign",
)
CONTACT_HISTORY = ("lifecyclestage", "hs_lead_status", "hubspot_owner_id")
DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hubspot_owner_id",
    "hs_is_closed_won",
)
DEAL_HISTORY = ("dealstage",)
# hs_engagement_source says what logged an activity (a sequence, a workflow); unknown
# properties are ignored by HubSpot, so asking for it is harmless where it does not exist.
ACTIVITY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "calls": ("hs_timestamp", "hs_call_direction", "hs_call_title", "hubspot_owner_id",
              "hs_engagement_source"),
    "emails": ("hs_timestamp", "hs_email_direction", "hs_email_subject", "hubspot_owner_id",
               "hs_engagement_source"),
    "meetings": ("hs_timestamp", "hs_meeting_start_time", "hs_meeting_title", "hubspot_owner_id",
                 "hs_engagement_source"),
}  # fmt: skip
ACTIVITY_TYPES = {"calls": TouchType.CALL, "emails": TouchType.EMAIL, "meetings": TouchType.MEETING}
INBOUND_VALUES = frozenset({"INBOUND", "INCOMING_EMAIL"})

HUBSPOT = System.HUBSPOT


class HubSpotApiError(FunnelpactError):
    """HubSpot refused a request, or kept failing after the retries."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6  # the first try and five retries
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry ``attempt`` (1-based): Retry-After when HubSpot says."""
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_delay_s)
            except ValueError:
                pass  # an HTTP date: fall back to backoff
        return float(min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s))


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class HubSpotClient:
    """GET requests to the CRM API with a private app token, retries and cursor paging."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 30.0,
    ) -> None:
        if not token.strip():
            raise HubSpotApiError("a HubSpot token is required (a private app's access token)")
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token.strip()}", "Accept": "application/json"},
        )

    def __enter__(self) -> HubSpotClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """One GET, retried on 429, 5xx and dropped connections; the JSON body."""
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.requests += 1
            retry_after: str | None = None
            try:
                response = self._http.get(path, params=dict(params or {}))
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return _json(response, path)
                if not _retryable(response.status_code):
                    raise HubSpotApiError(_refusal(response, path))
                last = _refusal(response, path)
                retry_after = response.headers.get("Retry-After")
            if attempt < self.retry.attempts:
                self.retries += 1
                self.sleep(self.retry.delay(attempt, retry_after))
        raise HubSpotApiError(f"{last} (gave up after {self.retry.attempts} attempts)")

    def pages(self, path: str, params: Mapping[str, str | int]) -> Iterator[dict[str, Any]]:
        """Every page of a list endpoint, following ``paging.next.after``."""
        query = dict(params)
        seen: set[str] = set()
        while True:
            page = self.get(path, query)
            yield page
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            if after in seen:  # a cursor that does not move would loop forever
                raise HubSpotApiError(f"GET {path}: HubSpot returned the cursor {after!r} twice")
            seen.add(after)
            query["after"] = after

    def results(self, path: str, params: Mapping[str, str | int]) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params):
            results = page.get("results")
            if not isinstance(results, list):
                raise HubSpotApiError(f"GET {path}: the answer has no results list")
            yield from results


def _json(response: httpx.Response, path: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise HubSpotApiError(f"GET {path}: HubSpot answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise HubSpotApiError(f"GET {path}: HubSpot answered JSON that is not an object")
    return body


def _refusal(response: httpx.Response, path: str) -> str:
    """HubSpot's own words: ``{"status": "error", "message", "category", "correlationId"}``."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("message", "") if isinstance(body, dict) else ""
    category = body.get("category") or body.get("errorType") if isinstance(body, dict) else ""
    correlation = body.get("correlationId", "") if isinstance(body, dict) else ""
    text = f"GET {path}: HubSpot answered {response.status_code}"
    if category:
        text += f" {category}"
    if detail:
        text += f": {detail}"
    if correlation:
        text += f" (correlationId {correlation})"
    if response.status_code == 401:
        text += "; check the private app token"
    elif response.status_code == 403:
        text += "; the private app lacks a scope (crm.objects.contacts.read, ...)"
    return text


# -- JSON -> records -----------------------------------------------------------------------------


class ShapeError(HubSpotApiError):
    """A record in HubSpot's answer lacks what the documentation says it has."""


def _instant(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if text.isdigit():  # some date properties are epoch milliseconds
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ShapeError(f"{where}: {text!r} is not a date") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _required_instant(value: Any, where: str) -> datetime:
    found = _instant(value, where)
    if found is None:
        raise ShapeError(f"{where}: the date is missing")
    return found


def _id(obj: Mapping[str, Any], what: str) -> str:
    value = obj.get("id")
    if value in (None, ""):
        raise ShapeError(f"a {what} without an id in HubSpot's answer")
    return str(value)


def _owner(value: Any) -> Ref | None:
    text = str(value or "").strip()
    return Ref(HUBSPOT, text) if text else None


def canonical_stage(value: str) -> str:
    return LIFECYCLE_STAGES.get(normalise_label(value), value)


def _history(obj: Mapping[str, Any], name: str) -> list[tuple[str, datetime, str]]:
    """(value, timestamp, sourceType) of each history entry of a property, oldest first."""
    entries = (obj.get("propertiesWithHistory") or {}).get(name) or []
    found = []
    for position, entry in enumerate(entries):
        where = f"{_id(obj, 'record')}: propertiesWithHistory.{name}[{position}]"
        value = str(entry.get("value") or "").strip()
        if value:
            found.append(
                (
                    value,
                    _required_instant(entry.get("timestamp"), where),
                    str(entry.get("sourceType") or ""),
                )
            )
    return sorted(found, key=lambda item: item[1])


def owner_records(owner: Mapping[str, Any]) -> Rep:
    """A /crm/v3/owners result as a rep (name, email, primary team)."""
    owner_id = _id(owner, "owner")
    name = " ".join(
        part for part in (owner.get("firstName") or "", owner.get("lastName") or "") if part
    )
    teams = owner.get("teams") or []
    primary = next((t for t in teams if t.get("primary")), teams[0] if teams else None)
    return Rep(
        ref=Ref(HUBSPOT, owner_id),
        name=name or str(owner.get("email") or owner_id),
        email=str(owner.get("email") or ""),
        team=str(primary.get("name") or "") if primary else "",
        active=not owner.get("archived", False),
    )


def contact_records(obj: Mapping[str, Any]) -> list[Record]:
    """A contact with its lifecycle stage and owner history."""
    contact_id = _id(obj, "contact")
    props: Mapping[str, Any] = obj.get("properties") or {}
    where = f"contact {contact_id}"
    ref = Ref(HUBSPOT, contact_id)
    created = _instant(props.get("createdate"), f"{where}: createdate") or _required_instant(
        obj.get("createdAt"), f"{where}: createdAt"
    )
    updated = _instant(obj.get("updatedAt"), f"{where}: updatedAt") or _instant(
        props.get("lastmodifieddate"), f"{where}: lastmodifieddate"
    )
    lifecycle = str(props.get("lifecyclestage") or "")
    records: list[Record] = [
        Contact(
            ref=ref,
            created_at=created,
            updated_at=updated,
            email=str(props.get("email") or ""),
            first_name=str(props.get("firstname") or ""),
            last_name=str(props.get("lastname") or ""),
            company=str(props.get("company") or ""),
            source=str(props.get("hs_analytics_source") or ""),
            source_detail_1=str(props.get("hs_analytics_source_data_1") or ""),
            source_detail_2=str(props.get("hs_analytics_source_data_2") or ""),
            campaign=str(props.get("hs_analytics_first_touch_converting_campaign") or ""),
            owner=_owner(props.get("hubspot_owner_id")),
            lifecycle_stage=canonical_stage(lifecycle) if lifecycle else "",
            lead_status=str(props.get("hs_lead_status") or ""),
        )
    ]
    for value, when, source in _history(obj, "lifecyclestage"):
        change_source = f"api:{source}" if source else "api"
        records.append(StageChange(ref, canonical_stage(value), when, change_source))
    for value, when, _source in _history(obj, "hubspot_owner_id"):
        records.append(OwnerChange(ref, Ref(HUBSPOT, value), when))
    return records


@dataclass(frozen=True, slots=True)
class DealStage:
    label: str
    closed: bool
    probability: Decimal | None


def pipeline_stages(pipelines: Sequence[Mapping[str, Any]]) -> dict[str, DealStage]:
    """Stage id -> label and closed/won metadata, from /crm/v3/pipelines/deals."""
    stages: dict[str, DealStage] = {}
    for pipeline in pipelines:
        for stage in pipeline.get("stages") or []:
            metadata = stage.get("metadata") or {}
            try:
                probability = Decimal(str(metadata["probability"]))
            except (KeyError, InvalidOperation):
                probability = None
            stages[str(stage.get("id"))] = DealStage(
                label=str(stage.get("label") or stage.get("id")),
                closed=str(metadata.get("isClosed", "")).lower() == "true",
                probability=probability,
            )
    return stages


def deal_stage_labels(client: HubSpotClient) -> dict[str, DealStage]:
    """Every deal pipeline's stages by id (``GET /crm/v3/pipelines/deals``): what the pull and
    the webhook receiver name a ``dealstage`` id by."""
    return pipeline_stages(list(client.results("/crm/v3/pipelines/deals", {})))


def _associated(obj: Mapping[str, Any], kind: str = "contacts") -> list[str]:
    """Ids of the associated records, in HubSpot's order, each once."""
    results = ((obj.get("associations") or {}).get(kind) or {}).get("results") or []
    return list(dict.fromkeys(str(item["id"]) for item in results if item.get("id")))


def deal_records(obj: Mapping[str, Any], stages: Mapping[str, DealStage]) -> list[Record]:
    deal_id = _id(obj, "deal")
    props: Mapping[str, Any] = obj.get("properties") or {}
    where = f"deal {deal_id}"
    ref = Ref(HUBSPOT, deal_id)
    raw_amount = str(props.get("amount") or "").strip()
    try:
        amount = Decimal(raw_amount) if raw_amount else Decimal(0)
    except InvalidOperation:
        raise ShapeError(f"{where}: amount {raw_amount!r} is not a number") from None
    stage_id = str(props.get("dealstage") or "")
    stage = stages.get(stage_id)
    won: bool | None = None
    if str(props.get("hs_is_closed_won") or "").lower() == "true":
        won = True
    elif stage is not None and stage.closed:
        won = stage.probability is not None and stage.probability >= 1
    contacts = _associated(obj)
    records: list[Record] = [
        Deal(
            ref=ref,
            created_at=_instant(props.get("createdate"), f"{where}: createdate")
            or _required_instant(obj.get("createdAt"), f"{where}: createdAt"),
            amount=amount,
            currency=str(props.get("deal_currency_code") or "").upper(),
            name=str(props.get("dealname") or ""),
            stage=stage.label if stage else stage_id,
            contact=Ref(HUBSPOT, contacts[0]) if contacts else None,
            owner=_owner(props.get("hubspot_owner_id")),
            closed_at=_instant(props.get("closedate"), f"{where}: closedate")
            if won is not None
            else None,
            won=won,
        )
    ]
    for value, when, _source in _history(obj, "dealstage"):
        label = stages[value].label if value in stages else value
        records.append(DealStageChange(ref, label, when))
    return records


def activity_records(kind: str, obj: Mapping[str, Any]) -> list[Record]:
    """A call, email or meeting: one touch per associated contact (none without a contact)."""
    activity_id = _id(obj, kind[:-1])
    props: Mapping[str, Any] = obj.get("properties") or {}
    where = f"{kind[:-1]} {activity_id}"
    when_value = props.get("hs_meeting_start_time") if kind == "meetings" else None
    occurred = _instant(when_value, f"{where}: hs_meeting_start_time") or _required_instant(
        props.get("hs_timestamp") or obj.get("createdAt"), f"{where}: hs_timestamp"
    )
    direction_value = str(
        props.get("hs_call_direction") or props.get("hs_email_direction") or ""
    ).upper()
    source = normalise_label(str(props.get("hs_engagement_source") or ""))
    automated = bool(source) and any(word in source for word in AUTOMATION_WORDS)
    subject = str(
        props.get("hs_call_title")
        or props.get("hs_email_subject")
        or props.get("hs_meeting_title")
        or ""
    )
    return [
        Touch(
            ref=Ref(HUBSPOT, activity_id if position == 0 else f"{activity_id}:{contact}"),
            contact=Ref(HUBSPOT, contact),
            type=ACTIVITY_TYPES[kind],
            occurred_at=occurred,
            direction=Direction.INBOUND
            if direction_value in INBOUND_VALUES
            else Direction.OUTBOUND,
            rep=_owner(props.get("hubspot_owner_id")),
            automated=automated,
            subject=subject,
        )
        for position, contact in enumerate(_associated(obj))
    ]


# -- the pull --------------------------------------------------------------------------------------


@dataclass(slots=True)
class PullCounts:
    owners: int = 0
    contacts: int = 0
    deals: int = 0
    activities: int = 0
    records: int = 0


def _list_params(
    properties: Sequence[str], history: Sequence[str] = (), associations: str = ""
) -> dict[str, str | int]:
    params: dict[str, str | int] = {
        "limit": HISTORY_PAGE_LIMIT if history else PAGE_LIMIT,
        "properties": ",".join(properties),
        "archived": "false",
    }
    if history:
        params["propertiesWithHistory"] = ",".join(history)
    if associations:
        params["associations"] = associations
    return params


def pull_records(
    client: HubSpotClient,
    *,
    counts: PullCounts | None = None,
    on_object: Callable[[str], None] | None = None,
) -> Iterator[Record]:
    """Every record the portal holds, owners first (contacts name them)."""
    tally = counts if counts is not None else PullCounts()

    def emit(records: Sequence[Record]) -> Iterator[Record]:
        tally.records += len(records)
        yield from records

    for owner in client.results("/crm/v3/owners", {"limit": PAGE_LIMIT, "archived": "false"}):
        tally.owners += 1
        yield from emit([owner_records(owner)])
    if on_object:
        on_object("owners")
    stages = deal_stage_labels(client)
    for obj in client.results(
        "/crm/v3/objects/contacts", _list_params(CONTACT_PROPERTIES, CONTACT_HISTORY)
    ):
        tally.contacts += 1
        yield from emit(contact_records(obj))
    if on_object:
        on_object("contacts")
    for obj in client.results(
        "/crm/v3/objects/deals", _list_params(DEAL_PROPERTIES, DEAL_HISTORY, "contacts")
    ):
        tally.deals += 1
        yield from emit(deal_records(obj, stages))
    if on_object:
        on_object("deals")
    for kind, properties in ACTIVITY_PROPERTIES.items():
        for obj in client.results(
            f"/crm/v3/objects/{kind}", _list_params(properties, associations="contacts")
        ):
            tally.activities += 1
            yield from emit(activity_records(kind, obj))
        if on_object:
            on_object(kind)
