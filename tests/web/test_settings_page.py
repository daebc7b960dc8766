"""Settings: an alert channel's test message goes out through apprise to a local stand-in of a
JSON webhook; a failing channel is named on the page; teams and webhook secrets are managed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from web_testkit import PASSWORD

from funnelpact.server.accounts.people import AuditAction, AuditEntry
from funnelpact.server.accounts.people_services import create_user
from funnelpact.server.accounts.roles import Role


@dataclass
class Hook:
    port: int = 0
    failing: bool = False
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state.failing:
                self.send_response(500)
                self.end_headers()
                return
            state.posts.append((self.path, json.loads(body or b"{}")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin(db: None) -> Client:
    from datetime import UTC, datetime

    create_user("admin", PASSWORD, Role.ADMIN, datetime.now(UTC))
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    return client


def test_the_alert_channel_test_message_goes_out(admin: Client, hook: Hook) -> None:
    from funnelpact.server.watch.channels import add_channel

    add_channel("ops", f"json://127.0.0.1:{hook.port}/alerts")
    page = admin.get(reverse("web:settings")).content.decode()
    assert 'name="channel" value="ops"' in page and "Send a test message" in page
    sent = admin.post(reverse("web:settings"), {"action": "channel_test", "channel": "ops"})
    assert sent.status_code == 200
    assert sent.context["notice"] == "Test message sent."
    assert [path for path, _ in hook.posts] == ["/alerts"]
    assert hook.posts[0][1]["title"] == "funnelpact test alert"
    assert "'ops'" in hook.posts[0][1]["message"]


def test_a_failing_channel_is_named_on_the_page(admin: Client, hook: Hook) -> None:
    from funnelpact.server.watch.channels import add_channel

    hook.failing = True
    add_channel("ops", f"json://127.0.0.1:{hook.port}/alerts")
    failed = admin.post(reverse("web:settings"), {"action": "channel_test", "channel": "ops"})
    assert failed.status_code == 200
    assert "channel 'ops'" in failed.context["notice"]
    unknown = admin.post(reverse("web:settings"), {"action": "channel_test", "channel": "nope"})
    assert "no such channel" in unknown.context["notice"]


def test_webhook_secrets_are_set_and_audited(admin: Client) -> None:
    response = admin.post(
        reverse("web:settings"),
        {"action": "webhook", "source": "hubspot", "secret": "a-long-webhook-secret-123"},
    )
    assert response.context["notice"] == "Webhook secret saved."
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_SECRET_SET)
    assert entry.subject == "hubspot" and entry.actor == "admin"
    # The secret itself is never shown back nor logged.
    assert "a-long-webhook-secret-123" not in response.content.decode()
    assert "a-long-webhook-secret-123" not in json.dumps(entry.detail)


def test_an_alert_channel_is_added_tested_and_turned_off_from_the_page(
    admin: Client, hook: Hook
) -> None:
    from funnelpact.server.watch.models import AlertChannel

    url = f"json://127.0.0.1:{hook.port}/alerts"
    added = admin.post(
        reverse("web:settings"), {"action": "channel_add", "name": "ops", "url": url}
    )
    assert added.context["notice"] == "Alert channel saved."
    channel = AlertChannel.objects.get(name="ops")
    assert (channel.kind, channel.url, channel.enabled) == ("webhook", url, True)
    page = added.content.decode()
    assert 'name="channel" value="ops"' in page
    assert f"127.0.0.1:{hook.port}/..." in page  # shown redacted
    assert AuditEntry.objects.get(action=AuditAction.CHANNEL_ADDED).subject == "ops"

    admin.post(reverse("web:settings"), {"action": "channel_test", "channel": "ops"})
    assert [path for path, _ in hook.posts] == ["/alerts"]

    off = admin.post(reverse("web:settings"), {"action": "channel_toggle", "channel": "ops"})
    assert off.context["notice"] == "Alert channel turned off."
    assert AlertChannel.objects.get(name="ops").enabled is False  # kept, with its history
    entry = AuditEntry.objects.get(action=AuditAction.CHANNEL_TOGGLED)
    assert (entry.subject, entry.detail) == ("ops", {"enabled": False})
    on = admin.post(reverse("web:settings"), {"action": "channel_toggle", "channel": "ops"})
    assert on.context["notice"] == "Alert channel turned on."
    assert AlertChannel.objects.get(name="ops").enabled is True


def test_a_bad_channel_is_refused_with_its_reason_and_nothing_stored(admin: Client) -> None:
    from funnelpact.server.watch.models import AlertChannel

    bad = admin.post(
        reverse("web:settings"), {"action": "channel_add", "name": "ops", "url": "ftp://x/y"}
    )
    assert "not an alert channel" in bad.context["notice"]
    nameless = admin.post(
        reverse("web:settings"), {"action": "channel_add", "name": " ", "url": "json://h/x"}
    )
    assert nameless.context["notice"] == "A channel needs a name."
    assert not AlertChannel.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.CHANNEL_ADDED).exists()


def test_roles_and_audit_actions_read_in_the_users_language(admin: Client) -> None:
    admin.post(reverse("web:settings"), {"action": "webhook", "source": "hubspot", "secret": ""})
    page = admin.get(reverse("web:settings"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<option value="sales_manager"' in page and "responsabile vendite" in page
    assert "segreto webhook salvato" in page  # the audit log's action, not its code
    assert "Nome del token" in page and "Aggiungi canale" in page
