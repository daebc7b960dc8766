"""Shared test set-up: real PostgreSQL and real Chromium when present, a clear skip when not.

`FUNNELPACT_REQUIRE_ALL=1` (set by .ci/run) turns those skips into failures, so CI never skips
them silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REQUIRE_ALL = os.environ.get("FUNNELPACT_REQUIRE_ALL") == "1"


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
