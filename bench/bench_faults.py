"""Faults: SIGKILL of `serve`, `worker` and an import at random points during a sustained ingest,
restarts, then a reconciliation of the store with what the outside world saw.

Per backend (a fresh SQLite file; a scratch PostgreSQL database created, and dropped, on the
server named by --postgres):

1. migrate, create a token, run the watch on examples/agreement-seed-000.yaml and add one alert
   channel, a generic webhook (apprise ``json://``) to a receiver in this process on 127.0.0.1
   that logs every POST;
2. start `funnelpact serve --no-scheduler` and `funnelpact worker --interval 1`;
3. a sender posts batches to POST /api/v1/events/batch (per contact: the contact, its MQL stage
   change dated up to 60 hours ago, half the time a call, a fifth of the time a page view) and
   appends every acknowledged event id to a log; a batch that fails (connection reset, 5xx) is
   sent again, same ids, until it is acknowledged;
4. an importer runs `funnelpact import hubspot` on one new contacts export after another;
5. a killer SIGKILLs serve, worker and the import in turn (shuffled), at random intervals; serve
   and worker are restarted at once, a killed import is checked (its contacts are all in the
   store or none are) and run again. --targets adds kills of two processes at the same instant
   (serve+worker; import+worker: an import killed during a worker kill) and, on PostgreSQL,
   "backend": serve's server-side connections ended with pg_terminate_backend at a random
   instant (the PostgreSQL server is shared, so it is never stopped itself); a batch that fails
   then must get the API's JSON error (503 "unavailable"), never a page, and is sent again;
6. at the end (sender and importer stopped; serve gets Ctrl-C, worker SIGTERM) a child process
   reconciles, at one instant T: the killed worker's lease is expired (what waiting two minutes
   would do), the scheduler ticks at T until the outbox has nothing due, then
   - every acknowledged event id is in the store's event ledger, and each contact, stage change
     and touch of the sender is stored exactly once;
   - every finished import has all its contacts, a killed one none or all;
   - every obligation equals a fresh re-evaluation at T by the reference evaluator
     (`refresh_obligations`, rolled back);
   - every breached and every at-risk obligation has exactly one alert of its kind in the
     outbox, no obligation has one it should not, every outbox row is sent, and the receiver got
     each sent row's message once (a worker killed between the POST and its commit may send one
     alert twice: delivery is at least once, docs/alerts.md; counted, at most one per kill).

    uv run python bench/bench_faults.py --duration 600                       # SQLite
    uv run python bench/bench_faults.py --duration 600 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres             # and PostgreSQL
    uv run python bench/bench_faults.py --duration 120 --targets all \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres             # pairs, backends

Exits 1 on any loss or mismatch. Traffic goes to 127.0.0.1 only. `tests/hardening/test_faults.py`
runs a short version of the same harness.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = ROOT / "examples" / "agreement-seed-000.yaml"
OWNERS = ("Laura Rossi", "Ana Ruiz", "Marco Bianchi", "Sofia Conti")
SERVE_APP = "funnelpact-faults-serve"
# What the killer may do: SIGKILL one process, or two at the same instant ("serve+worker";
# "import+worker": an import killed during a worker kill), or on PostgreSQL end serve's
# server-side backends with pg_terminate_backend ("backend"; skipped on SQLite).
SINGLE = ("serve", "worker", "import")
TARGETS = (*SINGLE, "serve+worker", "import+worker", "backend")

PREPARE = r"""
import sys
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pathlib import Path
from django.utils import timezone
from funnelpact.server.accounts.services import create_token
from funnelpact.server.watch.channels import add_channel
from funnelpact.server.watch.services import use_agreement
use_agreement(Path(sys.argv[1]), timezone.now())
add_channel("faults-hook", sys.argv[2])
print(create_token("faults", ["events:write"], created_by="bench", now=timezone.now()).secret)
"""

RECONCILE = r"""
import json, sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from funnelpact.server import setup_django
setup_django()
from django.db import transaction
from funnelpact.server.tracking.models import ContactIdentity, IngestedEvent, StageChange, Touch
from funnelpact.server.watch import models
from funnelpact.server.watch.scheduler import tick
from funnelpact.server.watch.services import refresh_obligations

spec = json.loads(sys.stdin.read())
now = datetime.now(UTC)
models.SchedulerLease.objects.update(holder="", expires_at=datetime(1970, 1, 1, tzinfo=UTC))
ticks = 0
due = [models.DeliveryStatus.PENDING, models.DeliveryStatus.FAILED]
while ticks < 100:
    report = tick(now, holder="reconcile")
    ticks += 1
    if not models.AlertOutbox.objects.filter(status__in=due, next_attempt_at__lte=now).exists():
        break

acked = set(spec["acked"])
from funnelpact.server.api.endpoints import API_EVENT_PREFIX
stored = {
    e.removeprefix(API_EVENT_PREFIX)
    for e in IngestedEvent.objects.values_list("event_id", flat=True)
}
out = {"tick_at": now.isoformat(), "ticks": ticks}
out["acked"] = len(acked)
out["lost"] = len(acked - stored)
out["ledger"] = IngestedEvent.objects.count()
ids = lambda prefix: Counter(
    ContactIdentity.objects.filter(system="hubspot", external_id__startswith=prefix)
    .values_list("external_id", flat=True)
)
sent_contacts = {e[1:] for e in acked if e.startswith("c")}
stored_contacts = ids("f")
out["contacts_missing"] = len(sent_contacts - set(stored_contacts))
out["contacts_twice"] = sum(1 for n in stored_contacts.values() if n > 1)
out["contacts_unacked"] = len(set(stored_contacts) - sent_contacts)
touches = Counter(
    Touch.objects.filter(system="hubspot", external_id__startswith="t")
    .values_list("external_id", flat=True)
)
sent_touches = {e for e in acked if e.startswith("t")}
out["touches_missing"] = len(sent_touches - set(touches))
out["touches_twice"] = sum(1 for n in touches.values() if n > 1)
stages = StageChange.objects.filter(contact__identities__external_id__startswith="f").count()
out["stage_changes"] = stages
out["stage_changes_expected"] = len(sent_contacts)

imports = {}
for prefix, rows in spec["imports"].items():
    imports[prefix] = sum(ids(prefix).values())
out["imports_wrong"] = sorted(p for p, n in imports.items() if n != spec["imports"][p])
out["imported_contacts"] = sum(imports.values())

fields = ("contact_id", "cycle", "name", "status", "due_at", "at_risk_at", "met_at",
          "breached_at", "not_applicable_at", "owner_id")
def snapshot():
    return {(r[0], r[1], r[2]): r for r in models.Obligation.objects.values_list(*fields)}
before = snapshot()
with transaction.atomic():
    contact_ids = list(ContactIdentity.objects.values_list("contact_id", flat=True).distinct())
    for start in range(0, len(contact_ids), 2000):
        refresh_obligations(contact_ids[start:start + 2000], now)
    after = snapshot()
    transaction.set_rollback(True)
out["obligations"] = len(before)
out["obligations_wrong"] = sum(1 for k in set(before) | set(after) if before.get(k) != after.get(k))
out["obligations_wrong_examples"] = [
    [str(before.get(k)), str(after.get(k))]
    for k in sorted(set(before) | set(after), key=str) if before.get(k) != after.get(k)
][:5]
by_status = Counter(r[3] for r in before.values())
out["statuses"] = dict(by_status)

lookback = now - timedelta(days=3) + timedelta(hours=1)
alerts = {}
for kind, status in (("breach", "breached"), ("at_risk", "at_risk")):
    rows = models.Obligation.objects.filter(status=status)
    column = "breached_at" if kind == "breach" else "at_risk_at"
    expected = {i for i, at in rows.values_list("id", column) if at >= lookback}
    outbox = Counter(
        models.AlertOutbox.objects.filter(kind=kind).values_list("obligation_id", flat=True)
    )
    # An at-risk alert stays right once the obligation is breached, met or not applicable;
    # a breach alert is right only for an obligation still breached.
    wrong = models.Obligation.objects.filter(id__in=list(outbox))
    wrong = wrong.filter(status="pending") if kind == "at_risk" else wrong.exclude(status=status)
    still = set(wrong.values_list("id", flat=True))
    alerts[kind] = {
        "expected": len(expected),
        "rows": sum(outbox.values()),
        "missing": len(expected - set(outbox)),
        "twice": sum(1 for n in outbox.values() if n > 1),
        "unexpected": len(still),
    }
out["alerts"] = alerts
out["outbox"] = dict(Counter(models.AlertOutbox.objects.values_list("status", flat=True)))
out["sent_rows"] = list(
    models.AlertOutbox.objects.filter(status="sent").values_list("title", "body")
)
print(json.dumps(out))
"""


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Receiver:
    """The alert channel's endpoint: a local HTTP server logging every POST (title, message)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        lock = threading.Lock()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with lock:
                    posts.append((str(body.get("title", "")), str(body.get("message", ""))))
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

    def url(self) -> str:
        return f"json://{HOST}:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Service:
    """One `funnelpact` process that the killer may SIGKILL and that is started again."""

    @staticmethod
    def kill_together(services: list[Service]) -> bool:
        """SIGKILL several at the same instant (the signals first, then the waits)."""
        alive = [s for s in services if s.process is not None and s.process.poll() is None]
        if len(alive) != len(services):
            return False
        for service in alive:
            assert service.process is not None
            service.process.send_signal(signal.SIGKILL)
        for service in alive:
            assert service.process is not None
            service.process.wait(timeout=30)
        return True

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "funnelpact", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        return True

    def stop(self, how: signal.Signals = signal.SIGINT) -> bool:
        """Ask the process to end (Ctrl-C for `serve`; SIGTERM for `worker`, which then ends
        after its tick); False when it had to be killed after a minute."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
                return False
        return True


def _listening(port: int, seconds: float = 300) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class Log:
    """What the outside world saw: acknowledged ids, kills, import outcomes, failures."""

    acked: list[str] = field(default_factory=list)
    batches: int = 0
    retries: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    imports: dict[str, int] = field(default_factory=dict)  # prefix -> rows, finished imports
    partial_imports: list[str] = field(default_factory=list)
    import_failures: list[str] = field(default_factory=list)
    unacked_batches: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # why a batch was sent again
    unclean: list[str] = field(default_factory=list)  # a 5xx that is not the API's JSON error
    terminated_backends: int = 0  # serve's PostgreSQL connections ended by pg_terminate_backend


def _contact_events(key: str, now: datetime, rng: random.Random) -> list[dict[str, object]]:
    ref = f"hubspot:f{key}"
    handoff = now - timedelta(seconds=rng.randint(60, 60 * 3600))
    owner = f"hubspot:o{rng.randint(0, 9)}"
    events: list[dict[str, object]] = [
        {
            "kind": "contact",
            "id": f"cf{key}",
            "ref": ref,
            "created_at": _iso(handoff - timedelta(minutes=5)),
            "email": f"f{key}@example.com",
            "first_name": "Lead",
            "last_name": key,
            "owner": owner,
            "lifecycle_stage": "mql",
        },
        {"kind": "stage_change", "id": f"s{key}", "contact": ref, "stage": "mql"},
    ]
    events[1]["entered_at"] = _iso(handoff)
    if rng.random() < 0.5:
        at = handoff + (now - handoff) * rng.random()
        events.append(
            {
                "kind": "touch",
                "id": f"t{key}c",
                "ref": f"hubspot:t{key}c",
                "contact": ref,
                "type": "call",
                "occurred_at": _iso(at),
                "rep": owner,
            }
        )
    if rng.random() < 0.2:
        events.append(
            {
                "kind": "touch",
                "id": f"t{key}v",
                "ref": f"hubspot:t{key}v",
                "contact": ref,
                "type": "page_view",
                "direction": "inbound",
                "occurred_at": _iso(now - timedelta(seconds=rng.randint(0, 600))),
            }
        )
    return events


def _error_code(response: http.client.HTTPResponse, payload: bytes) -> str:
    """The API's error code of a failed response ("unavailable"), or "not JSON"."""
    if not (response.getheader("Content-Type") or "").startswith("application/json"):
        return "not JSON"
    try:
        body = json.loads(payload)
    except ValueError:
        return "not JSON"
    return str(body.get("error", "no error code")) if isinstance(body, dict) else "not JSON"


def _sender(
    port: int,
    token: str,
    contacts: int,
    stop: threading.Event,
    grace: float,
    log: Log,
    ack_log: Path,
    seed: int,
) -> None:
    """Send batches until ``stop``; a batch is sent again until acknowledged (or ``grace``
    seconds after ``stop``)."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection: http.client.HTTPConnection | None = None
    number = 0
    with ack_log.open("a", encoding="utf-8") as acks:
        while not stop.is_set():
            now = datetime.now(UTC)
            items = [e for k in range(contacts) for e in _contact_events(f"{number}-{k}", now, rng)]
            body = json.dumps({"items": items})
            give_up: float | None = None
            while True:
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(HOST, port, timeout=120)
                    connection.request("POST", "/api/v1/events/batch", body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    if response.status == 200:
                        answer = json.loads(payload)
                        if int(answer["accepted"]) + int(answer["duplicates"]) != len(items):
                            raise RuntimeError(f"batch {number}: {answer}")
                        ids = [str(item["id"]) for item in items]
                        acks.write("\n".join(ids) + "\n")
                        acks.flush()
                        log.acked.extend(ids)
                        break
                    if response.status < 500:
                        raise RuntimeError(f"batch {number}: {response.status} {payload[:300]!r}")
                    code = _error_code(response, payload)
                    log.failures[f"HTTP {response.status} {code}"] += 1
                    if code == "not JSON" or not code.isidentifier():
                        log.unclean.append(f"batch {number}: {response.status} {payload[:200]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    log.failures[type(exc).__name__] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                log.retries += 1
                if give_up is None and stop.is_set():
                    give_up = time.monotonic() + grace
                if give_up is not None and time.monotonic() > give_up:
                    log.unacked_batches += 1
                    break
                time.sleep(0.2)
            log.batches += 1
            number += 1
    if connection is not None:
        connection.close()


def write_export(path: Path, prefix: str, rows: int, rng: random.Random) -> None:
    """A HubSpot contacts export of ``rows`` MQLs, record ids ``<prefix>NNNNNN``."""
    now = datetime.now(UTC)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Contact owner",
                "Lifecycle Stage",
                "Create Date",
                "Became a Marketing Qualified Lead Date",
            ]
        )
        for k in range(rows):
            mql = now - timedelta(seconds=rng.randint(60, 60 * 3600))
            out.writerow(
                [
                    f"{prefix}{k:06d}",
                    "Imported",
                    f"{prefix}-{k}",
                    f"i{prefix}{k}@example.com",
                    OWNERS[k % len(OWNERS)],
                    "Marketing Qualified Lead",
                    (mql - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                    mql.strftime("%Y-%m-%d %H:%M"),
                ]
            )


def _terminate_backends(url: str, application: str) -> int:
    """pg_terminate_backend of every connection APPLICATION has to the store; how many."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s "
            "AND pid <> pg_backend_pid()",
            (application,),
        ).fetchall()
    return sum(1 for (ended,) in rows if ended)


def _count_prefix(url: str, prefix: str) -> int:
    """Contacts of one import in the store, read from outside the writers."""
    sql = (
        "SELECT count(*) FROM tracking_contactidentity WHERE system = 'hubspot' "
        f"AND external_id LIKE '{prefix}%'"  # a prefix of digits: nothing to escape
    )
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60) as conn:
            return int(conn.execute(sql).fetchone()[0])
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


class Importer:
    """Imports one new export after another; a killed import is checked, then run again."""

    def __init__(self, url: str, env: dict[str, str], folder: Path, rows: int, log: Log) -> None:
        self.url, self.env, self.folder, self.rows, self.log = url, env, folder, rows, log
        self.service: Service | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        rng = random.Random(7)
        number = 0
        while not self.stop.is_set():
            number += 1
            prefix = f"9{number:04d}"
            path = self.folder / f"contacts-{prefix}.csv"
            write_export(path, prefix, self.rows, rng)
            args = ["import", "hubspot", str(path), "--timezone", "UTC", "--quiet"]
            while True:
                service = Service("import", args, self.env, self.folder / "import.log")
                self.service = service
                service.start()
                assert service.process is not None
                code = service.process.wait()
                if code == 0:
                    self.log.imports[prefix] = self.rows
                    break
                stored = _count_prefix(self.url, prefix)
                if code == -signal.SIGKILL:
                    if stored == self.rows:  # killed after its commit
                        self.log.imports[prefix] = self.rows
                        break
                    if stored != 0:
                        self.log.partial_imports.append(f"{prefix}: {stored} of {self.rows}")
                    continue  # run it again
                self.log.import_failures.append(f"{prefix}: exit {code}")
                self.log.imports[prefix] = stored  # what is there is what we check
                break
            self.service = None

    def kill(self) -> bool:
        service = self.service
        return service is not None and service.kill()


def run(
    url: str,
    *,
    duration: float,
    contacts: int,
    import_rows: int,
    kill_every: tuple[float, float],
    seed: int,
    folder: Path,
    targets: tuple[str, ...] = SINGLE,
) -> dict[str, Any]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    postgres = not url.startswith("sqlite")
    targets = tuple(t for t in targets if postgres or t != "backend")
    unknown = set(targets) - set(TARGETS)
    if unknown:
        raise SystemExit(f"unknown kill targets {sorted(unknown)}; known: {', '.join(TARGETS)}")
    receiver = Receiver()
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE, str(AGREEMENT), receiver.url()],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if prepared.returncode != 0:
        raise SystemExit(f"preparing the store failed:\n{prepared.stderr[-3000:]}")
    token = prepared.stdout.strip().splitlines()[-1]
    port = _free_port()
    serve = Service(
        "serve",
        ["serve", "--host", HOST, "--port", str(port), "--threads", "4", "--no-scheduler"],
        {**env, "PGAPPNAME": SERVE_APP},  # libpq names serve's connections: "backend" kills
        folder / "serve.log",
    )
    worker = Service("worker", ["worker", "--interval", "1"], env, folder / "worker.log")
    log = Log()
    importer = Importer(url, env, folder, import_rows, log)
    rng = random.Random(seed)
    started = time.monotonic()
    stop_sending = threading.Event()
    try:
        serve.start()
        worker.start()
        if not _listening(port):
            raise SystemExit(f"funnelpact serve did not listen on {port}; see {serve.log}")
        importer.thread.start()
        until = time.monotonic() + duration
        sender = threading.Thread(
            target=_sender,
            args=(port, token, contacts, stop_sending, 180.0, log, folder / "acked.txt", seed),
        )
        sender.start()
        order: list[str] = []
        # Kills until the duration is over and each target was killed at least once.
        while True:
            wait = rng.uniform(*kill_every)
            every_one = all(log.kills[name] for name in targets)
            if time.monotonic() + wait >= until and every_one:
                break
            time.sleep(wait)
            if not order:
                order = list(targets)
                rng.shuffle(order)
            target = order.pop()
            if target == "serve":
                if serve.kill():
                    log.kills["serve"] += 1
                    serve.start()
                    _listening(port)
            elif target == "worker":
                if worker.kill():
                    log.kills["worker"] += 1
                    worker.start()
            elif target == "serve+worker":
                if Service.kill_together([serve, worker]):
                    log.kills["serve+worker"] += 1
                    serve.start()
                    worker.start()
                    _listening(port)
            elif target == "backend":
                # serve's server-side PostgreSQL backends ended at a random instant (mostly in
                # the middle of a batch: the sender is always sending); the server itself is
                # shared, so it is never stopped.
                time.sleep(rng.uniform(0.0, 1.0))
                ended = _terminate_backends(url, SERVE_APP)
                if ended:
                    log.kills["backend"] += 1
                    log.terminated_backends += ended
            else:
                for _ in range(200):  # the importer may be between two files
                    service = importer.service
                    if target == "import" and importer.kill():
                        log.kills["import"] += 1
                        break
                    if (
                        target == "import+worker"
                        and service is not None
                        and Service.kill_together([service, worker])
                    ):
                        log.kills["import+worker"] += 1
                        worker.start()
                        break
                    time.sleep(0.05)
        stop_sending.set()
        sender.join()
        importer.stop.set()
        importer.thread.join(timeout=600)
    except BaseException:  # nothing of this run is left running: a failed start, Ctrl-C
        stop_sending.set()
        importer.stop.set()
        importer.kill()
        serve.kill()
        worker.kill()
        raise
    serve.stop()
    if not worker.stop(signal.SIGTERM):
        log.kills["worker (stop timed out)"] += 1
    elapsed = time.monotonic() - started
    time.sleep(0.5)
    spec = {"acked": log.acked, "imports": log.imports}
    reconciled = subprocess.run(
        [sys.executable, "-c", RECONCILE],
        input=json.dumps(spec),
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    receiver.close()
    if reconciled.returncode != 0:
        raise SystemExit(f"the reconciliation failed:\n{reconciled.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(reconciled.stdout.strip().splitlines()[-1])
    # Each alert the outbox says was sent, against what the channel's endpoint received.
    sent = Counter((str(t), str(b)) for t, b in result.pop("sent_rows"))
    received = Counter(receiver.posts)
    result.update(
        sent=sum(sent.values()),
        received=sum(received.values()),
        sent_not_received=sum(1 for k in sent if received[k] == 0),
        received_twice=sum(received[k] - 1 for k in sent if received[k] > 1),
        received_unknown=sum(n for k, n in received.items() if k not in sent),
    )
    result.update(
        seconds=round(elapsed, 1),
        batches=log.batches,
        retries=log.retries,
        unacked_batches=log.unacked_batches,
        failures=dict(log.failures),
        kills=dict(log.kills),
        imports_finished=len(log.imports),
        partial_imports=log.partial_imports,
        import_failures=log.import_failures,
        serve_starts=serve.starts,
        worker_starts=worker.starts,
        unclean_failures=log.unclean[:10],
        terminated_backends=log.terminated_backends,
    )
    return result


def problems(result: dict[str, Any]) -> list[str]:
    """Everything in a run's result that is a loss or a mismatch (empty: all reconciled)."""
    found = [
        f"{name} = {result[name]}"
        for name in (
            "lost",
            "contacts_missing",
            "contacts_twice",
            "contacts_unacked",
            "touches_missing",
            "touches_twice",
            "obligations_wrong",
            "sent_not_received",
            "received_unknown",
            "unacked_batches",
        )
        if result[name]
    ]
    if result["stage_changes"] != result["stage_changes_expected"]:
        found.append(
            f"stage changes {result['stage_changes']} != {result['stage_changes_expected']}"
        )
    for name in ("imports_wrong", "partial_imports", "import_failures", "unclean_failures"):
        if result[name]:
            found.append(f"{name}: {result[name]}")
    for kind, figures in result["alerts"].items():
        for name in ("missing", "twice", "unexpected"):
            if figures[name]:
                found.append(f"{kind} alerts {name} = {figures[name]}")
    outbox = result["outbox"]
    if set(outbox) - {"sent"}:
        found.append(f"outbox rows not sent: {outbox}")
    worker_kills = sum(n for name, n in result["kills"].items() if "worker" in name)
    if result["received_twice"] > worker_kills:
        found.append(
            f"alerts received twice {result['received_twice']} > worker kills {worker_kills}"
        )
    return found


def _scratch_postgres(url: str) -> tuple[str, str]:
    import psycopg

    name = f"fp_hardening_faults_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of sending")
    parser.add_argument("--contacts", type=int, default=20, help="contacts per batch")
    parser.add_argument("--import-rows", type=int, default=3000, help="rows per import file")
    parser.add_argument("--kill-min", type=float, default=8.0, help="seconds between kills, min")
    parser.add_argument("--kill-max", type=float, default=30.0, help="seconds between kills, max")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL to also run on")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keep", type=Path, help="keep the logs and files in this folder")
    parser.add_argument(
        "--targets",
        default=",".join(SINGLE),
        help=f"what the killer does, in shuffled rounds (comma-separated of {', '.join(TARGETS)}"
        "; 'all' for every one; backend is PostgreSQL only)",
    )
    args = parser.parse_args(argv)
    targets = TARGETS if args.targets == "all" else tuple(args.targets.split(","))
    if set(targets) - set(TARGETS):
        parser.error(f"--targets: choose from {', '.join(TARGETS)} or all")
    options: dict[str, Any] = {
        "duration": args.duration,
        "contacts": args.contacts,
        "import_rows": args.import_rows,
        "kill_every": (args.kill_min, args.kill_max),
        "seed": args.seed,
        "targets": targets,
    }
    failed = False
    backends: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        tmp = str(args.keep) if args.keep else scratch_dir
        Path(tmp).mkdir(parents=True, exist_ok=True)
        if not args.no_sqlite:
            backends.append(("SQLite", f"sqlite:///{Path(tmp) / 'faults.db'}"))
        scratch = _scratch_postgres(args.postgres) if args.postgres else None
        if scratch is not None:
            backends.append(("PostgreSQL", scratch[0]))
        try:
            for backend, url in backends:
                folder = Path(tmp) / backend
                folder.mkdir(exist_ok=True)
                before = _load_average()
                result = run(url, folder=folder, **options)
                result["load_average"] = f"{before} before, {_load_average()} after"
                found = problems(result)
                failed = failed or bool(found)
                print(f"{backend}: {json.dumps(result)}", flush=True)
                print(f"{backend}: {'OK' if not found else 'PROBLEMS: ' + '; '.join(found)}")
        finally:
            if scratch is not None:
                _drop_postgres(args.postgres, scratch[1])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
