"""`agreement init` (en, es, it) and `agreement schema`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from agreement_testkit import SEED_000, SEED_003, check, rendered, run_cli, words
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelpact.agreements import render_init
from funnelpact.agreements.templates import starting_dates
from funnelpact.domain.agreement import Agreement, Locale, load_agreement_text
from funnelpact.domain.agreement.yaml_source import parse_yaml

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("locale", list(Locale))
def test_init_validates_without_errors_as_it_comes(locale: Locale) -> None:
    text = render_init(locale, TODAY)
    loaded = check(text, today=TODAY)
    assert loaded.agreement is not None
    assert loaded.agreement.metadata.locale is locale
    # Only "not signed yet" warnings: the file is a draft until both sides sign.
    assert {line.split()[1:3][1] for line in rendered(loaded)} == {"AGR016"}
    assert len(rendered(loaded)) == 2


@pytest.mark.parametrize("locale", list(Locale))
def test_init_is_commented_in_its_language(locale: Locale) -> None:
    text = render_init(locale, TODAY)
    comments = "\n".join(line[line.index("#") :] for line in text.splitlines() if "#" in line)
    words_of_locale = {
        Locale.EN: ("Step 1", "hand-off", "review"),
        Locale.ES: ("Paso 1", "traspaso", "revisar"),
        Locale.IT: ("Passo 1", "passaggio", "rivedere"),
    }[locale]
    for word in words_of_locale:
        assert word in comments
    assert len(comments.splitlines()) >= 60


def test_the_three_languages_have_the_same_keys_and_numbers() -> None:
    def skeleton(text: str) -> set[tuple[str | int, ...]]:
        # Working hours differ on purpose: a lunch break in Spain and Italy.
        hours = ("calendar", "working_hours")
        return {
            path[:2] if path[:2] == hours else path for path in parse_yaml(text).source_map.values
        }

    english = render_init(Locale.EN, TODAY, currency="EUR")
    spanish = render_init(Locale.ES, TODAY)
    italian = render_init(Locale.IT, TODAY)
    # Italy has no subdivision in the template: national holidays only.
    assert skeleton(english) == skeleton(spanish)
    assert skeleton(italian) == skeleton(spanish) - {("calendar", "public_holidays", "subdivision")}

    def numbers(text: str) -> dict[str, object]:
        loaded = load_agreement_text(text)
        assert loaded.agreement is not None
        a = loaded.agreement
        return {
            "plan": a.plan.model_dump(exclude={"stages": {"__all__": {"label"}}}),
            "protocol": a.protocol,
            "handoff": [(r.code, r.route) for r in a.handoff.rejection_reasons],
            "kpis": [(k.metric, k.threshold, k.notify) for k in a.kpis],
            "review": a.review,
            "alerts": a.alerts,
        }

    assert numbers(english) == numbers(spanish) == numbers(italian)


@settings(max_examples=50, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_init_dates_are_valid_on_any_day(today: date) -> None:
    start, end, review = starting_dates(today)
    assert start.day == 1 and start > today
    assert (start - today).days <= 31
    assert end.year == start.year or (end.month, end.day) != (12, 31)
    loaded = check(render_init(Locale.ES, today), today=today)
    assert [line for line in rendered(loaded) if " error " in line] == []
    assert loaded.agreement is not None
    assert loaded.agreement.review.next_review == review


def test_cli_init_prints_to_stdout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(capsys, monkeypatch, "agreement", "init", "--locale", "it")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Accordo sul livello di servizio (SLA)")
    assert "locale: it" in result.stdout
    assert "currency: EUR" in result.stdout


def test_cli_init_writes_a_file_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sla.yaml"
    first = run_cli(capsys, monkeypatch, "agreement", "init", "--output", str(target))
    assert first.exit_code == 0
    written = target.read_text(encoding="utf-8")
    assert "funnelpact agreement validate sla.yaml" in written
    assert "currency: USD" in written

    target.write_text("mine\n", encoding="utf-8")
    again = run_cli(capsys, monkeypatch, "agreement", "init", "-o", str(target), "--locale", "es")
    assert again.exit_code == 1
    assert words(again.stderr) == f"error: {target}: already exists; use --force to overwrite it"
    assert target.read_text(encoding="utf-8") == "mine\n"

    forced = run_cli(
        capsys, monkeypatch, "agreement", "init", "-o", str(target), "--locale", "es", "--force"
    )
    assert forced.exit_code == 0
    assert "locale: es" in target.read_text(encoding="utf-8")
    validated = run_cli(capsys, monkeypatch, "agreement", "validate", str(target))
    assert validated.exit_code == 0


def test_cli_init_refuses_a_bad_currency(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_cli(capsys, monkeypatch, "agreement", "init", "--currency", "euro")
    assert result.exit_code == 1
    assert words(result.stderr) == (
        "error: --currency 'euro': expected a three-letter ISO 4217 code like EUR"
    )
    assert result.stdout == ""


def test_cli_schema(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli(capsys, monkeypatch, "agreement", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "funnelpact SLA agreement"
    assert set(schema["properties"]) == set(Agreement.model_fields)
    assert set(schema["required"]) == {
        "schema_version",
        "metadata",
        "ideal_customer_profile",
        "buyer_personas",
        "lifecycle",
        "plan",
        "handoff",
        "calendar",
        "review",
    }
    assert schema["additionalProperties"] is False
    # Every nested object refuses unknown keys too, so editors flag typos everywhere.
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, name
    assert schema["properties"]["schema_version"]["const"] == 1


@pytest.mark.parametrize("path", [SEED_000, SEED_003])
def test_examples_use_only_schema_keys(path: Path) -> None:
    """A light check of the schema against the examples: every key written is declared."""
    schema = json.loads(json.dumps(Agreement.model_json_schema()))
    data = parse_yaml(path.read_text(encoding="utf-8")).data

    def resolve(node: dict[str, object]) -> dict[str, object]:
        while "$ref" in node:
            node = schema["$defs"][str(node["$ref"]).rsplit("/", 1)[1]]
        for key in ("anyOf", "allOf"):
            if key in node:
                options = [resolve(option) for option in node[key]]  # type: ignore[attr-defined]
                objects = [option for option in options if "properties" in option]
                if objects:
                    return objects[0]
        return node

    def walk(value: object, node: dict[str, object], where: str) -> None:
        node = resolve(node)
        if isinstance(value, dict) and "properties" in node:
            properties = node["properties"]
            assert isinstance(properties, dict)
            for key, item in value.items():
                assert key in properties, f"{where}.{key} is not in the schema"
                walk(item, properties[key], f"{where}.{key}")
        elif isinstance(value, list) and "items" in node:
            for index, item in enumerate(value):
                walk(item, node["items"], f"{where}[{index}]")  # type: ignore[arg-type]

    walk(data, schema, "")
