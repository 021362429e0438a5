"""URL map: the pages (backease.front), the JSON API under /api/, and in server mode the
accounts (/accounts/, django-allauth), the clinic (/clinic/, /me/, /invite/) and Django's
admin (/admin/, admins only), and /healthz for the reverse proxy. Server-only paths answer
404 in personal mode (backease.accounts.middleware)."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from backease.accounts import views as accounts_views
from backease.api import api
from backease.web.views import healthz

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    # Before allauth's own: reset emails counted per requester and address (docs/accounts.md).
    path("accounts/password/reset/", accounts_views.password_reset),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("backease.accounts.urls")),
    # Clinic mode is an app of its own: the personal app runs without it (tests/settings_without_clinic.py).
    *([path("", include("backease.clinic.urls"))] if apps.is_installed("backease.clinic") else []),
    path("", include("backease.front.urls")),
]
