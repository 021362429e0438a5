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


UNSAFE = ("post", "put", "patch", "delete")
CSRF_SCHEMES = {
    "csrfCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "csrftoken",
        "description": "Django's CSRF cookie, set by GET /api/csrf",
    },
    "csrfHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "the token returned by GET /api/csrf",
    },
}


FORBIDDEN = {
    "description": "the CSRF cookie or header is missing or wrong",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
}


class BackeaseAPI(NinjaAPI):
    """The API, with an OpenAPI document that says what is really required: reading
    needs nothing (personal mode has no sign-in); a request that changes data needs the
    CSRF cookie and the same token in the X-CSRFToken header (else 403)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {})["securitySchemes"] = dict(CSRF_SCHEMES)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                if method in UNSAFE:
                    operation["security"] = [{"csrfCookie": [], "csrfHeader": []}]
                    operation.setdefault("responses", {}).setdefault(
                        "403",
                        {
                            "description": "the CSRF cookie or header is missing or wrong",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Message"}}
                            },
                        },
                    )
                else:
                    operation.pop("security", None)
        return schema


api = BackeaseAPI(
    title="backease API",
    version=__version__,
    description="Screening, plans, sessions, pain diary and the content library of backease.",
    auth=LocalOwner(),
    urls_namespace="api",
)

from backease.api import routes  # noqa: E402,F401  (registers the operations)
