"""Any CRM's CSV through a column mapping (MAP.yaml) -> canonical records.

    kind: contacts                  # which records each row becomes (see KIND_FIELDS)
    system: csv                     # the source system of the ids (csv, api, web, ...)
    date_format: "%d/%m/%Y %H:%M"   # optional; the command line's --date-format wins
    timezone: Europe/Rome           # optional; --timezone wins
    columns:                        # canonical field: column header
      ref: Person ID
      created_at: Created
      email: Email
      owner: Owner                  # a rep by display name (owner_id: a rep by id)
      lifecycle_stage: Stage
    values:                         # per field: value as written -> canonical value
      lifecycle_stage: {Nuevo: lead, Cualificado: mql}
    stage_dates: {mql: MQL date}    # contacts: columns with the date each stage was entered
    defaults: {source: trade_show}  # fields the file does not have

docs/imports.md documents every kind and field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from funnelpact.domain.records import (
    CampaignMember,
    Contact,
    Deal,
    DealStageChange,
    Decision,
    Direction,
    HandoffDecision,
    OwnerChange,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.errors import InputError
from funnelpact.ingest.common import (
    CellError,
    ColumnSpec,
    CsvFile,
    Header,
    ImportCode,
    normalise_label,
    parse_bool,
)
from funnelpact.ingest.engine import (
    AdapterChooser,
    FileAdapter,
    ImportContext,
    ImportJob,
    ImportOptions,
    prepare,
)
from funnelpact.ingest.yamlfile import YamlDocument


class MappedKind(StrEnum):
    CONTACTS = "contacts"
    STAGE_CHANGES = "stage_changes"
    OWNER_CHANGES = "owner_changes"
    TOUCHES = "touches"
    DEALS = "deals"
    DEAL_STAGE_CHANGES = "deal_stage_changes"
    CAMPAIGN_MEMBERS = "campaign_members"
    HANDOFF_DECISIONS = "handoff_decisions"
    REPS = "reps"


class FieldType(StrEnum):
    TEXT = "text"
    REF = "ref"  # an id of the mapping's system (or "system:id")
    REP = "rep"  # a rep by display name
    DATE = "date"
    AMOUNT = "amount"
    BOOL = "bool"
    TOUCH_TYPE = "touch type"
    DIRECTION = "direction"
    DECISION = "decision"


@dataclasses.dataclass(frozen=True, slots=True)
class FieldDef:
    """A canonical field a mapping can fill: its type, whether a row must have it, and which
    record argument it sets (``owner`` and ``owner_id`` both set ``owner``)."""

    type: FieldType
    required: bool = False
    target: str = ""


def _f(kind: FieldType, required: bool = False, target: str = "") -> FieldDef:
    return FieldDef(kind, required, target)


T, R, D = FieldType.TEXT, FieldType.REF, FieldType.DATE

KIND_FIELDS: dict[MappedKind, tuple[type, dict[str, FieldDef]]] = {
    MappedKind.CONTACTS: (
        Contact,
        {
            "ref": _f(R, True),
            "created_at": _f(D, True),
            "email": _f(T),
            "first_name": _f(T),
            "last_name": _f(T),
            "company": _f(T),
            "source": _f(T),
            "source_detail_1": _f(T),
            "source_detail_2": _f(T),
            "campaign": _f(T),
            "stream": _f(T),
            "owner": _f(FieldType.REP),
            "owner_id": _f(R, target="owner"),
            "lifecycle_stage": _f(T),
            "lead_status": _f(T),
            "updated_at": _f(D),
        },
    ),
    MappedKind.STAGE_CHANGES: (
        StageChange,
        {
            "contact": _f(R, True),
            "stage": _f(T, True),
            "entered_at": _f(D, True),
            "change_source": _f(T),
            "event_id": _f(T),
        },
    ),
    MappedKind.OWNER_CHANGES: (
        OwnerChange,
        {
            "contact": _f(R, True),
            "owner": _f(FieldType.REP),
            "owner_id": _f(R, target="owner"),
            "assigned_at": _f(D, True),
            "event_id": _f(T),
        },
    ),
    MappedKind.TOUCHES: (
        Touch,
        {
            "ref": _f(R, True),
            "contact": _f(R, True),
            "type": _f(FieldType.TOUCH_TYPE, True),
            "occurred_at": _f(D, True),
            "direction": _f(FieldType.DIRECTION),
            "rep": _f(FieldType.REP),
            "rep_id": _f(R, target="rep"),
            "automated": _f(FieldType.BOOL),
            "subject": _f(T),
            "campaign": _f(T),
            "content": _f(T),
        },
    ),
    MappedKind.DEALS: (
        Deal,
        {
            "ref": _f(R, True),
            "created_at": _f(D, True),
            "amount": _f(FieldType.AMOUNT),
            "currency": _f(T),
            "name": _f(T),
            "stage": _f(T),
            "contact": _f(R),
            "owner": _f(FieldType.REP),
            "owner_id": _f(R, target="owner"),
            "closed_at": _f(D),
            "won": _f(FieldType.BOOL),
        },
    ),
    MappedKind.DEAL_STAGE_CHANGES: (
        DealStageChange,
        {
            "deal": _f(R, True),
            "stage": _f(T, True),
            "entered_at": _f(D, True),
            "amount": _f(FieldType.AMOUNT),
            "event_id": _f(T),
        },
    ),
    MappedKind.CAMPAIGN_MEMBERS: (
        CampaignMember,
        {
            "campaign": _f(R, True),
            "contact": _f(R, True),
            "status": _f(T),
            "joined_at": _f(D),
            "responded_at": _f(D),
        },
    ),
    MappedKind.HANDOFF_DECISIONS: (
        HandoffDecision,
        {
            "contact": _f(R, True),
            "decision": _f(FieldType.DECISION, True),
            "decided_at": _f(D, True),
            "decided_by": _f(FieldType.REP),
            "decided_by_id": _f(R, target="decided_by"),
            "reason": _f(T),
            "note": _f(T),
            "event_id": _f(T),
        },
    ),
    MappedKind.REPS: (
        Rep,
        {
            "ref": _f(R, True),
            "name": _f(T, True),
            "email": _f(T),
            "team": _f(T),
            "active": _f(FieldType.BOOL),
        },
    ),
}

# Record arguments without a default that a mapping may leave out.
_FALLBACKS: dict[MappedKind, dict[str, Any]] = {MappedKind.DEALS: {"amount": Decimal(0)}}

# Either of two fields satisfies a requirement (a rep by name or by id).
_ONE_OF: dict[MappedKind, tuple[tuple[str, str], ...]] = {
    MappedKind.OWNER_CHANGES: (("owner", "owner_id"),),
}

_ENUM_WORDS: dict[FieldType, dict[str, str]] = {
    FieldType.TOUCH_TYPE: {
        **{normalise_label(t.value): t.value for t in TouchType},
        **{
            normalise_label(w): v
            for v, words in (
                ("call", ("llamada", "chiamata", "phone", "phone call")),
                ("email", ("e-mail", "correo", "correo electrónico", "mail")),
                ("meeting", ("reunión", "riunione", "demo", "visit")),
                ("note", ("nota",)),
                ("task", ("tarea", "attività")),
                ("page_view", ("page view", "pageview")),
                ("form_submission", ("form submission", "form", "formulario", "modulo")),
                ("content_download", ("content download", "download", "descarga")),
            )
            for w in words
        },
    },
    FieldType.DIRECTION: {
        **{normalise_label(d.value): d.value for d in Direction},
        **{
            normalise_label(w): v
            for v, words in (
                ("inbound", ("in", "incoming", "entrante", "in entrata", "received")),
                ("outbound", ("out", "outgoing", "saliente", "in uscita", "sent")),
            )
            for w in words
        },
    },
    FieldType.DECISION: {
        **{normalise_label(d.value): d.value for d in Decision},
        **{
            normalise_label(w): v
            for v, words in (
                ("accepted", ("accept", "aceptado", "aceptada", "accettato", "accettata")),
                ("rejected", ("reject", "rechazado", "rechazada", "rifiutato", "rifiutata")),
            )
            for w in words
        },
    },
}
_ENUM_CLASSES: dict[FieldType, type[StrEnum]] = {
    FieldType.TOUCH_TYPE: TouchType,
    FieldType.DIRECTION: Direction,
    FieldType.DECISION: Decision,
}


class MappingFile(BaseModel):
    """The YAML of ``funnelpact import csv --mapping``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: MappedKind
    system: System = System.CSV
    id_prefix: str = ""
    date_format: str | None = None
    timezone: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    stage_dates: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A checked mapping: what the adapter needs, and where the YAML said it."""

    spec: MappingFile
    path: Path

    @classmethod
    def load(cls, path: Path) -> ColumnMapping:
        document = YamlDocument(path)
        spec = document.validate(MappingFile)
        _check(spec, document)
        return cls(spec, path)


def _check(spec: MappingFile, document: YamlDocument) -> None:
    """Fields the kind has, required fields present, values only for mapped fields."""
    _record, fields = KIND_FIELDS[spec.kind]
    problems: list[str] = []
    known = ", ".join(fields)
    for section in ("columns", "defaults", "values"):
        for name in getattr(spec, section):
            if name not in fields:
                problems.append(
                    f"{document.where((section, name))}: {section}.{name}: not a field of"
                    f" {spec.kind} (fields: {known})"
                )
    given = set(spec.columns) | set(spec.defaults)
    for name, field in fields.items():
        if field.required and name not in given:
            problems.append(
                f"{document.where(('columns',))}: columns.{name}: required for {spec.kind}:"
                " map it to a column (or give it under defaults)"
            )
    for first, second in _ONE_OF.get(spec.kind, ()):
        if first not in given and second not in given:
            problems.append(
                f"{document.where(('columns',))}: columns: {spec.kind} need {first} or {second}"
            )
    if spec.stage_dates and spec.kind is not MappedKind.CONTACTS:
        problems.append(f"{document.where(('stage_dates',))}: stage_dates: only for kind contacts")
    for name, value in spec.defaults.items():
        default_field = fields.get(name)
        if (
            default_field is not None
            and default_field.type in _ENUM_WORDS
            and (_enum_value(default_field.type, value, spec.values.get(name, {})) is None)
        ):
            problems.append(
                f"{document.where(('defaults', name))}: defaults.{name}: {value!r} is not one"
                f" of {', '.join(e.value for e in _ENUM_CLASSES[default_field.type])}"
            )
    if problems:
        raise InputError("\n".join(problems))


def _enum_value(kind: FieldType, raw: str, values: dict[str, str]) -> str | None:
    mapped = {normalise_label(k): v for k, v in values.items()}.get(normalise_label(raw), raw)
    return _ENUM_WORDS[kind].get(normalise_label(mapped))


Getter = Callable[[list[str]], Any]


def _constant(getter: Getter, value: str) -> Getter:
    """A getter of a default: the field's own conversion, applied to the mapping's value."""
    cells = [value]

    def read(_row: list[str]) -> Any:
        return getter(cells)

    return read


class MappedAdapter(FileAdapter):
    """Rows of any CSV -> one kind of record, field by field as the mapping says."""

    priority = 50

    def __init__(
        self, file: CsvFile, header: Header, context: ImportContext, mapping: ColumnMapping
    ) -> None:
        super().__init__(file, header, context)
        spec = mapping.spec
        self.spec = spec
        self.kind = f"csv {spec.kind}"
        self.record_type, fields = KIND_FIELDS[spec.kind]
        self.priority = {MappedKind.REPS: 5, MappedKind.CONTACTS: 10}.get(spec.kind, 50)
        self._value_maps = {
            name: {normalise_label(raw): value for raw, value in table.items()}
            for name, table in spec.values.items()
        }
        self._date_indexes: list[int] = []
        self.getters: list[tuple[str, Getter]] = []
        for name, field in fields.items():
            target = field.target or name
            if name in spec.columns:
                index = header.require(ColumnSpec(name, (spec.columns[name],), True))
                self.getters.append((target, self._getter(name, field, index)))
            elif name in spec.defaults:
                fixed = self._getter(name, field, 0, from_file=False)
                self.getters.append((target, _constant(fixed, spec.defaults[name])))
        self.stage_dates = [
            (stage, header.require(ColumnSpec(stage, (column,), True)), column)
            for stage, column in spec.stage_dates.items()
        ]
        self._date_indexes.extend(index for _, index, _ in self.stage_dates)

    @property
    def date_columns(self) -> list[int]:
        return [index for index in self._date_indexes if index >= 0]

    def _ref(self, raw: str) -> Ref:
        system, sep, rest = raw.partition(":")
        if sep and rest and system in System.__members__.values():
            return Ref(System(system), rest)  # "hubspot:123" names a record of another system
        return Ref(self.spec.system, self.spec.id_prefix + raw)

    def _getter(self, name: str, field: FieldDef, index: int, from_file: bool = True) -> Getter:
        """A function reading the field from a row (raising CellError for a bad value)."""
        values = self._value_maps.get(name, {})
        required = field.required

        def text(cells: list[str]) -> str:
            raw = cells[index].strip()
            if values and raw:
                mapped = values.get(normalise_label(raw))
                if mapped is None:
                    self.unknown_value(index, raw)
                    return raw
                return mapped
            return raw

        def need(value: str) -> str:
            if required and not value:
                raise CellError(index, ImportCode.MISSING_VALUE, f"{name} is required here")
            return value

        match field.type:
            case FieldType.TEXT:
                return lambda cells: need(text(cells))
            case FieldType.REF:
                return lambda cells: self._ref(v) if (v := need(text(cells))) else None
            case FieldType.REP:
                system = self.spec.system
                return lambda cells: self.reps.by_name(system, text(cells))
            case FieldType.DATE:
                if from_file:
                    self._date_indexes.append(index)
                if required:
                    return lambda cells: self.required_date(cells, index)
                return lambda cells: self.date(cells, index)
            case FieldType.AMOUNT:
                return lambda cells: self.amount(cells, index)[0] or Decimal(0)
            case FieldType.BOOL:
                return lambda cells: self._bool(cells, index)
            case _:
                return lambda cells: self._enum(field.type, need(text(cells)), index)

    def _bool(self, cells: list[str], index: int) -> bool | None:
        raw = cells[index]
        if not raw.strip():
            return None  # not said: the record's default
        try:
            return parse_bool(raw)
        except ValueError:
            raise CellError(index, ImportCode.BAD_VALUE, f'"{raw}" is not yes or no') from None

    def _enum(self, kind: FieldType, raw: str, index: int) -> StrEnum | None:
        if not raw:
            return None
        found = _ENUM_WORDS[kind].get(normalise_label(raw))
        if found is None:
            allowed = ", ".join(e.value for e in _ENUM_CLASSES[kind])
            raise CellError(
                index, ImportCode.BAD_VALUE, f'"{raw}" is not one of {allowed} (add it to values)'
            )
        return _ENUM_CLASSES[kind](found)

    def convert(self, cells: list[str], out: list[Record]) -> None:
        arguments: dict[str, Any] = {}
        for target, getter in self.getters:
            value = getter(cells)
            if (value is not None and value != "") or target not in arguments:
                arguments[target] = value
        entries: list[tuple[str, datetime]] = []
        for stage, index, _column in self.stage_dates:
            when = self.date(cells, index)
            if when is not None:
                entries.append((stage, when))
        arguments = {key: value for key, value in arguments.items() if value is not None}
        for key, fallback in _FALLBACKS.get(self.spec.kind, {}).items():
            arguments.setdefault(key, fallback)
        record = self.record_type(**arguments)
        out.append(record)
        if entries and isinstance(record, Contact):
            for stage, when in entries:
                out.append(StageChange(record.ref, stage, when, f"import:{self.file.path.name}"))


def choose_adapter(mapping: ColumnMapping) -> AdapterChooser:
    def choose(file: CsvFile, header: Header, context: ImportContext) -> FileAdapter:
        return MappedAdapter(file, header, context, mapping)

    return choose


def prepare_mapping(
    paths: Sequence[Path], mapping: ColumnMapping, options: ImportOptions
) -> ImportJob:
    """Check CSV files against a mapping and return the job that reads them."""
    spec = mapping.spec
    merged = dataclasses.replace(
        options,
        date_format=options.date_format or spec.date_format,
        timezone=options.timezone or spec.timezone,
        encoding=options.encoding or spec.encoding,
        delimiter=options.delimiter or spec.delimiter,
    )
    return prepare(paths, merged, choose_adapter(mapping))
