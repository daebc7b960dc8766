"""The permission matrix: every page for anonymous and every role (NetBox style)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from web_testkit import PASSWORD, DemoWorld

from funnelpact.server.accounts.roles import CAPABILITIES, Capability, Role

# (url name, kwargs key, method, capability); "own"/"other" pick the world's leads.
ROUTES: list[tuple[str, str, str, Capability]] = [
    ("web:dashboard", "", "get", Capability.VIEW_DASHBOARD),
    ("web:dashboard-data", "", "get", Capability.VIEW_DASHBOARD),
    ("web:leads", "", "get", Capability.VIEW_LEADS),
    ("web:lead", "own", "get", Capability.VIEW_LEADS),
    ("web:lead", "other", "get", Capability.VIEW_LEADS),
    ("web:lead-touch", "own", "post", Capability.DECIDE_LEADS),
    ("web:lead-decide", "own", "post", Capability.DECIDE_LEADS),
    ("web:planner", "", "get", Capability.VIEW_PLANNER),
    ("web:planner", "", "post", Capability.EDIT_PLANNER),
    ("web:agreement", "", "get", Capability.VIEW_AGREEMENT),
    ("web:agreement-sign", "", "post", Capability.SIGN_AGREEMENT),
    ("web:reports", "", "get", Capability.VIEW_REPORTS),
    ("web:report-download", "csv", "get", Capability.VIEW_REPORTS),
    ("web:report-file", "file", "get", Capability.VIEW_REPORTS),
    ("web:agreement-document", "version", "get", Capability.VIEW_AGREEMENT),
    ("web:imports", "", "get", Capability.RUN_IMPORTS),
    ("web:settings", "", "get", Capability.MANAGE_SETTINGS),
]
USERS = {
    Role.ADMIN: "admin",
    Role.MARKETING: "marketing",
    Role.SALES_MANAGER: "manager",
    Role.SALES_REP: "rep",
    Role.VIEWER: "viewer",
}


def _url(name: str, which: str, world: DemoWorld) -> str:
    if not which:
        return reverse(name)
    if which == "csv":
        return reverse(name, args=["rejections", "csv"])
    if which == "file":  # a report of funnelpact.reports (every format: test_reports_page.py)
        return reverse(name, args=["sales-activity", "csv"])
    if which == "version":
        from funnelpact.server.watch.models import AgreementVersion

        return reverse(name, kwargs={"pk": AgreementVersion.objects.get(active=True).pk})
    return reverse(name, kwargs={"pk": world.own_lead if which == "own" else world.other_lead})


def _body(name: str) -> dict[str, str]:
    if name == "web:lead-decide":
        return {"decision": "accept"}
    if name == "web:lead-touch":
        return {"type": "call"}
    if name == "web:agreement-sign":
        return {"signatory": "nobody"}  # refused as unknown (422): no signature is written
    return {}


def test_every_route_for_anonymous_and_every_role(world: DemoWorld) -> None:
    from funnelpact.server.accounts.people import Profile
    from funnelpact.server.tracking.models import Contact

    manager_team = Profile.objects.get(user__username="manager").team_name
    other_in_manager_team = Contact.objects.filter(
        pk=world.other_lead, owner__team_name=manager_team
    ).exists()
    failures: list[str] = []
    for name, which, method, capability in ROUTES:
        url = _url(name, which, world)
        anonymous = getattr(Client(), method)(url, _body(name))
        expected_anon = {401} if name.endswith("-data") else {302}
        if anonymous.status_code not in expected_anon:
            failures.append(f"anonymous {method} {url}: {anonymous.status_code}")
        elif anonymous.status_code == 302 and "/login/" not in anonymous["Location"]:
            failures.append(f"anonymous {method} {url}: redirected to {anonymous['Location']}")
        for role, username in USERS.items():
            client = Client()
            assert client.login(username=username, password=PASSWORD)
            response = getattr(client, method)(url, _body(name))
            allowed = capability in CAPABILITIES[role]
            if not allowed:
                expected = {403}
            elif (which == "other" and role is Role.SALES_REP) or (
                which == "other" and role is Role.SALES_MANAGER and not other_in_manager_team
            ):
                expected = {404}
            elif name == "web:agreement-sign":
                expected = {422}
            elif method == "post" and name in {"web:lead-decide", "web:lead-touch"}:
                expected = {302, 422}  # 422: the lead was decided by an earlier role's call
            else:
                expected = {200}
            if response.status_code not in expected:
                failures.append(
                    f"{role} {method} {url}: {response.status_code}, expected {sorted(expected)}"
                )
    assert not failures, "\n".join(failures)


def test_htmx_and_json_calls_get_401_when_anonymous(world: DemoWorld) -> None:
    url = reverse("web:lead-decide", kwargs={"pk": world.own_lead})
    response = Client().post(url, {"decision": "accept"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401


def test_a_rep_cannot_see_another_reps_lead(world: DemoWorld) -> None:
    client = Client()
    assert client.login(username="rep", password=PASSWORD)
    assert client.get(reverse("web:lead", kwargs={"pk": world.other_lead})).status_code == 404
    assert client.get(reverse("web:lead", kwargs={"pk": world.own_lead})).status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_matrix_is_total(role: Role) -> None:
    assert CAPABILITIES[role] <= set(Capability)


def test_the_matrix_names_every_page_of_the_web_app() -> None:
    # A page added without a row above fails here, so no route escapes the matrix.
    from funnelpact.server.web import urls

    public = {"login", "logout", "language", "static"}
    named = {pattern.name for pattern in urls.urlpatterns} - public
    assert named == {name.removeprefix("web:") for name, *_ in ROUTES}


def test_every_page_view_declares_its_capability() -> None:
    from funnelpact.server.web import urls

    for pattern in urls.urlpatterns:
        if pattern.name in {"login", "logout", "static"}:
            continue
        assert isinstance(getattr(pattern.callback, "capability", None), Capability), pattern.name
