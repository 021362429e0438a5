"""Clinic mode in a real browser, through the server's own pages: a therapist at a desk
(1280x800) and a client on a phone (390x844, touch), each in their own browser context.

The live server runs in this process, so `settings.MODE = "server"` (pytest-django's
`settings` fixture) reaches it, and email goes to Django's locmem outbox, where the test
reads the invitation and verification links as a person reads their inbox. The player is
played with the page clock, so nothing waits on the wall clock.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import flags, invites, outcomes, programmes
from backease.clinic.models import CareLink, Flag, FlagAck, Outcome, Programme
from backease.content.loader import load_content
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Session, StepLog
from tests.browser.conftest import check_accessibility, close_context, new_context, screenshot
from tests.browser.session_play import CLOCK_START

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough password 42"
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "causes": ["posture"],
    "tools": ["hands", "wall", "tennis_ball"],
    "minutes": 10,
    "stress": 5,
}
PSFS = [("Reaching up to a shelf", 4), ("Sitting at a desk for an hour", 5), ("Carrying shopping", 3)]
PSFS_MEAN = re.compile(r"^\s*4(\.0)?\s*$")  # the mean of 4, 5 and 3


TEMPLATE = {
    "title": "Upper back, twice a week",
    "note": "Gently: you should feel a stretch, never pain. Stop if anything feels sharp.",
    "days_per_week": 2,
    "steps": [
        {"technique": "seated_thoracic_rotation", "seconds": 30, "sides": "both", "intensity": "gentle",
         "note": "Turn from your ribs, not your neck."},
        {"technique": "ball_on_wall_infraspinatus_hold", "seconds": 30, "holds": 2, "sides": "both",
         "intensity": "gentle"},
        {"technique": "doorway_chest_opener", "seconds": 45, "sides": "both", "intensity": "gentle"},
        {"technique": "seated_belly_breathing", "seconds": 90, "sides": "none", "intensity": "gentle"},
    ],
}  # fmt: skip


def template_given_to(therapist: User, *clients: Person) -> Programme:
    """The therapist's template TEMPLATE (made through the services: the therapist's journey
    makes one on the pages), given to `clients`."""
    template = programmes.save_template(therapist, programmes.clean(TEMPLATE, load_content().library))
    [given] = programmes.assign(therapist, template, list(clients))
    return given


# --- the server, people and browsers -----------------------------------------------------------


@pytest.fixture
def server(settings: Any, live_server: Any) -> str:
    """The live server in server mode, with the cookie rules and email of server mode."""
    settings.MODE = "server"
    settings.SESSION_COOKIE_SAMESITE = "Lax"
    settings.CSRF_COOKIE_SAMESITE = "Lax"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    cache.clear()  # allauth's rate limits count in the cache
    return str(live_server.url)


def make_user(email: str, role: str = "client", name: str = "") -> User:
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email, PASSWORD, role=role, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Opens a page in a browser context of its own (its own cookies: its own person);
    every context is closed at the end, and none may have fetched anything from elsewhere."""
    contexts: list[Any] = []
    outside: list[str] = []

    def watch(request: Any) -> None:
        host = request.url.split("/")[2] if "://" in request.url else ""
        if request.url.startswith(("http://", "https://")) and not host.startswith(
            ("localhost", "127.0.0.1")
        ):
            outside.append(request.url)

    def make(options: dict[str, Any]) -> Any:
        context = new_context(browser, reduced_motion="reduce", locale="en-GB", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("request", watch)
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        close_context(context)
    assert not outside, f"requests left the machine: {outside}"


def sign_in(page: Any, base: str, email: str, lands_on: str) -> None:
    """Type the address and password on the real sign-in page."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").press_sequentially(email)
    page.get_by_label("Password", exact=True).press_sequentially(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{lands_on}")


def signed_in_elsewhere(page: Any, base: str, user: User) -> None:
    """Sign `page`'s context in as `user` without typing (for the other side of a journey)."""
    browser = Client()
    browser.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    page.context.add_cookies(
        [{"name": "sessionid", "value": browser.cookies["sessionid"].value, "url": base}]
    )


def link_in(message: mail.EmailMessage, path: str) -> str:
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S*", str(message.body))
    assert found, f"no {path} link in: {message.body}"
    return found.group(0)


def email_to(address: str, containing: str) -> mail.EmailMessage:
    found = [m for m in mail.outbox if address in m.to and containing in str(m.body)]
    assert found, f"no email to {address} with {containing!r}: {[(m.to, m.subject) for m in mail.outbox]}"
    return found[-1]


def client_data_arrives(person: Person, programme: Programme | None = None) -> Session:
    """What a client does at home (their own journey is the other test): 3 days ago a safety
    check and a check-in (pain now 6, the PSFS); today a session of their programme (or of
    a plan of their own) with pain 6 before and 4 after, and then a bad day (pain 8) in the
    diary, which raises two flags: pain 7 or more, and pain up by 3 or more."""
    then = timezone.now() - timedelta(days=3)
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    outcomes.record(person, 6, [score for _, score in PSFS], [name for name, _ in PSFS], at=then)
    if programme is not None:
        session = programmes.start(person, programme)
    else:
        session = services.start_session(person, services.make_plan(person, seed=1))
    services.update_session(session, pain_before=6)
    services.log_step(session, 0, seconds_done=60)
    services.close_session(session, "completed", pain_after=4)
    services.add_pain_entry(person, 8, note="A bad day at work")
    return session


# --- 1. the therapist -------------------------------------------------------------------------


def test_a_therapist_invites_a_client_follows_them_and_acknowledges_a_flag_and_an_outsider_sees_nothing(
    server: str, open_page: Callable[..., Any]
) -> None:
    base = server
    make_user("sam@clinic.test", "therapist", "Sam Rivera")
    make_user("other@clinic.test", "therapist", "Olu Other")
    desk = open_page(DESK)

    sign_in(desk, base, "sam@clinic.test", lands_on="/clinic/")
    expect(desk.locator("#dashboard-empty")).to_be_visible()
    desk.get_by_role("link", name="Invite a client").click()
    desk.wait_for_url("**/clinic/invitations/")
    desk.get_by_label("Email it to (optional)").fill("alex@home.test")
    desk.get_by_label("A note in the email (optional)").fill("Twice a week, gently.")
    desk.get_by_role("button", name="Make an invitation").click()
    expect(desk.get_by_test_id("new-invitation")).to_contain_text("It was emailed to alex@home.test")
    code = desk.get_by_test_id("code").inner_text()
    message = email_to("alex@home.test", "/invite/")
    assert "Twice a week, gently." in str(message.body) and code in str(message.body)
    assert link_in(message, "/invite/").startswith(f"{base}/invite/")

    # The client accepts on their phone (the client's journey, below), sharing everything.
    alex = make_user("alex@home.test", name="Alex Kim")
    invites.accept(code, alex, "full")
    person = person_for(alex)
    desk.reload()
    expect(desk.get_by_test_id("invitations")).to_contain_text("Alex Kim")

    # A template made on the pages, then given to Alex from the templates page.
    desk.goto(f"{base}/clinic/")
    desk.get_by_role("link", name="Programme templates").click()
    desk.get_by_role("link", name="A new template").click()
    desk.get_by_label("Title").fill("Upper back, twice a week")
    desk.get_by_label("A note for the client (optional)").fill("Gently: a stretch, never pain.")
    desk.get_by_label("Days a week").select_option("2")
    for technique in ("Seated upper back rotation", "Chest opener in a doorway", "Seated belly breathing"):
        desk.get_by_label("Add a step from the library").select_option(label=technique)
        desk.get_by_role("button", name="Add the step").click()
    expect(desk.get_by_test_id("edit-step")).to_have_count(3)
    desk.get_by_label("Note for this step (optional)").first.fill("Turn from your ribs, not your neck.")
    desk.get_by_test_id("save").click()
    expect(desk.get_by_test_id("saved")).to_be_visible()
    card = desk.get_by_test_id("template").filter(has_text="Upper back, twice a week")
    expect(card).to_contain_text("3 steps, 2 days a week")
    card.get_by_label("Alex Kim").check()
    card.get_by_test_id("assign").click()
    expect(desk.get_by_test_id("assigned")).to_contain_text("1 client got the programme")
    given = Programme.objects.get(client=person, archived_at=None)
    assert given.template is not None and given.template.is_template
    assert [step["technique"] for step in given.steps] == [
        "seated_thoracic_rotation",
        "doorway_chest_opener",
        "seated_belly_breathing",
    ]
    assert given.steps[0]["note"] == "Turn from your ribs, not your neck."

    # Alex does a session of it (the client's journey, below), checks in and has a bad day.
    session = client_data_arrives(person, given)
    desk.goto(f"{base}/clinic/")
    card = desk.locator(f'[data-client="{person.pk}"]')
    expect(card).to_contain_text("Alex Kim")
    expect(card).to_contain_text("1 session so far; nothing due yet (2 a week)")
    expect(card).to_contain_text("(today)")  # the last session
    expect(card.locator("svg.spark")).to_have_attribute("aria-label", re.compile(r"Pain 6 on .*, 7 on"))
    flag = card.locator('[data-flag="pain_high"]')
    expect(flag).to_be_visible()

    card.get_by_role("link", name="Alex Kim").click()
    desk.wait_for_url(f"**/clinic/clients/{person.pk}/")
    expect(desk.locator("#adherence-now")).to_contain_text("Upper back, twice a week: 2 a week")
    expect(desk.locator("#adherence-now")).to_contain_text(
        timezone.localtime(session.started_at).strftime("%d %b %Y").lstrip("0")
    )
    psfs = desk.get_by_role("row", name=re.compile("PSFS mean"))
    expect(psfs.get_by_role("cell").first).to_have_text(PSFS_MEAN)
    expect(desk.locator("#outcomes")).to_contain_text("Reaching up to a shelf")
    desk.locator("#flags").get_by_role("button", name=re.compile(r"^Acknowledge\W+Pain 7 or more")).click()
    # Back on the client's page: the flag is under "Seen"; the rise from 4 to 8 is still open.
    desk.wait_for_url(f"**/clinic/clients/{person.pk}/")
    expect(desk.locator("#flags > .flag-list [data-flag]")).to_have_count(1)
    expect(desk.locator("#flags > .flag-list [data-flag]")).to_have_attribute("data-flag", "pain_rise")
    expect(desk.locator("#flags details")).to_contain_text("Seen (1)")
    assert desk.url == f"{base}/clinic/clients/{person.pk}/"
    assert FlagAck.objects.filter(flag__client=person, flag__kind="pain_high").count() == 1
    desk.goto(f"{base}/clinic/")
    expect(desk.locator("#seen")).to_contain_text("Alex Kim: Pain 7 or more")
    expect(desk.locator(f'[data-client="{person.pk}"] [data-flag="pain_high"]')).to_have_count(0)

    # An unrelated therapist, in another browser, sees none of it.
    other = open_page(DESK)
    sign_in(other, base, "other@clinic.test", lands_on="/clinic/")
    expect(other.locator("#dashboard-empty")).to_be_visible()
    assert "Alex" not in other.locator("main").inner_text()
    answer = other.goto(f"{base}/clinic/clients/{person.pk}/")
    assert answer is not None and answer.status == 404
    assert "Alex" not in other.content()
    answer = other.goto(f"{base}/clinic/clients/{person.pk}/report/")
    assert answer is not None and answer.status == 404
    other.goto(f"{base}/clinic/invitations/")
    assert "alex@home.test" not in other.locator("main").inner_text()
    flag_id = Flag.objects.get(client=person, kind="pain_high").pk
    assert not FlagAck.objects.filter(flag_id=flag_id, therapist__email="other@clinic.test").exists()


# --- 2. the client, on a phone ----------------------------------------------------------------


def play_the_session(phone: Any) -> None:
    """In the player: pain before, Begin, the page clock through every step, pain after."""
    phone.wait_for_selector('#player[data-ready="true"]')
    phone.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    phone.locator('input[name="pain_before"][value="6"]').check()
    phone.get_by_test_id("begin").click()
    after = phone.locator("#after-screen")
    for _ in range(200):
        phone.clock.run_for(30_000)
        if after.is_visible():
            break
    expect(after).to_be_visible()
    phone.locator('input[name="pain_after"][value="8"]').check()
    phone.get_by_test_id("finish").click()
    phone.wait_for_url("**/done/**")


def test_a_client_on_a_phone_joins_from_the_email_does_the_session_checks_in_and_stops_sharing(
    server: str, open_page: Callable[..., Any]
) -> None:
    base = server
    sam = make_user("sam@clinic.test", "therapist", "Sam Rivera")
    invitation = invites.create_invitation(sam, "alex@home.test", "Twice a week, gently.")
    invites.email_invitation(invitation, f"{base}/invite/{invitation.code}/")
    phone = open_page(PHONE)

    # The email's link: who invites, then an account.
    phone.goto(link_in(email_to("alex@home.test", "/invite/"), "/invite/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sam Rivera invites you")
    phone.get_by_test_id("signup").tap()
    phone.wait_for_url("**/accounts/signup/**")
    phone.get_by_label("Email").fill("alex@home.test")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    phone.get_by_role("button", name="Create account").tap()
    phone.wait_for_url("**/accounts/confirm-email/")
    expect(phone.locator("main")).to_contain_text("We have sent an email to you for verification")

    # The verification link, from the second email; then sign in, and back to the invitation.
    phone.goto(link_in(email_to("alex@home.test", "/accounts/confirm-email/"), "/accounts/confirm-email/"))
    phone.get_by_role("button", name="Confirm").tap()
    phone.wait_for_url("**/accounts/login/**")
    expect(phone.locator("main")).to_contain_text("You have confirmed alex@home.test")
    alex = User.objects.get(email="alex@home.test")
    assert alex.emailaddress_set.get().verified  # type: ignore[attr-defined]
    phone.get_by_label("Email").fill("alex@home.test")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").tap()
    phone.wait_for_url(f"**/invite/{invitation.code}/")

    # Accept, choosing what to share.
    phone.get_by_label(re.compile("^Only whether I did my programme")).check()
    phone.get_by_label(re.compile("^My diary and sessions")).check()
    phone.get_by_test_id("accept").tap()
    phone.wait_for_url("**/me/sharing/?accepted=1")
    link = phone.get_by_test_id("link")
    expect(link).to_contain_text("Sam Rivera")
    expect(link).to_contain_text("Diary and sessions")
    person = person_for(alex)
    assert CareLink.objects.get(client=person, ended_at=None).share == "full"

    # Sam gives Alex a programme from a template: one notice, on the page and by email.
    given = template_given_to(sam, person)
    phone.get_by_role("link", name=re.compile("^Notices")).tap()
    phone.wait_for_url("**/me/notices/")
    expect(phone.locator("main")).to_contain_text(
        "Sam Rivera set you a home programme: Upper back, twice a week."
    )
    assert email_to("alex@home.test", "set you a home programme")

    # The safety check, then Today: "From your therapist", with the time it takes.
    phone.goto(f"{base}/check/")
    phone.get_by_role("button", name="See the result").tap()
    phone.wait_for_url("**/setup/")
    phone.get_by_role("link", name="Today", exact=True).tap()
    phone.wait_for_url("**/today/")
    section = phone.get_by_test_id("from-therapist")
    expect(section.get_by_role("heading")).to_have_text("From your therapist: Upper back, twice a week")
    total = programmes.duration_words(programmes.session_seconds(given.steps, load_content().library))
    expect(section.locator(".lead strong")).to_have_text(total)
    expect(section).to_contain_text(f"{total}, 2 days a week · from Sam Rivera")
    expect(section.get_by_test_id("programme-step")).to_have_count(4)
    expect(section.get_by_test_id("blocked")).to_have_count(0)
    expect(section).to_contain_text("Turn from your ribs, not your neck.")
    # The README's picture: the screen from the page's title down (the menu is above it).
    phone.locator("main h1").evaluate("(h1) => window.scrollTo(0, h1.getBoundingClientRect().top - 16)")
    screenshot(phone, "client-today-from-therapist", full_page=False)

    # Start it and play it in the player (on the page clock), then pain after.
    phone.clock.install(time=CLOCK_START)
    phone.get_by_test_id("start-programme").tap()
    phone.wait_for_url("**/session/*/")
    expect(phone.get_by_test_id("player-from-therapist")).to_have_text(
        "From your therapist, Sam Rivera: Upper back, twice a week"
    )
    play_the_session(phone)
    session = Session.objects.get(person=person)
    assert (session.status, session.pain_before, session.pain_after) == ("completed", 6, 8)
    assert Plan.objects.get(pk=session.plan_id).data["programme"]["id"] == given.pk
    assert Flag.objects.filter(client=person, kind="pain_high").exists()

    # The check-in: pain now and three activities.
    phone.goto(f"{base}/me/outcomes/")
    phone.locator("label[for='pain-5']").tap()
    for index, (activity, score) in enumerate(PSFS):
        phone.get_by_label("What is the activity?").nth(index).fill(activity)
        phone.locator(f"label[for='score-{index}-{score}']").tap()
    phone.get_by_role("button", name="Save check-in").tap()
    history = phone.locator("#outcomes-history")
    expect(history).to_contain_text("Reaching up to a shelf 4")
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr td").nth(1)).to_have_text(re.compile(r"^4(\.0)?\b"))
    assert Outcome.objects.filter(person=person).count() == 2

    # Sam sees it all ...
    desk = open_page(DESK)
    signed_in_elsewhere(desk, base, sam)
    desk.goto(f"{base}/clinic/")
    expect(desk.locator(f'[data-client="{person.pk}"] [data-flag="pain_high"]')).to_be_visible()
    answer = desk.goto(f"{base}/clinic/clients/{person.pk}/")
    assert answer is not None and answer.status == 200
    psfs = desk.get_by_role("row", name=re.compile("PSFS mean"))
    expect(psfs.get_by_role("cell").first).to_have_text(PSFS_MEAN)

    # ... until Alex stops sharing.
    phone.goto(f"{base}/me/sharing/")
    phone.get_by_role("link", name="Stop sharing with Sam Rivera").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Stop sharing with Sam Rivera?")
    phone.get_by_role("button", name="Stop sharing").tap()
    expect(phone.get_by_test_id("ended")).to_be_visible()
    expect(phone.get_by_test_id("no-links")).to_be_visible()

    answer = desk.goto(f"{base}/clinic/clients/{person.pk}/")
    assert answer is not None and answer.status == 404
    desk.goto(f"{base}/clinic/")
    expect(desk.locator("#dashboard-empty")).to_be_visible()
    assert "Alex" not in desk.locator("main").inner_text()


# --- 3. accessibility basics on the clinic pages, at both widths --------------------------------

# Every form field has a name from a label (or aria-label / aria-labelledby).
UNLABELLED = """
() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => {
    const fromLabels = [...(el.labels || [])].map((l) => l.textContent.trim()).join('');
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || '').join('').trim();
    return !fromLabels && !labelledBy && !(el.getAttribute('aria-label') || '').trim();
  })
  .map((el) => el.outerHTML.slice(0, 120))
"""

# Numbers every control a keyboard user should reach, in document order; a focusin listener
# notes each one focused. Radio buttons count per group (Tab stops once in a group).
MARK_CONTROLS = """
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const controls = [...document.querySelectorAll(selector)].filter((el) =>
    el.checkVisibility({visibilityProperty: true}) && !el.disabled && !el.closest('[inert]')
    && el.tabIndex >= 0 && el.getAttribute('aria-hidden') !== 'true');
  const keys = [];
  controls.forEach((el, i) => {
    el.dataset.kb = String(i);
    keys.push(el.type === 'radio' ? `radio:${el.form ? [...document.forms].indexOf(el.form) : ''}:${el.name}`
                                  : String(i));
  });
  window.__focused = [];
  document.addEventListener('focusin', (e) => {
    const kb = e.target.dataset ? e.target.dataset.kb : undefined;
    if (kb !== undefined) window.__focused.push(Number(kb));
  });
  document.activeElement && document.activeElement.blur();
  window.scrollTo(0, 0);
  return keys;
}
"""

POSITIVE_TABINDEX = (
    '() => document.querySelectorAll(\'[tabindex]:not([tabindex^="-"]):not([tabindex="0"])\').length'
)


def keyboard_and_labels(page: Any) -> list[str]:
    """What a keyboard user or a screen reader would miss on this page, in words."""
    where = f"{page.viewport_size['width']}px {page.url.split('/', 3)[-1]}"
    problems = [f"{where}: no label: {html}" for html in page.evaluate(UNLABELLED)]
    if page.evaluate(POSITIVE_TABINDEX):
        problems.append(f"{where}: a positive tabindex changes the Tab order")
    keys: list[str] = page.evaluate(MARK_CONTROLS)
    assert keys, f"{where}: no controls at all"
    # Some controls take more than one Tab (a date field: day, month, year), so press on
    # until every control was reached, or twice as many times as there are controls.
    focused: list[int] = []
    for _ in range(0, 2 * len(keys) + 10, 10):
        for _ in range(10):
            page.keyboard.press("Tab")
        focused = page.evaluate("window.__focused")
        if {keys[i] for i in focused} == set(keys):
            break
    reached = {keys[i] for i in focused}
    missed = sorted(set(keys) - reached, key=lambda k: keys.index(k))
    for key in missed:
        index = keys.index(key)
        html = page.evaluate(f"document.querySelector('[data-kb=\"{index}\"]').outerHTML.slice(0, 120)")
        problems.append(f"{where}: Tab never reaches {html}")
    first_pass = next((focused[:i] for i in range(len(focused)) if focused[i] in focused[:i]), focused)
    if first_pass != sorted(first_pass):
        problems.append(f"{where}: Tab goes out of document order: {first_pass}")
    if page.viewport_size["width"] <= 400 and not page.evaluate(
        "document.scrollingElement.scrollWidth <= window.innerWidth"
    ):
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        problems.append(f"{where}: scrolls sideways ({wide} px wide)")
    return problems


@pytest.fixture
def practice_for_pages(server: str) -> dict[str, Any]:
    """A therapist and a client who shares everything, with a session, a check-in and a flag,
    and an open invitation to another address."""
    sam = make_user("sam@clinic.test", "therapist", "Sam Rivera")
    alex = make_user("alex@home.test", name="Alex Kim")
    invitation = invites.create_invitation(sam, "alex@home.test")
    invites.accept(invitation.code, alex, "full")
    person = person_for(alex)
    given = template_given_to(sam, person)
    client_data_arrives(person, given)
    pending = invites.create_invitation(sam, "robin@home.test", "See you on Tuesday.")
    return {
        "sam": sam,
        "alex": alex,
        "person": person,
        "template": given.template,
        "pending": pending,
        "base": server,
    }


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_clinic_pages_have_labels_work_with_the_keyboard_and_fit_a_phone(
    size: str, practice_for_pages: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    world = practice_for_pages
    base, person, code = world["base"], world["person"], world["pending"].code
    options = PHONE if size == "phone" else DESK
    problems: list[str] = []

    visitor = open_page(options)
    for path in ["/accounts/login/", f"/invite/{code}/", "/accounts/signup/"]:
        visitor.goto(f"{base}{path}")
        problems += keyboard_and_labels(visitor)
        check_accessibility(visitor)

    therapist = open_page(options)
    signed_in_elsewhere(therapist, base, world["sam"])
    for path in [
        "/clinic/",
        f"/clinic/clients/{person.pk}/",
        "/clinic/invitations/",
        "/clinic/templates/",
        f"/clinic/templates/{world['template'].pk}/",
        f"/clinic/clients/{person.pk}/programme/",
        "/me/notices/",
        "/me/account/",
    ]:
        therapist.goto(f"{base}{path}")
        problems += keyboard_and_labels(therapist)
        check_accessibility(therapist)

    client = open_page(options)
    signed_in_elsewhere(client, base, world["alex"])
    for path in [
        "/today/",
        "/me/sharing/",
        "/me/outcomes/",
        "/me/notices/",
        "/me/account/",
        f"/invite/{code}/",
    ]:
        client.goto(f"{base}{path}")
        problems += keyboard_and_labels(client)
        check_accessibility(client)
    assert problems == [], "\n".join(problems)


# --- 4. the README's screenshots: a practice with a few weeks of real-looking data --------------

# name, share, programme (title, days a week), sessions a week, pain 8 weeks ago -> now,
# days since the last session, and what happens lately (see `practice`).
PRACTICE = [
    ("Maya Chen", "full", ("Upper back, gentle", 3), 2, (6, 4), 3, "sharp_pain"),
    ("Tom Becker", "full", ("Desk worker's reset", 3), 2, (5, 4), 2, "bad_day"),
    ("Priya Nair", "adherence", ("Shoulder blades and neck", 3), 2, (6, 5), 17, ""),
    ("Ana Souza", "full", ("Upper back, gentle", 2), 2, (7, 4), 3, "seen"),
    ("Jonas Weber", "full", ("Desk worker's reset", 3), 3, (5, 2), 0, ""),
]


SCHEDULE = {3: {0, 2, 4}, 2: {1, 4}}
"""The weekdays of a client's sessions, by sessions a week (the last one is always kept)."""


def practice(therapist: User) -> dict[str, Person]:
    """Five clients of `therapist` with 8 weeks of sessions and diary entries (written in
    bulk, as history), then what happened lately through the services, so that the flags
    are the ones the app raises itself: Maya stopped yesterday for sharp pain, Tom had a bad
    day today, Priya has done nothing for 17 days (flags raised when the dashboard opens),
    Ana's pain flag of last week was acknowledged, Jonas is doing well."""
    rng = random.Random(11)
    now = timezone.now()
    today = timezone.localdate()
    people: dict[str, Person] = {}
    for index, (name, share, (title, days), per_week, (first, last), quiet_days, event) in enumerate(
        PRACTICE
    ):
        email = name.split()[0].lower() + "@home.test"
        person = person_for(User.objects.create_user(email, None, display_name=name))
        link = CareLink.objects.create(therapist=therapist, client=person, share=share)
        CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=60))
        Programme.objects.create(
            therapist=therapist,
            client=person,
            title=title,
            days_per_week=days,
            starts_on=today - timedelta(days=56),
        )
        # The baseline check-in first: written after the history, it would be compared with it.
        outcomes.record(person, first, [3, 4, 3], [n for n, _ in PSFS], at=now - timedelta(days=50 - index))
        sessions, entries = [], []
        for day in range(56, quiet_days - 1, -1):
            weekday = (today - timedelta(days=day)).weekday()
            if weekday not in SCHEDULE[per_week] and day != quiet_days:
                continue
            at = now - timedelta(days=day, hours=rng.random() * 3)
            pain = round(first + (last - first) * (56 - day) / 56 + rng.choice((-1, 0, 0, 1)))
            pain = max(2, min(6, pain))
            sessions.append(
                Session(person=person, started_at=at, status="completed", pain_before=pain,
                        pain_after=max(2, pain - rng.choice((1, 1, 2))))
            )  # fmt: skip
            if rng.random() < 0.4:
                entries.append(PainEntry(person=person, at=at + timedelta(hours=5), pain=pain))
        Session.objects.bulk_create(sessions)
        PainEntry.objects.bulk_create(entries)
        StepLog.objects.bulk_create(
            StepLog(session_id=pk, index=0, technique="seated_belly_breathing", side="none",
                    seconds_planned=600, seconds_done=600, intensity="gentle")
            for pk in Session.objects.filter(person=person).values_list("pk", flat=True)
        )  # fmt: skip
        services.rebuild_aggregates(person)
        services.save_profile(person, PROFILE)
        services.record_screening(person, {})
        if event == "sharp_pain":
            plan = services.make_plan(person, seed=index)
            session = services.start_session(person, plan, now=now - timedelta(days=1, hours=2))
            services.update_session(session, pain_before=4)
            services.log_step(session, 0, seconds_done=50)
            services.log_step(session, 1, seconds_done=20, feedback="sharp_pain")
        elif event == "bad_day":
            services.add_pain_entry(person, 8, note="Long drive, stiff all day")
        elif event == "seen":
            services.add_pain_entry(person, 7, at=now - timedelta(days=9))
            # Acknowledged as the therapist does it, so the dashboard's order knows.
            flags.acknowledge_many(therapist, Flag.objects.filter(client=person).values_list("pk", flat=True))
        people[name] = person
    return people


def test_the_readme_shows_the_therapists_dashboard(server: str, open_page: Callable[..., Any]) -> None:
    sam = make_user("sam@clinic.test", "therapist", "Sam Rivera")
    people = practice(sam)
    desk = open_page(DESK)
    signed_in_elsewhere(desk, server, sam)
    desk.goto(f"{server}/clinic/")
    names = desk.locator("#clients h2").all_inner_texts()
    assert names == ["Maya Chen", "Tom Becker", "Priya Nair", "Ana Souza", "Jonas Weber"]
    maya = desk.locator(f'[data-client="{people["Maya Chen"].pk}"]')
    expect(maya.locator('[data-flag="sharp_pain"]')).to_be_visible()
    priya = desk.locator(f'[data-client="{people["Priya Nair"].pk}"]')
    expect(priya.locator('[data-flag="no_session"]')).to_be_visible()
    expect(desk.locator("#seen")).to_contain_text("Ana Souza")
    assert desk.locator("svg.spark").count() == 4  # not for Priya, who shares adherence only
    screenshot(desk, "clinic-dashboard")
