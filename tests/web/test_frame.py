"""The dashboard's page frame (web/frame.py) is rendered once per language, role and path and
kept: what it serves must be what rendering web/dashboard.html for the request gives, for every
role and language, with the request's own CSRF token, user name and URL."""

from __future__ import annotations

import re

import pytest
from django.shortcuts import render
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from web_testkit import PASSWORD, DemoWorld

from funnelpact.server.web import frame
from funnelpact.server.web.permissions import viewer_of

USERS = ("admin", "marketing", "manager", "rep", "viewer")
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[A-Za-z0-9]+"')
MAIN = re.compile(r"<main id=\"main\" tabindex=\"-1\">\n\n(.*)\n\n</main>", re.DOTALL)


def _tokens(html: str) -> list[str]:
    return [m.group(0) for m in TOKEN.finditer(html)]


def _reference(response: object, html: str) -> str:
    """web/dashboard.html rendered the usual way for the same request and panels."""
    request = response.wsgi_request  # type: ignore[attr-defined]
    viewer = viewer_of(request)
    found = MAIN.search(html)
    assert viewer is not None and found is not None
    return render(
        request,
        "web/dashboard.html",
        {"viewer": viewer, "caps": frame.caps_of(viewer), "panels": mark_safe(found.group(1))},
    ).content.decode()


@pytest.mark.parametrize("language", ["en", "es", "it"])
def test_the_kept_frame_is_the_rendered_page_for_every_role(
    world: DemoWorld, language: str
) -> None:
    frame.forget_frames()
    url = reverse("web:dashboard") + "?period=week&source=web"
    for username in USERS:
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        client.cookies["django_language"] = language
        for _ in range(2):  # the first view renders the frame, the second reuses it
            response = client.get(url)
            assert response.status_code == 200
            html = response.content.decode()
            with translation.override(language):
                expected = _reference(response, html)
            # Masked CSRF tokens differ at each rendering; each page carries three of its own.
            assert TOKEN.sub("TOKEN", html) == TOKEN.sub("TOKEN", expected)
            assert len(_tokens(html)) == 3
            assert f"{username} · " in html
            # The URL, escaped as the template escapes it (the language form's `next`).
            assert 'name="next" value="/?period=week&amp;source=web"' in html
            assert frame.CSRF_SLOT not in html and frame.USER_SLOT not in html
            assert frame.PATH_SLOT not in html and frame.MAIN_SLOT not in html


def test_the_frames_csrf_token_is_accepted_and_sign_out_works(world: DemoWorld) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="rep", password=PASSWORD)
    html = client.get(reverse("web:dashboard")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', html)
    assert token is not None
    assert client.post(reverse("web:logout"), {}).status_code == 403  # no token: refused
    signed_out = client.post(reverse("web:logout"), {"csrfmiddlewaretoken": token.group(1)})
    assert signed_out.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 302  # to the login page
