"""The bookkeeping of reminders delivered: one row per person, planned instant and channel.

A row is written when a sender claims a reminder (`services.claim`), so two senders (two
app processes, a cron run overlapping the running app, a job runner restarted mid-run)
never both send it: the unique constraint lets only one row exist, and a claim is taken
over only when it is older than the lease without a send (`services.LEASE`).

These rows are delivery bookkeeping, not self-care data: delete-everything removes them
(`backease.reminders.signals`); backups leave them out (a restored history does not need
to know which past reminders were shown).
"""

from __future__ import annotations

from django.db import models

from backease.store.models import Person


class Reminder(models.Model):
    """One reminder of a planned session on one channel, and what became of it."""

    class Channel(models.TextChoices):
        DESKTOP = "desktop"
        PUSH = "push"
        EMAIL = "email"
        WEB = "web"

    class State(models.TextChoices):
        CLAIMED = "claimed"
        SENT = "sent"
        FAILED = "failed"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(help_text="the planned instant (UTC) this reminder is for")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CLAIMED)
    attempts = models.PositiveSmallIntegerField(default=1)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True, default="", help_text="why a send failed")

    class Meta:
        ordering = ["-due_at", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["person", "due_at", "channel"], name="one_reminder_per_channel")
        ]
        indexes = [models.Index(fields=["due_at", "state"], name="reminder_due_state")]

    def __str__(self) -> str:
        return f"{self.channel} reminder for {self.person_id} at {self.due_at:%Y-%m-%d %H:%M} ({self.state})"  # type: ignore[attr-defined]
