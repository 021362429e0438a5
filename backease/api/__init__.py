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

from django.conf import settings
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
SERVER_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "a personal access token (bk_...), made on the account page: the 'read' scope"
        " for GET, 'write' for the rest; not for an account that still needs a second factor",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "the session of a signed-in browser (a request that changes data also needs"
        " the CSRF cookie and header)",
    },
}


def _message(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
    }


CSRF_REFUSED = "the CSRF cookie or header is missing or wrong"
UNAUTHORIZED = "no valid token and no signed-in session (or a token without the scope this needs)"
FORBIDDEN = "a second factor must be set up first, or the CSRF cookie or header is missing or wrong"


class BackeaseAPI(NinjaAPI):
    """The API, with an OpenAPI document that says what is really required.

    Personal mode: reading needs nothing (there is no sign-in); a request that changes data
    needs the CSRF cookie and the same token in the X-CSRFToken header (else 403).
    Server mode: every operation but GET /api/csrf needs a bearer token or a signed-in
    session (else 401), the session's writes the CSRF cookie and header too (else 403), and
    an account that must set up a second factor gets 403."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        from backease.accounts.mode import is_server

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        server = is_server()
        schemes = {**SERVER_SCHEMES, **CSRF_SCHEMES} if server else dict(CSRF_SCHEMES)
        if server:
            schemes["sessionCookie"] = {
                **SERVER_SCHEMES["sessionCookie"],
                "name": settings.SESSION_COOKIE_NAME,
            }
        schema.setdefault("components", {})["securitySchemes"] = schemes
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                protected = "security" in operation  # ninja leaves it out for auth=None
                responses = operation.setdefault("responses", {})
                if server and protected:
                    session: dict[str, list[str]] = {"sessionCookie": []}
                    if method in UNSAFE:
                        session |= {"csrfCookie": [], "csrfHeader": []}
                    operation["security"] = [{"bearerToken": []}, session]
                    responses.setdefault("401", _message(UNAUTHORIZED))
                    responses.setdefault("403", _message(FORBIDDEN))
                elif protected and method in UNSAFE:
                    operation["security"] = [{"csrfCookie": [], "csrfHeader": []}]
                    responses.setdefault("403", _message(CSRF_REFUSED))
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

# Importing them registers the operations.
from backease.api import notifications, reminder_routes, routes  # noqa: E402,F401
