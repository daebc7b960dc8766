"""Optional single sign-on (OpenID Connect through django-allauth), read from the environment.

Off unless ``FUNNELPACT_OIDC_ISSUER`` is set. Imported by the settings module, so it reads
only the environment: no Django model, no network.

| variable | meaning |
|---|---|
| FUNNELPACT_OIDC_ISSUER | the provider's issuer URL (`/.well-known/openid-configuration` read) |
| FUNNELPACT_OIDC_CLIENT_ID, FUNNELPACT_OIDC_CLIENT_SECRET | this app's client at the provider |
| FUNNELPACT_OIDC_NAME | the login button's label (default "SSO") |
| FUNNELPACT_OIDC_ROLE_CLAIM | the claim holding the user's groups (default `groups`) |
| FUNNELPACT_OIDC_ROLES | `group=role,...`: the role a first login gets (the most powerful match) |
| FUNNELPACT_OIDC_DEFAULT_ROLE | the role without a matching group (default `viewer`) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from funnelpact.server.accounts.roles import Role

PROVIDER_ID: Final = "sso"  # the URL: /sso/oidc/sso/login/
# Installed whether SSO is on or not (their tables always exist); off, no provider is configured.
APPS: Final = [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
MIDDLEWARE: Final = ["allauth.account.middleware.AccountMiddleware"]
# Most powerful first: a user in several mapped groups gets the first of these.
ROLE_ORDER: Final = (Role.ADMIN, Role.MARKETING, Role.SALES_MANAGER, Role.SALES_REP, Role.VIEWER)


class SsoConfigError(ValueError):
    """A FUNNELPACT_OIDC_* variable that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class SsoConfig:
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    name: str = "SSO"
    role_claim: str = "groups"
    roles: Mapping[str, Role] = field(default_factory=dict)
    default_role: Role = Role.VIEWER

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    def providers(self) -> dict[str, Any]:
        """allauth's SOCIALACCOUNT_PROVIDERS: one OpenID Connect app, or none when off."""
        apps: list[dict[str, Any]] = []
        if self.enabled:
            apps.append(
                {
                    "provider_id": PROVIDER_ID,
                    "name": self.name,
                    "client_id": self.client_id,
                    "secret": self.client_secret,
                    "settings": {"server_url": self.issuer},
                }
            )
        return {"openid_connect": {"APPS": apps, "OAUTH_PKCE_ENABLED": True}}

    def role_for(self, claims: Mapping[str, Any]) -> Role:
        """The role of a first login: the most powerful role a group of the claim maps to."""
        value = claims.get(self.role_claim)
        groups = [value] if isinstance(value, str) else list(value or [])
        matched = {self.roles[str(g)] for g in groups if str(g) in self.roles}
        return next((role for role in ROLE_ORDER if role in matched), self.default_role)


def _role(value: str, variable: str) -> Role:
    try:
        return Role(value.strip())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise SsoConfigError(f"{variable}: {value.strip()!r} is not a role ({known})") from None


def from_env(environ: Mapping[str, str]) -> SsoConfig:
    """The SSO settings of the environment; SsoConfigError names a variable that is wrong."""
    issuer = environ.get("FUNNELPACT_OIDC_ISSUER", "").strip().rstrip("/")
    if not issuer:
        return SsoConfig()
    if not issuer.startswith(("https://", "http://")):
        raise SsoConfigError(f"FUNNELPACT_OIDC_ISSUER: {issuer!r} is not an http(s) URL")
    client_id = environ.get("FUNNELPACT_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        raise SsoConfigError(
            "FUNNELPACT_OIDC_CLIENT_ID: required when FUNNELPACT_OIDC_ISSUER is set"
        )
    roles: dict[str, Role] = {}
    for item in environ.get("FUNNELPACT_OIDC_ROLES", "").split(","):
        if not item.strip():
            continue
        group, equals, role = item.rpartition("=")
        if not equals or not group.strip():
            raise SsoConfigError(f"FUNNELPACT_OIDC_ROLES: {item.strip()!r} is not group=role")
        roles[group.strip()] = _role(role, "FUNNELPACT_OIDC_ROLES")
    return SsoConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=environ.get("FUNNELPACT_OIDC_CLIENT_SECRET", ""),
        name=environ.get("FUNNELPACT_OIDC_NAME", "").strip() or "SSO",
        role_claim=environ.get("FUNNELPACT_OIDC_ROLE_CLAIM", "").strip() or "groups",
        roles=roles,
        default_role=_role(
            environ.get("FUNNELPACT_OIDC_DEFAULT_ROLE", "") or "viewer",
            "FUNNELPACT_OIDC_DEFAULT_ROLE",
        ),
    )
