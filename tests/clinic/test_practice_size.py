"""A practice's size (issue 15): every open flag a therapist may see is counted and
reachable however long the history, red flags first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import flags
from backease.clinic.models import CareLink, Flag
from backease.store.models import Person
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


def client_with_link(therapist: User, email: str, share: str = "full", name: str = "") -> Person:
    person = person_for(User.objects.create_user(email, None, display_name=name))
    CareLink.objects.create(therapist=therapist, client=person, share=share)
    return person


def _bulk_flags(person: Person, kind: str, count: int, newest: timezone.datetime) -> None:
    Flag.objects.bulk_create(
        [
            Flag(
                client=person,
                kind=kind,
                key=f"{kind}:bulk:{i}",
                detail="bulk",
                raised_at=newest - timedelta(hours=i),
            )
            for i in range(count)
        ],
        batch_size=500,
    )


def test_an_old_red_flag_stays_on_the_dashboard_behind_a_thousand_newer_flags(therapist: User) -> None:
    now = timezone.now()
    old = client_with_link(therapist, "old@example.org", name="Olive Old")
    busy = client_with_link(therapist, "busy@example.org", share="adherence", name="Bea Busy")
    red = flags.raise_flag(
        old, "red_flag", "red_flag:old", "Safety check result: urgent", now - timedelta(days=200)
    )
    assert red is not None
    # Newer flags the therapist may not see (pain, for an adherence-only share) ...
    _bulk_flags(busy, "pain_high", 1100, now - timedelta(days=1))
    # ... and newer ones they may: every one of them open, too.
    _bulk_flags(busy, "low_adherence", 30, now - timedelta(days=2))
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert "31 open flags" in page
    assert page.count('data-flag="red_flag"') == 1
    assert page.count('data-flag="low_adherence"') == 30
    assert page.index('data-flag="red_flag"') < page.index('data-flag="low_adherence"')
    client_page = signed_in(therapist).get(f"/clinic/clients/{old.pk}/").content.decode()
    assert 'data-flag="red_flag"' in client_page
