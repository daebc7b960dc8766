"""People of the web app: each user's role, rep and team, and the audit log.

Kept apart from the API's tokens (models.py imports these so Django registers them).
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models

from funnelpact.server.accounts.roles import Role
from funnelpact.server.tracking.models import LABEL_LENGTH, Rep

ROLE_CHOICES = [(role.value, role.value) for role in Role]


class Profile(models.Model):
    """What a user may see and do: the role, and for sales the rep and team they are."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=Role.VIEWER.value)
    # A rep sees the leads this CRM owner owns; a manager those of every rep of their team.
    rep = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    team_name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    # "" follows the browser (LocaleMiddleware); else en, es or it.
    language = models.CharField(max_length=8, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class AuditAction(StrEnum):
    AGREEMENT_CHANGED = "agreement_changed"
    AGREEMENT_SIGNED = "agreement_signed"
    LEAD_ACCEPTED = "lead_accepted"
    LEAD_REJECTED = "lead_rejected"
    TOUCH_LOGGED = "touch_logged"
    ROLE_CHANGED = "role_changed"
    USER_CREATED = "user_created"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    WEBHOOK_SECRET_SET = "webhook_secret_set"
    LOGIN_FAILED = "login_failed"
    CHANNEL_ADDED = "channel_added"
    CHANNEL_TOGGLED = "channel_toggled"


class AuditEntry(models.Model):
    """Who did what, when: kept for agreement changes, signatures, decisions, permissions."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=40, choices=[(a.value, a.value) for a in AuditAction])
    subject = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.subject}"
