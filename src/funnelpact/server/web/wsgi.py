"""The WSGI application (`funnelpact serve` runs it with waitress; any WSGI server can)."""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application

from funnelpact.server import setup_django

setup_django()
application = get_wsgi_application()
