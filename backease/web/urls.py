"""URL map: the pages (backease.front) and the JSON API under /api/."""

from __future__ import annotations

from django.urls import include, path

from backease.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("backease.front.urls")),
]
