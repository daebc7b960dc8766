"""What a repeat dashboard view reads (two queries: the session, the user with the profile),
the agreement read at most once a second yet a change in this process seen at once, and the
store generation shared between `serve` workers through the store's cache table."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from web_testkit import PASSWORD, DemoWorld

from funnelpact.server.watch.models import AgreementVersion
from funnelpact.server.web import permissions, services


def test_a_repeat_view_reads_the_session_and_the_user_with_the_profile_only(
    world: DemoWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from funnelpact.server.web import views

    frozen = views.now()  # one minute: the leads at risk stay cached
    monkeypatch.setattr(views, "now", lambda: frozen)
    monkeypatch.setattr(permissions, "CONTEXT_SECONDS", 3600.0)
    client = Client()
    assert client.login(username="rep", password=PASSWORD)
    assert client.get(reverse("web:dashboard")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("web:dashboard"))
    assert again.status_code == 200 and b"rep \xc2\xb7 " in again.content
    tables = [q["sql"] for q in queries.captured_queries]
    assert len(tables) == 2, tables
    assert "django_session" in tables[0]
    assert "auth_user" in tables[1] and "accounts_profile" in tables[1]


def test_the_agreement_memo_forgets_a_change_made_in_this_process(world: DemoWorld) -> None:
    permissions.forget_agreement_context()
    context = permissions.agreement_context()
    assert context is not None
    assert permissions.agreement_context() is context  # kept
    AgreementVersion.objects.all().delete()  # post_delete: the memo is dropped
    assert permissions.agreement_context() is None
    permissions.forget_agreement_context()


def test_a_superuser_without_profile_is_an_admin_and_a_forged_session_is_refused(
    world: DemoWorld,
) -> None:
    from django.contrib.auth.models import User

    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    assert client.login(username="root", password=PASSWORD)
    assert client.get(reverse("web:dashboard")).status_code == 200
    forged = Client()
    forged.cookies["sessionid"] = "x" * 32
    assert forged.get(reverse("web:dashboard")).status_code == 302  # to the login page


def test_the_shared_generation_brings_another_workers_commits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shared cache is the store's table in `serve`; here a memory cache stands in for it
    # (tests/cli/test_serve_workers.py runs the table between real processes).
    import django.core.cache

    shared_cache = LocMemCache("funnelpact-test-shared", {})
    monkeypatch.setattr(django.core.cache, "caches", {"shared": shared_cache})
    monkeypatch.setattr(services, "SHARED_POLL_SECONDS", 0.0)
    shared = services.SharedGeneration()

    def generation() -> object:
        return cache.get_or_set(services.GENERATION_KEY, 0, None)

    def written(token: object) -> object:
        deadline = time.monotonic() + 10
        while (value := shared_cache.get(services.SHARED_GENERATION_KEY)) == token:
            assert time.monotonic() < deadline, "the shared generation was not written"
            time.sleep(0.02)
        return value

    shared.poll()
    before = generation()
    shared_cache.set(services.SHARED_GENERATION_KEY, "written-elsewhere", None)
    shared.poll()
    assert before == generation()  # off (one process, the CLI): nothing read
    shared.enable()
    shared.poll()
    assert generation() == before + 1  # another worker's commit: this one refreshes
    shared.poll()
    assert generation() == before + 1  # the same token is no news
    shared.bump()  # this process's own commit (its local generation was bumped already)
    assert written("written-elsewhere") not in (None, "written-elsewhere")
    shared.poll()
    assert generation() == before + 1  # its own token is no news either
    shared_cache.set(services.SHARED_GENERATION_KEY, "another-commit", None)
    shared.poll()
    assert generation() == before + 2


def test_requests_waiting_for_the_first_load_do_not_load_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A visitor arriving during the warm-up waits for it, then uses it: one load, not a cascade
    # (each waiting request used to read the epoch before the load and find it changed after).
    import threading
    import uuid

    monkeypatch.setattr(services, "agreement_context", lambda: None)
    analytics = services.DashboardAnalytics()
    loads: list[str] = []

    def slow_load(
        _context: object, agreement: str, generation: object, _now: object
    ) -> services._Loaded:
        time.sleep(0.3)
        epoch = uuid.uuid4().hex
        cache.set(services.EPOCH_KEY, epoch, None)
        loads.append(epoch)
        return services._Loaded(
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            agreement,
            epoch,
            generation,
            time.monotonic(),
            {},
            {},
        )

    monkeypatch.setattr(analytics, "_load", slow_load)
    now = services.datetime.now(services.ZoneInfo("UTC"))
    got: list[services._Loaded] = []
    visitors = [
        threading.Thread(target=lambda: got.append(analytics.current(now))) for _ in range(4)
    ]
    for visitor in visitors:
        visitor.start()
        time.sleep(0.02)
    for visitor in visitors:
        visitor.join(10)
    assert len(loads) == 1 and len(got) == 4
    assert {loaded.epoch for loaded in got} == {loads[0]}
