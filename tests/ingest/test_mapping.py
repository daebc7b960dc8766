"""Any CSV through a column mapping: the examples, every kind, and mistakes in MAP.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_testkit import EXPORTS, errors, of_type, read, refused, utc, write_csv

from funnelpact.domain.records import (
    Contact,
    Deal,
    Decision,
    Direction,
    HandoffDecision,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.errors import InputError
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.mapping import ColumnMapping, prepare_mapping

MAPPING = EXPORTS / "mapping"


def csv_ref(external_id: str) -> Ref:
    return Ref(System.CSV, external_id)


def load(tmp_path: Path, text: str) -> ColumnMapping:
    path = tmp_path / "map.yaml"
    path.write_text(text)
    return ColumnMapping.load(path)


def mapping_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as caught:
        load(tmp_path, text)
    return caught.value.message


def test_the_pipedrive_example_gives_contacts_with_stage_dates() -> None:
    mapping = ColumnMapping.load(MAPPING / "pipedrive-persons.map.yaml")
    records = read(prepare_mapping([MAPPING / "pipedrive-persons.csv"], mapping, ImportOptions()))

    chiara, pablo, sophie = of_type(records, Contact)
    marco = Ref(System.CSV, "name:marco ferri")
    assert chiara == Contact(
        ref=csv_ref("pd-3101"), created_at=utc(2024, 3, 14, 8, 12),
        email="chiara.conti@example.it", first_name="Chiara", last_name="Conti",
        company="Conti Impianti Srl", source="Webinar", stream="smb", owner=marco,
        lifecycle_stage="sql",
    )  # fmt: skip
    assert (pablo.lifecycle_stage, sophie.lifecycle_stage) == ("mql", "lead")
    assert [(s.contact.external_id, s.stage, s.entered_at) for s in of_type(records, StageChange)
            ] == [
        ("pd-3101", "mql", utc(2024, 3, 14, 8, 12)),
        ("pd-3101", "sql", utc(2024, 3, 21, 15, 40)),
        ("pd-3102", "mql", utc(2024, 3, 18, 9, 5)),
    ]  # fmt: skip
    assert of_type(records, Rep) == [
        Rep(marco, "Marco Ferri"),
        Rep(csv_ref("name:elena sanz"), "Elena Sanz"),
    ]


def test_the_pipedrive_activities_link_to_the_same_contacts() -> None:
    mapping = ColumnMapping.load(MAPPING / "pipedrive-activities.map.yaml")
    job = prepare_mapping([MAPPING / "pipedrive-activities.csv"], mapping, ImportOptions())
    touches = of_type(read(job), Touch)

    assert [(t.ref, t.contact, t.type, t.direction) for t in touches] == [
        (csv_ref("pd-9001"), csv_ref("pd-3101"), TouchType.CALL, Direction.OUTBOUND),
        (csv_ref("pd-9002"), csv_ref("pd-3102"), TouchType.EMAIL, Direction.OUTBOUND),
        (csv_ref("pd-9003"), csv_ref("pd-3101"), TouchType.MEETING, Direction.OUTBOUND),
    ]


def test_deals_and_decisions_with_refs_to_other_systems(tmp_path: Path) -> None:
    deals = write_csv(tmp_path / "deals.csv", ["id", "created", "value", "person", "won"], [
        ["D1", "2024-03-05 10:00", "1.500,00 €", "hubspot:501", "yes"],
        ["D2", "2024-03-06 10:00", "", "", ""],
    ])  # fmt: skip
    mapping = load(tmp_path, (
        "kind: deals\ncolumns:\n  ref: id\n  created_at: created\n  amount: value\n"
        "  contact: person\n  won: won\n"
    ))  # fmt: skip
    records = read(prepare_mapping([deals], mapping, ImportOptions(timezone="UTC")))

    first, second = of_type(records, Deal)
    assert (first.amount, first.contact, first.won) == (1500, Ref(System.HUBSPOT, "501"), True)
    assert (second.amount, second.contact, second.won) == (0, None, None)

    decisions = write_csv(
        tmp_path / "decisions.csv",
        ["lead", "verdict", "when", "why"],
        [["L1", "Rifiutato", "2024-03-07 09:00", "no budget"]],
    )
    mapping = load(tmp_path, (
        "kind: handoff_decisions\nsystem: api\ncolumns:\n  contact: lead\n  decision: verdict\n"
        "  decided_at: when\n  reason: why\n"
    ))  # fmt: skip
    [decision] = read(prepare_mapping([decisions], mapping, ImportOptions(timezone="UTC")))
    assert decision == HandoffDecision(
        Ref(System.API, "L1"), Decision.REJECTED, utc(2024, 3, 7, 9, 0), reason="no budget"
    )


def test_a_value_the_mapping_does_not_know_is_refused_with_its_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "touches.csv", ["id", "who", "what", "when"], [
        ["T1", "C1", "call", "2024-03-05 10:00"],
        ["T2", "C1", "fax", "2024-03-05 11:00"],
    ])  # fmt: skip
    mapping = load(tmp_path, (
        "kind: touches\ncolumns:\n  ref: id\n  contact: who\n  type: what\n  occurred_at: when\n"
    ))  # fmt: skip

    report = refused(lambda: read(prepare_mapping([path], mapping, ImportOptions())))

    assert errors(report) == [
        f'{path}, row 2 (line 3), column "what": error IMP105 "fax" is not one of call, email,'
        " meeting, note, task, page_view, form_submission, content_download (add it to values)"
    ]


def test_a_column_the_mapping_names_must_be_in_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ["id", "created"], [["1", "2024-03-05"]])
    mapping = load(tmp_path, (
        "kind: contacts\ncolumns:\n  ref: id\n  created_at: created\n  email: E-mail address\n"
    ))  # fmt: skip

    report = refused(lambda: prepare_mapping([path], mapping, ImportOptions()))

    assert errors(report) == [
        f'{path}, line 1: error IMP005 missing required column "E-mail address"; columns'
        ' found: "id", "created"'
    ]


def test_mapping_mistakes_name_the_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"

    assert mapping_error(tmp_path, "kind: contacts\ncolumns:\n  ref: id\n  emial: Email\n") == (
        f"{path}:4: columns.emial: not a field of contacts (fields: ref, created_at, email,"
        " first_name, last_name, company, source, source_detail_1, source_detail_2, campaign,"
        " stream, owner, owner_id, lifecycle_stage, lead_status, updated_at)\n"
        f"{path}:2: columns.created_at: required for contacts: map it to a column (or give"
        " it under defaults)"
    )
    assert mapping_error(tmp_path, "kind: leads\ncolumns: {}\n") == (
        f"{path}:1: kind: Input should be 'contacts', 'stage_changes', 'owner_changes',"
        " 'touches', 'deals', 'deal_stage_changes', 'campaign_members', 'handoff_decisions'"
        " or 'reps'"
    )
    assert mapping_error(tmp_path, "kind: contacts\ncolumns: [ref\n") == (
        f"{path}:3: not valid YAML: expected ',' or ']', but got '<stream end>'"
    )
    assert (
        mapping_error(
            tmp_path,
            "kind: touches\ncolumns: {ref: a, contact: b, occurred_at: c}\n"
            "defaults:\n  type: fax\n",
        )
        == f"{path}:4: defaults.type: 'fax' is not one of call, email, meeting, note, task,"
        " page_view, form_submission, content_download"
    )
    assert (
        mapping_error(
            tmp_path, "kind: deals\ncolumns: {ref: a, created_at: b}\nstage_dates: {mql: c}\n"
        )
        == f"{path}:3: stage_dates: only for kind contacts"
    )
    assert (
        mapping_error(tmp_path, "kind: owner_changes\ncolumns: {contact: a, assigned_at: b}\n")
        == f"{path}:2: columns: owner_changes need owner or owner_id"
    )
