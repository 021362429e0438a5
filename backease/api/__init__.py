"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Personal mode has one local owner and no sign-in. Requests that change data must
carry Django's CSRF token (the `csrftoken` cookie, sent back as an `X-CSRFToken`
header), so another web page open in the same browser cannot write to backease.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie

from backease import __version__


class LocalOwner(APIKeyCookie):
    """Personal mode: every request acts for the local owner; unsafe methods need CSRF."""

    param_name = "csrftoken"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from backease.store.services import local_owner

        return local_owner()


api = NinjaAPI(
    title="backease API",
    version=__version__,
    description="Screening, plans, sessions, pain diary and the content library of backease.",
    auth=LocalOwner(),
    urls_namespace="api",
)

from backease.api import routes  # noqa: E402,F401  (registers the operations)
