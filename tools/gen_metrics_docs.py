"""Write docs/metrics.md from the metrics registry; `--check` fails if the page is stale.

uv run python tools/gen_metrics_docs.py          # regenerate
uv run python tools/gen_metrics_docs.py --check  # CI: the page matches the registry
"""

from __future__ import annotations

import sys
from pathlib import Path

from funnelpact.analytics.metrics import METRICS, DerivedMetric

PAGE = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"

INTRO = """\
# Metrics

Generated from the registry (`funnelpact.analytics.metrics`) by `tools/gen_metrics_docs.py`:
do not edit by hand. `funnelpact metrics list` shows the same; `funnelpact metrics show SLUG
--period 2026-03 --by source --data DIR` computes one.

How the figures are made:

- **One definition, every backend.** Each metric is one Ibis expression builder over the
  per-contact facts table (one row per contact: first entry into each stage, owner at the
  hand-off, first counting touch, touches in the cadence window, business-clock readings, deals)
  or the per-deal and per-rejection facts. The same expression runs on DuckDB (default), PostgreSQL
  and Spark (`--engine URL` or `FUNNELPACT_ANALYTICS_URL`); a test holds the full scorecard equal
  on the three.
- **Periods** (`2026-10`, `2026-Q3`, `2026-W42`, `2026`, `2026-10-07`, `2026-10-01..2026-10-15`)
  are local dates in the agreement's time zone; their boundaries (local midnights) are turned
  into UTC instants, and every instant in the data is UTC. A row belongs to the period of the
  instant named under "dated by". The `period` breakdown splits a period into days (up to 62
  days) or months.
- **Business time** is B(t2) - B(t1) on the business clock table (working days, hours and
  holidays of the calendar), exact to the second.
- **Percentiles** are exact with linear interpolation (DuckDB `quantile_cont`, PostgreSQL
  `percentile_cont`, Spark `percentile`).
- **Counting touches**: outbound calls, e-mails and meetings by a rep, never automated ones.
- **Previous period**: `--compare` adds the value of the period of equal length just before
  (the previous month for a month, the previous ISO week for a week, the same number of days
  before a range).
- Results are cached per data version (row counts and latest instants of the tables, or the
  store feed's watermarks).

Python API (for reports, dashboards, review):

```python
from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery, scorecard
from funnelpact.analytics.sources import from_directory, from_records
from funnelpact.analytics.store_feed import StoreFeed

engine = AnalyticsEngine(from_directory(path), now=now, timezone="Europe/Madrid")  # url=...
result = engine.run(MetricQuery(metric="cohort_conversion", period="2026-03",
                                by=("source",), within_days=30, compare_previous=True))
result.rows  # MetricRow(keys={"source": "web"}, value=0.5, sample=12, previous=0.4)
engine.run_many([...])  # queries over the same rows share one aggregate
engine.pacing(plan, "mql", "2026-03")  # PacingResult: actual, band, to date, forecast

feed = StoreFeed()  # the store through Django's connection, incremental
engine.load(feed.refresh())  # call every minute: reads only new rows; new version, new facts
```

Sources: `from_records` (canonical records), `from_directory` (a `funnelpact db export`
directory, Parquet or CSV, or canonical `contacts.parquet`, `stage_changes.parquet`...),
`StoreFeed` (the store). Engines: `duckdb://` (default, in memory), `duckdb:///path/file.duckdb`,
`postgresql://...`, `spark://local` (or a Spark master URL; `pip install funnelpact[spark]`).

"""


def render() -> str:
    parts = [INTRO, "| slug | en | es | it | unit |\n|---|---|---|---|---|\n"]
    for metric in METRICS:
        labels = metric.labels
        parts.append(
            f"| `{metric.slug}` | {labels.en} | {labels.es} | {labels.it} | {metric.unit.value} |\n"
        )
    for metric in METRICS:
        parts.append(f"\n## `{metric.slug}`: {metric.labels.en}\n\n{metric.definition}\n\n")
        parts.append(f"- Unit: {metric.unit.value}\n")
        if isinstance(metric, DerivedMetric):
            parts.append(f"- Derived from: {', '.join(f'`{name}`' for name in metric.inputs)}\n")
        else:
            parts.append(f"- Dated by: {metric.dated_text or metric.subject.value}\n")
            parts.append(f"- Rows: {metric.subject.value}\n")
        if metric.parameters:
            parts.append(f"- Parameters: {', '.join(f'`{name}`' for name in metric.parameters)}\n")
        parts.append(f"- Breakdowns: {', '.join(b.value for b in metric.breakdowns)}\n")
        if not isinstance(metric, DerivedMetric) and metric.extra_keys:
            parts.append(f"- Every row also carries: {', '.join(metric.extra_keys)}\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            print(
                f"{PAGE} is stale: run `uv run python tools/gen_metrics_docs.py`", file=sys.stderr
            )
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
