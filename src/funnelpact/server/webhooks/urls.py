"""Webhook URLs: /webhooks/hubspot and /webhooks/in/<source>."""

from __future__ import annotations

from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from funnelpact.server.webhooks.views import hubspot_webhook, signed_webhook

urlpatterns = [
    path("webhooks/hubspot", csrf_exempt(require_POST(hubspot_webhook)), name="webhook-hubspot"),
    path("webhooks/in/<str:source>", csrf_exempt(require_POST(signed_webhook)), name="webhook-in"),
]
