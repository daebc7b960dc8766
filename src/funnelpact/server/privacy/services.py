"""Access and erasure requests (GDPR articles 15 and 17) for one contact.

``export_contact`` gathers everything the store holds about one person: the contact row, every
identity, stage and owner change, touch, deal, campaign membership, hand-off decision, obligation
and alert, including the duplicates merged into it.

``erase_contact`` anonymises rather than deletes: the person disappears (names, e-mail, company,
CRM identities, free text of touches, decisions, deals and alerts), while the facts that the SLA
figures count stay (the contact row as an anonymous lead, its stage changes, decisions,
obligations, touch times and types). Deleting the rows would rewrite past periods' funnel and SLA
figures that were already reported and signed off; anonymous facts keep them equal. Both requests
leave an audit log entry naming the contact by id only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model, Q

from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.accounts.people import AuditEntry
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.repository import Store
from funnelpact.server.watch import models as watch

EXPORT_FORMAT = "funnelpact-personal-data/1"
# Not members of accounts.AuditAction (that enum belongs to the web app; the column takes any
# string, so no migration is needed): the two privacy requests.
AUDIT_EXPORTED = "privacy_exported"
AUDIT_ERASED = "privacy_erased"
ERASED_TEXT = "[erased]"

# Columns holding personal data, per table: blanked by erasure. Everything else is a fact.
CONTACT_PERSONAL = (
    "email",
    "normalised_email",
    "first_name",
    "last_name",
    "company",
    "fields_from",
)
TOUCH_PERSONAL = ("subject", "content")
DECISION_PERSONAL = ("note",)
DEAL_PERSONAL = ("name",)


class ContactNotFoundError(NotFoundError):
    """No contact matches the reference given."""


class AmbiguousContactError(InputError):
    """The reference (an e-mail) matches several contacts."""


@dataclass(frozen=True)
class ErasureReport:
    contact_ids: tuple[int, ...]
    identities_deleted: int
    touches_cleared: int
    decisions_cleared: int
    deals_cleared: int
    alerts_cleared: int
    kept_facts: int  # stage changes, owner changes, decisions, obligations left for the figures


def find_contact(reference: str) -> store.Contact:
    """A contact by store id (``42``), CRM identity (``hubspot:1234``) or e-mail address.

    A merged duplicate resolves to the contact it was merged into.
    """
    text = reference.strip()
    contact: store.Contact | None
    if text.isascii() and text.isdigit() and len(text) <= 18:  # '¹' is a digit int() refuses
        contact = store.Contact.objects.filter(pk=int(text)).first()
    elif "@" in text:
        found = list(
            store.Contact.objects.filter(normalised_email=text.lower(), merged_into__isnull=True)
        )
        if len(found) > 1:
            ids = ", ".join(str(c.pk) for c in found)
            raise AmbiguousContactError(
                f"contact {text!r}: several contacts have it ({ids}): use an id"
            )
        contact = found[0] if found else None
    elif ":" in text:
        system, _, external_id = text.partition(":")
        identity = (
            store.ContactIdentity.objects.select_related("contact")
            .filter(system=system.strip().lower(), external_id=external_id.strip())
            .first()
        )
        contact = identity.contact if identity else None
    else:
        raise InputError(
            f"contact {reference!r}: use a store id (42), a CRM identity (hubspot:1234) "
            "or an e-mail address"
        )
    if contact is None:
        raise ContactNotFoundError(f"contact {reference!r}: no such contact in the store")
    while contact.merged_into_id is not None:
        contact = store.Contact.objects.get(pk=contact.merged_into_id)
    return contact


def _person_ids(contact: store.Contact) -> list[int]:
    """The contact and every duplicate merged into it (at any depth)."""
    ids = [contact.pk]
    frontier = [contact.pk]
    while frontier:
        frontier = list(
            store.Contact.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(queryset: Iterable[Model]) -> list[dict[str, Any]]:
    rows = []
    for row in queryset:
        rows.append(
            {
                field.attname: _plain(getattr(row, field.attname))
                for field in row._meta.concrete_fields
            }
        )
    return rows


def export_contact(contact: store.Contact, *, requested_by: str, now: datetime) -> dict[str, Any]:
    """Every personal datum of the person, as JSON-ready data; audited."""
    ids = _person_ids(contact)
    deals = store.Deal.objects.filter(contact__in=ids).order_by("pk")
    owners = store.Rep.objects.filter(
        Q(contacts__in=ids) | Q(assignments__contact__in=ids) | Q(touches__contact__in=ids)
    ).distinct()
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "contact_id": contact.pk,
        "contacts": _rows(store.Contact.objects.filter(pk__in=ids).order_by("pk")),
        "identities": _rows(store.ContactIdentity.objects.filter(contact__in=ids).order_by("pk")),
        "stage_changes": _rows(
            store.StageChange.objects.filter(contact__in=ids).order_by("entered_at", "pk")
        ),
        "owner_changes": _rows(
            store.OwnerChange.objects.filter(contact__in=ids).order_by("assigned_at", "pk")
        ),
        "touches": _rows(store.Touch.objects.filter(contact__in=ids).order_by("occurred_at", "pk")),
        "deals": _rows(deals),
        "deal_stage_changes": _rows(
            store.DealStageChange.objects.filter(deal__in=deals).order_by("entered_at", "pk")
        ),
        "campaign_memberships": _rows(
            store.CampaignMember.objects.filter(contact__in=ids).order_by("pk")
        ),
        "handoff_decisions": _rows(
            store.HandoffDecision.objects.filter(contact__in=ids).order_by("decided_at", "pk")
        ),
        "obligations": _rows(
            watch.Obligation.objects.filter(contact__in=ids).order_by("handoff_at", "cycle", "pk")
        ),
        "alerts": _rows(watch.AlertOutbox.objects.filter(contact__in=ids).order_by("pk")),
        # Who handled the person: names of the company's own staff, given for context.
        "owners": [
            {"id": rep.pk, "system": rep.system, "external_id": rep.external_id, "name": rep.name}
            for rep in owners.order_by("pk")
        ],
    }
    AuditEntry.objects.create(
        at=now,
        actor=requested_by,
        action=AUDIT_EXPORTED,
        subject=f"contact {contact.pk}",
        detail={
            "contacts": ids,
            "rows": {k: len(v) for k, v in data.items() if isinstance(v, list)},
        },
    )
    return data


def erase_contact(contact: store.Contact, *, requested_by: str, now: datetime) -> ErasureReport:
    """Anonymise the person in one transaction (see the module docstring); audited."""
    with transaction.atomic():
        # Writers (imports, API batches, webhooks) wait: none re-links an identity half-way.
        Store().lock()
        ids = _person_ids(contact)
        contacts = store.Contact.objects.select_for_update().filter(pk__in=ids)
        contacts.update(**dict.fromkeys(CONTACT_PERSONAL, ""))
        identities_deleted, _ = store.ContactIdentity.objects.filter(contact__in=ids).delete()
        touches = store.Touch.objects.filter(contact__in=ids).exclude(subject="", content="")
        touches_cleared = touches.update(**dict.fromkeys(TOUCH_PERSONAL, ""))
        decisions_cleared = (
            store.HandoffDecision.objects.filter(contact__in=ids).exclude(note="").update(note="")
        )
        deals_cleared = store.Deal.objects.filter(contact__in=ids).exclude(name="").update(name="")
        # Alerts name the lead in their text; the fact that an alert went out stays.
        alerts_cleared = watch.AlertOutbox.objects.filter(contact__in=ids).update(
            title=ERASED_TEXT, body=ERASED_TEXT, last_error=""
        )
        kept = (
            store.StageChange.objects.filter(contact__in=ids).count()
            + store.OwnerChange.objects.filter(contact__in=ids).count()
            + store.HandoffDecision.objects.filter(contact__in=ids).count()
            + watch.Obligation.objects.filter(contact__in=ids).count()
        )
        report = ErasureReport(
            contact_ids=tuple(ids),
            identities_deleted=identities_deleted,
            touches_cleared=touches_cleared,
            decisions_cleared=decisions_cleared,
            deals_cleared=deals_cleared,
            alerts_cleared=alerts_cleared,
            kept_facts=kept,
        )
        AuditEntry.objects.create(
            at=now,
            actor=requested_by,
            action=AUDIT_ERASED,
            subject=f"contact {contact.pk}",
            detail={
                "contacts": ids,
                "identities_deleted": identities_deleted,
                "touches_cleared": touches_cleared,
                "decisions_cleared": decisions_cleared,
                "deals_cleared": deals_cleared,
                "alerts_cleared": alerts_cleared,
                "kept_facts": kept,
            },
        )
    return report
