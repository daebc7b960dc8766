"""The reference evaluator: one lead's obligations at an instant (docs/compliance.md).

Everything runs on whole epoch seconds (the contract's resolution) and converts to datetimes
only for the result. The Ibis twin (`funnelpact.analytics.compliance`) must agree with this
module obligation by obligation; when they differ, docs/compliance.md decides.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

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
    obligations: list[Obligation] = []
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
        obligations.extend(_obligations(timeline.contact, cycle, rules, clock, now_s))
    return LeadCompliance(
        contact=timeline.contact, now=now.astimezone(calendar.zone), obligations=tuple(obligations)
    )


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
    contact: Ref, cycle: _Cycle, rules: ComplianceRules, clock: _Clock, now: int
) -> list[Obligation]:
    start = cycle.start
    first_touch = rules.first_touch_seconds
    decide = rules.decide_seconds
    result = [
        _obligation(
            contact,
            cycle,
            ObligationKind.FIRST_TOUCH.value,
            ObligationKind.FIRST_TOUCH,
            due=clock.add(start, first_touch),
            at_risk=clock.add(start, rules.at_risk_seconds(first_touch)),
            meeting=cycle.touches[0] if cycle.touches else None,
            stop=cycle.follow_up_stop,
            now=now,
            clock=clock,
        ),
        _obligation(
            contact,
            cycle,
            ObligationKind.DECISION.value,
            ObligationKind.DECISION,
            due=clock.add(start, decide),
            at_risk=clock.add(start, rules.at_risk_seconds(decide)),
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
                contact,
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
    contact: Ref,
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
) -> Obligation:
    """Apply the status rules of docs/compliance.md, in their order."""
    zone = clock.calendar.zone
    start = cycle.start

    def instant(seconds: int) -> datetime:
        return from_epoch_seconds(seconds, zone)

    def business(start: int, end: int) -> timedelta:
        return timedelta(seconds=clock.elapsed(start, end))

    met_at = met_after = breached_at = resolved_at = breached_by = not_applicable_at = None
    stop_reason: StopReason | None = None
    stop_stage = ""
    if meeting is not None and meeting <= due and (stop is None or meeting <= stop.at):
        status = Status.MET
        met_at, met_after = instant(meeting), business(start, meeting)
    elif stop is not None and stop.at <= due:
        status = Status.NOT_APPLICABLE
        not_applicable_at = instant(stop.at)
        stop_reason, stop_stage = stop.reason, stop.stage
    elif now >= due:
        status = Status.BREACHED
        # Both resolutions, if any, come after the due instant here.
        resolved = min(
            (at for at in (meeting, None if stop is None else stop.at) if at is not None),
            default=None,
        )
        breached_at = instant(due)
        resolved_at = None if resolved is None else instant(resolved)
        breached_by = business(due, now if resolved is None else resolved)
    else:
        status = Status.AT_RISK if now >= at_risk else Status.PENDING
    return Obligation(
        contact=contact,
        cycle=cycle.number,
        name=name,
        kind=kind,
        handoff_at=instant(start),
        owner=cycle.owner,
        due_at=instant(due),
        at_risk_from=instant(at_risk),
        status=status,
        met_at=met_at,
        met_after=met_after,
        breached_at=breached_at,
        resolved_at=resolved_at,
        breached_by=breached_by,
        not_applicable_at=not_applicable_at,
        stop_reason=stop_reason,
        stop_stage=stop_stage,
    )


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
