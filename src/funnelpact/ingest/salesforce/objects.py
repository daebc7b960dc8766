"""Salesforce objects -> canonical records: Lead, LeadHistory, Task, Event, Opportunity,
OpportunityHistory, CampaignMember, from Data Loader or report exports."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from funnelpact.domain.errors import Level
from funnelpact.domain.records import (
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStageChange,
    Direction,
    OwnerChange,
    Record,
    Ref,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.ingest.common import (
    CellError,
    CsvFile,
    Header,
    ImportCode,
    ImportIssue,
    normalise_label,
    parse_bool,
)
from funnelpact.ingest.engine import FileAdapter, ImportContext
from funnelpact.ingest.hubspot.labels import ACTIVITY_TYPES
from funnelpact.ingest.salesforce.ids import QUEUE_PREFIX, looks_like_id, normalise_id
from funnelpact.ingest.salesforce.labels import (
    CAMPAIGN_MEMBER,
    CLOSED_STAGE_WORDS,
    EVENT,
    LEAD,
    LEAD_HISTORY,
    OPPORTUNITY,
    OPPORTUNITY_HISTORY,
    TASK,
    Field,
    header_language,
)
from funnelpact.ingest.salesforce.status_map import StatusMap

SALESFORCE = System.SALESFORCE
_ZERO = Decimal(0)


class SalesforceAdapter(FileAdapter):
    """Shared by every object: columns by API name or label, ids, owners, report footers."""

    strips_report_footer = True
    fields: ClassVar[dict[str, Field]] = {}
    required_fields: ClassVar[tuple[str, ...]] = ()
    dated_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        self.columns: dict[str, int] = {}
        for name, field in self.fields.items():
            if name in self.required_fields:
                self.columns[name] = header.require(field.spec(required=True))
            else:
                found = header.find(field.labels)
                self.columns[name] = -1 if found is None else found
        self.language = header_language(header, self.fields)
        self.decimal_comma = True if self.language in ("es", "it") else None
        self._ids: dict[str, str] = {}
        self.skipped: dict[str, int] = {}

    @property
    def date_columns(self) -> list[int]:
        return [self.columns[name] for name in self.dated_fields if self.columns[name] >= 0]

    def col(self, name: str) -> int:
        return self.columns[name]

    def sf_id(self, cells: list[str], name: str, *, required: bool = False) -> str:
        """The 18-character form of the id in column ``name`` ("" when empty and optional)."""
        index = self.columns[name]
        raw = cells[index].strip() if index >= 0 else ""
        if not raw:
            if required:
                raise CellError(index, ImportCode.MISSING_VALUE, "an id is required here")
            return ""
        found = self._ids.get(raw)
        if found is None:
            try:
                found = normalise_id(raw)
            except ValueError:
                raise CellError(
                    index,
                    ImportCode.BAD_ID,
                    f'"{raw}" is not a Salesforce id (15 or 18 letters and digits)',
                ) from None
            self._ids[raw] = found
        return found

    def flag(self, cells: list[str], name: str) -> bool | None:
        index = self.columns[name]
        if index < 0 or not cells[index].strip():
            return None
        try:
            return parse_bool(cells[index])
        except ValueError:
            raise CellError(
                index, ImportCode.BAD_VALUE, f'"{cells[index]}" is not true or false'
            ) from None

    def owner(self, cells: list[str]) -> Ref | None:
        """The owning rep: by OwnerId when the export has it, else by the owner's name.

        A queue (id 00G...) owns a record nobody has picked up: no rep.
        """
        name = self.text(cells, self.columns.get("Owner.Name", -1))
        if self.columns.get("OwnerId", -1) >= 0:
            owner_id = self.sf_id(cells, "OwnerId")
            if owner_id.startswith(QUEUE_PREFIX):
                return None
            if owner_id:
                return self.reps.by_id(SALESFORCE, owner_id, name)
        return self.reps.by_name(SALESFORCE, name) if name else None

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def finish(self) -> list[ImportIssue]:
        found = super().finish()
        for why, count in self.skipped.items():
            found.append(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.UNKNOWN_VALUE,
                    f"{count} row(s) skipped: {why}",
                    file=self.file.name,
                )
            )
        return found


class SalesforceLead(SalesforceAdapter):
    """Lead -> Contact, the stage of its creation and of its conversion, its owner.

    ``ConvertedDate`` is a date without a time: the conversion is recorded at the start of that
    day in the export's zone, unless a LeadHistory file in the same import gives the exact
    time (its ``leadConverted`` and Status rows are then used instead).
    """

    kind = "salesforce Lead"
    priority = 10
    fields = LEAD
    required_fields = ("Id", "CreatedDate")
    dated_fields = ("CreatedDate", "ConvertedDate", "LastModifiedDate")

    def __init__(
        self,
        file: CsvFile,
        header: Header,
        context: ImportContext,
        statuses: StatusMap,
        history_in_import: bool = False,
    ) -> None:
        super().__init__(file, header, context)
        self.statuses = statuses
        self.history_in_import = history_in_import

    def unknown_meaning(self, index: int) -> str:
        return "no stage is derived from it (add it to --status-map)"

    def convert(self, cells: list[str], out: list[Record]) -> None:
        lead_id = self.sf_id(cells, "Id", required=True)
        if self.flag(cells, "IsDeleted"):
            self.skip("deleted leads (IsDeleted)")
            return
        created = self.required_date(cells, self.col("CreatedDate"))
        converted = self.date(cells, self.col("ConvertedDate"))
        updated = self.date(cells, self.col("LastModifiedDate"))
        opportunity = self.sf_id(cells, "ConvertedOpportunityId")
        campaign = self.sf_id(cells, "CampaignId")
        text = self.text
        status = text(cells, self.col("Status"))
        stage = self.statuses.stage_of(status) if status else ""
        if stage is None:
            self.unknown_value(self.col("Status"), status)
        owner = self.owner(cells)
        ref = Ref(SALESFORCE, lead_id)
        out.append(
            Contact(
                ref=ref,
                created_at=created,
                email=text(cells, self.col("Email")),
                first_name=text(cells, self.col("FirstName")),
                last_name=text(cells, self.col("LastName")),
                company=text(cells, self.col("Company")),
                source=text(cells, self.col("LeadSource")),
                campaign=campaign,
                owner=owner,
                lifecycle_stage=stage or "",
                lead_status=status,
                updated_at=updated,
            )
        )
        if self.statuses.created:
            out.append(StageChange(ref, self.statuses.created, created, "export:CreatedDate"))
        if converted is not None and not self.history_in_import:
            if self.statuses.converted:
                out.append(
                    StageChange(ref, self.statuses.converted, converted, "export:ConvertedDate")
                )
            if opportunity and self.statuses.converted_with_opportunity:
                out.append(
                    StageChange(
                        ref,
                        self.statuses.converted_with_opportunity,
                        converted,
                        "export:ConvertedDate",
                    )
                )


_STATUS_FIELDS = frozenset(
    normalise_label(word)
    for word in (
        "Status",
        "Lead Status",
        "Estado de candidato",
        "Estado del candidato",
        "Estado",
        "Stato lead",
        "Stato del lead",
        "Stato",
    )
)
_OWNER_FIELDS = frozenset(
    normalise_label(word)
    for word in (
        "Owner",
        "OwnerId",
        "Lead Owner",
        "Owner (Assignment)",
        "Propietario",
        "Propietario del candidato",
        "Proprietario",
        "Proprietario lead",
    )
)
_CONVERTED_EVENTS = frozenset(
    normalise_label(word)
    for word in (
        "leadConverted",
        "Converted lead",
        "Lead converted",
        "Candidato convertido",
        "Lead convertito",
    )
)


class SalesforceLeadHistory(SalesforceAdapter):
    """LeadHistory -> stage changes (Status, conversion) and owner changes, at their times.

    Salesforce writes an owner change twice: with ids (DataType EntityId) and with names
    (DataType Text); the id row is used. A change to a queue is not an assignment to a rep.
    """

    kind = "salesforce LeadHistory"
    priority = 20
    fields = LEAD_HISTORY
    required_fields = ("LeadId", "Field", "CreatedDate")
    dated_fields = ("CreatedDate",)

    def __init__(
        self, file: CsvFile, header: Header, context: ImportContext, statuses: StatusMap
    ) -> None:
        super().__init__(file, header, context)
        self.statuses = statuses

    def unknown_meaning(self, index: int) -> str:
        return "no stage is derived from it (add it to --status-map)"

    def convert(self, cells: list[str], out: list[Record]) -> None:
        lead_id = self.sf_id(cells, "LeadId", required=True)
        when = self.required_date(cells, self.col("CreatedDate"))
        field = normalise_label(cells[self.col("Field")])
        new_value = self.text(cells, self.col("NewValue"))
        lead = Ref(SALESFORCE, lead_id)
        if field in _STATUS_FIELDS:
            if not new_value:
                return
            stage = self.statuses.stage_of(new_value)
            if stage is None:
                self.unknown_value(self.col("NewValue"), new_value)
            elif stage:
                out.append(StageChange(lead, stage, when, "export:LeadHistory.Status"))
        elif field in _CONVERTED_EVENTS:
            if self.statuses.converted:
                out.append(
                    StageChange(
                        lead, self.statuses.converted, when, "export:LeadHistory.leadConverted"
                    )
                )
        elif field in _OWNER_FIELDS:
            if not new_value:
                return
            data_type = self.text(cells, self.col("DataType"))
            if looks_like_id(new_value):
                owner_id = self._owner_id(new_value)
                if owner_id.startswith(QUEUE_PREFIX):
                    return  # assigned to a queue: to nobody yet
                owner = self.reps.by_id(SALESFORCE, owner_id)
            elif data_type:
                return  # the name row of an id/name pair (Data Loader exports have both)
            else:
                owner = self.reps.by_name(SALESFORCE, new_value)  # a report: names only
            if owner is not None:
                out.append(OwnerChange(lead, owner, when))

    def _owner_id(self, raw: str) -> str:
        try:
            return normalise_id(raw)
        except ValueError:
            raise CellError(
                self.col("NewValue"), ImportCode.BAD_ID, f'"{raw}" is not a Salesforce id'
            ) from None


_INBOUND = frozenset(normalise_label(word) for word in ("Inbound", "Entrante", "In entrata"))
_OPEN_TASK_STATUSES = frozenset(
    normalise_label(word)
    for word in (
        "Not Started",
        "In Progress",
        "Waiting on someone else",
        "Deferred",
        "No iniciada",
        "En curso",
        "En espera",
        "Aplazada",
        "Non iniziata",
        "In corso",
        "In attesa",
        "Rinviata",
    )
)
_AUTOMATED_SUBTYPES = frozenset(normalise_label(word) for word in ("ListEmail", "List Email"))


def _touch_type(value: str) -> TouchType | None:
    found = ACTIVITY_TYPES.get(normalise_label(value))
    return TouchType(found) if found else None


class SalesforceTask(SalesforceAdapter):
    """Task -> Touch (calls and emails logged or sent), by TaskSubtype, else Type.

    An open task (IsClosed false, or an open Status) is a to-do, not a touch: skipped. List
    emails (TaskSubtype ListEmail) are automated. A task about no lead or contact (no WhoId) is
    skipped. The touch happened at CompletedDateTime, else at CreatedDate (ActivityDate is a due
    date without a time).
    """

    kind = "salesforce Task"
    priority = 40
    fields = TASK
    required_fields = ("Id", "WhoId", "CreatedDate")
    dated_fields = ("CreatedDate", "CompletedDateTime")

    def convert(self, cells: list[str], out: list[Record]) -> None:
        task_id = self.sf_id(cells, "Id", required=True)
        who = self.sf_id(cells, "WhoId")
        created = self.required_date(cells, self.col("CreatedDate"))
        completed = self.date(cells, self.col("CompletedDateTime"))
        closed = self.flag(cells, "IsClosed")
        text = self.text
        if closed is False or (
            closed is None
            and normalise_label(text(cells, self.col("Status"))) in _OPEN_TASK_STATUSES
        ):
            self.skip("open tasks (not done yet)")
            return
        if not who:
            self.skip("tasks about no lead or contact (no WhoId)")
            return
        subtype = text(cells, self.col("TaskSubtype"))
        kind = _touch_type(subtype) or _touch_type(text(cells, self.col("Type")))
        call_type = text(cells, self.col("CallType"))
        out.append(
            Touch(
                ref=Ref(SALESFORCE, task_id),
                contact=Ref(SALESFORCE, who),
                type=kind or TouchType.TASK,
                occurred_at=completed or created,
                direction=Direction.INBOUND
                if normalise_label(call_type) in _INBOUND
                else Direction.OUTBOUND,
                rep=self.owner(cells),
                automated=normalise_label(subtype) in _AUTOMATED_SUBTYPES,
                subject=text(cells, self.col("Subject")),
            )
        )


class SalesforceEvent(SalesforceAdapter):
    """Event -> Touch (a meeting, or a call when its Type says so) at its start."""

    kind = "salesforce Event"
    priority = 40
    fields = EVENT
    required_fields = ("Id", "WhoId")
    dated_fields = ("StartDateTime", "ActivityDateTime", "EndDateTime", "CreatedDate")

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        if all(self.col(name) < 0 for name in ("StartDateTime", "ActivityDateTime")):
            header.missing.append(EVENT["StartDateTime"].spec().display)

    def convert(self, cells: list[str], out: list[Record]) -> None:
        event_id = self.sf_id(cells, "Id", required=True)
        who = self.sf_id(cells, "WhoId")
        start = self.date(cells, self.col("StartDateTime")) or self.date(
            cells, self.col("ActivityDateTime")
        )
        if start is None:
            index = self.col("StartDateTime")
            raise CellError(
                index if index >= 0 else self.col("ActivityDateTime"),
                ImportCode.MISSING_VALUE,
                "the event's start is required",
            )
        if not who:
            self.skip("events about no lead or contact (no WhoId)")
            return
        kind = _touch_type(self.text(cells, self.col("Type")))
        out.append(
            Touch(
                ref=Ref(SALESFORCE, event_id),
                contact=Ref(SALESFORCE, who),
                type=kind if kind is TouchType.CALL else TouchType.MEETING,
                occurred_at=start,
                direction=Direction.OUTBOUND,
                rep=self.owner(cells),
                subject=self.text(cells, self.col("Subject")),
            )
        )


class SalesforceOpportunity(SalesforceAdapter):
    """Opportunity -> Deal: won or lost by IsClosed/IsWon (else by the stage's name)."""

    kind = "salesforce Opportunity"
    priority = 30
    fields = OPPORTUNITY
    required_fields = ("Id", "CreatedDate")
    dated_fields = ("CreatedDate", "CloseDate")

    def convert(self, cells: list[str], out: list[Record]) -> None:
        deal_id = self.sf_id(cells, "Id", required=True)
        created = self.required_date(cells, self.col("CreatedDate"))
        close = self.date(cells, self.col("CloseDate"))
        amount, written_currency = self.amount(cells, self.col("Amount"))
        contact = self.sf_id(cells, "ContactId")
        is_closed = self.flag(cells, "IsClosed")
        is_won = self.flag(cells, "IsWon")
        text = self.text
        stage = text(cells, self.col("StageName"))
        won: bool | None
        if is_closed is not None:
            won = bool(is_won) if is_closed else None
        else:
            won = CLOSED_STAGE_WORDS.get(normalise_label(stage))
        out.append(
            Deal(
                ref=Ref(SALESFORCE, deal_id),
                created_at=created,
                amount=amount if amount is not None else _ZERO,
                currency=(text(cells, self.col("CurrencyIsoCode")) or written_currency).upper(),
                name=text(cells, self.col("Name")),
                stage=stage,
                contact=Ref(SALESFORCE, contact) if contact else None,
                owner=self.owner(cells),
                closed_at=close if won is not None else None,
                won=won,
            )
        )


class SalesforceOpportunityHistory(SalesforceAdapter):
    """OpportunityHistory -> DealStageChange: the row's CreatedDate is when the stage (or the
    amount or close date) changed; every row is kept and the first entry of a stage counts."""

    kind = "salesforce OpportunityHistory"
    priority = 35
    fields = OPPORTUNITY_HISTORY
    required_fields = ("OpportunityId", "StageName", "CreatedDate")
    dated_fields = ("CreatedDate",)

    def convert(self, cells: list[str], out: list[Record]) -> None:
        deal_id = self.sf_id(cells, "OpportunityId", required=True)
        when = self.required_date(cells, self.col("CreatedDate"))
        stage = self.required(cells, self.col("StageName"), "the stage")
        amount, _ = self.amount(cells, self.col("Amount"))
        out.append(DealStageChange(Ref(SALESFORCE, deal_id), stage, when, amount))


class SalesforceCampaignMember(SalesforceAdapter):
    """CampaignMember -> CampaignMember (and the Campaign when the export names it).

    The member is the lead (LeadId), else the contact (ContactId, LeadOrContactId).
    """

    kind = "salesforce CampaignMember"
    priority = 25
    fields = CAMPAIGN_MEMBER
    required_fields = ("CampaignId",)
    dated_fields = ("CreatedDate", "FirstRespondedDate")

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        if all(self.col(name) < 0 for name in ("LeadId", "ContactId", "LeadOrContactId")):
            header.missing.append(CAMPAIGN_MEMBER["LeadId"].spec().display)
        self._campaigns: set[str] = set()

    def convert(self, cells: list[str], out: list[Record]) -> None:
        campaign = self.sf_id(cells, "CampaignId", required=True)
        member = (
            self.sf_id(cells, "LeadId")
            or self.sf_id(cells, "ContactId")
            or self.sf_id(cells, "LeadOrContactId")
        )
        joined = self.date(cells, self.col("CreatedDate"))
        responded_at = self.date(cells, self.col("FirstRespondedDate"))
        responded = self.flag(cells, "HasResponded")
        if not member:
            self.skip("members with no lead or contact id")
            return
        name = self.text(cells, self.col("Campaign.Name"))
        campaign_ref = Ref(SALESFORCE, campaign)
        if name and campaign not in self._campaigns:
            self._campaigns.add(campaign)
            out.append(Campaign(ref=campaign_ref, name=name))
        out.append(
            CampaignMember(
                campaign=campaign_ref,
                contact=Ref(SALESFORCE, member),
                status=self.text(cells, self.col("Status")),
                joined_at=joined,
                responded_at=responded_at if responded is not False else None,
            )
        )
