"""`funnelpact serve --workers N`: N waitress processes answering on one port (a pre-fork).

One waitress process serves with threads, so Python code of all its requests runs on one core
at a time: with twenty people on the dashboard, requests queue behind each other's CPU
(docs/benchmarks.md, "Dashboard latency"). Here the parent binds the port, loads the WSGI
application (Django set up, the views imported: pages shared copy-on-write), closes its database
connections and forks N workers that accept on the same socket (an idle worker takes the next
connection). The parent runs no thread and serves nothing: it only starts workers, starts a
worker again when one dies, and stops them all on SIGTERM or Ctrl+C.

Each worker warms its own analytics engine (DuckDB is not shared between processes), keeps
its own caches of figures and rendered panels, and shares the store generation and the login
throttle with the others through the store (settings.CACHES["shared"]). The watch's
in-process scheduler runs in worker 0 only (and in the worker started again in its place).
A worker whose parent dies (SIGKILL) is stopped by the kernel (Linux: PR_SET_PDEATHSIG), else
within a second by a watcher thread, so the port is freed for a new `serve`.

Needs os.fork (Linux, macOS): elsewhere `default_workers()` is 1 and N > 1 is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Final

from funnelpact.errors import InputError

MAX_DEFAULT_WORKERS: Final = 4  # each worker holds a whole analytics engine in memory
BACKLOG: Final = 1024
BIND_WAIT_SECONDS: Final = 10.0  # a previous serve's workers may still be exiting
STOP_WAIT_SECONDS: Final = 10.0
RESTART_PAUSE_SECONDS: Final = 1.0  # a worker dying at start is not restarted in a tight loop

Announce = Callable[[str], None]


def can_fork() -> bool:
    return hasattr(os, "fork")


def default_workers() -> int:
    """One worker per core, at most MAX_DEFAULT_WORKERS; 1 without os.fork."""
    if not can_fork():
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); waits up to BIND_WAIT_SECONDS for a port still
    held by an exiting server, then a located error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.monotonic() + BIND_WAIT_SECONDS
    while True:
        try:
            sock.bind(address)
            break
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            sock.close()
            raise InputError(f"--host {host} --port {port}: {exc.strerror}") from None
    sock.listen(BACKLOG)
    return sock


def _die_with_parent(parent: int) -> None:
    """This worker ends when the parent does: at once on Linux, else within a second."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(1.0)

    if os.getppid() != parent:  # the parent died before prctl
        os._exit(0)
    threading.Thread(target=watch, name="funnelpact-parent-watch", daemon=True).start()


class _StopError(Exception):
    """SIGTERM or Ctrl+C in the parent."""


def _worker(
    index: int,
    sock: socket.socket,
    application: Any,
    threads: int,
    scheduler: bool,
    parent: int,
    announce: Announce,
) -> None:
    from waitress import serve  # type: ignore[import-untyped]

    from funnelpact.server.web import services

    # The parent stops the workers (SIGTERM); Ctrl+C reaches the whole process group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # waitress's loop ends; the scheduler below releases its lease

    signal.signal(signal.SIGTERM, stop)
    _die_with_parent(parent)
    services.SHARED_GENERATION.enable()
    pid = os.getpid()
    started = time.monotonic()
    warming = services.warm_in_background()

    def warmed() -> None:
        warming.join()
        spent = time.monotonic() - started
        announce(f"worker {index} (pid {pid}): dashboard warm in {spent:.1f} s")

    threading.Thread(target=warmed, name="funnelpact-warm-report", daemon=True).start()
    handle = None
    if scheduler:
        from funnelpact.server.watch.scheduler import start_in_process_scheduler

        handle = start_in_process_scheduler()
    announce(f"worker {index} (pid {pid}) serving" + (", with the scheduler" if scheduler else ""))
    try:
        serve(application, sockets=[sock], threads=threads, ident="funnelpact", _quiet=True)
    finally:
        if handle is not None:
            handle.stop()


def serve_workers(
    host: str, port: int, *, workers: int, threads: int, scheduler: bool, announce: Announce
) -> None:
    """Serve on (host, port) with `workers` processes of `threads` threads each; the scheduler
    (if asked) in worker 0. Returns when stopped (SIGTERM, Ctrl+C)."""
    if not can_fork():
        raise InputError("--workers: several processes need os.fork (Linux, macOS); use 1")
    sock = listen(host, port)
    from django.db import connections

    from funnelpact.server.web.wsgi import application

    connections.close_all()  # no connection crosses a fork
    parent = os.getpid()
    children: dict[int, int] = {}  # pid: worker index
    born: dict[int, float] = {}

    def start(index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ticking = scheduler and index == 0
                _worker(index, sock, application, threads, ticking, parent, announce)
            except SystemExit:
                pass
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = index
        born[index] = time.monotonic()

    def stop(_signum: int, _frame: object) -> None:
        raise _StopError

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(workers):
            start(index)
        announce(f"serving on http://{host}:{port} with {workers} worker processes")
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            index = children.pop(pid, -1)
            if index < 0:
                continue
            announce(f"worker {index} (pid {pid}) ended ({_status(status)}); starting another")
            if time.monotonic() - born[index] < RESTART_PAUSE_SECONDS:
                time.sleep(RESTART_PAUSE_SECONDS)
            start(index)
    except _StopError:
        pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _stop_children(children)
        sock.close()


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _stop_children(children: dict[int, int]) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while children and time.monotonic() < deadline:
        for pid in list(children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                children.pop(pid)
        time.sleep(0.05)
    for pid in children:  # still running after the wait
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
