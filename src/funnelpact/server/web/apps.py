from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "funnelpact.server.web"
    label = "web"
    verbose_name = "funnelpact web"
    default_auto_field = "django.db.models.BigAutoField"
