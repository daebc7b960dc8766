"""Hypothesis strategies: journeys of many contacts around awkward moments of the calendar.

Hand-offs fall near DST weekends, Easter and All Saints' holidays in Madrid, on weekends and
outside working hours; events come out of order and some twice; some touches land exactly on
a due instant (computed with the calendar, itself tested against a minute-by-minute oracle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.records import (
    Contact,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    System,
    Touch,
    TouchType,
)

# Local Madrid moments worth starting from: around both DST changes of 2026, Easter 2026
# (Thu 2 and Fri 3 April are holidays), the Constitution/Immaculate bridge of 2025, and the
# Monday All Saints' holiday of 2026 (2 November).
ANCHORS = (
    datetime(2026, 3, 26, 16, 0, tzinfo=UTC),
    datetime(2026, 3, 31, 15, 30, tzinfo=UTC),
    datetime(2026, 10, 23, 15, 0, tzinfo=UTC),
    datetime(2026, 10, 30, 17, 0, tzinfo=UTC),
    datetime(2025, 12, 5, 16, 0, tzinfo=UTC),
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
)
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
REPS = tuple(Ref(System.DEMO, f"rep{number}") for number in range(1, 4))
QUARTER = 15 * 60


def offsets(max_days: int) -> st.SearchStrategy[int]:
    """Microseconds after an anchor: mostly whole quarter hours (openings, closings), sometimes
    any second, sometimes with a fraction of a second (whole seconds are the resolution)."""
    seconds = st.one_of(
        st.integers(0, max_days * 96).map(lambda quarters: quarters * QUARTER),
        st.integers(0, max_days * 86_400),
    )
    fraction = st.sampled_from((0, 0, 0, 0, 1, 500_000, 999_999))
    return st.builds(lambda whole, part: whole * 1_000_000 + part, seconds, fraction)


@dataclass(frozen=True, slots=True)
class Journey:
    contact: Ref
    records: list[Record]


@st.composite
def journeys(
    draw: st.DrawFn, contact: Ref, anchor: datetime, calendar: BusinessCalendar
) -> Journey:
    def at(micros: int) -> datetime:
        return anchor + timedelta(microseconds=micros)

    # A few shared moments: events of different kinds often happen at the same instant
    # (an export's dates, a rejection and its recycle), which is where tie rules matter.
    moments = draw(st.lists(offsets(20), min_size=1, max_size=3))

    def when(max_days: int) -> st.SearchStrategy[int]:
        return st.sampled_from(moments) | offsets(max_days)

    stage_changes = [
        StageChange(contact=contact, stage=stage, entered_at=at(offset))
        for offset, stage in draw(
            st.lists(
                st.tuples(
                    when(20),
                    st.sampled_from(STAGES) | st.just("mql") | st.just("mql") | st.just("lead"),
                ),
                max_size=6,
            )
        )
    ]
    owner_changes = [
        OwnerChange(contact=contact, owner=owner, assigned_at=at(offset))
        for offset, owner in draw(st.lists(st.tuples(when(20), st.sampled_from(REPS)), max_size=3))
    ]
    touch_specs = draw(
        st.lists(
            st.tuples(
                when(40),
                st.sampled_from(tuple(TouchType))
                | st.sampled_from((TouchType.CALL, TouchType.EMAIL)),
                st.sampled_from(tuple(Direction)) | st.just(Direction.OUTBOUND),
                st.none() | st.sampled_from(REPS),
                st.booleans() | st.just(False),
            ),
            max_size=10,
        )
    )
    touches = [
        Touch(
            ref=Ref(System.DEMO, f"{contact.external_id}-t{index}"),
            contact=contact,
            type=kind,
            occurred_at=at(offset),
            direction=direction,
            rep=rep,
            automated=automated,
        )
        for index, (offset, kind, direction, rep, automated) in enumerate(touch_specs)
    ]
    # Touches exactly N business hours after a hand-off: the boundaries of the windows.
    handoffs = [change.entered_at for change in stage_changes if change.stage == "mql"]
    if handoffs:
        for hours in draw(st.lists(st.sampled_from((6, 8, 18, 24)), max_size=2)):
            start = draw(st.sampled_from(handoffs))
            touches.append(
                Touch(
                    ref=Ref(System.DEMO, f"{contact.external_id}-b{len(touches)}"),
                    contact=contact,
                    type=TouchType.CALL,
                    occurred_at=calendar.add(start, timedelta(hours=hours)),
                    rep=REPS[0],
                )
            )
    decisions = [
        HandoffDecision(contact=contact, decision=decision, decided_at=at(offset))
        for offset, decision in draw(
            st.lists(st.tuples(when(20), st.sampled_from(tuple(Decision))), max_size=3)
        )
    ]
    person = Contact(ref=contact, created_at=anchor, owner=draw(st.none() | st.sampled_from(REPS)))
    events: list[Record] = [*stage_changes, *owner_changes, *touches, *decisions]
    # Out of order, and some records twice.
    events = draw(st.permutations(events))
    if events:
        events += draw(st.lists(st.sampled_from(events), max_size=3))
    return Journey(contact=contact, records=[person, *events])


@st.composite
def populations(
    draw: st.DrawFn, calendar: BusinessCalendar, min_size: int = 1, max_size: int = 12
) -> tuple[list[Journey], datetime]:
    """Several contacts' journeys from one anchor, and a `now` somewhere in their life."""
    anchor = draw(st.sampled_from(ANCHORS))
    count = draw(st.integers(min_size, max_size))
    people = [
        draw(journeys(Ref(System.DEMO, f"c{number}"), anchor, calendar)) for number in range(count)
    ]
    # `now` anywhere, or exactly on an event, or exactly on a business-hour deadline.
    handoffs = [
        record.entered_at
        for person in people
        for record in person.records
        if isinstance(record, StageChange) and record.stage == "mql"
    ]
    choice = draw(st.sampled_from(("any", "any", "event", "deadline")))
    if choice == "event" and handoffs:
        now = draw(st.sampled_from(handoffs))
    elif choice == "deadline" and handoffs:
        hours = draw(st.sampled_from((6, 8, 18, 24)))
        now = calendar.add(draw(st.sampled_from(handoffs)), timedelta(hours=hours))
    else:
        now = anchor + timedelta(microseconds=draw(offsets(70)))
    return people, now
