"""Alert channels: sending the outbox through apprise (e-mail, Slack, Microsoft Teams, webhooks).

A channel is an apprise URL: ``mailtos://user:password@smtp.example.com?from=watch@example.com``
(e-mail: each alert goes to its recipient's address, added as ``to=``), ``slack://...``,
``workflows://...`` (Microsoft Teams workflow webhooks), ``json://host/path`` (a generic
webhook receiving JSON). See docs/alerts.md.

``deliver_due(now)`` sends the outbox rows whose time has come, one at a time: a row is marked
sent only after its channel accepted it; a failure is kept with its error and retried with
exponential backoff. (A crash between a send and its mark sends that one alert again: at least
once, never lost.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
from django.db import connection, transaction

from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.watch import models

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
SEND_TIMEOUT_SECONDS = 15

_SCHEMES = {
    "mailto": models.ChannelKind.EMAIL,
    "mailtos": models.ChannelKind.EMAIL,
    "slack": models.ChannelKind.SLACK,
    "workflow": models.ChannelKind.TEAMS,  # Microsoft Teams through a Power Automate workflow
    "workflows": models.ChannelKind.TEAMS,
    "json": models.ChannelKind.WEBHOOK,
    "jsons": models.ChannelKind.WEBHOOK,
    "form": models.ChannelKind.WEBHOOK,
    "forms": models.ChannelKind.WEBHOOK,
}


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    delay: timedelta = BACKOFF_FIRST * (2 ** max(0, attempts - 1))
    return min(BACKOFF_MAX, delay)


def kind_of_url(url: str) -> models.ChannelKind:
    scheme = urlsplit(url).scheme.lower()
    kind = _SCHEMES.get(scheme)
    if kind is None:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
        raise InputError(f"channel URL {scheme or url!r}: not an alert channel ({known})")
    if not apprise.Apprise().add(url):
        raise InputError(f"channel URL {redact_url(url)}: apprise cannot read it")
    return kind


def redact_url(url: str) -> str:
    """The URL without its password or token path, for lists and messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, "/..." if parts.path else "", "", ""))


def add_channel(name: str, url: str) -> models.AlertChannel:
    kind = kind_of_url(url)
    channel: models.AlertChannel
    channel, _ = models.AlertChannel.objects.update_or_create(
        name=name, defaults={"url": url, "kind": kind.value, "enabled": True}
    )
    return channel


def get_channel(name: str) -> models.AlertChannel:
    channel: models.AlertChannel | None = models.AlertChannel.objects.filter(name=name).first()
    if channel is None:
        known = ", ".join(models.AlertChannel.objects.values_list("name", flat=True)) or "none"
        raise NotFoundError(f"alert channel {name!r}: no such channel (channels: {known})")
    return channel


def target_url(channel: models.AlertChannel, recipient: str) -> str:
    """The channel's URL for one alert: e-mail channels get the recipient as ``to=``."""
    if channel.kind != models.ChannelKind.EMAIL or not recipient:
        return str(channel.url)
    parts = urlsplit(channel.url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "to"]
    query.append(("to", recipient))
    url: str = urlunsplit(parts._replace(query=urlencode(query)))
    return url


Sender = Callable[[str, str, str], None]


def apprise_send(url: str, title: str, body: str) -> None:
    """Send one message; an error naming apprise's reason when the service refused it."""
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise OSError(f"apprise cannot read the channel URL {redact_url(url)}")
    with apprise.LogCapture(level=logging.WARNING) as log:  # type: ignore[no-untyped-call]
        delivered = notifier.notify(title=title, body=body, timeout=SEND_TIMEOUT_SECONDS)
        if not delivered:
            text = log.getvalue().strip().splitlines() if hasattr(log, "getvalue") else []
            # apprise's log lines read "<time> - WARNING - <reason>": keep the reason.
            reason = text[-1].rsplit(" - ", 1)[-1] if text else ""
            raise OSError(reason or f"{redact_url(url)} did not accept the message")


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _due_ids(now: datetime, limit: int) -> list[int]:
    rows = models.AlertOutbox.objects.filter(
        status__in=[models.DeliveryStatus.PENDING, models.DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    ).order_by("next_attempt_at", "pk")
    return list(rows.values_list("pk", flat=True)[:limit])


def _claim(outbox_id: int, now: datetime) -> models.AlertOutbox | None:
    """The row, if still due; on PostgreSQL locked so that a second sender skips it."""
    rows = models.AlertOutbox.objects.select_related("channel").filter(
        pk=outbox_id,
        status__in=[models.DeliveryStatus.PENDING, models.DeliveryStatus.FAILED],
        next_attempt_at__lte=now,
    )
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    row: models.AlertOutbox | None = rows.first()
    return row


def deliver_due(
    now: datetime,
    *,
    send: Sender = apprise_send,
    limit: int = 200,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Send the outbox rows due at ``now``; mark each sent, or failed with its next attempt.

    Once ``stop`` is set (the worker got SIGTERM or SIGINT) no further alert is started: the
    one in flight is finished and the rest stay due for the next tick.
    """
    sent = failed = 0
    for outbox_id in _due_ids(now, limit):
        if stop is not None and stop.is_set():
            break
        # One short transaction per alert: on PostgreSQL the row lock keeps other workers off it
        # while it is sent; on SQLite the scheduler lease already makes this the only sender.
        with transaction.atomic():
            row = _claim(outbox_id, now)
            if row is None:
                continue
            row.attempts += 1
            try:
                send(target_url(row.channel, row.recipient), row.title, row.body)
            except Exception as exc:  # any failure of a channel is kept and retried
                row.status = models.DeliveryStatus.FAILED
                row.last_error = (str(exc) or type(exc).__name__)[:2000]
                row.next_attempt_at = now + backoff(row.attempts)
                failed += 1
            else:
                row.status = models.DeliveryStatus.SENT
                row.sent_at = now
                row.last_error = ""
                sent += 1
            row.save(
                update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"]
            )
    return DeliveryReport(sent=sent, failed=failed)


def send_test(name: str, now: datetime, *, send: Sender = apprise_send, to: str = "") -> None:
    """Send a test message through one channel at once (errors raise, naming the channel)."""
    channel = get_channel(name)
    recipient = to
    if channel.kind == models.ChannelKind.EMAIL and not recipient:
        query = dict(parse_qsl(urlsplit(channel.url).query))
        recipient = query.get("to", "")
        if not recipient:
            raise InputError(f"channel {name!r} is e-mail: give --to ADDRESS for the test")
    try:
        send(
            target_url(channel, recipient),
            "funnelpact test alert",
            f"This is a test of the alert channel {name!r} ({now.isoformat(timespec='seconds')}).",
        )
    except OSError as exc:
        raise InputError(f"channel {name!r}: {exc}") from exc
