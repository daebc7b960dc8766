"""Fixed texts of the reports in en/es/it (column headers, statuses, sides, titles).

Metric labels come from the metrics registry (`Metric.labels`), so a figure is named the same
in `funnelpact metrics`, the reports and the docs.
"""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.metrics import L_, REGISTRY, Labels
from funnelpact.reports.model import Status

COMMITMENT: Final = L_("Commitment")
SIDE: Final = L_("Side")
TARGET: Final = L_("Target")
ACTUAL: Final = L_("Actual")
STATUS: Final = L_("Status")
SAMPLE: Final = L_("Sample")
PREVIOUS: Final = L_("Previous period")
CHANGE: Final = L_("Change")
REP: Final = L_("Rep")
TEAM: Final = L_("Team")
SOURCE: Final = L_("Source")
CAMPAIGN: Final = L_("Campaign")
CONTENT: Final = L_("Content")
REASON: Final = L_("Reason")
FIGURE: Final = L_("Figure")
FORECAST: Final = L_("Forecast at this pace")
LOW: Final = L_("Band low")
HIGH: Final = L_("Band high")
CALLS: Final = L_("Calls")
EMAILS: Final = L_("Emails")
MEETINGS: Final = L_("Meetings")
TOTAL: Final = L_("Total")
CONTACTS_TOUCHED: Final = L_("Contacts touched")
MARKETING: Final = L_("Marketing")
SALES: Final = L_("Sales")
PERIOD: Final = L_("Period")
GENERATED: Final = L_("Computed at")
DATA_VERSION: Final = L_("Data version")
MODEL: Final = L_("Model")
CONVERSION: Final = L_("Conversion")
CREDIT: Final = L_("Credit")
REVENUE: Final = L_("Revenue credit")
PAGE: Final = L_("Page %(page)s of %(pages)s")
VS: Final = L_("vs")

STATUSES: Final[dict[Status, Labels]] = {
    Status.MET: L_("met"),
    Status.CLOSE: L_("close"),
    Status.MISSED: L_("missed"),
    Status.NO_DATA: L_("no data"),
    Status.NO_TARGET: L_("no target"),
}

# HubSpot's original-source codes (`hs_analytics_source`) as HubSpot's screens name them. The
# files keep the code (JSON always; CSV and spreadsheets show the name); any other CRM's source
# is shown as written.
SOURCES: Final[dict[str, Labels]] = {
    "ORGANIC_SEARCH": L_("Organic search"),
    "PAID_SEARCH": L_("Paid search"),
    "EMAIL_MARKETING": L_("Email marketing"),
    "SOCIAL_MEDIA": L_("Organic social"),
    "REFERRALS": L_("Referrals"),
    "OTHER_CAMPAIGNS": L_("Other campaigns"),
    "DIRECT_TRAFFIC": L_("Direct traffic"),
    "OFFLINE": L_("Offline sources"),
    "PAID_SOCIAL": L_("Paid social"),
    "AI_REFERRALS": L_("AI referrals"),
}


def source_name(value: str, language: str) -> str:
    """A source as its readers name it: HubSpot's codes translated, any other as written."""
    labels = SOURCES.get(value)
    return labels.get(language) if labels is not None else value


def metric_label(slug: str) -> Labels:
    """A registry metric's label (the same words everywhere the figure is shown)."""
    return REGISTRY[slug].labels


def formatted(labels: Labels, **values: str) -> Labels:
    """Labels with %(name)s placeholders filled in each language."""
    return Labels(labels.en % values, labels.es % values, labels.it % values)


def filled(labels: Labels, **parts: Labels) -> Labels:
    """Labels with %(name)s placeholders filled by other labels, language by language."""
    return Labels(
        *(
            labels.get(language) % {name: part.get(language) for name, part in parts.items()}
            for language in ("en", "es", "it")
        )
    )


PACE: Final[dict[str, Labels]] = {
    "below": L_("below plan"),
    "on_plan": L_("on plan"),
    "above": L_("above plan"),
}
