"""Reading a contact and its timeline by reference (the ORM is the store's read path)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from funnelpact.domain.records import Ref
from funnelpact.errors import NotFoundError
from funnelpact.server.api.schemas import ContactOut, TimelineEntry, TimelineOut
from funnelpact.server.tracking import models

MERGE_DEPTH_LIMIT = 50  # merges chain; a loop would be a bug, not a reason to spin


def find_contact(ref: Ref) -> Any:
    """The contact an identity names, following merges to the contact that absorbed it."""
    identity = (
        models.ContactIdentity.objects.select_related("contact")
        .filter(system=ref.system.value, external_id=ref.external_id)
        .first()
    )
    if identity is None:
        raise NotFoundError(f"no contact {ref}")
    contact = identity.contact
    for _ in range(MERGE_DEPTH_LIMIT):
        if contact.merged_into_id is None:
            break
        contact = models.Contact.objects.get(pk=contact.merged_into_id)
    return contact


def _ref(rep: Any) -> str | None:
    return f"{rep.system}:{rep.external_id}" if rep is not None else None


def contact_out(contact: Any) -> ContactOut:
    refs = sorted(str(identity) for identity in contact.identities.all())
    return ContactOut(
        id=contact.id,
        refs=refs,
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        company=contact.company,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        source=contact.source,
        source_detail_1=contact.source_detail_1,
        source_detail_2=contact.source_detail_2,
        campaign=contact.campaign,
        stream=contact.stream,
        owner=_ref(contact.owner),
        lifecycle_stage=contact.lifecycle_stage,
        lead_status=contact.lead_status,
        placeholder=contact.placeholder,
    )


def timeline(contact: Any) -> TimelineOut:
    """Everything that happened to the contact, oldest first."""
    entries: list[tuple[datetime, int, TimelineEntry]] = []

    def add(at: datetime, kind: str, order: int, **detail: str | bool | None) -> None:
        entries.append((at, order, TimelineEntry(at=at, kind=kind, detail=detail)))

    add(contact.created_at, "created", 0, source=contact.source, campaign=contact.campaign)
    for change in contact.stage_changes.all():
        add(change.entered_at, "stage_change", 1, stage=change.stage, source=change.change_source)
    for assignment in contact.owner_changes.select_related("owner"):
        add(
            assignment.assigned_at,
            "owner_change",
            2,
            owner=_ref(assignment.owner),
            owner_name=assignment.owner.name,
        )
    for touch in contact.touches.select_related("rep"):
        add(
            touch.occurred_at,
            "touch",
            3,
            ref=f"{touch.system}:{touch.external_id}",
            type=touch.type,
            direction=touch.direction,
            rep=_ref(touch.rep),
            automated=touch.automated,
            subject=touch.subject,
        )
    for decision in contact.decisions.select_related("decided_by"):
        add(
            decision.decided_at,
            "decision",
            4,
            decision=decision.decision,
            by=_ref(decision.decided_by),
            reason=decision.reason,
            note=decision.note,
        )
    for deal in contact.deals.all():
        deal_ref = f"{deal.system}:{deal.external_id}"
        add(deal.created_at, "deal", 5, ref=deal_ref, name=deal.name, amount=str(deal.amount))
        for change in deal.stage_changes.all():
            add(change.entered_at, "deal_stage_change", 6, deal=deal_ref, stage=change.stage)
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return TimelineOut(contact=contact_out(contact), entries=[entry for _, _, entry in entries])
