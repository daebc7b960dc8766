"""Benchmark: the scorecard through the metrics engine vs the hand-written DuckDB SQL reference.

    uv run python bench/bench_analytics.py --contacts 50000
    uv run python bench/bench_analytics.py --contacts 1000000      # 20 touches per contact
    uv run python bench/bench_analytics.py --contacts 50000 --engine postgresql://... (or spark://local)

Data is generated inside DuckDB (seeded, ~20 touches per contact, a year of 2025). Both sides
run in the same process on the same native tables: the engine builds a contact facts table of
only the columns these metrics read, then one group-by per dating instant and breakdown (month
x source, month x rep); the reference is bench/reference_full_report.sql. The figures of both
are compared. Peak memory is the process's max RSS. `--repeat N` (default 3): the median of N
runs; run 1 builds and compiles the Ibis expressions, later runs replay the SQL kept per process.
`--cache DIR` keeps the generated tables in a DuckDB file per size (DIR/analytics-<contacts>x
<touches>.duckdb) and reuses it on the next run (generating 20M touches takes minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import ibis

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.periods import parse_period
from funnelpact.analytics.sources import TABLE_NAMES, arrow_schema

REFERENCE = Path(__file__).with_name("reference_full_report.sql")
PERIOD = "2025"
NOW = datetime(2026, 1, 15, tzinfo=UTC)
# metric slug -> column of the reference
FIGURES = {
    "contacts_created": "contacts_created",
    "stage_entered": "mqls",
    "cohort_conversion": "cohort_conversion",
    "stage_lag_median_hours": "lag_median_hours",
    "stage_lag_p90_hours": "lag_p90_hours",
    "speed_to_lead_median_business_hours": "stl_median_bh",
    "speed_to_lead_within_sla": "within_sla",
    "cadence_compliance": "cadence",
}
GENERATE = """
CREATE TABLE reps AS SELECT 'r' || i AS rep_id, 'Rep ' || i AS name, 'team' || (i % 5) AS team
FROM range(50) t(i);
CREATE TABLE contacts AS SELECT 'c' || i AS contact_id,
  TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds((hash(i) % 31536000)::BIGINT) AS created_at,
  'r' || (hash(i * 7) % 50) AS owner_id,
  ['organic', 'paid', 'social', 'email', 'referral', 'events'][(1 + hash(i * 3) % 6)::BIGINT]
    AS source,
  'camp' || (hash(i * 5) % 20) AS campaign,
  ['smb', 'mid', 'ent'][(1 + hash(i * 11) % 3)::BIGINT] AS stream,
  '' AS lifecycle_stage
FROM range({n}) t(i);
CREATE TABLE stage_changes AS
WITH m AS (SELECT contact_id, created_at, hash(contact_id) AS h FROM contacts)
SELECT contact_id, 'lead' AS stage, created_at AS entered_at FROM m
UNION ALL SELECT contact_id, 'mql', created_at + to_seconds((h % 864000)::BIGINT)
  FROM m WHERE h % 10 < 4
UNION ALL SELECT contact_id, 'sql',
  created_at + to_seconds((h % 864000 + 3600 + (h >> 8) % 1728000)::BIGINT)
  FROM m WHERE h % 10 < 4 AND (h >> 4) % 10 < 3;
CREATE TABLE owner_changes AS SELECT s.contact_id, c.owner_id,
  s.entered_at - INTERVAL 10 MINUTE AS assigned_at
FROM stage_changes s JOIN contacts c USING (contact_id) WHERE s.stage = 'mql';
CREATE TABLE decisions AS SELECT contact_id, 'accepted' AS decision,
  entered_at + INTERVAL 1 DAY AS decided_at, NULL::VARCHAR AS decided_by, '' AS reason, '' AS note
FROM stage_changes WHERE stage = 'mql';
CREATE TABLE deals AS SELECT 'd' || contact_id AS deal_id, contact_id, NULL::VARCHAR AS owner_id,
  (1000 + hash(contact_id) % 9000)::DOUBLE AS amount, entered_at + INTERVAL 1 DAY AS created_at,
  CASE WHEN hash(contact_id) % 2 = 0 THEN entered_at + INTERVAL 30 DAY END AS closed_at,
  CASE WHEN hash(contact_id) % 2 = 0 THEN hash(contact_id) % 4 = 0 END AS won
FROM stage_changes WHERE stage = 'sql';
"""


# Generated last, straight in the stored types (the largest table is never copied).
TOUCHES = """
CREATE TABLE touches AS SELECT 't' || c.contact_id || '-' || k AS touch_id, c.contact_id,
  ['call', 'email', 'meeting', 'page_view'][(1 + hash(c.contact_id, k) % 4)::BIGINT] AS touch_type,
  c.created_at + (hash(k, c.contact_id) % 5184000)::BIGINT * 1000000 AS occurred_at,
  CASE WHEN hash(c.contact_id, k) % 4 = 3 THEN 'inbound' ELSE 'outbound' END AS direction,
  c.owner_id AS rep_id, hash(k, c.contact_id, 1) % 10 = 0 AS automated,
  NULL::VARCHAR AS subject, NULL::VARCHAR AS campaign, NULL::VARCHAR AS content
FROM contacts c, range({touches}) r(k)
"""


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def generate(raw: duckdb.DuckDBPyConnection, contacts: int, touches: int) -> None:
    raw.execute("SET TimeZone = 'UTC'")
    for statement in GENERATE.format(n=contacts, touches=touches).split(";\n"):
        if statement.strip():
            raw.execute(statement)
    for name in TABLE_NAMES:  # the canonical columns; instants as the engine stores them
        if name == "touches":
            continue
        casts = ", ".join(
            f'{_stored(str(field.type), field.name)} AS "{field.name}"'
            for field in arrow_schema(name)
        )
        raw.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {casts} FROM {name}")
    raw.execute(TOUCHES.format(touches=touches))


def _complete(database: Path) -> bool:
    """A cached file whose generation finished (its marker table is written last)."""
    try:
        with duckdb.connect(str(database), read_only=True) as probe:
            return bool(
                probe.execute(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_name = 'bench_complete'"
                ).fetchone()
                == (1,)
            )
    except duckdb.Error:
        return False


def _stored(arrow_type: str, column: str) -> str:
    if arrow_type.startswith("timestamp"):
        return f'epoch_us("{column}")'  # int64 epoch microseconds (engine.as_epoch_micros)
    if arrow_type == "double":
        return f'CAST("{column}" AS DOUBLE)'
    if arrow_type == "bool":
        return f'CAST("{column}" AS BOOLEAN)'
    return f'CAST("{column}" AS VARCHAR)'


def engine_scorecard(engine: AnalyticsEngine) -> dict[tuple[str, str, str, str], float | None]:
    figures: dict[tuple[str, str, str, str], float | None] = {}
    queries = [
        MetricQuery(metric=slug, period=PERIOD, by=by)
        for by in ((Breakdown.PERIOD, Breakdown.SOURCE), (Breakdown.PERIOD, Breakdown.REP))
        for slug in FIGURES
    ]
    for query, result in zip(queries, engine.run_many(queries), strict=True):
        name = query.by[1].value
        for row in result.rows:
            figures[(query.metric, name, row.keys["period"], row.keys[name])] = row.value
    return figures


def reference(
    raw: duckdb.DuckDBPyConnection, engine: AnalyticsEngine
) -> dict[tuple[str, str, str, str], float | None]:
    months = ", ".join(
        f"('{p.label}', {p.bounds('UTC')[0]}, {p.bounds('UTC')[1]})"
        for p in parse_period(PERIOD).sub_periods()
    )
    sql = REFERENCE.read_text(encoding="utf-8")
    for name, value in (
        (":months", months),
        (":size", str(engine.clock.bucket_seconds)),
        (":sla", str(engine.config.first_touch_sla_seconds)),
        (":b_now", str(engine.business_reading(NOW))),
        (":now", str(int(NOW.timestamp()))),
    ):
        sql = sql.replace(name, value)
    sql = sql.replace("FROM clock", f"FROM {engine.clock.buckets.get_name()}").replace(
        "JOIN clock", f"JOIN {engine.clock.buckets.get_name()}"
    )
    rows = raw.sql(sql).to_arrow_table().to_pylist()
    figures: dict[tuple[str, str, str, str], float | None] = {}
    for row in rows:
        for slug, column in FIGURES.items():
            figures[(slug, row["breakdown"], row["period"], row["key"])] = (
                None if row[column] is None else round(float(row[column]), 9)
            )
    return figures


def compare_engine(con: ibis.BaseBackend, raw: duckdb.DuckDBPyConnection, url: str) -> None:
    """Another backend against DuckDB in the same run: load, first and second scorecard.

    The DuckDB engine and the reference SQL run on the same data right after, so the other
    engine's time is reported as a ratio to figures measured under the same load; its figures
    must equal DuckDB's (the cross-engine test's rule, at benchmark size).
    """
    from funnelpact.analytics.sources import from_arrow

    data = from_arrow(
        # Stored instants (int64 microseconds) become UTC timestamps again in from_arrow.
        {name: raw.sql(f"SELECT * FROM {name}").to_arrow_table() for name in TABLE_NAMES}
    )
    cpu, started = time.process_time(), time.perf_counter()
    other = AnalyticsEngine(data, now=NOW, url=url)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    other_figures = engine_scorecard(other)
    first = time.perf_counter() - started
    started = time.perf_counter()
    other._cache.clear()  # the queries again on the facts already built, not the result cache
    engine_scorecard(other)
    again = time.perf_counter() - started
    print(f"{other.backend}: load {loaded:.2f} s, scorecard {first:.2f} s (facts built on the")
    print(
        f"  first query), the queries again on built facts {again:.2f} s; process CPU "
        f"{time.process_time() - cpu:.1f} s (the backend's own CPU is not counted)"
    )
    tables = {name: con.table(name) for name in TABLE_NAMES}
    started = time.perf_counter()
    duck = AnalyticsEngine(None, tables=tables, version="bench-duckdb", now=NOW, con=con)
    duck_figures = engine_scorecard(duck)
    duck_s = time.perf_counter() - started
    started = time.perf_counter()
    reference(raw, duck)
    reference_s = time.perf_counter() - started
    print(
        f"duckdb engine (first run, same data): {duck_s:.2f} s; reference SQL {reference_s:.2f} s"
    )
    print(
        f"ratio {other.backend}/duckdb engine: scorecard {first / duck_s:.1f}x, "
        f"load + scorecard {(loaded + first) / duck_s:.1f}x; "
        f"{other.backend}/reference: {(loaded + first) / reference_s:.1f}x"
    )
    mismatched = [
        key for key, value in duck_figures.items() if not _same(other_figures.get(key), value)
    ]
    print(
        f"figures compared with duckdb: {len(duck_figures)}, mismatched: {len(mismatched)} "
        f"{mismatched[:5]}"
    )
    print(f"peak memory (this process): {peak_gb():.2f} GB")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def _same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return abs(left - right) <= 1e-6 * max(1.0, abs(right))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--touches", type=int, default=20)
    parser.add_argument("--engine", default="")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument(
        "--cache",
        default="",
        help="a directory: the generated tables are kept there in a DuckDB file per size and "
        "reused by later runs (not with --memory-limit none)",
    )
    parser.add_argument(
        "--memory-limit",
        default="1.5GB",
        help="DuckDB's memory limit; the data lives in a temporary DuckDB file (compressed, "
        "paged by DuckDB's buffer manager) so that 20M touches fit; 'none': all in memory",
    )
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="funnelpact-bench-")
    cached: Path | None = None
    if args.memory_limit == "none":
        con = ibis.duckdb.connect()
    else:
        database = Path(workdir) / "bench.duckdb"
        if args.cache:
            Path(args.cache).mkdir(parents=True, exist_ok=True)
            database = Path(args.cache) / f"analytics-{args.contacts}x{args.touches}.duckdb"
            cached = database
        reuse = cached is not None and cached.exists() and _complete(cached)
        if cached is not None and not reuse:
            cached.unlink(missing_ok=True)  # an interrupted generation starts again
        con = ibis.duckdb.connect(str(database))
        con.con.execute(f"SET memory_limit = '{args.memory_limit}'")
        con.con.execute(f"SET temp_directory = '{workdir}'")
    raw = con.con
    started = time.perf_counter()
    if cached is not None and reuse:
        raw.execute("SET TimeZone = 'UTC'")
        print(f"reused the generated tables of {cached}")
    else:
        generate(raw, args.contacts, args.touches)
        if cached is not None:
            raw.execute("CREATE TABLE bench_complete AS SELECT 1 AS done")
            raw.execute("CHECKPOINT")
        print(
            f"generated {args.contacts} contacts x {args.touches} touches "
            f"in {time.perf_counter() - started:.1f} s"
        )
    if args.engine:
        compare_engine(con, raw, args.engine)
        return
    tables = {name: con.table(name) for name in TABLE_NAMES}
    timings: dict[str, list[float]] = {"engine": [], "reference": []}
    # Process CPU (all of DuckDB's threads): less sensitive than wall time to other
    # processes on a shared machine; the target is on wall time.
    cpu: dict[str, list[float]] = {"engine": [], "reference": []}
    engine_figures: dict[tuple[str, str, str, str], float | None] = {}
    reference_figures: dict[tuple[str, str, str, str], float | None] = {}
    for run in range(max(args.repeat, 1)):
        started, cpu_started = time.perf_counter(), time.process_time()
        engine = AnalyticsEngine(None, tables=tables, version=f"bench-{run}", now=NOW, con=con)
        engine_figures = engine_scorecard(engine)
        timings["engine"].append(time.perf_counter() - started)
        cpu["engine"].append(time.process_time() - cpu_started)
        started, cpu_started = time.perf_counter(), time.process_time()
        reference_figures = reference(raw, engine)
        timings["reference"].append(time.perf_counter() - started)
        cpu["reference"].append(time.process_time() - cpu_started)
    middle = len(timings["engine"]) // 2
    engine_s = sorted(timings["engine"])[middle]
    reference_s = sorted(timings["reference"])[middle]
    engine_cpu = sorted(cpu["engine"])[middle]
    reference_cpu = sorted(cpu["reference"])[middle]
    mismatched = [
        key for key, value in engine_figures.items() if reference_figures.get(key) != value
    ]
    runs = len(timings["engine"])
    print(f"engine (facts + {len(FIGURES) * 2} queries): {engine_s:.2f} s (median of {runs})")
    print(f"reference SQL: {reference_s:.2f} s (median of {runs})")
    print(
        f"first run (nothing compiled yet, clock built): engine {timings['engine'][0]:.2f} s, "
        f"reference {timings['reference'][0]:.2f} s"
    )
    print(f"ratio engine/reference: {engine_s / reference_s:.2f}")
    each = zip(timings["engine"], timings["reference"], strict=True)
    print(
        f"process CPU (median of {runs}): engine {engine_cpu:.2f} s, reference "
        f"{reference_cpu:.2f} s, ratio {engine_cpu / reference_cpu:.2f}; each run's wall "
        f"ratio: {', '.join(f'{e / r:.2f}' for e, r in each)}"
    )
    print(
        f"figures compared: {len(engine_figures)}, mismatched: {len(mismatched)} {mismatched[:5]}"
    )
    print(f"peak memory: {peak_gb():.2f} GB")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
