"""Every rule: a broken file (the seed 000 example with one edit) and the exact message.

Locations are computed from the edited text (the line and column where the named fragment
starts), so a test says *where* the problem is reported, not just that it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from agreement_testkit import TODAY, at, check, edited, rendered, seed_text

from funnelpact.domain.agreement import (
    DEFAULT_RULES,
    AgreementRule,
    add_signature,
    new_signature,
)
from funnelpact.domain.agreement.signing import with_signatures
from funnelpact.domain.errors import Level

STAGES = "prospect, lead, mql, sql, opportunity, customer"


@dataclass(frozen=True)
class Expected:
    fragment: str  # where the issue points: the first character of this text...
    message: str
    occurrence: int = 1  # ...in its n-th occurrence


@dataclass(frozen=True)
class Case:
    code: str
    edits: tuple[tuple[str, str], ...]
    expected: tuple[Expected, ...]
    today: date = TODAY


CASES: dict[str, Case] = {
    "duplicate stage": Case(
        "AGR001",
        (
            (
                "      definition: Firmó el contrato.\n",
                "      definition: Firmó el contrato.\n    - name: customer\n      label: Otra"
                "\n      owner: sales\n      definition: Duplicado.\n",
            ),
        ),
        (Expected("name: customer", "stage 'customer' is defined twice (first as stage 6)", 2),),
    ),
    "stage without owner": Case(
        "AGR002",
        (("      label: Prospecto\n      owner: marketing\n", "      label: Prospecto\n"),),
        (
            Expected(
                "name: prospect",
                "stage 'prospect' has no owner: set owner to marketing, shared or sales",
            ),
        ),
    ),
    "stages out of funnel order": Case(
        "AGR003",
        (
            (
                "      label: Oportunidad\n      owner: sales",
                "      label: Oportunidad\n      owner: marketing",
            ),
        ),
        (
            Expected(
                "owner: marketing",
                "stage 'opportunity' (owner marketing) comes after 'sql' (owner shared): list "
                "stages from the top of the funnel, marketing's first, then shared, then sales'",
                3,
            ),
        ),
    ),
    "plan stage not in the lifecycle": Case(
        "AGR004",
        (("{name: prospect, rate: 0.5", "{name: visitor, rate: 0.5"),),
        (
            Expected(
                "name: visitor",
                f"plan stage 'visitor' is not a lifecycle stage (stages: {STAGES})",
            ),
        ),
    ),
    "plan stages in another order": Case(
        "AGR004",
        (
            (
                "{name: prospect, rate: 0.5, label: Prospectos}\n    - {name: lead, rate: 0.5, "
                "label: Leads}",
                "{name: lead, rate: 0.5, label: Leads}\n    - {name: prospect, rate: 0.5, "
                "label: Prospectos}",
            ),
        ),
        (
            Expected(
                "name: prospect, rate",
                "plan stage 'prospect' comes after 'lead' in the plan but before it in the "
                "lifecycle: keep the same order",
            ),
        ),
    ),
    "hand-off stage unknown": Case(
        "AGR005",
        (("handoff:\n  stage: mql", "handoff:\n  stage: mqls"),),
        (
            Expected(
                "stage: mqls", f"hand-off stage 'mqls' is not a lifecycle stage (stages: {STAGES})"
            ),
        ),
    ),
    "recycle stage unknown": Case(
        "AGR006",
        (("recycle_to: lead", "recycle_to: nurture"),),
        (
            Expected(
                "recycle_to: nurture",
                f"recycle stage 'nurture' is not a lifecycle stage (stages: {STAGES})",
            ),
        ),
    ),
    "recycle stage after the hand-off": Case(
        "AGR006",
        (("recycle_to: lead", "recycle_to: sql"),),
        (
            Expected(
                "recycle_to: sql",
                "recycled leads go to 'sql', which is not before the hand-off stage 'mql': "
                "recycling sends a lead back to marketing's nurture",
            ),
        ),
    ),
    "disqualified stage inside the lifecycle": Case(
        "AGR026",
        (("  recycle_to: lead\n", "  recycle_to: lead\n  disqualified_stage: customer\n"),),
        (
            Expected(
                "disqualified_stage: customer",
                "disqualified leads go to 'customer', a lifecycle stage: a disqualified lead "
                "leaves the funnel, so name a stage outside the lifecycle (e.g. disqualified)",
            ),
        ),
    ),
    "qualification stage unknown": Case(
        "AGR007",
        (("  qualification:\n    stage: sql", "  qualification:\n    stage: qualified"),),
        (
            Expected(
                "stage: qualified",
                f"qualification stage 'qualified' is not a lifecycle stage (stages: {STAGES})",
            ),
        ),
    ),
    "qualification criterion twice": Case(
        "AGR007",
        (("      - key: fit", "      - key: need"),),
        (Expected("key: need", "qualification criterion 'need' is listed twice", 2),),
    ),
    "hand-off of a sales stage": Case(
        "AGR008",
        (("handoff:\n  stage: mql", "handoff:\n  stage: opportunity"),),
        (
            Expected(
                "stage: opportunity",
                "the hand-off stage 'opportunity' is owned by sales: marketing usually hands "
                "over a stage it owns or shares (e.g. mql)",
            ),
        ),
    ),
    "recycled into a shared stage": Case(
        "AGR008",
        (
            ("handoff:\n  stage: mql", "handoff:\n  stage: sql"),
            ("recycle_to: lead", "recycle_to: mql"),
        ),
        (
            Expected(
                "recycle_to: mql",
                "recycled leads go to 'mql', owned by shared: nurture is marketing's, so recycle "
                "to a stage marketing owns",
            ),
        ),
    ),
    "cadence that does not grow": Case(
        "AGR009",
        (("{touches: 5, within_days: 28}", "{touches: 5, within_days: 14}"),),
        (
            Expected(
                "{touches: 5, within_days: 14}",
                "follow-up step 2 (5 touches within 14 days) must ask for more touches in more "
                "days than step 1 (3 touches within 14 days)",
            ),
        ),
    ),
    "contact activity counted as a touch": Case(
        "AGR010",
        (("[call, email, meeting]", "[call, email, page_view]"),),
        (
            Expected(
                "page_view",
                "page_view is something the contact does, not a sales touch: it cannot count "
                "toward the follow-up protocol",
            ),
        ),
    ),
    "rejection reason twice": Case(
        "AGR011",
        (("    - code: unreachable", "    - code: no_need"),),
        (Expected("code: no_need", "rejection reason 'no_need' is listed twice", 2),),
    ),
    "party id twice": Case(
        "AGR012",
        (("    - id: sales\n", "    - id: marketing\n"),),
        (Expected("id: marketing", "party id 'marketing' is used twice", 2),),
    ),
    "no sales party": Case(
        "AGR012",
        (("      team: sales", "      team: marketing"),),
        (
            Expected("parties:", "the agreement binds exactly one marketing party, found 2"),
            Expected("parties:", "the agreement binds exactly one sales party, found 0"),
        ),
    ),
    "signatory of no party": Case(
        "AGR013",
        (("      party: sales\n", "      party: finance\n"),),
        (
            Expected(
                "party: finance",
                "signatory 'Javier Romero' signs for 'finance', which is not a party (parties: "
                "marketing, sales)",
            ),
        ),
    ),
    "signatory listed twice": Case(
        "AGR013",
        (
            (
                "  signatories:\n",
                "  signatories:\n    - name: Javier Romero\n      role: CEO\n      party: sales\n",
            ),
        ),
        (Expected("name: Javier Romero", "signatory 'Javier Romero' is listed twice", 2),),
    ),
    "effective dates reversed": Case(
        "AGR017",
        (("effective_to: 2025-12-31", "effective_to: 2024-12-31"),),
        (Expected("effective_to:", "effective_to 2024-12-31 is before effective_from 2025-01-01"),),
    ),
    "review date past": Case(
        "AGR018",
        (),
        (
            Expected(
                "next_review:",
                "the review due on 2025-07-01 is past (today is 2025-07-02): review the agreement "
                "with actual data and set the next date",
            ),
        ),
        today=date(2025, 7, 2),
    ),
    "review beyond the cadence": Case(
        "AGR019",
        (("next_review: 2025-07-01", "next_review: 2025-08-01"),),
        (
            Expected(
                "next_review:",
                "next review 2025-08-01 is more than 6 months after the agreement took effect "
                "(2025-01-01); review by 2025-07-01",
            ),
        ),
    ),
    "rate threshold above 1": Case(
        "AGR020",
        (("    threshold: 0.5\n", "    threshold: 1.5\n"),),
        (
            Expected(
                "threshold: 1.5",
                "mql_to_sql_rate threshold 1.5 must be a share in (0, 1], e.g. 0.5 for 50%",
            ),
        ),
    ),
    "hours threshold of 0": Case(
        "AGR020",
        (("    threshold: 40\n", "    threshold: 0\n"),),
        (Expected("threshold: 0", "mql_to_sql_hours threshold 0 must be above 0", 2),),
    ),
    "KPI twice": Case(
        "AGR021",
        (("  - metric: touches_per_sql", "  - metric: mql_to_sql_hours"),),
        (Expected("metric: mql_to_sql_hours", "KPI mql_to_sql_hours is listed twice", 2),),
    ),
    "unknown recipient": Case(
        "AGR022",
        (("    notify: [sales_owner]\n", "    notify: [sales_boss]\n"),),
        (
            Expected(
                "sales_boss",
                "unknown recipient 'sales_boss': use one of lead_owner, lead_owner_manager, "
                "sales_owner, marketing_owner or an e-mail address",
            ),
        ),
    ),
    "at-risk share of 1": Case(
        "AGR023",
        (("at_risk_share: 0.75", "at_risk_share: 1"),),
        (
            Expected(
                "at_risk_share:",
                "at_risk_share 1 must be between 0 and 1 (0.75: at risk once three quarters of "
                "the time is gone)",
            ),
        ),
    ),
    "plan currency typed twice": Case(
        "AGR024",
        (("  goal: 100000\n", "  goal: 100000\n  currency: USD\n"),),
        (
            Expected(
                "currency: USD",
                "plan currency USD differs from the agreement's EUR: leave it out to use the "
                "agreement's",
            ),
        ),
    ),
    "required attempts typed twice": Case(
        "AGR025",
        (
            (
                "    minutes_per_attempt: 15\n",
                "    minutes_per_attempt: 15\n    required_attempts: [3, 5, 8]\n",
            ),
        ),
        (
            Expected(
                "required_attempts:",
                "required attempts 3, 5, 8 differ from the protocol's cadence (3, 5, 7 touches): "
                "leave them out to use the protocol's",
            ),
        ),
    ),
    "plan rate out of range (the planner's rule)": Case(
        "PLAN023",
        (("{name: sql, rate: 0.5", "{name: sql, rate: 1.5"),),
        (Expected("rate: 1.5", "conversion rate 1.5 is outside (0, 1]; write 25% as 0.25"),),
    ),
    "unknown time zone (the calendar's rule)": Case(
        "CAL002",
        (("timezone: Europe/Madrid", "timezone: Europe/Madird"),),
        (
            Expected(
                "timezone:",
                "unknown time zone 'Europe/Madird' (use an IANA name such as Europe/Madrid)",
            ),
        ),
    ),
    "unknown holiday country (the calendar's rule)": Case(
        "CAL003",
        (("country: ES", "country: XX"),),
        (
            Expected(
                "country: XX", "unknown holiday country 'XX' (use an ISO code such as ES, IT, US)"
            ),
        ),
    ),
}


def _level_of(code: str) -> Level:
    for rule in DEFAULT_RULES:
        if isinstance(rule, AgreementRule) and rule.code == code:
            return rule.level
    return Level.ERROR  # the planner's and the calendar's codes used here are errors


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_rule_reports_the_exact_message_at_the_right_place(case: Case) -> None:
    text = edited(seed_text(), *case.edits)
    lines = rendered(check(text, today=case.today))
    level = _level_of(case.code)
    expected = [
        f"agreement.yaml:{at(text, e.fragment, e.occurrence)}: {level} {case.code} {e.message}"
        for e in case.expected
    ]
    assert [line for line in lines if f" {case.code} " in line] == expected


def test_every_rule_has_a_case_here() -> None:
    tested = {case.code for case in CASES.values()}
    # Signature rules are tested below with signed documents.
    tested |= {"AGR014", "AGR015", "AGR016"}
    codes = {rule.code for rule in DEFAULT_RULES if isinstance(rule, AgreementRule)}
    assert codes <= tested


def test_the_seed_example_is_clean_but_unsigned() -> None:
    text = seed_text()
    lines = rendered(check(text))
    assert lines == [
        f"agreement.yaml:{at(text, 'name: Lucía Fernández')}: warning AGR016 not signed yet by "
        "Lucía Fernández (marketing): funnelpact agreement sign FILE --name 'Lucía Fernández'",
        f"agreement.yaml:{at(text, 'name: Javier Romero')}: warning AGR016 not signed yet by "
        "Javier Romero (sales): funnelpact agreement sign FILE --name 'Javier Romero'",
    ]


NOW = datetime(2025, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))


def _signed_by_lucia() -> str:
    text = seed_text()
    loaded = check(text)
    assert loaded.agreement is not None
    signature = new_signature(loaded.agreement, "Lucía Fernández", None, NOW)
    return add_signature(text, loaded.agreement, signature)


def test_a_change_after_signing_invalidates_the_signature() -> None:
    signed = _signed_by_lucia()
    assert [line for line in rendered(check(signed)) if " AGR014 " in line] == []
    changed = edited(
        signed, ("first_touch_within_business_hours: 24", "first_touch_within_business_hours: 16")
    )
    assert [line for line in rendered(check(changed)) if " AGR014 " in line] == [
        f"agreement.yaml:{at(changed, 'content_hash:')}: error AGR014 signature of Lucía "
        "Fernández no longer matches the document (changed after signing)"
    ]


def test_signature_by_someone_who_is_not_a_signatory() -> None:
    signed = _signed_by_lucia()
    forged = edited(
        signed, ("  - name: Lucía Fernández\n    role:", "  - name: Pedro Gil\n    role:")
    )
    assert [line for line in rendered(check(forged)) if " AGR015 " in line] == [
        f"agreement.yaml:{at(forged, 'name: Pedro Gil')}: error AGR015 'Pedro Gil' signed but "
        "is not a signatory (signatories: Lucía Fernández, Javier Romero)"
    ]


def test_signature_for_the_wrong_party() -> None:
    signed = _signed_by_lucia()
    wrong = edited(
        signed, ("    party: marketing\n    signed_at", "    party: sales\n    signed_at")
    )
    assert [line for line in rendered(check(wrong)) if " AGR015 " in line] == [
        f"agreement.yaml:{at(wrong, 'party: sales', 2)}: error AGR015 'Lucía Fernández' signed "
        "for 'sales' but signs for 'marketing'"
    ]


def test_the_same_person_signing_twice() -> None:
    loaded = check(seed_text())
    assert loaded.agreement is not None
    signature = new_signature(loaded.agreement, "Lucía Fernández", None, NOW)
    twice = with_signatures(seed_text(), (signature, signature))
    assert [line for line in rendered(check(twice)) if " AGR015 " in line] == [
        f"agreement.yaml:{at(twice, 'name: Lucía Fernández', 3)}: error AGR015 'Lucía "
        "Fernández' signed twice"
    ]


def test_signed_by_everyone_means_no_unsigned_warning() -> None:
    text = _signed_by_lucia()
    loaded = check(text)
    assert loaded.agreement is not None
    signature = new_signature(loaded.agreement, "Javier Romero", "CEO", NOW)
    both = add_signature(text, loaded.agreement, signature)
    assert rendered(check(both)) == []
