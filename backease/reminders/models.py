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


class PushSubscription(models.Model):
    """A browser or installed web app that turned reminders on for its person (the settings
    page), with what Web Push needs to reach it (backease.reminders.webpush): the push
    service's address for it and its encryption keys. Deleted when the push service says it
    has ended (404 or 410), when the person turns reminders off there, and with the person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(
        max_length=1000, unique=True, help_text="the push service's URL for this browser"
    )
    p256dh = models.CharField(max_length=100, help_text="the browser's public key (P-256, base64url)")
    auth = models.CharField(max_length=50, help_text="the browser's authentication secret (base64url)")
    device = models.CharField(max_length=100, blank=True, default="", help_text="e.g. 'Firefox on Android'")
    created_at = models.DateTimeField()
    last_ok_at = models.DateTimeField(
        null=True, blank=True, help_text="when a push last reached the push service"
    )
    failures = models.PositiveIntegerField(
        default=0, help_text="failed pushes since the last that went through"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.person_id} ({self.device or 'a browser'})"  # type: ignore[attr-defined]
