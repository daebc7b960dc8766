"""``funnelpact worker``: the scheduler loop for production (one tick per interval)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from funnelpact.cli.watch import store_session

console = Console(stderr=True, soft_wrap=True)


def worker_command(
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, max=60.0, help="Seconds between ticks.")
    ] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="One tick, then exit.")] = False,
) -> None:
    """Re-evaluate due obligations and send alerts, every --interval seconds, until stopped."""
    with store_session():
        from funnelpact.server.watch.scheduler import TickReport, run_worker

        def report(tick: TickReport) -> None:
            if tick.ran and (
                tick.leads or tick.alerts_queued or tick.delivery.sent or tick.delivery.failed
            ):
                console.print(
                    f"tick: {tick.leads} lead(s) re-evaluated, {tick.alerts_queued} alert(s) "
                    f"queued, {tick.delivery.sent} sent, {tick.delivery.failed} failed",
                    highlight=False,
                )
            elif not tick.ran:
                console.print("another worker holds the scheduler lease; waiting", highlight=False)

        # SIGTERM (systemd, docker stop) and SIGINT (Ctrl-C) end the loop once the alert in
        # flight is sent and marked (no further alert of the batch is started), like the end of
        # --once: the lease is released and no alert is left half sent. A KeyboardInterrupt
        # raised inside a send would roll back an alert the channel had already received (sent
        # twice later), so SIGINT does not raise one here.
        stop = threading.Event()

        def on_stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        main = threading.current_thread() is threading.main_thread()
        previous = (
            {sig: signal.signal(sig, on_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
            if main
            else {}
        )
        try:
            run_worker(interval=interval, max_ticks=1 if once else None, on_tick=report, stop=stop)
        except KeyboardInterrupt:
            stop.set()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if stop.is_set():
            console.print("worker stopped", highlight=False)
