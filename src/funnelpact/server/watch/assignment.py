"""Assignment of new MQLs to the reps of a team: load-balanced, within working hours and capacity.

A new MQL is a contact in the hand-off stage with no owner. Reps are the team's active,
described reps. Each rep takes at most the plan's ``capacity.mqls_per_rep_week`` MQLs per
working week (Monday to Sunday in the calendar's zone); among the reps with room, the one with
the fewest assignments this week gets the next lead (ties: by name), so the load evens out like
round-robin. Outside working hours nothing is assigned: the leads stay queued for the next
opening (the scheduler or the next call assigns them then). Assigning writes an owner change
and the contact's new owner through ``store_records``, so obligations follow at once.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from funnelpact.domain.records import OwnerChange, Record, Ref, System
from funnelpact.errors import NotFoundError
from funnelpact.server.tracking import models as store
from funnelpact.server.watch.repository import identity_of
from funnelpact.server.watch.services import WatchContext, _contact_in_stage, require_context


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    assigned: tuple[tuple[int, str], ...]  # (contact id, rep name)
    queued: int  # new MQLs left for later: off hours or no capacity
    next_opening: datetime | None  # when assignment resumes, if off hours


def assign_new_mqls(team: str, now: datetime) -> AssignmentReport:
    """Give the team's unowned MQLs to its reps (see the module docstring)."""
    from funnelpact.server.tracking.services import store_records

    context = require_context()
    stage = context.agreement.handoff.stage
    reps = list(
        store.Rep.objects.filter(team_name=team, active=True, placeholder=False).order_by("name")
    )
    if not reps:
        raise NotFoundError(f"team {team!r}: no active rep belongs to it")
    waiting = list(
        store.Contact.objects.filter(
            owner__isnull=True, lifecycle_stage=stage, merged_into__isnull=True
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    calendar = context.calendar
    if not calendar.is_working(now):
        return AssignmentReport((), len(waiting), calendar.next_opening(now))
    capacity = _weekly_capacity(context)
    local = now.astimezone(calendar.zone)
    week_start = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), calendar.zone
    )
    load = {
        rep.pk: store.OwnerChange.objects.filter(owner=rep, assigned_at__gte=week_start).count()
        for rep in reps
    }
    records: list[Record] = []
    assigned: list[tuple[int, str]] = []
    for contact_id in waiting:
        open_reps = [rep for rep in reps if load[rep.pk] < capacity]
        if not open_reps:
            break
        rep = min(open_reps, key=lambda item: (load[item.pk], item.name, item.pk))
        load[rep.pk] += 1
        rep_ref = Ref(System(rep.system), rep.external_id)
        contact = identity_of(contact_id)
        records.append(OwnerChange(contact=contact, owner=rep_ref, assigned_at=now))
        stored = _contact_in_stage(contact_id, contact, stage, now)
        records.append(dataclasses.replace(stored, owner=rep_ref))
        assigned.append((contact_id, rep.name))
    if records:
        store_records(records)
    return AssignmentReport(tuple(assigned), len(waiting) - len(assigned), None)


def _weekly_capacity(context: WatchContext) -> float:
    capacity = context.agreement.plan.capacity
    if capacity is None or capacity.mqls_per_rep_week is None:
        return math.inf
    return float(capacity.mqls_per_rep_week)
