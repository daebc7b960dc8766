"""HubSpot-shaped demo exports: their shape, byte-for-byte determinism, no half-written files,
and a round trip through the HubSpot importer that gives back what was generated."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from funnelpact.cli.main import app
from funnelpact.demo.generator import DEFAULT_END, Journey, generate_journeys, organisation
from funnelpact.demo.hubspot_labels import (
    CALL_COLUMNS,
    CONTACT_COLUMNS,
    DEAL_COLUMNS,
    DEAL_STAGE_LABELS,
    DEAL_STAGE_ORDER,
    EMAIL_COLUMNS,
    MEETING_COLUMNS,
    Labels,
    Language,
    date_entered_label,
)
from funnelpact.demo.hubspot_writer import FILE_NAMES, write_hubspot_export
from funnelpact.demo.scenario import default_scenario
from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    HandoffDecision,
    OwnerChange,
    Record,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot

SCENARIO = default_scenario()
ZONE = ZoneInfo(SCENARIO.calendar.timezone)
SALES_TYPES = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)


def _journeys(contacts: int, seed: int = 4, system: System = System.DEMO) -> list[Journey]:
    return list(generate_journeys(SCENARIO, seed, DEFAULT_END, contacts=contacts, system=system))


def _export(out: Path, journeys: list[Journey], language: Language, system: System) -> None:
    org = organisation(SCENARIO, DEFAULT_END, system)
    write_hubspot_export(journeys, out, SCENARIO, org, language=language)


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _labels(columns: dict[str, Labels], language: Language) -> list[str]:
    return [labels[language] for labels in columns.values()]


@pytest.mark.parametrize("language", list(Language))
def test_files_have_hubspot_labels_and_parse_with_the_csv_module(
    tmp_path: Path, language: Language
) -> None:
    journeys = _journeys(400)
    _export(tmp_path, journeys, language, System.DEMO)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILE_NAMES.values())

    header, rows = _read(tmp_path / "contacts.csv")
    assert header == _labels(CONTACT_COLUMNS, language)
    expected_rows = sum(1 + journey.repeat_row for journey in journeys)
    assert len(rows) == expected_rows
    assert all(len(row) == len(header) for row in rows)
    assert all(row[0].isdigit() for row in rows)
    created = header.index(CONTACT_COLUMNS["createdate"][language])
    for row in rows:
        moment = datetime.strptime(row[created], "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)
        assert moment <= DEFAULT_END

    header, rows = _read(tmp_path / "deals.csv")
    stage_columns = [date_entered_label(stage, language) for stage in DEAL_STAGE_ORDER]
    assert header == _labels(DEAL_COLUMNS, language) + stage_columns
    assert len(rows) == sum(journey.deal is not None for journey in journeys) > 0

    touches = [t for j in journeys for t in j.touches if t.rep is not None]
    for name, columns, kind in (
        ("calls.csv", CALL_COLUMNS, TouchType.CALL),
        ("emails.csv", EMAIL_COLUMNS, TouchType.EMAIL),
        ("meetings.csv", MEETING_COLUMNS, TouchType.MEETING),
    ):
        header, rows = _read(tmp_path / name)
        assert header == _labels(columns, language)
        assert len(rows) == sum(t.type is kind for t in touches) > 0
        contact_ids = header.index(columns["associated_contact_ids"][language])
        assert all(row[contact_ids].isdigit() for row in rows)


def test_same_seed_gives_byte_identical_files_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name, seed in (("a", "9"), ("b", "9"), ("c", "10")):
        result = runner.invoke(
            app, ["demo-data", "--contacts", "300", "--seed", seed, "--out", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        outputs.append({n: (tmp_path / name / n).read_bytes() for n in FILE_NAMES.values()})
    assert outputs[0] == outputs[1]
    assert outputs[0]["contacts.csv"] != outputs[2]["contacts.csv"]


def test_a_failure_leaves_no_file_behind(tmp_path: Path) -> None:
    journeys = _journeys(50)

    def broken() -> Iterator[Journey]:
        yield from journeys[:20]
        raise RuntimeError("disk full (simulated)")

    org = organisation(SCENARIO, DEFAULT_END)
    with pytest.raises(RuntimeError, match="disk full"):
        write_hubspot_export(broken(), tmp_path / "out", SCENARIO, org)
    assert list((tmp_path / "out").iterdir()) == []


# --- round trip through the importer -------------------------------------------------------


def _imported(folder: Path) -> list[Record]:
    job = prepare_hubspot(sorted(folder.glob("*.csv")), ImportOptions(timezone="Europe/Madrid"))
    records = list(job.records())
    errors = [line for line in job.report().problem_lines() if " error " in line]
    assert errors == []
    return records


def _of(records: list[Record], kind: type) -> list:  # type: ignore[type-arg]
    return [record for record in records if isinstance(record, kind)]


@pytest.mark.parametrize("language", list(Language))
def test_round_trip_through_the_hubspot_importer(tmp_path: Path, language: Language) -> None:
    journeys = _journeys(600, seed=21, system=System.HUBSPOT)
    _export(tmp_path, journeys, language, System.HUBSPOT)
    back = _imported(tmp_path)
    org = organisation(SCENARIO, DEFAULT_END, System.HUBSPOT)
    rep_name = {rep.ref: rep.name for rep in _of(back, Rep)}
    campaign_names = {campaign.key: campaign.name for campaign in SCENARIO.campaigns}

    def person(contact: Contact) -> tuple[object, ...]:
        return (
            contact.ref,
            contact.email.strip(),  # the importer trims cells; inner spaces and case stay
            contact.first_name,
            contact.last_name,
            contact.company,
            contact.created_at,
            contact.source,
            contact.source_detail_1,
            contact.source_detail_2,
            contact.lifecycle_stage,
            contact.stream,
        )

    generated_people = {person(j.contact) for j in journeys}
    imported_people = {person(c) for c in _of(back, Contact)}
    assert imported_people == generated_people
    imported_campaigns = {c.ref: c.campaign for c in _of(back, Contact)}
    for journey in journeys:
        expected = campaign_names.get(journey.contact.campaign, "")
        assert imported_campaigns[journey.contact.ref] == expected
    imported_owner = {c.ref: rep_name.get(c.owner) for c in _of(back, Contact) if c.owner}
    generated_owner = {
        j.contact.ref: org.rep_names[j.contact.owner] for j in journeys if j.contact.owner
    }
    assert imported_owner == generated_owner

    def stage(change: StageChange) -> tuple[object, ...]:
        return (change.contact, change.stage, change.entered_at)

    assert {stage(s) for s in _of(back, StageChange)} == {
        stage(s) for j in journeys for s in j.stages
    }
    # HubSpot keeps the latest assignment only ("Owner assigned date").
    assert {(o.contact, rep_name[o.owner], o.assigned_at) for o in _of(back, OwnerChange)} == {
        (j.contact.ref, org.rep_names[j.owner_changes[-1].owner], j.owner_changes[-1].assigned_at)
        for j in journeys
        if j.owner_changes
    }

    def touch(t: Touch, names: dict) -> tuple[object, ...]:  # type: ignore[type-arg]
        return (
            t.ref,
            t.contact,
            t.type,
            t.occurred_at,
            t.direction,
            t.automated,
            t.subject,
            names.get(t.rep),
        )

    imported_touches = _of(back, Touch)
    assert {touch(t, rep_name) for t in imported_touches if t.type in SALES_TYPES} == {
        touch(t, org.rep_names)
        for j in journeys
        for t in j.touches
        if t.rep is not None and t.type in SALES_TYPES
    }
    # Web conversions survive only as the first and the most recent one per contact.
    conversions = (TouchType.FORM_SUBMISSION, TouchType.CONTENT_DOWNLOAD)
    generated_conversions = {
        (j.contact.ref, t.occurred_at) for j in journeys for t in j.touches if t.type in conversions
    }
    imported_conversions = {
        (t.contact, t.occurred_at) for t in imported_touches if t.type not in SALES_TYPES
    }
    assert imported_conversions and imported_conversions <= generated_conversions

    def decision(d: HandoffDecision) -> tuple[object, ...]:
        return (d.contact, d.decision, d.decided_at, d.reason)

    assert {decision(d) for d in _of(back, HandoffDecision)} == {
        decision(j.decision) for j in journeys if j.decision is not None
    }

    def deal(d: Deal, names: dict) -> tuple[object, ...]:  # type: ignore[type-arg]
        return (
            d.ref,
            d.contact,
            d.amount,
            d.currency,
            d.name,
            d.created_at,
            d.closed_at,
            d.won,
            names.get(d.owner),
        )

    assert {deal(d, rep_name) for d in _of(back, Deal)} == {
        deal(j.deal, org.rep_names) for j in journeys if j.deal is not None
    }
    stage_ids = {labels[language]: stage for stage, labels in DEAL_STAGE_LABELS.items()}
    assert {(c.deal, stage_ids[c.stage], c.entered_at) for c in _of(back, DealStageChange)} == {
        (c.deal, c.stage, c.entered_at) for j in journeys for c in j.deal_stages
    }


def test_exported_instants_are_local_wall_clock_of_the_portal(tmp_path: Path) -> None:
    journeys = _journeys(30)
    _export(tmp_path, journeys, Language.EN, System.DEMO)
    _, rows = _read(tmp_path / "contacts.csv")
    first = journeys[0].contact
    local = first.created_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert rows[0][0] == first.ref.external_id and rows[0][5] == local
    assert first.created_at.tzinfo is UTC
    _, deal_rows = _read(tmp_path / "deals.csv")
    amounts = [journey.deal.amount for journey in journeys if journey.deal is not None]
    assert [Decimal(row[4]) for row in deal_rows] == amounts  # plain decimals, no grouping
