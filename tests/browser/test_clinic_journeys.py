"""Clinic mode in a real browser, through the server's own pages: a therapist at a desk
(1280x800) and a client on a phone (390x844, touch), each in their own browser context.

The live server runs in this process, so `settings.MODE = "server"` (pytest-django's
`settings` fixture) reaches it, and email goes to Django's locmem outbox, where the test
reads the invitation and verification links as a person reads their inbox. The player is
played with the page clock, so nothing waits on the wall clock.
"""

from __future__ import annotations

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
from backease.clinic import invites, outcomes
from backease.clinic.models import CareLink, Flag, FlagAck, Outcome
from backease.store import services
from backease.store.models import Session
from tests.browser.conftest import close_context, new_context
from tests.browser.session_play import CLOCK_START
from tests.browser.test_journeys import go_on

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


def client_data_arrives(person: Any) -> Session:
    """What a client does at home (their own journey is the other test): 3 days ago a safety
    check, a session with pain 6 before and 4 after and a check-in (pain now 6, the PSFS);
    today a bad day (pain 8) in the diary."""
    then = timezone.now() - timedelta(days=3)
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    plan = services.make_plan(person, seed=1)
    session = services.start_session(person, plan, now=then)
    services.update_session(session, pain_before=6)
    services.log_step(session, 0, seconds_done=60)
    services.close_session(session, "completed", pain_after=4)
    outcomes.record(person, 6, [score for _, score in PSFS], [name for name, _ in PSFS], at=then)
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

    session = client_data_arrives(person)
    desk.goto(f"{base}/clinic/")
    card = desk.locator(f'[data-client="{person.pk}"]')
    expect(card).to_contain_text("Alex Kim")
    expect(card).to_contain_text("3 days ago")  # the last session
    expect(card.locator("svg.spark")).to_have_attribute("aria-label", re.compile(r"Pain 6 on .*, 8 on"))
    flag = card.locator('[data-flag="pain_high"]')
    expect(flag).to_be_visible()

    card.get_by_role("link", name="Alex Kim").click()
    desk.wait_for_url(f"**/clinic/clients/{person.pk}/")
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

    # The safety check, then the plan, then the session in the player.
    phone.goto(f"{base}/check/")
    while not go_on(phone, lambda name: phone.get_by_role("button", name=name).tap()):
        pass
    phone.get_by_role("link", name="Continue").first.tap()
    phone.wait_for_url("**/setup/")
    phone.locator('[data-region="between_shoulder_blades_left"]').first.tap()
    phone.locator("#pain-between_shoulder_blades_left-6").check()
    phone.locator("#minutes").fill("5")
    phone.get_by_role("button", name="Make my plan").tap()
    phone.wait_for_url("**/today/")
    phone.clock.install(time=CLOCK_START)
    phone.get_by_test_id("start").tap()
    play_the_session(phone)
    session = Session.objects.get(person=person)
    assert (session.status, session.pain_before, session.pain_after) == ("completed", 6, 8)
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
