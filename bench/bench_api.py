"""Live API throughput: events/s through POST /api/v1/events/batch, batches of 500.

Builds a stream of live events for N contacts (per contact: the contact, 2 stage changes, an
owner change, 2 touches: 6 events), encodes the JSON bodies beforehand (the sender's work), then
sends them through Django's test client in-process: token authentication, django-ninja's
validation, the event-id ledger, ``store_records`` and one durable commit per batch. Then sends
every batch again: each event is acknowledged as a duplicate and nothing is written.

    uv run python bench/bench_api.py --contacts 20000
    uv run python bench/bench_api.py --contacts 20000 --postgres postgresql://postgres@127.0.0.1:5432/test

Each backend runs in a fresh process on a fresh database (a SQLite file in a temporary
directory; a scratch PostgreSQL database created next to the one named and dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

WORKER = r"""
import json, sys, time
from datetime import UTC, datetime, timedelta
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.utils import timezone
from funnelpact.server.accounts.services import create_token

contacts, batch_size = int(sys.argv[1]), int(sys.argv[2])
# Live events are recent: the stream ends about now (the watch measures business time from
# each hand-off to now, so year-old events would make it measure years).
t0 = (datetime.now(UTC) - timedelta(minutes=contacts, hours=6)).replace(second=0, microsecond=0)
def iso(at): return at.isoformat().replace("+00:00", "Z")
events = []
for i in range(contacts):
    ref = f"hubspot:{100000 + i}"
    at = t0 + timedelta(minutes=i)
    events.append({"kind": "contact", "id": f"c{i}", "ref": ref, "created_at": iso(at),
                   "updated_at": iso(at), "email": f"person{i}@example.com",
                   "first_name": "Ann", "last_name": f"Doe {i}", "company": f"Company {i % 997}",
                   "source": "ORGANIC_SEARCH", "owner": f"hubspot:o{i % 25}",
                   "lifecycle_stage": "mql"})
    events.append({"kind": "stage_change", "id": f"s{i}a", "contact": ref, "stage": "lead",
                   "entered_at": iso(at)})
    events.append({"kind": "stage_change", "id": f"s{i}b", "contact": ref, "stage": "mql",
                   "entered_at": iso(at + timedelta(hours=2))})
    events.append({"kind": "owner_change", "id": f"o{i}", "contact": ref,
                   "owner": f"hubspot:o{i % 25}", "assigned_at": iso(at + timedelta(hours=2))})
    for n in range(2):
        events.append({"kind": "touch", "id": f"t{i}.{n}", "contact": ref, "type": "call",
                       "occurred_at": iso(at + timedelta(hours=3 + n)), "rep": f"hubspot:o{i % 25}",
                       "subject": "follow-up"})
bodies = [json.dumps({"items": events[k:k + batch_size]}).encode()
          for k in range(0, len(events), batch_size)]
token = create_token("bench", ["events:write"], created_by="bench", now=timezone.now()).secret
client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
out = {}
# The reference, measured in the same process: the same bodies validated by the API's schema
# alone (no database): CPU work of a fixed size, to read the figures against the machine's load.
from funnelpact.server.api.schemas import EventBatch
start = time.perf_counter()
for body in bodies:
    EventBatch.model_validate_json(body)
out["reference"] = {"seconds": time.perf_counter() - start, "events": len(events)}
agreement = sys.argv[4] if len(sys.argv) > 4 else ""
if agreement:  # the watch then keeps SLA obligations current inside every batch's transaction
    from pathlib import Path
    from funnelpact.server.watch.services import use_agreement
    use_agreement(Path(agreement), timezone.now())
# Warm up as a running server is: the URLconf, the views and the statements' first use.
warm = json.dumps({"items": [{"kind": "contact", "id": "warm", "ref": "warm-up",
                              "created_at": iso(t0)}]}).encode()
assert client.post("/api/v1/events/batch", data=warm,
                   content_type="application/json").status_code == 200
from django.db import connection
def server_cpu():
    # The PostgreSQL backend serving this connection runs on this machine: its CPU seconds.
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
import os
profile = sys.argv[3] if len(sys.argv) > 3 else ""
for run, key in (("first", "accepted"), ("again", "duplicates")):
    done = 0
    if profile and run == "first":
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    start, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    for body in bodies:
        answer = client.post("/api/v1/events/batch", data=body, content_type="application/json")
        assert answer.status_code == 200, answer.content[:500]
        done += answer.json()[key]
    out[run] = {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                "server_cpu": server_cpu() - server,
                "events": len(events), "requests": len(bodies), "counted": done}
    if profile and run == "first":
        profiler.disable()
        profiler.dump_stats(profile)
print(json.dumps(out))
"""


def _run(
    url: str, contacts: int, batch: int, profile: str = "", agreement: str = ""
) -> dict[str, dict[str, float]]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(contacts), str(batch), profile, agreement],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the benchmark worker failed:\n{done.stderr[-3000:]}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _scratch_postgres(url: str) -> tuple[str, str]:
    import psycopg

    parts = urlsplit(url)
    name = f"funnelpact_bench_api_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


INSERTS = r"""
import json, os, statistics, sys, time
from datetime import UTC, datetime, timedelta
import psycopg

# 500-row batches of touch-shaped rows into a scratch table, one commit per batch, four ways;
# client CPU (this process) and server CPU (the backend serving the connection, from /proc).
conn = psycopg.connect(sys.argv[1], cursor_factory=psycopg.ClientCursor)  # as Django's cursors
conn.execute(
    "CREATE TEMP TABLE t (id bigserial primary key, system varchar(20), external_id varchar(200),"
    " contact_id bigint, type varchar(20), occurred_at timestamptz, direction varchar(10),"
    " rep_id bigint, automated bool, subject varchar(500), UNIQUE (system, external_id))"
)
pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
def server():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
cols = "system, external_id, contact_id, type, occurred_at, direction, rep_id, automated, subject"
types = ["text", "text", "int8", "text", "timestamptz", "text", "int8", "bool", "text"]
t0, n = datetime(2025, 1, 1, tzinfo=UTC), [0]
def rows():
    out = []
    for _ in range(500):
        n[0] += 1
        out.append(("api", f"t{n[0]}", n[0] % 1000, "call", t0 + timedelta(seconds=n[0]),
                    "outbound", 3, False, "follow-up"))
    return out
def executemany(r):
    with conn.cursor() as c:
        c.executemany(f"INSERT INTO t ({cols}) VALUES ({', '.join(['%s'] * 9)})", r)
def unnest(r):
    with psycopg.Cursor(conn) as c:
        arrays = ", ".join(f"%b::{t}[]" for t in types)
        c.execute(f"INSERT INTO t ({cols}) SELECT * FROM unnest({arrays})",
                  [list(x) for x in zip(*r)])
def copy(r):
    with conn.cursor() as c, c.copy(f"COPY t ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(types)
        for row in r:
            cp.write_row(row)
ways = {"executemany (Django's cursor)": executemany, "INSERT ... unnest(arrays), binary": unnest,
        "binary COPY": copy}
out = {name: [] for name in ways}
for _ in range(5):
    for name, way in ways.items():
        batches = [rows() for _ in range(10)]
        c0, s0, w0 = time.process_time(), server(), time.perf_counter()
        for batch in batches:
            way(batch)
            conn.commit()
        out[name].append(((time.process_time() - c0) / 10, (server() - s0) / 10,
                          (time.perf_counter() - w0) / 10))
print(json.dumps({name: [statistics.median(x[i] for x in v) for i in range(3)]
                  for name, v in out.items()}))
"""


def _inserts(url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", INSERTS, url], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the insert comparison failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"500-row inserts into PostgreSQL, median of 5 x 10 batches, load {_load()}\n")
    print("| way | client CPU ms/batch | server CPU ms/batch | wall ms/batch |")
    print("|---|---:|---:|---:|")
    for name, (client, server, wall) in result.items():
        print(f"| {name} | {client * 1000:.1f} | {server * 1000:.1f} | {wall * 1000:.1f} |")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def _once(backend: str, args: argparse.Namespace, profile: str) -> dict[str, dict[str, float]]:
    """One run on a fresh database of ``backend``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            return _run(url, args.contacts, args.batch_size, profile, args.agreement)
    url, name = _scratch_postgres(args.postgres)
    try:
        return _run(url, args.contacts, args.batch_size, profile, args.agreement)
    finally:
        _drop_postgres(args.postgres, name)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("FUNNELPACT_TEST_DATABASE_URL", ""))
    parser.add_argument(
        "--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per backend (median shown)")
    parser.add_argument(
        "--profile", default="", help="write a cProfile of the first PostgreSQL run's new events"
    )
    parser.add_argument(
        "--agreement",
        default="",
        help="put this agreement in force first: the watch's on_stored hook then refreshes "
        "the SLA obligations of every batch's contacts (examples/agreement-seed-000.yaml)",
    )
    parser.add_argument(
        "--inserts",
        action="store_true",
        help="only compare ways to insert a 500-row batch into PostgreSQL (the store's choice)",
    )
    args = parser.parse_args(argv)
    if args.inserts:
        if not args.postgres:
            raise SystemExit("--inserts needs --postgres URL")
        _inserts(args.postgres)
        return 0
    if args.agreement:
        args.agreement = str(Path(args.agreement).resolve())
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgres" in backends and not args.postgres:
        backends.remove("postgres")

    rows: list[tuple[str, list[dict[str, dict[str, float]]], str, str]] = []
    labels = {"sqlite": "SQLite (WAL, synchronous=FULL)", "postgres": "PostgreSQL"}
    for backend in backends:
        runs = []
        before = _load()
        for n in range(args.repeat):
            profile = args.profile if backend == "postgres" and n == 0 else ""
            runs.append(_once(backend, args, profile))
        rows.append((labels[backend], runs, before, _load()))

    print(
        f"POST /api/v1/events/batch, {args.contacts:,} contacts ({args.contacts * 6:,} events), "
        f"batches of {args.batch_size}, median of {args.repeat}, "
        f"{('agreement ' + Path(args.agreement).name) if args.agreement else 'no agreement'}"
        " in force, "
        f"{time.strftime('%Y-%m-%d %H:%M')} UTC\n"
    )
    print(
        "| backend | new events/s (each run) | events per CPU s (client + server) | duplicates/s "
        "| reference (validation only) events/s | new / reference | load (1/5/15 min) before; "
        "after |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for backend, runs, before, after in rows:
        for result in runs:
            first, again = result["first"], result["again"]
            assert first["counted"] == first["events"] and again["counted"] == again["events"]
        new = statistics.median(r["first"]["events"] / r["first"]["seconds"] for r in runs)
        cpu = statistics.median(
            r["first"]["events"] / (r["first"]["cpu"] + r["first"]["server_cpu"]) for r in runs
        )
        split = (
            statistics.median(r["first"]["cpu"] for r in runs),
            statistics.median(r["first"]["server_cpu"] for r in runs),
        )
        dup = statistics.median(r["again"]["events"] / r["again"]["seconds"] for r in runs)
        ref = statistics.median(r["reference"]["events"] / r["reference"]["seconds"] for r in runs)
        each = ", ".join(f"{r['first']['events'] / r['first']['seconds']:,.0f}" for r in runs)
        print(
            f"| {backend} | {new:,.0f} ({each}) | {cpu:,.0f} ({split[0]:.1f} s + {split[1]:.1f} s)"
            f" | {dup:,.0f} | {ref:,.0f} "
            f"| {new / ref:.3f} | {before}; {after} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
