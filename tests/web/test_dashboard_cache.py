"""The dashboard's caches: a repeat view computes no figure and renders no panel; a store
commit, a new data version (the minute's background refresh), another language or the next
minute's leads at risk are never served from an old entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from web_testkit import PASSWORD, DemoWorld, build_world

from funnelpact.domain.compliance import Status
from funnelpact.server.accounts.roles import Role
from funnelpact.server.watch import models as watch
from funnelpact.server.web import services
from funnelpact.server.web.permissions import Viewer

ADMIN = Viewer("admin", Role.ADMIN, None, "", "")


@pytest.fixture
def committed_world(transactional_db: None, tmp_path: Path) -> DemoWorld:
    # Committed transactions: each store_records() commit bumps the generation for real.
    return build_world(tmp_path)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times the figures were computed and the panels rendered."""
    calls = {"figures": 0, "panels": 0}
    compute = services.compute_figures

    def counting(*args: object, **kwargs: object) -> services.Dashboard:
        calls["figures"] += 1
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "compute_figures", counting)
    from django.template import loader

    render = loader.render_to_string

    def rendering(name: str, *args: object, **kwargs: object) -> str:
        if name == "web/partials/dashboard_panels.html":
            calls["panels"] += 1
        return render(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "render_to_string", rendering)
    return calls


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _accepted(html: bytes) -> int:
    found = re.search(rb'id="kpi-accepted-count" data-value="(\d+)"', html)
    assert found is not None
    return int(found.group(1))


def test_a_repeat_view_is_a_cache_hit_and_a_store_commit_invalidates_it(
    committed_world: DemoWorld, counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One instant for every view: the leads at risk are keyed by the minute, and a minute
    # boundary crossed between two views re-renders the panels (a flaky failure on PostgreSQL).
    from funnelpact.server.web import views

    frozen = views.now()
    monkeypatch.setattr(views, "now", lambda: frozen)
    admin, marketing = _client("admin"), _client("marketing")
    first = admin.get(reverse("web:dashboard"))
    assert first.status_code == 200
    computed = dict(counted)
    assert computed["figures"] >= 1 and computed["panels"] == 1
    # The same scope and filters, again and by another user of the same scope: the page
    # around the panels only (each page names its own user).
    again = admin.get(reverse("web:dashboard"))
    other = marketing.get(reverse("web:dashboard"))
    assert counted == computed
    assert _accepted(again.content) == _accepted(other.content) == _accepted(first.content)
    assert b"marketing" in other.content

    # A rep accepts an MQL: the commit bumps the store generation, the engine refreshes, the
    # next view computes and renders anew and shows the decision.
    decided = _client("rep").post(
        reverse("web:lead-decide", kwargs={"pk": committed_world.own_lead}),
        {"decision": "accept"},
    )
    assert decided.status_code in (200, 302)
    after = admin.get(reverse("web:dashboard"))
    assert counted["figures"] > computed["figures"] and counted["panels"] == 2
    assert _accepted(after.content) == _accepted(first.content) + 1


def test_the_panels_are_cached_per_language(
    committed_world: DemoWorld, counted: dict[str, int]
) -> None:
    admin = _client("admin")
    english = admin.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    spanish = admin.get(reverse("web:dashboard"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert b"MQLs this period" in english.content
    assert b"MQLs this period" not in spanish.content
    assert counted["panels"] == 2  # one rendering per language
    assert _accepted(english.content) == _accepted(spanish.content)


def test_a_background_refresh_publishes_a_new_version_with_its_figures_computed(
    committed_world: DemoWorld, counted: dict[str, int]
) -> None:
    now = datetime.now(UTC)
    before = services.dashboard_versioned(services.Filters(), ADMIN, now)
    loaded = services.ANALYTICS.current(now)
    version = loaded.version
    computed = counted["figures"]
    # What the minute's refresh runs (here in this thread): the feed read, the cube's queries
    # run again, the figures of the scopes asked lately computed, then all published.
    loaded.refreshing = True
    services.ANALYTICS._refresh_in_background(loaded, loaded.generation)
    assert loaded.version == version + 1 and not loaded.refreshing
    assert counted["figures"] == computed + 1  # ADMIN's figures, on the new results
    after = services.dashboard_versioned(services.Filters(), ADMIN, datetime.now(UTC))
    assert counted["figures"] == computed + 1  # the request found them computed
    assert after.key != before.key  # a new version: the rendered panels are not reused
    assert after.board == services.compute_dashboard(services.Filters(), ADMIN, datetime.now(UTC))


def test_the_leads_at_risk_are_read_again_each_minute(committed_world: DemoWorld) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    shown = services.dashboard(services.Filters(), ADMIN, now).at_risk
    # The watch's scheduler changes a status without a store commit (no new generation).
    obligation = watch.Obligation.objects.filter(status=Status.PENDING).order_by("due_at").first()
    assert obligation is not None
    # Due before any other: first in the list (at risk, soonest due first).
    watch.Obligation.objects.filter(pk=obligation.pk).update(
        status=Status.AT_RISK, due_at=now - timedelta(days=30)
    )
    same_minute = services.dashboard(services.Filters(), ADMIN, now + timedelta(seconds=30))
    assert same_minute.at_risk == shown
    next_minute = services.dashboard(services.Filters(), ADMIN, now + timedelta(minutes=1))
    assert obligation.contact_id in [row.contact_id for row in next_minute.at_risk]
    assert next_minute.at_risk == services.at_risk_now(services.Filters(), ADMIN)
