"""The metrics registry: every metric defined once, as one Ibis expression builder.

A `Metric` names the facts table it reads (`Subject`), the instant that puts a row in a period
(`dated_by`) and `measure`: the aggregate expressions (`value`, `sample`) over the rows of the
period. The engine (`funnelpact.analytics.engine`) filters the period, groups by the requested
breakdowns and runs the same expression on DuckDB, PostgreSQL or Spark. A `DerivedMetric`
combines other metrics' results (ratios of counts from different dates, velocity).

Percentiles use `quantile`, which every engine we run computes exactly with linear
interpolation (DuckDB quantile_cont, PostgreSQL percentile_cont, Spark percentile): the method
is chosen per backend by Ibis's compilers, and tests/analytics/test_engines.py holds the
numbers equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import ibis
from ibis.expr.types import Table, Value

from funnelpact.analytics.facts import FactsConfig


class Unit(StrEnum):
    COUNT = "count"
    SHARE = "share"  # 0..1
    HOURS = "hours"
    BUSINESS_HOURS = "business_hours"
    DAYS = "days"
    MONEY = "money"
    TOUCHES = "touches"
    MONEY_PER_DAY = "money_per_day"


class Breakdown(StrEnum):
    PERIOD = "period"
    STREAM = "stream"
    SOURCE = "source"
    CAMPAIGN = "campaign"
    TEAM = "team"
    REP = "rep"


class Subject(StrEnum):
    CONTACTS = "contacts"
    DEALS = "deals"
    REJECTIONS = "rejections"


ALL_BREAKDOWNS: Final = tuple(Breakdown)


@dataclass(frozen=True, slots=True)
class Labels:
    en: str
    es: str
    it: str

    def get(self, language: str) -> str:
        return {"en": self.en, "es": self.es, "it": self.it}.get(language, self.en)


def L_(msgid: str) -> Labels:  # noqa: N802 (a gettext marker: tools/compile_messages.py extracts it)
    """The labels of an English msgid, translated through the gettext catalogs (es, it).

    Every fixed text of the metrics and the reports is a msgid of
    ``funnelpact/locale/<lang>/LC_MESSAGES/django.po``: one translation per sentence, shared
    with the CLI and the web pages. A msgid without a translation shows in English; the catalog
    check (``tools/compile_messages.py check``, tests/reports/test_i18n.py) fails on it.
    """
    from funnelpact.i18n import localizer  # babel-only module; no Django

    return Labels(msgid, localizer("es").gettext(msgid), localizer("it").gettext(msgid))


@dataclass(frozen=True, slots=True)
class Scope:
    """What a builder may read besides the rows: the period, `now`, parameters, the funnel."""

    start: int  # epoch seconds, included
    end: int  # epoch seconds, excluded
    now: int
    b_now: int  # business-clock reading of `now`
    config: FactsConfig
    from_stage: str
    to_stage: str
    stage: str
    within_days: int


Measure = Callable[[Table, Scope], dict[str, Value]]


@dataclass(frozen=True, slots=True)
class Metric:
    slug: str
    labels: Labels
    unit: Unit
    definition: str
    subject: Subject
    dated_by: Callable[[Scope], str]
    measure: Measure
    parameters: tuple[str, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ALL_BREAKDOWNS
    extra_keys: tuple[str, ...] = ()  # keys every row carries (e.g. the rejection reason)
    dated_text: str = ""


@dataclass(frozen=True, slots=True)
class DerivedMetric:
    slug: str
    labels: Labels
    unit: Unit
    definition: str
    inputs: tuple[str, ...]
    combine: Callable[[Mapping[str, float | None]], float | None]
    parameters: tuple[str, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ALL_BREAKDOWNS
    input_parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


AnyMetric = Metric | DerivedMetric
HOUR: Final = 3600.0
DAY: Final = 86400.0


def _share(hits: Value, total: Value) -> Value:
    return ibis.cases(
        (total > 0, hits.cast("float64") / total.cast("float64")), else_=ibis.null("float64")
    )


def _dated(column: str) -> Callable[[Scope], str]:
    return lambda scope: column


def _stage_column(which: str) -> Callable[[Scope], str]:
    return lambda scope: f"{getattr(scope, which)}_at"


def _lag(rows: Table, scope: Scope, business: bool) -> Value:
    suffix = "_b" if business else "_at"
    start, end = rows[f"{scope.from_stage}{suffix}"], rows[f"{scope.to_stage}{suffix}"]
    reached = rows[f"{scope.from_stage}_at"].notnull() & (
        rows[f"{scope.to_stage}_at"] >= rows[f"{scope.from_stage}_at"]
    )
    return ibis.cases((reached, (end - start).cast("float64") / HOUR), else_=ibis.null("float64"))


def _time_in_stage(rows: Table, scope: Scope, business: bool) -> Value:
    """Hours from entering `stage` to the first entry into any later stage (B is monotonic,
    so the business time to the earliest later entry is the least of their clock readings)."""
    stages = scope.config.stages
    later = stages[stages.index(scope.stage) + 1 :]
    entered = rows[f"{scope.stage}_at"]
    suffix = "_b" if business else "_at"
    candidates = [
        ibis.cases(
            (rows[f"{name}_at"] >= entered, rows[f"{name}{suffix}"]), else_=ibis.null("int64")
        )
        for name in later
    ]
    if not candidates:
        return ibis.null("float64")
    left = ibis.least(*candidates) if len(candidates) > 1 else candidates[0]
    return (left - rows[f"{scope.stage}{suffix}"]).cast("float64") / HOUR


def _count(rows: Table, scope: Scope) -> dict[str, Value]:
    return {"value": rows.count().cast("float64"), "sample": rows.count()}


def _stage_entered(rows: Table, scope: Scope) -> dict[str, Value]:
    return _count(rows, scope)


def _cohort(rows: Table, scope: Scope) -> dict[str, Value]:
    start, end = rows[f"{scope.from_stage}_at"], rows[f"{scope.to_stage}_at"]
    converted = end.notnull() & (end >= start) & (end - start <= scope.within_days * 86400)
    return {"value": _share(rows.count(where=converted), rows.count()), "sample": rows.count()}


def _quantile_of(value: Callable[[Table, Scope], Value], q: float) -> Measure:
    def measure(rows: Table, scope: Scope) -> dict[str, Value]:
        values = value(rows, scope)
        return {"value": values.quantile(q), "sample": values.count()}

    return measure


def _speed_to_lead_hours(rows: Table, scope: Scope) -> Value:
    return (rows.first_touch_b - rows.handoff_b).cast("float64") / HOUR


def _within_sla(rows: Table, scope: Scope) -> dict[str, Value]:
    sla = scope.config.first_touch_sla_seconds
    waited = rows.first_touch_b - rows.handoff_b
    met = rows.first_touch_at.notnull() & (waited <= sla)
    # Hand-offs whose SLA has not run out yet and are untouched are still open: not counted.
    decided = met | (rows.handoff_b + sla <= scope.b_now)
    return {
        "value": _share(rows.count(where=met), rows.count(where=decided)),
        "sample": rows.count(where=decided),
    }


def _cadence(rows: Table, scope: Scope) -> dict[str, Value]:
    config = scope.config
    met = rows.cadence_touches >= config.cadence_touches
    decided = met | (rows.handoff_at + config.cadence_days * 86400 <= scope.now)
    return {
        "value": _share(rows.count(where=met), rows.count(where=decided)),
        "sample": rows.count(where=decided),
    }


def _acceptance(rows: Table, scope: Scope) -> dict[str, Value]:
    accepted = rows.accepted_at.notnull() & (
        rows.rejected_at.isnull() | (rows.accepted_at < rows.rejected_at)
    )
    decided = rows.accepted_at.notnull() | rows.rejected_at.notnull()
    return {
        "value": _share(rows.count(where=accepted), rows.count(where=decided)),
        "sample": rows.count(where=decided),
    }


def _touches_per_sql(rows: Table, scope: Scope) -> dict[str, Value]:
    handed_off = rows.handoff_at.notnull()
    return {
        "value": rows.touches_before_sql.cast("float64").mean(where=handed_off),
        "sample": rows.count(where=handed_off),
    }


def _sql_value(rows: Table, scope: Scope) -> dict[str, Value]:
    return {"value": rows.pipeline.sum().cast("float64"), "sample": rows.count()}


def _mql_to_customer(rows: Table, scope: Scope) -> dict[str, Value]:
    became = rows[f"{scope.config.customer_stage}_at"].notnull()
    return {"value": _share(rows.count(where=became), rows.count()), "sample": rows.count()}


def _deal_sum(rows: Table, scope: Scope) -> dict[str, Value]:
    return {"value": rows.amount.sum().cast("float64"), "sample": rows.count()}


def _won_sum(rows: Table, scope: Scope) -> dict[str, Value]:
    won = rows.won == 1
    return {"value": rows.amount.sum(where=won).cast("float64"), "sample": rows.count(where=won)}


def _win_rate(rows: Table, scope: Scope) -> dict[str, Value]:
    closed = rows.won.notnull()
    return {
        "value": _share(rows.count(where=rows.won == 1), rows.count(where=closed)),
        "sample": rows.count(where=closed),
    }


def _average_deal(rows: Table, scope: Scope) -> dict[str, Value]:
    won = rows.won == 1
    return {"value": rows.amount.mean(where=won), "sample": rows.count(where=won)}


def _sales_cycle(rows: Table, scope: Scope) -> dict[str, Value]:
    won = rows.won == 1
    days = (rows.closed_at - rows.created_at).cast("float64") / DAY
    return {"value": days.mean(where=won), "sample": rows.count(where=won)}


def _divide(
    numerator: str, denominator: str
) -> Callable[[Mapping[str, float | None]], float | None]:
    def combine(values: Mapping[str, float | None]) -> float | None:
        top, bottom = values.get(numerator), values.get(denominator)
        if not bottom:
            return None
        return (top or 0.0) / bottom  # no row for the numerator: none entered

    return combine


def _velocity(values: Mapping[str, float | None]) -> float | None:
    opportunities = values.get("deals_created")
    rate, size, cycle = (
        values.get("win_rate"),
        values.get("average_deal_size"),
        values.get("sales_cycle_days"),
    )
    if opportunities is None or rate is None or size is None or not cycle:
        return None
    return opportunities * rate * size / cycle


_STAGE_PAIR = ("from_stage", "to_stage")
_FROM_TO = "from `from_stage` (default: the hand-off stage) to `to_stage` (default: SQL)"

# The time metrics' labels, one msgid each (a label built with an f-string is not extractable).
_TIME_LABELS: Final[dict[tuple[str, str, bool], Labels]] = {
    ("lag", "median", False): L_("Time between stages, median (hours)"),
    ("lag", "median", True): L_("Time between stages, median (business hours)"),
    ("lag", "p90", False): L_("Time between stages, p90 (hours)"),
    ("lag", "p90", True): L_("Time between stages, p90 (business hours)"),
    ("in_stage", "median", False): L_("Time in stage, median (hours)"),
    ("in_stage", "median", True): L_("Time in stage, median (business hours)"),
    ("in_stage", "p90", False): L_("Time in stage, p90 (hours)"),
    ("in_stage", "p90", True): L_("Time in stage, p90 (business hours)"),
}

METRICS: Final[tuple[AnyMetric, ...]] = (
    Metric(
        "contacts_created",
        L_("Contacts created"),
        Unit.COUNT,
        "Contacts created in the period.",
        Subject.CONTACTS,
        _dated("created_at"),
        _count,
        dated_text="contact created",
    ),
    Metric(
        "stage_entered",
        L_("Entered the stage"),
        Unit.COUNT,
        "Contacts whose first entry into `stage` (default: the hand-off stage, MQL) falls in "
        "the period.",
        Subject.CONTACTS,
        _stage_column("stage"),
        _stage_entered,
        parameters=("stage",),
        dated_text="first entry into `stage`",
    ),
    Metric(
        "cohort_conversion",
        L_("Cohort conversion"),
        Unit.SHARE,
        f"Of the contacts that first entered `from_stage` in the period, the share that entered "
        f"`to_stage` within `within_days` days (default 30) of it; {_FROM_TO}. Recent cohorts "
        "may still convert.",
        Subject.CONTACTS,
        _stage_column("from_stage"),
        _cohort,
        parameters=(*_STAGE_PAIR, "within_days"),
        dated_text="first entry into `from_stage`",
    ),
    DerivedMetric(
        "period_conversion",
        L_("Period conversion"),
        Unit.SHARE,
        "Contacts entering `to_stage` in the period divided by contacts entering `from_stage` in "
        "the same period (not the same people: the flow through the funnel).",
        ("stage_entered@to_stage", "stage_entered@from_stage"),
        _divide("stage_entered@to_stage", "stage_entered@from_stage"),
        parameters=_STAGE_PAIR,
    ),
    *(
        Metric(
            f"stage_lag_{stat}_{'business_hours' if business else 'hours'}",
            _TIME_LABELS[("lag", stat, business)],
            Unit.BUSINESS_HOURS if business else Unit.HOURS,
            f"The {'median' if stat == 'median' else '90th percentile'} of the "
            f"{'business' if business else 'calendar'} hours {_FROM_TO}, over the contacts that "
            "entered `to_stage` in the period (exact, linear interpolation).",
            Subject.CONTACTS,
            _stage_column("to_stage"),
            _quantile_of(
                (lambda rows, scope: _lag(rows, scope, True))
                if business
                else (lambda rows, scope: _lag(rows, scope, False)),
                0.5 if stat == "median" else 0.9,
            ),
            parameters=_STAGE_PAIR,
            dated_text="first entry into `to_stage`",
        )
        for stat in ("median", "p90")
        for business in (False, True)
    ),
    *(
        Metric(
            f"time_in_stage_{stat}_{'business_hours' if business else 'hours'}",
            _TIME_LABELS[("in_stage", stat, business)],
            Unit.BUSINESS_HOURS if business else Unit.HOURS,
            f"The {'median' if stat == 'median' else '90th percentile'} of the "
            f"{'business' if business else 'calendar'} hours from entering `stage` (default MQL) "
            "to the first entry into any later stage, over contacts that entered `stage` in the "
            "period and have left it.",
            Subject.CONTACTS,
            _stage_column("stage"),
            _quantile_of(
                (lambda rows, scope: _time_in_stage(rows, scope, True))
                if business
                else (lambda rows, scope: _time_in_stage(rows, scope, False)),
                0.5 if stat == "median" else 0.9,
            ),
            parameters=("stage",),
            dated_text="first entry into `stage`",
        )
        for stat in ("median", "p90")
        for business in (False, True)
    ),
    Metric(
        "speed_to_lead_median_business_hours",
        L_("Speed to lead, median (business hours)"),
        Unit.BUSINESS_HOURS,
        "Median business hours from the hand-off to the first counting sales touch (outbound, "
        "by a rep, not automated), over hand-offs in the period that have been touched.",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _quantile_of(_speed_to_lead_hours, 0.5),
        dated_text="hand-off",
    ),
    Metric(
        "speed_to_lead_p90_business_hours",
        L_("Speed to lead, p90 (business hours)"),
        Unit.BUSINESS_HOURS,
        "90th percentile of the business hours from the hand-off to the first counting touch.",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _quantile_of(_speed_to_lead_hours, 0.9),
        dated_text="hand-off",
    ),
    Metric(
        "speed_to_lead_within_sla",
        L_("Touched within the SLA"),
        Unit.SHARE,
        "Share of the period's hand-offs first touched within the SLA's business hours (the "
        "agreement's first-touch window, default 24). Hand-offs still inside their window and "
        "untouched are left out until the window ends.",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _within_sla,
        dated_text="hand-off",
    ),
    Metric(
        "cadence_compliance",
        L_("Cadence compliance"),
        Unit.SHARE,
        "Share of the period's hand-offs that received the cadence's counting touches (default "
        "3) within its calendar days (default 14) of the hand-off; hand-offs whose window is "
        "still open and not yet met are left out.",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _cadence,
        dated_text="hand-off",
    ),
    Metric(
        "acceptance_rate",
        L_("Acceptance rate"),
        Unit.SHARE,
        "Of the period's hand-offs that sales decided on, the share accepted (the first "
        "decision after the hand-off counts).",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _acceptance,
        dated_text="hand-off",
    ),
    Metric(
        "rejections_by_reason",
        L_("Rejections by reason"),
        Unit.COUNT,
        "Rejections decided in the period, one row per reason (an empty reason is '').",
        Subject.REJECTIONS,
        _dated("decided_at"),
        _count,
        extra_keys=("reason",),
        dated_text="rejection",
    ),
    Metric(
        "touches_per_sql",
        L_("Touches per MQL that becomes SQL"),
        Unit.TOUCHES,
        "Average counting sales touches from the hand-off up to the SQL entry, over contacts "
        "that became SQL in the period after a hand-off.",
        Subject.CONTACTS,
        lambda scope: f"{scope.config.sql_stage}_at",
        _touches_per_sql,
        dated_text="SQL entry",
    ),
    Metric(
        "sql_value",
        L_("Value of SQLs"),
        Unit.MONEY,
        "Sum of the deal amounts of the contacts that became SQL in the period.",
        Subject.CONTACTS,
        lambda scope: f"{scope.config.sql_stage}_at",
        _sql_value,
        dated_text="SQL entry",
    ),
    Metric(
        "pipeline_created",
        L_("Pipeline created"),
        Unit.MONEY,
        "Sum of the amounts of the deals created in the period.",
        Subject.DEALS,
        _dated("created_at"),
        _deal_sum,
        dated_text="deal created",
    ),
    Metric(
        "deals_created",
        L_("Deals created"),
        Unit.COUNT,
        "Deals created in the period.",
        Subject.DEALS,
        _dated("created_at"),
        _count,
        dated_text="deal created",
    ),
    Metric(
        "won_revenue",
        L_("Revenue won"),
        Unit.MONEY,
        "Sum of the amounts of the deals won (closed) in the period.",
        Subject.DEALS,
        _dated("closed_at"),
        _won_sum,
        dated_text="deal closed",
    ),
    Metric(
        "mql_to_customer_rate",
        L_("MQL to customer rate"),
        Unit.SHARE,
        "Of the contacts handed off (MQL) in the period, the share that has become a customer.",
        Subject.CONTACTS,
        _dated("handoff_at"),
        _mql_to_customer,
        dated_text="hand-off",
    ),
    Metric(
        "win_rate",
        L_("Win rate"),
        Unit.SHARE,
        "Of the deals closed in the period, the share won.",
        Subject.DEALS,
        _dated("closed_at"),
        _win_rate,
        dated_text="deal closed",
    ),
    Metric(
        "average_deal_size",
        L_("Average deal size"),
        Unit.MONEY,
        "Average amount of the deals won in the period.",
        Subject.DEALS,
        _dated("closed_at"),
        _average_deal,
        dated_text="deal closed",
    ),
    Metric(
        "sales_cycle_days",
        L_("Sales cycle length"),
        Unit.DAYS,
        "Average calendar days from a deal's creation to its win, over deals won in the period.",
        Subject.DEALS,
        _dated("closed_at"),
        _sales_cycle,
        dated_text="deal closed",
    ),
    DerivedMetric(
        "sales_velocity",
        L_("Sales velocity"),
        Unit.MONEY_PER_DAY,
        "Deals created x win rate x average deal size / sales cycle days, all of the period: "
        "revenue the pipeline brings per day.",
        ("deals_created", "win_rate", "average_deal_size", "sales_cycle_days"),
        _velocity,
    ),
)

REGISTRY: Final[dict[str, AnyMetric]] = {metric.slug: metric for metric in METRICS}
