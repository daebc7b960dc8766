"""Deployment security: `check --deploy` clean, refusal to start insecurely, headers, cookies.

The production checks run in a subprocess: settings are read once per process, and the test
process runs the development settings.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from funnelpact.server import security

WEB_TEMPLATES = Path(security.__file__).parent / "web" / "templates"
STRONG_KEY = secrets.token_urlsafe(64)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNNELPACT_")}
    env["FUNNELPACT_DATABASE_URL"] = f"sqlite:///{tmp_path}/store.db"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    production = {
        "FUNNELPACT_ENV": "production",
        "FUNNELPACT_SECRET_KEY": STRONG_KEY,
        "FUNNELPACT_ALLOWED_HOSTS": "sla.example.com",
    }
    return _env(tmp_path, **{**production, **extra})


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    done = _run(
        [
            sys.executable,
            "-m",
            "funnelpact.server.manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        _production(tmp_path),
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_warns_without_production(tmp_path: Path) -> None:
    # The same command on development settings is not clean: the test above means something.
    done = _run(
        [
            sys.executable,
            "-m",
            "funnelpact.server.manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        _env(tmp_path),
        tmp_path,
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout  # no HSTS


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"FUNNELPACT_SECRET_KEY": ""}, "FUNNELPACT_SECRET_KEY is not set"),
        ({"FUNNELPACT_SECRET_KEY": security.DEV_SECRET_KEY}, "FUNNELPACT_SECRET_KEY is not set"),
        ({"FUNNELPACT_SECRET_KEY": "short-key"}, "FUNNELPACT_SECRET_KEY is too weak"),
        ({"FUNNELPACT_SECRET_KEY": "a" * 80}, "FUNNELPACT_SECRET_KEY is too weak"),
        ({"FUNNELPACT_DEBUG": "1"}, "FUNNELPACT_DEBUG=1"),
        ({"FUNNELPACT_ALLOWED_HOSTS": ""}, "FUNNELPACT_ALLOWED_HOSTS is not set"),
    ],
)
def test_production_refuses_to_start_insecurely(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    env = _production(tmp_path)
    for name, value in extra.items():
        if value:
            env[name] = value
        else:
            env.pop(name)
    for args in (
        [sys.executable, "-m", "funnelpact", "serve", "--port", "9"],
        [sys.executable, "-m", "funnelpact.server.manage", "check"],
    ):
        done = _run(args, env, tmp_path)
        assert done.returncode != 0
        assert expected in done.stderr
        assert "refusing to start with FUNNELPACT_ENV=production" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "store.db").exists()  # stopped before touching the store


def test_production_settings_in_force(tmp_path: Path) -> None:
    script = (
        "import json; from funnelpact.server import setup_django; setup_django();"
        "from django.conf import settings as s;"
        "print(json.dumps({n: getattr(s, n) for n in ("
        "'SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY',"
        "'CSRF_COOKIE_HTTPONLY','SECURE_SSL_REDIRECT','SECURE_HSTS_SECONDS',"
        "'X_FRAME_OPTIONS','ALLOWED_HOSTS','DEBUG','SECURE_PROXY_SSL_HEADER')}))"
    )
    done = _run(
        [sys.executable, "-c", script],
        _production(
            tmp_path,
            FUNNELPACT_ALLOWED_HOSTS="sla.example.com, api.example.com",
            FUNNELPACT_BEHIND_TLS_PROXY="1",
        ),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": security.HSTS_DEFAULT_SECONDS,
        "X_FRAME_OPTIONS": "DENY",
        "ALLOWED_HOSTS": ["sla.example.com", "api.example.com"],
        "DEBUG": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_development_keeps_plain_http_on_loopback() -> None:
    dev = security.deployment_settings({})
    assert not dev.session_cookie_secure and not dev.ssl_redirect and dev.hsts_seconds == 0
    assert security.deployment_problems({}, secret_key=security.DEV_SECRET_KEY, debug=True) == []


@pytest.mark.django_db
def test_security_headers_on_pages_api_and_errors() -> None:
    client = Client()
    for path in ("/login/", "/api/docs", "/api/openapi.json", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code < 500, path
        csp = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.django_db
def test_hsts_only_over_tls() -> None:
    with override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        client = Client()
        assert "Strict-Transport-Security" not in client.get("/login/")
        secure = client.get("/login/", secure=True)
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_session_and_csrf_cookies_secure_in_production_settings() -> None:
    with override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        client = Client()
        response = client.get("/login/", secure=True)
        csrf = response.cookies["csrftoken"]
        assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


def test_templates_have_no_inline_code() -> None:
    # What the CSP (no 'unsafe-inline') would block: event handler attributes, inline scripts
    # (JSON data blocks are fine: not executed), <style> elements and style attributes.
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
    style = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
    templates = sorted(WEB_TEMPLATES.rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        for pattern in (handler, script, style):
            found = pattern.search(text)
            assert found is None, f"{template.name}: {found.group(0) if found else ''}"
