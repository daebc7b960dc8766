"""`funnelpact agreement validate|schema|init|diff|sign`: the SLA agreement document.

Thin: files are read and written here (atomically), the real date and time are read here, and
everything else is asked of `funnelpact.domain.agreement`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from funnelpact.agreements import (
    check_agreement_file,
    errors_of,
    local_now,
    local_today,
    read_text,
    render_init,
    write_text_atomic,
)
from funnelpact.domain.agreement import (
    Locale,
    SigningError,
    add_signature,
    agreement_json_schema,
    check_agreement_text,
    describe_changes,
    new_signature,
)
from funnelpact.domain.agreement.diff import Change
from funnelpact.domain.agreement.rules import SignatureMatchesRule
from funnelpact.domain.errors import Issue, Level
from funnelpact.errors import InputError
from funnelpact.rendering.output import OutputFormat

app = typer.Typer(
    help="The SLA agreement: validate, schema, init, diff, sign (see docs/agreement.md).",
    no_args_is_help=True,
)


def _today(text: str | None) -> date:
    if text is None:
        return local_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--today {text!r}: expected a date like 2025-07-01") from None


def _summary(path: Path, issues: list[Issue]) -> str:
    errors = len(errors_of(issues))
    warnings = sum(1 for issue in issues if issue.level is not Level.ERROR)
    if not issues:
        return f"{path}: valid"
    verdict = "invalid" if errors else "valid"
    return f"{path}: {verdict} ({errors} error(s), {warnings} warning(s))"


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Agreement files (YAML).")],
    today: Annotated[
        str | None,
        typer.Option(help="Check as of this date (YYYY-MM-DD) instead of today."),
    ] = None,
) -> None:
    """Report every problem at once as FILE:LINE:COL: LEVEL CODE message; exit 1 on any error."""
    as_of = _today(today)
    failed = False
    for path in files:
        loaded = check_agreement_file(path, as_of)
        for issue in loaded.issues:
            typer.echo(issue.render())
        typer.echo(_summary(path, loaded.issues), err=True)
        failed = failed or loaded.has_errors
    if failed:
        raise typer.Exit(1)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the agreement file (for editors' completion)."""
    typer.echo(json.dumps(agreement_json_schema(), indent=2, ensure_ascii=False))


@app.command("init")
def init_command(
    locale: Annotated[Locale, typer.Option(help="Language of texts and comments.")] = Locale.EN,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of printing.")
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(help="ISO 4217 currency. Default: USD for en, EUR for es and it."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the output file if it exists.")] = False,
) -> None:
    """Print (or write) a complete, commented starting agreement with the seeds' defaults."""
    name = output.name if output is not None else "agreement.yaml"
    text = render_init(locale, local_today(), currency=currency, file_name=name)
    if output is None:
        typer.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise InputError(f"{output}: already exists; use --force to overwrite it")
    write_text_atomic(output, text)
    typer.echo(
        f"wrote {output}: edit it, then run: funnelpact agreement validate {output}", err=True
    )


def _print_changes(title: str, changes: list[Change]) -> None:
    typer.echo(title)
    for change in changes:
        typer.echo(f"  {change.text}")


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier version.")],
    new: Annotated[Path, typer.Argument(help="The later version.")],
) -> None:
    """What changed between two versions, in plain words, including the derived targets."""
    loaded = [check_agreement_file(path) for path in (old, new)]
    unreadable = [issue for item in loaded if item.agreement is None for issue in item.issues]
    if unreadable:
        for issue in unreadable:
            typer.echo(issue.render(), err=True)
        raise InputError("diff needs two agreements whose shape is valid: fix the errors above")
    before, after = loaded[0].agreement, loaded[1].agreement
    assert before is not None and after is not None
    result = describe_changes(before, after)
    if not result.changes:
        typer.echo(f"No change in content between {old} and {new}.")
        return
    if result.targets:
        _print_changes("Targets (computed by the planner):", result.targets)
    elif result.targets_skipped:
        typer.echo(f"Targets not compared: {result.targets_skipped}")
    if result.fields:
        _print_changes("Agreement:", result.fields)


def _is_stale_signature(issue: Issue) -> bool:
    return issue.code == SignatureMatchesRule.code


@app.command("sign")
def sign_command(
    file: Annotated[Path, typer.Argument(help="The agreement to sign.")],
    name: Annotated[str, typer.Option(help="Your name, exactly as listed in signatories.")],
    role: Annotated[
        str | None, typer.Option(help="Your role. Default: the one listed in signatories.")
    ] = None,
) -> None:
    """Record a signature bound to the document's content; later changes invalidate it."""
    text = read_text(file)
    loaded = check_agreement_text(text, str(file), local_today())
    # Stale signatures do not block signing: re-signing is how they are renewed.
    blocking = [issue for issue in errors_of(loaded.issues) if not _is_stale_signature(issue)]
    if blocking or loaded.agreement is None:
        for issue in blocking:
            typer.echo(issue.render(), err=True)
        raise InputError(f"{file}: not signed, fix the errors above first")
    try:
        signature = new_signature(loaded.agreement, name, role, local_now())
    except SigningError as exc:
        raise InputError(f"{file}: {exc}") from None
    signed_text = add_signature(text, loaded.agreement, signature)
    # Check the result before writing: the new signature must verify and nothing else break.
    check = check_agreement_text(signed_text, str(file), local_today())
    broken = [
        issue
        for issue in errors_of(check.issues)
        if not _is_stale_signature(issue) or f"signature of {name} " in issue.message
    ]
    if broken or check.agreement is None:
        for issue in broken:
            typer.echo(issue.render(), err=True)
        raise InputError(f"{file}: signing would break the document; nothing was written")
    write_text_atomic(file, signed_text)
    typer.echo(
        f"signed {file} as {signature.name} ({signature.role}, {signature.party}) at "
        f"{signature.signed_at.isoformat()}; content {signature.content_hash}"
    )
    for issue in check.issues:
        if issue.level is not Level.ERROR or _is_stale_signature(issue):
            typer.echo(issue.render(), err=True)


@app.command("render")
def render_command(
    file: Annotated[Path, typer.Argument(help="The agreement to render.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="html, pdf or md.")
    ] = OutputFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (needed for pdf) instead of printing."),
    ] = None,
    locale: Annotated[
        Locale | None, typer.Option(help="Language of the document. Default: the agreement's.")
    ] = None,
) -> None:
    """The document people read and sign: targets, protocol in words, signature blocks."""
    from funnelpact.i18n import Language
    from funnelpact.rendering import render_agreement_file

    language = Language(locale.value) if locale is not None else None
    render_agreement_file(file, output_format, language=language, output=output)
    if output is not None:
        typer.echo(f"wrote {output}", err=True)
