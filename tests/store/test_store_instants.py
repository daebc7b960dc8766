"""Instants the store cannot keep in UTC are refused with the record named, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from funnelpact.domain.records import Contact, Ref, StageChange
from funnelpact.server.tracking import models
from funnelpact.server.tracking.services import StoreInputError, store_records

pytestmark = pytest.mark.django_db

PLUS_ONE = timezone(timedelta(hours=1))


def test_an_instant_before_the_first_utc_instant_is_refused_naming_the_record() -> None:
    ann = Ref.parse("hubspot:1")
    records = [
        Contact(ref=ann, created_at=datetime(2025, 3, 3, tzinfo=UTC)),
        StageChange(ann, "mql", datetime(1, 1, 1, tzinfo=PLUS_ONE)),
    ]
    with pytest.raises(StoreInputError) as refused:
        store_records(records)
    (problem,) = refused.value.problems
    assert problem.message == (
        "stage change of contact hubspot:1 to 'mql': "
        "entered_at 0001-01-01T00:00:00+01:00 is out of range (in UTC)"
    )
    assert not models.Contact.objects.exists()


def test_a_live_fact_out_of_range_makes_no_placeholder_and_is_refused() -> None:
    fact = StageChange(Ref.parse("hubspot:2"), "mql", datetime(1, 1, 1, tzinfo=PLUS_ONE))
    with pytest.raises(StoreInputError) as refused:
        store_records([fact], create_missing_contacts=True)
    assert "hubspot:2 is neither in the store" in refused.value.problems[0].message
    assert not models.Contact.objects.exists()
