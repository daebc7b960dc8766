"""The store from the outside, in real processes on real databases (SQLite file, PostgreSQL):
the CLI round trip, and writers killed with SIGKILL halfway leave no partial rows."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from store_factories import same_backup

from funnelpact.server.tracking.models import STORE_MODELS
from funnelpact.server.tracking.synthetic import REPS, STAGES_PER_CONTACT, TOUCHES_PER_CONTACT

WORKER = Path(__file__).with_name("store_worker.py")
TABLES = [m._meta.db_table for m in STORE_MODELS]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a new, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"funnelpact_proc_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def second_store(new_store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Another new database of the same backend as ``new_store``."""
    if new_store.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"{urlsplit(new_store).path.lstrip('/')}_b"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "FUNNELPACT_DATABASE_URL": url}


def funnelpact(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "funnelpact", *args],
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts(url: str) -> dict[str, int]:
    """Committed rows per store table, read from outside the writer."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def _fill(url: str, contacts: int) -> None:
    done = subprocess.run(
        [sys.executable, str(WORKER), str(contacts), "5000"],
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_cli_export_import_export_round_trip(
    new_store: str, second_store: str, tmp_path: Path
) -> None:
    assert funnelpact(new_store, "db", "upgrade").returncode == 0
    _fill(new_store, 300)
    exported = funnelpact(new_store, "db", "export", str(tmp_path / "a"))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(
        f"exported {REPS + 300 * (2 + STAGES_PER_CONTACT + TOUCHES_PER_CONTACT)} rows from"
    )

    imported = funnelpact(second_store, "db", "import", str(tmp_path / "a"))
    assert imported.returncode == 0, imported.stderr
    assert funnelpact(second_store, "db", "export", str(tmp_path / "b")).returncode == 0

    same_backup(tmp_path / "a", tmp_path / "b")
    assert counts(second_store) == counts(new_store)
    again = funnelpact(second_store, "db", "import", str(tmp_path / "a"))
    assert again.returncode == 1
    assert "error: the store is not empty (rows in tracking_rep" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_killed_store_records_leaves_no_partial_rows_and_a_rerun_completes(
    new_store: str,
) -> None:
    contacts, batch = 20_000, 10_000
    assert funnelpact(new_store, "db", "upgrade").returncode == 0
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), str(contacts), str(batch)],
        env=_env(new_store),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    total = REPS + contacts * (1 + STAGES_PER_CONTACT + TOUCHES_PER_CONTACT)
    for line in worker.stdout:
        if int(line.split()[1]) >= total // 2:  # half the records sit in the open transaction
            worker.send_signal(signal.SIGKILL)
            break
    assert worker.wait(timeout=60) == -signal.SIGKILL

    assert set(counts(new_store).values()) == {0}

    rerun = subprocess.run(
        [sys.executable, str(WORKER), str(contacts), str(batch)],
        env=_env(new_store),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    stored = counts(new_store)
    assert stored["tracking_contact"] == contacts
    assert stored["tracking_touch"] == contacts * TOUCHES_PER_CONTACT
    assert stored["tracking_stagechange"] == contacts * STAGES_PER_CONTACT
    assert stored["tracking_rep"] == REPS


def _import_is_writing(url: str) -> bool:
    if url.startswith("sqlite"):
        wal = Path(url.removeprefix("sqlite:///") + "-wal")
        return wal.exists() and wal.stat().st_size > 4 << 20
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_xid IS NOT NULL AND query LIKE 'COPY%%'",
            [name],
        ).fetchone()
    return bool(row and row[0])


def test_a_killed_db_import_leaves_no_partial_rows_and_a_rerun_completes(
    new_store: str, second_store: str, tmp_path: Path
) -> None:
    assert funnelpact(new_store, "db", "upgrade").returncode == 0
    _fill(new_store, 15_000)
    assert funnelpact(new_store, "db", "export", str(tmp_path / "backup")).returncode == 0
    expected = counts(new_store)

    importer = subprocess.Popen(
        [sys.executable, "-m", "funnelpact", "db", "import", str(tmp_path / "backup")],
        env=_env(second_store),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _import_is_writing(second_store):
        assert importer.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    importer.send_signal(signal.SIGKILL)
    assert importer.wait(timeout=60) == -signal.SIGKILL

    assert set(counts(second_store).values()) == {0}

    rerun = funnelpact(second_store, "db", "import", str(tmp_path / "backup"))
    assert rerun.returncode == 0, rerun.stderr
    assert counts(second_store) == expected
