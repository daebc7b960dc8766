"""HubSpot deal exports -> Deal, DealStageChange and Rep records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from funnelpact.domain.records import Deal, DealStageChange, Record, Ref, System
from funnelpact.ingest.common import (
    CellError,
    ColumnSpec,
    CsvFile,
    Header,
    ImportCode,
    normalise_label,
    parse_bool,
)
from funnelpact.ingest.engine import FileAdapter, ImportContext
from funnelpact.ingest.hubspot.labels import (
    CLOSED_DEAL_STAGES,
    DEAL_COLUMNS,
    entered_label,
    is_lifecycle_pipeline,
)

HUBSPOT = System.HUBSPOT
_ZERO = Decimal(0)


def _spec(internal: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(internal, DEAL_COLUMNS[internal], required)


def first_id(value: str) -> str:
    """The first id of an associations cell ("101;102", "101, 102")."""
    for separator in (";", ","):
        if separator in value:
            value = value.split(separator, 1)[0]
    return value.strip()


class HubSpotDeals(FileAdapter):
    """A deal export: amount, stage, dates, owner, the first associated contact.

    ``Date entered "<stage> (<pipeline>)"`` columns become deal stage changes. Stages keep the
    label the export writes (``labels.DEAL_STAGES`` knows the default pipeline's ids per
    language). A deal is won or lost when its stage label says so (Closed Won / Cerrado ganado
    / Chiuso vinto ...) or when "Is Closed Won" is true; its close date counts only then
    (HubSpot fills an expected close date on open deals).
    """

    kind = "hubspot deals"
    priority = 30

    def __init__(self, file: CsvFile, header: Header, context: ImportContext) -> None:
        super().__init__(file, header, context)
        self.id = header.require(_spec("hs_object_id", True))
        self.created = header.require(_spec("createdate", True))

        def optional(internal: str) -> int:
            found = header.column(_spec(internal))
            return -1 if found is None else found

        self.name = optional("dealname")
        self.amount_column = optional("amount")
        self.currency = optional("deal_currency_code")
        self.stage = optional("dealstage")
        self.close = optional("closedate")
        self.owner = optional("hubspot_owner_id")
        self.is_won = optional("hs_is_closed_won")
        self.is_closed = optional("hs_is_closed")
        self.contacts = optional("associated_contact_ids")
        self.stage_columns: list[tuple[int, str]] = []
        for index, name in enumerate(header.names):
            found = entered_label(name)
            if found is not None and not is_lifecycle_pipeline(found[1]):
                self.stage_columns.append((index, found[0]))
                header.used.add(index)

    @property
    def date_columns(self) -> list[int]:
        found = [self.created, self.close, *(index for index, _ in self.stage_columns)]
        return [index for index in found if index >= 0]

    def convert(self, cells: list[str], out: list[Record]) -> None:
        external_id = cells[self.id].strip()
        if not external_id.isdigit():
            if not external_id:
                raise CellError(self.id, ImportCode.MISSING_VALUE, "the record id is required")
            raise CellError(
                self.id,
                ImportCode.BAD_ID,
                f'"{external_id}" is not a HubSpot record id (digits expected)',
            )
        created = self.required_date(cells, self.created)
        close = self.date(cells, self.close)
        amount, written_currency = self.amount(cells, self.amount_column)
        won = self._won(cells)
        entries: list[tuple[str, datetime]] = []
        for index, label in self.stage_columns:
            when = self.date(cells, index)
            if when is not None:
                entries.append((label, when))
        text = self.text
        contact = first_id(text(cells, self.contacts))
        if contact and not contact.isdigit():
            raise CellError(
                self.contacts,
                ImportCode.BAD_ID,
                f'"{contact}" is not a HubSpot contact id (digits expected)',
            )
        owner_name = text(cells, self.owner)
        ref = Ref(HUBSPOT, external_id)
        out.append(
            Deal(
                ref=ref,
                created_at=created,
                amount=amount if amount is not None else _ZERO,
                currency=(text(cells, self.currency) or written_currency).upper(),
                name=text(cells, self.name),
                stage=text(cells, self.stage),
                contact=Ref(HUBSPOT, contact) if contact else None,
                owner=self.reps.by_name(HUBSPOT, owner_name) if owner_name else None,
                closed_at=close if won is not None else None,
                won=won,
            )
        )
        for label, when in entries:
            out.append(DealStageChange(ref, label, when))

    def _won(self, cells: list[str]) -> bool | None:
        if self.stage >= 0:
            closed = CLOSED_DEAL_STAGES.get(normalise_label(cells[self.stage]))
            if closed is not None:
                return closed
        is_closed = self._flag(cells, self.is_closed)
        if self._flag(cells, self.is_won):
            return True
        if is_closed:
            return False  # closed and not won: lost
        return None

    @staticmethod
    def _flag(cells: list[str], index: int) -> bool | None:
        if index < 0 or not cells[index].strip():
            return None
        try:
            return parse_bool(cells[index])
        except ValueError:
            raise CellError(
                index, ImportCode.BAD_VALUE, f'"{cells[index]}" is not true or false'
            ) from None
