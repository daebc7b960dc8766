"""The live watch: obligations after one event, and a scheduler tick over 10,000 open leads.

Fills a fresh store with N synthetic contacts (``synthetic_records``: 10 records each), puts the
example agreement in force, adds 10,000 open MQLs (handed over an hour before "now"), then:

- the full re-evaluation of those 10,000 queued leads by the reference evaluator (what an
  agreement change or a large import costs, spread over ticks);
- a scheduler tick with the 10,000 leads open and none due (the steady state, every minute), and
  the tick at which every one of them turns at risk at once (10,000 statuses moved, their alerts
  queued in the outbox);
- one event: ``refresh_obligations([contact], now)`` for one open lead inside a transaction (what
  every ingested event costs on top of storing it; the commit is the event's own), median and
  p95 over 500 leads, and the whole ``store_records([touch])`` call including that refresh and
  its durable commit.

    uv run python bench/bench_watch.py --contacts 1000000
    uv run python bench/bench_watch.py --contacts 100000 --postgres postgresql://postgres@127.0.0.1:5432/test
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import _drop_postgres, _scratch_postgres

WORKER = """
import json, statistics, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from funnelpact.domain.records import Contact, Direction, Ref, StageChange, System, Touch, TouchType
from funnelpact.server.tracking.services import store_records
from funnelpact.server.tracking.synthetic import synthetic_records
from funnelpact.server.watch import models, services
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.scheduler import tick

contacts, open_leads, agreement = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
out = {}
start = time.perf_counter()
store_records(synthetic_records(contacts, seed=7), batch_size=50_000)
out["fill_seconds"] = time.perf_counter() - start
now = datetime(2025, 12, 2, 10, 0, tzinfo=UTC)  # a Tuesday, working hours in Madrid
services.clock = lambda: now
services.use_agreement(agreement, now)
owner = Ref(System.DEMO, "rep0")
records = []
for i in range(open_leads):
    ref = Ref(System.API, f"open{i}")
    at = now - timedelta(hours=1, seconds=i % 3000)
    records.append(Contact(ref=ref, created_at=at, owner=owner, lifecycle_stage="mql"))
    records.append(StageChange(contact=ref, stage="mql", entered_at=at))
store_records(records)  # more than the live limit: queued for the scheduler
start = time.perf_counter()
first = tick(now, send=lambda *a: None)
out["full_seconds"] = time.perf_counter() - start  # queued leads: the reference evaluator
out["full_leads"] = first.leads
from funnelpact.server.watch.channels import add_channel
add_channel("bench", "json://127.0.0.1:9/bench")  # alerts are queued (sending is stubbed)
start = time.perf_counter()
steady = tick(now + timedelta(minutes=1), send=lambda *a: None)
out["steady_seconds"] = time.perf_counter() - start  # 10,000 open leads, none due
decisions = models.Obligation.objects.filter(name="decision")
at_risk_at = max(decisions.values_list("at_risk_at", flat=True))
start = time.perf_counter()
moving = tick(at_risk_at, send=lambda *a: None)
out["moving_seconds"] = time.perf_counter() - start  # every open lead turns at risk at once
out["moving_alerts"] = moving.alerts_queued
out["obligations"] = models.Obligation.objects.count()
ids = [find_contact(f"api:open{i}") for i in range(0, open_leads, max(1, open_leads // 500))]
refresh, whole = [], []
for n, cid in enumerate(ids):
    with transaction.atomic():  # as in the live path: the event's transaction commits after
        t0 = time.perf_counter()
        services.refresh_obligations([cid], now)
        refresh.append(time.perf_counter() - t0)
    lead = Ref(System.API, f"open{n * max(1, open_leads // 500)}")
    touch = Touch(ref=Ref(System.API, f"t-bench-{n}"), contact=lead, type=TouchType.CALL,
                  occurred_at=now - timedelta(minutes=5), direction=Direction.OUTBOUND, rep=owner)
    t0 = time.perf_counter()
    store_records([touch])
    whole.append(time.perf_counter() - t0)
q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))]
out["refresh_median_ms"] = statistics.median(refresh) * 1000
out["refresh_p95_ms"] = q(refresh, 0.95) * 1000
out["event_median_ms"] = statistics.median(whole) * 1000
out["event_p95_ms"] = q(whole, 0.95) * 1000
out["events"] = len(ids)
out["store_contacts"] = contacts + open_leads
print(json.dumps(out))
"""

AGREEMENT = Path(__file__).resolve().parent.parent / "examples" / "agreement-seed-000.yaml"


def _run(url: str, contacts: int, open_leads: int) -> dict[str, float]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(contacts), str(open_leads), str(AGREEMENT)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--open-leads", type=int, default=10_000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args(argv)
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        rows.append(("SQLite", _run(url, args.contacts, args.open_leads)))
    if args.postgres:
        url, name = _scratch_postgres(args.postgres)
        try:
            rows.append(("PostgreSQL", _run(url, args.contacts, args.open_leads)))
        finally:
            _drop_postgres(args.postgres, name)
    print(
        f"watch, {args.contacts:,} + {args.open_leads:,} contacts in the store, "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print(
        "| backend | full re-evaluation (queued leads) s | tick, leads open, none due s "
        "| tick, every lead turns at risk s | refresh in the event's transaction median / p95 ms "
        "| store_records([touch]) incl. refresh and commit median / p95 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for backend, r in rows:
        print(
            f"| {backend} | {r['full_seconds']:.2f} ({r['full_leads']:,.0f}) "
            f"| {r['steady_seconds']:.3f} "
            f"| {r['moving_seconds']:.2f} ({r['moving_alerts']:,.0f} alerts) "
            f"| {r['refresh_median_ms']:.2f} / {r['refresh_p95_ms']:.2f} "
            f"| {r['event_median_ms']:.2f} / {r['event_p95_ms']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
