"""The single sign-on routes (under /sso/): allauth's OpenID Connect login and callback, and
the few social-account pages its flow may show. allauth's local-account pages (sign-up,
password reset, e-mail management) are deliberately not routed: the web app has its own login.

Without a configured provider (SSO off) the login and callback answer 404.
"""

from __future__ import annotations

from allauth.socialaccount import views as social  # type: ignore[import-untyped]
from django.urls import include, path
from django.views.generic.base import RedirectView

urlpatterns = [
    # /sso/oidc/<provider_id>/login/ and /sso/oidc/<provider_id>/login/callback/
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("login/cancelled/", social.login_cancelled, name="socialaccount_login_cancelled"),
    path("login/error/", social.login_error, name="socialaccount_login_error"),
    path("signup/", social.signup, name="socialaccount_signup"),
    # allauth sends a visitor without a pending SSO login to "account_login": ours.
    path("login/", RedirectView.as_view(pattern_name="web:login"), name="account_login"),
]
