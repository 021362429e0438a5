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


SETUP_FORM = {"region": ["between_shoulder_blades_left"], "pain_between_shoulder_blades_left": "6"}


def test_the_first_plan_opens_its_player_and_a_new_plan_later_goes_to_today(client: Client) -> None:
    person = services.local_owner()
    services.record_screening(person, {})
    response = client.post("/setup/", SETUP_FORM)
    # A first run does not stop at Today: the new plan's session is started, "before you start".
    session = services.sessions(person)[0]
    assert response.status_code == 302 and response["Location"] == f"/session/{session.id}/"
    assert session.plan_id == services.latest_plan(person).id  # type: ignore[union-attr]
    assert "Before you start" in client.get(response["Location"]).content.decode()
    # Changing where it hurts later makes a new plan and shows it on Today, starting nothing.
    response = client.post("/setup/", {**SETUP_FORM, "pain_between_shoulder_blades_left": "4"})
    assert response.status_code == 302 and response["Location"] == "/today/"
    assert len(services.sessions(person)) == 1
