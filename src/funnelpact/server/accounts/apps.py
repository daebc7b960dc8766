from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "funnelpact.server.accounts"
    label = "accounts"
    verbose_name = "Accounts (API tokens, webhook secrets)"
    default_auto_field = "django.db.models.BigAutoField"
