"""Clinic mode's sign-up: whoever opened an invitation (`/invite/<code>/`) may sign up with
it, once; the account claims it as it is made. The project's settings name this adapter
(ACCOUNT_ADAPTER) where clinic mode is installed; it adds to accounts' own."""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from backease.accounts.adapter import AccountAdapter
from backease.accounts.mode import is_server
from backease.clinic import invites

INVITATION_SESSION_KEY = "backease_invitation"
"""The invitation code a visitor opened (`/invite/<code>/`), kept in their session."""


class ClinicAccountAdapter(AccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Server mode: open sign-up, or the visitor opened an invitation that is still
        open (not accepted, withdrawn, expired, nor claimed by another sign-up)."""
        if super().is_open_for_signup(request):
            return True
        return is_server() and _open_invitation(request) is not None

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Save the new account and, in the same transaction, claim the invitation it
        signed up with: one invitation, one account. A second sign-up with the same code
        (at the same moment, or after it was withdrawn) gets the "invitation used" page and
        no account."""
        code = request.session.get(INVITATION_SESSION_KEY) if is_server() else None
        if not code or not commit:
            return super().save_user(request, user, form, commit)
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
    found = invites.find(code)
    if invites.closed_reason(found) or found is None:
        return None
    return found
