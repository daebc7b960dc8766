"""The live watch: obligations after one event, and a scheduler tick over 10,000 open leads.

Fills a fresh store with N synthetic contacts (``synthetic_records``: 10 records each), puts the
example agreement in force, adds 10,000 open MQLs (handed over an hour before "now"), then:

- the scheduler tick over those 10,000 due leads (first evaluation: inserts), and again after
  marking them all due (re-evaluation of every pending obligation: the steady state);
- one event: ``refresh_obligations([contact], now)`` for one open lead (what every ingested
  event costs on top of storing it), median and p95 over 500 leads, and the whole
  ``store_records([touch])`` call including that refresh.

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
from bench_store import _drop_postgres, _scratch_postgres  # noqa: E402

WORKER = """
import json, statistics, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
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
out["tick_first_seconds"] = time.perf_counter() - start
out["tick_first_leads"] = first.leads
models.WatchedLead.objects.update(next_check_at=now)
start = time.perf_counter()
again = tick(now, send=lambda *a: None)
out["tick_again_seconds"] = time.perf_counter() - start
out["tick_again_leads"] = again.leads
out["obligations"] = models.Obligation.objects.count()
ids = [find_contact(f"api:open{i}") for i in range(0, open_leads, max(1, open_leads // 500))]
refresh, whole = [], []
for n, cid in enumerate(ids):
    t0 = time.perf_counter()
    services.refresh_obligations([cid], now)
    refresh.append(time.perf_counter() - t0)
    touch = Touch(ref=Ref(System.API, f"t-bench-{n}"), contact=Ref(System.API, f"open{n * max(1, open_leads // 500)}"),
                  type=TouchType.CALL, occurred_at=now - timedelta(minutes=5),
                  direction=Direction.OUTBOUND, rep=owner)
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
        "| backend | tick, first evaluation s | tick, re-evaluation s | refresh after one event "
        "median / p95 ms | store_records([touch]) with refresh median / p95 ms |"
    )
    print("|---|---:|---:|---:|---:|")
    for backend, r in rows:
        print(
            f"| {backend} | {r['tick_first_seconds']:.2f} ({r['tick_first_leads']:,.0f} leads) "
            f"| {r['tick_again_seconds']:.2f} ({r['tick_again_leads']:,.0f} leads) "
            f"| {r['refresh_median_ms']:.2f} / {r['refresh_p95_ms']:.2f} "
            f"| {r['event_median_ms']:.2f} / {r['event_p95_ms']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
