"""Salesforce columns: API names (Data Loader, Bulk API: any case) and report labels (en/es/it).

Data Loader exports name columns by API name (``OwnerId``, ``Owner.Name``); report exports by the
field's label in the user's language ("Lead Owner", "Propietario del candidato", "Proprietario
lead"). Each field lists its API names, then English, Spanish and Italian labels; which language
matched tells the adapter how the export writes numbers (1,234.56 or 1.234,56).
"""

from __future__ import annotations

from dataclasses import dataclass

from funnelpact.ingest.common import ColumnSpec, Header, normalise_label


@dataclass(frozen=True, slots=True)
class Field:
    api: tuple[str, ...]
    en: tuple[str, ...] = ()
    es: tuple[str, ...] = ()
    it: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.api, *self.en, *self.es, *self.it)

    def spec(self, required: bool = False) -> ColumnSpec:
        # Messages name the API name and the English report label.
        shown = (self.api[0], *(self.en[:1] or self.api[1:2]))
        return ColumnSpec(self.api[0], (*shown, *self.labels), required)


def _f(
    api: str | tuple[str, ...],
    en: tuple[str, ...] = (),
    es: tuple[str, ...] = (),
    it: tuple[str, ...] = (),
) -> Field:
    return Field(api if isinstance(api, tuple) else (api,), en, es, it)


CREATED = _f(
    "CreatedDate",
    ("Created Date", "Create Date", "Date Created"),
    ("Fecha de creación",),
    ("Data creazione", "Data di creazione"),
)
OWNER_ID = _f(
    ("OwnerId", "Owner.Id"),
    ("Owner ID",),
    ("Id. del propietario", "ID del propietario"),
    ("ID proprietario",),
)
OWNER_NAME = _f(
    ("Owner.Name", "OwnerName"),
    ("Owner", "Owner Name", "Full Name"),
    ("Propietario", "Nombre del propietario"),
    ("Proprietario", "Nome proprietario"),
)

LEAD: dict[str, Field] = {
    "Id": _f(
        "Id",
        ("Lead ID",),
        ("Id. de candidato", "ID de candidato", "ID del candidato"),
        ("ID lead", "Id lead"),
    ),
    "OwnerId": _f(
        ("OwnerId", "Owner.Id"),
        ("Lead Owner ID", "Owner ID"),
        ("Id. del propietario del candidato",),
        ("ID proprietario lead",),
    ),
    "Owner.Name": _f(
        ("Owner.Name",),
        ("Lead Owner", "Owner"),
        ("Propietario del candidato", "Propietario"),
        ("Proprietario lead", "Proprietario del lead", "Proprietario"),
    ),
    "FirstName": _f("FirstName", ("First Name",), ("Nombre",), ("Nome",)),
    "LastName": _f("LastName", ("Last Name",), ("Apellidos",), ("Cognome",)),
    "Email": _f("Email", ("Email",), ("Correo electrónico", "Email"), ("Email", "E-mail")),
    "Company": _f(
        "Company",
        ("Company / Account", "Company"),
        ("Compañía/Cuenta", "Empresa/Cuenta", "Compañía", "Empresa"),
        ("Società/Account", "Società", "Azienda"),
    ),
    "Status": _f(
        "Status",
        ("Lead Status",),
        ("Estado de candidato", "Estado del candidato"),
        ("Stato lead", "Stato del lead"),
    ),
    "LeadSource": _f(
        "LeadSource",
        ("Lead Source",),
        ("Origen del candidato", "Origen de candidato"),
        ("Origine lead", "Fonte lead"),
    ),
    "CreatedDate": CREATED,
    "ConvertedDate": _f(
        "ConvertedDate",
        ("Converted Date",),
        ("Fecha de conversión",),
        ("Data conversione", "Data di conversione"),
    ),
    "ConvertedOpportunityId": _f(
        "ConvertedOpportunityId",
        ("Converted Opportunity ID",),
        ("Id. de oportunidad convertida",),
        ("ID opportunità convertita",),
    ),
    "IsDeleted": _f("IsDeleted", ("Deleted",), ("Eliminado",), ("Eliminato",)),
    "LastModifiedDate": _f(
        "LastModifiedDate",
        ("Last Modified Date",),
        ("Fecha de última modificación",),
        ("Data ultima modifica",),
    ),
    "CampaignId": _f("CampaignId", ("Campaign ID",), ("Id. de campaña",), ("ID campagna",)),
}

LEAD_HISTORY: dict[str, Field] = {
    "Id": _f("Id", ("History ID",), ("Id. del historial",), ("ID cronologia",)),
    "LeadId": _f(
        ("LeadId", "Lead.Id"), ("Lead ID",), ("Id. de candidato", "ID de candidato"), ("ID lead",)
    ),
    "Field": _f(
        "Field",
        ("Field / Event", "Field/Event", "Field"),
        ("Campo/Evento", "Campo / Evento", "Campo"),
        ("Campo/Evento", "Campo"),
    ),
    "OldValue": _f(
        "OldValue",
        ("Old Value",),
        ("Valor anterior", "Valor antiguo"),
        ("Valore precedente", "Valore vecchio"),
    ),
    "NewValue": _f("NewValue", ("New Value",), ("Valor nuevo",), ("Nuovo valore",)),
    "DataType": _f("DataType", ("Data Type",), ("Tipo de datos",), ("Tipo di dati",)),
    "CreatedDate": _f(
        "CreatedDate",
        ("Edit Date", "Created Date"),
        ("Fecha de modificación", "Fecha de edición", "Fecha de creación"),
        ("Data modifica", "Data di modifica", "Data creazione"),
    ),
}

TASK: dict[str, Field] = {
    "Id": _f(
        "Id", ("Activity ID", "Task ID"), ("Id. de actividad", "Id. de tarea"), ("ID attività",)
    ),
    "WhoId": _f(
        ("WhoId", "Who.Id"),
        ("Name ID", "Lead ID", "Contact ID"),
        ("Id. de nombre", "Id. de candidato"),
        ("ID nome", "ID lead"),
    ),
    "OwnerId": OWNER_ID,
    "Owner.Name": _f(
        ("Owner.Name",),
        ("Assigned", "Assigned To", "Owner"),
        ("Asignado a", "Propietario"),
        ("Assegnato a", "Proprietario"),
    ),
    "Subject": _f("Subject", ("Subject",), ("Asunto",), ("Oggetto",)),
    "TaskSubtype": _f(
        "TaskSubtype", ("Task Subtype",), ("Subtipo de tarea",), ("Sottotipo attività",)
    ),
    "Type": _f("Type", ("Type", "Activity Type"), ("Tipo",), ("Tipo",)),
    "CallType": _f("CallType", ("Call Type",), ("Tipo de llamada",), ("Tipo di chiamata",)),
    "Status": _f("Status", ("Status",), ("Estado",), ("Stato",)),
    "IsClosed": _f("IsClosed", ("Closed",), ("Cerrado", "Cerrada"), ("Chiuso", "Chiusa")),
    "CreatedDate": CREATED,
    "CompletedDateTime": _f(
        "CompletedDateTime",
        ("Completed Date/Time",),
        ("Fecha/hora de finalización",),
        ("Data/ora completamento",),
    ),
}

EVENT: dict[str, Field] = {
    "Id": _f(
        "Id",
        ("Activity ID", "Event ID"),
        ("Id. de actividad", "Id. de evento"),
        ("ID attività", "ID evento"),
    ),
    "WhoId": TASK["WhoId"],
    "OwnerId": OWNER_ID,
    "Owner.Name": TASK["Owner.Name"],
    "Subject": TASK["Subject"],
    "Type": TASK["Type"],
    "StartDateTime": _f(
        "StartDateTime",
        ("Start", "Start Date Time", "Start Date/Time"),
        ("Inicio", "Fecha/hora de inicio"),
        ("Inizio", "Data/ora inizio"),
    ),
    "ActivityDateTime": _f(
        "ActivityDateTime", ("Date/Time", "Activity Date/Time"), ("Fecha/hora",), ("Data/ora",)
    ),
    "DurationInMinutes": _f("DurationInMinutes", ("Duration",), ("Duración",), ("Durata",)),
    "EndDateTime": _f("EndDateTime", ("End", "End Date Time"), ("Fin",), ("Fine",)),
    "CreatedDate": CREATED,
}

OPPORTUNITY: dict[str, Field] = {
    "Id": _f(
        "Id", ("Opportunity ID",), ("Id. de oportunidad", "ID de oportunidad"), ("ID opportunità",)
    ),
    "Name": _f("Name", ("Opportunity Name",), ("Nombre de la oportunidad",), ("Nome opportunità",)),
    "StageName": _f("StageName", ("Stage",), ("Etapa", "Fase"), ("Fase", "Stadio")),
    "Amount": _f("Amount", ("Amount",), ("Importe", "Cantidad"), ("Importo",)),
    "CurrencyIsoCode": _f(
        "CurrencyIsoCode",
        ("Opportunity Currency", "Currency"),
        ("Divisa de la oportunidad", "Divisa"),
        ("Valuta opportunità", "Valuta"),
    ),
    "CloseDate": _f(
        "CloseDate", ("Close Date",), ("Fecha de cierre",), ("Data di chiusura", "Data chiusura")
    ),
    "IsClosed": _f("IsClosed", ("Closed",), ("Cerrada", "Cerrado"), ("Chiusa", "Chiuso")),
    "IsWon": _f("IsWon", ("Won",), ("Ganada", "Ganado"), ("Vinta", "Vinto")),
    "OwnerId": OWNER_ID,
    "Owner.Name": _f(
        ("Owner.Name",),
        ("Opportunity Owner", "Owner"),
        ("Propietario de oportunidad", "Propietario de la oportunidad", "Propietario"),
        ("Proprietario opportunità", "Proprietario"),
    ),
    "ContactId": _f(
        ("ContactId", "Contact.Id"), ("Contact ID",), ("Id. de contacto",), ("ID contatto",)
    ),
    "CreatedDate": CREATED,
}

OPPORTUNITY_HISTORY: dict[str, Field] = {
    "Id": _f("Id", ("History ID",), ("Id. del historial",), ("ID cronologia",)),
    "OpportunityId": _f(
        ("OpportunityId", "Opportunity.Id"),
        ("Opportunity ID",),
        ("Id. de oportunidad",),
        ("ID opportunità",),
    ),
    "StageName": OPPORTUNITY["StageName"],
    "Amount": OPPORTUNITY["Amount"],
    "CreatedDate": _f(
        "CreatedDate",
        ("Last Modified", "Created Date", "Edit Date"),
        ("Última modificación", "Fecha de creación"),
        ("Ultima modifica", "Data creazione"),
    ),
}

CAMPAIGN_MEMBER: dict[str, Field] = {
    "Id": _f(
        "Id",
        ("Campaign Member ID", "Member ID"),
        ("Id. de miembro de campaña",),
        ("ID membro della campagna",),
    ),
    "CampaignId": _f(
        ("CampaignId", "Campaign.Id"), ("Campaign ID",), ("Id. de campaña",), ("ID campagna",)
    ),
    "Campaign.Name": _f(
        ("Campaign.Name",), ("Campaign Name",), ("Nombre de la campaña",), ("Nome campagna",)
    ),
    "LeadId": _f(("LeadId", "Lead.Id"), ("Lead ID",), ("Id. de candidato",), ("ID lead",)),
    "ContactId": _f(
        ("ContactId", "Contact.Id"), ("Contact ID",), ("Id. de contacto",), ("ID contatto",)
    ),
    "LeadOrContactId": _f(
        "LeadOrContactId",
        ("Lead or Contact ID",),
        ("Id. de candidato o contacto",),
        ("ID lead o contatto",),
    ),
    "Status": _f(
        "Status",
        ("Member Status", "Status"),
        ("Estado del miembro", "Estado"),
        ("Stato membro", "Stato"),
    ),
    "HasResponded": _f(
        "HasResponded", ("Responded",), ("Respondió", "Ha respondido"), ("Ha risposto",)
    ),
    "FirstRespondedDate": _f(
        "FirstRespondedDate",
        ("First Responded Date",),
        ("Fecha de primera respuesta",),
        ("Data prima risposta",),
    ),
    "CreatedDate": _f(
        "CreatedDate",
        ("Member First Associated", "Created Date"),
        ("Primera asociación del miembro", "Fecha de creación"),
        ("Prima associazione membro", "Data creazione"),
    ),
}


def header_language(header: Header, fields: dict[str, Field]) -> str:
    """The language of a header's labels: "api" (Data Loader), "en", "es" or "it"."""
    votes = dict.fromkeys(("api", "en", "es", "it"), 0)
    for field in fields.values():
        groups = {"api": field.api, "en": field.en, "es": field.es, "it": field.it}
        for language, labels in groups.items():
            elsewhere = {
                normalise_label(label)
                for other, others in groups.items()
                if other != language
                for label in others
            }
            if any(
                header.has(label) and normalise_label(label) not in elsewhere for label in labels
            ):
                votes[language] += 1
    return max(votes, key=lambda language: votes[language])


CLOSED_STAGE_WORDS: dict[str, bool] = {
    normalise_label(word): won
    for won, words in (
        (
            True,
            (
                "Closed Won",
                "Cerrada ganada",
                "Cerrado ganado",
                "Chiusa vinta",
                "Chiusa/Vinta",
                "Closed/Won",
            ),
        ),
        (
            False,
            (
                "Closed Lost",
                "Cerrada perdida",
                "Cerrado perdido",
                "Chiusa persa",
                "Chiusa/Persa",
                "Closed/Lost",
            ),
        ),
    )
    for word in words
}
