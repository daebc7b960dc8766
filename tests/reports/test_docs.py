"""The docs keep up with the code: every report, every attribution model and conversion."""

from __future__ import annotations

from pathlib import Path

from funnelpact.analytics.attribution import Conversion, Model
from funnelpact.reports.registry import REPORTS
from funnelpact.reports.render import ReportFormat

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_report_and_format_is_documented() -> None:
    text = (DOCS / "reports.md").read_text()
    for spec in REPORTS:
        assert f"| `{spec.slug}` | {spec.labels.en} / {spec.labels.es} / {spec.labels.it} |" in text
    for output_format in ReportFormat:
        assert f"`{output_format.value}`" in text


def test_every_model_and_conversion_is_documented() -> None:
    text = (DOCS / "attribution.md").read_text()
    for item in (*Model, *Conversion):
        assert f"| `{item.value}` |" in text
