"""docs/compliance.md is the contract: every code, status, reason and column is in it."""

from __future__ import annotations

from compliance_testkit import EXAMPLES_DIR

from funnelpact.analytics.compliance import OBLIGATION_COLUMNS
from funnelpact.domain.compliance import ComplianceCode, ObligationKind, Status, StopReason

DOC = (EXAMPLES_DIR.parent / "docs" / "compliance.md").read_text(encoding="utf-8")


def test_every_code_status_reason_and_kind_is_documented() -> None:
    missing = [str(code) for code in ComplianceCode if f"| {code} |" not in DOC]
    missing += [
        str(value) for value in (*Status, *StopReason, *ObligationKind) if f"`{value}`" not in DOC
    ]
    assert missing == []


def test_every_column_of_the_twin_is_documented() -> None:
    assert [column for column in OBLIGATION_COLUMNS if f"`{column}`" not in DOC] == []
