"""The programme's rules (issue 18 item 2): the dose steps up after a full, comfortable
week, holds on a mixed one, steps down after "too much", sharp pain, a diary pain of 7 or
more or a `soon` screening, never past the precautions or the techniques' own limits, and
every change says why in words. Pure: backease.core.programme."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backease.core.errors import InputError
from backease.core.library import Library
from backease.core.programme import (
    LADDER,
    LADDER_TOP,
    CheckInView,
    Dose,
    DoseLimits,
    SessionFact,
    WeekFacts,
    build_view,
    capped,
    check_activity,
    check_days,
    check_pain,
    check_pgic,
    decide,
    dose_limits,
    headline,
    is_hold,
    is_rolling,
    pgic_weeks,
    planned_days,
    psfs_change,
    rung,
    start_change,
    starting_dose,
    summarize,
    week_number,
)

OPEN = DoseLimits()
MON, WED, FRI = date(2026, 10, 12), date(2026, 10, 14), date(2026, 10, 16)


def done(
    day: date, before: int | None = 5, after: int | None = 4, too_much: int = 0, sharp: int = 0
) -> SessionFact:
    return SessionFact(day, True, before, after, too_much, sharp)


FULL_WEEK = WeekFacts(3, (done(MON), done(WED), done(FRI)))


def test_a_full_comfortable_week_steps_the_dose_up_and_says_why() -> None:
    before = rung(2, 3)
    change = decide(2, before, FULL_WEEK, OPEN)
    assert change.action == "up"
    assert change.after.step == 3
    assert change.after.hold_seconds > before.hold_seconds
    assert change.reason.startswith(f"Holds {before.hold_seconds} s -> {change.after.hold_seconds} s")
    assert "3 sessions done, none too much" in change.reason


def test_the_reason_reads_like_the_issue_example() -> None:
    change = decide(
        3,
        rung(2, 3),
        WeekFacts(3, (done(MON, None, None), done(WED, None, None), done(FRI, None, None))),
        OPEN,
    )
    assert change.reason == "Holds 45 s -> 60 s, rolling 60 s -> 75 s: 3 sessions done, none too much"


def test_a_missed_session_holds_the_dose() -> None:
    change = decide(2, rung(3, 3), WeekFacts(3, (done(MON), done(WED))), OPEN)
    assert change.action == "hold"
    assert change.after == rung(3, 3)
    assert change.reason == "Kept as it was: 2 of 3 planned sessions done"


def test_pain_after_higher_than_before_holds_the_dose() -> None:
    week = WeekFacts(3, (done(MON), done(WED, 3, 5), done(FRI)))
    change = decide(2, rung(3, 3), week, OPEN)
    assert change.action == "hold"
    assert "pain after was higher than before in 1 session" in change.reason


@pytest.mark.parametrize(
    ("week", "cause"),
    [
        (WeekFacts(3, (done(MON), done(WED, too_much=2), done(FRI))), "'too much' in 1 session"),
        (WeekFacts(3, (done(MON, sharp=1),)), "sharp pain in 1 session"),
        (WeekFacts(3, (done(MON), done(WED), done(FRI)), diary_max=7), "pain 7 in your diary"),
        (WeekFacts(3, (done(MON), done(WED), done(FRI)), level="soon"), "your safety check says 'soon'"),
    ],
)
def test_too_much_sharp_pain_a_diary_7_or_a_soon_screen_step_down(week: WeekFacts, cause: str) -> None:
    change = decide(2, rung(4, 3), week, OPEN)
    assert change.action == "down"
    assert change.after.step == 3
    assert cause in change.reason
    assert change.reason == f"Rolling 90 s -> 75 s, minutes 20 -> 15, rounds 2 -> 1: {cause}"


def test_a_diary_pain_of_6_does_not_step_down() -> None:
    assert decide(2, rung(4, 3), WeekFacts(3, FULL_WEEK.sessions, diary_max=6), OPEN).action == "up"


def test_the_lightest_dose_cannot_go_lower_and_says_so() -> None:
    change = decide(2, rung(0, 3), WeekFacts(3, (done(MON, too_much=1),)), OPEN)
    assert change.action == "hold"
    assert change.after == rung(0, 3)
    assert change.reason.startswith("Kept at the lightest dose: 'too much'")


def test_the_top_of_the_ladder_is_kept() -> None:
    change = decide(2, rung(LADDER_TOP, 3), FULL_WEEK, OPEN)
    assert change.action == "hold"
    assert "top of the ladder" in change.reason


def test_gentle_pressure_only_caps_pressure_whatever_the_weeks(library: Library) -> None:
    limits = dose_limits(["gentle_pressure_only"], library)
    dose = starting_dose(30, "firm", 3, limits)
    for week in range(2, 12):
        dose = decide(week, dose, FULL_WEEK, limits).after
        assert dose.pressure == "gentle"
    assert dose.hold_seconds == LADDER[LADDER_TOP].hold_seconds


def test_a_capped_step_is_kept_and_the_reason_names_the_cap() -> None:
    limits = DoseLimits(
        max_pressure="gentle",
        max_hold_seconds=30,
        max_rolling_seconds=45,
        max_minutes=10,
        why_pressure="gentle pressure only, from your safety check",
    )
    change = decide(2, capped(rung(1, 3), limits), FULL_WEEK, limits)
    assert change.action == "hold" and change.after == change.before  # the rung does not climb unseen
    assert change.reason.startswith(
        "Kept as it was (pressure stays gentle: gentle pressure only, from your safety check; holds stay 30 s"
    )


def test_no_sustained_pressure_caps_holds(library: Library) -> None:
    limits = dose_limits(["no_sustained_pressure"], library)
    assert limits.max_hold_seconds == 30
    dose = rung(0, 3)
    for week in range(2, 10):
        dose = decide(week, dose, FULL_WEEK, limits).after
        assert dose.hold_seconds <= 30


def test_no_dose_passes_the_longest_technique_of_its_kind(library: Library) -> None:
    limits = dose_limits([], library)
    longest_hold = max(t.max_seconds for t in library.techniques if is_hold(t))
    longest_roll = max(t.max_seconds for t in library.techniques if is_rolling(t))
    for step in range(LADDER_TOP + 1):
        dose = capped(rung(step, 3), limits)
        assert dose.hold_seconds <= longest_hold
        assert dose.rolling_seconds <= longest_roll


def test_the_starting_dose_fits_the_persons_minutes_and_pressure() -> None:
    assert starting_dose(15, "moderate", 3, OPEN) == rung(3, 3)
    assert starting_dose(10, "firm", 2, OPEN) == rung(0, 2)
    assert starting_dose(5, "gentle", 3, OPEN).step == 0
    first = start_change(rung(0, 3), 15, "gentle", OPEN)
    assert first.action == "start" and first.week == 1 and "15 minutes" in first.reason


def test_weeks_count_from_the_start_day() -> None:
    start = date(2026, 10, 15)  # a Thursday
    assert week_number(start, date(2026, 10, 14)) == 0
    assert week_number(start, start) == 1
    assert week_number(start, date(2026, 10, 21)) == 1
    assert week_number(start, date(2026, 10, 22)) == 2
    assert planned_days(start, date(2026, 10, 22), ("mon", "wed", "fri")) == (
        date(2026, 10, 16),
        date(2026, 10, 19),
        date(2026, 10, 21),
    )
    assert pgic_weeks(6) == (2, 4, 6)
    assert pgic_weeks(3) == (2, 3)


def test_bad_input_names_the_field() -> None:
    for call, field in (
        (lambda: check_pain(11), "pain"),
        (lambda: check_pain("x"), "pain"),
        (lambda: check_pgic(0), "pgic"),
        (lambda: check_days("days", "mon,funday"), "days"),
        (lambda: check_activity("  "), "activity"),
    ):
        with pytest.raises(InputError) as error:
            call()
        assert error.value.field == field
    assert check_days("days", "fri,mon") == ("mon", "fri")
    assert check_pgic(None) is None


def checkin(week: int, pain: int, score: int, pgic: int | None = None) -> CheckInView:
    return CheckInView(
        week, datetime(2026, 10, 12 + week, tzinfo=UTC), pain, "carrying shopping", score, pgic
    )


def test_the_summary_compares_first_and_last_against_the_minimal_important_changes() -> None:
    summary = summarize([checkin(1, 6, 3), checkin(3, 5, 4, 3), checkin(6, 3, 6, 2)])
    assert summary.pain.meaningful and summary.pain.delta == -3
    assert summary.activity.meaningful and summary.activity.delta == 3
    assert summary.pgic == 2 and summary.pgic_meaningful and summary.pgic_words == "much improved"
    small = summarize([checkin(1, 6, 3), checkin(6, 5, 4)])
    assert not small.pain.meaningful and not small.activity.meaningful
    assert "less than the 2 points" in small.activity.wording
    assert summarize([checkin(1, 6, 3)]).wording.startswith("One check-in")
    assert psfs_change(5.0, 3.0).worse


def test_the_view_shows_week_and_sessions_and_the_headline() -> None:
    start = MON
    first = start_change(rung(2, 3), 15, "moderate", OPEN)
    view = build_view(
        run_id=1,
        started_on=start,
        weeks=6,
        days=("mon", "wed", "fri"),
        time="19:00",
        today=date(2026, 10, 28),  # week 3, Wednesday
        changes=[
            first,
            decide(2, first.after, FULL_WEEK, OPEN),
            decide(3, rung(3, 3), WeekFacts(3, ()), OPEN),
        ],
        done_days=[MON, WED, FRI, date(2026, 10, 19), date(2026, 10, 26)],
        checkins=[checkin(1, 6, 3)],
    )
    assert view.week == 3 and view.planned_this_week == 3 and view.done_this_week == 1
    assert headline(view) == "Week 3 of 6 · session 2 of 3 this week"
    assert view.timeline[1].missed == (date(2026, 10, 21), date(2026, 10, 23))
    assert view.checkin_due and not view.pgic_due
    assert view.dose == rung(3, 3)
    assert view.summary is None and not view.finished
    assert Dose.from_json(view.dose.to_json()) == view.dose


def test_a_step_up_the_limits_hold_back_says_what_stayed_and_why(library: Library) -> None:
    limits = dose_limits(["gentle_pressure_only"], library)
    change = decide(3, capped(rung(1, 3), limits), FULL_WEEK, limits)
    assert change.action == "up" and change.after.pressure == "gentle"
    assert change.reason.endswith("; pressure stays gentle: gentle pressure only, from your safety check")


def test_a_new_precaution_lowers_a_held_dose_and_says_so(library: Library) -> None:
    limits = dose_limits(["gentle_pressure_only"], library)
    change = decide(3, rung(3, 3), WeekFacts(3, (done(MON),)), limits)
    assert change.action == "down" and change.after.pressure == "gentle"
    assert change.reason == (
        "Pressure moderate -> gentle (pressure stays gentle: gentle pressure only, from your safety check):"
        " 1 of 3 planned sessions done"
    )


def test_pressure_rises_one_level_a_week_at_most_when_a_cap_is_lifted(library: Library) -> None:
    gentle = capped(rung(5, 3), dose_limits(["gentle_pressure_only"], library))
    change = decide(4, gentle, FULL_WEEK, dose_limits([], library))
    assert change.action == "up" and change.after.pressure == "moderate"
    assert "pressure stays moderate: one level firmer a week at most" in change.reason


def test_the_minutes_and_pressure_a_person_chose_are_ceilings() -> None:
    """A programme builds up within the person's own time and pressure: holds, rolling and
    rounds grow inside their 15 minutes, pressure never firmer than the moderate they asked for,
    and the reason says what was held back and why."""
    limits = dose_limits([], chosen_minutes=15, chosen_pressure="moderate")
    change = decide(2, rung(3, 3), FULL_WEEK, limits)
    assert change.action == "up"
    assert change.after.minutes == 15 and change.after.rounds == 2 and change.after.hold_seconds == 60
    assert "minutes stay 15: the 15 minutes you chose" in change.reason
    top = capped(rung(LADDER_TOP, 3), limits)
    assert top.minutes == 15 and top.pressure == "moderate"
    change = decide(2, rung(4, 3), FULL_WEEK, limits)
    assert change.after.pressure == "moderate"
    assert "pressure stays moderate: the moderate pressure you chose" in change.reason
    start = start_change(starting_dose(15, "moderate", 3, limits), 15, "moderate", limits)
    assert "capped" not in start.reason  # their own choice is said once, not as a cap
    # No preference: the ladder's pressure, within the safety check's limits.
    assert capped(rung(LADDER_TOP, 3), dose_limits([], chosen_minutes=30)).pressure == "firm"


def test_the_starting_reason_says_when_week_1_is_lighter_than_chosen() -> None:
    """10 minutes is the ladder's gentle first rung: the reason says pressure starts gentle,
    rather than naming 'moderate pressure' beside a gentle dose."""
    change = start_change(starting_dose(10, "moderate", 3, OPEN), 10, "moderate", OPEN)
    assert change.after is not None and change.after.pressure == "gentle"
    assert change.reason == (
        "Starting dose from your 10 minutes and moderate pressure:"
        " gentle pressure to begin with, building up as weeks go well"
    )
    same = start_change(starting_dose(15, "moderate", 3, OPEN), 15, "moderate", OPEN)
    assert same.reason == "Starting dose from your 15 minutes and moderate pressure"
