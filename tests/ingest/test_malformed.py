"""Malformed files: each is refused with the exact message naming file, row, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_testkit import DATA, errors, messages, of_type, read, refused, write_csv

from funnelpact.domain.records import Contact
from funnelpact.ingest.common import ImportRefusedError
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import HubSpotKind, prepare_hubspot

CONTACT_HEADER = ["Record ID", "First Name", "Email", "Create Date", "Lifecycle Stage"]


def test_a_file_not_in_utf8_is_refused_naming_the_byte_and_line() -> None:
    path = DATA / "hubspot_contacts_latin1.csv"

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f"{path}, line 2: error IMP001 cannot read the file as UTF-8: byte 0xe9 at offset 57"
        " (line 2) is not valid UTF-8; if the file uses another encoding, pass it with"
        " --encoding (e.g. --encoding latin-1 or --encoding cp1252)"
    ]


def test_the_encoding_can_be_given() -> None:
    path = DATA / "hubspot_contacts_latin1.csv"

    [contact] = of_type(read(prepare_hubspot([path], ImportOptions(encoding="latin-1"))), Contact)

    assert (contact.first_name, contact.last_name) == ("José", "Pérez")


def test_an_empty_file_is_refused() -> None:
    path = DATA / "empty.csv"

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f"{path}: error IMP002 the file is empty: no header row and no data"
    ]


def test_a_header_without_rows_is_a_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, [])
    job = prepare_hubspot([path], ImportOptions())

    assert read(job) == []
    assert messages(job.report()) == [f"{path}: warning IMP003 no data rows after the header"]


def test_missing_required_columns_are_named_with_the_columns_found(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        ["First Name", "Email", "Lifecycle Stage"],
        [["Ana", "ana@example.com", "lead"]],
    )

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f'{path}, line 1: error IMP005 missing required columns "Record ID" (or "Contact ID"),'
        ' "Create Date" (or "Created Date"); columns found: "First Name", "Email",'
        ' "Lifecycle Stage"'
    ]


def test_a_duplicated_column_that_is_read_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        ["Record ID", "Email", "Create Date", "Email", "Phone"],
        [[1, "a@example.com", "2024-03-05 10:00", "b@example.com", "1"]],
    )

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f'{path}, line 1: error IMP004 column "Email" appears 2 times (columns 2 and 4): the'
        " export must name each column once"
    ]


def test_a_duplicated_column_that_is_not_read_is_a_warning(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        ["Record ID", "Email", "Create Date", "Phone", "Phone"],
        [[1, "a@example.com", "2024-03-05 10:00", "1", "2"]],
    )
    job = prepare_hubspot([path], ImportOptions(timezone="UTC"))

    assert len(read(job)) == 1
    assert messages(job.report()) == [
        f'{path}, line 1: warning IMP004 column "Phone" appears 2 times (columns 4 and 5);'
        " it is not read, so it is ignored"
    ]


def test_a_bad_date_names_its_value_row_line_column_and_the_expected_format(
    tmp_path: Path,
) -> None:
    # The second row's company spans two lines: row 3 is on line 5.
    path = write_csv(tmp_path / "contacts.csv", [*CONTACT_HEADER, "Company Name"], [
        [1, "Ana", "ana@example.com", "2024-03-05 10:00", "lead", "Acme"],
        [2, "Bruno", "bruno@example.com", "2024-03-05 11:00", "lead", "Esposito\nSrl"],
        [3, "Carla", "carla@example.com", "2024-02-30 12:00", "lead", "Moretti"],
    ])  # fmt: skip

    report = refused(lambda: read(prepare_hubspot([path], ImportOptions())))

    assert errors(report) == [
        f'{path}, row 3 (line 5), column "Create Date": error IMP101 bad date'
        ' "2024-02-30 12:00": expected an ISO 8601 date such as 2024-12-31 or 2024-12-31'
        " 23:59:59"
    ]
    assert report.refused and report.rejected == 1


def test_a_bad_date_against_an_explicit_format(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, [
        [1, "Ana", "ana@example.com", "05/03/2024 10:00", "lead"],
        [2, "Bruno", "bruno@example.com", "5 March 2024", "lead"],
    ])  # fmt: skip
    options = ImportOptions(date_format="%d/%m/%Y %H:%M")

    report = refused(lambda: read(prepare_hubspot([path], options)))

    assert errors(report) == [
        f'{path}, row 2 (line 3), column "Create Date": error IMP101 bad date "5 March 2024":'
        " expected the format %d/%m/%Y %H:%M"
    ]


def test_dates_that_read_both_ways_are_refused_naming_column_and_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, [
        [1, "Ana", "ana@example.com", "03/04/2024 10:00", "lead"],
        [2, "Bruno", "bruno@example.com", "05/06/2024 11:00", "lead"],
        [3, "Carla", "carla@example.com", "07/08/2024 12:00", "lead"],
    ])  # fmt: skip

    report = refused(lambda: prepare_hubspot([path], ImportOptions()))

    assert messages(report) == [
        f'{path}, column "Create Date": error IMP007 dates such as "03/04/2024 10:00" (rows 1,'
        " 2 and 3) read both as day/month and as month/day, and no value in the file tells"
        ' which; pass --date-format "%d/%m/%Y %H:%M" or --date-format "%m/%d/%Y %H:%M"'
    ]


def test_a_row_with_a_missing_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Record ID,Email,Create Date\n1,a@example.com,2024-03-05 10:00\n2,b@x.com\n")

    report = refused(lambda: read(prepare_hubspot([path], ImportOptions())))

    assert errors(report) == [
        f"{path}, row 2 (line 3): error IMP106 the row has 2 cells, the header has 3 (a missing"
        " quote, or a line break inside a value?)"
    ]


def test_a_bad_id_and_a_missing_value(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, [
        ["12a", "Ana", "ana@example.com", "2024-03-05 10:00", "lead"],
        [2, "Bruno", "bruno@example.com", "", "lead"],
    ])  # fmt: skip

    report = refused(lambda: read(prepare_hubspot([path], ImportOptions())))

    assert errors(report) == [
        f'{path}, row 1 (line 2), column "Record ID": error IMP104 "12a" is not a HubSpot'
        " record id (digits expected)",
        f'{path}, row 2 (line 3), column "Create Date": error IMP102 a date is required here',
    ]


def test_every_problem_is_reported_up_to_the_limit_then_counted(tmp_path: Path) -> None:
    rows = [[n, "x", f"x{n}@example.com", "not a date", "lead"] for n in range(1, 8)]
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, rows)

    report = refused(lambda: read(prepare_hubspot([path], ImportOptions(max_problems=3))))

    assert report.errors == 7 and len(report.issues) == 3
    assert report.problem_lines()[-1] == "... and 4 more problem(s) (the first 3 are shown)"


def test_a_100k_row_file_with_one_bad_row_names_that_row(tmp_path: Path) -> None:
    bad_row = 73_214
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(CONTACT_HEADER) + "\n")
        for number in range(1, 100_001):
            created = "2024-13-01 09:00" if number == bad_row else "2024-03-05 09:00"
            handle.write(f"{number},Ana,ana{number}@example.com,{created},lead\n")

    with pytest.raises(ImportRefusedError) as caught:
        read(prepare_hubspot([path], ImportOptions()))

    report = caught.value.report
    assert errors(report) == [
        f'{path}, row 73214 (line 73215), column "Create Date": error IMP101 bad date'
        ' "2024-13-01 09:00": expected an ISO 8601 date such as 2024-12-31 or 2024-12-31'
        " 23:59:59"
    ]
    assert (report.rows, report.rejected) == (100_000, 1)
    assert caught.value.message.endswith("import refused: 1 error(s); nothing was stored")


def test_nothing_is_yielded_after_the_first_bad_row(tmp_path: Path) -> None:
    rows = [[n, "x", f"x{n}@example.com", "2024-03-05 10:00", "lead"] for n in range(1, 30)]
    rows[4][3] = "bad"
    path = write_csv(tmp_path / "contacts.csv", CONTACT_HEADER, rows)
    job = prepare_hubspot([path], ImportOptions(batch_size=2), HubSpotKind.CONTACTS)
    yielded: list[object] = []

    with pytest.raises(ImportRefusedError):
        for batch in job.batches():
            yielded.extend(batch)

    # Batches before the bad row were handed out (a store rolls them back when the iteration
    # raises); none after it.
    assert 0 < len(of_type(yielded, Contact)) <= 4
