"""Event flags, raised as the client's data is written (connected in `ClinicConfig.ready`).

Personal mode pays nothing: every handler returns before touching the database. In
server mode a write that cannot raise a flag (a step's seconds, a calm rating with no
rating before it to compare) still returns early where it can, and otherwise costs one
query (`flags.links_of`) for a person who shares with nobody. A failure here is logged
and never undoes the client's own save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from backease.accounts.mode import is_server
from backease.clinic import flags, summaries
from backease.clinic.models import CareLink, Outcome
from backease.store.models import PainEntry, Screening, Session, StepLog

log = logging.getLogger(__name__)

SESSION_FIELDS = frozenset({"pain_before", "pain_after", "stop_reason", "status"})


def _guarded(work: Callable[[], Any]) -> None:
    try:
        with transaction.atomic():
            work()
    except Exception:  # a flag must never cost the client their save
        log.exception("could not raise a follow-up flag")


def _for_linked(person_id: int, check: Callable[[list[tuple[int, str]]], Any]) -> None:
    """Run `check(links)` for a person who shares with someone. The look-up is the one
    query an unlinked person pays (no savepoint around it); the checks run in a savepoint."""
    links = flags.links_of(person_id)
    if links:
        _guarded(lambda: check(links))


@receiver(post_save, sender=Screening, dispatch_uid="clinic_flags_screening")
def screening_saved(sender: type, instance: Screening, created: bool, **kwargs: Any) -> None:
    if not created or not is_server():
        return
    # A check without red flags may clear red flags nobody could see (flags.close_cleared).
    _for_linked(instance.person_id, lambda links: flags.check_screening(instance, links))


@receiver(post_save, sender=PainEntry, dispatch_uid="clinic_flags_pain_entry")
def pain_entry_saved(sender: type, instance: PainEntry, **kwargs: Any) -> None:
    if not is_server():
        return

    def check(links: list[tuple[int, str]]) -> None:
        flags.check_pain(instance.person_id, instance.pain, instance.at, "diary", instance.pk, links)
        summaries.refresh_summaries([instance.person_id])

    _for_linked(instance.person_id, check)


@receiver(post_save, sender=Session, dispatch_uid="clinic_flags_session")
def session_saved(
    sender: type, instance: Session, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if not is_server():
        return
    if update_fields is not None and not SESSION_FIELDS.intersection(update_fields):
        return
    sharp = "sharp" in instance.stop_reason.lower()
    completed = instance.status == Session.Status.COMPLETED  # may clear sharp pain (close_cleared)
    trend = update_fields is None or "pain_before" in update_fields  # the dashboard's pain trend
    if instance.pain_before is None and instance.pain_after is None and not (sharp or completed or trend):
        return

    def check(links: list[tuple[int, str]]) -> None:
        flags.check_session(instance, links)
        if trend:
            summaries.refresh_summaries([instance.person_id])

    _for_linked(instance.person_id, check)


@receiver(post_save, sender=StepLog, dispatch_uid="clinic_flags_step")
def step_saved(sender: type, instance: StepLog, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.feedback != StepLog.Feedback.SHARP_PAIN or not is_server():
        return
    if update_fields is not None and "feedback" not in update_fields:
        return

    person_id = Session.objects.filter(pk=instance.session_id).values_list("person_id", flat=True).first()
    if person_id is not None:
        _for_linked(person_id, lambda links: flags.check_step(instance, person_id, links))


@receiver(post_save, sender=Outcome, dispatch_uid="clinic_flags_outcome")
def outcome_saved(sender: type, instance: Outcome, created: bool, **kwargs: Any) -> None:
    if not created or instance.kind != "nrs" or not is_server():
        return

    def check(links: list[tuple[int, str]]) -> None:
        flags.check_outcome(instance, links)
        summaries.refresh_summaries([instance.person_id])

    _for_linked(instance.person_id, check)


@receiver(post_save, sender=CareLink, dispatch_uid="clinic_outcomes_baseline")
def link_saved(sender: type, instance: CareLink, created: bool, **kwargs: Any) -> None:
    """A client who starts sharing is asked for their baseline outcome measures."""
    if not created or instance.ended_at is not None:
        return
    from backease.clinic import outcomes

    _guarded(lambda: outcomes.remind_if_due(instance.client, flags.clock()))


# --- the dashboard's summaries (backease.clinic.summaries) -------------------------------------


def _refresh_summary(person_id: int) -> None:
    """Rebuild a client's dashboard summary after a write (only for people who share)."""
    if not is_server():
        return
    if flags.links_of(person_id):
        _guarded(lambda: summaries.refresh_summaries([person_id]))


def history_changed(sender: Any, person_id: int, **kwargs: Any) -> None:
    """A whole history was restored (rows written in bulk, without their signals)."""
    _refresh_summary(person_id)


@receiver(post_delete, sender=PainEntry, dispatch_uid="clinic_summary_pain_entry_gone")
@receiver(post_delete, sender=Session, dispatch_uid="clinic_summary_session_gone")
@receiver(post_delete, sender=Outcome, dispatch_uid="clinic_summary_outcome_gone")
def rating_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    _refresh_summary(instance.person_id)


@receiver(post_save, sender=CareLink, dispatch_uid="clinic_summary_link")
def link_changed(
    sender: type, instance: CareLink, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A new link, or a new share: the client's summary, and what this therapist may see."""
    if instance.ended_at is not None:
        return
    if not created and update_fields is not None and "share" not in update_fields:
        return

    def refresh() -> None:
        summaries.refresh_summaries([instance.client_id])
        summaries.refresh_need([instance.client_id])

    _guarded(refresh)


def on_everything_deleted(sender: Any, person: Any, **kwargs: Any) -> None:
    """A client deleted everything ("Delete everything" in server mode): their care links
    end as if they stopped sharing (each therapist gets a notice), and what clinic mode
    kept about them goes too: programmes set for them, flags, outcome measures. Their
    access log stays: it goes only with the account."""
    from django.utils import timezone

    from backease.clinic.models import ClientSummary, Flag, Programme
    from backease.clinic.notices import notify

    label = person.user.label if person.user_id is not None else (person.name or "A client")
    for link in CareLink.objects.filter(client=person, ended_at__isnull=True).select_related("therapist"):
        link.ended_at = timezone.now()
        link.ended_by = "client"
        link.save(update_fields=["ended_at", "ended_by"])
        notify(
            link.therapist,
            kind="link_ended",
            key=f"link:{link.pk}",
            text=f"{label} deleted everything they kept in backease and stopped sharing with you.",
            url="/clinic/",
        )
    Programme.objects.filter(client=person).delete()
    Flag.objects.filter(client=person).delete()
    ClientSummary.objects.filter(person=person).delete()
    Outcome.objects.filter(person=person).delete()
