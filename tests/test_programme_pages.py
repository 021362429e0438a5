"""The programme in the pages (issue 18 items 2, 3 and 5): starting and stopping one from the
web, the programme page (weeks as a timeline with planned, done and missed days, each week's
dose and why, the check-in trend against the minimal important change, first against last at
the end), the weekly check-in, and what Today shows. Bad input: 400, the form names the field,
nothing stored.

The pages run on a fixed clock (`programme_views.clock`); sessions are written through the
services with their own times. A person in America/New_York starts on Monday 12 October 2026.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from backease.front import page_cache, programme_views
from backease.store import programmes, services
from backease.store.models import CheckIn, Person, Plan, ProgrammeRun
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball", "wall"],
    "minutes": 15,
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


START = at("2026-10-12T09:00")
"""A Monday: week 1 is 12-18 October, week 3 26 October - 1 November."""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(programme_views, "clock", fixed)
    return fixed


@pytest.fixture(autouse=True)
def fresh_pages() -> None:
    page_cache.clear()


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    save_time_zone(person, "America/New_York")
    person.refresh_from_db()
    return person


@pytest.fixture
def client() -> Client:
    return Client()


def text(html: str) -> str:
    """The page's words, tags out and spaces squeezed."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([:;,.])", r"\1", words)


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def session(person: Person, when: datetime, too_much: bool = False) -> None:
    plan = services.make_plan(person, seed=1, now=when)
    row = services.start_session(person, plan, now=when)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60, feedback="too_much" if too_much else "")
    services.close_session(row, "completed", pain_before=5, pain_after=4)


@pytest.fixture
def two_weeks(owner: Person, clock: Clock) -> Person:
    """Week 1: all three sessions and a check-in; week 2: two of three and a check-in with
    the PGIC; the pages are read on Wednesday of week 3."""
    programmes.start_programme(owner, weeks=6, days="mon,wed,fri", time="19:00", now=START)
    for day in ("2026-10-12", "2026-10-14", "2026-10-16"):
        session(owner, at(f"{day}T19:00"))
    programmes.record_checkin(
        owner, pain=6, activity="carrying shopping", activity_score=3, now=at("2026-10-12T20:00")
    )
    for day in ("2026-10-19", "2026-10-21"):
        session(owner, at(f"{day}T19:00"))
    programmes.record_checkin(
        owner, pain=5, activity="", activity_score=4, pgic=3, now=at("2026-10-21T20:00")
    )
    clock.now = at("2026-10-28T12:00")
    return owner


# --- starting and stopping -----------------------------------------------------------------------


def test_the_page_offers_a_programme_on_the_schedules_days_in_the_persons_zone(
    client: Client, owner: Person, clock: Clock
) -> None:
    html = get(client, "/programme/")
    assert '<a href="/programme/" aria-current="page">Programme</a>' in html  # in the site menu
    assert 'id="start-form"' in html and 'name="weeks" value="6"' in html
    for day in ("mon", "wed", "fri"):
        assert f'id="start-day-{day}" name="days" value="{day}" checked' in html
    assert 'id="start-day-tue" name="days" value="tue">' in html
    assert "In your time zone, America/New_York" in text(html)


def test_starting_a_programme_from_the_form_makes_its_days_the_schedule(
    client: Client, owner: Person, clock: Clock
) -> None:
    response = client.post("/programme/start/", {"weeks": "4", "days": ["thu", "mon"], "time": "07:30"})
    assert response.status_code == 302 and response["Location"] == "/programme/?done=started"
    assert services.schedule(owner) == (("mon", "thu"), "07:30")
    run = ProgrammeRun.objects.get()
    assert run.weeks == 4 and run.status == "active" and run.started_on.isoformat() == "2026-10-12"
    words = text(get(client, "/programme/?done=started"))
    assert "Week 1 of 4 · session 1 of 2 this week" in words
    assert "Monday, Thursday at 07:30" in words
    assert "This week's check-in is due." in words
    assert 'id="start-form"' not in get(client, "/programme/")
    # Today's plan is made from week 1's dose straight away.
    plan = services.latest_plan(owner)
    view = programmes.programme_view(owner, START)
    assert plan is not None and view is not None and plan.minutes == view.dose.minutes


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weeks": "1", "days": ["mon"], "time": "18:00"}, "Weeks"),
        ({"weeks": "13", "days": ["mon"], "time": "18:00"}, "Weeks"),
        ({"weeks": "six", "days": ["mon"], "time": "18:00"}, "Weeks"),
        ({"weeks": "", "days": ["mon"], "time": "18:00"}, "Weeks"),
        ({"weeks": "6", "time": "18:00"}, "Days"),
        ({"weeks": "6", "days": ["mon", "funday"], "time": "18:00"}, "Days"),
        ({"weeks": "6", "days": ["mon"], "time": "25:00"}, "Time"),
        ({"weeks": "6", "days": ["mon"], "time": ""}, "Time"),
    ],
)
def test_a_bad_start_says_which_field_and_stores_nothing(
    client: Client, owner: Person, clock: Clock, data: dict[str, Any], field: str
) -> None:
    before = services.schedule(owner)
    response = client.post("/programme/start/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'<p class="form-error" role="alert" id="start-error">{field}: ', html)
    assert '<a href="/programme/" aria-current="page">Programme</a>' in html
    assert 'aria-invalid="true"' in html or field == "Days"
    assert not ProgrammeRun.objects.exists()
    assert services.schedule(owner) == before


def test_a_second_programme_is_refused_while_one_runs(client: Client, owner: Person, clock: Clock) -> None:
    client.post("/programme/start/", {"weeks": "6", "days": ["mon", "wed", "fri"], "time": "18:00"})
    response = client.post("/programme/start/", {"weeks": "3", "days": ["tue"], "time": "08:00"})
    assert response.status_code == 409
    assert "A programme is already running" in text(response.content.decode())
    assert ProgrammeRun.objects.count() == 1 and services.schedule(owner) == (("mon", "wed", "fri"), "18:00")


def test_stopping_keeps_the_weeks_and_gives_today_back(client: Client, two_weeks: Person) -> None:
    assert client.post("/programme/stop/").status_code == 302
    assert ProgrammeRun.objects.get().status == "stopped"
    words = text(get(client, "/today/"))
    assert "Week 3 of 6" not in words and "Follow a programme over weeks" in words
    html = get(client, "/programme/")
    assert 'id="start-form"' in html and "Start a programme" in html
    assert client.get("/programme/check-in/").status_code == 302


# --- the programme page --------------------------------------------------------------------------


def week(html: str, number: int) -> str:
    found = re.search(
        rf'<li class="prog-week[^"]*" id="week-{number}".*?</li>\s*(?=<li class="prog-week|</ol>)', html, re.S
    )
    assert found, f"week {number} is not on the page"
    return found.group(0)


def test_the_timeline_shows_each_weeks_days_dose_and_why(client: Client, two_weeks: Person) -> None:
    html = get(client, "/programme/")
    assert "Week 3 of 6 · session 1 of 3 this week" in text(html)
    one, two, three, four = (week(html, n) for n in (1, 2, 3, 4))
    assert "3 of 3 done" in text(one) and text(one).count(": done") == 3
    assert "Start" in text(one) and "Starting dose from your 15 minutes" in text(one)
    assert "2 of 3 done, 1 missed" in text(two) and "Fri 23 Oct: missed" in text(two)
    assert "Stepped up" in text(two) and "3 sessions done, none too much" in text(two)
    assert 'aria-current="step"' in three and "aria-current" not in one + two + four
    assert "Kept" in text(three) and "Kept as it was: 2 of 3 planned sessions done" in text(three)
    # Week 3's Monday is gone without a session (missed), Wednesday is today, Friday to come.
    assert "Mon 26 Oct: missed" in text(three) and "Wed 28 Oct: planned today" in text(three)
    assert "Fri 30 Oct: planned" in text(three)
    assert "Its dose is set when week 3 ends" in text(four)


def test_the_checkin_trend_shows_the_band_of_less_than_a_change_that_matters(
    client: Client, two_weeks: Person
) -> None:
    html = get(client, "/programme/")
    assert 'id="pain-trend"' in html and 'id="activity-trend"' in html
    words = text(html)
    labels = unescape(html)  # the charts' summaries (their aria-label)
    # Pain 6 first: a fall of 30 % (1.8) matters, a rise of 2: the band is 4.2 to 8.
    assert "The shaded band, 4.2 to 8, is less than a change that matters" in labels
    assert "Week 2 5 −1 No" in words
    # The activity keeps the name given at the first check-in; 3 then 4, band 1 to 5.
    assert "Carrying shopping" in words and "The shaded band, 1 to 5" in labels
    assert "Week 2: minimally improved" in words
    # Not the end yet: first against latest.
    assert "So far: first and latest check-in" in words


def test_the_end_shows_first_against_last_with_the_minimal_important_changes(
    client: Client, two_weeks: Person, clock: Clock
) -> None:
    clock.now = at("2026-11-24T10:00")  # the day after the sixth week
    # No check-in in the last week yet: one last one is asked for (it may come a week late).
    assert "One last check-in is due." in text(get(client, "/today/"))
    assert 'name="pgic"' in get(client, "/programme/check-in/")
    response = client.post("/programme/check-in/", {"pain": "2", "activity": "", "score": "7", "pgic": "2"})
    assert response.status_code == 302 and CheckIn.objects.get(week=6).pain == 2
    assert "One last check-in" not in text(get(client, "/programme/"))
    words = text(get(client, "/programme/"))
    assert "Programme finished · 6 weeks" in words and "First and last check-in" in words
    assert "Average pain lower is better 6 2 −4 Yes, better" in words
    assert "Carrying shopping higher is better 3 7 +4 Yes, better" in words
    assert "A change that matters: a fall of 2 points or 30 % (Farrar 2001)." in words
    assert "A change that matters: a rise of 2 points (Abbott & Schmitt 2014)." in words
    assert "much improved, a change that matters" in words
    today = text(get(client, "/today/"))
    assert "Programme finished · 6 weeks" in today and "See how it went" in today
    assert "check-in is due" not in today
    clock.now = at("2026-12-08T10:00")  # two weeks after the end: Today lets it go
    page_cache.clear()  # (Today's cache is keyed by the real day, which this clock does not move)
    assert 'id="programme-today"' not in get(client, "/today/")


# --- the weekly check-in ---------------------------------------------------------------------------


def test_today_shows_the_week_and_session_and_the_checkin_when_due(
    client: Client, two_weeks: Person, clock: Clock
) -> None:
    words = text(get(client, "/today/"))
    assert "Week 3 of 6 · session 1 of 3 this week" in words
    assert "This week's check-in is due." in words and 'href="/programme/check-in/"' in get(client, "/today/")
    session(two_weeks, at("2026-10-28T08:00"))
    assert "Week 3 of 6 · session 2 of 3 this week" in text(get(client, "/today/"))
    client.post("/programme/check-in/", {"pain": "4", "activity": "", "score": "5"})
    words = text(get(client, "/today/"))
    assert "check-in is due" not in words and "Week 3 of 6 · session 2 of 3 this week" in words


def test_today_offers_this_weeks_plan_when_its_plan_was_made_before_this_weeks_dose(
    client: Client, two_weeks: Person
) -> None:
    plans = Plan.objects.filter(person=two_weeks)
    plans.update(created_at=at("2026-10-21T19:00"))  # all made in week 2
    html = get(client, "/today/")
    assert 'id="plan-stale"' in html and 'action="/today/regenerate/"' in html
    assert "This plan was made before this week's dose was set: 15 min" in text(html)
    plans.update(created_at=at("2026-10-28T12:30"))  # after week 3's dose was decided (at noon)
    assert 'id="plan-stale"' not in get(client, "/today/")


def test_the_checkin_remembers_the_activity_and_asks_the_pgic_only_at_weeks_2_4_and_the_end(
    client: Client, two_weeks: Person, clock: Clock
) -> None:
    html = get(client, "/programme/check-in/")
    assert 'name="activity" value="carrying shopping"' in html
    assert 'name="pain"' in html and 'name="score"' in html and 'name="pgic"' not in html
    clock.now = at("2026-11-04T12:00")  # week 4
    assert 'name="pgic"' in get(client, "/programme/check-in/")
    response = client.post(
        "/programme/check-in/", {"pain": "3", "activity": "carrying shopping", "score": "6", "pgic": "2"}
    )
    assert response.status_code == 302 and response["Location"] == "/programme/?done=checkin#trend"
    row = CheckIn.objects.get(week=4)
    assert (row.pain, row.activity, row.activity_score, row.pgic) == (3, "carrying shopping", 6, 2)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"pain": "11", "activity": "lifting", "score": "4"}, "Pain"),
        ({"pain": "", "activity": "lifting", "score": "4"}, "Pain"),
        ({"pain": "-1", "activity": "lifting", "score": "4"}, "Pain"),
        ({"pain": "5", "activity": "lifting", "score": "ten"}, "Activity score"),
        ({"pain": "5", "activity": "", "score": "4"}, "Activity"),
        ({"pain": "5", "activity": "x" * 81, "score": "4"}, "Activity"),
        ({"pain": "5", "activity": "lifting", "score": "4", "pgic": "9"}, "Change since the start"),
    ],
)
def test_a_bad_checkin_says_which_field_and_stores_nothing(
    client: Client, owner: Person, clock: Clock, data: dict[str, str], field: str
) -> None:
    programmes.start_programme(owner, now=START)
    clock.now = at("2026-10-20T12:00")  # week 2: the PGIC is asked
    response = client.post("/programme/check-in/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'<p class="form-error" role="alert" id="diary-error">{field}: ', html)
    assert not CheckIn.objects.exists()


def test_a_checkin_without_a_programme_is_refused(client: Client, owner: Person, clock: Clock) -> None:
    assert client.get("/programme/check-in/")["Location"] == "/programme/"
    response = client.post("/programme/check-in/", {"pain": "5", "activity": "lifting", "score": "4"})
    assert response.status_code == 400 and not CheckIn.objects.exists()
    assert "No programme is running" in text(response.content.decode())


def test_today_without_a_programme_offers_one(client: Client, owner: Person, clock: Clock) -> None:
    services.make_plan(owner, seed=1)
    html = get(client, "/today/")
    assert 'id="programme-offer"' in html and 'href="/programme/"' in html
    assert 'id="programme-today"' not in html


# --- the schedule on the settings page -----------------------------------------------------------


def test_the_settings_page_saves_days_time_quiet_hours_and_reminders(client: Client, owner: Person) -> None:
    html = get(client, "/settings/")
    assert (
        'id="schedule-form"' in html and 'id="schedule-reminders" name="reminders" value="on" checked' in html
    )
    data = {"days": ["tue", "sat"], "time": "19:15", "quiet_from": "22:00", "quiet_until": "07:00"}
    response = client.post("/schedule/", data)  # reminders unticked: off
    assert response.status_code == 302 and response["Location"] == "/settings/?saved=schedule#schedule"
    saved = services.reminder_schedule(owner)
    assert (saved.days, str(saved.time)[:5], saved.on) == (("tue", "sat"), "19:15", False)
    assert saved.quiet is not None and [str(t)[:5] for t in saved.quiet] == ["22:00", "07:00"]
    words = text(get(client, "/settings/?saved=schedule"))
    assert (
        "Now: Tuesday, Saturday at 19:15 (America/New_York); reminders off, quiet hours 22:00-07:00." in words
    )
    client.post("/schedule/", {**data, "quiet_from": "", "quiet_until": "", "reminders": "on"})
    saved = services.reminder_schedule(owner)
    assert saved.quiet is None and saved.on


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"days": ["mon"], "time": "18:00", "quiet_from": "22:00", "quiet_until": ""}, "Quiet hours"),
        ({"days": ["mon"], "time": "18:00", "quiet_from": "22:00", "quiet_until": "22:00"}, "Quiet hours"),
        ({"days": ["mon"], "time": "18:00", "quiet_from": "late", "quiet_until": "07:00"}, "Quiet hours"),
        ({"days": [], "time": "18:00"}, "Days"),
        ({"days": ["mon"], "time": "7pm"}, "Time"),
    ],
)
def test_a_bad_schedule_on_the_settings_page_says_which_field_and_stores_nothing(
    client: Client, owner: Person, data: dict[str, Any], field: str
) -> None:
    before = services.reminder_schedule(owner)
    response = client.post("/schedule/", {**data, "reminders": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'<p class="form-error" role="alert" id="schedule-error">{field}: ', html)
    assert services.reminder_schedule(owner) == before


# --- cost ------------------------------------------------------------------------------------------


def test_the_programme_page_costs_the_same_queries_however_much_is_in_it(
    client: Client, two_weeks: Person
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            get(client, "/programme/")
        return len(queries.captured_queries)

    get(client, "/programme/")  # weeks 2 and 3 are decided on the first look, once
    small = cost()
    for hour in range(6, 12):
        session(two_weeks, at(f"2026-10-28T{hour:02d}:00"))
    programmes.record_checkin(two_weeks, pain=4, activity="", activity_score=5, now=at("2026-10-28T11:30"))
    assert cost() == small == 8
