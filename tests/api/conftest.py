"""API fixtures: tokens with chosen scopes, and clients that send them."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest
from api_testkit import Api
from django.test import Client
from django.utils import timezone

_names = count(1)


@pytest.fixture
def make_token(db: None) -> Callable[..., str]:
    """``make_token("events:write")`` -> a live token's secret."""

    from funnelpact.server.accounts.services import create_token  # Django is set up by now

    def make(*scopes: str, name: str = "") -> str:
        new = create_token(
            name or f"test-{next(_names)}", scopes, created_by="tests", now=timezone.now()
        )
        return new.secret

    return make


@pytest.fixture
def api(make_token: Callable[..., str]) -> Api:
    """A sender allowed to write events and read contacts."""
    return Api(Client(), make_token("events:write", "contacts:read"))


@pytest.fixture
def anonymous(db: None) -> Api:
    return Api(Client(), None)
