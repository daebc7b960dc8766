"""`funnelpact plan`: filled in by the planner work."""

from __future__ import annotations

import typer


def plan_command() -> None:
    """Reverse the funnel from the revenue goal."""
    raise typer.Exit(2)
