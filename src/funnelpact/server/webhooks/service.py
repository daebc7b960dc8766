"""What a verified delivery does to the store: records through ``ingest``, then merges."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from funnelpact.domain.records import Contact, Deal, Ref
from funnelpact.ingest.hubspot.webhooks import Delivery, HubSpotMerge
from funnelpact.server.api.ingestion import IngestResult, LiveEvent, ingest
from funnelpact.server.tracking import models
from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import merge_contacts

PUBLIC_BASE_URL_ENV = "FUNNELPACT_PUBLIC_BASE_URL"
HUBSPOT_SECRET_ENV = "FUNNELPACT_HUBSPOT_CLIENT_SECRET"
MERGE_DEPTH_LIMIT = 50


def public_uri(request: HttpRequest) -> str:
    """The URL the sender called. Behind a proxy the server sees another scheme or host, so
    ``FUNNELPACT_PUBLIC_BASE_URL`` (``https://crm.example.com``) replaces them when set."""
    configured = getattr(settings, PUBLIC_BASE_URL_ENV, "")
    base = str(configured or os.environ.get(PUBLIC_BASE_URL_ENV, ""))
    if base:
        return base.rstrip("/") + str(request.get_full_path())
    return str(request.build_absolute_uri())


def hubspot_client_secret(stored: str | None) -> str:
    """The app's client secret: set with the CLI (stored), else from the environment."""
    return stored or os.environ.get(HUBSPOT_SECRET_ENV, "")


@dataclass(frozen=True, slots=True)
class HubSpotOutcome:
    received: int
    repeated_in_delivery: int
    duplicates: int
    applied: int
    merged: int
    skipped: dict[str, int]


def _active_contact(ref: Ref) -> int | None:
    contact_id: Any = (
        models.ContactIdentity.objects.filter(system=ref.system.value, external_id=ref.external_id)
        .values_list("contact_id", flat=True)
        .first()
    )
    for _ in range(MERGE_DEPTH_LIMIT):
        if contact_id is None:
            return None
        target = (
            models.Contact.objects.filter(pk=contact_id)
            .values_list("merged_into_id", flat=True)
            .first()
        )
        if target is None:
            return int(contact_id)
        contact_id = target
    return None


def apply_merges(merges: Sequence[HubSpotMerge], new_keys: frozenset[str]) -> int:
    """Merge the store's contacts as HubSpot merged them; returns the merges done.

    The primary contact keeps its fields. When the store does not know the primary yet, the
    oldest known merged contact stands in for it (a later export names it by the primary id).
    """
    done = 0
    for merge in merges:
        if merge.event_key not in new_keys:
            continue
        keep = _active_contact(merge.primary)
        others = sorted({i for ref in merge.merged if (i := _active_contact(ref)) is not None})
        if keep is None:
            if not others:
                continue
            keep, others = others[0], others[1:]
        for drop in others:
            if drop != keep:
                merge_contacts(keep, drop)
                done += 1
    return done


def store_hubspot_delivery(delivery: Delivery, *, received_at: datetime) -> HubSpotOutcome:
    """Store what the delivery's new events say, in one transaction."""
    events: list[LiveEvent] = []
    skipped: dict[str, int] = {}
    for applied in delivery.applied:
        if applied.record is None and applied.merge is None:
            skipped[applied.skipped] = skipped.get(applied.skipped, 0) + 1
            continue
        events.append(
            LiveEvent(
                key=applied.event.key,
                kind=applied.event.subscription_type,
                record=applied.record,
                # Creations say less than what an export may have stored: never overwrite.
                if_new=isinstance(applied.record, Contact | Deal),
            )
        )
    merged = 0

    def merges(store: Store, new_keys: frozenset[str]) -> None:
        nonlocal merged
        merged = apply_merges(delivery.merges, new_keys)

    result: IngestResult = ingest(events, received_at=received_at, then=merges)
    return HubSpotOutcome(
        received=len(delivery.applied) + delivery.repeated,
        repeated_in_delivery=delivery.repeated,
        duplicates=result.duplicates,
        applied=result.accepted,
        merged=merged,
        skipped=skipped,
    )
