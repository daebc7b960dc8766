"""The demo world fixture (web_testkit.build_world) for the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_testkit import DemoWorld, build_world


@pytest.fixture
def world(db: None, tmp_path: Path) -> DemoWorld:
    return build_world(tmp_path)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The dashboard cache and the login throttle live in the process's cache; test databases
    # roll back without the commits that would make cached figures stale.
    from django.core.cache import cache

    cache.clear()
