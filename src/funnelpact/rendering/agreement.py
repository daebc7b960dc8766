"""The SLA agreement as the document marketing and sales read and sign.

`agreement_document(agreement, plan, language)` turns the validated agreement and the plan the
planner computed from it into a `Document`: every fixed text translated, every value formatted
for the language, the protocol and the calendar in plain words. The templates only lay it out,
so HTML, PDF and Markdown say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

import holidays

from funnelpact.agreements.files import check_agreement_file
from funnelpact.domain.agreement import Agreement, content_hash
from funnelpact.domain.agreement.model import (
    Comparison,
    Kpi,
    KpiMetric,
    KpiUnit,
    Party,
    PartyTeam,
    Recipient,
    RejectionRoute,
    Signature,
    StageOwner,
)
from funnelpact.domain.agreement.rules import SignatureMatchesRule
from funnelpact.domain.calendar.spec import Weekday
from funnelpact.domain.errors import DomainError, Issue, Level
from funnelpact.domain.planning import Funnel, Plan, StageTargets, build_plan
from funnelpact.domain.records import TouchType
from funnelpact.i18n import N_, Language, Localizer, localizer
from funnelpact.rendering.blocks import (
    Block,
    Bullets,
    Cell,
    Column,
    Document,
    Fact,
    Facts,
    Note,
    Paragraph,
    Section,
    SignatureBlock,
    Signatures,
    SignatureState,
    Table,
)
from funnelpact.rendering.environment import render_html, render_markdown
from funnelpact.rendering.output import OutputFormat, check_destination, emit
from funnelpact.rendering.pdf import html_to_pdf

# Labels of the domain's enumerations, marked for the catalogs (the domain keeps English ids).
OWNER_LABELS: Final[dict[StageOwner, str]] = {
    StageOwner.MARKETING: N_("Marketing"),
    StageOwner.SHARED: N_("Shared"),
    StageOwner.SALES: N_("Sales"),
}
TEAM_LABELS: Final[dict[PartyTeam, str]] = {
    PartyTeam.MARKETING: N_("Marketing"),
    PartyTeam.SALES: N_("Sales"),
    PartyTeam.OTHER: N_("Other team"),
}
TOUCH_LABELS: Final[dict[TouchType, str]] = {
    TouchType.CALL: N_("calls"),
    TouchType.EMAIL: N_("emails"),
    TouchType.MEETING: N_("meetings"),
    TouchType.NOTE: N_("notes"),
    TouchType.TASK: N_("tasks"),
    TouchType.PAGE_VIEW: N_("page views"),
    TouchType.FORM_SUBMISSION: N_("form submissions"),
    TouchType.CONTENT_DOWNLOAD: N_("content downloads"),
}
KPI_LABELS: Final[dict[KpiMetric, tuple[str, str]]] = {
    KpiMetric.MQL_TO_SQL_RATE: (
        N_("MQL to SQL rate"),
        N_("Share of the month's MQLs that sales accepted as SQLs."),
    ),
    KpiMetric.MQL_TO_SQL_HOURS: (
        N_("Time from MQL to SQL"),
        N_("Median business hours from becoming an MQL to becoming an SQL."),
    ),
    KpiMetric.MQL_TO_CUSTOMER_RATE: (
        N_("MQL to customer rate"),
        N_("Share of MQLs that became customers."),
    ),
    KpiMetric.TOUCHES_PER_SQL: (
        N_("Touches per MQL that becomes SQL"),
        N_("Average sales touches an MQL received before it became an SQL."),
    ),
    KpiMetric.SQL_VALUE: (
        N_("Value of SQLs"),
        N_("Total deal value of the month's SQLs, in the agreement's currency."),
    ),
}
RECIPIENT_LABELS: Final[dict[Recipient, str]] = {
    Recipient.LEAD_OWNER: N_("lead owner"),
    Recipient.LEAD_OWNER_MANAGER: N_("lead owner's manager"),
    Recipient.SALES_OWNER: N_("sales owner (%(name)s)"),
    Recipient.MARKETING_OWNER: N_("marketing owner (%(name)s)"),
}
DASH: Final = "–"  # en dash: ranges of numbers, dates and hours
EMPTY: Final = "—"  # em dash: a cell with nothing to show


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """A signatory and the signature recorded for them, if any."""

    name: str
    role: str
    party: str
    signature: Signature | None
    matches: bool  # the recorded content hash is the document's current one


def signature_statuses(agreement: Agreement) -> list[SignatureStatus]:
    """One status per signatory, in the order of ``metadata.signatories``."""
    current = content_hash(agreement)
    statuses = []
    for person in agreement.metadata.signatories:
        recorded = [s for s in agreement.signatures if s.name == person.name]
        signature = recorded[-1] if recorded else None  # a renewed signature replaces the old
        statuses.append(
            SignatureStatus(
                name=person.name,
                role=signature.role if signature else person.role,
                party=person.party,
                signature=signature,
                matches=signature is not None and signature.content_hash == current,
            )
        )
    return statuses


class _AgreementWriter:
    """Writes the sections; `gettext`/`ngettext` here are the document language's."""

    def __init__(self, agreement: Agreement, plan: Plan, words: Localizer) -> None:
        self.agreement = agreement
        self.plan = plan
        self.words = words
        self.currency = agreement.metadata.currency
        self.fingerprint = content_hash(agreement)

    # --- words ------------------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        return self.words.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int | Decimal, **values: str) -> str:
        """The form for ``count``, filled with the formatted count and any other values."""
        text = self.words.integer(count) if count == int(count) else self.words.number(count)
        return self.words.ngettext(singular, plural, count) % {"count": text, **values}

    def money(self, amount: Decimal | int) -> str:
        return self.words.money(amount, self.currency)

    def band(self, low: Decimal, high: Decimal) -> str:
        return f"{self.words.number(low)}{DASH}{self.words.number(high)}"

    def day(self, value: date) -> str:
        return self.words.date(value, "long")

    def stage_label(self, name: str) -> str:
        stage = self.agreement.stage(name)
        return stage.label if stage is not None else name

    def party_of_team(self, team: PartyTeam) -> Party | None:
        return next((p for p in self.agreement.metadata.parties if p.team is team), None)

    def party_name(self, party_id: str) -> str:
        party = self.agreement.party(party_id)
        return party.name if party is not None else party_id

    def recipient(self, text: str) -> str:
        try:
            role = Recipient(text)
        except ValueError:
            return text  # an e-mail address
        owner = {
            Recipient.SALES_OWNER: self.party_of_team(PartyTeam.SALES),
            Recipient.MARKETING_OWNER: self.party_of_team(PartyTeam.MARKETING),
        }.get(role)
        return self.gettext(RECIPIENT_LABELS[role]) % {"name": owner.owner if owner else EMPTY}

    def recipients(self, items: Iterable[str]) -> str:
        return self.words.join([self.recipient(item) for item in items])

    def period(self, start: date, end: date | None) -> str:
        if end is None:
            return self.gettext("from %(start)s, open-ended") % {"start": self.day(start)}
        return self.gettext("from %(start)s to %(end)s") % {
            "start": self.day(start),
            "end": self.day(end),
        }

    # --- the document -----------------------------------------------------------------------

    def document(self) -> Document:
        meta = self.agreement.metadata
        version = self.gettext("Version %(version)s") % {"version": meta.version}
        return Document(
            language=self.words.language.value,
            kicker=self.gettext("Sales & Marketing service level agreement"),
            title=meta.name,
            subtitle=self.gettext("An agreement between %(parties)s")
            % {"parties": self.words.join([party.name for party in meta.parties])},
            summary=(
                Fact(self.gettext("Version"), str(meta.version)),
                Fact(self.gettext("In force"), self.period(meta.effective_from, meta.effective_to)),
                Fact(self.gettext("Next review"), self.day(self.agreement.review.next_review)),
                Fact(self.gettext("Content fingerprint"), self.fingerprint, code=True),
            ),
            contents_title=self.gettext("Contents"),
            sections=(
                self.overview(),
                self.customer(),
                self.lifecycle(),
                self.targets(),
                self.handling(),
                self.measurement(),
                self.signing(),
            ),
            running_header=f"{meta.name} · {version}",
            running_footer=self.gettext("Content fingerprint %(hash)s")
            % {"hash": self.fingerprint[:19] + "…"},
        )

    def overview(self) -> Section:
        meta = self.agreement.metadata
        marketing = self.party_of_team(PartyTeam.MARKETING)
        sales = self.party_of_team(PartyTeam.SALES)
        intro = self.gettext(
            "This agreement sets out what %(marketing)s delivers to %(sales)s and how "
            "%(sales)s follows up every lead it receives, so that both teams work towards one "
            "revenue goal. It holds %(period)s and both parties sign it."
        ) % {
            "marketing": marketing.name if marketing else EMPTY,
            "sales": sales.name if sales else EMPTY,
            "period": self.period(meta.effective_from, meta.effective_to),
        }
        parties = Table(
            caption=self.gettext("Parties"),
            columns=(
                Column(self.gettext("Party")),
                Column(self.gettext("Team")),
                Column(self.gettext("Owner")),
                Column(self.gettext("Role")),
                Column(self.gettext("E-mail")),
            ),
            rows=tuple(
                (
                    party.name,
                    self.gettext(TEAM_LABELS[party.team]),
                    party.owner,
                    party.role or EMPTY,
                    party.email or EMPTY,
                )
                for party in meta.parties
            ),
        )
        signatories = Table(
            caption=self.gettext("Signatories"),
            columns=(
                Column(self.gettext("Name")),
                Column(self.gettext("Role")),
                Column(self.gettext("Signs for")),
            ),
            rows=tuple(
                (person.name, person.role, self.party_name(person.party))
                for person in meta.signatories
            ),
        )
        facts = Facts(
            (
                Fact(self.gettext("Currency"), self.words.currency_name(meta.currency)),
                Fact(
                    self.gettext("Language"),
                    capitalized(self.words.language_name(meta.locale.value)),
                ),
            )
        )
        return Section(
            self.gettext("Parties and scope"),
            blocks=(Paragraph(intro), facts, parties, signatories),
            anchor="parties",
        )

    def customer(self) -> Section:
        profile = self.agreement.ideal_customer_profile
        company = profile.company
        blocks: list[Block] = [
            Paragraph(self.gettext("The companies both teams go after, and the people who buy.")),
            Facts(
                (
                    Fact(self.gettext("Industry"), company.industry),
                    Fact(self.gettext("Size"), company.size),
                    Fact(self.gettext("Geography"), company.geography),
                )
            ),
        ]
        for title, items in (
            (self.gettext("Challenges"), company.challenges),
            (self.gettext("Goals"), company.goals),
            (self.gettext("Competition"), profile.competition),
        ):
            if items:
                blocks.append(Bullets(tuple(items), title=title))
        personas = tuple(
            Section(
                persona.name,
                blocks=(
                    Facts(
                        (
                            Fact(self.gettext("Demographics"), persona.demographics),
                            Fact(
                                self.gettext("Role and responsibilities"),
                                persona.role_and_responsibilities,
                            ),
                        )
                    ),
                    *(
                        (Bullets(tuple(persona.priorities), title=self.gettext("Priorities")),)
                        if persona.priorities
                        else ()
                    ),
                ),
                anchor=f"persona-{index}",
            )
            for index, persona in enumerate(self.agreement.buyer_personas, start=1)
        )
        return Section(
            self.gettext("Who we sell to"),
            sections=(
                Section(self.gettext("Ideal customer profile"), tuple(blocks), anchor="icp"),
                Section(self.gettext("Buyer personas"), sections=personas, anchor="personas"),
            ),
            anchor="customer",
            new_page=True,
        )

    def lifecycle(self) -> Section:
        lifecycle = self.agreement.lifecycle
        stages = lifecycle.stages
        intro = self.gettext(
            "Every contact is in one stage at a time and moves down the funnel from %(first)s "
            "to %(last)s. The owner team answers for the contacts in its stages."
        ) % {"first": stages[0].label, "last": stages[-1].label}
        table = Table(
            caption=self.gettext("Lifecycle stages, top of the funnel first"),
            columns=(
                Column(self.gettext("Stage")),
                Column(self.gettext("Owner")),
                Column(self.gettext("Definition")),
                Column(self.gettext("Entry criteria")),
            ),
            rows=tuple(
                (
                    stage.label,
                    self.gettext(OWNER_LABELS[stage.owner]) if stage.owner else EMPTY,
                    stage.definition,
                    tuple(stage.entry_criteria) if stage.entry_criteria else EMPTY,
                )
                for stage in stages
            ),
        )
        qualification = lifecycle.qualification
        checklist = Section(
            self.gettext("Qualification checklist"),
            blocks=(
                Paragraph(
                    self.gettext(
                        "A lead becomes %(stage)s only when sales confirms every criterion below."
                    )
                    % {"stage": self.stage_label(qualification.stage)}
                ),
                Table(
                    caption="",
                    columns=(
                        Column(self.gettext("Criterion")),
                        Column(self.gettext("What sales confirms")),
                    ),
                    rows=tuple(
                        (criterion.label, criterion.description)
                        for criterion in qualification.criteria
                    ),
                ),
            ),
            anchor="qualification",
        )
        return Section(
            self.gettext("Lifecycle stages"),
            blocks=(Paragraph(intro), table),
            sections=(checklist,),
            anchor="lifecycle",
            new_page=True,
        )

    # --- plan -------------------------------------------------------------------------------

    def targets(self) -> Section:
        plan = self.plan
        tolerance = self.words.percent(plan.tolerance)
        intro = self.gettext(
            "The goal is %(goal)s of revenue %(period)s. At %(deal)s per customer that takes "
            "%(customers)s; working back through the conversion rates, every stage must deliver "
            "the volumes below. The planner computes these targets from the plan section of this "
            "agreement: they are never typed in."
        ) % {
            "goal": self.money(plan.goal),
            "period": self.period(plan.period_start, plan.period_end),
            "deal": self.money(plan.spec.deal_size),
            "customers": self.ngettext("%(count)s customer", "%(count)s customers", plan.customers),
        }
        facts = Facts(
            (
                Fact(self.gettext("Revenue goal"), self.money(plan.goal)),
                Fact(self.gettext("Average deal size"), self.money(plan.spec.deal_size)),
                Fact(self.gettext("Customers needed"), self.words.integer(plan.customers)),
                Fact(self.gettext("Period"), self.period(plan.period_start, plan.period_end)),
                Fact(
                    self.gettext("Working weeks"),
                    self.words.number(plan.working_weeks, fixed=False),
                ),
                Fact(
                    self.gettext("Monthly tolerance"),
                    self.gettext("±%(share)s: a month inside the band is on plan")
                    % {"share": tolerance},
                ),
            )
        )
        sections = [
            Section(
                self.gettext("Targets"),
                blocks=(
                    self.targets_table(plan.total, tolerance),
                    Note(
                        self.gettext(
                            "Conversion: the share of a stage that reaches the next one (the "
                            "last stage's share becomes customers). Band: the target less and "
                            "plus the tolerance. Value each: the revenue goal divided by the "
                            "people needed at the stage."
                        )
                    ),
                ),
                anchor="targets-total",
            )
        ]
        sections.extend(self.split_sections())
        capacity = self.capacity_section()
        if capacity is not None:
            sections.append(capacity)
        follow_up = self.follow_up_section()
        if follow_up is not None:
            sections.append(follow_up)
        return Section(
            self.gettext("Plan and targets"),
            blocks=(Paragraph(intro), facts),
            sections=tuple(sections),
            anchor="plan",
            new_page=True,
        )

    def targets_table(self, funnel: Funnel, tolerance: str, caption: str = "") -> Table:
        def row(stage: StageTargets) -> tuple[Cell, ...]:
            return (
                stage.label,
                self.words.percent(stage.rate),
                self.words.integer(stage.needed),
                self.words.number(stage.per_month.expected),
                self.band(stage.per_month.low, stage.per_month.high),
                self.words.number(stage.per_week.expected),
                self.band(stage.per_week.low, stage.per_week.high),
                self.money(stage.value_per_unit) if stage.value_per_unit is not None else EMPTY,
            )

        months = self.plan.months
        weeks = self.plan.working_weeks
        customers = Decimal(funnel.customers)
        return Table(
            caption=caption
            or self.gettext("%(funnel)s: needed in the period, per month and per week")
            % {"funnel": self.funnel_title(funnel)},
            columns=(
                Column(self.gettext("Stage")),
                Column(self.gettext("Conversion"), numeric=True),
                Column(self.gettext("Needed"), numeric=True),
                Column(self.gettext("Per month"), numeric=True),
                Column(self.gettext("Band ±%(share)s") % {"share": tolerance}, numeric=True),
                Column(self.gettext("Per week"), numeric=True),
                Column(self.gettext("Band ±%(share)s") % {"share": tolerance}, numeric=True),
                Column(self.gettext("Value each"), numeric=True),
            ),
            rows=tuple(row(stage) for stage in funnel.stages),
            footer=(
                self.gettext("Customers"),
                EMPTY,
                self.words.integer(funnel.customers),
                self.words.number(customers / months) if months else EMPTY,
                "",
                self.words.number(customers / weeks) if weeks else EMPTY,
                "",
                self.money(funnel.goal / customers) if customers else EMPTY,
            ),
        )

    def funnel_title(self, funnel: Funnel) -> str:
        if funnel.name == "total":
            return self.gettext("All leads")
        return funnel.label

    def split_sections(self) -> list[Section]:
        """Per revenue stream and per lead source, when the plan has them."""
        plan = self.plan
        tolerance = self.words.percent(plan.tolerance)
        sections = []
        if plan.streams:
            shares = {stream.name: stream.share for stream in plan.spec.streams}
            stream_tables: list[Block] = [
                self.targets_table(
                    funnel,
                    tolerance,
                    self.gettext("%(stream)s: %(share)s of the goal, %(goal)s")
                    % {
                        "stream": funnel.label,
                        "share": self.words.percent(shares[funnel.name]),
                        "goal": self.money(funnel.goal),
                    },
                )
                for funnel in plan.streams
            ]
            sections.append(
                Section(
                    self.gettext("Targets by revenue stream"),
                    tuple(stream_tables),
                    anchor="targets-streams",
                )
            )
        if plan.sources:
            mixes = {source.name: source.mix for source in plan.spec.sources}
            top = plan.total.top.label
            source_tables: list[Block] = [
                self.targets_table(
                    funnel,
                    tolerance,
                    self.gettext("%(source)s: %(mix)s of the %(stage)s")
                    % {
                        "source": funnel.label,
                        "mix": self.words.percent(mixes[funnel.name]),
                        "stage": top,
                    },
                )
                for funnel in plan.sources
            ]
            sections.append(
                Section(
                    self.gettext("Targets by lead source"), tuple(source_tables), anchor="sources"
                )
            )
            sections.append(self.single_source_section())
        return sections

    def single_source_section(self) -> Section:
        funnels = self.plan.single_source
        stages = funnels[0].stages if funnels else ()
        return Section(
            self.gettext("If one source brought every lead"),
            blocks=(
                Paragraph(
                    self.gettext(
                        "Sources convert differently, so the mix matters: this is what the whole "
                        "goal would need from each source alone."
                    )
                ),
                Table(
                    caption="",
                    columns=(
                        Column(self.gettext("Source")),
                        *(Column(stage.label, numeric=True) for stage in stages),
                        Column(self.gettext("Customers"), numeric=True),
                    ),
                    rows=tuple(
                        (
                            funnel.label,
                            *(self.words.integer(stage.needed) for stage in funnel.stages),
                            self.words.integer(funnel.customers),
                        )
                        for funnel in funnels
                    ),
                ),
            ),
            anchor="single-source",
        )

    def capacity_section(self) -> Section | None:
        capacity = self.plan.capacity
        if capacity is None:
            return None
        spec = capacity.capacity
        labels = {stage.name: stage.label for stage in self.plan.stages}
        mql, sql = labels.get(spec.mql_stage, spec.mql_stage), labels.get(spec.sql_stage, "")
        total = capacity.total
        text = self.ngettext(
            "The plan needs %(count)s sales rep.",
            "The plan needs %(count)s sales reps.",
            total.reps_needed_rounded,
        )
        text += " " + self.gettext("In full-time equivalents: %(exact)s.") % {
            "exact": self.words.number(total.reps_needed, 2)
        }
        mqls, sqls = spec.mqls_per_rep_week, spec.sqls_per_rep_week
        values = {
            "mqls": self.words.number(mqls or 0, fixed=False),
            "mql_stage": mql,
            "sqls": self.words.number(sqls or 0, fixed=False),
            "sql_stage": sql,
        }
        if mqls is not None and sqls is not None:
            text += (
                " "
                + self.gettext(
                    "One rep reviews %(mqls)s %(mql_stage)s and works %(sqls)s %(sql_stage)s in a "
                    "working week."
                )
                % values
            )
        elif mqls is not None:
            text += (
                " "
                + self.gettext("One rep reviews %(mqls)s %(mql_stage)s in a working week.") % values
            )
        elif sqls is not None:
            text += (
                " "
                + self.gettext("One rep works %(sqls)s %(sql_stage)s in a working week.") % values
            )

        def maybe(value: Decimal | None, digits: int = 1) -> str:
            return EMPTY if value is None else self.words.number(value, digits)

        names = {funnel.name: funnel.label for funnel in self.plan.streams}
        rows = tuple(
            (
                names.get(need.stream, need.stream),
                maybe(need.mqls_per_week),
                maybe(need.reps_for_mqls, 2),
                maybe(need.sqls_per_week),
                maybe(need.reps_for_sqls, 2),
                self.words.integer(need.reps_needed_rounded),
            )
            for need in capacity.streams
        )
        table = Table(
            caption=self.gettext("Reps needed"),
            columns=(
                Column(self.gettext("Leads")),
                Column(self.gettext("%(stage)s a week") % {"stage": mql}, numeric=True),
                Column(self.gettext("Reps to review them"), numeric=True),
                Column(self.gettext("%(stage)s a week") % {"stage": sql}, numeric=True),
                Column(self.gettext("Reps to work them"), numeric=True),
                Column(self.gettext("Reps needed"), numeric=True),
            ),
            rows=rows,
            footer=(
                self.gettext("All leads"),
                maybe(total.mqls_per_week),
                maybe(total.reps_for_mqls, 2),
                maybe(total.sqls_per_week),
                maybe(total.reps_for_sqls, 2),
                self.words.integer(total.reps_needed_rounded),
            ),
        )
        return Section(
            self.gettext("Sales capacity"),
            blocks=(Paragraph(text), table),
            anchor="capacity",
        )

    def follow_up_section(self) -> Section | None:
        follow_up = self.plan.follow_up
        if follow_up is None:
            return None
        stage = next(
            (s.label for s in self.plan.stages if s.name == follow_up.stage), follow_up.stage
        )
        budget = self.ngettext(
            "%(count)s rep with %(hours)s follow-up hours a month in all can make "
            "%(attempts)s attempts a month.",
            "%(count)s reps with %(hours)s follow-up hours a month in all can make "
            "%(attempts)s attempts a month.",
            follow_up.reps,
            hours=self.words.number(follow_up.hours_per_month, fixed=False),
            attempts=self.words.number(follow_up.attempts_per_month, fixed=False),
        )
        per_lead = self.gettext(
            "That is %(per_lead)s attempts for each of the %(leads)s %(stage)s of an average "
            "month, and %(peak)s in the busiest month."
        ) % {
            "per_lead": self.words.number(follow_up.attempts_per_lead),
            "leads": self.words.number(follow_up.leads_per_month),
            "stage": stage,
            "peak": self.words.number(follow_up.attempts_per_lead_at_peak),
        }
        yes, no = self.gettext("Yes"), self.gettext("No")
        table = Table(
            caption=self.gettext("Can the team afford the protocol?"),
            columns=(
                Column(self.gettext("Attempts per lead"), numeric=True),
                Column(self.gettext("Hours needed a month"), numeric=True),
                Column(self.gettext("Reps needed"), numeric=True),
                Column(self.gettext("Affordable")),
            ),
            rows=tuple(
                (
                    self.words.integer(check.required_attempts),
                    self.words.number(check.hours_needed_per_month),
                    self.words.number(check.reps_needed, 2),
                    yes if check.affordable else no,
                )
                for check in follow_up.protocols
            ),
        )
        blocks: list[Block] = [Paragraph(f"{budget} {per_lead}"), table]
        unaffordable = [check for check in follow_up.protocols if not check.affordable]
        if unaffordable:
            worst = unaffordable[-1]
            blocks.append(
                Note(
                    self.gettext(
                        "The team cannot yet afford %(attempts)s attempts per lead: that takes "
                        "%(reps)s reps' follow-up hours. Add hours or reps, or review the "
                        "protocol, before signing."
                    )
                    % {
                        "attempts": self.words.integer(worst.required_attempts),
                        "reps": self.words.number(worst.reps_needed, 2),
                    },
                    warning=True,
                )
            )
        return Section(self.gettext("Follow-up budget"), tuple(blocks), anchor="follow-up")

    # --- hand-off, protocol, calendar ----------------------------------------------------------

    def handling(self) -> Section:
        return Section(
            self.gettext("Hand-off and lead handling"),
            sections=(self.handoff(), self.protocol(), self.calendar()),
            anchor="handling",
            new_page=True,
        )

    def handoff(self) -> Section:
        handoff = self.agreement.handoff
        accepted = self.stage_label(self.agreement.lifecycle.qualification.stage)
        decide = self.ngettext(
            "%(count)s business hour",
            "%(count)s business hours",
            handoff.decide_within_business_hours,
        )
        rules = [
            Paragraph(
                self.gettext(
                    "Marketing hands a lead to sales when it becomes %(stage)s. Sales accepts it "
                    "(it becomes %(accepted)s) or rejects it within %(hours)s, giving one of the "
                    "reasons below."
                )
                % {"stage": self.stage_label(handoff.stage), "accepted": accepted, "hours": decide},
                emphasis=True,
            ),
            Paragraph(
                self.gettext(
                    "A recycled lead goes back to %(stage)s, where marketing nurtures it; a "
                    "disqualified lead leaves the funnel."
                )
                % {"stage": self.stage_label(handoff.recycle_to)}
            ),
        ]
        recycled = self.gettext("Recycled to %(stage)s") % {
            "stage": self.stage_label(handoff.recycle_to)
        }
        outcome = {RejectionRoute.RECYCLE: recycled, RejectionRoute.DISQUALIFY: ""}
        outcome[RejectionRoute.DISQUALIFY] = self.gettext("Disqualified")
        table = Table(
            caption=self.gettext("Rejection reasons"),
            columns=(
                Column(self.gettext("Reason")),
                Column(self.gettext("Code")),
                Column(self.gettext("What happens to the lead")),
            ),
            rows=tuple(
                (reason.label, reason.code, outcome[reason.route])
                for reason in handoff.rejection_reasons
            ),
        )
        return Section(self.gettext("Hand-off"), (*rules, table), anchor="handoff")

    def protocol_sentences(self) -> list[str]:
        """The lead-handling protocol in plain words, one sentence per commitment."""
        protocol = self.agreement.protocol
        first = self.ngettext(
            "Sales makes the first touch within %(count)s business hour of the hand-off.",
            "Sales makes the first touch within %(count)s business hours of the hand-off.",
            protocol.first_touch_within_business_hours,
        )
        steps = []
        for index, step in enumerate(protocol.follow_up_cadence):
            within = self.ngettext(
                "within %(count)s day", "within %(count)s days", step.within_days
            )
            if index == 0:
                touches = self.ngettext("%(count)s touch", "%(count)s touches", step.touches)
            else:
                touches = self.words.integer(step.touches)
            steps.append(
                self.gettext("%(touches)s %(within)s")
                % {
                    "touches": touches,
                    "within": within,
                }
            )
        cadence = self.gettext("Then at least %(steps)s.") % {"steps": self.words.join(steps)}
        kinds = self.words.join(
            [self.gettext(TOUCH_LABELS[kind]) for kind in protocol.counting_touch_types]
        )
        counting = capitalized(
            self.gettext("%(kinds)s count; automated emails and sequences do not.")
            % {"kinds": kinds}
        )
        return [first, cadence, counting]

    def protocol(self) -> Section:
        protocol = self.agreement.protocol
        first, cadence, counting = self.protocol_sentences()
        rows: list[tuple[Cell, ...]] = [
            (
                self.gettext("First touch"),
                self.ngettext(
                    "within %(count)s business hour of the hand-off",
                    "within %(count)s business hours of the hand-off",
                    protocol.first_touch_within_business_hours,
                ),
            )
        ]
        for step in protocol.follow_up_cadence:
            rows.append(
                (
                    self.gettext("By day %(day)s") % {"day": self.words.integer(step.within_days)},
                    self.ngettext(
                        "at least %(count)s touch", "at least %(count)s touches", step.touches
                    ),
                )
            )
        table = Table(
            caption=self.gettext("Follow-up commitments"),
            columns=(Column(self.gettext("When")), Column(self.gettext("Sales commits to"))),
            rows=tuple(rows),
        )
        note = Note(
            self.gettext(
                "Touches are counted from the hand-off and add up: the touches of the first two "
                "weeks count towards the later windows too. Days are calendar days; the first "
                "touch is measured in business hours (see the business calendar)."
            )
        )
        return Section(
            self.gettext("Lead-handling protocol"),
            blocks=(Paragraph(f"{first} {cadence} {counting}", emphasis=True), table, note),
            anchor="protocol",
        )

    def weekday(self, day: Weekday) -> str:
        return self.words.weekday(day.number)

    def working_days(self, days: tuple[Weekday, ...]) -> str:
        """Runs of consecutive days as ranges: 'Monday to Friday', 'Monday, Wednesday'."""
        numbers = sorted({day.number for day in days})
        runs: list[list[int]] = []
        for number in numbers:
            if runs and runs[-1][-1] == number - 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(
                    self.gettext("%(first)s to %(last)s")
                    % {"first": self.words.weekday(run[0]), "last": self.words.weekday(run[-1])}
                )
            else:
                parts.extend(self.words.weekday(number) for number in run)
        return self.words.join(parts)

    def hours(self, intervals: Iterable[str]) -> str:
        return self.words.join([interval.replace("-", DASH) for interval in intervals])

    def holiday_region(self) -> str | None:
        holidays = self.agreement.calendar.public_holidays
        if holidays is None:
            return None
        country = self.words.country(holidays.country)
        if holidays.subdivision is None:
            return country
        return f"{country}, {subdivision_name(holidays.country, holidays.subdivision)}"

    def calendar(self) -> Section:
        spec = self.agreement.calendar
        days = self.working_days(spec.working_days)
        hours = self.hours(spec.working_hours)
        region = self.holiday_region()
        values = {"zone": spec.timezone, "days": days, "hours": hours, "region": region}
        if region is not None:
            words = self.gettext(
                "Business time runs in the %(zone)s time zone, %(days)s, %(hours)s. Public "
                "holidays (%(region)s) and the company's own closed dates are not business time."
            )
        else:
            words = self.gettext(
                "Business time runs in the %(zone)s time zone, %(days)s, %(hours)s. The "
                "company's own closed dates are not business time."
            )
        facts = [
            Fact(self.gettext("Time zone"), spec.timezone),
            Fact(self.gettext("Working days"), capitalized(days)),
            Fact(self.gettext("Working hours"), hours),
        ]
        for day, intervals in spec.hours_by_day.items():
            if day in spec.working_days:
                facts.append(
                    Fact(
                        self.gettext("Hours on %(day)s") % {"day": self.weekday(day)},
                        self.hours(intervals),
                    )
                )
        if region is not None:
            facts.append(Fact(self.gettext("Public holidays"), region))
        if spec.closed_dates:
            facts.append(Fact(self.gettext("Also closed"), self.dates(spec.closed_dates)))
        if spec.worked_holidays:
            facts.append(Fact(self.gettext("Holidays worked"), self.dates(spec.worked_holidays)))
        return Section(
            self.gettext("Business calendar"),
            blocks=(Paragraph(words % values), Facts(tuple(facts))),
            anchor="calendar",
        )

    def dates(self, days: Iterable[date]) -> str:
        return self.words.join([self.words.date(day, "medium") for day in sorted(days)])

    # --- KPIs, review, alerts ---------------------------------------------------------------

    def threshold(self, kpi: Kpi) -> str:
        definition = kpi.definition
        value = kpi.threshold
        if definition.unit is KpiUnit.SHARE:
            shown = self.words.percent(value)
        elif definition.unit is KpiUnit.BUSINESS_HOURS:
            shown = self.ngettext("%(count)s business hour", "%(count)s business hours", value)
        elif definition.unit is KpiUnit.TOUCHES:
            shown = self.ngettext("%(count)s touch", "%(count)s touches", value)
        else:
            shown = self.money(value)
        if definition.comparison is Comparison.AT_LEAST:
            return self.gettext("at least %(value)s") % {"value": shown}
        return self.gettext("at most %(value)s") % {"value": shown}

    def measurement(self) -> Section:
        kpis = self.agreement.kpis
        kpi_blocks: list[Block] = [
            Paragraph(
                self.gettext(
                    "Checked every month. A KPI on the wrong side of its threshold is a miss, "
                    "and the people listed are told."
                )
            )
        ]
        if kpis:
            kpi_blocks.append(
                Table(
                    caption="",
                    columns=(
                        Column(self.gettext("KPI")),
                        Column(self.gettext("What it measures")),
                        Column(self.gettext("Threshold")),
                        Column(self.gettext("Told of a miss")),
                    ),
                    rows=tuple(
                        (
                            self.gettext(KPI_LABELS[kpi.metric][0]),
                            self.gettext(KPI_LABELS[kpi.metric][1]),
                            self.threshold(kpi),
                            capitalized(self.recipients(kpi.notify)),
                        )
                        for kpi in kpis
                    ),
                )
            )
        else:
            kpi_blocks.append(Note(self.gettext("This agreement watches no KPI yet.")))
        review = self.agreement.review
        review_text = self.ngettext(
            "The agreement is reviewed every month with the actual data, and a new version "
            "is signed.",
            "The agreement is reviewed every %(count)s months with the actual data, and a new "
            "version is signed.",
            review.every_months,
        )
        next_review = self.gettext("Next review: %(date)s.") % {
            "date": self.day(review.next_review)
        }
        return Section(
            self.gettext("KPIs, review and alerts"),
            sections=(
                Section(self.gettext("KPIs"), tuple(kpi_blocks), anchor="kpis"),
                Section(
                    self.gettext("Review"),
                    (Paragraph(f"{review_text} {next_review}"),),
                    anchor="review",
                ),
                Section(self.gettext("Alerts"), (self.alerts(),), anchor="alerts"),
            ),
            anchor="measurement",
            new_page=True,
        )

    def alerts(self) -> Table:
        alerts = self.agreement.alerts
        escalation = alerts.escalation
        rows: list[tuple[Cell, ...]] = [
            (
                self.gettext("At risk"),
                self.gettext("%(share)s of a window has passed without the commitment met")
                % {"share": self.words.percent(alerts.at_risk_share)},
                capitalized(self.recipients(alerts.at_risk)),
            ),
            (
                self.gettext("Breach"),
                self.gettext("A window ended without the commitment met"),
                capitalized(self.recipients(alerts.breach)),
            ),
            (
                self.gettext("Escalation"),
                self.ngettext(
                    "A breach is still open %(count)s business hour later",
                    "A breach is still open %(count)s business hours later",
                    escalation.after_business_hours,
                ),
                capitalized(self.recipients(escalation.to)),
            ),
        ]
        digest = alerts.daily_digest
        if digest.enabled:
            rows.append(
                (
                    self.gettext("Daily digest"),
                    self.gettext("Every day at %(time)s (%(zone)s)")
                    % {
                        "time": self.words.time(digest.at),
                        "zone": self.agreement.calendar.timezone,
                    },
                    capitalized(self.recipients(digest.recipients)),
                )
            )
        return Table(
            caption="",
            columns=(
                Column(self.gettext("Alert")),
                Column(self.gettext("When")),
                Column(self.gettext("Who is told")),
            ),
            rows=tuple(rows),
        )

    # --- signatures -------------------------------------------------------------------------

    def signing(self) -> Section:
        statuses = signature_statuses(self.agreement)
        blocks: list[Block] = [
            Paragraph(
                self.gettext(
                    "By signing, each party agrees to this version of the agreement. A signature "
                    "recorded with funnelpact is bound to the content fingerprint below; any later "
                    "change of content means it no longer matches and must be renewed."
                )
            ),
            Facts((Fact(self.gettext("Content fingerprint"), self.fingerprint, code=True),)),
        ]
        stale = [status.name for status in statuses if status.signature and not status.matches]
        if stale:
            blocks.append(
                Note(
                    self.gettext(
                        "The document changed after %(names)s signed: those signatures no "
                        "longer match and must be renewed."
                    )
                    % {"names": self.words.join(stale)},
                    warning=True,
                )
            )
        blocks.append(
            Signatures(
                blocks=tuple(self.signature_block(status) for status in statuses),
                signature_label=self.gettext("Signature"),
                date_label=self.gettext("Date"),
                status_label=self.gettext("Content fingerprint"),
                signed_label=self.gettext("Signed"),
            )
        )
        return Section(
            self.gettext("Signatures"), tuple(blocks), anchor="signatures", new_page=True
        )

    def signature_block(self, status: SignatureStatus) -> SignatureBlock:
        party = self.party_name(status.party)
        if status.signature is None:
            return SignatureBlock(status.name, status.role, party, SignatureState.UNSIGNED)
        return SignatureBlock(
            status.name,
            status.role,
            party,
            SignatureState.VALID if status.matches else SignatureState.STALE,
            status=self.gettext("valid") if status.matches else self.gettext("no longer matches"),
            signed_at=self.words.datetime(status.signature.signed_at),
        )


def subdivision_name(country: str, code: str) -> str:
    """'ES', 'MD' -> 'Madrid' (the holidays package's first name for it), else the code."""
    try:
        aliases: dict[str, str] = holidays.country_holidays(country).subdivisions_aliases
    except (NotImplementedError, AttributeError):
        return code
    return next((name for name, alias in aliases.items() if alias == code), code)


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def agreement_document(agreement: Agreement, plan: Plan, language: Language) -> Document:
    """The agreement as a `Document` in ``language``; ``plan`` is `build_plan` of its plan."""
    return _AgreementWriter(agreement, plan, localizer(language)).document()


def render_agreement(
    agreement: Agreement, output_format: OutputFormat, language: Language | None = None
) -> str | bytes:
    """The agreement in ``output_format`` (PDF as bytes), in its own language unless told.

    The targets come from `build_plan` of the agreement's plan, so the document shows exactly
    the numbers `funnelpact plan` prints for the same file.
    """
    chosen = language or Language(agreement.metadata.locale.value)
    document = agreement_document(agreement, build_plan(agreement.plan_spec()), chosen)
    if output_format is OutputFormat.MD:
        return render_markdown(document, "agreement.md.j2")
    html = render_html(document, "agreement.html.j2")
    if output_format is OutputFormat.PDF:
        return html_to_pdf(html)
    return html


def blocking_issues(issues: list[Issue]) -> list[Issue]:
    """The errors that stop rendering: all but stale signatures, which the document shows."""
    return [
        issue
        for issue in issues
        if issue.level is Level.ERROR and issue.code != SignatureMatchesRule.code
    ]


def render_agreement_file(
    path: Path,
    output_format: OutputFormat,
    *,
    language: Language | None = None,
    output: Path | None = None,
    today: date | None = None,
) -> None:
    """Read, check and render an agreement file to ``output`` (atomically) or standard output.

    Raises `DomainError` with every located error when the file is not valid: nothing is
    written then. A signature that no longer matches does not block: the document says so.
    """
    check_destination(output_format, output)
    loaded = check_agreement_file(path, today)
    errors = blocking_issues(loaded.issues)
    if errors or loaded.agreement is None:
        raise DomainError(
            errors or [issue for issue in loaded.issues if issue.level is Level.ERROR]
        )
    emit(render_agreement(loaded.agreement, output_format, language), output)
