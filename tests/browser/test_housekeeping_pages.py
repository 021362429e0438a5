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
    phone.wait_for_url("**/session/*/")  # a first plan opens its player
    assert Plan.objects.get().profile["areas"][0]["pain"] == 4


# Each region's targets on the page: its shape and, for a narrow strip, its invisible hit
# area (on the anatomy page, the shapes inside its link). Per region: the box around them,
# and which region the point at its centre belongs to, with that centre scrolled to the
# middle of the screen. Then every point of each view (every 2 units of the figure) is
# tested against every target's fill: no point may belong to two regions.
TARGETS = """
(selector) => {
  const regionOf = (el) => {
    const link = el.closest("a.region-link");
    return el.dataset.region || el.dataset.hit || (link ? link.getAttribute("href") : null);
  };
  const targets = [...document.querySelectorAll(selector)].filter((el) => regionOf(el));
  const box = (id) => {
    const rs = targets.filter((el) => regionOf(el) === id).map((el) => el.getBoundingClientRect());
    return { left: Math.min(...rs.map((r) => r.left)), top: Math.min(...rs.map((r) => r.top)),
             right: Math.max(...rs.map((r) => r.right)), bottom: Math.max(...rs.map((r) => r.bottom)) };
  };
  const found = [];
  for (const id of new Set(targets.map(regionOf))) {
    let b = box(id);
    window.scrollBy(0, (b.top + b.bottom) / 2 - innerHeight / 2);
    b = box(id);
    const at = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
    const owner = at && at.closest("[data-region], [data-hit], a.region-link");
    found.push({ id, width: b.right - b.left, height: b.bottom - b.top, at: owner ? regionOf(owner) : null });
  }
  const shared = new Set();
  for (const svg of document.querySelectorAll("svg.bodymap-svg")) {
    const mine = targets.filter((el) => svg.contains(el));
    const view = svg.viewBox.baseVal;
    for (let x = view.x; x <= view.x + view.width; x += 2) {
      for (let y = view.y; y <= view.y + view.height; y += 2) {
        const point = new DOMPoint(x, y);
        const owners = new Set(mine.filter((el) => el.isPointInFill(point)).map(regionOf));
        if (owners.size > 1) shared.add([...owners].sort().join(" and "));
      }
    }
  }
  return { found, shared: [...shared] };
}
"""


@pytest.mark.parametrize(
    ("path", "selector"),
    [("/setup/", "[data-region], [data-hit]"), ("/anatomy/", "a.region-link path")],
    ids=["setup", "anatomy"],
)
def test_every_body_map_area_is_a_44_px_target_on_a_phone_and_no_two_overlap(
    phone: Any, live_server: Any, path: str, selector: str
) -> None:
    services.record_screening(services.local_owner(), {})
    phone.goto(f"{live_server.url}{path}")
    result = phone.evaluate(TARGETS, selector)
    assert len(result["found"]) == 15, result["found"]
    for target in result["found"]:
        assert target["width"] >= 44 and target["height"] >= 44, target
        assert target["at"] == target["id"], target
    assert result["shared"] == [], "targets overlap"


def test_a_tap_beside_a_narrow_strip_but_within_its_target_ticks_that_strip(
    phone: Any, live_server: Any
) -> None:
    services.record_screening(services.local_owner(), {})
    phone.goto(f"{live_server.url}/setup/")
    phone.evaluate(
        "document.querySelector('[data-region=\"thoracic_spine_left\"]').scrollIntoView({block: 'center'})"
    )
    shape, hit = phone.evaluate(
        "() => ['data-region', 'data-hit'].map(a => document"
        '.querySelector(`[${a}="thoracic_spine_left"]`).getBoundingClientRect().toJSON())'
    )
    assert hit["width"] >= 44 > shape["width"] + 8, "the strip is drawn narrower than its target"
    # Between the strip and the spine line: outside the drawn strip, inside its target.
    phone.mouse.click((shape["right"] + hit["right"]) / 2, (shape["top"] + shape["bottom"]) / 2)
    assert phone.is_checked("#region-thoracic_spine_left")
    assert not phone.is_checked("#region-thoracic_spine_right")
    assert "is-on" in phone.locator('[data-region="thoracic_spine_left"]').get_attribute("class").split()


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
