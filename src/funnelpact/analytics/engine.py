"""Typed query runners over the metrics registry: a `MetricQuery` in, a `MetricResult` out.

    engine = AnalyticsEngine(from_directory(Path("export")), now=now, timezone="Europe/Madrid")
    result = engine.run(MetricQuery(metric="cohort_conversion", period="2026-03", by=("source",)))

The engine loads the data into one backend (DuckDB in memory by default; `url` or
FUNNELPACT_ANALYTICS_URL: `postgresql://...` or `spark://local`), builds the business clock and
the facts tables once per data version (materialised on the backend), then runs one filter +
group-by per query. Results are cached by (data version, query): a page view does not recompute
history. Periods are local dates of `timezone` turned into UTC instants (see `periods`).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.operations as ops
import pyarrow as pa
import pyarrow.compute as pc
from ibis.expr.types import Table
from pydantic import BaseModel, ConfigDict, Field

from funnelpact.analytics.clock import BusinessClock, business_clock
from funnelpact.analytics.facts import (
    Facts,
    FactsConfig,
    build_contact_facts,
    dependent_facts,
    seconds,
)
from funnelpact.analytics.metrics import (
    REGISTRY,
    Breakdown,
    DerivedMetric,
    Metric,
    Scope,
    Subject,
    Unit,
)
from funnelpact.analytics.periods import Period, parse_period
from funnelpact.analytics.sources import TABLE_NAMES, AnalyticsData, arrow_schema
from funnelpact.analytics.store_feed import FeedChange
from funnelpact.domain.calendar import BusinessCalendar, CalendarSpec
from funnelpact.domain.planning import Target
from funnelpact.errors import FunnelpactError, InputError

ENGINE_ENV: Final = "FUNNELPACT_ANALYTICS_URL"
DIGITS: Final = 9  # results are rounded so that every engine shows the same figures
CACHE_SIZE: Final = 1024


class AnalyticsError(FunnelpactError):
    """The analytics engine cannot run (bad engine URL, unreachable backend)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricQuery(_Frozen):
    metric: str
    period: str = Field(description="2026-10, 2026-Q3, 2026-W42, 2026, or 2026-10-01..2026-10-15")
    by: tuple[Breakdown, ...] = ()
    from_stage: str | None = None
    to_stage: str | None = None
    stage: str | None = None
    within_days: int = Field(default=30, ge=0)
    compare_previous: bool = False
    # Only the rows whose dimension equals the value (a rep's own leads, a team, a source...).
    where: tuple[tuple[Breakdown, str], ...] = ()
    # A distribution instead of the figure: the metric's per-row value (a percentile metric's)
    # counted in buckets; each bound is the exclusive upper end of a bucket, rows keyed
    # `bucket` = "<bound" or ">=last bound".
    buckets: tuple[float, ...] = ()


class MetricRow(_Frozen):
    keys: dict[str, str]
    value: float | None
    sample: int
    previous: float | None = None


# The fields every MetricRow built by the engine sets: one set shared by all of them
# (pydantic copies it on model_copy).
_ROW_FIELDS: Final = {"keys", "value", "sample", "previous"}


class MetricResult(_Frozen):
    metric: str
    unit: Unit
    period: str
    previous_period: str | None
    by: tuple[Breakdown, ...]
    rows: tuple[MetricRow, ...]
    data_version: str

    def total(self) -> float | None:
        """The value of the single row of a query without breakdowns."""
        return self.rows[0].value if len(self.rows) == 1 and not self.rows[0].keys else None


class PacingResult(_Frozen):
    stage: str
    period: str
    actual: int
    expected: Decimal
    low: Decimal
    high: Decimal
    expected_to_date: Decimal  # pro-rated to the whole days already over
    low_to_date: Decimal
    high_to_date: Decimal
    status: str  # below, on_plan, above the band to date
    elapsed_share: float
    forecast: float  # at the current pace, for the whole period


def connect(url: str | None = None) -> Any:
    """An Ibis backend: DuckDB in memory (default), `postgresql://...`, or `spark://local`."""
    url = url or os.environ.get(ENGINE_ENV) or "duckdb://"
    try:
        if url.startswith("duckdb:"):
            return ibis.duckdb.connect(url.removeprefix("duckdb://") or ":memory:")
        if url.startswith(("postgresql://", "postgres://")):
            return ibis.connect(url.replace("postgres://", "postgresql://", 1))
        if url.startswith("spark://"):
            from pyspark.sql import SparkSession  # optional extra: funnelpact[spark]

            rest = url.removeprefix("spark://")
            # spark://local runs Spark in this process; spark://host:7077 is a cluster's master.
            master = "local[2]" if rest in ("", "local") else url
            warehouse = tempfile.mkdtemp(prefix="funnelpact-spark-")
            session = (
                SparkSession.builder.master(master)
                .appName("funnelpact")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.warehouse.dir", warehouse)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .getOrCreate()
            )
            return ibis.pyspark.connect(session)
    except ImportError as exc:
        raise AnalyticsError(f"engine {url!r}: a library is missing ({exc})") from exc
    except Exception as exc:  # backends raise their own types; the user needs the URL and why
        raise AnalyticsError(f"engine {url!r}: cannot connect ({exc})") from exc
    raise AnalyticsError(
        f"engine {url!r} is not supported; use duckdb://, postgresql://... or spark://local"
    )


_COMPILED: OrderedDict[tuple[int, Any], str] = OrderedDict()


def _compiled(con: Any, expression: Table) -> str:
    """The SQL of an expression, compiled once per process (Ibis compiles in 0.5-1 s what
    DuckDB runs in 0.2 s at 50k contacts)."""
    key = (id(con), expression.op())  # operations compare by structure
    sql = _COMPILED.get(key)
    if sql is None:
        sql = _COMPILED[key] = str(con.compile(expression))
        if len(_COMPILED) > 512:
            _COMPILED.popitem(last=False)
    return sql


# Per process, keyed by connection, table names and schemas (never by data): the facts
# tables' CREATE statements, the facts schema, the columns each metric reads, and the SQL of
# each batched aggregate. Building and compiling Ibis expressions costs more than DuckDB's
# run at 50k contacts; a refresh (new data, same tables) replays the SQL.
_PLANS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _remember(key: tuple[Any, ...], value: Any) -> Any:
    _PLANS[key] = value
    if len(_PLANS) > 512:
        _PLANS.popitem(last=False)
    return value


_CLOCKS: dict[tuple[str, datetime, datetime], BusinessClock] = {}


def _clock_of(calendar: BusinessCalendar, start: datetime, end: datetime) -> BusinessClock:
    """The clock table is built in Python (zoneinfo, holidays): build each range once."""
    key = (calendar.spec.model_dump_json(), start, end)
    if key not in _CLOCKS:
        _CLOCKS.clear()  # one range at a time is what a process needs; memory stays flat
        _CLOCKS[key] = business_clock(calendar, start, end)
    return _CLOCKS[key]


def as_epoch_micros(table: pa.Table) -> pa.Table:
    """Instants as int64 epoch microseconds: integers mean the same on every engine."""
    columns = [
        pc.cast(column, pa.int64()) if pa.types.is_timestamp(column.type) else column
        for column in table.columns
    ]
    return pa.table(columns, names=table.column_names)


# Stand-ins compiled into kept SQL templates, replaced by the query's values when run.
_SENTINELS: Final = {
    "start": 987654320001,
    "end": 987654320002,
    "now": 987654320003,
    "b_now": 987654320004,
}


def _template(
    scope: Scope, where: tuple[tuple[Breakdown, str], ...]
) -> tuple[Scope, tuple[tuple[Breakdown, str], ...]]:
    return (
        replace(
            scope,
            start=_SENTINELS["start"],
            end=_SENTINELS["end"],
            now=_SENTINELS["now"],
            b_now=_SENTINELS["b_now"],
        ),
        tuple((dimension, f"__fp_w{index}__") for index, (dimension, _) in enumerate(where)),
    )


def _fill(sql: str, scope: Scope, where: tuple[tuple[Breakdown, str], ...]) -> str:
    for name, sentinel in _SENTINELS.items():
        sql = re.sub(rf"\b{sentinel}\b", str(int(getattr(scope, name))), sql)
    for index, (_, value) in enumerate(where):
        sql = sql.replace(f"'__fp_w{index}__'", "'" + value.replace("'", "''") + "'")
    return sql


def _or_empty(table: pa.Table | None, name: str) -> pa.Table:
    return table if table is not None else arrow_schema(name).empty_table()


def _backend_name(con: Any) -> str:
    return str(getattr(con, "name", "duckdb"))


class AnalyticsEngine:
    """Facts built once per data version on one backend; typed queries with a result cache."""

    def __init__(
        self,
        data: AnalyticsData | None,
        *,
        tables: Mapping[str, Table] | None = None,
        version: str = "",
        now: datetime,
        timezone: str = "UTC",
        calendar: BusinessCalendar | None = None,
        config: FactsConfig | None = None,
        url: str | None = None,
        con: Any = None,
        incremental: bool = False,
    ) -> None:
        if now.tzinfo is None:
            raise InputError("analytics: `now` must be an aware instant")
        self.con = con if con is not None else connect(url)
        self.backend = _backend_name(self.con)
        self.now = now
        self.timezone = timezone
        self.calendar = calendar or BusinessCalendar(CalendarSpec(timezone=timezone))
        self.config = config or FactsConfig()
        # Facts keep `contact_id` so that `refresh(data, change)` can replace the rows of the
        # contacts a change touched instead of rebuilding them (DuckDB only).
        self.incremental = incremental
        # One DuckDB connection is not for concurrent use: callers sharing an engine between
        # threads (the web dashboard) hold this lock around runs and refreshes.
        self.lock = threading.RLock()
        self.last_refresh: dict[str, Any] = {}
        # Table names stable per connection: rebuilding the facts on a refresh gives the same
        # Ibis expression, compiled once per process (`_COMPILED`). One engine per connection.
        self._prefix = f"fp_{os.getpid()}_{id(self.con) % 100000}"
        self._cache: OrderedDict[tuple[str, MetricQuery], MetricResult] = OrderedDict()
        self._recording: list[tuple[str, str]] | None = None  # CREATE statements, see _PLANS
        self.data_version = ""
        if data is not None:
            self.load(data)
        elif tables is not None:
            # Tables already on the backend (e.g. a DuckDB file, or the bench's generated data).
            self._build(dict(tables), version or "tables")
        else:
            raise InputError("analytics: give the data or the backend's tables")

    # -- loading -------------------------------------------------------------------------

    def _table_name(self, name: str) -> str:
        return f"{self._prefix}_{name}"

    def load(self, data: AnalyticsData) -> None:
        """Replace the data (a new version): load tables, the clock and the facts."""
        if data.version == self.data_version:
            return
        tables: dict[str, Table] = {}
        for name in TABLE_NAMES:
            tables[name] = self._put(self._table_name(name), data.tables[name])
        self._build(tables, data.version)

    def _build(self, tables: dict[str, Table], version: str) -> None:
        self._tables = tables
        self.clock = self._clock(tables)
        # The facts are built when first read: the full tables for `facts`, or only the
        # contact-facts columns a batch of queries needs (`_contact_facts`).
        self._full_facts: Facts | None = None
        self._partial: tuple[frozenset[str], Table] | None = None
        self._probe: Table | None = None
        self.data_version = version
        self._b_now = self.business_reading(self.now)

    def set_now(self, now: datetime) -> None:
        """Move the engine's `now` (SLA windows still open, pacing to date): cached results
        are dropped; outside the clock's range the clock and facts are built again."""
        if now.tzinfo is None:
            raise InputError("analytics: `now` must be an aware instant")
        with self.lock:
            if now == self.now:
                return
            self.now = now
            self._cache.clear()
            second = int(now.timestamp())
            if second + 86400 > self.clock.last_second or second < self.clock.first_second:
                self._build(self._tables, self.data_version)
            else:
                self._b_now = self.business_reading(now)

    def refresh(self, data: AnalyticsData, change: FeedChange | None = None) -> str:
        """Bring the engine to `data`: "unchanged", "incremental" (the rows of `change` put in
        the tables, the facts of the contacts it touched recomputed and replaced) or "full"
        (everything loaded again: no usable change, not DuckDB, not `incremental`, or the
        reps or the clock's range changed). The time each step took is in `last_refresh`."""
        with self.lock:
            started = time.perf_counter()
            if data.version == self.data_version:
                self.last_refresh = {"kind": "unchanged", "seconds": 0.0}
                return "unchanged"
            kind = "full"
            if (
                change is not None
                and not change.full
                and change.base == self.data_version
                and change.version == data.version
                and self.backend == "duckdb"
                and self.incremental
            ):
                kind = self._apply(change)
            if kind == "full":
                self.load(data)
            self._cache.clear()
            self.last_refresh = {
                "kind": kind,
                "seconds": round(time.perf_counter() - started, 4),
                "rows": {
                    name: t.num_rows for name, t in (change.appended if change else {}).items()
                },
            }
            return kind

    def _register(self, name: str, table: pa.Table) -> str:
        """An Arrow table as a DuckDB temp table of this engine (replaced if there)."""
        full = self._table_name(name)
        raw = self.con.con
        raw.register("__fp_arrow", as_epoch_micros(table))
        try:
            raw.execute(f'CREATE OR REPLACE TEMP TABLE "{full}" AS SELECT * FROM __fp_arrow')
        finally:
            raw.unregister("__fp_arrow")
        return full

    def _apply(self, change: FeedChange) -> str:
        """The incremental path of `refresh` (DuckDB): "incremental", or "full" if it cannot."""
        raw = self.con.con
        # Reps: a team change moves every contact of the rep; rare, so a full load.
        staged_reps = self._register("reps_new", _or_empty(change.reps, "reps"))
        reps = f'"{self._table_name("reps")}"'
        differs = raw.execute(
            f'SELECT count(*) FROM ((SELECT * FROM "{staged_reps}" EXCEPT SELECT * FROM {reps}) '
            f'UNION ALL (SELECT * FROM {reps} EXCEPT SELECT * FROM "{staged_reps}"))'
        ).fetchall()[0]
        if differs is None or differs[0]:
            return "full"
        # The clock must cover the new stage entries and now (its readings start at its
        # first hour: a new clock means new facts).
        entries = change.appended.get("stage_changes")
        if entries is not None and entries.num_rows:
            stamps = pc.cast(entries.column("entered_at"), pa.int64())
            low = int(pc.min(stamps).as_py()) // 1_000_000
            high = int(pc.max(stamps).as_py()) // 1_000_000
            if not self.clock.covers(low, high + 86400):
                return "full"
        if not self.clock.covers(int(self.now.timestamp()), int(self.now.timestamp()) + 86400):
            return "full"
        touched = change.touched()
        # Deals are read in full: the contacts of the deals that differ are touched.
        staged_deals = self._register("deals_new", _or_empty(change.deals, "deals"))
        deals = f'"{self._table_name("deals")}"'
        moved = raw.execute(
            f'SELECT DISTINCT contact_id FROM ((SELECT * FROM "{staged_deals}" EXCEPT '
            f"SELECT * FROM {deals}) UNION ALL (SELECT * FROM {deals} EXCEPT "
            f'SELECT * FROM "{staged_deals}")) WHERE contact_id IS NOT NULL'
        ).fetchall()
        touched |= {str(row[0]) for row in moved}
        raw.execute(f'CREATE OR REPLACE TEMP TABLE {deals} AS SELECT * FROM "{staged_deals}"')
        for name, rows in change.appended.items():
            staged = self._register("append", rows)
            raw.execute(f'INSERT INTO "{self._table_name(name)}" BY NAME SELECT * FROM "{staged}"')
        contacts = f'"{self._table_name("contacts")}"'
        replaced = self._register(
            "touched", pa.table({"contact_id": pa.array(sorted(touched), pa.string())})
        )
        if change.contacts is not None or change.removed:
            leaving = set(change.removed)
            if change.contacts is not None:
                leaving |= {str(v) for v in change.contacts.column("contact_id").to_pylist()}
            gone = self._register(
                "leaving", pa.table({"contact_id": pa.array(sorted(leaving), pa.string())})
            )
            raw.execute(
                f'DELETE FROM {contacts} WHERE contact_id IN (SELECT contact_id FROM "{gone}")'
            )
            if change.contacts is not None and change.contacts.num_rows:
                staged = self._register("append", change.contacts)
                raw.execute(f'INSERT INTO {contacts} BY NAME SELECT * FROM "{staged}"')
        self.data_version = change.version
        self._b_now = self.business_reading(self.now)
        if touched:
            self._replace_facts(self.con.table(replaced))
        return "incremental"

    def prepare_refresh(self) -> None:
        """Compile the incremental refresh's SQL now (an empty change), not on the first
        refresh a visitor waits for."""
        with self.lock:
            if self.backend != "duckdb" or not self.incremental:
                return
            touched = self._register("touched", pa.table({"contact_id": pa.array([], pa.string())}))
            self._replace_facts(self.con.table(touched))

    def _replace_facts(self, touched: Table) -> None:
        """Delete the facts rows of the `touched` contacts and insert them recomputed from
        their rows only (the same expression as the full build, over a semi-join)."""
        raw = self.con.con
        if self._full_facts is not None:
            table, columns = self._full_facts.contacts, None
        elif self._partial is not None:
            table, columns = self._partial[1], self._partial[0]
        else:
            return  # nothing built yet: built from the new tables when first read
        if "contact_id" not in table.columns:
            self._full_facts, self._partial = None, None  # cannot replace rows: rebuilt
            return
        subset = {
            name: (
                t.semi_join(touched, t.contact_id == touched.contact_id)
                if name not in ("reps",)
                else t
            )
            for name, t in self._tables.items()
        }
        recomputed = build_contact_facts(subset, self.config, self.clock, None, columns=columns)
        name = table.get_name()
        raw.execute(
            f'DELETE FROM "{name}" WHERE contact_id IN '
            f'(SELECT contact_id FROM "{touched.get_name()}")'
        )
        raw.execute(f'INSERT INTO "{name}" BY NAME {_compiled(self.con, recomputed)}')
        if self._full_facts is not None:
            contacts = self._full_facts.contacts
            deal_facts, rejections = dependent_facts(self._tables, contacts)
            self._full_facts = Facts(
                contacts=contacts,
                deals=self._materialise("deal_facts", deal_facts),
                rejections=self._materialise("rejection_facts", rejections),
            )

    @property
    def tables(self) -> dict[str, Table]:
        """The canonical tables on this engine's connection, by name (read-only use)."""
        return self._tables

    @property
    def facts(self) -> Facts:
        """The three facts tables with every column (materialised on first use)."""
        if self._full_facts is None:
            contacts = self._materialise(
                "facts",
                build_contact_facts(self._tables, self.config, self.clock, self._materialise),
            )
            deals, rejections = dependent_facts(self._tables, contacts)
            self._full_facts = Facts(
                contacts=contacts,
                deals=self._materialise("deal_facts", deals),
                rejections=self._materialise("rejection_facts", rejections),
            )
            self._partial = None
        return self._full_facts

    def _data_key(self) -> tuple[Any, ...]:
        """What the facts' SQL depends on: the connection, the tables (names and schemas),
        the agreement's funnel and the clock table; not the rows."""
        return (
            id(self.con),
            self._prefix,
            tuple((name, table.op()) for name, table in sorted(self._tables.items())),
            self.config,
            self.clock.bucket_seconds,
            self.clock.buckets.op(),
        )

    def _facts_probe(self) -> Table:
        """An unbound table with the full contact facts' schema: a metric's expression over it
        names the columns the metric reads."""
        if self._probe is None:
            key = ("probe", self._data_key())
            schema = _PLANS.get(key)
            if schema is None:
                full = build_contact_facts(self._tables, self.config, self.clock)
                schema = _remember(key, full.schema())
            self._probe = ibis.table(schema, name="__fp_facts_probe")
        return self._probe

    def _columns_read(
        self,
        metric: Metric,
        scope: Scope,
        by: tuple[Breakdown, ...],
        where: tuple[tuple[Breakdown, str], ...] = (),
    ) -> frozenset[str]:
        probe = self._facts_probe()
        key = ("columns", probe.op(), metric.slug, scope, by, tuple(b for b, _ in where))
        known: frozenset[str] | None = _PLANS.get(key)
        if known is not None:
            return known
        names = {self._dated_column(metric, scope), *metric.extra_keys}
        names |= {b.value for b in by if b is not Breakdown.PERIOD}
        names |= {b.value for b, _ in where}
        if self.incremental:
            names.add("contact_id")
        for value in metric.measure(probe, scope).values():
            names |= {field.name for field in value.op().find(ops.Field) if field.rel == probe.op()}
        result: frozenset[str] = _remember(key, frozenset(names))
        return result

    def _dated_column(self, metric: Metric, scope: Scope) -> str:
        """The facts column that dates the metric's rows. `handoff_at` is by construction
        the hand-off stage's first entry (`mql_at`): metrics dated by either share one
        aggregate in `run_many` (one scan and group-by instead of two)."""
        column = metric.dated_by(scope)
        if metric.subject is Subject.CONTACTS and column == "handoff_at":
            return f"{self.config.handoff_stage}_at"
        return column

    def _contact_facts(self, columns: frozenset[str]) -> Table:
        """Contact facts holding at least `columns`: the full table if built, else a table of
        only the needed columns (rebuilt with the union when a query needs more)."""
        if self._full_facts is not None:
            return self._full_facts.contacts
        if self._partial is not None and columns <= self._partial[0]:
            return self._partial[1]
        if self._partial is not None:
            columns |= self._partial[0]
        key = ("partial", self._data_key(), columns)
        plan: tuple[tuple[str, str], ...] | None = _PLANS.get(key)
        if plan is not None and self.backend == "duckdb":
            for name, sql in plan:
                self.con.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
            table = self.con.table(plan[-1][0])
        else:
            self._recording = []
            try:
                table = self._materialise(
                    "facts_partial",
                    build_contact_facts(
                        self._tables, self.config, self.clock, self._materialise, columns=columns
                    ),
                )
                if self.backend == "duckdb":
                    _remember(key, tuple(self._recording))
            finally:
                self._recording = None
        self._partial = (columns, table)
        return table

    def _subject_table(
        self,
        metric: Metric,
        scope: Scope,
        by: tuple[Breakdown, ...],
        where: tuple[tuple[Breakdown, str], ...] = (),
    ) -> Table:
        if metric.subject is Subject.CONTACTS:
            return self._contact_facts(self._columns_read(metric, scope, by, where))
        table: Table = getattr(self.facts, metric.subject.value)
        return table

    def _put(self, name: str, table: pa.Table) -> Table:
        return self._create(name, as_epoch_micros(table))

    def _materialise(self, name: str, expression: Table) -> Table:
        return self._create(self._table_name(name), expression)

    def _create(self, name: str, obj: Any) -> Table:
        # Temporary on PostgreSQL (gone with the session); DuckDB is in memory already and
        # Spark's tables live in a throw-away warehouse directory.
        temp = self.backend == "postgres"
        if self.backend == "duckdb" and isinstance(obj, pa.Table):
            # Ibis 12 + this sqlglot fail on DuckDB's in-memory create; DuckDB reads Arrow as is.
            raw = self.con.con
            raw.register("__fp_arrow", obj)
            try:
                raw.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM __fp_arrow')
            finally:
                raw.unregister("__fp_arrow")
            return self.con.table(name)
        if self.backend == "duckdb":
            sql = _compiled(self.con, obj)
            if self._recording is not None:
                self._recording.append((name, sql))
            # TEMP: with a DuckDB file (duckdb:///path) the facts stay in memory (spilling to
            # the temp directory past the memory limit), never written compressed to the file.
            self.con.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
            return self.con.table(name)
        # Ibis 12's `overwrite=True` emits a DROP without a name with this sqlglot: drop here.
        quote = "`" if self.backend == "pyspark" else '"'
        self.con.raw_sql(f"DROP TABLE IF EXISTS {quote}{name}{quote}")
        return self.con.create_table(name, obj, temp=temp)

    def _clock(self, tables: Mapping[str, Table]) -> BusinessClock:
        instants: list[datetime] = [self.now]
        # Business time is read at stage entries and at first touches after a hand-off, which
        # come before `now`: the stage changes' range, `now` and a month's margin cover them
        # (no scan of the touches, the largest table).
        for name, column in (("stage_changes", "entered_at"),):
            values = seconds(tables[name][column])
            bounds = self.con.to_pyarrow(
                tables[name].aggregate(low=values.min(), high=values.max())
            ).to_pylist()[0]
            instants += [
                datetime.fromtimestamp(int(v), UTC)
                for v in (bounds["low"], bounds["high"])
                if v is not None
            ]
        first, last = min(instants), max(instants)
        # A day of margin each side, and room for the periods a dashboard asks about.
        start = (first - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
        end = (last + timedelta(days=31)).replace(hour=0, minute=0, second=0, microsecond=0)
        memory = _clock_of(self.calendar, start, end)
        buckets = memory.buckets.to_pyarrow()
        return replace(memory, buckets=self._put(self._table_name("clock"), buckets))

    def business_reading(self, instant: datetime) -> int:
        """B(instant): business seconds on the clock, computed in Python from the same table."""
        t = int(instant.timestamp())
        size = self.clock.bucket_seconds
        start = t - t % size
        start = min(max(start, self.clock.first_second), self.clock.last_second - size)
        row = self.con.to_pyarrow(
            self.clock.buckets.filter(self.clock.buckets.bucket_start == start)
        ).to_pylist()
        if not row:
            return 0
        return int(row[0]["cum_bsec"]) + int(row[0]["is_open"]) * (t - start)

    # -- queries -------------------------------------------------------------------------

    def _scope(self, query: MetricQuery, period: Period) -> Scope:
        start, end = period.bounds(self.timezone)
        config = self.config
        stages = config.stages
        chosen = {
            "from_stage": query.from_stage or config.handoff_stage,
            "to_stage": query.to_stage or config.sql_stage,
            "stage": query.stage or config.handoff_stage,
        }
        for parameter, stage in chosen.items():
            if stage not in stages:
                raise InputError(
                    f"metric {query.metric}: {parameter} {stage!r} is not a stage "
                    f"(stages: {', '.join(stages)})"
                )
        now_s = int(self.now.timestamp())
        return Scope(
            start=start,
            end=end,
            now=now_s,
            b_now=self._b_now,
            config=config,
            within_days=query.within_days,
            **chosen,
        )

    def _batch_expression(
        self,
        members: list[tuple[MetricQuery, Metric, Scope, Period]],
        table: Table,
        column: str,
        scope: Scope,
        period: Period,
        by: tuple[Breakdown, ...],
        where: tuple[tuple[Breakdown, str], ...],
        extra: tuple[str, ...],
    ) -> tuple[Table, list[str]]:
        """One grouped aggregate of every member metric's measures (``m<index>_<name>``), and
        its group keys."""
        rows = self._rows(table, column, scope, period, by, where)
        keys = [b.value for b in by if b is not Breakdown.PERIOD] + list(extra)
        if Breakdown.PERIOD in by:
            keys = ["period", *keys]
        measures: dict[str, Any] = {}
        for index, (_, metric, _, _) in enumerate(members):
            for name, value in metric.measure(rows, scope).items():
                measures[f"m{index}_{name}"] = value
        expression = (
            rows.group_by(keys).aggregate(**measures) if keys else rows.aggregate(**measures)
        )
        return expression, keys

    def _rows(
        self,
        table: Table,
        column: str,
        scope: Scope,
        period: Period,
        by: tuple[Breakdown, ...],
        where: tuple[tuple[Breakdown, str], ...] = (),
    ) -> Table:
        """The rows dated in the period (and of the `where` dimensions), with `period` (the
        sub-period's label) if asked."""
        dated = table[column]
        condition = dated.notnull() & (dated >= scope.start) & (dated < scope.end)
        for dimension, value in where:
            condition &= table[dimension.value] == value
        rows = table.filter(condition)
        if Breakdown.PERIOD in by:
            # A CASE over the sub-periods' bounds (a projection, no range join): sorted bounds,
            # so the first `<` that holds names the bucket.
            bounds = [(p.label, p.bounds(self.timezone)[1]) for p in period.sub_periods()]
            label = ibis.cases(*((rows[column] < end, name) for name, end in bounds), else_="")
            rows = rows.mutate(period=label)
        return rows

    def expression(
        self,
        metric: Metric,
        scope: Scope,
        period: Period,
        by: tuple[Breakdown, ...],
        where: tuple[tuple[Breakdown, str], ...] = (),
        buckets: tuple[float, ...] = (),
    ) -> Table:
        """The metric's Ibis expression for a period and breakdowns (not executed)."""
        table = self._subject_table(metric, scope, by, where)
        rows = self._rows(table, self._dated_column(metric, scope), scope, period, by, where)
        keys = [b.value for b in by if b is not Breakdown.PERIOD] + list(metric.extra_keys)
        if Breakdown.PERIOD in by:
            keys = ["period", *keys]
        measures = metric.measure(rows, scope)
        if buckets:
            rows, measures = self._distribution(metric, rows, measures, buckets)
            keys = [*keys, "bucket"]
        if keys:
            return rows.group_by(keys).aggregate(**measures)
        return rows.aggregate(**measures)

    @staticmethod
    def _distribution(
        metric: Metric, rows: Table, measures: dict[str, Any], buckets: tuple[float, ...]
    ) -> tuple[Table, dict[str, Any]]:
        """The rows with a `bucket` label of the metric's per-row value, and a count each."""
        operation = measures["value"].op()
        if not isinstance(operation, ops.Quantile):
            raise InputError(f"metric {metric.slug} has no per-row value to distribute")
        value = operation.arg.to_expr()
        bounds = sorted(buckets)
        label = ibis.cases(
            *((value < bound, f"<{bound:g}") for bound in bounds), else_=f">={bounds[-1]:g}"
        )
        rows = rows.mutate(bucket=label, fp_has_value=value.notnull())
        rows = rows.filter(rows.fp_has_value)
        return rows, {"value": rows.count().cast("float64"), "sample": rows.count()}

    def run_many(self, queries: list[MetricQuery]) -> list[MetricResult]:
        """Several queries at once: those over the same rows (facts table, dating instant,
        period, breakdowns) share one aggregate, i.e. one scan and one group-by."""
        groups: dict[tuple[Any, ...], list[tuple[MetricQuery, Metric, Scope, Period]]] = {}
        # One contact facts table with every column the batch reads, built once.
        needed: frozenset[str] = frozenset()
        for query in queries:
            metric = REGISTRY.get(query.metric)
            if (
                not isinstance(metric, Metric)
                or (self.data_version, query) in self._cache
                or any(b not in metric.breakdowns for b in query.by)
                or any(b not in metric.breakdowns for b, _ in query.where)
            ):
                continue
            period = parse_period(query.period)
            scope = self._scope(query, period)
            if metric.subject is Subject.CONTACTS and self._full_facts is None:
                needed |= self._columns_read(metric, scope, query.by, query.where)
            if query.compare_previous or query.buckets:
                continue  # run() below does it alone
            key = (
                metric.subject,
                self._dated_column(metric, scope),
                period,
                query.by,
                query.where,
                metric.extra_keys,
                scope,
            )
            groups.setdefault(key, []).append((query, metric, scope, period))
        if needed and self._full_facts is None:
            self._contact_facts(needed)
        for (_, column, period, by, where, extra, scope), members in groups.items():
            if len(members) == 1:
                continue  # run() below does it alone
            table = self._subject_table(members[0][1], scope, by, where)
            t_scope, t_where = _template(scope, where)
            batch_key = (
                "batch",
                id(self.con),
                table.op(),
                column,
                period if Breakdown.PERIOD in by else None,
                by,
                tuple(b for b, _ in where),
                extra,
                t_scope,
                tuple(metric.slug for _, metric, _, _ in members),
            )
            known: tuple[str, list[str]] | None = _PLANS.get(batch_key)
            columns: dict[str, list[Any]]
            if self.backend == "duckdb":
                if known is None:
                    template, keys = self._batch_expression(
                        members, table, column, t_scope, period, by, t_where, extra
                    )
                    known = _remember(batch_key, (str(self.con.compile(template)), keys))
                sql, keys = known
                columns = self.con.con.sql(_fill(sql, scope, where)).to_arrow_table().to_pydict()
            else:
                expression, keys = self._batch_expression(
                    members, table, column, scope, period, by, where, extra
                )
                columns = self._fetch(expression)
            for index, (query, metric, _, _) in enumerate(members):
                rows = self._to_rows(columns, keys, f"m{index}_value", f"m{index}_sample")
                self._store(query, metric, rows, None)
        return [self.run(query) for query in queries]

    def _execute(self, query: MetricQuery, period: Period) -> list[MetricRow]:
        metric = REGISTRY[query.metric]
        if isinstance(metric, DerivedMetric):
            return self._derived(metric, query, period)
        scope = self._scope(query, period)
        if self.backend == "duckdb":
            # The SQL is compiled once per shape: `now`, the period's bounds and the `where`
            # values are written into a kept template (compiling costs ~0.2 s a query, DuckDB
            # runs it in milliseconds; each new filter or minute would compile again).
            table = self._subject_table(metric, scope, query.by, query.where)
            t_scope, t_where = _template(scope, query.where)
            key = (
                "query",
                id(self.con),
                table.op(),
                metric.slug,
                query.by,
                tuple(b for b, _ in query.where),
                query.buckets,
                t_scope,
                period if Breakdown.PERIOD in query.by else None,
            )
            known: tuple[str, list[str]] | None = _PLANS.get(key)
            if known is None:
                template = self.expression(
                    metric, t_scope, period, query.by, t_where, query.buckets
                )
                names = [c for c in template.columns if c not in ("value", "sample")]
                known = _remember(key, (str(self.con.compile(template)), names))
            sql, key_names = known
            columns: dict[str, list[Any]] = (
                self.con.con.sql(_fill(sql, scope, query.where)).to_arrow_table().to_pydict()
            )
            return self._to_rows(columns, key_names)
        expression = self.expression(metric, scope, period, query.by, query.where, query.buckets)
        key_names = [c for c in expression.columns if c not in ("value", "sample")]
        return self._to_rows(self._fetch(expression), key_names)

    def _fetch(self, expression: Table) -> dict[str, list[Any]]:
        """The result's columns (a list per column: no Python dict per row)."""
        if self.backend == "duckdb":
            # DuckDB: the SQL compiled once per process, run as is.
            columns: dict[str, list[Any]] = (
                self.con.con.sql(_compiled(self.con, expression)).to_arrow_table().to_pydict()
            )
            return columns
        result: dict[str, list[Any]] = self.con.to_pyarrow(expression).to_pydict()
        return result

    def _to_rows(
        self,
        columns: Mapping[str, list[Any]],
        key_names: list[str],
        value_column: str = "value",
        sample_column: str = "sample",
    ) -> list[MetricRow]:
        """MetricRows from a result's columns. Read column-wise and built with one shared
        fields set: a scorecard makes thousands of rows, and every Python container made
        here counts towards the interpreter's next full garbage collection (~0.1-0.2 s in a
        process holding Ibis and DuckDB, measured every other 1M scorecard before)."""
        keys = [
            ["" if value is None else str(value) for value in columns[name]] for name in key_names
        ]
        result = [
            # model_construct: every field already of its type.
            MetricRow.model_construct(
                _ROW_FIELDS,
                keys=dict(zip(key_names, row_keys, strict=True)),
                value=None if value is None else round(float(value), DIGITS),
                sample=int(sample or 0),
                previous=None,
            )
            for row_keys, value, sample in zip(
                zip(*keys, strict=True) if keys else ((),) * len(columns[value_column]),
                columns[value_column],
                columns[sample_column],
                strict=True,
            )
        ]
        if not key_names and not result:
            result = [MetricRow(keys={}, value=None, sample=0)]
        return sorted(result, key=lambda r: tuple(r.keys.values()))

    def _derived(
        self, metric: DerivedMetric, query: MetricQuery, period: Period
    ) -> list[MetricRow]:
        parts: dict[str, dict[tuple[tuple[str, str], ...], MetricRow]] = {}
        for name in metric.inputs:
            slug, _, parameter = name.partition("@")
            stage = getattr(query, parameter) if parameter else None
            defaults = {"from_stage": self.config.handoff_stage, "to_stage": self.config.sql_stage}
            sub = query.model_copy(
                update={
                    "metric": slug,
                    "stage": stage or defaults.get(parameter),
                    "compare_previous": False,
                }
            )
            parts[name] = {tuple(r.keys.items()): r for r in self._execute(sub, period)}
        all_keys = sorted({key for rows in parts.values() for key in rows})
        result = []
        for key in all_keys:
            values = {
                name: (rows[key].value if key in rows else None) for name, rows in parts.items()
            }
            value = metric.combine(values)
            first = parts[metric.inputs[-1]].get(key)
            result.append(
                MetricRow(
                    keys=dict(key),
                    value=None if value is None else round(value, DIGITS),
                    sample=first.sample if first else 0,
                )
            )
        return result or [MetricRow(keys={}, value=None, sample=0)]

    def run(self, query: MetricQuery) -> MetricResult:
        """Run a query (cached by data version); InputError for an unknown metric or period."""
        metric = REGISTRY.get(query.metric)
        if metric is None:
            raise InputError(
                f"unknown metric {query.metric!r}; `funnelpact metrics list` shows them"
            )
        refused = [b.value for b in query.by if b not in metric.breakdowns]
        if refused:
            raise InputError(f"metric {query.metric} cannot be broken down by {', '.join(refused)}")
        narrowed = [b.value for b, _ in query.where if b not in metric.breakdowns]
        if narrowed or any(b is Breakdown.PERIOD for b, _ in query.where):
            raise InputError(
                f"metric {query.metric} cannot be narrowed by "
                f"{', '.join(narrowed) or Breakdown.PERIOD.value}"
            )
        if query.buckets and isinstance(metric, DerivedMetric):
            raise InputError(f"metric {query.metric} has no per-row value to distribute")
        cache_key = (self.data_version, query)
        cached = self._cache.get(cache_key)
        if cached is not None:
            self._cache.move_to_end(cache_key)
            return cached
        period = parse_period(query.period)
        rows = self._execute(query, period)
        previous_label = None
        if query.compare_previous:
            previous = period.previous()
            previous_label = previous.label
            earlier = {
                tuple(sorted(r.keys.items())): r.value
                for r in self._execute(query, previous)
                if Breakdown.PERIOD not in query.by
            }
            rows = [
                row.model_copy(update={"previous": earlier.get(tuple(sorted(row.keys.items())))})
                for row in rows
            ]
        return self._store(query, metric, rows, previous_label)

    def _store(
        self,
        query: MetricQuery,
        metric: Metric | DerivedMetric,
        rows: list[MetricRow],
        previous_label: str | None,
    ) -> MetricResult:
        result = MetricResult.model_construct(
            metric=query.metric,
            unit=metric.unit,
            period=parse_period(query.period).label,
            previous_period=previous_label,
            by=query.by,
            rows=tuple(rows),
            data_version=self.data_version,
        )
        self._cache[(self.data_version, query)] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    @property
    def cached_queries(self) -> int:
        return len(self._cache)

    def pacing(self, plan: Any, stage: str, period_text: str, **funnel: str) -> PacingResult:
        """Actual entries into `stage` against the plan's pro-rated target for the period,
        with the tolerance band, and the forecast at the current pace for the whole period.

        `plan` is a `funnelpact.domain.planning.Plan`; `funnel` picks a stream or source."""
        period = parse_period(period_text)
        target = plan.target_between(stage, period.first, period.last, **funnel)
        start, end = period.bounds(self.timezone)
        now_s = int(self.now.timestamp())
        elapsed = min(max(now_s - start, 0), end - start) / (end - start)
        actual_result = self.run(
            MetricQuery(metric="stage_entered", period=period_text, stage=stage)
        )
        actual = int(actual_result.rows[0].value or 0)
        # The target so far: the whole local days already over (the plan counts days).
        last_whole_day = (
            self.now.astimezone(ZoneInfo(self.timezone)) - timedelta(microseconds=1)
        ).date()
        if last_whole_day >= period.last:
            to_date = target
        elif last_whole_day < period.first:
            to_date = Target(expected=Decimal(0), low=Decimal(0), high=Decimal(0))
        else:
            to_date = plan.target_between(stage, period.first, last_whole_day, **funnel)
        status = (
            "below" if actual < to_date.low else "above" if actual > to_date.high else "on_plan"
        )
        forecast = actual / elapsed if elapsed > 0 else 0.0
        return PacingResult(
            stage=stage,
            period=period.label,
            actual=actual,
            expected=target.expected,
            low=target.low,
            high=target.high,
            expected_to_date=to_date.expected,
            low_to_date=to_date.low,
            high_to_date=to_date.high,
            status=status,
            elapsed_share=round(elapsed, DIGITS),
            forecast=round(forecast, DIGITS),
        )


# The figures of the full scorecard (cross-engine test, benchmark): per breakdown, these metrics.
SCORECARD_METRICS: Final = (
    "contacts_created",
    "stage_entered",
    "cohort_conversion",
    "stage_lag_median_hours",
    "stage_lag_p90_hours",
    "stage_lag_median_business_hours",
    "speed_to_lead_median_business_hours",
    "speed_to_lead_p90_business_hours",
    "speed_to_lead_within_sla",
    "cadence_compliance",
    "acceptance_rate",
    "touches_per_sql",
    "sql_value",
    "pipeline_created",
    "won_revenue",
    "mql_to_customer_rate",
    "win_rate",
    "average_deal_size",
    "sales_cycle_days",
    "time_in_stage_median_hours",
)


def scorecard(
    engine: AnalyticsEngine,
    period: str,
    breakdowns: tuple[tuple[Breakdown, ...], ...] = (
        (Breakdown.PERIOD, Breakdown.SOURCE),
        (Breakdown.PERIOD, Breakdown.REP),
    ),
    metrics: tuple[str, ...] = SCORECARD_METRICS,
) -> dict[str, list[tuple[tuple[str, ...], float | None, int]]]:
    """Every scorecard figure: `metric/breakdown` -> sorted (keys, value, sample) rows."""
    figures: dict[str, list[tuple[tuple[str, ...], float | None, int]]] = {}
    queries = [
        MetricQuery(metric=slug, period=period, by=by) for by in breakdowns for slug in metrics
    ]
    for query, result in zip(queries, engine.run_many(queries), strict=True):
        figures[f"{query.metric}/{'+'.join(query.by)}"] = sorted(
            (tuple(row.keys.values()), row.value, row.sample) for row in result.rows
        )
    return figures
