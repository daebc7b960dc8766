"""The reports funnelpact knows: slug, labels in en/es/it, what each shows, and its builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from funnelpact.analytics.metrics import Labels
from funnelpact.errors import InputError
from funnelpact.reports import (
    attribution,
    daily_sales,
    monthly_marketing,
    rep_scorecard,
    sales_activity,
    scorecard,
    weekly_meeting,
)
from funnelpact.reports.context import ReportContext
from funnelpact.reports.model import Report

Builder = Callable[[ReportContext, str], Report]


@dataclass(frozen=True, slots=True)
class ReportSpec:
    slug: str
    labels: Labels
    description: Labels
    build: Builder
    default_period: str = "month"  # month or week: what `--period` defaults to


REPORTS: Final[tuple[ReportSpec, ...]] = (
    ReportSpec(
        "scorecard",
        scorecard.TITLE,
        Labels(
            "Marketing's and sales' commitments: target, actual, status.",
            "Los compromisos de marketing y de ventas: objetivo, real, estado.",
            "Gli impegni di marketing e vendite: obiettivo, effettivo, stato.",
        ),
        scorecard.build,
    ),
    ReportSpec(
        "daily-sales",
        daily_sales.TITLE,
        Labels(
            "The month's sales figures against the previous month.",
            "Las cifras de ventas del mes frente al mes anterior.",
            "I numeri delle vendite del mese rispetto al mese precedente.",
        ),
        daily_sales.build,
    ),
    ReportSpec(
        "weekly-meeting",
        weekly_meeting.TITLE,
        Labels(
            "Pacing, funnel, SLA, rejections and sources of the week.",
            "Ritmo, embudo, SLA, rechazos y orígenes de la semana.",
            "Ritmo, imbuto, SLA, rifiuti e fonti della settimana.",
        ),
        weekly_meeting.build,
        default_period="week",
    ),
    ReportSpec(
        "monthly-marketing",
        monthly_marketing.TITLE,
        Labels(
            "Volumes and quality by source and campaign; what content converts.",
            "Volumen y calidad por origen y campaña; qué contenido convierte.",
            "Volumi e qualità per fonte e campagna; quali contenuti convertono.",
        ),
        monthly_marketing.build,
    ),
    ReportSpec(
        "rep-scorecard",
        rep_scorecard.TITLE,
        Labels(
            "Each rep's speed, cadence, acceptance, conversion and wins.",
            "Velocidad, cadencia, aceptación, conversión y ventas de cada comercial.",
            "Velocità, cadenza, accettazione, conversione e vittorie di ogni commerciale.",
        ),
        rep_scorecard.build,
    ),
    ReportSpec(
        "sales-activity",
        sales_activity.TITLE,
        Labels(
            "Calls, emails and meetings per rep.",
            "Llamadas, correos y reuniones por comercial.",
            "Chiamate, email e riunioni per commerciale.",
        ),
        sales_activity.build,
    ),
    ReportSpec(
        "attribution",
        attribution.TITLE,
        Labels(
            "Credit of sources, campaigns and content under five attribution models.",
            "El crédito de orígenes, campañas y contenidos según cinco modelos de atribución.",
            "Il credito di fonti, campagne e contenuti secondo cinque modelli di attribuzione.",
        ),
        attribution.build,
    ),
)
BY_SLUG: Final = {spec.slug: spec for spec in REPORTS}


def report_spec(slug: str) -> ReportSpec:
    spec = BY_SLUG.get(slug)
    if spec is None:
        known = ", ".join(BY_SLUG)
        raise InputError(f"unknown report {slug!r} (reports: {known}; `funnelpact report list`)")
    return spec
