"""Events through the JSON API: single and batch per kind, duplicates, all-or-nothing errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from api_testkit import (
    T0,
    Api,
    contact,
    deal,
    deal_stage,
    decision,
    hours,
    iso,
    owner,
    stage,
    store_dump,
    touch,
)

from funnelpact.server.tracking import models

pytestmark = pytest.mark.django_db

ONE_OF_EACH: list[tuple[str, dict[str, Any]]] = [
    ("/contacts", contact(id="c1", ref="hubspot:1", email="ann@acme.com", first_name="Ann")),
    ("/stage-changes", stage(id="s1", contact="hubspot:1", stage="mql", at=T0 + hours(1))),
    ("/owner-changes", owner(id="o1", contact="hubspot:1", owner="hubspot:41", at=T0 + hours(2))),
    ("/touches", touch(id="t1", contact="hubspot:1", at=T0 + hours(3), rep="hubspot:41")),
    ("/deals", deal(id="d1", ref="hubspot:d9", amount="1500.50")),
    ("/deal-stage-changes", deal_stage(id="ds1", deal="hubspot:d9", stage="won")),
    ("/decisions", decision(id="h1", contact="hubspot:1", decision="accepted", at=T0 + hours(4))),
]


@pytest.mark.parametrize(("path", "body"), ONE_OF_EACH, ids=[p for p, _ in ONE_OF_EACH])
def test_each_kind_is_accepted_alone_and_acknowledged_again_as_a_duplicate(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    first = api.post(path, body)
    assert first.status_code == 200, first.content
    assert first.json()["accepted"] == 1
    assert first.json()["items"] == [
        {"index": 0, "id": body["id"], "kind": first.json()["items"][0]["kind"], "duplicate": False}
    ]
    dump = store_dump()
    again = api.post(path, body)
    assert again.status_code == 200
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 1
    assert again.json()["items"][0]["duplicate"] is True
    assert store_dump() == dump


def test_every_kind_lands_in_its_table_with_its_values(api: Api) -> None:
    for path, body in ONE_OF_EACH:
        assert api.post(f"{path}/batch", {"items": [body]}).status_code == 200

    person = models.Contact.objects.get()
    assert (person.email, person.first_name, person.placeholder) == ("ann@acme.com", "Ann", False)
    assert models.StageChange.objects.get().stage == "mql"
    assert models.StageChange.objects.get().change_source == "api"
    assert models.OwnerChange.objects.get().owner.external_id == "41"
    touch_row = models.Touch.objects.get()
    assert (touch_row.system, touch_row.external_id, touch_row.type) == ("api", "t1", "call")
    assert models.Deal.objects.get().amount == Decimal("1500.50")
    assert models.DealStageChange.objects.get().stage == "won"
    assert models.HandoffDecision.objects.get().decision == "accepted"
    ledger = dict(models.IngestedEvent.objects.values_list("event_id", "kind"))
    assert ledger == {
        "api:c1": "contact",
        "api:s1": "stage_change",
        "api:o1": "owner_change",
        "api:t1": "touch",
        "api:d1": "deal",
        "api:ds1": "deal_stage_change",
        "api:h1": "handoff_decision",
    }


def test_a_mixed_batch_takes_every_kind_in_one_transaction(api: Api) -> None:
    items = [{**body, "kind": kind} for kind, (_, body) in zip(KINDS, ONE_OF_EACH, strict=True)]
    items[4]["contact"] = "hubspot:1"  # described in the same batch
    answer = api.post("/events/batch", {"items": items})
    assert answer.status_code == 200, answer.content
    assert models.Deal.objects.get().contact_id == models.Contact.objects.get().id
    assert [item["kind"] for item in answer.json()["items"]] == list(KINDS)
    assert answer.json()["store"]["contact"]["created"] == 1
    assert answer.json()["store"]["stage_change"]["created"] == 1
    assert models.IngestedEvent.objects.count() == 7


KINDS = (
    "contact",
    "stage_change",
    "owner_change",
    "touch",
    "deal",
    "deal_stage_change",
    "decision",
)


def test_a_repeated_id_within_one_batch_is_stored_once(api: Api) -> None:
    body = stage(id="e1", contact="api:lead-1", stage="mql")
    other = stage(id="e1", contact="api:lead-1", stage="sql")  # same id, other content
    answer = api.post("/stage-changes/batch", {"items": [body, body, other]})
    assert answer.status_code == 200
    assert [i["duplicate"] for i in answer.json()["items"]] == [False, True, True]
    assert list(models.StageChange.objects.values_list("stage", flat=True)) == ["mql"]


def test_bare_references_are_ids_of_the_api_system(api: Api) -> None:
    api.post("/contacts", contact(id="c1", ref="lead-42"))
    api.post("/contacts", contact(id="c2", ref="crm:x:1"))  # "crm" is not a known system
    refs = set(models.ContactIdentity.objects.values_list("system", "external_id"))
    assert refs == {("api", "lead-42"), ("api", "crm:x:1")}


def test_facts_before_their_contact_make_a_placeholder_the_contact_fills_in(api: Api) -> None:
    api.post("/stage-changes", stage(id="s1", contact="hubspot:5", stage="mql", at=T0 + hours(1)))
    assert models.Contact.objects.get().placeholder is True
    api.post("/contacts", contact(id="c1", ref="hubspot:5", email="bo@beta.io"))
    person = models.Contact.objects.get()
    assert (person.placeholder, person.email, person.created_at) == (False, "bo@beta.io", T0)


def test_a_deal_stage_before_its_deal_makes_a_placeholder_deal_the_deal_replaces(
    api: Api,
) -> None:
    api.post("/deal-stage-changes", deal_stage(id="x1", deal="hubspot:d1", stage="won"))
    assert models.Deal.objects.get().amount == 0
    api.post("/deals", deal(id="x2", ref="hubspot:d1", amount="900", name="Big", currency="eur"))
    stored = models.Deal.objects.get()
    assert (stored.amount, stored.name, stored.currency) == (Decimal("900"), "Big", "EUR")
    assert models.DealStageChange.objects.get().deal_id == stored.id


# -- bad input: 422 naming item and field, nothing stored ---------------------------------------


def problems(answer: Any) -> list[tuple[int | None, str, str]]:
    return [(p["item"], p["field"], p["message"]) for p in answer.json()["problems"]]


def test_a_bad_item_refuses_the_whole_batch_naming_item_and_field(api: Api) -> None:
    good = stage(id="a", contact="hubspot:1", stage="mql")
    naive = {**stage(id="b", contact="hubspot:1", stage="sql"), "entered_at": "2025-03-03T09:00"}
    empty = {**stage(id="c", contact="hubspot:1", stage="sql"), "stage": ""}
    answer = api.post("/stage-changes/batch", {"items": [good, naive, empty]})
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_input"
    assert answer.json()["message"] == "2 problems in the request; nothing was stored"
    assert problems(answer) == [
        (1, "entered_at", "Input should have timezone info"),
        (2, "stage", "String should have at least 1 character"),
    ]
    assert models.StageChange.objects.count() == 0
    assert models.IngestedEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "/contacts",
            {"id": "c", "ref": "hubspot:1"},
            [(None, "created_at", "Field required")],
        ),
        (
            "/touches",
            touch(id="t", contact="hubspot:1", type="fax"),
            [
                (
                    None,
                    "type",
                    "Input should be 'call', 'email', 'meeting', 'note', 'task', 'page_view', "
                    "'form_submission' or 'content_download'",
                )
            ],
        ),
        (
            "/deals",
            deal(id="d", ref="hubspot:1", amount="12.34567"),
            [(None, "amount", "Decimal input should have no more than 4 decimal places")],
        ),
        (
            "/decisions",
            decision(id="h", contact="hubspot:1", decision="maybe"),
            [(None, "decision", "Input should be 'accepted' or 'rejected'")],
        ),
        (
            "/contacts",
            {**contact(id="c", ref="hubspot:1"), "emial": "typo@x.io"},
            [(None, "emial", "Extra inputs are not permitted")],
        ),
        (
            "/owner-changes",
            owner(id="o", contact="hubspot:1", owner=" "),
            [(None, "owner", "Value error, a reference cannot be empty")],
        ),
        (
            "/stage-changes",
            stage(id="x" * 201, contact="hubspot:1", stage="mql"),
            [(None, "id", "String should have at most 200 characters")],
        ),
    ],
)
def test_single_events_name_the_bad_field(
    api: Api, path: str, body: dict[str, Any], expected: list[tuple[int | None, str, str]]
) -> None:
    answer = api.post(path, body)
    assert answer.status_code == 422
    assert problems(answer) == expected


def test_a_mixed_batch_names_an_unknown_kind_and_fields_of_the_right_kind(api: Api) -> None:
    answer = api.post(
        "/events/batch",
        {
            "items": [
                {"kind": "lead", "id": "x"},
                {"kind": "touch", **touch(id="t", contact="hubspot:1"), "automated": "often"},
            ]
        },
    )
    assert answer.status_code == 422
    assert problems(answer) == [
        (
            0,
            "kind",
            "kind must be one of: contact, stage_change, owner_change, touch, deal, "
            "deal_stage_change, decision",
        ),
        (1, "automated", "Input should be a valid boolean, unable to interpret input"),
    ]


def test_batches_are_between_one_and_a_thousand_items(api: Api) -> None:
    assert problems(api.post("/touches/batch", {"items": []})) == [
        (None, "items", "List should have at least 1 item after validation, not 0")
    ]
    many = [stage(id=f"e{i}", contact="hubspot:1", stage="mql") for i in range(1001)]
    answer = api.post("/stage-changes/batch", {"items": many})
    assert answer.status_code == 422
    assert problems(answer) == [
        (None, "items", "List should have at most 1000 items after validation, not 1001")
    ]
    thousand = many[:1000]
    assert api.post("/stage-changes/batch", {"items": thousand}).json()["accepted"] == 1000


def test_a_body_that_is_not_json_is_a_400_with_the_same_shape(api: Api) -> None:
    answer = api.post("/contacts", "{not json")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "bad_request",
        "message": "the request body is not valid JSON",
        "problems": [],
    }


def test_store_refusals_name_the_item(db: None) -> None:
    # Records the schemas cannot produce (a naive instant) show how a store refusal is named.
    from datetime import datetime

    from django.utils import timezone

    from funnelpact.domain.records import Ref, StageChange, System
    from funnelpact.server.api.ingestion import BatchRejectedError, LiveEvent, ingest

    good = StageChange(Ref(System.API, "a"), "mql", T0)
    naive = StageChange(Ref(System.API, "a"), "sql", datetime(2025, 3, 3, 9, 0))
    with pytest.raises(BatchRejectedError) as caught:
        ingest(
            [LiveEvent("api:1", "stage_change", good), LiveEvent("api:2", "stage_change", naive)],
            received_at=timezone.now(),
        )
    assert [p.index for p in caught.value.problems] == [1]
    assert "has no time zone" in caught.value.problems[0].message
    assert caught.value.status_code == 422
    assert models.StageChange.objects.count() == 0
    assert models.IngestedEvent.objects.count() == 0


# -- reads ---------------------------------------------------------------------------------------


def test_a_contact_and_its_timeline_are_read_by_any_of_its_references(api: Api) -> None:
    api.post(
        "/events/batch",
        {
            "items": [
                {"kind": "contact", **contact(id="c1", ref="hubspot:1", email="ann@acme.com")},
                {
                    "kind": "contact",
                    **contact(id="c2", ref="salesforce:00Q1", email="ANN@acme.com"),
                },
                {
                    "kind": "stage_change",
                    **stage(id="s", contact="salesforce:00Q1", stage="mql", at=T0 + hours(1)),
                },
                {
                    "kind": "touch",
                    **touch(id="t", contact="hubspot:1", at=T0 + hours(2), subject="intro call"),
                },
                {
                    "kind": "decision",
                    **decision(
                        id="d",
                        contact="hubspot:1",
                        decision="rejected",
                        reason="no_budget",
                        at=T0 + hours(3),
                    ),
                },
            ]
        },
    )
    read = api.get("/contacts/salesforce:00Q1")
    assert read.status_code == 200
    assert read.json()["refs"] == ["hubspot:1", "salesforce:00Q1"]
    assert read.json()["created_at"] == iso(T0)
    timeline = api.get("/contacts/hubspot:1/timeline").json()
    assert [(e["kind"], e["at"]) for e in timeline["entries"]] == [
        ("created", iso(T0)),
        ("stage_change", iso(T0 + hours(1))),
        ("touch", iso(T0 + hours(2))),
        ("decision", iso(T0 + hours(3))),
    ]
    assert timeline["entries"][2]["detail"]["subject"] == "intro call"
    assert timeline["entries"][3]["detail"]["reason"] == "no_budget"


def test_an_unknown_contact_is_a_404_with_the_error_shape(api: Api) -> None:
    answer = api.get("/contacts/hubspot:404")
    assert answer.status_code == 404
    assert answer.json() == {
        "error": "not_found",
        "message": "no contact hubspot:404",
        "problems": [],
    }


def test_a_merged_contact_is_read_as_the_contact_it_joined(api: Api) -> None:
    from funnelpact.server.tracking.services import merge_contacts

    api.post("/contacts", contact(id="a", ref="hubspot:1", email="a@x.io"))
    api.post("/contacts", contact(id="b", ref="hubspot:2", email="b@x.io"))
    keep = models.ContactIdentity.objects.get(external_id="1").contact_id
    drop = models.ContactIdentity.objects.get(external_id="2").contact_id
    merge_contacts(keep, drop)
    assert api.get("/contacts/hubspot:2").json()["email"] == "a@x.io"
