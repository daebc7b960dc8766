"""Salesforce exports: Data Loader (API names, any case) and reports (labels, footers), for
Lead, LeadHistory, Task, Event, Opportunity, OpportunityHistory and CampaignMember.

    job = prepare_salesforce([Path("Lead.csv"), Path("LeadHistory.csv")], ImportOptions())
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

from funnelpact.domain.errors import Level
from funnelpact.ingest.common import (
    CsvFile,
    FileRejectedError,
    Header,
    ImportCode,
    ImportIssue,
    open_csv,
    quoted_list,
)
from funnelpact.ingest.engine import (
    AdapterChooser,
    FileAdapter,
    ImportContext,
    ImportJob,
    ImportOptions,
    prepare,
)
from funnelpact.ingest.salesforce.ids import checksum, normalise_id
from funnelpact.ingest.salesforce.labels import (
    CAMPAIGN_MEMBER,
    EVENT,
    LEAD,
    LEAD_HISTORY,
    OPPORTUNITY,
    OPPORTUNITY_HISTORY,
    TASK,
    Field,
)
from funnelpact.ingest.salesforce.objects import (
    SalesforceCampaignMember,
    SalesforceEvent,
    SalesforceLead,
    SalesforceLeadHistory,
    SalesforceOpportunity,
    SalesforceOpportunityHistory,
    SalesforceTask,
)
from funnelpact.ingest.salesforce.status_map import StatusMap

__all__ = [
    "SalesforceObject",
    "StatusMap",
    "checksum",
    "choose_adapter",
    "detect_object",
    "normalise_id",
    "prepare_salesforce",
]


class SalesforceObject(StrEnum):
    LEAD = "Lead"
    LEAD_HISTORY = "LeadHistory"
    TASK = "Task"
    EVENT = "Event"
    OPPORTUNITY = "Opportunity"
    OPPORTUNITY_HISTORY = "OpportunityHistory"
    CAMPAIGN_MEMBER = "CampaignMember"


def _labels(table: dict[str, Field], *names: str) -> tuple[str, ...]:
    return tuple(label for name in names for label in table[name].labels)


# Each object's distinctive columns: (columns that must all be present, columns that count).
_SIGNATURES: dict[SalesforceObject, tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]] = {
    SalesforceObject.LEAD_HISTORY: (
        (_labels(LEAD_HISTORY, "LeadId"), _labels(LEAD_HISTORY, "Field")),
        _labels(LEAD_HISTORY, "OldValue", "NewValue", "DataType"),
    ),
    SalesforceObject.OPPORTUNITY_HISTORY: (
        (_labels(OPPORTUNITY_HISTORY, "OpportunityId"), _labels(OPPORTUNITY, "StageName")),
        _labels(OPPORTUNITY, "Amount", "CloseDate"),
    ),
    SalesforceObject.CAMPAIGN_MEMBER: (
        (_labels(CAMPAIGN_MEMBER, "CampaignId"),),
        _labels(
            CAMPAIGN_MEMBER,
            "HasResponded",
            "FirstRespondedDate",
            "LeadOrContactId",
            "Campaign.Name",
            "LeadId",
            "ContactId",
        ),
    ),
    SalesforceObject.EVENT: (
        (_labels(EVENT, "WhoId"),),
        _labels(EVENT, "StartDateTime", "EndDateTime", "DurationInMinutes", "ActivityDateTime"),
    ),
    SalesforceObject.TASK: (
        (_labels(TASK, "WhoId"),),
        _labels(TASK, "TaskSubtype", "CallType", "CompletedDateTime", "IsClosed"),
    ),
    SalesforceObject.OPPORTUNITY: (
        (_labels(OPPORTUNITY, "StageName"),),
        _labels(OPPORTUNITY, "Name", "IsWon", "CloseDate", "Amount"),
    ),
    SalesforceObject.LEAD: (
        (_labels(LEAD, "Status"),),
        _labels(
            LEAD,
            "Company",
            "ConvertedDate",
            "LeadSource",
            "IsDeleted",
            "ConvertedOpportunityId",
            "FirstName",
            "LastName",
        ),
    ),
}


# Columns an object cannot have: an opportunity report names the deal and its owner, the
# OpportunityHistory object has neither.
_EXCLUDED: dict[SalesforceObject, tuple[str, ...]] = {
    SalesforceObject.OPPORTUNITY_HISTORY: _labels(
        OPPORTUNITY, "Name", "Owner.Name", "OwnerId", "IsWon", "IsClosed"
    ),
}


def detect_object(header: Header) -> SalesforceObject | None:
    """The object an export holds, by the columns only that object has."""
    scores: dict[SalesforceObject, int] = {}
    for obj, (needed, counted) in _SIGNATURES.items():
        if obj in _EXCLUDED and any(header.has(label) for label in _EXCLUDED[obj]):
            continue
        if all(any(header.has(label) for label in labels) for labels in needed):
            # Each needed column weighs more than any counted one: the more specific object wins.
            scores[obj] = 10 * len(needed) + sum(1 for label in set(counted) if header.has(label))
    if not scores:
        return None
    best = max(scores.values())
    leaders = [obj for obj, score in scores.items() if score == best]
    return leaders[0] if len(leaders) == 1 else None


def choose_adapter(
    obj: SalesforceObject | None = None,
    statuses: StatusMap | None = None,
    history_in_import: bool = False,
) -> AdapterChooser:
    """An adapter chooser for ``engine.prepare``: the given object, or the one detected."""
    status_map = statuses or StatusMap()
    factories: dict[SalesforceObject, Callable[[CsvFile, Header, ImportContext], FileAdapter]]
    factories = {
        SalesforceObject.LEAD: lambda f, h, c: SalesforceLead(
            f, h, c, status_map, history_in_import
        ),
        SalesforceObject.LEAD_HISTORY: lambda f, h, c: SalesforceLeadHistory(f, h, c, status_map),
        SalesforceObject.TASK: SalesforceTask,
        SalesforceObject.EVENT: SalesforceEvent,
        SalesforceObject.OPPORTUNITY: SalesforceOpportunity,
        SalesforceObject.OPPORTUNITY_HISTORY: SalesforceOpportunityHistory,
        SalesforceObject.CAMPAIGN_MEMBER: SalesforceCampaignMember,
    }

    def choose(file: CsvFile, header: Header, context: ImportContext) -> FileAdapter:
        chosen = obj or detect_object(header)
        if chosen is None:
            raise FileRejectedError(
                [
                    ImportIssue(
                        Level.ERROR,
                        ImportCode.UNKNOWN_FILE,
                        "cannot tell which Salesforce object this export holds (Lead,"
                        " LeadHistory, Task, Event, Opportunity, OpportunityHistory,"
                        f" CampaignMember); columns found: {quoted_list(file.header)};"
                        " pass --object",
                        file=file.name,
                        line=1,
                    )
                ]
            )
        return factories[chosen](file, header, context)

    return choose


def _holds_lead_history(paths: Sequence[Path], options: ImportOptions) -> bool:
    """Whether one of the files is a LeadHistory export (its times beat ConvertedDate's)."""
    for path in paths:
        try:
            file = open_csv(path, encoding=options.encoding, delimiter=options.delimiter)
        except FileRejectedError:
            continue  # prepare() reports it
        if detect_object(Header(file)) is SalesforceObject.LEAD_HISTORY:
            return True
    return False


def prepare_salesforce(
    paths: Sequence[Path],
    options: ImportOptions,
    obj: SalesforceObject | None = None,
    statuses: StatusMap | None = None,
) -> ImportJob:
    """Check Salesforce exports and return the job that reads them (raises ImportRefusedError)."""
    history = obj is None and _holds_lead_history(paths, options)
    return prepare(paths, options, choose_adapter(obj, statuses, history))
