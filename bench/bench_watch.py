"""The live watch: obligations after one event, and scheduler ticks over 10,000 open leads.

Fills a fresh store with N synthetic contacts (``synthetic_records``: 10 records each), puts the
example agreement in force, adds 10,000 open MQLs (handed over an hour before "now"), then
measures, each the median of ``--repeat`` runs (default 3) inside a transaction rolled back
after the run (every run starts from the same store; the durable commit is left out):

- **first evaluation**: the tick that evaluates the 10,000 queued leads for the first time (an
  import of more than 2,000 contacts queues them): the reference evaluator, 50,000 obligation
  rows inserted; the tick's daily digest and MQL pace check run in it too (10:00 is after the
  agreed 08:30);
- **re-evaluation**: the same 10,000 leads queued again with their obligations stored (what
  ``watch use`` costs after an agreement change that moves nothing);
- **steady tick**: a tick with the 10,000 leads open and nothing due (every 30 s);
- **all turn at risk**: the tick at which every one of the 10,000 reaches its at-risk instant
  at once (10,000 statuses moved, 10,000 alerts written to the outbox), and within it the
  set-based pass alone (``advance_statuses``); sending is stubbed, the tick sends its first
  200 alerts, each marked sent in its own transaction;
- **one event**: ``refresh_obligations([contact], now)`` for one open lead inside a
  transaction (what every ingested event costs on top of storing it), median and p95 over 500
  leads, and the whole ``store_records([touch])`` call including that refresh and its durable
  commit.

Each figure is wall time and the process's CPU time (on SQLite everything runs in the process;
on PostgreSQL the server's work is in the wall time only). The load average is printed: the
machine is shared.

    uv run python bench/bench_watch.py --contacts 1000000
    uv run python bench/bench_watch.py --contacts 100000 --postgres postgresql://postgres@127.0.0.1:5432/test

(``--postgres`` names a server: the run creates a scratch database there and drops it.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import _drop_postgres, _scratch_postgres

WORKER = """
import json, os, statistics, sys, time
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
from funnelpact.server.watch.channels import add_channel
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.scheduler import advance_statuses, tick

contacts, open_leads, agreement, repeat = (
    int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
)
profile = sys.argv[5] == "1"
out = {"load_start": os.getloadavg()[0]}
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
add_channel("bench", "json://127.0.0.1:9/bench")  # alerts are queued (sending is stubbed)
import apprise, funnelpact.domain.planning  # noqa: imports are not what is measured


def stub(*args):
    return None


def profiled(name, run):
    # --profile: one run under cProfile first (rolled back), its top functions to stderr.
    import cProfile, pstats
    with transaction.atomic():
        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        transaction.set_rollback(True)
    sys.stderr.write(f"== profile: {name} ==" + chr(10))
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)


from django.db import connection


def tidy():
    # PostgreSQL: a rolled-back run leaves its 50,000 inserted rows behind as dead tuples (and
    # their index entries) until a vacuum; without one, run k of a measure scanned (k-1) x
    # 50,000 dead rows that no real first evaluation meets (the day's digest counted 950,000
    # index entries on a scratch store after 19 runs). Vacuumed (and analysed, as autovacuum
    # would after the fill) before each run, outside the timing. SQLite rolls back in place.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("watch_obligation", "watch_watchedlead", "watch_alertoutbox"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")


def measure(name, run):
    if profile and name in ("first", "again"):
        profiled(name, run)
    walls, cpus = [], []
    for _ in range(repeat):
        tidy()
        with transaction.atomic():
            wall, cpu = time.perf_counter(), time.process_time()
            result = run()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            transaction.set_rollback(True)
    out[name] = statistics.median(walls)
    out[name + "_cpu"] = statistics.median(cpus)
    return result


if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after the fill
first = measure("first", lambda: tick(now, send=stub))
out["first_leads"] = first.leads
tidy()
wall, cpu = time.perf_counter(), time.process_time()
tick(now, send=stub)  # for real: the obligations are stored from here on
# The same first evaluation once more, committed: what the rolled-back runs leave out (the
# commit's deferred foreign-key checks on PostgreSQL, the durable write).
out["first_committed"] = time.perf_counter() - wall
out["first_committed_cpu"] = time.process_time() - cpu
out["obligations"] = models.Obligation.objects.count()


def requeue_and_tick():
    models.WatchedLead.objects.update(next_check_at=now)
    return tick(now, send=stub)


again = measure("again", requeue_and_tick)
out["again_leads"] = again.leads
measure("steady", lambda: tick(now + timedelta(minutes=1), send=stub))
decisions = models.Obligation.objects.filter(name="decision")
at_risk_at = max(decisions.values_list("at_risk_at", flat=True))
context = services.active_context()
moved = measure("advance", lambda: advance_statuses(context, at_risk_at))
out["advance_moved"], out["advance_alerts"] = moved
moving = measure("moving", lambda: tick(at_risk_at, send=stub))
out["moving_alerts"] = moving.alerts_queued
step = max(1, open_leads // 500)
ids = [find_contact(f"api:open{i}") for i in range(0, open_leads, step)]
refresh, whole = [], []
for n, cid in enumerate(ids):
    with transaction.atomic():  # as in the live path: the event's transaction commits after
        t0 = time.perf_counter()
        services.refresh_obligations([cid], now)
        refresh.append(time.perf_counter() - t0)
    lead = Ref(System.API, f"open{n * step}")
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
out["load_end"] = os.getloadavg()[0]
print(json.dumps(out))
"""

AGREEMENT = Path(__file__).resolve().parent.parent / "examples" / "agreement-seed-000.yaml"


def _run(
    url: str, contacts: int, open_leads: int, repeat: int, profile: bool = False
) -> dict[str, float]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    argv = [str(contacts), str(open_leads), str(AGREEMENT), str(repeat), "1" if profile else "0"]
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *argv],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {url.split(':')[0]} run failed")
    if profile:
        sys.stderr.write(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cells(r: dict[str, float]) -> Callable[..., str]:
    def cell(name: str, digits: int = 2) -> str:
        return f"{r[name]:.{digits}f} ({r[name + '_cpu']:.{digits}f})"

    return cell


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--open-leads", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--no-sqlite", action="store_true", help="Only the PostgreSQL run.")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Print a cProfile of the first evaluation and the re-evaluation (stderr).",
    )
    args = parser.parse_args(argv)
    rows: list[tuple[str, dict[str, float]]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            result = _run(url, args.contacts, args.open_leads, args.repeat, args.profile)
            rows.append(("SQLite", result))
    if args.postgres:
        url, name = _scratch_postgres(args.postgres)
        try:
            rows.append(
                ("PostgreSQL", _run(url, args.contacts, args.open_leads, args.repeat, args.profile))
            )
        finally:
            _drop_postgres(args.postgres, name)
    print(
        f"watch, {args.contacts:,} + {args.open_leads:,} contacts in the store, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, median of {args.repeat}; wall s (CPU s)\n"
    )
    print(
        "| backend | load avg | first evaluation of the queued leads | re-evaluation, stored "
        "| tick, none due | set-based pass, all turn at risk | whole tick, all turn at risk "
        "| refresh after one event median / p95 ms | store_records([touch]) median / p95 ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, r in rows:
        cell = _cells(r)
        print(
            f"| {backend} | {r['load_start']:.1f}-{r['load_end']:.1f} "
            f"| {cell('first')} [{r['first_leads']:,.0f} leads] "
            f"| {cell('again')} "
            f"| {cell('steady', 3)} "
            f"| {cell('advance')} [{r['advance_moved']:,.0f} moved] "
            f"| {cell('moving')} [{r['moving_alerts']:,.0f} alerts] "
            f"| {r['refresh_median_ms']:.2f} / {r['refresh_p95_ms']:.2f} "
            f"| {r['event_median_ms']:.2f} / {r['event_p95_ms']:.2f} |"
        )
    print("\nfill: " + ", ".join(f"{b} {r['fill_seconds']:.0f} s" for b, r in rows))
    print(
        "first evaluation once more, committed (median of 1): "
        + ", ".join(f"{b} {_cells(r)('first_committed')}" for b, r in rows)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
