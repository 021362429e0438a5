"""Data rights in server mode: the account page, export, deleting the account (and only
what is theirs), import into one's own empty account, tokens, the access log, and CSRF
on every form these pages add."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from backease.accounts.access_log import log_access
from backease.accounts.mode import person_for
from backease.accounts.models import AccessLog, ApiToken, User
from backease.accounts.tokens import create_token
from backease.clinic.models import CareLink, Flag, Intake, Invitation, Notice, Programme
from backease.exports.backup import make_backup
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Screening, Session, StepLog
from tests.clinic.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def _use(person: Person) -> None:
    """A little of everything: a profile, a screening, a plan, a session with steps, a diary entry."""
    services.save_profile(
        person, {"areas": [{"region": "lats_left", "pain": 5, "knot": False}], "minutes": 10}
    )
    services.record_screening(person, {})
    plan = services.make_plan(person, seed=1)
    session = services.start_session(person, plan)
    services.log_step(session, 0, seconds_done=30, feedback="helped")
    services.add_pain_entry(person, 4, note=f"diary of {person.pk}")


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- the account page ---------------------------------------------------------------------


def test_the_account_page_links_to_everything_and_saves_settings(client_a: User) -> None:
    browser = signed_in(client_a)
    page = browser.get("/me/account/").content.decode()
    for link in (
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/2fa/",
        "/me/tokens/",
        "/me/access-log/",
        "/export/backup/",
        "/me/account/delete/",
    ):
        assert f'href="{link}"' in page, link
    response = browser.post("/me/account/", {"display_name": "  Alex  "})
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.display_name == "Alex" and client_a.email_notices is False
    browser.post("/me/account/", {"display_name": "Alex", "email_notices": "on"})
    client_a.refresh_from_db()
    assert client_a.email_notices is True
    assert browser.post("/me/account/", {"display_name": "x" * 101}).status_code == 400


def test_the_account_page_is_for_signed_in_people_only() -> None:
    response = Client().get("/me/account/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- export -------------------------------------------------------------------------------


def test_export_downloads_the_backup_of_ones_own_data_only(client_a: User, client_b: User) -> None:
    _use(person_for(client_a))
    _use(person_for(client_b))
    response = signed_in(client_a).get("/export/backup/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["format"] == "backease-backup"
    assert [e["note"] for e in data["pain_entries"]] == [f"diary of {person_for(client_a).pk}"]
    assert "user" not in data["person"] and "a@example.org" not in response.content.decode()


# --- import -------------------------------------------------------------------------------


def _upload(browser: Client, data: dict[str, object]) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("backup.json", json.dumps(data).encode(), content_type="application/json")
    return browser.post("/import/", {"backup": upload}).status_code


def test_import_goes_into_ones_own_empty_account_with_new_ids(client_a: User, client_b: User) -> None:
    person_a, person_b = person_for(client_a), person_for(client_b)
    _use(person_a)
    data = make_backup(person_a)
    b_before = {
        model.__name__: sorted(model.objects.filter(person=person_a).values_list("pk", flat=True))
        for model in (Screening, Plan, Session, PainEntry)
    }
    assert _upload(signed_in(client_b), data) == 200
    # A's rows are untouched; B has a copy with ids of their own and the links between them.
    for model in (Screening, Plan, Session, PainEntry):
        assert (
            sorted(model.objects.filter(person=person_a).values_list("pk", flat=True))
            == b_before[model.__name__]
        )
        mine = set(model.objects.filter(person=person_b).values_list("pk", flat=True))
        assert len(mine) == len(b_before[model.__name__]) and not mine & set(b_before[model.__name__])
    session_b = Session.objects.get(person=person_b)
    assert session_b.plan is not None and session_b.plan.person_id == person_b.pk
    assert session_b.plan.screening is not None and session_b.plan.screening.person_id == person_b.pk
    assert (
        StepLog.objects.filter(session=session_b).count()
        == StepLog.objects.filter(session__person=person_a).count()
    )
    assert PainEntry.objects.get(person=person_b).note == f"diary of {person_a.pk}"
    assert Person.objects.get(pk=person_b.pk).user_id == client_b.pk
    assert Person.objects.count() == 2


def test_import_into_an_account_that_has_data_is_refused_and_changes_nothing(
    client_a: User, client_b: User
) -> None:
    _use(person_for(client_a))
    services.add_pain_entry(person_for(client_b), 2, note="b's own")
    browser_b = signed_in(client_b)
    before = _counts()
    assert _upload(browser_b, make_backup(person_for(client_a))) == 400
    assert _counts() == before


def test_one_persons_data_elsewhere_does_not_block_anothers_import(client_a: User, client_b: User) -> None:
    _use(person_for(client_a))
    data = make_backup(person_for(client_a))
    browser_b = signed_in(client_b)
    assert _upload(browser_b, data) == 200
    assert "diary of" in browser_b.get("/history/").content.decode()


# --- deleting the account -----------------------------------------------------------------


@pytest.fixture
def clinic_world(client_a: User, client_b: User, therapist: User) -> dict[str, object]:
    """A and B use backease; both share with the therapist, who set A a programme; tokens,
    notices, flags, an invitation and access-log lines in both directions."""
    person_a, person_b = person_for(client_a), person_for(client_b)
    person_for(therapist)
    _use(person_a)
    _use(person_b)
    for person in (person_a, person_b):
        CareLink.objects.create(therapist=therapist, client=person)
        Flag.objects.create(client=person, kind="pain_high", key=f"k{person.pk}", raised_at=timezone.now())
        log_access(therapist, person, "view", "insights")
    Programme.objects.create(therapist=therapist, client=person_a, title="For A", steps=[])
    Intake.objects.create(therapist=therapist, client=person_a, created_at=timezone.now(), medicines="A's")
    Programme.objects.create(therapist=therapist, client=None, is_template=True, title="Template", steps=[])
    Invitation.objects.create(therapist=therapist, code="INV1", expires_at=timezone.now() + timedelta(days=7))
    for user in (client_a, client_b, therapist):
        create_token(user, "script", ["read"])
        Notice.objects.create(recipient=user, kind="x", key="x", text="hello")
    return {"a": person_a, "b": person_b}


def test_deleting_a_client_removes_everything_of_theirs_and_nothing_else(
    client_a: User, client_b: User, therapist: User, clinic_world: dict[str, object]
) -> None:
    person_a = clinic_world["a"]
    assert isinstance(person_a, Person)
    mine = {
        "accounts.User": 1,
        "account.EmailAddress": 1,
        "store.Person": 1,
        "store.Profile": 1,
        "store.Screening": Screening.objects.filter(person=person_a).count(),
        "store.Plan": Plan.objects.filter(person=person_a).count(),
        "store.Session": 1,
        "store.StepLog": StepLog.objects.filter(session__person=person_a).count(),
        "store.SessionFacts": 1,
        "store.HistoryTotals": 1,
        "store.PainEntry": 1,
        "store.TechniqueChoice": 0,
        "clinic.CareLink": 1,
        "clinic.ClientSummary": 1,
        "clinic.Flag": Flag.objects.filter(client=person_a).count(),
        "accounts.AccessLog": 1,
        "clinic.Programme": 1,
        "clinic.Intake": 1,
        "accounts.ApiToken": 1,
        # Their own notices, and notices to their therapist about them.
        "clinic.Notice": Notice.objects.filter(Q(recipient=client_a) | Q(subject=person_a)).count(),
    }
    browser = signed_in(client_a)
    before = _counts()
    page = browser.get("/me/account/delete/").content.decode()
    assert "1 session," in page and "1 therapist" in page
    assert browser.post("/me/account/delete/", {"password": "not it"}).status_code == 400
    assert _counts() == before
    response = browser.post("/me/account/delete/", {"password": PASSWORD})
    assert response.status_code == 200 and "Your account is deleted" in response.content.decode()
    after = _counts()
    changed = {label: before[label] - after[label] for label in before if before[label] != after[label]}
    expected = {label: n for label, n in mine.items() if n}
    # Sessions also record writes (store.WriteKey) and rate limits nothing: compare what we listed.
    assert {k: v for k, v in changed.items() if k in mine} == expected
    assert set(changed) - set(mine) <= {"store.WriteKey", "sessions.Session"}
    assert not User.objects.filter(email="a@example.org").exists()
    assert PainEntry.objects.filter(person=clinic_world["b"]).count() == 1
    assert browser.get("/today/").status_code == 302  # signed out


def test_deleting_a_therapist_ends_links_but_leaves_client_data(
    client_a: User, therapist: User, clinic_world: dict[str, object]
) -> None:
    person_a = clinic_world["a"]
    browser = signed_in(therapist)
    before = _counts()
    response = browser.post("/me/account/delete/", {"password": PASSWORD})
    assert response.status_code == 200
    after = _counts()
    assert after["clinic.CareLink"] == before["clinic.CareLink"] - 2
    assert after["clinic.Invitation"] == before["clinic.Invitation"] - 1
    assert Intake.objects.get(client=person_a).therapist is None  # A keeps their intake
    for label in (
        "store.PainEntry",
        "store.Session",
        "store.Screening",
        "clinic.Flag",
        "clinic.Intake",
        "accounts.AccessLog",
    ):
        assert after[label] == before[label], label
    kept = Programme.objects.get(title="For A")
    assert kept.therapist is None and kept.client_id == person_a.pk  # type: ignore[attr-defined]
    line = AccessLog.objects.filter(subject=person_a).get()
    assert line.actor is None and line.actor_label == "Sam Rivera"
    assert ApiToken.objects.filter(user__email="t@example.org").count() == 0


# --- tokens -------------------------------------------------------------------------------


def test_a_token_is_made_shown_once_listed_and_revoked(client_a: User) -> None:
    browser = signed_in(client_a)
    response = browser.post("/me/tokens/", {"name": "phone", "scopes": ["read", "write"], "days": "30"})
    assert response.status_code == 200
    page = response.content.decode()
    row = ApiToken.objects.get(user=client_a)
    secret = page.split('id="token-value" class="token-value" value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("bk_") and secret.startswith(row.prefix)
    assert row.scopes == ["read", "write"] and row.expires_at is not None
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/profile").status_code in (200, 404)
    listing = browser.get("/me/tokens/").content.decode()
    assert "phone" in listing and secret not in listing and row.prefix in listing
    assert browser.post(f"/me/tokens/{row.pk}/revoke/").status_code == 302
    assert api.get("/api/profile").status_code == 401
    assert "revoked" in browser.get("/me/tokens/").content.decode()


def test_a_token_without_expiry_or_with_bad_input(client_a: User) -> None:
    browser = signed_in(client_a)
    assert browser.post("/me/tokens/", {"name": "cron", "scopes": ["read"], "days": ""}).status_code == 200
    assert ApiToken.objects.get(name="cron").expires_at is None
    assert browser.post("/me/tokens/", {"name": "", "scopes": ["read"], "days": "30"}).status_code == 400
    assert browser.post("/me/tokens/", {"name": "x", "days": "30"}).status_code == 400
    assert browser.post("/me/tokens/", {"name": "x", "scopes": ["read"], "days": "999"}).status_code == 400
    assert ApiToken.objects.count() == 1


def test_nobody_revokes_or_sees_anothers_token(client_a: User, client_b: User) -> None:
    row, _ = create_token(client_a, "a's script", ["read"])
    browser_b = signed_in(client_b)
    assert browser_b.post(f"/me/tokens/{row.pk}/revoke/").status_code == 404
    assert "a&#x27;s script" not in browser_b.get("/me/tokens/").content.decode()
    row.refresh_from_db()
    assert row.revoked_at is None


# --- the access log -----------------------------------------------------------------------


def test_a_client_reads_who_looked_at_their_data_newest_first(
    client_a: User, client_b: User, therapist: User, link: CareLink
) -> None:
    person_a = person_for(client_a)
    log_access(therapist, person_a, "view", "pain chart")
    log_access(therapist, person_a, "export", "clinician report")
    log_access(therapist, person_for(client_b), "view", "b's diary")
    page = signed_in(client_a).get("/me/access-log/").content.decode()
    assert page.index("clinician report") < page.index("pain chart")
    assert "Sam Rivera" in page and "exported" in page and "viewed" in page
    assert "b&#x27;s diary" not in page
    empty = signed_in(client_b).get("/me/access-log/").content.decode()
    assert "b&#x27;s diary" in empty and "clinician report" not in empty


def test_the_access_log_comes_a_page_at_a_time(client_a: User, therapist: User) -> None:
    person_a = person_for(client_a)
    for i in range(60):
        log_access(therapist, person_a, "view", f"page view {i:02d}")
    browser = signed_in(client_a)
    first = browser.get("/me/access-log/").content.decode()
    assert "page view 59" in first and "page view 09" not in first and "?page=2" in first
    second = browser.get("/me/access-log/?page=2").content.decode()
    assert "page view 09" in second and "page view 59" not in second
    assert browser.get("/me/access-log/?page=99").status_code == 200


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/me/account/", {"display_name": "x"}),
        ("/me/account/delete/", {"password": PASSWORD}),
        ("/me/tokens/", {"name": "x", "scopes": "read", "days": "30"}),
        ("/me/tokens/1/revoke/", {}),
        ("/accounts/logout/", {}),
        (
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": "x" * 12, "password2": "x" * 12},
        ),
        ("/accounts/email/", {"action_add": "", "email": "c@example.org"}),
        ("/import/", {}),
    ],
)
def test_every_form_refuses_a_post_without_the_csrf_token(
    client_a: User, path: str, data: dict[str, str]
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a, backend="allauth.account.auth_backends.AuthenticationBackend")
    before = _counts()
    assert browser.post(path, data).status_code == 403
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"login": "a@example.org", "password": PASSWORD}),
        ("/accounts/signup/", {"email": "n@example.org", "password1": PASSWORD, "password2": PASSWORD}),
        ("/accounts/password/reset/", {"email": "a@example.org"}),
    ],
)
def test_signed_out_forms_refuse_a_post_without_the_csrf_token(
    client_a: User, path: str, data: dict[str, str]
) -> None:
    assert Client(enforce_csrf_checks=True).post(path, data).status_code == 403
