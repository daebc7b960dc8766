"""Watch fixtures: a fake clock, the example agreement in force, and local stand-ins for the
third-party services alerts go to (an SMTP server, an HTTP server for Slack/Teams/webhooks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channel_standins import HookServer, serve_hooks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AGREEMENT = EXAMPLES / "agreement-seed-000.yaml"  # Madrid; Mon-Thu 09-14, 15-18; Fri 08-15


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> datetime:
        self.now = instant.astimezone(UTC)
        return self.now


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    yield from serve_hooks()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    from funnelpact.server.watch import services

    fake = FakeClock(datetime(2025, 12, 1, 8, 0, tzinfo=UTC))
    monkeypatch.setattr(services, "clock", fake)
    return fake


@pytest.fixture
def agreement_path() -> Path:
    return AGREEMENT


@dataclass
class MailServer:
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    def url(self) -> str:
        # Plain SMTP on 127.0.0.1 (no TLS, no login): apprise's "insecure" mode.
        return f"mailto://127.0.0.1:{self.port}?from=watch@funnelpact.example&mode=insecure"


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = MailServer(port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            state.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield state
    controller.stop()
