"""The dashboard's figures, from the store and the watch's obligations.

One function per panel, each taking the same `Filters`; the analytics engine can replace any of
them one by one (same return types). Nothing here is cached or hard-coded: every figure is a
query over the store at the time asked.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Q, QuerySet

from funnelpact.domain.compliance import Status
from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning import Plan, build_plan
from funnelpact.domain.records import Decision
from funnelpact.server.accounts.roles import LeadScope
from funnelpact.server.tracking import models as store
from funnelpact.server.watch import models as watch
from funnelpact.server.watch.services import WatchContext, active_context
from funnelpact.server.web.permissions import Viewer, owner_filter

FIRST_TOUCH = "first_touch"
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


def _contact_filter(filters: Filters, viewer: Viewer, prefix: str = "contact__") -> Q:
    query = Q()
    if filters.stream:
        query &= Q(**{f"{prefix}stream": filters.stream})
    if filters.source:
        query &= Q(**{f"{prefix}source": filters.source})
    if filters.team:
        query &= Q(**{f"{prefix}owner__team_name": filters.team})
    return query & owner_filter(viewer, f"{prefix}owner")


def _entries(
    stage: str, window: Window, filters: Filters, viewer: Viewer
) -> QuerySet[store.StageChange]:
    return store.StageChange.objects.filter(
        Q(stage=stage, entered_at__gte=window.first, entered_at__lt=window.after)
        & _contact_filter(filters, viewer)
    )


def pacing(
    plan: Plan | None,
    stage: str,
    window: Window,
    filters: Filters,
    viewer: Viewer,
    today: date,
    zone: ZoneInfo,
) -> tuple[PacingPoint, ...]:
    per_day: Counter[date] = Counter(
        instant.astimezone(zone).date()
        for instant in _entries(stage, window, filters, viewer).values_list("entered_at", flat=True)
    )
    points: list[PacingPoint] = []
    running = 0
    day = window.start
    while day <= window.end:
        running += per_day.get(day, 0)
        expected = low = high = 0.0
        if plan is not None:
            try:
                target = plan.target_between(
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
    return tuple(points)


def funnel_rows(
    plan: Plan | None, window: Window, filters: Filters, viewer: Viewer
) -> tuple[FunnelRow, ...]:
    if plan is None:
        return ()
    stages = plan.stages
    entered_ids = {
        stage.name: set(
            _entries(stage.name, window, filters, viewer).values_list("contact_id", flat=True)
        )
        for stage in stages
    }
    later_ids = {
        stage.name: set(
            store.StageChange.objects.filter(
                Q(stage=stage.name, entered_at__gte=window.first) & _contact_filter(filters, viewer)
            ).values_list("contact_id", flat=True)
        )
        for stage in stages
    }
    rows = []
    for index, stage in enumerate(stages):
        ids = entered_ids[stage.name]
        actual = None
        if index + 1 < len(stages) and ids:
            moved = ids & later_ids[stages[index + 1].name]
            actual = len(moved) / len(ids)
        rows.append(
            FunnelRow(
                stage=stage.name,
                label=stage.label,
                entered=len(ids),
                actual_rate=actual,
                planned_rate=float(stage.rate) if index + 1 < len(stages) else None,
            )
        )
    return tuple(rows)


def _obligations(window: Window, filters: Filters, viewer: Viewer) -> QuerySet[watch.Obligation]:
    return watch.Obligation.objects.filter(
        Q(handoff_at__gte=window.first, handoff_at__lt=window.after)
        & _contact_filter(filters, viewer)
    )


def speed_to_lead(
    window: Window, filters: Filters, viewer: Viewer
) -> tuple[tuple[tuple[str, int], ...], Compliance]:
    rows = _obligations(window, filters, viewer).filter(name=FIRST_TOUCH)
    buckets: Counter[str] = Counter()
    met = breached = 0
    for status, seconds in rows.values_list("status", "business_seconds"):
        if status == Status.MET:
            met += 1
            hours = (seconds or 0) / 3600
            label = next(name for name, limit in SPEED_BUCKETS if hours < limit)
            buckets[label] += 1
        elif status == Status.BREACHED:
            breached += 1
            hours = (seconds or 0) / 3600
            buckets[">48h" if hours >= 24 else "24-48h"] += 1
    return (
        tuple((name, buckets.get(name, 0)) for name, _ in SPEED_BUCKETS),
        Compliance("all", met, breached),
    )


def compliance_by(
    window: Window, filters: Filters, viewer: Viewer, group_field: str
) -> tuple[Compliance, ...]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = _obligations(window, filters, viewer).filter(status__in=[Status.MET, Status.BREACHED])
    for status, group in rows.values_list("status", group_field):
        counts[group or "—"][0 if status == Status.MET else 1] += 1
    result = [Compliance(group, met, breached) for group, (met, breached) in counts.items()]
    result.sort(key=lambda item: (-(item.met + item.breached), item.group))
    return tuple(result[:BREAKDOWN_SHOWN])


def _decisions(window: Window, filters: Filters, viewer: Viewer) -> QuerySet[store.HandoffDecision]:
    return store.HandoffDecision.objects.filter(
        Q(decided_at__gte=window.first, decided_at__lt=window.after)
        & _contact_filter(filters, viewer)
    )


def _acceptance(window: Window, filters: Filters, viewer: Viewer) -> float | None:
    decisions = _decisions(window, filters, viewer)
    counts = Counter(decisions.values_list("decision", flat=True))
    total = counts[Decision.ACCEPTED.value] + counts[Decision.REJECTED.value]
    return None if total == 0 else counts[Decision.ACCEPTED.value] / total


def rejection_reasons(
    window: Window, filters: Filters, viewer: Viewer
) -> tuple[tuple[str, int], ...]:
    """Why sales rejected MQLs in the window, most frequent first (marketing's feedback loop)."""
    reasons = Counter(
        _decisions(window, filters, viewer)
        .filter(decision=Decision.REJECTED.value)
        .values_list("reason", flat=True)
    )
    return tuple(sorted(((r or "—", n) for r, n in reasons.items()), key=lambda i: (-i[1], i[0])))


def trends(
    stage: str, window: Window, previous: Window, filters: Filters, viewer: Viewer
) -> tuple[Trend, ...]:
    def mqls(of: Window) -> float:
        return float(_entries(stage, of, filters, viewer).values("contact_id").distinct().count())

    _, now_sla = speed_to_lead(window, filters, viewer)
    _, before_sla = speed_to_lead(previous, filters, viewer)
    return (
        Trend("mqls", mqls(window), mqls(previous), is_share=False),
        Trend("within_sla", now_sla.share, before_sla.share, is_share=True),
        Trend(
            "accepted",
            _acceptance(window, filters, viewer),
            _acceptance(previous, filters, viewer),
            is_share=True,
        ),
    )


def at_risk_now(filters: Filters, viewer: Viewer, limit: int = AT_RISK_SHOWN) -> tuple[AtRisk, ...]:
    """At risk first (soonest due first), then unresolved breaches (newest first)."""
    base = watch.Obligation.objects.select_related("contact", "owner").filter(
        _contact_filter(filters, viewer)
    )
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
    contacts = store.Contact.objects.filter(merged_into__isnull=True)
    return {
        "stream": sorted(v for v in contacts.values_list("stream", flat=True).distinct() if v),
        "source": sorted(v for v in contacts.values_list("source", flat=True).distinct() if v),
        "team": sorted(
            v for v in store.Rep.objects.values_list("team_name", flat=True).distinct() if v
        ),
    }


# Figures are cached briefly per (store generation, scope, filters, minute): 20 people opening
# the dashboard at once cost one computation. Every store_records() commit bumps the generation
# (apps.py), so a decision shows at once; the scheduler's status changes show within the TTL.
DASHBOARD_TTL_SECONDS = 30
GENERATION_KEY = "funnelpact:web:store-generation"
_computing: dict[str, threading.Lock] = {}
_computing_lock = threading.Lock()


def bump_generation(_contact_ids: frozenset[int] = frozenset()) -> None:
    from django.db import transaction

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, None)

    transaction.on_commit(bump)


def dashboard(filters: Filters, viewer: Viewer, now: datetime) -> Dashboard:
    """Every panel of the dashboard for the period holding ``now`` (agreement's time zone)."""
    generation = cache.get_or_set(GENERATION_KEY, 0, None)
    parts = "\x1f".join(
        str(part)
        for part in (
            "funnelpact:web:dashboard",
            generation,
            viewer.lead_scope.value,
            viewer.rep_id,
            viewer.team_name,
            filters.period.value,
            filters.stream,
            filters.source,
            filters.team,
            now.strftime("%Y%m%d%H%M"),
        )
    )
    # Hashed: team and source names may hold spaces, which some cache backends refuse.
    key = "funnelpact:web:dashboard:" + hashlib.sha256(parts.encode("utf-8")).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, Dashboard):
        return cached
    # One computation per key at a time in this process: twenty people opening the dashboard
    # together wait for one result instead of computing it twenty times.
    with _computing_lock:
        lock = _computing.setdefault(key, threading.Lock())
    with lock:
        cached = cache.get(key)
        if isinstance(cached, Dashboard):
            return cached
        board = compute_dashboard(filters, viewer, now)
        cache.set(key, board, DASHBOARD_TTL_SECONDS)
    with _computing_lock:
        _computing.pop(key, None)
    return board


def compute_dashboard(filters: Filters, viewer: Viewer, now: datetime) -> Dashboard:
    """The dashboard's figures computed now, without the cache."""
    context = active_context()
    zone = context.calendar.zone if context is not None else ZoneInfo("UTC")
    stage = context.agreement.handoff.stage if context is not None else "mql"
    plan = plan_of(context)
    today = now.astimezone(zone).date()
    window = window_of(filters.period, today, zone)
    previous = previous_window(window, filters.period, zone)
    # The plan's targets are the company's (or a stream's): a rep's or a team's own leads have
    # none, and measuring them against the company's would always read "behind".
    whole = viewer.lead_scope is LeadScope.ALL and not filters.team
    pace_plan = plan if whole else None
    points = pacing(pace_plan, stage, window, filters, viewer, today, zone)
    buckets, within = speed_to_lead(window, filters, viewer)
    last = points[-1] if points else None
    mqls = _entries(stage, window, filters, viewer).values("contact_id").distinct().count()
    return Dashboard(
        window=window,
        handoff_stage=stage,
        mqls=mqls,
        target=last.expected if last and pace_plan else None,
        low=last.low if last and pace_plan else None,
        high=last.high if last and pace_plan else None,
        pacing=points,
        funnel=funnel_rows(plan, window, filters, viewer),
        speed_buckets=buckets,
        within_sla=within,
        by_rep=compliance_by(window, filters, viewer, "owner__name"),
        by_source=compliance_by(window, filters, viewer, "contact__source"),
        by_campaign=compliance_by(window, filters, viewer, "contact__campaign"),
        trends=trends(stage, window, previous, filters, viewer),
        at_risk=at_risk_now(filters, viewer),
        options=filter_options(),
        accepted=_decisions(window, filters, viewer)
        .filter(decision=Decision.ACCEPTED.value)
        .count(),
        rejections=rejection_reasons(window, filters, viewer),
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
