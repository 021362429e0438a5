"""What the reminders app does when the store says so."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from backease.store.models import Person
from backease.store.signals import everything_deleted


@receiver(everything_deleted, dispatch_uid="reminders.on_everything_deleted")
def on_everything_deleted(sender: type[Person], person: Person, **_: Any) -> None:
    """Delete-everything removes the person's reminder bookkeeping and subscribed browsers
    too (a person without an account goes with their row: on_delete=CASCADE)."""
    from backease.reminders.models import PushSubscription, Reminder

    Reminder.objects.filter(person=person).delete()
    PushSubscription.objects.filter(person=person).delete()
