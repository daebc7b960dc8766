"""The rules about an agreement's meaning: each a small class with a stable code and level.

`validate(agreement, source_map, today)` runs `DEFAULT_RULES` and returns every issue at once,
located at FILE:LINE:COL through the source map. The plan and calendar sections are checked by
their owners' own rules (`validate_plan`, `check_calendar`), reached through two rules here, so
an agreement and a planning file report the same problems with the same codes.

Codes are stable: never reuse or renumber one; retire a rule by keeping its code documented.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from funnelpact.domain.agreement.locations import FieldPath, SourceMap, path_text
from funnelpact.domain.agreement.model import (
    Agreement,
    KpiUnit,
    PartyTeam,
    Recipient,
    StageOwner,
)
from funnelpact.domain.agreement.signing import content_hash
from funnelpact.domain.calendar import check_calendar
from funnelpact.domain.errors import Issue, Level
from funnelpact.domain.planning import validate_plan
from funnelpact.domain.records import CONTACT_ACTIVITY


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What rules need besides the document: today's date (passed in, never read here)."""

    today: date


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found, at a field path of the document."""

    path: FieldPath
    message: str


class AgreementRule(ABC):
    """A check of meaning with a stable code and level."""

    code: ClassVar[str]
    level: ClassVar[Level]

    @abstractmethod
    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        """Every problem of this kind in the agreement."""

    def issues(self, agreement: Agreement, context: RuleContext) -> Iterator[Issue]:
        for finding in self.check(agreement, context):
            yield Issue(
                level=self.level,
                code=self.code,
                message=finding.message,
                field=path_text(finding.path),
            )


class SectionRules(ABC):
    """The rules another part owns for its section, with that part's own codes."""

    @abstractmethod
    def issues(self, agreement: Agreement, context: RuleContext) -> Iterator[Issue]:
        """Every problem the section's owner finds."""


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)


def _stages(agreement: Agreement) -> str:
    return _names(stage.name for stage in agreement.lifecycle.stages)


# --- lifecycle ------------------------------------------------------------------------------


class DuplicateStageRule(AgreementRule):
    """Each lifecycle stage is defined once."""

    code = "AGR001"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        first: dict[str, int] = {}
        for index, stage in enumerate(agreement.lifecycle.stages):
            if stage.name in first:
                yield Finding(
                    ("lifecycle", "stages", index, "name"),
                    f"stage {stage.name!r} is defined twice (first as stage "
                    f"{first[stage.name] + 1})",
                )
            else:
                first[stage.name] = index


class StageOwnerRule(AgreementRule):
    """Every lifecycle stage names the team that owns it."""

    code = "AGR002"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        for index, stage in enumerate(agreement.lifecycle.stages):
            if stage.owner is None:
                yield Finding(
                    ("lifecycle", "stages", index),
                    f"stage {stage.name!r} has no owner: set owner to marketing, shared or sales",
                )


class StageOrderRule(AgreementRule):
    """Stages run down the funnel: marketing's first, then shared, then sales' (seed 002)."""

    code = "AGR003"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        previous = None
        for index, stage in enumerate(agreement.lifecycle.stages):
            if stage.owner is None:
                continue
            if (
                previous is not None
                and previous.owner is not None
                and (stage.owner.funnel_position < previous.owner.funnel_position)
            ):
                yield Finding(
                    ("lifecycle", "stages", index, "owner"),
                    f"stage {stage.name!r} (owner {stage.owner}) comes after "
                    f"{previous.name!r} (owner {previous.owner}): list stages from the top "
                    "of the funnel, marketing's first, then shared, then sales'",
                )
            previous = stage


class PlanStagesRule(AgreementRule):
    """The plan's stages are lifecycle stages, in the lifecycle's order."""

    code = "AGR004"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        last_index, last_name = -1, ""
        for index, stage in enumerate(agreement.plan.stages):
            position = agreement.stage_index(stage.name)
            path = ("plan", "stages", index, "name")
            if position is None:
                yield Finding(
                    path,
                    f"plan stage {stage.name!r} is not a lifecycle stage "
                    f"(stages: {_stages(agreement)})",
                )
                continue
            if position < last_index:
                yield Finding(
                    path,
                    f"plan stage {stage.name!r} comes after {last_name!r} in the plan but "
                    "before it in the lifecycle: keep the same order",
                )
            last_index, last_name = position, stage.name


class HandoffStageRule(AgreementRule):
    """The hand-off stage is a lifecycle stage."""

    code = "AGR005"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        stage = agreement.handoff.stage
        if agreement.stage(stage) is None:
            yield Finding(
                ("handoff", "stage"),
                f"hand-off stage {stage!r} is not a lifecycle stage (stages: {_stages(agreement)})",
            )


class RecycleStageRule(AgreementRule):
    """Rejected leads are recycled to a lifecycle stage that comes before the hand-off."""

    code = "AGR006"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        handoff = agreement.handoff
        recycle = agreement.stage_index(handoff.recycle_to)
        if recycle is None:
            yield Finding(
                ("handoff", "recycle_to"),
                f"recycle stage {handoff.recycle_to!r} is not a lifecycle stage "
                f"(stages: {_stages(agreement)})",
            )
            return
        handed = agreement.stage_index(handoff.stage)
        if handed is not None and recycle >= handed:
            yield Finding(
                ("handoff", "recycle_to"),
                f"recycled leads go to {handoff.recycle_to!r}, which is not before the hand-off "
                f"stage {handoff.stage!r}: recycling sends a lead back to marketing's nurture",
            )


class QualificationStageRule(AgreementRule):
    """The qualification checklist admits to a lifecycle stage."""

    code = "AGR007"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        qualification = agreement.lifecycle.qualification
        if agreement.stage(qualification.stage) is None:
            yield Finding(
                ("lifecycle", "qualification", "stage"),
                f"qualification stage {qualification.stage!r} is not a lifecycle stage "
                f"(stages: {_stages(agreement)})",
            )
        first: set[str] = set()
        for index, criterion in enumerate(qualification.criteria):
            if criterion.key in first:
                yield Finding(
                    ("lifecycle", "qualification", "criteria", index, "key"),
                    f"qualification criterion {criterion.key!r} is listed twice",
                )
            first.add(criterion.key)


class HandoffOwnerRule(AgreementRule):
    """Marketing hands over a stage it owns or shares, and recycles into a stage it owns."""

    code = "AGR008"
    level = Level.WARNING

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        handed = agreement.stage(agreement.handoff.stage)
        if handed is not None and handed.owner is StageOwner.SALES:
            yield Finding(
                ("handoff", "stage"),
                f"the hand-off stage {handed.name!r} is owned by sales: marketing usually hands "
                "over a stage it owns or shares (e.g. mql)",
            )
        recycled = agreement.stage(agreement.handoff.recycle_to)
        if recycled is not None and recycled.owner not in (None, StageOwner.MARKETING):
            yield Finding(
                ("handoff", "recycle_to"),
                f"recycled leads go to {recycled.name!r}, owned by {recycled.owner}: nurture is "
                "marketing's, so recycle to a stage marketing owns",
            )


# --- protocol and hand-off ------------------------------------------------------------------


class CadenceGrowsRule(AgreementRule):
    """Each follow-up step asks for more touches in more days than the one before."""

    code = "AGR009"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        steps = agreement.protocol.follow_up_cadence
        for index in range(1, len(steps)):
            before, step = steps[index - 1], steps[index]
            if step.touches <= before.touches or step.within_days <= before.within_days:
                yield Finding(
                    ("protocol", "follow_up_cadence", index),
                    f"follow-up step {index + 1} ({step.touches} touches within "
                    f"{step.within_days} days) must ask for more touches in more days than step "
                    f"{index} ({before.touches} touches within {before.within_days} days)",
                )


class CountingTouchesRule(AgreementRule):
    """Only sales touches count toward the protocol, never what the contact does."""

    code = "AGR010"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        for index, kind in enumerate(agreement.protocol.counting_touch_types):
            if kind in CONTACT_ACTIVITY:
                yield Finding(
                    ("protocol", "counting_touch_types", index),
                    f"{kind} is something the contact does, not a sales touch: it cannot count "
                    "toward the follow-up protocol",
                )


class RejectionReasonsRule(AgreementRule):
    """Each rejection reason code is used once."""

    code = "AGR011"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for index, reason in enumerate(agreement.handoff.rejection_reasons):
            if reason.code in seen:
                yield Finding(
                    ("handoff", "rejection_reasons", index, "code"),
                    f"rejection reason {reason.code!r} is listed twice",
                )
            seen.add(reason.code)


# --- parties and signatures -----------------------------------------------------------------


class PartiesRule(AgreementRule):
    """Party ids are unique and the agreement binds one marketing and one sales party."""

    code = "AGR012"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for index, party in enumerate(agreement.metadata.parties):
            if party.id in seen:
                yield Finding(
                    ("metadata", "parties", index, "id"), f"party id {party.id!r} is used twice"
                )
            seen.add(party.id)
        for team in (PartyTeam.MARKETING, PartyTeam.SALES):
            count = sum(1 for party in agreement.metadata.parties if party.team is team)
            if count != 1:
                yield Finding(
                    ("metadata", "parties"),
                    f"the agreement binds exactly one {team} party, found {count}",
                )


class SignatoryPartyRule(AgreementRule):
    """Every signatory signs for a party of the agreement, and is listed once."""

    code = "AGR013"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        parties = _names(party.id for party in agreement.metadata.parties)
        seen: set[str] = set()
        for index, person in enumerate(agreement.metadata.signatories):
            if agreement.party(person.party) is None:
                yield Finding(
                    ("metadata", "signatories", index, "party"),
                    f"signatory {person.name!r} signs for {person.party!r}, which is not a party "
                    f"(parties: {parties})",
                )
            if person.name in seen:
                yield Finding(
                    ("metadata", "signatories", index, "name"),
                    f"signatory {person.name!r} is listed twice",
                )
            seen.add(person.name)


class SignatureMatchesRule(AgreementRule):
    """A signature's content hash matches the document as it is now."""

    code = "AGR014"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        current = content_hash(agreement)
        for index, signature in enumerate(agreement.signatures):
            if signature.content_hash != current:
                yield Finding(
                    ("signatures", index, "content_hash"),
                    f"signature of {signature.name} no longer matches the document "
                    "(changed after signing)",
                )


class SignerIsSignatoryRule(AgreementRule):
    """Every signature is by a signatory, for that signatory's party, once."""

    code = "AGR015"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        names = _names(person.name for person in agreement.metadata.signatories)
        seen: set[str] = set()
        for index, signature in enumerate(agreement.signatures):
            signatory = agreement.signatory(signature.name)
            if signatory is None:
                yield Finding(
                    ("signatures", index, "name"),
                    f"{signature.name!r} signed but is not a signatory (signatories: {names})",
                )
            elif signatory.party != signature.party:
                yield Finding(
                    ("signatures", index, "party"),
                    f"{signature.name!r} signed for {signature.party!r} but signs for "
                    f"{signatory.party!r}",
                )
            if signature.name in seen:
                yield Finding(("signatures", index, "name"), f"{signature.name!r} signed twice")
            seen.add(signature.name)


class UnsignedRule(AgreementRule):
    """Tells who has not signed yet (normal while the agreement is a draft)."""

    code = "AGR016"
    level = Level.WARNING

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        signed = {signature.name for signature in agreement.signatures}
        for index, person in enumerate(agreement.metadata.signatories):
            if person.name not in signed:
                yield Finding(
                    ("metadata", "signatories", index),
                    f"not signed yet by {person.name} ({person.party}): "
                    f"funnelpact agreement sign FILE --name {_quoted(person.name)}",
                )


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[\w.@-]+", name) else f"'{name}'"


# --- dates ----------------------------------------------------------------------------------


class EffectiveDatesRule(AgreementRule):
    """The agreement ends after it starts."""

    code = "AGR017"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        start, end = agreement.metadata.effective_from, agreement.metadata.effective_to
        if end is not None and end < start:
            yield Finding(
                ("metadata", "effective_to"),
                f"effective_to {end} is before effective_from {start}",
            )


class ReviewDueRule(AgreementRule):
    """The next review date is not past: an overdue agreement still holds but must be reset."""

    code = "AGR018"
    level = Level.WARNING

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        due = agreement.review.next_review
        if due < context.today:
            yield Finding(
                ("review", "next_review"),
                f"the review due on {due} is past (today is {context.today}): review the "
                "agreement with actual data and set the next date",
            )


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


class ReviewCadenceRule(AgreementRule):
    """The next review falls within one review period of the start of the agreement."""

    code = "AGR019"
    level = Level.WARNING

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        review = agreement.review
        latest = add_months(agreement.metadata.effective_from, review.every_months)
        if review.next_review > latest:
            yield Finding(
                ("review", "next_review"),
                f"next review {review.next_review} is more than {review.every_months} months "
                f"after the agreement took effect ({agreement.metadata.effective_from}); "
                f"review by {latest}",
            )


# --- KPIs and alerts ------------------------------------------------------------------------


class KpiThresholdRule(AgreementRule):
    """A rate threshold is in (0, 1]; any other threshold is above 0."""

    code = "AGR020"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        for index, kpi in enumerate(agreement.kpis):
            path = ("kpis", index, "threshold")
            if kpi.definition.unit is KpiUnit.SHARE:
                if not 0 < kpi.threshold <= 1:
                    yield Finding(
                        path,
                        f"{kpi.metric} threshold {kpi.threshold} must be a share in (0, 1], "
                        "e.g. 0.5 for 50%",
                    )
            elif kpi.threshold <= 0:
                yield Finding(path, f"{kpi.metric} threshold {kpi.threshold} must be above 0")


class DuplicateKpiRule(AgreementRule):
    """Each KPI is listed once."""

    code = "AGR021"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        seen: set[str] = set()
        for index, kpi in enumerate(agreement.kpis):
            if kpi.metric in seen:
                yield Finding(("kpis", index, "metric"), f"KPI {kpi.metric} is listed twice")
            seen.add(kpi.metric)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES: tuple[str, ...] = tuple(Recipient)


def _recipient_lists(agreement: Agreement) -> Iterator[tuple[FieldPath, tuple[str, ...]]]:
    for index, kpi in enumerate(agreement.kpis):
        yield ("kpis", index, "notify"), kpi.notify
    alerts = agreement.alerts
    yield ("alerts", "at_risk"), alerts.at_risk
    yield ("alerts", "breach"), alerts.breach
    yield ("alerts", "escalation", "to"), alerts.escalation.to
    yield ("alerts", "daily_digest", "recipients"), alerts.daily_digest.recipients


class RecipientRule(AgreementRule):
    """Alerts and KPI misses go to a known role or an e-mail address."""

    code = "AGR022"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        roles = _names(_ROLES)
        for path, recipients in _recipient_lists(agreement):
            for index, recipient in enumerate(recipients):
                if recipient not in _ROLES and not _EMAIL.match(recipient):
                    yield Finding(
                        (*path, index),
                        f"unknown recipient {recipient!r}: use one of {roles} or an e-mail address",
                    )


class AtRiskShareRule(AgreementRule):
    """A lead is at risk after a share of its window strictly between 0 and 1."""

    code = "AGR023"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        share = agreement.alerts.at_risk_share
        if not 0 < share < 1:
            yield Finding(
                ("alerts", "at_risk_share"),
                f"at_risk_share {share} must be between 0 and 1 (0.75: at risk once three "
                "quarters of the time is gone)",
            )


# --- the plan as part of the agreement ------------------------------------------------------


class PlanCurrencyRule(AgreementRule):
    """The plan's currency, when written, is the agreement's (better: leave it out)."""

    code = "AGR024"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        plan = agreement.plan
        if "currency" in plan.model_fields_set and plan.currency != agreement.metadata.currency:
            yield Finding(
                ("plan", "currency"),
                f"plan currency {plan.currency} differs from the agreement's "
                f"{agreement.metadata.currency}: leave it out to use the agreement's",
            )


class PlanFollowUpRule(AgreementRule):
    """The plan's required attempts, when written, are the protocol's cadence."""

    code = "AGR025"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        follow_up = agreement.plan.follow_up
        if follow_up is None or "required_attempts" not in follow_up.model_fields_set:
            return
        cadence = tuple(step.touches for step in agreement.protocol.follow_up_cadence)
        if follow_up.required_attempts != cadence:
            written = ", ".join(str(n) for n in follow_up.required_attempts)
            expected = ", ".join(str(n) for n in cadence)
            yield Finding(
                ("plan", "follow_up", "required_attempts"),
                f"required attempts {written} differ from the protocol's cadence ({expected} "
                "touches): leave them out to use the protocol's",
            )


class DisqualifiedStageRule(AgreementRule):
    """Disqualified leads go to a terminal stage outside the lifecycle: they leave the funnel."""

    code = "AGR026"
    level = Level.ERROR

    def check(self, agreement: Agreement, context: RuleContext) -> Iterator[Finding]:
        stage = agreement.handoff.disqualified_stage
        if agreement.stage(stage) is not None:
            yield Finding(
                ("handoff", "disqualified_stage"),
                f"disqualified leads go to {stage!r}, a lifecycle stage: a disqualified lead "
                "leaves the funnel, so name a stage outside the lifecycle (e.g. disqualified)",
            )


class PlanSectionRules(SectionRules):
    """The planner's rules (PLAN codes, docs/planner.md) on the plan the agreement implies."""

    def issues(self, agreement: Agreement, context: RuleContext) -> Iterator[Issue]:
        yield from validate_plan(agreement.plan_spec(), prefix="plan")


class CalendarSectionRules(SectionRules):
    """The calendar's rules (CAL codes, docs/calendar.md): the zone and holiday country exist."""

    def issues(self, agreement: Agreement, context: RuleContext) -> Iterator[Issue]:
        yield from check_calendar(agreement.calendar, "calendar")


Rule = AgreementRule | SectionRules

DEFAULT_RULES: tuple[Rule, ...] = (
    DuplicateStageRule(),
    StageOwnerRule(),
    StageOrderRule(),
    PlanStagesRule(),
    HandoffStageRule(),
    RecycleStageRule(),
    QualificationStageRule(),
    HandoffOwnerRule(),
    CadenceGrowsRule(),
    CountingTouchesRule(),
    RejectionReasonsRule(),
    PartiesRule(),
    SignatoryPartyRule(),
    SignatureMatchesRule(),
    SignerIsSignatoryRule(),
    UnsignedRule(),
    EffectiveDatesRule(),
    ReviewDueRule(),
    ReviewCadenceRule(),
    KpiThresholdRule(),
    DuplicateKpiRule(),
    RecipientRule(),
    AtRiskShareRule(),
    PlanCurrencyRule(),
    PlanFollowUpRule(),
    DisqualifiedStageRule(),
    PlanSectionRules(),
    CalendarSectionRules(),
)


def _position(issue: Issue) -> tuple[int, int]:
    return (issue.line or 0, issue.column or 0)


def validate(
    agreement: Agreement,
    source_map: SourceMap,
    today: date,
    rules: tuple[Rule, ...] = DEFAULT_RULES,
) -> list[Issue]:
    """Every problem of meaning, located and in document order (errors and warnings alike)."""
    context = RuleContext(today=today)
    issues = [issue for rule in rules for issue in rule.issues(agreement, context)]
    return sorted(source_map.locate_all(issues), key=_position)
