"""`funnelpact demo`'s work, callable from tests: a fresh store with demo data, the demo
agreement in force, obligations evaluated, and one user per role.

The example agreement (examples/agreement-seed-000.yaml: the demo company's Madrid calendar,
stages and rejection reasons) is moved to the current year so its plan has targets now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.core.management import call_command
from django.db.models import Count, Q

from funnelpact.demo import default_scenario, make_demo_data
from funnelpact.domain.compliance import Status
from funnelpact.server.accounts.people import Profile
from funnelpact.server.accounts.people_services import create_user
from funnelpact.server.accounts.roles import Role
from funnelpact.server.tracking import models as store

EXAMPLE_AGREEMENT = Path(__file__).resolve().parents[4] / "examples" / "agreement-seed-000.yaml"
DEFAULT_SEED = 7


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    password: str
    role: Role
    team: str
    rep: str


def demo_agreement_text(today: date, source: Path = EXAMPLE_AGREEMENT) -> str:
    """The example agreement, moved to ``today``'s year; its review 60 days ahead."""
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"\b2025(-\d\d-\d\d)", lambda m: f"{today.year}{m.group(1)}", text)
    text = re.sub(r"(Ventas) 2025\b", lambda m: f"{m.group(1)} {today.year}", text)
    review = today + timedelta(days=60)
    return re.sub(r"(next_review:\s*)\d{4}-\d\d-\d\d", rf"\g<1>{review.isoformat()}", text)


def handoff_target_per_day(agreement_text: str) -> tuple[str, float]:
    """The agreement's hand-off stage (MQL) and its planned volume a day, over the plan period."""
    from funnelpact.agreements import errors_of
    from funnelpact.domain.agreement.loader import load_agreement_text
    from funnelpact.domain.errors import DomainError
    from funnelpact.domain.planning.planner import build_plan

    loaded = load_agreement_text(agreement_text, "demo-agreement.yaml")
    agreement = loaded.agreement
    if agreement is None:
        raise DomainError(errors_of(loaded.issues))
    plan = build_plan(agreement.plan_spec())
    stage = agreement.handoff.stage
    target = plan.target_between(stage, plan.period_start, plan.period_end)
    days = (plan.period_end - plan.period_start).days + 1
    return stage, float(target.expected) / days


def contacts_for_agreement(now: datetime, *, seed: int = DEFAULT_SEED) -> int:
    """How many demo contacts bring the demo agreement's MQL target: the dashboard's pacing
    then shows the demo company close to its plan (ahead or behind by the sample's noise)."""
    from funnelpact.demo.calibration import contacts_for

    stage, per_day = handoff_target_per_day(demo_agreement_text(now.date()))
    end = now.replace(microsecond=0)
    return contacts_for(default_scenario(), seed=seed, end=end, stage=stage, per_day=per_day)


def fill(
    folder: Path,
    now: datetime,
    *,
    contacts: int | None = None,
    seed: int = DEFAULT_SEED,
    on_contact: Callable[[int], None] | None = None,
    on_stored: Callable[[int], None] | None = None,
) -> int:
    """Migrate, store the demo company, put the agreement in force, evaluate every lead.

    Without `contacts`, as many as the agreement's MQL target needs (`contacts_for_agreement`).
    """
    from funnelpact.server.tracking.services import store_records
    from funnelpact.server.watch.scheduler import tick
    from funnelpact.server.watch.services import use_agreement

    call_command("migrate", verbosity=0, interactive=False)
    end = now.replace(microsecond=0)
    if contacts is None:
        contacts = contacts_for_agreement(now, seed=seed)
    make_demo_data(
        default_scenario(),
        seed=seed,
        end=end,
        contacts=contacts,
        store=store_records,
        on_contact=on_contact,
        on_stored=on_stored,
    )
    folder.mkdir(parents=True, exist_ok=True)
    agreement = folder / "demo-agreement.yaml"
    agreement.write_text(demo_agreement_text(now.date()), encoding="utf-8")
    use_agreement(agreement, now)
    # Evaluate every queued lead now; no alert leaves the machine (no channel is configured).
    report = tick(now, holder="funnelpact-demo", send=lambda url, title, body: None)
    return report.leads


_OPEN = Q(
    obligations__name="decision",
    obligations__status__in=[Status.PENDING.value, Status.AT_RISK.value],
)


def _busiest_rep(team: str, exclude: set[int]) -> store.Rep | None:
    """The rep with the most MQLs waiting for a decision (then the most obligations): the demo's
    rep user finds leads to work on My leads."""
    found: store.Rep | None = (
        store.Rep.objects.filter(team_name=team, placeholder=False)
        .exclude(pk__in=exclude)
        .annotate(open_mqls=Count("obligations", filter=_OPEN), handled=Count("obligations"))
        .order_by("-open_mqls", "-handled", "pk")
        .first()
    )
    return found


def _open_mqls(team: str) -> int:
    counted = store.Rep.objects.filter(team_name=team).aggregate(
        n=Count("obligations", filter=_OPEN)
    )
    return int(counted["n"] or 0)


def make_users(password: str, now: datetime) -> list[DemoUser]:
    """admin, marketing, a manager and a rep of the first sales team, a rep of the other team,
    a viewer."""
    teams = list(
        store.Team.objects.filter(kind="sales").order_by("name").values_list("name", flat=True)
    )
    # The manager's and first rep's team: the one with the most MQLs waiting now.
    teams.sort(key=lambda name: -_open_mqls(name))
    users: list[DemoUser] = []

    def add(name: str, role: Role, team: str = "", rep: store.Rep | None = None) -> None:
        ref = f"{rep.system}:{rep.external_id}" if rep is not None else ""
        made = create_user(name, password, role, now, team_name=team, rep=ref, actor="demo")
        users.append(DemoUser(name, password, role, made.team_name, str(rep or "")))

    add("admin", Role.ADMIN)
    add("marketing", Role.MARKETING)
    taken: set[int] = set()
    for index, team in enumerate(teams[:2]):
        rep = _busiest_rep(team, taken)
        if rep is None:
            continue
        taken.add(rep.pk)
        if index == 0:
            add("manager", Role.SALES_MANAGER, team)
            add("rep", Role.SALES_REP, team, rep)
        else:
            add("rep2", Role.SALES_REP, team, rep)
    add("viewer", Role.VIEWER)
    return users


def has_demo_users() -> bool:
    return bool(Profile.objects.exists())


def utc_now() -> datetime:
    return datetime.now(UTC)
