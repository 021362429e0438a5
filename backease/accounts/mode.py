"""Which mode this site runs in, and whose data a request acts for.

Personal mode: everyone who reaches 127.0.0.1 is the local owner. Server mode: the
signed-in user's own `Person` (made on first use). Views never ask which mode it is;
they use `request.person` (set by `middleware.person`) and get the right one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from backease.store.models import Person

if TYPE_CHECKING:
    from backease.accounts.models import User


def is_server() -> bool:
    """Server mode (BACKEASE_MODE=server): accounts, therapists and clients."""
    return getattr(settings, "MODE", "personal") == "server"


def person_for(user: User) -> Person:
    """The user's own `Person`, made the first time it is needed (concurrent first
    requests meet on the one-to-one constraint and read the winner's row)."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return Person.objects.create(user=user, name=user.display_name[:100])
    except IntegrityError:
        return Person.objects.get(user=user)


def current_person(request: HttpRequest) -> Person:
    """The person this request acts for (`request.person`, set by `middleware.person`):
    the local owner in personal mode, the signed-in user's own person in server mode."""
    person = getattr(request, "person", None)
    if person is None:
        raise PermissionDenied("sign in first")
    if isinstance(person, SimpleLazyObject):  # the real row, so type(person) is Person
        if person._wrapped is empty:  # type: ignore[attr-defined]
            person._setup()  # type: ignore[attr-defined]
        person = person._wrapped  # type: ignore[attr-defined]
    return person  # type: ignore[no-any-return]
