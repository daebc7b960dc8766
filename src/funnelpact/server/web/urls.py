"""The web app's pages (namespace ``web``)."""

from __future__ import annotations

from django.urls import path, re_path

from funnelpact.server.web import views
from funnelpact.server.web.static_files import serve_static

app_name = "web"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("dashboard/data.json", views.dashboard_data_view, name="dashboard-data"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    path("leads/", views.leads_view, name="leads"),
    path("leads/<int:pk>/", views.lead_view, name="lead"),
    path("leads/<int:pk>/decide", views.decide_view, name="lead-decide"),
    path("leads/<int:pk>/touch", views.touch_view, name="lead-touch"),
    path("planner/", views.planner_view, name="planner"),
    path("agreement/", views.agreement_view, name="agreement"),
    path("agreement/<int:pk>/document", views.agreement_document_view, name="agreement-document"),
    path("agreement/sign", views.agreement_sign_view, name="agreement-sign"),
    path("reports/", views.reports_view, name="reports"),
    path("reports/<str:name>.<str:fmt>", views.report_download_view, name="report-download"),
    path("reports/<slug:slug>/file.<str:fmt>", views.report_file_view, name="report-file"),
    path("imports/", views.imports_view, name="imports"),
    path("settings/", views.settings_view, name="settings"),
    re_path(r"^static/(?P<path>.+)$", serve_static, name="static"),
]
