"""`funnelpact worker` stopped with SIGTERM (systemd, docker stop) ends cleanly: exit 0, the
scheduler lease released at once (a SIGKILLed worker's blocks the next worker for two minutes).

Found by bench/bench_faults.py: the worker died on SIGTERM like on SIGKILL, and one alert it was
sending was delivered twice.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def _lease(database: Path) -> tuple[str, str] | None:
    with sqlite3.connect(database, timeout=30) as conn:
        row = conn.execute("SELECT holder, expires_at FROM watch_schedulerlease").fetchone()
    return (str(row[0]), str(row[1])) if row else None


def test_sigterm_ends_the_worker_and_releases_its_lease(tmp_path: Path) -> None:
    database = tmp_path / "store.db"
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{database}"}
    upgrade = subprocess.run(
        [sys.executable, "-m", "funnelpact", "db", "upgrade"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "funnelpact", "worker", "--interval", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and worker.poll() is None:
            lease = _lease(database)
            if lease is not None and lease[0]:
                break  # ticking: it holds the lease
            time.sleep(0.2)
        lease = _lease(database)
        assert lease is not None and lease[0], "the worker never took the lease"
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "worker stopped" in err and "Traceback" not in err
    released = _lease(database)
    assert released is not None and released[0] == ""  # free for the next worker at once
    assert released[1].startswith("1970-01-01")
