"""Dashboard latency (p50/p95/p99) with N concurrent signed-in users on loopback.

    createdb -h 127.0.0.1 -U postgres fp_dashboard
    FUNNELPACT_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fp_dashboard \\
        uv run python bench/bench_dashboard.py --contacts 1000000 --users 20 --requests 10

Fills the store (SQLite file in a temporary folder, or the PostgreSQL database named by
FUNNELPACT_DATABASE_URL; `--reuse` keeps a store already filled to that size): a demo company of
`--demo-contacts` through the demo generator (agreement in force, teams, reps, one user per
role, the watch's obligations), then the rest generated inside DuckDB and written with COPY
(contacts, stage changes, owner changes, touches, hand-off decisions, deals and first-touch
obligations; PostgreSQL only). Then it warms the dashboard's analytics engine (the process's
first load: the store read into DuckDB, the facts built, the whole company's figures), serves the
app with the production server of `funnelpact serve` (waitress, `--threads`, no scheduler) in
this process, and starts the clients in a separate process (this script with `--client`): it
signs `--users` users in (admin, marketing, manager, rep, rep2, viewer in turn) and has each
fetch the dashboard `--requests` times, cycling through periods and filters. The server's CPU
per request is this process's CPU time during the requests (the clients' is theirs, reported
apart). `--profile` first prints a cProfile of a first and of repeat dashboard views in the
server process. It prints the load average with every figure, the uncached computation per
scope, and the time of an incremental refresh after a new hand-off is stored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

PASSWORD = "bench-pass-1"
SOURCES = ("web", "ads", "events", "referral", "partner", "webinar")
CAMPAIGNS = ("spring", "summer", "autumn", "winter", "always-on", "")
STREAMS = ("smb", "enterprise")
FILTERS = (
    "",
    "?period=week",
    "?period=quarter",
    "?source=web",
    "?source=ads",
    "?stream=enterprise",
)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _columns(model: Any, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every column of the model's table: the generated expression, else its default."""
    names, expressions = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if field.primary_key and column not in given:
            continue  # the table's identity numbers the rows
        names.append(column)
        if column in given:
            expressions.append(f"{given[column]} AS {column}")
        elif field.null:
            expressions.append(f"NULL AS {column}")
        else:
            default = field.get_default()
            if isinstance(default, bool):
                expressions.append(f"{str(default).lower()} AS {column}")
            elif isinstance(default, int):
                expressions.append(f"{default} AS {column}")
            else:
                expressions.append(f"'{default}' AS {column}")
    return names, expressions


def _copy(duck: Any, model: Any, source: str, given: dict[str, str], folder: Path) -> int:
    """Rows of `source` (a DuckDB query) COPY'd into the model's table."""
    from django.db import connection

    names, expressions = _columns(model, given)
    path = folder / f"{model._meta.db_table}.csv"
    duck.execute(f"COPY (SELECT {', '.join(expressions)} FROM {source}) TO '{path}' (HEADER false)")
    table = model._meta.db_table
    rows = 0
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        cursor.execute(f"SELECT count(*) FROM {table}")
        rows = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    path.unlink()
    return rows


def _ts(seconds: str) -> str:
    return f"strftime(make_timestamp(({seconds})::BIGINT * 1000000), '%Y-%m-%d %H:%M:%S') || '+00'"


def bulk_fill(extra: int, now: datetime, folder: Path) -> None:
    """`extra` more contacts and their history, generated in DuckDB, written with COPY."""
    import duckdb
    from django.db import connection, transaction

    from funnelpact.server.tracking import models as store
    from funnelpact.server.watch import models as watch
    from funnelpact.server.watch.services import active_context

    if connection.vendor != "postgresql":
        raise SystemExit("--contacts beyond --demo-contacts needs PostgreSQL (COPY)")
    context = active_context()
    reasons = [r.code for r in context.agreement.handoff.rejection_reasons] if context else []
    reasons = reasons or ["not_icp"]
    sales = list(
        store.Rep.objects.filter(
            team_name__in=store.Team.objects.filter(kind="sales").values("name")
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    first_id = (store.Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    now_s = int(now.timestamp())
    duck = duckdb.connect()
    duck.execute("SELECT setseed(0.42)")
    lst = lambda values: "[" + ", ".join(f"'{v}'" for v in values) + "]"  # noqa: E731
    duck.execute(
        f"""
        CREATE TABLE c AS
        SELECT {first_id} + i AS id,
               {now_s} - CAST(random() * 400 * 86400 AS BIGINT) AS created,
               {lst(SOURCES)}[1 + CAST(floor(random() * {len(SOURCES)}) AS INT)] AS source,
               {lst(CAMPAIGNS)}[1 + CAST(floor(random() * {len(CAMPAIGNS)}) AS INT)] AS campaign,
               {lst(STREAMS)}[1 + CAST(floor(random() * {len(STREAMS)}) AS INT)] AS stream,
               {sales}[1 + CAST(floor(random() * {len(sales)}) AS INT)] AS rep,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
        FROM range({extra}) t(i);
        CREATE TABLE j AS
        SELECT *,
               CASE WHEN r1 < 0.4 AND created + CAST(r2 * 5 * 86400 AS BIGINT) < {now_s}
                    THEN created + CAST(r2 * 5 * 86400 AS BIGINT) END AS mql,
        FROM c;
        CREATE TABLE k AS
        SELECT *,
               CASE WHEN mql IS NOT NULL AND r3 < 0.3
                         AND mql + 86400 + CAST(r4 * 20 * 86400 AS BIGINT) < {now_s}
                    THEN mql + 86400 + CAST(r4 * 20 * 86400 AS BIGINT) END AS sql_at
        FROM j;
        CREATE TABLE f AS
        SELECT *,
               CASE WHEN sql_at IS NOT NULL AND r5 < 0.5
                         AND sql_at + 3 * 86400 < {now_s} THEN sql_at + 3 * 86400 END AS opp,
               CASE WHEN sql_at IS NOT NULL AND r5 < 0.15
                         AND sql_at + 40 * 86400 < {now_s} THEN sql_at + 40 * 86400 END AS won
        FROM k;
        CREATE TABLE stages AS
        SELECT id, 'lead' AS stage, created AS ts FROM f
        UNION ALL SELECT id, 'mql', mql FROM f WHERE mql IS NOT NULL
        UNION ALL SELECT id, 'sql', sql_at FROM f WHERE sql_at IS NOT NULL
        UNION ALL SELECT id, 'opportunity', opp FROM f WHERE opp IS NOT NULL
        UNION ALL SELECT id, 'customer', won FROM f WHERE won IS NOT NULL;
        CREATE TABLE touches AS
        SELECT id, NULL::BIGINT AS rep, 'page_view' AS type, 'inbound' AS direction,
               created + CAST(random() * 3 * 86400 AS BIGINT) AS ts
        FROM f, range(2)
        UNION ALL
        SELECT id, rep, (['call', 'email', 'meeting'])[1 + CAST(floor(random() * 3) AS INT)],
               'outbound',
               mql + CAST(power(random(), 3) * 14 * 86400 AS BIGINT) + n * 3600
        FROM f, range(5) s(n)
        WHERE mql IS NOT NULL AND n < 1 + CAST(r3 * 10 AS INT) % 5;
        DELETE FROM touches WHERE ts > {now_s};
        """
    )
    lifecycle = (
        "CASE WHEN won IS NOT NULL THEN 'customer' WHEN opp IS NOT NULL THEN 'opportunity' "
        "WHEN sql_at IS NOT NULL THEN 'sql' WHEN mql IS NOT NULL THEN 'mql' ELSE 'lead' END"
    )
    started = time.perf_counter()
    with transaction.atomic():
        written = {
            "contacts": _copy(
                duck,
                store.Contact,
                "f",
                {
                    "id": "id",
                    "email": "'bench' || id || '@example.com'",
                    "normalised_email": "'bench' || id || '@example.com'",
                    "created_at": _ts("created"),
                    "updated_at": _ts("created"),
                    "source": "source",
                    "campaign": "campaign",
                    "stream": "stream",
                    "owner_id": "CASE WHEN mql IS NOT NULL THEN rep END",
                    "lifecycle_stage": lifecycle,
                },
                folder,
            ),
            "stage changes": _copy(
                duck,
                store.StageChange,
                "stages",
                {"contact_id": "id", "stage": "stage", "entered_at": _ts("ts")},
                folder,
            ),
            "owner changes": _copy(
                duck,
                store.OwnerChange,
                "f WHERE mql IS NOT NULL",
                {"contact_id": "id", "owner_id": "rep", "assigned_at": _ts("mql - 600")},
                folder,
            ),
            "touches": _copy(
                duck,
                store.Touch,
                "(SELECT *, row_number() OVER () AS n FROM touches)",
                {
                    "system": "'csv'",
                    "external_id": "'bench-' || n",
                    "contact_id": "id",
                    "type": "type",
                    "direction": "direction",
                    "rep_id": "rep",
                    "occurred_at": _ts("ts"),
                },
                folder,
            ),
            "decisions": _copy(
                duck,
                store.HandoffDecision,
                f"f WHERE mql IS NOT NULL AND mql + 86400 < {now_s} AND r4 < 0.7",
                {
                    "contact_id": "id",
                    "decision": "CASE WHEN r5 < 0.8 THEN 'accepted' ELSE 'rejected' END",
                    "decided_at": _ts("mql + CAST(r2 * 86400 AS BIGINT)"),
                    "decided_by_id": "rep",
                    "reason": f"CASE WHEN r5 < 0.8 THEN '' ELSE "
                    f"{lst(reasons)}[1 + CAST(floor(r1 * {len(reasons)}) AS INT)] END",
                },
                folder,
            ),
            "deals": _copy(
                duck,
                store.Deal,
                "(SELECT *, row_number() OVER () AS n FROM f WHERE opp IS NOT NULL)",
                {
                    "system": "'csv'",
                    "external_id": "'bench-deal-' || n",
                    "contact_id": "id",
                    "owner_id": "rep",
                    "amount": "1000 + CAST(r4 * 49000 AS INT)",
                    "created_at": _ts("opp"),
                    "closed_at": f"CASE WHEN won IS NOT NULL THEN {_ts('won')} END",
                    "won": "CASE WHEN won IS NOT NULL THEN true END",
                    "stage": "CASE WHEN won IS NOT NULL THEN 'closedwon' ELSE 'open' END",
                },
                folder,
            ),
            "obligations": _copy(
                duck,
                watch.Obligation,
                f"(SELECT f.*, (SELECT min(ts) FROM touches t WHERE t.id = f.id "
                f"AND t.direction = 'outbound') AS first FROM f "
                f"WHERE mql IS NOT NULL AND mql > {now_s} - 30 * 86400)",
                {
                    "contact_id": "id",
                    "cycle": "1",
                    "name": "'first_touch'",
                    "kind": "'first_touch'",
                    "status": f"CASE WHEN first IS NOT NULL AND first <= mql + 86400 THEN 'met' "
                    f"WHEN mql + 86400 < {now_s} THEN 'breached' "
                    f"WHEN mql + 64800 < {now_s} THEN 'at_risk' ELSE 'pending' END",
                    "handoff_at": _ts("mql"),
                    "due_at": _ts("mql + 86400"),
                    "at_risk_at": _ts("mql + 64800"),
                    "met_at": f"CASE WHEN first <= mql + 86400 THEN {_ts('first')} END",
                    "breached_at": f"CASE WHEN coalesce(first, {now_s}) > mql + 86400 "
                    f"AND mql + 86400 < {now_s} THEN {_ts('mql + 86400')} END",
                    "business_seconds": f"least(coalesce(first, {now_s}) - mql, 86400)",
                    "owner_id": "rep",
                    "evaluated_at": _ts(str(now_s)),
                },
                folder,
            ),
        }
    print(
        f"COPY of {extra:,} generated contacts: {time.perf_counter() - started:.1f} s; rows now "
        + ", ".join(f"{name} {count:,}" for name, count in written.items())
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


NAMES = ("admin", "marketing", "manager", "rep", "rep2", "viewer")


def opener(base: str, username: str) -> urllib.request.OpenerDirector:
    """A signed-in browser: its own cookie jar, the login form posted with its CSRF token."""
    jar = CookieJar()
    handle = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = handle.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", body, headers={"Referer": f"{base}/login/"})
    handle.open(request).read()
    return handle


def client_process(base: str, users: int, requests: int) -> None:
    """The clients' side (`--client BASE`): sign `users` in, print "ready", wait for a line on
    stdin, have each fetch the dashboard `requests` times (cycling through FILTERS), print
    {"times": [ms...], "cpu": seconds} on one line."""
    clients = [(i, opener(base, NAMES[i % len(NAMES)])) for i in range(users)]
    print("ready", flush=True)
    sys.stdin.readline()

    def run(item: tuple[int, urllib.request.OpenerDirector]) -> list[float]:
        index, client = item
        times = []
        for request_number in range(requests):
            query = FILTERS[(index + request_number) % len(FILTERS)]
            begun = time.perf_counter()
            response = client.open(f"{base}/{query}")
            body = response.read()
            assert response.status == 200 and b'id="chart-data"' in body
            times.append((time.perf_counter() - begun) * 1000)
        return times

    cpu = time.process_time()
    with ThreadPoolExecutor(users) as pool:
        times = [t for batch in pool.map(run, clients) for t in batch]
    print(json.dumps({"times": times, "cpu": time.process_time() - cpu}), flush=True)


def profile_requests(base: str) -> None:
    """cProfile of dashboard requests in this (the server's) process, through Django's test
    client as admin: a first view of a filter (nothing of it cached) and 20 repeat views."""
    import cProfile
    import pstats

    from django.test import Client

    browser = Client(HTTP_HOST="127.0.0.1")
    assert browser.login(username="admin", password=PASSWORD)
    browser.get("/")  # the session, the process's first template compile
    for title, url, repeat in (
        ("first view of a filter", "/?source=partner&period=week", 1),
        ("repeat views (20)", "/?source=partner&period=week", 20),
    ):
        profiler = cProfile.Profile(time.process_time)  # CPU seconds, not waits
        cpu = time.process_time()
        profiler.enable()
        for _ in range(repeat):
            response = browser.get(url)
            assert response.status_code == 200
        profiler.disable()
        spent = (time.process_time() - cpu) * 1000 / repeat
        print(f"profile, {title}: {spent:.1f} ms CPU per request ({load()})")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def run_clients(base: str, users: int, requests: int, cpu_of: Any) -> dict[str, Any]:
    """The clients' process against `base`: their latencies, and the server's CPU seconds
    (`cpu_of()` before and after) and wall time of the requests."""
    # The clients run in a process of their own: their CPU is not counted as the server's.
    # It signs the users in, says "ready", waits for "go", then prints its figures as JSON.
    clients = subprocess.Popen(
        [
            sys.executable,
            "-u",
            __file__,
            "--client",
            base,
            "--users",
            str(users),
            "--requests",
            str(requests),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert clients.stdin is not None and clients.stdout is not None
    if clients.stdout.readline().strip() != "ready":
        raise SystemExit("the clients did not sign in")
    before = load()
    started, cpu = time.perf_counter(), cpu_of()
    clients.stdin.write("go\n")
    clients.stdin.flush()
    report = json.loads(clients.stdout.readline())
    server_cpu = cpu_of() - cpu
    elapsed = time.perf_counter() - started
    clients.wait()
    return {
        "times": sorted(report["times"]),
        "clients_cpu": report["cpu"],
        "server_cpu": server_cpu,
        "elapsed": elapsed,
        "before": before,
    }


def print_run(title: str, users: int, run: dict[str, Any]) -> float:
    """One line of figures; returns the p95 (ms)."""
    results = run["times"]

    def pct(q: float) -> float:
        return float(results[min(len(results) - 1, round(q * (len(results) - 1)))])

    print(
        f"{len(results)} dashboard requests, {users} concurrent users (clients in a separate "
        f"process), {title}, {run['elapsed']:.1f} s: p50 {statistics.median(results):.0f} ms, "
        f"p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms, max {results[-1]:.0f} ms; server CPU "
        f"{run['server_cpu'] * 1000 / len(results):.1f} ms per request, clients' CPU "
        f"{run['clients_cpu'] * 1000 / len(results):.1f} ms per request "
        f"({run['before']} before, {load()} after)",
        flush=True,
    )
    return pct(0.95)


def _proc_tree(root: int) -> list[int]:
    """`root` and its descendants (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of `root` and its living descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _proc_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def tree_rss_mib(root: int) -> float:
    total = 0
    for pid in _proc_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def serve_and_measure(args: argparse.Namespace, workers: int) -> float:
    """`funnelpact serve --workers N --no-scheduler` on the store, waited for until every worker
    warmed its engine, then the clients; returns the p95 (ms)."""
    import signal

    port = args.port + workers
    command = [
        sys.executable,
        "-m",
        "funnelpact",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(args.threads),
        "--no-scheduler",
    ]
    started = time.perf_counter()
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert serve.stdout is not None
    warm = 0
    try:
        for line in serve.stdout:
            if workers > 1 and "dashboard warm" in line:
                warm += 1
            if (workers > 1 and warm == workers) or (workers == 1 and "serving on" in line):
                break
        else:
            raise SystemExit(f"funnelpact serve --workers {workers} ended before serving")
        if workers == 1:  # one process warms in the background: wait for a first answer
            import socket

            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            opener("http://127.0.0.1:" + str(port), "admin").open(
                f"http://127.0.0.1:{port}/"
            ).read()
        threading.Thread(target=lambda: [None for _ in serve.stdout], daemon=True).start()  # type: ignore[union-attr]
        print(
            f"serve --workers {workers}: warm in {time.perf_counter() - started:.1f} s, "
            f"{tree_cpu(serve.pid):.1f} s CPU, RSS {tree_rss_mib(serve.pid):,.0f} MiB; {load()}",
            flush=True,
        )
        base = f"http://127.0.0.1:{port}"
        run = run_clients(base, args.users, args.requests, lambda: tree_cpu(serve.pid))
        return print_run(
            f"funnelpact serve --workers {workers} --threads {args.threads}", args.users, run
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--client":
        client = argparse.ArgumentParser()
        client.add_argument("--client")
        client.add_argument("--users", type=int)
        client.add_argument("--requests", type=int)
        given = client.parse_args()
        client_process(given.client, given.users, given.requests)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--demo-contacts", type=int, default=3000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--reuse", action="store_true", help="keep a store already filled")
    parser.add_argument("--fill-only", action="store_true", help="fill the store and stop")
    parser.add_argument("--profile", action="store_true", help="cProfile requests first")
    parser.add_argument(
        "--workers",
        default="",
        help="comma-separated worker counts (e.g. 1,2): each a real `funnelpact serve --workers "
        "N` measured in turn (server CPU: its processes'); default: waitress in this process",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="funnelpact-bench-web-"))
    os.environ.setdefault("FUNNELPACT_DATABASE_URL", f"sqlite:///{folder}/bench.db")
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth.models import User
    from django.db import connection

    from funnelpact.server.tracking import models as store
    from funnelpact.server.web import demo

    now = datetime.now(UTC)
    have = store.Contact.objects.count()
    print(f"store: {connection.vendor}, {have:,} contacts; {load()}")
    if not (args.reuse and have >= args.contacts):
        if have:
            raise SystemExit("the store is not empty: use a fresh database, or --reuse")
        started = time.perf_counter()
        demo.fill(folder, now, contacts=min(args.contacts, args.demo_contacts))
        print(f"demo company: {time.perf_counter() - started:.1f} s; {load()}")
        if args.contacts > args.demo_contacts:
            bulk_fill(args.contacts - args.demo_contacts, now, folder)
    if not User.objects.filter(username="admin").exists():
        demo.make_users(PASSWORD, now)
    else:
        for user in User.objects.all():
            user.set_password(PASSWORD)
            user.save()
    print(f"contacts: {store.Contact.objects.count():,}, touches {store.Touch.objects.count():,}")
    if args.fill_only:
        return
    if args.workers:
        from django.db import connections

        connections.close_all()
        p95 = {n: serve_and_measure(args, n) for n in map(int, args.workers.split(","))}
        print("p95 by workers: " + ", ".join(f"{n}: {v:.0f} ms" for n, v in p95.items()))
        return

    from funnelpact.server.accounts.people import Profile
    from funnelpact.server.accounts.roles import Role
    from funnelpact.server.web import services
    from funnelpact.server.web.permissions import Viewer

    started, cpu = time.perf_counter(), time.process_time()
    services.ANALYTICS.warm(datetime.now(UTC))
    loaded = services.ANALYTICS.current(datetime.now(UTC))
    print(
        f"warm-up (store read by COPY into DuckDB, full facts, company figures): "
        f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU; "
        f"{load()}"
    )
    rep = Profile.objects.get(user__username="rep")
    manager = Profile.objects.get(user__username="manager")
    scopes = {
        "admin": Viewer("admin", Role.ADMIN, None, "", ""),
        "manager": Viewer("manager", Role.SALES_MANAGER, None, manager.team_name, ""),
        "rep": Viewer("rep", Role.SALES_REP, rep.rep_id, rep.team_name, ""),
    }
    for name, viewer in scopes.items():
        times = []
        for index in range(3):
            begun = time.perf_counter()
            # A new filter each time: nothing cached in the engine for it either.
            source = SOURCES[index]
            services.compute_dashboard(services.Filters(source=source), viewer, datetime.now(UTC))
            times.append((time.perf_counter() - begun) * 1000)
        print(f"uncached figures, {name}: median {statistics.median(times):.0f} ms ({load()})")

    import logging

    from waitress import serve  # type: ignore[import-untyped]

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N"

    from funnelpact.server.web.wsgi import application

    threading.Thread(
        target=serve,
        kwargs={
            "app": application,
            "host": "127.0.0.1",
            "port": args.port,
            "threads": args.threads,
            "ident": "funnelpact",
            "_quiet": True,
        },
        daemon=True,
    ).start()
    time.sleep(1)
    base = f"http://127.0.0.1:{args.port}"

    if args.profile:
        profile_requests(base)

    run = run_clients(base, args.users, args.requests, time.process_time)
    print_run(f"{args.threads} server threads in this process", args.users, run)

    # Freshness: one new hand-off stored; the next dashboard load refreshes incrementally.
    from funnelpact.demo.journeys import journey
    from funnelpact.server.tracking.services import store_records

    stamp = now.strftime("%Y-%m-%d %H:%M")
    store_records(journey(f"bench-fresh-{int(time.time())}", [(stamp, "mql")], timezone="UTC"))
    services.bump_generation()
    begun = time.perf_counter()
    loaded = services.ANALYTICS.current(datetime.now(UTC))
    print(
        f"incremental refresh after one new hand-off: "
        f"{(time.perf_counter() - begun) * 1000:.0f} ms ({loaded.engine.last_refresh}); "
        f"rows read {loaded.feed.last_read}; {load()}"
    )


if __name__ == "__main__":
    main()
