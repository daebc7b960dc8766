"""Dashboard p95 latency with N concurrent signed-in users on loopback.

Fills a demo store (SQLite file, or PostgreSQL with FUNNELPACT_DATABASE_URL), serves the app with
waitress in this process, signs 20 users in and has each fetch the dashboard repeatedly from a
thread pool. Prints p50/p95/max in milliseconds.

    uv run python bench/bench_dashboard.py --contacts 3000 --users 20 --requests 10
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="funnelpact-bench-web-"))
    os.environ.setdefault("FUNNELPACT_DATABASE_URL", f"sqlite:///{folder}/bench.db")
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from funnelpact.server.web import demo

    started = time.perf_counter()
    now = datetime.now(UTC)
    demo.fill(folder, now, contacts=args.contacts)
    demo.make_users("bench-pass-1", now)
    print(f"filled {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    from funnelpact.server.accounts.roles import Role
    from funnelpact.server.web import services
    from funnelpact.server.web.permissions import Viewer

    admin = Viewer("admin", Role.ADMIN, None, "", "")
    computed = []
    for _ in range(5):  # the figures without the cache: what the first visitor of a scope waits
        begun = time.perf_counter()
        services.compute_dashboard(services.Filters(), admin, datetime.now(UTC))
        computed.append((time.perf_counter() - begun) * 1000)
    print(f"uncached dashboard figures (all leads): median {statistics.median(computed):.0f} ms")
    from waitress import serve  # type: ignore[import-untyped]

    from funnelpact.server.web.wsgi import application

    threading.Thread(
        target=serve,
        kwargs={"app": application, "host": "127.0.0.1", "port": args.port, "threads": 8},
        daemon=True,
    ).start()
    time.sleep(1)
    base = f"http://127.0.0.1:{args.port}"

    def opener(username: str) -> urllib.request.OpenerDirector:
        jar = CookieJar()
        handle = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = handle.open(f"{base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": "bench-pass-1",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/login/", body, headers={"Referer": f"{base}/login/"}
        )
        handle.open(request).read()
        return handle

    names = ["admin", "marketing", "manager", "rep", "viewer"]
    clients = [opener(names[i % len(names)]) for i in range(args.users)]

    def run(client: urllib.request.OpenerDirector) -> list[float]:
        times = []
        for _ in range(args.requests):
            begun = time.perf_counter()
            response = client.open(f"{base}/")
            response.read()
            assert response.status == 200
            times.append((time.perf_counter() - begun) * 1000)
        return times

    with ThreadPoolExecutor(args.users) as pool:
        results = [t for batch in pool.map(run, clients) for t in batch]
    results.sort()
    p95 = results[int(0.95 * (len(results) - 1))]
    print(
        f"{len(results)} dashboard requests, {args.users} concurrent users: "
        f"p50 {statistics.median(results):.0f} ms, p95 {p95:.0f} ms, max {results[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
