"""Demo data: realistic, seeded B2B funnel journeys as canonical records or HubSpot exports.

Public API (docs/demo-data.md): `generate`, `generate_journeys`, `Journey`, `organisation`,
`default_scenario`, `Scenario`, `make_demo_data`, and the journey fixtures `journey`, `team`, `at`.
"""

from funnelpact.demo.generator import (
    DEFAULT_END,
    Journey,
    Organisation,
    generate,
    generate_journeys,
    organisation,
)
from funnelpact.demo.journeys import at, journey, team
from funnelpact.demo.scenario import Scenario, Stage, default_scenario
from funnelpact.demo.service import DemoResult, make_demo_data

__all__ = [
    "DEFAULT_END",
    "DemoResult",
    "Journey",
    "Organisation",
    "Scenario",
    "Stage",
    "at",
    "default_scenario",
    "generate",
    "generate_journeys",
    "journey",
    "make_demo_data",
    "organisation",
    "team",
]
