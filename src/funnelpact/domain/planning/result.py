"""The plan: what every stage must deliver, per period, quarter, month and week, with bounds.

Frozen pydantic models so that the agreement, pacing and the dashboard read the same numbers
the CLI prints. Counts of people are integers; periodic targets are fractional (16.67 MQLs a
week) and carry a low and a high bound (plus/minus the plan's tolerance).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.planning.periods import Slice, overlap_days
from funnelpact.domain.planning.spec import CapacitySpec, PlanSpec
from funnelpact.domain.planning.validation import PlanCode


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Frozen):
    """An expected volume and the band around it that still counts as on plan."""

    expected: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def around(cls, expected: Decimal, tolerance: Decimal) -> Target:
        return cls(
            expected=expected,
            low=expected * (1 - tolerance),
            high=expected * (1 + tolerance),
        )


class PeriodTarget(_Frozen):
    """The target of one calendar month or quarter (dates included at both ends)."""

    label: str = Field(description="'2025-03' for a month, 'Q1 2025-01..2025-03' for a quarter.")
    start: date
    end: date
    in_period: bool = Field(description="False for volume that must arrive before the period.")
    expected: Decimal
    low: Decimal
    high: Decimal


class StageTargets(_Frozen):
    """One stage of a funnel: how many are needed and when."""

    name: str
    label: str
    rate: Decimal = Field(
        description="Conversion rate to the next stage; for a sum of streams or sources, the "
        "blended rate their volumes imply."
    )
    needed: int = Field(description="People needed at this stage over the whole period.")
    lag_days_to_customer: int = Field(
        description="Typical days from entering this stage to becoming a customer."
    )
    period: Target
    per_quarter: Target = Field(description="Average quarter of the period.")
    per_month: Target = Field(description="Average month of the period.")
    per_week: Target = Field(description="Average working week of the period.")
    value_per_unit: Decimal | None = Field(
        description="Revenue goal divided by the people needed at this stage (None if 0 needed)."
    )
    months: tuple[PeriodTarget, ...] = Field(
        description="When this stage's volume must arrive, month by month: the goal's timing "
        "(with seasonality) shifted back by the lag to customer; sums to needed."
    )
    quarters: tuple[PeriodTarget, ...] = Field(
        description="The months grouped in threes from the period's first month."
    )
    before_period: Decimal = Field(
        description="Volume that must already be in the pipeline when the period starts."
    )

    def target_between(self, start: date, end: date, tolerance: Decimal) -> Target:
        """The volume due to arrive from start to end (both included), pro-rated by days."""
        expected = sum(
            (
                Slice(month.start, month.end, month.expected).part_between(start, end)
                for month in self.months
                if overlap_days(month.start, month.end, start, end)
            ),
            Decimal(0),
        )
        return Target.around(expected, tolerance)


class Funnel(_Frozen):
    """A reverse funnel: the total, one revenue stream, one lead source, or a what-if."""

    name: str
    label: str
    goal: Decimal = Field(description="Revenue this funnel must bring.")
    customers: int
    stages: tuple[StageTargets, ...] = Field(description="Top to bottom.")

    def stage(self, name: str) -> StageTargets:
        for stage in self.stages:
            if stage.name == name:
                return stage
        known = ", ".join(s.name for s in self.stages)
        raise DomainError(
            [
                Issue(
                    level=Level.ERROR,
                    code=PlanCode.UNKNOWN_STAGE,
                    message=f"unknown stage {name!r} (stages: {known})",
                    field="stage",
                )
            ]
        )

    @property
    def top(self) -> StageTargets:
        return self.stages[0]


class RepNeed(_Frozen):
    """Reps needed to review the MQLs and work the SQLs of one stream (or of all)."""

    stream: str
    mqls_per_week: Decimal | None
    reps_for_mqls: Decimal | None
    sqls_per_week: Decimal | None
    reps_for_sqls: Decimal | None
    reps_needed: Decimal = Field(description="The larger of the two needs, as a fraction.")
    reps_needed_rounded: int = Field(description="Rounded up: whole people.")


class CapacityPlan(_Frozen):
    capacity: CapacitySpec
    total: RepNeed = Field(
        description="All streams together: their fractional needs summed, then rounded up."
    )
    streams: tuple[RepNeed, ...] = Field(description="Each stream rounded up on its own.")


class ProtocolCheck(_Frozen):
    """Whether the team can afford a follow-up protocol of so many attempts per lead."""

    required_attempts: int
    hours_needed_per_month: Decimal
    reps_needed: Decimal
    affordable: bool = Field(description="Affordable attempts per lead >= required attempts.")


class FollowUpPlan(_Frozen):
    """Seed 002: with X leads and Y hours a month, how many attempts per lead a rep can make."""

    stage: str
    reps: int
    leads_per_month: Decimal = Field(description="Average month of the followed-up stage.")
    peak_leads_per_month: Decimal = Field(description="Busiest month of the period.")
    hours_per_month: Decimal = Field(description="Follow-up hours of all the reps in a month.")
    attempts_per_month: Decimal
    attempts_per_lead: Decimal = Field(description="Affordable in an average month.")
    attempts_per_lead_at_peak: Decimal = Field(description="Affordable in the busiest month.")
    protocols: tuple[ProtocolCheck, ...]


class SensitivityRow(_Frozen):
    """How much top-of-funnel volume one better conversion rate saves."""

    rank: int = Field(description="1 = the rate whose +1 point saves the most volume.")
    stage: str
    rate: Decimal = Field(description="Blended rate from this stage to the next.")
    top_needed: int
    plus_one_point_top_needed: int = Field(description="With every such rate + 0.01 (max 1).")
    plus_one_point_saving: int
    plus_one_point_saving_share: Decimal = Field(description="Saving / top_needed.")
    plus_ten_percent_top_needed: int = Field(description="With every such rate x 1.1 (max 1).")
    plus_ten_percent_saving: int
    plus_ten_percent_saving_share: Decimal


class Plan(_Frozen):
    """The reverse-funnel plan of a `PlanSpec`."""

    spec: PlanSpec
    currency: str
    goal: Decimal
    period_start: date
    period_end: date
    working_weeks: Decimal = Field(description="Working weeks in the period.")
    months: Decimal = Field(description="Months in the period (partial months as fractions).")
    tolerance: Decimal
    total: Funnel
    streams: tuple[Funnel, ...] = Field(description="One per revenue stream (none if unset).")
    sources: tuple[Funnel, ...] = Field(
        description="One per lead source at the planned mix, summed over the streams."
    )
    single_source: tuple[Funnel, ...] = Field(
        description="What-if: the whole goal from one source at a time (seed 003)."
    )
    capacity: CapacityPlan | None
    follow_up: FollowUpPlan | None
    sensitivity: tuple[SensitivityRow, ...] = Field(description="Ranked, best lever first.")

    @property
    def customers(self) -> int:
        return self.total.customers

    @property
    def stages(self) -> tuple[StageTargets, ...]:
        return self.total.stages

    def funnel(self, *, stream: str | None = None, source: str | None = None) -> Funnel:
        """The total, or one stream's or one source's funnel."""
        if stream is not None and source is not None:
            raise DomainError(
                [
                    Issue(
                        level=Level.ERROR,
                        code=PlanCode.INVALID_VALUE,
                        message="ask for a stream or a source, not both",
                        field="stream",
                    )
                ]
            )
        if stream is None and source is None:
            return self.total
        pool, wanted, field = (
            (self.streams, stream, "stream")
            if stream is not None
            else (self.sources, source, "source")
        )
        for funnel in pool:
            if funnel.name == wanted:
                return funnel
        known = ", ".join(f.name for f in pool) or "none"
        raise DomainError(
            [
                Issue(
                    level=Level.ERROR,
                    code=PlanCode.INVALID_VALUE,
                    message=f"unknown {field} {wanted!r} ({field}s: {known})",
                    field=field,
                )
            ]
        )

    def target_between(
        self,
        stage: str,
        start: date,
        end: date,
        *,
        stream: str | None = None,
        source: str | None = None,
    ) -> Target:
        """The volume of ``stage`` due to arrive from start to end (both included), with bounds.

        Honours seasonality and the sales-cycle lag; a range wider than the plan only counts
        the plan's months. Used by pacing: compare the actual count in a range with this.
        """
        funnel = self.funnel(stream=stream, source=source)
        return funnel.stage(stage).target_between(start, end, self.tolerance)
