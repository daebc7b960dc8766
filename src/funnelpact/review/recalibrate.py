"""Observed figures beside the agreement's assumptions, and the proposed next version.

`observe(engine, agreement, as_of, months)`: over the `months` before `as_of` (local dates of the
agreement's calendar):
- each plan stage's rate: the cohort conversion to the next stage (the customer stage after the
  last one) within `within_days` days, over the cohorts whose window has closed (entered at least
  `within_days` before `as_of`), with a Wilson interval;
- deal size: the registry's average deal size, with a bootstrap interval over the won amounts;
- lag: the median calendar days from the hand-off to SQL, with a bootstrap interval;
- load: hand-offs and SQLs per active rep per week, beside the plan's capacity (shown only:
  load is what reps got, not what they can take).

`proposed_data(...)`: the next version: version + 1, effective from `as_of`, the next review
`review.every_months` later; the plan's period pinned so that targets keep their dates while
the agreement is in force (an agreement reviewed after its end runs as long again from `as_of`,
its plan following); each
rate with at least `min_sample` contacts replaced by the observed one (3 decimals), the deal
size replaced when at least `min_deals` deals were won; signatures dropped (a new version is
signed again). `next_version_text` writes it as YAML with the review recorded in its header.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, Final

import yaml

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.periods import Period, PeriodKind
from funnelpact.domain.agreement import check_agreement_text
from funnelpact.domain.agreement.diff import AgreementDiff, describe_changes
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.agreement.rules import add_months
from funnelpact.domain.errors import DomainError
from funnelpact.errors import InputError
from funnelpact.review.stats import Interval, bootstrap, wilson

MIN_RATE_SAMPLE: Final = 30
MIN_DEAL_SAMPLE: Final = 20
DEFAULT_WITHIN_DAYS: Final = 90
RATE_DIGITS: Final = Decimal("0.001")


class Figure(Enum):
    RATE = "rate"
    DEAL_SIZE = "deal_size"
    LAG_DAYS = "lag_days"
    LOAD = "load"


@dataclass(frozen=True, slots=True)
class Observation:
    figure: Figure
    name: str  # the stage for rates; "" otherwise
    label: str
    assumed: Decimal | None
    observed: Interval | None
    replace: bool  # the proposal takes the observed value
    reason: str = ""  # why it is kept when it is not replaced


@dataclass(frozen=True, slots=True)
class Review:
    as_of: date
    months: int
    window: Period
    cohort_window: Period
    observations: tuple[Observation, ...]
    proposed: Agreement
    diff: AgreementDiff
    notes: tuple[str, ...] = field(default=())


def _range(first: date, last: date) -> Period:
    return Period(PeriodKind.RANGE, first, last, f"{first}..{last}")


def _rounded(value: float, step: Decimal = RATE_DIGITS) -> Decimal:
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def _fetch(engine: AnalyticsEngine, expression: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = engine.con.to_pyarrow(expression).to_pylist()
    return rows


def won_amounts(engine: AnalyticsEngine, window: Period) -> list[float]:
    """The amounts of the deals won in the window (the values behind the average deal size)."""
    start, end = window.bounds(engine.timezone)
    deals = engine.facts.deals
    won = deals.filter((deals.won == 1) & (deals.closed_at >= start) & (deals.closed_at < end))
    return [float(row["amount"]) for row in _fetch(engine, won.select("amount"))]


def stage_lags_days(
    engine: AnalyticsEngine, from_stage: str, to_stage: str, window: Period
) -> list[float]:
    """Calendar days from `from_stage` to `to_stage`, of the contacts that entered `to_stage` in
    the window (the values behind `stage_lag_median_hours`)."""
    start, end = window.bounds(engine.timezone)
    facts = engine.facts.contacts
    begin, finish = facts[f"{from_stage}_at"], facts[f"{to_stage}_at"]
    rows = facts.filter(begin.notnull() & (finish >= begin) & (finish >= start) & (finish < end))
    lags = rows.select(
        lag=(rows[f"{to_stage}_at"] - rows[f"{from_stage}_at"]).cast("float64") / 86400.0
    )
    return [float(row["lag"]) for row in _fetch(engine, lags)]


def observe(
    engine: AnalyticsEngine,
    agreement: Agreement,
    as_of: date,
    months: int,
    *,
    within_days: int = DEFAULT_WITHIN_DAYS,
    min_sample: int = MIN_RATE_SAMPLE,
    min_deals: int = MIN_DEAL_SAMPLE,
) -> tuple[Period, Period, list[Observation], list[str]]:
    if months < 1:
        raise InputError(f"--months {months}: give at least 1")
    window = _range(add_months(as_of, -months), as_of - timedelta(days=1))
    cohort_last = min(window.last, as_of - timedelta(days=within_days + 1))
    notes: list[str] = []
    if cohort_last < window.first:
        cohort_last = window.last
        notes.append(
            f"the window is shorter than the {within_days}-day conversion window: recent cohorts "
            "may still convert, so observed rates lean low"
        )
    cohorts = _range(window.first, cohort_last)
    config = engine.config
    stages = agreement.plan.stages
    observations: list[Observation] = []
    for index, stage in enumerate(stages):
        following = stages[index + 1].name if index + 1 < len(stages) else config.customer_stage
        label = f"{stage.label or stage.name} → {following}"
        if stage.name not in config.stages or following not in config.stages:
            observations.append(
                Observation(
                    Figure.RATE,
                    stage.name,
                    label,
                    stage.rate,
                    None,
                    False,
                    "stage not in the data's funnel",
                )
            )
            continue
        result = engine.run(
            MetricQuery(
                metric="cohort_conversion",
                period=cohorts.label,
                from_stage=stage.name,
                to_stage=following,
                within_days=within_days,
            )
        )
        row = result.rows[0]
        interval = (
            wilson(round((row.value or 0.0) * row.sample), row.sample) if row.sample else None
        )
        enough = interval is not None and row.sample >= min_sample and interval.estimate > 0
        reason = (
            ""
            if enough
            else f"sample {row.sample} < {min_sample}"
            if row.sample < min_sample
            else "no conversion observed"
        )
        observations.append(
            Observation(Figure.RATE, stage.name, label, stage.rate, interval, enough, reason)
        )

    size = engine.run(MetricQuery(metric="average_deal_size", period=window.label))
    amounts = won_amounts(engine, window)
    size_interval = bootstrap(amounts)
    enough = size_interval is not None and len(amounts) >= min_deals
    observations.append(
        Observation(
            Figure.DEAL_SIZE,
            "",
            "deal size",
            agreement.plan.deal_size,
            size_interval if size.total() is not None else None,
            enough,
            "" if enough else f"{len(amounts)} deals won < {min_deals}",
        )
    )

    handoff, sql = config.handoff_stage, config.sql_stage
    lags = stage_lags_days(engine, handoff, sql, window)
    assumed_lag = next((s.lag_days for s in stages if s.name == handoff), None)
    observations.append(
        Observation(
            Figure.LAG_DAYS,
            handoff,
            f"days {handoff} → {sql} (median)",
            Decimal(assumed_lag) if assumed_lag is not None else None,
            bootstrap(lags, statistics.median),
            False,
            "shown only",
        )
    )

    weeks = window.days / 7
    capacity = agreement.plan.capacity
    for stage_name, assumed in (
        (handoff, capacity.mqls_per_rep_week if capacity else None),
        (sql, capacity.sqls_per_rep_week if capacity else None),
    ):
        by_rep = engine.run(
            MetricQuery(
                metric="stage_entered", period=window.label, stage=stage_name, by=(Breakdown.REP,)
            )
        )
        per_rep = [(row.value or 0.0) / weeks for row in by_rep.rows if row.keys.get("rep")]
        observations.append(
            Observation(
                Figure.LOAD,
                stage_name,
                f"{stage_name} per rep per week (load)",
                assumed,
                bootstrap(per_rep),
                False,
                "shown only: load is not capacity",
            )
        )
    return window, cohorts, observations, notes


def _plain(value: Any) -> Any:
    """Python values YAML can write: Decimals as numbers, times as HH:MM, tuples as lists."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, Decimal):
        return (
            int(value) if value == value.to_integral_value() and abs(value) >= 1 else float(value)
        )
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Enum):
        return value.value
    return value


def proposed_data(
    agreement: Agreement, observations: list[Observation], as_of: date
) -> dict[str, Any]:
    """The next version as plain data (what was written stays; defaults stay implicit)."""
    data: dict[str, Any] = _plain(agreement.model_dump(mode="python", exclude_unset=True))
    data.pop("signatures", None)
    data["metadata"]["version"] = agreement.metadata.version + 1
    metadata = agreement.metadata
    expired = metadata.effective_to is not None and metadata.effective_to < as_of
    if expired and metadata.effective_to is not None:
        # Reviewed after its end: the new version runs as long again from the review on, and
        # a plan period that followed the effective dates follows the new ones.
        length = metadata.effective_to - metadata.effective_from
        data["metadata"]["effective_to"] = as_of + length
    elif agreement.plan.period is None:
        # In force: pin the plan's period (it defaulted to the effective dates), so that the
        # targets keep their dates when the new version starts at the review.
        spec = agreement.plan_spec()
        assert spec.period is not None
        period = {"start": spec.period.start, "end": spec.period.end}
        data["plan"]["period"] = {key: day for key, day in period.items() if day is not None}
    data["metadata"]["effective_from"] = as_of
    every = agreement.review.every_months
    data["review"] = {"every_months": every, "next_review": add_months(as_of, every)}
    for observation in observations:
        if not observation.replace or observation.observed is None:
            continue
        if observation.figure is Figure.RATE:
            for stage in data["plan"]["stages"]:
                if stage["name"] == observation.name:
                    stage["rate"] = float(_rounded(observation.observed.estimate))
        elif observation.figure is Figure.DEAL_SIZE:
            data["plan"]["deal_size"] = float(_rounded(observation.observed.estimate, Decimal("1")))
    return data


class _PlainDumper(yaml.SafeDumper):
    """No anchors (&id001) where two fields hold the same date: people read this file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def next_version_text(agreement: Agreement, data: dict[str, Any], as_of: date, months: int) -> str:
    header = (
        f"# Version {data['metadata']['version']} proposed by `funnelpact review` "
        f"on {as_of.isoformat()}\n"
        f"# from version {agreement.metadata.version}, with the last {months} months of data.\n"
        "# Rates with a large enough sample were replaced by the observed ones; read the review\n"
        "# output for the figures and their confidence intervals, then sign the new version.\n"
    )
    body = yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def review(
    engine: AnalyticsEngine,
    agreement: Agreement,
    as_of: date,
    months: int = 6,
    *,
    within_days: int = DEFAULT_WITHIN_DAYS,
    min_sample: int = MIN_RATE_SAMPLE,
    min_deals: int = MIN_DEAL_SAMPLE,
) -> tuple[Review, str]:
    """The review and the next version's YAML text (checked: it loads without errors)."""
    window, cohorts, observations, notes = observe(
        engine,
        agreement,
        as_of,
        months,
        within_days=within_days,
        min_sample=min_sample,
        min_deals=min_deals,
    )
    data = proposed_data(agreement, observations, as_of)
    text = next_version_text(agreement, data, as_of, months)
    loaded = check_agreement_text(text, "proposed next version", as_of)
    errors = [issue for issue in loaded.issues if issue.level.value == "error"]
    if loaded.agreement is None or errors:
        raise DomainError(errors or loaded.issues)
    result = Review(
        as_of=as_of,
        months=months,
        window=window,
        cohort_window=cohorts,
        observations=tuple(observations),
        proposed=loaded.agreement,
        diff=describe_changes(agreement, loaded.agreement),
        notes=tuple(notes),
    )
    return result, text
