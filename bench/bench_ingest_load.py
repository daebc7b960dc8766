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

--sweep finds the setting to run that at: per backend one server over one fresh store, a short
warm-up, then one segment of --segment seconds for each clients x batch size pair (--sweep-clients,
--sweep-events), each reconciled on its own (the ledger grew by exactly what the segment's senders
had acknowledged). The chosen setting is the highest events/s with zero loss, no failed request
and p99 at most --p99-bound ms; it prints the command of the 10-minute run at that setting.
--skip-sqlite runs PostgreSQL only (so that each backend's run fits in its own locked slot):

    flock /tmp/fp-bench.lock uv run python bench/bench_ingest_load.py --sweep --segment 40
    flock /tmp/fp-bench.lock uv run python bench/bench_ingest_load.py --sweep --segment 40 \\
        --skip-sqlite --postgres postgresql://postgres@127.0.0.1:5432/postgres

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")

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


def _batch(client: int, number: int, contacts: int, prefix: str = "") -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for k in range(contacts):
        key = f"{prefix}{client}-{number}-{k}"
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


def _send(
    number: int,
    port: int,
    token: str,
    contacts: int,
    until: float,
    out: Sender,
    prefix: str = "",
) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    batch = 0
    while time.monotonic() < until:
        body = json.dumps({"items": _batch(number, batch, contacts, prefix)})
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


def _start_server(url: str, threads: int) -> tuple[subprocess.Popen[bytes], int, str]:
    """Migrate the store, create a token, start `funnelpact serve`; wait until it listens."""
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
    except BaseException:
        _stop(server)
        raise
    return server, port, token


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def _drive(
    port: int, token: str, *, clients: int, contacts: int, duration: float, prefix: str = ""
) -> tuple[list[Sender], float]:
    """CLIENTS senders for DURATION seconds; their logs and the wall time they took."""
    senders = [Sender() for _ in range(clients)]
    until = time.monotonic() + duration
    started = time.perf_counter()
    workers = [
        threading.Thread(target=_send, args=(n, port, token, contacts, until, senders[n], prefix))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return senders, time.perf_counter() - started


def _figures(senders: list[Sender], elapsed: float, ledger: int) -> dict[str, float]:
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
        "failures": len(failures),
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def run(
    url: str, *, duration: float, clients: int, contacts: int, threads: int
) -> dict[str, float]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    server, port, token = _start_server(url, threads)
    try:
        senders, elapsed = _drive(
            port, token, clients=clients, contacts=contacts, duration=duration
        )
    finally:
        _stop(server)
    ledger, stored_contacts, stages, touches = map(int, _python(COUNT, env).split())
    figures = _figures(senders, elapsed, ledger)
    figures["rows_ok"] = float(stored_contacts == stages == touches == ledger // 3)
    return figures


def _ledger_size(url: str) -> int:
    """The event ledger's row count, read straight from the store (no Django start-up)."""
    query = "SELECT count(*) FROM tracking_ingestedevent"
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60) as conn:
            return int(conn.execute(query).fetchone()[0])
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
        assert row is not None
        return int(row[0])


@dataclass
class Segment:
    clients: int
    contacts: int
    figures: dict[str, float]
    load: str

    @property
    def rate(self) -> float:
        return self.figures["acknowledged"] / self.figures["seconds"]

    def holds(self, p99_bound: float) -> bool:
        f = self.figures
        return f["lost"] == 0 and f["failures"] == 0 and f["p99"] <= p99_bound


def sweep(
    url: str,
    *,
    segment: float,
    warmup: float,
    clients: list[int],
    events: list[int],
    threads: int,
    pause: float,
) -> list[Segment]:
    """One server over one fresh store; a warm-up, then one reconciled segment per setting."""
    server, port, token = _start_server(url, threads)
    segments: list[Segment] = []
    try:
        _drive(port, token, clients=2, contacts=100, duration=warmup, prefix="w")
        for number, (n_clients, n_events) in enumerate((c, e) for e in events for c in clients):
            contacts = max(1, round(n_events / 3))
            before = _ledger_size(url)
            time.sleep(pause)
            senders, elapsed = _drive(
                port,
                token,
                clients=n_clients,
                contacts=contacts,
                duration=segment,
                prefix=f"g{number}.",
            )
            grown = _ledger_size(url) - before
            figures = _figures(senders, elapsed, grown)
            done = Segment(n_clients, contacts, figures, _load_average())
            segments.append(done)
            print(
                f"  {n_clients} clients x {contacts * 3} events: {done.rate:,.0f} events/s, "
                f"p50 {figures['p50']:.0f} p95 {figures['p95']:.0f} p99 {figures['p99']:.0f} ms, "
                f"lost {figures['lost']:.0f}, failed {figures['failures']:.0f}, "
                f"load {done.load}",
                flush=True,
            )
    finally:
        _stop(server)
    return segments


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


def _backends(args: argparse.Namespace) -> list[str]:
    names = [] if args.skip_sqlite else ["sqlite"]
    if args.postgres:
        names.append("postgres")
    return names


def _with_store(backend: str, postgres: str, body: Callable[[str], T]) -> T:
    """BODY over a fresh store of BACKEND (a temporary SQLite file, a scratch database)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return body(f"sqlite:///{Path(tmp) / 'load.db'}")
    url, name = _scratch_postgres(postgres)
    try:
        return body(url)
    finally:
        _drop_postgres(postgres, name)


LABELS = {"sqlite": "SQLite (WAL, synchronous=FULL)", "postgres": "PostgreSQL"}


def _main_sweep(args: argparse.Namespace) -> int:
    clients = [int(x) for x in args.sweep_clients.split(",")]
    events = [int(x) for x in args.sweep_events.split(",")]
    print(
        f"sweep: POST /api/v1/events/batch on {HOST}, clients {clients} x events per batch "
        f"{events}, {args.segment:.0f} s per setting after a {args.warmup:.0f} s warm-up, "
        f"server threads {args.threads}, p99 bound {args.p99_bound:.0f} ms, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )
    failed = False
    for backend in _backends(args):
        before = _load_average()
        print(f"{LABELS[backend]} (load average {before}):", flush=True)
        segments = _with_store(
            backend,
            args.postgres,
            lambda url: sweep(
                url,
                segment=args.segment,
                warmup=args.warmup,
                clients=clients,
                events=events,
                threads=args.threads,
                pause=args.pause,
            ),
        )
        print(f"\n{LABELS[backend]}, load average {before} before, {_load_average()} after\n")
        print(
            "| clients | events per batch | requests | events/s | p50 ms | p95 ms | p99 ms "
            "| lost | failed requests | holds | load average after |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for g in segments:
            f = g.figures
            print(
                f"| {g.clients} | {g.contacts * 3} | {f['requests']:,.0f} | {g.rate:,.0f} "
                f"| {f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} | {f['lost']:,.0f} "
                f"| {f['failures']:,.0f} | {'yes' if g.holds(args.p99_bound) else 'no'} "
                f"| {g.load} |"
            )
        failed = failed or any(g.figures["lost"] != 0 for g in segments)
        held = [g for g in segments if g.holds(args.p99_bound)]
        if not held:
            print(f"\nno setting held p99 <= {args.p99_bound:.0f} ms with zero loss\n")
            continue
        best = max(held, key=lambda g: g.rate)
        target = "" if backend == "sqlite" else " --skip-sqlite --postgres URL"
        print(
            f"\nhighest holding: {best.clients} clients x {best.contacts * 3} events, "
            f"{best.rate:,.0f} events/s; the 10-minute run:\n"
            f"  flock /tmp/fp-bench.lock uv run python bench/bench_ingest_load.py "
            f"--duration 600 --clients {best.clients} --contacts {best.contacts}"
            f" --threads {args.threads}{target}\n",
            flush=True,
        )
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending")
    parser.add_argument("--clients", type=int, default=2, help="concurrent senders")
    parser.add_argument("--contacts", type=int, default=100, help="contacts per batch (x3 events)")
    parser.add_argument("--threads", type=int, default=4, help="server threads")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to also run on")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sweep", action="store_true", help="clients x batch size, short runs")
    parser.add_argument("--segment", type=float, default=45.0, help="sweep: seconds per setting")
    parser.add_argument("--warmup", type=float, default=8.0, help="sweep: warm-up seconds")
    parser.add_argument("--pause", type=float, default=2.0, help="sweep: idle seconds between")
    parser.add_argument("--sweep-clients", default="1,2,4,8", help="sweep: client counts")
    parser.add_argument("--sweep-events", default="100,500,1000", help="sweep: events per batch")
    parser.add_argument(
        "--p99-bound", type=float, default=1000.0, help="sweep: the p99 a setting must hold (ms)"
    )
    args = parser.parse_args(argv)
    if args.skip_sqlite and not args.postgres:
        parser.error("--skip-sqlite needs --postgres URL")
    if args.sweep:
        return _main_sweep(args)
    options = {
        "duration": args.duration,
        "clients": args.clients,
        "contacts": args.contacts,
        "threads": args.threads,
    }

    rows: list[tuple[str, dict[str, float]]] = []
    loads: list[str] = []
    for backend in _backends(args):
        before = _load_average()
        rows.append((LABELS[backend], _with_store(backend, args.postgres, partial(run, **options))))
        loads.append(f"{LABELS[backend]}: load average {before} before, {_load_average()} after")
        print(loads[-1], flush=True)

    print(
        f"POST /api/v1/events/batch on {HOST}, {args.clients} clients, {args.contacts * 3} "
        f"events per batch, {args.duration:.0f} s, server threads {args.threads}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
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
