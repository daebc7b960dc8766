"""A small demo company in the test store: demo data, the demo agreement, one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from funnelpact.domain.compliance import Status

PASSWORD = "test-pass-123"
CONTACTS = 500


@dataclass(frozen=True, slots=True)
class DemoWorld:
    own_lead: int  # an open MQL of user "rep"
    other_lead: int  # an open MQL of user "rep2" (another team)


def build_world(folder: Path, contacts: int | None = CONTACTS) -> DemoWorld:
    """`contacts=None`: the demo's own size (the agreement's MQL target: pacing near the plan)."""
    from funnelpact.server.accounts.people import Profile
    from funnelpact.server.watch.models import Obligation
    from funnelpact.server.web import demo

    now = datetime.now(UTC)
    demo.fill(folder, now, contacts=contacts, seed=3)
    demo.make_users(PASSWORD, now)
    rep = Profile.objects.get(user__username="rep").rep_id
    rep2 = Profile.objects.get(user__username="rep2").rep_id
    open_statuses = [Status.PENDING, Status.AT_RISK]

    def open_decision(rep_id: int | None) -> Obligation | None:
        found: Obligation | None = (
            Obligation.objects.filter(owner_id=rep_id, name="decision", status__in=open_statuses)
            .order_by("due_at")
            .first()
        )
        return found

    def lead_of(rep_id: int | None) -> int:
        row = open_decision(rep_id)
        if row is None:
            # The demo's journeys depend on the hour it is built at: at some hours a rep has no
            # MQL waiting for a decision (all decided). Tests accept and reject that lead, so the
            # rep is handed a fresh one, as a live event would.
            _hand_fresh_mql(rep_id, now)
            row = open_decision(rep_id)
        assert row is not None, "the demo gave this rep no open MQL, nor could one be handed"
        return row.contact_id

    return DemoWorld(own_lead=lead_of(rep), other_lead=lead_of(rep2))


def _hand_fresh_mql(rep_id: int | None, now: datetime) -> None:
    """A new contact, MQL half an hour ago, owned by the rep: the watch gives it its obligations."""
    from funnelpact.domain.records import Contact, OwnerChange, Ref, StageChange, System
    from funnelpact.server.tracking import models as store
    from funnelpact.server.tracking.services import store_records

    rep = store.Rep.objects.get(pk=rep_id)
    owner = Ref(System(rep.system), rep.external_id)
    contact = Ref(System.API, f"web-test-fresh-mql-{rep_id}")
    handed = now - timedelta(minutes=30)
    store_records(
        [
            Contact(
                contact,
                created_at=handed - timedelta(days=1),
                email=f"fresh.mql.{rep_id}@example.com",
                first_name="Fresh",
                last_name="Lead",
                source="ORGANIC_SEARCH",
                owner=owner,
            ),
            StageChange(contact, "lead", handed - timedelta(days=1)),
            StageChange(contact, "mql", handed),
            OwnerChange(contact, owner, handed),
        ]
    )
