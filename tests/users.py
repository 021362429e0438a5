"""Making server-mode users in tests, with or without clinic mode installed."""

from __future__ import annotations

from backease.accounts.models import User

PASSWORD = "a long enough password 42"


def make_user(email: str, role: str = "client", **extra: object) -> User:
    """A user with a verified primary address (allauth's), who may sign in."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email, PASSWORD, role=role, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
