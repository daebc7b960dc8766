"""Demo journeys: realistic B2B funnel histories, deterministic by seed, one contact at a time.

`generate(scenario, seed, end, contacts=N)` yields canonical records: first the teams, reps and
campaigns, then each contact with everything that happened to it (stage changes, owner changes,
touches, the hand-off decision, the deal), so a consumer never holds more than one journey.
`generate_journeys` yields the same data grouped per contact (`Journey`), which the HubSpot writer
needs to write one contact row with its "Became a ... Date" columns.

Nothing reads the clock or the global `random`: the same scenario, seed, end and size give the
same records. Everything after `end` is cut off, so the data ends "now" with open work in flight:
MQLs waiting for a first touch, some at risk, some breached, open deals.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from funnelpact.demo.names import (
    COMPANY_FORMS,
    COMPANY_STEMS,
    COMPANY_TAILS,
    EMAIL_TLDS,
    FIRST_NAMES,
    FREE_MAIL,
    LAST_NAMES,
    ascii_slug,
)
from funnelpact.demo.scenario import (
    Campaign,
    ContentKind,
    LeadSource,
    RepProfile,
    RevenueStream,
    Scenario,
    Stage,
    TeamSpec,
)
from funnelpact.demo.worktime import WorkingTime
from funnelpact.domain.records import (
    Campaign as CampaignRecord,
)
from funnelpact.domain.records import (
    CampaignMember,
    Contact,
    Deal,
    DealStageChange,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Team,
    TeamKind,
    Touch,
    TouchType,
)

T = TypeVar("T")

# A fixed default so that output never depends on the day it is made; the demo passes its own.
DEFAULT_END = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 17:00 in Madrid

FIRST_CONTACT_ID = 100_001
FIRST_DEAL_ID = 7_000_001
FIRST_TOUCH_ID = 30_000_001
FIRST_OWNER_ID = 51_000_001

STAGE_ORDER = tuple(Stage)


class DealStage:
    """HubSpot's default sales pipeline stage ids, in order (the canonical `Deal.stage`)."""

    APPOINTMENT = "appointmentscheduled"
    QUALIFIED = "qualifiedtobuy"
    PRESENTATION = "presentationscheduled"
    DECISION_MAKER = "decisionmakerboughtin"
    CONTRACT = "contractsent"
    WON = "closedwon"
    LOST = "closedlost"
    OPEN = (APPOINTMENT, QUALIFIED, PRESENTATION, DECISION_MAKER, CONTRACT)


class LeadStatus:
    """HubSpot lead status values the demo uses."""

    NEW = "NEW"
    ATTEMPTED = "ATTEMPTED_TO_CONTACT"
    CONNECTED = "CONNECTED"
    IN_PROGRESS = "IN_PROGRESS"
    OPEN_DEAL = "OPEN_DEAL"
    UNQUALIFIED = "UNQUALIFIED"
    BAD_TIMING = "BAD_TIMING"


@dataclass(frozen=True, slots=True)
class Journey:
    """One contact row and everything that happened to it up to the end date, in time order."""

    contact: Contact
    source_key: str
    stages: tuple[StageChange, ...]
    owner_changes: tuple[OwnerChange, ...]
    touches: tuple[Touch, ...]
    decision: HandoffDecision | None = None
    deal: Deal | None = None
    deal_stages: tuple[DealStageChange, ...] = ()
    campaign_member: CampaignMember | None = None
    duplicate_of: Ref | None = None  # set on the extra row of a person seen twice
    repeat_row: bool = False  # the raw export holds this contact row twice

    def record_count(self) -> int:
        return (
            1
            + self.repeat_row
            + len(self.stages)
            + len(self.owner_changes)
            + (self.campaign_member is not None)
            + len(self.touches)
            + (self.decision is not None)
            + (self.deal is not None)
            + len(self.deal_stages)
        )

    def records(self) -> Iterator[Record]:
        yield self.contact
        if self.repeat_row:
            yield self.contact
        yield from self.stages
        yield from self.owner_changes
        if self.campaign_member is not None:
            yield self.campaign_member
        yield from self.touches
        if self.decision is not None:
            yield self.decision
        if self.deal is not None:
            yield self.deal
        yield from self.deal_stages


@dataclass(frozen=True, slots=True)
class Organisation:
    """The teams, owners and campaigns of the scenario, as canonical records and lookups."""

    teams: tuple[Team, ...]
    reps: tuple[Rep, ...]
    campaigns: tuple[CampaignRecord, ...]
    rep_refs: dict[str, Ref]  # scenario rep key -> owner ref
    rep_names: dict[Ref, str]  # owner ref -> display name (HubSpot's "Contact owner")
    rep_teams: dict[Ref, str]

    def records(self) -> Iterator[Record]:
        yield from self.teams
        yield from self.reps
        yield from self.campaigns


def organisation(scenario: Scenario, end: datetime, system: System = System.DEMO) -> Organisation:
    """Teams, reps (HubSpot-like numeric owner ids) and campaigns of a scenario."""
    teams: list[Team] = []
    reps: list[Rep] = []
    rep_refs: dict[str, Ref] = {}
    owner_id = itertools.count(FIRST_OWNER_ID)
    for spec, kind in [(scenario.marketing, TeamKind.MARKETING)] + [
        (team, TeamKind.SALES) for team in scenario.sales_teams
    ]:
        manager_ref = Ref(system, str(next(owner_id)))
        rep_refs[spec.manager.key] = manager_ref
        teams.append(Team(name=spec.name, kind=kind, manager=manager_ref))
        reps.append(_rep_record(scenario, spec.manager, manager_ref, spec.name, None))
        for member in spec.members:
            ref = Ref(system, str(next(owner_id)))
            rep_refs[member.key] = ref
            reps.append(_rep_record(scenario, member, ref, spec.name, manager_ref))
    campaigns = tuple(
        CampaignRecord(
            ref=Ref(system, campaign.key),
            name=campaign.name,
            channel=campaign.channel,
            started_at=_minute(end - timedelta(days=campaign.started_days_ago)),
        )
        for campaign in scenario.campaigns
    )
    return Organisation(
        teams=tuple(teams),
        reps=tuple(reps),
        campaigns=campaigns,
        rep_refs=rep_refs,
        rep_names={rep.ref: rep.name for rep in reps},
        rep_teams={rep.ref: rep.team for rep in reps},
    )


def _rep_record(
    scenario: Scenario, profile: RepProfile, ref: Ref, team: str, manager: Ref | None
) -> Rep:
    local = f"{ascii_slug(profile.first_name)}.{ascii_slug(profile.last_name)}"
    return Rep(
        ref=ref,
        name=profile.name,
        email=f"{local}@{scenario.email_domain}",
        team=team,
        manager=manager,
    )


def generate(
    scenario: Scenario,
    seed: int,
    end: datetime = DEFAULT_END,
    *,
    contacts: int = 1000,
    system: System = System.DEMO,
) -> Iterator[Record]:
    """Every record of the demo company: organisation first, then one journey after another."""
    org = organisation(scenario, end, system)
    yield from org.records()
    for journey in generate_journeys(
        scenario, seed, end, contacts=contacts, system=system, org=org
    ):
        yield from journey.records()


def generate_journeys(
    scenario: Scenario,
    seed: int,
    end: datetime = DEFAULT_END,
    *,
    contacts: int = 1000,
    system: System = System.DEMO,
    org: Organisation | None = None,
) -> Iterator[Journey]:
    """`contacts` people's journeys (plus the duplicate rows some of them get), oldest first."""
    if end.tzinfo is None:
        raise ValueError("end must be an aware datetime (UTC or with a time zone)")
    if contacts < 0:
        raise ValueError("contacts must be zero or more")
    end = end.astimezone(UTC)
    builder = _Builder(
        scenario,
        random.Random(seed),
        end,
        system,
        org or organisation(scenario, end, system),
        contacts,
    )
    yield from builder.run(contacts)


def _minute(instant: datetime) -> datetime:
    """Whole minutes: what a HubSpot export can say, so a CSV round trip loses nothing."""
    return instant.replace(second=0, microsecond=0)


class _Weighted(Generic[T]):
    """A weighted choice over a fixed population, with precomputed cumulative weights."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


PAGES = (
    "/",
    "/producto",
    "/precios",
    "/precios",
    "/casos-de-exito",
    "/integraciones/hubspot",
    "/blog/sla-ventas-marketing",
    "/blog/lead-scoring",
    "/blog/embudo-inverso",
    "/demo",
    "/recursos",
    "/sobre-nosotros",
    "/seguridad",
)
EMAIL_SUBJECTS = (
    "Siguiendo con tu solicitud",
    "¿Hablamos 15 minutos?",
    "Caso de éxito de tu sector",
    "Re: tu prueba gratuita",
    "Propuesta de agenda",
    "Ti scrivo per la tua richiesta",
    "Quick follow-up",
    "Recursos que pediste",
)
SEQUENCE_SUBJECTS = ("Gracias por tu interés", "¿Te viene bien esta semana?", "Último intento")
NURTURE_SUBJECTS = (
    "Newsletter: novedades del mes",
    "5 métricas de tu embudo",
    "Invitación al webinar",
    "Plantilla de SLA descargable",
    "Caso práctico: +32% de MQL a SQL",
)
REJECTION_NOTES = {
    "not_icp": "Empresa fuera del perfil de cliente ideal",
    "no_authority": "No decide; no nos presenta a quien decide",
    "no_need": "Ya lo tienen resuelto con su ERP",
    "bad_timing": "Interesado, pero sin presupuesto hasta el próximo trimestre",
    "unreachable": "Teléfono y correo no válidos",
}
_MINUTES = tuple(timedelta(minutes=n) for n in range(5))
LIVE_PROFILES = ((1.0, 10.0), (16.0, 23.0), (26.0, 60.0))  # waiting, at risk, breached (bus. hours)


@dataclass(slots=True)
class _Draft:
    """A journey being planned; events after the end date are dropped when it is finished."""

    ref: Ref
    created_at: datetime
    source: LeadSource
    stream: RevenueStream
    campaign: Campaign | None
    first_name: str
    company: str
    stages: list[tuple[datetime, Stage]] = field(default_factory=list)
    owners: list[tuple[datetime, Ref]] = field(default_factory=list)
    statuses: list[tuple[datetime, str]] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    decision: HandoffDecision | None = None
    deal: Deal | None = None
    deal_stages: list[DealStageChange] = field(default_factory=list)


class _Builder:
    def __init__(
        self,
        scenario: Scenario,
        rng: random.Random,
        end: datetime,
        system: System,
        org: Organisation,
        contacts: int,
    ) -> None:
        self.scenario = scenario
        self.rng = rng
        self.end = _minute(end)
        self.system = system
        self.org = org
        self.work = WorkingTime(scenario.calendar)
        self.start = self.end - timedelta(days=scenario.history_days)
        self.contact_ids = itertools.count(FIRST_CONTACT_ID)
        self.deal_ids = itertools.count(FIRST_DEAL_ID)
        self.touch_ids = itertools.count(FIRST_TOUCH_ID)
        self.sources: _Weighted[LeadSource] = _Weighted(
            scenario.sources, [source.weight for source in scenario.sources]
        )
        self.campaigns: dict[str, _Weighted[Campaign]] = {}
        for source in scenario.sources:
            own = [campaign for campaign in scenario.campaigns if campaign.source == source.key]
            if own:
                self.campaigns[source.key] = _Weighted(own, [c.weight for c in own])
        self.streams = {
            source.key: _Weighted(
                [scenario.stream(key) for key in source.stream_weights],
                list(source.stream_weights.values()),
            )
            for source in scenario.sources
        }
        self.reasons = {
            source.key: _Weighted(
                list(source.rejection_weights), list(source.rejection_weights.values())
            )
            for source in scenario.sources
        }
        self.assignees: dict[str, _Weighted[RepProfile]] = {}
        self.profiles: dict[Ref, RepProfile] = {}
        for team in scenario.sales_teams:
            takers = [member for member in team.members if member.assignment_weight > 0]
            self.assignees[team.stream] = _Weighted(
                takers, [member.assignment_weight for member in takers]
            )
            for member in (team.manager, *team.members):
                self.profiles[org.rep_refs[member.key]] = member
        self.company_pool = max(40, contacts // 3)
        self.campaign_refs = {c.key: Ref(system, c.key) for c in scenario.campaigns}

    # --- the timeline -------------------------------------------------------------------

    def run(self, contacts: int) -> Iterator[Journey]:
        live = 0
        if contacts >= 20:
            live = min(contacts // 4, max(3, round(contacts * self.scenario.live_share)))
        days = [
            self.start.date() + timedelta(days=offset)
            for offset in range((self.end.date() - self.start.date()).days + 1)
        ]
        weights = [
            self._day_weight(day, index / max(1, len(days) - 1)) for index, day in enumerate(days)
        ]
        total = sum(weights)
        regular = contacts - live
        allocated = 0
        running = 0.0
        for day, weight in zip(days, weights, strict=True):
            running += weight
            upto = round(regular * running / total)
            count, allocated = upto - allocated, upto
            if count:
                yield from self._day(day, count)
        for index in range(live):
            yield from self._live(index)

    def _day_weight(self, day: date, progress: float) -> float:
        weight = 1.0 + self.scenario.growth * progress
        if day.weekday() >= 5:
            weight *= 0.25
        elif self.work.is_holiday(day):
            weight *= 0.4
        if day.month == 8:  # Spain and Italy slow down in August
            weight *= 0.55
        return weight

    def _day(self, day: date, count: int) -> Iterator[Journey]:
        rng = self.rng
        arrivals: list[tuple[datetime, LeadSource]] = []
        for _ in range(count):
            source: LeadSource = self.sources.pick(rng)
            arrivals.append((self._arrival(day, source), source))
        arrivals.sort(key=lambda item: item[0])
        for created_at, source in arrivals:
            yield from self._person(created_at, source, None)

    def _arrival(self, day: date, source: LeadSource) -> datetime:
        rng = self.rng
        if source.inbound or not self.work.is_working_day(day):
            # Forms arrive at any hour, mostly by day (triangular peak mid-morning).
            minutes = int(rng.triangular(6 * 60, 24 * 60 - 1, 11 * 60))
            when = self.work.local_moment(day, minutes)
        else:
            when = self.work.moment_on(day, rng)
        if when > self.end:
            when = self.end - timedelta(minutes=rng.randrange(1, 240))
        return _minute(max(when, self.start))

    def _live(self, index: int) -> Iterator[Journey]:
        """An MQL assigned just before the end, not touched yet: waiting, at risk or breached."""
        rng = self.rng
        low, high = LIVE_PROFILES[index % len(LIVE_PROFILES)]
        mql_at = self._hours_before_end(rng.uniform(low, high))
        inbound = [source for source in self.scenario.sources if source.inbound]
        source = inbound[index % len(inbound)] if inbound else self.scenario.sources[0]
        created_at = _minute(max(self.start, mql_at - timedelta(days=rng.expovariate(1 / 5))))
        yield from self._person(created_at, source, mql_at)

    def _hours_before_end(self, hours: float) -> datetime:
        """The working moment `hours` of working time before the end date (minute precision)."""
        low = self.end - timedelta(hours=hours * 3 + 24 * 14)
        high = self.end
        for _ in range(40):  # bisection: add_hours is monotonic in its start
            middle = low + (high - low) / 2
            if self.work.add_hours(middle, hours) < self.end:
                low = middle
            else:
                high = middle
        return _minute(high)

    # --- one person ---------------------------------------------------------------------

    def _person(
        self, created_at: datetime, source: LeadSource, forced_mql: datetime | None
    ) -> Iterator[Journey]:
        rng = self.rng
        number = next(self.contact_ids)
        stream: RevenueStream = self.streams[source.key].pick(rng)
        campaign: Campaign | None = None
        if source.key in self.campaigns and rng.random() < source.campaign_share:
            campaign = self.campaigns[source.key].pick(rng)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, domain = self._company(rng.randrange(self.company_pool))
        draft = _Draft(
            ref=Ref(self.system, str(number)),
            created_at=created_at,
            source=source,
            stream=stream,
            campaign=campaign,
            first_name=first,
            company=company,
        )
        email = self._email(first, last, number, domain, source)
        self._plan(draft, forced_mql)
        journey = self._finish(draft, first, last, company, email)
        yield journey
        if rng.random() < self.scenario.duplicate_share:
            yield self._duplicate(journey, first, last, company, email)

    def _company(self, index: int) -> tuple[str, str]:
        stem = COMPANY_STEMS[index % len(COMPANY_STEMS)]
        tail = COMPANY_TAILS[(index // len(COMPANY_STEMS)) % len(COMPANY_TAILS)]
        form = COMPANY_FORMS[index % len(COMPANY_FORMS)]
        tld = EMAIL_TLDS[index % len(EMAIL_TLDS)]
        name = f"{stem} {tail} {form}".strip()
        return name, f"{ascii_slug(stem)}{ascii_slug(tail)}{tld}"

    def _email(self, first: str, last: str, number: int, domain: str, source: LeadSource) -> str:
        rng = self.rng
        first_slug, last_slug = ascii_slug(first), ascii_slug(last)
        if source.inbound and rng.random() < 0.06:
            domain = rng.choice(FREE_MAIL)
        # The contact number keeps addresses unique: an accidental clash would merge two people.
        pattern = rng.randrange(3)
        if pattern == 0:
            local = f"{first_slug}.{last_slug}{number}"
        elif pattern == 1:
            local = f"{first_slug[0]}{last_slug}{number}"
        else:
            local = f"{first_slug}{number}"
        return f"{local}@{domain}"

    def _touch(
        self,
        draft: _Draft,
        kind: TouchType,
        when: datetime,
        *,
        direction: Direction = Direction.OUTBOUND,
        rep: Ref | None = None,
        automated: bool = False,
        subject: str = "",
        content: str = "",
    ) -> None:
        draft.touches.append(
            Touch(
                ref=Ref(self.system, str(next(self.touch_ids))),
                contact=draft.ref,
                type=kind,
                occurred_at=_minute(when),
                direction=direction,
                rep=rep,
                automated=automated,
                subject=subject,
                campaign=draft.campaign.key if draft.campaign else "",
                content=content,
            )
        )

    def _pages(self, draft: _Draft, around: datetime, count: int) -> None:
        """A browsing session: `count` page views in the minutes before `around`."""
        # The hottest loop of the generator: plain floats instead of randrange, records built
        # directly, and whole-minute steps from a whole-minute start.
        draw = self.rng.random
        when = _minute(around) - timedelta(minutes=2 + int(draw() * (2 + 3 * count)))
        campaign = draft.campaign.key if draft.campaign else ""
        touches, system, contact = draft.touches, self.system, draft.ref
        for _ in range(count):
            touches.append(
                Touch(
                    ref=Ref(system, str(next(self.touch_ids))),
                    contact=contact,
                    type=TouchType.PAGE_VIEW,
                    occurred_at=when,
                    direction=Direction.INBOUND,
                    campaign=campaign,
                    content=PAGES[int(draw() * len(PAGES))],
                )
            )
            when += _MINUTES[1 + int(draw() * 3)]

    def _conversion(self, draft: _Draft, when: datetime, demo_request: bool) -> None:
        """The form (or download) that made the contact move on, with the pages before it."""
        campaign = draft.campaign
        self._pages(draft, when, 1 + self.rng.randrange(4))
        if demo_request or campaign is None:
            self._touch(
                draft,
                TouchType.FORM_SUBMISSION,
                when,
                direction=Direction.INBOUND,
                content="/demo" if demo_request else "/contacto",
            )
        elif campaign.content_kind is ContentKind.EBOOK:
            self._touch(
                draft,
                TouchType.CONTENT_DOWNLOAD,
                when,
                direction=Direction.INBOUND,
                content=campaign.content,
            )
        else:
            self._touch(
                draft,
                TouchType.FORM_SUBMISSION,
                when,
                direction=Direction.INBOUND,
                content=campaign.content or "/contacto",
            )

    def _plan(self, draft: _Draft, forced_mql: datetime | None) -> None:
        rng = self.rng
        source, rates = draft.source, draft.source.rates
        created = draft.created_at
        starts_as_subscriber = forced_mql is None and rng.random() < rates.subscriber_share
        draft.stages.append((created, Stage.SUBSCRIBER if starts_as_subscriber else Stage.LEAD))
        live_content = (ContentKind.WEBINAR, ContentKind.EVENT)
        if source.inbound or (draft.campaign and draft.campaign.content_kind in live_content):
            self._conversion(draft, created, demo_request=False)
        lead_at: datetime | None = created
        if starts_as_subscriber:
            lead_at = None
            if rng.random() < rates.subscriber_to_lead:
                lead_at = _minute(
                    created + timedelta(days=rng.expovariate(1 / source.lags.subscriber_to_lead))
                )
                draft.stages.append((lead_at, Stage.LEAD))
                self._conversion(draft, lead_at, demo_request=False)
        mql_at: datetime | None = forced_mql
        if mql_at is None and lead_at is not None:
            multiplier = draft.campaign.mql_multiplier if draft.campaign else 1.0
            if rng.random() < min(0.97, rates.lead_to_mql * multiplier):
                mql_at = _minute(
                    lead_at
                    + timedelta(minutes=10 + rng.expovariate(1 / source.lags.lead_to_mql) * 1440)
                )
        self._nurture(draft, created, until=mql_at)
        if mql_at is not None:
            draft.stages.append((mql_at, Stage.MQL))
            if source.inbound or rng.random() < 0.5:
                self._conversion(draft, mql_at, demo_request=rng.random() < 0.5)
            self._handoff(draft, mql_at, hold=forced_mql is not None)
        draft.statuses.insert(0, (created, LeadStatus.NEW))
        self._revisits(draft)

    def _nurture(self, draft: _Draft, since: datetime, until: datetime | None) -> None:
        """Marketing's automated emails to a lead not yet handed to sales (never a sales touch)."""
        rng = self.rng
        when = since
        for step in range(self.scenario.nurture_emails):
            when = when + timedelta(days=3 + rng.randrange(5), minutes=rng.randrange(600))
            if until is not None and when >= until:
                return
            self._touch(
                draft,
                TouchType.EMAIL,
                when,
                automated=True,
                subject=NURTURE_SUBJECTS[step % len(NURTURE_SUBJECTS)],
            )

    def _revisits(self, draft: _Draft) -> None:
        """Sessions of the contact coming back to the site: re-engagement signals."""
        rng = self.rng
        extra = self.scenario.page_views_per_contact - sum(
            1 for touch in draft.touches if touch.type is TouchType.PAGE_VIEW
        )
        horizon = (self.end - draft.created_at).total_seconds()
        while extra > 0 and horizon > 0:
            count = 1 + rng.randrange(4)
            when = draft.created_at + timedelta(seconds=rng.random() * horizon)
            self._pages(draft, when, count)
            extra -= count
            if rng.random() < 0.08:  # now and then a revisit ends with a download
                self._touch(
                    draft,
                    TouchType.CONTENT_DOWNLOAD,
                    when,
                    direction=Direction.INBOUND,
                    content="/recursos/informe-benchmark-2026.pdf",
                )

    def _assign(self, draft: _Draft) -> RepProfile:
        team: TeamSpec = self.scenario.team_for(draft.stream.key)
        profile: RepProfile = self.assignees[team.stream].pick(self.rng)
        return profile

    def _handoff(self, draft: _Draft, mql_at: datetime, *, hold: bool) -> None:
        """Assignment, first touch, the accept/reject decision and the follow-up that follows."""
        rng = self.rng
        profile = self._assign(draft)
        rep = self.org.rep_refs[profile.key]
        assigned_at = _minute(mql_at + timedelta(minutes=1 + rng.randrange(8)))
        draft.owners.append((assigned_at, rep))
        if profile.uses_sequences:
            for step, days in enumerate((0, 2, 5)):
                self._touch(
                    draft,
                    TouchType.EMAIL,
                    self.work.add_hours(assigned_at, days * 9) + timedelta(minutes=2),
                    rep=rep,
                    automated=True,
                    subject=SEQUENCE_SUBJECTS[step],
                )
        if hold:
            return  # a live MQL: its first touch has not happened by the end date
        if rng.random() < profile.never_touches:
            return  # a lost lead: assigned and forgotten
        delay = rng.lognormvariate(
            math.log(profile.first_touch_median_hours), profile.first_touch_sigma
        )
        first_at = self.work.add_hours(assigned_at, delay)
        local_day = self.work.local_date(assigned_at)
        if rng.random() < profile.after_hours_share and self.work.local_date(first_at) > local_day:
            evening = self.work.evening_on(local_day, rng)
            if evening > assigned_at:
                first_at = evening
        first_at = _minute(first_at)
        kind = TouchType.CALL if rng.random() < 0.65 else TouchType.EMAIL
        self._sales_touch(draft, kind, first_at, rep)
        draft.statuses.append((first_at, LeadStatus.ATTEMPTED))
        decided_at = _minute(self.work.add_hours(first_at, rng.uniform(0.1, 6.0)))
        rates = draft.source.rates
        if rng.random() >= rates.mql_accepted:
            reason: str = self.reasons[draft.source.key].pick(rng)
            draft.decision = HandoffDecision(
                contact=draft.ref,
                decision=Decision.REJECTED,
                decided_at=decided_at,
                decided_by=rep,
                reason=reason,
                note=REJECTION_NOTES.get(reason, ""),
            )
            status = LeadStatus.BAD_TIMING if reason == "bad_timing" else LeadStatus.UNQUALIFIED
            draft.statuses.append((decided_at, status))
            self._nurture(draft, decided_at, until=None)
            return
        draft.decision = HandoffDecision(
            contact=draft.ref,
            decision=Decision.ACCEPTED,
            decided_at=decided_at,
            decided_by=rep,
        )
        draft.statuses.append((decided_at, LeadStatus.IN_PROGRESS))
        self._cadence(draft, profile, rep, first_at, rng.random() < rates.accepted_to_sql)

    def _sales_touch(self, draft: _Draft, kind: TouchType, when: datetime, rep: Ref) -> None:
        subject = (
            f"Llamada con {draft.first_name}"
            if kind is TouchType.CALL
            else self.rng.choice(EMAIL_SUBJECTS)
        )
        self._touch(draft, kind, when, rep=rep, subject=subject)

    def _cadence(
        self, draft: _Draft, profile: RepProfile, rep: Ref, first_at: datetime, qualifies: bool
    ) -> None:
        """Follow-ups on the planned days (3 in 14, 5 in 28, 7 in 56), some missed or late."""
        rng = self.rng
        sql_step = -1
        if qualifies:
            # Most SQLs come from the first few attempts; a few need the whole cadence.
            sql_step = min(int(rng.expovariate(0.55)), len(self.scenario.cadence_days) - 1)
        local_first = self.work.local_date(first_at)
        last = first_at
        for step, offset in enumerate(self.scenario.cadence_days):
            if step == 0:
                when = first_at
            else:
                if rng.random() > profile.cadence_diligence:
                    continue  # a missed follow-up
                late = rng.choice((0, 0, 0, 1, 2)) if profile.cadence_diligence < 0.8 else 0
                day = local_first + timedelta(days=offset + late + rng.choice((-1, 0, 0)))
                when = _minute(self.work.moment_on(day, rng))
                if when <= last:
                    when = last + timedelta(hours=1)
                self._sales_touch(
                    draft, TouchType.CALL if rng.random() < 0.55 else TouchType.EMAIL, when, rep
                )
                if rng.random() < 0.15:  # the contact answers an email
                    self._touch(
                        draft,
                        TouchType.EMAIL,
                        when + timedelta(hours=rng.uniform(1, 30)),
                        direction=Direction.INBOUND,
                        rep=rep,
                        subject="Re: seguimiento",
                    )
            last = when
            if step >= sql_step >= 0:
                self._qualified(draft, profile, rep, when)
                return

    def _qualified(
        self, draft: _Draft, profile: RepProfile, rep: Ref, connected_at: datetime
    ) -> None:
        """A connected call qualifies the lead: SQL, a discovery meeting, maybe a deal."""
        rng = self.rng
        sql_at = _minute(connected_at + timedelta(minutes=5 + rng.randrange(40)))
        draft.stages.append((sql_at, Stage.SQL))
        draft.statuses.append((sql_at, LeadStatus.CONNECTED))
        meeting_day = self.work.local_date(sql_at) + timedelta(days=1 + rng.randrange(4))
        self._touch(
            draft,
            TouchType.MEETING,
            self.work.moment_on(meeting_day, rng),
            rep=rep,
            subject="Reunión de descubrimiento",
        )
        if rng.random() >= draft.source.rates.sql_to_opportunity:
            return
        opp_day = self.work.local_date(sql_at) + timedelta(
            days=1 + rng.expovariate(1 / draft.source.lags.sql_to_opportunity)
        )
        opp_at = _minute(self.work.moment_on(opp_day, rng))
        draft.stages.append((opp_at, Stage.OPPORTUNITY))
        draft.statuses.append((opp_at, LeadStatus.OPEN_DEAL))
        self._deal(draft, rep, opp_at)

    def _deal(self, draft: _Draft, rep: Ref, opened_at: datetime) -> None:
        rng = self.rng
        stream = draft.stream
        amount = rng.lognormvariate(math.log(stream.amount_median), stream.amount_spread)
        amount = max(100.0, round(amount / 100) * 100)
        cycle = rng.expovariate(1 / stream.cycle_days) + 3
        close_day = self.work.local_date(opened_at) + timedelta(days=cycle)
        closed_at = _minute(self.work.moment_on(close_day, rng))
        won = rng.random() < min(0.95, draft.source.rates.win_rate * stream.win_multiplier)
        # Lost deals drop out somewhere along the pipeline; won deals pass every stage.
        reached = len(DealStage.OPEN) if won else 1 + rng.randrange(len(DealStage.OPEN))
        ref = Ref(self.system, str(next(self.deal_ids)))
        span = closed_at - opened_at
        for index in range(reached):
            entered = _minute(opened_at + span * (index / len(DealStage.OPEN)))
            draft.deal_stages.append(
                DealStageChange(
                    deal=ref,
                    stage=DealStage.OPEN[index],
                    entered_at=entered,
                    amount=Decimal(int(amount)),
                )
            )
        draft.deal_stages.append(
            DealStageChange(
                deal=ref,
                stage=DealStage.WON if won else DealStage.LOST,
                entered_at=closed_at,
                amount=Decimal(int(amount)),
            )
        )
        for step in range(2 + rng.randrange(4)):
            day = self.work.local_date(opened_at + span * ((step + 1) / 6))
            kind = (
                TouchType.MEETING
                if step == 0
                else rng.choice((TouchType.CALL, TouchType.EMAIL, TouchType.MEETING))
            )
            self._touch(
                draft,
                kind,
                self.work.moment_on(day, rng),
                rep=rep,
                subject="Demo del producto" if step == 0 else "Seguimiento de propuesta",
            )
        if won:
            draft.stages.append((closed_at, Stage.CUSTOMER))
        draft.deal = Deal(
            ref=ref,
            created_at=opened_at,
            amount=Decimal(int(amount)),
            currency=self.scenario.currency,
            name=f"{draft.company} - {stream.label}",
            stage=DealStage.WON if won else DealStage.LOST,
            contact=draft.ref,
            owner=rep,
            closed_at=closed_at,
            won=won,
        )

    # --- cutting at the end date --------------------------------------------------------

    def _finish(self, draft: _Draft, first: str, last: str, company: str, email: str) -> Journey:
        end = self.end
        stages = sorted((when, stage) for when, stage in draft.stages if when <= end)
        owners = sorted((when, rep) for when, rep in draft.owners if when <= end)
        statuses = sorted((when, status) for when, status in draft.statuses if when <= end)
        touches = sorted(
            (touch for touch in draft.touches if touch.occurred_at <= end),
            key=lambda touch: (touch.occurred_at, int(touch.ref.external_id)),
        )
        decision = draft.decision if draft.decision and draft.decision.decided_at <= end else None
        lifecycle = stages[-1][1] if stages else Stage.LEAD
        if decision is not None and decision.decision is Decision.REJECTED:
            lifecycle = Stage.LEAD  # recycled to nurture
        owner = owners[-1][1] if owners else None
        deal, deal_stages = self._cut_deal(draft)
        moments = [draft.created_at]
        moments += [when for when, _ in stages] + [when for when, _ in owners]
        if touches:
            moments.append(touches[-1].occurred_at)
        if decision is not None:
            moments.append(decision.decided_at)
        contact = Contact(
            ref=draft.ref,
            created_at=draft.created_at,
            email=email,
            first_name=first,
            last_name=last,
            company=company,
            source=draft.source.hubspot_source,
            source_detail_1=self.rng.choice(draft.source.drill_down_1),
            source_detail_2=self.rng.choice(draft.source.drill_down_2),
            campaign=draft.campaign.key if draft.campaign else "",
            stream=draft.stream.key,
            owner=owner,
            lifecycle_stage=lifecycle.value,
            lead_status=statuses[-1][1] if statuses else LeadStatus.NEW,
            updated_at=max(moments),
        )
        member = None
        if draft.campaign is not None:
            member = CampaignMember(
                campaign=self.campaign_refs[draft.campaign.key],
                contact=draft.ref,
                status="Responded",
                joined_at=draft.created_at,
                responded_at=draft.created_at,
            )
        return Journey(
            contact=contact,
            source_key=draft.source.key,
            stages=tuple(
                StageChange(
                    contact=draft.ref, stage=stage.value, entered_at=when, change_source="demo"
                )
                for when, stage in _first_entries(stages)
            ),
            owner_changes=tuple(
                OwnerChange(contact=draft.ref, owner=rep, assigned_at=when) for when, rep in owners
            ),
            touches=tuple(touches),
            decision=decision,
            deal=deal,
            deal_stages=deal_stages,
            campaign_member=member,
            repeat_row=self.rng.random() < self.scenario.repeated_row_share,
        )

    def _cut_deal(self, draft: _Draft) -> tuple[Deal | None, tuple[DealStageChange, ...]]:
        deal = draft.deal
        if deal is None or deal.created_at > self.end:
            return None, ()
        stages = tuple(change for change in draft.deal_stages if change.entered_at <= self.end)
        if deal.closed_at is not None and deal.closed_at <= self.end:
            return deal, stages
        return replace(deal, stage=stages[-1].stage, closed_at=None, won=None), stages

    def _duplicate(
        self, original: Journey, first: str, last: str, company: str, email: str
    ) -> Journey:
        """The same person again, under an email spelt differently: a second contact row."""
        rng = self.rng
        base = original.contact
        later = base.created_at + timedelta(days=rng.uniform(3, 120))
        if later > self.end:
            later = base.created_at + (self.end - base.created_at) / 2
        later = _minute(later)
        local, _, domain = email.partition("@")
        variant = rng.randrange(3)
        if variant == 0:
            spelt = f"{local.capitalize()}@{domain.upper()}"
        elif variant == 1:
            spelt = f" {email} "
        else:
            spelt = f"{local.title()} @{domain}"
        ref = Ref(self.system, str(next(self.contact_ids)))
        source: LeadSource = self.sources.pick(rng)
        touch = Touch(
            ref=Ref(self.system, str(next(self.touch_ids))),
            contact=ref,
            type=TouchType.FORM_SUBMISSION,
            occurred_at=later,
            direction=Direction.INBOUND,
            content="/contacto",
        )
        contact = Contact(
            ref=ref,
            created_at=later,
            email=spelt,
            first_name=first,
            last_name=last.upper(),
            company=company,
            source=source.hubspot_source,
            source_detail_1=rng.choice(source.drill_down_1),
            stream=base.stream,
            lifecycle_stage=Stage.LEAD.value,
            lead_status=LeadStatus.NEW,
            updated_at=later,
        )
        return Journey(
            contact=contact,
            source_key=source.key,
            stages=(
                StageChange(
                    contact=ref, stage=Stage.LEAD.value, entered_at=later, change_source="demo"
                ),
            ),
            owner_changes=(),
            touches=(touch,),
            duplicate_of=base.ref,
        )


def _first_entries(stages: list[tuple[datetime, Stage]]) -> list[tuple[datetime, Stage]]:
    seen: set[Stage] = set()
    result = []
    for when, stage in stages:
        if stage not in seen:
            seen.add(stage)
            result.append((when, stage))
    return result
