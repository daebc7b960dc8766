"""Optional OIDC single sign-on (django-allauth) against a fake provider on loopback: off by
default; when configured the login page offers it, and a first login creates the user with the
role its group claim maps to (default viewer)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from fake_oidc import FakeProvider, running

from funnelpact.server.accounts.people import AuditAction, AuditEntry, Profile
from funnelpact.server.accounts.roles import Role
from funnelpact.server.accounts.sso_config import SsoConfig, SsoConfigError, from_env

LOGIN = "/sso/oidc/sso/login/"
ROLES = "revops=admin,growth=marketing,sales-leads=sales_manager,sales=sales_rep"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider(
        client_id="funnelpact-web",
        client_secret="s3cret-for-tests",
        claims={
            "sub": "u-100",
            "email": "ana.gomez@example.com",
            "email_verified": True,
            "preferred_username": "ana.gomez",
            "name": "Ana Gómez",
            "groups": ["everyone"],
        },
    )
    with running(fake):
        yield fake


@pytest.fixture
def sso(provider: FakeProvider) -> Iterator[SsoConfig]:
    config = from_env(
        {
            "FUNNELPACT_OIDC_ISSUER": provider.issuer,
            "FUNNELPACT_OIDC_CLIENT_ID": provider.client_id,
            "FUNNELPACT_OIDC_CLIENT_SECRET": provider.client_secret,
            "FUNNELPACT_OIDC_NAME": "Acme SSO",
            "FUNNELPACT_OIDC_ROLES": ROLES,
        }
    )
    with override_settings(FUNNELPACT_SSO=config, SOCIALACCOUNT_PROVIDERS=config.providers()):
        yield config


def _sign_in(client: Client, provider: FakeProvider) -> Any:
    """The browser's round trip: our login -> the provider -> our callback."""
    start = client.post(LOGIN)
    assert start.status_code == 302, start.content[:300]
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    at_provider = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(back.path, dict(parse_qsl(back.query)))


def test_sso_is_off_by_default(db: None) -> None:
    from django.conf import settings

    assert not settings.FUNNELPACT_SSO.enabled
    page = Client().get(reverse("web:login")).content.decode()
    assert "sso-button" not in page
    assert Client().post(LOGIN).status_code == 404


def test_the_login_page_offers_sso_when_configured(db: None, sso: SsoConfig) -> None:
    page = Client().get(reverse("web:login")).content.decode()
    assert 'action="/sso/oidc/sso/login/"' in page
    assert "Sign in with Acme SSO" in page
    spanish = Client().get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Entrar con Acme SSO" in spanish


def test_a_first_sso_login_creates_a_viewer_by_default(
    db: None, sso: SsoConfig, provider: FakeProvider
) -> None:
    client = Client()
    done = _sign_in(client, provider)
    assert done.status_code == 302 and done["Location"] == reverse("web:dashboard")
    user = User.objects.get(email="ana.gomez@example.com")
    assert user.username == "ana.gomez" and not user.has_usable_password()
    assert Profile.objects.get(user=user).role == Role.VIEWER
    entry = AuditEntry.objects.get(action=AuditAction.USER_CREATED, subject="ana.gomez")
    assert entry.actor == "sso" and entry.detail["groups"] == ["everyone"]
    # Signed in: the dashboard opens; the token request carried the secret and PKCE verifier.
    assert client.get(reverse("web:dashboard")).status_code == 200
    request = provider.token_requests[-1]
    assert request["client_secret"] == "s3cret-for-tests" and request["code_verifier"]


def test_the_group_claim_maps_to_the_role_and_a_rep_is_linked_by_email(
    db: None, sso: SsoConfig, provider: FakeProvider
) -> None:
    from funnelpact.server.tracking.models import Rep

    rep = Rep.objects.create(
        system="hubspot", external_id="51000009", name="Ana Gómez",
        email="Ana.Gomez@example.com", team_name="Ventas SMB",
    )  # fmt: skip
    provider.claims["groups"] = ["everyone", "sales"]
    client = Client()
    assert _sign_in(client, provider).status_code == 302
    profile = Profile.objects.get(user__username="ana.gomez")
    assert profile.role == Role.SALES_REP
    assert profile.rep == rep and profile.team_name == "Ventas SMB"
    # The most powerful mapped group wins.
    assert sso.role_for({"groups": ["sales", "growth"]}) is Role.MARKETING
    assert sso.role_for({"groups": "revops"}) is Role.ADMIN


def test_a_later_login_keeps_the_role_the_admin_set(
    db: None, sso: SsoConfig, provider: FakeProvider
) -> None:
    assert _sign_in(Client(), provider).status_code == 302
    Profile.objects.filter(user__username="ana.gomez").update(role=Role.MARKETING.value)
    provider.claims["groups"] = ["revops"]
    again = Client()
    assert _sign_in(again, provider).status_code == 302
    assert User.objects.filter(email="ana.gomez@example.com").count() == 1
    assert Profile.objects.get(user__username="ana.gomez").role == Role.MARKETING
    assert AuditEntry.objects.filter(action=AuditAction.USER_CREATED).count() == 1


def test_an_id_token_for_another_audience_is_refused(
    db: None, sso: SsoConfig, provider: FakeProvider
) -> None:
    provider.audience = "some-other-app"
    client = Client()
    refused = _sign_in(client, provider)
    assert refused.status_code == 401
    assert "Single sign-on failed" in refused.content.decode()
    assert not User.objects.filter(email="ana.gomez@example.com").exists()
    assert client.get(reverse("web:dashboard")).status_code == 302  # still anonymous


def test_a_forged_state_is_refused(db: None, sso: SsoConfig, provider: FakeProvider) -> None:
    client = Client()
    client.post(LOGIN)
    response = client.get(f"{LOGIN}callback/", {"code": "whatever", "state": "forged"})
    assert response.status_code == 401
    assert not User.objects.filter(username="ana.gomez").exists()


def test_configuration_from_the_environment() -> None:
    assert not from_env({}).enabled
    config = from_env(
        {
            "FUNNELPACT_OIDC_ISSUER": "https://id.example.com/realms/acme/",
            "FUNNELPACT_OIDC_CLIENT_ID": "web",
            "FUNNELPACT_OIDC_ROLES": ROLES,
            "FUNNELPACT_OIDC_DEFAULT_ROLE": "marketing",
            "FUNNELPACT_OIDC_ROLE_CLAIM": "roles",
        }
    )
    assert config.issuer == "https://id.example.com/realms/acme"
    app = config.providers()["openid_connect"]["APPS"][0]
    assert app["settings"]["server_url"] == "https://id.example.com/realms/acme"
    assert config.role_for({"roles": ["sales-leads"]}) is Role.SALES_MANAGER
    assert config.role_for({"groups": ["revops"]}) is Role.MARKETING  # another claim: default
    for environ, says in [
        ({"FUNNELPACT_OIDC_CLIENT_ID": " "}, "FUNNELPACT_OIDC_CLIENT_ID: required"),
        ({"FUNNELPACT_OIDC_ISSUER": "id.example.com"}, "is not an http.s. URL"),
        ({"FUNNELPACT_OIDC_ROLES": "sales=boss"}, "'boss' is not a role"),
        ({"FUNNELPACT_OIDC_ROLES": "sales"}, "is not group=role"),
        ({"FUNNELPACT_OIDC_DEFAULT_ROLE": "root"}, "FUNNELPACT_OIDC_DEFAULT_ROLE"),
    ]:
        full = {"FUNNELPACT_OIDC_ISSUER": "https://x", "FUNNELPACT_OIDC_CLIENT_ID": "c", **environ}
        with pytest.raises(SsoConfigError, match=says):
            from_env(full)


def test_a_bad_sso_variable_stops_the_server_with_its_name(tmp_path: Any) -> None:
    env = {
        **os.environ,
        "FUNNELPACT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "FUNNELPACT_OIDC_ISSUER": "https://id.example.com",
        "FUNNELPACT_OIDC_CLIENT_ID": "web",
        "FUNNELPACT_OIDC_DEFAULT_ROLE": "root",
    }
    done = subprocess.run(
        [sys.executable, "-m", "funnelpact.server.manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "FUNNELPACT_OIDC_DEFAULT_ROLE: 'root' is not a role" in done.stderr
    assert "Traceback" not in done.stderr
