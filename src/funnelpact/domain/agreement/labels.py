"""Words for the agreement's fixed vocabulary in English, Spanish and Italian, for renderers.

The texts users write (stage labels, definitions, reasons) are already in the agreement's
locale; these are the product's own words for its enums (owner teams, routes, touch types,
recipients, KPIs), so a rendered Spanish agreement does not say "shared" or "at least".
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from funnelpact.domain.agreement.model import (
    Comparison,
    KpiMetric,
    KpiUnit,
    Locale,
    PartyTeam,
    Recipient,
    RejectionRoute,
    StageOwner,
)
from funnelpact.domain.records import TouchType

# Words per locale, per enum (StrEnum members of different enums can be equal strings, so
# each enum has its own table). A test checks no member is missing in any locale.
_WORDS: Final[dict[Locale, dict[type[StrEnum], dict[str, str]]]] = {
    Locale.EN: {
        StageOwner: {
            StageOwner.MARKETING: "Marketing",
            StageOwner.SHARED: "Shared",
            StageOwner.SALES: "Sales",
        },
        PartyTeam: {
            PartyTeam.MARKETING: "Marketing",
            PartyTeam.SALES: "Sales",
            PartyTeam.OTHER: "Other",
        },
        RejectionRoute: {
            RejectionRoute.RECYCLE: "Recycled to nurture",
            RejectionRoute.DISQUALIFY: "Disqualified",
        },
        Recipient: {
            Recipient.LEAD_OWNER: "The lead's owner",
            Recipient.LEAD_OWNER_MANAGER: "The lead owner's manager",
            Recipient.SALES_OWNER: "The sales owner",
            Recipient.MARKETING_OWNER: "The marketing owner",
        },
        KpiMetric: {
            KpiMetric.MQL_TO_SQL_RATE: "MQL to SQL rate",
            KpiMetric.MQL_TO_SQL_HOURS: "Time from MQL to SQL",
            KpiMetric.MQL_TO_CUSTOMER_RATE: "MQL to customer rate",
            KpiMetric.TOUCHES_PER_SQL: "Touches per MQL that becomes SQL",
            KpiMetric.SQL_VALUE: "Value of SQLs",
        },
        KpiUnit: {
            KpiUnit.SHARE: "share",
            KpiUnit.BUSINESS_HOURS: "business hours",
            KpiUnit.TOUCHES: "touches",
            KpiUnit.MONEY: "amount",
        },
        Comparison: {
            Comparison.AT_LEAST: "at least",
            Comparison.AT_MOST: "at most",
        },
        TouchType: {
            TouchType.CALL: "call",
            TouchType.EMAIL: "e-mail",
            TouchType.MEETING: "meeting",
            TouchType.NOTE: "note",
            TouchType.TASK: "task",
            TouchType.PAGE_VIEW: "page view",
            TouchType.FORM_SUBMISSION: "form submission",
            TouchType.CONTENT_DOWNLOAD: "content download",
        },
    },
    Locale.ES: {
        StageOwner: {
            StageOwner.MARKETING: "Marketing",
            StageOwner.SHARED: "Compartida",
            StageOwner.SALES: "Ventas",
        },
        PartyTeam: {
            PartyTeam.MARKETING: "Marketing",
            PartyTeam.SALES: "Ventas",
            PartyTeam.OTHER: "Otro",
        },
        RejectionRoute: {
            RejectionRoute.RECYCLE: "Vuelve a nutrición",
            RejectionRoute.DISQUALIFY: "Descalificado",
        },
        Recipient: {
            Recipient.LEAD_OWNER: "El responsable del lead",
            Recipient.LEAD_OWNER_MANAGER: "El jefe del responsable del lead",
            Recipient.SALES_OWNER: "El responsable de ventas",
            Recipient.MARKETING_OWNER: "La responsable de marketing",
        },
        KpiMetric: {
            KpiMetric.MQL_TO_SQL_RATE: "Tasa de MQL a SQL",
            KpiMetric.MQL_TO_SQL_HOURS: "Tiempo de MQL a SQL",
            KpiMetric.MQL_TO_CUSTOMER_RATE: "Tasa de MQL a cliente",
            KpiMetric.TOUCHES_PER_SQL: "Contactos por MQL que se convierte en SQL",
            KpiMetric.SQL_VALUE: "Valor de los SQL",
        },
        KpiUnit: {
            KpiUnit.SHARE: "proporción",
            KpiUnit.BUSINESS_HOURS: "horas laborables",
            KpiUnit.TOUCHES: "contactos",
            KpiUnit.MONEY: "importe",
        },
        Comparison: {
            Comparison.AT_LEAST: "como mínimo",
            Comparison.AT_MOST: "como máximo",
        },
        TouchType: {
            TouchType.CALL: "llamada",
            TouchType.EMAIL: "correo electrónico",
            TouchType.MEETING: "reunión",
            TouchType.NOTE: "nota",
            TouchType.TASK: "tarea",
            TouchType.PAGE_VIEW: "visita a una página",
            TouchType.FORM_SUBMISSION: "envío de formulario",
            TouchType.CONTENT_DOWNLOAD: "descarga de contenido",
        },
    },
    Locale.IT: {
        StageOwner: {
            StageOwner.MARKETING: "Marketing",
            StageOwner.SHARED: "Condivisa",
            StageOwner.SALES: "Vendite",
        },
        PartyTeam: {
            PartyTeam.MARKETING: "Marketing",
            PartyTeam.SALES: "Vendite",
            PartyTeam.OTHER: "Altro",
        },
        RejectionRoute: {
            RejectionRoute.RECYCLE: "Torna al nurturing",
            RejectionRoute.DISQUALIFY: "Squalificato",
        },
        Recipient: {
            Recipient.LEAD_OWNER: "Il responsabile del lead",
            Recipient.LEAD_OWNER_MANAGER: "Il capo del responsabile del lead",
            Recipient.SALES_OWNER: "Il responsabile vendite",
            Recipient.MARKETING_OWNER: "La responsabile marketing",
        },
        KpiMetric: {
            KpiMetric.MQL_TO_SQL_RATE: "Tasso da MQL a SQL",
            KpiMetric.MQL_TO_SQL_HOURS: "Tempo da MQL a SQL",
            KpiMetric.MQL_TO_CUSTOMER_RATE: "Tasso da MQL a cliente",
            KpiMetric.TOUCHES_PER_SQL: "Contatti per MQL che diventa SQL",
            KpiMetric.SQL_VALUE: "Valore degli SQL",
        },
        KpiUnit: {
            KpiUnit.SHARE: "quota",
            KpiUnit.BUSINESS_HOURS: "ore lavorative",
            KpiUnit.TOUCHES: "contatti",
            KpiUnit.MONEY: "importo",
        },
        Comparison: {
            Comparison.AT_LEAST: "almeno",
            Comparison.AT_MOST: "al massimo",
        },
        TouchType: {
            TouchType.CALL: "chiamata",
            TouchType.EMAIL: "e-mail",
            TouchType.MEETING: "riunione",
            TouchType.NOTE: "nota",
            TouchType.TASK: "attività",
            TouchType.PAGE_VIEW: "visita a una pagina",
            TouchType.FORM_SUBMISSION: "invio di un modulo",
            TouchType.CONTENT_DOWNLOAD: "download di un contenuto",
        },
    },
}

LABELLED_ENUMS: Final = (
    StageOwner,
    PartyTeam,
    RejectionRoute,
    Recipient,
    KpiMetric,
    KpiUnit,
    Comparison,
    TouchType,
)


def label(value: StrEnum, locale: Locale = Locale.EN) -> str:
    """The word for an enum value in the locale ("shared" -> "Compartida" in Spanish)."""
    return _WORDS[locale][type(value)][value]


def recipient_label(recipient: str, locale: Locale = Locale.EN) -> str:
    """A role's words, or the e-mail address as written."""
    roles = {member.value: member for member in Recipient}
    return label(roles[recipient], locale) if recipient in roles else recipient
