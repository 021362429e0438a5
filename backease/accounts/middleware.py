"""`person`: sets `request.person`, the one person a request may act for (and
`request.person_ref`, which names them without a query: `services.OwnerRef`), and keeps
the server-mode pages out of personal mode (and signed-out people out of server mode)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from backease.accounts.mode import is_server, person_for
from backease.store.models import LOCAL_OWNER, Person
from backease.store.zones import person_zone

SERVER_ONLY = ("/accounts/", "/clinic/", "/admin/", "/me/", "/invite/")
"""Pages that exist only in server mode (404 in personal mode)."""
PUBLIC = (
    "/accounts/",
    "/invite/",
    "/static/",
    "/api/",  # the API answers 401 itself (backease.api)
    "/favicon.ico",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline/",
    "/privacy/",
    "/healthz",
    "/figures/",  # the technique figures: content only, no personal data
    "/calendar/",  # a subscribable calendar: its secret URL is its key (docs/reminders.md)
)
"""Server mode: what a signed-out visitor may open."""


def _in_their_zone(person: Person) -> Person:
    """The person, with times shown in their zone for the rest of the request (Django's
    current time zone: templates and `timezone.localtime`)."""
    timezone.activate(person_zone(person))
    return person


def person(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            return acting_for(request)
        finally:
            timezone.deactivate()

    def acting_for(request: HttpRequest) -> HttpResponse:
        path = request.path
        if not is_server():
            if path.startswith(SERVER_ONLY):
                raise Http404("only in server mode")
            from backease.store.services import local_owner

            request.person = SimpleLazyObject(lambda: _in_their_zone(local_owner()))  # type: ignore[attr-defined]
            request.person_ref = ("key", LOCAL_OWNER)  # type: ignore[attr-defined]
            return get_response(request)
        user = request.user
        if user.is_authenticated:
            request.person = SimpleLazyObject(lambda: _in_their_zone(person_for(user)))  # type: ignore[attr-defined,arg-type]
            request.person_ref = ("user_id", user.pk)  # type: ignore[attr-defined]
        else:
            request.person = None  # type: ignore[attr-defined]
            request.person_ref = None  # type: ignore[attr-defined]
            if path != "/" and not path.startswith(PUBLIC):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if path == "/":
                return redirect_to_login("/", settings.LOGIN_URL)
        return get_response(request)

    return middleware


MFA_EXEMPT = (
    "/accounts/",
    "/static/",
    "/favicon.ico",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline/",
    "/healthz",
    "/figures/",
)
"""Where a therapist without a second factor may still go: allauth's pages (to set one
up, or to sign out) and the files every page loads."""


def therapist_mfa(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """With settings.THERAPIST_MFA (BACKEASE_THERAPIST_MFA), a therapist or an admin who has
    no authenticator app or security key is sent to set one up before any other page
    (/admin/ included); the API answers 403 (with a token too: backease.api.AccessToken)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(MFA_EXEMPT) and _second_factor_required(request.user):
            if request.path.startswith("/api/"):
                raise PermissionDenied("set up a second factor first (/accounts/2fa/)")
            if request.method == "GET":
                messages.warning(
                    request,
                    "This clinic asks therapists and admins to sign in with a second factor. Set up "
                    "an authenticator app or a security key to go on.",
                )
            return redirect("mfa_index")
        return get_response(request)

    return middleware


def _second_factor_required(user: object) -> bool:
    from backease.accounts.services import second_factor_required

    return second_factor_required(user)
