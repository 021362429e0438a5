"""The Django project: settings, URLs, WSGI application and the production server."""

from __future__ import annotations

import os


def setup() -> None:
    """Configure Django for code outside a request (the CLI's store commands)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backease.web.settings")
    import django

    django.setup()
