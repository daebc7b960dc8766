"""Import fuzzing: CRM exports mangled by hypothesis (encodings, delimiters, quoting, huge
fields, missing columns, dates in every format, control characters) through `funnelpact import`.

Whatever the file, the command ends with exit 0 or 1 and never a traceback; when it refuses,
every problem names the file (and the row, line and column when it is about one), and the store
is exactly as it was (compared row by row).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fuzz_testkit import issue_lines, run_cli, store_dump
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).resolve().parents[2] / "examples" / "exports"
MAPPING = EXPORTS / "mapping" / "pipedrive-persons.map.yaml"


@dataclass(frozen=True)
class Source:
    command: str
    path: Path
    extra: tuple[str, ...] = ()


SOURCES = (
    Source("hubspot", EXPORTS / "hubspot" / "contacts-en.csv"),
    Source("hubspot", EXPORTS / "hubspot" / "deals-en.csv"),
    Source("hubspot", EXPORTS / "hubspot" / "activities-en.csv", ("--create-missing-contacts",)),
    Source("salesforce", EXPORTS / "salesforce" / "Lead.csv"),
    Source("salesforce", EXPORTS / "salesforce" / "Task.csv", ("--create-missing-contacts",)),
    Source("salesforce", EXPORTS / "salesforce" / "report-candidatos-es.csv"),
    Source("csv", EXPORTS / "mapping" / "pipedrive-persons.csv", ("--mapping", str(MAPPING))),
)

BASE = datetime(2024, 3, 5, 14, 22, 7)
DATE_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.000Z",
    "%Y-%m-%dT%H:%M:%S+02:00",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%A %d %B %Y",
    "%Y%m%d",
    "%y-%m-%d",
    "%H:%M",
)
ODD_DATES = (
    "",
    " ",
    "0",
    "1709648527000",
    "31/02/2024",
    "2024-13-45",
    "N/A",
    "—",
    "2024-03-05 25:61",
)
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "mac_roman")
DELIMITERS = (",", ";", "\t", "|")
QUOTING = (csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC)

# Overlong owner names are left to test_an_overlong_owner_name_is_located (a known gap).
OWNER_COLUMN = re.compile(r"owner|assigned", re.IGNORECASE)

cell_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        return [list(row) for row in csv.reader(handle, dialect)]


@st.composite
def mangled_exports(draw: st.DrawFn) -> tuple[Source, bytes, list[str]]:
    source = draw(st.sampled_from(SOURCES))
    rows = _read(source.path)
    header, body = rows[0], [list(row) for row in rows[1:]]
    width = len(header)

    # Missing columns: drop a few (the header and every row lose them).
    dropped = draw(st.sets(st.integers(0, width - 1), max_size=min(3, width - 1)))
    if dropped:
        keep = [i for i in range(width) if i not in dropped]
        header = [header[i] for i in keep]
        body = [[row[i] for i in keep if i < len(row)] for row in body]
        width = len(header)

    # Cells replaced by dates in another format, odd values, random text or a huge field.
    for _ in range(draw(st.integers(0, 6))):
        if not body:
            break
        row = draw(st.integers(0, len(body) - 1))
        if not body[row]:
            continue
        column = draw(st.integers(0, len(body[row]) - 1))
        kind = draw(st.sampled_from(("date", "odd", "text", "huge", "short_row", "long_row")))
        if kind == "date":
            moment = BASE + timedelta(minutes=draw(st.integers(-(10**6), 10**6)))
            body[row][column] = moment.strftime(draw(st.sampled_from(DATE_FORMATS)))
        elif kind == "odd":
            body[row][column] = draw(st.sampled_from(ODD_DATES))
        elif kind == "text":
            body[row][column] = draw(cell_text)
        elif kind == "huge" and not OWNER_COLUMN.search(header[column] if column < width else ""):
            body[row][column] = "x" * draw(st.sampled_from((5_000, 140_000, 300_000)))
        elif kind == "short_row":
            body[row] = body[row][:column]
        else:
            body[row] = [*body[row], *draw(st.lists(cell_text, min_size=1, max_size=3))]
    if draw(st.booleans()):
        body = body[: draw(st.integers(0, len(body)))]

    delimiter = draw(st.sampled_from(DELIMITERS))
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quoting=draw(st.sampled_from(QUOTING)),
        lineterminator=draw(st.sampled_from(("\r\n", "\n"))),
    )
    writer.writerow(header)
    writer.writerows(body)
    text = out.getvalue()
    if draw(st.booleans()):
        # A stray quote or a cut-off last line: what a broken export looks like.
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(('"', "", "\x00", '\n"unterminated'))) + text[cut:]
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")

    args: list[str] = []
    if draw(st.booleans()):
        args += ["--encoding", draw(st.sampled_from((encoding, "utf-8", "latin-1", "klingon")))]
    if draw(st.booleans()):
        args += ["--delimiter", draw(st.sampled_from((delimiter, ",", ";", "ab")))]
    if draw(st.booleans()):
        args += ["--timezone", draw(st.sampled_from(("Europe/Madrid", "UTC", "Mars/Olympus")))]
    if draw(st.booleans()):
        args += ["--date-format", draw(st.sampled_from(("%d/%m/%Y %H:%M", "%Q", "%Y")))]
    return source, data, args


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(export=mangled_exports())
def test_any_mangled_export_is_imported_or_refused_with_located_problems(
    tmp_path_factory: pytest.TempPathFactory, export: tuple[Source, bytes, list[str]]
) -> None:
    source, data, args = export
    path = tmp_path_factory.mktemp("fuzz") / source.path.name
    path.write_bytes(data)
    before = store_dump()

    outcome = run_cli(["import", source.command, str(path), *source.extra, *args])

    assert outcome.exit_code in (0, 1), outcome.stderr
    event(f"{source.command} {source.path.name}: exit {outcome.exit_code}")
    if outcome.exit_code == 0:
        return
    assert store_dump() == before, "a refused import changed the store"
    problems = issue_lines(outcome.stderr)
    option_problem = outcome.stderr.startswith("error: ") or "Invalid value" in outcome.stderr
    assert problems or option_problem, f"refused without a located problem:\n{outcome.stderr}"
    for line in problems:
        assert line.startswith(str(path)) or line.startswith(str(MAPPING)), line
        if ", row " in line:
            # A row problem says the line too; a field problem names its column.
            assert "(line " in line, line
    assert not list(path.parent.glob("*.rejected.csv"))  # no --skip-invalid: nothing written


@pytest.mark.parametrize(
    ("command", "name", "column", "extra"),
    [
        ("hubspot", "hubspot/deals-en.csv", "Deal owner", ()),
        ("hubspot", "hubspot/contacts-en.csv", "Contact owner", ()),
        (
            "hubspot",
            "hubspot/activities-en.csv",
            "Activity assigned to",
            ("--create-missing-contacts",),
        ),
        ("salesforce", "salesforce/Lead.csv", "OWNER.NAME", ()),
    ],
)
def test_an_overlong_owner_name_is_located(
    tmp_path: Path, command: str, name: str, column: str, extra: tuple[str, ...]
) -> None:
    rows = _read(EXPORTS / name)
    rows[1][rows[0].index(column)] = "x" * 300
    path = tmp_path / Path(name).name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before = store_dump()

    outcome = run_cli(["import", command, str(path), *extra])

    assert outcome.exit_code == 1 and store_dump() == before
    [problem] = [line for line in issue_lines(outcome.stderr) if ": error " in line]
    assert problem.startswith(f'{path}, row 1 (line 2), column "{column}"'), problem
    assert "300 characters long" in problem and "x" * 41 not in problem, problem
