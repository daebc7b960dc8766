"""Assignment of new MQLs on a real store: least-loaded and round robin, each rep's weekly
capacity, working hours, the scheduler's tick (when the agreement asks for it), the
``watch assign`` command; and the disqualified stage a rejection routes to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from watch_factories import LEAD, madrid, mql, team

from funnelpact.domain.agreement.model import AssignmentMethod
from funnelpact.domain.compliance import Status
from funnelpact.domain.records import OwnerChange, Ref, Rep, System
from funnelpact.errors import InputError
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.assignment import assign_for_agreement, assign_new_mqls
from funnelpact.server.watch.repository import find_contact
from funnelpact.server.watch.scheduler import tick
from funnelpact.server.watch.services import DecisionKind, decide, use_agreement

pytestmark = pytest.mark.django_db
HANDOFF = madrid(2025, 12, 1, 10)
TUESDAY = madrid(2025, 12, 2, 10)
BEA = Ref(System.HUBSPOT, "rep-bea")


def agreement_with(tmp_path: Path, source: Path, *extra: str) -> Path:
    """The example agreement with lines added under ``handoff:`` (after recycle_to)."""
    text = source.read_text(encoding="utf-8")
    assert "  recycle_to: lead\n" in text
    text = text.replace("  recycle_to: lead\n", "  recycle_to: lead\n" + "".join(extra), 1)
    path = tmp_path / "agreement.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ROUND_ROBIN = ("  assignment:\n", "    method: round_robin\n", "    teams: [Ventas]\n")


def unowned(count: int, at, prefix: str = "new") -> list:
    records = []
    for number in range(count):
        records.extend(mql(at, ref=Ref(System.HUBSPOT, f"{prefix}-{number}"), owner=None))
    return records


def assigned_earlier(count: int, at, prefix: str, rep: Ref) -> list:
    """Leads a rep was given earlier this week (owned, with their owner change)."""
    records = []
    for number in range(count):
        ref = Ref(System.HUBSPOT, f"{prefix}-{number}")
        records.extend(mql(at, ref=ref, owner=rep))
        records.append(OwnerChange(contact=ref, owner=rep, assigned_at=at))
    return records


def owners_of(prefix: str) -> list[str]:
    """The owner names of the leads ``prefix-0``, ``prefix-1``... in that order."""
    names = []
    number = 0
    while (contact_id := find_contact(f"hubspot:{prefix}-{number}")) is not None:
        owner = store.Contact.objects.select_related("owner").get(pk=contact_id).owner
        names.append(owner.name if owner is not None else "")
        number += 1
    return names


@pytest.fixture
def round_robin(clock, agreement_path, tmp_path):
    use_agreement(agreement_with(tmp_path, agreement_path, *ROUND_ROBIN), clock.set(HANDOFF))
    store_records([*team(), Rep(ref=BEA, name="Bea Sanz", team="Ventas")])


def test_round_robin_gives_each_rep_a_turn_and_remembers_it(round_robin, clock) -> None:
    at = clock.set(TUESDAY)
    store_records(unowned(5, at))
    report = assign_new_mqls("Ventas", at)
    assert report.method is AssignmentMethod.ROUND_ROBIN
    # Name order: Ana Ruiz, Bea Sanz, Marta Gil; then round again.
    assert owners_of("new") == ["Ana Ruiz", "Bea Sanz", "Marta Gil", "Ana Ruiz", "Bea Sanz"]
    # The next call (a later tick, another process) continues after Bea, from the store.
    later = clock.set(TUESDAY.replace(hour=11))
    store_records(unowned(2, later, prefix="more"))
    assign_new_mqls("Ventas", later)
    assert owners_of("more") == ["Marta Gil", "Ana Ruiz"]


def test_round_robin_skips_a_rep_at_capacity(round_robin, clock) -> None:
    # The plan's capacity is 8 MQLs per rep a week: Ana already has 8 this week.
    monday = clock.set(madrid(2025, 12, 1, 9))
    store_records(assigned_earlier(8, monday, "ana", Ref(System.HUBSPOT, "rep-ana")))
    at = clock.set(TUESDAY)
    store_records(unowned(3, at))
    assign_new_mqls("Ventas", at)
    assert "Ana Ruiz" not in owners_of("new")
    assert sorted(owners_of("new")) == ["Bea Sanz", "Bea Sanz", "Marta Gil"]


def _contact_reads(queries: list[dict[str, str]]) -> list[str]:
    """The statements that read waiting contacts' ids (the assignment's candidates)."""
    table = store.Contact._meta.db_table
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT")
        and f'FROM "{table}"' in query["sql"]
        and '"owner_id" IS NULL' in query["sql"]
        and "COUNT(" not in query["sql"]
    ]


def test_only_as_many_waiting_leads_as_the_reps_have_room_for_are_read(round_robin, clock) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Capacity 8 a week per rep: Ana and Marta are full, Bea has room for 3 more.
    monday = clock.set(madrid(2025, 12, 1, 9))
    store_records(assigned_earlier(8, monday, "ana", Ref(System.HUBSPOT, "rep-ana")))
    store_records(assigned_earlier(8, monday, "marta", Ref(System.HUBSPOT, "rep-marta")))
    store_records(assigned_earlier(5, monday, "bea", BEA))
    at = clock.set(TUESDAY)
    store_records(unowned(12, at))
    with CaptureQueriesContext(connection) as reads:
        report = assign_new_mqls("Ventas", at)
    assert [name for _, name in report.assigned] == ["Bea Sanz"] * 3
    assert owners_of("new")[:3] == ["Bea Sanz"] * 3  # the oldest first
    assert report.queued == 9
    (candidates,) = _contact_reads(reads.captured_queries)
    assert "LIMIT 3" in candidates
    # The team is full now: the scheduler's next ticks read no waiting lead at all.
    with CaptureQueriesContext(connection) as reads:
        assert tick(clock.set(TUESDAY.replace(hour=11)), send=lambda *args: None).assigned == 0
    assert _contact_reads(reads.captured_queries) == []
    assert owners_of("new")[3:] == [""] * 9


def test_least_loaded_favours_the_rep_with_fewer_leads_this_week(clock, agreement_path) -> None:
    use_agreement(agreement_path, clock.set(HANDOFF))
    store_records([*team(), Rep(ref=BEA, name="Bea Sanz", team="Ventas")])
    monday = clock.set(madrid(2025, 12, 1, 9))
    store_records(assigned_earlier(2, monday, "old", BEA))
    at = clock.set(TUESDAY)
    store_records(unowned(4, at))
    report = assign_new_mqls("Ventas", at, method=AssignmentMethod.LEAST_LOADED)
    names = [name for _, name in report.assigned]
    # Bea has 2 already: Ana and Marta get 2 each before Bea gets another.
    assert sorted(names) == ["Ana Ruiz", "Ana Ruiz", "Marta Gil", "Marta Gil"]


def test_the_tick_assigns_within_working_hours_only(round_robin, clock, hook_server) -> None:
    saturday = clock.set(madrid(2025, 12, 6, 11))
    store_records(unowned(2, saturday))
    report = tick(saturday, send=lambda *args: None)
    assert report.assigned == 0
    assert owners_of("new") == ["", ""]
    # Monday 8 is a holiday in Madrid; Tuesday 9 at 09:00 the office opens.
    assert tick(clock.set(madrid(2025, 12, 8, 12)), send=lambda *args: None).assigned == 0
    opening = tick(clock.set(madrid(2025, 12, 9, 9)), send=lambda *args: None)
    assert opening.assigned == 2
    assert owners_of("new") == ["Ana Ruiz", "Bea Sanz"]
    # The obligations follow the assignment in the same tick: the accountable owner is the rep.
    contact_id = find_contact("hubspot:new-0")
    first_touch = models.Obligation.objects.get(contact_id=contact_id, name="first_touch")
    assert first_touch.owner is not None and first_touch.owner.name == "Ana Ruiz"
    assert tick(clock.set(madrid(2025, 12, 9, 10)), send=lambda *args: None).assigned == 0


def test_without_assignment_in_the_agreement_the_tick_assigns_nothing(clock, agreement_path):
    use_agreement(agreement_path, clock.set(HANDOFF))
    store_records(team())
    at = clock.set(TUESDAY)
    store_records(unowned(2, at))
    assert tick(at, send=lambda *args: None).assigned == 0
    assert owners_of("new") == ["", ""]
    with pytest.raises(InputError, match="the agreement assigns no team"):
        assign_for_agreement(at)


def test_a_dry_run_stores_nothing(round_robin, clock) -> None:
    at = clock.set(TUESDAY)
    store_records(unowned(3, at))
    reports = assign_for_agreement(at, dry_run=True)
    assert [name for _, name in reports[0].assigned] == ["Ana Ruiz", "Bea Sanz", "Marta Gil"]
    assert owners_of("new") == ["", "", ""]
    assert not store.OwnerChange.objects.filter(assigned_at=at).exists()


# -- the disqualified stage -------------------------------------------------------------------


def test_disqualify_moves_the_lead_to_the_agreements_terminal_stage(clock, agreement_path):
    use_agreement(agreement_path, clock.set(HANDOFF))
    store_records([*team(), *mql(HANDOFF)])
    outcome = decide(str(LEAD), DecisionKind.REJECT, "not_icp", clock.set(madrid(2025, 12, 1, 12)))
    assert outcome.routed_to == "disqualified"  # handoff.disqualified_stage's default
    contact_id = find_contact(str(LEAD))
    assert store.Contact.objects.get(pk=contact_id).lifecycle_stage == "disqualified"
    rows = {row.name: row for row in models.Obligation.objects.filter(contact_id=contact_id)}
    assert rows["decision"].status == Status.MET
    for name in ("first_touch", "cadence_3_in_14", "cadence_5_in_28", "cadence_7_in_56"):
        assert rows[name].status == Status.NOT_APPLICABLE
        assert rows[name].reason == "rejected before the window ended"
    # Out of the funnel: no clock runs, nothing becomes due, no alert later.
    tick(clock.set(madrid(2026, 2, 1, 10)), send=lambda *args: None)
    assert not models.Obligation.objects.filter(
        contact_id=contact_id, status__in=[Status.PENDING, Status.AT_RISK, Status.BREACHED]
    ).exists()


def test_an_agreement_names_its_own_disqualified_stage(clock, agreement_path, tmp_path):
    path = agreement_with(tmp_path, agreement_path, "  disqualified_stage: descartado\n")
    use_agreement(path, clock.set(HANDOFF))
    store_records([*team(), *mql(HANDOFF)])
    outcome = decide(str(LEAD), DecisionKind.REJECT, "not_icp", clock.set(madrid(2025, 12, 1, 12)))
    assert outcome.routed_to == "descartado"
    contact_id = find_contact(str(LEAD))
    assert store.Contact.objects.get(pk=contact_id).lifecycle_stage == "descartado"


# -- the command ------------------------------------------------------------------------------


def test_watch_assign_command(tmp_path: Path, agreement_path: Path) -> None:
    """`funnelpact watch assign --dry-run` in its own process; the clock is the real one, so
    the leads are either proposed (working hours) or all waiting with the next opening."""
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "funnelpact", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run("db", "upgrade").returncode == 0
    assert run("watch", "use", str(agreement_path)).returncode == 0
    missing = run("watch", "assign")
    assert missing.returncode == 1 and "the agreement assigns no team" in missing.stderr
    wrong = run("watch", "assign", "--team", "Ventas", "--method", "random")
    assert (
        wrong.returncode == 1 and "--method 'random': least_loaded or round_robin" in wrong.stderr
    )
    nobody = run("watch", "assign", "--team", "Nadie")
    assert nobody.returncode == 1 and "team 'Nadie': no active rep" in nobody.stderr
    assert "Traceback" not in missing.stderr + wrong.stderr + nobody.stderr
    setup = (
        "from datetime import UTC, datetime\n"
        "from funnelpact.server import setup_django\n"
        "setup_django()\n"
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from watch_factories import mql, team\n"
        "from funnelpact.domain.records import Ref, System\n"
        "from funnelpact.server.tracking.services import store_records\n"
        "now = datetime.now(UTC)\n"
        "records = list(team())\n"
        "for n in range(3):\n"
        "    records += mql(now, ref=Ref(System.HUBSPOT, f'cli-{n}'), owner=None)\n"
        "store_records(records)\n"
    )
    stored = subprocess.run(
        [sys.executable, "-c", setup], env=env, capture_output=True, text=True, timeout=300
    )
    assert stored.returncode == 0, stored.stderr
    for _ in range(2):  # a dry run changes nothing: the second one proposes the same
        done = run("watch", "assign", "--team", "Ventas", "--dry-run", "--format", "json")
        assert done.returncode == 0, done.stderr
        (report,) = json.loads(done.stdout)
        assert report["team"] == "Ventas" and report["dry_run"] is True
        assert len(report["assigned"]) + report["waiting"] == 3
        if report["assigned"]:
            assert {item["rep"] for item in report["assigned"]} == {"Ana Ruiz", "Marta Gil"}
        else:
            assert report["next_opening"] is not None
