"""The bulk shortcuts of store_records keep its meaning: string limits checked column-wise still
name each record; facts of contacts created in the call are not looked up, yet never doubled."""

from __future__ import annotations

from dataclasses import replace

import pytest
from store_factories import T0, canonical_dump, contact, hours, hs, stage, touch

from funnelpact.server.tracking import models
from funnelpact.server.tracking.services import RecordKind, StoreInputError, store_records

pytestmark = pytest.mark.django_db


def test_overlong_fact_and_touch_values_are_named_and_nothing_is_stored() -> None:
    records = [
        contact(ref=hs(1), email="a@x.com"),
        stage(contact=hs(1), stage="s" * 300, at=T0 + hours(1)),
        stage(contact=hs(1), stage="lead", at=T0 + hours(2)),
        replace(touch(ref=hs("t1"), contact=hs(1), at=T0 + hours(3)), campaign="x" * 300),
        touch(ref=hs("t2"), contact=hs(1), at=T0 + hours(4), subject="fine"),
    ]
    with pytest.raises(StoreInputError) as caught:
        store_records(records)
    lines = caught.value.message.splitlines()
    assert len(lines) == 1  # facts stop at the first kind with problems (stage changes first)
    assert lines[0].startswith("stage change of contact hubspot:1 to 'sss")
    assert lines[0].endswith("stage is 300 characters long (at most 255)")
    assert not models.Contact.objects.exists()

    records[1] = stage(contact=hs(1), stage="mql", at=T0 + hours(1))
    with pytest.raises(StoreInputError) as caught:
        store_records(records)
    assert caught.value.message.splitlines() == [
        "touch hubspot:t1: campaign is 300 characters long (at most 255)"
    ]
    assert not models.StageChange.objects.exists()


@pytest.mark.parametrize("batch_size", [1, 2, 3, 50_000])
def test_facts_of_a_new_contact_repeated_across_batches_are_stored_once(batch_size: int) -> None:
    records = [
        contact(ref=hs(1), email="ann@x.com"),
        stage(contact=hs(1), stage="lead", at=T0 + hours(1), source="b"),
        contact(ref=hs(2), email="ANN@x.com"),  # merged into contact 1 by email
        stage(contact=hs(2), stage="lead", at=T0 + hours(1), source="a"),
        stage(contact=hs(1), stage="mql", at=T0 + hours(2)),
        stage(contact=hs(2), stage="mql", at=T0 + hours(2)),
    ]
    report = store_records(records, batch_size=batch_size)
    rows = sorted(models.StageChange.objects.values_list("stage", "change_source"))
    assert rows == [("lead", "a"), ("mql", "")]  # the smallest change_source kept
    counts = report[RecordKind.STAGE_CHANGE]
    assert counts.created == 2 and counts.records == 4
    dump = canonical_dump()
    again = store_records(records, batch_size=batch_size)
    assert canonical_dump() == dump
    assert again[RecordKind.STAGE_CHANGE].unchanged == 4
