"""The therapist's dashboard and a client's page in Chromium, at 390 px and 1280 px, with a
year of history for several clients: nothing wider than the screen, no serious axe-core
finding, flags named in words, and a flag acknowledged with the keyboard alone."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import flags, outcomes
from backease.clinic.models import CareLink, Programme
from backease.store import services
from backease.store.models import PainEntry, Person, Session, StepLog
from tests.browser.conftest import check_accessibility, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = [
    ("Alex Morgan", "full", "red_flag", "Safety check result: urgent (fever)"),
    ("Bea Lindqvist", "full", "sharp_pain", "Stopped a session for sharp pain during tennis ball on wall"),
    ("Chidi Okafor", "full", "pain_high", "Pain 8 of 10 in the diary"),
    (
        "Dana Kowalska-Whitfield",
        "adherence",
        "low_adherence",
        "Week of 23 Nov: 0 sessions of 1.29 expected so far (0 %)",
    ),
    ("Eli Ross", "full", None, ""),
    ("Farah Haddad", "full", None, ""),
]


def _year_of_history(person: Person, rng: random.Random, missing_recent: bool) -> None:
    now = timezone.now()
    sessions, entries = [], []
    for day in range(365, 0 if not missing_recent else 16, -1):
        at = now - timedelta(days=day, hours=rng.random() * 4)
        if rng.random() < 0.45:
            sessions.append(
                Session(
                    person=person,
                    started_at=at,
                    status="completed",
                    pain_before=rng.randint(3, 7),
                    pain_after=rng.randint(1, 5),
                )
            )
        if rng.random() < 0.3:
            entries.append(PainEntry(person=person, at=at + timedelta(hours=2), pain=rng.randint(2, 7)))
    Session.objects.bulk_create(sessions)
    PainEntry.objects.bulk_create(entries)
    StepLog.objects.bulk_create(
        StepLog(
            session_id=pk,
            index=0,
            technique="seated_belly_breathing",
            side="none",
            seconds_planned=600,
            seconds_done=600,
            intensity="gentle",
        )
        for pk in Session.objects.filter(person=person).values_list("pk", flat=True)
    )
    services.rebuild_aggregates(person)  # the facts and totals, from the steps


@pytest.fixture
def world(settings: Any) -> Iterator[dict[str, Any]]:
    settings.MODE = "server"
    rng = random.Random(3)
    therapist = User.objects.create_user("sam@example.org", None, role="therapist", display_name="Sam Rivera")
    people = {}
    for i, (name, share, kind, detail) in enumerate(CLIENTS):
        person = person_for(User.objects.create_user(f"c{i}@example.org", None, display_name=name))
        link = CareLink.objects.create(therapist=therapist, client=person, share=share)
        CareLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(days=400))
        Programme.objects.create(
            therapist=therapist,
            client=person,
            title="Upper back at home",
            days_per_week=3,
            starts_on=date.today() - timedelta(days=300),
        )
        _year_of_history(person, rng, missing_recent=(i == 3))
        if kind:
            flags.raise_flag(person, kind, f"seed:{kind}", detail)
        people[name] = person
    alex = people["Alex Morgan"]
    outcomes.record(
        alex,
        7,
        [2, 3, 4],
        ["Carrying shopping", "Sitting through a film", "Reversing the car"],
        timezone.now() - timedelta(days=42),
    )
    outcomes.record(alex, 4, [5, 6, 5], at=timezone.now() - timedelta(days=1))
    yield {"therapist": therapist, "people": people}


def _sign_in(page: Any, user: User, live_server: Any) -> None:
    browser = Client()
    browser.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def _fits(page: Any) -> None:
    # Wide tables scroll inside their own box (.table-wrap); nothing else may be wider.
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')].filter(e => !e.closest('.table-wrap')"
        " && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert wide == [], f"wider than the screen: {wide}"


@pytest.mark.parametrize("size", ["phone", "page"])
def test_the_dashboard_and_client_page_fit_and_read_well(
    size: str, request: pytest.FixtureRequest, world: dict[str, Any], live_server: Any
) -> None:
    page = request.getfixturevalue(size)
    _sign_in(page, world["therapist"], live_server)
    page.goto(f"{live_server.url}/clinic/")
    names = page.locator("#clients h2").all_inner_texts()
    assert names[:4] == ["Alex Morgan", "Bea Lindqvist", "Chidi Okafor", "Dana Kowalska-Whitfield"]
    assert page.locator(".flag-kind").first.inner_text() == "Red flag in the safety check"
    assert page.locator("svg.spark").count() == 5  # no pain trend for the adherence-only client
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"clinic-dashboard-{'phone' if size == 'phone' else 'desktop'}")

    page.goto(f"{live_server.url}/clinic/clients/{world['people']['Alex Morgan'].pk}/")
    assert page.locator("#outcomes-table").is_visible()
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"clinic-client-{'phone' if size == 'phone' else 'desktop'}")


def test_a_flag_is_acknowledged_with_the_keyboard(
    phone: Any, world: dict[str, Any], live_server: Any
) -> None:
    _sign_in(phone, world["therapist"], live_server)
    phone.goto(f"{live_server.url}/clinic/")
    button = phone.get_by_role(
        "button", name=re.compile(r"^Acknowledge ?: Red flag in the safety check, Alex Morgan$")
    )
    button.focus()
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert "Red flag in the safety check" in phone.locator("#seen").inner_text()
    assert phone.locator("#clients h2").first.inner_text() == "Bea Lindqvist"


def test_a_client_records_a_baseline_check_in_on_a_phone(
    phone: Any, world: dict[str, Any], live_server: Any
) -> None:
    eli = world["people"]["Eli Ross"]
    _sign_in(phone, eli.user, live_server)
    phone.goto(f"{live_server.url}/me/notices/")
    assert "starting point" in phone.locator("#unread").inner_text()
    _fits(phone)
    check_accessibility(phone)
    phone.locator("#unread a").first.click()
    assert phone.locator("#outcomes-due").is_visible()
    _fits(phone)
    check_accessibility(phone)
    screenshot(phone, "clinic-outcomes-phone")
    phone.locator("label[for=pain-6]").click()
    for index, name in enumerate(["Carrying shopping", "Sitting through a film", "Reversing the car"]):
        phone.fill(f"#activity-{index}", name)
        phone.locator(f"label[for=score-{index}-{index + 3}]").click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save check-in").click()
    assert "Carrying shopping 3" in phone.locator("#outcomes-history").inner_text()
    assert phone.locator("#outcomes-due").count() == 0


@pytest.mark.parametrize("size", ["phone", "page"])
def test_a_practice_of_thirty_comes_in_pages_with_every_flag_a_click_away(
    size: str, request: pytest.FixtureRequest, world: dict[str, Any], live_server: Any
) -> None:
    page = request.getfixturevalue(size)
    therapist = world["therapist"]
    for i in range(24):
        person = person_for(
            User.objects.create_user(f"more{i}@example.org", None, display_name=f"Client {i:02}")
        )
        CareLink.objects.create(therapist=therapist, client=person, share="full")
    bea = world["people"]["Bea Lindqvist"]
    for day in range(5):
        flags.raise_flag(bea, "pain_high", f"pain_high:more:{day}", "Pain 8 of 10 in the diary")
    _sign_in(page, therapist, live_server)
    page.goto(f"{live_server.url}/clinic/")
    assert "30 clients share with you" in page.locator("#dashboard-summary").inner_text()
    assert "Clients 1–25 of 30 (page 1 of 2)" in page.locator("nav.pages").first.inner_text()
    more = page.get_by_role("link", name="3 more open flags on Bea Lindqvist's page")
    assert more.is_visible()
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"clinic-dashboard-pages-{'phone' if size == 'phone' else 'desktop'}")
    more.click()
    assert page.locator("#flags .flag").count() == 6  # her sharp pain and five pain flags
    page.goto(f"{live_server.url}/clinic/")
    page.get_by_role("link", name="Next page").first.click()
    assert len(page.locator("#clients h2").all_inner_texts()) == 5
    _fits(page)
