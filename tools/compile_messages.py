"""Translation catalogs: extract msgids, compile .po -> .mo, check both are complete and current.

The catalogs are Django's (src/funnelpact/locale/<lang>/LC_MESSAGES/django.po), shared by the
CLI, the rendered documents and the web pages. Messages are extracted from the package's
Python files (gettext, ngettext, N_, L_, Django's *_lazy names) and from the Jinja templates
(``*.j2``: ``_()``, ``gettext()``, ``ngettext()``, ``{% trans %}``).

Usage:
  uv run python tools/compile_messages.py            # compile every .po into its .mo
  uv run python tools/compile_messages.py extract    # add new msgids (empty) to every .po
  uv run python tools/compile_messages.py extract --prune   # ...and drop msgids no longer used
  uv run python tools/compile_messages.py check      # exit 1: stale .mo, missing translations

``extract`` only adds: a msgid it does not find in the sources is reported, not removed,
because Django templates (which it does not read) may use it; ``--prune`` removes them.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "funnelpact"
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "django"
LANGUAGES = ("es", "it")

# Python keywords: babel's defaults plus the names Django code uses.
PYTHON_KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "L_": None,  # funnelpact.analytics.metrics.L_: labels of the metrics and reports
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


@dataclass(frozen=True, slots=True)
class Message:
    """A msgid found in the sources (a plural msgid carries its plural form)."""

    msgid: str
    plural: str | None
    where: str  # file:line of its first use


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def source_files(package: Path = PACKAGE) -> Iterator[tuple[Path, str]]:
    """(file, babel extraction method) of every file that may hold a msgid."""
    for path in sorted(package.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, "python"
    for path in sorted(package.rglob("*.j2")):
        # The agreement's YAML starting files are data in their own language, not UI text.
        if not path.name.endswith(".yaml.j2"):
            yield path, "jinja2.ext:babel_extract"


def extract_messages(package: Path = PACKAGE) -> dict[str, Message]:
    """Every msgid used in the sources, by msgid, in the order first met."""
    found: dict[str, Message] = {}
    for path, method in source_files(package):
        options = JINJA_OPTIONS if method != "python" else None
        keywords = PYTHON_KEYWORDS if method == "python" else {**PYTHON_KEYWORDS}
        for lineno, message, _comments, _context in extract_from_file(
            method, path, keywords=keywords, options=options
        ):
            msgid, plural = (
                (message[0], message[1]) if isinstance(message, tuple) else (message, None)
            )
            if not msgid:
                continue
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            where = f"{shown}:{lineno}"
            found.setdefault(msgid, Message(msgid, plural, where))
    return found


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, abort_invalid=True)


def translated(catalog: Catalog) -> dict[str, str | tuple[str, ...]]:
    """msgid -> translation(s) of the messages gettext will use (not fuzzy, not empty)."""
    result: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = _key(message.id)
        value = message.string
        if isinstance(value, tuple | list):
            if all(value):
                result[key] = tuple(value)
        elif value:
            result[key] = value
    return result


def compiled_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def stale_mo_problems(po: Path, mo: Path) -> list[str]:
    """Why ``mo`` does not hold exactly what ``po`` says (empty when it does)."""
    if not mo.exists():
        return [f"{mo}: missing; run: uv run python tools/compile_messages.py"]
    source = translated(read_catalog(po))
    with mo.open("rb") as stream:
        built = translated(read_mo(stream))
    if source != built:
        changed = sorted(
            set(source) ^ set(built) | {k for k in source if source[k] != built.get(k)}
        )
        sample = ", ".join(repr(key) for key in changed[:3])
        return [
            f"{mo}: out of date with {po.name} ({len(changed)} message(s) differ, e.g. {sample}); "
            "run: uv run python tools/compile_messages.py"
        ]
    return []


def untranslated_problems(po: Path, messages: dict[str, Message]) -> list[str]:
    """One line per msgid of the sources that ``po`` does not translate.

    A Django app may keep its own catalog (``<app>/locale/<lang>/LC_MESSAGES/django.po``, found by
    Django for every installed app): a translation there counts as well.
    """
    done = translated(read_catalog(po))
    language = po.parent.parent.name
    for app_po in sorted(PACKAGE.glob(f"**/locale/{language}/LC_MESSAGES/{DOMAIN}.po")):
        if app_po.resolve() != po.resolve():
            done = {**translated(read_catalog(app_po)), **done}
    return [
        f"{message.where}: {message.msgid!r} has no translation in {po}"
        for message in messages.values()
        if message.msgid not in done
    ]


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def placeholder_problems(po: Path) -> list[str]:
    """Translations whose %(name)s placeholders differ from their msgid's.

    A plural form may leave out %(count)s ("every month" for 1), nothing else.
    """
    problems = []
    for message in read_catalog(po):
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set().union(*(_PLACEHOLDER.findall(text) for text in ids))
        for form in forms:
            found = set(_PLACEHOLDER.findall(form))
            optional = {"count"} if len(ids) > 1 else set()
            if not form or found - wanted or (wanted - found) - optional:
                problems.append(
                    f"{po}: {ids[0]!r}: translation {form!r} has placeholders "
                    f"{sorted(found)}, expected {sorted(wanted)}"
                )
    return problems


def compile_all() -> int:
    for language in LANGUAGES:
        catalog = read_catalog(po_path(language))
        problems = [
            f"{po_path(language)}: {message.id!r}: {error}"
            for message, errors in catalog.check()
            for error in errors
        ]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        data = compiled_bytes(catalog)
        target = mo_path(language)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(target)  # atomic: Django or the CLI never reads half a catalog
        print(f"compiled {target.relative_to(ROOT)} ({len(translated(catalog))} messages)")
    return 0


def extract_all(prune: bool = False) -> int:
    messages = extract_messages()
    for language in LANGUAGES:
        path = po_path(language)
        catalog = read_catalog(path)
        added = 0
        for message in messages.values():
            if message.msgid in catalog:
                continue
            new_id: str | tuple[str, str] = (
                (message.msgid, message.plural) if message.plural else message.msgid
            )
            catalog.add(new_id, string=("", "") if message.plural else "", locations=[])
            added += 1
        unused = [m.id for m in catalog if m.id and _key(m.id) not in messages]
        if prune:
            for unused_id in unused:
                del catalog[unused_id]
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, omit_header=False, no_location=True)
        path.write_bytes(buffer.getvalue())
        print(f"{path.relative_to(ROOT)}: {added} new msgid(s) to translate")
        verdict = "removed" if prune else "kept; Django templates may use it"
        for unused_id in unused:
            print(f"  not found in the sources ({verdict}): {unused_id!r}")
    return 0


def _key(msgid: str | tuple[str, ...] | list[str]) -> str:
    # A plural message's id is (singular, plural): a tuple from a .po, a list from a .mo.
    return msgid if isinstance(msgid, str) else msgid[0]


def check_all() -> int:
    messages = extract_messages()
    problems: list[str] = []
    for language in LANGUAGES:
        problems.extend(untranslated_problems(po_path(language), messages))
        problems.extend(placeholder_problems(po_path(language)))
        problems.extend(stale_mo_problems(po_path(language), mo_path(language)))
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    options = argv[2:]
    if command == "extract" and set(options) <= {"--prune"}:
        return extract_all(prune="--prune" in options)
    if command == "compile" and not options:
        return compile_all()
    if command == "check" and not options:
        return check_all()
    print(f"usage: {argv[0]} [compile | extract [--prune] | check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
