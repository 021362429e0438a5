"""The reviewer's case in the programme editor (issue 14 item 8): a 600 s x 2 pincer hold
for a pregnant client with numb skin is refused naming the field and the limit, and the
page says the limit before anything is typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.clinic import programmes
from backease.clinic.models import CareLink, Programme
from backease.content.loader import load_content
from backease.store import services
from tests.browser.conftest import check_accessibility
from tests.browser.test_clinic_programmes import sign_in
from tests.clinic.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / ".test-data" / "screenshots"


@pytest.fixture(autouse=True)
def server_mode(settings: Any) -> None:
    settings.MODE = "server"


def test_a_600_s_hold_for_a_numb_skin_client_is_refused_in_the_editor(page: Any, live_server: Any) -> None:
    therapist = make_user("t@example.org", role="therapist", display_name="Sam Rivera")
    person = person_for(make_user("a@example.org", display_name="Alex Morgan"))
    CareLink.objects.create(therapist=therapist, client=person, share=CareLink.Share.ADHERENCE)
    services.record_screening(person, {"pregnancy_weeks": 30, "reduced_sensation": True})
    tech = load_content().library.technique("pincer_hold_front_of_armpit")
    assert tech is not None
    limit = programmes.limit_words(tech)

    sign_in(page, live_server, therapist)
    page.goto(f"{live_server.url}/clinic/clients/{person.pk}/programme/")
    page.get_by_label("Title").fill("Armpit release")
    page.get_by_label("Add a step from the library").select_option(label=tech.name)
    page.get_by_role("button", name="Add the step").click()
    seconds = page.get_by_label("Seconds")
    expect(page.locator("#step-0-range")).to_contain_text(f"For this client, at most {limit}")
    seconds.fill("600")
    page.get_by_label("Holds").fill("2")
    page.get_by_label("Pressure").select_option("gentle")
    page.get_by_test_id("save").click()
    error = page.get_by_test_id("error")
    expect(error).to_contain_text("step 1 seconds")
    expect(error).to_contain_text(f"above this technique's safe maximum for this client: at most {limit}")
    expect(seconds).to_have_attribute("aria-invalid", "true")
    check_accessibility(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "programme-limit-desktop.png"), full_page=True)
    assert not Programme.objects.exists()

    page.get_by_label("Seconds").fill(str(tech.max_seconds // 2 - tech.max_seconds // 2 % 5))
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    assert Programme.objects.get().steps[0]["holds"] == 2
