"""HubSpot activity exports (calls, emails, meetings, notes, tasks) -> Touch and Rep records."""

from __future__ import annotations

from funnelpact.domain.errors import Level
from funnelpact.domain.records import Direction, Record, Ref, System, Touch, TouchType
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
    ACTIVITY_COLUMNS,
    ACTIVITY_SIGNATURES,
    ACTIVITY_TYPES,
    AUTOMATION_WORDS,
    DIRECTIONS,
)

HUBSPOT = System.HUBSPOT
_INCOMING = frozenset({normalise_label("INCOMING_EMAIL"), normalise_label("incoming email")})


def _spec(internal: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(internal, ACTIVITY_COLUMNS[internal], required)


def split_ids(value: str) -> list[str]:
    """Ids of an associations cell: "101;102", "101, 102" or "101"."""
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


class HubSpotActivities(FileAdapter):
    """An activity export: one touch per activity and associated contact.

    Either one export of every activity (with an "Activity type" column) or HubSpot's export of
    one activity object (calls, emails or meetings), whose columns tell the type.
    An activity associated with several contacts counts for each of them (a meeting with two
    leads follows both up); the first contact's touch keeps the activity id as its ref, the
    others get ``<id>:<contact id>``. Activities with no associated contact (company- or
    deal-only) are skipped and counted in a warning. An email sent by a sequence or a workflow
    (the Source column says so, or a Sequence column is filled) is automated.
    """

    kind = "hubspot activities"
    priority = 40

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        self.id = header.require(_spec("hs_object_id", True))
        found_type = header.find(ACTIVITY_COLUMNS["hs_activity_type"])
        self.type = -1 if found_type is None else found_type
        self.file_type = None if found_type is not None else self._file_type(header)
        self.timestamp = header.require(_spec("hs_timestamp", True))
        self.contacts = header.require(_spec("associated_contact_ids", True))

        def optional(internal: str) -> int:
            found = header.column(_spec(internal))
            return -1 if found is None else found

        self.direction = optional("hs_direction")
        self.owner = optional("hubspot_owner_id")
        self.subject = optional("hs_subject")
        self.source = optional("hs_activity_source")
        self.sequence = optional("hs_sequence")
        self.campaign = optional("hs_campaign")
        self.without_contact = 0
        self._types: dict[str, TouchType | None] = {}
        self._inbound_types: set[str] = set()  # INCOMING_EMAIL as a type says the direction
        self._automated: dict[str, bool] = {"": False}

    @staticmethod
    def _file_type(header: Header) -> TouchType | None:
        """The type of a calls, emails or meetings export (no type column), by its columns."""
        scores = {
            kind: sum(1 for label in labels if header.has(label))
            for kind, labels in ACTIVITY_SIGNATURES.items()
        }
        best = max(scores, key=lambda kind: scores[kind])
        if scores[best] == 0:
            header.missing.append(
                _spec("hs_activity_type").display
                + " (or the columns of a calls, emails or meetings export)"
            )
            return None
        return TouchType(best)

    @property
    def date_columns(self) -> list[int]:
        return [self.timestamp]

    def convert(self, cells: list[str], out: list[Record]) -> None:
        external_id = cells[self.id].strip()
        if not external_id:
            raise CellError(self.id, ImportCode.MISSING_VALUE, "the record id is required")
        if self.type >= 0:
            raw_type = cells[self.type].strip()
            touch_type = self._types.get(raw_type) or self._touch_type(raw_type)
        else:
            raw_type = ""
            touch_type = self.file_type or TouchType.TASK
        occurred = self.required_date(cells, self.timestamp)
        contacts = split_ids(cells[self.contacts])
        for contact in contacts:
            if not contact.isdigit():
                raise CellError(
                    self.contacts,
                    ImportCode.BAD_ID,
                    f'"{contact}" is not a HubSpot contact id (digits expected)',
                )
        if not contacts:
            self.without_contact += 1
            return
        text = self.text
        raw_direction = text(cells, self.direction)
        direction = Direction.INBOUND if raw_type in self._inbound_types else Direction.OUTBOUND
        if raw_direction:
            found = DIRECTIONS.get(normalise_label(raw_direction))
            if found is None:
                raise CellError(
                    self.direction,
                    ImportCode.BAD_VALUE,
                    f'"{raw_direction}" is not a direction (inbound or outbound)',
                )
            direction = Direction(found)
        owner_name = text(cells, self.owner)
        rep = self.reps.by_name(HUBSPOT, owner_name) if owner_name else None
        automated = self._is_automated(text(cells, self.source)) or bool(text(cells, self.sequence))
        subject = text(cells, self.subject)
        campaign = text(cells, self.campaign)
        for position, contact in enumerate(contacts):
            ref_id = external_id if position == 0 else f"{external_id}:{contact}"
            out.append(
                Touch(
                    ref=Ref(HUBSPOT, ref_id),
                    contact=Ref(HUBSPOT, contact),
                    type=touch_type,
                    occurred_at=occurred,
                    direction=direction,
                    rep=rep,
                    automated=automated,
                    subject=subject,
                    campaign=campaign,
                )
            )

    def _touch_type(self, raw: str) -> TouchType:
        key = normalise_label(raw)
        found = ACTIVITY_TYPES.get(key)
        if found is None:
            raise CellError(
                self.type,
                ImportCode.BAD_VALUE,
                f'"{raw}" is not an activity type (call, email, meeting, note, task)',
            )
        touch_type = TouchType(found)
        self._types[raw] = touch_type
        if key in _INCOMING:
            self._inbound_types.add(raw)
        return touch_type

    def _is_automated(self, source: str) -> bool:
        known = self._automated.get(source)
        if known is None:
            key = normalise_label(source)
            known = any(word in key for word in AUTOMATION_WORDS)
            self._automated[source] = known
        return known

    def finish(self) -> list[ImportIssue]:
        found = super().finish()
        if self.without_contact:
            found.append(
                ImportIssue(
                    Level.WARNING,
                    ImportCode.UNKNOWN_VALUE,
                    f"{self.without_contact} activity row(s) with no associated contact were"
                    " skipped (company- or deal-only activities)",
                    file=self.file.name,
                    column=self.file.header[self.contacts],
                )
            )
        return found
