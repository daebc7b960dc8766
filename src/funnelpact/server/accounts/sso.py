"""The allauth adapters of the optional OIDC single sign-on (settings: `sso_config`).

- Local accounts are never opened through allauth: users come from `funnelpact createuser`,
  the demo, the Settings page, or a first SSO login.
- A first SSO login creates the user with a `Profile`: the role the configured claim maps to
  (`SsoConfig.role_for`, default viewer), the CRM rep with the same e-mail (its team for
  managers and reps), and an audit entry. Later logins keep the role the admin set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter  # type: ignore[import-untyped]
from allauth.socialaccount.adapter import (  # type: ignore[import-untyped]
    DefaultSocialAccountAdapter,
)
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from funnelpact.server.accounts.people import AuditAction, Profile
from funnelpact.server.accounts.people_services import audit
from funnelpact.server.accounts.roles import Role
from funnelpact.server.accounts.sso_config import SsoConfig
from funnelpact.server.tracking.models import Rep


def sso_config() -> SsoConfig:
    config = getattr(settings, "FUNNELPACT_SSO", None)
    return config if isinstance(config, SsoConfig) else SsoConfig()


def claims_of(sociallogin: Any) -> dict[str, Any]:
    """The provider's claims: the userinfo answer merged over the id_token's."""
    data = dict(getattr(sociallogin.account, "extra_data", None) or {})
    claims: dict[str, Any] = {}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            claims.update(data[part])
    return claims or data


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # no self-service local accounts


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return sso_config().enabled

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        config = sso_config()
        claims = claims_of(sociallogin)
        role = config.role_for(claims)
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            email = (user.email or "").strip()
            rep = Rep.objects.filter(email__iexact=email).first() if email else None
            team = rep.team_name if rep is not None and role in _SALES else ""
            Profile.objects.create(
                user=user,
                role=role.value,
                rep=rep if role in _SALES else None,
                team_name=team,
            )
            audit(
                "sso",
                AuditAction.USER_CREATED,
                user.get_username(),
                datetime.now(UTC),
                role=role.value,
                team=team,
                rep=str(rep) if rep is not None and role in _SALES else "",
                provider=sociallogin.account.provider,
                groups=_groups(claims, config),
            )
        return user


_SALES = frozenset({Role.SALES_MANAGER, Role.SALES_REP})


def _groups(claims: dict[str, Any], config: SsoConfig) -> list[str]:
    value = claims.get(config.role_claim)
    return [value] if isinstance(value, str) else [str(v) for v in value or []]
