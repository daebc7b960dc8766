"""Every enum value has words in every locale, so a rendered agreement is never half English."""

from __future__ import annotations

import pytest

from funnelpact.domain.agreement import KPI_DEFINITIONS, KpiMetric, Locale, StageOwner
from funnelpact.domain.agreement.labels import LABELLED_ENUMS, label, recipient_label


@pytest.mark.parametrize("locale", list(Locale))
def test_every_member_of_every_enum_has_words(locale: Locale) -> None:
    for enum in LABELLED_ENUMS:
        for member in enum:
            assert label(member, locale).strip(), (locale, member)


def test_locales_say_different_things_for_the_same_value() -> None:
    assert [label(StageOwner.SHARED, locale) for locale in Locale] == [
        "Shared",
        "Compartida",
        "Condivisa",
    ]


def test_english_kpi_words_match_the_kpi_definitions() -> None:
    for metric in KpiMetric:
        assert label(metric) == KPI_DEFINITIONS[metric].label


def test_recipients_are_words_or_addresses() -> None:
    assert recipient_label("lead_owner_manager", Locale.IT) == "Il capo del responsabile del lead"
    assert recipient_label("revops@example.com", Locale.ES) == "revops@example.com"
