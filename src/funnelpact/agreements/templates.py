"""`funnelpact agreement init`: the commented starting file, in English, Spanish or Italian.

The templates are data next to the model (`funnelpact/domain/agreement/templates/`); this
module reads and fills them (the domain does no I/O). Only dates, the currency and the file
name are filled in, so each template reads as the file the user gets.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import jinja2

from funnelpact.domain.agreement import Locale
from funnelpact.domain.agreement.rules import add_months
from funnelpact.errors import InputError

DEFAULT_CURRENCY: dict[Locale, str] = {Locale.EN: "USD", Locale.ES: "EUR", Locale.IT: "EUR"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def template_text(locale: Locale) -> str:
    folder = resources.files("funnelpact.domain.agreement").joinpath("templates")
    return folder.joinpath(f"agreement.{locale.value}.yaml.j2").read_text(encoding="utf-8")


def starting_dates(today: date) -> tuple[date, date, date]:
    """Effective from the first day of next month, for a year; first review 6 months in."""
    start = add_months(today.replace(day=1), 1)
    end = date.fromordinal(add_months(start, 12).toordinal() - 1)
    return start, end, add_months(start, 6)


def render_init(
    locale: Locale,
    today: date,
    *,
    currency: str | None = None,
    file_name: str = "agreement.yaml",
) -> str:
    """The starting agreement text; it validates without errors as it comes."""
    code = (currency or DEFAULT_CURRENCY[locale]).upper()
    if not _CURRENCY.match(code):
        raise InputError(f"--currency {currency!r}: expected a three-letter ISO 4217 code like EUR")
    start, end, review = starting_dates(today)
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    template = environment.from_string(template_text(locale))
    return template.render(
        effective_from=start.isoformat(),
        effective_to=end.isoformat(),
        next_review=review.isoformat(),
        year=start.year,
        currency=code,
        file_name=file_name,
    )
