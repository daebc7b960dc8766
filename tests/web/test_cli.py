"""`funnelpact demo --no-serve` on a fresh data folder, `funnelpact createuser` and its errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "funnelpact", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_demo_fills_a_fresh_store_and_prints_one_user_per_role(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "COLUMNS": "200"}
    done = _run(["demo", "--no-serve", "--contacts", "300", "--password", "demo-pass-1"], env)
    assert done.returncode == 0, done.stderr
    for role in ("admin", "marketing", "sales_manager", "sales_rep", "viewer"):
        assert role in done.stdout
    database = tmp_path / "funnelpact" / "demo" / "demo.db"
    with sqlite3.connect(database) as connection:
        roles = sorted(r for (r,) in connection.execute("select role from accounts_profile"))
        hashes = [h for (h,) in connection.execute("select password from auth_user")]
        obligations = connection.execute("select count(*) from watch_obligation").fetchone()[0]
        active = connection.execute(
            "select count(*) from watch_agreementversion where active"
        ).fetchone()[0]
    assert roles == sorted(
        ["admin", "marketing", "sales_manager", "sales_rep", "sales_rep", "viewer"]
    )
    assert all(h.startswith("argon2$") for h in hashes)
    assert obligations > 0 and active == 1
    # Run again: the store is kept, nothing is generated twice.
    again = _run(["demo", "--no-serve"], env)
    assert again.returncode == 0 and "kept" in again.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("select count(*) from auth_user").fetchone()[0] == 6


def test_createuser_and_its_clear_errors(tmp_path: Path) -> None:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}
    made = _run(["createuser", "ana", "--role", "marketing", "--password", "long-enough"], env)
    assert made.returncode == 0, made.stderr
    assert "created ana (marketing)" in made.stdout
    twice = _run(["createuser", "ana", "--role", "viewer", "--password", "long-enough"], env)
    assert twice.returncode != 0 and "already exists" in twice.stderr
    bad_role = _run(["createuser", "bob", "--role", "boss", "--password", "long-enough"], env)
    assert bad_role.returncode != 0 and "--role 'boss'" in bad_role.stderr
    no_rep = _run(["createuser", "bob", "--role", "sales_rep", "--password", "long-enough"], env)
    assert no_rep.returncode != 0 and "needs --rep" in no_rep.stderr
    short = _run(["createuser", "bob", "--role", "viewer", "--password", "short"], env)
    assert short.returncode != 0 and "at least 8" in short.stderr
    for result in (twice, bad_role, no_rep, short):
        assert "Traceback" not in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_with_the_app_and_its_static_files(tmp_path: Path) -> None:
    import time
    import urllib.error
    import urllib.request

    port = _free_port()
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}
    server = subprocess.Popen(
        [sys.executable, "-m", "funnelpact", "serve", "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/login/", timeout=5) as page:
                    assert page.status == 200
                    assert "csrfmiddlewaretoken" in page.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "funnelpact serve did not answer"
                time.sleep(0.5)
        with urllib.request.urlopen(f"{base}/static/funnelpact/vendor/chart.umd.min.js") as js:
            assert js.status == 200 and len(js.read()) > 100_000
            assert "max-age" in js.headers["Cache-Control"]
        with urllib.request.urlopen(f"{base}/", timeout=5) as home:  # follows the redirect
            assert home.url.endswith("/login/?next=/")
    finally:
        server.terminate()
        server.wait(timeout=20)
