"""Signatures: the content hash ignores form and catches content; `sign` edits only its block."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from agreement_testkit import (
    SEED_003,
    TODAY,
    check,
    edited,
    rendered,
    run_cli,
    seed_text,
    words,
    write,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.domain.agreement import Agreement, SigningError, content_hash, new_signature
from funnelpact.domain.agreement.signing import add_signature, canonical_json


def agreement_of(text: str) -> Agreement:
    loaded = check(text)
    assert loaded.agreement is not None, rendered(loaded)
    return loaded.agreement


BASE_HASH = content_hash(agreement_of(seed_text()))


def test_hash_is_sha256_of_the_canonical_json() -> None:
    import hashlib

    agreement = agreement_of(seed_text())
    digest = hashlib.sha256(canonical_json(agreement).encode()).hexdigest()
    assert f"sha256:{digest}" == BASE_HASH
    assert '"signatures"' not in canonical_json(agreement)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_comments_and_blank_lines_do_not_change_the_hash(data: st.DataObject) -> None:
    lines = seed_text().splitlines()
    commented = []
    for line in lines:
        commented.append(line)
        choice = data.draw(st.integers(min_value=0, max_value=5))
        if choice == 0:
            commented.append("# a note added later")
        elif choice == 1:
            commented.append("")
        elif choice == 2 and line.strip() and not line.lstrip().startswith("#"):
            commented[-1] = line + "  # trailing note"
    assert content_hash(agreement_of("\n".join(commented) + "\n")) == BASE_HASH


def test_form_changes_do_not_change_the_hash() -> None:
    text = edited(
        seed_text(),
        # flow list -> block list, quoting, a default written out, an integer written as a float
        (
            "  counting_touch_types: [call, email, meeting]\n",
            "  counting_touch_types:\n    - call\n    - 'email'\n    - \"meeting\"\n",
        ),
        ("  currency: EUR\n", '  currency: "EUR"\n'),
        ("  tolerance: 0.10\n", "  tolerance: 0.1\n  rounding: each_stage\n"),
        ("  goal: 100000\n", "  goal: 100000.0\n"),
    )
    assert content_hash(agreement_of(text)) == BASE_HASH


def test_key_order_does_not_change_the_hash() -> None:
    text = seed_text()
    review = "review:\n  every_months: 6\n  next_review: 2025-07-01\n"
    swapped = "review:\n  next_review: 2025-07-01\n  every_months: 6\n"
    assert content_hash(agreement_of(edited(text, (review, swapped)))) == BASE_HASH


CONTENT_EDITS = [
    ("first_touch_within_business_hours: 24", "first_touch_within_business_hours: 23"),
    ("{name: sql, rate: 0.5", "{name: sql, rate: 0.51"),
    ("label: Autoridad", "label: Autoridad formal"),
    ("    threshold: 0.125", "    threshold: 0.12"),
    ("closed_dates: [2025-12-24, 2025-12-31]", "closed_dates: [2025-12-24]"),
    ("      route: disqualify\n", "      route: recycle\n"),
    ("  every_months: 6", "  every_months: 5"),
]


@pytest.mark.parametrize(("old", "new"), CONTENT_EDITS)
def test_any_content_change_changes_the_hash(old: str, new: str) -> None:
    assert content_hash(agreement_of(edited(seed_text(), (old, new)))) != BASE_HASH


NOW = datetime(2025, 1, 2, 10, 0, 30, 123456, tzinfo=timezone(timedelta(hours=1)))


def test_new_signature_takes_party_and_role_from_the_signatory() -> None:
    signature = new_signature(agreement_of(seed_text()), "Javier Romero", None, NOW)
    assert (signature.name, signature.role, signature.party) == (
        "Javier Romero",
        "Director Comercial",
        "sales",
    )
    assert signature.signed_at == NOW.replace(microsecond=0)
    assert signature.content_hash == BASE_HASH


def test_only_signatories_sign() -> None:
    with pytest.raises(SigningError) as raised:
        new_signature(agreement_of(seed_text()), "Pedro Gil", None, NOW)
    assert str(raised.value) == (
        "'Pedro Gil' is not a signatory of this agreement (signatories: Lucía Fernández, "
        "Javier Romero)"
    )


def test_signing_needs_an_aware_time() -> None:
    with pytest.raises(SigningError, match="time zone"):
        new_signature(agreement_of(seed_text()), "Javier Romero", None, datetime(2025, 1, 2))


def test_signing_replaces_only_the_signatures_block() -> None:
    text = seed_text()
    agreement = agreement_of(text)
    signed = add_signature(text, agreement, new_signature(agreement, "Lucía Fernández", None, NOW))
    head = text[: text.index("signatures: []")]
    assert signed.startswith(head)
    assert signed[len(head) :] == (
        "signatures:\n"
        "  - name: Lucía Fernández\n"
        "    role: Directora de Marketing\n"
        "    party: marketing\n"
        '    signed_at: "2025-01-02T10:00:30+01:00"\n'
        f'    content_hash: "{BASE_HASH}"\n'
    )


def test_signing_appends_a_block_when_there_is_none_and_keeps_what_follows() -> None:
    text = seed_text().replace("signatures: []\n", "")
    text = text.replace("schema_version: 1\n", "schema_version: 1\nsignatures: []  # sign below\n")
    text += "# the end\n"
    agreement = agreement_of(text)
    signed = add_signature(text, agreement, new_signature(agreement, "Lucía Fernández", None, NOW))
    assert signed.count("signatures:") == 1
    assert signed.endswith("# the end\n")
    assert rendered(check(signed))[0].startswith("agreement.yaml:")
    assert [line for line in rendered(check(signed)) if " error " in line] == []


def _sign(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, path: Path, *args: str
):
    return run_cli(capsys, monkeypatch, "agreement", "sign", str(path), *args)


def test_cli_sign_then_validate_then_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, seed_text())
    original = path.read_text(encoding="utf-8")
    first = _sign(capsys, monkeypatch, path, "--name", "Lucía Fernández")
    assert first.exit_code == 0, first.stderr
    assert re.fullmatch(
        rf"signed {re.escape(str(path))} as Lucía Fernández \(Directora de Marketing, marketing\) "
        rf"at \S+; content {BASE_HASH}\n",
        first.stdout,
    )
    second = _sign(capsys, monkeypatch, path, "--name", "Javier Romero", "--role", "CEO")
    assert second.exit_code == 0, second.stderr
    signed = path.read_text(encoding="utf-8")
    assert signed.startswith(original[: original.index("signatures: []")])
    assert "    role: CEO\n" in signed
    assert rendered(check(signed)) == []
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind

    changed = signed.replace(
        "first_touch_within_business_hours: 24", "first_touch_within_business_hours: 16"
    )
    path.write_text(changed, encoding="utf-8")
    result = run_cli(capsys, monkeypatch, "agreement", "validate", str(path), "--today", str(TODAY))
    assert result.exit_code == 1
    assert [line.split(": error ")[1] for line in result.stdout.splitlines()] == [
        "AGR014 signature of Lucía Fernández no longer matches the document (changed after "
        "signing)",
        "AGR014 signature of Javier Romero no longer matches the document (changed after signing)",
    ]

    # Re-signing renews one's own signature; the other one stays stale until renewed too.
    again = _sign(capsys, monkeypatch, path, "--name", "Javier Romero")
    assert again.exit_code == 0, again.stderr
    assert "AGR014 signature of Lucía Fernández no longer matches" in again.stderr
    issues = rendered(check(path.read_text(encoding="utf-8")))
    assert [issue.split(" ", 2)[2] for issue in issues] == [
        "AGR014 signature of Lucía Fernández no longer matches the document (changed after signing)"
    ]
    assert (
        path.read_text(encoding="utf-8").count("name: Javier Romero") == 2
    )  # signatory + one signature


def test_cli_sign_refuses_a_stranger_and_leaves_the_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, seed_text())
    result = _sign(capsys, monkeypatch, path, "--name", "Pedro Gil")
    assert result.exit_code == 1
    assert words(result.stderr) == (
        f"error: {path}: 'Pedro Gil' is not a signatory of this agreement (signatories: Lucía "
        "Fernández, Javier Romero)"
    )
    assert path.read_text(encoding="utf-8") == seed_text()


def test_cli_sign_refuses_a_file_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = edited(seed_text(), ("recycle_to: lead", "recycle_to: nurture"))
    path = write(tmp_path, broken)
    result = _sign(capsys, monkeypatch, path, "--name", "Javier Romero")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:") and " error AGR006 recycle stage 'nurture'" in lines[0]
    assert words(" ".join(lines[1:])) == f"error: {path}: not signed, fix the errors above first"
    assert path.read_text(encoding="utf-8") == broken


def test_the_second_example_signs_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SEED_003.read_text(encoding="utf-8"))
    for name in ("Rachel Kim", "Daniel Okafor"):
        assert _sign(capsys, monkeypatch, path, "--name", name).exit_code == 0
    assert rendered(check(path.read_text(encoding="utf-8"))) == []
