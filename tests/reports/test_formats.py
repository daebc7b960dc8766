"""Every format of a report, produced and read back: terminal, HTML, PDF, CSV, XLSX, JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pypdfium2
import pytest
from openpyxl import load_workbook

from funnelpact.reports import scorecard, weekly_meeting
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Report
from funnelpact.reports.render import ReportFormat, render


@pytest.fixture(scope="module")
def report(june_context: ReportContext) -> Report:
    return scorecard.build(june_context, "es")


def test_terminal_table_in_spanish(report: Report) -> None:
    text = render(report, ReportFormat.TABLE, "es")
    assert isinstance(text, str)
    assert "Cuadro de mando del SLA" in text
    assert "Traspasos contactados en 24 horas laborables" in text
    assert "66,7\u00a0%" in text  # 2 of 3 hand-offs, the Spanish way (a no-break space)
    assert "incumplido" in text


def test_html_is_self_contained_with_an_svg_chart(report: Report) -> None:
    html = render(report, ReportFormat.HTML, "es")
    assert isinstance(html, str)
    assert '<html lang="es">' in html
    assert "<svg" in html and "<rect" in html
    assert "<script" not in html
    # Nothing fetched: no external URL in a src, href or CSS url().
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "url(http" not in html
    assert 'class="status status-missed"' in html
    assert "66,7\u00a0%" in html


def test_pdf_renders_a_page_with_the_figures(report: Report, tmp_path: Path) -> None:
    pdf = render(report, ReportFormat.PDF, "es")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) >= 1
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "Cuadro de mando del SLA" in text
    assert "Compromiso" in text
    image = page.render(scale=1).to_pil().convert("L")
    # Not blank: the title bar and the table headers are dark pixels.
    assert min(image.getdata()) < 100
    image.save(tmp_path / "page1.png")


def test_xlsx_read_back_with_spanish_column_labels(report: Report) -> None:
    data = render(report, ReportFormat.XLSX, "es")
    assert isinstance(data, bytes)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [
        "Cuadro de mando del SLA",
        "La parte de marketing",
        "La parte de ventas",
    ]
    sales = workbook["La parte de ventas"]
    header = [cell.value for cell in sales[1]]
    assert header == ["Compromiso", "Unidad", "Objetivo", "Real", "Estado", "Muestra"]
    rows = {row[0]: row for row in sales.iter_rows(min_row=2, values_only=True)}
    within = rows["Traspasos contactados en 24 horas laborables"]
    assert within[2] == 1.0 and within[3] == pytest.approx(2 / 3) and within[4] == "incumplido"
    # Numbers stay numbers, shown as percents.
    cell = next(c for c in sales["D"] if c.value == within[3])
    assert cell.number_format == "0.0%"


def test_csv_has_translated_headers_and_raw_numbers(report: Report) -> None:
    text = render(report, ReportFormat.CSV, "es")
    assert isinstance(text, str)
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 2  # marketing, sales
    lines = blocks[1].splitlines()
    assert lines[0] == "# La parte de ventas"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert rows[0]["Compromiso"] == "Traspasos contactados en 24 horas laborables"
    assert float(rows[0]["Real"]) == pytest.approx(2 / 3)


def test_json_keeps_keys_and_numbers(report: Report) -> None:
    data = json.loads(render(report, ReportFormat.JSON, "es"))
    assert data["report"] == "scorecard" and data["period"] == "2026-06"
    sales = next(table for table in data["tables"] if table["key"] == "sales")
    assert sales["columns"][0] == {"key": "commitment", "label": "Compromiso", "kind": "text"}
    acceptance = next(row for row in sales["rows"] if row["commitment"] == "Tasa de aceptación")
    assert acceptance["actual"] == 0.5 and acceptance["status"] == "no_target"


def test_italian_weekly_meeting_html(june_context: ReportContext) -> None:
    report = weekly_meeting.build(june_context, "it")
    html = render(report, ReportFormat.HTML, "it")
    assert isinstance(html, str)
    assert "Riunione settimanale di smarketing" in html and "Rifiuti per motivo" in html
