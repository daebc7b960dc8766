"""The watch's API routes: the closed loop (accept or reject an MQL) and a lead's obligations.

Mounted under ``/api/v1/`` by ``funnelpact.server.api.main``. Failures are ``FunnelpactError``s
rendered by the API's one error renderer: an unknown rejection reason is a 400 naming the
agreement's codes, an unknown lead a 404, no agreement in force a 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema

from funnelpact.server.accounts.models import Scope
from funnelpact.server.api.auth import TokenWithScope
from funnelpact.server.api.schemas import ErrorOut
from funnelpact.server.watch import models, services
from funnelpact.server.watch.services import DecisionKind, contact_for, decide

WRITE = TokenWithScope(Scope.EVENTS_WRITE)
READ = TokenWithScope(Scope.CONTACTS_READ)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}

router = Router(tags=["watch"])


class DecisionIn(Schema):
    decision: Literal["accept", "reject"]
    reason: str = ""
    note: str = ""
    decided_by: str = ""  # the rep as system:id


class ObligationOut(Schema):
    cycle: int
    name: str
    kind: str
    status: str
    handoff_at: datetime
    due_at: datetime
    at_risk_at: datetime
    met_at: datetime | None
    breached_at: datetime | None
    resolved_at: datetime | None
    business_seconds: int | None
    owner: str | None
    reason: str


class DecisionOut(Schema):
    contact_id: int
    decision: str
    reason: str
    routed_to: str
    obligations: list[ObligationOut]


def _obligations(contact_id: int) -> list[ObligationOut]:
    rows = models.Obligation.objects.select_related("owner").filter(contact_id=contact_id)
    return [
        ObligationOut(
            cycle=row.cycle,
            name=row.name,
            kind=row.kind,
            status=row.status,
            handoff_at=row.handoff_at,
            due_at=row.due_at,
            at_risk_at=row.at_risk_at,
            met_at=row.met_at,
            breached_at=row.breached_at,
            resolved_at=row.resolved_at,
            business_seconds=row.business_seconds,
            owner=str(row.owner) if row.owner is not None else None,
            reason=row.reason,
        )
        for row in rows.order_by("cycle", "due_at", "name")
    ]


@router.post(
    "/leads/{ref}/decision",
    response={200: DecisionOut, **ERRORS},
    auth=WRITE,
    operation_id="decide_lead",
    summary="Sales accepts or rejects an MQL, with a reason code of the agreement",
)
def post_decision(request: HttpRequest, ref: str, body: DecisionIn) -> DecisionOut:
    outcome = decide(
        ref,
        DecisionKind(body.decision),
        body.reason,
        services.clock(),  # the watch's clock (a fake one in tests)
        note=body.note,
        decided_by=body.decided_by,
    )
    return DecisionOut(
        contact_id=outcome.contact_id,
        decision=outcome.decision.value,
        reason=outcome.reason,
        routed_to=outcome.routed_to,
        obligations=_obligations(outcome.contact_id),
    )


@router.get(
    "/leads/{ref}/obligations",
    response={200: list[ObligationOut], **ERRORS},
    auth=READ,
    operation_id="lead_obligations",
    summary="Every SLA obligation of a lead and where it stands",
)
def get_obligations(request: HttpRequest, ref: str) -> list[ObligationOut]:
    return _obligations(contact_for(ref))
