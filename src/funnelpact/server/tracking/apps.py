from __future__ import annotations

from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "funnelpact.server.tracking"
    label = "tracking"
    verbose_name = "Tracking (CRM records)"
    default_auto_field = "django.db.models.BigAutoField"
