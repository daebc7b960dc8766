"""Pieces several reports share: figure tables against the previous period, breakdown tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from funnelpact.analytics.metrics import L_, REGISTRY, Breakdown, Labels, Unit
from funnelpact.reports import texts
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import UNIT_KEY, Bar, Chart, Kind, ReportColumn, ReportTable, Value

KIND_OF_UNIT: Final[dict[Unit, Kind]] = {
    Unit.COUNT: Kind.COUNT,
    Unit.SHARE: Kind.SHARE,
    Unit.HOURS: Kind.HOURS,
    Unit.BUSINESS_HOURS: Kind.HOURS,
    Unit.DAYS: Kind.DAYS,
    Unit.MONEY: Kind.MONEY,
    Unit.TOUCHES: Kind.NUMBER,
    Unit.MONEY_PER_DAY: Kind.MONEY,
}

Figure = tuple[str, dict[str, str | int | None]]  # a metric slug and its parameters


def kind_of(slug: str) -> Kind:
    return KIND_OF_UNIT[REGISTRY[slug].unit]


def change(actual: float | None, previous: float | None) -> float | None:
    """Relative change against the previous period (None when there is nothing to compare)."""
    if actual is None or not previous:
        return None
    return (actual - previous) / abs(previous)


COMPARE_COLUMNS: Final = (
    ReportColumn("figure", texts.FIGURE),
    ReportColumn(UNIT_KEY, L_("Unit")),
    ReportColumn("actual", texts.ACTUAL, Kind.BY_ROW),
    ReportColumn("previous", texts.PREVIOUS, Kind.BY_ROW),
    ReportColumn("change", texts.CHANGE, Kind.SHARE),
    ReportColumn("sample", texts.SAMPLE, Kind.COUNT),
)


def label_of(slug: str, parameters: dict[str, str | int | None], language: str) -> str:
    text = REGISTRY[slug].labels.get(language)
    stage = parameters.get("stage")
    if stage:
        text = f"{text}: {str(stage).upper()}"
    if parameters.get("from_stage") or parameters.get("to_stage"):
        pair = (str(parameters.get(name) or "").upper() for name in ("from_stage", "to_stage"))
        text = f"{text}: {'→'.join(pair)}"
    return text


def compare_table(
    context: ReportContext, key: str, title: Labels, figures: Sequence[Figure], language: str
) -> ReportTable:
    """Each figure for the period and the previous one of equal length, with the change."""
    rows: list[tuple[Value, ...]] = []
    for slug, parameters in figures:
        result = context.metric(slug, parameters, compare=True)
        row = result.rows[0] if len(result.rows) == 1 else None
        actual = row.value if row else None
        previous = row.previous if row else None
        rows.append(
            (
                label_of(slug, parameters, language),
                kind_of(slug).value,
                actual,
                previous,
                change(actual, previous),
                row.sample if row else 0,
            )
        )
    return ReportTable(key, title, COMPARE_COLUMNS, tuple(rows))


def breakdown_table(
    context: ReportContext,
    key: str,
    title: Labels,
    by: Breakdown,
    key_label: Labels,
    figures: Sequence[Figure],
    language: str,
) -> ReportTable:
    """One row per value of `by` (source, rep...), one column per figure."""
    columns = [
        ReportColumn(by.value, key_label, Kind.SOURCE if by is Breakdown.SOURCE else Kind.TEXT)
    ]
    values: dict[str, dict[int, float | None]] = {}
    for index, (slug, parameters) in enumerate(figures):
        columns.append(
            ReportColumn(
                f"{slug}" + "".join(f"@{v}" for v in parameters.values() if v is not None),
                Labels(*(label_of(slug, parameters, lang) for lang in ("en", "es", "it"))),
                kind_of(slug),
            )
        )
        for row in context.metric(slug, parameters, by=(by,)).rows:
            values.setdefault(row.keys.get(by.value, ""), {})[index] = row.value
    rows = tuple(
        (name or "—", *(values[name].get(i) for i in range(len(figures))))
        for name in sorted(values)
    )
    return ReportTable(key, title, tuple(columns), rows)


def daily_chart(
    context: ReportContext, key: str, title: Labels, slug: str, **parameters: str | int | None
) -> Chart:
    """A figure per day (or per month for long periods): the `period` breakdown."""
    result = context.metric(slug, parameters, by=(Breakdown.PERIOD,))
    found = {row.keys.get("period", ""): row.value or 0.0 for row in result.rows}
    # Every bucket of the period, empty days included: a gap is a figure too.
    labels = [bucket.label for bucket in context.parsed_period.sub_periods()]
    bars = tuple(Bar(label, found.get(label, 0.0)) for label in labels)
    return Chart(key, title, kind_of(slug), bars, series=True)
