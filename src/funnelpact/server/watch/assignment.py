"""Assignment of new MQLs to the reps of a team: least-loaded or round robin, within working
hours and capacity.

A new MQL is a contact in the hand-off stage with no owner. Reps are the team's active,
described reps. Each rep takes at most the plan's ``capacity.mqls_per_rep_week`` MQLs per
working week (Monday to Sunday in the calendar's zone). The agreement's
``handoff.assignment.method`` chooses who gets the next lead among the reps with room:

- ``least_loaded`` (the default): the one with the fewest assignments this week (ties: by
  name), so the load evens out even when reps join mid-week or were assigned by hand;
- ``round_robin``: each rep in turn, in name order, starting after the rep who was assigned a
  lead last (read from the store, so the turn survives restarts).

Outside working hours nothing is assigned: the leads stay queued for the next opening (the
scheduler assigns them then, on its tick, when the agreement has ``handoff.assignment``).
Assigning writes an owner change and the contact's new owner through ``store_records``, so the
obligations follow at once.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from funnelpact.domain.agreement.model import AssignmentMethod
from funnelpact.domain.records import OwnerChange, Record, Ref, System
from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.tracking import models as store
from funnelpact.server.watch.repository import identity_of
from funnelpact.server.watch.services import WatchContext, _contact_in_stage, require_context

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AssignmentReport:
    assigned: tuple[tuple[int, str], ...]  # (contact id, rep name)
    queued: int  # new MQLs left for later: off hours or no capacity
    next_opening: datetime | None  # when assignment resumes, if off hours
    team: str = ""
    method: AssignmentMethod = AssignmentMethod.LEAST_LOADED


def assign_new_mqls(
    team: str,
    now: datetime,
    *,
    method: AssignmentMethod | None = None,
    dry_run: bool = False,
    skip: Collection[int] = (),
    count_queued: bool = True,
) -> AssignmentReport:
    """Give the team's reps the unowned MQLs (see the module docstring).

    ``method`` defaults to the agreement's (least-loaded when it sets none); ``dry_run``
    decides without storing anything; ``skip``: contacts already given out (a dry run over
    several teams); ``count_queued=False`` (the scheduler) leaves the report's ``queued`` at
    0 instead of counting the leads left waiting.
    """
    from funnelpact.server.tracking.services import store_records

    context = require_context()
    settings = context.agreement.handoff.assignment
    method = method or (settings.method if settings else AssignmentMethod.LEAST_LOADED)
    stage = context.agreement.handoff.stage
    reps = list(
        store.Rep.objects.filter(team_name=team, active=True, placeholder=False).order_by(
            "name", "pk"
        )
    )
    if not reps:
        raise NotFoundError(f"team {team!r}: no active rep belongs to it")
    waiting = store.Contact.objects.filter(
        owner__isnull=True, lifecycle_stage=stage, merged_into__isnull=True
    ).exclude(pk__in=list(skip))
    calendar = context.calendar
    if not calendar.is_working(now):
        queued = waiting.count() if count_queued else 0
        return AssignmentReport((), queued, calendar.next_opening(now), team, method)
    capacity = _weekly_capacity(context)
    local = now.astimezone(calendar.zone)
    week_start = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), calendar.zone
    )
    load = {
        rep.pk: store.OwnerChange.objects.filter(owner=rep, assigned_at__gte=week_start).count()
        for rep in reps
    }
    # Only as many waiting leads as the reps have room for are read (oldest first): a team at
    # capacity reads none, however many unowned MQLs wait (the scheduler asks every tick).
    room = sum(max(0.0, capacity - taken) for taken in load.values())
    ordered = waiting.order_by("created_at", "pk").values_list("pk", flat=True)
    if room == 0:
        chosen: list[int] = []
    elif math.isinf(room):
        chosen = list(ordered)
    else:
        chosen = list(ordered[: int(room)])
    turn = _next_turn(reps) if method is AssignmentMethod.ROUND_ROBIN else 0
    records: list[Record] = []
    assigned: list[tuple[int, str]] = []
    for contact_id in chosen:
        open_reps = [rep for rep in reps if load[rep.pk] < capacity]
        if not open_reps:
            break
        if method is AssignmentMethod.ROUND_ROBIN:
            # The next rep in name order, from the turn on, who still has room.
            order = reps[turn:] + reps[:turn]
            rep = next(item for item in order if load[item.pk] < capacity)
            turn = (reps.index(rep) + 1) % len(reps)
        else:
            rep = min(open_reps, key=lambda item: (load[item.pk], item.name, item.pk))
        load[rep.pk] += 1
        assigned.append((contact_id, rep.name))
        if dry_run:
            continue
        rep_ref = Ref(System(rep.system), rep.external_id)
        contact = identity_of(contact_id)
        records.append(OwnerChange(contact=contact, owner=rep_ref, assigned_at=now))
        stored = _contact_in_stage(contact_id, contact, stage, now)
        records.append(dataclasses.replace(stored, owner=rep_ref))
    if records:
        store_records(records)
    if not count_queued:
        queued = 0
    elif len(chosen) < room:  # every waiting lead was read
        queued = len(chosen) - len(assigned)
    else:
        queued = waiting.count() - (len(assigned) if dry_run else 0)  # stored ones are owned now
    return AssignmentReport(tuple(assigned), queued, None, team, method)


def _next_turn(reps: list[store.Rep]) -> int:
    """Round robin: the index after the rep of the team who was assigned a lead last."""
    last = (
        store.OwnerChange.objects.filter(owner__in=reps)
        .order_by("-assigned_at", "-pk")
        .values_list("owner_id", flat=True)
        .first()
    )
    ids = [rep.pk for rep in reps]
    return (ids.index(last) + 1) % len(reps) if last in ids else 0


def _weekly_capacity(context: WatchContext) -> float:
    capacity = context.agreement.plan.capacity
    if capacity is None or capacity.mqls_per_rep_week is None:
        return math.inf
    return float(capacity.mqls_per_rep_week)


def assign_for_agreement(
    now: datetime,
    *,
    team: str | None = None,
    dry_run: bool = False,
    method: AssignmentMethod | None = None,
) -> list[AssignmentReport]:
    """Assign new MQLs to ``team``, or to the agreement's ``handoff.assignment.teams`` in
    order (the next team takes what the previous one had no room for)."""
    context = require_context()
    settings = context.agreement.handoff.assignment
    if team is not None:
        teams: tuple[str, ...] = (team,)
    elif settings is not None:
        teams = settings.teams
    else:
        raise InputError(
            "the agreement assigns no team: give --team NAME, or add handoff.assignment "
            "(method, teams) to the agreement"
        )
    reports: list[AssignmentReport] = []
    given: set[int] = set()
    for name in teams:
        report = assign_new_mqls(name, now, method=method, dry_run=dry_run, skip=given)
        given.update(contact_id for contact_id, _ in report.assigned)
        reports.append(report)
    return reports


def assign_on_tick(context: WatchContext, now: datetime) -> int:
    """The scheduler's part: when the agreement asks for it, assign new MQLs; how many."""
    settings = context.agreement.handoff.assignment
    if settings is None or not context.calendar.is_working(now):
        return 0
    assigned = 0
    given: set[int] = set()
    for name in settings.teams:
        try:
            report = assign_new_mqls(name, now, skip=given, count_queued=False)
        except NotFoundError as exc:  # a team with no active rep: the others still assign
            log.warning("assignment skipped: %s", exc)
            continue
        given.update(contact_id for contact_id, _ in report.assigned)
        assigned += len(report.assigned)
    return assigned
