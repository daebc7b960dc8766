"""``funnelpact token`` (API tokens) and ``funnelpact webhook`` (signed webhook sources).

A token is shown once, when it is created: the store keeps its SHA-256 only.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from funnelpact.errors import FunnelpactError
from funnelpact.server.config import database_url, redact

app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)
webhook_app = typer.Typer(
    help="Signed webhook sources: set a source's secret (hubspot: the app's client secret).",
    no_args_is_help=True,
)
console = Console(soft_wrap=True, highlight=False)


class StoreError(FunnelpactError):
    """The store cannot be reached."""


@contextmanager
def _store() -> Iterator[None]:
    """Django configured, the tables up to date, database failures as one clear message."""
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("migrate", verbosity=0, interactive=False)  # idempotent: a new store works
        yield
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"store {redact(database_url())}: {first}") from exc


def _who() -> str:
    try:
        return f"{getpass.getuser()} (cli)"
    except OSError:
        return "cli"


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else "never"


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. zapier-prod.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            "-s",
            help="events:write (send events), contacts:read (read contacts), admin (all). "
            "Repeat for several.",
        ),
    ],
    created_by: Annotated[str, typer.Option(help="Who asked for it (default: you).")] = "",
) -> None:
    """Create a token and print it, once: store it in the sender's secret settings."""
    from django.utils import timezone

    with _store():
        from funnelpact.server.accounts.services import create_token

        new = create_token(name, scope, created_by=created_by or _who(), now=timezone.now())
    console.print(f"token {new.token.name!r} created with scopes {', '.join(new.token.scopes)}")
    console.print("It is shown only now; the store keeps its hash:")
    print(new.secret)


@app.command("list")
def list_command(
    all_tokens: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
) -> None:
    """Tokens (never their secrets): name, prefix, scopes, creation, last use."""
    with _store():
        from funnelpact.server.accounts.services import list_tokens

        tokens = list_tokens(include_revoked=all_tokens)
    table = Table("name", "prefix", "scopes", "created", "by", "last used", "revoked")
    for token in tokens:
        table.add_row(
            token.name,
            f"{token.prefix}…",
            ", ".join(token.scopes),
            _when(token.created_at),
            token.created_by,
            _when(token.last_used_at),
            _when(token.revoked_at) if token.revoked_at else "",
        )
    if tokens:
        console.print(table)
    else:
        console.print("no tokens (funnelpact token create NAME --scope events:write)")


@app.command("revoke")
def revoke_command(
    name: Annotated[str, typer.Argument(help="The token's name (or its shown prefix).")],
) -> None:
    """Revoke a token: requests with it are refused (401) from now on."""
    from django.utils import timezone

    with _store():
        from funnelpact.server.accounts.services import revoke_token

        token = revoke_token(name, now=timezone.now())
    console.print(f"token {token.name!r} ({token.prefix}…) revoked")


@webhook_app.command("set")
def webhook_set_command(
    source: Annotated[str, typer.Argument(help="hubspot, or any name: zapier, make, segment, ...")],
    secret: Annotated[
        str | None,
        typer.Option(help="The secret to use (hubspot: the app's client secret); default: new."),
    ] = None,
) -> None:
    """Set a source's signing secret; without --secret a new one is made and printed once."""
    from django.utils import timezone

    with _store():
        from funnelpact.server.accounts.services import set_webhook_secret

        value = set_webhook_secret(source, secret, now=timezone.now())
    path = "/webhooks/hubspot" if source == "hubspot" else f"/webhooks/in/{source}"
    console.print(f"source {source!r} set: requests to {path} must be signed with its secret")
    if secret is None:
        console.print("The new secret (give it to the sender):")
        print(value)


@webhook_app.command("list")
def webhook_list_command() -> None:
    """Sources with a secret (never the secrets)."""
    with _store():
        from funnelpact.server.accounts.services import list_webhook_sources

        sources = list_webhook_sources()
    table = Table("source", "endpoint", "secret set")
    for item in sources:
        path = "/webhooks/hubspot" if item.source == "hubspot" else f"/webhooks/in/{item.source}"
        table.add_row(item.source, path, _when(item.created_at))
    if sources:
        console.print(table)
    else:
        console.print("no webhook sources (funnelpact webhook set SOURCE)")


@webhook_app.command("remove")
def webhook_remove_command(source: Annotated[str, typer.Argument()]) -> None:
    """Remove a source: its requests are refused (401) from now on."""
    with _store():
        from funnelpact.server.accounts.services import remove_webhook_secret

        remove_webhook_secret(source)
    console.print(f"source {source!r} removed")
