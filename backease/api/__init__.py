"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Personal mode has one local owner and no sign-in. Requests that change data must
carry Django's CSRF token (the `csrftoken` cookie, sent back as an `X-CSRFToken`
header), so another web page open in the same browser cannot write to backease.

Server mode: every operation acts for the signed-in user's own person, reached either
through the browser's session (and CSRF, as above) or a personal access token
(`Authorization: Bearer bk_...`, backease.accounts.tokens); anything else is a 401.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from backease import __version__


class AccessToken(HttpBearer):
    """Server mode: a personal access token acts for its user (scopes: read, write)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from backease.accounts.mode import is_server, person_for
        from backease.accounts.tokens import user_for_token

        if not is_server():
            return None
        user = user_for_token(token, request.method or "GET")
        if user is None:
            return None
        from backease.accounts.services import second_factor_required

        if second_factor_required(user):  # the pages' rule: a token made before it holds no more
            raise HttpError(403, "set up a second factor first (/accounts/2fa/)")
        return person_for(user)


class SessionOwner(APIKeyCookie):
    """Personal mode: every request acts for the local owner. Server mode: for the
    signed-in user. Unsafe methods need CSRF either way."""

    param_name = "csrftoken"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from backease.accounts.mode import is_server, person_for
        from backease.store.services import local_owner

        if not is_server():
            return local_owner()
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return person_for(user)


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
    auth=[AccessToken(), SessionOwner()],
    urls_namespace="api",
)

from backease.api import routes  # noqa: E402,F401  (registers the operations)
