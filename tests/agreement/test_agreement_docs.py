"""The docs list exactly the codes the code defines, each rule with its own description."""

from __future__ import annotations

import re

from agreement_testkit import ROOT

from funnelpact.domain.agreement import DEFAULT_RULES, AgreementRule, SchemaCode, YamlCode

RULE_CODES_DOC = ROOT / "docs/rule-codes.md"
AGREEMENT_DOC = ROOT / "docs/agreement.md"
OWN_CODE = re.compile(r"\b(?:AGR|YML|SCH)\d{3}\b")


def _rules() -> list[AgreementRule]:
    return [rule for rule in DEFAULT_RULES if isinstance(rule, AgreementRule)]


def test_docs_list_exactly_the_defined_codes() -> None:
    text = RULE_CODES_DOC.read_text(encoding="utf-8")
    table_codes = re.findall(r"^\| ((?:AGR|YML|SCH)\d{3}) \|", text, flags=re.MULTILINE)
    defined = [rule.code for rule in _rules()] + [*YamlCode, *SchemaCode]
    assert sorted(table_codes) == sorted(defined)
    assert len(set(table_codes)) == len(table_codes)
    assert set(OWN_CODE.findall(text)) == set(defined)


def test_each_rule_row_has_its_level_and_description() -> None:
    rows = {
        line.split("|")[1].strip(): line
        for line in RULE_CODES_DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| AGR")
    }
    for rule in _rules():
        description = (type(rule).__doc__ or "").strip()
        assert description, f"{type(rule).__name__} needs a one-line docstring"
        assert rows[rule.code] == f"| {rule.code} | {rule.level} | {description} |"


def test_codes_are_unique_and_numbered_in_order() -> None:
    codes = [rule.code for rule in _rules()]
    assert codes == sorted(set(codes))


def test_agreement_doc_names_every_command_and_section() -> None:
    text = AGREEMENT_DOC.read_text(encoding="utf-8")
    for command in ("validate", "schema", "init", "diff", "sign"):
        assert f"funnelpact agreement {command}" in text
    from funnelpact.domain.agreement import Agreement

    for section in Agreement.model_fields:
        assert f"`{section}`" in text, section
