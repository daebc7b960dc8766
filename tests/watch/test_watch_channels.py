"""Alert channels end to end through apprise, against local stand-ins of the services: a real
SMTP server, and an HTTP server where Slack's and a generic webhook's endpoints would be."""

from __future__ import annotations

import email
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from watch_factories import madrid, mql, team

from channel_standins import self_signed
from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.channels import add_channel, backoff, send_test
from funnelpact.server.watch.scheduler import tick
from funnelpact.server.watch.services import use_agreement

pytestmark = pytest.mark.django_db
HANDOFF = madrid(2025, 12, 1, 10)
DECISION_DUE = madrid(2025, 12, 2, 10)
SLACK_TOKENS = "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(email.message_from_bytes(raw)["Subject"])))


def test_breach_by_email_to_the_owner_and_the_sales_owner(clock, agreement_path, mail_server):
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("sales-email", mail_server.url())
    store_records([*team(), *mql(HANDOFF)])
    tick(clock.set(DECISION_DUE))
    tick(clock.set(DECISION_DUE + timedelta(minutes=1)))
    breaches = [
        (rcpt, _subject(raw))
        for _, rcpts, raw in mail_server.messages
        for rcpt in rcpts
        if "breached" in _subject(raw)
    ]
    assert sorted(rcpt for rcpt, _ in breaches) == [
        "ana@nubeo.example",  # the lead's owner
        "javier.romero@nubeo.example",  # the agreement's sales owner
    ]
    assert all("decision" in subject for _, subject in breaches)


def test_slack_gets_its_documented_webhook_payload(
    clock, agreement_path, hook_server, monkeypatch
) -> None:
    from apprise.plugins.slack import NotifySlack

    # Slack's incoming-webhook host, replaced by the local server (the service is all we fake).
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{hook_server.port}/services")
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("sales-slack", f"slack://{SLACK_TOKENS}")
    store_records([*team(), *mql(HANDOFF)])
    tick(clock.set(DECISION_DUE))
    titles = [body["attachments"][0]["title"] for _, body in hook_server.posts]
    assert titles.count("SLA breached: decision for Lead lead-1") == 1
    breach = [(path, body) for path, body in hook_server.posts if "breached:" in json_text(body)]
    path, body = breach[0]
    assert path == f"/services/{SLACK_TOKENS}"
    assert "attachments" in body or "blocks" in body or "text" in body


def json_text(body: object) -> str:
    import json

    return json.dumps(body)


def test_alerts_test_sends_at_once(clock, hook_server) -> None:
    add_channel("ops", hook_server.url("/test"))
    send_test("ops", clock.set(HANDOFF))
    assert [path for path, _ in hook_server.posts] == ["/test"]
    assert hook_server.posts[0][1]["title"] == "funnelpact test alert"


def test_a_failing_test_names_the_channel(clock, hook_server) -> None:
    hook_server.failing = True
    add_channel("ops", hook_server.url())
    with pytest.raises(InputError, match="channel 'ops'"):
        send_test("ops", clock.set(HANDOFF))


def test_channel_urls_are_checked(db) -> None:
    with pytest.raises(InputError, match="not an alert channel"):
        add_channel("bad", "ftp://example.com/")
    with pytest.raises(NotFoundError, match="no such channel"):
        send_test("nobody", madrid(2025, 12, 1, 10))
    assert not models.AlertChannel.objects.exists()


def test_backoff_doubles_up_to_an_hour() -> None:
    delays = [backoff(attempt).total_seconds() for attempt in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600
    assert delays == sorted(delays)


def test_a_large_alert_batch_is_written_once(db, hook_server) -> None:
    from funnelpact.server.watch.services import AlertBatch, Person

    add_channel("ops", hook_server.url())
    people = [Person("Ana Ruiz", "ana@nubeo.example")]
    now = madrid(2025, 12, 1, 10)
    for _ in range(2):  # the second time every key exists: nothing is written
        batch = AlertBatch(now)
        for number in range(2_500):  # above the bulk path's COPY threshold on PostgreSQL
            batch.add(
                key=f"test:{number}",
                kind=models.AlertKind.TEST,
                people=people,
                title=f"alert {number}",
                body="body",
            )
        batch.flush()
    rows = models.AlertOutbox.objects.filter(kind="test")
    assert rows.count() == 2_500
    row = rows.get(key="test:7|ops|Ana Ruiz")
    assert row.created_at == now and row.next_attempt_at == now
    assert row.status == models.DeliveryStatus.PENDING and row.attempts == 0


def test_teams_workflow_gets_an_adaptive_card(clock, agreement_path, tmp_path) -> None:
    """`workflows://` (a Teams workflow webhook) against an HTTPS endpoint on loopback: the
    POST goes to the workflow's trigger path with its signature, and carries the message with
    an Adaptive Card holding the alert's title and text (the shape Teams workflows read)."""
    import json
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    posts: list[tuple[str, dict[str, list[str]], dict[str, object]]] = []

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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        use_agreement(agreement_path, clock.set(HANDOFF))
        channel = add_channel("sales-teams", f"workflows://127.0.0.1:{port}/wf01/sig-02/?verify=no")
        assert channel.kind == models.ChannelKind.TEAMS
        store_records([*team(), *mql(HANDOFF)])
        tick(clock.set(DECISION_DUE))
        tick(clock.set(DECISION_DUE + timedelta(minutes=1)))
    finally:
        server.shutdown()
        server.server_close()
    breach = [
        (path, query, body)
        for path, query, body in posts
        if "SLA breached" in json.dumps(body, ensure_ascii=False)
    ]
    assert len(breach) == 1  # one message per alert, naming every recipient
    path, query, body = breach[0]
    assert path == "/workflows/wf01/triggers/manual/paths/invoke"
    assert query["sig"] == ["sig-02"] and query["sp"] == ["/triggers/manual/run"]
    assert body["type"] == "message"
    (attachment,) = body["attachments"]  # type: ignore[misc]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    texts = {
        block.get("id"): block["text"] for block in card["body"] if block["type"] == "TextBlock"
    }
    assert texts["title"] == "SLA breached: decision for Lead lead-1"
    assert texts["body"].startswith("Ana Ruiz, Javier Romero: decision of Lead lead-1")
    assert "was due 2025-12-02 10:00" in texts["body"]
    row = models.AlertOutbox.objects.get(kind="breach", channel=channel)
    assert row.status == models.DeliveryStatus.SENT and row.attempts == 1
