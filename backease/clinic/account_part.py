"""Clinic mode's part of people's accounts (`backease.accounts.parts`): its pages in the
account menu, unread notices counted, and what deleting an account takes of clinic mode."""

from __future__ import annotations

from backease.accounts import parts
from backease.accounts.models import User
from backease.clinic.models import CareLink, Notice
from backease.store.models import Person


def links(user: User, path: str) -> list[parts.Link]:
    """A therapist's Clinic, or a client's therapists, and everyone's notices (one COUNT query)."""
    if user.role == User.Role.THERAPIST:
        first = parts.Link("Clinic", "/clinic/", current=path.startswith("/clinic/"))
    else:
        first = parts.Link("My therapists", "/me/sharing/", current=path.startswith("/me/sharing/"))
    unread = Notice.objects.filter(recipient=user, read_at__isnull=True).count()
    notices = parts.Link(
        "Notices",
        "/me/notices/",
        current=path.startswith("/me/notices/"),
        count=unread,
        count_words="unread",
        test_id="unread-notices",
    )
    return [first, notices]


def deleting(user: User, person: Person) -> dict[str, int]:
    """The care links that deleting the account ends: as a client, and as a therapist."""
    return {
        "therapists": CareLink.objects.filter(client=person, ended_at__isnull=True).count(),
        "clients": CareLink.objects.filter(therapist=user, ended_at__isnull=True).count(),
    }


def register() -> None:
    parts.register(
        parts.Part(
            name="clinic",
            links=links,
            deleting=deleting,
            deleting_items="clinic/_account_deleting_items.html",
            deleting_notes="clinic/_account_deleting_notes.html",
        )
    )
