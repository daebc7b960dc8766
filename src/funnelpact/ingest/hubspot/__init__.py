"""HubSpot exports (contacts, deals, activities) as HubSpot writes them, in en, es or it.

job = prepare_hubspot([Path("contacts.csv"), Path("deals.csv")], ImportOptions())
for batch in job.batches():   # contacts first; raises ImportRefusedError if a row is bad
    ...
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from funnelpact.domain.errors import Level
from funnelpact.ingest.common import (
    CsvFile,
    FileRejectedError,
    Header,
    ImportCode,
    ImportIssue,
    quoted_list,
)
from funnelpact.ingest.engine import (
    AdapterChooser,
    FileAdapter,
    ImportContext,
    ImportJob,
    ImportOptions,
    prepare,
)
from funnelpact.ingest.hubspot.activities import HubSpotActivities
from funnelpact.ingest.hubspot.contacts import HubSpotContacts
from funnelpact.ingest.hubspot.deals import HubSpotDeals
from funnelpact.ingest.hubspot.labels import (
    ACTIVITY_SIGNATURES,
    CONTACT_COLUMNS,
    DEAL_COLUMNS,
    became_stage,
    entered_label,
)

__all__ = [
    "HubSpotActivities",
    "HubSpotContacts",
    "HubSpotDeals",
    "HubSpotKind",
    "choose_adapter",
    "detect_kind",
    "prepare_hubspot",
]


class HubSpotKind(StrEnum):
    CONTACTS = "contacts"
    DEALS = "deals"
    ACTIVITIES = "activities"


_ADAPTERS: dict[HubSpotKind, type[FileAdapter]] = {
    HubSpotKind.CONTACTS: HubSpotContacts,
    HubSpotKind.DEALS: HubSpotDeals,
    HubSpotKind.ACTIVITIES: HubSpotActivities,
}

# Columns only one kind of export has ("Record ID" and "Create Date" are in all of them).
_SIGNATURES: dict[HubSpotKind, tuple[str, ...]] = {
    HubSpotKind.DEALS: (
        *DEAL_COLUMNS["dealname"],
        *DEAL_COLUMNS["dealstage"],
        "Deal ID",
        "ID del negocio",
        "ID trattativa",
        "Deal owner",
        "Propietario del negocio",
        "Proprietario della trattativa",
    ),
    HubSpotKind.ACTIVITIES: (
        *(label for labels in ACTIVITY_SIGNATURES.values() for label in labels),
        "Activity type",
        "Engagement type",
        "Tipo de actividad",
        "Tipo di attività",
        "Tipo attività",
        "Activity ID",
        "Engagement ID",
        "Activity assigned to",
        "Actividad asignada a",
        "Attività assegnata a",
    ),
    HubSpotKind.CONTACTS: (
        *CONTACT_COLUMNS["lifecyclestage"],
        *CONTACT_COLUMNS["email"],
        *CONTACT_COLUMNS["firstname"],
        *CONTACT_COLUMNS["lastname"],
        "Contact ID",
        "Contact owner",
        "Propietario del contacto",
        "Proprietario del contatto",
    ),
}


def detect_kind(header: Header) -> HubSpotKind | None:
    """What an export holds, from the columns only that kind of export has."""
    scores = {
        kind: sum(1 for label in labels if header.has(label))
        for kind, labels in _SIGNATURES.items()
    }
    if any(became_stage(name) or entered_label(name) for name in header.names):
        scores[HubSpotKind.CONTACTS] += 1
    best = max(scores.values())
    if best == 0:
        return None
    leaders = [kind for kind, score in scores.items() if score == best]
    return leaders[0] if len(leaders) == 1 else None


def choose_adapter(kind: HubSpotKind | None = None) -> AdapterChooser:
    """An adapter chooser for ``engine.prepare``: the given kind, or the one detected."""

    def choose(file: CsvFile, header: Header, context: ImportContext) -> FileAdapter:
        chosen = kind or detect_kind(header)
        if chosen is None:
            raise FileRejectedError(
                [
                    ImportIssue(
                        Level.ERROR,
                        ImportCode.UNKNOWN_FILE,
                        "cannot tell whether this HubSpot export holds contacts, deals or"
                        ' activities (no "Lifecycle Stage", "Email", "Deal Name", "Deal Stage"'
                        ' or "Activity type" column); columns found:'
                        f" {quoted_list(file.header)}; pass --kind",
                        file=file.name,
                        line=1,
                    )
                ]
            )
        return _ADAPTERS[chosen](file, header, context)

    return choose


def prepare_hubspot(
    paths: Sequence[Path], options: ImportOptions, kind: HubSpotKind | None = None
) -> ImportJob:
    """Check HubSpot exports and return the job that reads them (raises ImportRefusedError)."""
    return prepare(paths, options, choose_adapter(kind))
