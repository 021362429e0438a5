"""The session player page, the session summary, history and the pain diary."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from backease.front import player_views
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Session

pytestmark = pytest.mark.django_db

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball"],
    "minutes": 15,
}


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    return person


@pytest.fixture
def plan(owner: Person) -> Plan:
    return services.make_plan(owner, seed=1)


@pytest.fixture
def running(owner: Person, plan: Plan) -> Session:
    return services.start_session(owner, plan)


def embedded(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="session-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no embedded session data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def weekly_rows(html: str) -> list[tuple[str, int]]:
    table = re.search(r'<table id="weekly-table".*?</table>', html, re.S)
    assert table, "no weekly table"
    rows = re.findall(r'<time datetime="([\d-]+)">.*?</time></th>\s*<td>(\d+)</td>', table.group(0), re.S)
    return [(day, int(count)) for day, count in rows]


# --- the player page ---------------------------------------------------------------------------


def test_session_page_embeds_every_step_of_the_plan(client: Client, running: Session, plan: Plan) -> None:
    response = client.get(f"/session/{running.id}/")
    assert response.status_code == 200
    data = embedded(response.content.decode())
    planned = plan.data["steps"]
    assert len(data["steps"]) == len(planned) > 0
    for step, want in zip(data["steps"], planned, strict=True):
        assert step["name"] == want["name"]
        assert step["seconds"] == want["seconds"]
        assert step["side"] == want["side"]
        assert step["intensity"] == want["intensity"]
        assert step["cue"] == want["cue"]
        assert "gentle" in step["variants"]
        assert step["how"], "how-to text comes from the library"
        assert step["seconds_done"] == 0 and step["skipped"] is False
    assert data["urls"] == {
        "api": f"/api/sessions/{running.id}",
        "done": f"/session/{running.id}/done/",
        "check": "/check/",
    }
    assert data["csrf_token"]


def test_session_page_has_the_controls_the_player_drives(client: Client, running: Session) -> None:
    html = client.get(f"/session/{running.id}/").content.decode()
    for control in (
        "begin",
        "pause",
        "back",
        "skip",
        "too-much",
        "sharp-pain",
        "finish",
        "speech-toggle",
        "beep-toggle",
    ):
        assert re.search(rf'<button type="button" id="{control}"', html), control
    for display in ("step-name", "step-side", "time-left", "intensity"):
        assert f'id="{display}"' in html
    assert 'aria-live="polite"' in html
    assert 'href="/check/"' in html, "offers a safety re-check before starting"
    assert '<script type="module" src="/static/front/player.js">' in html
    assert "onclick" not in html


def test_session_page_carries_progress_so_a_reopened_page_resumes(client: Client, running: Session) -> None:
    services.update_session(running, pain_before=6)
    services.log_step(running, 0, seconds_done=running.steps.get(index=0).seconds_planned)
    services.log_step(running, 1, seconds_done=20, feedback="too_much", intensity="gentle")
    data = embedded(client.get(f"/session/{running.id}/").content.decode())
    assert data["pain_before"] == 6
    assert data["steps"][0]["seconds_done"] == data["steps"][0]["seconds"]
    assert data["steps"][1]["seconds_done"] == 20
    assert data["steps"][1]["intensity"] == "gentle"
    assert data["steps"][1]["feedback"] == "too_much"


def test_session_page_is_404_for_an_unknown_session(client: Client, owner: Person) -> None:
    assert client.get("/session/987654/").status_code == 404
    assert client.get("/session/987654/done/").status_code == 404


def test_session_page_is_404_for_someone_elses_session(client: Client, owner: Person) -> None:
    other = Person.objects.create(name="someone else")
    services.save_profile(other, PROFILE)
    theirs = services.start_session(other, services.make_plan(other, seed=2))
    assert client.get(f"/session/{theirs.id}/").status_code == 404
    assert client.get(f"/session/{theirs.id}/done/").status_code == 404


def test_a_finished_session_opens_its_summary(client: Client, running: Session) -> None:
    services.update_session(running, status="completed")
    response = client.get(f"/session/{running.id}/")
    assert response.status_code == 302
    assert response["Location"] == f"/session/{running.id}/done/"


# --- the summary -------------------------------------------------------------------------------


def test_done_page_summarises_a_completed_session(client: Client, running: Session) -> None:
    for log in running.steps.all():
        services.log_step(running, log.index, seconds_done=log.seconds_planned)
    services.log_step(running, 2, feedback="too_much", intensity="gentle")
    services.update_session(
        running, pain_before=6, pain_after=3, stress_before=5, stress_after=2, status="completed"
    )
    html = client.get(f"/session/{running.id}/done/").content.decode()
    total = running.steps.count()
    assert "session complete" in html
    assert f"{total} of {total}" in html
    assert "6 → 3" in html
    assert "Your pain went down from 6 to 3" in html
    assert 'id="too-much-list"' in html
    assert "sharp-guidance" not in html


def test_done_page_after_a_sharp_pain_stop_says_what_to_do(client: Client, running: Session) -> None:
    services.update_session(running, pain_before=4)
    services.log_step(running, 0, seconds_done=30)
    services.log_step(running, 1, seconds_done=12, feedback="sharp_pain")
    running.refresh_from_db()
    assert running.status == "stopped"
    html = client.get(f"/session/{running.id}/done/").content.decode()
    assert 'id="sharp-guidance"' in html
    assert "Stop for today" in html
    assert "Do not push through" in html
    assert "What is normal" in html and "What is not normal" in html
    assert "When to see a clinician" in html
    assert "emergency" in html.lower() and "chest pain" in html
    assert 'href="/check/"' in html
    assert "Sharp pain" in html or "sharp pain" in html


def test_done_page_of_an_unfinished_session_offers_to_carry_on(client: Client, running: Session) -> None:
    html = client.get(f"/session/{running.id}/done/").content.decode()
    assert "not finished" in html
    assert f'href="/session/{running.id}/"' in html


# --- history -----------------------------------------------------------------------------------


def test_history_with_no_sessions_says_what_to_do(client: Client, owner: Person) -> None:
    response = client.get("/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Too little data" in html
    assert "No sessions yet" in html
    assert "No diary entries yet" in html
    assert 'id="weekly-table"' not in html
    assert '<table class="calendar">' in html


def test_history_counts_sessions_per_week_against_the_goal(
    client: Client, owner: Person, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday
    monkeypatch.setattr(player_views, "clock", lambda: now)
    times = [
        datetime(2025, 3, 10, 0, 30, tzinfo=UTC),  # this week (Monday)
        datetime(2025, 3, 12, 9, 0, tzinfo=UTC),  # this week
        datetime(2025, 3, 9, 23, 0, tzinfo=UTC),  # last week (Sunday)
        datetime(2025, 2, 17, 8, 0, tzinfo=UTC),  # three weeks ago, three times
        datetime(2025, 2, 19, 8, 0, tzinfo=UTC),
        datetime(2025, 2, 23, 20, 0, tzinfo=UTC),
        datetime(2025, 1, 13, 8, 0, tzinfo=UTC),  # nine weeks ago: outside the chart
    ]
    for at in times:
        started = services.start_session(owner, plan, now=at)
        services.log_step(started, 0, seconds_done=60)
        services.update_session(started, status="completed")
    # Opened in this week but nothing done: listed, not counted towards the goal.
    services.start_session(owner, plan, now=datetime(2025, 3, 11, 8, 0, tzinfo=UTC))
    html = client.get("/history/").content.decode()
    assert weekly_rows(html) == [
        ("2025-01-20", 0),
        ("2025-01-27", 0),
        ("2025-02-03", 0),
        ("2025-02-10", 0),
        ("2025-02-17", 3),
        ("2025-02-24", 0),
        ("2025-03-03", 1),
        ("2025-03-10", 2),
    ]
    assert "reached the goal of 2 or more in 2 of 8 weeks" in html
    assert html.count('class="chart-bar') == 8
    # The calendar counts what the chart counts: the session opened on the 11th does not count.
    assert "March 2025: 3 sessions that count toward the goal" in html
    assert html.count('class="session-item"') == len(times) + 1


def test_history_shows_pain_before_and_after_only_with_enough_data(
    client: Client, owner: Person, plan: Plan
) -> None:
    for before, after in ((6, 4), (5, 3)):
        s = services.start_session(owner, plan)
        services.log_step(s, 0, seconds_done=60)
        services.update_session(s, pain_before=before, pain_after=after, status="completed")
    html = client.get("/history/").content.decode()
    assert "Too little data: rate your pain before and after at least 3 sessions" in html
    s = services.start_session(owner, plan)
    services.log_step(s, 0, seconds_done=60)
    services.update_session(s, pain_before=7, pain_after=5, status="completed")
    html = client.get("/history/").content.decode()
    assert "<strong>6.0</strong> out of 10 on average before" in html
    assert "<strong>4.0</strong> after" in html
    assert "Pain 7 → 5" in html


# --- the pain diary ----------------------------------------------------------------------------


def test_diary_stores_a_valid_entry_and_goes_back_to_history(client: Client, owner: Person) -> None:
    response = client.post(
        "/diary/",
        {"region": "upper_trapezius_left", "pain": "4", "stress": "7", "note": "after a long drive"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/history/#diary"
    entry = PainEntry.objects.get()
    assert (entry.person, entry.region, entry.pain, entry.stress, entry.note) == (
        owner,
        "upper_trapezius_left",
        4,
        7,
        "after a long drive",
    )
    html = client.get("/history/").content.decode()
    assert "after a long drive" in html
    assert "Top of the shoulder (left)" in html


def test_diary_region_and_stress_are_optional(client: Client, owner: Person) -> None:
    assert client.post("/diary/", {"region": "", "pain": "0", "stress": "", "note": ""}).status_code == 302
    entry = PainEntry.objects.get()
    assert (entry.region, entry.pain, entry.stress) == ("", 0, None)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"pain": "11"}, "Pain"),
        ({"pain": "-1"}, "Pain"),
        ({"pain": "four"}, "Pain"),
        ({"pain": ""}, "Pain"),
        ({"pain": "3", "stress": "12"}, "Stress"),
        ({"pain": "3", "region": "elbow"}, "Where"),
        ({"pain": "3", "note": "x" * 5000}, "Note"),
    ],
)
def test_diary_refuses_bad_input_naming_the_field(
    client: Client, owner: Person, form: dict[str, str], field: str
) -> None:
    response = client.post("/diary/", form)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="form-error" role="alert" id="diary-error">{field}:' in html
    assert PainEntry.objects.count() == 0


def test_diary_keeps_what_was_typed_when_it_refuses(client: Client, owner: Person) -> None:
    html = client.post("/diary/", {"pain": "11", "region": "chest_left", "note": "sore"}).content.decode()
    assert '<option value="chest_left" selected>' in html
    assert ">sore</textarea>" in html


def test_history_refuses_other_methods(client: Client, owner: Person) -> None:
    assert client.get("/diary/").status_code == 405
    assert client.post("/history/").status_code == 405


def test_recent_sessions_are_listed_newest_first(client: Client, owner: Person, plan: Plan) -> None:
    first = services.start_session(owner, plan, now=datetime.now(UTC) - timedelta(days=2))
    second = services.start_session(owner, plan)
    html = client.get("/history/").content.decode()
    assert html.index(f"/session/{second.id}/done/") < html.index(f"/session/{first.id}/done/")
    assert f'href="/session/{second.id}/"' in html, "an unfinished session can be carried on"
