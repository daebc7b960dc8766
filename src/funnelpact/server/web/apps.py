from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "funnelpact.server.web"
    label = "web"
    verbose_name = "funnelpact web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every store commit makes the dashboard's cached figures stale (services.py).
        from funnelpact.server.tracking import services as tracking_services
        from funnelpact.server.web.services import bump_generation

        tracking_services.on_stored(bump_generation)

        # The agreement in force is read at most once a second (permissions.agreement_context):
        # a version saved or deleted in this process is seen at once.
        from django.db.models.signals import post_delete, post_save

        from funnelpact.server.watch.models import AgreementVersion
        from funnelpact.server.web.permissions import forget_agreement_context

        for signal in (post_save, post_delete):
            signal.connect(
                forget_agreement_context,
                sender=AgreementVersion,
                dispatch_uid=f"funnelpact-web-agreement-{signal is post_save}",
            )
