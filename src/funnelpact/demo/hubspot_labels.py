"""What the demo writes in HubSpot-shaped exports: column labels and value labels per language.

HubSpot exports property *labels*, translated into the exporting user's language, and option
labels for enumerations (lifecycle stage, lead status, deal stage). Keys here are HubSpot's
internal property names (or option values); `Language` picks the label. Custom properties of the
demo portal (revenue stream, the MQL decision) keep the label their admin typed in every language,
as HubSpot does not translate custom labels.
"""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ES = "es"
    IT = "it"


Labels = dict[Language, str]


def _l(en: str, es: str, it: str) -> Labels:
    return {Language.EN: en, Language.ES: es, Language.IT: it}


def _same(text: str) -> Labels:
    return _l(text, text, text)


# --- columns ------------------------------------------------------------------------------

COMMON = {
    "hs_object_id": _l("Record ID", "ID de registro", "ID record"),
    "createdate": _l("Create Date", "Fecha de creación", "Data di creazione"),
    "associated_contact_ids": _l(
        "Associated Contact IDs", "ID de contactos asociados", "ID contatti associati"
    ),
    "associated_contact": _l("Associated Contact", "Contacto asociado", "Contatto associato"),
    "hs_timestamp": _l("Activity date", "Fecha de la actividad", "Data attività"),
    "activity_owner": _l("Activity assigned to", "Actividad asignada a", "Attività assegnata a"),
    "hs_activity_type": _l("Activity type", "Tipo de actividad", "Tipo di attività"),
}

CONTACT_COLUMNS: dict[str, Labels] = {
    "hs_object_id": COMMON["hs_object_id"],
    "firstname": _l("First Name", "Nombre", "Nome"),
    "lastname": _l("Last Name", "Apellidos", "Cognome"),
    "email": _l("Email", "Correo", "E-mail"),
    "company": _l("Company Name", "Nombre de la empresa", "Nome azienda"),
    "createdate": COMMON["createdate"],
    "lastmodifieddate": _l(
        "Last Modified Date", "Fecha de última modificación", "Data ultima modifica"
    ),
    "lifecyclestage": _l("Lifecycle Stage", "Etapa del ciclo de vida", "Fase del ciclo di vita"),
    "hs_lead_status": _l("Lead Status", "Estado del lead", "Stato del lead"),
    "hubspot_owner_id": _l(
        "Contact owner", "Propietario del contacto", "Proprietario del contatto"
    ),
    "hubspot_owner_assigneddate": _l(
        "Owner assigned date",
        "Fecha de asignación del propietario",
        "Data assegnazione proprietario",
    ),
    "hubspot_team_id": _l("HubSpot Team", "Equipo de HubSpot", "Team HubSpot"),
    "hs_analytics_source": _l("Original Source", "Fuente original", "Fonte originale"),
    "hs_analytics_source_data_1": _l(
        "Original Source Drill-Down 1",
        "Desglose 1 de la fuente original",
        "Dettaglio 1 della fonte originale",
    ),
    "hs_analytics_source_data_2": _l(
        "Original Source Drill-Down 2",
        "Desglose 2 de la fuente original",
        "Dettaglio 2 della fonte originale",
    ),
    "hs_analytics_first_touch_converting_campaign": _l(
        "First Touch Converting Campaign",
        "Campaña de conversión del primer contacto",
        "Campagna di conversione del primo contatto",
    ),
    "hs_lifecyclestage_subscriber_date": _l(
        "Became a Subscriber Date",
        "Fecha en que se convirtió en suscriptor",
        "Data in cui è diventato iscritto",
    ),
    "hs_lifecyclestage_lead_date": _l(
        "Became a Lead Date",
        "Fecha en que se convirtió en lead",
        "Data in cui è diventato lead",
    ),
    "hs_lifecyclestage_marketingqualifiedlead_date": _l(
        "Became a Marketing Qualified Lead Date",
        "Fecha en que se convirtió en lead calificado para marketing",
        "Data in cui è diventato lead qualificato per il marketing",
    ),
    "hs_lifecyclestage_salesqualifiedlead_date": _l(
        "Became a Sales Qualified Lead Date",
        "Fecha en que se convirtió en lead calificado para ventas",
        "Data in cui è diventato lead qualificato per le vendite",
    ),
    "hs_lifecyclestage_opportunity_date": _l(
        "Became an Opportunity Date",
        "Fecha en que se convirtió en oportunidad",
        "Data in cui è diventato opportunità",
    ),
    "hs_lifecyclestage_customer_date": _l(
        "Became a Customer Date",
        "Fecha en que se convirtió en cliente",
        "Data in cui è diventato cliente",
    ),
    "first_conversion_event_name": _l(
        "First Conversion", "Primera conversión", "Prima conversione"
    ),
    "first_conversion_date": _l(
        "First Conversion Date", "Fecha de la primera conversión", "Data della prima conversione"
    ),
    "recent_conversion_event_name": _l(
        "Recent Conversion", "Conversión reciente", "Conversione recente"
    ),
    "recent_conversion_date": _l(
        "Recent Conversion Date", "Fecha de conversión reciente", "Data della conversione recente"
    ),
    "num_conversion_events": _l(
        "Number of Form Submissions", "Número de envíos de formularios", "Numero di invii di moduli"
    ),
    "hs_analytics_num_page_views": _l(
        "Number of Pageviews", "Número de vistas de página", "Numero di visualizzazioni di pagina"
    ),
    "notes_last_contacted": _l("Last Contacted", "Último contacto", "Ultimo contatto"),
    "num_contacted_notes": _l(
        "Number of times contacted", "Número de veces contactado", "Numero di volte contattato"
    ),
    # Custom properties of the demo portal: not translated by HubSpot.
    "revenue_stream": _same("Revenue Stream"),
    "mql_decision": _same("MQL Decision"),
    "mql_decision_date": _same("MQL Decision Date"),
    "mql_rejection_reason": _same("MQL Rejection Reason"),
}

DEAL_STAGE_ORDER = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)

DEAL_COLUMNS: dict[str, Labels] = {
    "hs_object_id": COMMON["hs_object_id"],
    "dealname": _l("Deal Name", "Nombre del negocio", "Nome trattativa"),
    "pipeline": _l("Pipeline", "Pipeline", "Pipeline"),
    "dealstage": _l("Deal Stage", "Etapa del negocio", "Fase della trattativa"),
    "amount": _l("Amount", "Importe", "Importo"),
    "deal_currency_code": _l("Currency", "Moneda", "Valuta"),
    "createdate": COMMON["createdate"],
    "closedate": _l("Close Date", "Fecha de cierre", "Data di chiusura"),
    "hubspot_owner_id": _l(
        "Deal owner", "Propietario del negocio", "Proprietario della trattativa"
    ),
    "dealtype": _l("Deal Type", "Tipo de negocio", "Tipo di trattativa"),
    "hs_is_closed": _l("Is Deal Closed?", "¿El negocio está cerrado?", "La trattativa è chiusa?"),
    "hs_is_closed_won": _l("Is Closed Won", "Es cerrado ganado", "È chiusa vinta"),
    "revenue_stream": _same("Revenue Stream"),
    "associated_contact": COMMON["associated_contact"],
    "associated_contact_ids": COMMON["associated_contact_ids"],
}


def date_entered_label(stage: str, language: Language) -> str:
    """HubSpot's `Date entered "<stage> (<pipeline>)"` column of a deal stage."""
    templates = {
        Language.EN: 'Date entered "{stage} ({pipeline})"',
        Language.ES: 'Fecha de entrada a "{stage} ({pipeline})"',
        Language.IT: 'Data di ingresso in "{stage} ({pipeline})"',
    }
    return templates[language].format(
        stage=DEAL_STAGE_LABELS[stage][language], pipeline=PIPELINE_LABEL[language]
    )


CALL_COLUMNS: dict[str, Labels] = {
    "hs_object_id": COMMON["hs_object_id"],
    "hs_activity_type": COMMON["hs_activity_type"],
    "hs_timestamp": COMMON["hs_timestamp"],
    "hs_call_title": _l("Call Title", "Título de la llamada", "Titolo della chiamata"),
    "hs_call_direction": _l(
        "Call direction", "Dirección de la llamada", "Direzione della chiamata"
    ),
    "hs_call_disposition": _l("Call outcome", "Resultado de la llamada", "Esito della chiamata"),
    "hs_call_duration": _l(
        "Call duration (ms)", "Duración de la llamada (ms)", "Durata della chiamata (ms)"
    ),
    "hubspot_owner_id": COMMON["activity_owner"],
    "associated_contact_ids": COMMON["associated_contact_ids"],
}

EMAIL_COLUMNS: dict[str, Labels] = {
    "hs_object_id": COMMON["hs_object_id"],
    "hs_activity_type": COMMON["hs_activity_type"],
    "hs_timestamp": COMMON["hs_timestamp"],
    "hs_email_subject": _l("Email subject", "Asunto del correo", "Oggetto dell'email"),
    "hs_email_direction": _l("Email direction", "Dirección del correo", "Direzione dell'email"),
    "hs_email_status": _l("Email send status", "Estado de envío del correo", "Stato di invio"),
    "hs_sequence_name": _l("Sequence", "Secuencia", "Sequenza"),
    "hubspot_owner_id": COMMON["activity_owner"],
    "associated_contact_ids": COMMON["associated_contact_ids"],
}

MEETING_COLUMNS: dict[str, Labels] = {
    "hs_object_id": COMMON["hs_object_id"],
    "hs_activity_type": COMMON["hs_activity_type"],
    "hs_timestamp": COMMON["hs_timestamp"],
    "hs_meeting_title": _l("Meeting name", "Nombre de la reunión", "Nome della riunione"),
    "hs_meeting_start_time": _l(
        "Meeting start time", "Hora de inicio de la reunión", "Ora di inizio della riunione"
    ),
    "hs_meeting_end_time": _l(
        "Meeting end time", "Hora de finalización de la reunión", "Ora di fine della riunione"
    ),
    "hs_meeting_outcome": _l("Meeting outcome", "Resultado de la reunión", "Esito della riunione"),
    "hubspot_owner_id": COMMON["activity_owner"],
    "associated_contact_ids": COMMON["associated_contact_ids"],
}

# --- values -------------------------------------------------------------------------------

LIFECYCLE_LABELS: dict[str, Labels] = {
    "subscriber": _l("Subscriber", "Suscriptor", "Iscritto"),
    "lead": _l("Lead", "Lead", "Lead"),
    "marketingqualifiedlead": _l(
        "Marketing Qualified Lead",
        "Lead calificado para marketing",
        "Lead qualificato per il marketing",
    ),
    "salesqualifiedlead": _l(
        "Sales Qualified Lead", "Lead calificado para ventas", "Lead qualificato per le vendite"
    ),
    "opportunity": _l("Opportunity", "Oportunidad", "Opportunità"),
    "customer": _l("Customer", "Cliente", "Cliente"),
}

LEAD_STATUS_LABELS: dict[str, Labels] = {
    "NEW": _l("New", "Nuevo", "Nuovo"),
    "OPEN": _l("Open", "Abierto", "Aperto"),
    "IN_PROGRESS": _l("In Progress", "En curso", "In corso"),
    "OPEN_DEAL": _l("Open Deal", "Negocio abierto", "Trattativa aperta"),
    "UNQUALIFIED": _l("Unqualified", "No calificado", "Non qualificato"),
    "ATTEMPTED_TO_CONTACT": _l(
        "Attempted to Contact", "Se intentó contactar", "Tentativo di contatto"
    ),
    "CONNECTED": _l("Connected", "Conectado", "Connesso"),
    "BAD_TIMING": _l("Bad Timing", "Mal momento", "Momento sbagliato"),
}

SOURCE_LABELS: dict[str, Labels] = {
    "ORGANIC_SEARCH": _l("Organic Search", "Búsqueda orgánica", "Ricerca organica"),
    "PAID_SEARCH": _l("Paid Search", "Búsqueda de pago", "Ricerca a pagamento"),
    "EMAIL_MARKETING": _l("Email Marketing", "Email marketing", "E-mail marketing"),
    "SOCIAL_MEDIA": _l("Organic Social", "Redes sociales orgánicas", "Social organici"),
    "REFERRALS": _l("Referrals", "Referencias", "Referral"),
    "OTHER_CAMPAIGNS": _l("Other Campaigns", "Otras campañas", "Altre campagne"),
    "DIRECT_TRAFFIC": _l("Direct Traffic", "Tráfico directo", "Traffico diretto"),
    "OFFLINE": _l("Offline Sources", "Fuentes sin conexión", "Fonti offline"),
    "PAID_SOCIAL": _l("Paid Social", "Redes sociales de pago", "Social a pagamento"),
}

PIPELINE_LABEL = _l("Sales Pipeline", "Pipeline de ventas", "Pipeline di vendita")

DEAL_STAGE_LABELS: dict[str, Labels] = {
    "appointmentscheduled": _l("Appointment Scheduled", "Cita programada", "Appuntamento fissato"),
    "qualifiedtobuy": _l(
        "Qualified To Buy", "Calificado para comprar", "Qualificato per l'acquisto"
    ),
    "presentationscheduled": _l(
        "Presentation Scheduled", "Presentación programada", "Presentazione programmata"
    ),
    "decisionmakerboughtin": _l(
        "Decision Maker Bought-In",
        "Responsable de toma de decisiones convencido",
        "Decisore convinto",
    ),
    "contractsent": _l("Contract Sent", "Contrato enviado", "Contratto inviato"),
    "closedwon": _l("Closed Won", "Cerrado ganado", "Chiusa vinta"),
    "closedlost": _l("Closed Lost", "Cerrado perdido", "Chiusa persa"),
}

DEAL_TYPE_NEW_BUSINESS = _l("New Business", "Nuevo negocio", "Nuovo business")

YES_NO = {True: _l("true", "true", "true"), False: _l("false", "false", "false")}

CALL_DIRECTION_LABELS: dict[str, Labels] = {
    "OUTBOUND": _l("Outbound", "Saliente", "In uscita"),
    "INBOUND": _l("Inbound", "Entrante", "In entrata"),
}

CALL_OUTCOME_LABELS: dict[str, Labels] = {
    "connected": _l("Connected", "Conectado", "Connesso"),
    "no_answer": _l("No answer", "Sin respuesta", "Nessuna risposta"),
    "left_voicemail": _l("Left voicemail", "Dejó un mensaje de voz", "Messaggio in segreteria"),
    "busy": _l("Busy", "Ocupado", "Occupato"),
    "wrong_number": _l("Wrong number", "Número equivocado", "Numero errato"),
}

EMAIL_DIRECTION_LABELS: dict[str, Labels] = {
    "EMAIL": _l("Sent", "Enviado", "Inviata"),
    "INCOMING_EMAIL": _l("Received", "Recibido", "Ricevuta"),
}

ACTIVITY_TYPE_LABELS: dict[str, Labels] = {
    "CALL": _l("Call", "Llamada", "Chiamata"),
    "EMAIL": _l("Email", "Correo", "E-mail"),
    "MEETING": _l("Meeting", "Reunión", "Riunione"),
}

MEETING_OUTCOME_COMPLETED = _l("Completed", "Realizada", "Completata")

# Conversion event names HubSpot shows: "<form or page title>: <form name>".
FORM_NAME = _l("Contact form", "Formulario de contacto", "Modulo di contatto")
