"""store_records: idempotence, updates, merges by email, events, references, errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from store_factories import (
    T0,
    canonical_dump,
    contact,
    deal,
    deal_stage,
    hours,
    hs,
    rep,
    sf,
    stage,
    touch,
)

from funnelpact.domain.records import (
    CampaignMember,
    Decision,
    HandoffDecision,
    OwnerChange,
    Ref,
    System,
    Team,
    TeamKind,
)
from funnelpact.server.tracking import models
from funnelpact.server.tracking.services import (
    MergeError,
    RecordKind,
    StoreInputError,
    find_duplicates,
    merge_contacts,
    store_records,
)

pytestmark = pytest.mark.django_db


def test_storing_the_same_records_twice_changes_nothing() -> None:
    records = [
        contact(ref=hs(1), email="ann@acme.com", owner=hs("o1"), first_name="Ann"),
        stage(contact=hs(1), stage="mql", at=T0 + hours(2), source="export:Became a MQL Date"),
        touch(ref=hs("t1"), contact=hs(1), at=T0 + hours(3), rep=hs("o1")),
        rep(ref=hs("o1"), name="Olga"),
        deal(ref=hs("d1"), contact=hs(1), amount="1500.50"),
        deal_stage(deal=hs("d1"), stage="won", at=T0 + hours(30), amount="1500.5"),
    ]
    first = store_records(records)
    dump = canonical_dump()
    second = store_records(records)

    assert canonical_dump() == dump
    assert first[RecordKind.CONTACT].created == 1
    assert first[RecordKind.TOUCH].created == 1
    assert first[RecordKind.DEAL_STAGE_CHANGE].created == 1
    assert second.total("created") == 0 and second.total("updated") == 0
    assert second.total("unchanged") == len(records)
    assert models.DealStageChange.objects.get().amount == Decimal("1500.5")


def test_a_newer_export_updates_what_changed_and_adds_history_without_duplicates() -> None:
    store_records(
        [
            contact(ref=hs(1), email="a@x.com", lifecycle_stage="lead", updated_at=T0),
            stage(contact=hs(1), stage="lead", at=T0),
            touch(ref=hs("t1"), contact=hs(1), subject="hello"),
        ]
    )
    report = store_records(
        [
            contact(ref=hs(1), email="a@x.com", lifecycle_stage="mql", updated_at=T0 + hours(5)),
            stage(contact=hs(1), stage="lead", at=T0),
            stage(contact=hs(1), stage="mql", at=T0 + hours(5)),
            touch(ref=hs("t1"), contact=hs(1), subject="hello again"),
        ]
    )
    assert report[RecordKind.CONTACT].updated == 1
    assert report[RecordKind.STAGE_CHANGE].created == 1
    assert report[RecordKind.STAGE_CHANGE].unchanged == 1
    assert report[RecordKind.TOUCH].updated == 1
    person = models.Contact.objects.get()
    assert person.lifecycle_stage == "mql"
    assert sorted(person.stage_changes.values_list("stage", flat=True)) == ["lead", "mql"]
    assert models.Touch.objects.get().subject == "hello again"


def test_an_older_version_arriving_late_does_not_overwrite_a_newer_one() -> None:
    newer = contact(ref=hs(1), email="a@x.com", company="New Co", updated_at=T0 + hours(9))
    older = contact(ref=hs(1), email="a@x.com", company="Old Co", updated_at=T0)
    store_records([newer])
    report = store_records([older])
    assert report[RecordKind.CONTACT].unchanged == 1
    assert models.Contact.objects.get().company == "New Co"


def test_contacts_with_the_same_normalised_email_across_systems_are_one_person() -> None:
    store_records(
        [
            contact(ref=hs(1), email="Ann.Lee@Acme.com", created_at=T0 + hours(10)),
            touch(ref=hs("t1"), contact=hs(1)),
        ]
    )
    report = store_records(
        [
            contact(ref=sf("00Q1"), email="  ann.lee@acme.COM ", created_at=T0),
            stage(contact=sf("00Q1"), stage="mql", at=T0 + hours(1)),
            touch(ref=sf("task1"), contact=sf("00Q1")),
        ]
    )
    assert report[RecordKind.CONTACT].merged == 1
    person = models.Contact.objects.get()
    assert sorted(str(i) for i in person.identities.all()) == ["hubspot:1", "salesforce:00Q1"]
    assert person.touches.count() == 2
    assert person.stage_changes.count() == 1
    assert person.created_at == T0  # the earliest creation either system reports


def test_a_touch_may_come_before_its_contact_in_the_same_call() -> None:
    report = store_records(
        [touch(ref=hs("t1"), contact=hs(7)), contact(ref=hs(7), email="x@y.com")],
        batch_size=1,  # the contact arrives in a later batch than its touch
    )
    assert report[RecordKind.TOUCH].created == 1
    assert models.Touch.objects.get().contact.email == "x@y.com"


def test_a_fact_whose_contact_is_unknown_is_an_error_naming_it_and_stores_nothing() -> None:
    with pytest.raises(StoreInputError) as caught:
        store_records([contact(ref=hs(1)), touch(ref=hs("t9"), contact=hs(404))])
    assert caught.value.message == (
        "touch hubspot:t9: contact hubspot:404 is neither in the store nor in this import "
        "(import the contacts first, or with them)"
    )
    assert models.Contact.objects.count() == 0


def test_placeholder_contacts_on_request_are_filled_in_by_the_contact_later() -> None:
    report = store_records(
        [stage(contact=hs(5), stage="mql", at=T0 + hours(3))], create_missing_contacts=True
    )
    assert report[RecordKind.CONTACT].placeholders == 1
    assert models.Contact.objects.get().placeholder
    store_records([contact(ref=hs(5), email="late@x.com", created_at=T0)])
    person = models.Contact.objects.get()
    assert (person.email, person.placeholder, person.created_at) == ("late@x.com", False, T0)


def test_repeated_event_ids_are_acknowledged_and_ignored() -> None:
    store_records([contact(ref=hs(1))])
    event = stage(contact=hs(1), stage="mql", at=T0, event_id="evt-1")
    same_id_other_content = stage(contact=hs(1), stage="sql", at=T0, event_id="evt-1")
    first = store_records([event, event])
    second = store_records([same_id_other_content])
    assert first[RecordKind.STAGE_CHANGE].created == 1
    assert second[RecordKind.STAGE_CHANGE].ignored_events == 1
    assert list(models.StageChange.objects.values_list("stage", flat=True)) == ["mql"]
    assert models.IngestedEvent.objects.get().kind == "stage_change"


def test_every_kind_is_stored_with_reps_teams_and_campaigns_resolved() -> None:
    store_records(
        [
            Team(name="SDR", kind=TeamKind.SALES, manager=hs("boss")),
            rep(ref=hs("o1"), name="Olga", team="SDR", manager=hs("boss")),
            rep(ref=hs("boss"), name="Bea"),
            contact(ref=hs(1), email="a@x.com", owner=hs("o1")),
            OwnerChange(contact=hs(1), owner=hs("o1"), assigned_at=T0 + hours(1)),
            HandoffDecision(
                contact=hs(1),
                decision=Decision.REJECTED,
                decided_at=T0 + hours(4),
                decided_by=hs("o1"),
                reason="no_budget",
            ),
            CampaignMember(campaign=Ref(System.HUBSPOT, "c1"), contact=hs(1), status="sent"),
        ]
    )
    olga = models.Rep.objects.get(external_id="o1")
    assert olga.manager is not None and olga.manager.name == "Bea"
    assert models.Team.objects.get().manager == olga.manager
    assert models.Rep.objects.filter(placeholder=True).count() == 0
    assert models.OwnerChange.objects.get().owner == olga
    assert models.HandoffDecision.objects.get().reason == "no_budget"
    member = models.CampaignMember.objects.get()
    assert member.campaign.placeholder and member.contact.owner == olga


def test_bad_values_are_errors_naming_the_record() -> None:
    naive = datetime(2025, 1, 1, 9, 0)
    with pytest.raises(StoreInputError) as caught:
        store_records(
            [
                contact(ref=hs(1), created_at=naive),
                deal(ref=hs("d1"), contact=None, amount="1.23456"),
                contact(ref=hs(2), company="x" * 300),
            ]
        )
    assert caught.value.message.splitlines() == [
        "contact hubspot:1: created_at 2025-01-01T09:00:00 has no time zone (store instants)",
        "contact hubspot:2: company is 300 characters long (at most 255)",
        "deal hubspot:d1: amount 1.23456 has more than 4 decimal places or is too large",
    ]


def test_find_duplicates_and_merge_keep_every_touch_and_stage_change() -> None:
    store_records(
        [
            contact(ref=hs(1), email="a@x.com", created_at=T0 + hours(5)),
            contact(ref=hs(2), email="b@x.com", created_at=T0),
            stage(contact=hs(1), stage="mql", at=T0 + hours(6)),
            stage(contact=hs(2), stage="mql", at=T0 + hours(6)),
            stage(contact=hs(2), stage="sql", at=T0 + hours(8)),
            touch(ref=hs("t1"), contact=hs(1)),
            touch(ref=hs("t2"), contact=hs(2)),
        ]
    )
    # hubspot:2 changes its email to hubspot:1's: not merged silently, reported.
    store_records([contact(ref=hs(2), email="A@x.com", created_at=T0, updated_at=T0)])
    (group,) = find_duplicates()
    assert group.normalised_email == "a@x.com"
    keep, drop = group.contacts[1].id, group.contacts[0].id  # keep hubspot:1
    assert [c.identities for c in group.contacts] == [(hs(2),), (hs(1),)]

    report = merge_contacts(keep, drop)

    assert report.duplicates_removed == 1  # the same MQL entry once
    person = models.Contact.objects.get(id=keep)
    assert sorted(str(i) for i in person.identities.all()) == ["hubspot:1", "hubspot:2"]
    assert sorted(person.stage_changes.values_list("stage", flat=True)) == ["mql", "sql"]
    assert person.touches.count() == 2
    assert person.created_at == T0
    assert models.Contact.objects.get(id=drop).merged_into_id == keep
    assert find_duplicates() == []
    # Later records of either id land on the kept contact.
    store_records([touch(ref=hs("t3"), contact=hs(2))])
    assert person.touches.count() == 3
    with pytest.raises(MergeError, match=f"contact {drop} was already merged into contact {keep}"):
        merge_contacts(keep, drop)
