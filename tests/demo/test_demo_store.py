"""Demo data into the store: straight from the generator, and through the HubSpot export and
importer (the path a user's real exports take); duplicates end up merged either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnelpact.demo.generator import DEFAULT_END, generate_journeys, organisation
from funnelpact.demo.hubspot_writer import write_hubspot_export
from funnelpact.demo.scenario import default_scenario
from funnelpact.demo.service import make_demo_data
from funnelpact.domain.records import System, TouchType

SCENARIO = default_scenario()
SALES_TYPES = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)

pytestmark = pytest.mark.django_db


def _live_contacts() -> int:
    from funnelpact.server.tracking import models

    return models.Contact.objects.filter(merged_into__isnull=True, placeholder=False).count()


def test_store_straight_from_the_generator() -> None:
    from funnelpact.server.tracking import models
    from funnelpact.server.tracking.services import store_records

    journeys = list(generate_journeys(SCENARIO, 8, DEFAULT_END, contacts=400))
    progress: list[int] = []
    result = make_demo_data(
        SCENARIO,
        seed=8,
        end=DEFAULT_END,
        contacts=400,
        store=store_records,
        on_stored=progress.append,
    )
    duplicates = sum(journey.duplicate_of is not None for journey in journeys)
    assert result.contacts == 400 and result.export is None
    assert _live_contacts() == 400  # every duplicate row joined its person by email
    assert result.store_report.total("merged") == duplicates > 0
    assert models.Touch.objects.count() == sum(len(j.touches) for j in journeys)
    assert models.HandoffDecision.objects.count() == sum(j.decision is not None for j in journeys)
    assert models.Deal.objects.count() == sum(j.deal is not None for j in journeys)
    assert models.StageChange.objects.count() == sum(len(j.stages) for j in journeys)
    assert progress and progress[-1] == result.records

    # Storing the same demo again changes nothing.
    again = make_demo_data(SCENARIO, seed=8, end=DEFAULT_END, contacts=400, store=store_records)
    assert again.store_report.total("created") == 0
    assert _live_contacts() == 400


def test_round_trip_export_import_store(tmp_path: Path) -> None:
    from funnelpact.ingest.engine import ImportOptions
    from funnelpact.ingest.hubspot import prepare_hubspot
    from funnelpact.server.tracking import models
    from funnelpact.server.tracking.services import store_records

    journeys = list(
        generate_journeys(SCENARIO, 12, DEFAULT_END, contacts=300, system=System.HUBSPOT)
    )
    org = organisation(SCENARIO, DEFAULT_END, System.HUBSPOT)
    write_hubspot_export(journeys, tmp_path, SCENARIO, org)
    job = prepare_hubspot(sorted(tmp_path.glob("*.csv")), ImportOptions(timezone="Europe/Madrid"))
    store_records(job.records())

    assert _live_contacts() == 300
    # Merges keep every stage change: a duplicate's own "lead" entry joins its person.
    assert models.StageChange.objects.count() == sum(len(j.stages) for j in journeys)
    sales = sum(
        1 for j in journeys for t in j.touches if t.rep is not None and t.type in SALES_TYPES
    )
    assert models.Touch.objects.filter(type__in=[t.value for t in SALES_TYPES]).count() == sales
    assert models.Deal.objects.filter(won=True).count() == sum(
        1 for j in journeys if j.deal is not None and j.deal.won
    )
