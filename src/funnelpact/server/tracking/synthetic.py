"""Synthetic canonical records at any volume, for benchmarks and load tests of the store.

Deterministic by seed. Every contact yields exactly ``RECORDS_PER_CONTACT`` records (itself,
3 stage changes, 6 touches), so row counts are known in advance. For realistic journeys (rates,
business hours, breaches) use ``funnelpact demo-data``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from funnelpact.domain.records import (
    Contact,
    Direction,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)

STAGES_PER_CONTACT = 3
TOUCHES_PER_CONTACT = 6
RECORDS_PER_CONTACT = 1 + STAGES_PER_CONTACT + TOUCHES_PER_CONTACT
REPS = 25
SOURCES = ("ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS")
TOUCH_TYPES = (
    TouchType.EMAIL,
    TouchType.CALL,
    TouchType.CALL,
    TouchType.MEETING,
    TouchType.PAGE_VIEW,
    TouchType.EMAIL,
)
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def synthetic_records(
    contacts: int, *, seed: int = 0, system: System = System.DEMO
) -> Iterator[Record]:
    """Reps, then per contact: the contact, lead/mql/sql entries and six touches."""
    rng = random.Random(seed)
    reps = [Ref(system, f"rep{n}") for n in range(REPS)]
    for n, ref in enumerate(reps):
        yield Rep(ref=ref, name=f"Rep {n}", email=f"rep{n}@example.com", team="Sales")
    for i in range(contacts):
        ref = Ref(system, f"c{i}")
        created = START + timedelta(seconds=i * 37 + rng.randrange(30))
        owner = reps[rng.randrange(REPS)]
        yield Contact(
            ref=ref,
            created_at=created,
            email=f"lead{i}@company{i % 997}.example",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            company=f"Company {i % 997}",
            source=SOURCES[rng.randrange(len(SOURCES))],
            owner=owner,
            lifecycle_stage="salesqualifiedlead",
            updated_at=created + timedelta(days=3),
        )
        at = created
        for stage in ("lead", "marketingqualifiedlead", "salesqualifiedlead"):
            yield StageChange(contact=ref, stage=stage, entered_at=at, change_source="synthetic")
            at += timedelta(minutes=5 + rng.randrange(600))
        for k, kind in enumerate(TOUCH_TYPES):
            at += timedelta(minutes=1 + rng.randrange(300))
            yield Touch(
                ref=Ref(system, f"t{i}-{k}"),
                contact=ref,
                type=kind,
                occurred_at=at,
                direction=Direction.INBOUND if kind is TouchType.PAGE_VIEW else Direction.OUTBOUND,
                rep=None if kind is TouchType.PAGE_VIEW else owner,
                subject=f"{kind.value} {k}",
            )
