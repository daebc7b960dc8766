"""One contact's events, as the evaluator reads them: in any order, duplicates allowed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from funnelpact.domain.compliance.rules import ComplianceCode
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.records import (
    Contact,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    Touch,
)


def _naive(instant: datetime) -> bool:
    return instant.tzinfo is None or instant.utcoffset() is None


@dataclass(frozen=True, slots=True)
class Timeline:
    """A contact's stage changes, owner changes, touches and hand-off decisions.

    `owner` is the contact's current owner: the accountable owner of a hand-off that no owner
    change precedes. Construction checks that every record is this contact's and that every
    instant is aware (CMP001, CMP002), reporting all problems at once.
    """

    contact: Ref
    owner: Ref | None = None
    stage_changes: tuple[StageChange, ...] = ()
    owner_changes: tuple[OwnerChange, ...] = ()
    touches: tuple[Touch, ...] = ()
    decisions: tuple[HandoffDecision, ...] = ()

    def __post_init__(self) -> None:
        issues: list[Issue] = []
        groups: tuple[
            tuple[str, str, tuple[StageChange | OwnerChange | Touch | HandoffDecision, ...]], ...
        ] = (
            ("stage_changes", "entered_at", self.stage_changes),
            ("owner_changes", "assigned_at", self.owner_changes),
            ("touches", "occurred_at", self.touches),
            ("decisions", "decided_at", self.decisions),
        )
        for group, instant_field, records in groups:
            for index, record in enumerate(records):
                where = f"{group}[{index}]"
                if record.contact != self.contact:
                    issues.append(
                        Issue(
                            level=Level.ERROR,
                            code=ComplianceCode.OTHER_CONTACT,
                            message=f"belongs to contact {record.contact}, not to the "
                            f"timeline's {self.contact}",
                            field=where,
                        )
                    )
                instant: datetime = getattr(record, instant_field)
                if _naive(instant):
                    issues.append(
                        Issue(
                            level=Level.ERROR,
                            code=ComplianceCode.NAIVE_INSTANT,
                            message=f"{instant.isoformat()} has no time zone",
                            field=f"{where}.{instant_field}",
                        )
                    )
        if issues:
            raise DomainError(issues)

    @classmethod
    def from_records(cls, records: Iterable[Record], contact: Ref | None = None) -> Timeline:
        """The timeline of `contact` (default: the one `Contact` record among `records`).

        Records of other contacts are left out when `contact` is given; records that have no
        bearing on compliance (deals, campaigns, teams, reps) are ignored.
        """
        items = list(records)
        if contact is None:
            people = {record.ref for record in items if isinstance(record, Contact)}
            if len(people) != 1:
                raise DomainError(
                    [
                        Issue(
                            level=Level.ERROR,
                            code=ComplianceCode.OTHER_CONTACT,
                            message=f"expected the records of one contact, found {len(people)} "
                            "Contact records; pass contact=",
                            field="contact",
                        )
                    ]
                )
            contact = people.pop()
        owner: Ref | None = None
        stage_changes: list[StageChange] = []
        owner_changes: list[OwnerChange] = []
        touches: list[Touch] = []
        decisions: list[HandoffDecision] = []
        for record in items:
            if isinstance(record, Contact):
                if record.ref == contact:
                    owner = record.owner
            elif isinstance(record, StageChange | OwnerChange | Touch | HandoffDecision):
                if record.contact != contact:
                    continue
                if isinstance(record, StageChange):
                    stage_changes.append(record)
                elif isinstance(record, OwnerChange):
                    owner_changes.append(record)
                elif isinstance(record, Touch):
                    touches.append(record)
                else:
                    decisions.append(record)
        return cls(
            contact=contact,
            owner=owner,
            stage_changes=tuple(stage_changes),
            owner_changes=tuple(owner_changes),
            touches=tuple(touches),
            decisions=tuple(decisions),
        )
