"""Locale formats in templates: numbers, shares, money and instants the reader's way (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

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


# Obligation statuses and timeline kinds as readers of each language say them.
_LABELS = {
    "pending": gettext_lazy("pending"),
    "at_risk": gettext_lazy("at risk"),
    "met": gettext_lazy("met"),
    "breached": gettext_lazy("breached"),
    "not_applicable": gettext_lazy("not applicable"),
    "stage": gettext_lazy("stage"),
    "owner": gettext_lazy("owner"),
    "decision": gettext_lazy("decision"),
    "call": gettext_lazy("call"),
    "email": gettext_lazy("e-mail"),
    "meeting": gettext_lazy("meeting"),
    "note": gettext_lazy("note"),
    "task": gettext_lazy("task"),
    "page_view": gettext_lazy("page view"),
    "form_submission": gettext_lazy("form"),
    "content_download": gettext_lazy("download"),
}


def fp_label(value: str) -> str:
    return str(_LABELS.get(value, value.replace("_", " ")))


def get(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)


for _filter in (fp_label, fp_int, fp_num, fp_pct, fp_money, fp_date, fp_datetime, get):
    register.filter(_filter.__name__, _filter)
