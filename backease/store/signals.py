"""Signals the store sends for other apps to act on (the store imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

everything_deleted = Signal()
"""Sent inside the transaction of `services.delete_everything` for a person with an account
(server mode), with `person`: the self-care data is gone and the person row stays. Clinic
mode ends the person's care links (telling each therapist) and deletes what hangs off the
client there (backease.clinic.signals.on_everything_deleted)."""

history_changed = Signal()
"""Sent with `person_id` after a person's whole history was recomputed
(`services.rebuild_aggregates`: a restore, a change of time zone), inside the transaction:
rows may have been written in bulk, without their own signals. Clinic mode rebuilds its
dashboard summary of the person (backease.clinic.signals.history_changed)."""
