"""The process's incremental analytics engine over the store (what scheduled reports read).

`LIVE.engine(now, ...)` loads the store once (a `StoreFeed`'s first refresh: every table), then on
each later call reads only what changed since (new rows by id watermark, updated contacts, the
small deal and rep tables) and recomputes only the facts of the contacts those rows touched
(`AnalyticsEngine.refresh(data, change)`). A new agreement (funnel, calendar, time zone) loads
everything again. The web dashboard keeps its own engine of the same kind
(`funnelpact.server.web.services.DashboardAnalytics`); the worker that sends scheduled reports
keeps this one, so a tick that computes reports does not export the whole store.

Reads go through Django's default connection: the caller has set Django up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from funnelpact.analytics.engine import AnalyticsEngine
from funnelpact.analytics.facts import FactsConfig
from funnelpact.analytics.store_feed import StoreFeed
from funnelpact.domain.calendar import BusinessCalendar


@dataclass
class LiveStats:
    """How the store was read: full loads (everything) and incremental refreshes."""

    full_reads: int = 0
    incremental_reads: int = 0
    unchanged: int = 0
    rows_read: int = 0  # rows the feed read, over all refreshes


@dataclass
class LiveAnalytics:
    """One incremental engine per process over the store, keyed by what the facts depend on."""

    stats: LiveStats = field(default_factory=LiveStats)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _key: tuple[Any, ...] | None = None
    _feed: StoreFeed | None = None
    _engine: AnalyticsEngine | None = None

    def reset(self) -> None:
        """Forget the engine: the next call loads the store again (a test's fresh database)."""
        with self._lock:
            self._key, self._feed, self._engine = None, None, None

    def engine(
        self,
        now: datetime,
        *,
        timezone: str = "UTC",
        calendar: BusinessCalendar | None = None,
        config: FactsConfig | None = None,
        key: str = "",
    ) -> AnalyticsEngine:
        """The engine at `now` over the store's current data. `key` names the agreement the
        calendar and config come from (its content hash): a different key loads again.

        The caller holds `engine.lock` while it runs queries if threads share the process."""
        identity = (key, timezone, config)
        with self._lock:
            if self._engine is None or self._feed is None or identity != self._key:
                feed = StoreFeed()
                data = feed.refresh()
                self.stats.full_reads += 1
                self.stats.rows_read += sum(feed.last_read.values())
                self._engine = AnalyticsEngine(
                    data,
                    now=now,
                    timezone=timezone,
                    calendar=calendar,
                    config=config,
                    incremental=True,
                )
                self._feed, self._key = feed, identity
                return self._engine
            data = self._feed.refresh()
            change = self._feed.last_change
            self.stats.rows_read += sum(self._feed.last_read.values())
            if change is not None and change.full:
                self.stats.full_reads += 1  # a merge or an erasure: the feed read everything
            kind = self._engine.refresh(data, change)
            if kind == "unchanged":
                self.stats.unchanged += 1
            elif kind == "incremental":
                self.stats.incremental_reads += 1
            elif change is None or not change.full:
                self.stats.full_reads += 1  # the engine reloaded (reps or the clock's range)
            self._engine.set_now(now)
            return self._engine


LIVE = LiveAnalytics()
