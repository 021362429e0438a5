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


# --- the daily job ----------------------------------------------------------------------------


def _due_clients(therapist: User, other: User, start: int, count: int) -> list[Person]:
    """Clients with every daily check due: shared 30 days ago with no session since (no
    session for 14 days), a programme they do not do (low adherence), no check-in yet."""
    from backease.clinic.models import Programme

    people = []
    for i in range(start, start + count):
        person = client_with_link(therapist, f"due{i}@example.org", name=f"Due {i}")
        CareLink.objects.create(therapist=other, client=person, share="adherence")
        CareLink.objects.filter(client=person).update(created_at=timezone.now() - timedelta(days=30))
        Programme.objects.create(
            therapist=therapist,
            client=person,
            title="Home",
            days_per_week=5,
            starts_on=timezone.localdate() - timedelta(days=30),
        )
        people.append(person)
    from backease.clinic.models import Notice

    Notice.objects.all().delete()  # the baseline reminders sent as each started sharing
    Flag.objects.all().delete()
    return people


def _daily_queries(now: timezone.datetime) -> tuple[int, dict[str, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        counts = flags.daily_check(now)
    return len(queries), counts


def test_the_daily_job_costs_the_same_queries_for_3_or_12_clients(therapist: User, outsider: User) -> None:
    from backease.clinic.models import Notice

    now = timezone.now() + timedelta(days=3)  # a whole week judged, whatever today is
    _due_clients(therapist, outsider, 0, 3)
    few, counts = _daily_queries(now)
    assert counts["clients"] == 3 and counts["outcome_reminders"] == 3 and counts["flags_raised"] >= 6
    _due_clients(therapist, outsider, 3, 9)
    many, counts = _daily_queries(now)
    assert counts["clients"] == 12 and counts["outcome_reminders"] == 12 and counts["flags_raised"] >= 24
    assert many == few, f"{few} queries for 3 clients, {many} for 12"
    # What the therapists and clients are told is what `notify` would tell them, once each.
    assert Notice.objects.filter(recipient=therapist, kind="flag").count() == 12
    assert Notice.objects.filter(recipient=outsider, kind="flag").count() == 12  # adherence flags only
    assert Notice.objects.filter(kind="outcomes_due").count() == 12
    assert _daily_queries(now)[1] == {"clients": 12, "flags_raised": 0, "outcome_reminders": 0}
