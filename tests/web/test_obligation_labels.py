"""Obligations on the dashboard's at-risk list and the lead page read as words, in the user's
language (they showed their codes: first_touch, cadence_5_in_28)."""

from __future__ import annotations

import pytest
from django.utils import translation

from funnelpact.server.web.templatetags.fp import fp_obligation


@pytest.mark.parametrize(
    ("language", "name", "words"),
    [
        ("en", "first_touch", "first touch"),
        ("en", "decision", "accept or reject"),
        ("en", "cadence_5_in_28", "5 touches in 28 days"),
        ("es", "first_touch", "primer contacto"),
        ("es", "cadence_3_in_14", "3 contactos en 14 días"),
        ("it", "decision", "accettare o rifiutare"),
        ("it", "cadence_7_in_56", "7 contatti in 56 giorni"),
        ("en", "some_new_rule", "some new rule"),
    ],
)
def test_obligation_names_read_as_words(language: str, name: str, words: str) -> None:
    with translation.override(language):
        assert fp_obligation(name) == words
