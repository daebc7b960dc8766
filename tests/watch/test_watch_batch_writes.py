"""The tick's batch reads and writes: id lookups of any size, new rows' ids for their alerts,
and the obligation table's indexes (each query that reads the table uses one)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from watch_factories import LEAD, madrid, mql, team

from funnelpact.domain.records import Ref, System
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models, repository
from funnelpact.server.watch.channels import add_channel
from funnelpact.server.watch.repository import (
    WATCHED_TABLE,
    execute_for_ids,
    find_contact,
)
from funnelpact.server.watch.scheduler import tick
from funnelpact.server.watch.services import queue_contacts, use_agreement

pytestmark = pytest.mark.django_db

HANDOFF = madrid(2025, 12, 1, 10)
DECISION_AT_RISK = madrid(2025, 12, 1, 17)  # 6 of the decision's 8 business hours


def test_id_lookups_take_any_ids_small_or_past_32_bits(clock, agreement_path: Path) -> None:
    store_records([*team(), *mql(HANDOFF)])
    contact_id = find_contact(str(LEAD))
    assert contact_id is not None
    db = Store()
    table = str(store.Contact._meta.db_table)
    # A small id and ids past int2 and int4 (PostgreSQL binds them all as one bigint[]).
    ids = [contact_id, 40_000, 2**31 + 5, 2**40]
    assert db.select_in(table, ["id"], "id", ids) == [(contact_id,)]
    assert db.select_in(table, ["id"], "id", []) == []
    queue_contacts([contact_id], HANDOFF)
    execute_for_ids(
        db,
        f"UPDATE {WATCHED_TABLE} SET next_check_at = NULL WHERE {{ids}} AND contact_id > %s",
        "contact_id",
        ids,
        [0],
    )
    assert models.WatchedLead.objects.get(contact_id=contact_id).next_check_at is None


def test_a_lead_first_evaluated_at_risk_alerts_with_its_new_rows_id(
    clock, agreement_path: Path, hook_server
) -> None:
    # The first evaluation happens after the at-risk instant: the decision's row is new and
    # at risk at once; its alert names the row the batch insert created (on PostgreSQL the
    # server numbers streamed rows and the ids are read back).
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("ops-webhook", hook_server.url())
    clock.set(DECISION_AT_RISK + timedelta(minutes=5))
    store_records([*team(), *mql(HANDOFF)])
    contact_id = find_contact(str(LEAD))
    decision = models.Obligation.objects.get(contact_id=contact_id, cycle=1, name="decision")
    assert decision.status == "at_risk"
    alert = models.AlertOutbox.objects.get(kind="at_risk")
    assert alert.obligation_id == decision.pk
    assert alert.contact_id == contact_id
    # A tick later nothing repeats, and a queued re-evaluation keeps the same rows.
    before = sorted(models.Obligation.objects.values_list("pk", "name", "status"))
    queue_contacts([contact_id], clock.now)
    tick(clock.now, send=lambda *args: None)
    assert sorted(models.Obligation.objects.values_list("pk", "name", "status")) == before
    assert models.AlertOutbox.objects.filter(kind="at_risk").count() == 1


def test_the_obligation_table_keeps_three_secondary_indexes() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, str(models.Obligation._meta.db_table)
        )
    indexes = {
        name
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"] and not info["unique"]
    }
    assert indexes == {
        "obligation_status_risk_due",
        "obligation_owner_status",
        "obligation_first_touch_handoff",
    }


def test_row_groups_flatten_whole_statements_then_the_rest() -> None:
    rows = [(i, f"r{i}") for i in range(7)]
    assert list(repository._row_groups(rows, 3)) == [
        (3, [(0, "r0", 1, "r1", 2, "r2"), (3, "r3", 4, "r4", 5, "r5")]),
        (1, [(6, "r6")]),
    ]
    assert list(repository._row_groups(rows[:6], 3)) == [
        (3, [(0, "r0", 1, "r1", 2, "r2"), (3, "r3", 4, "r4", 5, "r5")])
    ]
    assert list(repository._row_groups(rows[:2], 3)) == [(2, [(0, "r0", 1, "r1")])]
    assert list(repository._row_groups([], 3)) == []


def _stored_obligations() -> list[tuple[object, ...]]:
    fields = [f.attname for f in models.Obligation._meta.concrete_fields if f.name != "id"]
    return sorted(models.Obligation.objects.values_list(*fields))


@pytest.mark.parametrize("rows_per_insert", [2, 3, 500])
def test_new_obligations_are_the_same_whatever_the_rows_per_insert(
    clock, agreement_path: Path, monkeypatch: pytest.MonkeyPatch, rows_per_insert: int
) -> None:
    # Three leads (five rows each) first evaluated together: SQLite writes the new rows by
    # multi-row INSERTs of SQLITE_ROWS_PER_INSERT rows and one for the rest; every row lands
    # as with one row per statement, and the alerts name the rows by their new ids.
    use_agreement(agreement_path, clock.set(HANDOFF))
    add_channel("ops-webhook", "json://127.0.0.1:9/ops")  # alerts are queued, not sent
    leads = [Ref(System.HUBSPOT, f"lead-{n}") for n in range(3)]
    records = [*team()]
    for lead in leads:
        records += mql(HANDOFF, ref=lead)
    clock.set(DECISION_AT_RISK + timedelta(minutes=5))
    monkeypatch.setattr(repository, "SQLITE_ROWS_PER_INSERT", 1)
    store_records(records)
    one_per_statement = _stored_obligations()
    assert len(one_per_statement) == 15
    ids = sorted(set(models.Obligation.objects.values_list("contact_id", flat=True)))
    assert len(ids) == 3
    models.Obligation.objects.all().delete()
    models.AlertOutbox.objects.all().delete()
    monkeypatch.setattr(repository, "SQLITE_ROWS_PER_INSERT", rows_per_insert)
    queue_contacts(ids, clock.now)
    tick(clock.now, send=lambda *args: None)
    assert _stored_obligations() == one_per_statement
    at_risk = models.AlertOutbox.objects.filter(kind="at_risk")
    assert at_risk.count() == 3
    for alert in at_risk:
        obligation = models.Obligation.objects.get(pk=alert.obligation_id)
        assert (obligation.contact_id, obligation.name) == (alert.contact_id, "decision")
