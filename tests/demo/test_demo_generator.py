"""The demo generator: deterministic, streamed, cut at the end date, and shaped like the seeds."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.demo.generator import (
    DEFAULT_END,
    Journey,
    generate,
    generate_journeys,
    organisation,
)
from funnelpact.demo.scenario import REJECTION_REASONS, RepSpeed, Stage, default_scenario
from funnelpact.demo.worktime import WorkingTime
from funnelpact.domain.records import (
    Contact,
    Deal,
    Decision,
    Direction,
    HandoffDecision,
    Ref,
    StageChange,
    Touch,
    TouchType,
    normalise_email,
)

SCENARIO = default_scenario()
WORK = WorkingTime(SCENARIO.calendar)
STAGE_RANK = {stage.value: index for index, stage in enumerate(Stage)}
SALES_TYPES = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)


@pytest.fixture(scope="module")
def journeys() -> list[Journey]:
    return list(generate_journeys(SCENARIO, 11, DEFAULT_END, contacts=6000))


def _sales_touches(journey: Journey) -> list[Touch]:
    return [
        touch
        for touch in journey.touches
        if touch.rep is not None
        and not touch.automated
        and touch.direction is Direction.OUTBOUND
        and touch.type in SALES_TYPES
    ]


def _entered(journey: Journey) -> dict[str, datetime]:
    return {change.stage: change.entered_at for change in journey.stages}


# --- determinism and streaming ---------------------------------------------------------------


def test_same_seed_same_records_and_another_seed_other_records() -> None:
    first = list(generate(SCENARIO, 5, DEFAULT_END, contacts=300))
    again = list(generate(SCENARIO, 5, DEFAULT_END, contacts=300))
    other = list(generate(SCENARIO, 6, DEFAULT_END, contacts=300))
    assert first == again
    assert first != other
    assert sum(isinstance(record, Contact) for record in first) >= 300


def test_generation_streams_instead_of_building_everything_first() -> None:
    # A billion contacts would never fit in memory: taking the first records must still be quick.
    head = list(itertools.islice(generate(SCENARIO, 1, DEFAULT_END, contacts=10**9), 200))
    assert len(head) == 200
    assert any(isinstance(record, Contact) for record in head)


def test_end_must_be_aware_and_size_not_negative() -> None:
    with pytest.raises(ValueError, match="aware"):
        next(generate_journeys(SCENARIO, 1, datetime(2026, 3, 1), contacts=5))
    with pytest.raises(ValueError, match="zero or more"):
        next(generate_journeys(SCENARIO, 1, DEFAULT_END, contacts=-1))


# --- invariants, for any seed, size and end --------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    contacts=st.integers(min_value=0, max_value=80),
    days_before=st.integers(min_value=0, max_value=900),
)
def test_every_journey_is_consistent(seed: int, contacts: int, days_before: int) -> None:
    end = DEFAULT_END - timedelta(days=days_before, minutes=days_before * 7)
    start = end - timedelta(days=SCENARIO.history_days)
    seen_contacts: set[Ref] = set()
    seen_deals: set[Ref] = set()
    for record in generate(SCENARIO, seed, end, contacts=contacts):
        if isinstance(record, Contact):
            seen_contacts.add(record.ref)
            assert start - timedelta(minutes=1) <= record.created_at <= end
            assert record.created_at.tzinfo is UTC
        elif isinstance(record, StageChange | Touch | HandoffDecision):
            # Facts come after the contact they are about, and never after the end.
            assert record.contact in seen_contacts
            moment = {
                StageChange: lambda r: r.entered_at,
                Touch: lambda r: r.occurred_at,
                HandoffDecision: lambda r: r.decided_at,
            }[type(record)](record)
            assert moment <= end
        elif isinstance(record, Deal):
            seen_deals.add(record.ref)
            assert record.created_at <= end
            assert (record.closed_at is None) == (record.won is None)
            if record.closed_at is not None:
                assert record.created_at <= record.closed_at <= end
    journeys = list(generate_journeys(SCENARIO, seed, end, contacts=contacts))
    assert sum(journey.duplicate_of is None for journey in journeys) == contacts
    for journey in journeys:
        entered = [(change.entered_at, STAGE_RANK[change.stage]) for change in journey.stages]
        # Stages are entered once each and in funnel order (time and rank agree).
        assert len({rank for _, rank in entered}) == len(entered)
        assert sorted(entered) == sorted(entered, key=lambda item: item[1])


# --- the shape the seeds describe ------------------------------------------------------------


def test_sources_convert_at_different_rates(journeys: list[Journey]) -> None:
    reached: dict[str, Counter[str]] = defaultdict(Counter)
    for journey in journeys:
        if journey.duplicate_of is None:
            reached[journey.source_key]["all"] += 1
            reached[journey.source_key].update(list(_entered(journey)))
    mql_rate = {key: counts["mql"] / counts["all"] for key, counts in reached.items()}
    assert set(mql_rate) == {"web_form", "paid_search", "referral", "outbound", "events"}
    assert mql_rate["referral"] > mql_rate["web_form"] > mql_rate["outbound"]
    assert 0.2 < mql_rate["outbound"] < 0.4 and 0.5 < mql_rate["referral"] < 0.75
    total = Counter[str]()
    for counts in reached.values():
        total.update(counts)
    # Seed 003's kind of numbers: ~82% SQL -> opportunity, ~23% win rate.
    assert 0.7 < total["opportunity"] / total["sql"] < 0.9
    closed = [j.deal for j in journeys if j.deal is not None and j.deal.won is not None]
    win_rate = sum(bool(deal.won) for deal in closed) / len(closed)
    assert 0.15 < win_rate < 0.35


def test_fast_and_slow_reps_differ_in_speed_to_lead(journeys: list[Journey]) -> None:
    org = organisation(SCENARIO, DEFAULT_END)
    speed = {
        org.rep_refs[member.key]: member.speed
        for team in SCENARIO.sales_teams
        for member in team.members
    }
    hours: dict[RepSpeed, list[float]] = defaultdict(list)
    for journey in journeys:
        if not journey.owner_changes:
            continue
        assignment = journey.owner_changes[0]
        touches = [t for t in _sales_touches(journey) if t.rep == assignment.owner]
        if touches:
            waited = WORK.hours_between(assignment.assigned_at, touches[0].occurred_at)
            hours[speed[assignment.owner]].append(waited)
    breach = {kind: sum(h > 24 for h in values) / len(values) for kind, values in hours.items()}
    assert statistics.median(hours[RepSpeed.FAST]) < 2 < statistics.median(hours[RepSpeed.STEADY])
    assert (
        breach[RepSpeed.FAST] < 0.02 < breach[RepSpeed.STEADY] < 0.1 < 0.25 < breach[RepSpeed.SLOW]
    )


def test_reps_work_in_business_hours_and_sequences_are_automated(journeys: list[Journey]) -> None:
    sales = [touch for journey in journeys for touch in _sales_touches(journey)]
    in_hours = sum(WORK.is_working(touch.occurred_at) for touch in sales) / len(sales)
    assert 0.9 < in_hours < 1.0  # mostly, not always: some evening emails
    automated = [t for j in journeys for t in j.touches if t.automated]
    assert automated and all(t.type is TouchType.EMAIL for t in automated)
    # A sales sequence email goes out right after assignment (next working moment, as HubSpot
    # sequences send on working days), before any human touch: it must not count as one.
    sequenced = 0
    for journey in journeys:
        if journey.owner_changes and any(t.automated and t.rep for t in journey.touches):
            first = min(t.occurred_at for t in journey.touches if t.automated and t.rep)
            assigned = journey.owner_changes[0].assigned_at
            assert WORK.hours_between(assigned, first) < 0.2
            if not WORK.is_working(assigned):
                continue  # an evening touch may then come before the morning's sequence email
            human = _sales_touches(journey)
            assert not human or first <= human[0].occurred_at + timedelta(minutes=5)
            sequenced += 1
    assert sequenced > 100


def test_follow_up_cadence_is_mostly_kept(journeys: list[Journey]) -> None:
    kept = Counter[str]()
    for journey in journeys:
        decision = journey.decision
        if decision is None or decision.decision is not Decision.ACCEPTED:
            continue
        touches = _sales_touches(journey)
        first = touches[0].occurred_at
        if "sql" in _entered(journey) or DEFAULT_END - first < timedelta(days=60):
            continue  # qualified early (the cadence stops) or still in progress
        kept["leads"] += 1
        for days, wanted in ((14, 3), (28, 5), (56, 7)):
            if sum(t.occurred_at - first < timedelta(days=days) for t in touches) >= wanted:
                kept[f"{wanted} in {days}"] += 1
    assert kept["leads"] > 200
    assert 0.55 < kept["3 in 14"] / kept["leads"] < 0.98
    assert kept["7 in 56"] < kept["5 in 28"] <= kept["3 in 14"] + kept["leads"] * 0.1


def test_rejections_carry_reasons_and_recycle_to_nurture(journeys: list[Journey]) -> None:
    decisions = [j.decision for j in journeys if j.decision is not None]
    rejected = [d for d in decisions if d.decision is Decision.REJECTED]
    assert 0.1 < len(rejected) / len(decisions) < 0.35
    assert {d.reason for d in rejected} == set(REJECTION_REASONS)
    assert all(d.reason == "" for d in decisions if d.decision is Decision.ACCEPTED)
    for journey in journeys:
        if journey.decision is not None and journey.decision.decision is Decision.REJECTED:
            assert journey.contact.lifecycle_stage == Stage.LEAD.value
            assert journey.contact.lead_status in {"UNQUALIFIED", "BAD_TIMING"}


def test_duplicates_differ_in_spelling_only(journeys: list[Journey]) -> None:
    by_ref = {j.contact.ref: j.contact for j in journeys if j.duplicate_of is None}
    duplicates = [j for j in journeys if j.duplicate_of is not None]
    assert 0.015 < len(duplicates) / len(by_ref) < 0.05
    for journey in duplicates:
        assert journey.duplicate_of is not None
        original = by_ref[journey.duplicate_of]
        assert journey.contact.email != original.email
        assert normalise_email(journey.contact.email) == normalise_email(original.email)
    assert any(journey.repeat_row for journey in journeys)
    emails = [normalise_email(contact.email) for contact in by_ref.values()]
    assert len(set(emails)) == len(emails)  # no accidental clash between two people


def test_history_spans_the_window_and_grows(journeys: list[Journey]) -> None:
    created = sorted(j.contact.created_at for j in journeys if j.duplicate_of is None)
    span = DEFAULT_END - created[0]
    assert (
        timedelta(days=SCENARIO.history_days - 2)
        < span
        <= timedelta(days=SCENARIO.history_days + 1)
    )
    middle = created[0] + span / 2
    early = sum(when < middle for when in created)
    assert early < len(created) - early  # volume grows
    weekdays = Counter(WORK.local_date(when).weekday() for when in created)
    assert weekdays[1] > 2 * weekdays[6]  # quiet weekends


def test_now_has_mqls_waiting_at_risk_and_breached(journeys: list[Journey]) -> None:
    waited: list[float] = []
    for journey in journeys:
        if "mql" in _entered(journey) and journey.owner_changes and not _sales_touches(journey):
            hours = WORK.hours_between(journey.owner_changes[0].assigned_at, DEFAULT_END)
            if hours < 100:
                waited.append(hours)
    assert any(h < 16 for h in waited)
    assert any(16 <= h < 24 for h in waited)
    assert any(24 <= h < 100 for h in waited)


def test_deals_by_stream_and_outcome(journeys: list[Journey]) -> None:
    amounts: dict[str, list[float]] = defaultdict(list)
    outcomes = Counter[object]()
    for journey in journeys:
        if journey.deal is None:
            continue
        amounts[journey.contact.stream].append(float(journey.deal.amount))
        outcomes[journey.deal.won] += 1
        assert journey.deal.contact == journey.contact.ref
        if journey.deal.won:
            assert "customer" in _entered(journey)
    assert statistics.median(amounts["enterprise"]) > 5 * statistics.median(amounts["smb"])
    assert outcomes[True] and outcomes[False] and outcomes[None]  # won, lost and open
