"""Django settings for the funnelpact server and the store.

Everything comes from the environment (``FUNNELPACT_*``); see docs/store.md. ``FUNNELPACT_ENV=
production`` turns the deployment checklist on and refuses an insecure set-up (docs/security.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from funnelpact.server import security
from funnelpact.server.accounts import sso_config
from funnelpact.server.config import database_url, parse_database_url

BASE_DIR = Path(__file__).resolve().parent

DATABASE_URL = database_url()
DATABASES = {"default": parse_database_url(DATABASE_URL)}
# Persistent connections (one per server thread, checked before reuse): a new PostgreSQL
# connection per request was most of the dashboard's tail (docs/benchmarks.md). Seconds; 0 closes
# each request's connection.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", int(os.environ.get("FUNNELPACT_CONN_MAX_AGE", "300"))
)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A development default: set FUNNELPACT_SECRET_KEY for anything reachable from a network.
SECRET_KEY = os.environ.get("FUNNELPACT_SECRET_KEY", security.DEV_SECRET_KEY)
DEBUG = os.environ.get("FUNNELPACT_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("FUNNELPACT_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if host.strip()
]
# Production with the development key (or DEBUG, or no hosts): stop here, whatever started us
# (CLI, manage.py, a WSGI server), with the reasons and no traceback.
_deployment_problems = security.deployment_problems(os.environ, secret_key=SECRET_KEY, debug=DEBUG)
if _deployment_problems:
    sys.exit(security.refusal_message(_deployment_problems))
_deployment = security.deployment_settings(os.environ)
SESSION_COOKIE_SECURE = _deployment.session_cookie_secure
CSRF_COOKIE_SECURE = _deployment.csrf_cookie_secure
SECURE_SSL_REDIRECT = _deployment.ssl_redirect
SECURE_HSTS_SECONDS = _deployment.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = _deployment.hsts_include_subdomains
SECURE_HSTS_PRELOAD = _deployment.hsts_preload
SECURE_PROXY_SSL_HEADER = _deployment.proxy_ssl_header
CSRF_TRUSTED_ORIGINS = _deployment.csrf_trusted_origins
# The pages send the CSRF token from the template (hx-headers), never read from the cookie.
CSRF_COOKIE_HTTPONLY = True
# An expired form gets the app's page in the reader's language, not Django's developer notes.
CSRF_FAILURE_VIEW = "funnelpact.server.web.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "funnelpact.server.tracking",
    "funnelpact.server.accounts",
    "funnelpact.server.api",
    "funnelpact.server.watch",
    "funnelpact.server.schedules",
    "funnelpact.server.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "funnelpact.server.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "funnelpact.server.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# The product's users speak English, Spanish and Italian.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("it", "Italiano")]
# The catalogs shared with the CLI and the documents: src/funnelpact/locale.
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
USE_I18N = True
# Instants are stored in UTC; each agreement's calendar says the local time zone.
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"

# Two caches. "default": this process's memory (the dashboard's figures and rendered panels,
# cheap to recompute, per process like its analytics engine). "shared": rows of the store
# (table funnelpact_cache, web.SharedCacheEntry), seen by every process serving it
# (`funnelpact serve --workers N`, the CLI): the login throttle and the store generation.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "funnelpact_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# The web app (funnelpact.server.web): Argon2 first, so new and re-hashed passwords use it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ModelBackend with the user's profile read in the user's query (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["funnelpact.server.accounts.backends.ProfileBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Optional single sign-on (OIDC through django-allauth): off unless FUNNELPACT_OIDC_ISSUER is set
# (docs/security.md). The apps are installed either way, so their tables always exist.
try:
    FUNNELPACT_SSO = sso_config.from_env(os.environ)
except sso_config.SsoConfigError as exc:
    sys.exit(f"funnelpact: {exc}")
INSTALLED_APPS += sso_config.APPS
MIDDLEWARE += sso_config.MIDDLEWARE
SOCIALACCOUNT_PROVIDERS = FUNNELPACT_SSO.providers()
SOCIALACCOUNT_ADAPTER = "funnelpact.server.accounts.sso.SocialAccountAdapter"
ACCOUNT_ADAPTER = "funnelpact.server.accounts.sso.AccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_EMAIL_VERIFICATION = "none"
