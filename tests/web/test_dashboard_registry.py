"""The dashboard's figures come from the metrics registry: the same as `funnelpact report
scorecard` and `funnelpact metrics show` for the same data and period, narrowed to the viewer's
scope, and current after a change without reading the history again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from web_testkit import PASSWORD, DemoWorld

from funnelpact.analytics.store_feed import StoreFeed
from funnelpact.cli.main import app
from funnelpact.domain.agreement.labels import label
from funnelpact.domain.agreement.model import KpiMetric, Locale
from funnelpact.server.accounts.people import Profile
from funnelpact.server.accounts.roles import Role
from funnelpact.server.web import services
from funnelpact.server.web.permissions import Viewer

ADMIN = Viewer("admin", Role.ADMIN, None, "", "")


def _cli_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] = json.loads(result.output)
    return loaded


def _commitments(report: dict[str, object]) -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    tables = report["tables"]
    assert isinstance(tables, list)
    for table in tables:
        for row in table["rows"]:
            rows[str(row["commitment"])] = row
    return rows


def _row(rows: dict[str, dict[str, object]], prefix: str) -> dict[str, object]:
    found = [row for name, row in rows.items() if name.startswith(prefix)]
    assert len(found) == 1, f"{prefix!r} not among {sorted(rows)}"
    return found[0]


def test_dashboard_figures_equal_the_scorecard_report(world: DemoWorld, tmp_path: Path) -> None:
    board_period = services.period_label(
        services.PeriodKind.MONTH,
        services.dashboard(services.Filters(), ADMIN, datetime.now(UTC)).window,
    )
    agreement = tmp_path / "demo-agreement.yaml"  # the file web_testkit put in force
    # The store's tables written as canonical Parquet files, read by `report --data` (the
    # path a user with an export takes; a fresh reader, not the dashboard's engine).
    exported = tmp_path / "export"
    exported.mkdir()
    for name, table in StoreFeed().refresh().tables.items():
        pq.write_table(table, exported / f"{name}.parquet")
    report = _cli_json(
        "report",
        "scorecard",
        "--period",
        board_period,
        "--agreement",
        str(agreement),
        "--data",
        str(exported),
        "--locale",
        "en",
    )
    board = services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))
    rows = _commitments(report)

    mqls = _row(rows, "MQLs delivered")
    assert mqls["actual"] == board.mqls
    assert board.mqls > 0  # the demo hands leads off every month
    assert mqls["target"] == pytest.approx(board.target)

    within = _row(rows, "Hand-offs touched within")
    trend = {t.name: t for t in board.trends}
    assert within["actual"] == trend["within_sla"].current
    assert within["sample"] == board.within_sla.met + board.within_sla.breached
    assert board.within_sla.share == pytest.approx(within["actual"])

    funnel = {row.stage: row for row in board.funnel}
    assert _row(rows, "SQLs created")["actual"] == funnel["sql"].entered
    kpi = label(KpiMetric.MQL_TO_SQL_RATE, Locale("en"))
    if kpi in rows:  # the demo agreement's KPI: cohort conversion MQL -> SQL in 30 days
        assert rows[kpi]["actual"] == funnel["mql"].actual_rate
    acceptance = _row(rows, "Acceptance rate")
    assert acceptance["actual"] == trend["accepted"].current
    assert acceptance["sample"] >= board.accepted


def test_a_reps_dashboard_is_their_own_row_of_the_registry(world: DemoWorld) -> None:
    rep = Profile.objects.select_related("rep").get(user__username="rep")
    viewer = Viewer("rep", Role.SALES_REP, rep.rep_id, rep.team_name, "")
    board = services.compute_dashboard(services.Filters(), viewer, datetime.now(UTC))
    period = services.period_label(services.PeriodKind.MONTH, board.window)
    shown = _cli_json(
        "metrics",
        "show",
        "stage_entered",
        "--period",
        period,
        "--by",
        "rep",
        "--timezone",
        "Europe/Madrid",
    )
    rows = shown["rows"]
    assert isinstance(rows, list)
    by_rep = {row["keys"]["rep"]: row["value"] for row in rows}
    assert board.mqls == by_rep.get(str(rep.rep_id), 0)
    everyone = services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))
    assert 0 < board.mqls < everyone.mqls
    # Compliance by rep shows only the rep.
    assert [c.group for c in board.by_rep] in ([], [rep.rep.name])
    # A viewer (read-only dashboards, no lead pages) sees the company's figures, no lead.
    viewer = Viewer("viewer", Role.VIEWER, None, "", "")
    company = services.compute_dashboard(services.Filters(), viewer, datetime.now(UTC))
    assert company.mqls == everyone.mqls and company.by_source == everyone.by_source
    assert services.at_risk_now(services.Filters(), viewer) == ()


def test_filters_narrow_every_panel(world: DemoWorld) -> None:
    everyone = services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))
    source = everyone.options["source"][0]
    narrowed = services.compute_dashboard(services.Filters(source=source), ADMIN, datetime.now(UTC))
    assert narrowed.mqls <= everyone.mqls
    assert [c.group for c in narrowed.by_source] in ([], [source])
    assert sum(n for _, n in narrowed.speed_buckets) <= sum(n for _, n in everyone.speed_buckets)


def test_a_decision_reaches_the_dashboard_through_an_incremental_refresh(
    world: DemoWorld,
) -> None:
    from django.test import Client
    from django.urls import reverse

    before = services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))
    loaded = services.ANALYTICS.current(datetime.now(UTC))
    client = Client()
    assert client.login(username="rep", password=PASSWORD)
    response = client.post(
        reverse("web:lead-decide", kwargs={"pk": world.own_lead}), {"decision": "accept"}
    )
    assert response.status_code in (200, 302)
    # Test transactions never commit: bump the generation as the commit hook would.
    from django.core.cache import cache

    cache.incr(services.GENERATION_KEY)
    after = services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))
    assert loaded.engine.last_refresh["kind"] == "incremental"
    assert loaded.feed.last_read["decisions"] == 1  # the one new row, not the history
    assert after.accepted == before.accepted + 1
