"""HubSpot webhook deliveries: verify the v3 signature, read the events, turn them into records.

A delivery is a JSON array of up to 100 events. HubSpot delivers at least once and in no order,
so events are deduplicated by ``eventId`` and sorted by ``occurredAt`` here, and the store is
order-free besides. What each event becomes:

- ``contact.creation`` -> a ``Contact`` with what is known (id and creation time);
- ``contact.propertyChange`` of ``lifecyclestage`` -> ``StageChange`` (values mapped to the
  canonical stage names the export importer uses: ``marketingqualifiedlead`` -> ``mql``);
- ``contact.propertyChange`` of ``hubspot_owner_id`` -> ``OwnerChange`` (owner ``hubspot:<id>``);
- ``contact.merge`` -> a ``HubSpotMerge`` for the store to merge;
- ``deal.creation`` -> a ``Deal`` (amount unknown: 0 until an export or the API says more);
- ``deal.propertyChange`` of ``dealstage`` -> ``DealStageChange`` named by the stage's label,
  as exports and the pull name it: HubSpot sends the internal id (``appointmentscheduled``, a
  number for custom stages); ``deal_stages`` (id -> label, from ``/crm/v3/pipelines/deals``)
  maps it, else the default pipeline's English labels, else the id stays;
- anything else (deletions, other properties, other objects) is skipped, with the reason.

The generic ``object.*`` subscription types of newer apps are read the same way for contacts
(``objectTypeId`` 0-1) and deals (0-3).

Pure: the caller passes ``now`` and the raw request; nothing here reads a clock or a socket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    System,
)
from funnelpact.errors import InputError
from funnelpact.ingest.common import normalise_label
from funnelpact.ingest.hubspot.labels import LIFECYCLE_STAGES
from funnelpact.ingest.signing import SignatureError, SignatureProblem, age_of, check_freshness

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_EVENTS = 1_000  # HubSpot sends at most 100 per request; more is not HubSpot
CHANGE_SOURCE = "webhook:hubspot"
EVENT_PREFIX = "hubspot:"

# HubSpot signs the URI with these escapes decoded (its documentation lists exactly these).
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_ESCAPE = re.compile("|".join(_DECODED), re.IGNORECASE)

# HubSpot's default deal pipeline: stage ids and their labels, for portals whose pipelines the
# receiver cannot read (no token); a portal's own labels (renamed stages) win when known.
DEFAULT_PIPELINE_LABELS: dict[str, str] = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}

_CONTACT_TYPE_ID = "0-1"
_DEAL_TYPE_ID = "0-3"


class ObjectKind(StrEnum):
    CONTACT = "contact"
    DEAL = "deal"


class Action(StrEnum):
    CREATION = "creation"
    PROPERTY_CHANGE = "propertyChange"
    DELETION = "deletion"
    MERGE = "merge"
    RESTORE = "restore"
    ASSOCIATION_CHANGE = "associationChange"
    PRIVACY_DELETION = "privacyDeletion"


class DeliveryError(InputError):
    """A signed request whose body is not a HubSpot delivery (the message names the event)."""


# -- signature ----------------------------------------------------------------------------------


def signed_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed percent-escapes decoded, the fragment dropped."""
    return _ESCAPE.sub(lambda match: _DECODED[match.group(0).upper()], uri.split("#", 1)[0])


def signature_v3(client_secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp))."""
    message = method.upper().encode() + signed_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(client_secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature_v3(
    *,
    client_secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now: datetime,
) -> None:
    """Refuse (``SignatureError``, 401) a request HubSpot did not sign or signed > 5 min ago.

    ``uri`` is the full URL HubSpot called (scheme, host, path, query): behind a proxy, the
    public base URL, not the one the server sees.
    """
    if not client_secret:
        raise SignatureError(
            SignatureProblem.NO_SECRET,
            "no HubSpot client secret is configured "
            "(funnelpact webhook set hubspot --secret <the app's client secret>)",
        )
    if not signature or not timestamp:
        missing = SIGNATURE_HEADER if not signature else TIMESTAMP_HEADER
        raise SignatureError(SignatureProblem.MISSING, f"the request is not signed: no {missing}")
    if not timestamp.isdigit() or len(timestamp) > 16:
        raise SignatureError(
            SignatureProblem.MALFORMED,
            f"{TIMESTAMP_HEADER} must be epoch milliseconds (digits); got {timestamp[:40]!r}",
        )
    check_freshness(age_of(now.timestamp() - int(timestamp) / 1000))
    expected = signature_v3(client_secret, method, uri, body, timestamp)
    if not hmac.compare_digest(signature.strip().encode("ascii", "replace"), expected.encode()):
        raise SignatureError(
            SignatureProblem.MISMATCH,
            f"{SIGNATURE_HEADER} does not match (check the app's client secret and that the "
            "public base URL is the one HubSpot calls)",
        )


# -- events -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HubSpotEvent:
    """One event of a delivery, with HubSpot's field names in snake case."""

    event_id: int
    subscription_type: str
    object_id: int
    occurred_at: datetime
    portal_id: int | None = None
    app_id: int | None = None
    subscription_id: int | None = None
    attempt_number: int = 0
    change_flag: str = ""
    change_source: str = ""
    source_id: str = ""
    property_name: str = ""
    property_value: str = ""
    object_type_id: str = ""
    primary_object_id: int | None = None
    merged_object_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """The event id as the store's event ledger names it."""
        return f"{EVENT_PREFIX}{self.event_id}"

    @property
    def object_kind(self) -> ObjectKind | None:
        prefix, _, _ = self.subscription_type.partition(".")
        if prefix == "object":
            return {_CONTACT_TYPE_ID: ObjectKind.CONTACT, _DEAL_TYPE_ID: ObjectKind.DEAL}.get(
                self.object_type_id
            )
        try:
            return ObjectKind(prefix)
        except ValueError:
            return None

    @property
    def action(self) -> str:
        return self.subscription_type.partition(".")[2]


def _integer(raw: dict[str, Any], name: str, where: str, *, required: bool) -> int | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise DeliveryError(f"{where}: {name} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DeliveryError(f"{where}: {name} must be an integer; got {json.dumps(value)[:60]}")
    if isinstance(value, str) and not value.strip().isdigit():
        raise DeliveryError(f"{where}: {name} must be an integer; got {value[:60]!r}")
    number = int(value)
    if number < 0 or number >= 2**63:
        raise DeliveryError(f"{where}: {name} {number} is out of range")
    return number


def _text(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise DeliveryError(f"{where}: {name} must be a string; got {json.dumps(value)[:60]}")
    return str(value)


def _event(raw: object, index: int) -> HubSpotEvent:
    where = f"event {index}"
    if not isinstance(raw, dict):
        raise DeliveryError(f"{where}: an event must be a JSON object")
    event_id = _integer(raw, "eventId", where, required=True)
    where = f"event {index} (eventId {event_id})"
    occurred_ms = _integer(raw, "occurredAt", where, required=True)
    object_id = _integer(raw, "objectId", where, required=True)
    subscription_type = _text(raw, "subscriptionType", where)
    if not subscription_type:
        raise DeliveryError(f"{where}: subscriptionType is missing")
    assert event_id is not None and occurred_ms is not None and object_id is not None
    if occurred_ms > 253_402_300_799_999:  # 9999-12-31: beyond it datetime cannot say it
        raise DeliveryError(f"{where}: occurredAt {occurred_ms} is not epoch milliseconds")
    merged = raw.get("mergedObjectIds") or []
    if not isinstance(merged, list):
        raise DeliveryError(f"{where}: mergedObjectIds must be a list of ids")
    merged_ids = []
    for position, value in enumerate(merged):
        checked = _integer(
            {"id": value}, "id", f"{where}: mergedObjectIds[{position}]", required=True
        )
        assert checked is not None
        merged_ids.append(checked)
    return HubSpotEvent(
        event_id=event_id,
        subscription_type=subscription_type,
        object_id=object_id,
        occurred_at=datetime.fromtimestamp(occurred_ms / 1000, tz=UTC),
        portal_id=_integer(raw, "portalId", where, required=False),
        app_id=_integer(raw, "appId", where, required=False),
        subscription_id=_integer(raw, "subscriptionId", where, required=False),
        attempt_number=_integer(raw, "attemptNumber", where, required=False) or 0,
        change_flag=_text(raw, "changeFlag", where),
        change_source=_text(raw, "changeSource", where),
        source_id=_text(raw, "sourceId", where),
        property_name=_text(raw, "propertyName", where),
        property_value=_text(raw, "propertyValue", where),
        object_type_id=_text(raw, "objectTypeId", where),
        primary_object_id=_integer(raw, "primaryObjectId", where, required=False),
        merged_object_ids=tuple(merged_ids),
    )


def parse_delivery(body: bytes) -> list[HubSpotEvent]:
    """The events of a delivery, in the order sent; ``DeliveryError`` names the bad event."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"the body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DeliveryError(
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(payload, list):
        raise DeliveryError("a HubSpot delivery is a JSON array of events")
    if len(payload) > MAX_EVENTS:
        raise DeliveryError(f"{len(payload)} events in one delivery (at most {MAX_EVENTS})")
    return [_event(raw, index) for index, raw in enumerate(payload)]


# -- events -> records --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HubSpotMerge:
    """Contacts HubSpot merged: every ``merged`` contact joins ``primary``."""

    primary: Ref
    merged: tuple[Ref, ...]
    occurred_at: datetime
    event_key: str


@dataclass(frozen=True, slots=True)
class Applied:
    """An event and what it becomes (a record, a merge, or nothing with a reason)."""

    event: HubSpotEvent
    record: Record | None = None
    merge: HubSpotMerge | None = None
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery read: one entry per distinct event, oldest first, and the repeats dropped."""

    applied: tuple[Applied, ...]
    repeated: int  # events whose eventId appeared earlier in the same delivery

    @property
    def records(self) -> list[Record]:
        return [a.record for a in self.applied if a.record is not None]

    @property
    def merges(self) -> list[HubSpotMerge]:
        return [a.merge for a in self.applied if a.merge is not None]


def hubspot_ref(object_id: int | str) -> Ref:
    return Ref(System.HUBSPOT, str(object_id))


def canonical_stage(value: str) -> str:
    """A lifecycle stage value as funnelpact names it (custom stage ids stay as they are)."""
    return LIFECYCLE_STAGES.get(normalise_label(value), value)


def deal_stage_label(stage_id: str, deal_stages: Mapping[str, str]) -> str:
    """A ``dealstage`` id as exports and the pull name the stage: the portal's label."""
    return deal_stages.get(stage_id) or DEFAULT_PIPELINE_LABELS.get(stage_id) or stage_id


def deal_stage_ids(events: Sequence[HubSpotEvent]) -> set[str]:
    """The ``dealstage`` ids a delivery's events carry."""
    return {
        event.property_value
        for event in events
        if event.object_kind is ObjectKind.DEAL
        and event.action == Action.PROPERTY_CHANGE
        and event.property_name == "dealstage"
        and event.property_value
    }


def apply_event(event: HubSpotEvent, deal_stages: Mapping[str, str] | None = None) -> Applied:
    """What one event means for the store (``deal_stages``: stage id -> the portal's label)."""
    kind, action = event.object_kind, event.action
    if kind is None:
        return Applied(event, skipped=f"{event.subscription_type}: not a contact or deal event")
    ref = hubspot_ref(event.object_id)
    when = event.occurred_at
    if kind is ObjectKind.CONTACT:
        if action == Action.CREATION:
            return Applied(event, record=Contact(ref=ref, created_at=when))
        if action == Action.MERGE:
            return _merge(event)
        if action == Action.PROPERTY_CHANGE:
            return _contact_property(event, ref, when)
    else:
        if action == Action.CREATION:
            return Applied(event, record=Deal(ref=ref, created_at=when, amount=Decimal(0)))
        if action == Action.PROPERTY_CHANGE:
            if event.property_name != "dealstage":
                return Applied(event, skipped=f"deal property {event.property_name!r} not read")
            if not event.property_value:
                return Applied(event, skipped="deal stage cleared")
            return Applied(
                event,
                record=DealStageChange(
                    deal=ref,
                    stage=deal_stage_label(event.property_value, deal_stages or {}),
                    entered_at=when,
                    event_id=event.key,
                ),
            )
    return Applied(event, skipped=f"{event.subscription_type}: not applied to the store")


def _contact_property(event: HubSpotEvent, ref: Ref, when: datetime) -> Applied:
    name, value = event.property_name, event.property_value.strip()
    if name == "lifecyclestage":
        if not value:
            return Applied(event, skipped="lifecycle stage cleared")
        return Applied(
            event,
            record=StageChange(
                contact=ref,
                stage=canonical_stage(value),
                entered_at=when,
                change_source=CHANGE_SOURCE,
                event_id=event.key,
            ),
        )
    if name == "hubspot_owner_id":
        if not value:
            return Applied(event, skipped="owner removed (no record for an unassignment)")
        return Applied(
            event,
            record=OwnerChange(
                contact=ref, owner=hubspot_ref(value), assigned_at=when, event_id=event.key
            ),
        )
    return Applied(event, skipped=f"contact property {name!r} not read")


def _merge(event: HubSpotEvent) -> Applied:
    primary = event.primary_object_id if event.primary_object_id is not None else event.object_id
    merged = tuple(
        hubspot_ref(other) for other in sorted(set(event.merged_object_ids)) if other != primary
    )
    if not merged:
        return Applied(event, skipped="merge names no other contact")
    return Applied(
        event,
        merge=HubSpotMerge(hubspot_ref(primary), merged, event.occurred_at, event.key),
    )


def read_delivery(
    events: Sequence[HubSpotEvent], deal_stages: Mapping[str, str] | None = None
) -> Delivery:
    """Deduplicate by ``eventId`` (the first copy wins), order by ``occurredAt``, apply each
    (``deal_stages``: the portal's deal stage labels by id, see ``deal_stage_label``)."""
    distinct: dict[int, HubSpotEvent] = {}
    for event in events:
        distinct.setdefault(event.event_id, event)
    ordered = sorted(distinct.values(), key=lambda e: (e.occurred_at, e.event_id))
    return Delivery(
        applied=tuple(apply_event(event, deal_stages) for event in ordered),
        repeated=len(events) - len(distinct),
    )
