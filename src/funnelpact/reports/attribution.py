"""The attribution report: which sources, campaigns and content get the credit for conversions.

Every model side by side (first touch, last touch, linear, U-shaped, W-shaped; definitions in
`funnelpact.analytics.attribution` and docs/attribution.md), for MQLs, customers and revenue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from funnelpact.analytics.attribution import (
    CONVERSION_LABELS,
    MODEL_LABELS,
    Conversion,
    Dimension,
    Model,
    attribute,
)
from funnelpact.analytics.metrics import L_, Labels
from funnelpact.reports import texts
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Bar, Chart, Kind, Report, ReportColumn, ReportTable, Value

TITLE: Final = L_("Attribution")
DIMENSION_LABELS: Final = {
    Dimension.SOURCE: texts.SOURCE,
    Dimension.CAMPAIGN: texts.CAMPAIGN,
    Dimension.CONTENT: texts.CONTENT,
}


def attribution_table(
    context: ReportContext,
    conversion: Conversion,
    dimension: Dimension,
    models: Sequence[Model] = tuple(Model),
    language: str = "en",
) -> ReportTable:
    """One row per source/campaign/content, one column per model (credit, or revenue)."""
    kind = Kind.MONEY if conversion is Conversion.REVENUE else Kind.NUMBER
    credits: dict[str, dict[Model, float]] = {}
    for model in models:
        result = attribute(
            context.engine, conversion=conversion, model=model, by=dimension, period=context.period
        )
        for row in result.rows:
            credits.setdefault(row.key, {})[model] = row.value
    columns = (
        ReportColumn(
            dimension.value,
            DIMENSION_LABELS[dimension],
            Kind.SOURCE if dimension is Dimension.SOURCE else Kind.TEXT,
        ),
        *(ReportColumn(model.value, MODEL_LABELS[model], kind) for model in models),
    )
    first = models[0]
    ordered = sorted(credits, key=lambda key: (-credits[key].get(first, 0.0), key))
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (key or "—", *(credits[key].get(model, 0.0) for model in models)) for key in ordered
    )
    conversion_label = CONVERSION_LABELS[conversion]
    dimension_label = DIMENSION_LABELS[dimension]
    title = texts.filled(
        L_("%(conversion)s by %(dimension)s"),
        conversion=conversion_label,
        dimension=Labels(*(dimension_label.get(lang).lower() for lang in ("en", "es", "it"))),
    )
    return ReportTable(f"{conversion.value}_by_{dimension.value}", title, columns, rows)


def build(context: ReportContext, language: str = "en") -> Report:
    tables = (
        attribution_table(context, Conversion.MQL, Dimension.SOURCE, language=language),
        attribution_table(context, Conversion.MQL, Dimension.CAMPAIGN, language=language),
        attribution_table(context, Conversion.CUSTOMER, Dimension.CAMPAIGN, language=language),
        attribution_table(context, Conversion.REVENUE, Dimension.CAMPAIGN, language=language),
        attribution_table(context, Conversion.REVENUE, Dimension.CONTENT, language=language),
    )
    revenue = tables[3]
    chart = Chart(
        "revenue_w",
        L_("Revenue by campaign, W-shaped"),
        Kind.MONEY,
        tuple(Bar(str(row[0]), float(row[-1] or 0.0)) for row in revenue.rows),
    )
    return Report(
        slug="attribution",
        title=TITLE,
        period=context.parsed_period.label,
        previous_period=None,
        generated_at=context.now.isoformat(timespec="seconds"),
        data_version=context.engine.data_version,
        currency=context.currency,
        tables=tables,
        charts=(chart,) if chart.bars else (),
    )
