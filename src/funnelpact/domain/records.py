"""Canonical records: what every source adapter produces and every engine reads.

Plain frozen dataclasses (not pydantic models): imports build millions of them, and adapters
validate raw text themselves, naming file, row and column. Instants are aware UTC datetimes.

Identity: a record of a source is named by ``(system, external_id)``, written ``Ref``; the store
resolves refs to its own contacts, merging duplicates by normalised email and by ids from several
systems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class System(StrEnum):
    """Where a record came from."""

    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"
    CSV = "csv"
    API = "api"
    WEB = "web"  # entered in funnelpact itself (a rep logging a touch, a decision)
    DEMO = "demo"


@dataclass(frozen=True, slots=True, order=True)
class Ref:
    """A record's identity in its source system."""

    system: System
    external_id: str

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"

    @classmethod
    def parse(cls, text: str) -> Ref:
        system, sep, external_id = text.partition(":")
        if not sep or not external_id:
            raise ValueError(f"not a reference (system:id): {text!r}")
        return cls(System(system), external_id)


class TouchType(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"
    PAGE_VIEW = "page_view"
    FORM_SUBMISSION = "form_submission"
    CONTENT_DOWNLOAD = "content_download"


# Touches a contact makes on their own: they re-engage a lead, they are not sales follow-up.
CONTACT_ACTIVITY = frozenset(
    {TouchType.PAGE_VIEW, TouchType.FORM_SUBMISSION, TouchType.CONTENT_DOWNLOAD}
)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class TeamKind(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def normalise_email(email: str) -> str:
    """The form duplicates are matched on: trimmed, lower case, inner spaces removed."""
    return "".join(email.split()).lower()


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    kind: TeamKind
    manager: Ref | None = None


@dataclass(frozen=True, slots=True)
class Rep:
    """An owner: a sales rep, a manager or a marketer who can own contacts."""

    ref: Ref
    name: str
    email: str = ""
    team: str = ""
    manager: Ref | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Contact:
    ref: Ref
    created_at: datetime
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    source: str = ""  # e.g. ORGANIC_SEARCH, web_form, outbound
    source_detail_1: str = ""
    source_detail_2: str = ""
    campaign: str = ""  # campaign external id or name
    stream: str = ""  # revenue stream (segment), per the plan
    owner: Ref | None = None
    lifecycle_stage: str = ""  # the current stage as the source says it
    lead_status: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StageChange:
    """The contact entered ``stage`` at ``entered_at`` (first entry counts for the funnel)."""

    contact: Ref
    stage: str
    entered_at: datetime
    change_source: str = ""  # e.g. "export:Became a MQL Date", "webhook", "api", "web"
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class OwnerChange:
    """The contact was assigned to ``owner`` at ``assigned_at`` (a hand-off start in some SLAs)."""

    contact: Ref
    owner: Ref
    assigned_at: datetime
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class Touch:
    ref: Ref
    contact: Ref
    type: TouchType
    occurred_at: datetime
    direction: Direction = Direction.OUTBOUND
    rep: Ref | None = None
    automated: bool = False  # sequences and workflows: never count as a sales touch
    subject: str = ""
    campaign: str = ""
    content: str = ""  # the page, form or asset, for attribution of content


@dataclass(frozen=True, slots=True)
class Deal:
    ref: Ref
    created_at: datetime
    amount: Decimal
    currency: str = ""
    name: str = ""
    stage: str = ""
    contact: Ref | None = None
    owner: Ref | None = None
    closed_at: datetime | None = None
    won: bool | None = None  # None while open


@dataclass(frozen=True, slots=True)
class DealStageChange:
    deal: Ref
    stage: str
    entered_at: datetime
    amount: Decimal | None = None
    event_id: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    ref: Ref
    name: str
    channel: str = ""
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CampaignMember:
    campaign: Ref
    contact: Ref
    status: str = ""
    joined_at: datetime | None = None
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HandoffDecision:
    """Sales accepted or rejected an MQL (the closed loop); a rejection carries a reason code."""

    contact: Ref
    decision: Decision
    decided_at: datetime
    decided_by: Ref | None = None
    reason: str = ""
    note: str = ""
    event_id: str = ""


Record = (
    Team
    | Rep
    | Contact
    | StageChange
    | OwnerChange
    | Touch
    | Deal
    | DealStageChange
    | Campaign
    | CampaignMember
    | HandoffDecision
)
