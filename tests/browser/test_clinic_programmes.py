"""Clinic mode in a real browser: a client accepts an invitation on a phone; a therapist
builds a programme with the editor's buttons; the client starts it from Today and the
player says it is from the therapist."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import invites
from backease.clinic.models import CareLink, Programme
from backease.store import services
from tests.browser.conftest import SCREENSHOTS, check_accessibility
from tests.clinic.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def server_mode(settings: Any) -> None:
    settings.MODE = "server"


def picture(target: Any, name: str) -> None:
    """A screenshot of a page's viewport or of one element, for the README (BACKEASE_SCREENSHOTS=1)."""
    if os.environ.get("BACKEASE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def sign_in(page: Any, live_server: Any, user: User) -> None:
    """Give the browser the session of a signed-in user (sign-in itself is tested elsewhere)."""
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_a_client_accepts_an_invitation_on_a_phone(phone: Any, live_server: Any) -> None:
    therapist = make_user("t@example.org", role="therapist", display_name="Sam Rivera")
    client = make_user("a@example.org", display_name="Alex Morgan")
    code = invites.create_invitation(therapist).code
    sign_in(phone, live_server, client)
    phone.goto(f"{live_server.url}/invite/{code}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sam Rivera invites you")
    check_accessibility(phone)
    phone.get_by_label("Only whether I did my programme").check()
    phone.get_by_role("button", name="Accept and share").click()
    phone.wait_for_url("**/me/sharing/?accepted=1")
    expect(phone.get_by_test_id("link")).to_contain_text("Only whether you did the programme")
    check_accessibility(phone)
    assert CareLink.objects.get().share == "adherence"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_therapist_builds_a_programme_and_the_client_plays_it(
    page: Any, phone: Any, live_server: Any
) -> None:
    therapist = make_user("t@example.org", role="therapist", display_name="Sam Rivera")
    client = make_user("a@example.org", display_name="Alex Morgan")
    person = person_for(client)
    CareLink.objects.create(therapist=therapist, client=person)
    services.record_screening(person, {"osteoporosis": True})  # no body weight on a ball
    sign_in(page, live_server, therapist)
    page.goto(f"{live_server.url}/clinic/clients/{person.pk}/programme/")
    page.get_by_label("Title").fill("Desk back")
    page.get_by_label("A note for the client").fill("Three times a week, after work.")
    for technique in (
        "Shoulder rolls",
        "Ball on the wall between the shoulder blades",
        "Massage ball on the floor between the shoulder blades",
        "Chest opener in a doorway",
    ):
        page.get_by_label("Add a step from the library").select_option(label=technique)
        page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_test_id("edit-step")).to_have_count(4)
    expect(page.get_by_test_id("blocked")).to_have_count(1)  # the ball on the floor, for this client
    page.get_by_label("Seconds").first.fill("45")
    page.get_by_role("button", name="Update the total time").click()
    expect(page.get_by_test_id("total")).to_contain_text("without the blocked steps")
    check_accessibility(page)
    picture(page.get_by_test_id("edit-step").nth(2), "clinic-programme-blocked-step-desktop")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    row = Programme.objects.get()
    assert row.steps[0]["seconds"] == 45

    sign_in(phone, live_server, client)
    phone.goto(f"{live_server.url}/today/")
    section = phone.get_by_test_id("from-therapist")
    expect(section).to_contain_text("From your therapist: Desk back")
    expect(section).to_contain_text("3 days a week")
    expect(section.get_by_test_id("blocked")).to_contain_text("No lying, sitting or leaning your body weight")
    check_accessibility(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    picture(section, "clinic-from-your-therapist-phone")
    phone.get_by_test_id("start-programme").click()
    phone.wait_for_url("**/session/*/")
    expect(phone.get_by_test_id("player-from-therapist")).to_contain_text("Sam Rivera: Desk back")
    phone.get_by_test_id("begin").click()
    expect(phone.get_by_test_id("step-name")).to_have_text("Shoulder rolls")
    expect(phone.get_by_test_id("floor-from-therapist")).to_be_visible()
    # Shoulder rolls, the wall ball on each side, the doorway opener: not the floor ball.
    expect(phone.locator("#step-count")).to_have_text("Step 1 of 4")
