"""HubSpot export labels in English, Spanish and Italian, keyed to HubSpot's internal names.

HubSpot writes property *labels* as CSV headers, translated into the exporting user's language.
Each table lists, per internal name, the English label first, then older English labels, then
Spanish and Italian ones (HubSpot's own translations where known, and the common variants
portals show), then the internal name itself (some tools export internal names). Matching ignores
case, accents, spacing and quote style (``common.normalise_label``).

Stage columns ("Became a ... Date", ``Date entered "... (Lifecycle Stage Pipeline)"``) are
recognised by pattern rather than listed, so every stage and every translation of the stage
names in ``LIFECYCLE_STAGES`` is understood.
"""

from __future__ import annotations

import re

from funnelpact.ingest.common import normalise_label

# -- contacts ---------------------------------------------------------------------------------

CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "hs_object_id": (
        "Record ID",
        "Contact ID",
        "ID de registro",
        "ID del registro",
        "ID de contacto",
        "ID del contacto",
        "ID record",
        "ID del record",
        "ID contatto",
        "ID del contatto",
        "hs_object_id",
        "vid",
    ),
    "createdate": (
        "Create Date",
        "Created Date",
        "Fecha de creación",
        "Fecha de creacion",
        "Data di creazione",
        "Data creazione",
        "createdate",
    ),
    "email": (
        "Email",
        "Email Address",
        "Correo",
        "Correo electrónico",
        "Dirección de correo electrónico",
        "E-mail",
        "Indirizzo email",
        "Indirizzo e-mail",
        "email",
    ),
    "firstname": ("First Name", "Nombre", "Nome", "firstname"),
    "lastname": ("Last Name", "Apellidos", "Apellido", "Cognome", "lastname"),
    "company": (
        "Company Name",
        "Company",
        "Nombre de la empresa",
        "Empresa",
        "Nome dell'azienda",
        "Nome azienda",
        "Azienda",
        "company",
    ),
    "lifecyclestage": (
        "Lifecycle Stage",
        "Etapa del ciclo de vida",
        "Fase del ciclo de vida",
        "Fase del ciclo di vita",
        "Fase ciclo di vita",
        "lifecyclestage",
    ),
    "hs_lead_status": (
        "Lead Status",
        "Estado del lead",
        "Estado de lead",
        "Estado del prospecto",
        "Stato del lead",
        "Stato lead",
        "hs_lead_status",
    ),
    "hubspot_owner_id": (
        "Contact owner",
        "Owner",
        "HubSpot Owner",
        "Propietario del contacto",
        "Propietario",
        "Proprietario del contatto",
        "Proprietario",
        "hubspot_owner_id",
    ),
    "hubspot_owner_assigneddate": (
        "Owner assigned date",
        "Fecha de asignación del propietario",
        "Fecha de asignacion del propietario",
        "Data di assegnazione del proprietario",
        "Data assegnazione proprietario",
        "hubspot_owner_assigneddate",
    ),
    "hs_analytics_source": (
        "Original Source",
        "Original Traffic Source",
        "Original source type",
        "Fuente original",
        "Fuente de tráfico original",
        "Origen original",
        "Fonte originale",
        "Fonte di traffico originale",
        "hs_analytics_source",
    ),
    "hs_analytics_source_data_1": (
        "Original Source Drill-Down 1",
        "Original Traffic Source Drill-Down 1",
        "Desglose 1 de la fuente original",
        "Fuente original: desglose 1",
        "Desglose de la fuente original 1",
        "Dettaglio 1 della fonte originale",
        "Fonte originale: dettaglio 1",
        "Approfondimento 1 della fonte originale",
        "hs_analytics_source_data_1",
    ),
    "hs_analytics_source_data_2": (
        "Original Source Drill-Down 2",
        "Original Traffic Source Drill-Down 2",
        "Desglose 2 de la fuente original",
        "Fuente original: desglose 2",
        "Desglose de la fuente original 2",
        "Dettaglio 2 della fonte originale",
        "Fonte originale: dettaglio 2",
        "Approfondimento 2 della fonte originale",
        "hs_analytics_source_data_2",
    ),
    "hs_analytics_first_touch_converting_campaign": (
        "First Touch Converting Campaign",
        "First touch converting campaign",
        "Campaña de conversión del primer contacto",
        "Campagna di conversione del primo contatto",
        "hs_analytics_first_touch_converting_campaign",
    ),
    "hubspot_team_id": ("HubSpot Team", "Equipo de HubSpot", "Team HubSpot", "hubspot_team_id"),
    "first_conversion_event_name": (
        "First Conversion",
        "Primera conversión",
        "Prima conversione",
        "first_conversion_event_name",
    ),
    "first_conversion_date": (
        "First Conversion Date",
        "Fecha de la primera conversión",
        "Fecha de primera conversión",
        "Data della prima conversione",
        "Data prima conversione",
        "first_conversion_date",
    ),
    "recent_conversion_event_name": (
        "Recent Conversion",
        "Conversión reciente",
        "Conversione recente",
        "recent_conversion_event_name",
    ),
    "recent_conversion_date": (
        "Recent Conversion Date",
        "Fecha de conversión reciente",
        "Fecha de la conversión reciente",
        "Data della conversione recente",
        "Data conversione recente",
        "recent_conversion_date",
    ),
    "lastmodifieddate": (
        "Last Modified Date",
        "Fecha de última modificación",
        "Fecha de ultima modificacion",
        "Data dell'ultima modifica",
        "Data ultima modifica",
        "lastmodifieddate",
    ),
}

# -- deals ------------------------------------------------------------------------------------

DEAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "hs_object_id": (
        "Record ID",
        "Deal ID",
        "ID de registro",
        "ID del registro",
        "ID del negocio",
        "ID de negocio",
        "ID record",
        "ID del record",
        "ID trattativa",
        "ID della trattativa",
        "ID affare",
        "hs_object_id",
    ),
    "dealname": (
        "Deal Name",
        "Nombre del negocio",
        "Nome trattativa",
        "Nome della trattativa",
        "Nome affare",
        "dealname",
    ),
    "amount": ("Amount", "Importe", "Cantidad", "Importo", "Ammontare", "amount"),
    "deal_currency_code": (
        "Currency",
        "Deal currency code",
        "Moneda",
        "Código de moneda del negocio",
        "Valuta",
        "Codice valuta della trattativa",
        "deal_currency_code",
    ),
    "dealstage": (
        "Deal Stage",
        "Etapa del negocio",
        "Fase della trattativa",
        "Fase trattativa",
        "Fase dell'affare",
        "dealstage",
    ),
    "pipeline": ("Pipeline", "Pipeline del negocio", "Pipeline della trattativa", "pipeline"),
    "closedate": ("Close Date", "Fecha de cierre", "Data di chiusura", "closedate"),
    "createdate": CONTACT_COLUMNS["createdate"],
    "hubspot_owner_id": (
        "Deal owner",
        "Owner",
        "Propietario del negocio",
        "Propietario",
        "Proprietario della trattativa",
        "Proprietario dell'affare",
        "Proprietario",
        "hubspot_owner_id",
    ),
    "hs_is_closed": (
        "Is Deal Closed?",
        "Is Closed",
        "¿El negocio está cerrado?",
        "El negocio está cerrado",
        "La trattativa è chiusa?",
        "Trattativa chiusa",
        "hs_is_closed",
    ),
    "hs_is_closed_won": (
        "Is Closed Won",
        "Is closed won",
        "Cerrado ganado",
        "Es cerrado ganado",
        "È chiusa vinta",
        "Chiusa vinta",
        "hs_is_closed_won",
    ),
    "associated_contact_ids": (
        "Associated Contact IDs",
        "Associated Contact ID",
        "Contact IDs",
        "Contact ID",
        "IDs de contactos asociados",
        "ID de contactos asociados",
        "ID de contacto asociado",
        "ID contatti associati",
        "ID contatto associato",
        "associated_contact_ids",
    ),
}

# -- activities (calls, emails, meetings, notes, tasks) --------------------------------------

ACTIVITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "hs_object_id": (
        "Record ID",
        "Activity ID",
        "Engagement ID",
        "ID de registro",
        "ID del registro",
        "ID de actividad",
        "ID de la actividad",
        "ID record",
        "ID attività",
        "ID dell'attività",
        "hs_object_id",
    ),
    "hs_activity_type": (
        "Activity type",
        "Activity Type",
        "Engagement type",
        "Type",
        "Tipo de actividad",
        "Tipo",
        "Tipo di attività",
        "Tipo attività",
        "hs_activity_type",
        "hs_engagement_type",
    ),
    "hs_timestamp": (
        "Activity date",
        "Timestamp",
        "Activity Date",
        "Date",
        "Fecha de actividad",
        "Fecha de la actividad",
        "Fecha",
        "Data attività",
        "Data dell'attività",
        "Data",
        "Meeting start time",
        "Hora de inicio de la reunión",
        "Ora di inizio della riunione",
        "hs_timestamp",
        "hs_meeting_start_time",
    ),
    "hs_direction": (
        "Direction",
        "Call direction",
        "Email direction",
        "Dirección",
        "Dirección de la llamada",
        "Dirección del correo",
        "Dirección del correo electrónico",
        "Direzione",
        "Direzione della chiamata",
        "Direzione dell'email",
        "Direzione dell'e-mail",
        "Direzione email",
        "hs_call_direction",
        "hs_email_direction",
    ),
    "hubspot_owner_id": (
        "Activity assigned to",
        "Assigned to",
        "Activity owner",
        "Owner",
        "Asignado a",
        "Actividad asignada a",
        "Propietario de la actividad",
        "Propietario",
        "Assegnato a",
        "Attività assegnata a",
        "Proprietario dell'attività",
        "Proprietario",
        "hubspot_owner_id",
    ),
    "associated_contact_ids": DEAL_COLUMNS["associated_contact_ids"],
    "hs_subject": (
        "Subject",
        "Email subject",
        "Call title",
        "Meeting name",
        "Title",
        "Asunto",
        "Asunto del correo",
        "Título",
        "Título de la llamada",
        "Nombre de la reunión",
        "Oggetto",
        "Oggetto dell'email",
        "Oggetto dell'e-mail",
        "Titolo",
        "Titolo della chiamata",
        "Nome della riunione",
        "hs_email_subject",
        "hs_call_title",
        "hs_meeting_title",
    ),
    "hs_activity_source": (
        "Sent via",
        "Enviado mediante",
        "Inviato tramite",
        "hs_email_sent_via",
        "Source",
        "Activity source",
        "Email source",
        "Origen",
        "Origen de la actividad",
        "Fuente",
        "Origine",
        "Origine dell'attività",
        "Fonte",
        "hs_activity_source",
    ),
    "hs_sequence": (
        "Sequence",
        "Sequence name",
        "Secuencia",
        "Nombre de la secuencia",
        "Sequenza",
        "Nome della sequenza",
        "hs_sequence_name",
    ),
    "hs_campaign": ("Campaign", "Campaña", "Campagna", "hs_campaign"),
}

# One export per activity object (calls, emails, meetings) has no type column: the columns
# only that object has tell the type.
ACTIVITY_SIGNATURES: dict[str, tuple[str, ...]] = {
    "call": (
        "Call Title",
        "Call direction",
        "Call outcome",
        "Call duration (ms)",
        "Call status",
        "Título de la llamada",
        "Dirección de la llamada",
        "Resultado de la llamada",
        "Duración de la llamada (ms)",
        "Titolo della chiamata",
        "Direzione della chiamata",
        "Esito della chiamata",
        "Durata della chiamata (ms)",
        "hs_call_title",
        "hs_call_direction",
        "hs_call_disposition",
        "hs_call_duration",
    ),
    "email": (
        "Email subject",
        "Email direction",
        "Email send status",
        "Sent via",
        "Asunto del correo",
        "Dirección del correo",
        "Estado de envío del correo",
        "Enviado mediante",
        "Oggetto dell'e-mail",
        "Oggetto dell'email",
        "Direzione dell'e-mail",
        "Direzione dell'email",
        "Stato di invio",
        "Inviato tramite",
        "hs_email_subject",
        "hs_email_direction",
        "hs_email_status",
    ),
    "meeting": (
        "Meeting start time",
        "Meeting end time",
        "Meeting name",
        "Meeting outcome",
        "Hora de inicio de la reunión",
        "Hora de finalización de la reunión",
        "Nombre de la reunión",
        "Resultado de la reunión",
        "Ora di inizio della riunione",
        "Ora di fine della riunione",
        "Nome della riunione",
        "Esito della riunione",
        "hs_meeting_start_time",
        "hs_meeting_title",
        "hs_meeting_outcome",
    ),
}

# Custom contact properties a portal can add for the SLA (the demo portal has them): the
# revenue stream and sales' decision on each MQL (the closed loop).
SLA_PROPERTIES: dict[str, tuple[str, ...]] = {
    "revenue_stream": (
        "Revenue Stream",
        "Stream",
        "Flujo de ingresos",
        "Línea de ingresos",
        "Flusso di ricavi",
        "Linea di ricavo",
        "revenue_stream",
    ),
    "mql_decision": ("MQL Decision", "Decisión MQL", "Decisione MQL", "mql_decision"),
    "mql_decision_date": (
        "MQL Decision Date",
        "Fecha de decisión MQL",
        "Data decisione MQL",
        "mql_decision_date",
    ),
    "mql_rejection_reason": (
        "MQL Rejection Reason",
        "Motivo de rechazo MQL",
        "Motivo del rifiuto MQL",
        "mql_rejection_reason",
    ),
}

DECISIONS: dict[str, str] = {
    normalise_label(word): decision
    for decision, words in (
        ("accepted", ("accepted", "accept", "aceptado", "aceptada", "accettato", "accettata")),
        (
            "rejected",
            (
                "rejected",
                "reject",
                "rechazado",
                "rechazada",
                "rifiutato",
                "rifiutata",
                "respinto",
                "respinta",
            ),
        ),
    )
    for word in words
}

# -- values -----------------------------------------------------------------------------------

# Lifecycle stage values and labels -> the canonical stage names funnelpact uses.
_STAGE_WORDS: dict[str, tuple[str, ...]] = {
    "subscriber": (
        "subscriber",
        "subscribers",
        "suscriptor",
        "suscriptores",
        "suscrito",
        "iscritto",
        "iscritti",
        "abbonato",
        "sottoscrittore",
    ),
    "lead": ("lead", "leads", "prospecto", "cliente potencial", "contatto", "potenziale cliente"),
    "mql": (
        "marketingqualifiedlead",
        "marketing qualified lead",
        "mql",
        "lead calificado por marketing",
        "lead calificado para marketing",
        "lead cualificado por marketing",
        "lead cualificado para marketing",
        "prospecto calificado por marketing",
        "prospecto de marketing calificado",
        "lead qualificato per il marketing",
        "lead qualificato dal marketing",
        "lead qualificato marketing",
        "lead qualificato per marketing",
    ),
    "sql": (
        "salesqualifiedlead",
        "sales qualified lead",
        "sql",
        "lead calificado por ventas",
        "lead calificado para ventas",
        "lead cualificado por ventas",
        "lead cualificado para ventas",
        "prospecto calificado por ventas",
        "prospecto de venta calificado",
        "lead qualificato per le vendite",
        "lead qualificato dalle vendite",
        "lead qualificato vendite",
        "lead qualificato per vendite",
    ),
    "opportunity": ("opportunity", "oportunidad", "opportunita", "opportunità"),
    "customer": ("customer", "cliente"),
    "evangelist": ("evangelist", "evangelizador", "evangelista", "promotor", "promotore"),
    "other": (
        "other",
        "other lifecycle",
        "otro",
        "otra",
        "otro ciclo de vida",
        "altro",
        "altra",
        "altro ciclo di vita",
    ),
}

LIFECYCLE_STAGES: dict[str, str] = {
    normalise_label(word): stage for stage, words in _STAGE_WORDS.items() for word in words
}

# Deal stages whose label says the deal is closed (won: True, lost: False).
CLOSED_DEAL_STAGES: dict[str, bool] = {
    normalise_label(word): won
    for won, words in (
        (
            True,
            (
                "closedwon",
                "closed won",
                "won",
                "cerrado ganado",
                "cierre ganado",
                "ganado",
                "chiuso vinto",
                "chiusa vinta",
                "chiuso e vinto",
                "vinto",
                "vinta",
            ),
        ),
        (
            False,
            (
                "closedlost",
                "closed lost",
                "lost",
                "cerrado perdido",
                "cierre perdido",
                "perdido",
                "chiuso perso",
                "chiusa persa",
                "chiuso e perso",
                "perso",
                "persa",
            ),
        ),
    )
    for word in words
}

ACTIVITY_TYPES: dict[str, str] = {
    normalise_label(word): kind
    for kind, words in (
        ("call", ("call", "calls", "llamada", "llamadas", "chiamata", "chiamate")),
        (
            "email",
            (
                "email",
                "emails",
                "e-mail",
                "correo",
                "correo electronico",
                "correo electrónico",
                "correos",
                "incoming_email",
                "forwarded_email",
                "email ricevuta",
                "email inviata",
            ),
        ),
        (
            "meeting",
            (
                "meeting",
                "meetings",
                "reunion",
                "reunión",
                "reuniones",
                "riunione",
                "riunioni",
                "incontro",
                "appuntamento",
            ),
        ),
        ("note", ("note", "notes", "nota", "notas", "note")),
        ("task", ("task", "tasks", "tarea", "tareas", "attivita", "attività", "compito")),
    )
    for word in words
}

# Directions: HubSpot's call (INBOUND/OUTBOUND) and email (EMAIL sent, INCOMING_EMAIL,
# FORWARDED_EMAIL) values, and their labels.
DIRECTIONS: dict[str, str] = {
    normalise_label(word): direction
    for direction, words in (
        (
            "inbound",
            (
                "inbound",
                "incoming_email",
                "incoming email",
                "received",
                "entrante",
                "recibido",
                "recibida",
                "in entrata",
                "ricevuta",
                "ricevuto",
                "in arrivo",
            ),
        ),
        (
            "outbound",
            (
                "outbound",
                "email",
                "forwarded_email",
                "forwarded email",
                "sent",
                "saliente",
                "enviado",
                "enviada",
                "in uscita",
                "inviata",
                "inviato",
            ),
        ),
    )
    for word in words
}

# Words in an activity's source that say a machine sent it (sequence or workflow).
AUTOMATION_WORDS: tuple[str, ...] = tuple(
    normalise_label(word)
    for word in (
        "sequence",
        "sequences",
        "workflow",
        "workflows",
        "automation",
        "automated",
        "automation_platform",
        "secuencia",
        "secuencias",
        "flujo de trabajo",
        "automatizacion",
        "automatización",
        "sequenza",
        "sequenze",
        "flusso di lavoro",
        "automazione",
    )
)

# -- stage columns ----------------------------------------------------------------------------

# "Became a Marketing Qualified Lead Date" (and translations): legacy first-entry dates.
_BECAME = (
    re.compile(r"^became (?:an? )?(?P<stage>.+?) date$"),
    re.compile(r"^fecha en (?:la )?que se convirtio en (?:un |una )?(?P<stage>.+)$"),
    re.compile(r"^fecha de conversion (?:a|en) (?:un |una )?(?P<stage>.+)$"),
    re.compile(r"^se convirtio en (?:un |una )?(?P<stage>.+?) \(fecha\)$"),
    re.compile(r"^data in cui (?:e|si e) diventato (?:un |una |un')?(?P<stage>.+)$"),
    re.compile(r"^data di conversione (?:a|in) (?:un |una |un')?(?P<stage>.+)$"),
    re.compile(r"^diventato (?:un |una |un')?(?P<stage>.+?) \(data\)$"),
)

# Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)" (and translations).
_ENTERED = re.compile(
    r"^(?:date entered|fecha de entrada(?: en| a)?|fecha de ingreso(?: en| a)?|"
    r"fecha en que (?:entro|ingreso) en|data di ingresso(?: in| nella| nello| a)?|"
    r'data di entrata(?: in| nella| nello| a)?|data in cui e entrato in) "?(?P<label>[^"]+)"?$'
)
_PIPELINE_SUFFIX = re.compile(r"\s*\((?P<pipeline>[^()]*)\)\s*$")


def became_stage(header: str) -> str | None:
    """The canonical stage of a "Became a ... Date" column, or None."""
    label = normalise_label(header)
    for pattern in _BECAME:
        match = pattern.match(label)
        if match:
            return LIFECYCLE_STAGES.get(match["stage"].strip())
    return None


def entered_label(header: str) -> tuple[str, str] | None:
    """(stage label as written, pipeline) of a ``Date entered "Stage (Pipeline)"`` column."""
    match = _ENTERED.match(normalise_label(header))
    if not match:
        return None
    inner = match["label"].strip()
    original = header.translate(_QUOTE_MARKS).split('"')
    if len(original) >= 3:  # take the label's own capitalisation from the header
        inner = " ".join(original[1].split())
    suffix = _PIPELINE_SUFFIX.search(inner)
    if suffix:
        return inner[: suffix.start()].strip(), normalise_label(suffix["pipeline"])
    return inner, ""


_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def is_lifecycle_pipeline(pipeline: str) -> bool:
    return pipeline == "" or any(
        word in pipeline for word in ("lifecycle", "ciclo de vida", "ciclo di vita")
    )


# Original Source values as labels in exports -> HubSpot's internal values (stable across
# languages, so reports group the same source together whatever the exporting user's language).
ORIGINAL_SOURCES: dict[str, str] = {
    normalise_label(word): source
    for source, words in (
        (
            "ORGANIC_SEARCH",
            ("organic search", "búsqueda orgánica", "búsquedas orgánicas", "ricerca organica"),
        ),
        (
            "PAID_SEARCH",
            (
                "paid search",
                "búsqueda de pago",
                "búsqueda pagada",
                "búsquedas pagadas",
                "ricerca a pagamento",
            ),
        ),
        (
            "EMAIL_MARKETING",
            (
                "email marketing",
                "marketing por correo electrónico",
                "marketing por email",
                "email di marketing",
            ),
        ),
        (
            "SOCIAL_MEDIA",
            (
                "organic social",
                "social media",
                "redes sociales",
                "redes sociales orgánicas",
                "social organici",
                "social media organici",
            ),
        ),
        (
            "REFERRALS",
            (
                "referrals",
                "referral",
                "referencias",
                "referidos",
                "sitios de referencia",
                "siti di riferimento",
                "referral",
            ),
        ),
        ("OTHER_CAMPAIGNS", ("other campaigns", "otras campañas", "altre campagne")),
        ("DIRECT_TRAFFIC", ("direct traffic", "tráfico directo", "traffico diretto")),
        (
            "OFFLINE",
            (
                "offline sources",
                "offline",
                "fuentes sin conexión",
                "fuentes offline",
                "fonti offline",
            ),
        ),
        ("PAID_SOCIAL", ("paid social", "redes sociales de pago", "social a pagamento")),
    )
    for word in words
}

# Lead Status labels -> HubSpot's internal values (language-independent in the store).
LEAD_STATUSES: dict[str, str] = {
    normalise_label(word): status
    for status, words in (
        ("NEW", ("new", "nuevo", "nueva", "nuovo")),
        ("OPEN", ("open", "abierto", "abierta", "aperto")),
        ("IN_PROGRESS", ("in progress", "in_progress", "en curso", "en progreso", "in corso")),
        ("OPEN_DEAL", ("open deal", "open_deal", "negocio abierto", "trattativa aperta")),
        ("UNQUALIFIED", ("unqualified", "no calificado", "no cualificado", "non qualificato")),
        (
            "ATTEMPTED_TO_CONTACT",
            (
                "attempted to contact",
                "attempted_to_contact",
                "se intentó contactar",
                "intento de contacto",
                "tentativo di contatto",
                "tentato contatto",
            ),
        ),
        ("CONNECTED", ("connected", "conectado", "connesso", "contattato")),
        ("BAD_TIMING", ("bad timing", "bad_timing", "mal momento", "momento sbagliato")),
    )
    for word in words
}

# The default sales pipeline's stage labels -> HubSpot's internal stage ids, so the same deal
# exported in another language has the same stage. Renamed and custom stages keep their label.
DEAL_STAGES: dict[str, str] = {
    normalise_label(word): stage
    for stage, words in (
        ("appointmentscheduled", ("appointmentscheduled", "Appointment Scheduled",
                                  "Cita programada", "Cita agendada", "Appuntamento fissato",
                                  "Appuntamento programmato")),
        ("qualifiedtobuy", ("qualifiedtobuy", "Qualified To Buy", "Calificado para comprar",
                            "Cualificado para comprar", "Qualificato per l'acquisto",
                            "Qualificato all'acquisto")),
        ("presentationscheduled", ("presentationscheduled", "Presentation Scheduled",
                                   "Presentación programada", "Presentazione programmata")),
        ("decisionmakerboughtin", ("decisionmakerboughtin", "Decision Maker Bought-In",
                                   "Responsable de toma de decisiones convencido",
                                   "Responsable de la toma de decisiones convencido",
                                   "Decisore convinto", "Decisore coinvolto")),
        ("contractsent", ("contractsent", "Contract Sent", "Contrato enviado",
                          "Contratto inviato")),
        ("closedwon", ("closedwon", "Closed Won", "Cierre ganado", "Cerrado ganado",
                       "Chiusa vinta", "Chiuso vinto")),
        ("closedlost", ("closedlost", "Closed Lost", "Cierre perdido", "Cerrado perdido",
                        "Chiusa persa", "Chiuso perso")),
    )
    for word in words
}  # fmt: skip
