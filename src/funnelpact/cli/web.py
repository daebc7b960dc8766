"""`funnelpact demo`, `funnelpact serve`, `funnelpact createuser`: the web application.

Thin: the work is in `funnelpact.server.web.demo` and `funnelpact.server.accounts.people_services`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from funnelpact.cli.db import setup_store
from funnelpact.errors import InputError
from funnelpact.server.config import DATABASE_URL_ENV, default_store_path, redact
from funnelpact.server.web.prefork import MAX_DEFAULT_WORKERS

console = Console(highlight=False)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
ROLES_HELP = "admin, marketing, sales_manager, sales_rep or viewer"


def demo_folder() -> Path:
    return default_store_path().parent / "demo"


def ensure_port_free(host: str, port: int) -> None:
    """Refuse at once, with the way out, when the address is taken (not after building a demo,
    and not as the server's traceback)."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server binds: SO_REUSEADDR, so a closing connection's TIME_WAIT is no conflict.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(
                    f"--port {port}: {host}:{port} is already in use (another funnelpact or "
                    "another program); stop it or choose another port with --port"
                ) from None
            raise InputError(
                f"--host {host} --port {port}: cannot listen there ({exc.strerror})"
            ) from None


def _serve(host: str, port: int, threads: int, scheduler: bool, workers: int = 1) -> None:
    if workers > 1:
        from funnelpact.server.web.prefork import serve_workers

        console.print(
            f"[bold]http://{host}:{port}[/bold]: {workers} worker processes of {threads} threads "
            "(Ctrl+C stops)"
        )
        serve_workers(
            host,
            port,
            workers=workers,
            threads=threads,
            scheduler=scheduler,
            announce=lambda line: console.print(line),
        )
        return
    from waitress import serve  # type: ignore[import-untyped]

    from funnelpact.server.web.services import warm_in_background
    from funnelpact.server.web.wsgi import application

    warm_in_background()  # the dashboard's analytics engine loaded while the server starts
    handle = None
    if scheduler:
        from funnelpact.server.watch.scheduler import start_in_process_scheduler

        handle = start_in_process_scheduler()
    console.print(f"serving on [bold]http://{host}:{port}[/bold]  (Ctrl+C stops)")
    try:
        serve(application, host=host, port=port, threads=threads, ident="funnelpact")
    finally:
        if handle is not None:
            handle.stop()


def _workers_option(default_help: str) -> Any:
    return typer.Option(
        "--workers",
        min=1,
        help=f"Server processes on the port, each with --threads threads and its own analytics "
        f"engine; the scheduler runs in one of them ({default_help}).",
    )


def demo_command(
    contacts: Annotated[
        int | None,
        typer.Option(
            "--contacts",
            min=100,
            help="People in the demo company (default: as many as the agreement's MQL target "
            "needs, about 1,600).",
        ),
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Port to serve on.")] = DEFAULT_PORT,
    reset: Annotated[
        bool, typer.Option("--reset", help="Start again from a fresh demo database.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the app once ready.")
    ] = True,
    password: Annotated[
        str | None,
        typer.Option("--password", help="Password of every demo user (default: random)."),
    ] = None,
    workers: Annotated[int, _workers_option("default 1: the demo starts quickest")] = 1,
) -> None:
    """The demo: a SQLite store with a demo company, one user per role, the app on :8000."""
    if serve:
        ensure_port_free(DEFAULT_HOST, port)
    folder = demo_folder()
    database = folder / "demo.db"
    if reset and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # The demo never touches the user's own store: its own file, whatever the environment says.
    os.environ[DATABASE_URL_ENV] = f"sqlite:///{database}"
    setup_store()
    from funnelpact.server.web import demo

    now = datetime.now(UTC)
    fresh = not database.exists() or database.stat().st_size == 0
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not demo.has_demo_users():
        if contacts is None:
            contacts = demo.contacts_for_agreement(now)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            people = progress.add_task("demo contacts", total=contacts)
            stored = progress.add_task("stored records", total=None)
            leads = demo.fill(
                folder,
                now,
                contacts=contacts,
                on_contact=lambda done: progress.update(people, completed=done),
                on_stored=lambda done: progress.update(stored, completed=done),
            )
        chosen = password or secrets.token_urlsafe(9)
        users = demo.make_users(chosen, now)
        console.print(f"{leads:,} leads under watch; database {database}")
        table = Table("user", "password", "role", "team", "rep", title="Demo users")
        for user in users:
            table.add_row(user.username, user.password, user.role.value, user.team, user.rep)
        console.print(table)
    else:
        state = "fresh" if fresh else "kept"
        console.print(
            f"demo database {state}: {database} (users as printed before; --reset starts again)"
        )
    if serve:
        _serve(DEFAULT_HOST, port, threads=8, scheduler=True, workers=workers)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads.")] = 8,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the watch's scheduler in this process (off: run `funnelpact worker`).",
        ),
    ] = True,
    workers: Annotated[
        int | None,
        _workers_option(f"default: one per core, at most {MAX_DEFAULT_WORKERS}"),
    ] = None,
) -> None:
    """Serve the web app and the API for real (waitress) on the store FUNNELPACT_DATABASE_URL
    names."""
    from funnelpact.server.web.prefork import can_fork, default_workers

    chosen = default_workers() if workers is None else workers
    if chosen > 1 and not can_fork():
        raise InputError("--workers: several processes need os.fork (Linux, macOS); use 1")
    ensure_port_free(host, port)
    setup_store()
    from django.core.management import call_command

    from funnelpact.server.config import database_url

    call_command("migrate", verbosity=0, interactive=False)
    console.print(f"store: {redact(database_url())}")
    _serve(host, port, threads, scheduler, chosen)


def createuser_command(
    name: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[str, typer.Option("--role", help=ROLES_HELP)],
    team: Annotated[str, typer.Option("--team", help="Sales team (managers, reps).")] = "",
    rep: Annotated[
        str, typer.Option("--rep", help="The CRM owner this user is: system:id, e-mail or name.")
    ] = "",
    password: Annotated[
        str | None,
        typer.Option("--password", help="Default: asked for, without echo."),
    ] = None,
) -> None:
    """Create a user of the web app with a role (and, for sales, their rep and team)."""
    from funnelpact.server.accounts.roles import Role

    try:
        chosen_role = Role(role)
    except ValueError:
        raise InputError(f"--role {role!r}: use {ROLES_HELP}") from None
    secret = (
        password
        if password is not None
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    setup_store()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from funnelpact.server.accounts.people_services import create_user

    made = create_user(name, secret, chosen_role, datetime.now(UTC), team_name=team, rep=rep)
    console.print(
        f"created {made.username} ({made.role.value})"
        + (f", team {made.team_name}" if made.team_name else "")
        + (f", rep {made.rep}" if made.rep else "")
    )
