"""Locale formats (Babel) and translations (the gettext catalogs) of funnelpact.i18n."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnelpact.errors import InputError
from funnelpact.i18n import Language, language_of, localizer


@pytest.mark.parametrize(
    ("language", "euros", "dollars"),
    [
        ("en", "€1,234.56", "$1,234.56"),
        ("es", "1.234,56 €", "1.234,56 US$"),
        ("it", "1.234,56 €", "1.234,56 USD"),
    ],
)
def test_money_is_written_the_local_way(language: str, euros: str, dollars: str) -> None:
    words = localizer(language)
    assert words.money(Decimal("1234.56"), "EUR").replace("\xa0", " ") == euros
    assert words.money(Decimal("1234.56"), "USD").replace("\xa0", " ") == dollars


def test_whole_amounts_drop_the_cents_unless_asked() -> None:
    words = localizer(Language.ES)
    assert words.money(100000, "EUR").replace("\xa0", " ") == "100.000 €"
    assert words.money(100000, "EUR", cents=True).replace("\xa0", " ") == "100.000,00 €"
    assert words.money(Decimal("153.6098"), "EUR").replace("\xa0", " ") == "153,61 €"


@pytest.mark.parametrize(
    ("language", "integer", "number", "share", "long_date"),
    [
        ("en", "3,900", "16.7", "12.5%", "July 1, 2025"),
        ("es", "3.900", "16,7", "12,5 %", "1 de julio de 2025"),
        ("it", "3.900", "16,7", "12,5%", "1 luglio 2025"),
    ],
)
def test_numbers_percents_and_dates(
    language: str, integer: str, number: str, share: str, long_date: str
) -> None:
    words = localizer(language)
    assert words.integer(3900) == integer
    assert words.number(Decimal("16.666")) == number
    assert words.percent(Decimal("0.125")).replace("\xa0", " ") == share
    assert words.date(date(2025, 7, 1)) == long_date


def test_instants_carry_their_offset() -> None:
    from datetime import datetime, timedelta, timezone

    instant = datetime(2025, 1, 10, 17, 45, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert localizer("en").datetime(instant) == "Jan 10, 2025 17:45 UTC-05:00"
    assert localizer("it").datetime(instant) == "10 gen 2025 17:45 UTC-05:00"


def test_rounding_is_half_up_as_on_paper() -> None:
    words = localizer(Language.EN)
    assert words.number(Decimal("0.25"), 1) == "0.3"  # Python's round() would give 0.2
    assert words.integer(Decimal("2.5")) == "3"
    assert words.number(Decimal("16"), 1, fixed=False) == "16"


@pytest.mark.parametrize(
    ("language", "joined", "monday"),
    [("en", "a, b, and c", "Monday"), ("es", "a, b y c", "lunes"), ("it", "a, b e c", "lunedì")],
)
def test_lists_and_weekdays(language: str, joined: str, monday: str) -> None:
    words = localizer(language)
    assert words.join(["a", "b", "c"]) == joined
    assert words.weekday(0) == monday
    assert words.join([]) == ""


def test_gettext_translates_and_english_is_the_source() -> None:
    assert localizer("es").gettext("Plan and targets") == "Plan y objetivos"
    assert localizer("it").gettext("Plan and targets") == "Piano e obiettivi"
    assert localizer("en").gettext("Plan and targets") == "Plan and targets"


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("en", "1 business hour", "24 business hours"),
        ("es", "1 hora laborable", "24 horas laborables"),
        ("it", "1 ora lavorativa", "24 ore lavorative"),
    ],
)
def test_plural_forms(language: str, one: str, many: str) -> None:
    words = localizer(language)
    for count, expected in ((1, one), (24, many)):
        form = words.ngettext("%(count)s business hour", "%(count)s business hours", count)
        assert form % {"count": count} == expected


@pytest.mark.parametrize("text", ["es", "es_ES", "es-ES", " ES "])
def test_language_of_accepts_regional_codes(text: str) -> None:
    assert language_of(text) is Language.ES


def test_unsupported_language_is_a_clear_error() -> None:
    with pytest.raises(
        InputError, match=r"language 'fr' is not supported \(supported: en, es, it\)"
    ):
        language_of("fr")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(list(Language)))
def test_integer_reads_back_as_the_same_number(value: int, language: Language) -> None:
    text = localizer(language).integer(value)
    separator = "," if language is Language.EN else "."
    assert re.fullmatch(rf"-?\d{{1,3}}(\{separator}\d{{3}})*", text)
    assert int(text.replace(separator, "")) == value


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    st.sampled_from(list(Language)),
)
def test_money_shows_cents_exactly_when_there_are_some(amount: Decimal, language: Language) -> None:
    text = localizer(language).money(amount, "EUR")
    decimal_mark = "." if language is Language.EN else ","
    digits = re.sub(r"[^\d" + re.escape(decimal_mark) + "]", "", text)
    has_cents = amount != amount.to_integral_value()
    assert (decimal_mark in digits) is has_cents
    assert Decimal(digits.replace(decimal_mark, ".")) == amount
