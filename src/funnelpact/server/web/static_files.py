"""Static files served by the app itself, in every mode.

Why not whitenoise: one more dependency for a handful of small files (CSS, JS, two vendored
libraries) in an internal tool served to a team. Django's staticfiles finders locate the files in
each app's ``static/`` folder; responses carry a cache lifetime, and waitress streams them.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest
from django.utils._os import safe_join

CACHE_SECONDS = 3600


def serve_static(request: HttpRequest, path: str) -> FileResponse:
    if ".." in path.split("/"):
        raise Http404("no such file")
    found = finders.find(path)
    if not found or isinstance(found, list):
        raise Http404("no such file")
    safe_join("/", path)  # refuses absolute and escaping paths
    response = FileResponse(Path(found).open("rb"))  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
