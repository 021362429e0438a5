"""Signals the store sends for other apps to act on (the store imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

everything_deleted = Signal()
"""Sent inside the transaction of `services.delete_everything` for a person with an account
(server mode), with `person`: the self-care data is gone and the person row stays. Clinic
mode ends the person's care links (telling each therapist) and deletes what hangs off the
client there (backease.clinic.signals.on_everything_deleted)."""
