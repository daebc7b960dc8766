"""How many demo contacts give a wanted volume: the demo company sized to its agreement's plan.

A scenario's volume of a stage is proportional to its number of contacts (people are spread
over the same history with the same growth), so one sample run measures the rate and a rule of
three gives the size. The sample uses the same seed and end as the real run: deterministic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from funnelpact.demo.generator import generate
from funnelpact.demo.scenario import Scenario
from funnelpact.domain.records import StageChange

SAMPLE_CONTACTS: Final = 3000
WINDOW_DAYS: Final = 30  # the last month: what the pacing of the current period sees
MIN_CONTACTS: Final = 100


def entries_per_day(
    scenario: Scenario,
    *,
    seed: int,
    end: datetime,
    contacts: int,
    stage: str,
    days: int = WINDOW_DAYS,
) -> float:
    """Entries into `stage` per day over the `days` before `end`, for `contacts` people."""
    since = end - timedelta(days=days)
    count = sum(
        1
        for record in generate(scenario, seed, end, contacts=contacts)
        if isinstance(record, StageChange) and record.stage == stage and record.entered_at > since
    )
    return count / days


def contacts_for(
    scenario: Scenario,
    *,
    seed: int,
    end: datetime,
    stage: str,
    per_day: float,
    sample: int = SAMPLE_CONTACTS,
    days: int = WINDOW_DAYS,
) -> int:
    """The number of contacts whose `stage` entries over the last `days` come to `per_day`."""
    if per_day <= 0:
        raise ValueError(f"a volume of {per_day} {stage} a day cannot be generated")
    rate = entries_per_day(scenario, seed=seed, end=end, contacts=sample, stage=stage, days=days)
    if rate == 0:
        raise ValueError(f"the scenario gives no {stage} in the last {days} days")
    return max(MIN_CONTACTS, round(sample * per_day / rate))
