"""Malformed YAML and wrong shapes: located messages with stable codes, never a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from agreement_testkit import at, check, edited, rendered, run_cli, seed_text, words, write
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.domain.agreement import load_agreement_text
from funnelpact.domain.agreement.yaml_source import parse_yaml


def only(lines: list[str], code: str) -> list[str]:
    return [line for line in lines if f" {code} " in line]


def test_tab_indentation() -> None:
    text = edited(seed_text(), ("  version: 1\n", "\tversion: 1\n"))
    assert rendered(check(text)) == [
        "agreement.yaml:14:1: error YML002 tab character where YAML expects indentation or a "
        "value: indent with spaces"
    ]


def test_duplicate_key_is_an_error_not_a_silent_overwrite() -> None:
    text = edited(seed_text(), ("  version: 1\n", "  version: 1\n  version: 2\n"))
    assert only(rendered(check(text)), "YML003") == [
        "agreement.yaml:15:3: error YML003 duplicate key 'version' (first defined at line 14); "
        "YAML would silently keep only the last one"
    ]


def test_unclosed_flow_list() -> None:
    text = edited(seed_text(), ("[mon, tue, wed, thu, fri]", "[mon, tue, wed, thu, fri"))
    assert rendered(check(text)) == [
        "agreement.yaml:182:16: error YML001 malformed YAML: while parsing a flow sequence, "
        "expected ',' or ']', but got ':'"
    ]


def test_impossible_date() -> None:
    text = edited(seed_text(), ("effective_from: 2025-01-01", "effective_from: 2025-02-30"))
    assert rendered(check(text)) == [
        "agreement.yaml:15:19: error YML001 '2025-02-30' is not a valid date or time (day is out "
        "of range for month)"
    ]


def test_empty_document() -> None:
    assert rendered(check("# nothing yet\n")) == [
        "agreement.yaml:1:1: error YML004 the document is empty"
    ]


def test_a_list_is_not_an_agreement() -> None:
    assert rendered(check("- schema_version: 1\n")) == [
        "agreement.yaml:1:1: error YML004 an agreement must be a mapping of sections "
        "(schema_version, metadata, lifecycle, plan...), got a list"
    ]


def test_two_documents_in_one_file() -> None:
    assert rendered(check("schema_version: 1\n---\nschema_version: 1\n")) == [
        "agreement.yaml:2:1: error YML001 malformed YAML: expected a single document in the "
        "stream, but found another document"
    ]


def test_missing_schema_version_stops_early() -> None:
    text = edited(seed_text(), ("schema_version: 1\n", ""))
    assert rendered(check(text)) == [
        "agreement.yaml:11:1: error SCH004 schema_version is missing: start the file with "
        "'schema_version: 1'"
    ]


def test_unsupported_schema_version() -> None:
    text = edited(seed_text(), ("schema_version: 1\n", "schema_version: 2\n"))
    assert rendered(check(text)) == [
        "agreement.yaml:10:1: error SCH004 schema_version 2 is not supported: this funnelpact "
        "reads version 1"
    ]


def test_missing_field_points_at_the_mapping_that_lacks_it() -> None:
    text = edited(
        seed_text(), ("  name: Acuerdo de nivel de servicio Marketing y Ventas 2025\n", "")
    )
    assert rendered(check(text)) == [
        "agreement.yaml:12:1: error SCH001 required field 'name' is missing"
    ]


def test_unknown_key_lists_the_allowed_ones() -> None:
    text = edited(seed_text(), ("  version: 1\n", "  version: 1\n  colour: red\n"))
    assert rendered(check(text)) == [
        "agreement.yaml:15:3: error SCH002 unknown key 'colour' (allowed: name, version, "
        "effective_from, effective_to, currency, locale, parties, signatories)"
    ]


def test_wrong_type() -> None:
    text = edited(seed_text(), ("  version: 1\n", "  version: uno\n"))
    assert rendered(check(text)) == [
        "agreement.yaml:14:3: error SCH003 invalid version: Input should be a valid integer, "
        "unable to parse string as an integer (got 'uno')"
    ]


def test_wrong_choice() -> None:
    text = edited(
        seed_text(),
        (
            "      label: Prospecto\n      owner: marketing",
            "      label: Prospecto\n      owner: both",
        ),
    )
    assert rendered(check(text)) == [
        "agreement.yaml:78:7: error SCH003 invalid owner: Input should be 'marketing', 'shared' "
        "or 'sales' (got 'both')"
    ]


def test_too_few_items() -> None:
    signatories = seed_text().split("  signatories:\n")[1].split("\n\n")[0] + "\n"
    text = edited(seed_text(), ("  signatories:\n" + signatories, "  signatories: []\n"))
    assert rendered(check(text)) == [
        "agreement.yaml:32:3: error SCH003 signatories needs at least 1 item, got 0"
    ]


QUOTED_INTERVAL = '"9-14"'


def test_plan_and_calendar_shapes_are_reported_by_their_owners() -> None:
    text = edited(
        seed_text(),
        ("  deal_size: 1000\n", "  deal_size: 1000\n  colour: red\n"),
        ('["09:00-14:00", "15:00-18:00"]', '["9-14", "15:00-18:00"]'),
    )
    assert rendered(check(text)) == [
        f"agreement.yaml:{at(text, 'colour')}: error PLAN002 unknown field 'colour' (check the "
        "spelling; see docs/planner.md)",
        f"agreement.yaml:{at(text, QUOTED_INTERVAL)}: error CAL001 expected a local time interval "
        "like '09:00-18:00', got '9-14'",
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = edited(
        seed_text(),
        ("  version: 1\n", "  version: uno\n"),
        ("recycle_to: lead", "recycle_to: nurture"),
        ("timezone: Europe/Madrid", "timezone: Mars/Olympus"),
    )
    loaded = load_agreement_text(text, "agreement.yaml")
    # The shape error stops the model, so meaning rules wait; but both shape errors are there.
    assert [issue.code for issue in loaded.issues] == ["SCH003"]
    text = edited(
        seed_text(),
        ("recycle_to: lead", "recycle_to: nurture"),
        ("timezone: Europe/Madrid", "timezone: Mars/Olympus"),
        ("[call, email, meeting]", "[call, page_view, meeting]"),
    )
    codes = [line.split()[2] for line in rendered(check(text)) if " error " in line]
    assert codes == ["AGR006", "AGR010", "CAL002"]


def test_yaml_1_1_surprises_are_read_as_written() -> None:
    data = parse_yaml("country: NO\nat: 08:30\nflag: yes\nzero: 0123\nok: true\n").data
    assert data == {"country": "NO", "at": "08:30", "flag": "yes", "zero": "0123", "ok": True}


def test_norway_is_a_country_not_false() -> None:
    text = edited(seed_text(), ("    country: ES\n    subdivision: MD\n", "    country: 'NO'\n"))
    text_plain = edited(
        seed_text(), ("    country: ES\n    subdivision: MD\n", "    country: NO\n")
    )
    assert rendered(check(text_plain)) == rendered(check(text))
    assert [line for line in rendered(check(text_plain)) if " error " in line] == []


SCALAR_LINES = st.sampled_from(
    [
        "  version: {}",
        "  name: {}",
        "    threshold: {}",
        "  every_months: {}",
        "  at_risk_share: {}",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    line=SCALAR_LINES,
    value=st.one_of(
        st.text(max_size=12),
        st.integers(),
        st.floats(allow_nan=True),
        st.lists(st.integers(), max_size=3),
        st.just("{a: [1, 2"),
        st.just("'unterminated"),
        st.just("\t"),
        st.just("\x1f"),
    ),
)
def test_garbage_values_give_issues_never_an_exception(line: str, value: object) -> None:
    text = seed_text()
    prefix = line.split("{}")[0]
    target = next(row for row in text.splitlines() if row.startswith(prefix))
    broken = text.replace(target, prefix + str(value), 1)
    loaded = check(broken)
    assert all(issue.line is not None and issue.code for issue in loaded.issues)
    if loaded.agreement is None:
        assert any(issue.level == "error" for issue in loaded.issues)


def test_cli_reports_bad_yaml_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, edited(seed_text(), ("  version: 1\n", "\tversion: 1\n")))
    result = run_cli(capsys, monkeypatch, "agreement", "validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}:14:1: error YML002 tab character where YAML expects indentation or a value: "
        "indent with spaces\n"
    )
    assert result.stderr == f"{path}: invalid (1 error(s), 0 warning(s))\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_cli_names_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.yaml"
    result = run_cli(capsys, monkeypatch, "agreement", "validate", str(missing))
    assert result.exit_code == 1
    assert words(result.stderr) == f"error: {missing}: no such file"


def test_cli_names_a_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Lucía\n".encode("latin-1"))
    result = run_cli(capsys, monkeypatch, "agreement", "validate", str(path))
    assert result.exit_code == 1
    assert words(result.stderr) == f"error: {path}: not UTF-8 text (byte 9); save the file as UTF-8"


def test_validate_as_of_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, seed_text())
    result = run_cli(
        capsys, monkeypatch, "agreement", "validate", str(path), "--today", "2025-07-02"
    )
    assert result.exit_code == 0  # an overdue review is a warning: the agreement still holds
    assert (
        f"{path}:211:3: warning AGR018 the review due on 2025-07-01 is past (today is "
        "2025-07-02): review the agreement with actual data and set the next date"
    ) in result.stdout.splitlines()
    assert date(2025, 7, 2).isoformat() in result.stdout
