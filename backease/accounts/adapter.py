"""django-allauth's hooks: who may sign up (nobody unless BACKEASE_OPEN_SIGNUP; clinic mode's
adapter, `backease.clinic.adapter`, also lets in whoever opened an invitation), and what
signing in does (a known device, accounts.lockout)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from backease.accounts.mode import is_server


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Server mode with open sign-up (BACKEASE_OPEN_SIGNUP)."""
        return is_server() and bool(getattr(settings, "OPEN_SIGNUP", False))

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
