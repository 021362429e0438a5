"""The calendar file's alarm (VALARM) and the subscribable calendar URL (docs/reminders.md):
each planned day's session carries an alarm at the reminder's time, the file stays
privacy-minimal, and the secret link can be made, replaced and turned off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.test import Client
from icalendar import Calendar

from backease.exports.ics import calendar_ics
from backease.store import services
from backease.store.models import Person
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 10, 12, 12, 0, tzinfo=UTC)  # a Monday; US clocks go back on 1 November


def owner(zone: str = "America/New_York") -> Person:
    person = services.local_owner()
    save_time_zone(person, zone)
    person.refresh_from_db()
    services.save_profile(person, {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 20})
    return person


def the_event(data: bytes) -> Any:
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    return event


def occurrences(event: Any, weeks: int = 6) -> list[datetime]:
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    return list(rule.between(start, start + timedelta(weeks=weeks, seconds=-1), inc=True))


def test_each_planned_session_has_an_alarm_at_its_start_for_six_weeks_across_the_clock_change() -> None:
    person = owner()
    services.save_schedule(person, ["mon", "wed", "fri"], "19:00")
    event = the_event(calendar_ics(person, NOW))
    (alarm,) = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == timedelta(0)
    assert str(alarm["description"]) == "Upper back self-care (20 min)"
    found = occurrences(event)
    assert len(found) == 6 * 3
    assert {(moment.strftime("%a"), moment.strftime("%H:%M")) for moment in found} == {
        ("Mon", "19:00"), ("Wed", "19:00"), ("Fri", "19:00"),
    }  # fmt: skip
    # The alarm rings at each start: 23:00 UTC before the change, 00:00 UTC after it.
    rings = {(moment + alarm.decoded("trigger")).astimezone(UTC).strftime("%H:%M") for moment in found}
    assert rings == {"23:00", "00:00"}


def test_a_planned_time_in_quiet_hours_rings_at_their_end_and_none_when_they_run_past_midnight() -> None:
    person = owner("Asia/Kolkata")
    services.save_schedule(person, ["tue", "thu"], "06:30", quiet="22:00-07:00")
    (alarm,) = the_event(calendar_ics(person, NOW)).walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=30)  # 07:00, the end of the quiet hours
    services.save_schedule(person, ["tue", "thu"], "22:30")
    assert the_event(calendar_ics(person, NOW)).walk("VALARM") == []
    services.save_schedule(person, ["tue", "thu"], "19:00", quiet="", reminders=False)
    assert the_event(calendar_ics(person, NOW)).walk("VALARM") == []


def test_the_calendar_link_serves_the_same_privacy_minimal_file_without_sign_in(client: Client) -> None:
    person = owner()
    services.save_schedule(person, ["mon", "wed", "fri"], "19:00")
    assert client.get("/calendar/nothing-here.ics").status_code == 404
    answer = client.post("/settings/calendar/", {"action": "new"})
    assert answer.status_code == 302 and answer["Location"].endswith("?saved=calendar#calendar")
    token = services.calendar_token(person)
    assert token and len(token) >= 32
    page = client.get("/settings/").content.decode()
    assert f"http://testserver/calendar/{token}.ics" in page
    assert f"webcal://testserver/calendar/{token}.ics" in page
    feed = Client().get(f"/calendar/{token}.ics")  # a calendar app: no cookies
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    event = the_event(feed.content)
    assert event.walk("VALARM") and str(event["summary"]) == "Upper back self-care (20 min)"
    text = feed.content.decode()
    for private in ("upper_trapezius", "pain", "ATTENDEE", "URL:"):
        assert private not in text.replace("Rate your pain", "")


def test_a_new_link_replaces_the_old_and_turning_it_off_stops_it(client: Client) -> None:
    person = owner()
    client.post("/settings/calendar/", {"action": "new"})
    first = services.calendar_token(person)
    client.post("/settings/calendar/", {"action": "new"})
    second = services.calendar_token(person)
    assert first != second
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    answer = client.post("/settings/calendar/", {"action": "off"})
    assert answer["Location"].endswith("?saved=calendar-off#calendar")
    assert services.calendar_token(person) is None
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    page = client.get("/settings/?saved=calendar-off").content.decode()
    assert "The calendar link is off" in page and "Make a calendar link" in page


def test_the_settings_page_shows_the_schedule_and_when_the_next_reminder_comes(client: Client) -> None:
    person = owner()
    services.save_schedule(person, ["mon", "fri"], "19:00", quiet="22:00-07:00")
    page = client.get("/settings/").content.decode()
    assert "Monday, Friday at 19:00" in page and "Quiet hours: 22:00-07:00." in page
    assert "Reminders are on; the next one: <strong>Friday" in page or "the next one: <strong>Monday" in page
    services.save_schedule(person, ["mon", "fri"], "19:00", reminders=False)
    assert "Reminders are off." in client.get("/settings/").content.decode()


def test_the_calendar_and_the_push_say_the_length_of_this_weeks_session() -> None:
    """During a programme the session lasts the week's dose (within the person's minutes), and
    the calendar event and the pushed reminder say so, not the profile's longer minutes."""
    from backease.reminders.webpush import reminder_for
    from backease.store import programmes

    person = owner()
    services.save_profile(
        person,
        {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 30, "pressure": "gentle"},
    )
    assert the_event(calendar_ics(person, NOW)).decoded("duration") == timedelta(minutes=30)
    view = programmes.start_programme(person, days="mon,wed,fri", time="19:00", now=NOW)
    assert view.dose.minutes == 12  # the highest gentle rung of the ladder
    event = the_event(calendar_ics(person, NOW))
    assert event.decoded("duration") == timedelta(minutes=12)
    assert "(12 min)" in str(event["summary"])
    assert reminder_for(person, NOW)["body"] == "Time for your upper back session (12 min)"
