"""The pages' behaviour through Django's test client: login throttle and hashing, decisions and
touches with their audit entries, planner scenarios, reports, imports, settings, languages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from web_testkit import PASSWORD, DemoWorld

from funnelpact.server.accounts.people import AuditAction, AuditEntry, Profile
from funnelpact.server.accounts.people_services import LOGIN_FAILURE_LIMIT
from funnelpact.server.accounts.roles import Role
from funnelpact.server.tracking.models import HandoffDecision, Touch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_passwords_are_hashed_with_argon2(world: DemoWorld) -> None:
    assert User.objects.get(username="rep").password.startswith("argon2$")


def test_login_is_throttled_after_repeated_failures(world: DemoWorld) -> None:
    client = Client()
    url = reverse("web:login")
    for _ in range(LOGIN_FAILURE_LIMIT):
        response = client.post(url, {"username": "rep", "password": "wrong"})
        assert response.status_code == 400
    # Even the right password is refused while the pair is locked.
    locked = client.post(url, {"username": "rep", "password": PASSWORD})
    assert locked.status_code == 429
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == LOGIN_FAILURE_LIMIT
    # Another user from the same address is not locked out.
    other = client.post(url, {"username": "viewer", "password": PASSWORD})
    assert other.status_code == 302


def test_accept_through_htmx_stores_the_decision_and_audits_it(world: DemoWorld) -> None:
    client = _client("rep")
    url = reverse("web:lead-decide", kwargs={"pk": world.own_lead})
    response = client.post(url, {"decision": "accept"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"badge met" in response.content
    decision = HandoffDecision.objects.get(contact_id=world.own_lead, decision="accepted")
    rep = Profile.objects.get(user__username="rep").rep
    assert decision.decided_by == rep
    entry = AuditEntry.objects.get(action=AuditAction.LEAD_ACCEPTED)
    assert entry.actor == "rep" and entry.subject == f"contact {world.own_lead}"
    # The lead left the rep's open list.
    assert f'id="lead-{world.own_lead}"' not in client.get(reverse("web:leads")).content.decode()


def test_reject_needs_one_of_the_agreements_reasons(world: DemoWorld) -> None:
    client = _client("rep")
    url = reverse("web:lead-decide", kwargs={"pk": world.own_lead})
    refused = client.post(url, {"decision": "reject", "reason": "bored"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert b"unknown rejection reason" in refused.content
    done = client.post(url, {"decision": "reject", "reason": "not_icp"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    decision = HandoffDecision.objects.get(contact_id=world.own_lead, decision="rejected")
    assert decision.reason == "not_icp"


def test_logging_a_touch_stores_it_for_the_rep(world: DemoWorld) -> None:
    client = _client("rep")
    before = Touch.objects.filter(contact_id=world.own_lead, system="web").count()
    url = reverse("web:lead-touch", kwargs={"pk": world.own_lead})
    response = client.post(url, {"type": "call", "subject": "intro"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    touch = Touch.objects.filter(contact_id=world.own_lead, system="web").get()
    assert before == 0 and touch.type == "call" and touch.subject == "intro"
    assert touch.rep == Profile.objects.get(user__username="rep").rep
    bad = client.post(url, {"type": "page_view"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422


def test_planner_runs_saves_and_compares_scenarios(world: DemoWorld) -> None:
    client = _client("marketing")
    url = reverse("web:planner")
    form = {"goal": "100000", "deal_size": "1000", "start": "2026-01-01", "name": "base"}
    form.update({f"rate_{s}": "0.5" for s in ("prospect", "lead", "mql", "sql", "opportunity")})
    response = client.post(url, {**form, "save": "1"})
    assert response.status_code == 200
    assert response.context["result"].customers == 100
    doubled = client.post(url, {**form, "goal": "200000", "name": "double", "save": "1"})
    assert doubled.context["result"].customers == 200
    from funnelpact.server.web.models import SavedScenario

    ids = [str(pk) for pk in SavedScenario.objects.values_list("pk", flat=True)]
    compared = client.get(url, {"compare": ids}).context["comparison"]
    rows = dict(compared.rows)
    assert sorted(rows["customers"]) == [100, 200]
    assert sorted(rows["mql"]) == [800, 1600]
    bad = client.post(url, {**form, "goal": "lots"})
    assert bad.context["errors"] == ["goal: 'lots' is not a number"]


def test_reports_download_as_csv_and_xlsx(world: DemoWorld) -> None:
    client = _client("admin")
    text = client.get(reverse("web:report-download", args=["obligations", "csv"])).content
    rows = list(csv.reader(io.StringIO(text.decode())))
    assert rows[0][:4] == ["contact", "cycle", "obligation", "status"]
    from funnelpact.server.watch.models import Obligation

    assert len(rows) - 1 == Obligation.objects.count()
    data = client.get(reverse("web:report-download", args=["rejections", "xlsx"])).content
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == ["reason", "source", "campaign", "count"]
    assert client.get(reverse("web:report-download", args=["nope", "csv"])).status_code == 404


def test_import_refusal_names_the_row_and_stores_nothing(world: DemoWorld, tmp_path: Path) -> None:
    client = _client("admin")
    bad = tmp_path / "contacts.csv"
    bad.write_text(
        "Record ID,Email,Create Date,Lifecycle Stage\n1,a@example.com,not a date,lead\n",
        encoding="utf-8",
    )
    from funnelpact.server.tracking.models import Contact

    before = Contact.objects.count()
    with bad.open("rb") as handle:
        response = client.post(reverse("web:imports"), {"source": "hubspot", "files": handle})
    assert response.status_code == 422
    lines = response.context["outcome"]["lines"]
    assert any("contacts.csv" in line for line in lines), lines
    assert Contact.objects.count() == before


def test_settings_change_a_role_and_audit_it(world: DemoWorld) -> None:
    client = _client("admin")
    response = client.post(
        reverse("web:settings"), {"action": "role", "username": "viewer", "role": "marketing"}
    )
    assert response.status_code == 200
    assert Profile.objects.get(user__username="viewer").role == Role.MARKETING
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_CHANGED)
    assert entry.detail == {"before": "viewer", "after": "marketing"}
    token = client.post(
        reverse("web:settings"), {"action": "token", "name": "crm", "scopes": ["events:write"]}
    )
    assert token.context["new_secret"].startswith("fpt_")


def test_the_spanish_ui_follows_the_browser_then_the_users_choice(world: DemoWorld) -> None:
    client = _client("manager")
    spanish = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert "<h1>Panel</h1>" in spanish.content.decode()
    chosen = client.post(reverse("web:language"), {"language": "it", "next": "/"})
    assert chosen.status_code == 302
    assert Profile.objects.get(user__username="manager").language == "it"
    italian = client.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="es-ES")
    assert "<h1>Cruscotto</h1>" in italian.content.decode()


def test_a_mapped_csv_imports_through_its_uploaded_mapping(world: DemoWorld) -> None:
    from funnelpact.server.tracking.models import ContactIdentity

    folder = EXAMPLES / "exports" / "mapping"
    rows = (folder / "pipedrive-persons.csv").read_text(encoding="utf-8").splitlines()[1:]
    client = _client("marketing")
    with (
        (folder / "pipedrive-persons.csv").open("rb") as data,
        (folder / "pipedrive-persons.map.yaml").open("rb") as mapping,
    ):
        response = client.post(
            reverse("web:imports"), {"source": "mapping", "files": data, "mapping": mapping}
        )
    assert response.status_code == 200, response.context["outcome"]
    outcome = response.context["outcome"]
    assert outcome["files"][0][2] == len([row for row in rows if row.strip()])
    assert ContactIdentity.objects.filter(system="csv", external_id="pd-3101").exists()
    missing = client.post(reverse("web:imports"), {"source": "mapping", "files": io.BytesIO(b"")})
    assert missing.status_code == 422


def test_dashboard_figures_are_cached_until_the_store_changes(transactional_db: None) -> None:
    import tempfile
    from datetime import UTC, datetime

    from web_testkit import build_world

    from funnelpact.server.accounts.roles import Role
    from funnelpact.server.web import services
    from funnelpact.server.web.permissions import Viewer

    with tempfile.TemporaryDirectory() as folder:
        world = build_world(Path(folder))
    viewer = Viewer("admin", Role.ADMIN, None, "", "")
    now = datetime.now(UTC)
    first = services.dashboard(services.Filters(), viewer, now)
    assert services.dashboard(services.Filters(), viewer, now) == first
    client = _client("rep")
    client.post(reverse("web:lead-decide", kwargs={"pk": world.own_lead}), {"decision": "accept"})
    after = services.dashboard(services.Filters(), viewer, now)
    assert after.accepted == first.accepted + 1
    assert after == services.compute_dashboard(services.Filters(), viewer, now)
