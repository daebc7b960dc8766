"""The reference evaluator: one lead's obligations at an instant (docs/compliance.md).

Everything runs on whole epoch seconds (the contract's resolution) and converts to datetimes
only for the result. The Ibis twin (`funnelpact.analytics.compliance`) must agree with this
module obligation by obligation; when they differ, docs/compliance.md decides.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NamedTuple

from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance.obligations import (
    LeadCompliance,
    Obligation,
    ObligationKind,
    Status,
    StopReason,
)
from funnelpact.domain.compliance.rules import ComplianceCode, ComplianceRules
from funnelpact.domain.compliance.timeline import Timeline
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.records import Decision, Direction, Ref

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_US = 1_000_000


def epoch_seconds(instant: datetime) -> int:
    """Whole seconds since 1970-01-01 UTC, rounded down (the contract's resolution)."""
    return (instant - _EPOCH) // _ONE_SECOND


def from_epoch_seconds(seconds: int, zone: tzinfo = UTC) -> datetime:
    """The instant `seconds` after 1970-01-01 UTC, shown in `zone`."""
    return datetime.fromtimestamp(seconds, tz=zone)


@dataclass(frozen=True, slots=True)
class _Stop:
    at: int
    reason: StopReason
    stage: str = ""


class _Clock:
    """Business time on epoch seconds, over the caller's (warm) calendar."""

    __slots__ = ("calendar",)

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar

    def add(self, start: int, seconds: int) -> int:
        return self.calendar.add_us(start * _US, seconds * _US) // _US

    def add_many(self, start: int, seconds: tuple[int, ...]) -> list[int]:
        """`add` for several durations from one start, the days walked once."""
        found = self.calendar.add_many_us(start * _US, [value * _US for value in seconds])
        return [value // _US for value in found]

    def elapsed(self, start: int, end: int) -> int:
        return self.calendar.elapsed_us(start * _US, end * _US) // _US


def _first_stop(*candidates: _Stop | None) -> _Stop | None:
    # Earliest instant; at one instant the earlier argument wins (rejection before stage).
    found: _Stop | None = None
    for candidate in candidates:
        if candidate is not None and (found is None or candidate.at < found.at):
            found = candidate
    return found


def evaluate(
    timeline: Timeline, rules: ComplianceRules, calendar: BusinessCalendar, now: datetime
) -> LeadCompliance:
    """Every obligation of every hand-off cycle of `timeline`, as it stands at `now`."""
    zone = calendar.zone
    return LeadCompliance(
        contact=timeline.contact,
        now=now.astimezone(zone),
        obligations=tuple(
            _as_obligation(timeline.contact, item, zone)
            for item in evaluate_seconds(timeline, rules, calendar, now)
        ),
    )


class ObligationSeconds(NamedTuple):
    """An obligation as the evaluator computes it: instants as whole epoch seconds, durations
    as whole business seconds. `evaluate` turns each into an `Obligation` (same fields, the
    instants as datetimes in the calendar's zone); a store can write these without building a
    datetime per instant (the live watch re-evaluates thousands of leads per tick)."""

    cycle: int
    name: str
    kind: ObligationKind
    handoff_at: int
    owner: Ref | None
    due_at: int
    at_risk_from: int
    status: Status
    met_at: int | None = None
    met_after: int | None = None
    breached_at: int | None = None
    resolved_at: int | None = None
    breached_by: int | None = None
    not_applicable_at: int | None = None
    stop_reason: StopReason | None = None
    stop_stage: str = ""


def _as_obligation(contact: Ref, item: ObligationSeconds, zone: tzinfo) -> Obligation:
    def instant(seconds: int | None) -> datetime | None:
        return None if seconds is None else from_epoch_seconds(seconds, zone)

    def duration(seconds: int | None) -> timedelta | None:
        return None if seconds is None else timedelta(seconds=seconds)

    handoff_at = from_epoch_seconds(item.handoff_at, zone)
    return Obligation(
        contact=contact,
        cycle=item.cycle,
        name=item.name,
        kind=item.kind,
        handoff_at=handoff_at,
        owner=item.owner,
        due_at=from_epoch_seconds(item.due_at, zone),
        at_risk_from=from_epoch_seconds(item.at_risk_from, zone),
        status=item.status,
        met_at=instant(item.met_at),
        met_after=duration(item.met_after),
        breached_at=instant(item.breached_at),
        resolved_at=instant(item.resolved_at),
        breached_by=duration(item.breached_by),
        not_applicable_at=instant(item.not_applicable_at),
        stop_reason=item.stop_reason,
        stop_stage=item.stop_stage,
    )


def evaluate_seconds(
    timeline: Timeline, rules: ComplianceRules, calendar: BusinessCalendar, now: datetime
) -> list[ObligationSeconds]:
    """`evaluate`'s obligations in epoch seconds (see `ObligationSeconds`), cycle by cycle."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise DomainError(
            [
                Issue(
                    level=Level.ERROR,
                    code=ComplianceCode.NAIVE_INSTANT,
                    message=f"{now.isoformat()} has no time zone",
                    field="now",
                )
            ]
        )
    now_s = epoch_seconds(now)
    handoff = rules.handoff_stage
    # Visible events only, deduplicated on what the contract reads of them.
    stages = sorted(
        {
            (at, rules.rank_of(change.stage), change.stage)
            for change in timeline.stage_changes
            if (at := epoch_seconds(change.entered_at)) <= now_s
        }
    )
    decided: list[int] = []
    rejected: list[int] = []
    for decision in set(timeline.decisions):
        at = epoch_seconds(decision.decided_at)
        if at <= now_s:
            decided.append(at)
            if decision.decision is Decision.REJECTED:
                rejected.append(at)
    decided.sort()
    rejected.sort()
    counting_types = rules.counting_touch_types
    touches = sorted(
        at
        for touch in set(timeline.touches)
        if touch.type in counting_types
        and not touch.automated
        and touch.direction is Direction.OUTBOUND
        and touch.rep is not None
        and (at := epoch_seconds(touch.occurred_at)) <= now_s
    )
    owners = sorted(
        {
            (epoch_seconds(change.assigned_at), str(change.owner), change.owner)
            for change in timeline.owner_changes
        }
    )
    owner_times = [at for at, _, _ in owners]

    starts: list[int] = []
    for index, (at, _, stage) in enumerate(stages):
        if stage != handoff:
            continue
        if index == 0 or stages[index - 1][2] != handoff:
            starts.append(index)
            continue
        previous_at = stages[index - 1][0]
        if bisect_left(rejected, previous_at) < bisect_left(rejected, at):
            starts.append(index)

    clock = _Clock(calendar)
    obligations: list[ObligationSeconds] = []
    for number, start_index in enumerate(starts, start=1):
        end_index = starts[number] if number < len(starts) else len(stages)
        start = stages[start_index][0]
        end = stages[end_index][0] if end_index < len(stages) else None
        owner_index = bisect_right(owner_times, start)
        cycle = _cycle(
            rules,
            number=number,
            start=start,
            owner=owners[owner_index - 1][2] if owner_index else timeline.owner,
            stages_after=stages[start_index + 1 : end_index],
            touches=_between(touches, start, end),
            decisions=_between(decided, start, end),
            rejections=_between(rejected, start, end),
        )
        obligations.extend(_obligations(cycle, rules, clock, now_s))
    return obligations


@dataclass(frozen=True, slots=True)
class _Cycle:
    """What the obligations of one hand-off cycle read (docs/compliance.md)."""

    number: int
    start: int
    owner: Ref | None
    touches: list[int]  # counting touches of the cycle, in order
    decided: int | None  # first decision or first advance: the decision's meeting instant
    follow_up_stop: _Stop | None  # stops the first touch and the cadence
    decision_stop: _Stop | None  # stops the decision (leaving for a non-advancing stage)


def _between(times: list[int], start: int, end: int | None) -> list[int]:
    """The sorted `times` in [start, end), end None meaning no end."""
    low = bisect_left(times, start)
    high = len(times) if end is None else bisect_left(times, end)
    return times[low:high]


def _cycle(
    rules: ComplianceRules,
    *,
    number: int,
    start: int,
    owner: Ref | None,
    stages_after: list[tuple[int, int, str]],
    touches: list[int],
    decisions: list[int],
    rejections: list[int],
) -> _Cycle:
    first_other: _Stop | None = None
    first_advance: _Stop | None = None
    first_left: _Stop | None = None
    for at, _, stage in stages_after:
        if stage == rules.handoff_stage:
            continue
        advancing = stage in rules.advancing_stages
        stop = _Stop(at, StopReason.ADVANCED if advancing else StopReason.LEFT_STAGE, stage)
        first_other = first_other or stop
        if advancing:
            first_advance = first_advance or stop
        else:
            first_left = first_left or stop
        if first_advance is not None and first_left is not None:
            break
    rejection = _Stop(rejections[0], StopReason.REJECTED) if rejections else None
    decided = decisions[:1] + ([first_advance.at] if first_advance else [])
    return _Cycle(
        number=number,
        start=start,
        owner=owner,
        touches=touches,
        decided=min(decided, default=None),
        follow_up_stop=_first_stop(rejection, first_other),
        decision_stop=first_left,
    )


def _obligations(
    cycle: _Cycle, rules: ComplianceRules, clock: _Clock, now: int
) -> list[ObligationSeconds]:
    start = cycle.start
    first_touch = rules.first_touch_seconds
    decide = rules.decide_seconds
    first_due, first_at_risk, decide_due, decide_at_risk = clock.add_many(
        start,
        (
            first_touch,
            rules.at_risk_seconds(first_touch),
            decide,
            rules.at_risk_seconds(decide),
        ),
    )
    result = [
        _obligation(
            cycle,
            ObligationKind.FIRST_TOUCH.value,
            ObligationKind.FIRST_TOUCH,
            due=first_due,
            at_risk=first_at_risk,
            meeting=cycle.touches[0] if cycle.touches else None,
            stop=cycle.follow_up_stop,
            now=now,
            clock=clock,
        ),
        _obligation(
            cycle,
            ObligationKind.DECISION.value,
            ObligationKind.DECISION,
            due=decide_due,
            at_risk=decide_at_risk,
            meeting=cycle.decided,
            stop=cycle.decision_stop,
            now=now,
            clock=clock,
        ),
    ]
    for step in rules.cadence:
        window = step.window_seconds
        enough = len(cycle.touches) >= step.touches
        result.append(
            _obligation(
                cycle,
                step.name,
                ObligationKind.CADENCE,
                due=start + window,
                at_risk=start + rules.at_risk_seconds(window),
                meeting=cycle.touches[step.touches - 1] if enough else None,
                stop=cycle.follow_up_stop,
                now=now,
                clock=clock,
            )
        )
    return result


def _obligation(
    cycle: _Cycle,
    name: str,
    kind: ObligationKind,
    *,
    due: int,
    at_risk: int,
    meeting: int | None,
    stop: _Stop | None,
    now: int,
    clock: _Clock,
) -> ObligationSeconds:
    """Apply the status rules of docs/compliance.md, in their order."""
    start = cycle.start
    if meeting is not None and meeting <= due and (stop is None or meeting <= stop.at):
        return ObligationSeconds(
            cycle.number,
            name,
            kind,
            start,
            cycle.owner,
            due,
            at_risk,
            Status.MET,
            met_at=meeting,
            met_after=clock.elapsed(start, meeting),
        )
    if stop is not None and stop.at <= due:
        return ObligationSeconds(
            cycle.number,
            name,
            kind,
            start,
            cycle.owner,
            due,
            at_risk,
            Status.NOT_APPLICABLE,
            not_applicable_at=stop.at,
            stop_reason=stop.reason,
            stop_stage=stop.stage,
        )
    if now >= due:
        # Both resolutions, if any, come after the due instant here.
        resolved = min(
            (at for at in (meeting, None if stop is None else stop.at) if at is not None),
            default=None,
        )
        return ObligationSeconds(
            cycle.number,
            name,
            kind,
            start,
            cycle.owner,
            due,
            at_risk,
            Status.BREACHED,
            breached_at=due,
            resolved_at=resolved,
            breached_by=clock.elapsed(due, now if resolved is None else resolved),
        )
    status = Status.AT_RISK if now >= at_risk else Status.PENDING
    return ObligationSeconds(cycle.number, name, kind, start, cycle.owner, due, at_risk, status)


def next_change_at(lead: LeadCompliance) -> datetime | None:
    """The earliest instant after `lead.now` at which a status changes with no new event."""
    moments: list[datetime] = []
    for obligation in lead.obligations:
        if obligation.status is Status.PENDING:
            moments.append(obligation.at_risk_from)
        elif obligation.status is Status.AT_RISK:
            moments.append(obligation.due_at)
    later = [moment for moment in moments if moment > lead.now]
    return min(later, default=None)
