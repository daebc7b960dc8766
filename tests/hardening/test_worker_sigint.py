"""`funnelpact worker` stopped with Ctrl-C (SIGINT) in the middle of a 200-alert batch behaves as
with SIGTERM: the alert in flight is finished (sent and marked sent, or left pending), no other is
started, the lease is released, exit 0 with "worker stopped", within seconds (it took more than
60 s: the whole batch was sent first).

A real worker process; the alert channel is a generic webhook (apprise ``json://``) to a slow
receiver in this test on 127.0.0.1 (0.25 s per POST: the batch would take 50 s).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
ALERTS = 200
DELAY = 0.25

PREPARE = r"""
import sys
from datetime import timedelta
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from funnelpact.server.watch import models
from funnelpact.server.watch.channels import add_channel
channel = add_channel("slow-hook", sys.argv[1])
due = timezone.now() - timedelta(minutes=5)
models.AlertOutbox.objects.bulk_create(
    models.AlertOutbox(
        key=f"sigint-{n:03d}", kind=models.AlertKind.TEST, channel=channel, title=f"alert {n:03d}",
        body=f"body {n:03d}", created_at=due, next_attempt_at=due,
    )
    for n in range(int(sys.argv[2]))
)
"""


class SlowReceiver:
    """The channel's endpoint: logs every POST's title, answering each after DELAY seconds."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        titles = self.titles
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                time.sleep(DELAY)
                with lock:
                    titles.append(str(body.get("title", "")))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _outbox(database: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(database, timeout=30) as conn:
        rows = conn.execute("SELECT title, status, attempts FROM watch_alertoutbox").fetchall()
    return {str(title): (str(status), int(attempts)) for title, status, attempts in rows}


def _lease(database: Path) -> tuple[str, str] | None:
    with sqlite3.connect(database, timeout=30) as conn:
        row = conn.execute("SELECT holder, expires_at FROM watch_schedulerlease").fetchone()
    return (str(row[0]), str(row[1])) if row else None


def test_sigint_mid_batch_finishes_the_alert_in_flight_and_stops(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{database}"}
    receiver = SlowReceiver()
    try:
        url = f"json://{HOST}:{receiver.port}/hook"
        prepared = subprocess.run(
            [sys.executable, "-c", PREPARE, url, str(ALERTS)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert prepared.returncode == 0, prepared.stderr
        worker = subprocess.Popen(
            [sys.executable, "-m", "funnelpact", "worker", "--interval", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and worker.poll() is None:
                if len(receiver.titles) >= 3:
                    break  # mid-batch: a few sent, most still pending
                time.sleep(0.05)
            if len(receiver.titles) < 3:
                worker.kill()
                _out, err = worker.communicate(timeout=60)
                raise AssertionError(f"the worker never started sending: {err[-3000:]}")
            worker.send_signal(signal.SIGINT)
            interrupted = time.monotonic()
            _out, err = worker.communicate(timeout=60)
            stopped_after = time.monotonic() - interrupted
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
    finally:
        receiver.close()

    assert worker.returncode == 0, err
    assert "worker stopped" in err and "Traceback" not in err
    assert stopped_after < 15, f"the worker took {stopped_after:.1f} s to stop"
    outbox = _outbox(database)
    sent = sorted(title for title, (status, _) in outbox.items() if status == "sent")
    # The batch was cut short: most alerts are still pending, untried, for the next worker.
    assert len(sent) < ALERTS // 2, f"{len(sent)} sent: the batch was not interrupted"
    untried = [t for t, (status, attempts) in outbox.items() if status == "pending"]
    assert all(outbox[t][1] == 0 for t in untried)
    assert not [t for t, (status, _) in outbox.items() if status == "failed"]
    # The alert in flight was finished: every alert the channel received is marked sent (none
    # to be sent again), and every alert marked sent was received once.
    assert sorted(receiver.titles) == sent
    released = _lease(database)
    assert released is not None and released[0] == ""
    assert released[1].startswith("1970-01-01")
