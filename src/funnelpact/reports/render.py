"""A `Report` in every format: terminal (Rich), HTML (inline SVG charts), PDF, CSV, XLSX, JSON.

Values are formatted for the locale (`funnelpact.i18n.Localizer`); CSV, XLSX and JSON keep the
numbers as numbers, with the column labels translated. HTML and PDF reuse the shared document
page (`funnelpact/rendering/templates/document.html.j2`, its CSS, running header and page
numbers) through `funnelpact/reports/templates/report.html.j2`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup
from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from funnelpact.analytics.metrics import L_
from funnelpact.i18n import Language, Localizer, localizer
from funnelpact.rendering import Document, Fact, Note, Section, environment, html_to_pdf
from funnelpact.reports import texts
from funnelpact.reports.charts import chart_svg
from funnelpact.reports.model import (
    UNIT_KEY,
    Kind,
    Report,
    ReportColumn,
    ReportTable,
    Status,
    Value,
)


class ReportFormat(StrEnum):
    TABLE = "table"
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"

    @property
    def is_binary(self) -> bool:
        return self in (ReportFormat.PDF, ReportFormat.XLSX)


EMPTY = "—"


def format_value(value: Value, kind: Kind, local: Localizer, currency: str) -> str:
    """A value as a reader of the locale expects it (None: an em dash)."""
    if value is None or value == "":
        return EMPTY
    if kind is Kind.STATUS:
        return texts.STATUSES[Status(str(value))].get(local.language.value)
    if kind is Kind.SOURCE:
        return texts.source_name(str(value), local.language.value)
    if kind is Kind.TEXT or isinstance(value, str):
        return str(value)
    number = float(value)
    if kind is Kind.COUNT:
        return local.integer(Decimal(str(round(number))))
    if kind is Kind.SHARE:
        return local.percent(number)
    if kind is Kind.MONEY:
        return local.money(Decimal(str(round(number, 2))), currency)
    if kind is Kind.HOURS:
        return f"{local.number(number, 1)} h"
    if kind is Kind.DAYS:
        return f"{local.number(number, 1)} d"
    return local.number(number, 2, fixed=False)


def _cell_kind(table: ReportTable, row: tuple[Value, ...], column: ReportColumn) -> Kind:
    if column.kind is not Kind.BY_ROW:
        return column.kind
    keys = [c.key for c in table.columns]
    return Kind(str(row[keys.index(UNIT_KEY)]))


def formatted_rows(table: ReportTable, local: Localizer, currency: str) -> list[list[str]]:
    """Every row of a table formatted, without the `unit` column of mixed tables."""
    shown = [c for c in table.columns if not c.hidden_in_documents]
    keys = [c.key for c in table.columns]
    return [
        [
            format_value(row[keys.index(c.key)], _cell_kind(table, row, c), local, currency)
            for c in shown
        ]
        for row in table.rows
    ]


# --- terminal ---------------------------------------------------------------------------------

_STATUS_STYLE = {
    Status.MET: "green",
    Status.CLOSE: "yellow",
    Status.MISSED: "bold red",
    Status.NO_DATA: "dim",
    Status.NO_TARGET: "dim",
}


def render_terminal(report: Report, language: str, width: int = 120) -> str:
    local = localizer(language)
    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    with console.capture() as captured:
        console.print(_heading(report, language))
        for table in report.tables:
            shown = [c for c in table.columns if not c.hidden_in_documents]
            rich = RichTable(
                title=table.title.get(language), box=box.SIMPLE_HEAD, title_justify="left"
            )
            for column in shown:
                rich.add_column(
                    column.labels.get(language),
                    justify="right" if column.numeric or column.kind is Kind.BY_ROW else "left",
                    overflow="fold",
                )
            for raw, cells in zip(
                table.rows, formatted_rows(table, local, report.currency), strict=True
            ):
                styled = []
                for column, cell in zip(shown, cells, strict=True):
                    if (
                        column.kind is Kind.STATUS
                        and raw[[c.key for c in table.columns].index(column.key)]
                    ):
                        status = Status(str(raw[[c.key for c in table.columns].index(column.key)]))
                        cell = f"[{_STATUS_STYLE[status]}]{cell}[/]"
                    styled.append(cell)
                rich.add_row(*styled)
            if not table.rows:
                rich.add_row(*(["—"] * len(shown)))
            console.print(rich)
    return captured.get()


def _heading(report: Report, language: str) -> str:
    period = report.period
    if report.previous_period:
        period += f" {texts.VS.get(language)} {report.previous_period}"
    return f"{report.title.get(language)} · {period}"


# --- HTML and PDF ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HtmlCell:
    text: str
    numeric: bool = False
    status: str = ""


@dataclass(frozen=True, slots=True)
class TableBlock:
    kind: ClassVar[str] = "report_table"
    caption: str
    headers: tuple[tuple[str, bool], ...]
    rows: tuple[tuple[HtmlCell, ...], ...]
    empty: str


@dataclass(frozen=True, slots=True)
class ChartBlock:
    kind: ClassVar[str] = "chart"
    caption: str
    svg: Markup


_TEXTS = (L_("Report"), L_("No rows in this period."), L_("Charts"), L_("Figures"))


@cache
def _environment(language: Language) -> jinja2.Environment:
    # The shared document templates, plus this package's report page that extends them.
    base = environment(language)
    return base.overlay(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("funnelpact.reports", "templates"), base.loader]  # type: ignore[list-item]
        )
    )


def report_document(report: Report, language: str) -> Document:
    local = localizer(language)
    kicker, empty, charts_title, figures_title = (text.get(language) for text in _TEXTS)
    blocks: list[Any] = []
    for table in report.tables:
        shown = [c for c in table.columns if not c.hidden_in_documents]
        keys = [c.key for c in table.columns]
        rows = []
        for raw, cells in zip(
            table.rows, formatted_rows(table, local, report.currency), strict=True
        ):
            rows.append(
                tuple(
                    HtmlCell(
                        cell,
                        numeric=column.numeric or column.kind is Kind.BY_ROW,
                        status=str(raw[keys.index(column.key)] or "")
                        if column.kind is Kind.STATUS
                        else "",
                    )
                    for column, cell in zip(shown, cells, strict=True)
                )
            )
        blocks.append(
            TableBlock(
                caption=table.title.get(language),
                headers=tuple(
                    (c.labels.get(language), c.numeric or c.kind is Kind.BY_ROW) for c in shown
                ),
                rows=tuple(rows),
                empty=empty,
            )
        )
    chart_blocks = []
    for chart in report.charts:
        title = chart.title.get(language)

        def formatter(value: float, kind: Kind = chart.kind) -> str:
            return format_value(value, kind, local, report.currency)

        chart_blocks.append(ChartBlock(title, Markup(chart_svg(chart, title, formatter))))
    sections = [Section(figures_title, tuple(blocks), anchor="figures")]
    if chart_blocks:
        sections.append(Section(charts_title, tuple(chart_blocks), anchor="charts"))  # type: ignore[arg-type]
    for note in report.notes:
        sections[0] = Section(
            sections[0].title, (*sections[0].blocks, Note(note.get(language))), anchor="figures"
        )
    period = report.period
    if report.previous_period:
        period += f" {texts.VS.get(language)} {report.previous_period}"
    return Document(
        language=local.language.value,
        title=report.title.get(language),
        subtitle=period,
        kicker=f"funnelpact · {kicker}",
        summary=(
            Fact(texts.PERIOD.get(language), period),
            Fact(texts.GENERATED.get(language), _instant(report.generated_at, local)),
            Fact(texts.DATA_VERSION.get(language), report.data_version, code=True),
        ),
        sections=tuple(sections),
        running_header=f"{report.title.get(language)} · {period}",
        running_footer="funnelpact",
    )


def _instant(text: str, local: Localizer) -> str:
    try:
        return local.datetime(datetime.fromisoformat(text))
    except ValueError:
        return text


def render_html(report: Report, language: str) -> str:
    document = report_document(report, language)
    template = _environment(Language(document.language)).get_template("report.html.j2")
    return template.render(document=document)


def render_pdf(report: Report, language: str) -> bytes:
    return html_to_pdf(render_html(report, language))


# --- files: CSV, XLSX, JSON ----------------------------------------------------------------------


def render_csv(report: Report, language: str) -> str:
    """One table: a plain CSV. Several: each under a line with its title, a blank line between."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for index, table in enumerate(report.tables):
        if len(report.tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([f"# {table.title.get(language)}"])
        writer.writerow([c.labels.get(language) for c in table.columns])
        for row in table.rows:
            writer.writerow(
                [_word(v, c.kind, language) for c, v in zip(table.columns, row, strict=True)]
            )
    return buffer.getvalue()


def _status_word(value: Value, language: str) -> str:
    """A status in the reader's language (files other than JSON); empty when there is none."""
    return texts.STATUSES[Status(str(value))].get(language) if value else ""


def _word(value: Value, kind: Kind, language: str) -> Value:
    """A cell of a file other than JSON: statuses and sources in the reader's words."""
    if kind is Kind.STATUS:
        return _status_word(value, language)
    if value is None:
        return ""
    if kind is Kind.SOURCE:
        return texts.source_name(str(value), language)
    return value


_XLSX_FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.NUMBER: "#,##0.00",
    Kind.SHARE: "0.0%",
    Kind.HOURS: "#,##0.0",
    Kind.DAYS: "#,##0.0",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, taken: set[str]) -> str:
    name = _SHEET_FORBIDDEN.sub(" ", title)[:31].strip() or "Sheet"
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


def render_xlsx(report: Report, language: str) -> bytes:
    """A workbook: a summary sheet, then one sheet per table with translated column labels."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    taken: set[str] = set()
    summary.title = _sheet_name(report.title.get(language), taken)
    summary.append([report.title.get(language)])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([texts.PERIOD.get(language), report.period])
    summary.append([texts.GENERATED.get(language), report.generated_at])
    summary.append([texts.DATA_VERSION.get(language), report.data_version])
    header_fill = PatternFill("solid", fgColor="1F4E8C")
    money_format = f'#,##0.00 "{report.currency}"'
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_name(table.title.get(language), taken))
        sheet.append([c.labels.get(language) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
        for row in table.rows:
            values: list[Any] = []
            for column, value in zip(table.columns, row, strict=True):
                if column.kind in (Kind.STATUS, Kind.SOURCE) and value:
                    values.append(_word(value, column.kind, language))
                else:
                    values.append(value)
            sheet.append(values)
            excel_row = sheet.max_row
            for index, column in enumerate(table.columns, start=1):
                kind = _cell_kind(table, row, column)
                fmt = money_format if kind is Kind.MONEY else _XLSX_FORMATS.get(kind)
                if fmt:
                    sheet.cell(row=excel_row, column=index).number_format = fmt
        for index, column in enumerate(table.columns, start=1):
            width = max(
                [
                    len(column.labels.get(language)),
                    *(len(str(r[index - 1] or "")) for r in table.rows),
                ]
            )
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
                48, width + 3
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_json(report: Report, language: str) -> dict[str, Any]:
    return {
        "report": report.slug,
        "title": report.title.get(language),
        "period": report.period,
        "previous_period": report.previous_period,
        "generated_at": report.generated_at,
        "data_version": report.data_version,
        "currency": report.currency,
        "tables": [
            {
                "key": table.key,
                "title": table.title.get(language),
                "columns": [
                    {"key": c.key, "label": c.labels.get(language), "kind": c.kind.value}
                    for c in table.columns
                ],
                "rows": [
                    dict(zip([c.key for c in table.columns], row, strict=True))
                    for row in table.rows
                ],
            }
            for table in report.tables
        ],
    }


def render_json(report: Report, language: str) -> str:
    return json.dumps(report_json(report, language), ensure_ascii=False, indent=2) + "\n"


def render(report: Report, output_format: ReportFormat, language: str) -> str | bytes:
    """The report in one format: text for table/html/csv/json, bytes for pdf/xlsx."""
    if output_format is ReportFormat.TABLE:
        return render_terminal(report, language)
    if output_format is ReportFormat.HTML:
        return render_html(report, language)
    if output_format is ReportFormat.PDF:
        return render_pdf(report, language)
    if output_format is ReportFormat.CSV:
        return render_csv(report, language)
    if output_format is ReportFormat.XLSX:
        return render_xlsx(report, language)
    return render_json(report, language)
