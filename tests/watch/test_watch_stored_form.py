"""Re-evaluations compare the evaluator's epoch seconds with stored rows read as epoch seconds,
and write instants in exactly the form the rest of the store uses (Django's, `Store.db_instant`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from watch_factories import LEAD, call, madrid, mql, team

from funnelpact.server.tracking.repository import Store
from funnelpact.server.tracking.services import store_records
from funnelpact.server.watch import models
from funnelpact.server.watch.repository import find_contact, instant_forms, read_obligations
from funnelpact.server.watch.services import refresh_obligations, use_agreement

pytestmark = pytest.mark.django_db

HANDOFF = madrid(2025, 12, 1, 10)

# Around the epoch, leap days, year and century ends, far dates, DST nights in Madrid.
SECONDS = [
    -86_401,
    -1,
    0,
    1,
    59,
    3_599,
    86_399,
    86_400,
    951_782_400,  # 2000-02-29 00:00:00
    951_868_799,
    1_743_296_399,  # 2025-03-30 00:59:59 UTC, the night Madrid springs forward
    1_761_440_400,
    4_102_444_799,  # 2099-12-31 23:59:59
    253_402_300_799,  # 9999-12-31 23:59:59
    -62_135_596_800,  # 0001-01-01 00:00:00
    *range(1_764_547_200, 1_764_547_200 + 3 * 86_400, 4_093),
]


def test_instants_are_written_as_the_store_writes_them(db) -> None:
    store = Store()
    forms = instant_forms(store, [*SECONDS, None, SECONDS[0]])
    assert forms[None] is None
    for seconds in SECONDS:
        assert forms[seconds] == store.db_instant(datetime.fromtimestamp(seconds, UTC)), seconds


def test_stored_rows_read_back_as_the_evaluator_s_seconds(clock, agreement_path: Path) -> None:
    use_agreement(agreement_path, clock.set(HANDOFF))
    store_records([*team(), *mql(HANDOFF)])
    clock.set(HANDOFF + timedelta(hours=2))
    store_records([call(HANDOFF + timedelta(hours=1), "c1")])  # first touch met: met_at, met_after
    contact_id = find_contact(str(LEAD))
    assert contact_id is not None
    stored = read_obligations(Store(), [contact_id])
    first = models.Obligation.objects.get(contact_id=contact_id, name="first_touch")
    _, values = stored[(contact_id, first.cycle, "first_touch")]
    assert values[1] == "met"
    assert values[2] == int(first.handoff_at.timestamp())
    assert (
        values[5]
        == int(first.met_at.timestamp())
        == int((HANDOFF + timedelta(hours=1)).timestamp())
    )
    assert values[6] is None
    # Evaluated again at the same instant: every stored row compares equal, nothing is written.
    before = list(models.Obligation.objects.order_by("pk").values_list("pk", "evaluated_at"))
    report = refresh_obligations([contact_id], clock.now)
    assert report.obligations == len(stored) == 5
    assert report.changed == 0
    after = list(models.Obligation.objects.order_by("pk").values_list("pk", "evaluated_at"))
    assert after == before
