"""Scheduled reports from the store are computed on the process's incremental analytics engine:
the same report as `funnelpact report NAME` for the same data, and a second run reads only
what changed in the store (no whole-store export per computation)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from schedule_helpers import MailServer, attachments_of
from typer.testing import CliRunner

from funnelpact.analytics.live import LIVE
from funnelpact.analytics.periods import relative_period
from funnelpact.cli.main import app
from funnelpact.demo.journeys import journey, team
from funnelpact.server.schedules.services import ScheduleSpec, add_schedule, run_due
from funnelpact.server.tracking.services import store_records

pytestmark = pytest.mark.django_db


def _last_month(today: date) -> str:
    return relative_period("previous-month", today).label


def _records(month: str) -> list[object]:
    """Three hand-offs in `month` (Madrid times): accepted and touched, rejected, untouched."""
    return [
        *team("north", "rep1", "rep2"),
        *journey(
            "c1",
            [
                (f"{month}-08 09:00", "lead"),
                (f"{month}-09 10:00", "mql"),
                (f"{month}-09 10:00", "owner", "rep1"),
                (f"{month}-09 11:00", "call", "rep1"),
                (f"{month}-09 12:00", "accepted", "rep1"),
                (f"{month}-12 12:00", "sql"),
            ],
            source="web",
            campaign="spring",
        ),
        *journey(
            "c2",
            [
                (f"{month}-10 09:00", "lead"),
                (f"{month}-10 09:00", "mql"),
                (f"{month}-10 09:00", "owner", "rep2"),
                (f"{month}-11 16:00", "rejected", "rep2", "not_icp"),
            ],
            source="ads",
        ),
        *journey(
            "c3",
            [
                (f"{month}-14 09:00", "lead"),
                (f"{month}-15 09:30", "mql"),
                (f"{month}-15 09:30", "owner", "rep1"),
            ],
            source="web",
        ),
    ]


def _figure(report: dict[str, Any], label: str) -> object:
    """The `actual` of the first scorecard row whose cells name `label`."""
    for table in report["tables"]:
        for row in table["rows"]:
            if any(label == value for value in row.values()):
                return row.get("actual")
    raise AssertionError(f"no row {label!r}")


def _schedule(name: str, output_format: str = "json") -> None:
    add_schedule(
        ScheduleSpec(
            name=name,
            report="scorecard",
            period_rule="previous-month",
            output_format=output_format,
            language="en",
            recipients=("ana@example.com",),
            channel="email",
            cadence="daily",
            at=time(0, 0),
        ),
        datetime(2020, 1, 1, tzinfo=UTC),
    )


def test_a_scheduled_report_equals_the_report_command(
    email_channel: str, mail_server: MailServer
) -> None:
    now = datetime.now(UTC)
    period = _last_month(now.date())
    store_records(_records(period))
    _schedule("scorecard-json")
    assert run_due(now).sent == 1
    [(name, content)] = attachments_of(mail_server.parsed()[0]).items()
    assert name == f"scorecard-{period}.json"
    scheduled = json.loads(content)

    result = CliRunner().invoke(
        app, ["report", "scorecard", "--period", period, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    command = json.loads(result.output)
    # The same figures; only when it was generated and the data version's label differ (the
    # command reads a Parquet export of the store, the schedule the feed's Arrow tables).
    for volatile in ("generated_at", "data_version"):
        assert scheduled.pop(volatile) and command.pop(volatile)
    assert scheduled == command
    # Not an empty report that would match anything: the three hand-offs are counted.
    assert _figure(scheduled, "MQLs delivered") == 3
    assert LIVE.stats.full_reads == 1


def test_running_due_schedules_again_reads_only_what_changed(
    email_channel: str, mail_server: MailServer
) -> None:
    now = datetime.now(UTC)
    period = _last_month(now.date())
    store_records(_records(period))
    _schedule("first")
    assert run_due(now).sent == 1
    assert (LIVE.stats.full_reads, LIVE.stats.incremental_reads) == (1, 0)
    loaded = LIVE.stats.rows_read

    # A new touch in the store, and a second schedule due: computed again, incrementally.
    store_records(
        journey(
            "c3",
            [(f"{period}-15 09:30", "mql"), (f"{period}-15 10:00", "call", "rep1")],
            source="web",
        )[1:]
    )
    _schedule("second")
    assert run_due(now + timedelta(seconds=5)).sent == 1
    assert LIVE.stats.full_reads == 1  # the store was read in full once, on the first run
    assert LIVE.stats.incremental_reads == 1
    second_read = LIVE.stats.rows_read - loaded
    assert 0 < second_read < loaded  # the new rows, the deals and the reps: not every table
    # Nothing new: a third computation reads no new row and keeps the facts.
    _schedule("third")
    assert run_due(now + timedelta(seconds=10)).sent == 1
    assert LIVE.stats.full_reads == 1 and LIVE.stats.unchanged >= 1
