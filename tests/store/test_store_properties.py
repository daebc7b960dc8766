"""Property: any permutation of a record stream, with repeats, in any batches, gives one store.

The stream is drawn from a small universe so that collisions are frequent: ids shared across
HubSpot and Salesforce by email, several versions of one contact, the same fact from an export
and a webhook, repeated event ids, touches before their contacts. Each example stores the stream
twice (reference order vs shuffled) inside savepoints rolled back afterwards, and compares a
canonical dump of every table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_factories import T0, canonical_dump, hours, hs, sf

from funnelpact.domain.records import (
    Contact,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    Touch,
    TouchType,
)
from funnelpact.server.tracking.services import store_records

pytestmark = pytest.mark.django_db

CONTACT_REFS = [hs(1), hs(2), hs(3), sf("00Q1"), sf("00Q2")]
EMAILS = ["ann@acme.com", " Ann@ACME.com", "bo@beta.io", ""]
REPS = [hs("o1"), hs("o2")]
INSTANTS = [T0 + hours(h) for h in (0, 1, 5, 26)]


def when() -> st.SearchStrategy[datetime]:
    return st.sampled_from(INSTANTS)


@st.composite
def universes(draw: Callable[..., Any]) -> list[Record]:
    """A set of distinct records (a stream before shuffling)."""
    records: list[Record] = [Rep(ref=r, name=f"Rep {r.external_id}") for r in REPS]
    for ref in CONTACT_REFS:
        email = draw(st.sampled_from(EMAILS))  # one email per id: it is what merges people
        versions = draw(st.integers(1, 3))
        stamps = draw(
            st.lists(when(), min_size=versions, max_size=versions)
            if versions > 1
            else st.lists(st.one_of(st.none(), when()), min_size=1, max_size=1)
        )
        for stamp in stamps:
            records.append(
                Contact(
                    ref=ref,
                    created_at=draw(when()),
                    email=email,
                    company=draw(st.sampled_from(["Acme", "Beta", ""])),
                    lifecycle_stage=draw(st.sampled_from(["lead", "mql"])),
                    owner=draw(st.sampled_from([None, *REPS])),
                    updated_at=stamp,
                )
            )
    for _ in range(draw(st.integers(0, 8))):
        contact, stage, at = (
            draw(st.sampled_from(CONTACT_REFS)),
            draw(st.sampled_from(["lead", "mql", "sql"])),
            draw(when()),
        )
        event = draw(st.booleans())
        source = draw(st.sampled_from(["export:Became a MQL Date", "webhook"]))
        records.append(
            StageChange(
                contact=contact,
                stage=stage,
                entered_at=at,
                change_source=source,
                # An event id names one event: a repeat carries the same content.
                event_id=f"evt:{contact}:{stage}:{at.isoformat()}:{source}" if event else "",
            )
        )
    for number in range(draw(st.integers(0, 6))):
        records.append(
            Touch(
                ref=hs(f"t{number}"),
                contact=draw(st.sampled_from(CONTACT_REFS)),
                type=draw(st.sampled_from([TouchType.CALL, TouchType.EMAIL])),
                occurred_at=draw(when()),
                direction=Direction.OUTBOUND,
                rep=draw(st.sampled_from([None, *REPS])),
            )
        )
    for _ in range(draw(st.integers(0, 3))):
        records.append(
            OwnerChange(
                contact=draw(st.sampled_from(CONTACT_REFS)),
                owner=draw(st.sampled_from(REPS)),
                assigned_at=draw(when()),
            )
        )
    decisions: dict[tuple[Ref, Decision, datetime], HandoffDecision] = {}
    for _ in range(draw(st.integers(0, 3))):
        key = (
            draw(st.sampled_from(CONTACT_REFS)),
            draw(st.sampled_from(list(Decision))),
            draw(when()),
        )
        decisions[key] = HandoffDecision(
            contact=key[0], decision=key[1], decided_at=key[2], reason="no_budget"
        )
    records.extend(decisions.values())
    return list(dict.fromkeys(records))


def _store_in_savepoint(calls: Sequence[Sequence[Record]], batch_size: int) -> dict[str, Any]:
    savepoint = transaction.savepoint()
    try:
        for call in calls:
            store_records(call, batch_size=batch_size)
        return canonical_dump()
    finally:
        transaction.savepoint_rollback(savepoint)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), universe=universes())
def test_any_order_with_repeats_in_any_batches_gives_the_same_store(
    data: st.DataObject, universe: list[Record]
) -> None:
    repeats = data.draw(st.lists(st.sampled_from(universe), max_size=len(universe)))
    shuffled = data.draw(st.permutations([*universe, *repeats]))
    batch_size = data.draw(st.integers(1, len(shuffled)))

    expected = _store_in_savepoint([universe], batch_size=len(universe))
    assert _store_in_savepoint([shuffled], batch_size=batch_size) == expected


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), universe=universes())
def test_split_over_several_calls_the_store_ends_the_same(
    data: st.DataObject, universe: list[Record]
) -> None:
    # Across calls, a fact needs its contact stored first (or in its call): people and owners
    # come in any order over some calls, then the facts in any order over others.
    people = [r for r in universe if isinstance(r, Contact | Rep)]
    facts = [r for r in universe if not isinstance(r, Contact | Rep)]
    calls: list[list[Record]] = []
    for part in (people, facts):
        if not part:
            continue
        shuffled = data.draw(st.permutations([*part, *data.draw(st.lists(st.sampled_from(part)))]))
        cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=3)))
        bounds = [0, *cuts, len(shuffled)]
        calls.extend(shuffled[a:b] for a, b in itertools.pairwise(bounds) if b > a)

    expected = _store_in_savepoint([universe], batch_size=len(universe))
    assert _store_in_savepoint(calls, batch_size=data.draw(st.integers(1, 7))) == expected
