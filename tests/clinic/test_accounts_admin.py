"""Roles: Django's admin for admins only (read-only access log, tokens without their
digest), and `backease server add-user` for an operator's first accounts."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from backease.accounts.access_log import log_access
from backease.accounts.models import AccessLog, User
from backease.accounts.tokens import create_token
from backease.cli.main import run
from backease.clinic.models import CareLink, Flag, Programme
from tests.clinic.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new password 31"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_only_admins_reach_the_admin(client_a: User, therapist: User, admin_user: User) -> None:
    assert signed_in(admin_user).get("/admin/").status_code == 200
    assert signed_in(therapist).get("/admin/").status_code in (302, 403)
    assert signed_in(client_a).get("/admin/").status_code in (302, 403)
    assert signed_in(therapist).get("/admin/accounts/user/").status_code in (302, 403)


def test_the_admin_sign_in_is_the_sites_own(admin_user: User) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = Client().post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/user/",
        "/admin/clinic/carelink/",
        "/admin/clinic/invitation/",
        "/admin/clinic/programme/",
        "/admin/clinic/flag/",
        "/admin/accounts/accesslog/",
        "/admin/accounts/apitoken/",
    ],
)
def test_the_admin_lists_each_table(admin_user: User, link: CareLink, path: str) -> None:
    assert signed_in(admin_user).get(path).status_code == 200


def test_an_admin_sees_a_users_role_and_can_change_it(admin_user: User, client_a: User) -> None:
    browser = signed_in(admin_user)
    page = browser.get(f"/admin/accounts/user/{client_a.pk}/change/").content.decode()
    assert 'name="role"' in page and 'name="display_name"' in page


def test_the_access_log_is_read_only_even_for_admins(
    admin_user: User, therapist: User, link: CareLink
) -> None:
    log_access(therapist, link.client, "view", "insights")
    row = AccessLog.objects.get()
    browser = signed_in(admin_user)
    page = browser.get(f"/admin/accounts/accesslog/{row.pk}/change/").content.decode()
    assert 'name="what"' not in page and "insights" in page
    assert browser.post(f"/admin/accounts/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get("/admin/accounts/accesslog/add/").status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


def test_the_admin_never_shows_a_tokens_digest(admin_user: User, client_a: User) -> None:
    row, _ = create_token(client_a, "phone", ["read"])
    browser = signed_in(admin_user)
    for path in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{row.pk}/change/"):
        page = browser.get(path).content.decode()
        assert row.digest not in page
        assert row.prefix in page


def test_add_user_makes_a_therapist_and_prints_a_one_time_set_password_link(
    capsys: pytest.CaptureFixture[str], settings: object
) -> None:
    code, out, err = cli(
        capsys, "server", "add-user", "Sam@Clinic.example", "--role", "therapist", "--name", "Sam"
    )
    assert code == 0, err
    user = User.objects.get(email="sam@clinic.example")
    assert user.role == "therapist" and user.display_name == "Sam" and not user.has_usable_password()
    link = out.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/accounts/password/reset/key/")
    browser = Client()
    response = browser.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302
    form = response["Location"]
    assert browser.post(form, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert (
        Client().post("/accounts/login/", {"login": "sam@clinic.example", "password": NEW_PASSWORD})[
            "Location"
        ]
        == "/clinic/"
    )
    # Used once: the same link no longer works.
    again = Client().get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    assert 'name="password1"' not in again.content.decode()


def test_add_user_makes_an_admin_who_reaches_the_admin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "server",
        "add-user",
        "boss@clinic.example",
        "--role",
        "admin",
        "--json",
        "--origin",
        "https://care.example.org/",
    )
    assert code == 0
    data = json.loads(out)
    assert data["role"] == "admin" and data["link"].startswith(
        "https://care.example.org/accounts/password/reset/key/"
    )
    user = User.objects.get(email="boss@clinic.example")
    assert user.is_staff and user.is_superuser


def test_add_user_refuses_a_taken_address_or_an_unknown_role(
    capsys: pytest.CaptureFixture[str], client_a: User
) -> None:
    code, _, err = cli(capsys, "server", "add-user", "A@example.org")
    assert code == 2 and "already has an account" in err and err.count("\n") == 1
    code, _, err = cli(capsys, "server", "add-user", "new@example.org", "--role", "owner")
    assert code == 2 and "role" in err
    code, _, err = cli(capsys, "server", "add-user", "not an address")
    assert code == 2 and "email" in err
    assert User.objects.count() == 1


def test_an_admin_reading_a_clients_flags_or_programme_is_written_to_the_clients_log(
    admin_user: User, therapist: User, link: CareLink
) -> None:
    """The docs promised it; nothing was written. (A list names everyone on it in one line.)"""
    from backease.accounts.access_log import log_of

    client = link.client
    flag = Flag.objects.create(
        client=client, kind="pain_high", key="k", detail="Pain 8", raised_at=timezone.now()
    )
    programme = Programme.objects.create(therapist=therapist, client=client, title="Desk", days_per_week=3)
    browser = signed_in(admin_user)
    assert browser.get("/admin/clinic/flag/").status_code == 200
    assert browser.get(f"/admin/clinic/flag/{flag.pk}/change/").status_code == 200
    assert browser.get(f"/admin/clinic/programme/{programme.pk}/change/").status_code == 200
    assert browser.get("/admin/clinic/carelink/").status_code == 200
    lines = set(log_of(client).filter(actor=admin_user).values_list("action", "what"))
    assert lines == {
        ("view", "admin: list of flags"),
        ("view", f"admin: flag #{flag.pk}"),
        ("view", f"admin: programme #{programme.pk}"),
        ("view", "admin: list of care links"),
    }
    page = signed_in(client.user).get("/me/access-log/").content.decode()  # type: ignore[arg-type]
    assert "admin: flag" in page
