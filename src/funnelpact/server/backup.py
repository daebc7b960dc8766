"""Back up the store to Parquet or CSV files and restore it into an empty database.

A backup is a directory: one file per table (every model of every funnelpact app, ids included)
and ``manifest.json`` (format, tables in restore order, columns, row counts, migrations). Export
reads one consistent snapshot; import is one transaction (all or nothing) with the store's bulk
paths (COPY on PostgreSQL), then moves the id sequences past the restored ids.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from funnelpact.errors import InputError
from funnelpact.server.tracking.repository import Store

MANIFEST = "manifest.json"
BACKUP_KIND = "funnelpact-store-backup"
BACKUP_VERSION = 1
BATCH_ROWS = 50_000

Progress = Callable[[str, int], None]  # (table, rows done in that table)


class BackupFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


class BackupError(InputError):
    """A backup cannot be written or restored; the message says which file or table."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    rows: int


@dataclass(frozen=True, slots=True)
class BackupReport:
    directory: Path
    format: BackupFormat
    tables: tuple[TableCount, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def store_models() -> list[type[models.Model]]:
    """Every concrete model of the funnelpact apps, each after the models it points to."""
    found = [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("funnelpact.")
        for model in config.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    ]
    ordered: list[type[models.Model]] = []
    visiting: set[type[models.Model]] = set()

    def visit(model: type[models.Model]) -> None:
        if model in ordered or model in visiting:
            return
        visiting.add(model)
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not model and target in found:
                visit(target)
        visiting.discard(model)
        ordered.append(model)

    for model in found:
        visit(model)
    return ordered


def _arrow_type(field: models.Field[Any, Any]) -> pa.DataType:
    kind = field.get_internal_type()
    if field.is_relation:
        return pa.int64()
    if kind in {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }:
        return pa.int64()
    if kind in {
        "CharField",
        "TextField",
        "EmailField",
        "SlugField",
        "URLField",
        "UUIDField",
        "GenericIPAddressField",
        "JSONField",
    }:
        return pa.string()
    if kind == "DateTimeField":
        return pa.timestamp("us", tz="UTC")
    if kind == "DateField":
        return pa.date32()
    if kind == "BooleanField":
        return pa.bool_()
    if kind == "FloatField":
        return pa.float64()
    if kind == "DecimalField":
        return pa.decimal128(field.max_digits, field.decimal_places)
    raise BackupError(
        f"{field.model._meta.db_table}.{field.column}: a {kind} cannot be backed up yet"
    )


def _schema(model: type[models.Model]) -> pa.Schema:
    return pa.schema(
        [pa.field(f.column, _arrow_type(f), nullable=f.null) for f in model._meta.concrete_fields]
    )


def _file_name(model: type[models.Model], fmt: BackupFormat) -> str:
    return f"{model._meta.db_table}.{fmt.value}"


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _rows(model: type[models.Model]) -> Iterator[list[tuple[Any, ...]]]:
    names = [f.attname for f in model._meta.concrete_fields]
    json_fields = [
        i for i, f in enumerate(model._meta.concrete_fields) if f.get_internal_type() == "JSONField"
    ]
    batch: list[tuple[Any, ...]] = []
    query = model._base_manager.order_by("pk").values_list(*names)
    for row in query.iterator(chunk_size=BATCH_ROWS):
        if json_fields:
            values = list(row)
            for i in json_fields:
                values[i] = None if values[i] is None else json.dumps(values[i])
            row = tuple(values)
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def table_sizes() -> dict[str, int]:
    return {m._meta.db_table: m._base_manager.count() for m in store_models()}


def export_store(
    directory: Path, fmt: BackupFormat = BackupFormat.PARQUET, on_progress: Progress | None = None
) -> BackupReport:
    """Write every store table to ``directory`` (which must not exist or be empty)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory}: exists and is not an empty directory")
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end: never a half-written backup.
    work = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        counts: list[TableCount] = []
        entries: list[dict[str, Any]] = []
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:  # one snapshot of all tables
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            migrations = _applied_migrations()
            for model in store_models():
                schema = _schema(model)
                path = work / _file_name(model, fmt)
                rows = _write_table(model, schema, path, fmt, on_progress)
                counts.append(TableCount(model._meta.db_table, rows))
                entries.append(
                    {
                        "table": model._meta.db_table,
                        "model": model._meta.label_lower,
                        "file": path.name,
                        "rows": rows,
                        "columns": schema.names,
                    }
                )
        manifest = {
            "kind": BACKUP_KIND,
            "version": BACKUP_VERSION,
            "format": fmt.value,
            "tables": entries,
            "migrations": migrations,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if directory.exists():
            directory.rmdir()
        work.replace(directory)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupReport(directory, fmt, tuple(counts))


def _write_table(
    model: type[models.Model],
    schema: pa.Schema,
    path: Path,
    fmt: BackupFormat,
    on_progress: Progress | None,
) -> int:
    table_name = model._meta.db_table
    writer: Any = (
        pq.ParquetWriter(path, schema)
        if fmt is BackupFormat.PARQUET
        else pa_csv.CSVWriter(path, schema)
    )
    rows = 0
    try:
        for batch in _rows(model):
            columns = list(zip(*batch, strict=True))
            arrays = [
                pa.array(column, type=field.type)
                for column, field in zip(columns, schema, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += len(batch)
            if on_progress is not None:
                on_progress(table_name, rows)
        if rows == 0 and fmt is BackupFormat.PARQUET:
            writer.write_table(schema.empty_table())
    finally:
        writer.close()
    return rows


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise BackupError(f"{directory}: no such directory")
    if not path.is_file():
        raise BackupError(f"{directory}: not a funnelpact backup (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != BACKUP_KIND:
        raise BackupError(f"{path}: not a funnelpact store backup manifest")
    if manifest.get("version") != BACKUP_VERSION:
        raise BackupError(
            f"{path}: backup version {manifest.get('version')!r}, this funnelpact reads "
            f"version {BACKUP_VERSION}"
        )
    if manifest.get("format") not in {f.value for f in BackupFormat}:
        raise BackupError(f"{path}: unknown format {manifest.get('format')!r}")
    return manifest


def non_empty_tables() -> list[str]:
    return [m._meta.db_table for m in store_models() if m._base_manager.exists()]


def import_store(directory: Path, on_progress: Progress | None = None) -> BackupReport:
    """Restore a backup into an empty store, all or nothing."""
    manifest = read_manifest(directory)
    fmt = BackupFormat(manifest["format"])
    by_table = {m._meta.db_table: m for m in store_models()}
    plan: list[tuple[type[models.Model], Path, list[str], int]] = []
    for entry in manifest["tables"]:
        model = by_table.get(entry["table"])
        path = directory / entry["file"]
        if model is None:
            raise BackupError(f"{path}: table {entry['table']} is not part of this store")
        if not path.is_file():
            raise BackupError(f"{path}: missing (the manifest lists it)")
        expected = _schema(model).names
        if list(entry["columns"]) != expected:
            missing = [c for c in expected if c not in entry["columns"]]
            extra = [c for c in entry["columns"] if c not in expected]
            raise BackupError(
                f"{path}: columns differ from table {entry['table']} "
                f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'})"
            )
        plan.append((model, path, expected, int(entry["rows"])))
    counts: list[TableCount] = []
    with transaction.atomic():
        store = Store()
        store.lock()
        if busy := non_empty_tables():
            raise BackupError(
                "the store is not empty (rows in " + ", ".join(busy) + "): "
                "import restores into an empty database only"
            )
        for model, path, columns, expected_rows in plan:
            rows = _restore_table(store, model, path, columns, fmt, on_progress)
            if rows != expected_rows:
                raise BackupError(
                    f"{path}: {rows} rows, the manifest says {expected_rows} (incomplete backup?)"
                )
            counts.append(TableCount(model._meta.db_table, rows))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, *_ in plan]):
                cursor.execute(sql)
    return BackupReport(directory, fmt, tuple(counts))


def _batches(path: Path, schema: pa.Schema, fmt: BackupFormat) -> Iterator[pa.RecordBatch]:
    try:
        if fmt is BackupFormat.PARQUET:
            parquet = pq.ParquetFile(path)
            if parquet.schema_arrow.names != schema.names:
                raise BackupError(f"{path}: columns {parquet.schema_arrow.names} do not match")
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                yield batch.cast(schema) if batch.schema != schema else batch
        else:
            reader = pa_csv.open_csv(
                path,
                read_options=pa_csv.ReadOptions(block_size=16 << 20),
                convert_options=pa_csv.ConvertOptions(
                    column_types={f.name: f.type for f in schema},
                    strings_can_be_null=False,
                    include_columns=schema.names,
                ),
            )
            for batch in reader:
                yield batch
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise BackupError(f"{path}: cannot be read ({exc})") from exc


def _restore_table(
    store: Store,
    model: type[models.Model],
    path: Path,
    columns: Sequence[str],
    fmt: BackupFormat,
    on_progress: Progress | None,
) -> int:
    fields = model._meta.concrete_fields
    schema = _schema(model)
    instants = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"]
    json_fields = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    rows_done = 0
    for batch in _batches(path, schema, fmt):
        pylists = [column.to_pylist() for column in batch.columns]
        if not store.postgres:
            for i in instants:
                pylists[i] = [
                    None if v is None else str(v.replace(tzinfo=None)) for v in pylists[i]
                ]
        for i in json_fields:
            field = fields[i]
            pylists[i] = [
                None if v is None else field.get_db_prep_save(json.loads(v), connection)
                for v in pylists[i]
            ]
        rows = list(zip(*pylists, strict=True))
        store.insert(model._meta.db_table, columns, rows)
        rows_done += len(rows)
        if on_progress is not None:
            on_progress(model._meta.db_table, rows_done)
    return rows_done
