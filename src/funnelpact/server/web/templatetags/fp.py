"""Locale formats in templates: numbers, shares, money and instants the reader's way (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone, translation

from funnelpact.i18n import Localizer, localizer

register = template.Library()


def _loc() -> Localizer:
    return localizer((translation.get_language() or "en")[:2])


def fp_int(value: int | float | Decimal | None) -> str:
    return "—" if value is None else _loc().integer(Decimal(round(value)))


def fp_num(value: float | Decimal | None, digits: int = 1) -> str:
    return "—" if value is None else _loc().number(Decimal(str(value)), digits)


def fp_pct(value: float | None) -> str:
    return "—" if value is None else _loc().percent(value)


def fp_money(value: Decimal | float | None, currency: str = "EUR") -> str:
    return "—" if value is None else _loc().money(Decimal(str(value)), currency)


def fp_date(value: date | None) -> str:
    return "—" if value is None else _loc().date(value, "medium")


def fp_datetime(value: datetime | None) -> str:
    return "—" if value is None else _loc().datetime(timezone.localtime(value))


def get(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)


for _filter in (fp_int, fp_num, fp_pct, fp_money, fp_date, fp_datetime, get):
    register.filter(_filter.__name__, _filter)
