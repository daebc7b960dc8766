"""A report as data: typed tables and charts, values raw, labels in en/es/it.

Builders (one module per report) compose registry metrics into a `Report`; renderers
(`funnelpact.reports.render`) format the values for a locale and lay them out as a terminal
table, HTML, PDF, CSV, XLSX or JSON. Values stay raw (floats, counts, statuses) so that
spreadsheets and JSON carry numbers, not formatted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from funnelpact.analytics.metrics import Labels


class Kind(StrEnum):
    """How a column's values are shown."""

    TEXT = "text"
    COUNT = "count"
    NUMBER = "number"
    SHARE = "share"  # 0..1, shown as a percent
    MONEY = "money"
    HOURS = "hours"
    DAYS = "days"
    STATUS = "status"  # a `Status` value, translated
    SOURCE = (
        "source"  # a lead source: HubSpot's codes by their names, translated; others as written
    )
    BY_ROW = "by_row"  # the row's `unit` cell (a Kind value) says: tables that mix units


class Status(StrEnum):
    """A commitment's status on the scorecard (docs/reports.md: the rule)."""

    MET = "met"
    CLOSE = "close"  # missed, but within the plan's tolerance
    MISSED = "missed"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


Value = str | float | int | None
UNIT_KEY = "unit"


@dataclass(frozen=True, slots=True)
class ReportColumn:
    key: str
    labels: Labels
    kind: Kind = Kind.TEXT

    @property
    def numeric(self) -> bool:
        return self.kind not in (Kind.TEXT, Kind.STATUS, Kind.SOURCE)

    @property
    def hidden_in_documents(self) -> bool:
        """The `unit` column of mixed tables: shown through the formatting, kept in files."""
        return self.key == UNIT_KEY


@dataclass(frozen=True, slots=True)
class ReportTable:
    key: str
    title: Labels
    columns: tuple[ReportColumn, ...]
    rows: tuple[tuple[Value, ...], ...]
    note: Labels | None = None

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"report table {self.key}: a row has {len(row)} cells")

    def column(self, key: str) -> list[Value]:
        """Every value of one column (tests and charts read figures by key)."""
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]

    def row(self, first: str) -> dict[str, Value]:
        """The row whose first cell is `first`, as {column key: value}."""
        for row in self.rows:
            if row[0] == first:
                return {c.key: v for c, v in zip(self.columns, row, strict=True)}
        raise KeyError(f"report table {self.key}: no row {first!r}")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    previous: float | None = None  # a lighter bar beside it (the previous period)


@dataclass(frozen=True, slots=True)
class Chart:
    """A horizontal bar chart, drawn as inline SVG in HTML and PDF (no script, no CDN)."""

    key: str
    title: Labels
    kind: Kind
    bars: tuple[Bar, ...]
    series: bool = False  # a time series (one bar per day or month): drawn as columns


@dataclass(frozen=True, slots=True)
class Report:
    slug: str
    title: Labels
    period: str
    previous_period: str | None
    generated_at: str  # ISO instant: when the figures were computed
    data_version: str
    currency: str
    tables: tuple[ReportTable, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[Labels, ...] = field(default=())

    def table(self, key: str) -> ReportTable:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(f"report {self.slug}: no table {key!r}")
