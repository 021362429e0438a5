"""WSGI entry point (waitress in `backease serve`, any WSGI server on a host)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backease.web.settings")
application = get_wsgi_application()
