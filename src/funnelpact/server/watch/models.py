"""The watch's tables: the agreement in force, each lead's obligations, the alert outbox.

Obligations are a cache of `funnelpact.domain.compliance.evaluate` for the agreement in force:
re-evaluated for the touched contacts inside every store_records() transaction, and by the
scheduler when a lead's `next_check_at` passes. Alerts are written in the same transaction as
the status change that causes them (the outbox), and sent afterwards by the worker.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models

from funnelpact.domain.compliance import ObligationKind, Status
from funnelpact.server.tracking.models import LABEL_LENGTH, Contact, Rep


class AgreementVersion(models.Model):
    """An agreement text the watch ran on; the newest ``active`` one is in force."""

    content_hash = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    version = models.IntegerField(default=1)
    source_path = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.content_hash[:12]})"


class WatchedLead(models.Model):
    """A contact the watch follows: when to look at it again with no new event."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, primary_key=True)
    # None: nothing can change without a new event (every obligation met, breached or n/a).
    next_check_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)  # when this row last changed
    # The newest contact activity (visit, form, download) already announced as re-engagement.
    activity_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (models.Index(fields=["next_check_at"], name="watched_next_check"),)


STATUS_CHOICES = [(s.value, s.value) for s in Status]
KIND_CHOICES = [(k.value, k.value) for k in ObligationKind]


class Obligation(models.Model):
    """One obligation of one hand-off cycle; ``evaluated_at``: when its values last changed."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="obligations", db_index=False
    )
    cycle = models.IntegerField()
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    handoff_at = models.DateTimeField()
    due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    not_applicable_at = models.DateTimeField(null=True, blank=True)
    # Business seconds: how fast when met, by how much when breached (up to now while open).
    business_seconds = models.BigIntegerField(null=True, blank=True)
    # No index of its own: (owner, status) below serves every lookup by owner, and each
    # b-tree costs every inserted row (a first evaluation inserts tens of thousands).
    owner = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="obligations",
        db_index=False,
    )
    reason = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    evaluated_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["contact", "cycle", "name"], name="obligation_unique_per_cycle"
            ),
        )
        # Every b-tree costs every inserted row (a first evaluation inserts five per lead):
        # - one index serves both of the scheduler's set-based moves: at risk (``status =
        #   pending AND at_risk_at <= now``) and breached (``status IN (pending, at_risk) AND
        #   at_risk_at <= now AND due_at <= now``: an obligation's at-risk instant never
        #   follows its due instant, so the extra bound changes no answer and makes the
        #   range an index range; due_at is then read from the index);
        # - hand-offs are counted and listed by their first-touch row (one per hand-off
        #   cycle, the cycle's other rows share its hand-off instant): a partial index of
        #   those rows only.
        indexes = (
            models.Index(
                fields=["status", "at_risk_at", "due_at"], name="obligation_status_risk_due"
            ),
            models.Index(fields=["owner", "status"], name="obligation_owner_status"),
            models.Index(
                fields=["handoff_at"],
                name="obligation_first_touch_handoff",
                condition=models.Q(name="first_touch"),
            ),
        )


class ChannelKind(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    TEAMS = "teams"
    WEBHOOK = "webhook"


class AlertChannel(models.Model):
    """Where alerts go: an apprise URL (mailtos://, slack://, workflows://, json://...).

    E-mail channels send one message per recipient address; chat and webhook channels get
    every alert once, naming its recipients.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in ChannelKind])
    url = models.TextField()
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return str(self.name)


class AlertKind(StrEnum):
    AT_RISK = "at_risk"
    BREACH = "breach"
    ESCALATION = "escalation"
    REENGAGEMENT = "reengagement"
    DIGEST = "digest"
    MQL_PACE = "mql_pace"
    TEST = "test"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; retried at next_attempt_at


class AlertOutbox(models.Model):
    """One alert to one recipient through one channel; ``key`` makes every alert happen once."""

    key = models.CharField(max_length=400, unique=True)
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in AlertKind])
    obligation = models.ForeignKey(
        Obligation, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    channel = models.ForeignKey(AlertChannel, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    title = models.CharField(max_length=LABEL_LENGTH)
    body = models.TextField()
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10,
        choices=[(k.value, k.value) for k in DeliveryStatus],
        default=DeliveryStatus.PENDING.value,
    )
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = (
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["created_at"], name="outbox_created"),
        )


class SchedulerLease(models.Model):
    """Who runs the scheduler now: one holder at a time, until ``expires_at``."""

    name = models.CharField(max_length=60, unique=True)
    holder = models.CharField(max_length=200, blank=True, default="")
    expires_at = models.DateTimeField()
