"""The web app's own tables: planner scenarios saved for comparison."""

from __future__ import annotations

from django.db import models


class SavedScenario(models.Model):
    """A planner run kept by name: its inputs (the planner's own fields) as JSON."""

    name = models.CharField(max_length=120)
    inputs = models.JSONField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return str(self.name)
