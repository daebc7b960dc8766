from __future__ import annotations

from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "funnelpact.server.schedules"
    label = "schedules"
    verbose_name = "Report schedules"
    default_auto_field = "django.db.models.BigAutoField"
