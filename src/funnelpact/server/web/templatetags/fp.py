"""Locale formats in templates: numbers, shares, money and instants the reader's way (Babel)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from funnelpact.i18n import Localizer, localizer
from funnelpact.reports.texts import source_name

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
    # Roles, team kinds, alert channel kinds (Settings page, page header).
    "admin": gettext_lazy("admin (RevOps)"),
    "marketing": gettext_lazy("marketing"),
    "sales": gettext_lazy("sales"),
    "sales_manager": gettext_lazy("sales manager"),
    "sales_rep": gettext_lazy("sales rep"),
    "viewer": gettext_lazy("viewer"),
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "webhook": gettext_lazy("webhook"),
    # Audit log actions.
    "agreement_changed": gettext_lazy("agreement changed"),
    "agreement_signed": gettext_lazy("agreement signed"),
    "lead_accepted": gettext_lazy("lead accepted"),
    "lead_rejected": gettext_lazy("lead rejected"),
    "touch_logged": gettext_lazy("touch logged"),
    "role_changed": gettext_lazy("role changed"),
    "user_created": gettext_lazy("user created"),
    "token_created": gettext_lazy("API token created"),
    "token_revoked": gettext_lazy("API token revoked"),
    "webhook_secret_set": gettext_lazy("webhook secret set"),
    "login_failed": gettext_lazy("failed sign-in"),
    "channel_added": gettext_lazy("alert channel added"),
    "channel_toggled": gettext_lazy("alert channel turned on or off"),
}


def fp_source(value: str | None) -> str:
    """A lead source as the reports name it (HubSpot's codes translated, others as written)."""
    if not value:
        return "—"
    return source_name(value, (translation.get_language() or "en")[:2])


def fp_label(value: str) -> str:
    return str(_LABELS.get(value, value.replace("_", " ")))


_CADENCE = re.compile(r"cadence_(\d+)_in_(\d+)")


def fp_obligation(name: str) -> str:
    """An obligation's name as words: first_touch, decision, cadence_<touches>_in_<days>."""
    if name == "first_touch":
        return str(gettext("first touch"))
    if name == "decision":
        return str(gettext("accept or reject"))
    cadence = _CADENCE.fullmatch(name)
    if cadence is not None:
        touches, days = (int(part) for part in cadence.groups())
        words: str = gettext("%(touches)s touches in %(days)s days")
        return words % {"touches": touches, "days": days}
    return name.replace("_", " ")


def get(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)


for _filter in (
    fp_source,
    fp_label,
    fp_obligation,
    fp_int,
    fp_num,
    fp_pct,
    fp_money,
    fp_date,
    fp_datetime,
    get,
):
    register.filter(_filter.__name__, _filter)
