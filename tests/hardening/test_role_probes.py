"""Re-probe: a rep, a viewer and an anonymous user against every object of another team.

The probes are generated from the URL conf (every route of the web app, the admin, the API and
the rest) and from the OpenAPI schema, so a new route is probed without editing this file; a
new route that takes an object id or another parameter fails `test_every_parameterised_route_is
_classified` until it is given a kind below (what its parameter points at).

What is checked, on the demo company of tests/web (two sales teams, one user per role):
- every lead of the other team, on every route with a lead id (page, decide, touch): the rep
  gets 404, the viewer (no lead capability) 403, the anonymous user a redirect to the login
  page, and each the same answer as for an id that does not exist (no existence oracle); the
  POSTs change nothing;
- every API operation with a {ref}, for every lead of the other team: 401 without a token, also
  with the rep's or viewer's session cookie (the API takes tokens only);
- the admin's object routes: a redirect to the admin's login for all three (none is staff);
- every page without parameters (lists, dashboard data, planner, agreement, reports, settings,
  the OpenAPI routes, ...) and every export (the CSV/XLSX tables, every report of
  funnelpact.reports as PDF, CSV and XLSX): no e-mail address or name of a lead the user may
  not see; the PDF's text is extracted to be searched.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "web"))
from web_testkit import PASSWORD, DemoWorld, build_world  # noqa: E402

pytestmark = pytest.mark.django_db

# What each route's parameters point at. LEAD: a contact's id (team-scoped); REF: a contact's
# "system:id" (team-scoped); ADMIN: any admin object; the rest hold no team object.
LEAD, REF, ADMIN, EXPORT, AGREEMENT, NOT_AN_OBJECT = (
    "lead",
    "ref",
    "admin",
    "export",
    "agreement",
    "not an object",
)
KINDS: dict[str, str] = {
    "web:lead": LEAD,
    "web:lead-decide": LEAD,
    "web:lead-touch": LEAD,
    "api:get_contact": REF,
    "api:get_timeline": REF,
    "api:post_decision": REF,
    "api:get_obligations": REF,
    "web:report-download": EXPORT,
    "web:report-file": EXPORT,
    "web:agreement-document": AGREEMENT,  # the company's agreement versions: no team
    "web:static": NOT_AN_OBJECT,  # files of the app
    "api-docs-asset": NOT_AN_OBJECT,  # files of the API docs page
    "api_not_found": NOT_AN_OBJECT,  # any other /api/ path: a JSON 404
    "webhook-in": NOT_AN_OBJECT,  # a source name; signed requests only (tests/webhooks)
    "openid_connect_login": NOT_AN_OBJECT,  # an SSO provider
    "openid_connect_callback": NOT_AN_OBJECT,
}
# Pages a GET must not be sent to in a probe (they change the session, not data).
NO_GET = {"web:logout", "web:language", "admin:logout"}
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    pattern: str  # the route as written, parameters included
    name: str
    params: tuple[str, ...]

    def url(self, **values: object) -> str:
        def fill(match: re.Match[str]) -> str:
            return str(values[match.group(1) or match.group(2)])

        path = PARAM.sub(fill, self.pattern).lstrip("^").rstrip("$")
        return "/" + path


def routes() -> list[Route]:
    """Every route of the URL conf, the included ones too."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for item in patterns:
            if isinstance(item, URLResolver):
                inner = namespace
                if item.namespace:
                    inner = f"{namespace}:{item.namespace}" if namespace else item.namespace
                yield from walk(item.url_patterns, prefix + str(item.pattern), inner)
            elif isinstance(item, URLPattern):
                pattern = prefix + str(item.pattern)
                name = f"{namespace}:{item.name}" if namespace else str(item.name)
                params = tuple(a or b for a, b in PARAM.findall(pattern))
                yield Route(pattern, name, params)

    return list(walk(get_resolver().url_patterns, "", ""))


def _kind(route: Route) -> str | None:
    if route.pattern.startswith("admin/"):
        return ADMIN
    return KINDS.get(route.name)


def test_every_parameterised_route_is_classified() -> None:
    unclassified = [
        f"{route.pattern} ({route.name})"
        for route in routes()
        if route.params and _kind(route) is None
    ]
    assert not unclassified, (
        "routes with parameters not in KINDS (say what they point at, so they are probed):\n"
        + "\n".join(unclassified)
    )


def test_every_api_operation_with_a_ref_is_probed() -> None:
    from funnelpact.server.api.main import api

    by_path = {r.url(ref="{ref}").lstrip("/"): r for r in routes() if r.params == ("ref",)}
    for path in api.get_openapi_schema()["paths"]:
        if "{" in path:
            route = by_path.get(path.lstrip("/"))
            assert route is not None and _kind(route) == REF, path


# -- the world: who may see what --------------------------------------------------------------


@dataclass
class Probe:
    other_leads: list[int]  # every lead of the other team
    other_refs: list[str]
    missing_lead: int  # an id no contact has
    leaks: dict[str, list[str]]  # user -> strings that must not appear in what they get
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def probe(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probe]:
    """The demo company, built once for this module's tests (it is most of their time), in an
    outer transaction rolled back after the last one, as Django's TestCase.setUpTestData does:
    each test still runs in its own savepoint (pytest-django), so what one changes is undone
    before the next, and nothing of it outlives the module."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        outer._from_testcase = True  # type: ignore[attr-defined]  # as TestCase's class atomic
        try:
            yield _build_probe(tmp_path_factory.mktemp("probe"))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _build_probe(folder: Path) -> Probe:
    from django.db.models import Max

    from funnelpact.server.accounts.people import Profile
    from funnelpact.server.tracking.models import Contact, ContactIdentity, Rep

    world: DemoWorld = build_world(folder)
    rep_team = Profile.objects.get(user__username="rep").team_name
    rep2_team = Profile.objects.get(user__username="rep2").team_name
    assert rep_team and rep2_team and rep_team != rep2_team
    own = Contact.objects.filter(owner_id=Profile.objects.get(user__username="rep").rep_id)
    other = Contact.objects.filter(owner__team_name=rep2_team)
    other_leads = sorted(other.values_list("pk", flat=True))
    assert world.other_lead in other_leads and len(other_leads) >= 10
    refs: dict[int, str] = {}
    for contact_id, system, external_id in ContactIdentity.objects.filter(
        contact_id__in=other_leads
    ).values_list("contact_id", "system", "external_id"):
        refs.setdefault(contact_id, f"{system}:{external_id}")

    # Names shared with a lead the user may see, or with a rep, prove nothing: left out.
    def names(rows: Any) -> set[str]:
        return {f"{first} {last}".strip() for first, last in rows if first and last}

    reps = {str(name) for name in Rep.objects.values_list("name", flat=True)}
    visible_to_rep = names(own.values_list("first_name", "last_name")) | reps
    other_names = names(other.values_list("first_name", "last_name"))
    everyone = Contact.objects.all()
    leaks = {
        "rep": sorted(
            {e for e in other.values_list("email", flat=True) if e} | (other_names - visible_to_rep)
        ),
        # The viewer sees no lead at all (lead scope: none).
        "viewer": sorted(
            {e for e in everyone.values_list("email", flat=True) if e}
            | (names(everyone.values_list("first_name", "last_name")) - reps)
        ),
    }
    assert len(leaks["rep"]) >= len(other_leads)
    clients = {"anonymous": Client()}
    for user in ("rep", "viewer"):
        clients[user] = Client()
        assert clients[user].login(username=user, password=PASSWORD)
    missing = (Contact.objects.aggregate(m=Max("pk"))["m"] or 0) + 10_000
    return Probe(other_leads, [refs[c] for c in other_leads if c in refs], missing, leaks, clients)


def _leaked(user: str, text: str, probe: Probe) -> list[str]:
    return [value for value in probe.leaks.get(user, []) if value in text]


def _is_login_redirect(response: Any, login: str = "/login/") -> bool:
    return response.status_code == 302 and login in response["Location"]


# -- objects of another team --------------------------------------------------------------------


def _every_lead_of_another_team_on_every_lead_route(probe: Probe) -> None:
    from funnelpact.server.tracking.models import HandoffDecision, Touch

    before = (HandoffDecision.objects.count(), Touch.objects.count())
    lead_routes = [r for r in routes() if _kind(r) == LEAD]
    assert {r.name for r in lead_routes} >= {"web:lead", "web:lead-decide", "web:lead-touch"}
    bodies = {"web:lead-decide": {"decision": "accept"}, "web:lead-touch": {"type": "call"}}
    failures: list[str] = []
    for route in lead_routes:
        method = "post" if route.name in bodies else "get"
        body = bodies.get(route.name, {})
        for user, client in probe.clients.items():
            call = getattr(client, method)
            missing = call(route.url(pk=probe.missing_lead), body)
            for lead in probe.other_leads:
                response = call(route.url(pk=lead), body)
                if user == "anonymous":
                    ok = _is_login_redirect(response)
                else:
                    ok = response.status_code == {"rep": 404, "viewer": 403}[user]
                same = response.status_code == missing.status_code
                if not ok or not same:
                    failures.append(
                        f"{user} {method} {route.url(pk=lead)}: {response.status_code} "
                        f"(an id that does not exist: {missing.status_code})"
                    )
                elif leaked := _leaked(user, response.content.decode(errors="replace"), probe):
                    failures.append(f"{user} {route.url(pk=lead)} shows {leaked[:3]}")
    assert not failures, "\n".join(failures[:40])
    assert (HandoffDecision.objects.count(), Touch.objects.count()) == before


def _every_api_route_with_a_ref_refuses_sessions_and_no_token(probe: Probe) -> None:
    failures: list[str] = []
    api_routes = [r for r in routes() if _kind(r) == REF]
    assert len(api_routes) >= 4
    for route in api_routes:
        method = "post" if route.name.startswith("api:post") else "get"
        for user, client in probe.clients.items():
            for ref in probe.other_refs:
                url = route.url(ref=ref)
                if method == "post":
                    response = client.post(
                        url, {"decision": "accept"}, content_type="application/json"
                    )
                else:
                    response = client.get(url)
                if response.status_code != 401 or _leaked(
                    "viewer", response.content.decode(), probe
                ):
                    failures.append(f"{user} {method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures[:40])


def _admin_object_routes_send_everyone_to_the_admin_login(probe: Probe) -> None:
    failures: list[str] = []
    admin_routes = [r for r in routes() if _kind(r) == ADMIN and r.params]
    assert admin_routes
    for route in admin_routes:
        for lead in probe.other_leads[:3]:  # the answer does not depend on the object
            url = route.url(**dict.fromkeys(route.params, lead))
            for user, client in probe.clients.items():
                response = client.get(url)
                if not _is_login_redirect(response, "/admin/login/"):
                    failures.append(f"{user} GET {url}: {response.status_code}")
    assert not failures, "\n".join(failures[:40])


# -- lists, search, exports ----------------------------------------------------------------------


def _text(response: Any) -> str:
    """What a person could read in a response: the text of a PDF or an XLSX too."""
    content_type = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith("application/pdf"):
        import pypdfium2  # type: ignore[import-untyped]

        document = pypdfium2.PdfDocument(data)
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return data.decode("utf-8", errors="replace")


def _no_page_without_parameters_leaks_another_teams_leads(probe: Probe) -> None:
    failures: list[str] = []
    pages = [r for r in routes() if not r.params and r.name not in NO_GET]
    assert len(pages) > 20
    for route in pages:
        url = route.url()
        for user, client in probe.clients.items():
            response = client.get(url, follow=False)
            if user == "anonymous":
                # Public: the login pages, the API's schema and docs, and the API's JSON 401/405.
                if response.status_code >= 500:
                    failures.append(f"anonymous GET {url}: {response.status_code}")
                text = _text(response)
                if leaked := _leaked("viewer", text, probe):
                    failures.append(f"anonymous GET {url} shows {leaked[:3]}")
                continue
            if response.status_code >= 500:
                failures.append(f"{user} GET {url}: {response.status_code}")
            elif leaked := _leaked(user, _text(response), probe):
                failures.append(f"{user} GET {url} ({response.status_code}) shows {leaked[:3]}")
    assert not failures, "\n".join(failures)


def _lead_search_and_filters_find_nothing_of_another_team(probe: Probe) -> None:
    from funnelpact.server.tracking.models import Contact

    failures: list[str] = []
    sample = Contact.objects.filter(pk__in=probe.other_leads[:5])
    for contact in sample:
        for query in (contact.email, contact.last_name, str(contact.pk)):
            for params in ({"q": query}, {"search": query}, {"lead": query}, {"contact": query}):
                response = probe.clients["rep"].get("/leads/", params)
                if leaked := _leaked("rep", _text(response), probe):
                    failures.append(f"rep /leads/?{params}: shows {leaked[:3]}")
    assert not failures, "\n".join(failures)


def _every_export_holds_no_lead_of_another_team(probe: Probe) -> None:
    from funnelpact.reports.registry import BY_SLUG
    from funnelpact.server.web import views
    from funnelpact.server.web.reports import DOWNLOAD_FORMATS

    exports = [r for r in routes() if _kind(r) == EXPORT]
    assert {r.name for r in exports} == {"web:report-download", "web:report-file"}
    urls: list[tuple[str, str]] = []
    for route in exports:
        if route.name == "web:report-download":
            urls += [(route.url(name=n, fmt=f), n) for n in views.REPORTS for f in ("csv", "xlsx")]
        else:
            urls += [(route.url(slug=s, fmt=f.value), s) for s in BY_SLUG for f in DOWNLOAD_FORMATS]
    failures: list[str] = []
    other = {str(pk) for pk in probe.other_leads}
    for url, name in urls:
        for user in ("rep", "viewer"):
            response = probe.clients[user].get(url)
            if response.status_code != 200:
                failures.append(f"{user} GET {url}: {response.status_code}")
                continue
            text = _text(response)
            if leaked := _leaked(user, text, probe):
                failures.append(f"{user} GET {url} shows {leaked[:3]}")
            if url.endswith(".csv") and name == "obligations":  # its first column: contact id
                rows = list(csv.reader(io.StringIO(text)))[1:]
                if shown := {row[0] for row in rows if row} & other:
                    failures.append(f"{user} GET {url} lists contacts {sorted(shown)[:5]}")
        anonymous = probe.clients["anonymous"].get(url)
        if not _is_login_redirect(anonymous):
            failures.append(f"anonymous GET {url}: {anonymous.status_code}")
    assert not failures, "\n".join(failures)


# -- the tests: one demo company for the module (building it is most of the time) ------------


def test_objects_of_another_team(probe: Probe) -> None:
    _every_lead_of_another_team_on_every_lead_route(probe)
    _every_api_route_with_a_ref_refuses_sessions_and_no_token(probe)
    _admin_object_routes_send_everyone_to_the_admin_login(probe)


def test_lists_search_and_exports(probe: Probe) -> None:
    _no_page_without_parameters_leaks_another_teams_leads(probe)
    _lead_search_and_filters_find_nothing_of_another_team(probe)
    _every_export_holds_no_lead_of_another_team(probe)
