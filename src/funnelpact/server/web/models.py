"""The web app's own tables: planner scenarios saved for comparison, the shared cache."""

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


class SharedCacheEntry(models.Model):
    """The rows of the cache shared by every process serving one store (Django's DatabaseCache,
    alias "shared", settings.py): the login throttle and the store generation, which several
    `funnelpact serve` workers must agree on. A model (not `createcachetable`) so that
    migrations create it and a test database's flush empties it. Django's columns."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "funnelpact_cache"

    def __str__(self) -> str:
        return str(self.cache_key)
