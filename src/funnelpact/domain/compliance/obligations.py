"""Obligations as values: what a hand-off owes, and where each stands at an instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from funnelpact.domain.records import Ref


class ObligationKind(StrEnum):
    FIRST_TOUCH = "first_touch"
    DECISION = "decision"
    CADENCE = "cadence"


class Status(StrEnum):
    """Where an obligation stands at the evaluated instant (docs/compliance.md, "Status")."""

    PENDING = "pending"
    AT_RISK = "at_risk"
    MET = "met"
    BREACHED = "breached"
    NOT_APPLICABLE = "not_applicable"

    @property
    def open(self) -> bool:
        """True while the obligation can still be kept (its clock is running)."""
        return self in (Status.PENDING, Status.AT_RISK)


class StopReason(StrEnum):
    """Why an obligation stopped before it was due."""

    REJECTED = "rejected"  # sales rejected the lead
    ADVANCED = "advanced"  # the lead entered a stage after the hand-off stage (e.g. sql)
    LEFT_STAGE = "left_stage"  # the lead went back (e.g. to lead) or out of the lifecycle


@dataclass(frozen=True, slots=True)
class Obligation:
    """One obligation of one hand-off cycle, evaluated at `LeadCompliance.now`.

    Instants are in the calendar's time zone; durations are business time in whole seconds.
    Only the fields of the status are set: `met_*` when met, `breached_*` (and `resolved_at`
    once resolved) when breached, `not_applicable_at` and `stop_*` when not applicable.
    """

    contact: Ref
    cycle: int
    name: str
    kind: ObligationKind
    handoff_at: datetime
    owner: Ref | None
    due_at: datetime
    at_risk_from: datetime
    status: Status
    met_at: datetime | None = None
    met_after: timedelta | None = None
    breached_at: datetime | None = None
    resolved_at: datetime | None = None
    breached_by: timedelta | None = None
    not_applicable_at: datetime | None = None
    stop_reason: StopReason | None = None
    stop_stage: str = ""  # the stage entered, for ADVANCED and LEFT_STAGE

    @property
    def why_not_applicable(self) -> str:
        """A short English reason: "rejected before the window ended", "became sql"..."""
        match self.stop_reason:
            case None:
                return ""
            case StopReason.REJECTED:
                return "rejected before the window ended"
            case StopReason.ADVANCED:
                return f"became {self.stop_stage}"
            case StopReason.LEFT_STAGE:
                return f"moved to {self.stop_stage}"


@dataclass(frozen=True, slots=True)
class LeadCompliance:
    """Every obligation of one contact's hand-off cycles at `now` (cycle by cycle, in order)."""

    contact: Ref
    now: datetime
    obligations: tuple[Obligation, ...]

    @property
    def cycles(self) -> int:
        return max((obligation.cycle for obligation in self.obligations), default=0)

    def get(self, name: str, cycle: int | None = None) -> Obligation:
        """The obligation `name` of `cycle` (default: the latest cycle); KeyError if none."""
        wanted = self.cycles if cycle is None else cycle
        for obligation in self.obligations:
            if obligation.name == name and obligation.cycle == wanted:
                return obligation
        raise KeyError(f"no obligation {name!r} in cycle {wanted} of {self.contact}")

    def with_status(self, *statuses: Status) -> tuple[Obligation, ...]:
        return tuple(item for item in self.obligations if item.status in statuses)
