"""Bad input to compliance: every problem located, coded and reported at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from compliance_testkit import DEFAULT_RULES, madrid_office

from funnelpact.domain.compliance import (
    CadenceRule,
    ComplianceRules,
    Timeline,
    evaluate,
)
from funnelpact.domain.errors import DomainError
from funnelpact.domain.records import (
    Contact,
    Decision,
    HandoffDecision,
    Ref,
    StageChange,
    System,
    Touch,
    TouchType,
)

C1 = Ref(System.DEMO, "c1")
C2 = Ref(System.DEMO, "c2")
WHEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


def rendered(error: DomainError) -> list[str]:
    return [issue.render() for issue in error.issues]


def test_a_naive_now_is_refused_with_its_field() -> None:
    with pytest.raises(DomainError) as caught:
        evaluate(Timeline(contact=C1), DEFAULT_RULES, madrid_office(), datetime(2026, 3, 2, 9))
    assert rendered(caught.value) == ["now: error CMP001 2026-03-02T09:00:00 has no time zone"]


def test_records_of_another_contact_and_naive_instants_are_all_reported() -> None:
    with pytest.raises(DomainError) as caught:
        Timeline(
            contact=C1,
            stage_changes=(
                StageChange(contact=C1, stage="mql", entered_at=WHEN),
                StageChange(contact=C2, stage="mql", entered_at=datetime(2026, 3, 2, 9)),
            ),
            decisions=(HandoffDecision(contact=C2, decision=Decision.ACCEPTED, decided_at=WHEN),),
        )
    assert rendered(caught.value) == [
        "stage_changes[1]: error CMP002 belongs to contact demo:c2, not to the timeline's demo:c1",
        "stage_changes[1].entered_at: error CMP001 2026-03-02T09:00:00 has no time zone",
        "decisions[0]: error CMP002 belongs to contact demo:c2, not to the timeline's demo:c1",
    ]


def test_from_records_keeps_one_contact_and_needs_to_know_which() -> None:
    records = [
        Contact(ref=C1, created_at=WHEN, owner=Ref(System.DEMO, "rep1")),
        StageChange(contact=C1, stage="mql", entered_at=WHEN),
        StageChange(contact=C2, stage="mql", entered_at=WHEN),
        Touch(ref=Ref(System.DEMO, "t"), contact=C2, type=TouchType.CALL, occurred_at=WHEN),
    ]
    timeline = Timeline.from_records(records)
    assert timeline.contact == C1 and timeline.owner == Ref(System.DEMO, "rep1")
    assert len(timeline.stage_changes) == 1 and timeline.touches == ()
    assert Timeline.from_records(records, contact=C2).touches == (records[3],)
    with pytest.raises(DomainError) as caught:
        Timeline.from_records([*records, Contact(ref=C2, created_at=WHEN)])
    assert caught.value.issues[0].code == "CMP002"


def test_bad_rules_are_reported_together() -> None:
    with pytest.raises(DomainError) as caught:
        ComplianceRules(
            handoff_stage="marketing_qualified",
            first_touch_business_hours=0,
            decide_business_hours=-1,
            cadence=(CadenceRule(3, 14), CadenceRule(3, 14), CadenceRule(0, 7)),
            counting_touch_types=frozenset(),
            at_risk_share=Decimal("1.5"),
        )
    assert rendered(caught.value) == [
        "handoff.stage: error CMP003 hand-off stage 'marketing_qualified' is not in the "
        "lifecycle (subscriber, lead, mql, sql, opportunity, customer)",
        "protocol.first_touch_within_business_hours: error CMP004 must be positive, got 0",
        "handoff.decide_within_business_hours: error CMP004 must be positive, got -1",
        "protocol.follow_up_cadence[2]: error CMP004 touches and within_days must be positive, "
        "got 0 in 7",
        "alerts.at_risk_share: error CMP004 must be between 0 and 1, got 1.5",
        "protocol.follow_up_cadence: error CMP005 cadence step cadence_3_in_14 is listed twice",
        "protocol.counting_touch_types: error CMP005 no touch type counts as a sales touch",
    ]
    with pytest.raises(DomainError) as empty:
        ComplianceRules(cadence=())
    assert rendered(empty.value) == ["protocol.follow_up_cadence: error CMP005 no cadence step"]
