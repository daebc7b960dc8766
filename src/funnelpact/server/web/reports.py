"""The Reports page's downloads: every report of `funnelpact.reports`, built from the store, in
the viewer's language and within the viewer's lead scope, as PDF, CSV or XLSX.

The store's tables are read through `StoreFeed` (Django's connection, SQLite or PostgreSQL),
cut down to the contacts the viewer may see (a rep: the leads they own; a manager: their team's;
admin and marketing: all), then handed to the same `AnalyticsEngine` and report builders as
`funnelpact report`. A viewer (read-only dashboards, no lead pages) gets the company's figures:
reports are aggregates and name no lead.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

import pyarrow as pa
import pyarrow.compute as pc

from funnelpact.analytics.sources import DEALS, REPS, AnalyticsData, from_arrow
from funnelpact.errors import InputError
from funnelpact.reports.model import Report
from funnelpact.reports.registry import BY_SLUG, ReportSpec
from funnelpact.reports.render import ReportFormat, render
from funnelpact.server.accounts.roles import LeadScope
from funnelpact.server.web.permissions import Viewer, leads_in_scope

if TYPE_CHECKING:
    from funnelpact.analytics.engine import AnalyticsEngine

DOWNLOAD_FORMATS: Final = (ReportFormat.PDF, ReportFormat.CSV, ReportFormat.XLSX)
CONTENT_TYPES: Final = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Tables keyed by contact; `reps` is cut to the scope's reps.
CONTACT_TABLES: Final = (
    "contacts",
    "stage_changes",
    "owner_changes",
    "touches",
    "decisions",
    DEALS,
)


# The engine of one (scoped data version, agreement) is reused for a minute: the PDF, CSV and
# XLSX of a report, or several reports, downloaded together do not rebuild the facts. Its `now`
# is at most this old; any store change gives a new data version, hence a new engine.
ENGINE_SECONDS: Final = 60.0
MAX_ENGINES: Final = 4
# With each engine, the reports built on it by (slug, period, language): the PDF, CSV and XLSX of
# one report are one build (a report's Ibis queries compile in seconds; rendering takes less).
_engines: OrderedDict[
    tuple[str, str], tuple[float, AnalyticsEngine, dict[tuple[str, str, str], Report]]
] = OrderedDict()
_lock = threading.Lock()


class ReportRequestError(InputError):
    """An unknown format or a period that cannot be read: a 400 with the reason."""


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    content_type: str
    filename: str


def spec_of(slug: str) -> ReportSpec | None:
    return BY_SLUG.get(slug)


def format_of(text: str) -> ReportFormat:
    try:
        found = ReportFormat(text)
    except ValueError:
        found = None
    if found not in DOWNLOAD_FORMATS:
        known = ", ".join(f.value for f in DOWNLOAD_FORMATS)
        raise ReportRequestError(f"format {text!r}: the reports download as {known}")
    assert found is not None
    return found


def default_period(spec: ReportSpec, now: datetime, timezone: str) -> str:
    """The current month in the agreement's zone (the current ISO week for weekly reports)."""
    from funnelpact.analytics.periods import period_containing

    if spec.default_period == "week":
        iso = now.astimezone(UTC).isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return period_containing(now, timezone).label


def scope_of(viewer: Viewer) -> tuple[frozenset[str], frozenset[str]] | None:
    """The (contact ids, rep ids) the viewer's reports read, or None for the whole company."""
    if viewer.lead_scope in (LeadScope.ALL, LeadScope.NONE):
        return None
    from funnelpact.server.tracking.models import Rep

    contacts = frozenset(str(pk) for pk in leads_in_scope(viewer).values_list("pk", flat=True))
    if viewer.lead_scope is LeadScope.OWN:
        reps = frozenset({str(viewer.rep_id)} if viewer.rep_id is not None else set())
    elif viewer.team_name:
        reps = frozenset(
            str(pk)
            for pk in Rep.objects.filter(team_name=viewer.team_name).values_list("pk", flat=True)
        )
    else:  # a manager without a team sees no lead (as on the lead pages)
        reps = frozenset()
    return contacts, reps


def scoped(data: AnalyticsData, contacts: frozenset[str], reps: frozenset[str]) -> AnalyticsData:
    """The tables cut to the given contacts (and reps): what a rep or a manager may see."""
    contact_set = pa.array(sorted(contacts), pa.string())
    rep_set = pa.array(sorted(reps), pa.string())
    tables: dict[str, pa.Table] = {}
    for name, table in data.tables.items():
        if name in CONTACT_TABLES:
            keep = pc.fill_null(pc.is_in(table.column("contact_id"), value_set=contact_set), False)
            tables[name] = table.filter(keep)
        elif name == REPS:
            tables[name] = table.filter(pc.is_in(table.column("rep_id"), value_set=rep_set))
        else:
            tables[name] = table
    return from_arrow(tables, "store (scoped)")


def build(
    spec: ReportSpec, viewer: Viewer, now: datetime, language: str, period: str = ""
) -> Report:
    """One report from the store, for the viewer's scope, in `language`."""
    from funnelpact.analytics.engine import AnalyticsEngine
    from funnelpact.analytics.periods import parse_period
    from funnelpact.analytics.store_feed import StoreFeed
    from funnelpact.reports.context import ReportContext, facts_config_of, plan_of
    from funnelpact.server.watch.services import active_context

    context = active_context()
    agreement = context.agreement if context is not None else None
    timezone = agreement.calendar.timezone if agreement is not None else "UTC"
    period_text = period.strip() or default_period(spec, now, timezone)
    try:
        parse_period(period_text)
    except InputError as exc:
        raise ReportRequestError(exc.message) from exc
    with _lock:  # one report at a time per process: each holds the store's facts in memory
        data = StoreFeed().refresh()
        scope = scope_of(viewer)
        if scope is not None:
            data = scoped(data, *scope)
        key = (data.version, context.content_hash if context is not None else "")
        clock = time.monotonic()
        cached = _engines.get(key)
        if cached is not None and clock - cached[0] < ENGINE_SECONDS:
            engine, built = cached[1], cached[2]
            report = built.get((spec.slug, period_text, language))
            if report is not None:
                return report
        else:
            built = {}
            engine = AnalyticsEngine(
                data,
                now=now,
                timezone=timezone,
                calendar=context.calendar if context is not None else None,
                config=facts_config_of(agreement) if agreement is not None else None,
            )
            _engines[key] = (clock, engine, built)
            while len(_engines) > MAX_ENGINES:
                _engines.popitem(last=False)
        report_context = ReportContext(
            engine,
            period_text,
            now,
            agreement=agreement,
            plan=plan_of(agreement),
            currency=agreement.metadata.currency if agreement is not None else "EUR",
        )
        report = spec.build(report_context, language)
        built[(spec.slug, period_text, language)] = report
        return report


def download(
    spec: ReportSpec,
    output_format: ReportFormat,
    viewer: Viewer,
    now: datetime,
    language: str,
    period: str = "",
) -> Download:
    report = build(spec, viewer, now, language, period)
    content = render(report, output_format, language)
    data = content.encode("utf-8") if isinstance(content, str) else content
    period_part = re.sub(r"[^A-Za-z0-9-]+", "_", report.period)
    filename = f"funnelpact-{spec.slug}-{period_part}.{output_format.value}"
    return Download(data, CONTENT_TYPES[output_format], filename)
