"""The watch's commands end to end, each in its own process on a throw-away SQLite store:
the demo company's history watched, statuses and breaches, a decision, rejections, channels,
the worker; and every mistake a clear one-line message with exit 1, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AGREEMENT


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "funnelpact", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("watch-cli")
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{folder / 'store.db'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    assert run(env, "db", "upgrade").returncode == 0
    return env


def test_without_an_agreement_the_watch_says_what_to_do(store_env) -> None:
    done = run(store_env, "watch", "status")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: the watch has no agreement: run `funnelpact watch use AGREEMENT.yaml` first"
    )


def test_a_broken_agreement_is_refused_with_its_line(store_env, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(AGREEMENT.read_text(encoding="utf-8").replace("stage: mql", "stage: [", 1))
    done = run(store_env, "watch", "use", str(broken))
    assert done.returncode == 1
    assert str(broken) in done.stderr and "Traceback" not in done.stderr


def test_the_demo_history_watched_end_to_end(store_env, tmp_path: Path, hook_server) -> None:
    done = run(store_env, "watch", "use", str(AGREEMENT))
    assert done.returncode == 0, done.stderr
    assert "watching with" in done.stdout
    again = run(store_env, "watch", "use", str(AGREEMENT))
    assert "already watching" in again.stdout
    stored = run(
        store_env,
        "demo-data",
        "--contacts",
        "60",
        "--seed",
        "3",
        "--end",
        "2025-06-06",
        "--out",
        str(tmp_path / "demo"),
        "--store",
    )
    assert stored.returncode == 0, stored.stderr
    worker = run(store_env, "worker", "--once")
    assert worker.returncode == 0, worker.stderr

    breaches = json.loads(
        run(store_env, "watch", "breaches", "--since", "2020-01-01", "--format", "json").stdout
    )
    assert breaches and all(item["status"] == "breached" for item in breaches)
    assert all(item["breached_at"] == item["due_at"] for item in breaches)

    lead = breaches[0]["contact_id"]
    one = json.loads(
        run(store_env, "watch", "status", "--lead", str(lead), "--format", "json").stdout
    )
    assert {item["obligation"] for item in one} >= {"first_touch", "decision"}
    table = run(store_env, "watch", "status")
    assert table.returncode == 0 and "Traceback" not in table.stderr

    refused = run(store_env, "decide", str(lead), "--reject", "too_small")
    assert refused.returncode == 1
    assert "not_icp, no_authority, no_need, bad_timing, unreachable" in refused.stderr
    decided = run(store_env, "decide", str(lead), "--reject", "no_need", "--note", "later")
    assert decided.returncode == 0, decided.stderr
    assert "moved to lead" in decided.stdout
    rejections = json.loads(
        run(store_env, "watch", "rejections", "--since", "2026-01-01", "--format", "json").stdout
    )
    assert sum(row["count"] for row in rejections if row["reason"] == "no_need") == 1

    figures = run(store_env, "watch", "figures", "--period", "quarter", "--day", "2025-05-15")
    assert figures.returncode == 0, figures.stderr
    assert "speed" not in figures.stderr

    added = run(store_env, "alerts", "add", "ops", hook_server.url("/cli"))
    assert added.returncode == 0, added.stderr
    tested = run(store_env, "alerts", "test", "ops")
    assert tested.returncode == 0, tested.stderr
    assert [path for path, _ in hook_server.posts] == ["/cli"]
    listed = run(store_env, "alerts", "list", "--format", "json")
    assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("watch", "breaches", "--since", "yesterday"), "--since 'yesterday': not a date"),
        (("watch", "status", "--lead", "1", "--rep", "x"), "give at most one of"),
        (("decide", "1"), "give exactly one of --accept or --reject REASON"),
        (("alerts", "test", "nobody"), "alert channel 'nobody': no such channel"),
        (("alerts", "add", "x", "ftp://h/"), "not an alert channel"),
    ],
)
def test_mistakes_are_one_clear_line(store_env, args, message) -> None:
    done = run(store_env, *args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
