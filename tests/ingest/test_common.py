"""Reading files: encodings, delimiters, amounts, and rejected rows written aside."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ingest_testkit import errors, hs, of_type, read, utc, write_csv

from funnelpact.domain.records import Contact, StageChange
from funnelpact.ingest.common import normalise_label, open_csv, parse_amount, parse_bool
from funnelpact.ingest.engine import ImportOptions, Progress
from funnelpact.ingest.hubspot import prepare_hubspot

HEADER = ["Record ID", "Email", "Create Date", "Became a Lead Date"]


@pytest.mark.parametrize(
    ("text", "decimal_comma", "amount", "currency"),
    [
        ("1500", None, "1500", ""),
        ("1500.50", None, "1500.50", ""),
        ("1,234.56", None, "1234.56", ""),
        ("1.234,56", None, "1234.56", ""),
        ("1234,5", None, "1234.5", ""),
        ("1,234", None, "1234", ""),  # a comma before three digits groups thousands
        ("1,234", True, "1.234", ""),  # unless the export's locale writes decimal commas
        ("1.234", True, "1234", ""),
        ("EUR 12.500,50", True, "12500.50", "EUR"),
        ("USD 1,500.00", None, "1500.00", "USD"),
        ("1 234,56 €", True, "1234.56", "EUR"),
        ("$99", None, "99", "USD"),
        ("(250.00)", None, "-250.00", ""),
        ("-3.5", None, "-3.5", ""),
    ],
)
def test_amounts_as_exports_write_them(
    text: str, decimal_comma: bool | None, amount: str, currency: str
) -> None:
    assert parse_amount(text, decimal_comma) == (Decimal(amount), currency)


@pytest.mark.parametrize("text", ["", "abc", "12 apples", "1.2.3", "EURO 5", "--5"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_amounts_written_in_either_locale_read_back(value: Decimal) -> None:
    english = f"{value:,.2f}"
    european = english.replace(",", "_").replace(".", ",").replace("_", ".")

    assert parse_amount(english)[0] == value
    assert parse_amount(european, decimal_comma=True)[0] == value


def test_yes_and_no_in_three_languages() -> None:
    assert [parse_bool(word) for word in ("true", "Sí", "vero", "1", "false", "No", "")] == [
        True, True, True, True, False, False, False]  # fmt: skip
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_labels_match_without_case_accents_spacing_or_quote_style() -> None:
    assert normalise_label("  Fecha de  Creación ") == normalise_label("fecha de creacion")
    assert normalise_label("Date entered “MQL (Lifecycle Stage Pipeline)”") == (
        'date entered "mql (lifecycle stage pipeline)"'
    )


def test_utf16_files_from_excel_and_sniffed_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "contacts.txt"
    path.write_text(
        "Record ID\tEmail\tCreate Date\n1\tä@example.com\t2024-03-05 10:00\n", encoding="utf-16"
    )

    file = open_csv(path)
    [contact] = of_type(read(prepare_hubspot([path], ImportOptions(timezone="UTC"))), Contact)

    assert (file.encoding, file.delimiter) == ("utf-16", "\t")
    assert contact.email == "ä@example.com"


def test_skip_invalid_keeps_good_rows_and_writes_the_rejected_ones(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", HEADER, [
        [1, "a@example.com", "2024-03-05 10:00", "2024-03-05 10:00"],
        [2, "b@example.com", "2024-03-05 11:00", "2024-02-30"],
        ["x3", "c@example.com", "2024-03-05 12:00", ""],
        [4, "d@example.com", "2024-03-05 13:00", ""],
    ])  # fmt: skip
    rejected_dir = tmp_path / "rejected"
    job = prepare_hubspot(
        [path], ImportOptions(timezone="UTC", skip_invalid=True, rejected_dir=rejected_dir)
    )
    records = read(job)
    report = job.report()

    assert [contact.ref for contact in of_type(records, Contact)] == [hs(1), hs(4)]
    assert of_type(records, StageChange) == [
        StageChange(hs(1), "lead", utc(2024, 3, 5, 10, 0), "export:hs_lifecyclestage_lead_date")
    ]
    assert (report.refused, report.rows, report.rejected) == (False, 4, 2)
    rejected = rejected_dir / "contacts.rejected.csv"
    assert report.files[0].rejected_path == str(rejected)
    with rejected.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            [*HEADER, "_row", "_column", "_reason"],
            ["2", "b@example.com", "2024-03-05 11:00", "2024-02-30", "2", "Became a Lead Date",
             'bad date "2024-02-30": expected an ISO 8601 date such as 2024-12-31 or'
             " 2024-12-31 23:59:59"],
            ["x3", "c@example.com", "2024-03-05 12:00", "", "3", "Record ID",
             '"x3" is not a HubSpot record id (digits expected)'],
        ]  # fmt: skip
    assert sorted(p.name for p in rejected_dir.iterdir()) == ["contacts.rejected.csv"]
    assert len(errors(report)) == 2


def test_an_all_or_nothing_import_writes_no_rejected_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "contacts.csv", HEADER, [[1, "a@x.com", "bad", ""]])

    with pytest.raises(Exception, match="nothing was stored"):
        read(prepare_hubspot([path], ImportOptions()))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.csv"]


def test_progress_is_told_rows_and_bytes(tmp_path: Path) -> None:
    rows = [[n, f"x{n}@example.com", "2024-03-05 10:00", ""] for n in range(1, 26)]
    path = write_csv(tmp_path / "contacts.csv", HEADER, rows)
    job = prepare_hubspot([path], ImportOptions(timezone="UTC", batch_size=10))
    ticks: list[Progress] = []

    records = list(job.records(ticks.append))

    assert len(records) == 25
    assert [tick.rows for tick in ticks] == [10, 20, 25]
    assert ticks[-1].bytes_done == ticks[-1].bytes_total == path.stat().st_size
