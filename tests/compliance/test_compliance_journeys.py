"""Journeys: one person's events as a timeline, and every obligation's exact status.

Times are Madrid wall-clock times (Monday to Friday 09:00-18:00, holidays of the Community of
Madrid) unless a test says otherwise; the default protocol: first touch in 24 business hours,
decision in 8, cadence 3 in 14 days, 5 in 28, 7 in 56; at risk at 75%. Expected instants are
worked out by hand in each docstring (docs/compliance.md is the contract).
"""

from __future__ import annotations

from datetime import timedelta

from compliance_testkit import EXAMPLES_DIR, evaluate_journey, local

from funnelpact.demo.journeys import Event, journey
from funnelpact.domain.agreement import load_agreement_text
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance import (
    ComplianceRules,
    ObligationKind,
    Status,
    StopReason,
    next_change_at,
    rules_from_agreement,
)
from funnelpact.domain.records import Ref, System, TouchType

HOUR = timedelta(hours=1)
REP1 = Ref(System.DEMO, "rep1")

# Friday 5 Dec 2025, 17:00: Saturday 6 is Constitution Day, Monday 8 the Immaculate Conception.
FRIDAY_BEFORE_THE_BRIDGE: list[Event] = [
    ("2025-12-05 16:00", "lead"),
    ("2025-12-05 17:00", "mql"),
    ("2025-12-05 17:05", "owner", "rep1"),
    ("2025-12-05 17:06", "auto_email", "rep1"),  # a sequence: never a sales touch
]


def test_friday_1700_over_a_weekend_and_two_holidays_every_obligation_pending() -> None:
    """24 business hours: Fri 1 h, (Sat, Sun, Mon 8 holiday), Tue 9, Wed 9, Thu 5 -> Thu 14:00.

    At risk after 18 h: Fri 1, Tue 9, Wed 8 -> Wed 17:00. Decision in 8 h: Fri 1, Tue 7 -> Tue
    16:00, at risk after 6 h: Tue 14:00. Cadence days are 24-hour periods from Fri 17:00.
    """
    lead = evaluate_journey(FRIDAY_BEFORE_THE_BRIDGE, "2025-12-05 17:30")
    assert lead.cycles == 1
    expected = {
        "first_touch": ("2025-12-11 14:00", "2025-12-10 17:00"),
        "decision": ("2025-12-09 16:00", "2025-12-09 14:00"),
        "cadence_3_in_14": ("2025-12-19 17:00", "2025-12-16 05:00"),  # 10.5 days
        "cadence_5_in_28": ("2026-01-02 17:00", "2025-12-26 17:00"),
        "cadence_7_in_56": ("2026-01-30 17:00", "2026-01-16 17:00"),
    }
    assert [item.name for item in lead.obligations] == list(expected)
    for name, (due, at_risk) in expected.items():
        obligation = lead.get(name)
        assert obligation.status is Status.PENDING, name
        assert obligation.due_at == local(due), name
        assert obligation.at_risk_from == local(at_risk), name
        assert obligation.handoff_at == local("2025-12-05 17:00")
        assert obligation.owner == REP1  # no owner before the hand-off: the contact's owner
        assert obligation.met_at is None and obligation.breached_at is None
    assert lead.get("first_touch").kind is ObligationKind.FIRST_TOUCH
    assert lead.get("cadence_3_in_14").kind is ObligationKind.CADENCE
    assert next_change_at(lead) == local("2025-12-09 14:00")


def test_the_clock_runs_with_no_new_event_pending_at_risk_breached() -> None:
    decision_at = [
        ("2025-12-09 13:59:59", Status.PENDING),
        ("2025-12-09 14:00", Status.AT_RISK),
        ("2025-12-09 15:59:59", Status.AT_RISK),
        ("2025-12-09 16:00", Status.BREACHED),  # nothing by the due instant: breached at it
    ]
    for now, status in decision_at:
        assert evaluate_journey(FRIDAY_BEFORE_THE_BRIDGE, now).get("decision").status is status
    at_risk = evaluate_journey(FRIDAY_BEFORE_THE_BRIDGE, "2025-12-09 14:00")
    assert next_change_at(at_risk) == local("2025-12-09 16:00")

    breached = evaluate_journey(FRIDAY_BEFORE_THE_BRIDGE, "2025-12-09 16:00").get("decision")
    assert breached.breached_at == local("2025-12-09 16:00")
    assert breached.breached_by == timedelta(0)
    assert breached.resolved_at is None

    # Wednesday 17:00: the decision is 2 h (Tue) + 8 h (Wed) late; the first touch is at risk.
    lead = evaluate_journey(FRIDAY_BEFORE_THE_BRIDGE, "2025-12-10 17:00")
    assert lead.get("decision").breached_by == 10 * HOUR
    assert lead.get("first_touch").status is Status.AT_RISK
    assert next_change_at(lead) == local("2025-12-11 14:00")


def test_a_late_touch_is_a_breach_by_the_exact_business_time() -> None:
    """The call comes Thu 11 Dec at 15:30, 1 h 30 min after the due 14:00 (lunch is working)."""
    events: list[Event] = [*FRIDAY_BEFORE_THE_BRIDGE, ("2025-12-11 15:30", "call", "rep1")]
    lead = evaluate_journey(events, "2025-12-12 10:00")
    first = lead.get("first_touch")
    assert first.status is Status.BREACHED
    assert first.breached_at == local("2025-12-11 14:00")
    assert first.resolved_at == local("2025-12-11 15:30")
    assert first.breached_by == timedelta(hours=1, minutes=30)
    assert first.met_at is None  # a late touch resolves a breach, it does not make it met
    # Still no decision: Tue 2 h, Wed 9, Thu 9, Fri 1 = 21 h late and counting.
    decision = lead.get("decision")
    assert (decision.status, decision.breached_by, decision.resolved_at) == (
        Status.BREACHED,
        21 * HOUR,
        None,
    )
    assert lead.get("cadence_3_in_14").status is Status.PENDING
    assert next_change_at(lead) == local("2025-12-16 05:00")


MONDAY_MQL: list[Event] = [
    ("2026-03-02 09:30", "lead"),
    ("2026-03-02 10:00", "mql"),  # Monday 2 March 2026: no holiday, no DST change near
]


def test_a_touch_exactly_at_the_due_instant_is_in_time() -> None:
    """Mon 10:00 + 24 h: Mon 8, Tue 9, Wed 7 -> Wed 4 Mar 16:00. Decision: Mon 18:00 (closing)."""
    on_time = [
        *MONDAY_MQL,
        ("2026-03-02 18:00", "accepted", "rep1"),
        ("2026-03-04 16:00", "call", "rep1"),
    ]
    lead = evaluate_journey(on_time, "2026-03-05 12:00")
    first = lead.get("first_touch")
    assert first.due_at == local("2026-03-04 16:00")
    assert (first.status, first.met_at, first.met_after) == (
        Status.MET,
        local("2026-03-04 16:00"),
        24 * HOUR,
    )
    decision = lead.get("decision")
    assert decision.due_at == local("2026-03-02 18:00")  # a deadline on a closing is that closing
    assert (decision.status, decision.met_after) == (Status.MET, 8 * HOUR)


def test_one_second_late_is_a_breach_of_one_second_and_fractions_of_a_second_do_not_count() -> None:
    late = evaluate_journey([*MONDAY_MQL, ("2026-03-04 16:00:01", "call", "rep1")], "2026-03-05")
    first = late.get("first_touch")
    assert (first.status, first.breached_by) == (Status.BREACHED, timedelta(seconds=1))
    # Instants are whole seconds (rounded down): 16:00:00.9 is 16:00:00, in time.
    fraction = evaluate_journey(
        [*MONDAY_MQL, ("2026-03-04 16:00:00.900", "call", "rep1")], "2026-03-05"
    )
    assert fraction.get("first_touch").status is Status.MET


def test_automated_inbound_contact_activity_repless_and_non_counting_touches_do_not_count() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 10:01", "auto_email", "rep1"),  # automated
        ("2026-03-02 10:30", "call_in", "rep1"),  # inbound: the contact called
        ("2026-03-02 11:00", "page_view"),  # contact activity
        ("2026-03-02 11:10", "form_submission"),
        ("2026-03-02 11:30", "email"),  # no rep: not a sales touch
        ("2026-03-02 12:00", "note", "rep1"),  # notes do not count under the default protocol
        ("2026-03-03 09:15", "call", "rep1"),
    ]
    lead = evaluate_journey(events, "2026-03-03 10:00")
    first = lead.get("first_touch")
    assert (first.status, first.met_at) == (Status.MET, local("2026-03-03 09:15"))
    assert first.met_after == timedelta(hours=8, minutes=15)  # Mon 10-18, Tue 09:00-09:15
    assert lead.get("cadence_3_in_14").status is Status.PENDING  # one counting touch so far
    # An agreement that counts notes: the 12:00 note is the first touch.
    notes = ComplianceRules(counting_touch_types=frozenset({TouchType.CALL, TouchType.NOTE}))
    with_notes = evaluate_journey(events, "2026-03-03 10:00", rules=notes)
    assert with_notes.get("first_touch").met_at == local("2026-03-02 12:00")


def test_a_rejection_stops_the_cadence_and_a_late_decision_is_breached() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 11:00", "call", "rep1"),
        ("2026-03-02 15:00", "email", "rep1"),
        ("2026-03-03 12:00", "rejected", "rep1", "no_need"),
        ("2026-03-03 14:00", "call", "rep1"),  # after the rejection: follow-up has stopped
    ]
    lead = evaluate_journey(events, "2026-03-30 12:00")
    first = lead.get("first_touch")
    assert (first.status, first.met_at, first.met_after) == (
        Status.MET,
        local("2026-03-02 11:00"),
        HOUR,
    )
    # Due Mon 18:00; decided Tue 12:00: 3 business hours late, resolved by the rejection.
    decision = lead.get("decision")
    assert decision.status is Status.BREACHED
    assert decision.breached_at == local("2026-03-02 18:00")
    assert decision.resolved_at == local("2026-03-03 12:00")
    assert decision.breached_by == 3 * HOUR
    for name in ("cadence_3_in_14", "cadence_5_in_28", "cadence_7_in_56"):
        step = lead.get(name)
        assert step.status is Status.NOT_APPLICABLE, name
        assert step.not_applicable_at == local("2026-03-03 12:00")
        assert step.stop_reason is StopReason.REJECTED
        assert step.why_not_applicable == "rejected before the window ended"
    assert next_change_at(lead) is None  # nothing left to watch


def test_becoming_sql_ends_follow_up_and_counts_as_the_decision() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 11:00", "call", "rep1"),
        ("2026-03-03 10:00", "call", "rep1"),
        ("2026-03-04 09:30", "sql"),
    ]
    lead = evaluate_journey(events, "2026-03-20 12:00")
    step = lead.get("cadence_3_in_14")
    assert (step.status, step.stop_reason, step.stop_stage) == (
        Status.NOT_APPLICABLE,
        StopReason.ADVANCED,
        "sql",
    )
    assert step.why_not_applicable == "became sql"
    assert step.not_applicable_at == local("2026-03-04 09:30")
    # Moving the lead forward decided it, late: due Mon 18:00, Tue 9 h + Wed 30 min.
    decision = lead.get("decision")
    assert decision.status is Status.BREACHED
    assert decision.resolved_at == local("2026-03-04 09:30")
    assert decision.breached_by == timedelta(hours=9, minutes=30)
    # Accepting in time first: the decision is met, and acceptance stops no follow-up.
    accepted = evaluate_journey(
        [*events, ("2026-03-02 17:00", "accepted", "rep1")], "2026-03-03 12:00"
    )
    assert (accepted.get("decision").status, accepted.get("decision").met_after) == (
        Status.MET,
        7 * HOUR,
    )
    assert accepted.get("cadence_3_in_14").status is Status.PENDING


def test_stages_at_one_instant_follow_the_lifecycle() -> None:
    """An export with lead, mql and sql at one instant: handed over and advanced at once."""
    events: list[Event] = [
        ("2026-03-02 10:00", "sql"),
        ("2026-03-02 10:00", "lead"),
        ("2026-03-02 10:00", "mql"),
    ]
    lead = evaluate_journey(events, "2026-03-02 10:00")
    assert lead.cycles == 1
    decision = lead.get("decision")
    assert (decision.status, decision.met_at, decision.met_after) == (
        Status.MET,
        local("2026-03-02 10:00"),
        timedelta(0),
    )
    assert lead.get("first_touch").stop_reason is StopReason.ADVANCED


def test_leaving_the_handoff_stage_without_a_decision_ends_every_obligation() -> None:
    events: list[Event] = [*MONDAY_MQL, ("2026-03-02 14:00", "lead")]
    lead = evaluate_journey(events, "2026-04-30 12:00")
    for obligation in lead.obligations:
        assert obligation.status is Status.NOT_APPLICABLE, obligation.name
        assert obligation.stop_reason is StopReason.LEFT_STAGE
        assert obligation.why_not_applicable == "moved to lead"
        assert obligation.not_applicable_at == local("2026-03-02 14:00")


def test_a_handoff_outside_working_hours_counts_from_the_next_opening() -> None:
    """Saturday 7 Mar 10:00: the clock starts Monday 09:00; 24 h -> Wed 11 Mar 15:00."""
    events: list[Event] = [("2026-03-07 10:00", "mql"), ("2026-03-07 11:00", "email", "rep1")]
    lead = evaluate_journey(events, "2026-03-07 12:00")
    first = lead.get("first_touch")
    assert first.due_at == local("2026-03-11 15:00")
    assert (first.status, first.met_after) == (Status.MET, timedelta(0))  # before the opening
    decision = lead.get("decision")
    assert decision.due_at == local("2026-03-09 17:00")
    assert decision.at_risk_from == local("2026-03-09 15:00")
    assert decision.status is Status.PENDING  # no business time has passed on a Saturday
    # Cadence days do not wait for the opening: 14 x 24 h from Saturday 10:00.
    assert lead.get("cadence_3_in_14").due_at == local("2026-03-21 10:00")


def test_spring_dst_weekend() -> None:
    """Fri 27 Mar 2026 17:00 CET; clocks go forward on Sunday 29.

    24 h: Fri 1, Mon 30 9, Tue 31 9, Wed 1 Apr 5 -> Wed 1 Apr 14:00 CEST. Decision: Fri 1,
    Mon 7 -> Mon 30 16:00. The cadence's 14 x 24 hours end at 16:00 UTC = 18:00 CEST.
    """
    lead = evaluate_journey([("2026-03-27 17:00", "mql")], "2026-03-30 12:00")
    assert lead.get("first_touch").due_at == local("2026-04-01 14:00")
    assert lead.get("decision").due_at == local("2026-03-30 16:00")
    assert lead.get("decision").status is Status.PENDING  # Fri 1 h + Mon 3 h = 4 h of 8
    assert lead.get("cadence_3_in_14").due_at == local("2026-04-10 18:00")
    assert lead.get("cadence_5_in_28").due_at == local("2026-04-24 18:00")


def test_autumn_dst_weekend() -> None:
    """Fri 23 Oct 2026 17:00 CEST; clocks go back on Sunday 25 (the 25-hour day is closed).

    24 h: Fri 1, Mon 26 9, Tue 27 9, Wed 28 5 -> Wed 28 Oct 14:00 CET. Cadence: 15:00 UTC + 14
    days = 16:00 CET; at risk after 10.5 days = Tue 3 Nov 03:00 UTC = 04:00 CET.
    """
    events: list[Event] = [("2026-10-23 17:00", "mql"), ("2026-10-28 14:00", "call", "rep1")]
    lead = evaluate_journey(events, "2026-11-03 04:00")
    first = lead.get("first_touch")
    assert (first.due_at, first.status, first.met_after) == (
        local("2026-10-28 14:00"),
        Status.MET,
        24 * HOUR,
    )
    step = lead.get("cadence_3_in_14")
    assert step.due_at == local("2026-11-06 16:00")
    assert step.at_risk_from == local("2026-11-03 04:00")
    assert step.status is Status.AT_RISK


def test_recycled_and_handed_over_again_starts_a_new_cycle() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 12:00", "rejected", "rep1", "no_need"),
        ("2026-03-02 12:05", "lead"),  # recycled to nurture
        ("2026-03-16 10:00", "mql"),  # qualified again two weeks later
        ("2026-03-16 11:00", "call", "rep1"),
    ]
    lead = evaluate_journey(events, "2026-03-17 10:00")
    assert lead.cycles == 2
    assert lead.get("first_touch", cycle=1).stop_reason is StopReason.REJECTED
    assert lead.get("decision", cycle=1).met_after == 2 * HOUR
    assert lead.get("cadence_7_in_56", cycle=1).status is Status.NOT_APPLICABLE
    second = lead.get("first_touch")
    assert second.handoff_at == local("2026-03-16 10:00")
    assert (second.status, second.met_after) == (Status.MET, HOUR)
    decision = lead.get("decision")
    assert (decision.status, decision.breached_at, decision.breached_by) == (
        Status.BREACHED,
        local("2026-03-16 18:00"),
        HOUR,  # Tue 17 Mar 09:00-10:00
    )
    # 14 x 24 hours from 10:00 CET cross the spring DST change: 11:00 CEST on the wall clock.
    assert lead.get("cadence_3_in_14").due_at == local("2026-03-30 11:00")


def test_a_rejection_then_the_handoff_stage_again_is_a_new_cycle_a_repeat_is_not() -> None:
    rejected_again: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 12:00", "rejected", "rep1", "bad_timing"),
        ("2026-03-04 10:00", "mql"),  # no stage change between: the rejection separates them
    ]
    assert evaluate_journey(rejected_again, "2026-03-05 10:00").cycles == 2
    repeated: list[Event] = [*MONDAY_MQL, ("2026-03-02 15:00", "mql")]  # a second source
    lead = evaluate_journey(repeated, "2026-03-05 10:00")
    assert lead.cycles == 1
    assert lead.get("first_touch").handoff_at == local("2026-03-02 10:00")


def test_a_touch_at_the_instant_of_a_new_handoff_belongs_to_the_new_cycle() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 12:00", "lead"),
        ("2026-03-03 10:00", "mql"),
        ("2026-03-03 10:00", "call", "rep1"),
    ]
    lead = evaluate_journey(events, "2026-03-03 11:00")
    assert lead.get("first_touch", cycle=1).status is Status.NOT_APPLICABLE
    assert lead.get("first_touch", cycle=2).met_after == timedelta(0)


def test_the_accountable_owner_is_the_owner_at_the_handoff() -> None:
    events: list[Event] = [
        ("2026-02-27 10:00", "owner", "repA"),
        *MONDAY_MQL,
        ("2026-03-02 10:05", "owner", "repB"),
    ]
    lead = evaluate_journey(events, "2026-03-02 11:00")
    assert {item.owner for item in lead.obligations} == {Ref(System.DEMO, "repA")}
    # Two assignments at one instant: the greatest reference as text wins (deterministic).
    tie: list[Event] = [
        ("2026-03-02 10:00", "owner", "repB"),
        ("2026-03-02 10:00", "owner", "repA"),
        *MONDAY_MQL,
    ]
    assert evaluate_journey(tie, "2026-03-02 11:00").get("decision").owner == Ref(
        System.DEMO, "repB"
    )


def test_out_of_order_and_duplicated_records_change_nothing() -> None:
    events: list[Event] = [
        *MONDAY_MQL,
        ("2026-03-02 11:00", "call", "rep1"),
        ("2026-03-02 12:00", "rejected", "rep1", "no_need"),
        ("2026-03-02 12:05", "lead"),
        ("2026-03-16 10:00", "mql"),
        ("2026-03-16 11:00", "call", "rep1"),
        ("2026-03-17 11:00", "email", "rep1"),
    ]
    records = journey("c1", events)
    in_order = evaluate_journey(records, "2026-03-20 10:00")
    shuffled = [*reversed(records), *records[2:5], records[-1]]
    assert evaluate_journey(shuffled, "2026-03-20 10:00") == in_order
    assert in_order.cycles == 2


def test_the_seed_000_agreement_lunch_break_short_friday_and_closed_dates() -> None:
    """Seed 000: Mon-Thu 09:00-14:00 and 15:00-18:00, Fri 08:00-15:00, closed 24 and 31 Dec.

    MQL Fri 19 Dec 2025 14:00. 24 h: Fri 1, Mon 22 8, Tue 23 8, (Wed 24 closed, Thu 25
    Christmas) Fri 26 7 -> Fri 26 Dec 15:00, the closing. Decision 8 h: Fri 1, Mon 5 + 2 ->
    Mon 22 17:00; at risk after 6 h: Mon 14:00, the start of lunch.
    """
    text = (EXAMPLES_DIR / "agreement-seed-000.yaml").read_text(encoding="utf-8")
    agreement = load_agreement_text(text).agreement
    assert agreement is not None
    rules = rules_from_agreement(agreement)
    assert rules.handoff_stage == "mql"
    assert rules.advancing_stages == {"sql", "opportunity", "customer"}
    assert (rules.first_touch_business_hours, rules.decide_business_hours) == (24, 8)
    assert [step.name for step in rules.cadence] == [
        "cadence_3_in_14",
        "cadence_5_in_28",
        "cadence_7_in_56",
    ]
    calendar = BusinessCalendar(agreement.calendar)
    lead = evaluate_journey(
        [("2025-12-19 14:00", "mql")], "2025-12-22 14:30", rules=rules, calendar=calendar
    )
    assert lead.get("first_touch").due_at == local("2025-12-26 15:00")
    decision = lead.get("decision")
    assert (decision.due_at, decision.at_risk_from, decision.status) == (
        local("2025-12-22 17:00"),
        local("2025-12-22 14:00"),
        Status.AT_RISK,
    )
