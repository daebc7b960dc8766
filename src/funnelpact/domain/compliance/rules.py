"""What the agreement asks of every hand-off, in the form the evaluators read.

`ComplianceRules` is the part of an `Agreement` that compliance needs (docs/compliance.md,
"Inputs"); both the reference evaluator and the Ibis twin take it, so neither reads the
agreement's layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from functools import cache
from typing import Final

from funnelpact.domain.agreement.model import (
    DEFAULT_CADENCE,
    DEFAULT_COUNTING_TOUCHES,
    Agreement,
)
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.records import TouchType

SECONDS_PER_HOUR: Final = 3600
SECONDS_PER_DAY: Final = 86_400
DEFAULT_STAGES: Final = ("subscriber", "lead", "mql", "sql", "opportunity", "customer")


class ComplianceCode(StrEnum):
    """Stable codes of compliance input problems (docs/compliance.md, "Input problems")."""

    NAIVE_INSTANT = "CMP001"
    OTHER_CONTACT = "CMP002"
    UNKNOWN_HANDOFF_STAGE = "CMP003"
    NOT_POSITIVE = "CMP004"
    MISSING_OR_DUPLICATE = "CMP005"


@dataclass(frozen=True, slots=True)
class CadenceRule:
    """At least `touches` counting touches within `within_days` 24-hour days of the hand-off."""

    touches: int
    within_days: int

    @property
    def name(self) -> str:
        return f"cadence_{self.touches}_in_{self.within_days}"

    @property
    def window_seconds(self) -> int:
        return self.within_days * SECONDS_PER_DAY


@cache
def _share_of(share: Decimal, seconds: int) -> int:
    """ceil(share × seconds), exactly: the time used from which an obligation is at risk."""
    return int((share * seconds).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True, slots=True)
class ComplianceRules:
    """The obligations of every hand-off (see docs/compliance.md)."""

    handoff_stage: str = "mql"
    stages: tuple[str, ...] = DEFAULT_STAGES
    first_touch_business_hours: int = 24
    decide_business_hours: int = 8
    cadence: tuple[CadenceRule, ...] = tuple(
        CadenceRule(step.touches, step.within_days) for step in DEFAULT_CADENCE
    )
    counting_touch_types: frozenset[TouchType] = frozenset(DEFAULT_COUNTING_TOUCHES)
    at_risk_share: Decimal = Decimal("0.75")
    # Derived once: the evaluator runs after every event and must not rebuild these.
    stage_rank: dict[str, int] = field(init=False, repr=False, compare=False)
    advancing_stages: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        issues = self.check()
        if issues:
            raise DomainError(issues)
        rank = {name: index for index, name in enumerate(self.stages)}
        object.__setattr__(self, "stage_rank", rank)
        after = self.stages[rank[self.handoff_stage] + 1 :]
        object.__setattr__(self, "advancing_stages", frozenset(after))

    def check(self) -> list[Issue]:
        issues: list[Issue] = []

        def error(code: str, message: str, where: str) -> None:
            issues.append(Issue(level=Level.ERROR, code=code, message=message, field=where))

        if self.handoff_stage not in self.stages:
            error(
                ComplianceCode.UNKNOWN_HANDOFF_STAGE,
                f"hand-off stage {self.handoff_stage!r} is not in the lifecycle "
                f"({', '.join(self.stages) or 'no stages'})",
                "handoff.stage",
            )
        for value, where in (
            (self.first_touch_business_hours, "protocol.first_touch_within_business_hours"),
            (self.decide_business_hours, "handoff.decide_within_business_hours"),
        ):
            if value <= 0:
                error(ComplianceCode.NOT_POSITIVE, f"must be positive, got {value}", where)
        for index, step in enumerate(self.cadence):
            where = f"protocol.follow_up_cadence[{index}]"
            if step.touches <= 0 or step.within_days <= 0:
                error(
                    ComplianceCode.NOT_POSITIVE,
                    f"touches and within_days must be positive, got {step.touches} in "
                    f"{step.within_days}",
                    where,
                )
        if not Decimal(0) <= self.at_risk_share <= Decimal(1):
            error(
                ComplianceCode.NOT_POSITIVE,
                f"must be between 0 and 1, got {self.at_risk_share}",
                "alerts.at_risk_share",
            )
        if not self.cadence:
            error(
                ComplianceCode.MISSING_OR_DUPLICATE, "no cadence step", "protocol.follow_up_cadence"
            )
        names = [step.name for step in self.cadence]
        for name in sorted({name for name in names if names.count(name) > 1}):
            error(
                ComplianceCode.MISSING_OR_DUPLICATE,
                f"cadence step {name} is listed twice",
                "protocol.follow_up_cadence",
            )
        if not self.counting_touch_types:
            error(
                ComplianceCode.MISSING_OR_DUPLICATE,
                "no touch type counts as a sales touch",
                "protocol.counting_touch_types",
            )
        return issues

    @property
    def first_touch_seconds(self) -> int:
        return self.first_touch_business_hours * SECONDS_PER_HOUR

    @property
    def decide_seconds(self) -> int:
        return self.decide_business_hours * SECONDS_PER_HOUR

    def at_risk_seconds(self, window_seconds: int) -> int:
        """Time used (business or calendar, as the window) from which an obligation is at risk."""
        return _share_of(self.at_risk_share, window_seconds)

    def rank_of(self, stage: str) -> int:
        """Position in the lifecycle; a stage the lifecycle does not know sorts after all."""
        return self.stage_rank.get(stage, len(self.stages))


def rules_from_agreement(agreement: Agreement) -> ComplianceRules:
    """The compliance rules a (validated) agreement sets."""
    protocol = agreement.protocol
    return ComplianceRules(
        handoff_stage=agreement.handoff.stage,
        stages=tuple(stage.name for stage in agreement.lifecycle.stages),
        first_touch_business_hours=protocol.first_touch_within_business_hours,
        decide_business_hours=agreement.handoff.decide_within_business_hours,
        cadence=tuple(
            CadenceRule(step.touches, step.within_days) for step in protocol.follow_up_cadence
        ),
        counting_touch_types=frozenset(protocol.counting_touch_types),
        at_risk_share=agreement.alerts.at_risk_share,
    )
