"""HubSpot's source codes read as HubSpot names them, in the reader's language, in every format
people read (terminal, HTML, CSV, spreadsheet); JSON keeps the code; other sources as written."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from funnelpact.analytics.metrics import L_
from funnelpact.reports.model import Kind, Report, ReportColumn, ReportTable
from funnelpact.reports.render import (
    render_csv,
    render_html,
    render_json,
    render_terminal,
    render_xlsx,
)
from funnelpact.reports.texts import SOURCES, source_name


def _report() -> Report:
    table = ReportTable(
        "by_source",
        L_("By source"),
        (
            ReportColumn("source", L_("Source"), Kind.SOURCE),
            ReportColumn("n", L_("Total"), Kind.COUNT),
        ),
        (("ORGANIC_SEARCH", 21), ("partner-web", 4), (None, 2)),
    )
    return Report(
        slug="t",
        title=L_("By source"),
        period="2026-11",
        previous_period=None,
        generated_at="2026-11-25T10:00:00+00:00",
        data_version="v1",
        currency="EUR",
        tables=(table,),
    )


def test_every_hubspot_code_has_a_name_in_each_language() -> None:
    for code, labels in SOURCES.items():
        for language in ("en", "es", "it"):
            assert labels.get(language) and labels.get(language) != code
    assert source_name("ORGANIC_SEARCH", "es") == "Búsqueda orgánica"
    assert source_name("ORGANIC_SEARCH", "it") == "Ricerca organica"
    assert source_name("ORGANIC_SEARCH", "en") == "Organic search"
    assert source_name("partner-web", "es") == "partner-web"


def test_people_read_names_files_for_machines_keep_codes() -> None:
    report = _report()
    rows = list(csv.reader(io.StringIO(render_csv(report, "es"))))
    assert [r[0] for r in rows[1:]] == ["Búsqueda orgánica", "partner-web", ""]
    assert "Ricerca organica" in render_terminal(report, "it")
    html = render_html(report, "es")
    assert "Búsqueda orgánica" in html and "ORGANIC_SEARCH" not in html
    book = load_workbook(io.BytesIO(render_xlsx(report, "it")))
    cells = [row[0] for row in book.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert cells[:2] == ["Ricerca organica", "partner-web"]
    document = json.loads(render_json(report, "es"))
    assert "ORGANIC_SEARCH" in json.dumps(document)
    assert "Búsqueda orgánica" not in json.dumps(document, ensure_ascii=False)
