"""Scheduled reports through the chat and webhook alert channels, against local stand-ins of the
services shaped like the real ones: Slack's incoming webhook (its path and JSON body), a generic
JSON webhook (apprise's payload with base64 attachments) and a Microsoft Teams workflow over
HTTPS (its trigger path, signature and Adaptive Card)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from openpyxl import load_workbook

from channel_standins import HookServer, self_signed
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.errors import InputError
from funnelpact.server.schedules import models
from funnelpact.server.schedules.services import ScheduleSpec, add_schedule, run_due

CREATED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JULY_FIRST = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
SLACK_TOKENS = "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
pytestmark = pytest.mark.django_db


def spec(channel: str, **changes: object) -> ScheduleSpec:
    values: dict[str, object] = {
        "name": "monthly-scorecard",
        "report": "scorecard",
        "period_rule": "previous-month",
        "output_format": "xlsx",
        "language": "en",
        "recipients": (),
        "channel": channel,
        "cadence": "monthly",
        "at": time(8, 0),
        "weekday": 0,
        "day": 1,
    }
    values.update(changes)
    return ScheduleSpec(**values)  # type: ignore[arg-type]


def test_chat_and_webhook_channels_take_no_recipients() -> None:
    from funnelpact.server.watch.channels import add_channel

    add_channel("hooks", "json://127.0.0.1:9/hook")
    with pytest.raises(InputError, match="recipients are for e-mail channels"):
        add_schedule(spec("hooks", recipients=("ana@example.com",)), CREATED)
    schedule = add_schedule(spec("hooks"), CREATED)
    assert schedule.recipient_list == [] and schedule.channel == "hooks"


def test_an_email_channel_still_needs_recipients(email_channel: str) -> None:
    with pytest.raises(InputError, match="--to: give at least one address"):
        add_schedule(spec(email_channel), CREATED)


def test_a_webhook_gets_the_report_and_its_file_once_per_period(
    hook_server: HookServer, june_data: AnalyticsData
) -> None:
    from funnelpact.server.watch.channels import add_channel

    add_channel("hooks", f"json://127.0.0.1:{hook_server.port}/reports")
    add_schedule(spec("hooks"), CREATED)
    first = run_due(JULY_FIRST, data=june_data)
    assert (first.queued, first.sent, first.failed) == (1, 1, 0)
    again = run_due(JULY_FIRST.replace(hour=9), data=june_data)
    assert (again.queued, again.sent) == (0, 0)
    [(path, body)] = hook_server.posts
    assert path == "/reports"
    # apprise's JSON payload: version, title, message, attachments (base64), type.
    assert body["title"] == "SLA scorecard · 2026-06"
    assert "Acceptance rate" in str(body["message"])
    [attachment] = body["attachments"]  # type: ignore[misc]
    assert attachment["filename"] == "scorecard-2026-06.xlsx"
    workbook = load_workbook(io.BytesIO(base64.b64decode(attachment["base64"])))
    sales = workbook["Sales' side"]
    rows = {row[0]: row for row in sales.iter_rows(min_row=2, values_only=True)}
    assert rows["Acceptance rate"][3] == 0.5  # b1 accepted, b2 rejected: 1 of 2
    delivery = models.ReportDelivery.objects.get()
    assert (delivery.recipient, delivery.status, delivery.period) == ("", "sent", "2026-06")


def test_slack_gets_the_text_tables_and_a_link(
    hook_server: HookServer, june_data: AnalyticsData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apprise.plugins.slack import NotifySlack

    from funnelpact.server.watch.channels import add_channel

    # Slack's incoming-webhook host, replaced by the local server (the service is all we fake).
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{hook_server.port}/services")
    monkeypatch.setenv("FUNNELPACT_WEB_URL", "https://sla.example.com/")
    add_channel("sales-slack", f"slack://{SLACK_TOKENS}")
    add_schedule(spec("sales-slack", output_format="pdf"), CREATED)
    assert run_due(JULY_FIRST, data=june_data).sent == 1
    [(path, body)] = hook_server.posts
    assert path == f"/services/{SLACK_TOKENS}"
    [attachment] = body["attachments"]  # type: ignore[misc]
    assert attachment["title"] == "SLA scorecard · 2026-06"
    text = attachment["text"]
    assert text.startswith("```") and "Acceptance rate" in text
    assert text.rstrip().endswith(
        "https://sla.example.com/reports/scorecard/file.pdf?period=2026-06"
    )


def test_teams_gets_an_adaptive_card_within_its_limit(
    june_data: AnalyticsData, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    from funnelpact.server.watch.channels import add_channel

    posts: list[tuple[str, dict[str, list[str]], dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            parts = urlsplit(self.path)
            posts.append((parts.path, parse_qs(parts.query), json.loads(self.rfile.read(length))))
            self.send_response(202)  # what a Teams workflow trigger answers
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("FUNNELPACT_WEB_URL", "https://sla.example.com")
    try:
        port = server.server_address[1]
        add_channel("sales-teams", f"workflows://127.0.0.1:{port}/wf01/sig-02/?verify=no")
        add_schedule(spec("sales-teams", output_format="csv"), CREATED)
        assert run_due(JULY_FIRST, data=june_data).sent == 1
    finally:
        server.shutdown()
        server.server_close()
    [(path, query, body)] = posts
    assert path == "/workflows/wf01/triggers/manual/paths/invoke"
    assert query["sig"] == ["sig-02"]
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = {
        block.get("id"): block["text"]
        for block in attachment["content"]["body"]
        if block["type"] == "TextBlock"
    }
    assert texts["title"] == "SLA scorecard · 2026-06"
    assert len(texts["body"]) <= 1000
    assert texts["body"].endswith(
        "https://sla.example.com/reports/scorecard/file.csv?period=2026-06"
    )
    assert "SLA scorecard" in texts["body"]  # the report's first lines, cut at a line
