"""`funnelpact demo` and `funnelpact serve` on a taken port: a message naming the port and the way
out, exit 1, before any work (the demo used to build its company, then print the server's
traceback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FUNNELPACT = Path(sys.executable).parent / "funnelpact"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it (its error renderer included)."""
    return subprocess.run(
        [str(FUNNELPACT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_demo_on_a_taken_port_says_so_before_building_anything(
    taken_port: int, tmp_path: Path
) -> None:
    result = run("demo", "--port", str(taken_port), XDG_DATA_HOME=str(tmp_path))
    assert result.returncode == 1
    assert f"127.0.0.1:{taken_port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(tmp_path.rglob("demo.db"))  # nothing built


def test_serve_on_a_taken_port_says_so(taken_port: int) -> None:
    result = run("serve", "--port", str(taken_port))
    assert result.returncode == 1
    assert f"--port {taken_port}: 127.0.0.1:{taken_port} is already in use" in result.stderr
