"""Treatment note pages (docs/clinic.md, "Treatment notes"): a client's notes, a new note,
a draft's edit form, signing, amendments, and the note with its history.

Only the note's author (while the client shares with them) writes and reads it; the
practice's admins read it too. Everyone else gets a 404. Every page that shows a note's
body writes the client's access log.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backease.accounts.access_log import log_access
from backease.accounts.models import User
from backease.clinic import flags, notes
from backease.clinic.access import link_for, therapist_required
from backease.clinic.notes_models import BODY_FIELDS, NoteLocked, TreatmentNote
from backease.content.loader import load_content
from backease.core.errors import Conflict, InputError
from backease.core.vocab import INTENSITIES
from backease.front.bodymap import body_map
from backease.store.zones import local_time


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _form(raw: dict[str, Any]) -> dict[str, Any]:
    """What the form template draws: the choices, with the given values ticked."""
    regions = load_content().library.regions
    found, treated = set(raw.get("found") or []), set(raw.get("treated") or [])
    return {
        **{f: raw.get(f, "") for f in BODY_FIELDS if f not in ("found", "treated")},
        "visit_date": str(raw.get("visit_date") or ""),
        "regions": [
            {"id": r.id, "label": r.label, "view": r.view, "found": r.id in found, "treated": r.id in treated}
            for r in regions
        ],
        "types": [{"id": k, "name": v} for k, v in notes.massage_types().items()],
        "pressures": [{"id": p, "name": p.capitalize()} for p in INTENSITIES],
        "reason": raw.get("reason", ""),
        "max_text": notes.MAX_TEXT,
        "max_reason": notes.MAX_REASON,
    }


def _posted(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {f: request.POST.get(f, "") for f in BODY_FIELDS}
    data["found"] = request.POST.getlist("found")
    data["treated"] = request.POST.getlist("treated")
    data["reason"] = request.POST.get("reason", "")
    return data


def _body(note: TreatmentNote) -> dict[str, Any]:
    return {f: getattr(note, f) for f in BODY_FIELDS}


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


def _status(error: InputError | NoteLocked) -> int:
    return 409 if isinstance(error, Conflict | NoteLocked) else 400


@therapist_required
def client_notes(request: HttpRequest, client_id: int) -> HttpResponse:
    """The therapist's own notes about a client, newest visit first."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    therapist = _user(request)
    client = link_for(therapist, client_id).client
    rows = notes.notes_of(therapist, client)
    kinds = notes.massage_types()
    amended = notes.amendment_counts(rows)
    items = [
        {"note": n, "kind": kinds.get(n.massage_type, n.massage_type), "amended": amended.get(n.pk, 0)}
        for n in rows
    ]
    log_access(therapist, client, "view", "treatment notes: the list")
    return render(
        request, "clinic/notes.html", {"client": client, "name": flags.label(client), "items": items}
    )


@therapist_required
def new_note(request: HttpRequest, client_id: int) -> HttpResponse:
    """A blank note (the visit is today, in the client's zone); POST saves it as a draft."""
    therapist = _user(request)
    client = link_for(therapist, client_id).client
    context: dict[str, Any] = {"client": client, "name": flags.label(client), "mode": "new"}
    if request.method == "POST":
        data = _posted(request)
        try:
            note = notes.create_draft(therapist, client.pk, data, now=flags.clock())
        except InputError as error:
            return _page(
                request,
                "clinic/note_form.html",
                {**context, "form": _form(data), "error": error},
                _status(error),
            )
        log_access(therapist, client, "change", f"treatment note {note.pk}: draft written")
        return redirect("clinic_note", note_id=note.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    today = local_time(client, flags.clock()).today
    return _page(
        request, "clinic/note_form.html", {**context, "form": _form({"visit_date": today.isoformat()})}
    )


def note_page(request: HttpRequest, note_id: int) -> HttpResponse:
    """The note: for a signed one, the signed original and each amendment (who, when, why,
    what changed). Its author and the practice's admins read it; 404 for anyone else."""
    user = _user(request)
    note = notes.note_for(user, note_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    kept = notes.record(note)
    shown = {f: notes.shown(f, getattr(note, f)) for f in BODY_FIELDS}
    original = {f: notes.shown(f, v) for f, v in kept.original.items()} if kept.original else None
    log_access(user, note.client, "view", f"treatment note {note.pk}")
    return render(
        request,
        "clinic/note.html",
        {
            **_note_context(note),
            "shown": shown,
            "original": original,
            "labels": notes.LABELS,
            "amendments": kept.amendments,
            "is_author": note.author_id == user.pk,
            "maps": [
                _map("found", "Areas found", note.found),
                _map("treated", "Areas treated", note.treated),
            ],
        },
    )


def _map(key: str, title: str, regions: list[str]) -> dict[str, Any]:
    """One body map of the note page: the back view, and the front view only when one of
    its regions is marked."""
    drawn = body_map(load_content().library, {r: {} for r in regions})
    return {"key": key, "title": title, "map": drawn, "front": any(r["selected"] for r in drawn["front"])}


def _note_context(note: TreatmentNote, **extra: Any) -> dict[str, Any]:
    """What every note page shows: the note, its client and the client's name."""
    return {"client": note.client, "name": flags.label(note.client), "note": note, **extra}


def _note_of_author(request: HttpRequest, note_id: int) -> TreatmentNote:
    """The author's own note (404 for anyone else, admins included: they read, never write)."""
    user = _user(request)
    note = notes.note_for(user, note_id)
    if note.author_id != user.pk:
        raise Http404("no such note")
    return note


@therapist_required
def edit_note(request: HttpRequest, note_id: int) -> HttpResponse:
    """A draft's form. A signed note is refused (409): it is changed only by amendment."""
    therapist = _user(request)
    note = _note_of_author(request, note_id)
    context = _note_context(note, mode="edit")
    if request.method == "POST":
        data = _posted(request)
        try:
            notes.update_draft(note, therapist, data, now=flags.clock())
        except (InputError, NoteLocked) as error:
            if isinstance(error, NoteLocked):
                locked = Conflict("Signed note", str(error))
                return _page(request, "clinic/note_locked.html", {**context, "error": locked}, 409)
            return _page(
                request,
                "clinic/note_form.html",
                {**context, "form": _form(data), "error": error},
                _status(error),
            )
        log_access(therapist, note.client, "change", f"treatment note {note.pk}: draft changed")
        return redirect("clinic_note", note_id=note.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if note.signed:
        locked = Conflict("Signed note", "this note is signed: it cannot be edited; add an amendment instead")
        return _page(request, "clinic/note_locked.html", {**context, "error": locked}, 409)
    log_access(therapist, note.client, "view", f"treatment note {note.pk}: edit form")
    return _page(request, "clinic/note_form.html", {**context, "form": _form(_body(note))})


@therapist_required
@require_POST
def sign_note(request: HttpRequest, note_id: int) -> HttpResponse:
    therapist = _user(request)
    note = _note_of_author(request, note_id)
    try:
        notes.sign(note, therapist, now=flags.clock())
    except InputError as error:
        return _page(
            request,
            "clinic/note_locked.html",
            _note_context(note, error=error),
            _status(error),
        )
    log_access(therapist, note.client, "change", f"treatment note {note.pk}: signed")
    return redirect("clinic_note", note_id=note.pk)


@therapist_required
def amend_note(request: HttpRequest, note_id: int) -> HttpResponse:
    """A signed note's amendment form: the current body to change, and why."""
    therapist = _user(request)
    note = _note_of_author(request, note_id)
    context = _note_context(note, mode="amend")
    if request.method == "POST":
        data = _posted(request)
        try:
            notes.amend(note, therapist, data, data["reason"], now=flags.clock())
        except InputError as error:
            if not note.signed:
                return _page(request, "clinic/note_locked.html", {**context, "error": error}, _status(error))
            return _page(
                request,
                "clinic/note_form.html",
                {**context, "form": _form(data), "error": error},
                _status(error),
            )
        log_access(therapist, note.client, "change", f"treatment note {note.pk}: amended")
        return redirect("clinic_note", note_id=note.pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not note.signed:
        draft = Conflict("amend", "this note is a draft: edit it, and sign it when it is right")
        return _page(request, "clinic/note_locked.html", {**context, "error": draft}, 409)
    log_access(therapist, note.client, "view", f"treatment note {note.pk}: amendment form")
    return _page(request, "clinic/note_form.html", {**context, "form": _form(_body(note))})
