"""Users with roles, the audit log and the login throttle.

``create_user`` is what ``funnelpact createuser`` and ``funnelpact demo`` call; ``audit`` is called
by every service that changes an agreement, records a decision or changes a permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import transaction

from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.accounts.people import AuditAction, AuditEntry, Profile
from funnelpact.server.accounts.roles import Role
from funnelpact.server.tracking.models import Rep

# Login throttle: this many failures for one (address, username) lock that pair for the window.
LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60


class UserError(InputError):
    pass


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    role: Role
    team_name: str
    rep: str  # "system:external_id" or ""


def find_rep(reference: str) -> Rep:
    """A rep by ``system:external_id``, e-mail or exact name."""
    if ":" in reference:
        system, _, external_id = reference.partition(":")
        found = Rep.objects.filter(system=system, external_id=external_id).first()
    else:
        found = (
            Rep.objects.filter(email__iexact=reference).first()
            or Rep.objects.filter(name=reference).first()
        )
    if not isinstance(found, Rep):
        raise NotFoundError(f"--rep {reference!r}: no rep has that id (system:id), e-mail or name")
    return found


def create_user(
    username: str,
    password: str,
    role: Role,
    now: datetime,
    *,
    team_name: str = "",
    rep: str = "",
    email: str = "",
    actor: str = "funnelpact",
) -> NewUser:
    """A user with a role; a rep's or manager's team defaults to their CRM rep's team."""
    username = username.strip()
    if not username:
        raise UserError("a user needs a name")
    if len(password) < 8:
        raise UserError("the password needs at least 8 characters")
    user_model = get_user_model()
    rep_row = find_rep(rep) if rep else None
    if role in (Role.SALES_REP,) and rep_row is None:
        raise UserError("a sales rep needs --rep (the CRM owner whose leads they work)")
    team = team_name or (rep_row.team_name if rep_row is not None else "")
    if role is Role.SALES_MANAGER and not team:
        raise UserError("a sales manager needs --team (or --rep of a rep in that team)")
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise UserError(f"user {username!r} already exists")
        user = user_model.objects.create_user(
            username=username, password=password, email=email or getattr(rep_row, "email", "")
        )
        Profile.objects.create(user=user, role=role.value, rep=rep_row, team_name=team)
        audit(
            actor,
            AuditAction.USER_CREATED,
            username,
            now,
            role=role.value,
            team=team,
            rep=str(rep_row) if rep_row else "",
        )
    ref = f"{rep_row.system}:{rep_row.external_id}" if rep_row is not None else ""
    return NewUser(username=username, role=role, team_name=team, rep=ref)


def set_role(username: str, role: Role, now: datetime, *, actor: str, team_name: str = "") -> None:
    profile = Profile.objects.select_related("user").filter(user__username=username).first()
    if profile is None:
        raise NotFoundError(f"user {username!r}: no such user")
    before = profile.role
    profile.role = role.value
    if team_name:
        profile.team_name = team_name
    profile.save()
    audit(actor, AuditAction.ROLE_CHANGED, username, now, before=before, after=role.value)


def audit(actor: str, action: AuditAction, subject: str, now: datetime, **detail: Any) -> None:
    AuditEntry.objects.create(
        at=now, actor=actor, action=action.value, subject=subject[:255], detail=detail
    )


def role_of(user: Any) -> Role | None:
    """The user's role; a superuser without a profile is an admin; None: no access."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        return Role(profile.role)
    return Role.ADMIN if user.is_superuser else None


# -- login throttle -------------------------------------------------------------------------------


def _throttle() -> Any:
    # The store's shared cache: every `funnelpact serve` worker counts the same failures.
    return caches["shared"]


def _throttle_key(address: str, username: str) -> str:
    return f"funnelpact:login:{address}:{username.strip().lower()}"


def login_locked(address: str, username: str) -> bool:
    return int(_throttle().get(_throttle_key(address, username), 0)) >= LOGIN_FAILURE_LIMIT


def login_failed(address: str, username: str) -> int:
    key = _throttle_key(address, username)
    cache = _throttle()
    if cache.add(key, 1, LOGIN_WINDOW_SECONDS):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOGIN_WINDOW_SECONDS)
        return 1


def login_succeeded(address: str, username: str) -> None:
    _throttle().delete(_throttle_key(address, username))
