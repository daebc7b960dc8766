"""A small demo company in the test store: demo data, the demo agreement, one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
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

    def lead_of(rep_id: int | None) -> int:
        row = (
            Obligation.objects.filter(owner_id=rep_id, name="decision", status__in=open_statuses)
            .order_by("due_at")
            .first()
        )
        if row is None:  # any lead of theirs will do for scope checks
            row = Obligation.objects.filter(owner_id=rep_id).first()
        assert row is not None, "the demo gave this rep no lead"
        return row.contact_id

    return DemoWorld(own_lead=lead_of(rep), other_lead=lead_of(rep2))
