"""Treatment notes (docs/clinic.md, "Treatment notes"): written as a draft, signed and
locked, amended with the original kept; read only by the author and the practice's admins,
every read in the client's access log; bad input stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from backease.accounts.access_log import log_of
from backease.accounts.models import User
from backease.clinic import notes
from backease.clinic.models import CareLink, TreatmentNote
from backease.clinic.notes_models import NoteLocked
from backease.core.errors import Conflict, InputError
from backease.store.models import Person
from tests.clinic.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
"""02:00 UTC: still 7 December for a client in New York."""

BODY = {
    "visit_date": "2026-12-07",
    "subjective": "Aching between the shoulder blades after desk days.",
    "objective": "Tender, taut band on the left.",
    "found": ["between_shoulder_blades_left"],
    "massage_type": "swedish",
    "treated": ["between_shoulder_blades_left", "upper_trapezius_left"],
    "pressure": "moderate",
    "done": "",
    "plan": "Again in two weeks; ball on the wall at home.",
}


@pytest.fixture
def note(therapist: User, link: CareLink) -> TreatmentNote:
    link.client.time_zone = "America/New_York"
    link.client.save(update_fields=["time_zone"])
    return notes.create_draft(therapist, link.client.pk, BODY, now=NOW)


@pytest.fixture
def signed(note: TreatmentNote, therapist: User) -> TreatmentNote:
    return notes.sign(note, therapist, now=NOW + timedelta(minutes=5))


def _form(**changes: Any) -> dict[str, Any]:
    return {**BODY, **changes}


# --- the service ------------------------------------------------------------------------------


def test_a_draft_is_written_for_the_visit_day_in_the_client_s_zone(note: TreatmentNote) -> None:
    assert note.visit_date == date(2026, 12, 7) and not note.signed
    assert note.found == ["between_shoulder_blades_left"]
    assert note.treated == ["upper_trapezius_left", "between_shoulder_blades_left"]  # the map's order
    with pytest.raises(InputError, match="after today"):  # 8 December has not begun in New York
        notes.clean(_form(visit_date="2026-12-08"), note.client, NOW)


def test_a_draft_can_be_changed_until_it_is_signed(note: TreatmentNote, therapist: User) -> None:
    notes.update_draft(note, therapist, _form(plan="Weekly for three weeks."), now=NOW)
    note.refresh_from_db()
    assert note.plan == "Weekly for three weeks."
    signed = notes.sign(note, therapist, now=NOW)
    assert signed.signed_at == NOW and signed.signed_by == therapist
    with pytest.raises(Conflict, match="already signed"):
        notes.sign(signed, therapist, now=NOW)


def test_a_signed_note_s_body_is_never_changed_in_place(signed: TreatmentNote, therapist: User) -> None:
    with pytest.raises(NoteLocked):
        notes.update_draft(signed, therapist, _form(subjective="Rewritten"), now=NOW)
    signed.subjective = "Rewritten behind the service's back"
    with pytest.raises(NoteLocked):
        signed.save()
    signed.refresh_from_db()
    assert signed.subjective == BODY["subjective"]
    signed.signed_at = None  # unsigning is a change too
    with pytest.raises(NoteLocked):
        signed.save()


def test_an_amendment_keeps_the_original_and_says_who_when_why_and_what(
    signed: TreatmentNote, therapist: User
) -> None:
    later = NOW + timedelta(days=1)
    notes.amend(
        signed, therapist, _form(pressure="gentle", found=[]), "Pressure was gentle: client asked", now=later
    )
    notes.amend(
        signed,
        therapist,
        _form(pressure="gentle", found=[], plan="Weekly."),
        "Plan agreed by phone",
        now=later + timedelta(hours=1),
    )
    signed.refresh_from_db()
    assert (
        signed.pressure == "gentle"
        and signed.plan == "Weekly."
        and signed.signed_at == NOW + timedelta(minutes=5)
    )
    kept = notes.record(signed)
    assert kept.original is not None
    assert kept.original["pressure"] == "moderate" and kept.original["found"] == [
        "between_shoulder_blades_left"
    ]
    assert kept.original["plan"] == BODY["plan"]
    first, second = kept.amendments
    assert (first.at, first.by, first.reason) == (later, "Sam Rivera", "Pressure was gentle: client asked")
    assert {(c.field, c.before, c.after) for c in first.changes} == {
        ("pressure", "Moderate", "Gentle"),
        ("found", "Between the shoulder blades (left)", "none"),
    }
    assert [(c.field, c.after) for c in second.changes] == [("plan", "Weekly.")]


def test_an_amendment_needs_a_signed_note_a_reason_and_a_change(note: TreatmentNote, therapist: User) -> None:
    with pytest.raises(Conflict, match="draft"):
        notes.amend(note, therapist, _form(plan="x"), "why", now=NOW)
    signed = notes.sign(note, therapist, now=NOW)
    with pytest.raises(InputError, match="say why"):
        notes.amend(signed, therapist, _form(plan="x"), "  ", now=NOW)
    with pytest.raises(InputError, match="nothing is changed"):
        notes.amend(signed, therapist, _form(), "no change", now=NOW)
    assert notes.record(signed).amendments == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visit_date": "7/12/2026"}, "Visit date"),
        ({"visit_date": "2020-01-01"}, "Visit date"),
        ({"subjective": "   "}, "S: what the client reports"),
        ({"subjective": "x" * 2001}, "S: what the client reports"),
        ({"massage_type": "reiki"}, "A: massage type"),
        ({"pressure": "crushing"}, "A: pressure"),
        ({"treated": []}, "A: areas treated"),
        ({"found": ["between_shoulder_blades"]}, "O: areas found"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    therapist: User, link: CareLink, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        notes.create_draft(therapist, link.client.pk, _form(**changes), now=NOW)
    assert caught.value.field == field
    assert not TreatmentNote.objects.exists()


def test_a_therapist_without_an_active_link_writes_no_note(therapist: User, link: CareLink) -> None:
    link.ended_at = NOW
    link.save(update_fields=["ended_at"])
    from django.http import Http404

    with pytest.raises(Http404):
        notes.create_draft(therapist, link.client.pk, BODY, now=NOW)
    assert not TreatmentNote.objects.exists()


# --- the pages --------------------------------------------------------------------------------


def _text(response: Any) -> str:
    return str(response.content.decode())


def test_write_sign_and_amend_through_the_pages(therapist: User, link: CareLink, person_a: Person) -> None:
    browser = signed_in(therapist)
    client_page = _text(browser.get(f"/clinic/clients/{person_a.pk}/"))
    assert f"/clinic/clients/{person_a.pk}/notes/" in client_page
    form = _text(browser.get(f"/clinic/clients/{person_a.pk}/notes/new/"))
    assert 'name="found" value="between_shoulder_blades_left"' in form and "Swedish massage" in form
    response = browser.post(
        f"/clinic/clients/{person_a.pk}/notes/new/", _form(visit_date=date.today().isoformat())
    )
    assert response.status_code == 302
    note = TreatmentNote.objects.get()
    page = _text(browser.get(f"/clinic/notes/{note.pk}/"))
    assert "Draft" in page and BODY["subjective"] in page and "Between the shoulder blades (left)" in page
    assert browser.post(f"/clinic/notes/{note.pk}/sign/").status_code == 302
    page = _text(browser.get(f"/clinic/notes/{note.pk}/"))
    assert "Signed" in page and "Add an amendment" in page and "Edit the draft" not in page
    amended = _form(
        visit_date=note.visit_date.isoformat(), subjective="Worse after lifting.", reason="Misheard"
    )
    assert browser.post(f"/clinic/notes/{note.pk}/amend/", amended).status_code == 302
    page = _text(browser.get(f"/clinic/notes/{note.pk}/"))
    assert "Worse after lifting." in page and BODY["subjective"] in page  # now, and the original
    assert "Amendment 1: Sam Rivera" in page and "Misheard" in page
    listing = _text(browser.get(f"/clinic/clients/{person_a.pk}/notes/"))
    assert "1 amendment" in listing and "Signed" in listing


def test_a_signed_note_cannot_be_edited_through_the_page(signed: TreatmentNote, therapist: User) -> None:
    browser = signed_in(therapist)
    response = browser.post(f"/clinic/notes/{signed.pk}/edit/", _form(subjective="Rewritten"))
    assert response.status_code == 409 and "add an amendment" in _text(response)
    assert browser.get(f"/clinic/notes/{signed.pk}/edit/").status_code == 409
    signed.refresh_from_db()
    assert signed.subjective == BODY["subjective"]
    assert notes.record(signed).amendments == ()


def test_a_bad_form_says_what_is_wrong_and_keeps_what_was_typed(note: TreatmentNote, therapist: User) -> None:
    browser = signed_in(therapist)
    response = browser.post(f"/clinic/notes/{note.pk}/edit/", _form(pressure="", plan="Kept text"))
    page = _text(response)
    assert response.status_code == 400 and "Nothing was saved." in page and "A: pressure: choose one" in page
    assert "Kept text" in page and 'aria-invalid="true"' in page
    note.refresh_from_db()
    assert note.plan == BODY["plan"]
    response = browser.post(f"/clinic/notes/{note.pk}/sign/")
    response = browser.post(f"/clinic/notes/{note.pk}/amend/", _form(plan="x", reason=""))
    assert response.status_code == 400 and "say why" in _text(response)


def test_only_the_author_and_the_practice_s_admins_read_a_note(
    signed: TreatmentNote, therapist: User, admin_user: User, client_a: User, person_a: Person
) -> None:
    colleague = make_user("colleague@example.org", role="therapist")
    CareLink.objects.create(therapist=colleague, client=person_a)  # shares with them too
    url = f"/clinic/notes/{signed.pk}/"
    assert signed_in(therapist).get(url).status_code == 200
    admin_page = signed_in(admin_user).get(url)
    assert admin_page.status_code == 200 and BODY["subjective"] in _text(admin_page)
    assert "Add an amendment" not in _text(admin_page)  # admins read; they do not write
    for outsider in (colleague, client_a):
        browser = signed_in(outsider)
        for path in ("", "edit/", "amend/", "sign/"):
            response = browser.get(url + path)
            assert response.status_code in (403, 404, 405), (outsider, path)
            assert BODY["subjective"] not in _text(response)
        assert BODY["subjective"] not in _text(browser.get(f"/clinic/clients/{person_a.pk}/notes/"))
    colleague_list = _text(signed_in(colleague).get(f"/clinic/clients/{person_a.pk}/notes/"))
    assert "No notes yet." in colleague_list
    assert (
        signed_in(admin_user)
        .post(f"/clinic/notes/{signed.pk}/amend/", _form(plan="x", reason="y"))
        .status_code
        == 403
    )
    assert Client().get(url).status_code == 302


def test_the_author_loses_the_note_when_the_client_stops_sharing(
    signed: TreatmentNote, therapist: User, link: CareLink
) -> None:
    link.ended_at = NOW
    link.save(update_fields=["ended_at"])
    assert signed_in(therapist).get(f"/clinic/notes/{signed.pk}/").status_code == 404
    assert TreatmentNote.objects.filter(pk=signed.pk).exists()  # kept, for the practice's admins


def test_every_read_goes_to_the_client_s_access_log(
    signed: TreatmentNote, therapist: User, admin_user: User, person_a: Person
) -> None:
    signed_in(therapist).get(f"/clinic/notes/{signed.pk}/")
    signed_in(admin_user).get(f"/clinic/notes/{signed.pk}/")
    signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/notes/")
    lines = [(row.actor_label, row.action, row.what) for row in log_of(person_a)]
    assert ("Sam Rivera", "view", f"treatment note {signed.pk}") in lines
    assert ("admin@example.org", "view", f"treatment note {signed.pk}") in lines
    assert ("Sam Rivera", "view", "treatment notes: the list") in lines
    assert "treatment note" in _text(signed_in(person_a.user).get("/me/access-log/"))  # type: ignore[arg-type]


def test_admins_find_notes_in_the_admin_and_change_nothing_there(
    signed: TreatmentNote, admin_user: User, person_a: Person
) -> None:
    browser = signed_in(admin_user)
    listing = browser.get("/admin/clinic/treatmentnote/")
    assert listing.status_code == 200 and f"/clinic/notes/{signed.pk}/" in _text(listing)
    assert BODY["subjective"] not in _text(listing)  # the list shows no note's words
    assert "admin: list of treatment notes" in [row.what for row in log_of(person_a)]
    response = browser.post(f"/admin/clinic/treatmentnote/{signed.pk}/change/", {"subjective": "Rewritten"})
    assert response.status_code == 403
    assert (
        browser.post(f"/admin/clinic/treatmentnote/{signed.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    signed.refresh_from_db()
    assert signed.subjective == BODY["subjective"]


def test_deleting_accounts_a_therapist_s_notes_stay_a_client_s_go(
    signed: TreatmentNote, therapist: User, client_a: User, person_a: Person, admin_user: User
) -> None:
    from backease.accounts.services import delete_account

    assert "treatment notes" in _text(signed_in(client_a).get("/me/account/delete/"))
    delete_account(therapist)
    signed.refresh_from_db()
    assert signed.author is None and signed.author_label == "Sam Rivera"
    page = _text(signed_in(admin_user).get(f"/clinic/notes/{signed.pk}/"))
    assert BODY["subjective"] in page and "Sam Rivera" in page
    delete_account(client_a)
    assert not TreatmentNote.objects.exists() and not TreatmentNote.history.exists()
