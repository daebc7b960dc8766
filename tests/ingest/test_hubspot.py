"""HubSpot exports: contacts, deals and activities as HubSpot writes them, in en, es and it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ingest_testkit import DATA, hs, messages, of_type, read, refused, utc, write_csv

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    Direction,
    HandoffDecision,
    OwnerChange,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import HubSpotKind, prepare_hubspot

MADRID = ImportOptions(timezone="Europe/Madrid")
LAURA = Ref(System.HUBSPOT, "name:laura rossi")
MARCO = Ref(System.HUBSPOT, "name:marco ferri")


def contacts(language: str) -> list[object]:
    return list(read(prepare_hubspot([DATA / f"hubspot_contacts_{language}.csv"], MADRID)))


def test_contacts_export_becomes_contacts_stage_changes_owner_changes_and_reps() -> None:
    records = contacts("en")

    assert of_type(records, Rep) == [Rep(LAURA, "Laura Rossi"), Rep(MARCO, "Marco Ferri")]
    ana, bruno, carla, dan = of_type(records, Contact)
    # Madrid is UTC+1 in early March: 14:22 local is 13:22 UTC.
    assert ana == Contact(
        ref=hs(501), created_at=utc(2024, 3, 5, 13, 22), email="ana.garcia@example.es",
        first_name="Ana", last_name="García", company="Acme Ibérica SL",
        source="ORGANIC_SEARCH", source_detail_1="google", owner=LAURA,
        lifecycle_stage="mql", lead_status="NEW",
    )  # fmt: skip
    assert bruno.company == "Esposito & Figli\nSrl"  # a quoted value over two lines
    assert (bruno.lifecycle_stage, bruno.lead_status, bruno.source) == (
        "sql",
        "IN_PROGRESS",
        "PAID_SEARCH",
    )
    assert (carla.lifecycle_stage, carla.owner, carla.source) == (
        "subscriber",
        None,
        "DIRECT_TRAFFIC",
    )
    assert dan.email == "DAN.EVANS@Example.com"  # trimmed; the store normalises the case
    assert of_type(records, StageChange) == [
        StageChange(hs(501), "lead", utc(2024, 3, 5, 13, 22), "export:hs_lifecyclestage_lead_date"),
        # The newer "Date entered" column wins over "Became a ... Date" for the same stage.
        StageChange(hs(501), "mql", utc(2024, 3, 6, 7, 30),
                    "export:hs_v2_date_entered_marketingqualifiedlead"),
        StageChange(hs(502), "lead", utc(2024, 3, 7, 9, 5), "export:hs_lifecyclestage_lead_date"),
        StageChange(hs(502), "mql", utc(2024, 3, 7, 9, 40),
                    "export:hs_lifecyclestage_marketingqualifiedlead_date"),
        StageChange(hs(502), "sql", utc(2024, 3, 12, 15, 0),
                    "export:hs_lifecyclestage_salesqualifiedlead_date"),
        StageChange(hs(504), "lead", utc(2024, 3, 14, 8, 0), "export:hs_lifecyclestage_lead_date"),
    ]  # fmt: skip
    assert of_type(records, OwnerChange) == [
        OwnerChange(hs(501), LAURA, utc(2024, 3, 6, 8, 0)),
        OwnerChange(hs(502), MARCO, utc(2024, 3, 7, 10, 0)),
        OwnerChange(hs(504), LAURA, utc(2024, 3, 14, 8, 30)),
    ]
    [conversion] = of_type(records, Touch)
    assert (
        conversion.contact,
        conversion.type,
        conversion.occurred_at,
        conversion.direction,
        conversion.content,
    ) == (
        hs(501),
        TouchType.FORM_SUBMISSION,
        utc(2024, 3, 5, 13, 22),
        Direction.INBOUND,
        "Contact form",
    )


def test_the_same_export_in_spanish_and_italian_gives_the_same_records() -> None:
    english = contacts("en")

    # Spanish: ";"-separated, BOM, day/month/year; Italian: day/month/year, no BOM.
    assert contacts("es") == english
    assert contacts("it") == english


def test_the_report_says_how_each_file_was_read() -> None:
    job = prepare_hubspot([DATA / "hubspot_contacts_es.csv", DATA / "hubspot_deals_en.csv"], MADRID)
    read(job)
    spanish, deals = job.report().files

    assert (spanish.kind, spanish.rows, spanish.delimiter, spanish.dates) == (
        "hubspot contacts",
        4,
        ";",
        "day/month/year",
    )
    assert dict(spanish.records) == {
        "Contact": 4,
        "OwnerChange": 3,
        "Rep": 2,
        "StageChange": 6,
        "Touch": 1,
    }
    assert (deals.kind, deals.dates) == ("hubspot deals", "ISO 8601")


def test_deals_are_won_lost_or_open_with_their_stage_history() -> None:
    records = read(prepare_hubspot([DATA / "hubspot_deals_en.csv"], MADRID))

    won, open_deal, lost = of_type(records, Deal)
    assert won == Deal(
        ref=hs(9001), created_at=utc(2024, 3, 12, 15, 5), amount=Decimal("12000.50"),
        currency="EUR", name="Esposito - Annual plan", stage="Closed Won", contact=hs(502),
        owner=MARCO, closed_at=utc(2024, 4, 2, 8, 0), won=True,
    )  # fmt: skip
    # Open: HubSpot's close date of an open deal is an expectation, not a close.
    assert (open_deal.won, open_deal.closed_at, open_deal.contact) == (None, None, hs(501))
    assert (lost.won, lost.amount, lost.contact, lost.closed_at) == (
        False,
        Decimal(0),
        None,
        utc(2024, 3, 28, 11, 0),
    )
    assert of_type(records, DealStageChange) == [
        DealStageChange(hs(9001), "Appointment Scheduled", utc(2024, 3, 12, 15, 5)),
        DealStageChange(hs(9001), "Closed Won", utc(2024, 4, 2, 8, 0)),
        DealStageChange(hs(9002), "Appointment Scheduled", utc(2024, 3, 20, 8, 0)),
    ]


def test_activities_become_touches_automated_when_a_sequence_sent_them() -> None:
    job = prepare_hubspot([DATA / "hubspot_activities_en.csv"], MADRID)
    touches = of_type(read(job), Touch)

    summary = [
        (t.ref.external_id, t.contact.external_id, t.type, t.direction, t.automated)
        for t in touches
    ]
    assert summary == [
        ("7001", "501", TouchType.CALL, Direction.OUTBOUND, False),
        ("7002", "501", TouchType.EMAIL, Direction.OUTBOUND, True),
        ("7003", "501", TouchType.EMAIL, Direction.INBOUND, False),
        # One meeting with two contacts follows both up.
        ("7004", "502", TouchType.MEETING, Direction.OUTBOUND, False),
        ("7004:504", "504", TouchType.MEETING, Direction.OUTBOUND, False),
    ]
    assert touches[0].rep == LAURA and touches[0].occurred_at == utc(2024, 3, 6, 8, 10)
    assert messages(job.report()) == [
        f'{DATA / "hubspot_activities_en.csv"}, column "Associated Contact IDs": warning'
        " IMP201 1 activity row(s) with no associated contact were skipped (company- or"
        " deal-only activities)",
    ]


def test_an_export_of_one_activity_object_has_its_type_from_its_columns() -> None:
    touches = of_type(read(prepare_hubspot([DATA / "hubspot_emails_es.csv"], MADRID)), Touch)

    assert [(t.type, t.direction, t.automated, t.subject) for t in touches] == [
        (TouchType.EMAIL, Direction.OUTBOUND, True, "Bienvenida"),  # Enviado mediante: Secuencias
        (TouchType.EMAIL, Direction.INBOUND, False, "Re: Bienvenida"),
        (TouchType.EMAIL, Direction.OUTBOUND, False, "Propuesta"),
    ]
    assert touches[0].occurred_at == utc(2024, 3, 6, 8, 30)


def test_owners_are_one_rep_each_across_files() -> None:
    files = [
        DATA / "hubspot_contacts_en.csv",
        DATA / "hubspot_deals_en.csv",
        DATA / "hubspot_activities_en.csv",
    ]
    reps = of_type(read(prepare_hubspot(files, MADRID)), Rep)

    assert reps == [Rep(LAURA, "Laura Rossi"), Rep(MARCO, "Marco Ferri")]


def test_files_are_read_contacts_first_whatever_the_order_given() -> None:
    job = prepare_hubspot(
        [DATA / "hubspot_activities_en.csv", DATA / "hubspot_contacts_en.csv"], MADRID
    )
    read(job)

    assert [summary.kind for summary in job.report().files] == [
        "hubspot contacts",
        "hubspot activities",
    ]


def test_an_unknown_lifecycle_stage_is_kept_and_reported_once(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        ["Record ID", "Create Date", "Lifecycle Stage"],
        [
            [1, "2024-03-05 10:00", "123456789"],
            [2, "2024-03-05 11:00", "123456789"],
            [3, "2024-03-05 12:00", "Lead"],
        ],
    )
    job = prepare_hubspot([path], ImportOptions())
    stages = [contact.lifecycle_stage for contact in of_type(read(job), Contact)]

    assert stages == ["123456789", "123456789", "lead"]  # a custom stage keeps its id
    assert messages(job.report()) == [
        f'{path}, column "Lifecycle Stage": warning IMP201 value "123456789" (2 row(s), first'
        " row 1) is not a known value: kept as written; no stage is derived from it",
        f"{path}: warning IMP202 dates without a time zone were read as UTC; pass --timezone"
        " with the export's zone (e.g. --timezone Europe/Madrid) if it used another",
    ]


def test_a_file_that_is_no_hubspot_export_is_refused_naming_its_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "other.csv", ["Id", "Name"], [[1, "x"]])

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f"{path}, line 1: error IMP006 cannot tell whether this HubSpot export holds contacts,"
        ' deals or activities (no "Lifecycle Stage", "Email", "Deal Name", "Deal Stage" or'
        ' "Activity type" column); columns found: "Id", "Name"; pass --kind'
    ]


def test_kind_can_be_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "minimal.csv", ["Record ID", "Create Date"], [[7, "2024-03-05 10:00"]]
    )

    records = read(prepare_hubspot([path], ImportOptions(), HubSpotKind.CONTACTS))

    assert records == [Contact(ref=hs(7), created_at=utc(2024, 3, 5, 10, 0))]


def test_mql_decisions_and_streams_come_from_the_sla_properties(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        ["Record ID", "Create Date", "Contact owner", "Revenue Stream", "MQL Decision",
         "MQL Decision Date", "MQL Rejection Reason"],
        [[1, "2024-03-05 10:00", "Laura Rossi", "smb", "rejected", "2024-03-06 10:00",
          "no_budget"],
         [2, "2024-03-05 11:00", "Laura Rossi", "enterprise", "Aceptado", "2024-03-06 12:00",
          ""]],
    )  # fmt: skip
    records = read(prepare_hubspot([path], ImportOptions()))

    assert [contact.stream for contact in of_type(records, Contact)] == ["smb", "enterprise"]
    decisions = [
        (d.contact, d.decision.value, d.decided_at, d.decided_by, d.reason)
        for d in of_type(records, HandoffDecision)
    ]
    assert decisions == [
        (hs(1), "rejected", utc(2024, 3, 6, 10, 0), LAURA, "no_budget"),
        (hs(2), "accepted", utc(2024, 3, 6, 12, 0), LAURA, ""),
    ]
