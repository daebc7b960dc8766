"""The columnar reader of HubSpot contact exports gives exactly the row path's records.

Every test reads the same files twice, through the row path (``job.batches()``) and through
``bulk.read_job``, and compares the records (in order) and the import report; a file with a bad
cell must make the columnar reader hand over (``NotColumnar``), so the row path names it.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ingest_testkit import read

from funnelpact.demo.hubspot_labels import Language
from funnelpact.demo.scenario import default_scenario
from funnelpact.demo.service import make_demo_data
from funnelpact.domain.records import Record
from funnelpact.ingest.common import ImportReport
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.bulk import NotColumnar, columnar_report, read_job

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import write_contacts_export  # noqa: E402


def both_ways(paths: list[Path], options: ImportOptions) -> tuple[
    tuple[list[Record], ImportReport], tuple[list[Record], ImportReport]
]:  # fmt: skip
    job = prepare_hubspot(paths, options)
    rows = read(job)
    row_report = job.report()
    job = prepare_hubspot(paths, options)
    columns = read_job(job)
    records = [record for file in columns.files for record in file.records()]
    return (rows, row_report), (records, columnar_report(job, columns))


def assert_same(paths: list[Path], options: ImportOptions) -> list[Record]:
    (rows, row_report), (columns, column_report) = both_ways(paths, options)
    assert columns == rows
    assert column_report == row_report
    return rows


def demo_contacts(folder: Path, language: Language, contacts: int = 150) -> Path:
    out = folder / language.value
    make_demo_data(
        default_scenario(),
        seed=5,
        end=datetime(2025, 6, 30, 15, tzinfo=UTC),
        contacts=contacts,
        out_dir=out,
        language=language,
    )
    return out / "contacts.csv"


def write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


HEADER = [
    "Record ID",
    "Email",
    "First Name",
    "Create Date",
    "Lifecycle Stage",
    "Contact owner",
    "Owner assigned date",
    "Became a Lead Date",
    'Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)"',
    "Became a Marketing Qualified Lead Date",
    "First Conversion",
    "First Conversion Date",
    "Recent Conversion Date",
]


@pytest.mark.parametrize("language", list(Language))
def test_demo_contact_exports_in_each_language(tmp_path: Path, language: Language) -> None:
    path = demo_contacts(tmp_path, language)
    records = assert_same([path], ImportOptions(timezone="Europe/Madrid"))
    kinds = {type(record).__name__ for record in records}
    assert kinds >= {"Contact", "StageChange", "OwnerChange", "Rep", "Touch", "HandoffDecision"}


def test_the_benchmark_export_with_and_without_a_zone(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 3_000, seed=11)
    assert len(assert_same([path], ImportOptions(timezone="Europe/Rome"))) > 10_000
    assert_same([path], ImportOptions())  # UTC, with the naive-times warning


def test_two_files_share_owners_and_duplicates_stay(tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    second = tmp_path / "b.csv"
    write_contacts_export(first, 500, seed=1)
    write_contacts_export(second, 500, seed=2)  # the same ids again, other values
    assert_same([first, second], ImportOptions(timezone="Europe/Madrid"))


def test_dst_hours_day_first_dates_odd_spaces_and_unknown_stages(tmp_path: Path) -> None:
    rows = [
        # the spring gap and the autumn overlap in Madrid (2024-03-31, 2024-10-27)
        ["1", " Ana@Example.COM ", "Ana", "31/03/2024 02:30", "lead", "Marta  Ruiz", "", "", "", "",
         "Form", "27/10/2024 02:30", "27/10/2024 02:30"],
        ["2", "b@x.es", "\u00a0Óscar\u2003", "27/10/2024 02:59", "Marketing Qualified Lead",
         " marta ruiz", "28/10/2024 9:05", "1/2/2024 10:00", "2/2/2024 10:00",
         "3/2/2024 10:00", "", "", "13/01/2024 08:00"],
        ["3", "", "", "2024-02-01 10:00", "Stage 7", "", "", "2024-02-01", "", "", "Ebook",
         "01/02/2024 10:00", "2024-02-02T10:00"],
        ["", "", "", "", "", "", "", "", "", "", "", "", ""],  # a row of empty cells: not a row
        ["4", "ünï@x.it", "Zoë", "13/01/2024 23:59:59", "weird stage", "Ana", "13/01/2024 23:59",
         "", "", "", "", "", ""],
    ]  # fmt: skip
    path = write(tmp_path / "contacts.csv", HEADER, rows)
    records = assert_same([path], ImportOptions(timezone="Europe/Madrid"))
    assert sum(type(record).__name__ == "Contact" for record in records) == 4
    assert_same([path], ImportOptions(timezone="Europe/Madrid", date_format="%d/%m/%Y %H:%M"))


def test_semicolons_and_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerow(["7", "a@b.c", "Multi\nline", "2024-05-01 10:00", "lead", "", "", "",
                         "", "", "", "", ""])  # fmt: skip
    assert_same([path], ImportOptions(timezone="Europe/Madrid"))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (0, "12a"),  # a bad id
        (3, "2024-13-01 10:00"),  # a bad date
        (3, ""),  # a missing create date
        (7, "yesterday"),  # a bad stage date
    ],
)
def test_a_bad_cell_hands_the_file_to_the_row_path(tmp_path: Path, cell: int, value: str) -> None:
    row = ["9", "a@b.c", "A", "2024-05-01 10:00", "lead", "Ana", "2024-05-02 10:00",
           "2024-05-01 10:00", "", "", "", "", ""]  # fmt: skip
    bad = list(row)
    bad[cell] = value
    bad[0] = bad[0] if cell == 0 else "10"
    path = write(tmp_path / "contacts.csv", HEADER, [row, bad])
    job = prepare_hubspot([path], ImportOptions(timezone="Europe/Madrid"))
    before = job.context.reps.snapshot()
    with pytest.raises(NotColumnar):
        read_job(job)
    assert job.context.reps.snapshot() == before
    # the row path still reads the job (the owners it names are new to it)
    with pytest.raises(Exception, match="IMP10"):
        read(job)


def test_a_row_of_the_wrong_width_hands_over(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "Record ID,Email,Create Date\n1,a@b.c,2024-05-01 10:00\n2,b@b.c\n", encoding="utf-8"
    )
    with pytest.raises(NotColumnar):
        read_job(prepare_hubspot([path], ImportOptions()))


def test_deal_exports_are_not_read_column_wise(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text("Record ID,Deal Name,Deal Stage,Create Date\n1,A,Won,2024-05-01\n")
    with pytest.raises(NotColumnar, match="not a contacts export"):
        read_job(prepare_hubspot([path], ImportOptions()))
