"""`agreement diff`: what changed, in sentences, with the targets the planner derives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from agreement_testkit import check, edited, rendered, run_cli, seed_text, words, write
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.domain.agreement import Agreement, describe_changes


def agreement_of(text: str) -> Agreement:
    loaded = check(text)
    assert loaded.agreement is not None, rendered(loaded)
    return loaded.agreement


def texts(old: str, new: str) -> tuple[list[str], list[str]]:
    result = describe_changes(agreement_of(old), agreement_of(new))
    return [c.text for c in result.targets], [c.text for c in result.fields]


def test_the_brief_examples() -> None:
    old = seed_text()
    new = edited(
        old,
        ("first_touch_within_business_hours: 24", "first_touch_within_business_hours: 16"),
        ("{name: sql, rate: 0.5,", "{name: sql, rate: 0.55,"),
    )
    targets, fields = texts(old, new)
    assert fields == [
        "Stage 'sql' rate 0.5 -> 0.55",
        "First touch within 24 -> 16 business hours",
    ]
    # A better SQL -> opportunity rate needs fewer SQLs, hence fewer MQLs, leads, prospects.
    assert targets == [
        "Prospectos needed in the period 3,200 -> 2,912",
        "Prospectos target per month 266.67 -> 242.67",
        "Prospectos target per week 66.67 -> 60.67",
        "Leads needed in the period 1,600 -> 1,456",
        "Leads target per month 133.33 -> 121.33",
        "Leads target per week 33.33 -> 30.33",
        "MQLs needed in the period 800 -> 728",
        "MQLs target per month 66.67 -> 60.67",
        "MQLs target per week 16.67 -> 15.17",
        "SQLs needed in the period 400 -> 364",
        "SQLs target per month 33.33 -> 30.33",
        "SQLs target per week 8.33 -> 7.58",
        "Sales reps needed 3 -> 2",
        "Follow-up attempts per lead the reps can afford 3.6 -> 2.64",
    ]


def test_a_bigger_goal_raises_every_target_and_the_reps() -> None:
    old = seed_text()
    new = edited(old, ("  goal: 100000\n", "  goal: 120000\n"))
    targets, fields = texts(old, new)
    assert fields == ["Revenue goal 100,000 -> 120,000 EUR"]
    assert targets[0] == "Customers needed 100 -> 120"
    assert "MQLs target per month 66.67 -> 80" in targets
    assert "Oportunidades needed in the period 200 -> 240" in targets


def test_named_items_are_matched_by_name() -> None:
    old = seed_text()
    new = edited(
        old,
        (
            "    - code: unreachable\n",
            "    - code: duplicate\n      label: Contacto duplicado\n      route: disqualify\n"
            "    - code: unreachable\n",
        ),
        (
            "    - code: bad_timing\n      label: Interesado, pero no es el momento "
            "(presupuesto o calendario)\n      route: recycle\n",
            "",
        ),
        (
            "  - metric: mql_to_sql_hours\n    threshold: 40",
            "  - metric: mql_to_sql_hours\n    threshold: 32",
        ),
        ("      label: Autoridad\n", "      label: Autoridad de compra\n"),
    )
    targets, fields = texts(old, new)
    assert targets == []
    assert fields == [
        "Qualification criterion 'authority' label Autoridad -> Autoridad de compra",
        "Rejection reason 'bad_timing' removed",
        "Rejection reason 'duplicate' added",
        "KPI 'Time from MQL to SQL' threshold 40 -> 32",
    ]


def test_lists_and_long_texts() -> None:
    old = seed_text()
    new = edited(
        old,
        ("{touches: 7, within_days: 56}", "{touches: 8, within_days: 56}"),
        ("counting_touch_types: [call, email, meeting]", "counting_touch_types: [call, meeting]"),
        (
            "    definition: Firmó el contrato.",
            "    definition: Firmó el contrato y pagó la primera factura, con el alta hecha en "
            "el sistema de facturación.",
        ),
        (
            "  every_months: 6\n  next_review: 2025-07-01",
            "  every_months: 2\n  next_review: 2025-03-01",
        ),
        ("  version: 1\n", "  version: 2\n"),
    )
    _, fields = texts(old, new)
    assert fields == [
        "Version 1 -> 2",
        "Lifecycle stage 'customer' definition changed",
        "Follow-up cadence 3 in 14 days, 5 in 28 days, 7 in 56 days -> 3 in 14 days, 5 in 28 "
        "days, 8 in 56 days",
        "Touches that count call, email, meeting -> call, meeting",
        "Review every 6 -> 2 months",
        "Next review 2025-07-01 -> 2025-03-01",
    ]


def test_reformatting_is_no_change() -> None:
    old = seed_text()
    new = "# reviewed, nothing changed\n" + old.replace(
        "[call, email, meeting]", "[call, 'email', meeting]"
    )
    assert texts(old, new) == ([], [])


def test_cli_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write(tmp_path, seed_text(), "v1.yaml")
    new = write(
        tmp_path,
        edited(
            seed_text(),
            ("first_touch_within_business_hours: 24", "first_touch_within_business_hours: 16"),
        ),
        "v2.yaml",
    )
    result = run_cli(capsys, monkeypatch, "agreement", "diff", str(old), str(new))
    assert result.exit_code == 0
    assert result.stdout == "Agreement:\n  First touch within 24 -> 16 business hours\n"
    same = run_cli(capsys, monkeypatch, "agreement", "diff", str(old), str(old))
    assert same.stdout == f"No change in content between {old} and {old}.\n"


def test_cli_diff_of_a_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write(tmp_path, seed_text(), "v1.yaml")
    new = write(tmp_path, edited(seed_text(), ("  version: 1\n", "  version: dos\n")), "v2.yaml")
    result = run_cli(capsys, monkeypatch, "agreement", "diff", str(old), str(new))
    assert result.exit_code == 1
    first, *rest = result.stderr.splitlines()
    assert first == (
        f"{new}:14:3: error SCH003 invalid version: Input should be a valid integer, unable to "
        "parse string as an integer (got 'dos')"
    )
    assert words(" ".join(rest)) == (
        "error: diff needs two agreements whose shape is valid: fix the errors above"
    )


@settings(max_examples=30, deadline=None)
@given(
    hours=st.integers(min_value=1, max_value=200),
    share=st.decimals(min_value="0.05", max_value="0.95", places=2),
)
def test_one_edit_reads_as_one_sentence(hours: int, share: Decimal) -> None:
    old = seed_text()
    new = edited(
        old,
        ("first_touch_within_business_hours: 24", f"first_touch_within_business_hours: {hours}"),
        ("at_risk_share: 0.75", f"at_risk_share: {share}"),
    )
    targets, fields = texts(old, new)
    assert targets == []  # neither touches the plan
    expected = []
    if hours != 24:
        expected.append(f"First touch within 24 -> {hours} business hours")
    if share != Decimal("0.75"):
        shown = format(share.normalize(), "f")
        expected.append(f"At risk after this share of a window 0.75 -> {shown}")
    assert fields == expected
    assert texts(new, new) == ([], [])
