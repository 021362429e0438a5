"""The personal app runs with clinic mode left out of INSTALLED_APPS (STYLE.md, "How the
house should grow"): its pages and Today, accounts and the admin, the API, the exports and
the backup. The first test runs those tests in a process of their own with
tests/settings_without_clinic.py; the others run only there (clinic mode left out) and say
that it really is left out, and what a person sees without it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
PERSONAL = [
    "tests/test_without_clinic.py",
    "tests/test_accounts_alone.py",
    "tests/test_pages.py",
    "tests/test_today_sections.py",
    "tests/test_first_run_pages.py",
    "tests/test_player_pages.py",
    "tests/test_insights_pages.py",
    "tests/test_api.py",
    "tests/test_api_schema.py",
    "tests/test_exports.py",
    "tests/test_backup_safety.py",
    "tests/test_reminders_api.py",
    "tests/test_reminders_calendar.py",
]
"""The personal app's tests: what a person reaches without clinic mode."""

CLINIC = apps.is_installed("backease.clinic")
without_clinic = pytest.mark.skipif(CLINIC, reason="runs in the process with clinic mode left out")


@pytest.mark.skipif(not CLINIC, reason="this is the process with clinic mode left out")
def test_the_personal_app_passes_its_tests_with_clinic_mode_left_out() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_without_clinic", "PYTHONPATH": str(ROOT)}
    env.setdefault("BACKEASE_DATA_DIR", str(ROOT / ".test-data"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--tb=short", "-rA", *PERSONAL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failures = run.stdout.find("= FAILURES =")
    shown = run.stdout[failures : failures + 6000] if failures >= 0 else run.stdout[-3000:]
    tail = shown + run.stderr[-2000:]
    assert run.returncode == 0, tail
    summary = run.stdout.strip().splitlines()[-1]
    assert not re.search(r"failed|error", summary), tail
    # The checks below ran there (not skipped): clinic mode was left out.
    for name in (
        "test_clinic_mode_is_left_out",
        "test_without_clinic_mode_a_person_has_today_and_their_account",
    ):
        assert f"PASSED tests/test_without_clinic.py::{name}" in run.stdout, tail


@without_clinic
@pytest.mark.django_db
def test_clinic_mode_is_left_out() -> None:
    assert not apps.is_installed("backease.clinic")
    tables = set(connection.introspection.table_names())
    # Accounts made the tables it took from clinic mode (accounts 0002 and 0003).
    assert {"accounts_apitoken", "accounts_accesslog"} <= tables
    assert not any(table.startswith("clinic_") for table in tables)


@without_clinic
@pytest.mark.django_db
def test_without_clinic_mode_a_person_has_today_and_their_account(settings: object) -> None:
    from allauth.account.models import EmailAddress

    from backease.accounts.access_log import log_access
    from backease.accounts.mode import person_for
    from backease.accounts.models import User

    settings.MODE = "server"  # type: ignore[attr-defined]
    person = User.objects.create_user("a@example.org", "a long enough password 42", display_name="Alex")
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    admin = User.objects.create_superuser("admin@example.org", "a long enough password 42")
    log_access(admin, person_for(person), "view", "admin: the person's account")

    browser = Client()
    browser.force_login(person, backend="allauth.account.auth_backends.AuthenticationBackend")
    assert browser.get("/").status_code in (200, 302)
    today = browser.get("/today/", follow=True)
    assert today.status_code == 200 and "From your therapist" not in today.content.decode()
    account = browser.get("/me/account/").content.decode()
    assert "My therapists" not in account
    log = browser.get("/me/access-log/").content.decode()
    assert "admin: the person&#x27;s account" in log or "admin: the person's account" in log
    assert browser.get("/clinic/").status_code == 404
    assert browser.get("/api/sessions").status_code == 200

    staff = Client()
    staff.force_login(admin, backend="allauth.account.auth_backends.AuthenticationBackend")
    index = staff.get("/admin/").content.decode()
    assert "/admin/accounts/accesslog/" in index and "/admin/accounts/apitoken/" in index
    assert "/admin/clinic/" not in index
    assert staff.get("/admin/accounts/accesslog/").status_code == 200
