"""docs/rendering.md describes what exists: the command's options, formats, tools and API."""

from __future__ import annotations

import re

from rendering_testkit import ROOT

import funnelpact.rendering as rendering
from funnelpact.i18n import Language, Localizer
from funnelpact.rendering import OutputFormat

DOC = (ROOT / "docs" / "rendering.md").read_text(encoding="utf-8")


def test_every_format_and_language_is_documented() -> None:
    for output_format in OutputFormat:
        assert f"`{output_format.value}`" in DOC
    for language in Language:
        assert f"`{language.value}`" in DOC


def test_every_option_of_the_command_is_documented() -> None:
    from typer.main import get_command

    from funnelpact.cli.agreement import app

    command = get_command(app).commands["render"]  # type: ignore[attr-defined]
    for parameter in command.params:
        for option in parameter.opts:
            if option.startswith("-"):
                assert f"`{option}`" in DOC, option


def test_every_localizer_format_is_documented() -> None:
    public = [
        name
        for name in vars(Localizer)
        if not name.startswith("_") and callable(getattr(Localizer, name))
    ]
    for name in public:
        assert f"`{name}`" in DOC, name


def test_the_compile_tool_commands_are_documented() -> None:
    for command in ("extract", "extract --prune", "check"):
        assert f"tools/compile_messages.py {command}" in DOC or f"`{command}`" in DOC


def test_the_documented_blocks_exist() -> None:
    for name in re.findall(r"`(Paragraph|Note|Facts|Fact|Bullets|Table|Column|Signatures)`", DOC):
        assert hasattr(rendering, name), name
