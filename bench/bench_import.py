"""Import throughput: a realistic HubSpot contacts export, parsed alone and imported end to end.

Writes an N-row HubSpot contacts export (English labels, ISO-like local dates as HubSpot writes
them, 30 columns: ids, names, emails, owners, lifecycle stage, lead status, sources, "Became a ...
Date" columns, a ``Date entered`` column, conversions, counters), then measures:

1. parse + validate alone (``prepare_hubspot`` and every record built, nothing stored);
2. end to end into SQLite (a fresh file, WAL, synchronous=FULL: durable) and into PostgreSQL
   (a scratch database): ``prepare_hubspot`` -> ``store_records`` in one transaction, the way
   ``funnelpact import hubspot`` does it;
3. the same file again (the idempotent re-import: every record compared, nothing written).

    uv run python bench/bench_import.py --rows 1000000
    uv run python bench/bench_import.py --rows 1000000 --postgres postgresql://postgres@127.0.0.1:5432/test

``--path both`` (the default) measures the row path (``prepare_hubspot`` -> ``store_records``)
and the bulk path (``ingest.hubspot.bulk.read_job`` -> ``server.tracking.bulk.store_columnar``,
what ``funnelpact import hubspot`` runs for contact exports) one after the other, on the same
file, in the same run: compare them, not figures of different runs.

Each measurement runs ``--repeat`` times (default 3) in fresh processes (a fresh database each
time) and the median is printed, with the load average before and after (the machine is shared).
Prints a markdown table of rows/s and records/s (docs/benchmarks.md keeps the figures).

``--floors STORE_DB`` measures instead SQLite alone copying the rows of a store the bulk path
filled into each storage shape (today's tables, stage changes per contact, identities folded into
contacts, one row per contact): the floor of the writing, no Python per row.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HEADER = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Job Title",
    "City", "Country/Region", "Contact owner", "Owner assigned date", "Lifecycle Stage",
    "Lead Status", "Create Date", "Last Modified Date", "Original Source",
    "Original Source Drill-Down 1", "Original Source Drill-Down 2",
    "Became a Subscriber Date", "Became a Lead Date", "Became a Marketing Qualified Lead Date",
    "Became a Sales Qualified Lead Date", "Became an Opportunity Date", "Became a Customer Date",
    'Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)"', "First Conversion",
    "First Conversion Date", "Number of Pageviews", "Number of Form Submissions", "Last Contacted",
]  # fmt: skip

FIRST = [
    "Ana",
    "Bruno",
    "Carla",
    "Dan",
    "Elena",
    "Federico",
    "Giulia",
    "Hugo",
    "Irene",
    "Javier",
    "Lucía",
    "Marco",
    "Nora",
    "Óscar",
    "Paola",
    "Raúl",
    "Sofia",
    "Tomás",
    "Valeria",
    "Yago",
]
LAST = [
    "García",
    "Rossi",
    "Martín",
    "Bianchi",
    "López",
    "Esposito",
    "Sánchez",
    "Romano",
    "Evans",
    "Ferrari",
    "Navarro",
    "Conti",
    "Moreno",
    "Ricci",
    "Smith",
    "Gallo",
    "Ruiz",
    "Greco",
]
OWNERS = [f"{first} {last}" for first, last in zip(FIRST[:16], LAST[:16], strict=True)]
SOURCES = [
    ("ORGANIC_SEARCH", "google"),
    ("PAID_SEARCH", "adwords"),
    ("EMAIL_MARKETING", "newsletter"),
    ("SOCIAL_MEDIA", "linkedin"),
    ("REFERRALS", "partner.example.com"),
    ("DIRECT_TRAFFIC", ""),
    ("OFFLINE", "IMPORT"),
    ("PAID_SOCIAL", "linkedin"),
]
STAGES = [
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
]
STAGE_LABELS = [
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
]
STATUSES = ["NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "UNQUALIFIED"]
FORMAT = "%Y-%m-%d %H:%M"


def write_contacts_export(path: Path, rows: int, seed: int = 7) -> None:
    """An N-row HubSpot contacts export, deterministic by seed (a funnel: fewer rows per stage)."""
    rng = random.Random(seed)
    start = datetime(2023, 1, 2, 8, 0)  # noqa: DTZ001 - the portal's local wall-clock time
    span = 2 * 365 * 24 * 60
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            created = start + timedelta(minutes=rng.randrange(span))
            reached = 0 if rng.random() < 0.15 else 1
            while reached < 5 and rng.random() < 0.5:
                reached += 1
            dates = [""] * 6
            moment = created
            for stage in range(reached + 1):
                if stage:
                    moment += timedelta(minutes=rng.randrange(30, 60 * 24 * 20))
                dates[stage] = moment.strftime(FORMAT)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            owner = rng.choice(OWNERS) if reached >= 2 else ""
            assigned = dates[2] if owner else ""
            source, drill = rng.choice(SOURCES)
            converted = dates[1] if reached >= 1 and rng.random() < 0.8 else ""
            writer.writerow([
                100000 + number, first, last,
                f"{first.lower()}.{last.lower()}{number}@example.com".replace("ó", "o"),
                f"+34 6{rng.randrange(10**7, 10**8)}", f"{last} {rng.choice(['SL', 'Srl', 'Ltd'])}",
                rng.choice(["CEO", "CMO", "Head of Sales", "Marketing Manager", ""]),
                rng.choice(["Madrid", "Milano", "Barcelona", "Roma", "London"]),
                rng.choice(["Spain", "Italy", "United Kingdom"]), owner, assigned,
                STAGE_LABELS[reached], rng.choice(STATUSES) if reached >= 2 else "",
                dates[0], (moment + timedelta(days=3)).strftime(FORMAT), source, drill, "",
                *dates, dates[2], "Contact form" if converted else "", converted,
                rng.randrange(1, 40), rng.randrange(0, 4), "",
            ])  # fmt: skip


PARSE_WORKER = """
import json, sys, time
from pathlib import Path
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
start = time.perf_counter()
job = prepare_hubspot([Path(sys.argv[1])], ImportOptions(timezone="Europe/Madrid"))
records = sum(len(batch) for batch in job.batches())
print(json.dumps({"seconds": time.perf_counter() - start, "records": records,
                  "rows": job.report().rows}))
"""

STORE_WORKER = """
import json, sys, time
from pathlib import Path
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.server.tracking.services import store_records
out = {}
for run in ("first", "again"):
    start = time.perf_counter()
    cpu = time.process_time()
    job = prepare_hubspot([Path(sys.argv[1])], ImportOptions(timezone="Europe/Madrid"))
    report = store_records(job.records())
    out[run] = {"seconds": time.perf_counter() - start, "rows": job.report().rows,
                "records": report.records, "created": report.total("created"),
                "unchanged": report.total("unchanged"),
                "cpu_seconds": time.process_time() - cpu}
print(json.dumps(out))
"""


BULK_PARSE_WORKER = """
import json, sys, time
from pathlib import Path
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.bulk import read_job
start = time.perf_counter()
job = prepare_hubspot([Path(sys.argv[1])], ImportOptions(timezone="Europe/Madrid"))
read = read_job(job)
records = sum(file.record_count() for file in read.files)
print(json.dumps({"seconds": time.perf_counter() - start, "records": records,
                  "rows": read.rows}))
"""

BULK_STORE_WORKER = """
import json, sys, time
from pathlib import Path
from funnelpact.server import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.bulk import read_job
from funnelpact.server.tracking.bulk import store_columnar
out = {}
for run in ("first", "again"):
    start = time.perf_counter()
    cpu = time.process_time()
    job = prepare_hubspot([Path(sys.argv[1])], ImportOptions(timezone="Europe/Madrid"))
    read = read_job(job)
    parsed = time.perf_counter() - start
    report = store_columnar(read)
    out[run] = {"seconds": time.perf_counter() - start, "rows": read.rows,
                "records": report.records, "created": report.total("created"),
                "unchanged": report.total("unchanged"), "read_seconds": parsed,
                "cpu_seconds": time.process_time() - cpu}
print(json.dumps(out))
"""


def _worker(code: str, *args: str, url: str = "") -> dict[str, object]:
    env = {**os.environ}
    if url:
        env["FUNNELPACT_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _scratch_postgres(url: str) -> tuple[str, str]:
    import psycopg

    name = f"funnelpact_bench_import_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _line(label: str, rows: int, records: int, runs: list[float]) -> str:
    seconds = statistics.median(runs)
    spread = ", ".join(f"{run:.1f}" for run in runs)
    return (
        f"| {label} | {rows:,} | {records:,} | {seconds:.1f} ({spread}) | {rows / seconds:,.0f}"
        f" | {records / seconds:,.0f} |"
    )


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


IMPORTED = (
    "tracking_contact",
    "tracking_contactidentity",
    "tracking_stagechange",
    "tracking_ownerchange",
    "tracking_touch",
)
FLOOR_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA cache_size=-262144",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA foreign_keys=ON",
)


def floors(store: Path, out: Path) -> None:
    """SQLite alone: the floor of each storage shape for an import's rows (no Python per row).

    Copies the rows of ``store`` (a SQLite store filled by the bulk path, attached) into fresh
    files with the store's PRAGMAs, one durable transaction per shape: ``INSERT ... SELECT`` in
    key order, secondary indexes built after the load, COMMIT. Other shapes' rows (histories as
    text, one row per contact) are prepared first, untimed: an import would build them in DuckDB.
    Prints a markdown table per shape (CPU and wall seconds per step)."""
    import sqlite3

    out.mkdir(parents=True, exist_ok=True)
    filled = sqlite3.connect(store)
    names = ", ".join(f"'{t}'" for t in ("tracking_rep", *IMPORTED))
    tables = dict(
        filled.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type='table' AND name IN ({names})"
        )
    )
    indexes = filled.execute(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({names})"
    ).fetchall()
    contact_columns = [r[1] for r in filled.execute("PRAGMA table_info(tracking_contact)")]
    filled.close()
    cols = ", ".join(f'"{c}"' for c in contact_columns)
    ccols = ", ".join(f'c."{c}"' for c in contact_columns)

    def built(*names: str) -> list[str]:
        return [sql for table, sql in indexes if table in names]

    prep_path = out / "prep.db"
    prep_path.unlink(missing_ok=True)
    prep = sqlite3.connect(prep_path, isolation_level=None)
    prep.execute("PRAGMA cache_size=-262144")
    prep.execute(f"ATTACH '{store}' AS s")
    for statement in (
        "BEGIN",
        "CREATE TABLE stage_history (contact_id INTEGER PRIMARY KEY, changes TEXT)",
        "INSERT INTO stage_history SELECT contact_id,"
        " group_concat(stage || '@' || entered_at || '@' || change_source, '|') FROM"
        " (SELECT * FROM s.tracking_stagechange ORDER BY contact_id, stage) GROUP BY contact_id",
        "CREATE TABLE owner_history (contact_id INTEGER PRIMARY KEY, changes TEXT)",
        "INSERT INTO owner_history SELECT contact_id,"
        " group_concat(owner_id || '@' || assigned_at, '|') FROM s.tracking_ownerchange"
        " GROUP BY contact_id",
        "CREATE TABLE touch_history (contact_id INTEGER PRIMARY KEY, touches TEXT)",
        "INSERT INTO touch_history SELECT contact_id,"
        " group_concat(external_id || '@' || occurred_at, '|') FROM s.tracking_touch"
        " GROUP BY contact_id",
        "CREATE TABLE one_src AS SELECT c.*, i.external_id, sh.changes AS stages,"
        " oh.changes AS owners, th.touches FROM s.tracking_contact c"
        " JOIN s.tracking_contactidentity i ON i.contact_id = c.id"
        " LEFT JOIN stage_history sh ON sh.contact_id = c.id"
        " LEFT JOIN owner_history oh ON oh.contact_id = c.id"
        " LEFT JOIN touch_history th ON th.contact_id = c.id ORDER BY c.id",
        "COMMIT",
    ):
        prep.execute(statement)
    prep.close()

    def shape(name: str, steps: list[tuple[str, list[str]]]) -> None:
        for leftover in out.glob(f"{name}.db*"):
            leftover.unlink()
        con = sqlite3.connect(out / f"{name}.db", isolation_level=None)
        for pragma in FLOOR_PRAGMAS:
            con.execute(pragma)
        con.execute(f"ATTACH '{store}' AS s")
        con.execute(f"ATTACH '{prep_path}' AS p")
        con.execute(tables["tracking_rep"])
        con.execute("INSERT INTO tracking_rep SELECT * FROM s.tracking_rep")
        lines = [f"\n{name}", "| step | CPU s | wall s |", "|---|---:|---:|"]
        total_cpu = total_wall = 0.0
        con.execute("BEGIN IMMEDIATE")
        for label, statements in [*steps, ("durable commit", ["COMMIT"])]:
            wall, cpu = time.perf_counter(), time.process_time()
            for statement in statements:
                con.execute(statement)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            total_cpu, total_wall = total_cpu + cpu, total_wall + wall
            lines.append(f"| {label} | {cpu:.1f} | {wall:.1f} |")
        con.close()
        lines.append(f"| **total** | **{total_cpu:.1f}** | **{total_wall:.1f}** |")
        print("\n".join(lines), flush=True)

    def copy(table: str, order: str) -> list[str]:
        return [tables[table], f"INSERT INTO {table} SELECT * FROM s.{table} ORDER BY {order}"]

    contacts = ("contacts", copy("tracking_contact", "id"))
    identities = ("identities", copy("tracking_contactidentity", "contact_id"))
    owners = ("owner changes", copy("tracking_ownerchange", "contact_id"))
    touches = ("touches", copy("tracking_touch", "external_id"))
    shape(
        "current",
        [
            contacts,
            identities,
            ("stage changes", copy("tracking_stagechange", "contact_id, stage")),
            owners,
            touches,
            ("secondary indexes built", built(*IMPORTED)),
        ],
    )
    # Stage changes as one row per contact (a text list), keyed by the contact.
    stage_row = (
        "stage changes, one row per contact",
        [
            "CREATE TABLE stage_history (contact_id INTEGER PRIMARY KEY"
            " REFERENCES tracking_contact (id), changes TEXT NOT NULL)",
            "INSERT INTO stage_history SELECT * FROM p.stage_history ORDER BY contact_id",
        ],
    )
    rest = (
        "tracking_contact",
        "tracking_contactidentity",
        "tracking_ownerchange",
        "tracking_touch",
    )
    shape(
        "stage_per_contact",
        [
            contacts,
            identities,
            stage_row,
            owners,
            touches,
            ("secondary indexes built", built(*rest)),
        ],
    )
    # Identities folded into contacts: the HubSpot id a unique column of the contact.
    contact_sql = tables["tracking_contact"].rstrip()[:-1] + ', "hubspot_id" varchar(255) NULL)'
    folded = (
        "contacts with their HubSpot id",
        [
            contact_sql,
            f"INSERT INTO tracking_contact ({cols}, hubspot_id) SELECT {ccols}, c.external_id"
            " FROM p.one_src c ORDER BY c.rowid",
        ],
    )
    folded_indexes = [
        "CREATE UNIQUE INDEX contact_hubspot_id ON tracking_contact (hubspot_id)",
        *built("tracking_contact", "tracking_ownerchange", "tracking_touch"),
    ]
    shape(
        "identity_in_contact",
        [folded, stage_row, owners, touches, ("secondary indexes built", folded_indexes)],
    )
    # One row per contact: its fields, its id, its stage/owner/touch histories as text.
    one_sql = (
        contact_sql.replace('"tracking_contact"', '"imported"').rstrip()[:-1]
        + ', "stages" text NULL, "owner_changes" text NULL, "touches" text NULL)'
    )
    shape(
        "one_row",
        [
            (
                "one row per contact (everything)",
                [
                    one_sql,
                    f"INSERT INTO imported ({cols}, hubspot_id, stages, owner_changes, touches)"
                    f" SELECT {ccols}, c.external_id, c.stages, c.owners, c.touches"
                    " FROM p.one_src c ORDER BY c.rowid",
                ],
            ),
            (
                "indexes built (hubspot id unique, email)",
                [
                    "CREATE UNIQUE INDEX imported_hubspot_id ON imported (hubspot_id)",
                    "CREATE INDEX imported_email ON imported (normalised_email)",
                ],
            ),
        ],
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", default="", help="a PostgreSQL URL (a scratch database is created next to it)"
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--file", type=Path, help="reuse this export instead of writing one")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument(
        "--path",
        choices=("both", "row", "bulk"),
        default="both",
        help="the row path (store_records), the bulk path (columnar reader + bulk writer), or"
        " both, one after the other in the same run",
    )
    parser.add_argument(
        "--floors",
        type=Path,
        metavar="STORE_DB",
        help="instead: SQLite alone copying the rows of this filled SQLite store into each"
        " storage shape (today's tables, stage changes per contact, identities in contacts, one"
        " row per contact): the floor of the writing, no Python per row",
    )
    args = parser.parse_args(argv)
    if args.floors is not None:
        print(f"load average before: {_load()}", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="funnelpact-bench-floors-") as folder:
            floors(args.floors, Path(folder))
        print(f"load average after: {_load()}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="funnelpact-bench-import-") as folder:
        export = args.file or Path(folder) / "hubspot-contacts.csv"
        if args.file is None:
            started = time.perf_counter()
            write_contacts_export(export, args.rows)
            print(
                f"wrote {export} ({export.stat().st_size / 1e6:.0f} MB) in"
                f" {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        print(f"load average before: {_load()}", file=sys.stderr)
        lines = [
            "| run | rows | records | seconds: median (runs) | rows/s | records/s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        paths = {
            "row": (PARSE_WORKER, STORE_WORKER),
            "bulk": (BULK_PARSE_WORKER, BULK_STORE_WORKER),
        }
        chosen = ["row", "bulk"] if args.path == "both" else [args.path]
        for path_name in chosen:
            parse_worker, store_worker = paths[path_name]
            print(f"{path_name} path, load average: {_load()}", file=sys.stderr)
            parses = [_worker(parse_worker, str(export)) for _ in range(args.repeat)]
            lines.append(
                _line(
                    f"{path_name}: parse + validate (no store)",
                    int(str(parses[0]["rows"])),
                    int(str(parses[0]["records"])),
                    [float(str(parsed["seconds"])) for parsed in parses],
                )
            )
            labels = (["SQLite"] if not args.no_sqlite else []) + (
                ["PostgreSQL"] if args.postgres else []
            )
            for label in labels:
                results = []
                for attempt in range(args.repeat):
                    if label == "SQLite":
                        url, scratch_name = f"sqlite:///{folder}/store-{attempt}.db", ""
                    else:
                        url, scratch_name = _scratch_postgres(args.postgres)
                    try:
                        results.append(_worker(store_worker, str(export), url=url))
                    finally:
                        if scratch_name:
                            _drop_postgres(args.postgres, scratch_name)
                        else:
                            for leftover in Path(folder).glob(f"store-{attempt}.db*"):
                                leftover.unlink()
                print(f"{path_name} {label}: {json.dumps(results)}", file=sys.stderr)
                for run, title in (("first", "end to end"), ("again", "re-import, unchanged")):
                    figures = [result[run] for result in results]
                    assert all(isinstance(f, dict) for f in figures)
                    lines.append(
                        _line(
                            f"{path_name}: {label}: {title}",
                            int(figures[0]["rows"]),  # type: ignore[index]
                            int(figures[0]["records"]),  # type: ignore[index]
                            [float(f["seconds"]) for f in figures],  # type: ignore[index]
                        )
                    )
        print(f"load average after: {_load()}", file=sys.stderr)
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
