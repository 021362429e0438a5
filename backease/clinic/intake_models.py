"""The pre-visit intake's table (docs/clinic.md, "Intake and the visit page").

Imported by `backease.clinic.models`, so Django finds it as one of the clinic's models; kept in
a file of its own beside the clinic's other tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backease.store.models import Person, Screening


class Intake(models.Model):
    """One pre-visit intake a therapist asked a client to fill in.

    Sent (`submitted_at` empty) until the client sends the form; then it holds the client's
    answers: the safety screen's and the massage intake's facts (`answers`, the ids of
    content/screening.yaml and content/pretreatment.yaml), what the intake asks in words,
    the consent to treatment, and the safety screening it recorded (the client's own safety
    advice follows it). Only the therapist who sent it (while the client shares with them)
    and admins read it; every read goes to the client's access log.
    """

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intakes_sent",
        help_text="who sent it; empty once their account is deleted (the client keeps their answers)",
    )
    client = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="intakes")
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(
        default=dict, help_text="the safety screen's answers and the massage intake's facts, by id"
    )
    medicines = models.CharField(max_length=500, blank=True, default="")
    skin = models.CharField(max_length=500, blank=True, default="", help_text="skin problems, in words")
    goals = models.CharField(max_length=500, blank=True, default="", help_text="goals for the visit")
    consent_at = models.DateTimeField(null=True, blank=True, help_text="when the client agreed to treatment")
    unchanged = models.BooleanField(
        default=False, help_text="the client said nothing changed since last time"
    )
    screening = models.ForeignKey(
        Screening, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "clinic"
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=["client", "therapist", "-created_at"], name="clinic_intake_client_idx"),
        )

    def __str__(self) -> str:
        state = "filled in" if self.submitted_at else "sent"
        return f"intake #{self.pk} ({state})"
