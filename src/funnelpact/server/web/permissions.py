"""Every view says the capability it needs; this module checks it and the lead scope.

Anonymous users are sent to the login page (pages) or get 401 (JSON and htmx calls); a role
without the capability gets 403; a lead outside the user's scope is a 404, so its existence
is not disclosed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)

from funnelpact.server.accounts.people import Profile
from funnelpact.server.accounts.roles import (
    LEAD_SCOPES,
    Capability,
    LeadScope,
    Role,
    allows,
)
from funnelpact.server.tracking.models import Contact

if TYPE_CHECKING:
    from funnelpact.server.watch.services import WatchContext

View = Callable[..., HttpResponse]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user as the web app sees them."""

    username: str
    role: Role
    rep_id: int | None
    team_name: str
    language: str

    def can(self, capability: Capability) -> bool:
        return allows(self.role, capability)

    @property
    def lead_scope(self) -> LeadScope:
        return LEAD_SCOPES[self.role]


def viewer_of(request: HttpRequest) -> Viewer | None:
    user = request.user
    if not user.is_authenticated:
        return None
    cached = getattr(request, "_funnelpact_viewer", None)
    if isinstance(cached, Viewer):
        return cached
    try:
        # Read with the user (accounts.backends.ProfileBackend): no query of its own.
        profile: Profile | None = user.profile
    except Profile.DoesNotExist:
        profile = None
    if profile is not None:
        viewer = Viewer(
            username=user.get_username(),
            role=Role(profile.role),
            rep_id=profile.rep_id,
            team_name=profile.team_name,
            language=profile.language,
        )
    elif user.is_superuser:
        viewer = Viewer(user.get_username(), Role.ADMIN, None, "", "")
    else:
        return None
    request._funnelpact_viewer = viewer
    return viewer


def wants_json(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        or "application/json" in request.headers.get("Accept", "")
        or request.path.endswith(".json")
    )


def allow_methods(*methods: str) -> Callable[[View], View]:
    """Django's require_http_methods, typed: another method is a 405."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return HttpResponseNotAllowed(list(methods))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def requires(capability: Capability, *methods: str) -> Callable[[View], View]:
    """The view needs ``capability`` (and one of ``methods``, GET by default); it receives the
    `Viewer` as ``request.viewer``."""
    allowed = list(methods or ("GET",))

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            if not request.user.is_authenticated:
                if wants_json(request):
                    return JsonResponse({"detail": "authentication required"}, status=401)
                return redirect_to_login(request.get_full_path())
            viewer = viewer_of(request)
            if viewer is None or not viewer.can(capability):
                from funnelpact.server.web.errors import error_response  # imports this module

                return error_response(request, 403)
            request.viewer = viewer
            _use_agreement_zone()
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorate


# The agreement in force, read at most once a second per process: every page and the dashboard's
# engine ask for it, and it changes a few times a year. A change made in this process (a save or
# delete of an agreement version: apps.py) is seen at once; one made in another process (another
# `serve` worker, `funnelpact watch use`) within CONTEXT_SECONDS. A cleared cache (a test's fresh
# database) drops the memo too: it is valid only while the cache holds its token.
CONTEXT_SECONDS: Final = 1.0
CONTEXT_TOKEN_KEY: Final = "funnelpact:web:agreement-memo"
_context_memo: tuple[float, str, WatchContext | None] | None = None


def agreement_context() -> WatchContext | None:
    """`watch.services.active_context()`, at most CONTEXT_SECONDS old."""
    global _context_memo
    from django.core.cache import cache

    from funnelpact.server.watch.services import active_context

    memo = _context_memo
    fresh = memo is not None and time.monotonic() - memo[0] < CONTEXT_SECONDS
    if memo is not None and fresh and cache.get(CONTEXT_TOKEN_KEY) == memo[1]:
        return memo[2]
    token = cache.get(CONTEXT_TOKEN_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.set(CONTEXT_TOKEN_KEY, token, None)
    read_at = time.monotonic()
    context = active_context()
    _context_memo = (read_at, str(token), context)
    return context


def forget_agreement_context(*_args: object, **_kwargs: object) -> None:
    """Drop the memo (a signal receiver: an agreement version was saved or deleted)."""
    global _context_memo
    _context_memo = None


def _use_agreement_zone() -> None:
    """Instants on the pages read in the agreement calendar's zone (where the teams work)."""
    from django.utils import timezone

    context = agreement_context()
    if context is not None:
        timezone.activate(context.calendar.zone)
    else:
        timezone.deactivate()


def leads_in_scope(viewer: Viewer) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(merged_into__isnull=True)
    scope = viewer.lead_scope
    if scope is LeadScope.ALL:
        return contacts
    if scope is LeadScope.TEAM and viewer.team_name:
        return contacts.filter(owner__team_name=viewer.team_name)
    if scope is LeadScope.OWN and viewer.rep_id is not None:
        return contacts.filter(owner_id=viewer.rep_id)
    return contacts.none()


def owner_filter(viewer: Viewer, field: str = "owner") -> Q:
    """The same scope as a filter on another table's owner field."""
    scope = viewer.lead_scope
    if scope is LeadScope.ALL:
        return Q()
    if scope is LeadScope.TEAM and viewer.team_name:
        return Q(**{f"{field}__team_name": viewer.team_name})
    if scope is LeadScope.OWN and viewer.rep_id is not None:
        return Q(**{f"{field}_id": viewer.rep_id})
    return Q(pk__in=[])


def lead_or_404(viewer: Viewer, contact_id: int) -> Contact:
    contact: Contact | None = (
        leads_in_scope(viewer).select_related("owner").filter(pk=contact_id).first()
    )
    if contact is None:
        raise Http404("no such lead")
    return contact
