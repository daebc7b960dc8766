"""The JSON Schema of the agreement file, for editors' completion and validation."""

from __future__ import annotations

from typing import Any

from funnelpact.domain.agreement.model import Agreement


def agreement_json_schema() -> dict[str, Any]:
    """The schema of what may be written (validation mode: defaults are optional)."""
    schema = Agreement.model_json_schema(mode="validation")
    schema["$id"] = "https://funnelpact.dev/schema/agreement-v1.json"
    return schema
