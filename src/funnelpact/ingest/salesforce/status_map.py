"""Salesforce Lead Status values -> funnelpact stages: a documented default, changed by YAML.

The default follows Salesforce's default Lead Status picklist and the SLA's hand-off:

- a new lead is a ``lead`` (``created``);
- "Open - Not Contacted": marketing handed it to sales and it waits for follow-up: ``mql``;
- "Working - Contacted": sales is working the MQL: no new stage (touches show the follow-up);
- "Closed - Converted" and the conversion (``ConvertedDate``): sales qualified it: ``sql``;
  converted with an opportunity: ``opportunity`` as well;
- "Closed - Not Converted": disqualified: no new stage.

Portals rename and add statuses: ``--status-map FILE`` (docs/imports.md shows the format)
replaces entries; an empty stage ("") keeps the status without a stage change.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from funnelpact.ingest.common import normalise_label
from funnelpact.ingest.yamlfile import YamlDocument

DEFAULT_LEAD_STATUS: dict[str, str] = {
    "Open - Not Contacted": "mql",
    "Working - Contacted": "",
    "Closed - Converted": "sql",
    "Closed - Not Converted": "",
    # Salesforce's Spanish and Italian labels of the same default values.
    "Abierto - No contactado": "mql",
    "Trabajando - Contactado": "",
    "En curso - Contactado": "",
    "Cerrado - Convertido": "sql",
    "Cerrado - No convertido": "",
    "Aperto - Non contattato": "mql",
    "In lavorazione - Contattato": "",
    "Chiuso - Convertito": "sql",
    "Chiuso - Non convertito": "",
}


class StatusMapFile(BaseModel):
    """The YAML of ``--status-map``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lead_status: dict[str, str] = Field(default_factory=dict)
    created: str = "lead"
    converted: str = "sql"
    converted_with_opportunity: str = "opportunity"
    replace_defaults: bool = False  # True: only the file's lead_status entries count


class StatusMap:
    """Which stage a Lead Status means, matched without case, accents or spacing."""

    def __init__(self, spec: StatusMapFile | None = None) -> None:
        spec = spec or StatusMapFile()
        entries = {} if spec.replace_defaults else dict(DEFAULT_LEAD_STATUS)
        entries.update(spec.lead_status)
        self._stages = {normalise_label(status): stage for status, stage in entries.items()}
        self.created = spec.created
        self.converted = spec.converted
        self.converted_with_opportunity = spec.converted_with_opportunity
        self._cache: dict[str, str | None] = {}

    def stage_of(self, status: str) -> str | None:
        """The stage of a status ("" for a status with no stage), None for an unknown status."""
        found = self._cache.get(status, "?")
        if found == "?":
            found = self._stages.get(normalise_label(status))
            self._cache[status] = found
        return found

    @classmethod
    def load(cls, path: Path) -> StatusMap:
        return cls(YamlDocument(path).validate(StatusMapFile))
