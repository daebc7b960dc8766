"""The SLA agreement: model, loader, rules, content hash and signatures, diff, JSON Schema.

Public API (see docs/agreement.md):
- `check_agreement_text(text, file, today)` -> `LoadedAgreement` (agreement or None, source
  map, every issue: shape and meaning). `load_agreement_text` does the shape part only and
  `validate(agreement, source_map, today)` the meaning part.
- `Agreement` and its parts; `Agreement.plan_spec()` is the plan to compute.
- `content_hash`, `new_signature`, `add_signature`: signing; `describe_changes`: the diff;
  `agreement_json_schema`: the JSON Schema; `label(enum_value, locale)`: the product's words
  for owner teams, routes, touch types, recipients and KPIs in en, es, it (for renderers).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from funnelpact.domain.agreement.diff import Change, describe_changes
from funnelpact.domain.agreement.labels import label, recipient_label
from funnelpact.domain.agreement.loader import LoadedAgreement, SchemaCode, load_agreement_text
from funnelpact.domain.agreement.locations import Mark, SourceMap
from funnelpact.domain.agreement.model import (
    KPI_DEFINITIONS,
    SCHEMA_VERSION,
    Agreement,
    KpiMetric,
    Locale,
    PartyTeam,
    Recipient,
    RejectionRoute,
    Signature,
    StageOwner,
)
from funnelpact.domain.agreement.rules import DEFAULT_RULES, AgreementRule, validate
from funnelpact.domain.agreement.schema import agreement_json_schema
from funnelpact.domain.agreement.signing import (
    SigningError,
    add_signature,
    content_hash,
    new_signature,
)
from funnelpact.domain.agreement.yaml_source import YamlCode


def check_agreement_text(text: str, file: str, today: date) -> LoadedAgreement:
    """Load and validate: the agreement (None if its shape is wrong) and every issue, sorted."""
    loaded = load_agreement_text(text, file)
    if loaded.agreement is None:
        return loaded
    meaning = validate(loaded.agreement, loaded.source_map, today)
    issues = sorted(
        [*loaded.issues, *meaning], key=lambda issue: (issue.line or 0, issue.column or 0)
    )
    return dataclasses.replace(loaded, issues=issues)


__all__ = [
    "DEFAULT_RULES",
    "KPI_DEFINITIONS",
    "SCHEMA_VERSION",
    "Agreement",
    "AgreementRule",
    "Change",
    "KpiMetric",
    "LoadedAgreement",
    "Locale",
    "Mark",
    "PartyTeam",
    "Recipient",
    "RejectionRoute",
    "SchemaCode",
    "Signature",
    "SigningError",
    "SourceMap",
    "StageOwner",
    "YamlCode",
    "add_signature",
    "agreement_json_schema",
    "check_agreement_text",
    "content_hash",
    "describe_changes",
    "label",
    "load_agreement_text",
    "new_signature",
    "recipient_label",
    "validate",
]
