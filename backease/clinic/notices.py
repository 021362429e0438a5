"""Notices to a user, in the app and (unless they opted out) by email.

A burst of changes with the same `key` (a therapist editing a programme five times)
updates one unread notice and sends one email, not five.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic.models import Notice
from backease.store.models import Person

log = logging.getLogger(__name__)


def notify(
    recipient: User, *, kind: str, key: str, text: str, url: str = "", subject: Person | None = None
) -> Notice:
    """Add (or refresh, if an unread one has the same key) a notice, and email it once."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .filter(recipient=recipient, key=key, read_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if notice is None:
            notice = Notice.objects.create(
                recipient=recipient, kind=kind, key=key, text=text[:500], url=url, subject=subject
            )
        else:
            notice.text, notice.url = text[:500], url
            notice.save(update_fields=["text", "url", "updated_at"])
        if notice.emailed_at is None and recipient.email_notices and recipient.is_active:
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])
            transaction.on_commit(lambda: _email(recipient, text, url))
    return notice


@dataclass(frozen=True, slots=True)
class Draft:
    """A notice to add with `notify_many` (the arguments of `notify`)."""

    recipient: User
    kind: str
    key: str
    text: str
    url: str = ""
    subject_id: int | None = None


def notify_many(drafts: Sequence[Draft]) -> int:
    """`notify` for many notices at once (the daily run): the same rules (an unread notice
    with the same key is refreshed, each emailed once) in a fixed number of queries,
    however many notices. Returns how many notices were added or refreshed."""
    by_pair = {(draft.recipient.pk, draft.key): draft for draft in drafts}
    if not by_pair:
        return 0
    now = timezone.now()
    emails: list[Draft] = []
    with transaction.atomic():
        found = Notice.objects.select_for_update().filter(
            recipient_id__in={pair[0] for pair in by_pair},
            key__in={pair[1] for pair in by_pair},
            read_at__isnull=True,
        )
        unread_rows = {(row.recipient_id, row.key): row for row in found.order_by("id")}  # newest wins
        new: list[Notice] = []
        changed: list[Notice] = []
        for pair, draft in by_pair.items():
            may_email = draft.recipient.email_notices and draft.recipient.is_active
            row = unread_rows.get(pair)
            if row is None:
                row = Notice(
                    recipient=draft.recipient,
                    kind=draft.kind,
                    key=draft.key,
                    text=draft.text[:500],
                    url=draft.url,
                    subject_id=draft.subject_id,
                )
                new.append(row)
            else:
                row.text, row.url, row.updated_at = draft.text[:500], draft.url, now
                changed.append(row)
            if row.emailed_at is None and may_email:
                row.emailed_at = now
                emails.append(draft)
        Notice.objects.bulk_create(new)
        if changed:
            Notice.objects.bulk_update(changed, ["text", "url", "updated_at", "emailed_at"])
        for draft in emails:
            transaction.on_commit(partial(_email, draft.recipient, draft.text, draft.url))
    return len(by_pair)


def _email(recipient: User, text: str, url: str) -> None:
    origin = getattr(settings, "PUBLIC_ORIGIN", "")
    link = f"\n\n{origin}{url}" if url and origin else (f"\n\n{url}" if url else "")
    body = (
        f"{text}{link}\n\n"
        "You get these emails because notices are on in your backease account; "
        "turn them off on your account page."
    )
    try:
        send_mail("backease: " + text[:60], body, None, [recipient.email])
    except OSError:  # an SMTP server that is down must not undo the change that caused it
        log.exception("could not email a notice to user %s", recipient.pk)


def unread(recipient: User) -> list[Notice]:
    return list(Notice.objects.filter(recipient=recipient, read_at__isnull=True)[:50])


def mark_read(recipient: User, notice_id: int | None = None) -> int:
    rows = Notice.objects.filter(recipient=recipient, read_at__isnull=True)
    if notice_id is not None:
        rows = rows.filter(pk=notice_id)
    return rows.update(read_at=timezone.now())
