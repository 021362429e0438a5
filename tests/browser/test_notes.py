"""A treatment note in a real browser: the therapist at a desk (1280x800) writes a note with
the keyboard's labels, is told what is missing, signs it and amends it; the note page shows
the original and the amendment, and reads at 390 px without sideways scrolling
(docs/clinic.md, "Treatment notes")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.clinic.models import CareLink, TreatmentNote
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.test_clinic_journeys import (  # noqa: F401
    DESK,
    PHONE,
    make_user,
    open_page,
    server,
    signed_in_elsewhere,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_therapist_writes_signs_and_amends_a_note(
    server: str,  # noqa: F811
    open_page: Callable[..., Any],  # noqa: F811
) -> None:
    base = server
    therapist = make_user("sam@clinic.test", "therapist", "Sam Rivera")
    person = person_for(make_user("alex@home.test", "client", "Alex"))
    CareLink.objects.create(therapist=therapist, client=person, share=CareLink.Share.FULL)

    desk = open_page(DESK)
    signed_in_elsewhere(desk, base, therapist)
    desk.goto(f"{base}/clinic/clients/{person.pk}/")
    desk.get_by_test_id("treatment-notes").click()
    desk.get_by_test_id("new-note").click()
    desk.get_by_label("S: what the client reports").fill("Ache between the shoulder blades after desk days")
    desk.get_by_label("O: what you found").fill("Taut band, tender on the left")
    desk.locator("#found-between_shoulder_blades_left").check()
    desk.get_by_label("A: massage type").select_option("trigger_point_therapy")
    desk.locator("#treated-between_shoulder_blades_left").check()
    desk.locator("#treated-upper_trapezius_left").check()
    desk.get_by_test_id("save-note").click()  # no pressure chosen
    expect(desk.get_by_test_id("error")).to_contain_text("A: pressure: choose one")
    assert not TreatmentNote.objects.exists()
    expect(desk.locator("#treated-upper_trapezius_left")).to_be_checked()  # kept
    check_accessibility(desk)
    desk.get_by_label("Moderate").check()
    desk.get_by_label("P: the plan").fill("Ball on the wall at home, again in two weeks")
    desk.get_by_test_id("save-note").click()
    expect(desk.get_by_test_id("note-status")).to_contain_text("Draft")
    desk.get_by_test_id("sign-note").click()
    expect(desk.get_by_test_id("note-status")).to_contain_text("Signed by Sam Rivera")
    desk.get_by_test_id("amend-note").click()
    desk.get_by_label("Gentle").check()
    desk.get_by_label("Why it is amended").fill("Pressure was gentle: Alex asked for lighter")
    desk.get_by_test_id("save-note").click()
    history = desk.get_by_test_id("note-history")
    expect(history.get_by_test_id("amendment")).to_contain_text("Amendment 1: Sam Rivera")
    expect(history.get_by_test_id("amendment")).to_contain_text("Moderate")
    history.get_by_text("The signed original").click()
    expect(history.get_by_test_id("note-original")).to_contain_text("Moderate")
    check_accessibility(desk)
    screenshot(desk, "clinic-note-desk")

    phone = open_page(PHONE)
    signed_in_elsewhere(phone, base, therapist)
    phone.goto(desk.url)
    expect(phone.get_by_test_id("note-now")).to_contain_text("Gentle")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "clinic-note-phone")
    phone.goto(f"{base}/clinic/clients/{person.pk}/notes/new/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "clinic-note-form-phone")
