"""Helpers for the import tests: fixture files, reading jobs, writing real CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from funnelpact.domain.records import Record, Ref, System
from funnelpact.ingest.common import ImportRefusedError, ImportReport
from funnelpact.ingest.engine import ImportJob

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
EXPORTS = ROOT / "examples" / "exports"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def hs(external_id: str | int) -> Ref:
    return Ref(System.HUBSPOT, str(external_id))


def sf(external_id: str) -> Ref:
    return Ref(System.SALESFORCE, external_id)


def read(job: ImportJob) -> list[Record]:
    return [record for batch in job.batches() for record in batch]


T = TypeVar("T")


def of_type(records: Sequence[Record], kind: type[T]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


def refused(action: Callable[[], object]) -> ImportReport:
    """Run ``action`` (prepare or read a job) and return the report of its refusal."""
    with pytest.raises(ImportRefusedError) as caught:
        action()
    return caught.value.report


def messages(report: ImportReport) -> list[str]:
    return [issue.render() for issue in report.issues]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def errors(report: ImportReport) -> list[str]:
    """The rendered problems that refuse an import (warnings left out)."""
    return [issue.render() for issue in report.issues if issue.level.value == "error"]
