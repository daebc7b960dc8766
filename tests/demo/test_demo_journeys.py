"""Journey fixtures: a timeline of one person's events becomes the canonical records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from funnelpact.demo.journeys import at, journey, team
from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Ref,
    Rep,
    StageChange,
    System,
    Team,
    Touch,
    TouchType,
)


def test_a_timeline_becomes_records_in_utc() -> None:
    records = journey(
        contact="c1",
        events=[
            ("2026-03-06 17:00", "mql"),
            ("2026-03-06 17:05", "owner", "rep1"),
            ("2026-03-06 17:06", "auto_email", "rep1"),
            ("2026-03-09 10:00", "call", "rep1"),
            ("2026-03-10 12:00", "page_view", "", "/precios"),
            ("2026-03-10 12:30", "email_in", "rep1"),
            ("2026-03-11 09:30", "rejected", "rep1", "not_icp"),
        ],
        source="ORGANIC_SEARCH",
        stream="smb",
    )
    person, mql, owner, sequence, call, page, reply, decision = records
    assert isinstance(person, Contact)
    # 17:00 in Madrid on 6 March 2026 (CET, UTC+1) is 16:00 UTC.
    assert person.created_at == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert person.owner == Ref(System.DEMO, "rep1") and person.lifecycle_stage == "mql"
    assert person.email == "c1@example.com" and person.stream == "smb"
    assert mql == StageChange(Ref(System.DEMO, "c1"), "mql", person.created_at, "fixture")
    assert isinstance(owner, OwnerChange) and owner.owner == Ref(System.DEMO, "rep1")
    assert isinstance(sequence, Touch) and sequence.automated and sequence.type is TouchType.EMAIL
    assert isinstance(call, Touch) and not call.automated
    assert call.direction is Direction.OUTBOUND and call.rep == Ref(System.DEMO, "rep1")
    assert isinstance(page, Touch) and page.direction is Direction.INBOUND and page.rep is None
    assert page.content == "/precios"
    assert isinstance(reply, Touch) and reply.direction is Direction.INBOUND
    assert decision == HandoffDecision(
        contact=Ref(System.DEMO, "c1"),
        decision=Decision.REJECTED,
        decided_at=datetime(2026, 3, 11, 8, 30, tzinfo=UTC),
        decided_by=Ref(System.DEMO, "rep1"),
        reason="not_icp",
    )
    assert len({record.ref for record in records if isinstance(record, Touch)}) == 4


def test_times_with_an_offset_are_taken_as_written_and_dst_is_handled() -> None:
    assert at("2026-03-06T16:00:00Z") == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    # After the last Sunday of March, Madrid is UTC+2.
    assert at("2026-03-30 09:00") == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert at("2026-03-06 09:00", "Europe/Rome") == datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


def test_a_deal_ends_in_its_final_state() -> None:
    records = journey(
        contact="c2",
        events=[
            ("2026-01-12 10:00", "sql"),
            ("2026-01-13 10:00", "deal", "rep2", "2400"),
            ("2026-02-20 16:00", "won"),
            ("2026-02-20 16:00", "customer"),
        ],
    )
    deals = [record for record in records if isinstance(record, Deal)]
    assert len(deals) == 1
    assert deals[0].won is True and deals[0].amount == Decimal(2400)
    assert deals[0].closed_at == datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
    assert [c.stage for c in records if isinstance(c, DealStageChange)] == [
        "appointmentscheduled",
        "closedwon",
    ]


def test_mistakes_in_a_fixture_are_named() -> None:
    with pytest.raises(ValueError, match=r"event 1: unknown kind 'cal'.*call"):
        journey(contact="c3", events=[("2026-03-06 09:00", "lead"), ("2026-03-06 10:00", "cal")])
    with pytest.raises(ValueError, match="event 0 \\(won\\) comes before any 'deal'"):
        journey(contact="c3", events=[("2026-03-06 09:00", "won")])
    with pytest.raises(ValueError, match="needs the rep id"):
        journey(contact="c3", events=[("2026-03-06 09:00", "owner")])


def test_a_team_fixture() -> None:
    records = team("Ventas SMB", "rep1", "rep2", manager="boss")
    assert isinstance(records[0], Team) and records[0].manager == Ref(System.DEMO, "boss")
    reps = [record for record in records if isinstance(record, Rep)]
    assert [rep.ref.external_id for rep in reps] == ["boss", "rep1", "rep2"]
    assert all(rep.manager == Ref(System.DEMO, "boss") for rep in reps[1:])
