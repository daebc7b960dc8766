"""The authentication backend: Django's ModelBackend, with the user's profile read in the same
query as the user (every signed-in request reads both: the role decides every page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileBackend(ModelBackend):
    """`get_user` joins the profile (`user.profile`, absent for a superuser without one)."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("profile").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
