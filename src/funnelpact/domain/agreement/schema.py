"""The JSON Schema of the agreement file, for editors' completion and validation."""

from __future__ import annotations

from typing import Any

from funnelpact.domain.agreement.model import Agreement


def agreement_json_schema() -> dict[str, Any]:
    """The schema of what may be written (validation mode: fields with defaults are optional)."""
    return Agreement.model_json_schema(mode="validation")
