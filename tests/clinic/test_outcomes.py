"""Outcome measures: pain now (NRS) and the PSFS, their schedule, and the change that matters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic import outcomes
from backease.clinic.models import CareLink, Notice, Outcome
from backease.core.errors import InputError
from backease.store.models import Person
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db

ACTIVITIES = ["Carrying shopping", "Sitting through a film", "Looking over my shoulder"]


def test_the_psfs_score_is_the_mean_of_the_activities() -> None:
    assert (
        outcomes.psfs_score(
            [{"activity": "a", "score": 2}, {"activity": "b", "score": 3}, {"activity": "c", "score": 7}]
        )
        == 4
    )
    assert outcomes.psfs_score([]) is None


@pytest.mark.parametrize(
    ("before", "after", "meaningful", "worse"),
    [(3.0, 5.0, True, False), (3.0, 4.67, False, False), (5.0, 3.0, False, True), (4.0, 4.0, False, False)],
)
def test_a_psfs_change_matters_from_2_points(
    before: float, after: float, meaningful: bool, worse: bool
) -> None:
    change = outcomes.psfs_change(before, after)
    assert (change.meaningful, change.worse) == (meaningful, worse)


def test_nrs_change_uses_the_2_points_or_30_percent_rule(person_a: Person) -> None:
    at = timezone.now()
    outcomes.record(person_a, 3, [4, 4, 4], ACTIVITIES, at - timedelta(days=28))
    outcomes.record(person_a, 2, [4, 5, 4], at=at)  # 3 -> 2: one point, but 33 %
    summary = outcomes.summary(person_a)
    assert summary.nrs.meaningful and summary.nrs.delta == -1
    assert not summary.psfs.meaningful and summary.psfs.delta == pytest.approx(0.33, abs=0.01)
    assert summary.activities[1] == ("Sitting through a film", 4, 5)
    assert summary.count == 2


def test_one_check_in_is_too_little_to_compare(person_a: Person) -> None:
    outcomes.record(person_a, 5, [1, 2, 3], ACTIVITIES)
    summary = outcomes.summary(person_a)
    assert not summary.nrs.enough_data and not summary.psfs.enough_data


def test_later_check_ins_rate_the_baseline_activities(person_a: Person) -> None:
    outcomes.record(person_a, 5, [1, 2, 3], ACTIVITIES)
    outcomes.record(person_a, 4, [2, 2, 2], ["Something else", "x", "y"])
    latest = Outcome.objects.filter(person=person_a, kind="psfs").order_by("-id").first()
    assert latest is not None
    assert [i["activity"] for i in latest.data["items"]] == ACTIVITIES
    with pytest.raises(InputError):
        outcomes.record(person_a, 4, [2, 2])


def test_a_baseline_needs_3_to_5_distinct_activities(person_a: Person) -> None:
    for names in (["a", "b"], ["a", "b", "c", "d", "e", "f"], ["a", "A", "b"]):
        with pytest.raises(InputError):
            outcomes.record(person_a, 4, [1] * len(names), names)
    assert not Outcome.objects.exists()


def test_outcomes_are_due_at_the_start_then_every_two_weeks(therapist: User, person_a: Person) -> None:
    now = timezone.now()
    assert not outcomes.due(person_a, now)  # shares with nobody
    CareLink.objects.create(therapist=therapist, client=person_a)
    assert outcomes.due(person_a, now)
    outcomes.record(person_a, 5, [1, 2, 3], ACTIVITIES, now)
    assert not outcomes.due(person_a, now + timedelta(days=13))
    assert outcomes.due(person_a, now + timedelta(days=14))


def test_a_new_link_asks_the_client_for_a_baseline_once(
    therapist: User, client_a: User, person_a: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        CareLink.objects.create(therapist=therapist, client=person_a)
    notice = Notice.objects.get(recipient=client_a)
    assert notice.kind == "outcomes_due" and notice.url == "/me/outcomes/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [client_a.email]
    assert not outcomes.remind_if_due(person_a, timezone.now())  # already told for this due date
    Notice.objects.update(read_at=timezone.now())
    assert not outcomes.remind_if_due(person_a, timezone.now())


def test_the_daily_check_reminds_when_the_next_check_in_is_due(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    from backease.clinic.flags import daily_check

    now = timezone.now()
    outcomes.record(person_a, 5, [1, 2, 3], ACTIVITIES, now)
    Notice.objects.all().delete()
    assert daily_check(now + timedelta(days=10))["outcome_reminders"] == 0
    assert daily_check(now + timedelta(days=15))["outcome_reminders"] == 1
    assert daily_check(now + timedelta(days=16))["outcome_reminders"] == 0


def test_the_page_records_a_baseline_and_shows_it_due(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(client_a)
    page = browser.get("/me/outcomes/").content.decode()
    assert 'id="outcomes-due"' in page
    form = {
        "pain": "6",
        "activity_0": ACTIVITIES[0],
        "score_0": "3",
        "activity_1": ACTIVITIES[1],
        "score_1": "4",
    }
    response = browser.post("/me/outcomes/", form)
    assert response.status_code == 400 and "name 3 to 5 activities" in response.content.decode()
    form.update({"activity_2": ACTIVITIES[2], "score_2": "5"})
    assert browser.post("/me/outcomes/", form).status_code == 302
    page = browser.get("/me/outcomes/").content.decode()
    assert 'id="outcomes-due"' not in page and "Next check-in due" in page and "Carrying shopping 3" in page
    again = {"pain": "4", "score_0": "5", "score_1": "6", "score_2": "7"}
    assert browser.post("/me/outcomes/", again).status_code == 302
    assert Outcome.objects.filter(person=person_a, kind="psfs").count() == 2


def test_a_pain_now_of_7_raises_a_flag_for_the_therapist(
    client_a: User, person_a: Person, link: CareLink
) -> None:
    form = {
        "pain": "8",
        "activity_0": "a",
        "score_0": "3",
        "activity_1": "b",
        "score_1": "4",
        "activity_2": "c",
        "score_2": "4",
    }
    signed_in(client_a).post("/me/outcomes/", form)
    assert person_a.flags.get().kind == "pain_high"


def test_the_page_needs_the_csrf_token(client_a: User) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a, backend="allauth.account.auth_backends.AuthenticationBackend")
    assert browser.post("/me/outcomes/", {"pain": "3"}).status_code == 403
