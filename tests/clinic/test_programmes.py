"""Home programmes: a therapist builds one (or a template, assigned to several clients),
the client sees it on Today and plays it, and the client's own safety answers still rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from backease.accounts.models import AccessLog, User
from backease.clinic import programmes
from backease.clinic.models import CareLink, Flag, Notice, Programme
from backease.content.loader import load_content
from backease.core.script import record_countdowns
from backease.front import page_cache
from backease.store import services
from backease.store.models import Person, Plan, Session
from tests.clinic.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

BALL_ON_FLOOR = "massage_ball_on_floor_between_shoulder_blades"
"""A ball under the body's weight: left out with osteoporosis (no_body_weight_on_tools)."""
WALL_BALL = "ball_on_wall_between_shoulder_blades"
DOORWAY = "doorway_chest_opener"


def step(technique: str, seconds: int = 60, **extra: Any) -> dict[str, Any]:
    tech = load_content().library.technique(technique)
    assert tech is not None
    return {
        "technique": technique,
        "seconds": seconds,
        "holds": 0,
        "sides": programmes.sides_of(tech)[0],
        "intensity": "gentle",
        "note": "",
    } | extra


def form(title: str = "Desk back", steps: list[dict[str, Any]] | None = None, **extra: str) -> dict[str, str]:
    """The editor's POST data for these steps."""
    steps = steps if steps is not None else [step(WALL_BALL), step(DOORWAY)]
    data = {
        "title": title,
        "note": "",
        "days_per_week": "3",
        "starts_on": "",
        "ends_on": "",
        "action": "save",
    }
    data["step_count"] = str(len(steps))
    for i, item in enumerate(steps):
        for name, value in item.items():
            data[f"step-{i}-{name}"] = str(value)
    return data | extra


def url(person: Person) -> str:
    return f"/clinic/clients/{person.pk}/programme/"


@pytest.fixture(autouse=True)
def fresh_today() -> None:
    page_cache.clear()


# --- building a programme --------------------------------------------------------------------------


def test_a_therapist_builds_a_programme_and_the_client_is_told(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(therapist)
    assert browser.get(url(person_a)).status_code == 200
    added = browser.post(url(person_a), form(steps=[]) | {"action": "add", "add_technique": WALL_BALL})
    assert added.status_code == 200
    assert "Ball on the wall" in added.content.decode() or WALL_BALL in added.content.decode()
    assert not Programme.objects.exists()  # nothing is stored before Save
    response = browser.post(url(person_a), form(note="Every other day"))
    assert response.status_code == 302
    row = Programme.objects.get()
    assert (row.therapist, row.client, row.revision, row.is_template) == (therapist, person_a, 1, False)
    assert [s["technique"] for s in row.steps] == [WALL_BALL, DOORWAY]
    assert row.steps[0] == {
        "technique": WALL_BALL,
        "seconds": 60,
        "holds": 0,
        "sides": "both",
        "intensity": "gentle",
        "note": "",
        "longer_because": "",
    }
    notice = Notice.objects.get(recipient=client_a, kind="programme")
    assert "Sam Rivera set you a home programme: Desk back" in notice.text
    assert AccessLog.objects.filter(subject=person_a, action="change").exists()


def test_the_editor_moves_and_removes_steps_without_storing(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(therapist)
    moved = browser.post(url(person_a), form() | {"action": "down-0"}).content.decode()
    assert moved.index('value="doorway_chest_opener"') < moved.index(f'value="{WALL_BALL}"')
    removed = browser.post(url(person_a), form() | {"action": "remove-0"}).content.decode()
    assert f'name="step-0-technique" value="{DOORWAY}"' in removed
    assert 'name="step_count" value="1"' in removed
    assert not Programme.objects.exists()


def test_the_editor_shows_the_total_time_with_the_get_ready_countdowns(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    page = signed_in(therapist).post(url(person_a), form() | {"action": "update"}).content.decode()
    # Ball on the wall, both sides (2 x 60 s), then the doorway opener (60 s), all standing:
    # get-ready countdowns long enough to say each set-up (core.script): 20 s for the ball's
    # set-up and stop line, 5 s for its short set-up on the second side, 15 s for the doorway.
    assert "3 min 40 s in all" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"days_per_week": "8"}, "days per week"),
        ({"starts_on": "2026-12-10", "ends_on": "2026-12-01"}, "end date"),
        ({"step-0-seconds": "61"}, "step 1 seconds"),
        ({"step-0-seconds": "5000"}, "step 1 seconds"),
        ({"step-0-seconds": "ten"}, "step 1 seconds"),
        ({"step-1-holds": "50"}, "step 2 holds"),
        ({"step-1-sides": "left"}, "step 2 sides"),
        ({"step-0-intensity": "brutal"}, "step 1 intensity"),
        ({"step-0-technique": "warm_shower"}, "step 1 technique"),
        ({"step-0-technique": "no_such_thing"}, "step 1 technique"),
        ({"step-0-note": "x" * 301}, "step 1 note"),
        ({"step_count": "0"}, "steps"),
    ],
)
def test_bad_input_is_named_with_400_and_nothing_is_stored(
    therapist: User, person_a: Person, link: CareLink, change: dict[str, str], field: str
) -> None:
    response = signed_in(therapist).post(url(person_a), form() | change)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()
    assert not Programme.objects.exists()


def test_pressure_above_the_clients_limit_is_refused(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, {"anticoagulants": True})  # gentle pressure only
    response = signed_in(therapist).post(url(person_a), form(steps=[step(DOORWAY, intensity="firm")]))
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "step 1 intensity: the client's safety answers allow at most gentle" in page
    assert not Programme.objects.exists()
    assert signed_in(therapist).post(url(person_a), form(steps=[step(DOORWAY)])).status_code == 302


def test_an_adherence_only_therapist_is_refused_the_pressure_without_the_limit_or_the_answer(
    therapist: User, person_a: Person
) -> None:
    CareLink.objects.create(therapist=therapist, client=person_a, share="adherence")
    services.record_screening(person_a, {"anticoagulants": True})  # gentle pressure only
    browser = signed_in(therapist)
    added = browser.post(url(person_a), form(steps=[]) | {"action": "add", "add_technique": WALL_BALL})
    assert 'value="moderate" selected' in added.content.decode()  # no limit shown, not even so
    response = browser.post(url(person_a), form(steps=[step(DOORWAY, intensity="firm")]))
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "step 1 intensity: the client's own safety answers leave out firm pressure" in page
    for said in ("allow at most", "gentle pressure only", "blood thinner"):
        assert said not in page.lower()
    assert not Programme.objects.exists()


def test_the_planners_suggestion_fills_the_steps(therapist: User, person_a: Person, link: CareLink) -> None:
    services.save_profile(
        person_a, {"areas": [{"region": "between_shoulder_blades_left", "pain": 5}], "minutes": 10}
    )
    page = signed_in(therapist).post(url(person_a), form(steps=[]) | {"action": "suggest"}).content.decode()
    suggested = programmes.suggestion(person_a)
    assert suggested
    for item in suggested:
        assert f'value="{item["technique"]}"' in page
    assert AccessLog.objects.filter(subject=person_a, what__contains="suggestion").exists()


def test_the_suggestion_needs_the_full_share(therapist: User, person_a: Person, link: CareLink) -> None:
    link.share = CareLink.Share.ADHERENCE
    link.save()
    response = signed_in(therapist).post(url(person_a), form(steps=[]) | {"action": "suggest"})
    assert response.status_code == 400
    assert "suggestion" in response.content.decode()


def test_five_edits_make_one_notice_and_one_email(
    therapist: User, client_a: User, person_a: Person, link: CareLink, django_capture_on_commit_callbacks: Any
) -> None:
    browser = signed_in(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        for minutes in range(5):
            assert browser.post(url(person_a), form(title=f"Desk back {minutes}")).status_code == 302
    row = Programme.objects.get()
    assert row.revision == 5
    notices = Notice.objects.filter(recipient=client_a, key=f"programme:{row.pk}")
    assert notices.count() == 1
    assert "Desk back 4" in notices.get().text
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


# --- templates ------------------------------------------------------------------------------------


def test_a_template_is_assigned_to_several_clients_at_once(
    therapist: User, client_a: User, client_b: User, person_a: Person, link: CareLink
) -> None:
    from backease.accounts.mode import person_for

    person_b = person_for(client_b)
    CareLink.objects.create(therapist=therapist, client=person_b)
    browser = signed_in(therapist)
    assert browser.post("/clinic/templates/new/", form(title="Desk template")).status_code == 302
    template = Programme.objects.get(is_template=True)
    assert template.client is None
    old = Programme.objects.create(therapist=therapist, client=person_a, title="Old", steps=[step(DOORWAY)])
    assert "Desk template" in browser.get("/clinic/templates/").content.decode()
    response = browser.post(
        f"/clinic/templates/{template.pk}/assign/", {"clients": [person_a.pk, person_b.pk]}
    )
    assert response.status_code == 302
    copies = Programme.objects.filter(template=template)
    assert {c.client for c in copies} == {person_a, person_b}
    assert all(c.steps == template.steps and not c.is_template for c in copies)
    old.refresh_from_db()
    assert old.archived_at is not None
    assert Notice.objects.filter(recipient__in=[client_a, client_b], kind="programme").count() == 2


def test_assigning_to_someone_not_shared_with_you_assigns_to_nobody(
    therapist: User, client_b: User, person_a: Person, link: CareLink
) -> None:
    from backease.accounts.mode import person_for

    stranger = person_for(client_b)
    template = programmes.save_template(therapist, programmes.clean(_fields(), load_content().library))
    response = signed_in(therapist).post(
        f"/clinic/templates/{template.pk}/assign/", {"clients": [person_a.pk, stranger.pk]}
    )
    assert response.status_code == 404
    assert not Programme.objects.filter(template=template).exists()


def test_a_clients_programme_is_saved_as_a_template(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    response = signed_in(therapist).post(url(person_a), form(title="Keep this") | {"action": "save_template"})
    assert response.status_code == 302
    assert Programme.objects.get().is_template


def _fields(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Desk back",
        "note": "",
        "days_per_week": 3,
        "steps": [step(WALL_BALL), step(DOORWAY)],
    } | extra


# --- the client's side ------------------------------------------------------------------------------


def give(therapist: User, person: Person, steps: list[dict[str, Any]] | None = None) -> Programme:
    cleaned = programmes.clean(
        _fields(steps=steps or [step(WALL_BALL), step(DOORWAY)]), load_content().library
    )
    return programmes.save_for_client(therapist, person, cleaned)


def test_today_shows_from_your_therapist_with_the_total_and_days(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    give(therapist, person_a)
    page = signed_in(client_a).get("/today/").content.decode()
    assert "From your therapist: Desk back" in page
    assert "3 min 40 s" in page and "3 days a week" in page
    assert page.count('data-testid="programme-step"') == 2


def test_a_programme_change_changes_the_cached_today_page(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    browser = signed_in(client_a)
    assert "From your therapist" not in browser.get("/today/").content.decode()
    row = give(therapist, person_a)
    assert "From your therapist: Desk back" in browser.get("/today/").content.decode()
    programmes.save_for_client(
        therapist, person_a, programmes.clean(_fields(title="Week 2"), load_content().library)
    )
    assert "From your therapist: Week 2" in browser.get("/today/").content.decode()
    programmes.archive(row)
    assert "From your therapist" not in browser.get("/today/").content.decode()


def test_the_client_starts_the_programme_and_the_player_says_it_is_from_the_therapist(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    row = give(therapist, person_a, [step(WALL_BALL, note="Slowly"), step(DOORWAY, seconds=30, holds=3)])
    browser = signed_in(client_a)
    response = browser.post(f"/me/programmes/{row.pk}/start/")
    assert response.status_code == 302
    session = Session.objects.get(person=person_a)
    assert response["Location"] == f"/session/{session.pk}/"
    plan = session.plan
    assert plan is not None and plan.data["programme"]["id"] == row.pk
    steps = plan.data["steps"]
    assert [(s["technique"], s["side"]) for s in steps] == [
        (WALL_BALL, "left"),
        (WALL_BALL, "right"),
        (DOORWAY, "both"),
    ]
    assert steps[2]["seconds"] == 90  # three holds of 30 s
    assert steps[0]["reason"] == "Slowly"
    assert [s["prepare_seconds"] for s in steps] == record_countdowns(load_content().library, steps)
    assert plan.total_seconds == sum(s["seconds"] + s["prepare_seconds"] for s in steps)
    # The planner's shape: every key a planner step has, and the record reads back.
    planned = services.make_plan(person_a)
    assert set(steps[0]) == set(planned.data["steps"][0])
    assert set(plan.data) - {"programme"} == set(planned.data)
    assert len(services.core_plan(plan).steps) == 3
    player = browser.get(f"/session/{session.pk}/").content.decode()
    assert "From your therapist, Sam Rivera" in player and "Desk back" in player
    # The programme's plan is not "today's plan", and starting again carries on.
    assert services.latest_plan(person_a) == planned
    assert browser.post(f"/me/programmes/{row.pk}/start/")["Location"] == f"/session/{session.pk}/"


def test_the_client_prints_their_handout_and_nobody_else_can(
    therapist: User, client_a: User, client_b: User, person_a: Person, link: CareLink
) -> None:
    row = give(therapist, person_a)
    page = signed_in(client_a).get(f"/me/programmes/{row.pk}/handout/").content.decode()
    assert "Desk back" in page and 'data-testid="figure"' in page and "Stop if:" in page
    assert page.count('data-testid="handout-step"') == 2
    assert signed_in(client_b).get(f"/me/programmes/{row.pk}/handout/").status_code == 404
    therapist_page = signed_in(therapist).get(f"/clinic/programmes/{row.pk}/handout/")
    assert therapist_page.status_code == 200
    assert AccessLog.objects.filter(subject=person_a, action="export").exists()


# --- the client's own screening rules ---------------------------------------------------------------


def test_a_step_the_clients_screening_excludes_is_blocked_and_the_therapist_is_told(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    screening, _ = services.record_screening(person_a, {"osteoporosis": True})
    row = give(therapist, person_a, [step(BALL_ON_FLOOR), step(WALL_BALL)])
    reason = load_content().library.precaution("no_body_weight_on_tools")
    assert reason is not None
    # The client: shown blocked, with the reason in plain words.
    today = signed_in(client_a).get("/today/").content.decode()
    assert today.count('data-testid="blocked"') == 1
    assert reason.note in today.replace("&#x27;", "'")
    # The therapist: a flag, a notice, and the reason on the programme page.
    flag = Flag.objects.get(client=person_a)
    assert flag.kind == Flag.Kind.BLOCKED_STEP
    assert flag.key == f"blocked:{row.pk}:{BALL_ON_FLOOR}:{screening.pk}"
    assert Notice.objects.filter(recipient=therapist, kind="blocked_step").count() == 1
    page = signed_in(therapist).get(url(person_a)).content.decode()
    assert 'data-testid="blocked"' in page and reason.note in page.replace("&#x27;", "'")
    # The session leaves it out.
    signed_in(client_a).post(f"/me/programmes/{row.pk}/start/")
    plan = Plan.objects.get(person=person_a, seed=services.PROGRAMME_SEED)
    assert {s["technique"] for s in plan.data["steps"]} == {WALL_BALL}
    # Raising it again (another save, another start) adds no flag.
    programmes.report_blocked(row)
    assert Flag.objects.filter(client=person_a).count() == 1


def test_a_new_screening_flags_steps_of_a_programme_already_given(
    therapist: User, person_a: Person, link: CareLink, django_capture_on_commit_callbacks: Any
) -> None:
    give(therapist, person_a, [step(BALL_ON_FLOOR)])
    assert not Flag.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_screening(person_a, {"osteoporosis": True})
    assert Flag.objects.filter(client=person_a, kind=Flag.Kind.BLOCKED_STEP).count() == 1


def test_a_technique_the_client_turned_off_is_blocked(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    services.set_technique_enabled(person_a, DOORWAY, False, "hurt my shoulder")
    give(therapist, person_a)
    today = signed_in(client_a).get("/today/").content.decode()
    assert "You turned this technique off" in today
    assert Flag.objects.filter(client=person_a, key__contains=DOORWAY).exists()


def test_an_urgent_screening_blocks_the_whole_programme(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, {"fever": True})
    assert services.outcome(person_a).level in ("emergency", "urgent")
    row = give(therapist, person_a)
    browser = signed_in(client_a)
    today = browser.get("/today/").content.decode()
    assert 'data-testid="programme-refused"' in today
    assert 'data-testid="start-programme"' not in today
    assert browser.post(f"/me/programmes/{row.pk}/start/").status_code == 400
    assert not Session.objects.exists()


# --- who may do what ----------------------------------------------------------------------------


def test_only_the_clients_own_therapist_reaches_the_programme(
    therapist: User, outsider: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    row = give(therapist, person_a)
    for path in (url(person_a), f"/clinic/programmes/{row.pk}/handout/"):
        assert signed_in(outsider).get(path).status_code == 404
        assert signed_in(client_a).get(path).status_code == 403
        assert Client().get(path).status_code == 302
    assert signed_in(outsider).post(url(person_a), form()).status_code == 404
    assert Programme.objects.count() == 1


def test_after_the_link_ends_the_therapist_gets_404_and_the_client_keeps_the_programme(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    row = give(therapist, person_a)
    link.ended_at = row.updated_at
    link.save()
    assert signed_in(therapist).get(url(person_a)).status_code == 404
    assert signed_in(therapist).get(f"/clinic/programmes/{row.pk}/handout/").status_code == 404
    assert "From your therapist: Desk back" in signed_in(client_a).get("/today/").content.decode()


def test_personal_mode_today_has_no_therapist_section(settings: Any) -> None:
    settings.MODE = "personal"
    page = Client().get("/today/").content.decode()
    assert "From your therapist" not in page


def test_a_new_client_without_a_link_sees_nothing_from_a_therapist() -> None:
    newcomer = make_user("n@example.org")
    assert "From your therapist" not in signed_in(newcomer).get("/today/").content.decode()


def test_the_handout_and_the_programmes_player_say_the_side_of_each_step(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    levator = "levator_scapulae_stretch"
    row = give(
        therapist,
        person_a,
        [
            step(levator, seconds=30, sides="right", intensity="moderate"),
            step(WALL_BALL, intensity="moderate"),
        ],
    )
    browser = signed_in(client_a)
    page = browser.get(f"/me/programmes/{row.pk}/handout/").content.decode()
    # The right side is stretched: the other (left) hand rests on the head.
    assert "Rest your left hand lightly on the back of your head" in page
    assert "{other}" not in page and "{side}" not in page
    browser.post(f"/me/programmes/{row.pk}/start/")
    plan = Session.objects.get(person=person_a).plan
    assert plan is not None
    cues = {(s["technique"], s["side"]): s["cue"] for s in plan.data["steps"]}
    assert cues[(levator, "right")].startswith("Rest your left hand lightly")
