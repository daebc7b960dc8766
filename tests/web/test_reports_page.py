"""The Reports page: every report of `funnelpact.reports` as PDF, CSV and XLSX, in the user's
language and within the user's lead scope (a rep's reports hold only their own leads)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pypdfium2
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from web_testkit import PASSWORD, DemoWorld

from funnelpact.reports.registry import REPORTS, report_spec
from funnelpact.server.accounts.roles import Role
from funnelpact.server.web import reports
from funnelpact.server.web.permissions import Viewer


def _client(username: str, language: str = "") -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    if language:
        client.post(reverse("web:language"), {"language": language, "next": "/"})
    return client


def _viewer(username: str) -> Viewer:
    from funnelpact.server.web.permissions import viewer_of

    class _Request:
        def __init__(self, user: object) -> None:
            self.user = user

    from django.contrib.auth.models import User

    viewer = viewer_of(_Request(User.objects.get(username=username)))  # type: ignore[arg-type]
    assert viewer is not None
    return viewer


def _url(slug: str, fmt: str, period: str = "") -> str:
    url = reverse("web:report-file", args=[slug, fmt])
    return f"{url}?period={period}" if period else url


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_the_page_lists_every_report_with_its_three_formats(world: DemoWorld) -> None:
    page = _client("marketing", "es").get(reverse("web:reports")).content.decode()
    for spec in REPORTS:
        assert spec.labels.get("es") in page
        for fmt in ("pdf", "csv", "xlsx"):
            assert f'href="{reverse("web:report-file", args=[spec.slug, fmt])}"' in page
    assert "Informes del acuerdo" in page


def test_every_report_downloads_as_pdf_csv_and_xlsx_in_the_users_language(
    world: DemoWorld,
) -> None:
    client = _client("admin", "es")
    admin = _viewer("admin")
    now = datetime.now(UTC)
    for spec in REPORTS:
        title = spec.labels.get("es")
        expected = reports.build(spec, admin, now, "es")
        first = expected.tables[0]

        pdf = client.get(_url(spec.slug, "pdf"))
        assert pdf.status_code == 200, (spec.slug, pdf.content[:200])
        assert pdf["Content-Type"] == "application/pdf"
        assert f'filename="funnelpact-{spec.slug}-' in pdf["Content-Disposition"]
        document = pypdfium2.PdfDocument(pdf.content)
        page = document[0]
        text = page.get_textpage().get_text_range()
        assert title in text, (spec.slug, text[:300])
        image = page.render(scale=1).to_pil().convert("L")
        assert min(image.getdata()) < 100, f"{spec.slug}: page 1 is blank"
        document.close()

        sheet = client.get(_url(spec.slug, "csv"))
        assert sheet.status_code == 200 and sheet["Content-Type"].startswith("text/csv")
        rows = _csv_rows(sheet.content)
        header = rows[1] if len(expected.tables) > 1 else rows[0]
        if len(expected.tables) > 1:
            assert rows[0] == [f"# {first.title.get('es')}"]
        assert header == [c.labels.get("es") for c in first.columns]

        book = client.get(_url(spec.slug, "xlsx"))
        assert book.status_code == 200
        workbook = load_workbook(io.BytesIO(book.content))
        assert workbook.sheetnames[0] == title[:31]
        assert len(workbook.sheetnames) == 1 + len(expected.tables)


def test_the_english_user_gets_english_labels(world: DemoWorld) -> None:
    spec = report_spec("rep-scorecard")
    rows = _csv_rows(_client("admin", "en").get(_url(spec.slug, "csv")).content)
    expected = reports.build(spec, _viewer("admin"), datetime.now(UTC), "en")
    assert rows[0] == [c.labels.get("en") for c in expected.tables[0].columns]


def test_a_reps_report_holds_only_their_own_leads(world: DemoWorld) -> None:
    from funnelpact.server.accounts.people import Profile

    rep = Profile.objects.select_related("rep").get(user__username="rep").rep
    assert rep is not None
    company = _csv_rows(_client("admin").get(_url("rep-scorecard", "csv")).content)
    own = _csv_rows(_client("rep").get(_url("rep-scorecard", "csv")).content)
    by_rep = {row[0]: row for row in company[1:]}
    label = rep.name if rep.name in by_rep else str(rep.pk)
    assert len(by_rep) > 1 and label in by_rep
    # The rep's report: one row, theirs, with the very figures the company report shows them.
    assert [row[0] for row in own[1:]] == [label]
    assert own[1] == by_rep[label]
    # The rejections export counts only the rep's own leads.
    from funnelpact.server.tracking.models import HandoffDecision

    mine = HandoffDecision.objects.filter(decision="rejected", contact__owner=rep).count()
    exported = _csv_rows(
        _client("rep").get(reverse("web:report-download", args=["rejections", "csv"])).content
    )
    assert sum(int(row[3]) for row in exported[1:]) == mine
    assert mine < HandoffDecision.objects.filter(decision="rejected").count()


def test_a_managers_report_holds_only_their_teams_reps(world: DemoWorld) -> None:
    from funnelpact.server.accounts.people import Profile
    from funnelpact.server.tracking.models import Rep

    team = Profile.objects.get(user__username="manager").team_name
    team_reps = set(Rep.objects.filter(team_name=team).values_list("name", flat=True))
    others = set(Rep.objects.exclude(team_name=team).values_list("name", flat=True))
    rows = _csv_rows(_client("manager").get(_url("sales-activity", "csv")).content)
    team_ids = set(Rep.objects.filter(team_name=team).values_list("pk", flat=True))
    names = {row[0] for row in rows[1:] if row}
    # Reps are named (or, without a name, numbered by their store id).
    allowed = team_reps | {str(pk) for pk in team_ids}
    assert names and names <= allowed
    assert not names & (others - team_reps)


def test_scoped_tables_keep_only_the_scope(world: DemoWorld) -> None:
    from funnelpact.analytics.store_feed import StoreFeed
    from funnelpact.server.tracking.models import Contact

    rep = _viewer("rep")
    scope = reports.scope_of(rep)
    assert scope is not None
    contacts, reps = scope
    own = Contact.objects.filter(owner_id=rep.rep_id, merged_into__isnull=True)
    assert contacts == {str(pk) for pk in own.values_list("pk", flat=True)}
    assert contacts and len(contacts) < Contact.objects.count()
    data = reports.scoped(StoreFeed().refresh(), contacts, reps)
    for name in reports.CONTACT_TABLES:
        assert set(data.tables[name].column("contact_id").to_pylist()) <= contacts, name
    assert data.tables["reps"].column("rep_id").to_pylist() == [str(rep.rep_id)]
    # Admin, marketing and the viewer read the whole company.
    assert reports.scope_of(_viewer("admin")) is None
    assert reports.scope_of(_viewer("viewer")) is None
    # A manager without a team sees no lead, as on the lead pages.
    teamless = Viewer("m", Role.SALES_MANAGER, None, "", "")
    assert reports.scope_of(teamless) == (frozenset(), frozenset())


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("reports/scorecard/file.docx", 400, "pdf, csv, xlsx"),
        ("reports/scorecard/file.pdf?period=2026-13", 400, "2026-13"),
        ("reports/nonsense/file.pdf", 404, ""),
    ],
)
def test_bad_requests_are_refused_plainly(
    world: DemoWorld, url: str, status: int, says: str
) -> None:
    response = _client("admin").get(f"/{url}")
    assert response.status_code == status
    assert says in response.content.decode()
    assert b"Traceback" not in response.content


def test_a_period_is_honoured(world: DemoWorld) -> None:
    response = _client("admin").get(_url("sales-activity", "csv", "2020-01"))
    assert response.status_code == 200
    assert "funnelpact-sales-activity-2020-01.csv" in response["Content-Disposition"]
    rows = _csv_rows(response.content)
    # Nothing happened in January 2020: every rep row counts no touch.
    assert all(all(cell in ("", "0") for cell in row[1:]) for row in rows[1:])
