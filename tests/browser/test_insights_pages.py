"""The insights page, the export page and the printable report in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backease.store import services
from backease.store.models import Person, Plan, Session
from tests.browser.conftest import check_accessibility, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball"],
    "minutes": 10,
}


def add_session(
    person: Person, plan: Plan, days_ago: float, before: int, after: int, **extra: Any
) -> Session:
    session = services.start_session(person, plan, now=timezone.now() - timedelta(days=days_ago))
    for log in session.steps.all():
        services.log_step(session, log.index, seconds_done=log.seconds_planned)
    if extra.get("sharp"):
        services.log_step(session, 0, feedback="sharp_pain")
        session.refresh_from_db()
        return services.update_session(session, pain_before=before, pain_after=after)
    return services.finish_session(
        session,
        "completed",
        pain_before=before,
        pain_after=after,
        stress_before=extra.get("stress"),
        notes=extra.get("notes", ""),
    )


@pytest.fixture
def history() -> Person:
    """Five weeks of sessions with falling pain, stress ratings, diary entries, a safety check
    with precautions, and one technique turned off after sharp pain."""
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {"osteoporosis": True})
    plans = [services.make_plan(person, seed=seed) for seed in (1, 2)]
    for i in range(14):
        before = 7 - i // 3
        add_session(
            person,
            plans[i % 2],
            35 - 2.5 * i,
            before,
            max(before - 1 - i % 3, 0),
            stress=6 - i // 4,
            notes="Felt looser afterwards." if i % 4 == 0 else "",
        )
    add_session(person, plans[0], 0.5, 4, 5, sharp=True)
    for i in range(8):
        services.add_pain_entry(
            person,
            pain=6 - i // 2,
            region="upper_trapezius_left" if i % 2 else "",
            stress=5 - i // 3,
            note="Long day at the desk." if i == 0 else "",
            at=timezone.now() - timedelta(days=4 * i + 1),
        )
    return person


def test_the_insights_page_passes_axe_on_a_phone_and_a_desktop(
    page: Any, phone: Any, live_server: Any, history: Person
) -> None:
    for browser_page in (phone, page):
        browser_page.goto(f"{live_server.url}/insights/")
        expect(browser_page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
        for chart in ("weeks-chart", "pain-chart", "stress-chart", "effects-chart"):
            expect(browser_page.locator(f"#{chart} svg[role=img]")).to_be_visible()
        check_accessibility(browser_page)
        # The tables behind the charts, opened, are accessible too.
        for summary in browser_page.locator("details.ins-numbers > summary").all():
            summary.click()
        expect(browser_page.locator("#pain-chart-table")).to_be_visible()
        check_accessibility(browser_page)
        width = browser_page.evaluate("document.documentElement.scrollWidth")
        assert width <= browser_page.viewport_size["width"], "the page scrolls sideways"
    page.goto(f"{live_server.url}/insights/")
    screenshot(page, "insights")


def test_a_technique_turned_off_by_sharp_pain_is_turned_back_on_with_the_keyboard(
    page: Any, live_server: Any, history: Person
) -> None:
    assert len(services.disabled_techniques(history)) == 1
    page.goto(f"{live_server.url}/insights/#turned-off")
    button = page.get_by_role("button", name=re.compile(r"^Turn back on"))
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/insights/#turned-off$"))
    expect(page.locator("#turned-off-empty")).to_be_visible()
    assert services.disabled_techniques(history) == frozenset()


def test_the_report_passes_axe_and_prints_on_one_page_without_the_nav(
    page: Any, phone: Any, live_server: Any, history: Person
) -> None:
    phone.goto(f"{live_server.url}/report/")
    check_accessibility(phone)
    page.goto(f"{live_server.url}/report/")
    expect(page.get_by_role("heading", name="Upper back self-care report")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # print.js shows it
    expect(page.get_by_role("navigation", name="Report")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "report")

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Report")).to_be_hidden()
    expect(page.locator(".report-toolbar")).to_be_hidden()
    expect(page.locator("#pain-chart svg")).to_be_visible()
    expect(page.locator("#pain-chart-numbers")).to_be_hidden()
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the report takes {pages} {paper} pages"


def test_the_insights_page_prints_without_the_site_nav(page: Any, live_server: Any, history: Person) -> None:
    page.goto(f"{live_server.url}/insights/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()


def test_the_export_page_passes_axe_and_refuses_a_bad_schedule(
    page: Any, phone: Any, live_server: Any, history: Person
) -> None:
    phone.goto(f"{live_server.url}/export/")
    check_accessibility(phone)
    page.goto(f"{live_server.url}/export/")
    check_accessibility(page)
    # The schedule is on the settings page (issue 18: it was buried under Export).
    page.get_by_role("link", name="Change them in settings").click()
    expect(page).to_have_url(re.compile(r"/settings/#schedule$"))
    for day in page.locator("#schedule-form input[name=days]").all():
        day.uncheck()
    page.get_by_role("button", name="Save days and time").click()
    expect(page.locator("#schedule-error")).to_contain_text("Days:")
    check_accessibility(page)
    assert services.schedule(history) == (("mon", "wed", "fri"), "18:00")
    page.get_by_label("Tuesday", exact=True).check()
    page.get_by_label("Time", exact=True).fill("07:15")
    page.get_by_role("button", name="Save days and time").click()
    expect(page.locator("#schedule-saved")).to_be_visible()
    assert services.schedule(history) == (("tue",), "07:15")
