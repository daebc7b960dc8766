"""Parts the two examples do not have: revenue streams, open-ended dates, singular counts, no
public holidays, no digest, no KPIs. Every language renders them with nothing left unfilled."""

from __future__ import annotations

from datetime import date

import pytest
from rendering_testkit import SEED_000, markdown_row, plan_of

from funnelpact.domain.agreement import Agreement, check_agreement_text
from funnelpact.i18n import Language, localizer
from funnelpact.rendering import OutputFormat, render_agreement


def _edited(*replacements: tuple[str, str]) -> Agreement:
    text = SEED_000.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    loaded = check_agreement_text(text, "variant.yaml", date(2025, 1, 2))
    assert loaded.agreement is not None and not loaded.has_errors, [
        issue.render() for issue in loaded.issues
    ]
    return loaded.agreement


STREAMS = (
    "  rounding: each_stage\n",
    "  rounding: each_stage\n"
    "  streams:\n"
    "    - {name: smb, share: 0.6, label: Pymes}\n"
    "    - {name: enterprise, share: 0.4, deal_size: 5000, label: Grandes cuentas,"
    " rates: {opportunity: 0.3}}\n",
)
SPARSE = (
    ("  effective_to: 2025-12-31\n", ""),
    ("    enabled: true\n", "    enabled: false\n"),
    ("  public_holidays:\n    country: ES\n    subdivision: MD\n", ""),
    ("  first_touch_within_business_hours: 24\n", "  first_touch_within_business_hours: 1\n"),
    (
        "    - {touches: 3, within_days: 14}\n"
        "    - {touches: 5, within_days: 28}\n"
        "    - {touches: 7, within_days: 56}\n"
        "  counting_touch_types: [call, email, meeting]",
        "    - {touches: 1, within_days: 1}\n  counting_touch_types: [call]",
    ),
    ("  every_months: 6\n", "  every_months: 1\n"),
)


def _markdown(agreement: Agreement, language: Language) -> str:
    markdown = render_agreement(agreement, OutputFormat.MD, language)
    assert isinstance(markdown, str)
    return markdown


@pytest.mark.parametrize("language", list(Language))
def test_every_variant_renders_fully_in_every_language(language: Language) -> None:
    for agreement in (_edited(STREAMS), _edited(*SPARSE)):
        for output_format in (OutputFormat.MD, OutputFormat.HTML):
            text = render_agreement(agreement, output_format, language)
            assert isinstance(text, str)
            assert "%(" not in text and "%s" not in text  # every placeholder was filled
            assert "None" not in text


def test_streams_get_their_own_targets_and_reps() -> None:
    agreement = _edited(STREAMS)
    plan = plan_of(agreement)
    words = localizer(Language.ES)
    markdown = _markdown(agreement, Language.ES)
    section = markdown[markdown.index("### Objetivos por línea de ingresos") :]
    assert [funnel.label for funnel in plan.streams] == ["Pymes", "Grandes cuentas"]
    for funnel in plan.streams:
        caption = f"**{funnel.label}: "
        assert caption in section
        for stage in funnel.stages:
            assert markdown_row(section, stage.label, after=caption)[2] == words.integer(
                stage.needed
            )
    assert plan.capacity is not None
    for need in plan.capacity.streams:
        label = {"smb": "Pymes", "enterprise": "Grandes cuentas"}[need.stream]
        cells = markdown_row(markdown, label, after="**Comerciales necesarios**")
        assert cells[-1] == words.integer(need.reps_needed_rounded)


def test_singular_forms_and_missing_parts_read_naturally() -> None:
    markdown = _markdown(_edited(*SPARSE), Language.EN)
    assert (
        "**Sales makes the first touch within 1 business hour of the hand-off. Then at least "
        "1 touch within 1 day. Calls count; automated emails and sequences do not.**"
    ) in markdown
    assert "The agreement is reviewed every month with the actual data" in markdown
    assert "- **In force:** from January 1, 2025, open-ended" in markdown
    assert (
        "Business time runs in the Europe/Madrid time zone, Monday to Friday, 09:00–14:00 and "
        "15:00–18:00. The company's own closed dates are not business time."
    ) in markdown
    assert "Public holidays" not in markdown
    assert "Daily digest" not in markdown
    italian = _markdown(_edited(*SPARSE), Language.IT)
    assert "Le vendite fanno il primo contatto entro 1 ora lavorativa dal passaggio." in italian
    assert "Poi almeno 1 contatto entro 1 giorno. Contano chiamate;" in italian


def test_an_agreement_without_kpis_says_so() -> None:
    text = SEED_000.read_text(encoding="utf-8")
    start, end = text.index("kpis:\n"), text.index("# Paso 7")
    loaded = check_agreement_text(text[:start] + text[end:], "nokpi.yaml", date(2025, 1, 2))
    assert loaded.agreement is not None and not loaded.agreement.kpis
    markdown = _markdown(loaded.agreement, Language.ES)
    assert "> Este acuerdo aún no vigila ningún KPI." in markdown
