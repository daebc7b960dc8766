"""Scheduled reports: add/list/remove schedules, queue each due slot once, send, retry.

``run_due(now)`` is the worker's periodic job (called from the watch scheduler's tick, which
holds the scheduler lease):

1. For every enabled schedule, the latest slot of its cadence at or before ``now`` (local time of
   the agreement in force, else UTC) that is not older than the schedule itself: one
   `ReportDelivery` per recipient for the period its rule names (``previous-month`` run on
   1 November: 2026-10). A unique constraint on (schedule, period, recipient) and
   ``get_or_create`` make a restart, a second tick or a second worker queue nothing twice. A
   worker that was down queues only the latest slot: missed older periods are not backfilled.
2. Every pending or failed row whose ``next_attempt_at`` passed: the report is computed once per
   (schedule, period) on the process's incremental analytics engine over the store
   (`funnelpact.analytics.live`: the first run loads the store, later runs read only the rows
   added or changed since; the agreement in force gives targets, calendar, currency), rendered
   in the schedule's format and language, and sent through the schedule's alert channel:
   - e-mail: one message per recipient, the text tables in the body, the file attached for
     pdf, xlsx, csv, html and json;
   - generic webhook (``json://``, ``form://``): one post per period, the text tables as the
     message and the file as an attachment (JSON: base64 in ``attachments``);
   - Slack (incoming webhook: no files) and Microsoft Teams (workflow: 1,000 characters): one
     message per period, the text tables (Slack, in a code block) or the report's headline
     (Teams), and a link to the file on the web app when ``FUNNELPACT_WEB_URL`` is set.
   A row is marked sent only after the channel accepted it; a failure is kept with its error
   and retried with the watch's backoff (30 s doubling to 1 h). A crash between a send and its
   mark sends that one message again (at least once, as the alert outbox).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q

from funnelpact.analytics.periods import RELATIVE_RULES, relative_period
from funnelpact.domain.agreement.model import Agreement
from funnelpact.errors import InputError, NotFoundError
from funnelpact.i18n import language_of
from funnelpact.server.schedules import models
from funnelpact.server.schedules.models import Cadence, DeliveryStatus, PeriodRule

if TYPE_CHECKING:
    from funnelpact.analytics.engine import AnalyticsEngine
    from funnelpact.analytics.sources import AnalyticsData
    from funnelpact.server.watch.models import AlertChannel

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ADDRESS = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
SEND_TIMEOUT_SECONDS = 30
WEB_URL_ENV = "FUNNELPACT_WEB_URL"  # where the web app is, for links in chat messages
SLACK_TEXT_LIMIT = 30_000  # Slack's incoming webhooks take about 35,000 characters
TEAMS_TEXT_LIMIT = 900  # apprise's Teams workflow plugin sends at most 1,000
LINKED_FORMATS = ("pdf", "csv", "xlsx")  # the web app's report files (/reports/<slug>/file.<fmt>)

# (channel URL, subject, body, attachment or None): raises OSError when the channel refused.
ReportSender = Callable[[str, str, str, Path | None], None]


# --- the schedule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A schedule as given on the command line, checked before anything is stored."""

    name: str
    report: str
    period_rule: str
    output_format: str
    language: str
    recipients: tuple[str, ...]
    channel: str
    cadence: str
    at: time
    weekday: int = 0
    day: int = 1


def parse_at(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InputError(f"--at {text!r}: give a local time as HH:MM (08:30)") from None


def parse_on(cadence: str, text: str | None) -> tuple[int, int]:
    """(weekday, day of month) from --on: a weekday name for weekly, 1..28 for monthly."""
    if cadence == Cadence.WEEKLY:
        name = (text or "mon").strip().lower()[:3]
        if name not in WEEKDAYS:
            raise InputError(f"--on {text!r}: a weekly schedule runs on mon, tue, ... or sun")
        return WEEKDAYS.index(name), 1
    if cadence == Cadence.MONTHLY:
        try:
            day = int(text or "1")
        except ValueError:
            day = 0
        if not 1 <= day <= 28:
            raise InputError(f"--on {text!r}: a monthly schedule runs on a day from 1 to 28")
        return 0, day
    if text:
        raise InputError(f"--on applies to weekly and monthly schedules, not {cadence}")
    return 0, 1


def check_spec(spec: ScheduleSpec, email: bool = True) -> None:
    """Every field of a schedule, with one message naming the option that is wrong.

    `email`: the schedule's channel sends e-mail (recipients required); a chat or webhook
    channel posts to its own destination and takes no recipients."""
    from funnelpact.reports.registry import report_spec
    from funnelpact.reports.render import ReportFormat

    if not spec.name.strip() or len(spec.name) > 100:
        raise InputError("schedule name: 1 to 100 characters")
    report_spec(spec.report)
    if spec.period_rule not in RELATIVE_RULES:
        raise InputError(f"--period {spec.period_rule!r}: use one of {', '.join(RELATIVE_RULES)}")
    try:
        ReportFormat(spec.output_format)
    except ValueError:
        known = ", ".join(f.value for f in ReportFormat)
        raise InputError(f"--format {spec.output_format!r}: use one of {known}") from None
    language_of(spec.language)
    if spec.cadence not in {c.value for c in Cadence}:
        known = ", ".join(c.value for c in Cadence)
        raise InputError(f"--every {spec.cadence!r}: use one of {known}")
    if not email:
        if spec.recipients:
            raise InputError(
                f"--to: alert channel {spec.channel!r} posts to its own channel or endpoint; "
                "recipients are for e-mail channels"
            )
        return
    if not spec.recipients:
        raise InputError("--to: give at least one address (a@b.example,c@d.example)")
    invalid = [address for address in spec.recipients if not _ADDRESS.match(address)]
    if invalid:
        raise InputError(f"--to: {', '.join(invalid)} is not an e-mail address")


def add_schedule(spec: ScheduleSpec, now: datetime) -> models.ReportSchedule:
    """Create or replace the schedule named ``spec.name`` (its deliveries are kept)."""
    from funnelpact.server.watch import channels
    from funnelpact.server.watch.models import ChannelKind

    channel = channels.get_channel(spec.channel)
    check_spec(spec, email=channel.kind == ChannelKind.EMAIL)
    schedule: models.ReportSchedule
    schedule, _ = models.ReportSchedule.objects.update_or_create(
        name=spec.name,
        defaults={
            "report": spec.report,
            "period_rule": spec.period_rule,
            "format": spec.output_format,
            "language": language_of(spec.language).value,
            "recipients": ",".join(spec.recipients),
            "channel": spec.channel,
            "cadence": spec.cadence,
            "weekday": spec.weekday,
            "day": spec.day,
            "at": spec.at.strftime("%H:%M"),
            "enabled": True,
            "created_at": now,
        },
    )
    return schedule


def remove_schedule(name: str) -> int:
    """Remove a schedule and its delivery history; the number of deliveries removed."""
    schedule = models.ReportSchedule.objects.filter(name=name).first()
    if schedule is None:
        known = ", ".join(models.ReportSchedule.objects.values_list("name", flat=True)) or "none"
        raise NotFoundError(f"report schedule {name!r}: no such schedule (schedules: {known})")
    deliveries = schedule.deliveries.count()
    schedule.delete()
    return int(deliveries)


def describe_cadence(schedule: models.ReportSchedule) -> str:
    at = schedule.at
    if schedule.cadence == Cadence.WEEKLY:
        return f"weekly on {WEEKDAYS[schedule.weekday]} at {at}"
    if schedule.cadence == Cadence.MONTHLY:
        return f"monthly on day {schedule.day} at {at}"
    return f"{schedule.cadence} at {at}"


# --- when --------------------------------------------------------------------------------------


def latest_slot(schedule: models.ReportSchedule, now: datetime, timezone: str) -> datetime:
    """The latest instant at or before ``now`` when the cadence fires (aware, UTC)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date()
    for _ in range(40):  # at most one month back (monthly), plus a margin
        if _fires_on(schedule, day):
            slot = datetime.combine(day, schedule.at_time, tzinfo=zone).astimezone(UTC)
            if slot <= now:
                return slot
        day -= timedelta(days=1)
    raise AssertionError("a cadence fires at least once in 40 days")  # pragma: no cover


def _fires_on(schedule: models.ReportSchedule, day: date) -> bool:
    cadence = Cadence(schedule.cadence)
    if cadence is Cadence.DAILY:
        return True
    if cadence is Cadence.WEEKDAYS:
        return day.weekday() < 5
    if cadence is Cadence.WEEKLY:
        return day.weekday() == int(schedule.weekday)
    return day.day == int(schedule.day)


def period_of(schedule: models.ReportSchedule, slot: datetime, timezone: str) -> str:
    """The label of the period a run at ``slot`` reports on (its local date and the rule)."""
    local_day = slot.astimezone(ZoneInfo(timezone)).date()
    return relative_period(PeriodRule(schedule.period_rule).value, local_day).label


def _agreement() -> Agreement | None:
    from funnelpact.server.watch.services import active_context

    context = active_context()
    return context.agreement if context is not None else None


def queue_due(now: datetime, agreement: Agreement | None) -> int:
    """One delivery row per recipient for each schedule's latest due slot; the number new."""
    timezone = agreement.calendar.timezone if agreement else "UTC"
    created = 0
    for schedule in models.ReportSchedule.objects.filter(enabled=True).order_by("pk"):
        slot = latest_slot(schedule, now, timezone)
        if slot < schedule.created_at:
            continue  # no report for slots before the schedule existed
        period = period_of(schedule, slot, timezone)
        # E-mail: a row per address; a chat or webhook channel: one row (recipient "").
        for recipient in schedule.recipient_list or [""]:
            _row, new = models.ReportDelivery.objects.get_or_create(
                schedule=schedule,
                period=period,
                recipient=recipient,
                defaults={"slot": slot, "next_attempt_at": slot},
            )
            created += int(new)
    return created


# --- sending -------------------------------------------------------------------------------


def apprise_send_report(url: str, subject: str, body: str, attachment: Path | None) -> None:
    """Send one e-mail through apprise, with the report file attached when there is one."""
    import apprise

    from funnelpact.server.watch.channels import redact_url

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise OSError(f"apprise cannot read the channel URL {redact_url(url)}")
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        delivered = notifier.notify(
            title=subject,
            body=body,
            attach=str(attachment) if attachment is not None else None,
            timeout=SEND_TIMEOUT_SECONDS,
        )
        if not delivered:
            lines = (
                captured.getvalue().strip().splitlines() if hasattr(captured, "getvalue") else []
            )
            reason = lines[-1].rsplit(" - ", 1)[-1] if lines else ""
            raise OSError(reason or f"{redact_url(url)} did not accept the message")


@dataclass(frozen=True, slots=True)
class RunReport:
    queued: int = 0
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Rendered:
    subject: str
    body: str
    attachment: Path | None


def live_engine(now: datetime, agreement: Agreement | None) -> AnalyticsEngine:
    """The process's incremental engine over the store at `now`, for the agreement in force
    (loaded on first use; later calls read only what changed in the store)."""
    from funnelpact.analytics.live import LIVE
    from funnelpact.domain.calendar import BusinessCalendar
    from funnelpact.reports.context import facts_config_of

    if agreement is None:
        return LIVE.engine(now)
    return LIVE.engine(
        now,
        timezone=agreement.calendar.timezone,
        calendar=BusinessCalendar(agreement.calendar),
        config=facts_config_of(agreement),
        key=agreement.calendar.model_dump_json(),
    )


def render_schedule(
    schedule: models.ReportSchedule,
    period: str,
    now: datetime,
    agreement: Agreement | None,
    folder: Path,
    data: AnalyticsData | None = None,
) -> _Rendered:
    """The report of one schedule and period: subject, text body and the attached file.

    From `data` when given (tests, `--data`), else on the process's incremental engine."""
    from funnelpact.reports.delivery import report_subject
    from funnelpact.reports.registry import report_spec
    from funnelpact.reports.render import ReportFormat, render, render_terminal
    from funnelpact.reports.run import compute_report, report_on

    spec = report_spec(schedule.report)
    if data is not None:
        report = compute_report(
            spec, period, data, now=now, language=schedule.language, agreement=agreement
        )
    else:
        engine = live_engine(now, agreement)
        with engine.lock:
            report = report_on(
                engine, spec, period, now=now, language=schedule.language, agreement=agreement
            )
    output_format = ReportFormat(schedule.format)
    body = render_terminal(report, schedule.language, width=100)
    attachment = None
    if output_format is not ReportFormat.TABLE:
        content = render(report, output_format, schedule.language)
        attachment = folder / f"{schedule.report}-{period}.{output_format.value}"
        if isinstance(content, bytes):
            attachment.write_bytes(content)
        else:
            attachment.write_text(content, encoding="utf-8")
    return _Rendered(report_subject(report, schedule.language), body, attachment)


def report_link(schedule: models.ReportSchedule, period: str) -> str:
    """The report's file on the web app (`FUNNELPACT_WEB_URL`), or "" when it is not set."""
    base = os.environ.get(WEB_URL_ENV, "").strip().rstrip("/")
    if not base:
        return ""
    fmt = schedule.format if schedule.format in LINKED_FORMATS else "pdf"
    return f"{base}/reports/{quote(schedule.report)}/file.{fmt}?period={quote(period)}"


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit("\n", 1)[0]
    return cut + "\n..."


def shaped_for(
    channel: AlertChannel, schedule: models.ReportSchedule, period: str, rendered: _Rendered
) -> tuple[str, str, Path | None]:
    """(subject, body, attachment) as the channel's kind allows: e-mail and webhooks carry the
    file; Slack's incoming webhooks and Teams workflows take text only (a link to the file on
    the web app when `FUNNELPACT_WEB_URL` is set), Teams at most 1,000 characters."""
    from funnelpact.server.watch.models import ChannelKind

    kind = ChannelKind(channel.kind)
    if kind in (ChannelKind.EMAIL, ChannelKind.WEBHOOK):
        return rendered.subject, rendered.body, rendered.attachment
    link = report_link(schedule, period)
    if kind is ChannelKind.SLACK:
        body = "```\n" + _shortened(rendered.body, SLACK_TEXT_LIMIT) + "\n```"
        return rendered.subject, body + (f"\n{link}" if link else ""), None
    room = TEAMS_TEXT_LIMIT - (len(link) + 1 if link else 0)
    body = _shortened(rendered.body, max(room, 0))
    return rendered.subject, body + (f"\n{link}" if link else ""), None


def _due_groups(now: datetime) -> dict[tuple[int, str], list[int]]:
    rows = (
        models.ReportDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.FAILED),
            next_attempt_at__lte=now,
            schedule__enabled=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "schedule_id", "period")
    )
    groups: dict[tuple[int, str], list[int]] = {}
    for pk, schedule_id, period in rows:
        groups.setdefault((schedule_id, period), []).append(pk)
    return groups


def _claim(delivery_id: int, now: datetime) -> models.ReportDelivery | None:
    rows = models.ReportDelivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    )
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(skip_locked=True)
    row: models.ReportDelivery | None = rows.first()
    return row


def _fail(row: models.ReportDelivery, now: datetime, error: str) -> None:
    from funnelpact.server.watch.channels import backoff

    row.attempts += 1
    row.status = DeliveryStatus.FAILED
    row.last_error = error[:2000]
    row.next_attempt_at = now + backoff(row.attempts)
    row.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])


def send_due(
    now: datetime,
    agreement: Agreement | None,
    *,
    send: ReportSender = apprise_send_report,
    data: AnalyticsData | None = None,
) -> tuple[int, int]:
    """Send every due delivery; (sent, failed). Each report is computed once per period."""
    from funnelpact.server.watch.channels import get_channel, target_url

    sent = failed = 0
    for (schedule_id, period), ids in _due_groups(now).items():
        schedule = models.ReportSchedule.objects.get(pk=schedule_id)
        with tempfile.TemporaryDirectory(prefix="funnelpact-report-") as folder:
            try:
                channel = get_channel(schedule.channel)
                rendered = render_schedule(schedule, period, now, agreement, Path(folder), data)
            except Exception as exc:  # the data, the channel or a renderer: kept, retried
                error = f"report {schedule.report} {period}: {exc or type(exc).__name__}"
                log.warning("schedule %s: %s", schedule.name, error)
                for delivery_id in ids:
                    with transaction.atomic():
                        row = _claim(delivery_id, now)
                        if row is not None:
                            _fail(row, now, error)
                            failed += 1
                continue
            for delivery_id in ids:
                # One short transaction per message: on PostgreSQL the row lock keeps another
                # worker off it while it is sent; on SQLite the scheduler lease does.
                with transaction.atomic():
                    row = _claim(delivery_id, now)
                    if row is None:
                        continue
                    try:
                        send(
                            target_url(channel, row.recipient),
                            *shaped_for(channel, schedule, period, rendered),
                        )
                    except Exception as exc:  # any failure of the channel is kept and retried
                        _fail(row, now, str(exc) or type(exc).__name__)
                        failed += 1
                        continue
                    row.attempts += 1
                    row.status = DeliveryStatus.SENT
                    row.sent_at = now
                    row.last_error = ""
                    row.save(update_fields=["attempts", "status", "last_error", "sent_at"])
                    sent += 1
    return sent, failed


def run_due(
    now: datetime,
    *,
    send: ReportSender = apprise_send_report,
    data: AnalyticsData | None = None,
) -> RunReport:
    """The worker's periodic job: queue the due slots, then send what is due (see above).

    ``data`` (an `AnalyticsData`) replaces the store (tests and `--data` runs); without it the
    reports are computed on the process's incremental engine over the store.
    """
    if not models.ReportSchedule.objects.filter(enabled=True).exists():
        return RunReport()  # the common case: one indexed read per tick
    agreement = _agreement()
    queued = queue_due(now, agreement)
    sent, failed = send_due(now, agreement, send=send, data=data)
    if queued or sent or failed:
        log.info("scheduled reports: %d queued, %d sent, %d failed", queued, sent, failed)
    return RunReport(queued=queued, sent=sent, failed=failed)
