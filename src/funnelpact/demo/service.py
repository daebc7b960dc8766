"""Make demo data in one pass: HubSpot-shaped files, the store, or both from the same journeys.

The CLI, the demo web app and the benchmarks call `make_demo_data`; the store is passed in as a
function (`store_records` of `funnelpact.server.tracking.services` in real use) so this package
imports without Django.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from funnelpact.demo.generator import Journey, generate_journeys, organisation
from funnelpact.demo.hubspot_labels import Language
from funnelpact.demo.hubspot_writer import DEFAULT_DATE_FORMAT, ExportSummary, HubSpotExportWriter
from funnelpact.demo.scenario import Scenario
from funnelpact.domain.records import Record, System

StoreFunction = Callable[..., Any]  # store_records(records, *, on_progress=...) -> report


@dataclass(frozen=True, slots=True)
class DemoResult:
    contacts: int  # people (duplicate rows not counted)
    contact_rows: int  # contact rows including the duplicates of some people
    records: int  # canonical records generated
    seconds: float
    export: ExportSummary | None
    store_report: Any  # whatever the store returned (a StoreReport), None without --store


def make_demo_data(
    scenario: Scenario,
    *,
    seed: int,
    end: datetime,
    contacts: int,
    out_dir: Path | None = None,
    language: Language = Language.EN,
    date_format: str = DEFAULT_DATE_FORMAT,
    store: StoreFunction | None = None,
    on_contact: Callable[[int], None] | None = None,
    on_stored: Callable[[int], None] | None = None,
    system: System = System.DEMO,
    clock: Callable[[], float] = time.perf_counter,
) -> DemoResult:
    """Generate `contacts` journeys once and send them to the files and/or the store.

    `on_contact(n)` is told how many people are done (every 1,000 and at the end); `on_stored(n)`
    how many records the store has taken. The files appear only if everything succeeded.
    """
    if out_dir is None and store is None:
        raise ValueError("nothing to do: give out_dir, store, or both")
    started = clock()
    org = organisation(scenario, end, system)
    journeys = generate_journeys(scenario, seed, end, contacts=contacts, system=system, org=org)
    writer = (
        HubSpotExportWriter(out_dir, scenario, org, language=language, date_format=date_format)
        if out_dir is not None
        else None
    )
    tally = _Tally()

    def counted(source: Iterable[Journey]) -> Iterator[Journey]:
        for journey in source:
            tally.add(journey)
            if writer is not None:
                writer.write(journey)
            if on_contact is not None and tally.people % 1000 == 0 and journey.duplicate_of is None:
                on_contact(tally.people)
            yield journey

    def records() -> Iterator[Record]:
        yield from org.records()
        for journey in counted(journeys):
            yield from journey.records()

    report: Any = None
    try:
        if store is not None:
            report = store(records(), on_progress=on_stored)
        else:
            for _ in counted(journeys):
                pass
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    export = writer.commit() if writer is not None else None
    if on_contact is not None:
        on_contact(tally.people)
    return DemoResult(
        contacts=tally.people,
        contact_rows=tally.rows,
        records=tally.records + len(org.teams) + len(org.reps) + len(org.campaigns),
        seconds=clock() - started,
        export=export,
        store_report=report,
    )


class _Tally:
    __slots__ = ("people", "records", "rows")

    def __init__(self) -> None:
        self.people = 0
        self.rows = 0
        self.records = 0

    def add(self, journey: Journey) -> None:
        if journey.duplicate_of is None:
            self.people += 1
        self.rows += 1 + journey.repeat_row
        self.records += journey.record_count()
