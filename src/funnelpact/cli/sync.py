"""``funnelpact sync hubspot``: pull a HubSpot portal through its CRM API into the store.

Safe to run again: the store is idempotent, so a second pull adds only what changed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from funnelpact.ingest.hubspot.api import BASE_URL, HubSpotClient, PullCounts, pull_records

app = typer.Typer(help="Pull from a CRM's API into the store.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def make_client(token: str, base_url: str) -> HubSpotClient:
    """The API client (tests replace it with one serving recorded answers)."""
    return HubSpotClient(token, base_url=base_url)


@app.command("hubspot")
def hubspot_command(
    token: Annotated[
        str,
        typer.Option(
            envvar="FUNNELPACT_HUBSPOT_TOKEN",
            help="A private app's access token (scopes: crm.objects.contacts.read, "
            "crm.objects.deals.read, crm.objects.owners.read, sales-email-read). "
            "Prefer the environment variable: a command line is visible to other users.",
        ),
    ],
    base_url: Annotated[str, typer.Option(help="The API's address.")] = BASE_URL,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Owners, contacts (with lifecycle history), deals (with stage history), calls, emails
    and meetings, stored in one transaction."""
    from funnelpact.server import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)  # idempotent: a new store works
    from funnelpact.server.tracking.services import store_records

    counts = PullCounts()

    def progress(done: str) -> None:
        if not quiet:
            err.print(f"pulled {done} ({counts.records:,} records so far)")

    with make_client(token, base_url) as client:
        records = list(pull_records(client, counts=counts, on_object=progress))
        requests, retries = client.requests, client.retries
    report = store_records(records, create_missing_contacts=True)
    console.print(
        f"pulled {counts.owners} owners, {counts.contacts} contacts, {counts.deals} deals, "
        f"{counts.activities} activities: {counts.records} records "
        f"({requests} requests, {retries} retried)"
    )
    console.print(
        f"stored: {report.total('created')} created, {report.total('updated')} updated, "
        f"{report.total('unchanged')} unchanged, {report.total('merged')} merged by email"
    )
