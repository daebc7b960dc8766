"""The demo's HubSpot-shaped exports import cleanly, and identically in en, es and it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ingest_testkit import EXPORTS, read

from funnelpact.demo.hubspot_labels import Language
from funnelpact.demo.scenario import default_scenario
from funnelpact.demo.service import make_demo_data
from funnelpact.domain.records import Deal, DealStageChange, Record, Rep, Touch
from funnelpact.ingest.common import normalise_label
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.labels import DEAL_STAGES


def portal_neutral(record: Record) -> Record:
    """The record without what the export writes in its language (team and form names, deal
    stage labels): every other field must not depend on it."""
    if isinstance(record, Deal | DealStageChange):
        return replace(record, stage=DEAL_STAGES.get(normalise_label(record.stage), "?"))
    if isinstance(record, Rep):
        return replace(record, team="")
    if isinstance(record, Touch):
        return replace(record, content="")
    return record


def imported(folder: Path, language: Language) -> tuple[list[Record], list[str]]:
    out = folder / language.value
    scenario = default_scenario()
    make_demo_data(
        scenario,
        seed=3,
        end=datetime(2025, 6, 30, 15, tzinfo=UTC),
        contacts=80,
        out_dir=out,
        language=language,
    )
    job = prepare_hubspot(
        sorted(out.glob("*.csv")), ImportOptions(timezone=scenario.calendar.timezone)
    )
    records = [portal_neutral(record) for record in read(job)]
    return records, job.report().problem_lines()


def test_demo_exports_in_three_languages_give_the_same_records(tmp_path: Path) -> None:
    english, problems = imported(tmp_path, Language.EN)

    assert problems == []
    assert {type(record).__name__ for record in english} >= {
        "Contact", "StageChange", "OwnerChange", "Rep", "Touch", "Deal", "DealStageChange",
        "HandoffDecision"}  # fmt: skip
    for language in (Language.ES, Language.IT):
        assert imported(tmp_path, language) == (english, [])


def test_the_examples_import_without_problems() -> None:
    job = prepare_hubspot(
        sorted((EXPORTS / "hubspot").glob("*.csv")), ImportOptions(timezone="Europe/Madrid")
    )

    assert len(read(job)) > 0
    assert job.report().problem_lines() == [
        f'{EXPORTS / "hubspot" / "activities-en.csv"}, column "Associated Contact IDs":'
        " warning IMP201 1 activity row(s) with no associated contact were skipped (company-"
        " or deal-only activities)"
    ]
