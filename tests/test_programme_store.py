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
