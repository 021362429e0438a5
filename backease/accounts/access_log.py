"""Who read whose data: the one place a row of the append-only access log is written.

Every time someone other than the person themselves (a therapist, an admin) views, exports
or changes a person's data, the page or command that did it calls `log_access`; the person
reads their log at /me/access-log/. People looking at their own data are not logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from django.db.models import Q, QuerySet

from backease.accounts.models import AccessLog, User
from backease.store.models import Person

Action = Literal["view", "export", "change"]


def log_access(actor: User, subjects: Person | Iterable[Person], action: Action, what: str) -> None:
    """Append a line to the access log of `subjects` (one person, or several shown on one
    page: one write for all of them, so a page costs the same with 5 people or 50)."""
    people = [subjects] if isinstance(subjects, Person) else subjects
    rows = [
        AccessLog(actor=actor, actor_label=actor.label, subject=subject, action=action, what=what[:200])
        for subject in people
        if not (subject.user_id is not None and subject.user_id == actor.pk)
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def log_view(actor: User, people: Iterable[Person], what: str) -> None:
    """One line for a page that showed several people at once (a therapist's dashboard):
    written once per view, naming who was on it, so a view costs one row however many
    people it shows. Each of them finds it in their log (`log_of`)."""
    ids = sorted(
        {person.pk for person in people if not (person.user_id is not None and person.user_id == actor.pk)}
    )
    if ids:
        AccessLog.objects.create(
            actor=actor,
            actor_label=actor.label,
            subject=None,
            subjects="|" + "|".join(str(pk) for pk in ids) + "|",
            action="view",
            what=what[:200],
        )


def log_of(person: Person) -> QuerySet[AccessLog]:
    """Every line of `person`'s access log: about them alone, and views of pages that
    showed them among others."""
    return AccessLog.objects.filter(
        Q(subject=person) | Q(subject__isnull=True, subjects__contains=f"|{person.pk}|")
    )
