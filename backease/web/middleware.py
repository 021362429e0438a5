"""Headers that keep every page private: nothing may load from another origin."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

# 'self' only: no CDN, no fonts, no analytics, and no inline scripts or event handlers
# (every script is a file under /static/; data for a script is a JSON block). The API
# docs page is served by django-ninja from its own package (no CDN, no inline script).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; media-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def privacy_headers(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Add a strict Content-Security-Policy and Permissions-Policy to every response."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response

    return middleware


def public_host(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Server mode: answer only at the public origin's host (BACKEASE_PUBLIC_ORIGIN).

    A request that reaches an app process with any other Host header (`Host: localhost`
    sent straight to port 8001, say) is refused with 400 before anything can build a link
    from it, so every page and every emailed link names the public origin. `/healthz` is
    the exception: the proxy and the operator ask it by the process's own address. Off in
    personal mode and for a trial on 127.0.0.1 (`settings.PUBLIC_HOST` is empty there)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        expected = getattr(settings, "PUBLIC_HOST", "")
        if expected and request.path != "/healthz":
            sent = request.META.get("HTTP_HOST", "").strip().lower()
            if sent not in (expected, *getattr(settings, "PUBLIC_HOST_ALIASES", ())):
                return HttpResponse(
                    f"This site answers only at {settings.PUBLIC_ORIGIN}\n",
                    status=400,
                    content_type="text/plain",
                )
            # Absolute addresses built from this request (allauth's emailed links, say)
            # start with the configured origin, scheme included, not with what was sent.
            request._current_scheme_host = settings.PUBLIC_ORIGIN  # type: ignore[attr-defined]
        return get_response(request)

    return middleware


API_PREFIX = "/api/"


def api_json_errors(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Every error under /api/ is JSON (`{"detail": "..."}`), whoever made it.

    The API's own errors already are; this covers the ones Django makes before or after
    the API runs: an unknown path (404), a wrong method (405), a request it cannot parse
    (400, e.g. multipart without a boundary), a CSRF refusal (403), a server error (500).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
            for header, value in response.items():  # Allow, the privacy headers...
                if header.lower() not in ("content-type", "content-length"):
                    replaced[header] = value
            return replaced
        return response

    return middleware


def served_by(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """`X-Served-By: <BACKEASE_SERVED_BY> <pid>` on every response, so a test in front of
    several app processes can tell which one answered. Installed only when that variable
    is set (backease.web.settings)."""
    name = f"{settings.SERVED_BY} {os.getpid()}"

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response["X-Served-By"] = name
        return response

    return middleware
