"""The demo world fixture (web_testkit.build_world) for the web tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_testkit import DemoWorld, build_world


@pytest.fixture(scope="module")
def _module_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoWorld, Path]]:
    """The demo company, built once per module (building it was most of each test's time) in an
    outer transaction rolled back after the module, as Django's TestCase.setUpTestData does.

    pytest-django runs every test in its own transaction (a savepoint inside this one), so what
    a test changes is undone before the next, and the store is empty again after the module.
    pytest-django runs the transactional tests after all the others, so none of them runs while
    this transaction is open."""
    from django.db import transaction

    folder = tmp_path_factory.mktemp("demo-world")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        outer._from_testcase = True  # type: ignore[attr-defined]  # as TestCase's class atomic
        try:
            yield build_world(folder), folder
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(db: None, _module_world: tuple[DemoWorld, Path], tmp_path: Path) -> DemoWorld:
    built, folder = _module_world
    # The files build_world wrote (the agreement put in force), where each test looks for them.
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    return built


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The dashboard's caches live in the process's cache (the login throttle in the store's
    # shared cache, rolled back with the test); test databases roll back without the commits
    # that would make cached figures stale. The kept page frames and agreement go too.
    from funnelpact.server.web.frame import forget_frames
    from funnelpact.server.web.permissions import forget_agreement_context

    forget_frames()
    forget_agreement_context()
    from django.core.cache import cache

    cache.clear()
