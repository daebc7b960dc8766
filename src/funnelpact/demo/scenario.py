"""The demo company: who sells what to whom, through which sources, at which rates and speeds.

A `Scenario` is configuration (frozen pydantic models, unknown keys refused) so that a demo or a
benchmark can load its own from YAML; `default_scenario()` is the company the seeds describe: two
revenue streams, five lead sources with different rates, content campaigns, a marketing team and
two sales teams whose reps work at different speeds in a Madrid business calendar.

Rates are probabilities of moving on from one stage to the next (seed 003's 82% SQL -> opportunity
and 23% win rate; seed 000's ~50% at every stage); lags are mean calendar days between stages.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from funnelpact.domain.calendar import CalendarSpec, PublicHolidays


class Stage(StrEnum):
    """Lifecycle stages as the generator names them in canonical `StageChange` records."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


class RepSpeed(StrEnum):
    FAST = "fast"
    STEADY = "steady"
    SLOW = "slow"


class ContentKind(StrEnum):
    EBOOK = "ebook"
    WEBINAR = "webinar"
    PAGE = "page"
    EVENT = "event"
    NONE = "none"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRates(_Frozen):
    """Chances of moving on, per lead source (the leading KPIs of seed 004)."""

    subscriber_share: float = Field(0.0, ge=0, le=1, description="Leads that start as subscribers.")
    subscriber_to_lead: float = Field(0.6, ge=0, le=1)
    lead_to_mql: float = Field(ge=0, le=1)
    mql_accepted: float = Field(ge=0, le=1, description="Sales accepts the hand-off.")
    accepted_to_sql: float = Field(ge=0, le=1)
    sql_to_opportunity: float = Field(ge=0, le=1)
    win_rate: float = Field(ge=0, le=1)

    @property
    def mql_to_sql(self) -> float:
        return self.mql_accepted * self.accepted_to_sql


class StageLags(_Frozen):
    """Mean calendar days spent before moving on (exponentially distributed around the mean)."""

    subscriber_to_lead: float = Field(12.0, gt=0)
    lead_to_mql: float = Field(gt=0)
    sql_to_opportunity: float = Field(gt=0)


class LeadSource(_Frozen):
    """A lead type (seed 003: web form vs outbound leads convert differently)."""

    key: str = Field(description="Short name: web_form, paid_search, referral, outbound, events.")
    label: str
    hubspot_source: str = Field(description="HubSpot's Original Source value, e.g. ORGANIC_SEARCH.")
    drill_down_1: tuple[str, ...] = Field(description="Original Source Drill-Down 1 values.")
    drill_down_2: tuple[str, ...] = Field(description="Original Source Drill-Down 2 values.")
    weight: float = Field(gt=0, description="Share of new contacts (relative weight).")
    stream_weights: dict[str, float] = Field(
        description="Relative weights of revenue streams among this source's leads."
    )
    rates: StageRates
    lags: StageLags
    inbound: bool = Field(description="Arrives on its own at any hour (vs created by a person).")
    campaign_share: float = Field(0.7, ge=0, le=1, description="Leads a campaign brought in.")
    rejection_weights: dict[str, float] = Field(
        description="Relative weights of rejection reason codes for this source's MQLs."
    )


class Campaign(_Frozen):
    key: str
    name: str
    source: str = Field(description="Key of the lead source whose contacts it brings.")
    channel: str
    content_kind: ContentKind
    content: str = Field(description="The asset or page, e.g. an ebook title or a URL path.")
    weight: float = Field(gt=0, description="Relative weight among its source's campaigns.")
    mql_multiplier: float = Field(1.0, gt=0, description="Scales the source's lead -> MQL rate.")
    started_days_ago: int = Field(400, ge=0, description="Days before the end date it started.")


class RevenueStream(_Frozen):
    key: str
    label: str
    amount_median: float = Field(gt=0, description="Median deal amount in the scenario currency.")
    amount_spread: float = Field(0.45, gt=0, description="Sigma of the log-normal amount.")
    cycle_days: float = Field(gt=0, description="Mean days from opportunity to close.")
    win_multiplier: float = Field(1.0, gt=0)


class RepProfile(_Frozen):
    """An owner and how they work: speed to first touch and follow-up discipline."""

    key: str
    first_name: str
    last_name: str
    speed: RepSpeed = RepSpeed.STEADY
    first_touch_median_hours: float = Field(
        4.0, gt=0, description="Median business hours from assignment to first touch."
    )
    first_touch_sigma: float = Field(0.9, gt=0, description="Log-normal spread of that delay.")
    cadence_diligence: float = Field(
        0.88, ge=0, le=1, description="Chance each planned follow-up is actually made."
    )
    after_hours_share: float = Field(
        0.05, ge=0, le=1, description="Touches made outside working hours (evening emails)."
    )
    uses_sequences: bool = Field(False, description="Enrols new MQLs in an automated sequence.")
    never_touches: float = Field(0.01, ge=0, le=1, description="MQLs the rep never follows up.")
    assignment_weight: float = Field(1.0, ge=0, description="Share of the team's MQLs (0: none).")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class TeamSpec(_Frozen):
    name: str
    stream: str = Field("", description="Revenue stream key a sales team covers; '' for marketing.")
    manager: RepProfile
    members: tuple[RepProfile, ...]


class Scenario(_Frozen):
    """Everything the generator needs apart from the seed, the size and the end date."""

    company: str
    email_domain: str
    currency: str = "EUR"
    calendar: CalendarSpec
    history_days: int = Field(450, ge=30, description="Days of history before the end date.")
    growth: float = Field(0.6, ge=0, description="Lead volume grows by this fraction over history.")
    streams: tuple[RevenueStream, ...]
    sources: tuple[LeadSource, ...]
    campaigns: tuple[Campaign, ...]
    marketing: TeamSpec
    sales_teams: tuple[TeamSpec, ...]
    cadence_days: tuple[int, ...] = Field(
        (0, 4, 10, 17, 24, 38, 52),
        description="Planned follow-up days after the first touch: 3 in 14 days, 5 in 28, 7 in 56.",
    )
    duplicate_share: float = Field(
        0.03, ge=0, le=1, description="People who appear again under an email spelt differently."
    )
    repeated_row_share: float = Field(
        0.002, ge=0, le=1, description="Contact rows written twice in the raw export."
    )
    live_share: float = Field(
        0.004, ge=0, le=1, description="Contacts placed as MQLs still waiting at the end date."
    )
    page_views_per_contact: float = Field(11.5, ge=0)
    nurture_emails: int = Field(4, ge=0, description="Automated nurture emails to a new lead.")

    @model_validator(mode="after")
    def _references_exist(self) -> Scenario:
        stream_keys = {stream.key for stream in self.streams}
        source_keys = {source.key for source in self.sources}
        problems: list[str] = []
        for campaign in self.campaigns:
            if campaign.source not in source_keys:
                problems.append(
                    f"campaign {campaign.key!r} names unknown source {campaign.source!r}"
                )
        for source in self.sources:
            for key in source.stream_weights:
                if key not in stream_keys:
                    problems.append(f"source {source.key!r} weighs unknown stream {key!r}")
            if sum(source.stream_weights.values()) <= 0:
                problems.append(f"source {source.key!r} gives no stream any weight")
        covered = {team.stream for team in self.sales_teams}
        for stream in stream_keys - covered:
            problems.append(f"no sales team covers stream {stream!r}")
        for team in self.sales_teams:
            if team.stream not in stream_keys:
                problems.append(f"team {team.name!r} covers unknown stream {team.stream!r}")
            if not any(member.assignment_weight > 0 for member in team.members):
                problems.append(f"team {team.name!r} has no rep who takes MQLs")
        if len(stream_keys) != len(self.streams) or len(source_keys) != len(self.sources):
            problems.append("stream and source keys must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def stream(self, key: str) -> RevenueStream:
        return next(stream for stream in self.streams if stream.key == key)

    def team_for(self, stream_key: str) -> TeamSpec:
        return next(team for team in self.sales_teams if team.stream == stream_key)


# The rejection reason codes of the demo agreement (examples/agreement-seed-000.yaml, `handoff.
# rejection_reasons`): the demo's rejections are the ones the agreement lets sales record.
REJECTION_REASONS = (
    "not_icp",
    "no_authority",
    "no_need",
    "bad_timing",
    "unreachable",
)


def _rep(key: str, first: str, last: str, **profile: object) -> RepProfile:
    return RepProfile.model_validate(
        {"key": key, "first_name": first, "last_name": last, **profile}
    )


def default_scenario() -> Scenario:
    """The demo company: a Madrid B2B software vendor selling to SMBs and enterprises."""
    calendar = CalendarSpec(
        timezone="Europe/Madrid",
        public_holidays=PublicHolidays(country="ES", subdivision="MD"),
    )
    web = LeadSource(
        key="web_form",
        label="Web form (organic search)",
        hubspot_source="ORGANIC_SEARCH",
        drill_down_1=("google", "google", "google", "bing", "duckduckgo"),
        drill_down_2=("unknown keywords (SSL)",),
        weight=36,
        stream_weights={"smb": 0.8, "enterprise": 0.2},
        rates=StageRates(
            subscriber_share=0.3,
            lead_to_mql=0.5,
            mql_accepted=0.8,
            accepted_to_sql=0.45,
            sql_to_opportunity=0.82,
            win_rate=0.24,
        ),
        lags=StageLags(lead_to_mql=6, sql_to_opportunity=8),
        inbound=True,
        rejection_weights={
            "not_icp": 6,
            "no_need": 3,
            "bad_timing": 3,
            "no_authority": 2,
            "unreachable": 1,
        },
    )
    paid = LeadSource(
        key="paid_search",
        label="Paid search",
        hubspot_source="PAID_SEARCH",
        drill_down_1=("google", "google", "bing"),
        drill_down_2=(
            "sla ventas marketing",
            "lead scoring software",
            "embudo de ventas",
            "crm dashboard",
        ),
        weight=22,
        stream_weights={"smb": 0.85, "enterprise": 0.15},
        rates=StageRates(
            subscriber_share=0.2,
            lead_to_mql=0.42,
            mql_accepted=0.72,
            accepted_to_sql=0.4,
            sql_to_opportunity=0.78,
            win_rate=0.2,
        ),
        lags=StageLags(lead_to_mql=8, sql_to_opportunity=9),
        inbound=True,
        rejection_weights={
            "not_icp": 6,
            "bad_timing": 4,
            "no_need": 2,
            "unreachable": 2,
            "no_authority": 1,
        },
    )
    referral = LeadSource(
        key="referral",
        label="Referral",
        hubspot_source="REFERRALS",
        drill_down_1=("partnerhub.es", "g2.com", "capterra.es", "saasmag.it"),
        drill_down_2=("https://partnerhub.es/directorio", "https://www.g2.com/categories/crm"),
        weight=12,
        stream_weights={"smb": 0.55, "enterprise": 0.45},
        rates=StageRates(
            lead_to_mql=0.62,
            mql_accepted=0.9,
            accepted_to_sql=0.6,
            sql_to_opportunity=0.85,
            win_rate=0.34,
        ),
        lags=StageLags(lead_to_mql=3, sql_to_opportunity=6),
        inbound=True,
        rejection_weights={"bad_timing": 4, "no_authority": 2, "not_icp": 2, "no_need": 2},
    )
    outbound = LeadSource(
        key="outbound",
        label="Outbound prospecting",
        hubspot_source="OFFLINE",
        drill_down_1=("CRM_UI", "CRM_UI", "IMPORT"),
        drill_down_2=("sales prospecting", "abm-target-accounts.csv"),
        weight=18,
        stream_weights={"smb": 0.35, "enterprise": 0.65},
        rates=StageRates(
            lead_to_mql=0.3,
            mql_accepted=0.85,
            accepted_to_sql=0.5,
            sql_to_opportunity=0.82,
            win_rate=0.23,
        ),
        lags=StageLags(lead_to_mql=14, sql_to_opportunity=12),
        inbound=False,
        rejection_weights={
            "unreachable": 5,
            "no_authority": 3,
            "bad_timing": 3,
            "not_icp": 2,
            "no_need": 2,
        },
    )
    events = LeadSource(
        key="events",
        label="Events and webinars",
        hubspot_source="OTHER_CAMPAIGNS",
        drill_down_1=("saas-summit-madrid", "webinar", "retail-tech-milano"),
        drill_down_2=("registration", "badge-scan"),
        weight=12,
        stream_weights={"smb": 0.5, "enterprise": 0.5},
        rates=StageRates(
            subscriber_share=0.1,
            lead_to_mql=0.5,
            mql_accepted=0.75,
            accepted_to_sql=0.4,
            sql_to_opportunity=0.78,
            win_rate=0.22,
        ),
        lags=StageLags(lead_to_mql=4, sql_to_opportunity=10),
        inbound=False,
        rejection_weights={
            "not_icp": 5,
            "no_need": 3,
            "bad_timing": 3,
            "no_authority": 2,
            "unreachable": 1,
        },
    )
    campaigns = (
        Campaign(
            key="ebook-sla-guide",
            name="Ebook: Guía del SLA de ventas y marketing",
            source="web_form",
            channel="content",
            content_kind=ContentKind.EBOOK,
            content="/recursos/guia-sla-ventas-marketing.pdf",
            weight=4,
            mql_multiplier=1.1,
        ),
        Campaign(
            key="ebook-email-templates",
            name="Ebook: 50 plantillas de email de seguimiento",
            source="web_form",
            channel="content",
            content_kind=ContentKind.EBOOK,
            content="/recursos/plantillas-email.pdf",
            weight=3,
            mql_multiplier=0.8,
        ),
        Campaign(
            key="page-roi-calculator",
            name="Landing: calculadora de ROI",
            source="paid_search",
            channel="paid search",
            content_kind=ContentKind.PAGE,
            content="/calculadora-roi",
            weight=4,
            mql_multiplier=1.2,
        ),
        Campaign(
            key="page-free-trial",
            name="Landing: prueba gratuita",
            source="paid_search",
            channel="paid search",
            content_kind=ContentKind.PAGE,
            content="/prueba-gratis",
            weight=3,
            mql_multiplier=0.9,
        ),
        Campaign(
            key="webinar-reverse-funnel",
            name="Webinar: el embudo inverso",
            source="events",
            channel="webinar",
            content_kind=ContentKind.WEBINAR,
            content="/webinars/embudo-inverso",
            weight=3,
            mql_multiplier=1.3,
            started_days_ago=300,
        ),
        Campaign(
            key="event-saas-summit",
            name="SaaS Summit Madrid",
            source="events",
            channel="event",
            content_kind=ContentKind.EVENT,
            content="saas-summit-madrid",
            weight=2,
            mql_multiplier=0.9,
            started_days_ago=380,
        ),
        Campaign(
            key="referral-partners",
            name="Programa de partners",
            source="referral",
            channel="partners",
            content_kind=ContentKind.NONE,
            content="/partners",
            weight=1,
        ),
        Campaign(
            key="abm-enterprise",
            name="ABM enterprise: cuentas objetivo",
            source="outbound",
            channel="outbound",
            content_kind=ContentKind.NONE,
            content="",
            weight=1,
        ),
    )
    marketing = TeamSpec(
        name="Marketing",
        manager=_rep("mkt-lead", "Elena", "Martín", assignment_weight=0),
        members=(
            _rep("mkt-content", "Giulia", "Bianchi", assignment_weight=0),
            _rep("mkt-ops", "Sergio", "Navarro", assignment_weight=0),
        ),
    )
    smb = TeamSpec(
        name="Ventas SMB",
        stream="smb",
        manager=_rep("smb-manager", "Javier", "Ortega", assignment_weight=0),
        members=(
            _rep(
                "smb-fast",
                "Lucía",
                "Fernández",
                speed=RepSpeed.FAST,
                first_touch_median_hours=0.6,
                first_touch_sigma=0.8,
                cadence_diligence=0.95,
                after_hours_share=0.12,
            ),
            _rep("smb-steady-1", "Marco", "Rossi", first_touch_median_hours=3.5),
            _rep(
                "smb-steady-2", "Carmen", "López", first_touch_median_hours=5.0, uses_sequences=True
            ),
            _rep(
                "smb-slow",
                "Pablo",
                "García",
                speed=RepSpeed.SLOW,
                first_touch_median_hours=21.0,
                first_touch_sigma=0.7,
                cadence_diligence=0.62,
                uses_sequences=True,
                never_touches=0.06,
                after_hours_share=0.02,
            ),
            _rep(
                "smb-steady-3",
                "Chiara",
                "Esposito",
                first_touch_median_hours=4.5,
                cadence_diligence=0.85,
            ),
        ),
    )
    enterprise = TeamSpec(
        name="Ventas Enterprise",
        stream="enterprise",
        manager=_rep("ent-manager", "Alessandro", "Romano", assignment_weight=0),
        members=(
            _rep(
                "ent-fast",
                "Sofía",
                "Ruiz",
                speed=RepSpeed.FAST,
                first_touch_median_hours=1.0,
                cadence_diligence=0.93,
            ),
            _rep(
                "ent-steady", "Diego", "Moreno", first_touch_median_hours=4.0, uses_sequences=True
            ),
            _rep(
                "ent-slow",
                "Francesca",
                "Ricci",
                speed=RepSpeed.SLOW,
                first_touch_median_hours=19.0,
                first_touch_sigma=0.75,
                cadence_diligence=0.7,
                never_touches=0.04,
            ),
        ),
    )
    return Scenario(
        company="Nubeventas SL",
        email_domain="nubeventas.es",
        calendar=calendar,
        streams=(
            RevenueStream(key="smb", label="SMB", amount_median=2400, cycle_days=24),
            RevenueStream(
                key="enterprise",
                label="Enterprise",
                amount_median=28000,
                amount_spread=0.55,
                cycle_days=70,
                win_multiplier=0.85,
            ),
        ),
        sources=(web, paid, referral, outbound, events),
        campaigns=campaigns,
        marketing=marketing,
        sales_teams=(smb, enterprise),
    )
