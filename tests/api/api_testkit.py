"""Helpers for API tests: a client with a token, keyword-only JSON event factories, a dump.

The dump names rows by what they mean (refs, instants), never by surrogate ids, so two stores
built from the same events in different orders compare equal.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpResponse
from django.test import Client

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


class Api:
    """The JSON API as a sender sees it: a token (or none) and JSON bodies."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, path: str, body: Any) -> HttpResponse:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers()
        )

    def get(self, path: str) -> HttpResponse:
        return self.client.get(f"/api/v1{path}", headers=self.headers())


def contact(
    *, id: str, ref: str, at: datetime = T0, updated: datetime | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"id": id, "ref": ref, "created_at": iso(at), **fields}
    if updated is not None:
        body["updated_at"] = iso(updated)
    return body


def stage(*, id: str, contact: str, stage: str, at: datetime = T0) -> dict[str, Any]:
    return {"id": id, "contact": contact, "stage": stage, "entered_at": iso(at)}


def owner(*, id: str, contact: str, owner: str, at: datetime = T0) -> dict[str, Any]:
    return {"id": id, "contact": contact, "owner": owner, "assigned_at": iso(at)}


def touch(
    *, id: str, contact: str, type: str = "call", at: datetime = T0, **fields: Any
) -> dict[str, Any]:
    return {"id": id, "contact": contact, "type": type, "occurred_at": iso(at), **fields}


def deal(*, id: str, ref: str, amount: str, at: datetime = T0, **fields: Any) -> dict[str, Any]:
    return {"id": id, "ref": ref, "amount": amount, "created_at": iso(at), **fields}


def deal_stage(*, id: str, deal: str, stage: str, at: datetime = T0) -> dict[str, Any]:
    return {"id": id, "deal": deal, "stage": stage, "entered_at": iso(at)}


def decision(
    *, id: str, contact: str, decision: str, at: datetime = T0, **fields: Any
) -> dict[str, Any]:
    return {"id": id, "contact": contact, "decision": decision, "decided_at": iso(at), **fields}


def store_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every table the API writes, as sorted tuples of meaning."""
    from funnelpact.server.tracking import models as m

    reps = {r.id: f"{r.system}:{r.external_id}" for r in m.Rep.objects.all()}
    people: dict[int, list[str]] = {}
    for identity in m.ContactIdentity.objects.all():
        people.setdefault(identity.contact_id, []).append(str(identity))

    def person(contact_id: int | None) -> str | None:
        if contact_id is None:
            return None
        return "|".join(sorted(people.get(contact_id, [f"tombstone-{contact_id}"])))

    def rep(rep_id: int | None) -> str | None:
        return None if rep_id is None else reps[rep_id]

    deals = {d.id: f"{d.system}:{d.external_id}" for d in m.Deal.objects.all()}
    dump: dict[str, list[tuple[Any, ...]]] = {
        "rep": [(reps[r.id], r.name, r.placeholder) for r in m.Rep.objects.all()],
        "contact": [
            (
                person(c.id),
                c.email,
                c.first_name,
                c.last_name,
                c.company,
                c.created_at,
                c.updated_at,
                c.source,
                c.campaign,
                c.stream,
                rep(c.owner_id),
                c.lifecycle_stage,
                c.lead_status,
                c.placeholder,
            )
            for c in m.Contact.objects.filter(merged_into__isnull=True)
        ],
        "stage_change": [
            (person(s.contact_id), s.stage, s.entered_at, s.change_source)
            for s in m.StageChange.objects.all()
        ],
        "owner_change": [
            (person(o.contact_id), rep(o.owner_id), o.assigned_at)
            for o in m.OwnerChange.objects.all()
        ],
        "touch": [
            (
                f"{t.system}:{t.external_id}",
                person(t.contact_id),
                t.type,
                t.occurred_at,
                t.direction,
                rep(t.rep_id),
                t.automated,
                t.subject,
            )
            for t in m.Touch.objects.all()
        ],
        "deal": [
            (
                deals[d.id],
                d.created_at,
                d.amount,
                d.currency,
                d.name,
                d.stage,
                person(d.contact_id),
                rep(d.owner_id),
                d.closed_at,
                d.won,
            )
            for d in m.Deal.objects.all()
        ],
        "deal_stage_change": [
            (deals[d.deal_id], d.stage, d.entered_at, d.amount)
            for d in m.DealStageChange.objects.all()
        ],
        "decision": [
            (person(h.contact_id), h.decision, h.decided_at, rep(h.decided_by_id), h.reason)
            for h in m.HandoffDecision.objects.all()
        ],
        "ingested_event": [(e.event_id, e.kind) for e in m.IngestedEvent.objects.all()],
    }
    return {table: sorted(rows, key=repr) for table, rows in dump.items()}
