"""What every report builder reads: the engine, the period, the agreement, the language.

Builders never compute a figure themselves: they ask the metrics registry through
`ReportContext.metric` (cached by the engine per data version), and read targets from the
agreement's plan and KPIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from funnelpact.analytics.engine import AnalyticsEngine, MetricQuery, MetricResult, PacingResult
from funnelpact.analytics.facts import FactsConfig
from funnelpact.analytics.metrics import Breakdown
from funnelpact.analytics.periods import Period, parse_period
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning.planner import build_plan
from funnelpact.domain.planning.result import Plan

Parameters = Mapping[str, str | int | None]  # from_stage, to_stage, stage, within_days


def facts_config_of(agreement: Agreement) -> FactsConfig:
    """The funnel the facts need, read from an agreement (stages, hand-off, SQL, cadence, SLA).

    A thin adapter kept here: the analytics package takes a `FactsConfig` but does not read
    agreements. The cadence is its first step (3 touches in 14 days by default)."""
    stages = tuple(stage.name for stage in agreement.lifecycle.stages)
    cadence = agreement.protocol.follow_up_cadence[0]
    return FactsConfig(
        stages=stages,
        handoff_stage=agreement.handoff.stage,
        sql_stage=agreement.lifecycle.qualification.stage,
        customer_stage=stages[-1],
        counting_touch_types=frozenset(t.value for t in agreement.protocol.counting_touch_types),
        cadence_touches=cadence.touches,
        cadence_days=cadence.within_days,
        first_touch_sla_seconds=agreement.protocol.first_touch_within_business_hours * 3600,
    )


def plan_of(agreement: Agreement | None) -> Plan | None:
    """The agreement's computed plan, or None (no agreement, or a plan that does not compute)."""
    if agreement is None:
        return None
    try:
        return build_plan(agreement.plan_spec())
    except DomainError:
        return None


@dataclass(frozen=True)
class ReportContext:
    engine: AnalyticsEngine
    period: str
    now: datetime
    agreement: Agreement | None = None
    plan: Plan | None = None
    currency: str = "EUR"

    @property
    def config(self) -> FactsConfig:
        return self.engine.config

    @property
    def parsed_period(self) -> Period:
        return parse_period(self.period)

    @property
    def previous_period(self) -> str:
        return self.parsed_period.previous().label

    def metric(
        self,
        slug: str,
        parameters: Parameters | None = None,
        *,
        by: tuple[Breakdown, ...] = (),
        period: str | None = None,
        compare: bool = False,
    ) -> MetricResult:
        """A registry metric for the report's period (or `period`), cached by the engine."""
        query = MetricQuery.model_validate(
            {
                "metric": slug,
                "period": period or self.period,
                "by": by,
                "compare_previous": compare,
                **(parameters or {}),
            }
        )
        return self.engine.run(query)

    def total(
        self, slug: str, *, period: str | None = None, **parameters: str | int | None
    ) -> float | None:
        """The figure of a metric without breakdowns (None: no data)."""
        return self.metric(slug, parameters, period=period).total()

    def sample(self, slug: str, **parameters: str | int | None) -> int:
        result = self.metric(slug, parameters)
        return result.rows[0].sample if len(result.rows) == 1 else 0

    def pacing(self, stage: str) -> PacingResult | None:
        """Actual vs the plan's pro-rated target for `stage` (None without a plan or stage)."""
        if self.plan is None or stage not in {s.name for s in self.plan.stages}:
            return None
        return self.engine.pacing(self.plan, stage, self.period)

    def plan_rate(self, stage: str) -> Decimal | None:
        """The agreement's assumed conversion rate from `stage` to the next stage."""
        if self.agreement is None:
            return None
        for spec in self.agreement.plan.stages:
            if spec.name == stage:
                return spec.rate
        return None
