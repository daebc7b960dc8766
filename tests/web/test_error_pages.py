"""Error pages speak the reader's language inside the app; JSON clients get JSON; the lead page
shows labels (stage, HubSpot source, decisions), not codes."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from web_testkit import PASSWORD, DemoWorld


def _client(username: str | None, language: str = "es") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if username is not None:
        assert client.login(username=username, password=PASSWORD)
        # The profile's language wins over the browser's: set it for the test's language.
        from funnelpact.server.accounts.people import Profile

        Profile.objects.filter(user__username=username).update(language=language)
    return client


def test_a_role_without_the_page_gets_the_app_page_in_its_language(world: DemoWorld) -> None:
    response = _client("viewer", "es").get(reverse("web:settings"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Sin acceso" in body
    assert "Tu rol no da acceso a esta página." in body
    assert reverse("web:dashboard") in body  # the header and the way back
    assert 'lang="es"' in body


def test_an_unknown_address_is_a_404_page_in_italian(world: DemoWorld) -> None:
    response = _client("rep", "it").get("/nothing-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Pagina non trovata" in body
    assert "Torna al cruscotto" in body


def test_a_lead_outside_the_scope_reads_as_not_found(world: DemoWorld) -> None:
    response = _client("rep", "es").get(reverse("web:lead", kwargs={"pk": world.other_lead}))
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_anonymous_404_offers_the_sign_in(world: DemoWorld) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/nothing-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert reverse("web:login") in body


def test_json_clients_get_json(world: DemoWorld) -> None:
    api = Client().get("/api/no-such-endpoint")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"  # the API's own error shape, untouched
    htmx = _client("viewer", "en").get(reverse("web:settings"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403
    assert htmx.json() == {"detail": "forbidden"}


def test_an_expired_form_says_what_to_do(world: DemoWorld) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="es")
    assert client.login(username="rep", password=PASSWORD)
    from funnelpact.server.accounts.people import Profile

    Profile.objects.filter(user__username="rep").update(language="es")
    response = client.post(reverse("web:logout"), {})
    assert response.status_code == 403
    assert "Este formulario ha caducado" in response.content.decode()


def test_the_lead_page_shows_labels_not_codes(world: DemoWorld) -> None:
    from funnelpact.server.tracking.models import Contact, Touch

    contact = Contact.objects.get(pk=world.own_lead)
    contact.source = "ORGANIC_SEARCH"
    contact.save(update_fields=["source"])
    page = _client("rep", "es").get(reverse("web:lead", kwargs={"pk": contact.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    facts = body[body.index('<dl class="facts">') : body.index("</dl>")]
    assert "Búsqueda orgánica" in facts and "ORGANIC_SEARCH" not in facts
    # The demo agreement (Spanish) labels the MQL stage; the code is not shown as the stage.
    assert "Lead cualificado por marketing (MQL)" in facts
    timeline = body[body.index('<ol class="timeline">') :]
    assert re.search(r'class="kind">etapa</span>\s*Lead cualificado por marketing', timeline)
    # A touch's kind is a translated word; its text is what the CRM recorded, not "page view:".
    assert "page view:" not in timeline
    subjects = [
        t.subject
        for t in Touch.objects.filter(contact=contact)
        if t.subject and ":" not in t.subject
    ]
    for subject in subjects[:3]:
        assert subject in timeline


def test_pages_link_the_packaged_favicon(world: DemoWorld) -> None:
    body = Client().get(reverse("web:login")).content.decode()
    match = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', body)
    assert match is not None
    icon = Client().get(match.group(1))
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
