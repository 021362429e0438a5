"""Housekeeping in a real browser: the body map asks for a pain score, its targets on a
phone, and "delete everything" clearing what the browser keeps."""

from __future__ import annotations

from typing import Any

import pytest

from backease.store import services
from backease.store.models import Person, Plan

pytestmark = pytest.mark.django_db(transaction=True)


def test_tapping_an_area_on_the_body_map_asks_for_a_pain_score_and_invents_none(
    phone: Any, live_server: Any
) -> None:
    services.record_screening(services.local_owner(), {})
    phone.goto(f"{live_server.url}/setup/")
    phone.locator('[data-region="shoulder_blade_left"]').first.click()
    assert phone.is_checked("#region-shoulder_blade_left")
    ask = phone.get_by_test_id("bodymap-ask")
    assert "How much does it hurt?" in ask.inner_text()
    assert phone.locator('input[name="pain_shoulder_blade_left"]:checked').count() == 0
    assert phone.locator("#pain-shoulder_blade_left").is_visible(), "the 0-10 question shows"
    phone.get_by_role("button", name="Make my plan").click()
    assert "choose a number from 0 to 10" in phone.locator("main").inner_text()
    assert not Plan.objects.exists()
    phone.locator("#pain-shoulder_blade_left-4").check()
    phone.get_by_role("button", name="Make my plan").click()
    phone.wait_for_url("**/today/")
    assert Plan.objects.get().profile["areas"][0]["pain"] == 4


def test_body_map_areas_are_big_finger_targets_on_a_phone(phone: Any, live_server: Any) -> None:
    services.record_screening(services.local_owner(), {})
    phone.goto(f"{live_server.url}/setup/")
    sizes = phone.evaluate(
        "() => [...document.querySelectorAll('[data-region]')].map(e => {"
        " const r = e.getBoundingClientRect(); return [e.dataset.region, r.width, r.height]; })"
    )
    assert sizes
    # Every area is at least 44 px along its length; the narrow strips beside the spine
    # are at least 24 px across (WCAG 2.5.8), the others at least 44 px.
    for region, width, height in sizes:
        assert max(width, height) >= 44, (region, width, height)
        assert min(width, height) >= 24, (region, width, height)
        if "spine" not in region and "between_shoulder_blades" not in region:
            assert min(width, height) >= 44, (region, width, height)


def test_delete_everything_also_clears_what_this_browser_keeps(page: Any, live_server: Any) -> None:
    person = services.local_owner()
    services.record_screening(person, {})
    page.goto(f"{live_server.url}/history/")
    page.evaluate("localStorage.setItem('backease.rate', '1.2'); localStorage.setItem('other.app', 'x')")
    page.get_by_test_id("delete-everything").click()
    assert "Delete everything?" in page.locator("h1").inner_text()
    assert Person.objects.filter(id=person.id).exists(), "nothing goes before the confirmation"
    page.get_by_test_id("confirm-delete").click()
    page.wait_for_selector('#browser-forget[data-done="true"]')
    assert "Cleared from this browser" in page.get_by_test_id("browser-forget").inner_text()
    assert page.evaluate("localStorage.getItem('backease.rate')") is None
    assert page.evaluate("localStorage.getItem('other.app')") == "x"
    assert not Person.objects.filter(id=person.id).exists()
