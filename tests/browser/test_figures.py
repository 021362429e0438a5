"""Technique illustrations in a real browser: the technique page, the player, reduced motion."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, check_accessibility, close_context, new_context
from tests.browser.test_journeys import answer_no_to_every_sign, make_plan

pytestmark = pytest.mark.django_db(transaction=True)

README_FIGURES = [
    "foam_roller_across_upper_back",
    "ball_on_wall_between_shoulder_blades",
    "upper_trapezius_stretch",
]


def _save(locator: Any, name: str) -> None:
    """Save one element as docs/screenshots/<name>.png when BACKEASE_SCREENSHOTS=1."""
    if os.environ.get("BACKEASE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("technique", README_FIGURES)
def test_a_technique_page_shows_its_figure_across_a_phone_screen(
    phone: Any, live_server: Any, technique: str
) -> None:
    phone.goto(f"{live_server.url}/library/{technique}/")
    figure = phone.get_by_test_id("figure")
    expect(figure).to_be_visible()
    svg = figure.locator("svg[role=img]")
    box = svg.bounding_box()
    assert box is not None and box["width"] >= 340, box  # nearly the whole 390 px width
    assert svg.get_attribute("aria-labelledby")
    assert svg.locator("title").text_content().startswith("How to do it: ")
    check_accessibility(phone)
    _save(figure, f"figure-{technique}")


def test_a_figure_moves_and_shows_its_key_poses_side_by_side_when_motion_is_not_welcome(
    browser: Any, live_server: Any
) -> None:
    for motion, live, keys in (("no-preference", "inline", "none"), ("reduce", "none", "inline")):
        context = new_context(browser, viewport={"width": 1280, "height": 900}, reduced_motion=motion)
        page = context.new_page()
        page.goto(f"{live_server.url}/library/cat_cow/")
        svg = page.locator("[data-testid=figure] svg").first
        shown = svg.evaluate(
            "el => [getComputedStyle(el.querySelector('.live')).display,"
            " getComputedStyle(el.querySelector('.keys')).display]"
        )
        if motion == "no-preference":
            # The body's outline is somewhere else a second into the loop: it moves.
            moved = svg.evaluate(
                """el => { const p = el.querySelector('.live use[href]');
                el.pauseAnimations(); el.setCurrentTime(0); const a = p.getBBox();
                el.setCurrentTime(1.5); const b = p.getBBox(); return [a.x, a.y, a.width, a.height].join()
                !== [b.x, b.y, b.width, b.height].join(); }"""
            )
            assert moved
        close_context(context)
        assert shown == [live, keys], motion


def test_the_library_shows_a_small_moving_preview_of_each_technique(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/library/?kind=stretch")
    previews = page.locator("img.card-figure")
    assert previews.count() > 5
    first = previews.first
    first.scroll_into_view_if_needed()
    expect(first).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
    assert first.get_attribute("alt") == ""


def test_the_player_shows_the_figure_of_the_current_step(page: Any, live_server: Any) -> None:
    answer_no_to_every_sign(page, live_server.url)
    make_plan(page, minutes=5)
    page.get_by_test_id("start").click()
    page.wait_for_selector('#player[data-ready="true"]')
    page.get_by_test_id("begin").click()
    data = page.evaluate("JSON.parse(document.getElementById('session-data').textContent)")
    steps = data["steps"]
    assert len(steps) >= 2
    for index in (0, 1):
        visible = page.locator("[data-step-figure]:not([hidden]) svg[role=img]")
        expect(visible).to_have_count(1)
        assert visible.get_attribute("data-figure") == steps[index]["technique"]
        if index == 0:
            page.get_by_test_id("skip").click()


def test_the_plan_cards_show_a_figure_for_every_step(page: Any, live_server: Any) -> None:
    answer_no_to_every_sign(page, live_server.url)
    make_plan(page, minutes=10)
    cards = page.get_by_test_id("step")
    count = cards.count()
    assert count > 0
    # Each card links its figure's file (loaded as it comes into view), with the text
    # alternative as its alt text.
    images = page.locator("[data-testid=step] [data-testid=figure] img")
    expect(images).to_have_count(count)
    first = images.first
    first.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
    assert len(first.get_attribute("alt") or "") > 40
    # Printed, the plan keeps its pictures and drops the buttons.
    page.emulate_media(media="print")
    expect(page.locator("[data-testid=step] [data-testid=figure]").first).to_be_visible()
    expect(page.get_by_role("button", name="Start session")).to_be_hidden()
