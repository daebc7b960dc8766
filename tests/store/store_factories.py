"""Keyword-only factories for canonical records, and a canonical dump of the store.

The dump names rows by what they mean (refs, emails, instants), never by surrogate ids, so two
stores built in different orders compare equal when they hold the same facts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    Direction,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def hs(external_id: str | int) -> Ref:
    return Ref(System.HUBSPOT, str(external_id))


def sf(external_id: str | int) -> Ref:
    return Ref(System.SALESFORCE, str(external_id))


def contact(
    *,
    ref: Ref,
    email: str = "",
    created_at: datetime = T0,
    updated_at: datetime | None = None,
    owner: Ref | None = None,
    **fields: Any,
) -> Contact:
    return Contact(
        ref=ref, created_at=created_at, email=email, updated_at=updated_at, owner=owner, **fields
    )


def stage(
    *, contact: Ref, stage: str, at: datetime = T0, source: str = "", event_id: str = ""
) -> StageChange:
    return StageChange(
        contact=contact, stage=stage, entered_at=at, change_source=source, event_id=event_id
    )


def touch(
    *,
    ref: Ref,
    contact: Ref,
    at: datetime = T0,
    type: TouchType = TouchType.CALL,
    rep: Ref | None = None,
    subject: str = "",
) -> Touch:
    return Touch(
        ref=ref,
        contact=contact,
        type=type,
        occurred_at=at,
        direction=Direction.OUTBOUND,
        rep=rep,
        subject=subject,
    )


def rep(*, ref: Ref, name: str, team: str = "", manager: Ref | None = None) -> Rep:
    return Rep(ref=ref, name=name, email=f"{name.lower()}@example.com", team=team, manager=manager)


def deal(*, ref: Ref, contact: Ref | None, amount: str = "1000.00", stage: str = "open") -> Deal:
    return Deal(
        ref=ref, created_at=T0, amount=Decimal(amount), currency="EUR", stage=stage, contact=contact
    )


def deal_stage(
    *, deal: Ref, stage: str, at: datetime = T0, amount: str | None = None
) -> DealStageChange:
    return DealStageChange(
        deal=deal, stage=stage, entered_at=at, amount=Decimal(amount) if amount else None
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def canonical_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every store table as sorted tuples of meaning (ids replaced by what they name)."""
    from funnelpact.server.tracking import models as m

    reps = {r.id: f"{r.system}:{r.external_id}" for r in m.Rep.objects.all()}
    campaigns = {c.id: f"{c.system}:{c.external_id}" for c in m.Campaign.objects.all()}
    identities: dict[int, list[str]] = {}
    for identity in m.ContactIdentity.objects.all():
        identities.setdefault(identity.contact_id, []).append(
            f"{identity.system}:{identity.external_id}"
        )
    people = {cid: "|".join(sorted(refs)) for cid, refs in identities.items()}
    deals = {d.id: f"{d.system}:{d.external_id}" for d in m.Deal.objects.all()}

    def person(contact_id: int | None) -> str | None:
        return None if contact_id is None else people.get(contact_id, f"tombstone-{contact_id}")

    def rep_of(rep_id: int | None) -> str | None:
        return None if rep_id is None else reps[rep_id]

    dump: dict[str, list[tuple[Any, ...]]] = {
        "rep": [
            (
                reps[r.id],
                r.name,
                r.email,
                r.team_name,
                rep_of(r.manager_id),
                r.active,
                r.placeholder,
            )
            for r in m.Rep.objects.all()
        ],
        "team": [(t.name, t.kind, rep_of(t.manager_id)) for t in m.Team.objects.all()],
        "campaign": [
            (campaigns[c.id], c.name, c.channel, c.started_at, c.placeholder)
            for c in m.Campaign.objects.all()
        ],
        "contact": [
            (
                person(c.id),
                c.email,
                c.normalised_email,
                c.first_name,
                c.last_name,
                c.company,
                c.created_at,
                c.source,
                c.campaign,
                c.stream,
                rep_of(c.owner_id),
                c.lifecycle_stage,
                c.lead_status,
                c.updated_at,
                c.placeholder,
            )
            for c in m.Contact.objects.filter(merged_into__isnull=True)
        ],
        "stage_change": [
            (person(s.contact_id), s.stage, s.entered_at, s.change_source)
            for s in m.StageChange.objects.all()
        ],
        "owner_change": [
            (person(o.contact_id), rep_of(o.owner_id), o.assigned_at)
            for o in m.OwnerChange.objects.all()
        ],
        "touch": [
            (
                f"{t.system}:{t.external_id}",
                person(t.contact_id),
                t.type,
                t.occurred_at,
                t.direction,
                rep_of(t.rep_id),
                t.automated,
                t.subject,
            )
            for t in m.Touch.objects.all()
        ],
        "deal": [
            (deals[d.id], d.amount, d.stage, person(d.contact_id), rep_of(d.owner_id), d.won)
            for d in m.Deal.objects.all()
        ],
        "deal_stage_change": [
            (deals[d.deal_id], d.stage, d.entered_at, d.amount)
            for d in m.DealStageChange.objects.all()
        ],
        "campaign_member": [
            (campaigns[c.campaign_id], person(c.contact_id), c.status, c.joined_at)
            for c in m.CampaignMember.objects.all()
        ],
        "handoff_decision": [
            (person(h.contact_id), h.decision, h.decided_at, rep_of(h.decided_by_id), h.reason)
            for h in m.HandoffDecision.objects.all()
        ],
        "ingested_event": [(e.event_id, e.kind) for e in m.IngestedEvent.objects.all()],
    }
    return {table: sorted(rows, key=repr) for table, rows in dump.items()}


def same_backup(first: Path, second: Path) -> None:
    """Two backup directories hold the same manifest and the same tables."""
    import pyarrow.parquet as pq

    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest == json.loads((second / "manifest.json").read_text())
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in sorted(first.iterdir()):
        if path.suffix == ".parquet":
            assert pq.read_table(path).equals(pq.read_table(second / path.name)), path.name
        else:
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name
