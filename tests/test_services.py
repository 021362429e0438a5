"""The store services: validation before writing, plans, sessions, diary, re-check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backease.core.errors import InputError
from backease.store import services
from backease.store.models import PainEntry, Plan, Profile, Screening, Session, StepLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():  # type: ignore[no-untyped-def]
    return services.local_owner()


def test_there_is_one_local_owner() -> None:
    assert services.local_owner() == services.local_owner()


def test_a_valid_profile_is_saved_and_read_back(person) -> None:  # type: ignore[no-untyped-def]
    data = {
        "areas": [{"region": "lats_left", "pain": 6, "knot": True}],
        "causes": ["sport"],
        "tools": ["foam_roller"],
        "minutes": 20,
        "pressure": "firm",
        "no_floor": False,
        "stress": 4,
    }
    services.save_profile(person, data)
    profile = services.get_profile(person)
    assert profile.minutes == 20 and profile.areas[0].knot and profile.pressure == "firm"
    assert services.profile_to_data(profile) == data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"areas": [{"region": "lats_left", "pain": 11}]}, "pain"),
        ({"areas": [{"region": "nowhere", "pain": 3}]}, "area"),
        ({"areas": "lats_left"}, "areas"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "ten"}, "minutes"),
        ({"tools": ["spoon"]}, "tool"),
        ({"causes": "posture"}, "causes"),
        ({"no_floor": "yes"}, "no_floor"),
        ({"stress": 12}, "stress"),
        ({"areas": [{"region": "lats_left", "pain": 3, "knot": "yes"}]}, "knot"),
    ],
)
def test_a_bad_profile_is_refused_and_nothing_is_stored(person, data, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        services.save_profile(person, data)
    assert info.value.field == field
    assert Profile.objects.count() == 0


def test_a_screening_is_stored_with_its_result(person) -> None:  # type: ignore[no-untyped-def]
    row, result = services.record_screening(
        person, {"anticoagulants": True, "acute_injury_regions": ["lats_left"]}
    )
    assert row.level == result.level == "self_care_with_precautions"
    assert "avoid_region:lats_left" in row.precautions
    assert services.outcome(person).precautions == tuple(row.precautions)


def test_bad_screening_answers_store_nothing(person) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError):
        services.record_screening(person, {"fever": "yes"})
    assert Screening.objects.count() == 0


def test_without_a_screening_the_outcome_is_self_care(person) -> None:  # type: ignore[no-untyped-def]
    assert services.outcome(person).level == "self_care"


def test_plans_use_the_latest_screening_and_a_new_seed_each_time(person) -> None:  # type: ignore[no-untyped-def]
    services.record_screening(person, {"pregnancy_weeks": 24})
    first = services.make_plan(person)
    second = services.make_plan(person)
    assert second.seed == first.seed + 1
    positions = {step["position"] for step in first.data["steps"]}
    assert not positions & {"supine", "prone"}
    assert services.latest_plan(person) == second
    assert services.core_plan(first).total_seconds == first.total_seconds == 15 * 60


def test_a_step_can_be_swapped_for_an_alternative(person) -> None:  # type: ignore[no-untyped-def]
    plan = services.make_plan(person)
    # Alternatives keep the step's position (so the plan keeps its flow): take the first
    # stretch that has one.
    stretches = [i for i, s in enumerate(plan.data["steps"]) if s["kind"] in ("stretch", "mobility")]
    index, options = next((i, found) for i in stretches if (found := services.alternatives(person, plan, i)))
    old = plan.data["steps"][index]["technique"]
    position = plan.data["steps"][index]["position"]
    services.swap_step(person, plan, index, options[0]["id"])
    plan.refresh_from_db()
    techniques = [s["technique"] for s in plan.data["steps"]]
    assert old not in techniques and options[0]["id"] in techniques
    assert plan.data["steps"][index]["position"] == position
    assert sum(s["seconds"] + s["prepare_seconds"] for s in plan.data["steps"]) == plan.total_seconds


def test_swapping_to_an_unsuitable_technique_is_refused(person) -> None:  # type: ignore[no-untyped-def]
    plan = services.make_plan(person)
    with pytest.raises(InputError) as info:
        services.swap_step(person, plan, 0, "box_breathing")
    assert info.value.field == "technique"


def test_a_session_is_saved_as_it_goes(person) -> None:  # type: ignore[no-untyped-def]
    plan = services.make_plan(person)
    session = services.start_session(person, plan)
    assert StepLog.objects.filter(session=session).count() == len(plan.data["steps"])
    services.update_session(session, pain_before=6, stress_before=5)
    services.log_step(session, 0, seconds_done=30, feedback="helped")
    services.log_step(session, 1, intensity="gentle", feedback="too_much")
    services.update_session(session, pain_after=3, status="completed")
    session.refresh_from_db()
    assert session.status == "completed" and session.finished_at is not None
    assert session.pain_before == 6 and session.pain_after == 3
    assert StepLog.objects.get(session=session, index=1).intensity == "gentle"


def test_seconds_done_never_go_down_when_saves_arrive_out_of_order(person) -> None:  # type: ignore[no-untyped-def]
    session = services.start_session(person, services.make_plan(person))
    services.log_step(session, 0, seconds_done=45)
    services.log_step(session, 0, seconds_done=40)
    assert StepLog.objects.get(session=session, index=0).seconds_done == 45


def test_sharp_pain_stops_the_session(person) -> None:  # type: ignore[no-untyped-def]
    session = services.start_session(person, services.make_plan(person))
    services.log_step(session, 2, feedback="sharp_pain")
    session.refresh_from_db()
    assert session.status == "stopped" and session.stop_reason == "sharp pain"
    with pytest.raises(InputError):
        services.log_step(session, 3, seconds_done=10)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"seconds_done": -1}, "seconds_done"),
        ({"seconds_done": True}, "seconds_done"),
        ({"intensity": "max"}, "intensity"),
        ({"feedback": "meh"}, "feedback"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_step_logs_are_refused(person, fields, field) -> None:  # type: ignore[no-untyped-def]
    session = services.start_session(person, services.make_plan(person))
    with pytest.raises(InputError) as info:
        services.log_step(session, 0, **fields)
    assert info.value.field == field
    assert StepLog.objects.get(session=session, index=0).seconds_done == 0


def test_a_refused_plan_cannot_be_started(person) -> None:  # type: ignore[no-untyped-def]
    services.record_screening(person, {"chest_pain": True})
    plan = services.make_plan(person)
    assert plan.data["steps"] == []
    with pytest.raises(InputError):
        services.start_session(person, plan)
    assert Session.objects.count() == 0


def test_a_finished_session_cannot_be_restarted(person) -> None:  # type: ignore[no-untyped-def]
    session = services.start_session(person, services.make_plan(person))
    services.update_session(session, status="completed")
    with pytest.raises(InputError):
        services.update_session(session, status="running")


def test_pain_entries_are_validated(person) -> None:  # type: ignore[no-untyped-def]
    services.add_pain_entry(person, 4, region="lats_left", stress=3, note="after work")
    for kwargs in (
        {"pain": 11},
        {"pain": 3, "region": "lat"},
        {"pain": 3, "note": "x" * 5000},
        {"pain": "4"},
    ):
        with pytest.raises(InputError):
            services.add_pain_entry(person, **kwargs)
    assert PainEntry.objects.count() == 1


def test_a_pain_jump_of_three_asks_for_a_recheck_until_screened_again(person) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    services.add_pain_entry(person, 3, at=now - timedelta(days=1))
    assert not services.needs_recheck(person)
    services.add_pain_entry(person, 5, at=now - timedelta(hours=2))
    assert not services.needs_recheck(person)
    services.add_pain_entry(person, 8, at=now - timedelta(hours=1))
    assert services.needs_recheck(person)
    services.record_screening(person, {})
    assert not services.needs_recheck(person)


def test_weekly_counts_cover_eight_weeks_oldest_first(person) -> None:  # type: ignore[no-untyped-def]
    plan = services.make_plan(person)
    now = timezone.now()
    for days_ago in (0, 1, 8, 30):
        session = services.start_session(person, plan, now=now - timedelta(days=days_ago))
        services.log_step(session, 0, seconds_done=60)
        services.update_session(session, status="completed")
    short = services.start_session(person, plan, now=now)
    services.log_step(short, 0, seconds_done=6)
    services.update_session(short, status="stopped")  # 6 seconds: not counted
    skipped = services.start_session(person, plan, now=now)
    services.update_session(skipped, status="skipped")
    services.start_session(person, plan, now=now)  # opened, nothing done: not counted
    counts = services.weekly_counts(person, now=now)
    assert len(counts) == 8
    assert counts == sorted(counts)
    assert sum(c for _, c in counts) == 4
    assert counts[-1][1] >= 1
    assert Plan.objects.count() == 1


# --- learning from history ---------------------------------------------------------------


def test_sharp_pain_turns_the_technique_off_until_turned_back_on(person) -> None:  # type: ignore[no-untyped-def]
    plan = services.make_plan(person)
    session = services.start_session(person, plan)
    technique = plan.data["steps"][1]["technique"]
    services.log_step(session, 1, feedback="sharp_pain")
    assert technique in services.disabled_techniques(person)
    for _ in range(5):
        assert technique not in {s["technique"] for s in services.make_plan(person).data["steps"]}
    services.set_technique_enabled(person, technique, True)
    assert technique not in services.disabled_techniques(person)


def test_too_much_makes_the_next_plan_gentler_for_that_technique(person) -> None:  # type: ignore[no-untyped-def]
    services.save_profile(
        person, {"tools": ["foam_roller", "tennis_ball", "wall", "hands"], "pressure": "firm"}
    )
    plan = services.make_plan(person, seed=0)
    index, step = next((i, s) for i, s in enumerate(plan.data["steps"]) if s["intensity"] == "firm")
    session = services.start_session(person, plan)
    services.log_step(session, index, feedback="too_much", intensity="moderate")
    again = services.make_plan(person, seed=0)
    for later in again.data["steps"]:
        if later["technique"] == step["technique"]:
            assert later["intensity"] != "firm"


def test_turning_on_an_unknown_technique_is_refused(person) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        services.set_technique_enabled(person, "no_such_thing", True)
    assert info.value.field == "technique"


def test_the_schedule_is_validated_and_kept_in_weekday_order(person) -> None:  # type: ignore[no-untyped-def]
    assert services.schedule(person) == (("mon", "wed", "fri"), "18:00")
    services.save_schedule(person, ["fri", "tue"], "07:30")
    assert services.schedule(person) == (("tue", "fri"), "07:30")
    for days, time in ((["funday"], "07:30"), ([], "07:30"), (["mon"], "25:00"), (["mon"], "7pm")):
        with pytest.raises(InputError):
            services.save_schedule(person, days, time)
    assert services.schedule(person) == (("tue", "fri"), "07:30")


def test_making_a_new_plan_closes_a_session_left_unfinished_keeping_what_was_done(person) -> None:  # type: ignore[no-untyped-def]
    old_plan = services.make_plan(person, seed=1)
    long_ago = timezone.now() - timedelta(seconds=old_plan.total_seconds + 60)
    left = services.start_session(person, old_plan, now=long_ago)
    services.log_step(left, 0, seconds_done=left.steps.get(index=0).seconds_planned)
    finished = services.start_session(person, old_plan, now=long_ago)
    services.finish_session(finished, status="completed")
    # Started a minute ago: still being played (another tab, the terminal).
    playing = services.start_session(person, old_plan, now=timezone.now() - timedelta(minutes=1))
    new_plan = services.make_plan(person, seed=2)
    left.refresh_from_db()
    assert left.status == Session.Status.STOPPED
    assert left.stop_reason == services.NEW_PLAN_STOP
    assert left.steps.get(index=0).seconds_done == left.steps.get(index=0).seconds_planned
    finished.refresh_from_db()
    assert finished.status == Session.Status.COMPLETED and finished.stop_reason == ""
    playing.refresh_from_db()
    assert playing.status == Session.Status.RUNNING
    assert services.unfinished_session(person, old_plan) == playing
    # A session of the new plan itself is never closed by it.
    current = services.start_session(person, new_plan, now=long_ago)
    assert services.close_unfinished(person, new_plan) == 0
    current.refresh_from_db()
    assert current.status == Session.Status.RUNNING
