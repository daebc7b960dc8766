"""The page around the dashboard's panels, rendered once per process and kept.

A repeat dashboard view used to render `web/base.html` each time (navigation, language form,
sign-out form): about a third of its CPU. What of it depends on the request is the CSRF token,
the user name and the current URL (the language form's `next`); everything else depends on the
language, the role (the navigation) and the path. So the frame is rendered once per (template,
language, role, path) with slots in place of those three, kept, and each view fills the slots
with the request's values, escaped as the template would have escaped them
(tests/web/test_frame.py compares both renderings for every role and language).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from funnelpact.server.accounts.roles import Capability
from funnelpact.server.web.permissions import Viewer

# Letters and digits only: autoescaping leaves them as they are.
_NONCE: Final = secrets.token_hex(8)
CSRF_SLOT: Final = f"fpslot{_NONCE}csrf"
USER_SLOT: Final = f"fpslot{_NONCE}user"
PATH_SLOT: Final = f"fpslot{_NONCE}path"
MAIN_SLOT: Final = f"fpslot{_NONCE}main"
FRAMES_KEPT: Final = 256  # (template, language, role, path): a handful in practice


@dataclass(frozen=True, slots=True)
class _SlotRequest:
    """What the frame reads of the request: its path (the navigation's current page) and the
    full path, a slot."""

    path: str

    def get_full_path(self) -> str:
        return PATH_SLOT


_frames: dict[tuple[str, ...], str] = {}
_frames_lock = threading.Lock()


def caps_of(viewer: Viewer | None) -> set[str]:
    return {c.value for c in Capability if viewer is not None and viewer.can(c)}


def _frame(template: str, viewer: Viewer, path: str) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = (template, language, viewer.role.value, path)
    frame = _frames.get(key)
    if frame is None:
        frame = render_to_string(
            template,
            {
                "viewer": Viewer(USER_SLOT, viewer.role, None, "", viewer.language),
                "caps": caps_of(viewer),
                "request": _SlotRequest(path),
                "csrf_token": CSRF_SLOT,
                "panels": mark_safe(MAIN_SLOT),
            },
        )
        if not settings.DEBUG:  # DEBUG: templates may change while the server runs
            with _frames_lock:
                if len(_frames) >= FRAMES_KEPT:
                    _frames.clear()
                _frames[key] = frame
    return frame


def render_framed(request: HttpRequest, template: str, viewer: Viewer, main: str) -> HttpResponse:
    """`template` (extending web/base.html, its main block `{{ panels }}`) with `main` (HTML,
    trusted: already rendered) as the main block, for this request."""
    frame = _frame(template, viewer, request.path)
    page = (
        frame.replace(CSRF_SLOT, get_token(request))
        .replace(USER_SLOT, escape(viewer.username))
        .replace(PATH_SLOT, escape(request.get_full_path()))
        .replace(MAIN_SLOT, main)
    )
    return HttpResponse(page)


def forget_frames() -> None:
    with _frames_lock:
        _frames.clear()
