"""A therapist's treatment note for a client's visit (SOAP-style, short).

A draft can be edited by its author. Signing locks it (`signed_at`, `signed_by`); from then
on its body changes only through `backease.clinic.notes.amend`, which records a dated,
attributed amendment with its reason. Every saved version is a row of the note's history
(django-simple-history: `note.history`), so the signed original and each amendment are kept
and shown. `save()` refuses any other change to a signed note's body.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from backease.store.models import Person

BODY_FIELDS = (
    "visit_date",
    "subjective",
    "objective",
    "found",
    "massage_type",
    "treated",
    "pressure",
    "done",
    "plan",
)
"""The note's body: what signing locks."""


class NoteLocked(PermissionError):
    """A change to a signed note's body that is not an amendment."""


class TreatmentNote(models.Model):
    class Pressure(models.TextChoices):
        GENTLE = "gentle", "Gentle"
        MODERATE = "moderate", "Moderate"
        FIRM = "firm", "Firm"

    client = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="treatment_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="treatment_notes"
    )
    author_label = models.CharField(max_length=254, help_text="kept when the author's account is gone")
    visit_date = models.DateField(help_text="the visit's day, in the client's time zone")
    subjective = models.TextField(help_text="S: what the client reports")
    objective = models.TextField(blank=True, default="", help_text="O: what was found")
    found = models.JSONField(default=list, blank=True, help_text="O: regions found (region ids)")
    massage_type = models.CharField(max_length=40, help_text="A: the massage type id (massage_types.yaml)")
    treated = models.JSONField(default=list, help_text="A: regions treated (region ids)")
    pressure = models.CharField(max_length=10, choices=Pressure.choices)
    done = models.TextField(blank=True, default="", help_text="A: anything else done, in words")
    plan = models.TextField(blank=True, default="", help_text="P: the plan")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_by_label = models.CharField(max_length=254, blank=True, default="")

    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        cascade_delete_history=True,
        user_related_name="+",
        history_change_reason_field=models.TextField(null=True),
    )

    objects: ClassVar[models.Manager[TreatmentNote]]

    class Meta:
        ordering = ["-visit_date", "-id"]
        indexes = [models.Index(fields=["client", "author", "visit_date"], name="note_client_author")]

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuses to change the body of a note that is signed in the database, unless
        `notes.amend` is saving an amendment (`_amending`)."""
        if self.pk is not None and not getattr(self, "_amending", False):
            stored = TreatmentNote.objects.filter(pk=self.pk).values(*BODY_FIELDS, "signed_at").first()
            if stored is not None and stored["signed_at"] is not None:
                changed = [f for f in BODY_FIELDS if stored[f] != getattr(self, f)]
                if changed or self.signed_at != stored["signed_at"]:
                    raise NoteLocked("a signed note cannot be changed: add an amendment")
        super().save(*args, **kwargs)
