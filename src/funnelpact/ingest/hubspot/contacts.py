"""HubSpot contact exports -> Contact, StageChange, OwnerChange and Rep records."""

from __future__ import annotations

from datetime import datetime

from funnelpact.domain.errors import Level
from funnelpact.domain.records import (
    Contact,
    Decision,
    Direction,
    HandoffDecision,
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
    ColumnSpec,
    CsvFile,
    Header,
    ImportCode,
    ImportIssue,
    normalise_label,
)
from funnelpact.ingest.engine import FileAdapter, ImportContext
from funnelpact.ingest.hubspot.labels import (
    CONTACT_COLUMNS,
    DECISIONS,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    ORIGINAL_SOURCES,
    SLA_PROPERTIES,
    became_stage,
    entered_label,
    is_lifecycle_pipeline,
)

HUBSPOT = System.HUBSPOT


def _spec(internal: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(internal, CONTACT_COLUMNS[internal], required)


class ValueMap:
    """Raw export values -> canonical values, memoised (exports repeat a few values a lot)."""

    __slots__ = ("_cache", "_table")

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table
        self._cache: dict[str, str | None] = {"": None}

    def get(self, raw: str) -> str | None:
        try:
            return self._cache[raw]
        except KeyError:
            found = self._table.get(normalise_label(raw))
            self._cache[raw] = found
            return found


class HubSpotContacts(FileAdapter):
    """A contact export: one row per contact; stage dates become stage changes.

    For each stage the newer ``Date entered "<stage> (Lifecycle Stage Pipeline)"`` column is
    read first and the legacy "Became a <stage> Date" column fills in when it is empty, so a
    stage entry is recorded once even when an export carries both.

    First and recent conversions (form submissions) become inbound touches named by their date,
    so a newer export adds the new conversion and repeats none. A portal's SLA properties
    ("Revenue Stream", "MQL Decision", "MQL Decision Date", "MQL Rejection Reason") give the
    contact's stream and sales' hand-off decision (decided by the contact's owner).
    """

    kind = "hubspot contacts"
    priority = 10

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        self.id = header.require(_spec("hs_object_id", True))
        self.created = header.require(_spec("createdate", True))

        def optional(internal: str) -> int:
            found = header.column(_spec(internal))
            return -1 if found is None else found

        self.email = optional("email")
        self.first_name = optional("firstname")
        self.last_name = optional("lastname")
        self.company = optional("company")
        self.lifecycle = optional("lifecyclestage")
        self.lead_status = optional("hs_lead_status")
        self.owner = optional("hubspot_owner_id")
        self.assigned = optional("hubspot_owner_assigneddate")
        self.source = optional("hs_analytics_source")
        self.source_1 = optional("hs_analytics_source_data_1")
        self.source_2 = optional("hs_analytics_source_data_2")
        self.campaign = optional("hs_analytics_first_touch_converting_campaign")
        self.updated = optional("lastmodifieddate")
        self.team = optional("hubspot_team_id")
        self.conversions = [
            (optional(f"{which}_conversion_date"), optional(f"{which}_conversion_event_name"))
            for which in ("first", "recent")
        ]

        def custom(name: str) -> int:
            found = header.find(SLA_PROPERTIES[name])
            return -1 if found is None else found

        self.stream = custom("revenue_stream")
        self.decision = custom("mql_decision")
        self.decision_date = custom("mql_decision_date")
        self.rejection_reason = custom("mql_rejection_reason")
        self._decisions = ValueMap(DECISIONS)
        self.stage_columns = self._stage_columns(header)
        self._stages = ValueMap(LIFECYCLE_STAGES)
        self._sources = ValueMap(ORIGINAL_SOURCES)
        self._statuses = ValueMap(LEAD_STATUSES)
        self._owners: dict[str, Ref] = {}

    def _stage_columns(self, header: Header) -> list[tuple[str, int, int, str, str]]:
        """(stage, entered column, became column, their change sources) per stage."""
        entered: dict[str, int] = {}
        became: dict[str, int] = {}
        for index, name in enumerate(header.names):
            stage = became_stage(name)
            if stage is not None:
                became.setdefault(stage, index)
                header.used.add(index)
                continue
            found = entered_label(name)
            if found is None:
                continue
            label, pipeline = found
            if not is_lifecycle_pipeline(pipeline):
                continue
            stage = LIFECYCLE_STAGES.get(normalise_label(label))
            if stage is None:
                self.notes.append(
                    ImportIssue(
                        Level.WARNING,
                        ImportCode.IGNORED_COLUMN,
                        f'"{label}" is not a known lifecycle stage: this column is not read',
                        file=self.file.name,
                        line=1,
                        column=name,
                    )
                )
                continue
            entered.setdefault(stage, index)
            header.used.add(index)
        columns = []
        for stage in LIFECYCLE_ORDER:
            if stage in entered or stage in became:
                first = entered.get(stage, -1)
                second = became.get(stage, -1)
                columns.append(
                    (
                        stage,
                        first,
                        second,
                        f"export:hs_v2_date_entered_{HUBSPOT_STAGE_VALUES[stage]}",
                        f"export:hs_lifecyclestage_{HUBSPOT_STAGE_VALUES[stage]}_date",
                    )
                )
        return columns

    @property
    def date_columns(self) -> list[int]:
        found = [self.created, self.assigned, self.updated, self.decision_date]
        found.extend(date_column for date_column, _ in self.conversions)
        for _stage, first, second, _, _ in self.stage_columns:
            found.extend((first, second))
        return [index for index in found if index >= 0]

    def unknown_meaning(self, index: int) -> str:
        return "kept as written; no stage is derived from it"

    def convert(self, cells: list[str], out: list[Record]) -> None:
        # The hot path of a million-row import: locals, no helper calls per value.
        cells.append("")  # an absent column (index -1) reads as ""
        external_id = cells[self.id]
        if not external_id.isdigit():
            external_id = external_id.strip()
            if not external_id.isdigit():
                raise self._bad_id(external_id)
        ref = Ref(HUBSPOT, external_id)
        parse = self._parse_date
        facts: list[Record] = []
        try:
            value = cells[self.created]
            if not value:
                raise CellError(self.created, ImportCode.MISSING_VALUE, "a date is required here")
            created = parse(value)
            for stage, first, second, first_source, second_source in self.stage_columns:
                value = cells[first]
                if value:
                    facts.append(StageChange(ref, stage, parse(value), first_source))
                else:
                    value = cells[second]
                    if value:
                        facts.append(StageChange(ref, stage, parse(value), second_source))
            value = cells[self.assigned]
            assigned = parse(value) if value else None
            value = cells[self.updated]
            updated = parse(value) if value else None
            conversions = []
            for date_column, name_column in self.conversions:
                value = cells[date_column]
                if value:
                    conversions.append((parse(value), cells[name_column].strip()))
        except ValueError:
            raise self._bad_date(cells) from None
        decision = self._decision(cells) if self.decision >= 0 else None
        # Every value is valid: build the records.
        lifecycle_raw = cells[self.lifecycle].strip()
        lifecycle = self._stages.get(lifecycle_raw)
        if lifecycle is None and lifecycle_raw:
            self.unknown_value(self.lifecycle, lifecycle_raw)
        source_raw = cells[self.source].strip()
        status_raw = cells[self.lead_status].strip()
        owner_name = cells[self.owner]
        owner = self._owners.get(owner_name) if owner_name else None
        if owner is None and owner_name:
            owner = self.reps.by_name(HUBSPOT, owner_name, team=cells[self.team].strip())
            if owner is not None:
                self._owners[owner_name] = owner
        out.append(
            Contact(
                ref=ref,
                created_at=created,
                email=cells[self.email].strip(),
                first_name=cells[self.first_name].strip(),
                last_name=cells[self.last_name].strip(),
                company=cells[self.company].strip(),
                source=self._sources.get(source_raw) or source_raw,
                source_detail_1=cells[self.source_1].strip(),
                source_detail_2=cells[self.source_2].strip(),
                campaign=cells[self.campaign].strip(),
                owner=owner,
                lifecycle_stage=lifecycle or lifecycle_raw,
                lead_status=self._statuses.get(status_raw) or status_raw,
                updated_at=updated,
                stream=cells[self.stream].strip(),
            )
        )
        out.extend(facts)
        if owner is not None and assigned is not None:
            out.append(OwnerChange(ref, owner, assigned))
        if conversions:
            self._conversions(ref, conversions, out)
        if decision is not None:
            verdict, decided_at = decision
            rejected = verdict is Decision.REJECTED
            out.append(
                HandoffDecision(
                    contact=ref,
                    decision=verdict,
                    decided_at=decided_at,
                    decided_by=owner,
                    reason=cells[self.rejection_reason].strip() if rejected else "",
                )
            )

    @staticmethod
    def _conversions(ref: Ref, conversions: list[tuple[datetime, str]], out: list[Record]) -> None:
        seen: set[datetime] = set()
        for when, event_name in conversions:
            if when not in seen:  # first and recent conversion may be the same
                seen.add(when)
                out.append(
                    Touch(
                        ref=Ref(HUBSPOT, f"{ref.external_id}:conversion:{when.timestamp():.0f}"),
                        contact=ref,
                        type=TouchType.FORM_SUBMISSION,
                        occurred_at=when,
                        direction=Direction.INBOUND,
                        content=event_name,
                    )
                )

    def _bad_id(self, external_id: str) -> CellError:
        if not external_id:
            return CellError(self.id, ImportCode.MISSING_VALUE, "the record id is required")
        return CellError(
            self.id,
            ImportCode.BAD_ID,
            f'"{external_id}" is not a HubSpot record id (digits expected)',
        )

    def _bad_date(self, cells: list[str]) -> CellError:
        """The problem of the first date that does not parse (the slow path of a bad row)."""
        for index in self.date_columns:
            try:
                self.date(cells, index)
            except CellError as problem:
                return problem
        return CellError(-1, ImportCode.BAD_DATE, "bad date")  # pragma: no cover

    def _decision(self, cells: list[str]) -> tuple[Decision, datetime] | None:
        """Sales' decision on the MQL, from the portal's SLA properties (when it has them)."""
        if self.decision < 0:
            return None
        raw = cells[self.decision].strip()
        if not raw:
            return None
        found = self._decisions.get(raw)
        if found is None:
            raise CellError(
                self.decision,
                ImportCode.BAD_VALUE,
                f'"{raw}" is not a decision (accepted or rejected)',
            )
        if self.decision_date < 0:
            raise CellError(
                self.decision,
                ImportCode.MISSING_VALUE,
                'a decision needs its date: add the "MQL Decision Date" column',
            )
        decided_at = self.date(cells, self.decision_date)
        if decided_at is None:
            raise CellError(
                self.decision_date,
                ImportCode.MISSING_VALUE,
                "the date of the decision is required when there is a decision",
            )
        return Decision(found), decided_at


# The change source names the property (not its translated label), so the same export in
# another language says the same thing.
HUBSPOT_STAGE_VALUES = {
    "subscriber": "subscriber",
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
    "evangelist": "evangelist",
    "other": "other",
}

LIFECYCLE_ORDER = (
    "subscriber",
    "lead",
    "mql",
    "sql",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
