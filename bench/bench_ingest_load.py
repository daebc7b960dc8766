"""Sustained ingestion on loopback: a real `funnelpact serve` on 127.0.0.1, clients posting
batches to POST /api/v1/events/batch for a fixed time, then the sender's log reconciled with
the store.

Per backend (a fresh SQLite file; a scratch PostgreSQL database when one is named):
1. migrate the store and create a token (a short child process);
2. start `python -m funnelpact serve --host 127.0.0.1 --port PORT --no-scheduler`;
3. CLIENTS threads, each with one keep-alive connection, send batches of BATCH events (per
   contact: the contact, a stage change and a touch, each with a unique event id) until
   DURATION seconds have passed (a bounded loop: it stops by itself);
4. stop the server, count the store's event ledger and compare with what was acknowledged.

It prints p50/p95/p99 request latency, requests/s and events/s, and the loss (acknowledged
events missing from the store; must be 0).

    uv run python bench/bench_ingest_load.py --duration 90                  # SQLite only
    uv run python bench/bench_ingest_load.py --duration 90 \\
        --postgres postgresql://postgres@127.0.0.1:5432/test                # and PostgreSQL
    # the 10-minute run of issue 8:
    uv run python bench/bench_ingest_load.py --duration 600 --postgres postgresql://...

Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
PREPARE = r"""
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from funnelpact.server.accounts.services import create_token
print(create_token("load", ["events:write"], created_by="bench", now=timezone.now()).secret)
"""
COUNT = r"""
from funnelpact.server import setup_django
setup_django()
from funnelpact.server.tracking.models import Contact, IngestedEvent, StageChange, Touch
print(IngestedEvent.objects.count(), Contact.objects.count(), StageChange.objects.count(),
      Touch.objects.count())
"""
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _batch(client: int, number: int, contacts: int) -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for k in range(contacts):
        key = f"{client}-{number}-{k}"
        ref = f"hubspot:{key}"
        at = T0 + timedelta(seconds=number * contacts + k)
        events.append(
            {
                "kind": "contact",
                "id": f"c{key}",
                "ref": ref,
                "created_at": _iso(at),
                "email": f"p{key}@example.com",
                "first_name": "Ann",
                "last_name": key,
                "owner": f"hubspot:o{k % 25}",
                "lifecycle_stage": "mql",
            }
        )
        events.append(
            {
                "kind": "stage_change",
                "id": f"s{key}",
                "contact": ref,
                "stage": "mql",
                "entered_at": _iso(at),
            }
        )
        events.append(
            {
                "kind": "touch",
                "id": f"t{key}",
                "contact": ref,
                "type": "call",
                "occurred_at": _iso(at + timedelta(hours=1)),
                "rep": f"hubspot:o{k % 25}",
            }
        )
    return events


@dataclass
class Sender:
    """One client: its latencies and what the server acknowledged (the sender's log)."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: int = 0
    failures: list[str] = field(default_factory=list)


def _send(number: int, port: int, token: str, contacts: int, until: float, out: Sender) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    batch = 0
    while time.monotonic() < until:
        body = json.dumps({"items": _batch(number, batch, contacts)})
        start = time.perf_counter()
        try:
            connection.request("POST", "/api/v1/events/batch", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            out.failures.append(f"batch {batch}: {exc!r}")
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=60)
            batch += 1
            continue
        out.latencies.append(time.perf_counter() - start)
        if response.status == 200:
            answer = json.loads(payload)
            out.acknowledged += int(answer["accepted"]) + int(answer["duplicates"])
        else:
            out.failures.append(f"batch {batch}: {response.status} {payload[:200]!r}")
        batch += 1
    connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not listen on {HOST}:{port} within {seconds:.0f} s")


def _python(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def run(
    url: str, *, duration: float, clients: int, contacts: int, threads: int
) -> dict[str, float]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    token = _python(PREPARE, env)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "funnelpact",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--no-scheduler",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        senders = [Sender() for _ in range(clients)]
        until = time.monotonic() + duration
        started = time.perf_counter()
        workers = [
            threading.Thread(target=_send, args=(n, port, token, contacts, until, senders[n]))
            for n in range(clients)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    ledger, stored_contacts, stages, touches = map(int, _python(COUNT, env).split())
    latencies = sorted(x for s in senders for x in s.latencies)
    acknowledged = sum(s.acknowledged for s in senders)
    failures = [f for s in senders for f in s.failures]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {
        "seconds": elapsed,
        "requests": len(latencies),
        "acknowledged": acknowledged,
        "ledger": ledger,
        "lost": acknowledged - ledger,
        "rows_ok": float(stored_contacts == stages == touches == ledger // 3),
        "failures": len(failures),
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: every figure carries it)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _scratch_postgres(url: str) -> tuple[str, str]:
    import psycopg

    name = f"funnelpact_bench_load_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending")
    parser.add_argument("--clients", type=int, default=2, help="concurrent senders")
    parser.add_argument("--contacts", type=int, default=100, help="contacts per batch (x3 events)")
    parser.add_argument("--threads", type=int, default=4, help="server threads")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to also run on")
    args = parser.parse_args(argv)
    options = {
        "duration": args.duration,
        "clients": args.clients,
        "contacts": args.contacts,
        "threads": args.threads,
    }

    rows: list[tuple[str, dict[str, float]]] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'load.db'}"
        before = _load_average()
        rows.append(("SQLite (WAL, synchronous=FULL)", run(url, **options)))
        loads.append(f"SQLite: load average {before} before, {_load_average()} after")
        print(loads[-1], flush=True)
    if args.postgres:
        url, name = _scratch_postgres(args.postgres)
        try:
            before = _load_average()
            rows.append(("PostgreSQL", run(url, **options)))
            loads.append(f"PostgreSQL: load average {before} before, {_load_average()} after")
            print(loads[-1], flush=True)
        finally:
            _drop_postgres(args.postgres, name)

    print(
        f"POST /api/v1/events/batch on {HOST}, {args.clients} clients, {args.contacts * 3} "
        f"events per batch, {args.duration:.0f} s, server threads {args.threads}, "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print(
        "| backend | requests | events acked | events/s | p50 ms | p95 ms | p99 ms | lost "
        "| failed requests |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend, r in rows:
        print(
            f"| {backend} | {r['requests']:,.0f} | {r['acknowledged']:,.0f} "
            f"| {r['acknowledged'] / r['seconds']:,.0f} | {r['p50']:.0f} | {r['p95']:.0f} "
            f"| {r['p99']:.0f} | {r['lost']:,.0f} | {r['failures']:,.0f} |"
        )
    for line in loads:
        print(line)
    lost = any(r["lost"] != 0 or r["rows_ok"] != 1.0 for _, r in rows)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
