"""The SLA scorecard: marketing's side and sales' side, each commitment with target, actual, status.

Targets come from the agreement: the plan's pro-rated volumes (with its tolerance band), the
protocol (every hand-off touched within the SLA, every hand-off given the cadence) and the KPIs.
Without an agreement, the protocol's defaults are the only targets. Status rule (docs/reports.md):
`met` when the actual is on the right side of the target; `close` when it misses by no more than
the plan's tolerance (10 % by default); `missed` otherwise; `no_data` when there is no figure.
Volumes use the plan's band pro-rated to today (`AnalyticsEngine.pacing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from funnelpact.analytics.metrics import L_, Labels
from funnelpact.domain.agreement.labels import label
from funnelpact.domain.agreement.model import Comparison, KpiMetric, Locale
from funnelpact.reports import texts
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import (
    UNIT_KEY,
    Bar,
    Chart,
    Kind,
    Report,
    ReportColumn,
    ReportTable,
    Status,
    Value,
)

DEFAULT_TOLERANCE: Final = Decimal("0.10")
TITLE: Final = L_("SLA scorecard")


@dataclass(frozen=True, slots=True)
class Commitment:
    side: Labels
    label: Labels
    kind: Kind
    target: float | None
    actual: float | None
    status: Status
    sample: int


def judge(
    actual: float | None, target: float | None, comparison: Comparison, tolerance: Decimal
) -> Status:
    """The status rule of the scorecard (see the module docstring)."""
    if target is None:
        return Status.NO_TARGET if actual is not None else Status.NO_DATA
    if actual is None:
        return Status.NO_DATA
    slack = float(tolerance) * abs(target)
    if comparison is Comparison.AT_LEAST:
        if actual >= target:
            return Status.MET
        return Status.CLOSE if actual >= target - slack else Status.MISSED
    if actual <= target:
        return Status.MET
    return Status.CLOSE if actual <= target + slack else Status.MISSED


def _tolerance(context: ReportContext) -> Decimal:
    return context.agreement.plan.tolerance if context.agreement is not None else DEFAULT_TOLERANCE


def _volume(context: ReportContext, side: Labels, stage: str, label: Labels) -> Commitment:
    pacing = context.pacing(stage)
    # A period outside the plan's dates has no volume due: no target, rather than "0, met".
    if pacing is None or pacing.expected == 0:
        actual = context.total("stage_entered", stage=stage)
        return Commitment(
            side,
            label,
            Kind.COUNT,
            None,
            actual,
            judge(actual, None, Comparison.AT_LEAST, _tolerance(context)),
            int(actual or 0),
        )
    status = Status.MISSED if pacing.status == "below" else Status.MET
    return Commitment(
        side, label, Kind.COUNT, float(pacing.expected), float(pacing.actual), status, pacing.actual
    )


_KPI_METRIC: Final[dict[KpiMetric, tuple[str, Kind, dict[str, str | int | None]]]] = {
    KpiMetric.MQL_TO_SQL_RATE: ("cohort_conversion", Kind.SHARE, {}),
    KpiMetric.MQL_TO_SQL_HOURS: ("stage_lag_median_business_hours", Kind.HOURS, {}),
    KpiMetric.MQL_TO_CUSTOMER_RATE: ("mql_to_customer_rate", Kind.SHARE, {}),
    KpiMetric.TOUCHES_PER_SQL: ("touches_per_sql", Kind.NUMBER, {}),
    KpiMetric.SQL_VALUE: ("sql_value", Kind.MONEY, {}),
}
_KPI_SIDE: Final[dict[KpiMetric, Labels]] = {
    KpiMetric.MQL_TO_SQL_RATE: texts.SALES,
    KpiMetric.MQL_TO_SQL_HOURS: texts.SALES,
    KpiMetric.MQL_TO_CUSTOMER_RATE: texts.MARKETING,
    KpiMetric.TOUCHES_PER_SQL: texts.SALES,
    KpiMetric.SQL_VALUE: texts.MARKETING,
}


def _kpi_label(kpi: KpiMetric) -> Labels:
    """The KPI's name as the agreement document prints it, in each language."""
    return Labels(*(label(kpi, Locale(language)) for language in ("en", "es", "it")))


def _figure(
    context: ReportContext, slug: str, **parameters: str | int | None
) -> tuple[float | None, int]:
    result = context.metric(slug, parameters)
    row = result.rows[0] if len(result.rows) == 1 else None
    return (row.value, row.sample) if row is not None else (None, 0)


def commitments(context: ReportContext) -> list[Commitment]:
    """Every commitment of both sides, in the order the scorecard shows them."""
    config = context.config
    tolerance = _tolerance(context)
    rows: list[Commitment] = []
    handoff, sql = config.handoff_stage, config.sql_stage
    mql_label = texts.formatted(L_("%(stage)ss delivered"), stage=handoff.upper())
    if (
        context.plan is not None
        and "lead" in {s.name for s in context.plan.stages}
        and handoff != "lead"
    ):
        rows.append(
            _volume(
                context,
                texts.MARKETING,
                "lead",
                L_("Leads generated"),
            )
        )
    rows.append(_volume(context, texts.MARKETING, handoff, mql_label))

    hours = config.first_touch_sla_seconds // 3600
    within, sample = _figure(context, "speed_to_lead_within_sla")
    rows.append(
        Commitment(
            texts.SALES,
            texts.formatted(
                L_("Hand-offs touched within %(hours)s business hours"), hours=str(hours)
            ),
            Kind.SHARE,
            1.0,
            within,
            judge(within, 1.0, Comparison.AT_LEAST, tolerance),
            sample,
        )
    )
    cadence, sample = _figure(context, "cadence_compliance")
    touches, days = config.cadence_touches, config.cadence_days
    rows.append(
        Commitment(
            texts.SALES,
            texts.formatted(
                L_("Cadence kept (%(touches)s touches in %(days)s days)"),
                touches=str(touches),
                days=str(days),
            ),
            Kind.SHARE,
            1.0,
            cadence,
            judge(cadence, 1.0, Comparison.AT_LEAST, tolerance),
            sample,
        )
    )
    if context.plan is not None and sql in {s.name for s in context.plan.stages}:
        rows.append(
            _volume(
                context,
                texts.SALES,
                sql,
                texts.formatted(L_("%(stage)ss created"), stage=sql.upper()),
            )
        )

    kpis = {kpi.metric: kpi for kpi in (context.agreement.kpis if context.agreement else ())}
    shown = set(kpis)
    if context.agreement is None:
        shown = {KpiMetric.MQL_TO_SQL_RATE, KpiMetric.MQL_TO_SQL_HOURS, KpiMetric.TOUCHES_PER_SQL}
    for kpi_metric in KpiMetric:
        if kpi_metric not in shown:
            continue
        slug, kind, parameters = _KPI_METRIC[kpi_metric]
        actual, sample = _figure(context, slug, **parameters)
        kpi = kpis.get(kpi_metric)
        target = float(kpi.threshold) if kpi is not None else None
        comparison = kpi.definition.comparison if kpi is not None else Comparison.AT_LEAST
        rows.append(
            Commitment(
                _KPI_SIDE[kpi_metric],
                _kpi_label(kpi_metric),
                kind,
                target,
                actual,
                judge(actual, target, comparison, tolerance),
                sample,
            )
        )
    acceptance, sample = _figure(context, "acceptance_rate")
    rows.append(
        Commitment(
            texts.SALES,
            texts.metric_label("acceptance_rate"),
            Kind.SHARE,
            None,
            acceptance,
            judge(acceptance, None, Comparison.AT_LEAST, tolerance),
            sample,
        )
    )
    return sorted(rows, key=lambda c: 0 if c.side is texts.MARKETING else 1)


COLUMNS: Final = (
    ReportColumn("commitment", texts.COMMITMENT),
    ReportColumn(UNIT_KEY, L_("Unit")),
    ReportColumn("target", texts.TARGET, Kind.BY_ROW),
    ReportColumn("actual", texts.ACTUAL, Kind.BY_ROW),
    ReportColumn("status", texts.STATUS, Kind.STATUS),
    ReportColumn("sample", texts.SAMPLE, Kind.COUNT),
)


def commitments_table(
    key: str, title: Labels, items: list[Commitment], language_key: str = "en"
) -> ReportTable:
    rows: list[tuple[Value, ...]] = [
        (
            item.label.get(language_key),
            item.kind.value,
            item.target,
            item.actual,
            item.status.value,
            item.sample,
        )
        for item in items
    ]
    return ReportTable(key, title, COLUMNS, tuple(rows))


def build(context: ReportContext, language: str = "en") -> Report:
    items = commitments(context)
    marketing = [c for c in items if c.side is texts.MARKETING]
    sales = [c for c in items if c.side is texts.SALES]
    tables = (
        commitments_table(
            "marketing",
            L_("Marketing's side"),
            marketing,
            language,
        ),
        commitments_table(
            "sales",
            L_("Sales' side"),
            sales,
            language,
        ),
    )
    shares = [c for c in items if c.kind is Kind.SHARE and c.actual is not None]
    chart = Chart(
        "shares",
        L_("Rates against their targets"),
        Kind.SHARE,
        tuple(Bar(c.label.get(language), c.actual or 0.0, c.target) for c in shares),
    )
    return Report(
        slug="scorecard",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=None,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=tables,
        charts=(chart,) if shares else (),
    )
