"""A client's adherence and flags count in the client's own time zone (issue 18 item 1),
not the server's (UTC): a therapist in one zone follows clients in others."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backease.accounts.models import User
from backease.clinic import flags
from backease.clinic.models import CareLink, Flag, Programme
from backease.store import services
from backease.store.models import Person, Plan
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 5, "knot": True}],
    "tools": ["tennis_ball", "wall"],
    "minutes": 10,
}


@pytest.fixture
def plan(person_a: Person) -> Plan:
    services.save_profile(person_a, PROFILE)
    services.record_screening(person_a, {})
    return services.make_plan(person_a, seed=1)


def counted_session(person: Person, plan: Plan, at: datetime) -> None:
    session = services.start_session(person, plan, now=at)
    services.log_step(session, 0, seconds_done=60)
    services.finish_session(session, "completed")


def state_of(link: CareLink, now: datetime) -> flags.ClientState:
    [state] = flags.client_states(flags.annotated_links(CareLink.objects.filter(pk=link.pk)), now)
    return state


def test_a_new_york_clients_sunday_evening_session_counts_in_their_week(
    therapist: User, person_a: Person, link: CareLink, plan: Plan
) -> None:
    save_time_zone(person_a, "America/New_York")
    Programme.objects.create(
        therapist=therapist, client=person_a, title="Home", days_per_week=3, starts_on=date(2026, 10, 1)
    )
    for day in ("2026-11-16T19:00", "2026-11-18T19:00", "2026-11-22T20:00"):  # Mon, Wed, Sun evening
        counted_session(person_a, plan, datetime.fromisoformat(day).replace(tzinfo=NEW_YORK))
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Sunday 22:00 in New York, Monday in UTC
    state = state_of(link, now)
    assert state.today(now) == date(2026, 11, 22)
    week = state.adherence(state.today(now))
    assert week is not None
    assert (week.monday, week.done) == (date(2026, 11, 16), 3)
    flags.daily_check(now)
    # The weeks judged are theirs: the one before (nothing done) and this one (3 of 3).
    keys = Flag.objects.filter(client=person_a, kind="low_adherence").values_list("key", flat=True)
    assert list(keys) == ["low_adherence:2026-11-09"]


def test_no_session_for_14_days_counts_the_kolkata_clients_days(
    person_a: Person, link: CareLink, plan: Plan
) -> None:
    save_time_zone(person_a, "Asia/Kolkata")
    now = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)  # 01:30 on 20 November in Kolkata
    CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=40))
    counted_session(person_a, plan, datetime(2026, 11, 6, 2, 0, tzinfo=KOLKATA))  # 5 Nov 20:30 UTC
    flags.daily_check(now)
    flag = Flag.objects.get(client=person_a, kind="no_session")
    assert flag.key == "no_session:2026-11-06"
    assert "14 days (since 6 Nov)" in flag.detail


def test_pain_7_or_more_is_one_flag_on_the_clients_own_day(person_a: Person, link: CareLink) -> None:
    save_time_zone(person_a, "Asia/Kolkata")
    services.add_pain_entry(person_a, 8, at=datetime(2026, 11, 19, 20, 0, tzinfo=UTC))  # 20 Nov there
    services.add_pain_entry(person_a, 9, at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # still 20 Nov
    keys = list(Flag.objects.filter(client=person_a, kind="pain_high").values_list("key", flat=True))
    assert keys == ["pain_high:2026-11-20"]


def test_a_programme_starts_on_the_clients_own_day(therapist: User, person_a: Person, link: CareLink) -> None:
    save_time_zone(person_a, "Asia/Kolkata")
    Programme.objects.create(
        therapist=therapist, client=person_a, title="Home", days_per_week=3, starts_on=date(2026, 11, 20)
    )
    now = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)  # already 20 November in Kolkata
    state = state_of(link, now)
    assert state.programme is not None and state.programme.title == "Home"
    week = state.adherence(state.today(now))
    assert week is not None and (week.monday, week.days) == (date(2026, 11, 16), 0)


def test_the_browsers_zone_is_kept_for_a_client_but_makes_no_person_for_a_therapist(
    therapist: User, client_a: User
) -> None:
    from tests.clinic.conftest import signed_in

    browser = signed_in(therapist)
    answer = browser.post("/settings/browser-zone/", {"time_zone": "Europe/London"})
    assert answer.status_code == 200 and answer.json() == {"time_zone": None, "changed": False}
    assert not Person.objects.filter(user=therapist).exists()
    client = signed_in(client_a)
    client.get("/today/")  # the client's own self-care pages make their person
    answer = client.post("/settings/browser-zone/", {"time_zone": "Asia/Kolkata"})
    assert answer.json() == {"time_zone": "Asia/Kolkata", "changed": True}
    assert Person.objects.get(user=client_a).time_zone == "Asia/Kolkata"
