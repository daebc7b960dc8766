"""Journey fixtures: one person's events written as a timeline, turned into canonical records.

For SLA, funnel and store tests (PostHog's style: the data reads like what happened)::

    records = journey(
        contact="c1",
        events=[
            ("2026-03-06 17:00", "mql"),
            ("2026-03-06 17:05", "owner", "rep1"),
            ("2026-03-06 17:06", "auto_email", "rep1"),   # a sequence: never a sales touch
            ("2026-03-09 10:00", "call", "rep1"),
            ("2026-03-09 11:00", "rejected", "rep1", "not_icp"),
        ],
    )

Times are local wall-clock times of `timezone` (Europe/Madrid by default) unless they carry an
offset ("2026-03-06T16:00:00+00:00", "...Z"); records hold UTC instants. An event is
`(when, kind)`, `(when, kind, by)` or `(when, kind, by, detail)`; `by` is a rep id, `detail` a
rejection reason, a deal amount or a page/asset. Kinds: the stages (subscriber, lead, mql, sql,
opportunity, customer, or any other stage name given in `stages=`), "owner", the touch types
(call, email, meeting, note, task, page_view, form_submission, content_download), "call_in" and
"email_in" (the contact calls or writes), "auto_email" (automated), "accepted", "rejected",
"deal", "won", "lost".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from funnelpact.demo.scenario import Stage
from funnelpact.domain.records import (
    CONTACT_ACTIVITY,
    Contact,
    Deal,
    DealStageChange,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Team,
    TeamKind,
    Touch,
    TouchType,
)

Event = tuple[str, str] | tuple[str, str, str] | tuple[str, str, str, str]

_TOUCHES = {kind.value: kind for kind in TouchType}
_INBOUND = {"call_in": TouchType.CALL, "email_in": TouchType.EMAIL}
_OTHER = ("owner", "auto_email", "accepted", "rejected", "deal", "won", "lost")


def at(text: str, timezone: str = "Europe/Madrid") -> datetime:
    """A fixture time: local wall-clock in `timezone`, or an ISO time with its own offset."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC)


def journey(
    contact: str,
    events: Sequence[Event],
    *,
    timezone: str = "Europe/Madrid",
    system: System = System.DEMO,
    created: str | None = None,
    email: str | None = None,
    source: str = "",
    stream: str = "",
    campaign: str = "",
    stages: Iterable[str] = (),
) -> list[Record]:
    """The contact first, then one record per event in the order given (a deal in its final
    state after its events). Raises ValueError naming the event that is not understood."""
    known_stages = {stage.value for stage in Stage} | set(stages)
    ref = Ref(system, contact)
    records: list[Record] = []
    owner: Ref | None = None
    lifecycle = ""
    deal: Deal | None = None
    deal_index = -1
    touch_number = 0
    times = [at(event[0], timezone) for event in events]
    for index, (event, when) in enumerate(zip(events, times, strict=True)):
        kind = event[1]
        by = Ref(system, event[2]) if len(event) > 2 and event[2] else None
        detail = event[3] if len(event) > 3 else ""
        if kind in known_stages:
            records.append(
                StageChange(contact=ref, stage=kind, entered_at=when, change_source="fixture")
            )
            lifecycle = kind
        elif kind == "owner":
            if by is None:
                raise ValueError(f"event {index} ({kind}) needs the rep id: (when, 'owner', rep)")
            owner = by
            records.append(OwnerChange(contact=ref, owner=by, assigned_at=when))
        elif kind in _TOUCHES or kind in _INBOUND or kind == "auto_email":
            touch_number += 1
            touch_type = _TOUCHES.get(kind) or _INBOUND.get(kind) or TouchType.EMAIL
            inbound = kind in _INBOUND or touch_type in CONTACT_ACTIVITY
            records.append(
                Touch(
                    ref=Ref(system, f"{contact}-t{touch_number}"),
                    contact=ref,
                    type=touch_type,
                    occurred_at=when,
                    direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                    rep=by,
                    automated=kind == "auto_email",
                    content=detail,
                    campaign=campaign if touch_type in CONTACT_ACTIVITY else "",
                )
            )
        elif kind in ("accepted", "rejected"):
            records.append(
                HandoffDecision(
                    contact=ref,
                    decision=Decision(kind),
                    decided_at=when,
                    decided_by=by,
                    reason=detail,
                )
            )
        elif kind == "deal":
            deal = Deal(
                ref=Ref(system, f"{contact}-deal"),
                created_at=when,
                amount=Decimal(detail or "0"),
                stage="appointmentscheduled",
                contact=ref,
                owner=by or owner,
            )
            deal_index = len(records)
            records.append(deal)
            records.append(
                DealStageChange(
                    deal=deal.ref, stage=deal.stage, entered_at=when, amount=deal.amount
                )
            )
        elif kind in ("won", "lost"):
            if deal is None:
                raise ValueError(f"event {index} ({kind}) comes before any 'deal' event")
            stage = "closedwon" if kind == "won" else "closedlost"
            deal = replace(deal, stage=stage, closed_at=when, won=kind == "won")
            records[deal_index] = deal
            records.append(
                DealStageChange(deal=deal.ref, stage=stage, entered_at=when, amount=deal.amount)
            )
        else:
            kinds = sorted(known_stages | set(_TOUCHES) | set(_INBOUND) | set(_OTHER))
            raise ValueError(f"event {index}: unknown kind {kind!r} (known: {', '.join(kinds)})")
    created_at = at(created, timezone) if created else (min(times) if times else None)
    if created_at is None:
        raise ValueError("a journey with no events needs created=")
    person = Contact(
        ref=ref,
        created_at=created_at,
        email=email if email is not None else f"{contact}@example.com",
        source=source,
        campaign=campaign,
        stream=stream,
        owner=owner,
        lifecycle_stage=lifecycle,
        updated_at=max(times) if times else created_at,
    )
    return [person, *records]


def team(
    name: str,
    *rep_ids: str,
    manager: str | None = None,
    kind: TeamKind = TeamKind.SALES,
    system: System = System.DEMO,
) -> list[Record]:
    """A team and its reps (the manager, if given, first) as records, for journey tests."""
    manager_ref = Ref(system, manager) if manager else None
    records: list[Record] = [Team(name=name, kind=kind, manager=manager_ref)]
    if manager_ref is not None:
        records.append(Rep(ref=manager_ref, name=manager or "", team=name))
    for rep_id in rep_ids:
        records.append(Rep(ref=Ref(system, rep_id), name=rep_id, team=name, manager=manager_ref))
    return records
