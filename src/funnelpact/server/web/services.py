"""The dashboard's figures: every one from the metrics registry, run by the analytics engine.

MQL pacing (`stage_entered` per day against the plan's pro-rated target and band), the funnel
(`stage_entered` and `cohort_conversion` per stage against the plan's rates), speed to lead
(`speed_to_lead_median_business_hours` as a distribution, `speed_to_lead_within_sla`),
compliance by rep, source and campaign (`speed_to_lead_within_sla` broken down), the trend
against the previous period (`compare_previous`), acceptance (`acceptance_rate`) and rejection
reasons (`rejections_by_reason`): the same definitions as `funnelpact report` and `funnelpact
metrics`, so the same figures for the same data and period. The viewer's scope and the filters
narrow every query (`MetricQuery.where`): a rep's own hand-offs (the registry's `rep`, the owner
at the hand-off), a manager's team, a stream, source or team. Only the leads at risk right now
are read from the watch's live obligations in the store.

One engine per process (`DashboardAnalytics`): DuckDB in memory, fed by a `StoreFeed` and kept
current incrementally: refreshed when the store changed (every `store_records` commit bumps a
generation) or a minute passed, reading only the new rows and recomputing only the facts of the
contacts they touch.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from django.core.cache import cache
from django.db.models import Q

from funnelpact.analytics.engine import (
    DIGITS,
    AnalyticsEngine,
    MetricQuery,
    MetricResult,
    MetricRow,
)
from funnelpact.analytics.facts import FactsConfig
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.periods import parse_period
from funnelpact.analytics.store_feed import StoreFeed
from funnelpact.domain.compliance import Status
from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning import Plan, build_plan
from funnelpact.server.accounts.roles import LeadScope
from funnelpact.server.watch import models as watch
from funnelpact.server.watch.services import WatchContext, active_context
from funnelpact.server.web.permissions import Viewer, agreement_context, owner_filter

SPEED_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1h", 1),
    ("1-2h", 2),
    ("2-4h", 4),
    ("4-8h", 8),
    ("8-24h", 24),
    ("24-48h", 48),
    (">48h", float("inf")),
)
AT_RISK_SHOWN = 12
BREAKDOWN_SHOWN = 8


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class Filters:
    period: PeriodKind = PeriodKind.MONTH
    stream: str = ""
    source: str = ""
    team: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    start: date
    end: date  # included
    first: datetime
    after: datetime  # the instant after the window

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_label(kind: PeriodKind, window: Window) -> str:
    """The registry's name of the window: 2026-W48, 2026-11 or 2026-Q4."""
    if kind is PeriodKind.WEEK:
        iso = window.start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind is PeriodKind.MONTH:
        return f"{window.start.year}-{window.start.month:02d}"
    return f"{window.start.year}-Q{(window.start.month - 1) // 3 + 1}"


def window_of(kind: PeriodKind, today: date, zone: ZoneInfo) -> Window:
    if kind is PeriodKind.WEEK:
        start = today - timedelta(days=today.weekday())
        end = start + timedelta(days=6)
    else:
        months = 1 if kind is PeriodKind.MONTH else 3
        first_month = today.month if months == 1 else 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        year, month = divmod(first_month - 1 + months, 12)
        end = date(today.year + year, month + 1, 1) - timedelta(days=1)
    return _window(start, end, zone)


def _window(start: date, end: date, zone: ZoneInfo) -> Window:
    first = datetime.combine(start, datetime.min.time(), zone)
    after = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    return Window(start, end, first, after)


def previous_window(window: Window, kind: PeriodKind, zone: ZoneInfo) -> Window:
    return window_of(kind, window.start - timedelta(days=1), zone)


@dataclass(frozen=True, slots=True)
class PacingPoint:
    day: date
    actual: int | None  # cumulative MQLs (None after today)
    expected: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: str
    label: str
    entered: int
    actual_rate: float | None  # to the next stage, among this window's entries
    planned_rate: float | None


@dataclass(frozen=True, slots=True)
class Compliance:
    group: str
    met: int
    breached: int

    @property
    def share(self) -> float | None:
        decided = self.met + self.breached
        return None if decided == 0 else self.met / decided


@dataclass(frozen=True, slots=True)
class Trend:
    name: str
    current: float | None
    previous: float | None
    is_share: bool


@dataclass(frozen=True, slots=True)
class AtRisk:
    contact_id: int
    name: str
    owner: str
    obligation: str
    status: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Dashboard:
    window: Window
    handoff_stage: str
    mqls: int
    target: float | None
    low: float | None
    high: float | None
    pacing: tuple[PacingPoint, ...]
    funnel: tuple[FunnelRow, ...]
    speed_buckets: tuple[tuple[str, int], ...]
    within_sla: Compliance
    by_rep: tuple[Compliance, ...]
    by_source: tuple[Compliance, ...]
    by_campaign: tuple[Compliance, ...]
    trends: tuple[Trend, ...]
    at_risk: tuple[AtRisk, ...]
    accepted: int = 0  # MQLs accepted in the window
    rejections: tuple[tuple[str, int], ...] = ()  # reason code, count in the window
    options: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pace_status(self) -> str:
        """Where the MQLs stand against the band pro-rated to today."""
        today = [p for p in self.pacing if p.actual is not None]
        if not today:
            return "none"
        point = today[-1]
        if point.actual is None or point.expected == 0 or self.target is None:
            return "none"
        if point.actual < point.low:
            return "behind"
        if point.actual > point.high:
            return "ahead"
        return "on_track"


# build_plan is pure: one plan per agreement text (content hash) is enough for every request.
_plans: dict[str, Plan | None] = {}


def plan_of(context: WatchContext | None) -> Plan | None:
    if context is None:
        return None
    if context.content_hash not in _plans:
        try:
            _plans[context.content_hash] = build_plan(context.agreement.plan_spec())
        except DomainError:
            _plans[context.content_hash] = None
    return _plans[context.content_hash]


def facts_config(context: WatchContext | None) -> FactsConfig:
    """The funnel the facts need, from the agreement in force (the reports' own adapter)."""
    if context is None:
        return FactsConfig()
    from funnelpact.reports.context import facts_config_of

    return facts_config_of(context.agreement)


# -- the engine ---------------------------------------------------------------------------------

REFRESH_SECONDS: Final = 60  # the data is at most a minute old
EPOCH_KEY: Final = "funnelpact:web:analytics-epoch"
NOBODY: Final = "\x00nobody"  # a rep id no row has: a scope that sees no lead


@dataclass
class _Loaded:
    engine: AnalyticsEngine
    feed: StoreFeed
    agreement: str  # content hash of the agreement in force ("" without one)
    epoch: str
    generation: object
    refreshed: float  # time.monotonic() of the last refresh
    options: dict[str, list[str]]
    rep_names: dict[str, str]
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # the agreement's
    # The cube's results of the current data, by query: what every request narrows. A
    # periodic refresh recomputes them in the background and swaps the whole dict.
    results: dict[MetricQuery, MetricResult] = field(default_factory=dict)
    # Bumped whenever `results` is replaced by those of newer data: the narrowed figures are
    # cached per version (`figures`), so a new version is a miss and an old one is never read.
    version: int = 0
    # The (filters, viewer) pairs asked lately, newest last: a background refresh computes
    # their figures on the new results before publishing them (no misses after a refresh).
    asked: OrderedDict[tuple[Filters, tuple[object, ...]], tuple[Filters, Viewer]] = field(
        default_factory=OrderedDict
    )
    asked_lock: threading.Lock = field(default_factory=threading.Lock)
    refreshing: bool = False
    refresh_lock: threading.Lock = field(default_factory=threading.Lock)  # the feed's reader

    def run(
        self,
        queries: list[MetricQuery],
        results: dict[MetricQuery, MetricResult] | None = None,
    ) -> dict[MetricQuery, MetricResult]:
        """The queries' results: kept ones (of `results`, else the published ones), the others
        run on the engine (and kept)."""
        known = self.results if results is None else results
        missing = [q for q in queries if q not in known]
        if missing:
            with self.engine.lock:
                fresh = dict(zip(missing, self.engine.run_many(missing), strict=True))
            if results is None:
                known = {**self.results, **fresh}
                self.results = known
            else:
                known.update(fresh)
        return {q: known[q] for q in queries}

    def remember(self, filters: Filters, viewer: Viewer) -> None:
        key = (filters, scope_of(viewer))
        with self.asked_lock:
            if key in self.asked:
                self.asked.move_to_end(key)
            else:
                self.asked[key] = (filters, viewer)
                while len(self.asked) > ASKED_KEPT:
                    self.asked.popitem(last=False)

    def lately_asked(self) -> list[tuple[Filters, Viewer]]:
        with self.asked_lock:
            return list(self.asked.values())


class DashboardAnalytics:
    """The process's analytics engine over the store, kept current incrementally.

    `engine(now)` loads everything on first use (and when the agreement in force changes, or
    the cache lost the epoch key: a cleared cache, e.g. a test's fresh database), then at most
    once a minute, or at once after a store commit, reads only the new rows and recomputes the
    facts of the contacts they touched. `warm(now)` does the first load and the figures of the
    whole company ahead of the first visitor."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loaded: _Loaded | None = None

    def reset(self) -> None:
        with self._lock:
            self._loaded = None

    def current(self, now: datetime) -> _Loaded:
        context = agreement_context()
        agreement = context.content_hash if context is not None else ""
        SHARED_GENERATION.poll()  # another worker's store commit: refreshed below
        with self._lock:
            # Read under the lock: a request that read them before waiting for a load (the
            # warm-up at start) would find the new epoch "changed" and load again, and the
            # requests queued behind that load again after it (a cascade of full loads).
            epoch = cache.get(EPOCH_KEY)
            generation = cache.get_or_set(GENERATION_KEY, 0, None)
            loaded = self._loaded
            if loaded is None or loaded.agreement != agreement or loaded.epoch != epoch:
                loaded = self._load(context, agreement, generation, now)
            elif generation != loaded.generation:
                # The store changed (a decision, an import): shown on the next load.
                with loaded.refresh_lock:
                    self._refresh(loaded, generation, now)
                    loaded.results = {}
                    loaded.version += 1
            elif time.monotonic() - loaded.refreshed >= REFRESH_SECONDS and not loaded.refreshing:
                # A minute passed: refreshed in the background; requests meanwhile read the
                # results of the previous minute (the data is at most a minute old).
                loaded.refreshing = True
                threading.Thread(
                    target=self._refresh_in_background,
                    args=(loaded, generation),
                    name="funnelpact-dashboard-refresh",
                    daemon=True,
                ).start()
            self._loaded = loaded
            return loaded

    def _refresh(self, loaded: _Loaded, generation: object, now: datetime) -> None:
        data = loaded.feed.refresh()
        loaded.engine.refresh(data, loaded.feed.last_change)
        loaded.engine.set_now(now)
        loaded.generation = generation
        loaded.refreshed = time.monotonic()
        loaded.options, loaded.rep_names = _options(loaded.engine)

    def _refresh_in_background(self, loaded: _Loaded, generation: object) -> None:
        import logging

        from django.db import connection

        try:
            # Not under the process's lock: requests go on reading the previous results.
            with loaded.refresh_lock:
                if loaded.generation != generation:
                    return  # a synchronous refresh came first
                asked = list(loaded.results)
                self._refresh(loaded, generation, datetime.now(ZoneInfo("UTC")))
            with loaded.engine.lock:
                fresh = dict(zip(asked, loaded.engine.run_many(asked), strict=True))
            # The figures of the scopes asked lately, computed on the new results before they
            # are published: after the swap their requests are cache hits, not recomputations.
            now = datetime.now(ZoneInfo("UTC"))
            version = loaded.version + 1
            for filters, viewer in loaded.lately_asked():
                board = compute_figures(filters, viewer, now, loaded, fresh)
                cache.set(_figures_key(loaded, version, filters, viewer, now), board, FIGURES_TTL)
            if loaded.generation == generation:  # else a store commit's refresh came first
                loaded.results = fresh
                loaded.version = version
        except Exception:  # the next request refreshes instead
            logging.getLogger("funnelpact.web").exception("dashboard refresh failed")
        finally:
            loaded.refreshing = False
            connection.close()

    def _load(
        self, context: WatchContext | None, agreement: str, generation: object, now: datetime
    ) -> _Loaded:
        feed = StoreFeed()
        engine = AnalyticsEngine(
            feed.refresh(),
            now=now,
            timezone=context.calendar.zone.key if context is not None else "UTC",
            calendar=context.calendar if context is not None else None,
            config=facts_config(context),
            incremental=True,
        )
        engine.facts  # noqa: B018 - every facts column now: the queries never rebuild them
        epoch = uuid.uuid4().hex
        cache.set(EPOCH_KEY, epoch, None)
        options, names = _options(engine)
        zone = context.calendar.zone if context is not None else ZoneInfo("UTC")
        return _Loaded(
            engine, feed, agreement, epoch, generation, time.monotonic(), options, names, zone
        )

    def warm(self, now: datetime) -> None:
        """Load the data, then compute the figures of each period for the whole company, a
        team, a rep and each kind of filter: the queries' SQL is compiled once per shape and
        kept (a first visitor with a new scope or filter then waits for DuckDB only)."""
        from funnelpact.server.accounts.roles import Role

        loaded = self.current(now)
        loaded.engine.prepare_refresh()
        options = loaded.options
        team = options["team"][0] if options["team"] else ""
        rep = next(iter(loaded.rep_names), "")
        viewers = [
            Viewer("warm-up", Role.ADMIN, None, "", ""),
            Viewer("warm-up", Role.SALES_MANAGER, None, team, ""),
            Viewer("warm-up", Role.SALES_REP, int(rep) if rep.isdigit() else None, team, ""),
        ]
        filters = [
            Filters(),
            Filters(source=options["source"][0] if options["source"] else ""),
            Filters(stream=options["stream"][0] if options["stream"] else ""),
            Filters(team=team),
        ]
        for kind in PeriodKind:
            for viewer in viewers:
                for chosen in filters if viewer.role is Role.ADMIN else filters[:1]:
                    dashboard(Filters(kind, chosen.stream, chosen.source, chosen.team), viewer, now)


ANALYTICS = DashboardAnalytics()


def warm_in_background() -> threading.Thread:
    """`ANALYTICS.warm` in a daemon thread (the server answers meanwhile; the first visitors
    wait for the load instead of starting it). A failure is logged, never raised."""
    import logging

    from django.db import connection

    def run() -> None:
        try:
            ANALYTICS.warm(datetime.now(ZoneInfo("UTC")))
        except Exception:  # the dashboard computes on demand instead
            logging.getLogger("funnelpact.web").exception("dashboard warm-up failed")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="funnelpact-dashboard-warm-up", daemon=True)
    thread.start()
    return thread


def _options(engine: AnalyticsEngine) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The filters' choices (streams, sources, teams of the data) and the reps' names."""
    with engine.lock:
        contacts = engine.tables["contacts"]
        reps: list[dict[str, Any]] = engine.con.to_pyarrow(engine.tables["reps"]).to_pylist()

        def distinct(column: str) -> list[str]:
            values = engine.con.to_pyarrow(contacts.select(column).distinct()).column(0)
            return sorted(str(v) for v in values.to_pylist() if v)

        options = {
            "stream": distinct("stream"),
            "source": distinct("source"),
            "team": sorted({str(rep["team"]) for rep in reps if rep["team"]}),
        }
    return options, {str(rep["rep_id"]): str(rep["name"] or rep["rep_id"]) for rep in reps}


def scope_where(filters: Filters, viewer: Viewer) -> tuple[tuple[Breakdown, str], ...]:
    """The viewer's lead scope and the filters as the registry's dimension filters."""
    where: list[tuple[Breakdown, str]] = []
    scope = viewer.lead_scope
    if scope is LeadScope.OWN:
        where.append((Breakdown.REP, str(viewer.rep_id) if viewer.rep_id is not None else NOBODY))
    elif scope is LeadScope.TEAM:
        where.append((Breakdown.TEAM, viewer.team_name or NOBODY))
    # ALL and NONE: the company's figures. A viewer opens no lead, but the dashboard's figures
    # are aggregates naming none (as the Reports page's); the leads-at-risk list stays empty.
    if filters.stream:
        where.append((Breakdown.STREAM, filters.stream))
    if filters.source:
        where.append((Breakdown.SOURCE, filters.source))
    if filters.team:
        where.append((Breakdown.TEAM, filters.team))
    return tuple(where)


def _met_breached(result: MetricResult) -> list[tuple[str, int, int]]:
    """(group, met, breached) of a share metric's rows: value x sample met, the rest not."""
    rows = []
    for row in result.rows:
        met = round((row.value or 0.0) * row.sample)
        rows.append((next(iter(row.keys.values()), "all"), met, row.sample - met))
    return rows


def at_risk_now(filters: Filters, viewer: Viewer, limit: int = AT_RISK_SHOWN) -> tuple[AtRisk, ...]:
    """At risk first (soonest due first), then unresolved breaches (newest first): the watch's
    live obligations, read from the store."""
    query = owner_filter(viewer, "contact__owner")
    if filters.stream:
        query &= Q(contact__stream=filters.stream)
    if filters.source:
        query &= Q(contact__source=filters.source)
    if filters.team:
        query &= Q(contact__owner__team_name=filters.team)
    base = watch.Obligation.objects.select_related("contact", "owner").filter(query)
    at_risk = list(base.filter(status=Status.AT_RISK).order_by("due_at")[:limit])
    breached = list(
        base.filter(status=Status.BREACHED, resolved_at__isnull=True).order_by("-due_at")[
            : max(0, limit - len(at_risk))
        ]
    )
    return tuple(
        AtRisk(
            contact_id=row.contact_id,
            name=str(row.contact),
            owner=str(row.owner) if row.owner else "—",
            obligation=row.name,
            status=row.status,
            due_at=row.due_at,
        )
        for row in [*at_risk, *breached]
    )


def filter_options() -> dict[str, list[str]]:
    """The filters' choices, from the engine's data (streams, sources, teams)."""
    from django.utils import timezone

    return ANALYTICS.current(timezone.now()).options


# Two caches, so that a repeat view computes nothing:
# - the figures (every panel but the leads at risk) per (engine epoch, results version, scope,
#   filters, day in the agreement's zone): computed once per data version. Every store_records()
#   commit bumps the generation (apps.py), whose synchronous refresh bumps the version, so a
#   decision shows at once; the minute's background refresh computes the figures of the scopes
#   asked lately on the new results before publishing them.
# - the leads at risk per (store generation, scope, filters, minute): the watch's scheduler
#   changes statuses without a store commit, so they are read again once a minute.
FIGURES_TTL: Final = 3600  # keyed by version: a new version is a new key; this frees memory
AT_RISK_TTL: Final = 60
ASKED_KEPT: Final = 256
GENERATION_KEY = "funnelpact:web:store-generation"
_computing: dict[str, threading.Lock] = {}
_computing_lock = threading.Lock()


def _bump_local() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def bump_generation(_contact_ids: frozenset[int] = frozenset()) -> None:
    from django.db import transaction

    def bump() -> None:
        _bump_local()
        SHARED_GENERATION.bump()

    transaction.on_commit(bump)


SHARED_GENERATION_KEY: Final = "funnelpact:web:shared-generation"
SHARED_POLL_SECONDS: Final = 1.0  # how stale another worker's commit may look here
SHARED_BUMP_SECONDS: Final = 0.2  # commits closer together than this share one write
SHARED_WRITE_ATTEMPTS: Final = 5


class SharedGeneration:
    """The store generation across the processes serving one store (`funnelpact serve
    --workers N`). Each process keeps its generation in its own memory (the default cache), so
    a commit in one worker would show in the others only at their minute's refresh. Enabled in
    each worker of a multi-process serve: a commit also writes a new token to the shared cache
    (the store's table funnelpact_cache), from a thread, commits within SHARED_BUMP_SECONDS
    sharing one write (an ingest burst costs a few writes a second, not one per commit); and
    `poll()` (each dashboard load; the token read at most once per SHARED_POLL_SECONDS) bumps
    this process's generation when another process wrote a token. Off (one process, the CLI,
    the tests): nothing is read or written."""

    def __init__(self) -> None:
        self.enabled = False
        self._seen: object = None
        self._read_at = float("-inf")
        self._mine: list[str] = []  # tokens this process wrote: its own bumps are not news
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def enable(self) -> None:
        self.enabled = True

    def poll(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._read_at < SHARED_POLL_SECONDS:
            return
        self._read_at = now
        from django.core.cache import caches
        from django.db import DatabaseError

        try:
            token = caches["shared"].get(SHARED_GENERATION_KEY)
        except DatabaseError:  # the next poll tries again; the minute's refresh runs anyway
            return
        with self._lock:
            news = token is not None and token != self._seen and token not in self._mine
            self._seen = token
        if news:
            _bump_local()

    def bump(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_loop, name="funnelpact-shared-generation", daemon=True
                )
                self._writer.start()
        self._wake.set()

    def _write_loop(self) -> None:
        import logging

        from django.core.cache import caches

        while True:
            self._wake.wait()
            self._wake.clear()
            token = uuid.uuid4().hex
            with self._lock:
                self._mine = [*self._mine[-7:], token]
            for attempt in range(SHARED_WRITE_ATTEMPTS):
                try:
                    caches["shared"].set(SHARED_GENERATION_KEY, token, None)
                    break
                except Exception:  # a lock, a dropped connection: again on a new one
                    from django.db import connection

                    connection.close()
                    if attempt == SHARED_WRITE_ATTEMPTS - 1:  # the others see it at their minute
                        logging.getLogger("funnelpact.web").exception(
                            "shared generation not written"
                        )
                    time.sleep(SHARED_BUMP_SECONDS)
            time.sleep(SHARED_BUMP_SECONDS)


SHARED_GENERATION = SharedGeneration()


def scope_of(viewer: Viewer) -> tuple[object, ...]:
    """What of the viewer the figures depend on (two admins share their figures)."""
    return (viewer.lead_scope.value, viewer.rep_id, viewer.team_name)


def hashed_key(*parts: object) -> str:
    # Hashed: team and source names may hold spaces, which some cache backends refuse.
    joined = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _figures_key(
    loaded: _Loaded, version: int, filters: Filters, viewer: Viewer, now: datetime
) -> str:
    today = now.astimezone(loaded.zone).date()
    return "funnelpact:web:figures:" + hashed_key(
        loaded.epoch, version, *scope_of(viewer), *_filter_parts(filters), today
    )


def _filter_parts(filters: Filters) -> tuple[str, ...]:
    return (filters.period.value, filters.stream, filters.source, filters.team)


def _once(key: str, compute: Any, ttl: int) -> Any:
    """The cached value of `key`, else computed once in this process (twenty people opening
    the dashboard together wait for one computation instead of running it twenty times)."""
    cached = cache.get(key)
    if cached is not None:
        return cached
    with _computing_lock:
        lock = _computing.setdefault(key, threading.Lock())
    with lock:
        cached = cache.get(key)
        if cached is None:
            cached = compute()
            cache.set(key, cached, ttl)
    with _computing_lock:
        _computing.pop(key, None)
    return cached


@dataclass(frozen=True, slots=True)
class Versioned:
    """The dashboard and the key of its data version: the same key, the same page (the view
    caches the rendered panels under it)."""

    board: Dashboard
    key: str


@dataclass(frozen=True, slots=True)
class DashboardKeys:
    """The cache keys of a view's figures and leads at risk: known without reading either, so
    a view whose rendered panels are cached under `version` reads nothing else."""

    loaded: _Loaded
    figures: str
    at_risk: str

    @property
    def version(self) -> str:
        return hashed_key(self.figures, self.at_risk)


def dashboard_keys(filters: Filters, viewer: Viewer, now: datetime) -> DashboardKeys:
    loaded = ANALYTICS.current(now)
    loaded.remember(filters, viewer)
    generation = cache.get_or_set(GENERATION_KEY, 0, None)
    return DashboardKeys(
        loaded,
        _figures_key(loaded, loaded.version, filters, viewer, now),
        "funnelpact:web:at-risk:"
        + hashed_key(
            generation, *scope_of(viewer), *_filter_parts(filters), now.strftime("%Y%m%d%H%M")
        ),
    )


def dashboard_of(keys: DashboardKeys, filters: Filters, viewer: Viewer, now: datetime) -> Dashboard:
    """The dashboard under `keys`: cached figures and leads at risk, else computed once."""
    loaded = keys.loaded
    board: Dashboard = _once(
        keys.figures, lambda: compute_figures(filters, viewer, now, loaded), FIGURES_TTL
    )
    at_risk: tuple[AtRisk, ...] = _once(
        keys.at_risk, lambda: at_risk_now(filters, viewer), AT_RISK_TTL
    )
    return replace(board, at_risk=at_risk)


def dashboard_versioned(filters: Filters, viewer: Viewer, now: datetime) -> Versioned:
    """Every panel of the dashboard for the period holding ``now`` (agreement's time zone),
    with the key of the figures' and the leads' versions."""
    keys = dashboard_keys(filters, viewer, now)
    return Versioned(dashboard_of(keys, filters, viewer, now), keys.version)


def dashboard(filters: Filters, viewer: Viewer, now: datetime) -> Dashboard:
    """Every panel of the dashboard for the period holding ``now`` (agreement's time zone)."""
    return dashboard_versioned(filters, viewer, now).board


CUBE: Final = (
    Breakdown.REP,
    Breakdown.TEAM,
    Breakdown.SOURCE,
    Breakdown.STREAM,
    Breakdown.CAMPAIGN,
)
SHARES: Final = frozenset({"cohort_conversion", "speed_to_lead_within_sla", "acceptance_rate"})


@dataclass(frozen=True, slots=True)
class _Columns:
    """A cube result's rows as columns: per key name, each row's value as a code (and the
    values by code); per row, its hits (value x sample for a share, else the value) and sample."""

    codes: dict[str, tuple[np.ndarray[Any, Any], dict[str, int], list[str]]]
    hits: np.ndarray[Any, Any]
    sample: np.ndarray[Any, Any]


_COLUMNS: dict[int, tuple[MetricResult, _Columns]] = {}  # by id(result), result kept alive
_COLUMNS_KEPT: Final = 2048


def _columns_of(result: MetricResult) -> _Columns:
    known = _COLUMNS.get(id(result))
    if known is not None and known[0] is result:
        return known[1]
    share = result.metric in SHARES
    names = sorted({name for row in result.rows for name in row.keys})
    codes = {}
    for name in names:
        code_of: dict[str, int] = {}
        column = [code_of.setdefault(row.keys.get(name, ""), len(code_of)) for row in result.rows]
        codes[name] = (np.array(column, dtype=np.int64), code_of, list(code_of))
    hits = [
        round((row.value or 0.0) * row.sample) if share else (row.value or 0.0)
        for row in result.rows
    ]
    columns = _Columns(
        codes,
        np.array(hits, dtype=np.float64),
        np.array([row.sample for row in result.rows], dtype=np.int64),
    )
    if len(_COLUMNS) >= _COLUMNS_KEPT:
        _COLUMNS.clear()
    _COLUMNS[id(result)] = (result, columns)
    return columns


def narrow(
    result: MetricResult, where: tuple[tuple[Breakdown, str], ...], keep: tuple[str, ...]
) -> MetricResult:
    """A cube result (broken down by every dimension) narrowed to the rows of `where` and
    summed up to the `keep` keys. Counts add up; a share is hits / sample with hits = value x
    sample of each cell (whole numbers): the same figure as the registry's query with that
    filter and breakdown (tests/web/test_dashboard_registry.py). Vectorised over the result's
    columns (kept per result: the cube's results serve every viewer of a data version)."""
    share = result.metric in SHARES
    columns = _columns_of(result)
    mask = np.ones(len(result.rows), dtype=bool)
    for dimension, value in where:
        column = columns.codes.get(dimension.value)
        code = None if column is None else column[1].get(value)
        if column is None:
            if value != "":  # no row has the key: each reads "" there
                mask[:] = False
        elif code is None:
            mask[:] = False
        else:
            mask &= column[0] == code
    chosen = np.flatnonzero(mask)
    sums: dict[tuple[str, ...], tuple[float, int]] = {}
    if chosen.size:
        group = np.zeros(chosen.size, dtype=np.int64)
        kept = []
        for name in keep:
            column = columns.codes.get(name)
            values = column[2] if column is not None else [""]
            codes = column[0][chosen] if column is not None else np.zeros(chosen.size, np.int64)
            group = group * len(values) + codes
            kept.append(values)
        groups, inverse = np.unique(group, return_inverse=True)
        inverse = inverse.reshape(-1)
        hits = np.bincount(inverse, weights=columns.hits[chosen], minlength=groups.size)
        samples = np.bincount(inverse, weights=columns.sample[chosen], minlength=groups.size)
        for index, number in enumerate(groups.tolist()):
            parts = []
            for values in reversed(kept):
                number, code = divmod(number, len(values))
                parts.append(values[code])
            sums[tuple(reversed(parts))] = (float(hits[index]), round(float(samples[index])))
    rows = [
        MetricRow.model_construct(
            keys=dict(zip(keep, key, strict=True)),
            value=(round(hits / sample, DIGITS) if sample else None) if share else hits,
            sample=sample,
            previous=None,
        )
        for key, (hits, sample) in sorted(sums.items())
    ]
    if not keep and not rows:
        rows = [MetricRow(keys={}, value=None, sample=0)]
    return result.model_copy(update={"rows": tuple(rows)})


def _daily(result: MetricResult) -> dict[date, int]:
    return {
        date.fromisoformat(row.keys["period"]): int(row.value or 0)
        for row in result.rows
        if row.keys.get("period")
    }


def compute_dashboard(filters: Filters, viewer: Viewer, now: datetime) -> Dashboard:
    """The dashboard's figures computed now from the registry, without the figures' cache."""
    board = compute_figures(filters, viewer, now, ANALYTICS.current(now))
    return replace(board, at_risk=at_risk_now(filters, viewer))


def compute_figures(
    filters: Filters,
    viewer: Viewer,
    now: datetime,
    loaded: _Loaded,
    results: dict[MetricQuery, MetricResult] | None = None,
) -> Dashboard:
    """Every figure but the leads at risk (left empty), narrowed from the cube's results of
    `loaded` (or `results`: those of a refresh not yet published)."""
    context = active_context()
    engine = loaded.engine
    zone = context.calendar.zone if context is not None else ZoneInfo("UTC")
    config = engine.config
    stage = config.handoff_stage
    plan = plan_of(context)
    today = now.astimezone(zone).date()
    window = window_of(filters.period, today, zone)
    label = period_label(filters.period, window)
    where = scope_where(filters, viewer)
    # The plan's targets are the company's (or a stream's): a rep's or a team's own leads have
    # none, and measuring them against the company's would always read "behind".
    whole = viewer.lead_scope in (LeadScope.ALL, LeadScope.NONE) and not filters.team
    pace_plan = plan if whole else None

    def query(metric: str, **options: Any) -> MetricQuery:
        # Every query is broken down by the whole cube of dimensions: the same query for every
        # viewer and filter, run once per data version; `narrow` then keeps the viewer's cells.
        by = tuple(dict.fromkeys((*options.pop("by", ()), *CUBE)))
        return MetricQuery.model_validate({"metric": metric, "period": label, "by": by, **options})

    # Days of the window: a week or a month is split into days; a quarter month by month.
    months = (
        [
            f"{window.start.year}-{month:02d}"
            for month in range(window.start.month, window.end.month + 1)
        ]
        if filters.period is PeriodKind.QUARTER
        else [label]
    )
    daily = [query("stage_entered", period=m, by=(Breakdown.PERIOD,)) for m in months]
    funnel_stages = [
        s for s in (plan.stages if plan is not None else ()) if s.name in config.stages
    ]
    # Each stage's entries and its conversion to the next share one scan (same parameters).
    pairs = [*pairwise(funnel_stages), *((s, s) for s in funnel_stages[-1:])]
    entered = [
        query("stage_entered", stage=a.name, from_stage=a.name, to_stage=b.name) for a, b in pairs
    ]
    converted = [
        query("cohort_conversion", stage=a.name, from_stage=a.name, to_stage=b.name)
        for a, b in pairs[:-1]
    ]
    speed = query("speed_to_lead_median_business_hours", buckets=[b for _, b in SPEED_BUCKETS[:-1]])
    # The trend: the same metrics for the period of equal length just before (as
    # `compare_previous` does), asked as plain queries so that they share scans.
    before = parse_period(label).previous().label
    sla_q = query("speed_to_lead_within_sla")
    accepted_q = query("acceptance_rate")
    sla_before = query("speed_to_lead_within_sla", period=before)
    accepted_before = query("acceptance_rate", period=before)
    mqls_before = query("stage_entered", period=before)
    rejections_q = query("rejections_by_reason")
    batch = [
        *daily,
        *entered,
        *converted,
        speed,
        sla_q,
        accepted_q,
        sla_before,
        accepted_before,
        mqls_before,
        rejections_q,
    ]
    cube = loaded.run(batch, results)
    kept: dict[MetricQuery, tuple[str, ...]] = {q: ("period",) for q in daily}
    kept[speed] = ("bucket",)
    kept[rejections_q] = ("reason",)
    results = {q: narrow(result, where, kept.get(q, ())) for q, result in cube.items()}

    per_day: dict[date, int] = {}
    for q in daily:
        per_day.update(_daily(results[q]))
    points: list[PacingPoint] = []
    running = 0
    day = window.start
    while day <= window.end:
        running += per_day.get(day, 0)
        expected = low = high = 0.0
        if pace_plan is not None:
            try:
                target = pace_plan.target_between(
                    stage,
                    window.start,
                    day,
                    stream=filters.stream or None,
                    source=None if filters.stream else (filters.source or None),
                )
                expected, low, high = float(target.expected), float(target.low), float(target.high)
            except DomainError:
                pass
        points.append(PacingPoint(day, running if day <= today else None, expected, low, high))
        day += timedelta(days=1)

    funnel: list[FunnelRow] = []
    for index, spec in enumerate(funnel_stages):
        rate = results[converted[index]].total() if index < len(converted) else None
        funnel.append(
            FunnelRow(
                stage=spec.name,
                label=spec.label,
                entered=int(results[entered[index]].total() or 0),
                actual_rate=rate,
                planned_rate=float(spec.rate) if index < len(converted) else None,
            )
        )

    counts = {row.keys.get("bucket", ""): int(row.value or 0) for row in results[speed].rows}
    bounds = [f"<{bound:g}" for _, bound in SPEED_BUCKETS[:-1]]
    names = [name for name, _ in SPEED_BUCKETS]
    keys = [*bounds, f">={SPEED_BUCKETS[-2][1]:g}"]
    speed_buckets = tuple((name, counts.get(k, 0)) for name, k in zip(names, keys, strict=True))

    def compliance(key: Breakdown) -> tuple[Compliance, ...]:
        rows = [
            Compliance(
                loaded.rep_names.get(group, group) if key is Breakdown.REP else group or "—",
                met,
                breached,
            )
            for group, met, breached in _met_breached(narrow(cube[sla_q], where, (key.value,)))
            if met + breached
        ]
        rows.sort(key=lambda item: (-(item.met + item.breached), item.group))
        return tuple(rows[:BREAKDOWN_SHOWN])

    sla = results[sla_q]
    within = _met_breached(sla)
    met, breached = (within[0][1], within[0][2]) if within else (0, 0)
    mqls = sum(per_day.values())
    acceptance = results[accepted_q].rows[0] if results[accepted_q].rows else None
    sla_row = sla.rows[0] if sla.rows else None
    last = points[-1] if points else None
    rejections = sorted(
        (
            (row.keys.get("reason") or "—", int(row.value or 0))
            for row in results[rejections_q].rows
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return Dashboard(
        window=window,
        handoff_stage=stage,
        mqls=mqls,
        target=last.expected if last and pace_plan else None,
        low=last.low if last and pace_plan else None,
        high=last.high if last and pace_plan else None,
        pacing=tuple(points),
        funnel=tuple(funnel),
        speed_buckets=speed_buckets,
        within_sla=Compliance("all", met, breached),
        by_rep=compliance(Breakdown.REP),
        by_source=compliance(Breakdown.SOURCE),
        by_campaign=compliance(Breakdown.CAMPAIGN),
        trends=(
            Trend("mqls", float(mqls), float(results[mqls_before].total() or 0), is_share=False),
            Trend(
                "within_sla",
                sla_row.value if sla_row else None,
                results[sla_before].total(),
                is_share=True,
            ),
            Trend(
                "accepted",
                acceptance.value if acceptance else None,
                results[accepted_before].total(),
                is_share=True,
            ),
        ),
        at_risk=(),
        options=loaded.options,
        accepted=round((acceptance.value or 0.0) * acceptance.sample) if acceptance else 0,
        rejections=tuple(rejections),
    )


def chart_data(board: Dashboard) -> dict[str, object]:
    """What the charts draw (json_script on the page): plain lists, numbers rounded."""
    has_target = board.target is not None
    return {
        "pacing": {
            "days": [p.day.isoformat() for p in board.pacing],
            "actual": [p.actual for p in board.pacing],
            # No target for this scope: the chart draws the actual line alone.
            "expected": [round(p.expected, 2) for p in board.pacing] if has_target else [],
            "low": [round(p.low, 2) for p in board.pacing] if has_target else [],
            "high": [round(p.high, 2) for p in board.pacing] if has_target else [],
        },
        "funnel": {
            "labels": [row.label for row in board.funnel],
            "actual": [_pct(row.actual_rate) for row in board.funnel[:-1]],
            "planned": [_pct(row.planned_rate) for row in board.funnel[:-1]],
        },
        "speed": {
            "labels": [name for name, _ in board.speed_buckets],
            "counts": [count for _, count in board.speed_buckets],
        },
        "by_rep": {
            "labels": [item.group for item in board.by_rep],
            "shares": [_pct(item.share) for item in board.by_rep],
        },
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def money(value: Decimal) -> float:
    return float(value)
