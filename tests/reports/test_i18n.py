"""Reports in Spanish and Italian: every fixed text through the gettext catalogs, Babel formats.

The June fixture's sales side, by hand: 2 of the 3 hand-offs touched within 24 business hours
(66.7 %), 1 of 3 given the cadence (33.3 %), MQL->SQL 1 of 3 (33.3 %) in 19.0 business hours,
3 touches per SQL, acceptance 1 of 2 (50 %); deal a1 is 2,000 EUR.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from openpyxl import load_workbook
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.i18n import LOCALE_DIR
from funnelpact.reports import daily_sales, scorecard
from funnelpact.reports.context import ReportContext
from funnelpact.reports.registry import REPORTS
from funnelpact.reports.render import ReportFormat, render

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "funnelpact"
# Every module whose texts a report prints: the builders and renderers, the metrics' labels,
# the attribution models' names, and the report command.
REPORT_SOURCES = (
    PACKAGE / "reports",
    PACKAGE / "analytics" / "metrics.py",
    PACKAGE / "analytics" / "attribution.py",
    PACKAGE / "cli" / "report.py",
)


def test_italian_scorecard_words_and_formats(june_context: ReportContext) -> None:
    text = render(scorecard.build(june_context, "it"), ReportFormat.TABLE, "it")
    assert text.startswith("Scorecard dello SLA · 2026-06")
    for words in (
        "La parte del marketing",
        "La parte delle vendite",
        "Impegno",
        "Obiettivo",
        "Effettivo",
        "Stato",
        "Campione",
        "MQL consegnati",
        "Passaggi contattati entro 24 ore lavorative",
        "Cadenza rispettata (3 contatti in 14 giorni)",
        "mancato",
        "nessun obiettivo",
    ):
        assert words in text, words
    # Italian percent: no space before the sign, decimal comma; hours with a decimal comma.
    assert "66,7%" in text and "33,3%" in text and "19,0 h" in text
    assert "Hand-offs" not in text and "missed" not in text and "66.7" not in text


def test_spanish_scorecard_words_and_formats(june_context: ReportContext) -> None:
    text = render(scorecard.build(june_context, "es"), ReportFormat.TABLE, "es")
    assert text.startswith("Cuadro de mando del SLA · 2026-06")
    for words in (
        "La parte de marketing",
        "Compromiso",
        "Objetivo",
        "Real",
        "MQL entregados",
        "Cadencia cumplida (3 contactos en 14 días)",
        "incumplido",
        "sin objetivo",
        "Tasa de aceptación",
    ):
        assert words in text, words
    # Spanish percent: a non-breaking space before the sign.
    assert "66,7\xa0%" in text and "50\xa0%" in text and "19,0 h" in text


def test_money_and_dates_follow_the_locale(june_context: ReportContext) -> None:
    italian = render(daily_sales.build(june_context, "it"), ReportFormat.TABLE, "it")
    assert "2026-06 rispetto a 2026-05" in italian
    assert "2.000\xa0€" in italian  # thousands with a dot, the euro after
    assert "Periodo precedente" in italian and "Variazione" in italian
    html = render(scorecard.build(june_context, "it"), ReportFormat.HTML, "it")
    assert "Calcolato il" in html and "15 lug 2026" in html  # Babel's medium date in Italian
    spanish = render(scorecard.build(june_context, "es"), ReportFormat.HTML, "es")
    assert "Calculado el" in spanish and "15 jul 2026" in spanish


def test_csv_and_xlsx_exports_have_italian_labels(june_context: ReportContext) -> None:
    report = scorecard.build(june_context, "it")
    blocks = str(render(report, ReportFormat.CSV, "it")).split("\n\n")
    lines = blocks[1].splitlines()
    assert lines[0] == "# La parte delle vendite"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    first = rows[0]
    assert list(first) == ["Impegno", "Unità", "Obiettivo", "Effettivo", "Stato", "Campione"]
    assert first["Impegno"] == "Passaggi contattati entro 24 ore lavorative"
    assert first["Stato"] == "mancato"  # the status word translated, the numbers raw
    assert first["Effettivo"] == "0.666666667"
    data = render(report, ReportFormat.XLSX, "it")
    assert isinstance(data, bytes)
    workbook = load_workbook(io.BytesIO(data))
    sales = workbook["La parte delle vendite"]
    assert [cell.value for cell in sales[1]][:5] == [
        "Impegno",
        "Unità",
        "Obiettivo",
        "Effettivo",
        "Stato",
    ]
    assert sales["E2"].value == "mancato"


def test_report_list_and_lang_option_in_italian(june_export: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["report", "list", "--lang", "it"])
    assert listed.exit_code == 0, listed.output
    assert "Scorecard dello SLA" in listed.output and "cosa mostra" in listed.output
    result = runner.invoke(
        app,
        ["report", "scorecard", "--data", str(june_export), "--period", "2026-06", "--lang", "it"],
    )
    assert result.exit_code == 0, result.output
    assert "Passaggi contattati entro 24 ore lavorative" in result.output
    unknown = runner.invoke(app, ["report", "list", "--lang", "fr"])
    assert unknown.exit_code != 0
    assert "language 'fr' is not supported" in str(unknown.exception) + unknown.output


def _catalog_tool() -> object:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import compile_messages
    finally:
        sys.path.pop(0)
    return compile_messages


def _report_msgids() -> set[str]:
    tool = _catalog_tool()
    files = [
        path
        for source in REPORT_SOURCES
        for path in (sorted(source.rglob("*")) if source.is_dir() else [source])
        if path.suffix in (".py", ".j2")
    ]
    found: set[str] = set()
    for path in files:
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        options = None if method == "python" else tool.JINJA_OPTIONS  # type: ignore[attr-defined]
        for _line, message, _comments, _context in extract_from_file(
            method,
            path,
            keywords=tool.PYTHON_KEYWORDS,
            options=options,  # type: ignore[attr-defined]
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add(msgid)
    return found


def test_no_report_msgid_is_missing_from_the_catalogs() -> None:
    tool = _catalog_tool()
    found = _report_msgids()
    # The reports' own texts are there: titles, headers, statuses, metric labels, models.
    for msgid in (
        "SLA scorecard",
        "Commitment",
        "missed",
        "Hand-offs touched within %(hours)s business hours",
        "Time between stages, median (hours)",
        "No rows in this period.",
    ):
        assert msgid in found, msgid
    assert len(found) > 100
    for language in ("es", "it"):
        po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
        done = tool.translated(tool.read_catalog(po))  # type: ignore[attr-defined]
        missing = sorted(msgid for msgid in found if msgid not in done)
        assert not missing, f"{po}: no translation for {missing[:10]}"


def test_every_report_title_differs_by_language() -> None:
    for spec in REPORTS:
        assert spec.labels.es and spec.labels.it
        assert spec.description.es != spec.description.en
        assert spec.description.it != spec.description.en


@pytest.mark.parametrize("language", ["es", "it"])
def test_the_compiled_catalogs_are_current(language: str) -> None:
    tool = _catalog_tool()
    po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert tool.stale_mo_problems(po, po.with_suffix(".mo")) == []  # type: ignore[attr-defined]
