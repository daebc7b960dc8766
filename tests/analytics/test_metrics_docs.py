"""docs/metrics.md is generated from the registry and kept current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from funnelpact.analytics.metrics import METRICS

ROOT = Path(__file__).resolve().parents[2]


def test_metrics_page_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_metrics_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_metric_is_documented_in_three_languages() -> None:
    page = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for metric in METRICS:
        assert f"## `{metric.slug}`" in page
        for label in (metric.labels.en, metric.labels.es, metric.labels.it):
            assert label and label in page
