"""Salesforce exports: Data Loader and reports, ids, footers, history, activities, deals."""

from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ingest_testkit import EXPORTS, messages, of_type, read, refused, sf, utc, write_csv

from funnelpact.domain.records import (
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStageChange,
    Direction,
    OwnerChange,
    Rep,
    StageChange,
    Touch,
    TouchType,
)
from funnelpact.errors import InputError
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.salesforce import (
    SalesforceObject,
    StatusMap,
    checksum,
    normalise_id,
    prepare_salesforce,
)

SALESFORCE = EXPORTS / "salesforce"
ROME = ImportOptions(timezone="Europe/Rome")
LEAD_1 = sf("00Q5g00000Ab1CdEAJ")
LEAD_2 = sf("00Q5g00000Ab2XyEAJ")
LAURA = sf("0055g00000Rs1TuAAJ")
MIGUEL = sf("0055g00000Mg2PzAAJ")

ids_15 = st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=15)


@given(ids_15)
def test_15_and_18_character_ids_are_the_same_id(id15: str) -> None:
    id18 = normalise_id(id15)

    assert id18 == id15 + checksum(id15) and len(id18) == 18
    assert normalise_id(id18) == id18
    # A spreadsheet that changed the case loses nothing: the suffix records it.
    assert normalise_id(id18.upper()) == id18
    assert normalise_id(id18.lower()) == id18


def test_the_checksum_of_known_ids() -> None:
    # Each suffix letter encodes which of five characters are upper case (A: none).
    assert checksum("00Q5g0000000001") == "EAA"  # "Q" is the third character: bit 2 -> E
    assert checksum("AAAAAAAAAAAAAAA") == "555"  # all five upper case: bit mask 31 -> 5
    assert normalise_id("001000000000000") == "001000000000000AAA"


@pytest.mark.parametrize("value", ["00Q5g0000000001X", "00Q5g00000-0001", "0055g0000000001A9Z"])
def test_what_is_not_an_id_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        normalise_id(value)


def test_data_loader_exports_of_every_object() -> None:
    files = sorted(SALESFORCE.glob("[A-Z]*.csv"))
    job = prepare_salesforce(files, ROME)
    records = read(job)

    assert [summary.kind for summary in job.report().files] == [
        "salesforce Lead", "salesforce LeadHistory", "salesforce CampaignMember",
        "salesforce Opportunity", "salesforce OpportunityHistory", "salesforce Event",
        "salesforce Task",
    ]  # fmt: skip
    assert of_type(records, Rep) == [Rep(LAURA, "Laura Rossi"), Rep(MIGUEL, "Miguel Gómez")]
    giulia, javier, anna, _tom = of_type(records, Contact)
    assert giulia == Contact(
        ref=LEAD_1, created_at=utc(2024, 3, 4, 8, 15), email="giulia.bianchi@example.it",
        first_name="Giulia", last_name="Bianchi", company="Bianchi Logistica Srl",
        source="Web", owner=LAURA, lifecycle_stage="sql", lead_status="Closed - Converted",
        updated_at=utc(2024, 3, 7, 16, 2, 11),
    )  # fmt: skip
    assert javier.lifecycle_stage == ""  # Working - Contacted: no stage of its own
    assert anna.owner is None  # owned by a queue: nobody yet
    # With LeadHistory in the import, the conversion is taken at its exact time from the
    # history, not at the start of ConvertedDate.
    assert [(s.contact, s.stage, s.entered_at, s.change_source)
            for s in of_type(records, StageChange) if s.stage != "lead"] == [
        (LEAD_1, "sql", utc(2024, 3, 7, 15, 58, 30), "export:LeadHistory.leadConverted"),
    ]  # fmt: skip
    # One owner change per assignment: the id row of each id/name pair.
    assert of_type(records, OwnerChange) == [
        OwnerChange(LEAD_1, LAURA, utc(2024, 3, 4, 8, 20)),
        OwnerChange(LEAD_2, MIGUEL, utc(2024, 3, 5, 11, 0)),
    ]
    assert of_type(records, Campaign) == [
        Campaign(sf("7015g00000Cm1WbAAJ"), "Webinar - SLA marketing y ventas")
    ]
    members = of_type(records, CampaignMember)
    assert [(m.contact, m.status, m.responded_at) for m in members] == [
        (LEAD_1, "Responded", utc(2024, 3, 3, 23, 0)),
        (LEAD_2, "Sent", None),
    ]


def test_tasks_and_events_become_touches() -> None:
    job = prepare_salesforce([SALESFORCE / "Task.csv", SALESFORCE / "Event.csv"], ROME)
    touches = of_type(read(job), Touch)

    assert [(t.ref.external_id[:15], t.type, t.automated, t.occurred_at) for t in touches] == [
        ("00T5g00000Tk1Aa", TouchType.CALL, False, utc(2024, 3, 4, 9, 1)),
        ("00T5g00000Tk2Bb", TouchType.EMAIL, False, utc(2024, 3, 5, 10, 30)),
        ("00T5g00000Tk3Cc", TouchType.EMAIL, True, utc(2024, 3, 6, 7, 0)),  # a list email
        ("00U5g00000Ev1Aa", TouchType.MEETING, False, utc(2024, 3, 6, 14, 0)),
    ]
    assert all(t.direction is Direction.OUTBOUND for t in touches)
    assert touches[0].rep == LAURA
    # The open follow-up call is a to-do, not a touch.
    assert (
        f"{SALESFORCE / 'Task.csv'}: warning IMP201 1 row(s) skipped: open tasks (not done"
        " yet)" in messages(job.report())
    )


def test_opportunities_and_their_stage_history() -> None:
    files = [SALESFORCE / "Opportunity.csv", SALESFORCE / "OpportunityHistory.csv"]
    records = read(prepare_salesforce(files, ROME))

    won, open_deal = of_type(records, Deal)
    assert (won.won, won.amount, won.currency, won.closed_at) == (
        True,
        Decimal("12000.00"),
        "EUR",
        utc(2024, 4, 17, 22, 0),
    )
    assert (open_deal.won, open_deal.closed_at, open_deal.owner) == (None, None, MIGUEL)
    assert [(c.stage, c.entered_at, c.amount) for c in of_type(records, DealStageChange)] == [
        ("Qualification", utc(2024, 3, 7, 15, 58, 30), Decimal("10000.00")),
        ("Proposal/Price Quote", utc(2024, 3, 20, 11, 0), Decimal("12000.00")),
        ("Closed Won", utc(2024, 4, 18, 16, 20), Decimal("12000.00")),
    ]


def test_report_exports_strip_footers_and_match_data_loader_ids() -> None:
    job = prepare_salesforce(sorted(SALESFORCE.glob("report-*.csv")), ROME)
    records = read(job)

    leads = of_type(records, Contact)
    # 15-character ids of the report are the 18-character ids of the Data Loader export.
    assert [lead.ref for lead in leads] == [LEAD_1, LEAD_2, sf("00Q5g00000Ab5LnEAJ")]
    assert [lead.lifecycle_stage for lead in leads] == ["sql", "mql", "mql"]  # Spanish statuses
    assert leads[2].created_at == utc(2024, 3, 18, 15, 5)  # 18/3: day first, detected
    deals = of_type(records, Deal)
    assert [(d.amount, d.currency, d.won) for d in deals] == [
        (Decimal("12000.00"), "EUR", True),
        (Decimal("4500.00"), "EUR", None),
    ]
    assert deals[0].created_at == utc(2024, 3, 7, 15, 58)  # "3/7/2024, 4:58 PM" in Rome
    assert [(f.rows, f.dates) for f in job.report().files] == [
        (3, "day/month/year"),
        (2, "month/day/year"),
    ]  # footers are not rows


def test_an_italian_report_writes_decimal_commas(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "opportunita.csv",
        ["Proprietario opportunità", "Nome opportunità", "Fase", "Importo", "Data creazione",
         "ID opportunità"],
        [["Laura Rossi", "Rinnovo", "Chiusa vinta", "EUR 12.500,50", "05/03/2024 10:00",
          "0065g00000Op1Aa"],
         ["Laura Rossi", "Pilota", "Prospezione", "1.234", "15/03/2024 10:00",
          "0065g00000Op2Bb"]],
    )  # fmt: skip
    deals = of_type(read(prepare_salesforce([path], ROME)), Deal)

    assert [(d.amount, d.won) for d in deals] == [
        (Decimal("12500.50"), True),
        (Decimal("1234"), None),
    ]


def test_the_lead_status_map_can_be_changed(tmp_path: Path) -> None:
    status_map = tmp_path / "statuses.yaml"
    status_map.write_text(
        "lead_status:\n  Working - Contacted: sql\n  Nurturing: lead\ncreated: mql\n"
    )
    statuses = StatusMap.load(status_map)
    records = read(prepare_salesforce([SALESFORCE / "Lead.csv"], ROME, statuses=statuses))

    assert [c.lifecycle_stage for c in of_type(records, Contact)] == ["sql", "sql", "mql", ""]
    created = [s for s in of_type(records, StageChange) if s.change_source == "export:CreatedDate"]
    assert {s.stage for s in created} == {"mql"}


def test_a_bad_status_map_names_the_line(tmp_path: Path) -> None:
    status_map = tmp_path / "statuses.yaml"
    status_map.write_text("lead_status:\n  Open: mql\nconverted_to: sql\n")

    with pytest.raises(InputError) as caught:
        StatusMap.load(status_map)

    assert caught.value.message == (f"{status_map}:3: converted_to: Extra inputs are not permitted")


def test_a_lead_file_alone_takes_the_conversion_from_converted_date() -> None:
    records = read(prepare_salesforce([SALESFORCE / "Lead.csv"], ROME))

    converted = [
        (s.stage, s.entered_at)
        for s in of_type(records, StageChange)
        if s.change_source == "export:ConvertedDate"
    ]
    # A date without a time: the start of 7 March in Rome; converted with an opportunity.
    assert converted == [("sql", utc(2024, 3, 6, 23, 0)), ("opportunity", utc(2024, 3, 6, 23, 0))]


def test_bad_ids_are_refused_with_their_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "Lead.csv", ["Id", "Status", "Company", "CreatedDate"], [
        ["00Q5g00000Ab1Cd", "Open - Not Contacted", "Acme", "2024-03-04T08:15:00.000Z"],
        ["00Q5g00000Ab1C", "Open - Not Contacted", "Beta", "2024-03-04T08:15:00.000Z"],
    ])  # fmt: skip

    report = refused(lambda: read(prepare_salesforce([path], ROME)))

    assert messages(report) == [
        f'{path}, row 2 (line 3), column "Id": error IMP104 "00Q5g00000Ab1C" is not a'
        " Salesforce id (15 or 18 letters and digits)"
    ]


def test_an_unknown_object_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "Account.csv", ["Id", "Name", "Industry"], [["x", "y", "z"]])

    report = refused(lambda: prepare_salesforce([path], ROME))

    assert messages(report) == [
        f"{path}, line 1: error IMP006 cannot tell which Salesforce object this export holds"
        " (Lead, LeadHistory, Task, Event, Opportunity, OpportunityHistory, CampaignMember);"
        ' columns found: "Id", "Name", "Industry"; pass --object'
    ]


def test_the_object_can_be_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "extract.csv",
        ["ID", "CREATEDDATE"],
        [["00Q5g00000Ab1Cd", "2024-03-04T08:15:00.000Z"]],
    )

    records = read(prepare_salesforce([path], ROME, SalesforceObject.LEAD))

    assert of_type(records, Contact)[0].ref == LEAD_1
