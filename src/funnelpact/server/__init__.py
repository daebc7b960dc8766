"""The Django project: settings, the store (app ``tracking``) and, later, the web and API apps.

``setup_django()`` configures Django once for the CLI and scripts; tests are configured by
pytest-django through ``DJANGO_SETTINGS_MODULE`` (tests/conftest.py).
"""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "funnelpact.server.settings"


def setup_django() -> None:
    """Configure Django from the environment, once; create the SQLite store's folder if needed."""
    import django
    from django.apps import apps
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if apps.ready:
        return
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and database["NAME"] != ":memory:":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    django.setup()
