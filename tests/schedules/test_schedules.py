"""Scheduled report delivery: slots in local time, each period sent once, retries, the worker.

A fake clock (`now` passed in) and a real local SMTP server (aiosmtpd) behind an apprise e-mail
alert channel; the reports are computed from real data (the June fixture) or the store.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from schedule_helpers import MailServer, attachments_of, mail_url, subject_of

from funnelpact.analytics.periods import PeriodError, relative_period
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.errors import FunnelpactError
from funnelpact.server.schedules import models
from funnelpact.server.schedules.services import (
    ScheduleSpec,
    add_schedule,
    latest_slot,
    period_of,
    remove_schedule,
    run_due,
)

CREATED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def spec(**changes: object) -> ScheduleSpec:
    values: dict[str, object] = {
        "name": "monthly-scorecard",
        "report": "scorecard",
        "period_rule": "previous-month",
        "output_format": "xlsx",
        "language": "es",
        "recipients": ("ana@example.com", "luca@example.com"),
        "channel": "email",
        "cadence": "monthly",
        "at": time(8, 0),
        "weekday": 0,
        "day": 1,
    }
    values.update(changes)
    return ScheduleSpec(**values)  # type: ignore[arg-type]


# --- when a schedule fires, and which period it reports -----------------------------------------


@pytest.mark.parametrize(
    ("rule", "day", "label"),
    [
        ("previous-day", date(2026, 3, 1), "2026-02-28"),
        ("previous-week", date(2026, 1, 5), "2026-W01"),  # Monday of W02: the week before
        ("previous-week", date(2026, 1, 1), "2025-W52"),  # 2026-01-01 is in 2026-W01
        ("previous-month", date(2026, 1, 1), "2025-12"),
        ("previous-month", date(2026, 3, 31), "2026-02"),
        ("previous-quarter", date(2026, 2, 15), "2025-Q4"),
        ("previous-quarter", date(2026, 7, 1), "2026-Q2"),
        ("week-to-date", date(2026, 10, 14), "2026-W42"),
        ("month-to-date", date(2026, 10, 14), "2026-10"),
    ],
)
def test_relative_periods(rule: str, day: date, label: str) -> None:
    assert relative_period(rule, day).label == label


def test_an_unknown_period_rule_is_named() -> None:
    with pytest.raises(PeriodError, match="'last-month'"):
        relative_period("last-month", date(2026, 1, 1))


def _schedule(**fields: object) -> models.ReportSchedule:
    values: dict[str, object] = {"cadence": "daily", "at": "08:30", "weekday": 0, "day": 1}
    values.update(fields)
    return models.ReportSchedule(**values)


def test_slots_in_the_local_time_zone_across_daylight_saving() -> None:
    daily = _schedule()
    # 08:30 in Madrid is 06:30 UTC in summer, 07:30 UTC in winter.
    assert latest_slot(daily, datetime(2026, 7, 10, 6, 31, tzinfo=UTC), "Europe/Madrid") == (
        datetime(2026, 7, 10, 6, 30, tzinfo=UTC)
    )
    assert latest_slot(daily, datetime(2026, 7, 10, 6, 29, tzinfo=UTC), "Europe/Madrid") == (
        datetime(2026, 7, 9, 6, 30, tzinfo=UTC)
    )
    # The night of 25 October 2026 the clocks go back: the 26th's slot is 07:30 UTC.
    assert latest_slot(daily, datetime(2026, 10, 26, 9, 0, tzinfo=UTC), "Europe/Madrid") == (
        datetime(2026, 10, 26, 7, 30, tzinfo=UTC)
    )


def test_weekday_weekly_and_monthly_cadences() -> None:
    saturday_noon = datetime(2026, 10, 17, 12, 0, tzinfo=UTC)
    weekdays = _schedule(cadence="weekdays")
    assert latest_slot(weekdays, saturday_noon, "UTC") == datetime(2026, 10, 16, 8, 30, tzinfo=UTC)
    weekly = _schedule(cadence="weekly", weekday=0)  # Mondays
    assert latest_slot(weekly, saturday_noon, "UTC") == datetime(2026, 10, 12, 8, 30, tzinfo=UTC)
    monthly = _schedule(cadence="monthly", day=1, period_rule="previous-month")
    slot = latest_slot(monthly, saturday_noon, "UTC")
    assert slot == datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
    assert period_of(monthly, slot, "UTC") == "2026-09"


# --- adding schedules: every bad field named ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"report": "nope"}, "unknown report 'nope'"),
        ({"period_rule": "last-month"}, "--period 'last-month'"),
        ({"output_format": "docx"}, "--format 'docx'"),
        ({"language": "fr"}, "language 'fr' is not supported"),
        ({"recipients": ("ana.example.com",)}, "ana.example.com is not an e-mail address"),
        ({"recipients": ()}, "--to: give at least one address"),
        ({"cadence": "hourly"}, "--every 'hourly'"),
        ({"channel": "missing"}, "alert channel 'missing': no such channel"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_field(
    email_channel: str, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(FunnelpactError, match=message):
        add_schedule(spec(**changes), CREATED)
    assert not models.ReportSchedule.objects.exists()


# --- sending -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_period_is_sent_once_with_the_file_attached(
    email_channel: str, mail_server: MailServer, june_data: AnalyticsData
) -> None:
    add_schedule(spec(), CREATED)
    # 1 July 2026, 07:59 UTC: the first slot (08:00 UTC, no agreement in force) has not come.
    assert run_due(datetime(2026, 7, 1, 7, 59, tzinfo=UTC), data=june_data).queued == 0
    assert mail_server.messages == []

    first = run_due(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), data=june_data)
    assert (first.queued, first.sent, first.failed) == (2, 2, 0)
    assert mail_server.recipients() == ["ana@example.com", "luca@example.com"]
    message = mail_server.parsed()[0]
    assert subject_of(message) == "Cuadro de mando del SLA · 2026-06"
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    text = body.get_payload(decode=True)
    assert isinstance(text, bytes) and "Tasa de aceptación".encode() in text
    files = attachments_of(message)
    assert list(files) == ["scorecard-2026-06.xlsx"]
    workbook = load_workbook(io.BytesIO(files["scorecard-2026-06.xlsx"]))
    sales = workbook["La parte de ventas"]
    rows = {row[0]: row for row in sales.iter_rows(min_row=2, values_only=True)}
    assert rows["Tasa de aceptación"][3] == 0.5  # b1 accepted, b2 rejected: 1 of 2

    # Later ticks, a restarted worker, a second run the same day: nothing is queued or sent again.
    for later in (timedelta(minutes=5), timedelta(hours=20), timedelta(days=10)):
        again = run_due(datetime(2026, 7, 1, 8, 0, tzinfo=UTC) + later, data=june_data)
        assert (again.queued, again.sent) == (0, 0)
    assert len(mail_server.messages) == 2
    deliveries = models.ReportDelivery.objects.order_by("recipient")
    assert [(d.period, d.status, d.attempts) for d in deliveries] == [
        ("2026-06", "sent", 1),
        ("2026-06", "sent", 1),
    ]
    # The next month's slot: the next period, once.
    august = run_due(datetime(2026, 8, 1, 9, 0, tzinfo=UTC), data=june_data)
    assert (august.queued, august.sent) == (2, 2)
    assert subject_of(mail_server.parsed()[-1]) == "Cuadro de mando del SLA · 2026-07"


@pytest.mark.django_db
def test_a_refused_send_is_kept_and_retried_with_backoff(
    mail_server: MailServer, june_data: AnalyticsData
) -> None:
    from funnelpact.server.watch.channels import add_channel

    closed = mail_url(mail_server.port + 1 if mail_server.port < 65535 else 1)
    add_channel("email", closed)
    add_schedule(spec(recipients=("ana@example.com",), output_format="csv"), CREATED)
    now = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    failed = run_due(now, data=june_data)
    assert (failed.queued, failed.sent, failed.failed) == (1, 0, 1)
    row = models.ReportDelivery.objects.get()
    assert row.status == "failed" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=30)
    # Before the backoff: not tried again.
    assert run_due(now + timedelta(seconds=10), data=june_data).failed == 0
    assert models.ReportDelivery.objects.get().attempts == 1
    # The channel fixed, after the backoff: sent, once.
    add_channel("email", mail_url(mail_server.port))
    retried = run_due(now + timedelta(seconds=31), data=june_data)
    assert (retried.queued, retried.sent, retried.failed) == (0, 1, 0)
    row = models.ReportDelivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert list(attachments_of(mail_server.parsed()[0])) == ["scorecard-2026-06.csv"]
    assert run_due(now + timedelta(hours=1), data=june_data).sent == 0
    assert len(mail_server.messages) == 1


@pytest.mark.django_db
def test_a_schedule_added_after_its_slot_waits_for_the_next(
    email_channel: str, mail_server: MailServer, june_data: AnalyticsData
) -> None:
    add_schedule(
        spec(cadence="daily", period_rule="previous-day"), datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    )
    assert run_due(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), data=june_data).queued == 0
    report = run_due(datetime(2026, 7, 2, 8, 0, tzinfo=UTC), data=june_data)
    assert (report.queued, report.sent) == (2, 2)
    assert subject_of(mail_server.parsed()[0]) == "Cuadro de mando del SLA · 2026-07-01"


@pytest.mark.django_db
def test_removing_a_schedule_stops_it(email_channel: str, june_data: AnalyticsData) -> None:
    add_schedule(spec(), CREATED)
    assert remove_schedule("monthly-scorecard") == 0
    assert run_due(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), data=june_data).queued == 0
    with pytest.raises(FunnelpactError, match="no such schedule"):
        remove_schedule("monthly-scorecard")


@pytest.mark.django_db
def test_the_worker_tick_sends_due_reports_from_the_store(
    email_channel: str, mail_server: MailServer
) -> None:
    """The watch scheduler's tick runs the job; the report is computed from the store."""
    from funnelpact.server.watch.scheduler import tick

    add_schedule(spec(recipients=("ana@example.com",), output_format="pdf"), CREATED)
    before = tick(datetime(2026, 7, 1, 7, 0, tzinfo=UTC), holder="test")
    assert before.ran and mail_server.messages == []
    tick(datetime(2026, 7, 1, 8, 1, tzinfo=UTC), holder="test")
    assert mail_server.recipients() == ["ana@example.com"]
    pdf = attachments_of(mail_server.parsed()[0])["scorecard-2026-06.pdf"]
    assert pdf.startswith(b"%PDF")
    tick(datetime(2026, 7, 1, 8, 2, tzinfo=UTC), holder="test")  # the next tick: nothing new
    assert len(mail_server.messages) == 1
