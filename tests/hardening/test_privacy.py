"""GDPR requests on a real store: one contact's export holds everything about them (and nobody
else), erasure removes the person but leaves the SLA facts (and so every figure) as they were,
both leave an audit entry, and the CLI refuses without --yes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from funnelpact.domain.records import (
    Contact,
    Decision,
    Direction,
    HandoffDecision,
    Ref,
    Rep,
    StageChange,
    System,
    Touch,
    TouchType,
)
from funnelpact.errors import InputError, NotFoundError
from funnelpact.server.accounts.people import AuditEntry
from funnelpact.server.privacy import services as privacy
from funnelpact.server.tracking import models as store
from funnelpact.server.tracking.services import merge_contacts, store_records
from funnelpact.server.watch import models as watch
from funnelpact.server.watch.services import use_agreement

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
AGREEMENT = ROOT / "examples" / "agreement-seed-000.yaml"
HANDOFF = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
REP = Ref(System.HUBSPOT, "owner-1")
PERSON = Ref(System.HUBSPOT, "501")
DUPLICATE = Ref(System.SALESFORCE, "00Q000000000001AAA")
OTHER = Ref(System.HUBSPOT, "502")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _lead(ref: Ref, email: str, first: str, last: str, company: str) -> list[Any]:
    return [
        Contact(
            ref=ref,
            created_at=HANDOFF,
            email=email,
            first_name=first,
            last_name=last,
            company=company,
            owner=REP,
            lifecycle_stage="mql",
        ),
        StageChange(contact=ref, stage="mql", entered_at=HANDOFF),
    ]


@pytest.fixture
def people() -> dict[str, int]:
    use_agreement(AGREEMENT, HANDOFF)
    store_records(
        [
            Rep(ref=REP, name="Ana Ruiz", email="ana@nubeo.example", team="Ventas"),
            *_lead(PERSON, "lucia.bianchi@cliente.example", "Lucía", "Bianchi", "Bianchi Srl"),
            *_lead(OTHER, "mario.rossi@altro.example", "Mario", "Rossi", "Rossi SpA"),
            Touch(
                ref=Ref(System.HUBSPOT, "call-1"),
                contact=PERSON,
                type=TouchType.CALL,
                occurred_at=HANDOFF + timedelta(hours=1),
                direction=Direction.OUTBOUND,
                rep=REP,
                subject="Call with Lucía Bianchi about the renewal",
            ),
            HandoffDecision(
                contact=PERSON,
                decision=Decision.ACCEPTED,
                decided_at=HANDOFF + timedelta(hours=2),
                decided_by=REP,
                note="Lucía asked to be called on her mobile 333 1234567",
            ),
        ]
    )
    # The same person in Salesforce under another e-mail, merged by hand.
    store_records(_lead(DUPLICATE, "l.bianchi@gmail.example", "Lucia", "Bianchi", "Bianchi"))
    ids = {
        ref: store.ContactIdentity.objects.get(
            system=ref.system.value, external_id=ref.external_id
        ).contact_id
        for ref in (PERSON, DUPLICATE, OTHER)
    }
    merge_contacts(ids[PERSON], ids[DUPLICATE])
    channel = watch.AlertChannel.objects.create(
        name="ops", kind="webhook", url="json://127.0.0.1:9/hook"
    )
    watch.AlertOutbox.objects.create(
        key="test-alert-1",
        kind="breach",
        contact_id=ids[PERSON],
        channel=channel,
        recipient="ana@nubeo.example",
        title="Lucía Bianchi: first touch breached",
        body="Lucía Bianchi (Bianchi Srl) waited too long",
        created_at=NOW,
        next_attempt_at=NOW,
    )
    return {"person": ids[PERSON], "duplicate": ids[DUPLICATE], "other": ids[OTHER]}


def _figures() -> dict[str, Any]:
    """What the SLA figures count: facts per stage, decisions, obligations by status, touches."""
    return {
        "contacts": store.Contact.objects.count(),
        "stages": Counter(store.StageChange.objects.values_list("stage", "entered_at")),
        "decisions": Counter(store.HandoffDecision.objects.values_list("decision", "decided_at")),
        "touches": Counter(store.Touch.objects.values_list("type", "occurred_at", "rep_id")),
        "obligations": Counter(
            watch.Obligation.objects.values_list(
                "contact_id", "name", "status", "due_at", "met_at", "breached_at"
            )
        ),
        "alerts": watch.AlertOutbox.objects.count(),
        "owners": Counter(store.Contact.objects.values_list("owner_id", "created_at")),
    }


def _text_of(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_find_contact_by_id_identity_email_and_merged_duplicate(people: dict[str, int]) -> None:
    person = people["person"]
    assert privacy.find_contact(str(person)).pk == person
    assert privacy.find_contact("hubspot:501").pk == person
    assert privacy.find_contact("LUCIA.BIANCHI@cliente.example").pk == person
    # The duplicate's own id and e-mail lead to the contact it was merged into.
    assert privacy.find_contact(str(people["duplicate"])).pk == person
    assert privacy.find_contact("salesforce:00Q000000000001AAA").pk == person
    with pytest.raises(NotFoundError, match="'hubspot:999': no such contact"):
        privacy.find_contact("hubspot:999")
    with pytest.raises(InputError, match="use a store id"):
        privacy.find_contact("Lucía")


def test_export_holds_everything_about_the_person_and_nobody_else(people: dict[str, int]) -> None:
    data = privacy.export_contact(privacy.find_contact("hubspot:501"), requested_by="dpo", now=NOW)
    text = _text_of(data)
    for datum in (
        "lucia.bianchi@cliente.example",
        "l.bianchi@gmail.example",  # the merged duplicate's
        "Bianchi Srl",
        "00Q000000000001AAA",
        "about the renewal",
        "333 1234567",
        "waited too long",
    ):
        assert datum in text, datum
    assert "Rossi" not in text and "mario" not in text
    assert {c["id"] for c in data["contacts"]} == {people["person"], people["duplicate"]}
    assert len(data["identities"]) == 2
    assert data["stage_changes"] and data["obligations"] and data["handoff_decisions"]
    # Obligations computed for the duplicate before the merge belong to the person too.
    assert {o["contact_id"] for o in data["obligations"]} <= {people["person"], people["duplicate"]}
    entry = AuditEntry.objects.get(action=privacy.AUDIT_EXPORTED)
    assert (entry.actor, entry.subject) == ("dpo", f"contact {people['person']}")
    assert "Bianchi" not in _text_of(entry.detail)  # the log names the contact by id only


def test_erasure_removes_the_person_and_keeps_every_figure(people: dict[str, int]) -> None:
    before = _figures()
    other_before = privacy.export_contact(
        privacy.find_contact("hubspot:502"), requested_by="t", now=NOW
    )
    report = privacy.erase_contact(
        privacy.find_contact("lucia.bianchi@cliente.example"), requested_by="dpo", now=NOW
    )
    assert set(report.contact_ids) == {people["person"], people["duplicate"]}
    assert report.identities_deleted == 2
    assert (report.touches_cleared, report.decisions_cleared, report.alerts_cleared) == (1, 1, 1)
    assert report.kept_facts > 0

    assert _figures() == before  # every aggregate SLA fact is still there, unchanged
    after = privacy.export_contact(
        store.Contact.objects.get(pk=people["person"]), requested_by="dpo", now=NOW
    )
    text = _text_of(after)
    for datum in (
        "Bianchi",
        "Lucía",
        "Lucia",
        "cliente.example",
        "gmail",
        "501",
        "renewal",
        "333 1234567",
    ):
        assert datum not in text, datum
    assert after["identities"] == []
    # Nobody else was touched.
    other_after = privacy.export_contact(
        privacy.find_contact("hubspot:502"), requested_by="t", now=NOW
    )
    for part in ("contacts", "identities", "stage_changes", "obligations"):
        assert other_after[part] == other_before[part]
    # The person can no longer be found by any of their old references.
    for reference in (
        "hubspot:501",
        "lucia.bianchi@cliente.example",
        "salesforce:00Q000000000001AAA",
    ):
        with pytest.raises(NotFoundError):
            privacy.find_contact(reference)
    entry = AuditEntry.objects.get(action=privacy.AUDIT_ERASED)
    assert entry.subject == f"contact {people['person']}"
    assert entry.detail["identities_deleted"] == 2
    assert "Bianchi" not in _text_of(entry.detail)


def test_erasure_is_all_or_nothing(people: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    before = privacy.export_contact(privacy.find_contact("hubspot:501"), requested_by="t", now=NOW)

    def broken_audit(**_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy.AuditEntry.objects, "create", broken_audit)
    with pytest.raises(RuntimeError):
        privacy.erase_contact(privacy.find_contact("hubspot:501"), requested_by="dpo", now=NOW)
    monkeypatch.undo()
    again = privacy.export_contact(privacy.find_contact("hubspot:501"), requested_by="t", now=NOW)
    for part in ("contacts", "identities", "touches", "handoff_decisions", "alerts"):
        assert again[part] == before[part]


def _cli(args: list[str], store_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": store_url}
    return subprocess.run(
        [sys.executable, "-m", "funnelpact", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=False)
def test_cli_export_and_erase(tmp_path: Path) -> None:
    # Its own SQLite store: the CLI runs in another process.
    url = f"sqlite:///{tmp_path}/store.db"
    seed = (
        "from datetime import UTC, datetime;"
        "from funnelpact.server import setup_django; setup_django();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from funnelpact.domain.records import Contact, Ref, System;"
        "from funnelpact.server.tracking.services import store_records;"
        "store_records([Contact(ref=Ref(System.HUBSPOT, '77'), created_at=datetime(2025, 1, 6,"
        " tzinfo=UTC), email='ada@example.org', first_name='Ada', last_name='Lovelace')])"
    )
    env = {**os.environ, "FUNNELPACT_DATABASE_URL": url}
    subprocess.run([sys.executable, "-c", seed], env=env, check=True, timeout=120)

    refused = _cli(["privacy", "erase", "hubspot:77"], url, tmp_path)
    assert refused.returncode == 1 and "add --yes" in refused.stderr

    missing = _cli(["privacy", "export", "hubspot:78"], url, tmp_path)
    assert missing.returncode == 1
    assert "'hubspot:78': no such contact" in missing.stderr
    assert "Traceback" not in missing.stderr

    out = tmp_path / "ada.json"
    exported = _cli(["privacy", "export", "ada@example.org", "-o", str(out)], url, tmp_path)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["contacts"][0]["last_name"] == "Lovelace"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []

    erased = _cli(["privacy", "erase", "hubspot:77", "--yes"], url, tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert "1 CRM identities deleted" in erased.stdout
    printed = _cli(["privacy", "export", str(data["contact_id"])], url, tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "Lovelace" not in printed.stdout and "ada@" not in printed.stdout
    assert json.loads(printed.stdout)["contacts"][0]["created_at"].startswith("2025-01-06")
