"""Every model change has its migration: an upgraded store matches the code."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as missing:  # makemigrations --check exits 1 and names the app and field
        pytest.fail(f"a model change has no migration:\n{out.getvalue()}")
        raise AssertionError from missing
    assert "No changes detected" in out.getvalue()
