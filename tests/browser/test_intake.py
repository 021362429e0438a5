"""The pre-visit intake in a real browser: a therapist at a desk (1280x800) sends it, the
client fills it in on a phone (390x844), and the therapist opens the visit page and reads, per
kind of massage, go / modify / not today with the reasons (docs/clinic.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.clinic.models import CareLink, Intake
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


def test_a_client_fills_the_intake_on_a_phone_and_the_therapist_sees_each_kind_of_massage(
    server: str,  # noqa: F811
    open_page: Callable[..., Any],  # noqa: F811
) -> None:
    base = server
    therapist = make_user("sam@clinic.test", "therapist", "Sam Rivera")
    client = make_user("alex@home.test", "client", "Alex")
    person = person_for(client)
    person.name = "Alex"
    person.save(update_fields=["name"])
    CareLink.objects.create(therapist=therapist, client=person, share=CareLink.Share.FULL)

    # The therapist sends the intake from the visit page.
    desk = open_page(DESK)
    signed_in_elsewhere(desk, base, therapist)
    desk.goto(f"{base}/clinic/clients/{person.pk}/")
    desk.get_by_test_id("open-visit").click()
    desk.wait_for_url(f"**/clinic/clients/{person.pk}/visit/")
    desk.get_by_test_id("send-intake").click()
    expect(desk.get_by_test_id("intake-waiting")).to_contain_text("An intake is waiting")
    intake = Intake.objects.get(client=person)

    # The client opens it from their notices, on a phone.
    phone = open_page(PHONE)
    signed_in_elsewhere(phone, base, client)
    phone.goto(f"{base}/me/notices/")
    phone.get_by_role("link", name="fill in a short form before your visit").first.click()
    phone.wait_for_url(f"**/me/intakes/{intake.pk}/")
    expect(phone.get_by_role("heading", name="Before your visit")).to_be_visible()
    phone.locator("#q-pregnancy_weeks").fill("24")
    phone.get_by_label("Left arm").last.check()  # areas to leave alone (the last places list)
    phone.get_by_label("Moderate").check()
    phone.get_by_label("Which medicines do you take now?").fill("Iron tablets")
    phone.get_by_label("What would you like from this visit?").fill(
        "Ease the ache between my shoulder blades"
    )
    # Without consent the form says so, and nothing is stored.
    phone.get_by_test_id("send-intake").click()
    expect(phone.get_by_test_id("error")).to_contain_text("consent")
    intake.refresh_from_db()
    assert intake.submitted_at is None
    expect(phone.locator("#q-pregnancy_weeks")).to_have_value("24")  # the answers are kept
    check_accessibility(phone)
    phone.locator(".intake-facts").scroll_into_view_if_needed()
    phone.get_by_label("I agree to the treatment").check()
    # A clot's follow-ups open only once a clot is ticked.
    expect(phone.locator("#q-dvt_places")).to_be_hidden()
    phone.get_by_label("Have you had a blood clot in a vein").check()
    expect(phone.locator("#q-dvt_places")).to_be_visible()
    phone.get_by_label("Have you had a blood clot in a vein").uncheck()
    expect(phone.locator("#q-dvt_places")).to_be_hidden()
    phone.locator("#q-pressure_preference").evaluate("el => el.scrollIntoView({block: 'start'})")
    screenshot(phone, "clinic-intake-phone", full_page=False)
    phone.get_by_test_id("send-intake").click()
    expect(phone.get_by_test_id("intake-sent")).to_contain_text("Sent to Sam Rivera")
    expect(phone.get_by_test_id("result")).to_be_visible()  # their own safety advice
    assert (phone.evaluate("document.documentElement.scrollWidth")) <= 390

    # The therapist opens the visit page: each kind of massage, decided, with reasons.
    desk.goto(f"{base}/clinic/clients/{person.pk}/visit/")
    expect(desk.get_by_test_id("visit-note")).to_contain_text("week 24, second trimester")
    swedish = desk.get_by_test_id("type-swedish")
    expect(swedish).to_have_attribute("data-decision", "modify")
    expect(swedish).to_contain_text("side-lying")
    expect(swedish).to_contain_text("Source: NHS")
    thai = desk.get_by_test_id("type-thai")
    expect(thai).to_have_attribute("data-decision", "not_today")
    expect(thai).to_contain_text("not today")
    deep = desk.get_by_test_id("type-deep_tissue")
    expect(deep).to_contain_text("no firmer than moderate")
    expect(deep).to_contain_text("The client prefers moderate pressure")
    for kind in ("trigger_point_therapy", "sports", "myofascial_release"):
        expect(desk.get_by_test_id(f"type-{kind}")).to_be_visible()
    expect(desk.get_by_test_id("answer-medicines")).to_contain_text("Iron tablets")
    check_accessibility(desk)
    screenshot(desk, "clinic-visit-desktop")

    # Before the next visit: "Anything changed since last time?" with the last answers.
    desk.get_by_test_id("send-intake").click()
    expect(desk.get_by_test_id("intake-waiting")).to_be_visible()
    second = Intake.objects.filter(client=person, submitted_at__isnull=True).get()
    phone.goto(f"{base}/me/intakes/{second.pk}/")
    previous = phone.get_by_test_id("previous")
    expect(previous).to_contain_text("Anything changed since last time?")
    expect(previous).to_contain_text("Iron tablets")
    expect(phone.get_by_label("Moderate")).to_be_checked()
    expect(phone.locator("#q-pregnancy_weeks")).to_have_value("24")
    check_accessibility(phone)
    previous.evaluate("el => el.scrollIntoView({block: 'start'})")
    screenshot(phone, "clinic-intake-changed-phone", full_page=False)
    phone.get_by_label("Nothing has changed since then").check()
    phone.get_by_label("I agree to the treatment").check()
    phone.get_by_test_id("send-intake").click()
    expect(phone.get_by_test_id("intake-sent")).to_be_visible()
    second.refresh_from_db()
    assert second.unchanged and second.medicines == "Iron tablets"
