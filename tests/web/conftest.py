"""The demo world fixture (web_testkit.build_world) for the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_testkit import DemoWorld, build_world


@pytest.fixture
def world(db: None, tmp_path: Path) -> DemoWorld:
    return build_world(tmp_path)
