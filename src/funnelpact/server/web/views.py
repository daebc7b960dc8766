"""The pages. Each view names its capability (`permissions.requires`); figures come from
`services` (dashboard), the watch (obligations, decisions) and the agreement module."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from funnelpact.domain.compliance import Status
from funnelpact.domain.errors import DomainError
from funnelpact.domain.planning.spec import PlanSpec
from funnelpact.domain.records import Decision, Direction, Ref, System, Touch, TouchType
from funnelpact.errors import FunnelpactError, InputError
from funnelpact.server.accounts.people import AuditAction, AuditEntry, Profile
from funnelpact.server.accounts.people_services import (
    audit,
    login_failed,
    login_locked,
    login_succeeded,
    set_role,
)
from funnelpact.server.accounts.roles import SIGNING_PARTIES, Capability, LeadScope, Role
from funnelpact.server.tracking import models as store
from funnelpact.server.watch import models as watch
from funnelpact.server.watch.services import DecisionKind, active_context, decide
from funnelpact.server.web import agreement as agreements
from funnelpact.server.web import frame, planner, services
from funnelpact.server.web import reports as report_files
from funnelpact.server.web.permissions import (
    Viewer,
    allow_methods,
    lead_or_404,
    owner_filter,
    requires,
)

LANGUAGES = ("en", "es", "it")
OPEN_STATUSES = (Status.PENDING, Status.AT_RISK)


def now() -> datetime:
    return datetime.now(UTC)


def _viewer(request: HttpRequest) -> Viewer:
    viewer: Viewer = request.viewer
    return viewer


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    context.setdefault("viewer", getattr(request, "viewer", None))
    viewer = context["viewer"]
    context["caps"] = {c.value for c in Capability if viewer is not None and viewer.can(c)}
    return render(request, template, context)


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


# -- session ------------------------------------------------------------------------------------


@allow_methods("GET", "POST")
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    status = 200
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        address = _client_address(request)
        if login_locked(address, username):
            error = _("Too many failed attempts. Try again in 15 minutes.")
            status = 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                login_failed(address, username)
                audit(username or "?", AuditAction.LOGIN_FAILED, username, now(), address=address)
                error = _("Wrong user name or password.")
                status = 400
            else:
                login_succeeded(address, username)
                login(request, user)
                profile = Profile.objects.filter(user=user).first()
                response = redirect(_safe_next(request))
                if profile is not None and profile.language:
                    response.set_cookie("django_language", profile.language, samesite="Lax")
                return response
    return render(
        request,
        "web/login.html",
        {"error": error, "username": username, "sso": _sso_offer()},
        status=status,
    )


def _sso_offer() -> dict[str, str] | None:
    """The single sign-on button of the login page, when an OIDC provider is configured."""
    from funnelpact.server.accounts.sso import sso_config
    from funnelpact.server.accounts.sso_config import PROVIDER_ID

    config = sso_config()
    if not config.enabled:
        return None
    url = reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})
    return {"url": url, "name": config.name}


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return (
        target
        if target.startswith("/") and not target.startswith("//")
        else reverse("web:dashboard")
    )


@allow_methods("POST")
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@requires(Capability.VIEW_DASHBOARD, "POST")
def language_view(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in (*LANGUAGES, ""):
        return HttpResponse(status=400)
    Profile.objects.filter(user=request.user).update(language=language)
    translation.activate(language or "en")
    target = request.POST.get("next", "/")
    response = redirect(target if target.startswith("/") and not target.startswith("//") else "/")
    if language:
        response.set_cookie("django_language", language, samesite="Lax")
    else:
        response.delete_cookie("django_language")
    return response


# -- dashboard ----------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> services.Filters:
    try:
        period = services.PeriodKind(request.GET.get("period", "month"))
    except ValueError:
        period = services.PeriodKind.MONTH
    return services.Filters(
        period=period,
        stream=request.GET.get("stream", ""),
        source=request.GET.get("source", ""),
        team=request.GET.get("team", ""),
    )


@requires(Capability.VIEW_DASHBOARD)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The panels are rendered once per (data version, scope, filters, language, time zone,
    whether the viewer may open leads) and cached: a repeat view renders only the page around
    them (navigation, the viewer's name, the language form's CSRF token)."""
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils import timezone

    filters = _filters(request)
    viewer = _viewer(request)
    at = now()
    keys = services.dashboard_keys(filters, viewer, at)
    view_leads = viewer.can(Capability.VIEW_LEADS)
    key = "funnelpact:web:dashboard-panels:" + services.hashed_key(
        keys.version,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        view_leads,
    )
    panels = cache.get(key)
    if panels is None:
        board = services.dashboard_of(keys, filters, viewer, at)
        context = active_context()
        panels = render_to_string(
            "web/partials/dashboard_panels.html",
            {
                "board": board,
                "filters": filters,
                "charts": services.chart_data(board),
                "periods": [p.value for p in services.PeriodKind],
                "has_agreement": context is not None,
                "reason_labels": {
                    item.code: item.label
                    for item in (context.agreement.handoff.rejection_reasons if context else ())
                },
                "caps": {Capability.VIEW_LEADS.value} if view_leads else set(),
            },
        )
        cache.set(key, panels, services.AT_RISK_TTL)
    return frame.render_framed(request, "web/dashboard.html", viewer, panels)


@requires(Capability.VIEW_DASHBOARD)
def dashboard_data_view(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    board = services.dashboard(_filters(request), _viewer(request), now())
    return JsonResponse({"mqls": board.mqls, **services.chart_data(board)})


# -- leads --------------------------------------------------------------------------------------


def _open_rows(viewer: Viewer) -> list[watch.Obligation]:
    rows = (
        watch.Obligation.objects.select_related("contact", "owner")
        .filter(Q(name="decision", status__in=OPEN_STATUSES) & owner_filter(viewer))
        .order_by("due_at", "contact_id")
    )
    return list(rows[:200])


@requires(Capability.VIEW_LEADS)
def leads_view(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    context = active_context()
    reasons = context.agreement.handoff.rejection_reasons if context else ()
    return _page(
        request,
        "web/leads.html",
        rows=_open_rows(viewer),
        reasons=reasons,
        touch_types=[TouchType.CALL, TouchType.EMAIL, TouchType.MEETING],
        can_decide=viewer.can(Capability.DECIDE_LEADS),
    )


def _timeline(
    contact: store.Contact, stage_labels: dict[str, str], reasons: dict[str, str]
) -> list[dict[str, Any]]:
    # Each event's kind is shown as a translated word beside it: the text is what the CRM
    # recorded (a subject, a page), never the kind again in English.
    events: list[dict[str, Any]] = []
    for change in contact.stage_changes.all():
        text = stage_labels.get(change.stage, change.stage)
        events.append({"at": change.entered_at, "kind": "stage", "text": text})
    for change in contact.owner_changes.select_related("owner"):
        events.append({"at": change.assigned_at, "kind": "owner", "text": str(change.owner)})
    for touch in contact.touches.select_related("rep"):
        text = touch.subject or touch.content or ""
        events.append(
            {"at": touch.occurred_at, "kind": touch.type, "text": text, "who": str(touch.rep or "")}
        )
    for decision in contact.decisions.select_related("decided_by"):
        accepted = decision.decision == Decision.ACCEPTED
        text = str(_("lead accepted") if accepted else _("lead rejected"))
        if decision.reason:
            text += f" ({reasons.get(decision.reason, decision.reason)})"
        events.append(
            {
                "at": decision.decided_at,
                "kind": "decision",
                "text": text,
                "who": str(decision.decided_by or ""),
            }
        )
    events.sort(key=lambda item: item["at"], reverse=True)
    return events


@requires(Capability.VIEW_LEADS)
def lead_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    contact = lead_or_404(viewer, pk)
    context = active_context()
    # Stage names and rejection reasons as the agreement in force labels them (its language).
    agreement = context.agreement if context else None
    labels = {s.name: s.label for s in agreement.lifecycle.stages} if agreement else {}
    reasons = agreement.handoff.rejection_reasons if agreement else ()
    return _page(
        request,
        "web/lead.html",
        contact=contact,
        stage_label=labels.get(contact.lifecycle_stage, contact.lifecycle_stage),
        timeline=_timeline(contact, labels, {r.code: r.label for r in reasons}),
        obligations=list(contact.obligations.order_by("cycle", "due_at")),
        identities=list(contact.identities.all()),
        reasons=reasons,
        open_decision=contact.obligations.filter(
            name="decision", status__in=OPEN_STATUSES
        ).exists(),
        can_decide=viewer.can(Capability.DECIDE_LEADS),
        touch_types=[TouchType.CALL, TouchType.EMAIL, TouchType.MEETING],
    )


def _rep_ref(viewer: Viewer) -> str:
    if viewer.rep_id is None:
        return ""
    rep = store.Rep.objects.filter(pk=viewer.rep_id).first()
    return f"{rep.system}:{rep.external_id}" if rep is not None else ""


@requires(Capability.DECIDE_LEADS, "POST")
def decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    contact = lead_or_404(viewer, pk)
    choice = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    try:
        kind = DecisionKind(choice)
        outcome = decide(
            str(contact.pk),
            kind,
            reason if kind is DecisionKind.REJECT else "",
            now(),
            note=request.POST.get("note", "")[:2000],
            decided_by=_rep_ref(viewer),
        )
    except ValueError:
        return _partial_error(request, _("Choose accept or reject."))
    except FunnelpactError as exc:
        return _partial_error(request, exc.message)
    action = AuditAction.LEAD_ACCEPTED if kind is DecisionKind.ACCEPT else AuditAction.LEAD_REJECTED
    audit(
        viewer.username,
        action,
        f"contact {contact.pk}",
        now(),
        reason=reason,
        routed_to=outcome.routed_to,
    )
    message = _("Accepted") if kind is DecisionKind.ACCEPT else _("Rejected")
    if request.headers.get("HX-Request") == "true":
        return render(
            request, "web/partials/decided.html", {"contact": contact, "message": message}
        )
    return redirect("web:lead", pk=contact.pk)


def _partial_error(request: HttpRequest, message: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        response = render(request, "web/partials/error.html", {"message": message})
        response.status_code = 422
        # htmx swaps 2xx only by default: retarget the message into the row's alert slot.
        response["HX-Reswap"] = "innerHTML"
        return response
    return HttpResponse(message, status=422)


@requires(Capability.DECIDE_LEADS, "POST")
def touch_view(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    contact = lead_or_404(viewer, pk)
    try:
        kind = TouchType(request.POST.get("type", ""))
    except ValueError:
        return _partial_error(request, _("Choose call, e-mail or meeting."))
    if kind not in (TouchType.CALL, TouchType.EMAIL, TouchType.MEETING):
        return _partial_error(request, _("Choose call, e-mail or meeting."))
    from funnelpact.server.tracking.services import store_records
    from funnelpact.server.watch.repository import identity_of

    rep_ref = _rep_ref(viewer)
    moment = now()
    store_records(
        [
            Touch(
                ref=Ref(System.WEB, f"touch-{uuid4().hex}"),
                contact=identity_of(contact.pk),
                type=kind,
                occurred_at=moment,
                direction=Direction.OUTBOUND,
                rep=Ref.parse(rep_ref) if rep_ref else None,
                subject=request.POST.get("subject", "")[:200],
            )
        ]
    )
    audit(
        viewer.username, AuditAction.TOUCH_LOGGED, f"contact {contact.pk}", moment, type=kind.value
    )
    if request.headers.get("HX-Request") == "true":
        return render(request, "web/partials/touched.html", {"kind": kind.value, "at": moment})
    return redirect("web:lead", pk=contact.pk)


# -- planner ------------------------------------------------------------------------------------


def _plan_in_force() -> PlanSpec | None:
    context = active_context()
    return context.agreement.plan_spec() if context is not None else None


@requires(Capability.VIEW_PLANNER, "GET", "POST")
def planner_view(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    spec = _plan_in_force()
    labels = planner.stage_labels(spec)
    inputs = planner.defaults(spec)
    result = None
    errors: list[str] = []
    if request.method == "POST":
        if not viewer.can(Capability.EDIT_PLANNER):
            return HttpResponse(status=403)
        inputs = planner.inputs_from(request.POST, inputs)
        try:
            result = planner.run(inputs, labels)
        except DomainError as exc:
            errors = [issue.render() for issue in exc.issues]
        except planner.PlannerInputError as exc:
            errors = [exc.message]
        if result is not None and request.POST.get("save") and request.POST.get("name", "").strip():
            planner.save(request.POST["name"].strip()[:120], inputs, viewer.username, now())
    else:
        try:
            result = planner.run(inputs, labels)
        except (DomainError, planner.PlannerInputError):  # a plan the planner cannot rerun
            result = planner.run(planner.defaults())
    saved = planner.saved()
    compare_ids = [
        int(v)
        for v in request.GET.getlist("compare")
        if v.isascii() and v.isdigit() and len(v) <= 18
    ]
    comparison = planner.compare(compare_ids, labels) if compare_ids else None
    return _page(
        request,
        "web/planner.html",
        inputs=inputs,
        rate_fields=[
            (f"rate_{stage}", labels.get(stage, stage), inputs[f"rate_{stage}"])
            for stage in planner.stages_of(inputs)
        ],
        result=result,
        errors=errors,
        saved=saved,
        comparison=comparison,
        can_edit=viewer.can(Capability.EDIT_PLANNER),
        plan_chart={
            "labels": [stage.label for stage in result.stages] if result else [],
            "needed": [stage.needed for stage in result.stages] if result else [],
        },
    )


# -- agreement ----------------------------------------------------------------------------------


@requires(Capability.VIEW_AGREEMENT)
def agreement_view(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    current = agreements.active_version()
    history = agreements.versions()
    diffs = []
    for newer, older in pairwise(history):
        try:
            diffs.append(agreements.diff(older, newer))
        except FunnelpactError:
            continue
    parties = SIGNING_PARTIES[viewer.role]
    statuses = agreements.statuses(current) if current else []
    review = agreements.parsed(current).review if current else None
    return _page(
        request,
        "web/agreement.html",
        current=current,
        history=history,
        diffs=diffs,
        statuses=statuses,
        review=review,
        signable=[
            s
            for s in statuses
            if viewer.can(Capability.SIGN_AGREEMENT) and (parties is None or s.party in parties)
        ],
    )


@requires(Capability.VIEW_AGREEMENT)
def agreement_document_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = agreements.version(pk)
    except FunnelpactError as exc:
        raise Http404(exc.message) from exc
    html = agreements.rendered_html(row, (translation.get_language() or "en")[:2])
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["X-Frame-Options"] = "SAMEORIGIN"
    # The document is self-contained (inline stylesheet, no script): framed by our own page only.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    return response


@requires(Capability.SIGN_AGREEMENT, "POST")
def agreement_sign_view(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        agreements.sign(
            request.POST.get("signatory", ""), SIGNING_PARTIES[viewer.role], viewer.username, now()
        )
    except FunnelpactError as exc:
        return HttpResponse(exc.message, status=422)
    return redirect("web:agreement")


# -- reports ------------------------------------------------------------------------------------

REPORTS = ("obligations", "rejections", "compliance")


def _report_rows(name: str, viewer: Viewer) -> tuple[list[str], list[list[Any]]]:
    if name == "obligations":
        rows = (
            watch.Obligation.objects.select_related("contact", "owner")
            .filter(owner_filter(viewer))
            .order_by("handoff_at", "contact_id", "cycle", "name")
        )
        header = [
            "contact",
            "cycle",
            "obligation",
            "status",
            "handoff_at",
            "due_at",
            "owner",
            "source",
            "campaign",
        ]
        return header, [
            [
                r.contact_id,
                r.cycle,
                r.name,
                r.status,
                r.handoff_at.isoformat(),
                r.due_at.isoformat(),
                str(r.owner or ""),
                r.contact.source,
                r.contact.campaign,
            ]
            for r in rows
        ]
    if name == "rejections":
        from funnelpact.server.watch.services import rejections

        header = ["reason", "source", "campaign", "count"]
        if viewer.lead_scope in (LeadScope.ALL, LeadScope.NONE):
            return header, [[r.reason, r.source, r.campaign, r.count] for r in rejections()]
        # A rep's or a manager's export counts the rejections of their own leads only.
        counts = Counter(
            (reason or "(none)", source or "(none)", campaign or "(none)")
            for reason, source, campaign in store.HandoffDecision.objects.filter(
                Q(decision="rejected") & owner_filter(viewer, "contact__owner")
            ).values_list("reason", "contact__source", "contact__campaign")
        )
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return header, [[*key, count] for key, count in ordered]
    if name == "compliance":
        board = services.dashboard(services.Filters(), viewer, now())
        rows_out: list[list[Any]] = []
        for kind, items in (
            ("rep", board.by_rep),
            ("source", board.by_source),
            ("campaign", board.by_campaign),
        ):
            for item in items:
                rows_out.append([kind, item.group, item.met, item.breached, item.share])
        return ["by", "group", "met", "breached", "share"], rows_out
    raise Http404("no such report")


@requires(Capability.VIEW_REPORTS)
def reports_view(request: HttpRequest) -> HttpResponse:
    from funnelpact.reports.registry import REPORTS as DOCUMENTS

    language = _language()
    return _page(
        request,
        "web/reports.html",
        reports=REPORTS,
        documents=[
            {
                "slug": spec.slug,
                "title": spec.labels.get(language),
                "description": spec.description.get(language),
                "weekly": spec.default_period == "week",
            }
            for spec in DOCUMENTS
        ],
        formats=[f.value for f in report_files.DOWNLOAD_FORMATS],
        period=request.GET.get("period", ""),
    )


def _language() -> str:
    """The request's language (the user's choice, else the browser's): en, es or it."""
    language = (translation.get_language() or "en")[:2]
    return language if language in LANGUAGES else "en"


@requires(Capability.VIEW_REPORTS)
def report_file_view(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A report of `funnelpact.reports` as PDF, CSV or XLSX, within the viewer's scope."""
    spec = report_files.spec_of(slug)
    if spec is None:
        raise Http404("no such report")
    try:
        output_format = report_files.format_of(fmt)
        made = report_files.download(
            spec,
            output_format,
            _viewer(request),
            now(),
            _language(),
            request.GET.get("period", "")[:40],
        )
    except FunnelpactError as exc:
        return HttpResponse(
            exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@requires(Capability.VIEW_REPORTS)
def report_download_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    header, rows = _report_rows(name, _viewer(request))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook  # type: ignore[import-untyped]

        book = Workbook()
        sheet = book.active
        sheet.title = name[:31]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        data = io.BytesIO()
        book.save(data)
        response = HttpResponse(
            data.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404("no such format")
    response["Content-Disposition"] = f'attachment; filename="funnelpact-{name}.{fmt}"'
    return response


# -- imports ------------------------------------------------------------------------------------


@requires(Capability.RUN_IMPORTS, "GET", "POST")
def imports_view(request: HttpRequest) -> HttpResponse:
    outcome: dict[str, Any] | None = None
    if request.method == "POST":
        outcome = _run_import(request)
    status = 422 if outcome and outcome.get("refused") else 200
    response = _page(request, "web/imports.html", outcome=outcome)
    response.status_code = status
    return response


def _run_import(request: HttpRequest) -> dict[str, Any]:
    from funnelpact.ingest.common import ImportRefusedError
    from funnelpact.ingest.engine import ImportOptions
    from funnelpact.ingest.hubspot import prepare_hubspot
    from funnelpact.ingest.salesforce import prepare_salesforce
    from funnelpact.server.tracking.services import store_records

    source = request.POST.get("source", "hubspot")
    uploads = request.FILES.getlist("files")
    if not uploads:
        return {"refused": True, "lines": [_("Choose at least one CSV file.")]}
    with tempfile.TemporaryDirectory(prefix="funnelpact-upload-") as folder:
        paths = []
        for upload in uploads:
            path = Path(folder) / Path(upload.name or "upload.csv").name
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            paths.append(path)
        options = ImportOptions(timezone=request.POST.get("timezone") or None, max_problems=100)
        try:
            if source == "mapping":
                job = _mapped_job(request, folder, paths, options)
            elif source == "salesforce":
                job = prepare_salesforce(paths, options)
            else:
                job = prepare_hubspot(paths, options)
            stored = store_records(job.records(), create_missing_contacts=True)
        except ImportRefusedError as exc:
            return {
                "refused": True,
                "lines": [*exc.report.problem_lines(), _("Nothing was stored.")],
            }
        except FunnelpactError as exc:
            return {"refused": True, "lines": [exc.message, _("Nothing was stored.")]}
        report = job.report()
    return {
        "refused": False,
        "files": [(f.name, f.kind, f.rows, f.rejected) for f in report.files],
        "stored": [
            (kind.value, c.created, c.updated, c.unchanged, c.merged) for kind, c in stored.kinds
        ],
        "lines": report.problem_lines(),
    }


def _mapped_job(request: HttpRequest, folder: str, paths: list[Path], options: Any) -> Any:
    """A CSV read through the uploaded column mapping (the YAML `funnelpact import csv` takes)."""
    from funnelpact.ingest.mapping import ColumnMapping, prepare_mapping

    upload = request.FILES.get("mapping")
    if upload is None:
        raise InputError(_("A mapped CSV needs its mapping file (YAML)."))
    mapping_path = Path(folder) / "mapping.yaml"
    with mapping_path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return prepare_mapping(paths, ColumnMapping.load(mapping_path), options)


# -- settings -----------------------------------------------------------------------------------


def _channels_shown() -> list[watch.AlertChannel]:
    """The alert channels, each with its URL redacted (the URL holds the channel's secret)."""
    from funnelpact.server.watch.channels import redact_url

    channels = list(watch.AlertChannel.objects.order_by("name"))
    for channel in channels:
        channel.shown_url = redact_url(channel.url)
    return channels


@requires(Capability.MANAGE_SETTINGS, "GET", "POST")
def settings_view(request: HttpRequest) -> HttpResponse:
    from funnelpact.server.accounts import services as tokens

    viewer = _viewer(request)
    notice = ""
    new_secret = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "role":
                set_role(
                    request.POST["username"],
                    Role(request.POST["role"]),
                    now(),
                    actor=viewer.username,
                )
                notice = _("Role changed.")
            elif action == "token":
                made = tokens.create_token(
                    request.POST.get("name", ""),
                    request.POST.getlist("scopes"),
                    created_by=viewer.username,
                    now=now(),
                )
                audit(
                    viewer.username,
                    AuditAction.TOKEN_CREATED,
                    made.token.name,
                    now(),
                    scopes=made.token.scopes,
                )
                new_secret = made.secret
            elif action == "revoke":
                revoked = tokens.revoke_token(request.POST.get("name", ""), now=now())
                audit(viewer.username, AuditAction.TOKEN_REVOKED, revoked.name, now())
                notice = _("Token revoked.")
            elif action == "webhook":
                source = request.POST.get("source", "")
                tokens.set_webhook_secret(source, request.POST.get("secret") or None, now=now())
                audit(viewer.username, AuditAction.WEBHOOK_SECRET_SET, source, now())
                notice = _("Webhook secret saved.")
            elif action == "channel_test":
                from funnelpact.server.watch.channels import send_test

                send_test(request.POST.get("channel", ""), now())
                notice = _("Test message sent.")
            elif action == "channel_add":
                from funnelpact.server.watch.channels import add_channel

                name = request.POST.get("name", "").strip()
                if not name:
                    raise InputError(_("A channel needs a name."))
                channel = add_channel(name, request.POST.get("url", "").strip())
                audit(
                    viewer.username,
                    AuditAction.CHANNEL_ADDED,
                    channel.name,
                    now(),
                    kind=channel.kind,
                )
                notice = _("Alert channel saved.")
            elif action == "channel_toggle":
                from funnelpact.server.watch.channels import get_channel

                # Turned off, not deleted: the channel's sent alerts stay in the outbox's history.
                channel = get_channel(request.POST.get("channel", ""))
                channel.enabled = not channel.enabled
                channel.save(update_fields=["enabled"])
                audit(
                    viewer.username,
                    AuditAction.CHANNEL_TOGGLED,
                    channel.name,
                    now(),
                    enabled=channel.enabled,
                )
                notice = (
                    _("Alert channel turned on.")
                    if channel.enabled
                    else _("Alert channel turned off.")
                )
        except (FunnelpactError, KeyError, ValueError) as exc:
            notice = getattr(exc, "message", None) or str(exc)
    from funnelpact.server.accounts.models import Scope

    return _page(
        request,
        "web/settings.html",
        users=User.objects.select_related("profile", "profile__rep").order_by("username"),
        roles=[r.value for r in Role],
        teams=store.Team.objects.order_by("name"),
        tokens=tokens.list_tokens(),
        scopes=[s.value for s in Scope],
        webhooks=tokens.list_webhook_sources(),
        channels=_channels_shown(),
        audit_log=AuditEntry.objects.all()[:30],
        notice=notice,
        new_secret=new_secret,
    )
