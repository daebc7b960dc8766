"""The schedules' tables: what to send when, and one delivery row per recipient and period."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from django.db import models


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"  # Monday to Friday
    WEEKLY = "weekly"  # on `weekday`
    MONTHLY = "monthly"  # on `day` of the month


class PeriodRule(StrEnum):
    """Which period a run reports on, relative to the local date of its slot."""

    PREVIOUS_DAY = "previous-day"
    PREVIOUS_WEEK = "previous-week"
    PREVIOUS_MONTH = "previous-month"
    PREVIOUS_QUARTER = "previous-quarter"
    WEEK_TO_DATE = "week-to-date"
    MONTH_TO_DATE = "month-to-date"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at


class ReportSchedule(models.Model):
    name = models.CharField(max_length=100, unique=True)
    report = models.CharField(max_length=40)  # a report slug (funnelpact.reports.registry)
    period_rule = models.CharField(max_length=20, choices=[(r.value, r.value) for r in PeriodRule])
    format = models.CharField(max_length=10)  # a ReportFormat value
    language = models.CharField(max_length=5)
    recipients = models.TextField()  # addresses, comma-separated
    channel = models.CharField(max_length=100)  # an alert channel's name (watch)
    cadence = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Cadence])
    weekday = models.SmallIntegerField(default=0)  # 0 = Monday (weekly)
    day = models.SmallIntegerField(default=1)  # 1..28 (monthly)
    # Local time of the agreement's time zone, "HH:MM" (text: the store's backup has no TimeField).
    at = models.CharField(max_length=5)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.name)

    @property
    def at_time(self) -> time:
        hours, minutes = str(self.at).split(":")
        return time(int(hours), int(minutes))

    @property
    def recipient_list(self) -> list[str]:
        return [address.strip() for address in str(self.recipients).split(",") if address.strip()]


class ReportDelivery(models.Model):
    """One report of one period to one recipient: the outbox row of a scheduled delivery."""

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.CASCADE, related_name="deliveries"
    )
    period = models.CharField(max_length=40)  # the report's period label: 2026-10, 2026-W42...
    slot = models.DateTimeField()  # the instant the cadence made it due
    recipient = models.CharField(max_length=254)
    status = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in DeliveryStatus],
        default=DeliveryStatus.PENDING.value,
    )
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["schedule", "period", "recipient"], name="one_report_per_period"
            ),
        )
        indexes = (models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),)

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.period} -> {self.recipient}"
