"""Fixed texts of the reports in en/es/it (column headers, statuses, sides, titles).

Metric labels come from the metrics registry (`Metric.labels`), so a figure is named the same
in `funnelpact metrics`, the reports and the docs.
"""

from __future__ import annotations

from typing import Final

from funnelpact.analytics.metrics import REGISTRY, Labels
from funnelpact.reports.model import Status

COMMITMENT: Final = Labels("Commitment", "Compromiso", "Impegno")
SIDE: Final = Labels("Side", "Parte", "Parte")
TARGET: Final = Labels("Target", "Objetivo", "Obiettivo")
ACTUAL: Final = Labels("Actual", "Real", "Effettivo")
STATUS: Final = Labels("Status", "Estado", "Stato")
SAMPLE: Final = Labels("Sample", "Muestra", "Campione")
PREVIOUS: Final = Labels("Previous period", "Periodo anterior", "Periodo precedente")
CHANGE: Final = Labels("Change", "Variación", "Variazione")
REP: Final = Labels("Rep", "Comercial", "Commerciale")
TEAM: Final = Labels("Team", "Equipo", "Team")
SOURCE: Final = Labels("Source", "Origen", "Fonte")
CAMPAIGN: Final = Labels("Campaign", "Campaña", "Campagna")
CONTENT: Final = Labels("Content", "Contenido", "Contenuto")
REASON: Final = Labels("Reason", "Motivo", "Motivo")
FIGURE: Final = Labels("Figure", "Indicador", "Indicatore")
FORECAST: Final = Labels(
    "Forecast at this pace", "Previsión a este ritmo", "Previsione a questo ritmo"
)
LOW: Final = Labels("Band low", "Banda inferior", "Banda inferiore")
HIGH: Final = Labels("Band high", "Banda superior", "Banda superiore")
CALLS: Final = Labels("Calls", "Llamadas", "Chiamate")
EMAILS: Final = Labels("Emails", "Correos", "Email")
MEETINGS: Final = Labels("Meetings", "Reuniones", "Riunioni")
TOTAL: Final = Labels("Total", "Total", "Totale")
CONTACTS_TOUCHED: Final = Labels("Contacts touched", "Contactos trabajados", "Contatti lavorati")
MARKETING: Final = Labels("Marketing", "Marketing", "Marketing")
SALES: Final = Labels("Sales", "Ventas", "Vendite")
PERIOD: Final = Labels("Period", "Periodo", "Periodo")
GENERATED: Final = Labels("Computed at", "Calculado el", "Calcolato il")
DATA_VERSION: Final = Labels("Data version", "Versión de los datos", "Versione dei dati")
MODEL: Final = Labels("Model", "Modelo", "Modello")
CONVERSION: Final = Labels("Conversion", "Conversión", "Conversione")
CREDIT: Final = Labels("Credit", "Crédito", "Credito")
REVENUE: Final = Labels("Revenue credit", "Ingresos atribuidos", "Ricavi attribuiti")
PAGE: Final = Labels(
    "Page %(page)s of %(pages)s", "Página %(page)s de %(pages)s", "Pagina %(page)s di %(pages)s"
)
VS: Final = Labels("vs", "frente a", "rispetto a")

STATUSES: Final[dict[Status, Labels]] = {
    Status.MET: Labels("met", "cumplido", "rispettato"),
    Status.CLOSE: Labels("close", "cerca", "vicino"),
    Status.MISSED: Labels("missed", "incumplido", "mancato"),
    Status.NO_DATA: Labels("no data", "sin datos", "nessun dato"),
    Status.NO_TARGET: Labels("no target", "sin objetivo", "nessun obiettivo"),
}


def metric_label(slug: str) -> Labels:
    """A registry metric's label (the same words everywhere the figure is shown)."""
    return REGISTRY[slug].labels


def formatted(labels: Labels, **values: str) -> Labels:
    """Labels with %(name)s placeholders filled in each language."""
    return Labels(labels.en % values, labels.es % values, labels.it % values)


PACE: Final[dict[str, Labels]] = {
    "below": Labels("below plan", "por debajo del plan", "sotto il piano"),
    "on_plan": Labels("on plan", "en línea con el plan", "in linea con il piano"),
    "above": Labels("above plan", "por encima del plan", "sopra il piano"),
}
