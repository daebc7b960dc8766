"""The twin's parts: the business clock as an Ibis table, and the canonical tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from compliance_testkit import calendars, duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnelpact.analytics.clock import business_clock
from funnelpact.analytics.tables import SCHEMAS, TableName, arrow_from_records, tables_from_arrow
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.domain.compliance import epoch_seconds
from funnelpact.domain.records import Contact, Ref, StageChange, System, Touch, TouchType
from funnelpact.errors import InputError

START = datetime(2025, 12, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)
SPAN = int((END - START).total_seconds()) - 40 * 86_400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(4)),
    st.lists(
        st.tuples(
            st.integers(0, SPAN) | st.integers(0, SPAN // 900).map(lambda q: q * 900),
            st.integers(1, 40 * 3600) | st.sampled_from((3600, 8 * 3600, 24 * 3600)),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_the_clock_table_adds_and_measures_business_time_like_the_calendar(
    which: int, pairs: list[tuple[int, int]]
) -> None:
    calendar: BusinessCalendar = calendars()[which]
    clock = business_clock(calendar, START, END)
    base = epoch_seconds(START)
    starts = [base + offset for offset, _ in pairs]
    rows = ibis.memtable(
        pa.table(
            {
                "row": pa.array(range(len(pairs)), pa.int64()),
                "t": pa.array(starts, pa.int64()),
                "n": pa.array([seconds for _, seconds in pairs], pa.int64()),
            }
        )
    )
    measured = clock.business_at(rows, "t", "b_t")
    measured = measured.mutate(target=measured.b_t + measured.n)
    added = clock.add_business(measured, "target", "deadline")
    result = duckdb().to_pyarrow(added.order_by("row")).to_pylist()
    for (offset, seconds), row in zip(pairs, result, strict=True):
        start = START + timedelta(seconds=offset)
        expected = calendar.add(start, timedelta(seconds=seconds))
        assert row["deadline"] == epoch_seconds(expected), (start, seconds)
    # B(t2) - B(t1) is the calendar's elapsed business time.
    first, last = result[0], result[-1]
    elapsed = calendar.elapsed(
        START + timedelta(seconds=pairs[0][0]), START + timedelta(seconds=pairs[-1][0])
    )
    assert last["b_t"] - first["b_t"] == int(elapsed.total_seconds())


def test_the_kolkata_clock_has_half_hour_buckets() -> None:
    clock = business_clock(calendars()[2], START, START + timedelta(days=14))
    assert clock.bucket_seconds == 1800
    assert clock.covers(epoch_seconds(START), epoch_seconds(START + timedelta(days=14)))


C1 = Ref(System.DEMO, "c1")
WHEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_records_become_the_canonical_tables_with_refs_as_text() -> None:
    records = [
        Contact(ref=C1, created_at=WHEN, owner=Ref(System.HUBSPOT, "7")),
        StageChange(contact=C1, stage="mql", entered_at=WHEN),
        Touch(ref=Ref(System.DEMO, "t1"), contact=C1, type=TouchType.CALL, occurred_at=WHEN),
    ]
    arrow = arrow_from_records(records)
    assert arrow[TableName.CONTACTS].to_pylist()[0]["owner_id"] == "hubspot:7"
    touch = arrow[TableName.TOUCHES].to_pylist()[0]
    assert (touch["touch_id"], touch["direction"], touch["rep_id"]) == ("demo:t1", "outbound", None)
    assert arrow[TableName.DECISIONS].num_rows == 0
    tables = tables_from_arrow({name.value: table for name, table in arrow.items()})
    assert tables.stage_changes.schema() == SCHEMAS[TableName.STAGE_CHANGES]
    assert duckdb().to_pyarrow(tables.stage_changes).num_rows == 1


def test_a_naive_instant_is_refused_not_read_as_utc() -> None:
    naive = StageChange(contact=C1, stage="mql", entered_at=datetime(2026, 3, 2, 9))
    with pytest.raises(InputError) as caught:
        arrow_from_records([StageChange(contact=C1, stage="lead", entered_at=WHEN), naive])
    assert caught.value.message == (
        "stage_changes row 2: entered_at 2026-03-02T09:00:00 has no time zone"
    )


def test_an_arrow_table_missing_a_column_is_named() -> None:
    touches = SCHEMAS[TableName.TOUCHES].to_pyarrow().empty_table().drop_columns(["rep_id"])
    with pytest.raises(InputError) as caught:
        tables_from_arrow({"touches": touches})
    assert caught.value.message == "table touches: missing column(s) rep_id"
