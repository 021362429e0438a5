"""A therapist's programme on the programme engine (issue 18 item 7; docs/clinic.md,
"Programmes over weeks"): giving it starts the client's weeks on the therapist's days and
time (their schedule, so their reminders follow), the dose rules move the therapist's step
times within the growth the therapist allowed and each technique's maximum, and the
therapist sees the weeks, the dose changes with their reasons and the weekly check-ins,
as far as the client shares them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backease.accounts.models import User
from backease.clinic import engine, programmes
from backease.clinic.models import CareLink, Programme
from backease.content.loader import load_content
from backease.core.programme import Dose
from backease.front import page_cache
from backease.reminders import services as reminders
from backease.store import programmes as runs
from backease.store import services
from backease.store.models import Person, ProgrammeRun
from backease.store.zones import save_time_zone
from tests.clinic.conftest import signed_in
from tests.clinic.test_programmes import DOORWAY, WALL_BALL, form, step, url

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 10, 12, 9, 0, tzinfo=NEW_YORK)
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 5}],
    "tools": ["tennis_ball", "wall", "doorway"],
    "minutes": 15,
}


@pytest.fixture(autouse=True)
def fresh_today() -> None:
    page_cache.clear()


@pytest.fixture
def client_person(person_a: Person) -> Person:
    services.save_profile(person_a, PROFILE)
    services.record_screening(person_a, {})
    save_time_zone(person_a, "America/New_York")
    person_a.refresh_from_db()
    return person_a


def tech_max(technique: str) -> int:
    tech = load_content().library.technique(technique)
    assert tech is not None
    return tech.max_seconds


def programme_for(therapist: User, person: Person, **fields: Any) -> Programme:
    """A stored programme of the wall ball (60 s) and the doorway stretch (30 s)."""
    values: dict[str, Any] = {
        "title": "Desk back",
        "steps": [step(WALL_BALL, 60), step(DOORWAY, 30)],
        "days_per_week": 3,
        "session_days": ["mon", "wed", "fri"],
        "session_time": "19:00",
        "weeks": 4,
    } | fields
    return Programme.objects.create(therapist=therapist, client=person, **values)


def session(person: Person, when: datetime, *, too_much: bool = False) -> None:
    """A session done (counted) at `when`, pain 5 before and 4 after."""
    plan = services.make_plan(person, seed=1, now=when)
    row = services.start_session(person, plan, now=when)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60, feedback="too_much" if too_much else "")
    services.close_session(row, "completed", pain_before=5, pain_after=4)


def seconds_now(programme: Programme, now: datetime) -> dict[str, int]:
    steps, _ = programmes.this_week(programme, load_content().library, now)
    return {s["technique"]: int(s["seconds"]) for s in steps}


# --- giving a programme starts its weeks -------------------------------------------------------------


def test_giving_a_programme_starts_the_clients_weeks_on_the_therapists_days_and_time(
    therapist: User, client_a: User, client_person: Person, link: CareLink
) -> None:
    data = form(weeks="4", session_time="07:30") | {"session_days": ["mon", "thu"]}
    assert signed_in(therapist).post(url(client_person), data).status_code == 302
    row = Programme.objects.get(client=client_person)
    assert (row.weeks, row.session_days, row.session_time, row.days_per_week) == (
        4,
        ["mon", "thu"],
        "07:30",
        2,
    )
    run = ProgrammeRun.objects.get(person=client_person)
    assert (run.status, run.source, run.source_id, run.weeks) == ("active", "therapist", row.pk, 4)
    # The therapist's days and time are the client's schedule: their reminders follow it.
    assert services.schedule(client_person) == (("mon", "thu"), "07:30")
    started = run.started_on
    thursday = next(
        started + timedelta(days=i) for i in range(7) if (started + timedelta(days=i)).weekday() == 3
    )
    at_half_past = datetime(thursday.year, thursday.month, thursday.day, 7, 35, tzinfo=NEW_YORK)
    due = reminders.due(client_person, at_half_past)
    assert due.due and due.at == datetime(thursday.year, thursday.month, thursday.day, 7, 30, tzinfo=NEW_YORK)
    assert not reminders.due(client_person, at_half_past + timedelta(days=1)).due  # Friday: not planned
    # The client's Today says where they are.
    page = signed_in(client_a).get("/today/").content.decode()
    assert page.count("Week 1 of 4 · session 1 of 2 this week") == 1  # Today's line, not repeated
    assert "Monday, Thursday at 07:30" in page


def test_without_days_chosen_the_clients_own_schedule_is_kept_and_offered(
    therapist: User, client_person: Person, link: CareLink
) -> None:
    services.save_schedule(client_person, ["tue", "thu", "sat"], "20:15")
    browser = signed_in(therapist)
    editor = browser.get(url(client_person)).content.decode()
    for day in ("tue", "thu", "sat"):
        assert re.search(rf'value="{day}"\s+checked', editor), day
    assert 'value="20:15"' in editor
    assert browser.post(url(client_person), form()).status_code == 302  # no days posted: 3 a week
    assert services.schedule(client_person) == (("tue", "thu", "sat"), "20:15")
    view = runs.programme_view(client_person)
    assert view is not None and view.days == ("tue", "thu", "sat") and view.weeks == 6


def test_weeks_come_from_the_dates_when_not_given(therapist: User, client_person: Person) -> None:
    today = MONDAY.date()
    row = programme_for(
        therapist, client_person, weeks=None, starts_on=today, ends_on=today + timedelta(days=27)
    )
    assert engine.sync(row, MONDAY).state == "started"
    assert ProgrammeRun.objects.get(person=client_person).weeks == 4


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"weeks": "13"}, "weeks"),
        ({"weeks": "3", "starts_on": "2026-10-12", "ends_on": "2026-11-22"}, "weeks"),
        ({"session_time": "25:00"}, "time"),
        ({"session_days": ["mon", "someday"]}, "planned days"),
        ({"max_growth": "30"}, "grow by"),
    ],
)
def test_bad_weeks_days_time_or_growth_is_refused_and_nothing_is_stored(
    therapist: User, client_person: Person, link: CareLink, extra: dict[str, Any], field: str
) -> None:
    response = signed_in(therapist).post(url(client_person), form() | extra)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()
    assert not Programme.objects.exists() and not ProgrammeRun.objects.exists()
    assert services.schedule(client_person) == (("mon", "wed", "fri"), "18:00")


# --- the dose rules move the therapist's times ---------------------------------------------------------


def test_week_1_is_the_therapists_times_and_a_good_week_makes_them_longer_within_the_cap(
    therapist: User, client_person: Person
) -> None:
    row = programme_for(therapist, client_person, max_growth=50)
    engine.sync(row, MONDAY)
    assert seconds_now(row, MONDAY) == {WALL_BALL: 60, DOORWAY: 30}
    for day in (0, 2, 4):  # Monday, Wednesday, Friday: all done, nothing too much
        session(client_person, MONDAY + timedelta(days=day, hours=2))
    week2 = MONDAY + timedelta(days=7)
    times = seconds_now(row, week2)
    assert 60 < times[WALL_BALL] <= min(90, tech_max(WALL_BALL))
    assert 30 <= times[DOORWAY] <= min(45, tech_max(DOORWAY))
    view = engine.view_of(row, week2)
    assert view is not None and view.week == 2 and view.changes[-1].action == "up"
    # "Too much" in week 2 brings them back down.
    session(client_person, week2 + timedelta(hours=2), too_much=True)
    week3 = MONDAY + timedelta(days=14)
    assert seconds_now(row, week3)[WALL_BALL] < times[WALL_BALL]
    assert engine.view_of(row, week3).changes[-1].action == "down"  # type: ignore[union-attr]


def test_with_no_growth_allowed_the_times_never_go_past_what_was_set(
    therapist: User, client_person: Person
) -> None:
    row = programme_for(therapist, client_person, max_growth=0)
    engine.sync(row, MONDAY)
    for day in (0, 2, 4):
        session(client_person, MONDAY + timedelta(days=day, hours=2))
    assert seconds_now(row, MONDAY + timedelta(days=7)) == {WALL_BALL: 60, DOORWAY: 30}


def test_a_step_never_grows_past_its_technique_maximum_nor_a_longer_one_set_with_a_reason() -> None:
    library = load_content().library
    top = tech_max(WALL_BALL)
    base = Dose(15, 45, 60, 1, "moderate", 3, 2)
    double = Dose(30, 90, 120, 3, "firm", 3, 7)
    at_max = step(WALL_BALL, top, intensity="moderate")
    over = step(WALL_BALL, top + 60, intensity="moderate", longer_because="asked for it")
    held = step(DOORWAY, 60, holds=3, intensity="gentle")
    moved = engine.dosed_steps([at_max, over, held], library, base, double, 100)
    assert moved[0]["seconds"] == top
    assert moved[1]["seconds"] == top + 60
    assert moved[2]["seconds"] * 3 <= max(tech_max(DOORWAY), 180)
    assert all(s["intensity"] == t["intensity"] for s, t in zip(moved, [at_max, over, held], strict=True))
    # Pressure down one level in the engine: the step's pressure goes down one, never up.
    lighter = engine.dosed_steps([at_max], library, base, Dose(12, 45, 60, 1, "gentle", 3, 1), 100)
    assert lighter[0]["intensity"] == "gentle" and lighter[0]["set_intensity"] == "moderate"
    for growth in engine.GROWTH_CHOICES:
        for dose in (base, double):
            for s, t in zip(
                engine.dosed_steps([at_max, held], library, base, dose, growth), [at_max, held], strict=True
            ):
                assert 10 <= s["seconds"] <= t["seconds"] * (100 + growth) // 100


def test_the_clients_session_is_this_weeks_times(
    therapist: User, client_a: User, client_person: Person
) -> None:
    row = programme_for(therapist, client_person, max_growth=50, session_days=[])
    engine.sync(row)
    run = ProgrammeRun.objects.get(person=client_person)
    # A week ago, a week done as planned: this week's dose is up.
    ProgrammeRun.objects.filter(pk=run.pk).update(started_on=run.started_on - timedelta(days=7))
    run.refresh_from_db()
    started = datetime(run.started_on.year, run.started_on.month, run.started_on.day, 12, tzinfo=NEW_YORK)
    for day in range(7):
        when = started + timedelta(days=day)
        if when.strftime("%a").lower() in ("mon", "wed", "fri"):
            session(client_person, when)
    longer = seconds_now(row, datetime.now(NEW_YORK))[WALL_BALL]
    assert longer > 60
    page = signed_in(client_a).get("/today/").content.decode()
    assert "Week 2 of 4" in page and "A little longer this week" in page
    assert "(set: 1 min)" in page
    session_row = programmes.start(client_person, row)
    assert session_row.plan.data["steps"][0]["seconds"] == longer
    assert session_row.plan.data["programme"]["week"] == 2


# --- one run a person: whose programme runs ------------------------------------------------------------


def test_a_therapists_programme_replaces_the_clients_own_but_not_another_therapists(
    therapist: User, outsider: User, client_person: Person
) -> None:
    runs.start_programme(client_person, weeks=6, days="tue,thu", time="08:00", now=MONDAY)
    mine = programme_for(therapist, client_person)
    assert engine.sync(mine, MONDAY).state == "started"
    assert ProgrammeRun.objects.get(source="self").status == "stopped"
    theirs = programme_for(outsider, client_person, title="Neck", session_days=["sat"])
    synced = engine.sync(theirs, MONDAY)
    assert synced.state == "busy" and "Another therapist's programme" in synced.words
    assert engine.run_of(mine) is not None and services.schedule(client_person)[0] == ("mon", "wed", "fri")


def test_stopping_the_programme_stops_its_weeks_and_a_saved_change_after_the_end_starts_none(
    therapist: User, client_person: Person, link: CareLink
) -> None:
    browser = signed_in(therapist)
    browser.post(url(client_person), form())
    row = Programme.objects.get(client=client_person)
    browser.post(f"/clinic/clients/{client_person.pk}/programme/stop/")
    assert ProgrammeRun.objects.get(person=client_person).status == "stopped"
    # A new programme starts new weeks; stopped by the client, an edit does not restart them.
    browser.post(url(client_person), form(title="Desk back, part 2"))
    row = Programme.objects.get(client=client_person, archived_at__isnull=True)
    assert engine.run_of(row) is not None
    runs.stop_programme(client_person)
    browser.post(url(client_person), form(title="Desk back, part 2b"))
    assert engine.run_of(row) is None
    page = browser.get(url(client_person)).content.decode()
    assert "Its weeks are over or were stopped." in page
    browser.post(url(client_person), {"action": "restart"})
    assert engine.run_of(row) is not None


def test_a_programme_starting_later_starts_its_weeks_when_the_client_opens_today_that_day(
    therapist: User, client_a: User, client_person: Person
) -> None:
    today = datetime.now(NEW_YORK).date()
    row = programme_for(therapist, client_person, starts_on=today + timedelta(days=3))
    assert engine.sync(row).state == "waiting" and not ProgrammeRun.objects.exists()
    Programme.objects.filter(pk=row.pk).update(starts_on=today)
    assert signed_in(client_a).get("/today/").content.decode().count("Week 1 of 4") == 1
    assert engine.run_of(row) is not None
    assert signed_in(client_a).get("/today/").content.decode().count("Week 1 of 4") == 1


# --- what the therapist sees ---------------------------------------------------------------------------


def test_the_client_page_shows_the_weeks_the_dose_changes_with_reasons_and_the_checkins(
    therapist: User, client_person: Person, link: CareLink
) -> None:
    row = programme_for(therapist, client_person)
    engine.sync(row)
    runs.record_checkin(client_person, pain=6, activity="carrying the shopping", activity_score=3, pgic=None)
    page = signed_in(therapist).get(f"/clinic/clients/{client_person.pk}/").content.decode()
    assert "Week 1 of 4" in page and "Your programme &#x27;Desk back&#x27;" in page
    assert page.count('data-testid="programme-week-row"') == 4
    assert "The times you set" in page
    assert "carrying the shopping: 3" in page and page.count('data-testid="checkin-row"') == 1


def test_an_adherence_only_therapist_sees_the_weeks_but_no_checkin_or_reason(
    therapist: User, client_person: Person, link: CareLink
) -> None:
    link.share = CareLink.Share.ADHERENCE
    link.save()
    row = programme_for(therapist, client_person)
    engine.sync(row)
    runs.record_checkin(client_person, pain=6, activity="carrying the shopping", activity_score=3)
    page = signed_in(therapist).get(f"/clinic/clients/{client_person.pk}/").content.decode()
    assert "Week 1 of 4" in page and page.count('data-testid="programme-week-row"') == 4
    assert "shopping" not in page and 'data-testid="dose-change"' not in page
    assert 'data-testid="programme-checkins"' not in page


def test_a_therapist_not_linked_to_the_client_sees_nothing_of_their_weeks(
    therapist: User, outsider: User, client_person: Person, link: CareLink
) -> None:
    row = programme_for(therapist, client_person)
    engine.sync(row)
    runs.record_checkin(client_person, pain=6, activity="carrying the shopping", activity_score=3)
    browser = signed_in(outsider)
    for path in (f"/clinic/clients/{client_person.pk}/", url(client_person)):
        response = browser.get(path)
        assert response.status_code == 404
        assert "shopping" not in response.content.decode() and "Week 1" not in response.content.decode()
    assert browser.post(url(client_person), {"action": "restart"}).status_code == 404


def test_a_therapists_programme_is_a_care_plan_in_the_clients_fhir_export(
    therapist: User, client_person: Person
) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.careplan import CarePlan

    from backease.exports.fhir import fhir_bundle

    row = programme_for(therapist, client_person, session_days=["tue", "fri"], session_time="17:45")
    engine.sync(row, MONDAY)
    bundle = fhir_bundle(client_person, MONDAY + timedelta(days=1))
    Bundle.model_validate(bundle)
    [plan] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    CarePlan.model_validate(plan)
    assert plan["title"] == "4-week home programme from a therapist" and plan["status"] == "active"
    repeat = plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]
    assert repeat["dayOfWeek"] == ["tue", "fri"] and repeat["timeOfDay"] == ["17:45:00"]
