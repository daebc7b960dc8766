"""Languages: gettext catalogs for fixed texts and Babel for numbers, money, percents and dates.

The catalogs are Django's (``funnelpact/locale/<lang>/LC_MESSAGES/django.po`` and its compiled
``django.mo``), so the CLI, the rendered documents and the web pages share one translation of
every sentence. English is the source language: it has no catalog, the msgids are the English.

Public API:
- `Language` (en, es, it) and `language_of(text)`: a supported language or an `InputError`.
- `localizer(language)` -> `Localizer`: ``gettext``/``ngettext`` plus locale formats
  (``integer``, ``number``, ``money``, ``percent``, ``date``, ``datetime``, ``weekday``,
  ``join``, ``country``).
- `N_(message)`: marks a msgid for extraction where the translation happens later.
- `LOCALE_DIR`, `CATALOG_DOMAIN`: where the catalogs are (tools/compile_messages.py builds them).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Final, Literal

import babel
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers

from funnelpact.errors import InputError

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
CATALOG_DOMAIN: Final = "django"  # the same files Django's LOCALE_PATHS reads


class Language(StrEnum):
    """A language funnelpact speaks to its users."""

    EN = "en"
    ES = "es"
    IT = "it"


SOURCE_LANGUAGE: Final = Language.EN
TRANSLATED_LANGUAGES: Final = tuple(
    language for language in Language if language != SOURCE_LANGUAGE
)


def N_(message: str) -> str:  # noqa: N802 (the conventional gettext marker name)
    """Mark ``message`` for extraction without translating it now (translated where shown)."""
    return message


def language_of(text: str) -> Language:
    """``"es"``, ``"es_ES"`` or ``"es-ES"`` -> `Language.ES`; an `InputError` when unsupported."""
    code = text.strip().replace("-", "_").split("_")[0].lower()
    try:
        return Language(code)
    except ValueError:
        known = ", ".join(language.value for language in Language)
        raise InputError(f"language {text!r} is not supported (supported: {known})") from None


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the msgids themselves)."""
    if language is SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    catalog = LOCALE_DIR / language.value / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.mo"
    try:
        with catalog.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    except OSError as exc:
        # A broken install, not a user mistake; still a message instead of a traceback.
        raise InputError(
            f"{catalog}: translation catalog missing ({exc.strerror}); "
            "run: uv run python tools/compile_messages.py"
        ) from None


_FRACTION_STEP = {digits: Decimal(1).scaleb(-digits) for digits in range(7)}


def _rounded(value: Decimal | int | float, digits: int) -> Decimal:
    # Half up, as people round on paper (Python's default is half to even).
    return Decimal(str(value)).quantize(_FRACTION_STEP[digits], rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Localizer:
    """Translates fixed texts and formats values the way readers of ``language`` expect."""

    language: Language
    catalog: gettext.NullTranslations = field(repr=False, compare=False)

    @property
    def babel_locale(self) -> babel.Locale:
        return babel.Locale.parse(self.language.value)

    # --- texts ------------------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int | Decimal) -> str:
        """The form for ``count``; a fractional count (2.5 touches) takes the plural."""
        whole = int(count) if count == int(count) else 2
        return self.catalog.ngettext(singular, plural, whole)

    # --- numbers ----------------------------------------------------------------------------

    def integer(self, value: int | Decimal) -> str:
        """3900 -> '3,900' (en), '3.900' (es, it)."""
        return babel_numbers.format_decimal(
            _rounded(value, 0), format="#,##0", locale=self.language.value
        )

    def number(self, value: Decimal | int | float, digits: int = 1, *, fixed: bool = True) -> str:
        """16.666 -> '16.7' (en), '16,7' (es).

        ``fixed=False`` drops trailing zeros: 16 rather than 16.0.
        """
        pattern = "#,##0." + ("0" if fixed else "#") * digits if digits else "#,##0"
        return babel_numbers.format_decimal(
            _rounded(value, digits), format=pattern, locale=self.language.value
        )

    def money(self, amount: Decimal | int, currency: str, *, cents: bool | None = None) -> str:
        """1234.56 EUR -> '€1,234.56' (en), '1.234,56 €' (es, it).

        ``cents=None`` shows cents only when the amount has some (100.000 € but 153,61 €).
        """
        value = Decimal(amount)
        show_cents = value != value.to_integral_value() if cents is None else cents
        pattern = babel_numbers.parse_pattern(
            self.babel_locale.currency_formats["standard"].pattern
        )
        digits = 2 if show_cents else 0
        pattern.frac_prec = (digits, digits)
        text: str = pattern.apply(
            _rounded(value, digits),
            self.babel_locale,
            currency=currency,
            currency_digits=False,
        )
        return text

    def percent(self, share: Decimal | float, digits: int = 1) -> str:
        """0.34 -> '34%' (en, it), '34 %' (es); 0.125 -> '12.5%'; at most ``digits`` decimals."""
        value = _rounded(Decimal(str(share)) * 100, digits) / 100
        return babel_numbers.format_percent(
            value.normalize(), locale=self.language.value, decimal_quantization=False
        )

    # --- dates ------------------------------------------------------------------------------

    def date(self, day: date, style: str = "long") -> str:
        """2025-07-01 -> 'July 1, 2025' (en), '1 de julio de 2025' (es), '1 luglio 2025' (it)."""
        return babel_dates.format_date(day, format=style, locale=self.language.value)

    def datetime(self, instant: datetime) -> str:
        """An aware instant in its own offset: 'Jan 10, 2025 17:45 UTC+01:00' (en).

        The offset is written out because a signing time must be unambiguous on paper.
        """
        offset = instant.strftime("%z")
        zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
        return f"{self.date(instant.date(), 'medium')} {instant.strftime('%H:%M')} {zone}"

    def time(self, moment: time) -> str:
        """A wall-clock time as 24-hour HH:MM, the way SLA hours are written in every language."""
        return moment.strftime("%H:%M")

    def weekday(self, number: int) -> str:
        """0 -> 'Monday' / 'lunes' / 'lunedì' (the form used inside a sentence)."""
        name: str = self.babel_locale.days["format"]["wide"][number]
        return name

    def join(self, items: list[str], style: Literal["standard", "or"] = "standard") -> str:
        """['a', 'b', 'c'] -> 'a, b, and c' (en) / 'a, b y c' (es) / 'a, b e c' (it).

        ``style='or'`` joins with 'or' / 'o' / 'o'.
        """
        if not items:
            return ""
        return babel_lists.format_list(items, style=style, locale=self.language.value)

    def currency_name(self, code: str) -> str:
        """'EUR' -> 'EUR (Euro)' / 'EUR (euro)'."""
        name = babel_numbers.get_currency_name(code, locale=self.language.value)
        return code if name == code else f"{code} ({name})"

    def language_name(self, code: str) -> str:
        """'es' -> 'Spanish' / 'español' / 'spagnolo'."""
        name: str | None = self.babel_locale.languages.get(code)
        return name or code

    def country(self, code: str) -> str:
        """'ES' -> 'Spain' / 'España' / 'Spagna'; an unknown code is shown as it is."""
        name: str | None = self.babel_locale.territories.get(code.upper())
        return name or code


@cache
def localizer(language: Language | str) -> Localizer:
    """The `Localizer` of a language (cached: catalogs are read once per process)."""
    chosen = language if isinstance(language, Language) else language_of(language)
    return Localizer(chosen, translations(chosen))
