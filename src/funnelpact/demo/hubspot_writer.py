"""Write demo journeys as HubSpot writes its exports: contacts, deals, calls, emails, meetings.

One CSV per object, headers as translated property labels (`Language`), owners as display names,
lifecycle stages as "Became a ... Date" columns, deal stages as `Date entered "..."` columns,
activities linked to contacts by `Associated Contact IDs`. Dates are local wall-clock times of the
portal's zone (the scenario's calendar zone) in `date_format`.

What HubSpot's CSV exports cannot hold is not written: page views and form submissions survive
only as the contact's counters and first/recent conversion, marketing emails not at all (they are
not activities). The store path (`generate()` -> store) keeps them as touches.

Files are streamed (one journey in memory at a time) to `<name>.csv.partial` and renamed into
place only when everything is written: a failure leaves no half-written export behind.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from funnelpact.demo.generator import Journey, Organisation
from funnelpact.demo.hubspot_labels import (
    ACTIVITY_TYPE_LABELS,
    CALL_COLUMNS,
    CALL_DIRECTION_LABELS,
    CALL_OUTCOME_LABELS,
    CONTACT_COLUMNS,
    DEAL_COLUMNS,
    DEAL_STAGE_LABELS,
    DEAL_STAGE_ORDER,
    DEAL_TYPE_NEW_BUSINESS,
    EMAIL_COLUMNS,
    EMAIL_DIRECTION_LABELS,
    FORM_NAME,
    LEAD_STATUS_LABELS,
    LIFECYCLE_LABELS,
    MEETING_COLUMNS,
    MEETING_OUTCOME_COMPLETED,
    PIPELINE_LABEL,
    SOURCE_LABELS,
    YES_NO,
    Labels,
    Language,
    date_entered_label,
)
from funnelpact.demo.scenario import Scenario, Stage
from funnelpact.domain.records import Direction, Touch, TouchType
from funnelpact.errors import InputError

DEFAULT_DATE_FORMAT = "%Y-%m-%d %H:%M"
SEQUENCE_NAME = "Seguimiento MQL (3 pasos)"  # the reps' sales sequence, named as in the portal

# Canonical demo stage -> HubSpot lifecycle stage value.
HUBSPOT_LIFECYCLE = {
    Stage.SUBSCRIBER.value: "subscriber",
    Stage.LEAD.value: "lead",
    Stage.MQL.value: "marketingqualifiedlead",
    Stage.SQL.value: "salesqualifiedlead",
    Stage.OPPORTUNITY.value: "opportunity",
    Stage.CUSTOMER.value: "customer",
}

FILE_NAMES = {
    "contacts": "contacts.csv",
    "deals": "deals.csv",
    "calls": "calls.csv",
    "emails": "emails.csv",
    "meetings": "meetings.csv",
}

# Call outcomes of unanswered attempts, picked by the call's id so the writer needs no random.
_MISSED_OUTCOMES = (
    "no_answer",
    "no_answer",
    "left_voicemail",
    "no_answer",
    "busy",
    "left_voicemail",
    "connected",
    "no_answer",
    "wrong_number",
    "connected",
)
_SALES_TOUCHES = (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING)
_CONVERSIONS = (TouchType.FORM_SUBMISSION, TouchType.CONTENT_DOWNLOAD)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """Where the files went and how many data rows each holds."""

    files: dict[str, Path]
    rows: dict[str, int]
    contacts: int  # people (journeys without the duplicate rows)
    records: int  # canonical records the journeys carried


RowWriter = Callable[[Iterable[str]], object]


@dataclass(slots=True)
class _Open:
    path: Path
    handle: IO[str]
    writer: RowWriter
    rows: int = 0


@dataclass(slots=True)
class _Counters:
    contacts: int = 0
    records: int = 0


class HubSpotExportWriter:
    """Streams journeys into the five export files; `commit()` puts them in place."""

    def __init__(
        self,
        out_dir: Path,
        scenario: Scenario,
        org: Organisation,
        *,
        language: Language = Language.EN,
        date_format: str = DEFAULT_DATE_FORMAT,
    ) -> None:
        self.out_dir = out_dir
        self.language = language
        self.date_format = date_format
        self.zone = ZoneInfo(scenario.calendar.timezone)
        self.org = org
        self.currency = scenario.currency
        self.campaign_names = {campaign.key: campaign.name for campaign in scenario.campaigns}
        self._files: dict[str, _Open] = {}
        self._counters = _Counters()
        self._deal_stage_columns = [
            date_entered_label(stage, language) for stage in DEAL_STAGE_ORDER
        ]
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"cannot write the export in {out_dir}: it is a file, not a folder")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create output folder {out_dir}: {exc.strerror}") from exc
        headers = {
            "contacts": self._labels(CONTACT_COLUMNS),
            "deals": self._labels(DEAL_COLUMNS) + self._deal_stage_columns,
            "calls": self._labels(CALL_COLUMNS),
            "emails": self._labels(EMAIL_COLUMNS),
            "meetings": self._labels(MEETING_COLUMNS),
        }
        try:
            for kind, header in headers.items():
                path = out_dir / FILE_NAMES[kind]
                partial = path.with_name(path.name + ".partial")
                handle = partial.open("w", encoding="utf-8", newline="")
                writer = csv.writer(handle)
                writer.writerow(header)
                self._files[kind] = _Open(path=path, handle=handle, writer=writer.writerow)
        except OSError as exc:
            self.abort()
            raise InputError(f"cannot write in {out_dir}: {exc.strerror}") from exc

    def _labels(self, columns: dict[str, Labels]) -> list[str]:
        return [labels[self.language] for labels in columns.values()]

    def _date(self, instant: datetime | None) -> str:
        if instant is None:
            return ""
        return instant.astimezone(self.zone).strftime(self.date_format)

    def _row(self, kind: str, values: list[str]) -> None:
        target = self._files[kind]
        target.writer(values)
        target.rows += 1

    # --- per journey ----------------------------------------------------------------------

    def write(self, journey: Journey) -> None:
        self._counters.records += journey.record_count()
        if journey.duplicate_of is None:
            self._counters.contacts += 1
        row = self._contact_row(journey)
        self._row("contacts", row)
        if journey.repeat_row:
            self._row("contacts", row)
        if journey.deal is not None:
            self._row("deals", self._deal_row(journey))
        contact_id = journey.contact.ref.external_id
        sql_at = next((s.entered_at for s in journey.stages if s.stage == Stage.SQL.value), None)
        for touch in journey.touches:
            if touch.rep is None or touch.type not in _SALES_TOUCHES:
                continue  # marketing emails and web activity are not HubSpot activities
            if touch.type is TouchType.CALL:
                self._row("calls", self._call_row(touch, contact_id, sql_at))
            elif touch.type is TouchType.EMAIL:
                self._row("emails", self._email_row(touch, contact_id))
            else:
                self._row("meetings", self._meeting_row(touch, contact_id))

    def _contact_row(self, journey: Journey) -> list[str]:
        lang = self.language
        contact = journey.contact
        entered = {stage.stage: stage.entered_at for stage in journey.stages}
        conversions = [t for t in journey.touches if t.type in _CONVERSIONS]
        sales = [
            t
            for t in journey.touches
            if t.rep is not None
            and not t.automated
            and t.direction is Direction.OUTBOUND
            and t.type in _SALES_TOUCHES
        ]
        owner_name = self.org.rep_names.get(contact.owner, "") if contact.owner else ""
        team = self.org.rep_teams.get(contact.owner, "") if contact.owner else ""
        decision = journey.decision
        lifecycle = HUBSPOT_LIFECYCLE.get(contact.lifecycle_stage, contact.lifecycle_stage)
        source = SOURCE_LABELS.get(contact.source)
        values = {
            "hs_object_id": contact.ref.external_id,
            "firstname": contact.first_name,
            "lastname": contact.last_name,
            "email": contact.email,
            "company": contact.company,
            "createdate": self._date(contact.created_at),
            "lastmodifieddate": self._date(contact.updated_at),
            "lifecyclestage": LIFECYCLE_LABELS[lifecycle][lang],
            "hs_lead_status": LEAD_STATUS_LABELS[contact.lead_status][lang]
            if contact.lead_status
            else "",
            "hubspot_owner_id": owner_name,
            "hubspot_owner_assigneddate": self._date(
                journey.owner_changes[-1].assigned_at if journey.owner_changes else None
            ),
            "hubspot_team_id": team,
            "hs_analytics_source": source[lang] if source else contact.source,
            "hs_analytics_source_data_1": contact.source_detail_1,
            "hs_analytics_source_data_2": contact.source_detail_2,
            "hs_analytics_first_touch_converting_campaign": self.campaign_names.get(
                contact.campaign, contact.campaign
            ),
            "hs_lifecyclestage_subscriber_date": self._date(entered.get(Stage.SUBSCRIBER.value)),
            "hs_lifecyclestage_lead_date": self._date(entered.get(Stage.LEAD.value)),
            "hs_lifecyclestage_marketingqualifiedlead_date": self._date(
                entered.get(Stage.MQL.value)
            ),
            "hs_lifecyclestage_salesqualifiedlead_date": self._date(entered.get(Stage.SQL.value)),
            "hs_lifecyclestage_opportunity_date": self._date(entered.get(Stage.OPPORTUNITY.value)),
            "hs_lifecyclestage_customer_date": self._date(entered.get(Stage.CUSTOMER.value)),
            "first_conversion_event_name": self._conversion_name(conversions[0])
            if conversions
            else "",
            "first_conversion_date": self._date(conversions[0].occurred_at) if conversions else "",
            "recent_conversion_event_name": self._conversion_name(conversions[-1])
            if conversions
            else "",
            "recent_conversion_date": self._date(conversions[-1].occurred_at)
            if conversions
            else "",
            "num_conversion_events": str(len(conversions)),
            "hs_analytics_num_page_views": str(
                sum(1 for t in journey.touches if t.type is TouchType.PAGE_VIEW)
            ),
            "notes_last_contacted": self._date(sales[-1].occurred_at) if sales else "",
            "num_contacted_notes": str(len(sales)),
            "revenue_stream": contact.stream,
            "mql_decision": decision.decision.value if decision else "",
            "mql_decision_date": self._date(decision.decided_at) if decision else "",
            "mql_rejection_reason": decision.reason if decision else "",
        }
        return [values[name] for name in CONTACT_COLUMNS]

    def _conversion_name(self, touch: Touch) -> str:
        return f"{touch.content or '/'}: {FORM_NAME[self.language]}"

    def _deal_row(self, journey: Journey) -> list[str]:
        lang = self.language
        deal = journey.deal
        assert deal is not None  # the caller checked
        contact = journey.contact
        closed = deal.won is not None
        entered = {change.stage: change.entered_at for change in journey.deal_stages}
        values = {
            "hs_object_id": deal.ref.external_id,
            "dealname": deal.name,
            "pipeline": PIPELINE_LABEL[lang],
            "dealstage": DEAL_STAGE_LABELS[deal.stage][lang],
            "amount": str(deal.amount),
            "deal_currency_code": deal.currency,
            "createdate": self._date(deal.created_at),
            "closedate": self._date(deal.closed_at),
            "hubspot_owner_id": self.org.rep_names.get(deal.owner, "") if deal.owner else "",
            "dealtype": DEAL_TYPE_NEW_BUSINESS[lang],
            "hs_is_closed": YES_NO[closed][lang],
            "hs_is_closed_won": YES_NO[bool(deal.won)][lang],
            "revenue_stream": contact.stream,
            "associated_contact": f"{contact.first_name} {contact.last_name} ({contact.email})",
            "associated_contact_ids": contact.ref.external_id,
        }
        return [values[name] for name in DEAL_COLUMNS] + [
            self._date(entered.get(stage)) for stage in DEAL_STAGE_ORDER
        ]

    def _call_row(self, touch: Touch, contact_id: str, sql_at: datetime | None) -> list[str]:
        lang = self.language
        number = int(touch.ref.external_id) if touch.ref.external_id.isdigit() else 0
        qualified = sql_at is not None and timedelta(0) <= sql_at - touch.occurred_at <= timedelta(
            hours=1
        )
        outcome = "connected" if qualified else _MISSED_OUTCOMES[number % len(_MISSED_OUTCOMES)]
        seconds = 240 + number % 1200 if outcome == "connected" else 5 + number % 40
        direction = "INBOUND" if touch.direction is Direction.INBOUND else "OUTBOUND"
        values = {
            "hs_object_id": touch.ref.external_id,
            "hs_activity_type": ACTIVITY_TYPE_LABELS["CALL"][lang],
            "hs_timestamp": self._date(touch.occurred_at),
            "hs_call_title": touch.subject,
            "hs_call_direction": CALL_DIRECTION_LABELS[direction][lang],
            "hs_call_disposition": CALL_OUTCOME_LABELS[outcome][lang],
            "hs_call_duration": str(seconds * 1000),
            "hubspot_owner_id": self.org.rep_names.get(touch.rep, "") if touch.rep else "",
            "associated_contact_ids": contact_id,
        }
        return [values[name] for name in CALL_COLUMNS]

    def _email_row(self, touch: Touch, contact_id: str) -> list[str]:
        lang = self.language
        incoming = touch.direction is Direction.INBOUND
        values = {
            "hs_object_id": touch.ref.external_id,
            "hs_activity_type": ACTIVITY_TYPE_LABELS["EMAIL"][lang],
            "hs_timestamp": self._date(touch.occurred_at),
            "hs_email_subject": touch.subject,
            "hs_email_direction": EMAIL_DIRECTION_LABELS["INCOMING_EMAIL" if incoming else "EMAIL"][
                lang
            ],
            "hs_email_status": "" if incoming else "SENT",
            "hs_sequence_name": SEQUENCE_NAME if touch.automated else "",
            "hubspot_owner_id": self.org.rep_names.get(touch.rep, "") if touch.rep else "",
            "associated_contact_ids": contact_id,
        }
        return [values[name] for name in EMAIL_COLUMNS]

    def _meeting_row(self, touch: Touch, contact_id: str) -> list[str]:
        number = int(touch.ref.external_id) if touch.ref.external_id.isdigit() else 0
        values = {
            "hs_object_id": touch.ref.external_id,
            "hs_activity_type": ACTIVITY_TYPE_LABELS["MEETING"][self.language],
            "hs_timestamp": self._date(touch.occurred_at),
            "hs_meeting_start_time": self._date(touch.occurred_at),
            "hs_meeting_end_time": self._date(
                touch.occurred_at + timedelta(minutes=30 if number % 2 else 45)
            ),
            "hs_meeting_title": touch.subject,
            "hs_meeting_outcome": MEETING_OUTCOME_COMPLETED[self.language],
            "hubspot_owner_id": self.org.rep_names.get(touch.rep, "") if touch.rep else "",
            "associated_contact_ids": contact_id,
        }
        return [values[name] for name in MEETING_COLUMNS]

    # --- finishing ------------------------------------------------------------------------

    def commit(self) -> ExportSummary:
        """Close every file and move it into place (all written, or none)."""
        for target in self._files.values():
            target.handle.close()
        for target in self._files.values():
            target.path.with_name(target.path.name + ".partial").replace(target.path)
        return ExportSummary(
            files={kind: target.path for kind, target in self._files.items()},
            rows={kind: target.rows for kind, target in self._files.items()},
            contacts=self._counters.contacts,
            records=self._counters.records,
        )

    def abort(self) -> None:
        """Close and delete the partial files (after a failure or an interruption)."""
        for target in self._files.values():
            target.handle.close()
            target.path.with_name(target.path.name + ".partial").unlink(missing_ok=True)


def write_hubspot_export(
    journeys: Iterable[Journey],
    out_dir: Path,
    scenario: Scenario,
    org: Organisation,
    *,
    language: Language = Language.EN,
    date_format: str = DEFAULT_DATE_FORMAT,
    on_journey: Callable[[Journey], None] | None = None,
) -> ExportSummary:
    """Write every journey to HubSpot-shaped CSVs in `out_dir`; nothing is left half-written."""
    writer = HubSpotExportWriter(out_dir, scenario, org, language=language, date_format=date_format)
    try:
        for journey in journeys:
            writer.write(journey)
            if on_journey is not None:
                on_journey(journey)
    except BaseException:
        writer.abort()
        raise
    return writer.commit()
