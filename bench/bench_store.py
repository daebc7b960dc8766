"""Store write throughput: synthetic canonical records into SQLite and PostgreSQL.

Generates N contacts (each with 3 stage changes and 6 touches: 10 records) as canonical records,
stores them with ``store_records`` in one durable transaction (SQLite WAL + synchronous=FULL; a
PostgreSQL commit), and prints a markdown table of records/s. Then stores the same records again
(the idempotent re-import: every record compared, nothing written).

    uv run python bench/bench_store.py --contacts 100000
    uv run python bench/bench_store.py --contacts 100000 --postgres postgresql://postgres@127.0.0.1:5432/test

Each backend gets a fresh database: a SQLite file in a temporary directory; on PostgreSQL a
scratch database created next to the one named (and dropped afterwards). Each run is a new
process so Django is configured once per backend.
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

WORKER = """
import json, sys, time
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from funnelpact.server.tracking.services import store_records
from funnelpact.server.tracking.synthetic import synthetic_records
contacts, batch = int(sys.argv[1]), int(sys.argv[2])
out = {}
for run in ("first", "again"):
    records = list(synthetic_records(contacts, seed=7))
    start = time.perf_counter()
    report = store_records(records, batch_size=batch)
    out[run] = {"seconds": time.perf_counter() - start, "records": len(records),
                "created": report.total("created"), "unchanged": report.total("unchanged")}
print(json.dumps(out))
"""


def _run(url: str, contacts: int, batch: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(contacts), str(batch)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _scratch_postgres(url: str) -> tuple[str, str]:
    import psycopg

    parts = urlsplit(url)
    name = f"funnelpact_bench_{os.getpid()}"
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
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--postgres", default=os.environ.get("FUNNELPACT_TEST_DATABASE_URL", ""))
    args = parser.parse_args(argv)

    rows: list[tuple[str, dict[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "SQLite (WAL, synchronous=FULL)",
                _run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.contacts, args.batch_size),
            )
        )
    if args.postgres:
        url, name = _scratch_postgres(args.postgres)
        try:
            rows.append(("PostgreSQL (COPY)", _run(url, args.contacts, args.batch_size)))
        finally:
            _drop_postgres(args.postgres, name)

    print(
        f"store_records, {args.contacts:,} contacts, batch size {args.batch_size:,}, "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print("| backend | records | first import s | records/s | re-import s | records/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend, result in rows:
        first, again = result["first"], result["again"]
        print(
            f"| {backend} | {first['records']:,.0f} | {first['seconds']:.2f} "
            f"| {first['records'] / first['seconds']:,.0f} | {again['seconds']:.2f} "
            f"| {again['records'] / again['seconds']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
