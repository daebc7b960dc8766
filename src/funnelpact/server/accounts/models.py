"""API tokens (stored hashed, with scopes) and the secrets of signed webhook sources."""

from __future__ import annotations

from enum import StrEnum

from django.db import models

TOKEN_NAME_LENGTH = 100
SOURCE_LENGTH = 40  # in:<source>:<event id> fits the ledger's 255 characters


class Scope(StrEnum):
    """What a token may do; ``admin`` may do everything."""

    EVENTS_WRITE = "events:write"
    CONTACTS_READ = "contacts:read"
    ADMIN = "admin"


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of its secret is kept: it is shown once, at creation."""

    name = models.CharField(max_length=TOKEN_NAME_LENGTH)
    # sha256 hex of the whole token: a random 256-bit secret needs no slow hash.
    token_hash = models.CharField(max_length=64, unique=True)
    # The token's first characters, so a user can tell tokens apart in a list.
    prefix = models.CharField(max_length=16)
    scopes = models.JSONField(default=list)
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            # A name names one live token; revoked tokens keep their name for the record.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_live_name_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: Scope) -> bool:
        granted = set(self.scopes)
        return Scope.ADMIN.value in granted or scope.value in granted


class WebhookSecret(models.Model):
    """The shared secret a signed webhook source signs with (``hubspot``: the app's client
    secret). Kept in clear: verifying an HMAC needs the key itself."""

    source = models.CharField(max_length=SOURCE_LENGTH, unique=True)
    secret = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.source)


# The web app's people (roles, reps, teams) and audit log live in their own module.
from funnelpact.server.accounts.people import AuditAction, AuditEntry, Profile  # noqa: E402, F401
