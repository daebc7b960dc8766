"""The agreement in force, its versions, diffs and sign-off, for the web app.

The watch keeps every agreement text it ran on (``AgreementVersion``); signing writes the signed
text as a new version and puts it in force, so the history shows who signed what and when.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from funnelpact.domain.agreement import check_agreement_text
from funnelpact.domain.agreement.diff import AgreementDiff, describe_changes
from funnelpact.domain.agreement.model import Agreement
from funnelpact.domain.agreement.signing import SigningError, add_signature, new_signature
from funnelpact.errors import InputError, NotFoundError
from funnelpact.rendering import render_agreement, signature_statuses
from funnelpact.rendering.agreement import SignatureStatus
from funnelpact.rendering.output import OutputFormat
from funnelpact.server.accounts.people import AuditAction
from funnelpact.server.accounts.people_services import audit
from funnelpact.server.watch import models as watch


class SignError(InputError):
    pass


def active_version() -> watch.AgreementVersion | None:
    row: watch.AgreementVersion | None = (
        watch.AgreementVersion.objects.filter(active=True).order_by("-activated_at", "-pk").first()
    )
    return row


def versions() -> list[watch.AgreementVersion]:
    return list(watch.AgreementVersion.objects.order_by("-activated_at", "-pk"))


def version(pk: int) -> watch.AgreementVersion:
    found: watch.AgreementVersion | None = watch.AgreementVersion.objects.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(f"agreement version {pk}: no such version")
    return found


def parsed(row: watch.AgreementVersion) -> Agreement:
    loaded = check_agreement_text(row.text, row.source_path or "agreement", row.activated_at.date())
    if loaded.agreement is None:
        raise InputError(f"agreement version {row.pk} no longer reads as an agreement")
    return loaded.agreement


def rendered_html(row: watch.AgreementVersion, language: str) -> str:
    from funnelpact.i18n import Language

    chosen = Language(language) if language in {"en", "es", "it"} else None
    html = render_agreement(parsed(row), OutputFormat.HTML, chosen)
    return html if isinstance(html, str) else html.decode("utf-8")


@dataclass(frozen=True, slots=True)
class VersionDiff:
    older: watch.AgreementVersion
    newer: watch.AgreementVersion
    diff: AgreementDiff
    signatures_changed: bool


def diff(older: watch.AgreementVersion, newer: watch.AgreementVersion) -> VersionDiff:
    old, new = parsed(older), parsed(newer)
    return VersionDiff(older, newer, describe_changes(old, new), old.signatures != new.signatures)


def statuses(row: watch.AgreementVersion) -> list[SignatureStatus]:
    return signature_statuses(parsed(row))


def sign(signatory: str, allowed_parties: frozenset[str] | None, actor: str, now: datetime) -> str:
    """Record ``signatory``'s signature on the agreement in force; a new version goes active."""
    with transaction.atomic():
        current = active_version()
        if current is None:
            raise SignError("there is no agreement in force to sign")
        agreement = parsed(current)
        person = agreement.signatory(signatory)
        if person is None:
            raise SignError(f"{signatory!r} is not a signatory of this agreement")
        if allowed_parties is not None and person.party not in allowed_parties:
            raise SignError(f"your role cannot sign for the {person.party} party")
        try:
            signature = new_signature(agreement, signatory, None, now)
        except SigningError as exc:
            raise SignError(str(exc)) from exc
        text = add_signature(current.text, agreement, signature)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        watch.AgreementVersion.objects.filter(active=True).update(active=False)
        watch.AgreementVersion.objects.update_or_create(
            content_hash=digest,
            defaults={
                "text": text,
                "name": current.name,
                "version": current.version,
                "source_path": current.source_path,
                "active": True,
                "activated_at": now,
            },
        )
        audit(
            actor,
            AuditAction.AGREEMENT_SIGNED,
            current.name,
            now,
            signatory=signatory,
            party=person.party,
            content_hash=signature.content_hash,
        )
    return signatory
