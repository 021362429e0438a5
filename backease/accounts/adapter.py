"""django-allauth's hooks: who may sign up (invitation only unless BACKEASE_OPEN_SIGNUP)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from backease.accounts.mode import is_server

INVITATION_SESSION_KEY = "backease_invitation"
"""The invitation code a visitor opened (`/invite/<code>/`), kept in their session."""


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Server mode: open sign-up, or the visitor opened an invitation that is still
        open (not accepted, withdrawn, expired, nor claimed by another sign-up)."""
        if not is_server():
            return False
        if getattr(settings, "OPEN_SIGNUP", False):
            return True
        return _open_invitation(request) is not None

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Save the new account and, in the same transaction, claim the invitation it
        signed up with: one invitation, one account. A second sign-up with the same code
        (at the same moment, or after it was withdrawn) gets the "invitation used" page and
        no account."""
        code = request.session.get(INVITATION_SESSION_KEY) if is_server() else None
        if not code or not commit:
            return super().save_user(request, user, form, commit)
        from backease.clinic import invites

        with transaction.atomic():
            saved = super().save_user(request, user, form, commit)
            if invites.claim_for_signup(code, saved) is None and not getattr(settings, "OPEN_SIGNUP", False):
                request.session.pop(INVITATION_SESSION_KEY, None)
                raise ImmediateHttpResponse(
                    render(
                        request,
                        "clinic/invite.html",
                        {"closed": invites.CLOSED_MESSAGES["used"]},
                        status=410,
                    )
                )
        return saved

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        """Signed in: this browser becomes a known device of the account (accounts.lockout)."""
        response = super().post_login(request, user, **kwargs)
        if is_server():
            from backease.accounts.lockout import remember_device

            remember_device(response, user)
        return response

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth's failed sign-ins per address (30 in 10 minutes) do not hold back a
        browser that signed in to this account before: someone else behind the same
        address must not lock its owner out (its own failures still lock it: axes)."""
        from backease.accounts.lockout import known_device, tried

        if is_server() and known_device(request, tried(request, credentials)):
            self._login_failed_rl_usage = None
            return
        super().pre_authenticate(request, **credentials)

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        user = request.user
        if getattr(user, "role", "") == "therapist":
            return "/clinic/"
        code = request.session.get(INVITATION_SESSION_KEY)
        if code:  # back to the invitation they opened before signing up or in, to accept it
            return f"/invite/{code}/"
        return super().get_login_redirect_url(request)


def _open_invitation(request: HttpRequest) -> Any:
    """The invitation kept in the visitor's session, if it can still be signed up with."""
    code = request.session.get(INVITATION_SESSION_KEY)
    if not code:
        return None
    from backease.clinic import invites

    found = invites.find(code)
    if invites.closed_reason(found) or found is None:
        return None
    return found
