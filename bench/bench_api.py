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
t0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
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
for run, key in (("first", "accepted"), ("again", "duplicates")):
    done = 0
    start = time.perf_counter()
    for body in bodies:
        answer = client.post("/api/v1/events/batch", data=body, content_type="application/json")
        assert answer.status_code == 200, answer.content[:500]
        done += answer.json()[key]
    out[run] = {"seconds": time.perf_counter() - start, "events": len(events),
                "requests": len(bodies), "counted": done}
print(json.dumps(out))
"""


def _run(url: str, contacts: int, batch: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(contacts), str(batch)],
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("FUNNELPACT_TEST_DATABASE_URL", ""))
    args = parser.parse_args(argv)

    rows: list[tuple[str, dict[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        rows.append(("SQLite (WAL, synchronous=FULL)", _run(url, args.contacts, args.batch_size)))
    if args.postgres:
        url, name = _scratch_postgres(args.postgres)
        try:
            rows.append(("PostgreSQL", _run(url, args.contacts, args.batch_size)))
        finally:
            _drop_postgres(args.postgres, name)

    print(
        f"POST /api/v1/events/batch, {args.contacts:,} contacts, batches of {args.batch_size}, "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print("| backend | events | requests | new events s | events/s | duplicates s | events/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend, result in rows:
        first, again = result["first"], result["again"]
        assert first["counted"] == first["events"] and again["counted"] == again["events"]
        print(
            f"| {backend} | {first['events']:,.0f} | {first['requests']:,.0f} "
            f"| {first['seconds']:.2f} | {first['events'] / first['seconds']:,.0f} "
            f"| {again['seconds']:.2f} | {again['events'] / again['seconds']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
