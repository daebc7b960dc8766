"""What a verified delivery does to the store: records through ``ingest``, then merges."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from funnelpact.domain.records import Contact, Deal, Ref
from funnelpact.errors import FunnelpactError
from funnelpact.ingest.hubspot.api import (
    BASE_URL,
    HubSpotApiError,
    HubSpotClient,
    RetryPolicy,
    deal_stage_labels,
)
from funnelpact.ingest.hubspot.webhooks import (
    DEFAULT_PIPELINE_LABELS,
    Delivery,
    HubSpotEvent,
    HubSpotMerge,
    deal_stage_ids,
)
from funnelpact.server.api.ingestion import IngestResult, LiveEvent, ingest
from funnelpact.server.tracking import models
from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import merge_contacts

PUBLIC_BASE_URL_ENV = "FUNNELPACT_PUBLIC_BASE_URL"
HUBSPOT_SECRET_ENV = "FUNNELPACT_HUBSPOT_CLIENT_SECRET"
HUBSPOT_TOKEN_ENV = "FUNNELPACT_HUBSPOT_TOKEN"  # the pull's token: it reads the pipelines too
MERGE_DEPTH_LIMIT = 50
PIPELINES_TTL_S = 600.0  # the portal's stage labels are read again after this long
PIPELINES_RETRY_S = 60.0  # ... or sooner for a stage id they lack, at most this often
# HubSpot waits 5 s for an answer: a short read with one retry, not the pull's long backoff.
PIPELINES_TIMEOUT_S = 3.0

log = logging.getLogger("funnelpact.webhooks")


class PipelinesUnavailableError(FunnelpactError):
    """The deal pipelines could not be read: answered 503, and HubSpot delivers again later."""

    status_code = 503


def _client(token: str) -> HubSpotClient:
    return HubSpotClient(
        token,
        base_url=os.environ.get("FUNNELPACT_HUBSPOT_BASE_URL", BASE_URL),
        retry=RetryPolicy(attempts=2, base_delay_s=0.2, max_delay_s=0.5),
        timeout_s=PIPELINES_TIMEOUT_S,
    )


class DealStageLabels:
    """The portal's deal stage labels by id, read with the pull connector
    (``GET /crm/v3/pipelines/deals``, token ``FUNNELPACT_HUBSPOT_TOKEN``) and kept per process.

    Without a token, webhook stage ids are named by the default pipeline's labels (custom ids
    stay ids). With one, the pipelines are read when a delivery carries a stage id first, again
    after ``PIPELINES_TTL_S``, and sooner (at most every ``PIPELINES_RETRY_S``) for an id they
    lack (a stage added since). When they cannot be read and a delivery carries an id only they
    could name, the delivery is refused with 503: HubSpot retries it later, and no stage is
    stored under an id that its label would later split in two.
    """

    def __init__(
        self,
        client_factory: Callable[[str], HubSpotClient] = _client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_factory = client_factory
        self.clock = clock
        self.labels: dict[str, str] = {}
        self.read_at: float | None = None
        self.lock = threading.Lock()

    def for_events(self, events: Sequence[HubSpotEvent]) -> dict[str, str]:
        ids = deal_stage_ids(events)
        token = os.environ.get(HUBSPOT_TOKEN_ENV, "").strip()
        if not ids or not token:
            return self.labels
        with self.lock:
            now = self.clock()
            age = None if self.read_at is None else now - self.read_at
            unknown = ids - set(self.labels)
            if age is None or age > PIPELINES_TTL_S or (unknown and age > PIPELINES_RETRY_S):
                try:
                    with self.client_factory(token) as client:
                        stages = deal_stage_labels(client)
                except HubSpotApiError as exc:
                    unnamed = sorted(unknown - set(DEFAULT_PIPELINE_LABELS))
                    if unnamed:
                        raise PipelinesUnavailableError(
                            f"the deal pipelines could not be read from HubSpot ({exc.message}): "
                            f"stage ids {', '.join(unnamed)} have no label yet; HubSpot will "
                            "deliver the events again"
                        ) from None
                    log.warning("webhook hubspot: deal pipelines not read: %s", exc.message)
                else:
                    self.labels = {stage_id: stage.label for stage_id, stage in stages.items()}
                    self.read_at = now
            return self.labels


DEAL_STAGES = DealStageLabels()


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
