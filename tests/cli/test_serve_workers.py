"""`funnelpact serve --workers 2`: two processes answer on one port, the scheduler runs in one
of them only, the login throttle counts the failures of both, a worker that dies is started
again, and SIGTERM stops them all and frees the port."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers N needs os.fork")

SERVING = re.compile(r"worker (\d) \(pid (\d+)\) serving(, with the scheduler)?")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Serve:
    """The serve process and the lines it printed (read by a thread)."""

    def __init__(self, store: Path, port: int) -> None:
        env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{store}", "COLUMNS": "200"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "funnelpact", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: str, count: int, timeout: float = 180) -> list[re.Match[str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for line in list(self.lines) if (m := re.search(pattern, line))]
            if len(found) >= count:
                return found
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} x{count} not printed:\n" + "\n".join(self.lines))


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _login_attempt(base: str) -> int:
    handle = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = handle.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": "nobody", "password": "wrong"}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", body, headers={"Referer": f"{base}/"})
    try:
        return int(handle.open(request).status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_two_workers_answer_run_one_scheduler_share_the_throttle_and_stop(
    tmp_path: Path,
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    serve = Serve(tmp_path / "store.db", port)
    try:
        serving = serve.wait_for(SERVING.pattern, 2)
        serve.wait_for(r"dashboard warm", 2)
        workers = {int(m.group(1)): int(m.group(2)) for m in serving}
        assert sorted(workers) == [0, 1] and len(set(workers.values())) == 2
        assert all(_parent_of(pid) == serve.process.pid for pid in workers.values())
        ticking = [int(m.group(2)) for m in serving if m.group(3)]
        assert ticking == [workers[0]]  # one scheduler, in worker 0
        for _ in range(10):
            with urllib.request.urlopen(f"{base}/login/") as page:
                assert page.status == 200
        # The lease of the scheduler: held by worker 0's process, no other.
        with sqlite3.connect(tmp_path / "store.db") as db:
            holders = [h for (h,) in db.execute("SELECT holder FROM watch_schedulerlease")]
        assert len(holders) == 1 and f":{workers[0]}:" in holders[0]

        # Failures counted across both workers (each connection lands on either).
        codes = [_login_attempt(base) for _ in range(8)]
        assert codes[:5] == [400] * 5 and codes[5:] == [429] * 3

        # A worker that dies is started again; the port answers meanwhile.
        os.kill(workers[1], signal.SIGKILL)
        again = serve.wait_for(r"worker 1 \(pid (\d+)\) serving", 2)
        assert int(again[-1].group(1)) != workers[1]
        with urllib.request.urlopen(f"{base}/login/") as page:
            assert page.status == 200
    finally:
        serve.process.send_signal(signal.SIGTERM)
        code = serve.process.wait(timeout=30)
    assert code == 0, "\n".join(serve.lines)
    for pid in workers.values():
        assert not Path(f"/proc/{pid}").exists() or _parent_of(pid) != serve.process.pid
    with socket.socket() as again_free:  # every worker closed the port
        again_free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again_free.bind(("127.0.0.1", port))
