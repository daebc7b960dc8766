"""``funnelpact db``: create or upgrade the store, back it up, restore it, review duplicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from funnelpact.errors import FunnelpactError
from funnelpact.server.config import database_url, redact

app = typer.Typer(
    help="The store: create or upgrade its tables, back it up, restore it, find duplicates.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)


class StoreUnavailableError(FunnelpactError):
    """The database cannot be reached or has no tables yet."""


def setup_store() -> None:
    from funnelpact.server import setup_django

    setup_django()


@contextmanager
def database_errors() -> Iterator[None]:
    """Database failures as one located message (never a traceback)."""
    from django.db import DatabaseError, OperationalError

    where = redact(database_url())
    try:
        yield
    except OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailableError(f"store {where}: {first}") from exc
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailableError(
            f"store {where}: {first} (run `funnelpact db upgrade` if the store is new)"
        ) from exc


def require_upgraded() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise StoreUnavailableError(
            f"store {redact(database_url())} is not up to date: run `funnelpact db upgrade`"
        )


@contextmanager
def _progress(totals: dict[str, int], verb: str) -> Iterator[Callable[[str, int], None]]:
    """A Rich progress bar over all tables; yields the ``on_progress(table, rows)`` callback."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[table]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    done: dict[str, int] = {}
    with Progress(*columns, console=err_console, transient=True) as bar:
        task: TaskID = bar.add_task(verb, total=sum(totals.values()) or None, table="")

        def update(table: str, rows: int) -> None:
            done[table] = rows
            bar.update(task, completed=sum(done.values()), table=table)

        yield update


@app.command("upgrade")
def upgrade_command() -> None:
    """Create the store's tables, or bring them up to date (Django migrations)."""
    setup_store()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    with database_errors():
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        call_command("migrate", interactive=False, verbosity=0)
    where = redact(database_url())
    if pending:
        console.print(
            f"store {where}: applied {len(pending)} migration(s)", highlight=False, soft_wrap=True
        )
    else:
        console.print(f"store {where}: up to date", highlight=False, soft_wrap=True)


@app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="New (or empty) directory for the backup.")],
    format: Annotated[
        str, typer.Option("--format", help="parquet (default) or csv: one file per table.")
    ] = "parquet",
) -> None:
    """Back up every table of the store into DIR (Parquet or CSV, with a manifest)."""
    setup_store()
    from funnelpact.server.backup import BackupError, BackupFormat, export_store, table_sizes

    try:
        fmt = BackupFormat(format.lower())
    except ValueError:
        raise BackupError(f"--format: {format!r} is not parquet or csv") from None
    with database_errors():
        require_upgraded()
        with _progress(table_sizes(), "exporting") as on_progress:
            report = export_store(directory, fmt, on_progress)
    console.print(
        f"exported {report.rows} rows from {len(report.tables)} tables to {directory} "
        f"({fmt.value})",
        highlight=False,
        soft_wrap=True,
    )


@app.command("import")
def import_command(
    directory: Annotated[Path, typer.Argument(help="A directory written by `db export`.")],
) -> None:
    """Restore a backup into an EMPTY store (all or nothing; creates the tables if needed)."""
    setup_store()
    from django.core.management import call_command

    from funnelpact.server.backup import import_store, read_manifest

    manifest = read_manifest(directory)
    totals = {t["table"]: int(t["rows"]) for t in manifest["tables"]}
    with database_errors():
        call_command("migrate", interactive=False, verbosity=0)
        with _progress(totals, "importing") as on_progress:
            report = import_store(directory, on_progress)
    console.print(
        f"imported {report.rows} rows into {len(report.tables)} tables from {directory}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("duplicates")
def duplicates_command() -> None:
    """List active contacts sharing a normalised email (merge with the API or admin)."""
    setup_store()
    from funnelpact.server.tracking.services import find_duplicates

    with database_errors():
        require_upgraded()
        groups = find_duplicates()
    if not groups:
        console.print("no duplicate contacts")
        return
    table = Table("email", "contact id", "name", "created", "ids in sources")
    for group in groups:
        for member in group.contacts:
            table.add_row(
                group.normalised_email,
                str(member.id),
                member.name,
                member.created_at.isoformat(),
                ", ".join(str(ref) for ref in member.identities),
            )
    console.print(table)
    console.print(f"{len(groups)} group(s) of duplicates", highlight=False, soft_wrap=True)


@app.command("merge")
def merge_command(
    keep: Annotated[int, typer.Argument(help="The contact id that stays.")],
    drop: Annotated[int, typer.Argument(help="The duplicate merged into it.")],
) -> None:
    """Merge contact DROP into KEEP: every id, touch, stage change and deal moves to KEEP."""
    setup_store()
    from funnelpact.server.tracking.services import merge_contacts

    with database_errors():
        require_upgraded()
        report = merge_contacts(keep, drop)
    moved = ", ".join(f"{rows} {table}" for table, rows in report.moved if rows)
    console.print(
        f"merged contact {drop} into {keep}: moved {moved or 'nothing'}; "
        f"{report.duplicates_removed} fact(s) {keep} already had",
        highlight=False,
        soft_wrap=True,
    )
