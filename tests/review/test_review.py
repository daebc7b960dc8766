"""Recalibration: intervals, observed figures beside the assumptions, the next version."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from funnelpact.agreements.files import load_agreement_file
from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.sources import AnalyticsData
from funnelpact.cli.main import app
from funnelpact.domain.agreement import check_agreement_text
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.calendar import BusinessCalendar
from funnelpact.reports.context import facts_config_of
from funnelpact.review.recalibrate import Figure, review
from funnelpact.review.stats import bootstrap, wilson

from .conftest import EXAMPLE

AS_OF = date(2025, 10, 1)  # the example agreement is in force (2025)


def test_wilson_interval_known_values() -> None:
    half = wilson(5, 10)
    assert half is not None
    assert (half.estimate, round(half.low, 4), round(half.high, 4)) == (0.5, 0.2366, 0.7634)
    none = wilson(0, 10)
    assert none is not None and none.low == 0.0 and round(none.high, 4) == 0.2775
    assert wilson(0, 0) is None


@given(st.integers(min_value=1, max_value=500), st.data())
def test_wilson_holds_the_estimate(trials: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=trials))
    interval = wilson(successes, trials)
    assert interval is not None
    assert 0 <= interval.low <= interval.estimate <= interval.high <= 1


def test_bootstrap_is_repeatable_and_brackets_the_mean() -> None:
    values = [900.0, 1000.0, 1100.0, 1500.0, 800.0, 1200.0]
    first, second = bootstrap(values), bootstrap(values)
    assert first == second
    assert first is not None
    assert first.estimate == statistics.fmean(values)
    assert min(values) <= first.low < first.estimate < first.high <= max(values)
    assert bootstrap([]) is None


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    loaded, _ = load_agreement_file(EXAMPLE)
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def engine(demo_data: AnalyticsData, agreement: Agreement) -> AnalyticsEngine:
    return AnalyticsEngine(
        demo_data,
        now=datetime(2026, 4, 1, tzinfo=UTC),
        timezone=agreement.calendar.timezone,
        calendar=BusinessCalendar(agreement.calendar),
        config=facts_config_of(agreement),
    )


def test_the_next_version(engine: AnalyticsEngine, agreement: Agreement) -> None:
    result, text = review(engine, agreement, AS_OF, 6)
    assert result.window.label == "2025-04-01..2025-09-30"
    assert result.cohort_window.label == "2025-04-01..2025-07-02"  # 90 days to convert
    proposed = result.proposed
    assert proposed.metadata.version == 2
    assert proposed.metadata.effective_from == AS_OF
    assert proposed.review.next_review == date(2026, 4, 1)  # every 6 months
    assert proposed.signatures == ()
    # The plan keeps its dates: the goal still covers 2025.
    assert proposed.plan.period is not None
    assert (proposed.plan.period.start, proposed.plan.period.end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    rates = {o.name: o for o in result.observations if o.figure is Figure.RATE}
    mql = rates["mql"]
    # The observed rate is the registry's cohort conversion, nothing recomputed.
    registry = engine.run(
        MetricQuery(
            metric="cohort_conversion",
            period=result.cohort_window.label,
            from_stage="mql",
            to_stage="sql",
            within_days=90,
        )
    ).rows[0]
    assert mql.observed is not None
    assert mql.observed.estimate == pytest.approx(registry.value, abs=1 / registry.sample)
    assert mql.observed.sample == registry.sample >= 30
    assert mql.replace
    stage_rates = {stage.name: stage.rate for stage in proposed.plan.stages}
    assert float(stage_rates["mql"]) == round(mql.observed.estimate, 3)
    # No prospects in the demo data: the assumption stays.
    assert not rates["prospect"].replace and stage_rates["prospect"] == 0.5
    # The plain-words diff names the version and the rate.
    sentences = " ".join(change.text for change in result.diff.changes)
    assert "version" in sentences.lower()
    assert "rate" in sentences.lower()
    # The file is a valid agreement; its header records the review.
    assert text.startswith("# Version 2 proposed by `funnelpact review` on 2025-10-01")
    reloaded = check_agreement_text(text, "next.yaml", AS_OF)
    assert reloaded.agreement == proposed
    assert "signatures" not in yaml.safe_load(text)


def test_small_samples_keep_the_assumptions(engine: AnalyticsEngine, agreement: Agreement) -> None:
    result, _ = review(engine, agreement, AS_OF, 6, min_sample=10**6, min_deals=10**6)
    assert not any(o.replace for o in result.observations)
    assert result.proposed.plan.stages == agreement.plan.stages
    assert result.proposed.plan.deal_size == agreement.plan.deal_size
    assert result.proposed.metadata.version == 2
    deal = next(o for o in result.observations if o.figure is Figure.DEAL_SIZE)
    assert (
        deal.observed is not None
        and deal.observed.low <= deal.observed.estimate <= deal.observed.high
    )


def test_an_expired_agreement_runs_as_long_again(
    engine: AnalyticsEngine, agreement: Agreement
) -> None:
    result, _ = review(engine, agreement, date(2026, 4, 1), 6)
    proposed = result.proposed
    assert (proposed.metadata.effective_from, proposed.metadata.effective_to) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
    )
    assert proposed.plan.period is None  # the plan follows the new effective dates
    assert proposed.review.next_review == date(2026, 10, 1)


def test_review_command_writes_the_next_version(demo_export: Path, tmp_path: Path) -> None:
    output = tmp_path / "next.yaml"
    args = ["review", str(EXAMPLE), "--data", str(demo_export), "--as-of", "2025-10-01"]
    result = CliRunner().invoke(app, [*args, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Proposed version 2 written to" in result.output
    assert "95% interval" in result.output
    loaded, issues = load_agreement_file(output, today=AS_OF)
    assert loaded is not None, issues
    assert loaded.metadata.version == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--as-of", "April"], "--as-of 'April': not a date"),
        (["--months", "0"], "--months 0: give at least 1"),
    ],
)
def test_review_errors(demo_export: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    output = tmp_path / "next.yaml"
    args = ["review", str(EXAMPLE), "--data", str(demo_export), "--output", str(output), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert message in str(result.exception)
    assert not output.exists()


def test_review_refuses_to_overwrite_the_agreement(tmp_path: Path) -> None:
    target = tmp_path / "sla.yaml"
    target.write_text(EXAMPLE.read_text())
    result = CliRunner().invoke(app, ["review", str(target), "--output", str(target)])
    assert result.exit_code != 0
    assert "is the agreement itself" in str(result.exception)
