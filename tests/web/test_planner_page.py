"""The web planner starts from the plan of the agreement in force: its goal, deal size, period,
tolerance and funnel, with the stages as the agreement labels them."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse
from web_testkit import PASSWORD, DemoWorld

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _client() -> Client:
    client = Client()
    assert client.login(username="marketing", password=PASSWORD)
    return client


def test_the_planner_opens_on_the_agreements_plan(world: DemoWorld) -> None:
    from funnelpact.server.watch.services import active_context

    context = active_context()
    assert context is not None
    spec = context.agreement.plan_spec()
    page = _client().get(reverse("web:planner"))
    assert page.status_code == 200
    inputs = page.context["inputs"]
    assert inputs["goal"] == format(spec.goal.normalize(), "f")
    assert inputs["deal_size"] == format(spec.deal_size.normalize(), "f")
    assert spec.period is not None and inputs["start"] == spec.period.start.isoformat()
    fields = page.context["rate_fields"]
    assert [key for key, _, _ in fields] == [f"rate_{s.name}" for s in spec.stages]
    assert [label for _, label, _ in fields] == [s.label or s.name for s in spec.stages]
    body = page.content.decode()
    for stage in spec.stages:
        assert f'<label for="rate_{stage.name}">{stage.label}</label>' in body
    result = page.context["result"]
    assert result.customers == -(-spec.goal // spec.deal_size)  # goal / deal size, rounded up
    assert [s.label for s in result.stages] == [s.label or s.name for s in spec.stages]


def test_a_scenario_compares_by_stage_with_the_agreements_labels(world: DemoWorld) -> None:
    client = _client()
    url = reverse("web:planner")
    base = client.get(url).context["inputs"]
    client.post(url, {**base, "name": "base", "save": "1"})
    client.post(url, {**base, "rate_mql": "0.25", "name": "worse mql", "save": "1"})
    from funnelpact.server.web.models import SavedScenario

    ids = [str(pk) for pk in SavedScenario.objects.values_list("pk", flat=True)]
    comparison = client.get(url, {"compare": ids}).context["comparison"]
    rows = dict(comparison.rows)
    assert rows["customers"][0] == rows["customers"][1]
    # Half the MQL -> SQL rate needs twice the MQLs (each stage rounded up).
    assert rows["mql"][1] == 2 * rows["mql"][0]
    assert comparison.labels["mql"] == "MQLs"  # the demo agreement's label
    assert comparison.labels["customers"] in {"Customers", "Clientes", "Clienti"}


def test_a_saved_scenario_keeps_its_funnel_order_whatever_the_stores_key_order(
    world: DemoWorld,
) -> None:
    """PostgreSQL's jsonb gives a saved scenario's keys back shortest first (rate_mql before
    rate_prospect): the funnel's order must not come from the keys' order."""
    client = _client()
    url = reverse("web:planner")
    base = client.get(url).context["inputs"]
    client.post(url, {**base, "name": "base", "save": "1"})
    from funnelpact.server.web.models import SavedScenario

    scenario = SavedScenario.objects.get(name="base")
    scenario.inputs = dict(
        sorted(scenario.inputs.items(), key=lambda item: (len(item[0]), item[0]))
    )
    scenario.save(update_fields=["inputs"])
    comparison = client.get(url, {"compare": [str(scenario.pk)]}).context["comparison"]
    planned = client.get(url).context["result"]
    rows = dict(comparison.rows)
    assert [name for name, _ in comparison.rows][:-1] == [s.name for s in planned.stages]
    assert [rows[s.name][0] for s in planned.stages] == [s.needed for s in planned.stages]


def test_scenarios_saved_before_the_order_was_kept_read_in_the_examples_order(
    world: DemoWorld,
) -> None:
    from funnelpact.server.web import planner
    from funnelpact.server.web.models import SavedScenario

    old = {k: v for k, v in planner.defaults().items() if k != "stages"}
    shuffled = dict(sorted(old.items(), key=lambda item: (len(item[0]), item[0])))
    SavedScenario.objects.create(name="old", inputs=shuffled, created_by="x", created_at=NOW)
    assert planner.stages_of(shuffled) == list(planner.STAGES)
