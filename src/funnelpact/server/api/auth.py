"""Bearer-token authentication, one typed dependency per capability.

``auth=TokenWithScope(Scope.EVENTS_WRITE)`` on an endpoint: no token or an unknown, malformed
or revoked one -> 401; a live token without the scope -> 403. Tokens travel in a header, never
in a cookie, so CSRF does not apply to the API.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from funnelpact.errors import FunnelpactError
from funnelpact.server.accounts.models import ApiToken, Scope
from funnelpact.server.accounts.services import authenticate


class UnauthorizedError(FunnelpactError):
    status_code = 401


class ForbiddenError(FunnelpactError):
    status_code = 403


class TokenWithScope(HttpBearer):
    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        header = request.headers.get("Authorization", "")
        if not header:
            raise UnauthorizedError("no token: send Authorization: Bearer <token>")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("the Authorization header must be: Bearer <token>")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = authenticate(token, now=timezone.now())
        if found is None:
            raise UnauthorizedError("the token is unknown or revoked")
        if not found.allows(self.scope):
            raise ForbiddenError(
                f"the token {found.name!r} lacks the scope {self.scope.value!r} "
                f"(it has: {', '.join(found.scopes)})"
            )
        return found
