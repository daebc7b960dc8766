"""The set-based twin of `funnelpact.domain.compliance`: every lead's obligations at once, in Ibis.

Same contract (docs/compliance.md), other shape: hand-off cycles from the stage changes with
window functions, counting touches joined to their cycle (join + min, and row_number for the
n-th touch; no ASOF join, for Spark), business time through the business clock table
(`funnelpact.analytics.clock`). Every instant is whole epoch seconds (int64) until the last
select turns them into UTC timestamps. `tests/compliance/test_twin_equality.py` holds the two
engines equal obligation by obligation.

Columns of the result (one row per obligation; see `OBLIGATION_COLUMNS`): contact_id, cycle
(1, 2, ...), obligation (first_touch, decision, cadence_3_in_14...), kind, owner_id, status,
handoff_at, due_at, at_risk_from, met_at, met_after_seconds, breached_at, resolved_at,
breached_by_seconds, not_applicable_at, stop_reason, stop_stage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import ibis
import pyarrow as pa
from ibis.expr.types import BooleanValue, IntegerValue, Table, Value

from funnelpact.analytics.clock import BusinessClock, business_clock
from funnelpact.analytics.tables import CanonicalTables
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance import (
    ComplianceRules,
    ObligationKind,
    Status,
    StopReason,
    epoch_seconds,
    from_epoch_seconds,
)
from funnelpact.domain.records import Decision, Direction

# Later than any instant (epoch seconds): "no next cycle" in range conditions.
_NO_END: Final = 2**62
OBLIGATION_COLUMNS: Final = (
    "contact_id",
    "cycle",
    "obligation",
    "kind",
    "owner_id",
    "status",
    "handoff_at",
    "due_at",
    "at_risk_from",
    "met_at",
    "met_after_seconds",
    "breached_at",
    "resolved_at",
    "breached_by_seconds",
    "not_applicable_at",
    "stop_reason",
    "stop_stage",
)


def _seconds(instant: Value) -> IntegerValue:
    """Whole epoch seconds, rounded down (the contract's resolution), as int64."""
    return instant.truncate("s").epoch_seconds().cast("int64")


def _instant(seconds: Value) -> Value:
    return seconds.as_timestamp("s").cast("timestamp('UTC')")


def _earliest(first: Value, second: Value) -> Value:
    """The smaller of two nullable instants (null only when both are); ties keep `first`."""
    return ibis.cases(
        (first.isnull(), second),
        (second.isnull(), first),
        (first <= second, first),
        else_=second,
    )


def _stages(tables: CanonicalTables, rules: ComplianceRules, now: int) -> Table:
    """Visible stage changes, deduplicated, with their position in the contract's order."""
    changes = tables.stage_changes
    visible = (
        changes.select(
            contact_id=changes.contact_id, stage=changes.stage, at=_seconds(changes.entered_at)
        )
        .filter(lambda t: t.at <= now)
        .distinct()
    )
    rank = visible.stage.cases(
        *[(name, index) for index, name in enumerate(rules.stages)], else_=len(rules.stages)
    )
    ranked = visible.mutate(rank=rank)
    order = ibis.window(group_by=ranked.contact_id, order_by=[ranked.at, ranked.rank, ranked.stage])
    return ranked.mutate(
        pos=ibis.row_number().over(order),
        prev_stage=ranked.stage.lag().over(order),
        prev_at=ranked.at.lag().over(order),
    )


def _cycles(stages: Table, rejections: Table, rules: ComplianceRules) -> Table:
    """One row per hand-off cycle: contact_id, cycle, start, start_pos, next_start, next_pos."""
    handoff = rules.handoff_stage
    entries = stages.filter(stages.stage == handoff)
    found = rejections.select(r_contact=rejections.contact_id, r_at=rejections.at)
    # Entries with a rejection at or after the previous stage change: a new hand-off.
    after_rejection = (
        entries.join(
            found,
            [
                entries.contact_id == found.r_contact,
                found.r_at >= entries.prev_at,
                found.r_at < entries.at,
            ],
        )
        .select(b_contact=entries.contact_id, b_pos=entries.pos)
        .distinct()
    )
    flagged = entries.left_join(
        after_rejection,
        [
            entries.contact_id == after_rejection.b_contact,
            entries.pos == after_rejection.b_pos,
        ],
    )
    starts = flagged.filter(
        flagged.prev_stage.isnull() | (flagged.prev_stage != handoff) | flagged.b_pos.notnull()
    )
    order = ibis.window(group_by=starts.contact_id, order_by=starts.pos)
    return starts.select(
        contact_id=starts.contact_id,
        cycle=ibis.row_number().over(order) + 1,
        start=starts.at,
        start_pos=starts.pos,
        next_start=starts.at.lead().over(order).fill_null(_NO_END),
        next_pos=starts.pos.lead().over(order).fill_null(_NO_END),
    )


def _owners(tables: CanonicalTables, cycles: Table) -> Table:
    """contact_id, cycle, owner_id: the owner at the hand-off, else the contact's owner."""
    changes = tables.owner_changes
    assigned = changes.select(
        o_contact=changes.contact_id, o_owner=changes.owner_id, o_at=_seconds(changes.assigned_at)
    ).distinct()
    before = cycles.join(
        assigned, [cycles.contact_id == assigned.o_contact, assigned.o_at <= cycles.start]
    )
    latest_first = ibis.window(
        group_by=[before.contact_id, before.cycle],
        order_by=[ibis.desc(before.o_at), ibis.desc(before.o_owner)],
    )
    latest = (
        before.mutate(rn=ibis.row_number().over(latest_first))
        .filter(lambda t: t.rn == 0)
        .select(l_contact=lambda t: t.contact_id, l_cycle=lambda t: t.cycle, l_owner="o_owner")
    )
    contacts = tables.contacts.select(
        c_contact=tables.contacts.contact_id, c_owner=tables.contacts.owner_id
    ).distinct()
    joined = cycles.left_join(
        latest, [cycles.contact_id == latest.l_contact, cycles.cycle == latest.l_cycle]
    ).left_join(contacts, [cycles.contact_id == contacts.c_contact])
    return joined.select(
        w_contact=joined.contact_id,
        w_cycle=joined.cycle,
        owner_id=ibis.coalesce(joined.l_owner, joined.c_owner),
    )


def _in_cycle(cycles: Table, events: Table, contact: str, at: str) -> Table:
    """`events` joined to the cycle whose [start, next start) holds their instant."""
    return cycles.select("contact_id", "cycle", "start", "next_start").join(
        events,
        [
            cycles.contact_id == events[contact],
            events[at] >= cycles.start,
            events[at] < cycles.next_start,
        ],
    )


def _touch_facts(tables: CanonicalTables, cycles: Table, rules: ComplianceRules, now: int) -> Table:
    """Per cycle: the first counting touch and the n-th one of every cadence step."""
    touches = tables.touches.distinct()  # a record given twice counts once
    counting = touches.filter(
        touches.touch_type.isin([kind.value for kind in sorted(rules.counting_touch_types)])
        & ~touches.automated
        & (touches.direction == Direction.OUTBOUND.value)
        & touches.rep_id.notnull()
    )
    timed = counting.select(t_contact=counting.contact_id, t_at=_seconds(counting.occurred_at))
    timed = timed.filter(timed.t_at <= now)
    joined = _in_cycle(cycles, timed, "t_contact", "t_at")
    order = ibis.window(group_by=[joined.contact_id, joined.cycle], order_by=joined.t_at)
    numbered = joined.mutate(n=ibis.row_number().over(order))
    nth = {
        f"touch_{step.touches}": numbered.t_at.min(where=numbered.n == step.touches - 1)
        for step in rules.cadence
    }
    return numbered.group_by(f_contact=numbered.contact_id, f_cycle=numbered.cycle).aggregate(
        first_touch=numbered.t_at.min(), **nth
    )


def _decision_facts(decisions: Table, cycles: Table) -> Table:
    """Per cycle: the first decision and the first rejection."""
    named = decisions.select(d_contact=decisions.contact_id, d_at=decisions.at, d_kind="decision")
    joined = _in_cycle(cycles, named, "d_contact", "d_at")
    return joined.group_by(d_contact_key=joined.contact_id, d_cycle=joined.cycle).aggregate(
        first_decision=joined.d_at.min(),
        first_rejection=joined.d_at.min(where=joined.d_kind == Decision.REJECTED.value),
    )


def _stage_facts(stages: Table, cycles: Table, rules: ComplianceRules) -> Table:
    """Per cycle: the first stage change to another stage, to an advancing one, to any other."""
    later = stages.select(s_contact="contact_id", s_stage="stage", s_at="at", s_pos="pos")
    later = later.filter(later.s_stage != rules.handoff_stage)
    joined = cycles.join(
        later,
        [
            cycles.contact_id == later.s_contact,
            later.s_pos > cycles.start_pos,
            later.s_pos < cycles.next_pos,
        ],
    )
    advancing: BooleanValue = (
        joined.s_stage.isin(sorted(rules.advancing_stages))
        if rules.advancing_stages
        else ibis.literal(False)
    )
    return joined.group_by(s_contact_key=joined.contact_id, s_cycle=joined.cycle).aggregate(
        other_at=joined.s_at.min(),
        other_stage=joined.s_stage.argmin(joined.s_pos),
        advance_at=joined.s_at.min(where=advancing),
        left_at=joined.s_at.min(where=~advancing),
        left_stage=joined.s_stage.argmin(joined.s_pos, where=~advancing),
    )


def _business_deadline(clock: BusinessClock, table: Table, window: int, into: str) -> Table:
    """`into` = the instant `window` business seconds after `start` (start itself for 0)."""
    if window == 0:
        return table.mutate(**{into: table.start})
    target = f"__target_{into}"
    with_target = table.mutate(**{target: table.b_start + window})
    return clock.add_business(with_target, target, into).drop(target)


def _obligation_specs(rules: ComplianceRules) -> Table:
    """One row per obligation of a cycle: its order, name, kind and calendar-day window."""
    names = [ObligationKind.FIRST_TOUCH.value, ObligationKind.DECISION.value]
    kinds = [ObligationKind.FIRST_TOUCH.value, ObligationKind.DECISION.value]
    touches: list[int] = [0, 0]
    windows: list[int] = [0, 0]
    at_risk: list[int] = [0, 0]
    for step in rules.cadence:
        names.append(step.name)
        kinds.append(ObligationKind.CADENCE.value)
        touches.append(step.touches)
        windows.append(step.window_seconds)
        at_risk.append(rules.at_risk_seconds(step.window_seconds))
    return ibis.memtable(
        pa.table(
            {
                "spec_order": pa.array(range(len(names)), pa.int64()),
                "obligation": pa.array(names, pa.string()),
                "kind": pa.array(kinds, pa.string()),
                "spec_touches": pa.array(touches, pa.int64()),
                "spec_window": pa.array(windows, pa.int64()),
                "spec_at_risk": pa.array(at_risk, pa.int64()),
            }
        )
    )


def _obligation_rows(facts: Table, rules: ComplianceRules) -> Table:
    """The long form: one row per obligation with due, at-risk, meeting and stopping instants.

    A cross join with the obligation specs rather than a union of one select per obligation:
    the cycle facts are then computed once (a union repeats them in the SQL, once per part).
    """
    specs = _obligation_specs(rules)
    advancing = (
        facts.other_stage.isin(sorted(rules.advancing_stages))
        if rules.advancing_stages
        else ibis.literal(False)
    )
    rejection_first = facts.first_rejection.notnull() & (
        facts.other_at.isnull() | (facts.first_rejection <= facts.other_at)
    )
    base = facts.select(
        contact_id=facts.contact_id,
        cycle=facts.cycle,
        owner_id=facts.owner_id,
        start=facts.start,
        b_start=facts.b_start,
        first_touch_due=facts.first_touch_due,
        first_touch_at_risk=facts.first_touch_at_risk,
        decision_due=facts.decision_due,
        decision_at_risk=facts.decision_at_risk,
        first_touch=facts.first_touch,
        decided=_earliest(facts.first_decision, facts.advance_at),
        follow_up_stop_at=_earliest(facts.first_rejection, facts.other_at),
        follow_up_reason=ibis.cases(
            (rejection_first, StopReason.REJECTED.value),
            (facts.other_at.notnull() & advancing, StopReason.ADVANCED.value),
            (facts.other_at.notnull(), StopReason.LEFT_STAGE.value),
            else_=ibis.null("string"),
        ),
        follow_up_stage=ibis.cases(
            (rejection_first, ""), (facts.other_at.notnull(), facts.other_stage), else_=""
        ),
        left_at=facts.left_at,
        left_stage=facts.left_stage.fill_null(""),
        **{f"touch_{step.touches}": facts[f"touch_{step.touches}"] for step in rules.cadence},
    )
    long = base.cross_join(specs)
    order = long.spec_order
    first_touch, decision = order == 0, order == 1
    nth_touch = ibis.cases(
        *[(long.spec_touches == step.touches, long[f"touch_{step.touches}"])
          for step in rules.cadence],
        else_=ibis.null("int64"),
    )  # fmt: skip
    return long.select(
        contact_id=long.contact_id,
        cycle=long.cycle,
        owner_id=long.owner_id,
        start=long.start,
        b_start=long.b_start,
        order=order,
        obligation=long.obligation,
        kind=long.kind,
        due=ibis.cases(
            (first_touch, long.first_touch_due),
            (decision, long.decision_due),
            else_=long.start + long.spec_window,
        ).cast("int64"),
        at_risk=ibis.cases(
            (first_touch, long.first_touch_at_risk),
            (decision, long.decision_at_risk),
            else_=long.start + long.spec_at_risk,
        ).cast("int64"),
        meeting=ibis.cases(
            (first_touch, long.first_touch), (decision, long.decided), else_=nth_touch
        ).cast("int64"),
        stop_at=ibis.cases((decision, long.left_at), else_=long.follow_up_stop_at).cast("int64"),
        stop_reason=ibis.cases(
            (decision & long.left_at.notnull(), StopReason.LEFT_STAGE.value),
            (decision, ibis.null("string")),
            else_=long.follow_up_reason,
        ).cast("string"),
        stop_stage=ibis.cases((decision, long.left_stage), else_=long.follow_up_stage).cast(
            "string"
        ),
    )


def obligations(
    tables: CanonicalTables, rules: ComplianceRules, clock: BusinessClock, now: datetime
) -> Table:
    """Every obligation of every contact at `now`, as an Ibis expression (docs/compliance.md).

    `clock` must cover every hand-off, due instant and `now` (see `compliance_clock`);
    `evaluate_all` builds one that does and runs the expression.
    """
    now_s = epoch_seconds(now)
    stages = _stages(tables, rules, now_s)
    decisions = tables.decisions
    decided = (
        decisions.select(
            contact_id=decisions.contact_id,
            decision=decisions.decision,
            at=_seconds(decisions.decided_at),
        )
        .filter(lambda t: t.at <= now_s)
        .distinct()
    )
    rejections = decided.filter(decided.decision == Decision.REJECTED.value)
    cycles = _cycles(stages, rejections, rules)

    owners = _owners(tables, cycles)
    touch_facts = _touch_facts(tables, cycles, rules, now_s)
    decision_facts = _decision_facts(decided, cycles)
    stage_facts = _stage_facts(stages, cycles, rules)
    facts = (
        cycles.left_join(
            owners, [cycles.contact_id == owners.w_contact, cycles.cycle == owners.w_cycle]
        )
        .left_join(
            touch_facts,
            [cycles.contact_id == touch_facts.f_contact, cycles.cycle == touch_facts.f_cycle],
        )
        .left_join(
            decision_facts,
            [
                cycles.contact_id == decision_facts.d_contact_key,
                cycles.cycle == decision_facts.d_cycle,
            ],
        )
        .left_join(
            stage_facts,
            [cycles.contact_id == stage_facts.s_contact_key, cycles.cycle == stage_facts.s_cycle],
        )
    )
    facts = clock.business_at(facts, "start", "b_start")
    for prefix, window in (
        ("first_touch", rules.first_touch_seconds),
        ("decision", rules.decide_seconds),
    ):
        facts = _business_deadline(clock, facts, window, f"{prefix}_due")
        facts = _business_deadline(clock, facts, rules.at_risk_seconds(window), f"{prefix}_at_risk")

    long = _obligation_rows(facts, rules)
    met = (
        long.meeting.notnull()
        & (long.meeting <= long.due)
        & (long.stop_at.isnull() | (long.meeting <= long.stop_at))
    ).fill_null(False)
    stopped = (~met & long.stop_at.notnull() & (long.stop_at <= long.due)).fill_null(False)
    breached = ~met & ~stopped & (long.due <= now_s)
    status = ibis.cases(
        (met, Status.MET.value),
        (stopped, Status.NOT_APPLICABLE.value),
        (breached, Status.BREACHED.value),
        (long.at_risk <= now_s, Status.AT_RISK.value),
        else_=Status.PENDING.value,
    )
    resolved = _earliest(long.meeting, long.stop_at)
    long = long.mutate(
        status=status,
        resolved=resolved,
        breach_end=ibis.coalesce(resolved, ibis.literal(now_s, "int64")),
    )
    long = clock.business_at(long, "meeting", "b_meeting")
    long = clock.business_at(long, "due", "b_due")
    long = clock.business_at(long, "breach_end", "b_end")

    def when(state: Status, value: Value) -> Value:
        return ibis.cases((long.status == state.value, value), else_=ibis.null(value.type()))

    is_breached = Status.BREACHED
    result = long.select(
        contact_id=long.contact_id,
        cycle=long.cycle.cast("int64"),
        obligation=long.obligation,
        kind=long.kind,
        owner_id=long.owner_id,
        status=long.status,
        handoff_at=_instant(long.start),
        due_at=_instant(long.due),
        at_risk_from=_instant(long.at_risk),
        met_at=when(Status.MET, _instant(long.meeting)),
        met_after_seconds=when(Status.MET, long.b_meeting - long.b_start),
        breached_at=when(is_breached, _instant(long.due)),
        resolved_at=when(is_breached, _instant(long.resolved)),
        breached_by_seconds=when(is_breached, long.b_end - long.b_due),
        not_applicable_at=when(Status.NOT_APPLICABLE, _instant(long.stop_at)),
        stop_reason=when(Status.NOT_APPLICABLE, long.stop_reason),
        stop_stage=ibis.cases(
            (long.status == Status.NOT_APPLICABLE.value, long.stop_stage), else_=""
        ),
        order=long.order,
    )
    return result.order_by(["contact_id", "cycle", "order"]).drop("order")


def compliance_clock(
    tables: CanonicalTables,
    rules: ComplianceRules,
    calendar: BusinessCalendar,
    now: datetime,
    con: Any = None,
) -> BusinessClock:
    """A business clock covering every hand-off up to `now`, its deadlines and `now`.

    Runs one small aggregate (the first and last hand-off) on `con` (default: Ibis's default
    backend, DuckDB).
    """
    now_s = epoch_seconds(now)
    changes = tables.stage_changes
    handoffs = changes.filter(changes.stage == rules.handoff_stage).select(
        at=_seconds(changes.entered_at)
    )
    handoffs = handoffs.filter(handoffs.at <= now_s)
    bounds = handoffs.aggregate(first=handoffs.at.min(), last=handoffs.at.max())
    row = (con.to_pyarrow(bounds) if con is not None else bounds.to_pyarrow()).to_pylist()[0]
    first = now_s if row["first"] is None else int(row["first"])
    last = now_s if row["last"] is None else int(row["last"])
    longest_days = max(step.within_days for step in rules.cadence)
    longest_business = max(rules.first_touch_seconds, rules.decide_seconds)
    last_instant = from_epoch_seconds(last)
    end = max(
        from_epoch_seconds(now_s),
        last_instant + timedelta(days=longest_days),
        calendar.add(last_instant, timedelta(seconds=longest_business)),
    )
    # A day of margin each side: an instant on the table's very end still finds its row.
    return business_clock(
        calendar, from_epoch_seconds(first) - timedelta(days=1), end + timedelta(days=1)
    )


def evaluate_all(
    tables: CanonicalTables,
    rules: ComplianceRules,
    calendar: BusinessCalendar,
    now: datetime,
    con: Any = None,
) -> pa.Table:
    """Run `obligations` with a clock that covers the data; an Arrow table of obligations."""
    clock = compliance_clock(tables, rules, calendar, now, con)
    expression = obligations(tables, rules, clock, now)
    return con.to_pyarrow(expression) if con is not None else expression.to_pyarrow()
