"""An import killed (SIGKILL) while it writes leaves no partial rows; running it again completes.

A real process, a real SQLite store (WAL, synchronous=FULL), a real signal: nothing the process
could clean up.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROWS = 30_000
WRITING = 1 << 20  # the write-ahead log past 1 MB: the import's transaction is writing


def write_export(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Record ID,Email,Create Date,Became a Lead Date,Contact owner\n")
        for number in range(1, ROWS + 1):
            day = f"2024-03-{number % 28 + 1:02d} 10:{number % 60:02d}"
            handle.write(f"{number},p{number}@example.com,{day},{day},Rep {number % 7}\n")


def funnelpact(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "funnelpact", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stored_contacts(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM tracking_contact").fetchone()
    return int(count)


def test_an_import_killed_while_writing_leaves_nothing_and_a_rerun_completes(
    tmp_path: Path,
) -> None:
    export = tmp_path / "contacts.csv"
    write_export(export)
    database = tmp_path / "store.db"
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{database}"}
    upgrade = funnelpact("db", "upgrade", env=env)
    assert upgrade.wait(timeout=120) == 0, upgrade.communicate()
    wal = database.with_name("store.db-wal")
    command = ("import", "hubspot", str(export), "--timezone", "UTC", "--quiet")

    importing = funnelpact(*command, env=env)
    deadline = time.monotonic() + 300
    while importing.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > WRITING:
            break
        time.sleep(0.005)
    assert importing.poll() is None, "the import ended before it could be killed"
    os.kill(importing.pid, signal.SIGKILL)
    assert importing.wait(timeout=30) == -signal.SIGKILL

    assert stored_contacts(database) == 0  # the open transaction died with the process

    rerun = funnelpact(*command, env=env)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert stored_contacts(database) == ROWS
