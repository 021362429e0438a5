"""Programmes stored (backease.store.programmes): start, the lazy weekly decision, check-ins,
stop, and the walk of the issue's done-when: a person in America/New_York and one in
Asia/Kolkata through 6 weeks across the end of US daylight saving time (2026-11-01), with
sessions done, missed and too much written through the services with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backease.core.errors import Conflict, InputError, Missing
from backease.store import programmes, services
from backease.store.models import CheckIn, Person, ProgrammeRun, ProgrammeWeek
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball", "wall"],
    "minutes": 15,
}


def at(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    save_time_zone(person, "America/New_York")
    person.refresh_from_db()
    return person


def test_starting_a_programme_sets_the_schedule_and_week_1s_dose(owner: Person) -> None:
    now = at("2026-10-12T09:00", NEW_YORK)
    view = programmes.start_programme(owner, weeks=6, days="mon,wed,fri", time="19:00", now=now)
    assert view.week == 1 and view.weeks == 6 and view.started_on.isoformat() == "2026-10-12"
    assert services.schedule(owner) == (("mon", "wed", "fri"), "19:00")
    assert view.changes[0].action == "start" and view.dose.minutes == 15
    assert view.checkin_due and not view.pgic_due
    with pytest.raises(Conflict):
        programmes.start_programme(owner, now=now)
    assert programmes.current_dose(owner, now) == view.dose
    assert programmes.stop_programme(owner, now) is True
    assert programmes.programme_view(owner, now) is None
    assert programmes.current_dose(owner, now) is None


def test_the_precautions_cap_the_dose_and_the_plan_follows_it(owner: Person) -> None:
    services.record_screening(owner, {"anticoagulants": True})  # gentle pressure only
    now = at("2026-10-12T09:00", NEW_YORK)
    services.save_profile(owner, {**PROFILE, "pressure": "firm", "minutes": 30})
    view = programmes.start_programme(owner, now=now)
    assert view.dose.pressure == "gentle" and view.dose.minutes == 30
    assert "gentle pressure only" in view.changes[0].reason
    plan = services.core_plan(services.make_plan(owner, now=now))
    assert plan.minutes == 30 and all(step.intensity == "gentle" for step in plan.steps)


def test_bad_input_stores_nothing(owner: Person) -> None:
    now = at("2026-10-12T09:00", NEW_YORK)
    for kwargs, field in (
        ({"weeks": 1}, "weeks"),
        ({"days": "mon,xyz"}, "days"),
        ({"time": "25:00"}, "time"),
    ):
        with pytest.raises(InputError) as error:
            programmes.start_programme(owner, now=now, **kwargs)  # type: ignore[arg-type]
        assert error.value.field == field
    assert not ProgrammeRun.objects.exists()
    with pytest.raises(Missing):
        programmes.record_checkin(owner, pain=3, activity="lifting", activity_score=4, now=now)


def test_a_checkin_a_week_the_second_replaces_the_first(owner: Person) -> None:
    now = at("2026-10-12T09:00", NEW_YORK)
    programmes.start_programme(owner, now=now)
    programmes.record_checkin(owner, pain=6, activity="carrying shopping", activity_score=3, now=now)
    again = programmes.record_checkin(
        owner, pain=5, activity="", activity_score=4, now=now + timedelta(hours=2)
    )
    assert again.activity == "carrying shopping" and again.pain == 5
    assert CheckIn.objects.count() == 1
    with pytest.raises(InputError) as error:
        programmes.record_checkin(owner, pain=3, activity="x", activity_score=4, pgic=9, now=now)
    assert error.value.field == "pgic"


def test_a_weeks_dose_is_decided_once_however_often_it_is_read(owner: Person) -> None:
    programmes.start_programme(owner, now=at("2026-10-12T09:00", NEW_YORK))
    later = at("2026-10-27T09:00", NEW_YORK)  # week 3
    first = programmes.programme_view(owner, later)
    second = programmes.programme_view(owner, later)
    assert first is not None and second is not None
    assert [c.reason for c in first.changes] == [c.reason for c in second.changes]
    assert ProgrammeWeek.objects.count() == 3


# --- the walk: 6 weeks across the end of US daylight saving time --------------------------------

START = "2026-10-12T09:00"  # a Monday; US clocks go back on Sunday 2026-11-01 at 02:00
WEEKS: list[list[tuple[str, str]]] = [
    # (local wall time, what happened): "done", "too_much"
    [("2026-10-12T19:00", "done"), ("2026-10-14T19:00", "done"), ("2026-10-16T19:00", "done")],
    [("2026-10-19T19:00", "done"), ("2026-10-21T19:00", "done")],  # Friday missed
    # The third is late on Sunday 1 November: in New York that is Monday in UTC.
    [("2026-10-26T19:00", "done"), ("2026-10-28T19:00", "done"), ("2026-11-01T23:30", "done")],
    # The first is just after midnight on Monday: in Kolkata that is still Sunday in UTC.
    [("2026-11-02T00:30", "done"), ("2026-11-04T19:00", "too_much"), ("2026-11-06T19:00", "done")],
    [("2026-11-09T19:00", "done"), ("2026-11-11T19:00", "done"), ("2026-11-13T19:00", "done")],
    [("2026-11-16T19:00", "done")],
]
EXPECTED = [
    # week, action, start of the reason
    (1, "start", "Starting dose from your 15 minutes and moderate pressure"),
    (
        2,
        "up",
        "Rolling 75 s -> 90 s, rounds 1 -> 2: 3 sessions done, none too much,"
        " pain after no higher than before; minutes stay 15: the 15 minutes you chose",
    ),
    (3, "hold", "Kept as it was: 2 of 3 planned sessions done"),
    (4, "up", "Holds 60 s -> 75 s, pressure moderate -> firm: 3 sessions done, none too much"),
    (5, "down", "Holds 75 s -> 60 s, pressure firm -> moderate: 'too much' in 1 session"),
    (6, "down", "Rolling 90 s -> 75 s, rounds 2 -> 1: pain 7 in your diary"),
]


def _person(zone_name: str) -> Person:
    person = Person.objects.create(name=zone_name)
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    save_time_zone(person, zone_name)
    person.refresh_from_db()
    return person


def _session(person: Person, when: datetime, what: str) -> None:
    plan = services.make_plan(person, seed=1, now=when)
    row = services.start_session(person, plan, now=when)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60, feedback="too_much" if what == "too_much" else "")
    services.close_session(row, "completed", pain_before=5, pain_after=4)


@pytest.mark.parametrize("zone_name", ["America/New_York", "Asia/Kolkata"])
def test_six_weeks_in_the_persons_zone_across_a_clock_change(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    person = _person(zone_name)
    programmes.start_programme(person, weeks=6, days="mon,wed,fri", time="19:00", now=at(START, zone))
    for number, week in enumerate(WEEKS, start=1):
        for text, what in week:
            when = at(text, zone)
            view = programmes.programme_view(person, when)
            assert view is not None and view.week == number, (text, view and view.week)
            # Today's plan is the programme's session for today: this week's dose.
            assert services.make_plan(person, seed=2, now=when).minutes == view.dose.minutes
            _session(person, when, what)
        if number == 5:
            services.add_pain_entry(person, 7, at=at("2026-11-12T08:00", zone))
        sunday = at(f"{week[0][0][:10]}T12:00", zone) + timedelta(days=6)
        view = programmes.programme_view(person, sunday)
        assert view is not None and view.week == number
        assert view.done_this_week == len(week), (number, view.timeline[number - 1])
    checkin_days = {1: ("2026-10-13T08:00", 6, 3, None), 2: ("2026-10-20T08:00", 6, 4, 3)}
    checkin_days[6] = ("2026-11-20T08:00", 3, 6, 2)
    for text, pain, score, pgic in checkin_days.values():
        programmes.record_checkin(
            person,
            pain=pain,
            activity="carrying shopping",
            activity_score=score,
            pgic=pgic,
            now=at(text, zone),
        )
    end = programmes.programme_view(person, at("2026-11-23T09:00", zone))
    assert end is not None and end.finished and end.week == 6
    got = [(c.week, c.action, c.reason) for c in end.changes]
    for (week, action, reason), (got_week, got_action, got_reason) in zip(EXPECTED, got, strict=True):
        assert (got_week, got_action) == (week, action), got_reason
        assert got_reason.startswith(reason), got_reason
    assert [w.dose.step for w in end.timeline if w.dose] == [3, 4, 4, 5, 4, 3]
    assert end.timeline[1].missed == (at("2026-10-23T00:00", zone).date(),)
    assert [c.week for c in end.checkins] == [1, 2, 6]
    assert end.summary is not None and end.summary.pain.meaningful and end.summary.activity.meaningful
    assert end.summary.pgic_words == "much improved"
    assert ProgrammeRun.objects.get(person=person).status == "finished"
    assert programmes.current_dose(person, at("2026-11-23T09:00", zone)) is None


def test_the_plan_keeps_to_the_persons_minutes_and_pressure(owner: Person) -> None:
    """A dose never makes a session longer than the person's minutes or firmer than they asked,
    and a shorter session chosen for one day is kept."""
    services.save_profile(owner, {**PROFILE, "pressure": "gentle", "minutes": 10})
    now = at("2026-10-12T09:00", NEW_YORK)
    view = programmes.start_programme(owner, now=now)
    assert view.dose.minutes <= 10 and view.dose.pressure == "gentle"
    plan = services.core_plan(services.make_plan(owner, now=now))
    assert plan.minutes == 10 and all(step.intensity == "gentle" for step in plan.steps)
    today = services.profile_from_data({**PROFILE, "pressure": "gentle", "minutes": 5})
    assert services.core_plan(services.make_plan(owner, profile=today, now=now)).minutes == 5
