"""The server's URLs: each feature app adds its routes here."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("funnelpact.server.api.urls")),
    path("", include("funnelpact.server.webhooks.urls")),
    path("sso/", include("funnelpact.server.accounts.sso_urls")),
    path("", include("funnelpact.server.web.urls")),
]

# The app's own pages for errors, in the reader's language (JSON under /api/ and /webhooks/).
handler403 = "funnelpact.server.web.errors.forbidden"
handler404 = "funnelpact.server.web.errors.not_found"
handler500 = "funnelpact.server.web.errors.server_error"
