"""The therapist's dashboard and a client's page: who is shown, in what order, what each
share reveals, the access log, and a cost that does not grow with the number of clients."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import AccessLog, User
from backease.clinic import flags
from backease.clinic.models import CareLink, Flag, Outcome, Programme
from backease.store.models import PainEntry, Person, Session, SessionFacts
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


def client_with_link(therapist: User, email: str, share: str = "full", name: str = "") -> Person:
    # No password: hashing fifty argon2 passwords would be most of this module's time.
    person = person_for(User.objects.create_user(email, None, display_name=name))
    CareLink.objects.create(therapist=therapist, client=person, share=share)
    return person


def order_on_page(page: str) -> list[str]:
    clients = page.split('id="clients"')[1].split("</ol>")[0]
    return [part.split('"')[0] for part in clients.split('data-client="')[1:]]


def test_it_needs_a_therapist(client_a: User) -> None:
    assert signed_in(client_a).get("/clinic/").status_code == 403


def test_it_lists_only_the_therapists_own_clients(therapist: User, outsider: User, person_a: Person) -> None:
    CareLink.objects.create(therapist=outsider, client=person_a)
    mine = client_with_link(therapist, "mine@example.org", name="Mina Client")
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert "Mina Client" in page and order_on_page(page) == [str(mine.pk)]


def test_clients_are_sorted_by_need(therapist: User) -> None:
    names = ["calm", "noshow", "adherence", "pain", "sharp", "red", "red_seen"]
    people = {name: client_with_link(therapist, f"{name}@example.org", name=name.title()) for name in names}
    now = timezone.now()
    raised = {
        "noshow": "no_session",
        "adherence": "low_adherence",
        "pain": "pain_high",
        "sharp": "sharp_pain",
        "red": "red_flag",
        "red_seen": "red_flag",
    }
    for name, kind in raised.items():
        flag = flags.raise_flag(people[name], kind, f"{kind}:{name}", name, now - timedelta(hours=1))
        assert flag is not None
        if name == "red_seen":
            flags.acknowledge(therapist, flag.pk)
    # A second pain client with a newer flag comes before the older one.
    newer = client_with_link(therapist, "newer@example.org", name="Newer")
    flags.raise_flag(newer, "pain_rise", "rise", "newer", now)
    for person in [*people.values(), newer]:  # nobody is flagged for missing sessions by the page itself
        CareLink.objects.filter(client=person).update(created_at=now)
    page = signed_in(therapist).get("/clinic/").content.decode()
    expected = ["red", "sharp", "newer", "pain", "adherence", "noshow", "calm", "red_seen"]
    by_id = {str(p.pk): n for n, p in [*people.items(), ("newer", newer)]}
    assert [by_id[i] for i in order_on_page(page)] == expected


def test_the_dashboard_shows_adherence_pain_trend_and_last_session(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    today = timezone.localdate()
    Programme.objects.create(
        therapist=therapist,
        client=person_a,
        title="Home",
        days_per_week=3,
        starts_on=today - timedelta(days=30),
    )
    for days in (20, 10, 2):
        PainEntry.objects.create(
            person=person_a, at=timezone.now() - timedelta(days=days), pain=6 - days // 10
        )
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert 'class="spark"' in page and 'role="img"' in page
    assert "Pain 4 on" in page  # the sparkline is labelled in words
    assert "3 a week" in page
    assert "None yet" in page  # no session


def test_an_adherence_only_client_shows_no_pain_trend(therapist: User) -> None:
    person = client_with_link(therapist, "adh@example.org", share="adherence", name="Ada")
    PainEntry.objects.create(person=person, at=timezone.now(), pain=8)
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert "Shares adherence only" in page and 'class="spark"' not in page


def test_an_adherence_only_share_shows_the_last_session_done_not_how_it_ended(therapist: User) -> None:
    from backease.store import services

    person = client_with_link(therapist, "adh@example.org", share="adherence", name="Ada")
    services.save_profile(
        person, {"areas": [{"region": "between_shoulder_blades_left", "pain": 4}], "tools": ["wall"]}
    )
    services.record_screening(person, {})
    plan = services.make_plan(person, seed=1)
    done = services.start_session(person, plan, now=timezone.now() - timedelta(days=2))
    services.log_step(done, 0, seconds_done=90)
    services.close_session(done, "stopped", stop_reason="knee hurt")
    services.start_session(person, plan)  # started today, nothing done: it does not count
    browser = signed_in(therapist)
    for page in (browser.get("/clinic/"), browser.get(f"/clinic/clients/{person.pk}/")):
        text = page.content.decode()
        assert "stopped" not in text and "running" not in text and "knee hurt" not in text
        assert done.started_at.astimezone(timezone.get_current_timezone()).strftime("%-d %b") in text


def test_the_dashboard_writes_the_access_log_of_each_client(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    from backease.accounts.access_log import log_of

    signed_in(therapist).get("/clinic/")
    row = log_of(person_a).get()
    assert row.action == "view" and row.actor == therapist and "dashboard" in row.what


def _history(people: list[Person], years: int) -> None:
    """`years` of weekly sessions (with facts) and diary entries per person, written in bulk."""
    rng = random.Random(7)
    now = timezone.now()
    sessions, entries = [], []
    for person in people:
        for week in range(years * 52):
            at = now - timedelta(days=7 * week + rng.random() * 6)
            sessions.append(
                Session(person=person, started_at=at, status="completed", pain_before=rng.randint(2, 6))
            )
            entries.append(PainEntry(person=person, at=at + timedelta(hours=3), pain=rng.randint(1, 6)))
    Session.objects.bulk_create(sessions, batch_size=2000)
    PainEntry.objects.bulk_create(entries, batch_size=2000)
    rows = Session.objects.filter(person__in=people).values_list("pk", flat=True)
    SessionFacts.objects.bulk_create(
        [SessionFacts(session_id=pk, counted=True, seconds_done=600, steps_done=5) for pk in rows],
        batch_size=2000,
    )


def _clients(therapist: User, count: int, start: int = 0) -> list[Person]:
    people = []
    for i in range(start, start + count):
        person = client_with_link(therapist, f"c{i}@example.org", share="full" if i % 4 else "adherence")
        Programme.objects.create(
            therapist=therapist, client=person, title="Home", days_per_week=3, starts_on=date(2020, 1, 1)
        )
        Outcome.objects.create(person=person, kind="nrs", at=timezone.now(), data={"score": 4})
        flags.raise_flag(person, "pain_high" if i % 2 else "no_session", f"seed:{i}", "seeded")
        people.append(person)
    return people


def _count(browser: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/clinic/")  # type: ignore[attr-defined]
        assert response.status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_5_or_50_clients_with_ten_years_each(
    therapist: User,
) -> None:
    browser = signed_in(therapist)
    few = _clients(therapist, 5)
    _history(few, 10)
    browser.get("/clinic/")  # the first visit raises the time flags (one write per new flag)
    five = _count(browser)
    many = _clients(therapist, 45, start=5)
    _history(many, 10)
    browser.get("/clinic/")
    started = time.perf_counter()
    fifty = _count(browser)
    elapsed = time.perf_counter() - started
    print(f"dashboard: {five} queries with 5 clients, {fifty} with 50; {elapsed * 1000:.0f} ms with 50")
    assert fifty == five
    assert fifty <= 20
    assert elapsed < 5  # about 0.3 s on the 2-core test machine (SQLite)
    assert Session.objects.count() == 50 * 520


# --- one client ---------------------------------------------------------------------------------


def test_an_unrelated_therapist_gets_404_on_a_client_page(
    outsider: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(outsider)
    assert browser.get(f"/clinic/clients/{person_a.pk}/").status_code == 404
    assert browser.get(f"/clinic/clients/{person_a.pk}/report/").status_code == 404
    assert browser.get("/clinic/clients/999999/").status_code == 404
    assert not AccessLog.objects.exists()


def test_a_client_who_is_not_a_therapist_gets_403(client_b: User, person_a: Person, link: CareLink) -> None:
    assert signed_in(client_b).get(f"/clinic/clients/{person_a.pk}/").status_code == 403


def test_an_ended_link_gives_404(therapist: User, person_a: Person, link: CareLink) -> None:
    CareLink.objects.filter(pk=link.pk).update(ended_at=timezone.now(), ended_by="client")
    assert signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/").status_code == 404


def test_a_full_share_shows_insights_outcomes_and_the_report(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    from backease.clinic import outcomes

    outcomes.record(
        person_a,
        7,
        [2, 3, 4],
        ["Lifting a child", "Driving", "Sleeping"],
        timezone.now() - timedelta(days=20),
    )
    outcomes.record(person_a, 4, [5, 6, 4])
    PainEntry.objects.create(person=person_a, at=timezone.now(), pain=4)
    browser = signed_in(therapist)
    page = browser.get(f"/clinic/clients/{person_a.pk}/").content.decode()
    assert 'id="outcomes-table"' in page and "Lifting a child" in page
    assert "a change that matters (2 points or more)" in page  # PSFS 3 -> 5
    assert 'id="pain"' in page and "Clinician report" in page
    assert AccessLog.objects.filter(subject=person_a, action="view").count() == 1
    report = browser.get(f"/clinic/clients/{person_a.pk}/report/?download=1")
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    assert "Upper back self-care report" in report.content.decode()
    assert AccessLog.objects.filter(subject=person_a, action="export").count() == 1
    assert "/insights/" not in report.content.decode().split("<main")[0]


def test_an_adherence_only_share_shows_adherence_only(therapist: User, person_a: Person) -> None:
    CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    PainEntry.objects.create(person=person_a, at=timezone.now(), pain=9)
    Outcome.objects.create(person=person_a, kind="nrs", at=timezone.now(), data={"score": 9})
    browser = signed_in(therapist)
    response = browser.get(f"/clinic/clients/{person_a.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Programme and adherence" in page
    for hidden in ('id="pain"', 'id="outcomes"', 'id="report"', "Pain 9"):
        assert hidden not in page
    assert browser.get(f"/clinic/clients/{person_a.pk}/report/").status_code == 404
    assert AccessLog.objects.get(subject=person_a).what == "client page: adherence only"
    assert Flag.objects.count() >= 0


def test_acknowledging_a_flag_on_a_client_page_comes_back_to_that_page(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    flag = flags.raise_flag(person_a, "pain_high", "pain_high:x", "Pain 8 of 10", timezone.now())
    assert flag is not None
    browser = signed_in(therapist)
    page = browser.get(f"/clinic/clients/{person_a.pk}/").content.decode()
    assert f'name="next" value="/clinic/clients/{person_a.pk}/"' in page
    response = browser.post(
        f"/clinic/flags/{flag.pk}/acknowledge/", {"next": f"/clinic/clients/{person_a.pk}/"}
    )
    assert response["Location"] == f"/clinic/clients/{person_a.pk}/"
