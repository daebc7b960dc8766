"""One person, one rep: HubSpot exports name owners (``Contact owner: Bryan Cooper``, stored as
``hubspot:name:bryan cooper``) while webhooks and the pull name them by owner id
(``hubspot:41629779``). The owners API (id, first and last name, email) links the two: the
store merges the named rep into the owner, whichever came first, and later exports resolve the
name to it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from webhook_testkit import CLIENT_SECRET, OCCURRED, hubspot_event, post_hubspot

from funnelpact.domain.records import Rep
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.api import owner_records
from funnelpact.server.tracking import models
from funnelpact.server.tracking.services import RecordKind, store_records

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from api_testkit import store_dump

pytestmark = pytest.mark.django_db

OWNERS = Path(__file__).resolve().parents[1] / "ingest/data/hubspot_api/owners.json"
EXPORT = (
    "Record ID,First Name,Last Name,Email,Contact owner,Lifecycle Stage,Create Date,"
    "Owner assigned date\n"
    "501,Ana,García,ana@example.es,Bryan  Cooper,Lead,2025-03-01 09:00,2025-03-01 10:00\n"
    "502,Bo,Berg,bo@example.se,Lucía Romero,Lead,2025-03-01 11:00,2025-03-01 12:00\n"
)


@pytest.fixture
def secret(db: None) -> None:
    from funnelpact.server.accounts.services import set_webhook_secret

    set_webhook_secret("hubspot", CLIENT_SECRET, now=timezone.now())


@pytest.fixture
def export(tmp_path: Path) -> Callable[[], None]:
    path = tmp_path / "hubspot-contacts.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return lambda: _stored(store_records(prepare_hubspot([path], ImportOptions()).records()))


def _stored(report: Any) -> None:
    assert report.records > 0


def owners() -> None:
    answer = json.loads(OWNERS.read_text(encoding="utf-8"))
    store_records([owner_records(owner) for owner in answer["results"]])


def webhooks() -> None:
    # Bryan Cooper (41629779) takes contact 501 again later; 502 goes to Lucía (52744136).
    answer = post_hubspot(
        Client(),
        [
            hubspot_event(
                1, objectId=501, propertyName="hubspot_owner_id", propertyValue="41629779"
            ),
            hubspot_event(
                2,
                objectId=502,
                propertyName="hubspot_owner_id",
                propertyValue="52744136",
                occurredAt=OCCURRED + 60_000,
            ),
        ],
    )
    assert answer.status_code == 200, answer.content


def _in_savepoint(steps: list[Callable[[], None]]) -> dict[str, Any]:
    savepoint = transaction.savepoint()
    try:
        for step in steps:
            step()
        return store_dump()
    finally:
        transaction.savepoint_rollback(savepoint)


def test_an_export_then_webhooks_name_one_rep_per_owner(
    secret: None, export: Callable[[], None]
) -> None:
    export()
    assert models.Rep.objects.filter(external_id__startswith="name:").count() == 2
    owners()
    webhooks()
    reps = {f"{r.system}:{r.external_id}": r for r in models.Rep.objects.all()}
    assert sorted(reps) == ["hubspot:41629779", "hubspot:52744136"]  # the named reps merged
    bryan = reps["hubspot:41629779"]
    assert (bryan.name, bryan.email, bryan.team_name) == (
        "Bryan Cooper",
        "bcooper@biglytics.net",
        "Inbound Sales",
    )
    ana = models.ContactIdentity.objects.get(external_id="501").contact
    assert ana.owner_id == bryan.id
    assert sorted((o.owner_id, o.assigned_at.isoformat()) for o in ana.owner_changes.all()) == [
        (bryan.id, "2025-03-01T10:00:00+00:00"),
        (bryan.id, "2025-03-03T08:20:00+00:00"),
    ]
    # Importing the export again resolves the names to the owners: nothing new.
    export()
    assert sorted(f"{r.system}:{r.external_id}" for r in models.Rep.objects.all()) == sorted(reps)


@pytest.mark.parametrize(
    "order",
    [
        ("webhooks", "export", "owners"),
        ("owners", "export", "webhooks"),
        ("export", "webhooks", "owners"),
        ("owners", "webhooks", "export"),
    ],
)
def test_any_order_gives_the_store_of_export_owners_webhooks(
    secret: None, export: Callable[[], None], order: tuple[str, ...]
) -> None:
    steps = {"export": export, "owners": owners, "webhooks": webhooks}
    expected = _in_savepoint([export, owners, webhooks])
    assert _in_savepoint([steps[name] for name in order]) == expected


def test_two_owners_with_one_name_are_not_guessed_between(export: Callable[[], None]) -> None:
    from funnelpact.domain.records import Ref

    export()
    report = store_records(
        [
            Rep(ref=Ref.parse("hubspot:1"), name="Bryan Cooper", email="b1@x.io"),
            Rep(ref=Ref.parse("hubspot:2"), name="bryan cooper", email="b2@x.io"),
        ]
    )
    assert report[RecordKind.REP].merged == 0
    assert models.Rep.objects.filter(external_id="name:bryan cooper").exists()
    ana = models.ContactIdentity.objects.get(external_id="501").contact
    assert ana.owner.external_id == "name:bryan cooper"
