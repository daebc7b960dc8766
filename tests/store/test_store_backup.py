"""db export / import: a backup restores into an empty store and exports again identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from store_factories import (
    T0,
    contact,
    deal,
    deal_stage,
    hours,
    hs,
    rep,
    same_backup,
    sf,
    stage,
    touch,
)

from funnelpact.domain.records import Decision, HandoffDecision
from funnelpact.server.backup import (
    MANIFEST,
    BackupError,
    BackupFormat,
    export_store,
    import_store,
    store_models,
)
from funnelpact.server.tracking import models
from funnelpact.server.tracking.services import RecordKind, merge_contacts, store_records
from funnelpact.server.tracking.synthetic import RECORDS_PER_CONTACT, synthetic_records

pytestmark = pytest.mark.django_db


def _fill() -> None:
    store_records(
        [
            rep(ref=hs("o1"), name="Olga", manager=hs("boss")),
            contact(ref=hs(1), email="ann@acme.com", owner=hs("o1"), company="Acme — Ñandú"),
            contact(ref=sf("00Q1"), email="ANN@acme.com"),
            contact(ref=hs(2), email="bo@beta.io", updated_at=T0 + hours(1)),
            contact(ref=hs(3), email="other@beta.io", updated_at=T0 + hours(2)),
            stage(contact=hs(1), stage="mql", at=T0 + hours(1), event_id="e-1"),
            touch(ref=hs("t1"), contact=sf("00Q1"), rep=hs("o1"), subject='line\nbreak, "quoted"'),
            deal(ref=hs("d1"), contact=hs(1), amount="1234.5678"),
            deal_stage(deal=hs("d1"), stage="won", at=T0 + hours(50)),
            HandoffDecision(
                contact=hs(2), decision=Decision.ACCEPTED, decided_at=T0 + hours(3), note=""
            ),
            *synthetic_records(30, seed=3),
        ]
    )
    # hubspot:3 takes hubspot:2's email later: a duplicate pair, merged by hand.
    store_records([contact(ref=hs(3), email="bo@beta.io", updated_at=T0 + hours(4))])
    keep, drop = sorted(
        models.Contact.objects.filter(normalised_email="bo@beta.io").values_list("id", flat=True)
    )
    merge_contacts(keep, drop)  # a tombstone with merged_into


def _empty_the_store() -> None:
    for model in reversed(store_models()):
        model._base_manager.all().delete()


@pytest.mark.parametrize("fmt", list(BackupFormat))
def test_export_import_export_round_trip_is_identical(tmp_path: Path, fmt: BackupFormat) -> None:
    _fill()
    counts = {m._meta.db_table: m._base_manager.count() for m in store_models()}
    first = export_store(tmp_path / "first", fmt)
    assert {t.table: t.rows for t in first.tables} == counts
    assert counts["tracking_touch"] == 1 + 30 * 6

    _empty_the_store()
    restored = import_store(tmp_path / "first")
    export_store(tmp_path / "second", fmt)

    assert {t.table: t.rows for t in restored.tables} == counts
    same_backup(tmp_path / "first", tmp_path / "second")
    # Ids continue after the restored ones: the next stored contact gets a fresh id.
    top = models.Contact.objects.order_by("-id").values_list("id", flat=True)[0]
    store_records([contact(ref=hs(999), email="new@x.com")])
    assert models.Contact.objects.get(identities__external_id="999").id > top
    if connection.vendor == "postgresql":  # the sequence moved past the restored ids
        assert models.Touch.objects.count() == counts["tracking_touch"]


def test_import_refuses_a_store_that_is_not_empty(tmp_path: Path) -> None:
    _fill()
    export_store(tmp_path / "backup")
    with pytest.raises(BackupError) as caught:
        import_store(tmp_path / "backup")
    assert caught.value.message.startswith("the store is not empty (rows in tracking_rep, ")
    assert caught.value.message.endswith("import restores into an empty database only")


def test_a_bad_file_in_a_backup_fails_whole_naming_it(tmp_path: Path) -> None:
    _fill()
    export_store(tmp_path / "backup", BackupFormat.CSV)
    _empty_the_store()
    touches = tmp_path / "backup" / "tracking_touch.csv"  # its last row is a one-line row
    lines = touches.read_text().splitlines()
    touches.write_text("\n".join([lines[0], *lines[1:-1]]) + "\n")  # one row short
    with pytest.raises(BackupError) as caught:
        import_store(tmp_path / "backup")
    rows = _manifest_rows(tmp_path, "tracking_touch") - 1
    assert caught.value.message == (
        f"{touches}: {rows} rows, the manifest says {rows + 1} (incomplete backup?)"
    )
    assert all(not m._base_manager.exists() for m in store_models())  # nothing half-restored


def _manifest_rows(directory: Path, table: str) -> int:
    manifest = json.loads((directory / "backup" / MANIFEST).read_text())
    return next(int(t["rows"]) for t in manifest["tables"] if t["table"] == table)


def test_export_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="exists and is not an empty directory"):
        export_store(tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_import_of_something_that_is_not_a_backup_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as caught:
        import_store(tmp_path)
    assert caught.value.message == f"{tmp_path}: not a funnelpact backup (no manifest.json)"


def test_bulk_paths_store_thousands_of_records_idempotently() -> None:
    records = list(synthetic_records(400, seed=11))  # above the COPY threshold per table
    first = store_records(records, batch_size=1500)
    again = store_records(records, batch_size=1500)
    assert first.records == len(records) == 25 + 400 * RECORDS_PER_CONTACT
    assert first[RecordKind.TOUCH].created == 400 * 6
    assert again.total("unchanged") == len(records)
    assert models.StageChange.objects.count() == 400 * 3
