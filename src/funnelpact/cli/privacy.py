"""``funnelpact privacy export|erase CONTACT``: a person's GDPR access and erasure requests.

Thin: the work is in ``funnelpact.server.privacy.services``; docs/security.md says what erasure
keeps and why.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from funnelpact.errors import FunnelpactError, InputError
from funnelpact.server.config import database_url, redact

app = typer.Typer(
    help="Personal data requests for one contact: export (access), erase (anonymise).",
    no_args_is_help=True,
)
console = Console(soft_wrap=True, highlight=False)

CONTACT_HELP = "The contact: store id (42), CRM identity (hubspot:1234) or e-mail address."


class StoreError(FunnelpactError):
    """The store cannot be reached."""


@contextmanager
def _store() -> Iterator[None]:
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"store {redact(database_url())}: {first}") from exc


def _who() -> str:
    try:
        return f"{getpass.getuser()} (cli)"
    except OSError:
        return "cli"


def _write_atomically(path: Path, text: str) -> None:
    # A reader never sees half a file: write beside it, then rename over.
    if not path.parent.is_dir():
        raise InputError(f"--output {path}: folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command("export")
def export_command(
    contact: Annotated[str, typer.Argument(help=CONTACT_HELP)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (default: stdout).")
    ] = None,
) -> None:
    """Every personal datum the store holds about one person, as JSON (an access request)."""
    with _store():
        from funnelpact.server.privacy.services import export_contact, find_contact

        found = find_contact(contact)
        data = export_contact(found, requested_by=_who(), now=datetime.now(UTC))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    _write_atomically(output, text)
    console.print(f"exported contact {found.pk} to {output}")


@app.command("erase")
def erase_command(
    contact: Annotated[str, typer.Argument(help=CONTACT_HELP)],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
) -> None:
    """Anonymise one person: names, e-mail, company, CRM ids and free text go; SLA facts stay."""
    if not yes:
        raise InputError("erasure cannot be undone: add --yes to confirm")
    with _store():
        from funnelpact.server.privacy.services import erase_contact, find_contact

        found = find_contact(contact)
        report = erase_contact(found, requested_by=_who(), now=datetime.now(UTC))
    console.print(
        f"erased contact {found.pk} (and {len(report.contact_ids) - 1} merged duplicate(s)): "
        f"{report.identities_deleted} CRM identities deleted, {report.touches_cleared} touch "
        f"texts, {report.decisions_cleared} decision notes, {report.deals_cleared} deal names "
        f"and {report.alerts_cleared} alert texts cleared; {report.kept_facts} anonymous facts "
        "kept for the SLA figures. Erase the person in the CRM too, or the next import brings "
        "them back."
    )
