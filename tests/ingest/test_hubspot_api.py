"""The HubSpot CRM API pull connector against recorded answers shaped like HubSpot's
documentation (tests/ingest/data/hubspot_api/), served by httpx.MockTransport."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from funnelpact.domain.records import (
    Contact,
    Deal,
    DealStageChange,
    Direction,
    OwnerChange,
    Ref,
    Rep,
    StageChange,
    Touch,
    TouchType,
)
from funnelpact.ingest.hubspot.api import (
    HubSpotApiError,
    HubSpotClient,
    PullCounts,
    RetryPolicy,
    pull_records,
)

DATA = Path(__file__).parent / "data" / "hubspot_api"
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
ROUTES = {
    "/crm/v3/owners": "owners.json",
    "/crm/v3/pipelines/deals": "pipelines_deals.json",
    "/crm/v3/objects/deals": "deals.json",
    "/crm/v3/objects/calls": "calls.json",
    "/crm/v3/objects/emails": "emails.json",
    "/crm/v3/objects/meetings": "meetings.json",
}


def recorded(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class RecordedPortal:
    """A fake api.hubapi.com: recorded pages by path and cursor, optional failures first."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.failures: dict[str, list[httpx.Response | Exception]] = defaultdict(list)

    def fail(self, path: str, *answers: httpx.Response | Exception) -> None:
        self.failures[path].extend(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if self.failures[path]:
            answer = self.failures[path].pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if path == "/crm/v3/objects/contacts":
            after = request.url.params.get("after")
            name = "contacts_page_2.json" if after == "NTI1Cg%3D%3D" else "contacts_page_1.json"
            return httpx.Response(200, json=recorded(name))
        if path in ROUTES:
            return httpx.Response(200, json=recorded(ROUTES[path]))
        return httpx.Response(404, json={"status": "error", "message": "not found"})

    def client(self, **kwargs: Any) -> HubSpotClient:
        return HubSpotClient(TOKEN, transport=httpx.MockTransport(self), **kwargs)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def hs(external_id: str) -> Ref:
    return Ref.parse(f"hubspot:{external_id}")


@pytest.fixture
def portal() -> RecordedPortal:
    return RecordedPortal()


def pull(portal: RecordedPortal, **kwargs: Any) -> list[Any]:
    with portal.client(**kwargs) as client:
        return list(pull_records(client))


def test_owners_become_reps_with_their_primary_team(portal: RecordedPortal) -> None:
    reps = [r for r in pull(portal) if isinstance(r, Rep)]
    assert reps == [
        Rep(hs("41629779"), "Bryan Cooper", "bcooper@biglytics.net", "Inbound Sales"),
        Rep(hs("52744136"), "Lucía Romero", "lucia.romero@biglytics.net", ""),
    ]


def test_contacts_come_with_their_lifecycle_and_owner_history(portal: RecordedPortal) -> None:
    records = pull(portal)
    contacts = {r.ref.external_id: r for r in records if isinstance(r, Contact)}
    assert set(contacts) == {"512", "513", "601"}  # both pages
    bryan = contacts["512"]
    assert bryan == Contact(
        ref=hs("512"),
        created_at=at("2024-10-30T03:30:17.883Z"),
        updated_at=at("2024-12-07T16:50:06.678Z"),
        email="bcooper@biglytics.net",
        first_name="Bryan",
        last_name="Cooper",
        company="Biglytics",
        source="ORGANIC_SEARCH",
        source_detail_1="google",
        owner=hs("41629779"),
        lifecycle_stage="sql",
        lead_status="IN_PROGRESS",
    )
    assert contacts["513"].campaign == "Webinar Q4" and contacts["513"].owner is None
    stages = [r for r in records if isinstance(r, StageChange) and r.contact == hs("512")]
    assert stages == [  # oldest first, whatever order HubSpot lists history in
        StageChange(hs("512"), "lead", at("2024-10-30T03:30:17.883Z"), "api:FORM"),
        StageChange(hs("512"), "mql", at("2024-11-01T14:02:11.120Z"), "api:AUTOMATION_PLATFORM"),
        StageChange(hs("512"), "sql", at("2024-11-04T10:15:00.000Z"), "api:CRM_UI"),
    ]
    owners = [r for r in records if isinstance(r, OwnerChange)]
    assert owners == [  # the empty value of an unassignment is not an owner
        OwnerChange(hs("512"), hs("41629779"), at("2024-11-01T14:05:00.000Z")),
        OwnerChange(hs("601"), hs("52744136"), at("2024-11-06T08:45:00.000Z")),
    ]


def test_deals_carry_stage_labels_from_the_pipelines_and_their_outcome(
    portal: RecordedPortal,
) -> None:
    records = pull(portal)
    deals = {r.ref.external_id: r for r in records if isinstance(r, Deal)}
    assert deals["9001"] == Deal(
        ref=hs("9001"),
        created_at=at("2024-11-05T12:00:00.000Z"),
        amount=Decimal("12500.50"),
        currency="EUR",
        name="Biglytics - annual plan",
        stage="Closed Won",
        contact=hs("512"),
        owner=hs("41629779"),
        closed_at=at("2024-12-02T17:00:00.000Z"),
        won=True,
    )
    assert deals["9002"].amount == 0 and deals["9002"].won is None
    assert deals["9002"].stage == "Appointment Scheduled" and deals["9002"].contact is None
    history = [r for r in records if isinstance(r, DealStageChange) and r.deal == hs("9001")]
    assert [(c.stage, c.entered_at) for c in history] == [
        ("Appointment Scheduled", at("2024-11-05T12:00:00.000Z")),
        ("Proposal sent", at("2024-11-20T10:00:00.000Z")),  # a custom stage id, by its label
        ("Closed Won", at("2024-12-02T17:00:00.000Z")),
    ]


def test_activities_become_one_touch_per_associated_contact(portal: RecordedPortal) -> None:
    touches = {r.ref.external_id: r for r in pull(portal) if isinstance(r, Touch)}
    assert set(touches) == {"30001", "30001:513", "40001", "40002", "50001"}  # 30002: no contact
    assert touches["30001"] == Touch(
        ref=hs("30001"),
        contact=hs("512"),
        type=TouchType.CALL,
        occurred_at=at("2024-11-01T14:20:00.000Z"),
        direction=Direction.OUTBOUND,
        rep=hs("41629779"),
        subject="Discovery call",
    )
    assert touches["30001:513"].contact == hs("513")
    assert touches["40001"].automated is True  # sent by a sequence
    assert touches["40002"].direction is Direction.INBOUND and not touches["40002"].automated
    assert touches["50001"].type is TouchType.MEETING
    assert touches["50001"].occurred_at == at("2024-11-06T15:00:00.000Z")


def test_requests_ask_for_history_in_pages_of_50_and_follow_the_cursor(
    portal: RecordedPortal,
) -> None:
    counts = PullCounts()
    with portal.client() as client:
        list(pull_records(client, counts=counts))
    assert (counts.owners, counts.contacts, counts.deals, counts.activities) == (2, 3, 2, 5)
    by_path: dict[str, list[httpx.Request]] = defaultdict(list)
    for request in portal.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        by_path[request.url.path].append(request)
    contacts = by_path["/crm/v3/objects/contacts"]
    assert [r.url.params.get("after") for r in contacts] == [None, "NTI1Cg%3D%3D"]
    params = contacts[0].url.params
    assert params["limit"] == "50"
    assert params["propertiesWithHistory"] == "lifecyclestage,hs_lead_status,hubspot_owner_id"
    assert "lifecyclestage" in params["properties"].split(",")
    deals = by_path["/crm/v3/objects/deals"][0].url.params
    assert (deals["limit"], deals["propertiesWithHistory"], deals["associations"]) == (
        "50",
        "dealstage",
        "contacts",
    )
    for kind in ("calls", "emails", "meetings"):
        activity = by_path[f"/crm/v3/objects/{kind}"][0].url.params
        assert (activity["limit"], activity["associations"]) == ("100", "contacts")
        assert "propertiesWithHistory" not in activity
    assert len(portal.requests) == 8  # owners, pipelines, 2 contact pages, deals, 3 activities


def error(status: int, name: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=recorded(name), headers=headers)


def sleeper() -> tuple[list[float], Callable[[float], None]]:
    waits: list[float] = []
    return waits, waits.append


def test_429_and_5xx_are_retried_honouring_retry_after(portal: RecordedPortal) -> None:
    waits, sleep = sleeper()
    portal.fail(
        "/crm/v3/objects/contacts",
        error(429, "error_429.json", **{"Retry-After": "2"}),
        error(502, "error_500.json"),
        httpx.ConnectError("connection reset"),
    )
    with portal.client(sleep=sleep) as client:
        records = list(pull_records(client))
        assert client.retries == 3
    assert waits == [2.0, 2.0, 4.0]  # Retry-After, then backoff 1 * 2^(attempt - 1)
    assert sum(isinstance(r, Contact) for r in records) == 3


def test_retries_give_up_with_hubspot_s_message(portal: RecordedPortal) -> None:
    waits, sleep = sleeper()
    portal.fail("/crm/v3/owners", *[error(429, "error_429.json") for _ in range(3)])
    with pytest.raises(HubSpotApiError) as caught:
        pull(portal, sleep=sleep, retry=RetryPolicy(attempts=3))
    assert caught.value.message == (
        "GET /crm/v3/owners: HubSpot answered 429 RATE_LIMIT: You have reached your secondly "
        "limit. (correlationId c033cdaa-2c40-4a64-ae48-b4cec88dad24) (gave up after 3 attempts)"
    )
    assert waits == [1.0, 2.0]


def test_a_refused_token_stops_at_once(portal: RecordedPortal) -> None:
    waits, sleep = sleeper()
    portal.fail("/crm/v3/owners", error(401, "error_401.json"))
    with pytest.raises(HubSpotApiError) as caught:
        pull(portal, sleep=sleep)
    assert caught.value.message.startswith(
        "GET /crm/v3/owners: HubSpot answered 401 INVALID_AUTHENTICATION: Authentication "
        "credentials not found."
    )
    assert caught.value.message.endswith("; check the private app token")
    assert waits == [] and len(portal.requests) == 1


def test_a_cursor_that_does_not_move_is_an_error_not_a_loop() -> None:
    page = {"results": [], "paging": {"next": {"after": "same"}}}
    client = HubSpotClient(
        TOKEN, transport=httpx.MockTransport(lambda request: httpx.Response(200, json=page))
    )
    with pytest.raises(HubSpotApiError) as caught:
        list(client.results("/crm/v3/owners", {}))
    assert "returned the cursor 'same' twice" in caught.value.message


def test_a_record_without_its_dates_names_the_record() -> None:
    broken = {"results": [{"id": "77", "properties": {"createdate": "yesterday"}}]}
    client = HubSpotClient(
        TOKEN,
        transport=httpx.MockTransport(
            lambda request: httpx.Response(
                200, json=broken if "contacts" in request.url.path else {"results": []}
            )
        ),
    )
    with pytest.raises(HubSpotApiError) as caught:
        list(pull_records(client))
    assert caught.value.message == "contact 77: createdate: 'yesterday' is not a date"


def test_an_empty_token_is_refused_before_any_request() -> None:
    with pytest.raises(HubSpotApiError, match="a HubSpot token is required"):
        HubSpotClient("  ")


# -- into the store ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pull_stored_twice_changes_nothing_the_second_time(portal: RecordedPortal) -> None:
    from funnelpact.server.tracking import models
    from funnelpact.server.tracking.services import store_records

    first = store_records(pull(portal), create_missing_contacts=True)
    assert first.total("created") > 0
    second = store_records(pull(portal), create_missing_contacts=True)
    assert second.total("created") == 0 and second.total("updated") == 0
    assert models.Contact.objects.count() == 3
    assert models.StageChange.objects.count() == 6
    assert models.Touch.objects.count() == 5
    assert models.Deal.objects.get(external_id="9001").stage_changes.count() == 3


@pytest.mark.django_db
def test_the_sync_command_pulls_into_the_store(
    portal: RecordedPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from funnelpact.cli import sync
    from funnelpact.cli.main import app
    from funnelpact.server.tracking import models

    monkeypatch.setattr(sync, "make_client", lambda token, base_url: portal.client())
    result = CliRunner().invoke(
        app, ["sync", "hubspot", "--quiet"], env={"FUNNELPACT_HUBSPOT_TOKEN": TOKEN}
    )
    assert result.exit_code == 0, result.output
    assert "pulled 2 owners, 3 contacts, 2 deals, 5 activities" in result.output
    assert models.Contact.objects.count() == 3
