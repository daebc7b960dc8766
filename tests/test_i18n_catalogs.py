"""Every text of the web app and the service is translated into Spanish and Italian.

Collects the literal msgids the code marks for translation (`{% trans "..." %}` /
`{% translate "..." %}` in the Django templates, `_()` / `gettext()` / `gettext_lazy()` /
`ngettext()` in src/funnelpact/server and src/funnelpact/i18n) and requires each to have a
non-empty, non-fuzzy entry in the es and it catalogs (the web app's and the project's, as
Django merges them). A text added in English only shows up here, not on a user's screen.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent.parent / "src" / "funnelpact"
CATALOGS = (
    SOURCE / "server" / "web" / "locale" / "{lang}" / "LC_MESSAGES" / "django.po",
    SOURCE / "locale" / "{lang}" / "LC_MESSAGES" / "django.po",
)
TEMPLATE_TEXT = re.compile(r"\{%\s*(?:trans|translate)\s+\"([^\"]*)\"")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "_lazy"}


def _template_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SOURCE.joinpath("server").rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_TEXT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(match.group(1), f"{path.relative_to(SOURCE)}:{line}")
    return found


def _python_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SOURCE.joinpath("server").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if (
                name in GETTEXT_NAMES
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value
            ):
                found.setdefault(first.value, f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def _translated(lang: str) -> set[str]:
    done: set[str] = set()
    for pattern in CATALOGS:
        with Path(str(pattern).format(lang=lang)).open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            text = message.string
            if isinstance(text, tuple | list):
                text = text[0] if text else ""
            if message.id and text and not message.fuzzy:
                key = message.id[0] if isinstance(message.id, tuple | list) else message.id
                done.add(key)
    return done


def test_the_collectors_find_texts() -> None:
    assert len(_template_msgids()) > 100
    assert "Settings" in _template_msgids()
    assert len(_python_msgids()) > 20


@pytest.mark.parametrize("lang", ["es", "it"])
def test_every_marked_text_is_translated(lang: str) -> None:
    translated = _translated(lang)
    wanted = {**_python_msgids(), **_template_msgids()}
    missing = sorted(
        f"{where}: {msgid!r}" for msgid, where in wanted.items() if msgid not in translated
    )
    assert missing == [], f"{len(missing)} texts without a {lang} translation:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("lang", ["es", "it"])
def test_the_compiled_catalogs_are_current(lang: str) -> None:
    """A .po edited without compiling its .mo would show English on the pages."""
    from babel.messages.mofile import read_mo

    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    for pattern in CATALOGS:
        po_path = Path(str(pattern).format(lang=lang))
        with po_path.open("rb") as handle:
            wanted = {m.id: m.string for m in read_po(handle) if m.id and m.string and not m.fuzzy}
        with po_path.with_suffix(".mo").open("rb") as handle:
            compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
        stale = sorted(str(k) for k, v in wanted.items() if compiled.get(k) != v)
        assert stale == [], f"{po_path.with_suffix('.mo')} is stale: {stale[:10]}"
