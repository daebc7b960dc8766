"""Entry point: builds the Typer app and renders expected errors without a traceback."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from funnelpact.domain.errors import DomainError
from funnelpact.errors import FunnelpactError

app = typer.Typer(
    name="funnelpact",
    help="The Sales & Marketing SLA engine: plan, agree, track, watch, report, review.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

err_console = Console(stderr=True, soft_wrap=True)


def _register() -> None:
    # Imported here so that `funnelpact --help` lists every command group in one place.
    from funnelpact.cli import (
        agreement,
        alerts,
        db,
        demo_data,
        imports,
        metrics,
        plan,
        privacy,
        report,
        review,
        sync,
        tokens,
        watch,
        web,
        worker,
    )

    app.command("plan")(plan.plan_command)
    app.command("demo-data")(demo_data.demo_data_command)
    app.add_typer(agreement.app, name="agreement")
    app.add_typer(db.app, name="db")
    app.add_typer(imports.app, name="import")
    app.add_typer(watch.app, name="watch")
    app.add_typer(alerts.app, name="alerts")
    app.command("decide")(watch.decide_command)
    app.command("worker")(worker.worker_command)
    app.add_typer(metrics.app, name="metrics")
    app.add_typer(tokens.app, name="token")
    app.add_typer(tokens.webhook_app, name="webhook")
    app.command("demo")(web.demo_command)
    app.command("serve")(web.serve_command)
    app.command("createuser")(web.createuser_command)
    app.add_typer(sync.app, name="sync")
    app.add_typer(privacy.app, name="privacy")
    app.command("report", cls=report.ReportCommand)(report.report_command)
    app.command("review")(review.review_command)
    # Typer runs a lone command as the whole app (`funnelpact FILE`); a root callback keeps
    # `funnelpact plan FILE` a sub-command even while plan is the only one.
    app.callback()(plan.root_callback)


_register()


def run() -> None:
    """Run the CLI; expected failures print their located message and exit non-zero."""
    try:
        app()
    except DomainError as exc:
        for issue in exc.issues:
            err_console.print(issue.render(), markup=False, highlight=False, emoji=False)
        sys.exit(1)
    except FunnelpactError as exc:
        err_console.print(f"error: {exc.message}", markup=False, highlight=False, emoji=False)
        sys.exit(exc.exit_code)
