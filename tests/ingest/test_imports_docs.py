"""docs/imports.md documents every problem code, every option and every mapping field."""

from __future__ import annotations

import re

import typer
from ingest_testkit import ROOT
from typer.core import TyperGroup, TyperOption

from funnelpact.cli.imports import app
from funnelpact.ingest.common import ImportCode
from funnelpact.ingest.mapping import KIND_FIELDS

DOC = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")


def test_every_problem_code_is_in_the_table() -> None:
    documented = set(re.findall(r"^\| (IMP\d{3}) \|", DOC, flags=re.MULTILINE))

    assert documented == {code.value for code in ImportCode}


def test_every_option_of_every_subcommand_is_documented() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    options = {
        option
        for command in group.commands.values()
        for parameter in command.params
        if isinstance(parameter, TyperOption)
        for option in parameter.opts
        if option != "--help"
    }

    assert sorted(option for option in options if f"`{option}" not in DOC) == []


def test_every_mapping_kind_and_field_is_documented() -> None:
    for kind, (_record, fields) in KIND_FIELDS.items():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{kind.value}` |"))
        assert [name for name in fields if name not in row] == [], kind
