"""The SLA agreement: the versioned, signed document every other part of funnelpact reads.

The model checks *shapes* (types, required fields, unknown keys are errors); the *meaning*
(stages in order, the hand-off stage exists, a signature still matches...) is checked by the
rules in `funnelpact.domain.agreement.rules`, which report every problem at once.

Two sections belong to other parts and are embedded verbatim: ``plan:`` is the planner's
`PlanSpec` (the targets are computed from it, never typed twice) and ``calendar:`` is the business
calendar's `CalendarSpec`. Lists are tuples so that an agreement is immutable end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from funnelpact.domain.calendar import CalendarSpec
from funnelpact.domain.planning import PeriodSpec, PlanSpec
from funnelpact.domain.records import TouchType

SCHEMA_VERSION: Final = 1
"""The document format this code reads; bumped only with a migration and a deprecation period."""

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
ContentHash = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Locale(StrEnum):
    """The language the agreement's labels and texts are written in."""

    EN = "en"
    ES = "es"
    IT = "it"


class PartyTeam(StrEnum):
    """What kind of team a party of the agreement is."""

    MARKETING = "marketing"
    SALES = "sales"
    OTHER = "other"  # e.g. customer service, when the agreement grows (seed 004)


class StageOwner(StrEnum):
    """Which team answers for contacts in a lifecycle stage (seed 002: top, middle, bottom)."""

    MARKETING = "marketing"
    SHARED = "shared"
    SALES = "sales"

    @property
    def funnel_position(self) -> int:
        """0 for the top of the funnel, 2 for the bottom: owners only move down the funnel."""
        return list(StageOwner).index(self)


class RejectionRoute(StrEnum):
    """Where a lead that sales rejects goes."""

    RECYCLE = "recycle"  # back to marketing's nurture stage (`handoff.recycle_to`)
    DISQUALIFY = "disqualify"  # out of the funnel


class Recipient(StrEnum):
    """People named by their role; an alert or KPI may also name an e-mail address."""

    LEAD_OWNER = "lead_owner"
    LEAD_OWNER_MANAGER = "lead_owner_manager"
    SALES_OWNER = "sales_owner"
    MARKETING_OWNER = "marketing_owner"


class KpiMetric(StrEnum):
    """The KPIs seed 001 asks the agreement to watch."""

    MQL_TO_SQL_RATE = "mql_to_sql_rate"
    MQL_TO_SQL_HOURS = "mql_to_sql_hours"
    MQL_TO_CUSTOMER_RATE = "mql_to_customer_rate"
    TOUCHES_PER_SQL = "touches_per_sql"
    SQL_VALUE = "sql_value"


class KpiUnit(StrEnum):
    SHARE = "share"  # a rate in (0, 1]
    BUSINESS_HOURS = "business_hours"
    TOUCHES = "touches"
    MONEY = "money"  # in the agreement's currency


class Comparison(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """What a KPI measures, in its unit, and which side of the threshold is a miss."""

    label: str
    unit: KpiUnit
    comparison: Comparison
    definition: str


KPI_DEFINITIONS: Final[dict[KpiMetric, KpiDefinition]] = {
    KpiMetric.MQL_TO_SQL_RATE: KpiDefinition(
        "MQL to SQL rate",
        KpiUnit.SHARE,
        Comparison.AT_LEAST,
        "Share of the month's MQLs that sales accepted as SQLs.",
    ),
    KpiMetric.MQL_TO_SQL_HOURS: KpiDefinition(
        "Time from MQL to SQL",
        KpiUnit.BUSINESS_HOURS,
        Comparison.AT_MOST,
        "Median business hours from becoming an MQL to becoming an SQL.",
    ),
    KpiMetric.MQL_TO_CUSTOMER_RATE: KpiDefinition(
        "MQL to customer rate",
        KpiUnit.SHARE,
        Comparison.AT_LEAST,
        "Share of MQLs that became customers.",
    ),
    KpiMetric.TOUCHES_PER_SQL: KpiDefinition(
        "Touches per MQL that becomes SQL",
        KpiUnit.TOUCHES,
        Comparison.AT_MOST,
        "Average sales touches an MQL received before it became an SQL.",
    ),
    KpiMetric.SQL_VALUE: KpiDefinition(
        "Value of SQLs",
        KpiUnit.MONEY,
        Comparison.AT_LEAST,
        "Total deal value of the month's SQLs, in the agreement's currency.",
    ),
}


# --- metadata -------------------------------------------------------------------------------


class Party(_Model):
    """A team bound by the agreement, with the person who answers for it."""

    id: Name = Field(description="Short id other sections refer to, e.g. marketing, sales.")
    team: PartyTeam = Field(description="marketing, sales or other.")
    name: Text = Field(description="The team's name as the document shows it, e.g. 'Marketing'.")
    owner: Text = Field(description="The person who owns the team's commitments.")
    role: Text | None = Field(default=None, description="The owner's job title.")
    email: Text | None = Field(default=None, description="Where the owner gets alerts.")


class Signatory(_Model):
    """A person who must sign the agreement for a party."""

    name: Text = Field(description="Full name, exactly as used with `funnelpact agreement sign`.")
    role: Text = Field(description="Job title.")
    party: Name = Field(description="The id of the party this person signs for.")


class Metadata(_Model):
    """What the document is, when it holds, and who is bound by it."""

    name: Text = Field(description="Title of the agreement.")
    version: int = Field(ge=1, description="Revision number, raised at every review: 1, 2, 3...")
    effective_from: date = Field(description="First day the agreement holds (YYYY-MM-DD).")
    effective_to: date | None = Field(
        default=None, description="Last day it holds (YYYY-MM-DD); omit for open-ended."
    )
    currency: CurrencyCode = Field(description="ISO 4217 code of every amount, e.g. EUR, USD.")
    locale: Locale = Field(
        default=Locale.EN, description="Language of the labels and texts: en, es or it."
    )
    parties: tuple[Party, ...] = Field(
        min_length=2, description="The teams bound: one marketing and one sales party at least."
    )
    signatories: tuple[Signatory, ...] = Field(
        min_length=1, description="Who must sign; each signs for one party."
    )


# --- who we sell to -------------------------------------------------------------------------


class CompanyProfile(_Model):
    """The ideal customer company (seed 001, step 1)."""

    industry: Text = Field(description="Industry or sector.")
    size: Text = Field(description="Size, e.g. '50-500 employees' or '5-50 M EUR revenue'.")
    geography: Text = Field(description="Where they are.")
    challenges: tuple[Text, ...] = Field(default=(), description="Problems they face.")
    goals: tuple[Text, ...] = Field(default=(), description="What they want to achieve.")


class IdealCustomerProfile(_Model):
    company: CompanyProfile
    competition: tuple[Text, ...] = Field(
        default=(), description="Who else they buy from or consider."
    )


class BuyerPersona(_Model):
    """A person who buys (seed 001, step 1: demographics, role, priorities)."""

    name: Text = Field(description="A memorable name, e.g. 'Olivia, operations director'.")
    demographics: Text
    role_and_responsibilities: Text
    priorities: tuple[Text, ...] = Field(default=())


# --- lifecycle ------------------------------------------------------------------------------


class Stage(_Model):
    """A lifecycle stage, what it means and which team answers for it."""

    name: Name = Field(description="Id used in CRM data and in the plan, e.g. lead, mql, sql.")
    label: Text = Field(description="Display name, e.g. 'Marketing qualified lead'.")
    owner: StageOwner | None = Field(
        default=None, description="The team that answers for it: marketing, shared or sales."
    )
    definition: Text = Field(description="What a contact in this stage is.")
    entry_criteria: tuple[Text, ...] = Field(
        default=(), description="What must be true for a contact to enter the stage."
    )


class QualificationCriterion(_Model):
    key: Name = Field(description="Id, e.g. authority, need, understanding, fit.")
    label: Text
    description: Text


class Qualification(_Model):
    """The checklist a lead must pass to enter the qualified stage (seed 001: SQL)."""

    stage: Name = Field(default="sql", description="The stage the checklist admits to.")
    criteria: tuple[QualificationCriterion, ...] = Field(min_length=1)


class Lifecycle(_Model):
    stages: tuple[Stage, ...] = Field(
        min_length=2, description="From the top of the funnel to the bottom, in order."
    )
    qualification: Qualification


# --- hand-off and protocol ------------------------------------------------------------------


class RejectionReason(_Model):
    code: Name = Field(description="Stable id recorded with the rejection, e.g. no_budget.")
    label: Text
    route: RejectionRoute = Field(description="recycle (back to nurture) or disqualify.")


class AssignmentMethod(StrEnum):
    """How new MQLs are spread over a team's reps."""

    LEAST_LOADED = "least_loaded"  # the rep with the fewest MQLs assigned this week
    ROUND_ROBIN = "round_robin"  # each rep in turn (by name), after the last one assigned


class Assignment(_Model):
    """Automatic assignment of new (unowned) MQLs to the reps of sales teams."""

    method: AssignmentMethod = Field(
        default=AssignmentMethod.LEAST_LOADED,
        description="least_loaded (fewest MQLs this week) or round_robin (each rep in turn).",
    )
    teams: tuple[Text, ...] = Field(
        min_length=1,
        description="The teams whose active reps take new MQLs (their team names in the "
        "store), within working hours and each rep's weekly capacity from the plan; the "
        "first team's reps first, the next team's when they are full.",
    )


class Handoff(_Model):
    """When marketing hands a lead to sales, and how sales accepts or rejects it."""

    stage: Name = Field(
        default="mql", description="The stage at which marketing hands the lead to sales."
    )
    decide_within_business_hours: int = Field(
        default=8, gt=0, description="Business hours sales has to accept or reject a hand-off."
    )
    recycle_to: Name = Field(
        default="lead", description="The marketing stage a recycled lead goes back to (nurture)."
    )
    disqualified_stage: Name = Field(
        default="disqualified",
        description="The terminal stage a disqualified lead goes to: out of the funnel, so not "
        "a lifecycle stage (reports leave it out of every stage's figures).",
    )
    rejection_reasons: tuple[RejectionReason, ...] = Field(min_length=1)
    assignment: Assignment | None = Field(
        default=None,
        description="Assign new MQLs to reps on the watch's scheduler tick (absent: the CRM "
        "or a person assigns them).",
    )


class CadenceStep(_Model):
    """At least `touches` sales touches within `within_days` calendar days of the hand-off."""

    touches: int = Field(gt=0)
    within_days: int = Field(gt=0)


DEFAULT_CADENCE: Final = (
    CadenceStep(touches=3, within_days=14),
    CadenceStep(touches=5, within_days=28),
    CadenceStep(touches=7, within_days=56),
)
DEFAULT_COUNTING_TOUCHES: Final = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)


class Protocol(_Model):
    """How fast and how often sales follows up a handed-off lead (seeds 002 and 003)."""

    first_touch_within_business_hours: int = Field(
        default=24, gt=0, description="First sales touch within N business hours of the hand-off."
    )
    follow_up_cadence: tuple[CadenceStep, ...] = Field(
        default=DEFAULT_CADENCE,
        min_length=1,
        description="Cumulative touches within days of the hand-off: 3 in 14, 5 in 28, 7 in 56.",
    )
    counting_touch_types: tuple[TouchType, ...] = Field(
        default=DEFAULT_COUNTING_TOUCHES,
        min_length=1,
        description="Touch types that count: call, email, meeting. Automated touches "
        "(sequences, workflows) never count.",
    )


# --- KPIs, review, alerts -------------------------------------------------------------------


class Kpi(_Model):
    """A KPI and the threshold that counts as a miss, checked every month."""

    metric: KpiMetric
    threshold: Decimal = Field(
        description="A share in (0, 1] for rates, business hours, touches or money."
    )
    notify: tuple[Text, ...] = Field(
        default=(Recipient.SALES_OWNER.value, Recipient.MARKETING_OWNER.value),
        description="Who is told of a miss: lead_owner, lead_owner_manager, sales_owner, "
        "marketing_owner or an e-mail address.",
    )

    @property
    def definition(self) -> KpiDefinition:
        return KPI_DEFINITIONS[self.metric]


class Review(_Model):
    """When the agreement is reviewed with actual data (seed 001, step 7; seed 004)."""

    every_months: int = Field(
        default=6, ge=1, le=12, description="6 for most teams, 2 for fast growth."
    )
    next_review: date = Field(description="Date of the next review (YYYY-MM-DD).")


class Escalation(_Model):
    to: tuple[Text, ...] = Field(default=(Recipient.LEAD_OWNER_MANAGER.value,))
    after_business_hours: int = Field(
        default=8, ge=0, description="Business hours a breach stays open before escalating."
    )


class DailyDigest(_Model):
    enabled: bool = True
    at: time = Field(default=time(8, 30), description="Local time (calendar zone), HH:MM.")
    recipients: tuple[Text, ...] = Field(
        default=(Recipient.SALES_OWNER.value, Recipient.MARKETING_OWNER.value)
    )


class Alerts(_Model):
    """Who hears about a lead at risk or in breach of the protocol."""

    at_risk_share: Decimal = Field(
        default=Decimal("0.75"),
        description="A lead is at risk once this share of a window has passed unmet.",
    )
    at_risk: tuple[Text, ...] = Field(default=(Recipient.LEAD_OWNER.value,))
    breach: tuple[Text, ...] = Field(
        default=(Recipient.LEAD_OWNER.value, Recipient.SALES_OWNER.value)
    )
    escalation: Escalation = Field(default_factory=Escalation)
    daily_digest: DailyDigest = Field(default_factory=DailyDigest)


class Signature(_Model):
    """A signature bound to the content hash of the document at signing time."""

    name: Text
    role: Text
    party: Name
    signed_at: AwareDatetime
    content_hash: ContentHash = Field(
        description="sha256 of the document without its signatures, written by "
        "`funnelpact agreement sign`."
    )


class Agreement(_Model):
    """The Sales & Marketing SLA."""

    model_config = ConfigDict(
        title="funnelpact SLA agreement",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_version: Literal[1] = Field(description="Version of this format; currently 1.")
    metadata: Metadata
    ideal_customer_profile: IdealCustomerProfile
    buyer_personas: tuple[BuyerPersona, ...] = Field(min_length=1)
    lifecycle: Lifecycle
    plan: PlanSpec = Field(
        description="The reverse-funnel plan (see docs/planner.md); targets are computed from it. "
        "currency, period and follow_up.required_attempts default to the agreement's."
    )
    handoff: Handoff
    protocol: Protocol = Field(default_factory=Protocol)
    calendar: CalendarSpec = Field(description="The business calendar (see docs/calendar.md).")
    kpis: tuple[Kpi, ...] = Field(default=())
    review: Review
    alerts: Alerts = Field(default_factory=Alerts)
    signatures: tuple[Signature, ...] = Field(
        default=(), description="Written by `funnelpact agreement sign`; do not edit by hand."
    )

    def stage(self, name: str) -> Stage | None:
        return next((stage for stage in self.lifecycle.stages if stage.name == name), None)

    def stage_index(self, name: str) -> int | None:
        names = [stage.name for stage in self.lifecycle.stages]
        return names.index(name) if name in names else None

    def party(self, party_id: str) -> Party | None:
        return next((party for party in self.metadata.parties if party.id == party_id), None)

    def signatory(self, name: str) -> Signatory | None:
        return next((person for person in self.metadata.signatories if person.name == name), None)

    def plan_spec(self) -> PlanSpec:
        """The plan to compute, with what the agreement already says filled in (never twice).

        An omitted plan currency is the agreement's; an omitted period is the agreement's
        effective dates; omitted required follow-up attempts are the protocol's cadence.
        """
        plan = self.plan
        update: dict[str, Any] = {}
        if "currency" not in plan.model_fields_set:
            update["currency"] = self.metadata.currency
        if plan.period is None:
            update["period"] = PeriodSpec(
                start=self.metadata.effective_from, end=self.metadata.effective_to
            )
        follow_up = plan.follow_up
        if follow_up is not None and "required_attempts" not in follow_up.model_fields_set:
            attempts = tuple(step.touches for step in self.protocol.follow_up_cadence)
            update["follow_up"] = follow_up.model_copy(update={"required_attempts": attempts})
        return plan.model_copy(update=update) if update else plan
