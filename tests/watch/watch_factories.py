"""A small sales team and one MQL, as canonical records (the store's input)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from funnelpact.domain.records import (
    Contact,
    Direction,
    Record,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)

MADRID = ZoneInfo("Europe/Madrid")
REP = Ref(System.HUBSPOT, "rep-ana")
MANAGER = Ref(System.HUBSPOT, "rep-marta")
LEAD = Ref(System.HUBSPOT, "lead-1")


def madrid(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


def team() -> list[Record]:
    return [
        Rep(ref=MANAGER, name="Marta Gil", email="marta@nubeo.example", team="Ventas"),
        Rep(ref=REP, name="Ana Ruiz", email="ana@nubeo.example", team="Ventas", manager=MANAGER),
    ]


def mql(at: datetime, ref: Ref = LEAD, owner: Ref | None = REP, **fields: str) -> list[Record]:
    return [
        Contact(
            ref=ref,
            created_at=at,
            email=f"{ref.external_id}@client.example",
            first_name="Lead",
            last_name=ref.external_id,
            owner=owner,
            lifecycle_stage="mql",
            **fields,
        ),
        StageChange(contact=ref, stage="mql", entered_at=at),
    ]


def call(at: datetime, key: str, contact: Ref = LEAD, rep: Ref = REP) -> Touch:
    return Touch(
        ref=Ref(System.HUBSPOT, key),
        contact=contact,
        type=TouchType.CALL,
        occurred_at=at,
        direction=Direction.OUTBOUND,
        rep=rep,
    )


def visit(at: datetime, key: str, contact: Ref = LEAD) -> Touch:
    return Touch(
        ref=Ref(System.HUBSPOT, key),
        contact=contact,
        type=TouchType.PAGE_VIEW,
        occurred_at=at,
        direction=Direction.INBOUND,
    )
