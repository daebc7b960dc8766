"""The gettext catalogs: complete for every msgid the code and templates use, and compiled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rendering_testkit import ROOT, compile_messages_tool

from funnelpact.domain.agreement.model import KpiMetric, PartyTeam, Recipient, StageOwner
from funnelpact.domain.records import TouchType
from funnelpact.i18n import LOCALE_DIR, TRANSLATED_LANGUAGES
from funnelpact.rendering import agreement as agreement_rendering

tool = compile_messages_tool()
LANGUAGES = [language.value for language in TRANSLATED_LANGUAGES]


def test_the_tool_and_the_package_agree_on_the_catalogs() -> None:
    assert tool.LOCALE_DIR == LOCALE_DIR
    assert tuple(tool.LANGUAGES) == tuple(LANGUAGES)


def test_extraction_finds_template_and_code_messages() -> None:
    messages = tool.extract_messages()
    assert "Plan and targets" in messages  # rendering/agreement.py
    assert messages["%(count)s business hour"].plural == "%(count)s business hours"
    # Django's names are extraction keywords too, so its code shares the catalogs.
    assert tool.PYTHON_KEYWORDS["gettext_lazy"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_used_has_a_translation(language: str) -> None:
    problems = tool.untranslated_problems(tool.po_path(language), tool.extract_messages())
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    assert tool.placeholder_problems(tool.po_path(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_is_up_to_date_with_its_po(language: str) -> None:
    assert tool.stale_mo_problems(tool.po_path(language), tool.mo_path(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_has_no_format_errors(language: str) -> None:
    catalog = tool.read_catalog(tool.po_path(language))
    assert [(message.id, errors) for message, errors in catalog.check()] == []
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"


def test_an_edited_po_makes_its_mo_stale(tmp_path: Path) -> None:
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    shutil.copy(tool.po_path("es"), po)
    shutil.copy(tool.mo_path("es"), mo)
    assert tool.stale_mo_problems(po, mo) == []
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Plan y objetivos"', 'msgstr "Plan y metas"'), "utf-8")
    [problem] = tool.stale_mo_problems(po, mo)
    assert "out of date with django.po (1 message(s) differ, e.g. 'Plan and targets')" in problem
    mo.unlink()
    assert (
        "missing; run: uv run python tools/compile_messages.py" in tool.stale_mo_problems(po, mo)[0]
    )


def test_a_template_msgid_without_translation_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "templates").mkdir(parents=True)
    (package / "templates" / "page.html.j2").write_text(
        "<h1>{{ _('Plan and targets') }}</h1>\n"
        "<p>{% trans %}Not translated yet{% endtrans %}</p>\n",
        encoding="utf-8",
    )
    messages = tool.extract_messages(package)
    assert set(messages) == {"Plan and targets", "Not translated yet"}
    [problem] = tool.untranslated_problems(tool.po_path("it"), messages)
    assert problem.endswith(f"'Not translated yet' has no translation in {tool.po_path('it')}")
    assert "page.html.j2:2" in problem


def test_a_lost_placeholder_is_reported(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    text = tool.po_path("it").read_text(encoding="utf-8")
    po.write_text(
        text.replace('msgstr "Prossima revisione: %(date)s."', 'msgstr "Prossima revisione."'),
        "utf-8",
    )
    [problem] = tool.placeholder_problems(po)
    assert "'Next review: %(date)s.'" in problem and "expected ['date']" in problem


def test_check_command_passes_on_the_repository() -> None:
    assert tool.main(["compile_messages.py", "check"]) == 0
    assert tool.main(["compile_messages.py", "nonsense"]) == 2


@pytest.mark.parametrize(
    ("labels", "enumeration"),
    [
        (agreement_rendering.OWNER_LABELS, StageOwner),
        (agreement_rendering.TEAM_LABELS, PartyTeam),
        (agreement_rendering.TOUCH_LABELS, TouchType),
        (agreement_rendering.KPI_LABELS, KpiMetric),
        (agreement_rendering.RECIPIENT_LABELS, Recipient),
    ],
)
def test_every_domain_value_has_a_label(labels: dict[object, object], enumeration: type) -> None:
    assert set(labels) == set(enumeration)


def test_catalogs_are_inside_the_package_where_django_can_find_them() -> None:
    for language in LANGUAGES:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").is_file()
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").is_file()
    assert LOCALE_DIR.is_relative_to(ROOT / "src" / "funnelpact")
