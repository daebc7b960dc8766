"""`funnelpact report schedule add|list|remove|run-due`: one line per mistake, no traceback."""

from __future__ import annotations

from typing import Any

import pytest
from schedule_helpers import MailServer, attachments_of, subject_of
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.server.schedules import models

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["report", "schedule", *args])


def failure(result: Any) -> str:
    return str(result.exception) + result.output


@pytest.mark.django_db
def test_add_list_run_due_and_remove(email_channel: str, mail_server: MailServer) -> None:
    added = invoke(
        "add", "daily-dash", "--report", "daily-sales", "--every", "daily", "--at", "00:00",
        "--period", "month-to-date", "--to", "ana@example.com, luca@example.com",
        "--format", "html", "--lang", "it",
    )  # fmt: skip
    assert added.exit_code == 0, failure(added)
    assert "schedule daily-dash: daily-sales (month-to-date, html, it) daily at 00:00" in (
        added.output
    )
    schedule = models.ReportSchedule.objects.get()
    assert schedule.recipient_list == ["ana@example.com", "luca@example.com"]

    # Added now: today's 00:00 slot is older than the schedule, so nothing is due yet.
    first = invoke("run-due")
    assert first.exit_code == 0, failure(first)
    assert "0 delivery(ies) queued, 0 sent, 0 failed" in first.output
    # As if it had existed since yesterday: today's slot is due, sent from the (empty) store.
    models.ReportSchedule.objects.update(created_at=schedule.created_at.replace(year=2020))
    due = invoke("run-due")
    assert due.exit_code == 0, failure(due)
    assert "2 delivery(ies) queued, 2 sent, 0 failed" in due.output
    message = mail_server.parsed()[0]
    assert subject_of(message).startswith("Cruscotto giornaliero delle vendite · ")
    [name] = attachments_of(message)
    assert name.startswith("daily-sales-") and name.endswith(".html")
    again = invoke("run-due")
    assert "0 delivery(ies) queued, 0 sent, 0 failed" in again.output

    listed = invoke("list")
    assert listed.exit_code == 0, failure(listed)
    assert "daily-dash" in listed.output and "daily-sales" in listed.output

    removed = invoke("remove", "daily-dash")
    assert removed.exit_code == 0, failure(removed)
    assert "schedule daily-dash removed (2 delivery record(s))" in removed.output
    assert not models.ReportDelivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--report", "nope", "--to", "a@b.example"], "unknown report 'nope'"),
        (["--report", "scorecard", "--to", "a@b.example", "--at", "8h"], "--at '8h'"),
        (["--report", "scorecard", "--to", "ab.example"], "ab.example is not an e-mail"),
        (
            ["--report", "scorecard", "--to", "a@b.example", "--every", "weekly", "--on", "xyz"],
            "--on 'xyz'",
        ),
        (
            ["--report", "scorecard", "--to", "a@b.example", "--every", "monthly", "--on", "31"],
            "day from 1 to 28",
        ),
        (
            ["--report", "scorecard", "--to", "a@b.example", "--channel", "nope"],
            "alert channel 'nope': no such channel",
        ),
    ],
)
def test_bad_options_are_one_line(email_channel: str, args: list[str], message: str) -> None:
    result = invoke("add", "s", *args)
    assert result.exit_code != 0
    assert message in failure(result)
    assert "Traceback" not in result.output
    assert not models.ReportSchedule.objects.exists()


@pytest.mark.django_db
def test_removing_an_unknown_schedule_names_it() -> None:
    result = invoke("remove", "ghost")
    assert result.exit_code != 0
    assert "report schedule 'ghost': no such schedule" in failure(result)


def test_schedule_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("add", "list", "remove", "run-due"):
        assert command in result.output


@pytest.mark.django_db
def test_add_a_schedule_on_a_chat_channel() -> None:
    from funnelpact.server.watch.channels import add_channel

    add_channel("sales-slack", "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7")
    added = invoke(
        "add", "daily-slack", "--report", "daily-sales", "--every", "weekdays", "--at", "08:30",
        "--channel", "sales-slack",
    )  # fmt: skip
    assert added.exit_code == 0, failure(added)
    assert "weekdays at 08:30 to channel sales-slack" in " ".join(added.output.split())
    schedule = models.ReportSchedule.objects.get()
    assert (schedule.channel, schedule.recipient_list) == ("sales-slack", [])
    refused = invoke(
        "add", "x", "--report", "scorecard", "--channel", "sales-slack", "--to", "a@b.example"
    )
    assert refused.exit_code != 0
    assert "recipients are for e-mail channels" in failure(refused)
    assert "Traceback" not in refused.output
    listed = invoke("list")
    assert "sales-slack" in listed.output
