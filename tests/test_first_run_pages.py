"""The pages of a first run say only what the person needs now: right after the safety
check, Today and the player's first screen do not ask "anything new since your last check?"
again; from the next day on they do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backease.store import services
from backease.store.models import Person, Screening

pytestmark = pytest.mark.django_db

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": False}],
    "tools": ["hands", "wall", "chair"],
    "causes": [],
    "minutes": 10,
}
ASKED_ON_TODAY = "Anything new since your last safety check"
ASKED_IN_PLAYER = "Anything new since last time"


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(person, PROFILE)
    services.make_plan(person, seed=1)
    return person


def _start(client: Client) -> str:
    response = client.post("/today/start/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_right_after_the_check_nothing_asks_whether_anything_is_new(owner: Person, client: Client) -> None:
    assert ASKED_ON_TODAY not in client.get("/today/").content.decode()
    assert ASKED_IN_PLAYER not in _start(client)


def test_a_check_answered_yesterday_is_asked_about_again(owner: Person, client: Client) -> None:
    Screening.objects.filter(person=owner).update(created_at=timezone.now() - timedelta(days=1))
    assert ASKED_ON_TODAY in client.get("/today/").content.decode()
    assert ASKED_IN_PLAYER in _start(client)
