"""Who may see whose data: the one place clinic views, exports and the API ask.

A therapist reaches a client only through an active `CareLink` the client accepted, and
only as far as its `share` allows; anything else is a 404, so ids reveal nothing. Every
time a therapist (or admin) views, exports or changes a client's data, `log_access`
writes it to the client's append-only access log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from backease.accounts.models import User
from backease.clinic.models import AccessLog, CareLink, Programme
from backease.store.models import Person

Need = Literal["adherence", "full"]
Action = Literal["view", "export", "change"]


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


def log_access(actor: User, subject: Person, action: Action, what: str) -> None:
    """Append to `subject`'s access log (not when people look at their own data)."""
    if subject.user_id is not None and subject.user_id == actor.pk:
        return
    AccessLog.objects.create(
        actor=actor, actor_label=actor.label, subject=subject, action=action, what=what[:200]
    )


def log_access_many(actor: User, subjects: list[Person], action: Action, what: str) -> None:
    """`log_access` for a page that shows several clients at once (the dashboard): one
    write for all of them, so the page costs the same with 5 clients or 50."""
    rows = [
        AccessLog(actor=actor, actor_label=actor.label, subject=subject, action=action, what=what[:200])
        for subject in subjects
        if not (subject.user_id is not None and subject.user_id == actor.pk)
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
