"""Follow-up flags: each kind raised once, only for people who share with a therapist, told
to the therapists whose share covers it, and acknowledged per therapist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic import flags
from backease.clinic.models import CareLink, Flag, FlagAck, Notice, Outcome, Programme
from backease.store import services
from backease.store.models import Person, Plan
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db

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


def kinds(person: Person) -> list[str]:
    return sorted(Flag.objects.filter(client=person).values_list("kind", flat=True))


def test_it_raises_a_red_flag_for_an_emergency_answer(link: CareLink, person_a: Person) -> None:
    services.record_screening(person_a, {"chest_pain": True})
    flag = Flag.objects.get(client=person_a)
    assert flag.kind == "red_flag"
    assert "emergency" in flag.detail and "chest pain" in flag.detail


@pytest.mark.parametrize(
    ("answers", "raised"),
    [
        ({"fever": True}, True),  # urgent
        ({"worse_cough_sneeze_strain": True}, True),  # soon
        ({"cancer_history": True, "clinician_cleared": True}, True),  # cleared, still a red-flag rule
        ({"anticoagulants": True}, False),  # a precaution is not a red flag
        ({"age": 75}, False),
        ({}, False),
    ],
)
def test_it_reads_red_flags_cautiously(
    link: CareLink, person_a: Person, answers: dict[str, Any], raised: bool
) -> None:
    services.record_screening(person_a, answers)
    assert (kinds(person_a) == ["red_flag"]) is raised


def test_it_does_not_raise_a_red_flag_again_for_the_same_standing_answer(
    link: CareLink, person_a: Person
) -> None:
    services.record_screening(person_a, {"worse_cough_sneeze_strain": True})
    services.record_screening(person_a, {"worse_cough_sneeze_strain": True})
    assert kinds(person_a) == ["red_flag"]
    services.record_screening(person_a, {"worse_cough_sneeze_strain": True, "back_lump_or_deformity": True})
    assert kinds(person_a) == ["red_flag", "red_flag"]


def test_it_raises_nothing_for_someone_who_shares_with_nobody(person_a: Person, plan: Plan) -> None:
    session = services.start_session(person_a, plan)
    services.log_step(session, 0, seconds_done=30, feedback="sharp_pain")
    services.add_pain_entry(person_a, 9)
    services.record_screening(person_a, {"chest_pain": True})  # after: no session starts then
    assert Flag.objects.count() == 0


def test_a_write_costs_one_query_for_someone_who_shares_with_nobody(person_a: Person) -> None:
    services.add_pain_entry(person_a, 3)
    with CaptureQueriesContext(connection) as queries:
        services.add_pain_entry(person_a, 9)
    assert len(queries) == 2  # the insert, and the one look-up of active links


def test_personal_mode_writes_cost_no_extra_query(settings: Any, person_a: Person) -> None:
    settings.MODE = "personal"
    with CaptureQueriesContext(connection) as queries:
        services.add_pain_entry(person_a, 9)
    assert len(queries) == 1


def test_it_raises_pain_7_or_more_once_a_day(link: CareLink, person_a: Person) -> None:
    at = timezone.now().replace(hour=12, minute=0)  # both ratings on one day, whenever the test runs
    services.add_pain_entry(person_a, 7, at=at - timedelta(minutes=5))
    services.add_pain_entry(person_a, 8, at=at)
    assert kinds(person_a) == ["pain_high", "pain_rise"] or kinds(person_a) == ["pain_high"]
    assert Flag.objects.filter(client=person_a, kind="pain_high").count() == 1


def test_it_raises_pain_up_by_3_against_the_rating_before(link: CareLink, person_a: Person) -> None:
    at = timezone.now() - timedelta(hours=2)
    services.add_pain_entry(person_a, 2, at=at)
    services.add_pain_entry(person_a, 4, at=at + timedelta(minutes=1))
    assert kinds(person_a) == []
    services.add_pain_entry(person_a, 6, at=at + timedelta(minutes=2))
    assert kinds(person_a) == []  # 4 -> 6 is 2 points
    services.add_pain_entry(person_a, 3, at=at + timedelta(minutes=3))
    services.add_pain_entry(person_a, 6, at=at + timedelta(minutes=4))
    flag = Flag.objects.get(client=person_a)
    assert flag.kind == "pain_rise" and "3 → 6" in flag.detail


def test_session_pain_before_and_after_raise_flags(link: CareLink, person_a: Person, plan: Plan) -> None:
    session = services.start_session(person_a, plan)
    services.update_session(session, pain_before=3)
    services.update_session(session, pain_after=7)
    assert kinds(person_a) == ["pain_high", "pain_rise"]
    rise = Flag.objects.get(client=person_a, kind="pain_rise")
    assert rise.detail == "Pain 3 → 7 of 10 after a session"


def test_a_sharp_pain_press_raises_one_flag(link: CareLink, person_a: Person, plan: Plan) -> None:
    session = services.start_session(person_a, plan)
    services.log_step(session, 0, seconds_done=20, feedback="sharp_pain")
    assert kinds(person_a) == ["sharp_pain"]
    assert "sharp pain" in Flag.objects.get(client=person_a).detail


def test_a_sharp_pain_stop_reason_raises_the_flag(link: CareLink, person_a: Person, plan: Plan) -> None:
    session = services.start_session(person_a, plan)
    services.update_session(session, status="stopped", stop_reason="sharp pain")
    assert kinds(person_a) == ["sharp_pain"]


def test_a_high_pain_now_outcome_raises_the_flag(link: CareLink, person_a: Person) -> None:
    Outcome.objects.create(person=person_a, kind="nrs", at=timezone.now(), data={"score": 8})
    assert kinds(person_a) == ["pain_high"]


def test_an_adherence_only_therapist_is_told_only_of_adherence_flags(
    therapist: User, outsider: User, person_a: Person, plan: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    CareLink.objects.create(therapist=therapist, client=person_a, share="full")
    CareLink.objects.create(therapist=outsider, client=person_a, share="adherence")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_pain_entry(person_a, 9)
    assert Notice.objects.filter(recipient=therapist).count() == 1
    assert Notice.objects.filter(recipient=outsider).count() == 0
    assert [m.to for m in mail.outbox] == [[therapist.email]]
    flags.raise_flag(person_a, "no_session", "no_session:2026-01-01", "No session for 14 days")
    assert Notice.objects.filter(recipient=outsider).count() == 1


def test_each_new_flag_emails_once_per_unread_notice_and_never_when_opted_out(
    therapist: User, person_a: Person, link: CareLink, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        flags.raise_flag(person_a, "pain_high", "k1", "Pain 8")
        flags.raise_flag(person_a, "sharp_pain", "k2", "Sharp")
    assert len(mail.outbox) == 1
    assert "Open their page" in mail.outbox[0].body
    Notice.objects.update(read_at=timezone.now())
    therapist.email_notices = False
    therapist.save()
    with django_capture_on_commit_callbacks(execute=True):
        flags.raise_flag(person_a, "pain_high", "k3", "Pain 9")
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(recipient=therapist, read_at__isnull=True).count() == 1


def test_raising_the_same_key_twice_is_a_no_op(person_a: Person, link: CareLink) -> None:
    assert flags.raise_flag(person_a, "pain_high", "same", "x") is not None
    assert flags.raise_flag(person_a, "pain_high", "same", "y") is None
    assert Flag.objects.count() == 1


def test_every_kind_can_be_acknowledged_and_moves_to_seen(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(therapist)
    for kind in [
        "red_flag",
        "pain_high",
        "pain_rise",
        "sharp_pain",
        "no_session",
        "low_adherence",
        "blocked_step",
    ]:
        flag = flags.raise_flag(person_a, kind, f"test:{kind}", f"detail of {kind}")
        assert flag is not None
        response = browser.post(f"/clinic/flags/{flag.pk}/acknowledge/", {"next": "/clinic/"})
        assert response.status_code == 302
        assert FlagAck.objects.filter(flag=flag, therapist=therapist).exists()
    page = browser.get("/clinic/").content.decode()
    seen = page.split('id="seen"')[1]
    assert "detail of red_flag" in seen and "detail of blocked_step" in seen
    assert "Acknowledge" not in page.split('id="seen"')[0].split('id="clients"')[1]


def test_an_adherence_only_therapist_cannot_see_or_acknowledge_a_pain_flag(
    outsider: User, person_a: Person
) -> None:
    CareLink.objects.create(therapist=outsider, client=person_a, share="adherence")
    pain = flags.raise_flag(person_a, "pain_high", "p", "Pain 9 of 10 in the diary")
    adherence = flags.raise_flag(person_a, "no_session", "n", "No session that counts for 15 days")
    assert pain is not None and adherence is not None
    browser = signed_in(outsider)
    page = browser.get("/clinic/").content.decode()
    assert "No session that counts" in page and "Pain 9" not in page
    client_page = browser.get(f"/clinic/clients/{person_a.pk}/").content.decode()
    assert "Pain 9" not in client_page and "No session that counts" in client_page
    assert browser.post(f"/clinic/flags/{pain.pk}/acknowledge/").status_code == 404
    assert browser.post(f"/clinic/flags/{adherence.pk}/acknowledge/").status_code == 302


def test_an_unrelated_therapist_cannot_acknowledge(outsider: User, person_a: Person, link: CareLink) -> None:
    flag = flags.raise_flag(person_a, "no_session", "n", "x")
    assert flag is not None
    assert signed_in(outsider).post(f"/clinic/flags/{flag.pk}/acknowledge/").status_code == 404
    assert not FlagAck.objects.exists()


# --- time flags and adherence arithmetic ------------------------------------------------------


def test_adherence_is_pro_rata_over_the_whole_days_gone_this_week() -> None:
    monday = date(2026, 11, 23)
    # Monday: no day of the week is over, nothing is expected yet.
    week = flags.week_adherence(monday, monday, 3, [])
    assert (week.days, week.expected, week.ratio, week.low) == (0, 0, None, False)
    # Thursday morning, 3 a week: 3 days gone, 9/7 = 1.29 expected; one session is 78 %.
    thursday = monday + timedelta(days=3)
    week = flags.week_adherence(monday, thursday, 3, [monday + timedelta(days=1)])
    assert week.days == 3 and week.expected == 1.29 and week.percent == 78 and not week.low
    # None done by Thursday: 0 % and low.
    assert flags.week_adherence(monday, thursday, 3, []).low
    # A session today counts, though today is not yet in the expected share.
    assert flags.week_adherence(monday, thursday, 3, [thursday]).ratio == pytest.approx(7 / 9)


def test_adherence_at_the_week_boundary() -> None:
    monday = date(2026, 11, 23)
    next_monday = monday + timedelta(days=7)
    sunday = monday + timedelta(days=6)
    # Seen on the next Monday, the whole week is over: 3 expected; 1 done is 33 %.
    week = flags.week_adherence(monday, next_monday, 3, [sunday, next_monday])
    assert (week.days, week.expected, week.done, week.percent, week.low) == (7, 3, 1, 33, True)
    # The new week starts from nothing: the Monday session is its own.
    week = flags.week_adherence(next_monday, next_monday, 3, [sunday, next_monday])
    assert (week.done, week.ratio) == (1, None)
    # Exactly half is not under half.
    assert not flags.week_adherence(monday, next_monday, 4, [monday, sunday]).low


def test_adherence_counts_only_the_days_the_programme_ran() -> None:
    monday = date(2026, 11, 23)
    friday = monday + timedelta(days=4)
    # Started Wednesday, 7 a week, seen Friday: Wednesday and Thursday are over, 2 expected.
    week = flags.week_adherence(monday, friday, 7, [monday, friday], starts_on=monday + timedelta(days=2))
    assert (week.days, week.expected, week.done) == (2, 2, 1)
    # Ended Tuesday: only Monday and Tuesday count, whatever the day it is seen.
    week = flags.week_adherence(monday, friday, 7, [monday], ends_on=monday + timedelta(days=1))
    assert (week.days, week.done, week.percent) == (2, 1, 50)


def _programme(therapist: User, person: Person, starts_on: date, per_week: int = 3) -> Programme:
    return Programme.objects.create(
        therapist=therapist,
        client=person,
        title="Home programme",
        days_per_week=per_week,
        starts_on=starts_on,
    )


def _counted_session(person: Person, plan: Plan, at: datetime) -> None:
    session = services.start_session(person, plan, now=at)
    services.log_step(session, 0, seconds_done=60)
    services.finish_session(session, "completed")


def test_the_daily_check_raises_no_session_and_low_adherence_once(
    therapist: User, person_a: Person, link: CareLink, plan: Plan
) -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
    CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=40))
    _programme(therapist, person_a, date(2026, 10, 1))
    _counted_session(person_a, plan, now - timedelta(days=20))
    counts = flags.daily_check(now)
    assert counts["flags_raised"] == 3  # no session since 6 Nov, last week and this week under 50 %
    assert sorted(Flag.objects.values_list("key", flat=True)) == [
        "low_adherence:2026-11-16",
        "low_adherence:2026-11-23",
        "no_session:2026-11-06",
    ]
    assert flags.daily_check(now)["flags_raised"] == 0


def test_no_session_counts_from_the_programme_start(
    therapist: User, person_a: Person, link: CareLink, plan: Plan
) -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=60))
    _programme(therapist, person_a, now.date() - timedelta(days=10), per_week=1)
    flags.daily_check(now)
    assert not Flag.objects.filter(kind="no_session").exists()
    flags.daily_check(now + timedelta(days=4))
    assert Flag.objects.filter(kind="no_session").count() == 1


def test_time_flags_are_raised_when_the_therapist_opens_the_dashboard(
    therapist: User, person_a: Person, link: CareLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()
    CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=30))
    monkeypatch.setattr(flags, "clock", lambda: now)
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert Flag.objects.filter(kind="no_session").count() == 1
    assert "No session for 14 days" in page


def test_the_command_line_runs_the_daily_check(person_a: Person, link: CareLink) -> None:
    from typer.testing import CliRunner

    from backease.__main__ import app

    CareLink.objects.filter(pk=link.pk).update(created_at=timezone.now() - timedelta(days=20))
    result = CliRunner().invoke(app, ["clinic", "daily", "--json"])
    assert result.exit_code == 0, result.output
    assert '"flags_raised": 1' in result.output


def test_a_programme_without_a_start_date_runs_from_the_day_it_was_set(
    therapist: User, person_a: Person, link: CareLink, plan: Plan
) -> None:
    now = timezone.now()
    CareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=40))
    _counted_session(person_a, plan, now - timedelta(days=9))
    row = Programme.objects.create(therapist=therapist, client=person_a, title="Given today", days_per_week=3)
    flags.daily_check(now)
    # Given today: the weeks before it are not judged, and nothing is due yet this week.
    assert not Flag.objects.filter(kind__in=["low_adherence", "no_session"]).exists()
    # Set 10 days ago: last week is judged from that day on; no session since is 9 days.
    Programme.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=10))
    flags.daily_check(now + timedelta(days=7))
    kinds = set(Flag.objects.values_list("kind", flat=True))
    assert kinds == {"low_adherence", "no_session"}


def test_an_adherence_only_therapist_sees_which_step_is_blocked_but_not_why(
    outsider: User, person_a: Person
) -> None:
    CareLink.objects.create(therapist=outsider, client=person_a, share="adherence")
    detail = "Home: Ball on wall is blocked. Gentle pressure only: you take blood thinners."
    flags.raise_flag(person_a, "blocked_step", "blocked:1", detail)
    page = signed_in(outsider).get("/clinic/").content.decode()
    assert "Home: Ball on wall is blocked." in page and "blood thinners" not in page
    client_page = signed_in(outsider).get(f"/clinic/clients/{person_a.pk}/").content.decode()
    assert "Ball on wall is blocked." in client_page and "blood thinners" not in client_page
