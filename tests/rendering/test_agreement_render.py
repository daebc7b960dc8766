"""`funnelpact agreement render`: both examples in HTML, Markdown and PDF, in en/es/it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rendering_testkit import SEED_000, SEED_003, invoke, load, markdown_row, plan_of

from funnelpact.domain.agreement import add_signature, content_hash, new_signature
from funnelpact.i18n import Language, localizer
from funnelpact.rendering import OutputFormat, agreement_document, render_agreement

HEADINGS = {
    Language.EN: ["Plan and targets", "Lifecycle stages", "Hand-off and lead handling"],
    Language.ES: ["Plan y objetivos", "Etapas del ciclo de vida", "Traspaso y gestión de leads"],
    Language.IT: ["Piano e obiettivi", "Fasi del ciclo di vita", "Passaggio e gestione dei lead"],
}


def _md(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    result = invoke(["agreement", "render", str(path), "--format", "md", *extra], capsys)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_seed_000_markdown_shows_the_planners_targets(capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _md(SEED_000, capsys)
    plan = plan_of(load(SEED_000))
    words = localizer(Language.ES)  # the agreement is written in Spanish
    mql = plan.total.stage("mql")
    assert mql.needed == 800  # seed 000: 100 customers <- ... <- 800 MQLs
    row = markdown_row(markdown, "MQLs", after="## Plan y objetivos")
    assert row == [
        "MQLs",
        words.percent(mql.rate),
        "800",
        words.number(mql.per_month.expected),
        f"{words.number(mql.per_month.low)}–{words.number(mql.per_month.high)}",
        words.number(mql.per_week.expected),
        f"{words.number(mql.per_week.low)}–{words.number(mql.per_week.high)}",
        words.money(mql.value_per_unit or 0, "EUR"),
    ]
    assert row[3:8] == ["66,7", "60,0–73,3", "16,7", "15,0–18,3", "125\xa0€"]
    for stage in plan.stages:
        cells = markdown_row(markdown, stage.label, after="## Plan y objetivos")
        assert cells[2] == words.integer(stage.needed)
    assert markdown_row(markdown, "Clientes", after="## Plan y objetivos")[2] == "100"
    reps = plan.capacity.total.reps_needed_rounded if plan.capacity else None
    assert f"El plan necesita {reps} comerciales." in markdown


def test_seed_003_markdown_shows_sources_and_the_3900_mqls_of_the_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    markdown = _md(SEED_003, capsys)
    plan = plan_of(load(SEED_003))
    words = localizer(Language.EN)
    # Seed 003's worked example: web-form leads alone need 3,900 MQLs for the quota.
    web_form = markdown_row(markdown, "Web form", after="### If one source brought every lead")
    assert web_form == ["Web form", "3,900", "1,326", "1,087", "250"]
    assert markdown_row(markdown, "Outbound prospecting", after="### If one source")[1] == "2,600"
    total = markdown_row(markdown, "MQLs", after="### Targets")
    assert total[2] == words.integer(plan.total.stage("mql").needed)
    for source in plan.sources:
        cells = markdown_row(markdown, "MQLs", after=f"**{source.label}: ")
        assert cells[2] == words.integer(source.stage("mql").needed)
    assert "**Web form: 60% of the MQLs**" in markdown


def test_protocol_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _md(SEED_003, capsys)
    assert (
        "**Sales makes the first touch within 8 business hours of the hand-off. Then at least "
        "3 touches within 14 days, 5 within 28 days, and 7 within 56 days. Calls, emails, and "
        "meetings count; automated emails and sequences do not.**"
    ) in markdown
    spanish = _md(SEED_000, capsys)
    assert (
        "Ventas hace el primer contacto en un plazo de 24 horas laborables desde el traspaso. "
        "Después, al menos 3 contactos en 14 días, 5 en 28 días y 7 en 56 días. Cuentan "
        "llamadas, correos electrónicos y reuniones; los correos automáticos y las secuencias "
        "no cuentan."
    ) in spanish


def test_calendar_kpis_review_and_alerts_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _md(SEED_003, capsys)
    assert (
        "Business time runs in the America/New_York time zone, Monday to Friday, 08:30–17:30. "
        "Public holidays (United States, New York) and the company's own closed dates are not "
        "business time."
    ) in markdown
    assert "- **Holidays worked:** Feb 12, 2025, Oct 13, 2025, Nov 4, 2025, and Nov 11, 2025" in (
        markdown
    )
    kpi = markdown_row(markdown, "Time from MQL to SQL")
    assert kpi[2:] == [
        "at most 16 business hours",
        "Sales owner (Daniel Okafor) and lead owner's manager",
    ]
    assert markdown_row(markdown, "Value of SQLs")[2] == "at least $200,000"
    assert "reviewed every 3 months with the actual data" in markdown
    assert "Next review: April 1, 2025." in markdown
    assert markdown_row(markdown, "Escalation")[1:] == [
        "A breach is still open 4 business hours later",
        "Lead owner's manager and sales owner (Daniel Okafor)",
    ]
    spanish = _md(SEED_000, capsys)
    assert "- **Horario del viernes:** 08:00–15:00" in spanish
    assert "Los festivos (España, Madrid)" in spanish


def test_parties_stages_and_signature_lines(capsys: pytest.CaptureFixture[str]) -> None:
    agreement = load(SEED_000)
    markdown = _md(SEED_000, capsys)
    for party in agreement.metadata.parties:
        assert markdown_row(markdown, party.name, after="**Partes**")[2] == party.owner
    for stage in agreement.lifecycle.stages:
        assert markdown_row(markdown, stage.label, after="## Etapas del ciclo de vida")
    for criterion in agreement.lifecycle.qualification.criteria:
        assert markdown_row(markdown, criterion.label)[1] == criterion.description
    signatures = markdown[markdown.index("## Firmas") :]
    assert f"`{content_hash(agreement)}`" in signatures
    for person in agreement.metadata.signatories:
        assert f"**{person.name}**, {person.role}" in signatures
    assert signatures.count("Firma: ________________________ Fecha: ____________") == 2


@pytest.mark.parametrize("language", list(Language))
def test_headings_are_translated(language: Language, capsys: pytest.CaptureFixture[str]) -> None:
    markdown = _md(SEED_003, capsys, "--locale", language.value)
    html = invoke(["agreement", "render", str(SEED_003), "--locale", language.value], capsys)
    assert html.exit_code == 0, html.stderr
    assert f'<html lang="{language.value}">' in html.stdout
    for heading in HEADINGS[language]:
        assert f"\n## {heading}\n" in markdown
        assert f">{heading}</h2>" in html.stdout
    for other in Language:
        if other is not language:
            assert f"## {HEADINGS[other][0]}" not in markdown


def test_default_language_is_the_agreements(capsys: pytest.CaptureFixture[str]) -> None:
    html = invoke(["agreement", "render", str(SEED_000), "-f", "html"], capsys).stdout
    assert '<html lang="es">' in html and ">Plan y objetivos</h2>" in html
    assert "100.000\xa0€" in html  # Spanish money format


def test_html_is_one_printable_accessible_file(capsys: pytest.CaptureFixture[str]) -> None:
    html = invoke(["agreement", "render", str(SEED_003)], capsys).stdout
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<h1") == 1 and "<style>" in html
    assert not re.search(r"<(link|script|img)\b", html) and "url(" not in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert "size: A4" in html and 'class="level-2 new-page"' in html
    assert '"Page " counter(page) " of " counter(pages)' in html


def _signed(text: str, at: datetime) -> str:
    agreement = load_text(text)
    for person in agreement.metadata.signatories:
        agreement = load_text(text)
        text = add_signature(text, agreement, new_signature(agreement, person.name, None, at))
    return text


def load_text(text: str):  # type: ignore[no-untyped-def]
    from funnelpact.domain.agreement import check_agreement_text

    loaded = check_agreement_text(text, "x.yaml", datetime(2025, 1, 15).date())
    assert loaded.agreement is not None, loaded.issues
    return loaded.agreement


def test_recorded_signatures_show_valid_then_no_longer_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = datetime(2025, 1, 10, 17, 45, tzinfo=timezone(timedelta(hours=1)))
    signed = tmp_path / "signed.yaml"
    signed.write_text(_signed(SEED_000.read_text(encoding="utf-8"), at), encoding="utf-8")
    markdown = _md(signed, capsys)
    assert markdown.count("Huella del contenido: **válida**") == 2
    assert "Firmado: 10 ene 2025 17:45 UTC+01:00" in markdown
    assert "________" not in markdown  # no empty line left to sign on

    # The content changes after signing: the render still works and says so.
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        signed.read_text(encoding="utf-8").replace("  goal: 100000", "  goal: 120000"), "utf-8"
    )
    markdown = _md(changed, capsys)
    assert markdown.count("Huella del contenido: **ya no coincide**") == 2
    assert "El documento cambió después de que firmara Lucía Fernández y Javier Romero" in markdown
    italian = render_agreement(
        load_text(changed.read_text("utf-8")), OutputFormat.HTML, Language.IT
    )
    assert isinstance(italian, str) and '<span class="status">non corrisponde più</span>' in italian
    assert 'class="signature stale"' in italian


def test_a_broken_file_is_refused_with_located_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    text = SEED_000.read_text(encoding="utf-8")
    text = text.replace("handoff:\n  stage: mql", "handoff:\n  stage: hot_lead")
    text = text.replace("  recycle_to: lead", "  recycle_to: nowhere")
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  stage: hot_lead") + 1
    output = tmp_path / "out.html"
    output.write_text("the previous render", encoding="utf-8")
    result = invoke(["agreement", "render", str(broken), "-o", str(output)], capsys)
    assert result.exit_code == 1
    assert result.stdout == ""
    # Every error, each at its file:line:column (the messages are the validator's own).
    first, second = result.stderr.splitlines()
    assert first.startswith(f"{broken}:{line}:3: error AGR005 ") and "'hot_lead'" in first
    assert second.startswith(f"{broken}:{line + 2}:3: error AGR006 ") and "'nowhere'" in second
    assert output.read_text(encoding="utf-8") == "the previous render"  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "out.html"]


def test_a_file_of_the_wrong_shape_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    text = SEED_000.read_text(encoding="utf-8").replace("every_months: 6", "every_months: 0")
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  every_months: 0") + 1
    result = invoke(["agreement", "render", str(broken), "-f", "md"], capsys)
    assert (result.exit_code, result.stdout) == (1, "")
    [message] = result.stderr.splitlines()
    assert message.startswith(f"{broken}:{line}:3: error SCH") and "every_months" in message


def test_pdf_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(["agreement", "render", str(SEED_000), "--format", "pdf"], capsys)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --format pdf writes a binary file: name it with --output FILE.pdf"
    )


def test_missing_file_and_bad_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = invoke(["agreement", "render", str(tmp_path / "nope.yaml")], capsys)
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        f"error: {tmp_path / 'nope.yaml'}: no such file",
    )
    target = tmp_path / "missing" / "out.md"
    result = invoke(["agreement", "render", str(SEED_000), "-f", "md", "-o", str(target)], capsys)
    assert result.exit_code == 1
    assert f"folder {tmp_path / 'missing'} does not exist" in result.stderr


def test_output_file_is_written_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "agreement.md"
    result = invoke(["agreement", "render", str(SEED_003), "-f", "md", "-o", str(target)], capsys)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == f"wrote {target}"
    assert target.read_text(encoding="utf-8") == _md(SEED_003, capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.md"]  # no temporary left


def test_document_model_lists_every_section_once() -> None:
    agreement = load(SEED_003)
    document = agreement_document(agreement, plan_of(agreement), Language.EN)
    ids = [section.id for section in document.all_sections()]
    assert len(ids) == len(set(ids))
    assert [section.title for section in document.sections] == [
        "Parties and scope",
        "Who we sell to",
        "Lifecycle stages",
        "Plan and targets",
        "Hand-off and lead handling",
        "KPIs, review and alerts",
        "Signatures",
    ]
    assert all(section.new_page for section in document.sections[1:])
