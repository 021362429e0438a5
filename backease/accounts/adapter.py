"""django-allauth's hooks: who may sign up (invitation only unless BACKEASE_OPEN_SIGNUP)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from backease.accounts.mode import is_server

INVITATION_SESSION_KEY = "backease_invitation"
"""The invitation code a visitor opened (`/invite/<code>/`), kept in their session."""


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if not is_server():
            return False
        if getattr(settings, "OPEN_SIGNUP", False):
            return True
        return bool(request.session.get(INVITATION_SESSION_KEY))

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        user = request.user
        if getattr(user, "role", "") == "therapist":
            return "/clinic/"
        code = request.session.get(INVITATION_SESSION_KEY)
        if code:  # back to the invitation they opened before signing up or in, to accept it
            return f"/invite/{code}/"
        return super().get_login_redirect_url(request)
