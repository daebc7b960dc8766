"""The planning input: what a revenue team writes down to reverse its funnel from the goal.

`PlanSpec` is the top level of a planning file and, verbatim, the ``plan:`` section of the SLA
agreement. The model checks *shapes* (types, unknown keys); the *meaning* (a rate outside
(0, 1], shares that do not sum to 1, an unknown stage...) is checked by
`funnelpact.domain.planning.validation.validate_plan`, which reports every problem at once as
located `Issue`s instead of stopping at the first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_STAGE_NAMES: tuple[str, ...] = ("visitor", "lead", "mql", "sql", "opportunity")
DEFAULT_REQUIRED_ATTEMPTS: tuple[int, ...] = (3, 5, 7)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class RoundingMode(StrEnum):
    """How the reverse funnel turns fractional volumes into whole people."""

    EACH_STAGE = "each_stage"
    """Round up the customers, then every stage from the rounded stage below it (the seeds' way)."""
    ONCE = "once"
    """Keep exact fractions down the funnel and round each stage up only at the end."""


class PeriodSpec(_Frozen):
    """The dates the goal covers; both ends are included."""

    start: date = Field(description="First day of the period the goal covers.")
    end: date | None = Field(
        default=None,
        description="Last day of the period (included). Default: one year after start, less a day.",
    )


class StageSpec(_Frozen):
    """One funnel stage and how it converts into the stage below it."""

    name: str = Field(
        description="Stage name, e.g. HubSpot's lifecycle names visitor, lead, mql, sql, "
        "opportunity. Letters, digits, '_' or '-', starting with a letter; unique."
    )
    rate: Decimal = Field(
        description="Conversion rate from this stage to the next one, in (0, 1]. The last "
        "stage's rate converts into customers (the win rate)."
    )
    label: str | None = Field(default=None, description="Display name, e.g. 'MQLs'.")
    lag_days: int | None = Field(
        default=None,
        description="Typical days from entering this stage to entering the next one "
        "(for the last stage: to becoming a customer). Shifts when the volume must arrive.",
    )


class StreamSpec(_Frozen):
    """A revenue stream (segment such as SMB or enterprise) with its own funnel."""

    name: str = Field(description="Stream name, unique among streams.")
    share: Decimal = Field(description="Share of the revenue goal, in (0, 1]; shares sum to 1.")
    deal_size: Decimal | None = Field(
        default=None, description="Revenue per customer in this stream. Default: the plan's."
    )
    rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Conversion-rate overrides for this stream, by stage name.",
    )
    label: str | None = Field(default=None, description="Display name.")


class SourceSpec(_Frozen):
    """A lead source (web form, outbound, referral...) with its own conversion rates."""

    name: str = Field(description="Source name, unique among sources.")
    mix: Decimal = Field(
        description="Share of the top-of-funnel volume from this source, in (0, 1]; mixes sum to 1."
    )
    rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Conversion-rate overrides for leads of this source, by stage name "
        "(applied over the stream's rates).",
    )
    label: str | None = Field(default=None, description="Display name.")


class CapacitySpec(_Frozen):
    """What one sales rep handles in a working week."""

    mqls_per_rep_week: Decimal | None = Field(
        default=None, description="MQLs one rep can review in a working week."
    )
    sqls_per_rep_week: Decimal | None = Field(
        default=None, description="SQLs one rep can work in a working week."
    )
    mql_stage: str = Field(default="mql", description="Name of the stage reps review (MQLs).")
    sql_stage: str = Field(default="sql", description="Name of the stage reps work (SQLs).")


class FollowUpSpec(_Frozen):
    """The follow-up budget: how many attempts per lead the sales team can afford."""

    hours_per_rep_month: Decimal = Field(
        description="Hours one rep spends on follow-up attempts in a month."
    )
    minutes_per_attempt: Decimal = Field(description="Minutes one attempt (call, email) takes.")
    required_attempts: tuple[int, ...] = Field(
        default=DEFAULT_REQUIRED_ATTEMPTS,
        description="Attempts per lead the protocol requires, e.g. 3 in 2 weeks, 5 in 4, 7 in 8.",
    )
    stage: str | None = Field(
        default=None,
        description="Stage whose leads are followed up. Default: the capacity's mql_stage.",
    )
    reps: int | None = Field(
        default=None,
        description="Reps sharing the follow-up. Default: the reps the capacity needs "
        "(rounded up), or 1 without capacity.",
    )


class PlanSpec(_Frozen):
    """Everything the reverse-funnel planner needs: goal, funnel, streams, sources, capacity."""

    goal: Decimal = Field(description="Revenue goal for the period, > 0.")
    currency: str = Field(default="EUR", description="ISO 4217 code of the goal, e.g. EUR, USD.")
    period: PeriodSpec | None = Field(
        default=None,
        description="Dates the goal covers. Default: a calendar year chosen by the caller "
        "(the CLI uses the current year).",
    )
    deal_size: Decimal = Field(description="Average revenue per customer (deal size), > 0.")
    stages: tuple[StageSpec, ...] = Field(
        description="Funnel stages from top to bottom; the last converts into customers."
    )
    rounding: RoundingMode = Field(
        default=RoundingMode.EACH_STAGE,
        description="'each_stage': round up at every stage (the seeds' worked examples); "
        "'once': compute exactly and round each stage up only at the end.",
    )
    working_weeks: Decimal = Field(
        default=Decimal(48), description="Working weeks in a year; weekly targets divide by it."
    )
    seasonality: tuple[Decimal, ...] | None = Field(
        default=None,
        description="Twelve relative weights for January..December (e.g. 1 for a normal month, "
        "0.5 for August). Default: every month weighs the same.",
    )
    streams: tuple[StreamSpec, ...] = Field(
        default=(), description="Revenue streams; empty means one stream with the whole goal."
    )
    sources: tuple[SourceSpec, ...] = Field(
        default=(), description="Lead sources and their mix of the top of the funnel."
    )
    capacity: CapacitySpec | None = Field(
        default=None, description="Rep capacity; gives the reps needed."
    )
    follow_up: FollowUpSpec | None = Field(
        default=None, description="Follow-up budget; compares affordable with required attempts."
    )
    tolerance: Decimal = Field(
        default=Decimal("0.10"),
        description="Accepted deviation of every periodic target, e.g. 0.10 for plus/minus 10%.",
    )

    def stage_names(self) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages)
