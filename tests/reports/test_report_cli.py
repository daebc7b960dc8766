"""`funnelpact report` end to end: an export directory and nothing else, every format, errors,
and e-mail delivery through the watch's alert channel to a real local SMTP server."""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from funnelpact.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["report", *args])


def test_scorecard_from_an_export_in_one_command(june_export: Path) -> None:
    result = invoke(
        "scorecard", "--data", str(june_export), "--period", "2026-06", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    sales = next(table for table in data["tables"] if table["key"] == "sales")
    acceptance = next(row for row in sales["rows"] if row["commitment"] == "Acceptance rate")
    assert acceptance["actual"] == 0.5


def test_the_agreement_sets_language_targets_and_currency(
    june_export: Path, tmp_path: Path
) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "agreement-seed-000.yaml"
    output = tmp_path / "scorecard.xlsx"
    result = invoke(
        "scorecard",
        "--data", str(june_export),
        "--agreement", str(example),
        "--period", "2026-06",
        "--format", "xlsx",
        "--output", str(output),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    workbook = load_workbook(output)
    ventas = workbook["La parte de ventas"]  # the agreement is in Spanish
    assert [c.value for c in ventas[1]][:4] == ["Compromiso", "Unidad", "Objetivo", "Real"]
    targets = {row[0]: row[2] for row in ventas.iter_rows(min_row=2, values_only=True)}
    assert targets["Tasa de MQL a SQL"] == 0.5


@pytest.mark.parametrize("output_format", ["table", "csv", "html"])
def test_text_formats_to_standard_output(june_export: Path, output_format: str) -> None:
    result = invoke(
        "sales-activity", "--data", str(june_export), "--period", "2026-06",
        "--format", output_format, "--locale", "it",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Chiamate" in result.output


def test_pdf_to_a_file(june_export: Path, tmp_path: Path) -> None:
    output = tmp_path / "week.pdf"
    result = invoke(
        "weekly-meeting", "--data", str(june_export), "--period", "2026-W24",
        "--format", "pdf", "--output", str(output),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"%PDF")


def test_list_in_spanish() -> None:
    result = invoke("list", "--locale", "es")
    assert result.exit_code == 0, result.output
    assert "Panel diario de ventas" in result.output and "attribution" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "unknown report 'nope'"),
        (("scorecard", "--period", "2026-13"), "month 13 is not 01..12"),
        (("scorecard", "--format", "pdf"), "name it with --output FILE"),
        (("scorecard", "--data", "/nonexistent/dir"), "/nonexistent/dir: not a directory"),
        (("scorecard", "--locale", "fr"), "language 'fr' is not supported"),
    ],
)
def test_errors_are_one_clear_line(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = invoke(*args)
    assert result.exit_code != 0
    assert message in str(result.exception or "") + result.output
    assert not list(tmp_path.iterdir())


def test_bad_export_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text("contact_id,created_at\nc1,not-a-date\n")
    result = invoke("scorecard", "--data", str(tmp_path), "--period", "2026-06")
    assert result.exit_code != 0
    assert "contacts.csv" in str(result.exception)


# --- e-mail through the alert channel -------------------------------------------------------------


@dataclass
class MailServer:
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = MailServer(port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            state.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield state
    controller.stop()


@pytest.mark.django_db
def test_email_to_a_list_through_the_alert_channel(
    june_export: Path, mail_server: MailServer
) -> None:
    from funnelpact.server.watch.channels import add_channel

    add_channel(
        "email",
        f"mailto://127.0.0.1:{mail_server.port}?from=reports@funnelpact.example&mode=insecure",
    )
    result = invoke(
        "scorecard", "--data", str(june_export), "--period", "2026-06",
        "--email", "ana@example.com,luca@example.com",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recipients = sorted(address for _, to, _ in mail_server.messages for address in to)
    assert recipients == ["ana@example.com", "luca@example.com"]
    message = email.message_from_bytes(mail_server.messages[0][2])
    assert str(make_header(decode_header(message["Subject"]))) == "SLA scorecard · 2026-06"
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    body = plain.get_payload(decode=True)
    assert isinstance(body, bytes) and b"Hand-offs touched within 24 business hours" in body


@pytest.mark.django_db
def test_email_without_the_channel_says_so(june_export: Path) -> None:
    result = invoke(
        "scorecard", "--data", str(june_export), "--period", "2026-06", "--email", "a@b.example"
    )
    assert result.exit_code != 0
    assert "alert channel 'email'" in str(result.exception)


def test_a_store_never_upgraded_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    # A fresh process (Django not configured yet), as a user runs it.
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["FUNNELPACT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.db'}"
    completed = subprocess.run(
        [sys.executable, "-m", "funnelpact", "report", "scorecard", "--period", "2026-06"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr
    assert "run `funnelpact db upgrade`" in completed.stderr
