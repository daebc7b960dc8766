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
