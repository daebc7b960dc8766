"""Deployment security: the production settings, the refusal to run insecurely, the CSP header.

``FUNNELPACT_ENV=production`` turns the Django deployment checklist on (docs/security.md):
secure session and CSRF cookies, HTTPS redirect, HSTS (sent only on HTTPS requests), hosts from
the environment. In production the server refuses to start with the development secret key or a
weak one: ``deployment_problems()`` lists why, and settings.py exits with that message.

``SecurityHeadersMiddleware`` adds what Django's own SecurityMiddleware does not: a Content
Security Policy without ``'unsafe-inline'`` (the app serves its own scripts and styles) and a
Permissions-Policy. X-Frame-Options, Referrer-Policy, nosniff and COOP come from Django settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ENV_VARIABLE = "FUNNELPACT_ENV"
PRODUCTION = "production"
DEV_SECRET_KEY = "funnelpact-dev-insecure-secret-key"
# Django's own check (security.W009) asks for at least 50 characters and 5 distinct ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
HSTS_DEFAULT_SECONDS = 31_536_000  # one year: what the HSTS preload list asks for

# Every source is this server: scripts and styles are static files (no inline code), charts draw
# on canvas; Swagger UI's stylesheet uses data: images. JSON data blocks
# (<script type="application/json">) are not executed, so CSP does not need to allow them.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def is_production(environ: Mapping[str, str]) -> bool:
    return environ.get(ENV_VARIABLE, "").strip().lower() == PRODUCTION


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def _list(environ: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in environ.get(name, "").split(",") if item.strip()]


def deployment_problems(environ: Mapping[str, str], *, secret_key: str, debug: bool) -> list[str]:
    """Why this environment must not serve production traffic (empty: it may)."""
    if not is_production(environ):
        return []
    problems: list[str] = []
    if "FUNNELPACT_SECRET_KEY" not in environ or secret_key == DEV_SECRET_KEY:
        problems.append(
            "FUNNELPACT_SECRET_KEY is not set (the development key signs sessions that anyone "
            'could forge); generate one with: python -c "import secrets; '
            'print(secrets.token_urlsafe(64))"'
        )
    elif len(secret_key) < SECRET_KEY_MIN_LENGTH or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE:
        problems.append(
            f"FUNNELPACT_SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} random "
            f"characters (it has {len(secret_key)})"
        )
    if debug:
        problems.append("FUNNELPACT_DEBUG=1 shows code and settings to visitors: unset it")
    if not _list(environ, "FUNNELPACT_ALLOWED_HOSTS"):
        problems.append(
            "FUNNELPACT_ALLOWED_HOSTS is not set: name the host names the server answers for, "
            "comma-separated (e.g. sla.example.com)"
        )
    return problems


def refusal_message(problems: list[str]) -> str:
    lines = [f"error: refusing to start with {ENV_VARIABLE}=production:"]
    lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)


@dataclass(frozen=True)
class DeploymentSettings:
    """The security settings in force; settings.py copies each field to the Django setting."""

    session_cookie_secure: bool
    csrf_cookie_secure: bool
    ssl_redirect: bool
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    proxy_ssl_header: tuple[str, str] | None
    csrf_trusted_origins: list[str]


def deployment_settings(environ: Mapping[str, str]) -> DeploymentSettings:
    """Production: everything on (each overridable); elsewhere plain HTTP on loopback works."""
    production = is_production(environ)
    hsts = environ.get("FUNNELPACT_HSTS_SECONDS", "").strip()
    # Behind a TLS-terminating proxy the request reaches us over HTTP: trust its header only
    # when told to (a client could send it too when there is no proxy).
    proxy = _flag(environ, "FUNNELPACT_BEHIND_TLS_PROXY", default=False)
    return DeploymentSettings(
        session_cookie_secure=production,
        csrf_cookie_secure=production,
        ssl_redirect=production and _flag(environ, "FUNNELPACT_SSL_REDIRECT", default=True),
        hsts_seconds=(int(hsts) if hsts.isascii() and hsts.isdigit() else HSTS_DEFAULT_SECONDS)
        if production
        else 0,
        hsts_include_subdomains=production,
        hsts_preload=production and _flag(environ, "FUNNELPACT_HSTS_PRELOAD", default=True),
        proxy_ssl_header=("HTTP_X_FORWARDED_PROTO", "https") if proxy else None,
        csrf_trusted_origins=_list(environ, "FUNNELPACT_CSRF_TRUSTED_ORIGINS"),
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response that has none."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        # A view may set a stricter or different policy (e.g. a document preview): keep it.
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
