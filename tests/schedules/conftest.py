"""A real local SMTP server (aiosmtpd), an e-mail alert channel pointing at it, June data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schedule_helpers import MailServer, free_port, mail_url

from channel_standins import HookServer, serve_hooks
from funnelpact.analytics.sources import AnalyticsData, from_records
from funnelpact.demo.journeys import journey, team


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller

    state = MailServer(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            state.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=state.port)
    controller.start()
    yield state
    controller.stop()


@pytest.fixture
def email_channel(mail_server: MailServer) -> str:
    from funnelpact.server.watch.channels import add_channel

    add_channel("email", mail_url(mail_server.port))
    return "email"


@pytest.fixture(scope="session")
def june_data() -> AnalyticsData:
    """Two hand-offs in June 2026 (Madrid times): b1 accepted and touched, b2 rejected."""
    b1 = journey(
        "b1",
        [
            ("2026-06-08 09:00", "lead"),
            ("2026-06-09 10:00", "mql"),
            ("2026-06-09 10:00", "owner", "rep1"),
            ("2026-06-09 11:00", "call", "rep1"),
            ("2026-06-09 12:00", "accepted", "rep1"),
        ],
        source="web",
        campaign="spring",
    )
    b2 = journey(
        "b2",
        [
            ("2026-06-10 09:00", "lead"),
            ("2026-06-10 09:00", "mql"),
            ("2026-06-10 09:00", "owner", "rep1"),
            ("2026-06-11 16:00", "rejected", "rep1", "not_icp"),
        ],
        source="ads",
        campaign="retarget",
    )
    return from_records([*team("north", "rep1"), *b1, *b2])


@pytest.fixture(autouse=True)
def _fresh_live_engine() -> Iterator[None]:
    """The process's incremental engine is per store: each test's database starts unread."""
    from funnelpact.analytics.live import LIVE

    LIVE.reset()
    LIVE.stats = type(LIVE.stats)()
    yield
    LIVE.reset()


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    """An HTTP server where Slack's incoming webhooks and a generic JSON webhook would be."""
    yield from serve_hooks()
