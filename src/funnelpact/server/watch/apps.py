from __future__ import annotations

from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "funnelpact.server.watch"
    label = "watch"
    verbose_name = "Watch"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every store_records() call refreshes the touched leads' obligations in its transaction.
        from funnelpact.server.tracking import services as tracking_services
        from funnelpact.server.watch.services import on_records_stored

        tracking_services.on_stored(on_records_stored)
