"""Shared test set-up: real PostgreSQL and real Chromium when present, a clear skip when not.

`FUNNELPACT_REQUIRE_ALL=1` (set by .ci/run) turns those skips into failures, so CI never skips
them silently.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REQUIRE_ALL = os.environ.get("FUNNELPACT_REQUIRE_ALL") == "1"

# The store (Django, configured by pytest-django from DJANGO_SETTINGS_MODULE). Tests run on the
# database FUNNELPACT_DATABASE_URL names (.ci/run runs the DB tests again on PostgreSQL); unset,
# a throw-away SQLite file, so that no test (nor a CLI it starts) touches the user's own store.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnelpact.server.settings")
if not os.environ.get("FUNNELPACT_DATABASE_URL"):
    _STORE_DIR = tempfile.mkdtemp(prefix="funnelpact-test-store-")
    os.environ["FUNNELPACT_DATABASE_URL"] = f"sqlite:///{_STORE_DIR}/store.db"
    atexit.register(shutil.rmtree, _STORE_DIR, True)
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _missing(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (FUNNELPACT_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("FUNNELPACT_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql://"):
        _missing("PostgreSQL test skipped: set FUNNELPACT_TEST_DATABASE_URL=postgresql://...")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("FUNNELPACT_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not Path(path).exists():
        _missing("Chromium test skipped: install Debian's chromium or set FUNNELPACT_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A PostgreSQL test database per run (test_<name>_<pid>): concurrent runs do not collide."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("postgresql"):
            database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    # pytest imports this file after pytest-django looked for DJANGO_SETTINGS_MODULE; loading the
    # settings here lets pytest-django's own (later) pytest_configure set Django up.
    from django.conf import settings

    assert settings.INSTALLED_APPS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests using the database through a fixture count as `django_db` too (`pytest -m django_db`).
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.django_db)
