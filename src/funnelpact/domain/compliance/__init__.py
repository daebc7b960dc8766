"""Compliance semantics of the SLA: every hand-off's obligations and their status at an instant.

The contract is docs/compliance.md. Public API: `ComplianceRules` (and `rules_from_agreement`),
`Timeline`, `evaluate` (the reference evaluator; `evaluate_seconds` gives the same obligations
in epoch seconds, `ObligationSeconds`), `next_change_at`, and the result values
`LeadCompliance`, `Obligation`, `Status`, `ObligationKind`, `StopReason`.
"""

from funnelpact.domain.compliance.evaluate import (
    ObligationSeconds,
    epoch_seconds,
    evaluate,
    evaluate_seconds,
    from_epoch_seconds,
    next_change_at,
)
from funnelpact.domain.compliance.obligations import (
    LeadCompliance,
    Obligation,
    ObligationKind,
    Status,
    StopReason,
)
from funnelpact.domain.compliance.rules import (
    CadenceRule,
    ComplianceCode,
    ComplianceRules,
    rules_from_agreement,
)
from funnelpact.domain.compliance.timeline import Timeline

__all__ = [
    "CadenceRule",
    "ComplianceCode",
    "ComplianceRules",
    "LeadCompliance",
    "Obligation",
    "ObligationKind",
    "ObligationSeconds",
    "Status",
    "StopReason",
    "Timeline",
    "epoch_seconds",
    "evaluate",
    "evaluate_seconds",
    "from_epoch_seconds",
    "next_change_at",
    "rules_from_agreement",
]
