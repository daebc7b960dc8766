"""The bulk import path gives the store the row path gives: every table, every column.

Each scenario imports the same files twice into an emptied store: once through the row path
(``prepare_hubspot`` -> ``store_records``), once through the columnar reader and the bulk
writer (``read_job`` -> ``store_columnar``), and compares a dump of every table in which ids are
replaced by what they name. Runs on SQLite and, with FUNNELPACT_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import csv
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from funnelpact.demo.hubspot_labels import Language
from funnelpact.demo.scenario import default_scenario
from funnelpact.demo.service import make_demo_data
from funnelpact.domain.records import Contact, Ref, System
from funnelpact.ingest.engine import ImportOptions
from funnelpact.ingest.hubspot import prepare_hubspot
from funnelpact.ingest.hubspot.bulk import read_job
from funnelpact.server.tracking import models as m
from funnelpact.server.tracking.bulk import store_columnar
from funnelpact.server.tracking.services import StoreReport, on_stored, store_records

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from bench_import import write_contacts_export  # noqa: E402

pytestmark = pytest.mark.django_db

OPTIONS = ImportOptions(timezone="Europe/Madrid")


def full_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every store table; ids replaced by the refs they stand for."""
    people: dict[int, str] = {}
    for identity in m.ContactIdentity.objects.all():
        people.setdefault(identity.contact_id, "")
        people[identity.contact_id] = "|".join(
            sorted(filter(None, [*people[identity.contact_id].split("|"), str(identity)]))
        )
    names: dict[type[Any], Callable[[int], str]] = {
        m.Contact: lambda i: people.get(i, f"tombstone-{i}"),
        m.Rep: lambda i: str(m.Rep.objects.get(id=i)),
    }
    reps = {r.id: f"{r.system}:{r.external_id}" for r in m.Rep.objects.all()}
    names[m.Rep] = reps.__getitem__
    dump: dict[str, list[tuple[Any, ...]]] = {}
    for model in m.STORE_MODELS:
        rows = []
        for obj in model.objects.all():
            values: list[Any] = []
            for f in model._meta.concrete_fields:
                if f.primary_key and model is not m.Contact:
                    continue
                value = getattr(obj, f.attname)
                if f.primary_key:
                    value = names[m.Contact](value)
                elif f.is_relation and value is not None:
                    value = names.get(f.related_model, str)(value)
                values.append((f.name, value))
            rows.append(tuple(values))
        dump[model._meta.db_table] = sorted(rows, key=repr)
    return dump


def empty_store() -> None:
    for model in reversed(m.STORE_MODELS):
        model.objects.all().delete()


def row_path(paths: list[Path], options: ImportOptions = OPTIONS) -> StoreReport:
    return store_records(prepare_hubspot(paths, options).records())


def bulk_path(paths: list[Path], options: ImportOptions = OPTIONS) -> StoreReport:
    return store_columnar(read_job(prepare_hubspot(paths, options)))


def compare(steps: list[list[Path]], before: Callable[[], None] | None = None) -> None:
    """Import each step's files in turn both ways (from an empty store); same store after each
    step, same counts."""
    results = []
    for store in (row_path, bulk_path):
        empty_store()
        if before is not None:
            before()
        dumps = []
        for paths in steps:
            report = store(paths)
            dumps.append((full_dump(), report))
        results.append(dumps)
    for (row_dump, row_report), (bulk_dump, bulk_report) in zip(*results, strict=True):
        for table in row_dump:
            assert bulk_dump[table] == row_dump[table], table
        assert dict(bulk_report.kinds) == dict(row_report.kinds)
        assert bulk_report == row_report


def demo(folder: Path, language: Language, seed: int = 5, contacts: int = 120) -> Path:
    out = folder / f"{language.value}-{seed}"
    make_demo_data(
        default_scenario(),
        seed=seed,
        end=datetime(2025, 6, 30, 15, tzinfo=UTC),
        contacts=contacts,
        out_dir=out,
        language=language,
    )
    return out / "contacts.csv"


@pytest.mark.parametrize("language", list(Language))
def test_demo_exports_then_the_same_again(tmp_path: Path, language: Language) -> None:
    path = demo(tmp_path, language)
    compare([[path], [path]])


def test_benchmark_export_then_a_newer_one(tmp_path: Path) -> None:
    older, newer = tmp_path / "older.csv", tmp_path / "newer.csv"
    write_contacts_export(older, 400, seed=3)
    write_contacts_export(newer, 600, seed=4)  # ids 100000.. again, other values, 200 more
    compare([[older], [newer], [older]])


def test_duplicates_inside_one_import_and_against_the_store(tmp_path: Path) -> None:
    header = ["Record ID", "Email", "First Name", "Create Date", "Last Modified Date",
              "Lifecycle Stage", "Contact owner", "Became a Lead Date"]  # fmt: skip
    day1, day2 = "2024-01-01 10:00", "2024-01-02 10:00"
    rows = [
        ["1", "ana@x.es", "Ana", day1, "2024-01-05 10:00", "lead", "Marta", day1],
        ["2", " ANA@x.es", "Ana B", day2, "2024-01-06 10:00", "lead", "Luca", day2],
        ["3", "bo@x.es", "Bo", "2024-01-03 10:00", "", "lead", "", "2024-01-03 10:00"],
        ["3", "bo@x.es", "Bo 2", "2024-01-03 09:00", "", "lead", "", "2024-01-03 11:00"],
        ["4", "old@x.es", "Old", "2024-01-04 10:00", "", "lead", "", ""],
        ["5", "new@x.es", "New", "2024-01-04 10:00", "", "lead", "Marta", ""],
    ]  # fmt: skip
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)

    def stored_before() -> None:  # a Salesforce contact with the email of row 4
        store_records(
            [
                Contact(
                    ref=Ref(System.SALESFORCE, "00Q000000000001AAA"),
                    created_at=datetime(2023, 5, 1, tzinfo=UTC),
                    email="Old@X.es",
                )
            ]
        )

    compare([[path], [path]], before=stored_before)


def test_two_files_in_one_import(tmp_path: Path) -> None:
    first = demo(tmp_path, Language.EN, seed=1, contacts=60)
    second = demo(tmp_path, Language.IT, seed=2, contacts=60)
    compare([[first, second]])


def test_the_watch_hears_of_every_contact(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 50, seed=9)
    heard: list[frozenset[int]] = []
    on_stored(heard.append)
    try:
        bulk_path([path])
    finally:
        from funnelpact.server.tracking import services

        services._stored_callbacks.remove(heard.append)
    assert set().union(*heard) == set(m.Contact.objects.values_list("id", flat=True))


def test_a_reimport_of_unchanged_rows_hands_nothing_to_store_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from funnelpact.server.tracking import bulk

    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 200, seed=5)
    bulk_path([path])
    handed: list[int] = []
    real = bulk.store_records

    def spy(records: Any, **kwargs: Any) -> StoreReport:
        listed = list(records)
        handed.append(sum(isinstance(record, Contact) for record in listed))
        return real(listed, **kwargs)

    monkeypatch.setattr(bulk, "store_records", spy)
    before = full_dump()
    report = bulk_path([path])

    assert handed == [0]  # only the reps' call: every contact row was found unchanged set-wise
    assert full_dump() == before
    assert report.total("created") == report.total("updated") == 0
    assert report.total("unchanged") == report.records > 200


def test_owners_the_owners_api_described_resolve_as_the_row_path_does(tmp_path: Path) -> None:
    from funnelpact.domain.records import Rep

    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 120, seed=6)  # owners such as "Ana García"

    def api_owner() -> None:
        store_records([Rep(ref=Ref(System.HUBSPOT, "9001"), name="Ana García")])

    compare([[path], [path]], before=api_owner)


def _producer_threads() -> list[Any]:
    import threading

    return [t for t in threading.enumerate() if t.name == "funnelpact-bulk" and t.is_alive()]


def test_rows_in_many_pieces_store_what_the_row_path_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB produces the rows a piece at a time on its own thread, ahead of the store: with
    pieces far smaller than the tables (and tables larger than the pieces waiting), nothing
    is lost, repeated or reordered."""
    from funnelpact.server.tracking import bulk

    monkeypatch.setattr(bulk, "CHUNK", 7)
    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 150, seed=8)
    compare([[path], [path]])
    assert not _producer_threads()


def test_a_failure_while_producing_rows_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from funnelpact.server.tracking import bulk

    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 60, seed=9)
    real = bulk._Plain.selects

    def broken(self: Any) -> Any:
        for number, (table, columns, query) in enumerate(real(self)):
            # The stage changes' rows fail in DuckDB when produced (a cast of every stage
            # name), on the producing thread; counting them does not compute the column.
            if number == 2:
                query = f"SELECT *, CAST(stage || 'x' AS INTEGER) AS boom FROM ({query})"
            yield table, columns, query

    monkeypatch.setattr(bulk._Plain, "selects", broken)
    with pytest.raises(duckdb.Error) as raised:
        bulk_path([path])
    assert "_run" in {frame.name for frame in traceback.extract_tb(raised.value.__traceback__)}
    assert not _producer_threads()
    assert not m.Contact.objects.exists()
    assert not m.StageChange.objects.exists()


def test_a_store_error_while_writing_stops_the_producer_and_the_store_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error on the plain part (the third table here) rolls that part back, ends
    DuckDB's thread, and the whole import goes through store_records: the same store."""
    from django.db import DatabaseError

    from funnelpact.server.tracking import bulk

    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 80, seed=10)
    real = {name: getattr(bulk, name) for name in ("_insert_chunks", "_copy_file")}
    calls: list[str] = []

    def failing(name: str) -> Callable[..., None]:
        def write(store: Any, table: str, *args: Any) -> None:
            calls.append(table)
            if len(calls) == 3:
                raise DatabaseError("the store refused")
            real[name](store, table, *args)

        return write

    for name in real:
        monkeypatch.setattr(bulk, name, failing(name))
    monkeypatch.setattr(bulk, "CHUNK", 5)  # pieces still waiting when the error comes
    compare([[path]])
    assert len(calls) == 3
    assert not _producer_threads()


def test_a_touch_id_another_contact_has_goes_the_stores_way(tmp_path: Path) -> None:
    """A plain row's form submission whose touch id the store already gives another contact:
    the plain part fails in the store (SQLite: the unique index on insert; PostgreSQL: the
    unique constraint added back after the load) and store_records decides, as on the row
    path."""
    from funnelpact.domain.records import Touch, TouchType

    path = tmp_path / "contacts.csv"
    write_contacts_export(path, 40, seed=11)
    read = read_job(prepare_hubspot([path], OPTIONS))
    taken = str(read.files[0].touches.column("external_id")[0])
    other = Ref(System.SALESFORCE, "00Q000000000001")
    at = datetime(2024, 1, 1, tzinfo=UTC)

    def another_contact_has_it() -> None:
        store_records(
            [
                Contact(ref=other, created_at=at, email="someone.else@example.com"),
                Touch(Ref(System.HUBSPOT, taken), other, TouchType.FORM_SUBMISSION, at),
            ]
        )

    compare([[path]], before=another_contact_has_it)


def test_a_reimport_of_values_with_quotes_commas_and_newlines_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's rows come back to the comparison (on PostgreSQL as CSV through COPY TO
    STDOUT): quotes, commas, line breaks and empty strings survive the round trip."""
    from funnelpact.server.tracking import bulk

    plain = tmp_path / "plain.csv"
    write_contacts_export(plain, 30, seed=12)
    with plain.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    tricky = ['Smith "Bros", Ltd', "Line one\nline two", '"', ",", "a\r\nb", " "]
    for number, row in enumerate(rows[1:]):
        row[header.index("Company Name")] = tricky[number % len(tricky)]
        row[header.index("First Name")] = tricky[(number + 1) % len(tricky)]
        if number % 3 == 0:
            row[header.index("Last Name")] = ""
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    bulk_path([path])
    handed: list[int] = []
    real = bulk.store_records

    def spy(records: Any, **kwargs: Any) -> StoreReport:
        listed = list(records)
        handed.append(sum(isinstance(record, Contact) for record in listed))
        return real(listed, **kwargs)

    monkeypatch.setattr(bulk, "store_records", spy)
    before = full_dump()
    report = bulk_path([path])

    assert handed == [0]
    assert full_dump() == before
    assert report.total("unchanged") == report.records
    assert m.Contact.objects.filter(company='Smith "Bros", Ltd').exists()
    assert m.Contact.objects.filter(company="Line one\nline two").exists()
