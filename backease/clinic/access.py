"""Who may see whose data: the one place clinic views, exports and the API ask.

A therapist reaches a client only through an active `CareLink` the client accepted, and
only as far as its `share` allows; anything else is a 404, so ids reveal nothing. Every
time a therapist (or admin) views, exports or changes a client's data, the page writes it
to the client's append-only access log (`backease.accounts.access_log.log_access`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from backease.accounts.models import User
from backease.clinic.models import CareLink, Programme
from backease.store.models import Person

Need = Literal["adherence", "full"]


def is_therapist(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", "") == User.Role.THERAPIST)


def therapist_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only therapists (403 for anyone else signed in; the middleware already sent
    signed-out visitors to sign in)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_therapist(request.user):
            raise PermissionDenied("for therapists only")
        return view(request, *args, **kwargs)

    return wrapper


def active_links(therapist: User) -> QuerySet[CareLink]:
    """The therapist's clients who share with them now."""
    return CareLink.objects.filter(therapist=therapist, ended_at__isnull=True).select_related("client")


def link_for(therapist: User, client_id: int, need: Need = "adherence") -> CareLink:
    """The therapist's active link to client `client_id`, if its share covers `need`;
    else 404 (the same answer whether or not that client exists)."""
    if not is_therapist(therapist):
        raise Http404("no such client")
    link = active_links(therapist).filter(client_id=client_id).first()
    if link is None or (need == "full" and link.share != CareLink.Share.FULL):
        raise Http404("no such client")
    return link


def client_for(therapist: User, client_id: int, need: Need = "adherence") -> Person:
    """The client `client_id` as `link_for` allows."""
    return link_for(therapist, client_id, need).client


def therapists_of(person: Person) -> QuerySet[User]:
    """The therapists `person` shares with now."""
    return User.objects.filter(client_links__client=person, client_links__ended_at__isnull=True).distinct()


def own_programme(therapist: User, programme_id: int) -> Programme:
    """A programme or template the therapist made, for a client they still reach (404 else)."""
    if not is_therapist(therapist):
        raise Http404("no such programme")
    row = Programme.objects.filter(pk=programme_id, therapist=therapist).select_related("client").first()
    if row is None:
        raise Http404("no such programme")
    if row.client_id is not None:
        link_for(therapist, row.client_id)
    return row
