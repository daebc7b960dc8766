"""Attribution: hand-computed credit on the June journeys, and weights summing to 1 (property)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnelpact.analytics.attribution import (
    Conversion,
    Dimension,
    Model,
    attribute,
    weighted,
)
from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.sources import from_arrow

# a1's customer conversion has 6 touchpoints: creation (web/spring), page_view (spring,
# pricing), form_submission (webinar, ebook; at the MQL instant), call, email, meeting.
W_SIX = {0: 0.3, 1: 0.1 / 3, 2: 0.3, 3: 0.1 / 3, 4: 0.1 / 3, 5: 0.3}


def credit(
    engine: AnalyticsEngine, conversion: Conversion, model: Model, by: Dimension
) -> dict[str, float]:
    result = attribute(engine, conversion=conversion, model=model, by=by, period="2026-06")
    return {row.key: row.value for row in result.rows}


def test_customer_credit_by_campaign_under_each_model(june: AnalyticsEngine) -> None:
    by = Dimension.CAMPAIGN
    assert credit(june, Conversion.CUSTOMER, Model.FIRST_TOUCH, by) == {"spring": 1.0}
    assert credit(june, Conversion.CUSTOMER, Model.LAST_TOUCH, by) == {"": 1.0}
    assert credit(june, Conversion.CUSTOMER, Model.LINEAR, by) == pytest.approx(
        {"spring": 2 / 6, "webinar": 1 / 6, "": 3 / 6}
    )
    # U-shaped: 0.4 first (creation, spring), 0.4 last (meeting), 0.2 over the 4 middle ones.
    assert credit(june, Conversion.CUSTOMER, Model.U_SHAPED, by) == pytest.approx(
        {"spring": 0.4 + 0.05, "webinar": 0.05, "": 0.05 + 0.05 + 0.4}
    )
    # W-shaped: 0.3 first, 0.3 the form at the MQL instant, 0.3 last; 0.1 over the other three.
    assert credit(june, Conversion.CUSTOMER, Model.W_SHAPED, by) == pytest.approx(
        {"spring": W_SIX[0] + W_SIX[1], "webinar": W_SIX[2], "": W_SIX[3] + W_SIX[4] + W_SIX[5]}
    )


def test_revenue_is_credit_times_the_amount(june: AnalyticsEngine) -> None:
    revenue = credit(june, Conversion.REVENUE, Model.W_SHAPED, Dimension.CONTENT)
    # Contents: creation "", pricing, ebook, then three sales touches without content.
    assert revenue == pytest.approx(
        {
            "": 2000 * (W_SIX[0] + W_SIX[3] + W_SIX[4] + W_SIX[5]),
            "pricing": 2000 * W_SIX[1],
            "ebook": 2000 * W_SIX[2],
        }
    )


def test_mql_credit_by_source(june: AnalyticsEngine) -> None:
    # a1: creation, page_view, form (n=3, the MQL with the last); a2: creation then a page view
    # at the same second (the creation first); a3: its creation alone.
    assert credit(june, Conversion.MQL, Model.LINEAR, Dimension.SOURCE) == pytest.approx(
        {"web": 1 / 3 + 1, "page_view": 1 / 3 + 1 / 2, "form_submission": 1 / 3, "ads": 1 / 2}
    )
    # W-shaped: a1 0.3 + 0.1 (the one other) + 0.6 (MQL touch = last); a2 0.35 / 0.65 (the
    # 0.1 split over the two key touchpoints); a3 1.
    assert credit(june, Conversion.MQL, Model.W_SHAPED, Dimension.SOURCE) == pytest.approx(
        {"web": 0.3 + 1, "page_view": 0.1 + 0.65, "form_submission": 0.6, "ads": 0.35}
    )
    result = attribute(
        june,
        conversion=Conversion.MQL,
        model=Model.FIRST_TOUCH,
        by=Dimension.SOURCE,
        period="2026-06",
    )
    assert result.conversions == 3


def test_conversions_of_another_period_are_not_counted(june: AnalyticsEngine) -> None:
    result = attribute(
        june, conversion=Conversion.SQL, model=Model.LINEAR, by=Dimension.SOURCE, period="2026-05"
    )
    assert (result.conversions, result.rows) == (0, ())


# --- the property: every model's weights sum to 1 per conversion ---------------------------------

START = datetime(2026, 6, 1, tzinfo=UTC)
journeys = st.lists(
    st.tuples(
        st.lists(st.integers(min_value=0, max_value=40 * 24), max_size=8),  # touch hours
        st.integers(min_value=0, max_value=40 * 24),  # MQL hour
        st.integers(min_value=0, max_value=3),  # campaign of the touches
    ),
    min_size=1,
    max_size=6,
)


def _data(people: list[tuple[list[int], int, int]]) -> AnalyticsEngine:
    contacts, stages, touches = [], [], []
    for number, (hours, mql_hour, campaign) in enumerate(people):
        contact = f"c{number}"
        contacts.append(
            {"contact_id": contact, "created_at": START, "source": "web", "campaign": "a"}
        )
        stages.append(
            {"contact_id": contact, "stage": "mql", "entered_at": START + timedelta(hours=mql_hour)}
        )
        for index, hour in enumerate(hours):
            touches.append(
                {
                    "touch_id": f"{contact}-{index}",
                    "contact_id": contact,
                    "touch_type": "page_view",
                    "occurred_at": START + timedelta(hours=hour),
                    "direction": "inbound",
                    "automated": False,
                    "campaign": f"k{campaign}",
                    "content": f"x{index % 2}",
                }
            )
    tables = {
        "contacts": pa.Table.from_pylist(contacts),
        "stage_changes": pa.Table.from_pylist(stages),
    }
    if touches:
        tables["touches"] = pa.Table.from_pylist(touches)
    data = from_arrow({name: _typed(name, table) for name, table in tables.items()})
    return AnalyticsEngine(data, now=START + timedelta(days=60), timezone="UTC")


def _typed(name: str, table: pa.Table) -> pa.Table:
    from funnelpact.analytics.sources import arrow_schema

    schema = arrow_schema(name)
    columns = {
        field.name: table.column(field.name).cast(field.type)
        if field.name in table.column_names
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    }
    return pa.table(columns)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=journeys)
def test_every_models_weights_sum_to_one_per_conversion(
    people: list[tuple[list[int], int, int]],
) -> None:
    engine = _data(people)
    start, end = 0, 2**40
    for conversion in (Conversion.CONTACT_CREATED, Conversion.MQL):
        for model in Model:
            rows = weighted(engine, conversion, model, start, end)
            sums = engine.con.to_pyarrow(
                rows.group_by("cv_id").aggregate(total=rows.weight.sum(), low=rows.weight.min())
            ).to_pylist()
            assert len(sums) == len(people)  # every conversion has its creation touchpoint
            for row in sums:
                assert row["total"] == pytest.approx(1.0), (conversion, model, row)
                assert row["low"] >= 0
