"""``funnelpact alerts``: alert channels and the outbox (what was sent, what failed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from funnelpact.cli.watch import OutputFormat, store_session

app = typer.Typer(
    help="Alert channels (e-mail, Slack, Teams, webhooks) and the outbox.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="A name for the channel, e.g. sales-email.")],
    url: Annotated[
        str, typer.Argument(help="apprise URL: mailtos://, slack://, workflows://, json://")
    ],
) -> None:
    """Add (or replace) an alert channel."""
    with store_session():
        from funnelpact.server.watch.channels import add_channel, redact_url

        channel = add_channel(name, url)
    console.print(
        f"channel {channel.name} ({channel.kind}): {redact_url(channel.url)}", highlight=False
    )


@app.command("list")
def list_command(
    failed: Annotated[
        bool, typer.Option("--failed", help="Only alerts whose sending failed.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """The newest alerts: sent, pending and failed (with the error)."""
    with store_session():
        from funnelpact.server.watch import models

        rows = models.AlertOutbox.objects.select_related("channel").order_by("-created_at", "-pk")
        if failed:
            rows = rows.filter(status=models.DeliveryStatus.FAILED.value)
        items = list(rows[:limit])
        channels = list(models.AlertChannel.objects.values_list("name", flat=True))
    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                [
                    {
                        "kind": row.kind,
                        "channel": row.channel.name,
                        "recipient": row.recipient,
                        "title": row.title,
                        "status": row.status,
                        "attempts": row.attempts,
                        "created_at": row.created_at.isoformat(),
                        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                        "error": row.last_error,
                    }
                    for row in items
                ],
                indent=2,
            )
        )
        return
    if not channels:
        console.print("no alert channel yet: `funnelpact alerts add NAME URL`", highlight=False)
    table = Table(title="alerts", title_justify="left")
    for column in ("created", "kind", "channel", "to", "title", "status", "tries", "error"):
        table.add_column(column)
    for row in items:
        table.add_row(
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            row.kind,
            row.channel.name,
            row.recipient,
            row.title,
            row.status,
            str(row.attempts),
            row.last_error[:60],
        )
    console.print(table)


@app.command("test")
def test_command(
    channel: Annotated[str, typer.Argument(help="The channel's name.")],
    to: Annotated[str, typer.Option("--to", help="Recipient address (e-mail channels).")] = "",
) -> None:
    """Send a test message through CHANNEL now."""
    with store_session():
        from funnelpact.server.watch.channels import send_test

        send_test(channel, datetime.now(UTC), to=to)
    console.print(f"test alert sent through {channel}", highlight=False)
