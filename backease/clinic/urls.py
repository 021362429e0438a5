"""Clinic pages (server mode): /clinic/ for therapists, /me/ for clients, /invite/<code>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
