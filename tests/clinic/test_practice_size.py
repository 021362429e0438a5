"""A practice's size (issue 15): every open flag a therapist may see is counted and
reachable however long the history, red flags first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import flags, summaries
from backease.clinic.models import CareLink, Flag
from backease.store.models import Person
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db


def client_with_link(therapist: User, email: str, share: str = "full", name: str = "") -> Person:
    person = person_for(User.objects.create_user(email, None, display_name=name))
    CareLink.objects.create(therapist=therapist, client=person, share=share)
    return person


def _bulk_flags(person: Person, kind: str, count: int, newest: timezone.datetime) -> None:
    Flag.objects.bulk_create(
        [
            Flag(
                client=person,
                kind=kind,
                key=f"{kind}:bulk:{i}",
                detail="bulk",
                raised_at=newest - timedelta(hours=i),
            )
            for i in range(count)
        ],
        batch_size=500,
    )


def test_an_old_red_flag_stays_on_the_dashboard_behind_a_thousand_newer_flags(therapist: User) -> None:
    now = timezone.now()
    old = client_with_link(therapist, "old@example.org", name="Olive Old")
    busy = client_with_link(therapist, "busy@example.org", share="adherence", name="Bea Busy")
    red = flags.raise_flag(
        old, "red_flag", "red_flag:old", "Safety check result: urgent", now - timedelta(days=200)
    )
    assert red is not None
    # Newer flags the therapist may not see (pain, for an adherence-only share) ...
    _bulk_flags(busy, "pain_high", 1100, now - timedelta(days=1))
    # ... and newer ones they may: every one of them open, too.
    _bulk_flags(busy, "low_adherence", 30, now - timedelta(days=2))
    summaries.refresh_need([busy.pk])  # what raising them one by one does
    browser = signed_in(therapist)
    page = browser.get("/clinic/").content.decode()
    assert "31 open flags</strong> for 2 of them" in page
    assert page.count('data-flag="red_flag"') == 1
    assert page.index('data-flag="red_flag"') < page.index('data-flag="low_adherence"')
    # A card shows the most serious three; the rest are a link away, on the client's page.
    assert page.count('data-flag="low_adherence"') == 3 and "27 more open flags on Bea Busy" in page
    busy_page = browser.get(f"/clinic/clients/{busy.pk}/").content.decode()
    assert busy_page.count('data-flag="low_adherence"') == 30 and 'data-flag="pain_high"' not in busy_page
    client_page = browser.get(f"/clinic/clients/{old.pk}/").content.decode()
    assert 'data-flag="red_flag"' in client_page


def test_clients_come_a_page_at_a_time_most_in_need_first_every_flag_reachable(therapist: User) -> None:
    now = timezone.now()
    people = [client_with_link(therapist, f"p{i:02}@example.org", name=f"Client {i:02}") for i in range(60)]
    CareLink.objects.update(created_at=now)  # nobody is due a time flag
    # The oldest flag is the red one, on the client who sorts last by name.
    flags.raise_flag(people[-1], "red_flag", "red:1", "urgent", now - timedelta(days=300))
    for i, person in enumerate(people[:40]):
        flags.raise_flag(person, "pain_high", f"pain:{i}", "Pain 8", now - timedelta(hours=i))
    browser = signed_in(therapist)
    first = browser.get("/clinic/").content.decode()
    assert "60 clients share with you" in first and "41 open flags</strong> for 41 of them" in first
    assert "Clients 1–25 of 60 (page 1 of 3)" in first
    shown = [order_on_page(browser.get(f"/clinic/?page={n}").content.decode()) for n in (1, 2, 3)]
    assert shown[0][0] == str(people[-1].pk)  # red first, however old
    assert shown[0][1:4] == [str(p.pk) for p in people[:3]]  # then pain, newest first
    every = [i for part in shown for i in part]
    assert sorted(every, key=int) == [str(p.pk) for p in people]  # each once
    assert [len(part) for part in shown] == [25, 25, 10]
    flagged = every[:41]
    assert set(flagged) == {str(p.pk) for p in people[:40]} | {str(people[-1].pk)}
    assert browser.get("/clinic/?page=99").status_code == 200  # a stale link shows the last page
    assert order_on_page(browser.get("/clinic/?page=abc").content.decode()) == shown[0]


def order_on_page(page: str) -> list[str]:
    clients = page.split('id="clients"')[1].split("</ol>")[0]
    return [part.split('"')[0] for part in clients.split('data-client="')[1:]]


# --- the daily job ----------------------------------------------------------------------------


def _due_clients(therapist: User, other: User, start: int, count: int) -> list[Person]:
    """Clients with every daily check due: shared 30 days ago with no session since (no
    session for 14 days), a programme they do not do (low adherence), no check-in yet."""
    from backease.clinic.models import Programme

    people = []
    for i in range(start, start + count):
        person = client_with_link(therapist, f"due{i}@example.org", name=f"Due {i}")
        CareLink.objects.create(therapist=other, client=person, share="adherence")
        CareLink.objects.filter(client=person).update(created_at=timezone.now() - timedelta(days=30))
        Programme.objects.create(
            therapist=therapist,
            client=person,
            title="Home",
            days_per_week=5,
            starts_on=timezone.localdate() - timedelta(days=30),
        )
        people.append(person)
    from backease.clinic.models import Notice

    Notice.objects.all().delete()  # the baseline reminders sent as each started sharing
    Flag.objects.all().delete()
    return people


def _daily_queries(now: timezone.datetime) -> tuple[int, dict[str, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        counts = flags.daily_check(now)
    return len(queries), counts


def test_the_daily_job_costs_the_same_queries_for_3_or_12_clients(therapist: User, outsider: User) -> None:
    from backease.clinic.models import Notice

    now = timezone.now() + timedelta(days=3)  # a whole week judged, whatever today is
    _due_clients(therapist, outsider, 0, 3)
    few, counts = _daily_queries(now)
    assert counts["clients"] == 3 and counts["outcome_reminders"] == 3 and counts["flags_raised"] >= 6
    _due_clients(therapist, outsider, 3, 9)
    many, counts = _daily_queries(now)
    assert counts["clients"] == 12 and counts["outcome_reminders"] == 12 and counts["flags_raised"] >= 24
    assert many == few, f"{few} queries for 3 clients, {many} for 12"
    # What the therapists and clients are told is what `notify` would tell them, once each.
    assert Notice.objects.filter(recipient=therapist, kind="flag").count() == 12
    assert Notice.objects.filter(recipient=outsider, kind="flag").count() == 12  # adherence flags only
    assert Notice.objects.filter(kind="outcomes_due").count() == 12
    assert _daily_queries(now)[1] == {"clients": 12, "flags_raised": 0, "outcome_reminders": 0}


# --- flags nobody may see close themselves ---------------------------------------------------------


def _open_kinds(person: Person) -> list[str]:
    return sorted(Flag.objects.filter(client=person, closed_at__isnull=True).values_list("kind", flat=True))


def test_a_pain_flag_nobody_may_see_closes_when_pain_settles(therapist: User, person_a: Person) -> None:
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    at = timezone.now() - timedelta(days=3)
    services.add_pain_entry(person_a, 2, at=at)
    services.add_pain_entry(person_a, 8, at=at + timedelta(days=1))
    assert _open_kinds(person_a) == ["pain_high", "pain_rise"]
    services.add_pain_entry(person_a, 7, at=at + timedelta(days=2))  # still high: still open
    assert _open_kinds(person_a) == ["pain_high", "pain_high", "pain_rise"]  # 8, then 7 the next day
    services.add_pain_entry(person_a, 3, at=at + timedelta(days=2, hours=5))
    assert _open_kinds(person_a) == []
    assert Flag.objects.filter(client=person_a).count() == 3  # closed, not deleted


def test_a_flag_a_therapist_may_see_waits_for_them(therapist: User, outsider: User, person_a: Person) -> None:
    from backease.store import services

    CareLink.objects.create(therapist=outsider, client=person_a, share="adherence")
    CareLink.objects.create(therapist=therapist, client=person_a, share="full")
    services.add_pain_entry(person_a, 9)
    services.add_pain_entry(person_a, 2, at=timezone.now() + timedelta(hours=1))
    assert _open_kinds(person_a) == ["pain_high"]
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert 'data-flag="pain_high"' in page


def test_red_flags_and_sharp_pain_nobody_may_see_close_when_they_clear(
    therapist: User, person_a: Person
) -> None:
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    services.save_profile(
        person_a, {"areas": [{"region": "between_shoulder_blades_left", "pain": 4}], "tools": ["wall"]}
    )
    services.record_screening(person_a, {"worse_cough_sneeze_strain": True})
    assert _open_kinds(person_a) == ["red_flag"]
    services.record_screening(person_a, {})
    assert _open_kinds(person_a) == []
    plan = services.make_plan(person_a, seed=1)
    hurt = services.start_session(person_a, plan, now=timezone.now() - timedelta(days=1))
    services.log_step(hurt, 0, seconds_done=30)
    services.close_session(hurt, "stopped", stop_reason="sharp pain")
    assert _open_kinds(person_a) == ["sharp_pain"]
    calm = services.start_session(person_a, plan)
    services.log_step(calm, 0, seconds_done=90)
    services.close_session(calm, "completed")
    assert _open_kinds(person_a) == []


def test_a_flag_still_open_shows_when_the_client_shares_everything(therapist: User, person_a: Person) -> None:
    from backease.clinic import invites
    from backease.store import services

    link = CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    services.add_pain_entry(person_a, 9)
    browser = signed_in(therapist)
    assert "no open flags" in browser.get("/clinic/").content.decode()
    invites.change_share(person_a, link.pk, "full")
    page = browser.get("/clinic/").content.decode()
    assert "1 open flag</strong>" in page and 'data-flag="pain_high"' in page


# --- summaries kept on write, and built for data kept before them -------------------------------------


def test_the_pain_trend_follows_the_diary_as_it_is_written(therapist: User, person_a: Person) -> None:
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="full")
    browser = signed_in(therapist)
    services.add_pain_entry(person_a, 6, at=timezone.now() - timedelta(days=10))
    entry = services.add_pain_entry(person_a, 2)
    page = browser.get("/clinic/").content.decode()
    assert "from 6 to 2" in page
    services.delete_pain_entry(entry)
    page = browser.get("/clinic/").content.decode()
    assert "from 6 to 6" in page


def test_data_kept_before_summaries_gets_them_from_the_command(therapist: User, person_a: Person) -> None:
    from typer.testing import CliRunner

    from backease.__main__ import app
    from backease.clinic.models import ClientSummary
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="full")
    services.add_pain_entry(person_a, 5, at=timezone.now() - timedelta(days=3))
    services.add_pain_entry(person_a, 8)
    browser = signed_in(therapist)
    before = browser.get("/clinic/").content.decode()
    # As a database migrated from before summaries: no summary, no need on the link.
    ClientSummary.objects.all().delete()
    CareLink.objects.update(open_flags=0, need_rank=9, need_at=None)
    result = CliRunner().invoke(app, ["clinic", "summaries", "--json"])
    assert result.exit_code == 0, result.output
    assert '"clients": 1' in result.output
    after = browser.get("/clinic/").content.decode()
    for seen in ("from 5 to 8", "2 open flags</strong>", 'data-flag="pain_high"', 'data-flag="pain_rise"'):
        assert seen in before and seen in after


def test_the_dashboard_builds_missing_summaries_on_its_way(therapist: User, person_a: Person) -> None:
    from backease.clinic.models import ClientSummary
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="full")
    services.add_pain_entry(person_a, 9)
    ClientSummary.objects.all().delete()
    CareLink.objects.update(open_flags=0, need_rank=9, need_at=None)
    page = signed_in(therapist).get("/clinic/").content.decode()
    assert "1 open flag</strong>" in page and "from 9 to 9" in page


def test_the_command_closes_the_pile_of_flags_nobody_could_see(therapist: User, person_a: Person) -> None:
    from typer.testing import CliRunner

    from backease.__main__ import app
    from backease.store import services

    CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    now = timezone.now()
    # Kept before flags closed themselves: a pile raised over a year, then a calm rating.
    _bulk_flags(person_a, "pain_high", 300, now - timedelta(days=2))
    _bulk_flags(person_a, "red_flag", 5, now - timedelta(days=2))
    services.add_pain_entry(person_a, 3, at=now - timedelta(days=1))
    Flag.objects.update(closed_at=None)
    services.add_pain_entry(person_a, 9)  # after the calm one: stays open
    assert CliRunner().invoke(app, ["clinic", "summaries"]).exit_code == 0
    assert _open_kinds(person_a) == ["pain_high", "pain_rise", *["red_flag"] * 5]  # no safety check since


# --- the access log: once per view ----------------------------------------------------------------


def test_a_dashboard_view_is_one_access_log_line_that_each_client_shown_reads(therapist: User) -> None:
    from backease.accounts.models import AccessLog

    people = [client_with_link(therapist, f"log{i:02}@example.org", name=f"Logged {i:02}") for i in range(30)]
    CareLink.objects.update(created_at=timezone.now())
    browser = signed_in(therapist)
    browser.get("/clinic/")  # the first visit of the day also checks the time flags
    before = AccessLog.objects.count()
    first = order_on_page(browser.get("/clinic/").content.decode())
    assert AccessLog.objects.count() == before + 1  # not a line per client
    browser.get("/clinic/?page=2")
    assert AccessLog.objects.count() == before + 2
    by_id = {str(p.pk): p for p in people}
    on_first = by_id[first[0]]
    on_second = next(p for p in people if str(p.pk) not in first)
    for person, views in ((on_first, 2), (on_second, 1)):
        assert person.user is not None
        page = signed_in(person.user).get("/me/access-log/").content.decode()
        assert page.count("dashboard: adherence, last session, pain trend, flags") == views


# --- what a view reads --------------------------------------------------------------------------


class _Rows:
    """Rows each SELECT returns (counted by the database itself, on SQLite or PostgreSQL)."""

    def __init__(self) -> None:
        self.rows = 0
        self.busy = False

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not self.busy and sql.lstrip().upper().startswith("SELECT"):
            self.busy = True
            try:
                with context["connection"].cursor() as cursor:
                    cursor.execute(f"SELECT COUNT(*) FROM ({sql}) counted", params)
                    self.rows += cursor.fetchone()[0]
            finally:
                self.busy = False
        return execute(sql, params, many, context)


def _practice(therapist: User, start: int, count: int) -> None:
    from backease.store import services

    now = timezone.now()
    for i in range(start, start + count):
        person = client_with_link(therapist, f"r{i:03}@example.org", name=f"Read {i:03}")
        for day in range(0, 56, 4):  # 8 weeks of diary, and a pile of acknowledged flags
            services.add_pain_entry(person, 3 + day % 3, at=now - timedelta(days=day, hours=1))
        _bulk_flags(person, "pain_high", 40, now - timedelta(days=60))
        flags.acknowledge_many(therapist, Flag.objects.filter(client=person).values_list("pk", flat=True))


def _rows_read(browser: object) -> int:
    from django.db import connection

    counter = _Rows()
    browser.get("/clinic/")  # type: ignore[attr-defined]  # the first view of the day checks time flags
    with connection.execute_wrapper(counter):
        assert browser.get("/clinic/").status_code == 200  # type: ignore[attr-defined]
    return counter.rows


def test_the_dashboard_reads_the_same_rows_for_26_or_52_clients_with_histories(therapist: User) -> None:
    browser = signed_in(therapist)
    _practice(therapist, 0, 26)
    few = _rows_read(browser)
    _practice(therapist, 26, 26)
    many = _rows_read(browser)
    print(f"dashboard: {few} rows read with 26 clients, {many} with 52")
    assert many == few
