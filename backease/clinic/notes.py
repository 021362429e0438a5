"""Treatment notes: the rules (docs/clinic.md, "Treatment notes").

Who: a therapist writes notes only for a client who shares with them now (an active
`CareLink`); a note is read by its author (while that link is active) and by the practice's
admins (`User.Role.ADMIN`), by nobody else: not another therapist of the same client, and
not the client. Every read is written to the client's access log by the page.

What: `clean` checks a form's fields (InputError naming the field; nothing stored).
`create_draft` / `update_draft` keep a draft, `sign` locks it, `amend` records a dated
amendment with a reason; the history (`TreatmentNote.history`) keeps every version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic.access import is_therapist, link_for
from backease.clinic.notes_models import BODY_FIELDS, NoteLocked, TreatmentNote
from backease.content.loader import load_content
from backease.core.errors import Conflict, InputError
from backease.core.vocab import INTENSITIES, REGIONS
from backease.store.models import Person
from backease.store.zones import local_time

MAX_TEXT = 2000
"""Characters per text field: a short note."""
MAX_REASON = 300
MAX_DAYS_BACK = 730
"""A note may be written for a visit up to two years ago, never for a day still to come."""

LABELS = {
    "visit_date": "Visit date",
    "subjective": "S: what the client reports",
    "objective": "O: what you found",
    "found": "O: areas found",
    "massage_type": "A: massage type",
    "treated": "A: areas treated",
    "pressure": "A: pressure",
    "done": "A: anything else done",
    "plan": "P: the plan",
}


def massage_types() -> dict[str, str]:
    """Massage type id -> name, in the content's order."""
    return {m.id: m.name for m in load_content().library.massage_types}


def region_labels() -> dict[str, str]:
    return {r.id: r.label for r in load_content().library.regions}


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", "") == User.Role.ADMIN)


def _text(data: Mapping[str, Any], field: str, required: bool = False) -> str:
    value = str(data.get(field) or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise InputError(LABELS[field], "write a few words")
    if len(value) > MAX_TEXT:
        raise InputError(LABELS[field], f"at most {MAX_TEXT} characters (this has {len(value)})")
    return value


def _regions(values: Any, field: str, required: bool = False) -> list[str]:
    chosen = [str(v) for v in (values or [])]
    unknown = [v for v in chosen if v not in REGIONS]
    if unknown:
        raise InputError(LABELS[field], f"unknown area '{unknown[0][:40]}'", REGIONS)
    if required and not chosen:
        raise InputError(LABELS[field], "tick at least one area")
    return [r for r in REGIONS if r in chosen]  # the body map's order, no repeats


def clean(data: Mapping[str, Any], client: Person, now: datetime) -> dict[str, Any]:
    """A note's body from form fields (`found` and `treated` are lists of region ids), or
    InputError naming the first wrong field."""
    today = local_time(client, now).today
    raw_day = str(data.get("visit_date") or "").strip()
    try:
        visit = date.fromisoformat(raw_day)
    except ValueError:
        raise InputError(LABELS["visit_date"], "a date such as 2026-12-08") from None
    if visit > today:
        raise InputError(
            LABELS["visit_date"], f"cannot be after today ({today.isoformat()}, the client's day)"
        )
    if visit < today - timedelta(days=MAX_DAYS_BACK):
        raise InputError(LABELS["visit_date"], "at most two years ago")
    kinds = massage_types()
    kind = str(data.get("massage_type") or "")
    if kind not in kinds:
        raise InputError(LABELS["massage_type"], "choose one", tuple(kinds))
    pressure = str(data.get("pressure") or "")
    if pressure not in INTENSITIES:
        raise InputError(LABELS["pressure"], "choose one", INTENSITIES)
    return {
        "visit_date": visit,
        "subjective": _text(data, "subjective", required=True),
        "objective": _text(data, "objective"),
        "found": _regions(data.get("found"), "found"),
        "massage_type": kind,
        "treated": _regions(data.get("treated"), "treated", required=True),
        "pressure": pressure,
        "done": _text(data, "done"),
        "plan": _text(data, "plan"),
    }


def _stamp(note: TreatmentNote, by: User, now: datetime, reason: str | None = None) -> None:
    """What the history row of the next save records: who, when, why."""
    note._history_user = by  # type: ignore[attr-defined]
    note._history_date = now  # type: ignore[attr-defined]
    note._change_reason = reason  # type: ignore[attr-defined]


def create_draft(
    therapist: User, client_id: int, data: Mapping[str, Any], now: datetime | None = None
) -> TreatmentNote:
    """A new draft by `therapist` for a client who shares with them now (404 otherwise)."""
    now = now or timezone.now()
    client = link_for(therapist, client_id).client
    body = clean(data, client, now)
    note = TreatmentNote(
        client=client, author=therapist, author_label=therapist.label, created_at=now, updated_at=now, **body
    )
    _stamp(note, therapist, now, "draft written")
    note.save()
    return note


def _own_for_writing(note: TreatmentNote, by: User) -> None:
    """Only the author writes, while the client still shares with them (404 otherwise)."""
    if not is_therapist(by) or note.author_id != by.pk:
        raise Http404("no such note")
    link_for(by, note.client_id)


def update_draft(
    note: TreatmentNote, by: User, data: Mapping[str, Any], now: datetime | None = None
) -> TreatmentNote:
    """Save a draft's new body. A signed note is refused (NoteLocked): amend it instead."""
    now = now or timezone.now()
    _own_for_writing(note, by)
    if note.signed:
        raise NoteLocked("this note is signed: it cannot be edited; add an amendment instead")
    body = clean(data, note.client, now)
    for field, value in body.items():
        setattr(note, field, value)
    note.updated_at = now
    _stamp(note, by, now, "draft changed")
    note.save()
    return note


def sign(note: TreatmentNote, by: User, now: datetime | None = None) -> TreatmentNote:
    """Lock the note: its body changes only by amendment from now on."""
    now = now or timezone.now()
    _own_for_writing(note, by)
    with transaction.atomic():
        fresh = TreatmentNote.objects.select_for_update().get(pk=note.pk)
        if fresh.signed:
            raise Conflict("sign", "this note is already signed")
        fresh.signed_at = now
        fresh.signed_by = by
        fresh.signed_by_label = by.label
        fresh.updated_at = now
        _stamp(fresh, by, now, "signed")
        fresh.save()
    return fresh


def amend(
    note: TreatmentNote, by: User, data: Mapping[str, Any], reason: str, now: datetime | None = None
) -> TreatmentNote:
    """A dated amendment to a signed note: the changed fields and why. The signed original
    and every earlier amendment stay in the note's history."""
    now = now or timezone.now()
    _own_for_writing(note, by)
    if not note.signed:
        raise Conflict("amend", "this note is a draft: edit it, and sign it when it is right")
    why = str(reason or "").replace("\r\n", "\n").strip()
    if not why:
        raise InputError("Reason for the amendment", "say why it is changed")
    if len(why) > MAX_REASON:
        raise InputError("Reason for the amendment", f"at most {MAX_REASON} characters (this has {len(why)})")
    body = clean(data, note.client, now)
    with transaction.atomic():
        fresh = TreatmentNote.objects.select_for_update().get(pk=note.pk)
        changed = [f for f in BODY_FIELDS if getattr(fresh, f) != body[f]]
        if not changed:
            raise InputError("Amendment", "nothing is changed: change a field, or go back")
        for field in changed:
            setattr(fresh, field, body[field])
        fresh.updated_at = now
        _stamp(fresh, by, now, why)
        fresh._amending = True  # type: ignore[attr-defined]
        try:
            fresh.save()
        finally:
            fresh._amending = False  # type: ignore[attr-defined]
    return fresh


def note_for(user: User, note_id: int) -> TreatmentNote:
    """A note `user` may read: its author while the client shares with them, or an admin of
    the practice. 404 for anyone else (the same answer whether or not it exists)."""
    note = TreatmentNote.objects.filter(pk=note_id).select_related("client", "author").first()
    if note is None:
        raise Http404("no such note")
    if is_admin(user):
        return note
    if not is_therapist(user) or note.author_id != user.pk:
        raise Http404("no such note")
    link_for(user, note.client_id)
    return note


def notes_of(therapist: User, client: Person) -> list[TreatmentNote]:
    """The therapist's own notes about `client`, newest visit first."""
    return list(TreatmentNote.objects.filter(client=client, author=therapist))


def amendment_counts(rows: list[TreatmentNote]) -> dict[int, int]:
    """Note id -> how many amendments it has (history rows of the signed note, less the
    signing), in one query."""
    from django.db.models import Count

    signed = [n.pk for n in rows if n.signed]
    counted = (
        TreatmentNote.history.filter(id__in=signed, signed_at__isnull=False)
        .values("id")
        .annotate(n=Count("history_id"))
    )
    return {row["id"]: row["n"] - 1 for row in counted}


# --- the history, as the note page shows it ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Amendment:
    at: datetime
    by: str
    reason: str
    changes: tuple[Change, ...]


def shown(field: str, value: Any) -> str:
    """A body field in words."""
    if field in ("found", "treated"):
        labels = region_labels()
        return ", ".join(labels.get(r, r) for r in value or []) or "none"
    if field == "massage_type":
        return massage_types().get(value, value)
    if field == "visit_date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if field == "pressure":
        return str(value).capitalize()
    return str(value) if value else "(empty)"


@dataclass(frozen=True)
class Record:
    original: dict[str, Any] | None
    """The body as signed (None for a draft)."""
    amendments: tuple[Amendment, ...]


def record(note: TreatmentNote) -> Record:
    """The signed original and each amendment after it, oldest first, from the history."""
    if not note.signed:
        return Record(None, ())
    rows = list(note.history.order_by("history_date", "history_id").select_related("history_user"))
    signed_at = next((i for i, row in enumerate(rows) if row.signed_at is not None), None)
    if signed_at is None:  # signed before the history existed: the row is the original
        return Record({f: getattr(note, f) for f in BODY_FIELDS}, ())
    original = {f: getattr(rows[signed_at], f) for f in BODY_FIELDS}
    amendments = []
    previous = rows[signed_at]
    for row in rows[signed_at + 1 :]:
        changes = tuple(
            Change(f, LABELS[f], shown(f, getattr(previous, f)), shown(f, getattr(row, f)))
            for f in BODY_FIELDS
            if getattr(previous, f) != getattr(row, f)
        )
        if changes:
            user = row.history_user
            amendments.append(
                Amendment(
                    at=row.history_date,
                    by=user.label if user is not None else "a deleted account",
                    reason=row.history_change_reason or "",
                    changes=changes,
                )
            )
        previous = row
    return Record(original, tuple(amendments))
