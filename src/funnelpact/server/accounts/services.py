"""Creating, checking and revoking API tokens; setting webhook secrets.

Tokens look like ``fpt_<43 url-safe characters>`` (256 random bits). The store keeps their
SHA-256 only, so a stolen database does not give working tokens; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.accounts.models import (
    SOURCE_LENGTH,
    TOKEN_NAME_LENGTH,
    ApiToken,
    Scope,
    WebhookSecret,
)

TOKEN_PREFIX = "fpt_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
# last_used_at is a hint for humans: writing it at most once a minute keeps reads read-only.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_SOURCE = re.compile(rf"^[a-z0-9][a-z0-9_-]{{0,{SOURCE_LENGTH - 1}}}$")


class TokenError(InputError):
    pass


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: ``secret`` is the only time the token is available in clear."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(values: Iterable[str]) -> list[Scope]:
    scopes: list[Scope] = []
    for value in values:
        try:
            scope = Scope(value.strip())
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise TokenError(f"unknown scope {value!r} (known: {known})") from None
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise TokenError("a token needs at least one scope (--scope events:write, ...)")
    return scopes


def create_token(name: str, scopes: Iterable[str], *, created_by: str, now: datetime) -> NewToken:
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_LENGTH:
        raise TokenError(f"a token name has 1 to {TOKEN_NAME_LENGTH} characters; got {name!r}")
    granted = parse_scopes(scopes)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                token_hash=hash_token(secret),
                prefix=secret[:SHOWN_PREFIX_LENGTH],
                scopes=[scope.value for scope in granted],
                created_by=created_by[:150],
                created_at=now,
            )
    except IntegrityError:
        raise TokenError(
            f"a live token named {name!r} exists: revoke it first or pick another name"
        ) from None
    return NewToken(token, secret)


def authenticate(secret: str, *, now: datetime) -> ApiToken | None:
    """The live token with this secret, or None (unknown, malformed or revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token: ApiToken | None = ApiToken.objects.filter(
        token_hash=hash_token(secret), revoked_at__isnull=True
    ).first()
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def list_tokens(*, include_revoked: bool = False) -> list[ApiToken]:
    tokens = ApiToken.objects.order_by("created_at", "id")
    if not include_revoked:
        tokens = tokens.filter(revoked_at__isnull=True)
    return list(tokens)


def revoke_token(name_or_prefix: str, *, now: datetime) -> ApiToken:
    """Revoke the live token with this name (or whose shown prefix this is)."""
    wanted = name_or_prefix.strip()
    live = ApiToken.objects.filter(revoked_at__isnull=True)
    matches = list(live.filter(name=wanted))
    if not matches and wanted.startswith(TOKEN_PREFIX):
        matches = list(live.filter(prefix=wanted[:SHOWN_PREFIX_LENGTH]))
    if not matches:
        raise NotFoundError(f"no live token named {wanted!r}")
    if len(matches) > 1:
        raise TokenError(f"{wanted!r} names {len(matches)} tokens: revoke by name")
    token: ApiToken = matches[0]
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    return token


# -- webhook secrets ----------------------------------------------------------------------------


def check_source(source: str) -> str:
    if not _SOURCE.match(source):
        raise TokenError(
            f"{source!r} is not a source name: lower-case letters, digits, '-' and '_', "
            f"at most {SOURCE_LENGTH} characters (e.g. zapier, make, segment)"
        )
    return source


def set_webhook_secret(source: str, secret: str | None, *, now: datetime) -> str:
    """Set (or replace) a source's secret; a new random one when none is given."""
    check_source(source)
    value = secret.strip() if secret is not None else "whsec_" + secrets.token_urlsafe(32)
    if len(value) < 16 or len(value) > 200:
        raise TokenError("a webhook secret has 16 to 200 characters")
    WebhookSecret.objects.update_or_create(
        source=source, defaults={"secret": value, "created_at": now}
    )
    return value


def webhook_secret(source: str) -> str | None:
    found = WebhookSecret.objects.filter(source=source).values_list("secret", flat=True).first()
    return str(found) if found is not None else None


def list_webhook_sources() -> list[WebhookSecret]:
    return list(WebhookSecret.objects.order_by("source"))


def remove_webhook_secret(source: str) -> None:
    deleted, _ = WebhookSecret.objects.filter(source=source).delete()
    if not deleted:
        raise NotFoundError(f"no webhook source named {source!r}")
