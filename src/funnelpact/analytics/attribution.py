"""Multi-touch attribution as Ibis expressions (DuckDB by default, any engine Ibis runs).

Definitions (docs/attribution.md):

- A contact's *touchpoints*: its creation (source and campaign of the contact, content "") and
  every touch except notes and tasks (internal records, not interactions): its source is the
  touch type (page_view, form_submission, content_download, email, call, meeting), its campaign
  and content the touch's own. Touchpoints are ordered by time, the creation first on ties.
- A *conversion*: a contact created, a first entry into the hand-off stage (MQL), into the SQL
  stage, into the customer stage, or a deal won (revenue: the credit is multiplied by the
  amount). A conversion counts in the period its instant falls in; its touchpoints are the
  creation plus the touches at or before that instant.
- Models, for n touchpoints at positions 0..n-1:
  first touch (1 to position 0), last touch (1 to n-1), linear (1/n each),
  U-shaped (0.4 first, 0.4 last, 0.2 shared by the middle ones; n=1: 1; n=2: 0.5 each),
  W-shaped (0.3 to the first, 0.3 to the *lead-conversion* touchpoint, 0.3 to the last; the
  remaining 0.1 shared by every other touchpoint, or by the key ones when there is no other).
  The lead-conversion touchpoint is the last one at or before the hand-off (MQL) instant, or
  the first when the contact had not been handed off by then. Key roles landing on the same
  touchpoint add up (n=1: 1; n=2: 0.65 / 0.35 when the MQL came with the first touch).
  Every model's weights sum to 1 per conversion (tests/reports/test_attribution.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import ibis
from ibis.expr.types import Table, Value

from funnelpact.analytics.engine import DIGITS, AnalyticsEngine
from funnelpact.analytics.facts import seconds
from funnelpact.analytics.metrics import L_, Labels
from funnelpact.analytics.periods import parse_period
from funnelpact.domain.records import TouchType
from funnelpact.errors import InputError

NOT_TOUCHPOINTS: Final = (TouchType.NOTE.value, TouchType.TASK.value)
CREATION_SOURCE_ORDER: Final = 0  # the creation sorts before a touch at the same second


class Model(StrEnum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LINEAR = "linear"
    U_SHAPED = "u_shaped"
    W_SHAPED = "w_shaped"


class Conversion(StrEnum):
    CONTACT_CREATED = "contact_created"
    MQL = "mql"  # the hand-off stage of the funnel
    SQL = "sql"
    CUSTOMER = "customer"
    REVENUE = "revenue"


class Dimension(StrEnum):
    SOURCE = "source"
    CAMPAIGN = "campaign"
    CONTENT = "content"


MODEL_LABELS: Final[dict[Model, Labels]] = {
    Model.FIRST_TOUCH: L_("First touch"),
    Model.LAST_TOUCH: L_("Last touch"),
    Model.LINEAR: L_("Linear"),
    Model.U_SHAPED: L_("U-shaped"),
    Model.W_SHAPED: L_("W-shaped"),
}
CONVERSION_LABELS: Final[dict[Conversion, Labels]] = {
    Conversion.CONTACT_CREATED: L_("Contacts created"),
    Conversion.MQL: L_("MQLs"),
    Conversion.SQL: L_("SQLs"),
    Conversion.CUSTOMER: L_("Customers"),
    Conversion.REVENUE: L_("Revenue"),
}


@dataclass(frozen=True, slots=True)
class AttributionRow:
    key: str  # the source, campaign or content ("" when the touchpoint has none)
    credit: float  # conversions credited (sums to the number of conversions)
    value: float  # revenue credited (revenue conversions), else equal to credit


@dataclass(frozen=True, slots=True)
class AttributionResult:
    conversion: Conversion
    model: Model
    dimension: Dimension
    period: str
    conversions: int
    rows: tuple[AttributionRow, ...]


def _canonical(engine: AnalyticsEngine) -> dict[str, Table]:
    # The engine keeps the canonical tables it loaded; it does not expose them publicly yet.
    tables: dict[str, Table] = engine.tables
    return tables


def touchpoints(engine: AnalyticsEngine) -> Table:
    """tp_contact, tp_at (epoch s), tp_order, source, campaign, content: one row per touchpoint."""
    contacts = engine.facts.contacts
    created = contacts.select(
        tp_contact=contacts.contact_id,
        tp_at=contacts.created_at,
        tp_order=ibis.literal(CREATION_SOURCE_ORDER).cast("int64"),
        tp_id=ibis.literal(""),
        source=contacts.source,
        campaign=contacts.campaign,
        content=ibis.literal(""),
    )
    touches = _canonical(engine)["touches"]
    kept = touches.filter(~touches.touch_type.isin(list(NOT_TOUCHPOINTS)))
    interactions = kept.select(
        tp_contact=kept.contact_id,
        tp_at=seconds(kept.occurred_at),
        tp_order=ibis.literal(1).cast("int64"),
        tp_id=kept.touch_id,
        source=kept.touch_type,
        campaign=kept.campaign.fill_null(""),
        content=kept.content.fill_null(""),
    )
    return created.union(interactions)


def conversions(engine: AnalyticsEngine, conversion: Conversion, start: int, end: int) -> Table:
    """cv_id, cv_contact, cv_at, cv_amount, cv_mql: the conversions dated in [start, end)."""
    contacts = engine.facts.contacts
    config = engine.config
    if conversion is Conversion.REVENUE:
        deals = _canonical(engine)["deals"]
        won = deals.filter(deals.won.notnull() & deals.won & deals.contact_id.notnull())
        won = won.select(
            cv_id=won.deal_id,
            cv_contact=won.contact_id,
            cv_at=seconds(won.closed_at),
            cv_amount=won.amount.cast("float64"),
        )
        won = won.filter(won.cv_at.notnull() & (won.cv_at >= start) & (won.cv_at < end))
        mql = contacts.select(m_contact=contacts.contact_id, cv_mql=contacts.handoff_at)
        joined = won.join(mql, won.cv_contact == mql.m_contact)
        return joined.select("cv_id", "cv_contact", "cv_at", "cv_amount", "cv_mql")
    column = {
        Conversion.CONTACT_CREATED: "created_at",
        Conversion.MQL: f"{config.handoff_stage}_at",
        Conversion.SQL: f"{config.sql_stage}_at",
        Conversion.CUSTOMER: f"{config.customer_stage}_at",
    }[conversion]
    at = contacts[column]
    dated = contacts.filter(at.notnull() & (at >= start) & (at < end))
    return dated.select(
        cv_id=dated.contact_id,
        cv_contact=dated.contact_id,
        cv_at=dated[column],
        cv_amount=ibis.literal(1).cast("float64"),
        cv_mql=dated.handoff_at,
    )


def _ratio(numerator: Value, denominator: Value) -> Value:
    # Integer parts divided as floats: PostgreSQL types decimal literals (0.3) as numeric, so
    # every weight is built from integers and cast columns, the same double on every engine.
    return numerator.cast("float64") / denominator.cast("float64")


def _weight(model: Model, pos: Value, n: Value, mid: Value) -> Value:
    first, last = pos == 0, pos == n - 1
    if model is Model.FIRST_TOUCH:
        return ibis.cases((first, 1), else_=0).cast("float64")
    if model is Model.LAST_TOUCH:
        return ibis.cases((last, 1), else_=0).cast("float64")
    if model is Model.LINEAR:
        return _ratio(ibis.cases((n > 0, 1), else_=0), n)
    if model is Model.U_SHAPED:
        # n=1: 1/1; n=2: 1/2; ends: 2/5 (0.4); middle: 1/(5 (n-2)) (0.2 shared).
        return _ratio(
            ibis.cases((n == 1, 1), (n == 2, 1), (first | last, 2), else_=1),
            ibis.cases((n == 1, 1), (n == 2, 2), (first | last, 5), else_=5 * (n - 2)),
        )
    # W-shaped: `roles` shares of 3/10 (first, lead conversion `mid`, last) and 1/10 spread
    # over the others, or over the `keys` distinct key touchpoints when there is no other.
    roles = (
        ibis.cases((first, 1), else_=0)
        + ibis.cases((pos == mid, 1), else_=0)
        + ibis.cases((last, 1), else_=0)
    )
    keys = ibis.cases(((mid == 0) | (mid == n - 1), ibis.cases((n == 1, 1), else_=2)), else_=3)
    others = n - keys
    is_key = first | last | (pos == mid)
    return _ratio(
        ibis.cases((~is_key, 1), (others > 0, 3 * roles), else_=3 * roles * keys + 1),
        ibis.cases((~is_key, 10 * others), (others > 0, 10), else_=10 * keys),
    )


def weighted(
    engine: AnalyticsEngine, conversion: Conversion, model: Model, start: int, end: int
) -> Table:
    """One row per (conversion, touchpoint) with `weight` (summing to 1 per conversion)."""
    points = touchpoints(engine)
    events = conversions(engine, conversion, start, end)
    joined = events.join(
        points,
        [
            events.cv_contact == points.tp_contact,
            (points.tp_at <= events.cv_at) | (points.tp_order == CREATION_SOURCE_ORDER),
        ],
    )
    ordered = ibis.window(
        group_by=joined.cv_id, order_by=[joined.tp_at, joined.tp_order, joined.tp_id]
    )
    whole = ibis.window(group_by=joined.cv_id)
    ranked = joined.mutate(pos=ibis.row_number().over(ordered), n=joined.cv_id.count().over(whole))
    before_mql = ranked.cv_mql.notnull() & (ranked.tp_at <= ranked.cv_mql)
    ranked = ranked.mutate(
        mid=ibis.coalesce(
            ibis.cases((before_mql, ranked.pos), else_=ibis.null("int64")).max().over(whole),
            ibis.literal(0),
        )
    )
    return ranked.mutate(weight=_weight(model, ranked.pos, ranked.n, ranked.mid))


def attribute(
    engine: AnalyticsEngine,
    *,
    conversion: Conversion,
    model: Model,
    by: Dimension,
    period: str,
) -> AttributionResult:
    """Credit of each source, campaign or content for the period's conversions under `model`."""
    parsed = parse_period(period)
    start, end = parsed.bounds(engine.timezone)
    rows = weighted(engine, conversion, model, start, end)
    grouped = rows.group_by(key=rows[by.value]).aggregate(
        credit=rows.weight.sum(),
        value=(rows.weight * rows.cv_amount.cast("float64")).sum().cast("float64"),
    )
    counted = conversions(engine, conversion, start, end).count()
    con: Any = engine.con
    total = int(con.execute(counted))
    found = con.to_pyarrow(grouped).to_pylist()
    result = tuple(
        sorted(
            (
                AttributionRow(
                    key=str(row["key"] or ""),
                    credit=round(float(row["credit"]), DIGITS),
                    value=round(float(row["value"]), DIGITS),
                )
                for row in found
                if row["credit"]  # a model that gives a touchpoint nothing lists it nowhere
            ),
            key=lambda r: (-r.value, r.key),
        )
    )
    return AttributionResult(conversion, model, by, parsed.label, total, result)


def parse_choice(kind: type[StrEnum], text: str, what: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(item.value for item in kind)
        raise InputError(f"{what} {text!r} is not one of {known}") from None
