"""Insight math against small hand-computed histories (backease.core.insights)."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from backease.core.history import PainRecord, SessionRecord, StepRecord
from backease.core.insights import (
    EFFECT_PRIOR_SD,
    INTERCEPT_PRIOR_SD,
    MIN_SESSIONS_FOR_EFFECTS,
    NOISE_GRID,
    NOISE_PRIOR_DF,
    NOISE_PRIOR_SD,
    Z95,
    assess_change,
    estimate_effects,
    progression_level,
    summarize,
)
from backease.core.vocab import Intensity

PARIS = ZoneInfo("Europe/Paris")


def at(text: str, zone: ZoneInfo | None = None) -> datetime:
    """An aware datetime: UTC unless another zone is given."""
    return datetime.fromisoformat(text).replace(tzinfo=zone or UTC)


def step(
    technique: str,
    done: int = 60,
    feedback: str = "",
    intensity: Intensity = "moderate",
    skipped: bool = False,
) -> StepRecord:
    return StepRecord(technique, "both", 60, done, intensity, feedback, skipped)


def session(
    when: str | datetime,
    status: str = "completed",
    before: int | None = None,
    after: int | None = None,
    stress: int | None = None,
    steps: tuple[StepRecord, ...] | None = None,
) -> SessionRecord:
    """A session; by default with one minute done on a warm-up, so it counts."""
    started = at(when) if isinstance(when, str) else when
    if steps is None:
        steps = (step("warm_up"),)
    return SessionRecord(started, status, before, after, stress, None, steps)


def diary(when: str, pain: int, region: str = "", stress: int | None = None) -> PainRecord:
    return PainRecord(at(when), pain, region, stress)


# --- meaningful change (Farrar 2001: a fall of >= 2 points or >= 30 %) -------------------


def test_a_fall_of_exactly_two_points_is_meaningful() -> None:
    change = assess_change(8, 6)  # 25 %: meaningful by points only
    assert change.delta == -2
    assert change.percent == pytest.approx(-25.0)
    assert change.meaningful and change.enough_data
    assert "meaningful change" in change.wording and "not yet" not in change.wording


def test_a_fall_just_under_two_points_and_thirty_percent_is_not_yet_meaningful() -> None:
    change = assess_change(8, 6.1)  # 1.9 points, 23.75 %
    assert not change.meaningful
    assert change.enough_data
    assert "not yet meaningful" in change.wording


def test_a_fall_of_exactly_thirty_percent_is_meaningful() -> None:
    change = assess_change(5, 3.5)  # 1.5 points, 30 %: meaningful by percent only
    assert change.percent == pytest.approx(-30.0)
    assert change.meaningful


def test_a_fall_just_under_thirty_percent_is_not_yet_meaningful() -> None:
    change = assess_change(5, 3.6)  # 1.4 points, 28 %
    assert not change.meaningful
    assert "not yet meaningful" in change.wording


def test_a_two_point_fall_between_averages_survives_float_rounding() -> None:
    before, after = (6 + 7 + 7) / 3, (4 + 5 + 5) / 3  # 6.666... and 4.666...
    assert assess_change(before, after).meaningful
    assert assess_change(10 / 3, 7 / 3).meaningful  # 1 point, 30 % exactly


def test_a_rise_is_described_as_a_rise_and_is_never_meaningful() -> None:
    change = assess_change(3, 6)
    assert change.delta == 3
    assert change.percent == pytest.approx(100.0)
    assert not change.meaningful
    assert change.wording.startswith("Pain rose by 3.0 points")


def test_no_change_from_zero_has_no_percentage() -> None:
    change = assess_change(0, 0)
    assert change.delta == 0 and change.percent is None and not change.meaningful
    assert change.wording.startswith("No real change")


def test_a_missing_or_non_finite_value_is_too_little_data() -> None:
    for before, after in ((None, 3), (4, None), (math.nan, 3), (4, math.inf)):
        change = assess_change(before, after)
        assert not change.enough_data and not change.meaningful
        assert change.delta is None and change.percent is None
        assert change.wording.startswith("Too little data")


def test_one_point_reads_as_singular() -> None:
    assert assess_change(5, 4).wording.startswith("Pain fell by 1.0 point (20 %)")


# --- adherence and streaks ----------------------------------------------------------------


def test_weeks_are_counted_monday_first_in_the_timezone_of_now() -> None:
    running = (step("a", done=30), step("b", done=30))
    history = [
        session("2025-02-18T08:00"),
        session("2025-02-20T08:00", status="stopped"),
        session("2025-02-24T08:00"),
        session("2025-02-26T08:00", status="running", steps=running),  # a minute on a step: counts
        session("2025-02-27T08:00", status="stopped", steps=(step("a", done=6),)),  # 6 s: does not
        session("2025-03-01T08:00"),
        session("2025-03-04T08:00"),
        session("2025-03-05T08:00", status="skipped"),  # not done
        session("2025-03-06T08:00", status="running", steps=(step("a", done=0),)),  # not done
        session("2025-03-09T23:30"),  # Sunday in UTC, Monday 00:30 in Paris
        session("2025-03-11T08:00"),
        session("2025-03-13T08:00"),  # after now: ignored
    ]
    adherence = summarize(history, [], at("2025-03-12T12:00", PARIS), weeks=4).adherence
    assert adherence.weeks == (
        (date(2025, 2, 17), 2),
        (date(2025, 2, 24), 3),
        (date(2025, 3, 3), 1),
        (date(2025, 3, 10), 2),
    )
    assert adherence.weeks_meeting_goal == 3
    assert adherence.current_streak == 1
    assert adherence.longest_streak == 2
    assert adherence.sessions_total == 8
    assert adherence.enough_data
    assert "3 of the last 4 weeks" in adherence.wording
    # The same history read in UTC puts the Sunday-night session in the week of 3 March.
    in_utc = summarize(history, [], at("2025-03-12T12:00"), weeks=4).adherence
    assert in_utc.weeks[2:] == ((date(2025, 3, 3), 2), (date(2025, 3, 10), 1))
    assert in_utc.current_streak == 3  # this week (1 so far) is unfinished: counted from last week


def test_the_unfinished_week_does_not_break_a_streak_until_it_is_over() -> None:
    mondays = ["2025-02-17", "2025-02-24", "2025-03-03"]
    history = [session(f"{monday}T09:00") for monday in mondays]
    history += [session(f"{monday}T19:00") for monday in mondays]
    history.append(session("2025-03-10T09:00"))  # one so far this week
    adherence = summarize(history, [], at("2025-03-12T12:00")).adherence
    assert adherence.current_streak == 3
    assert adherence.longest_streak == 3
    assert adherence.weeks[-1] == (date(2025, 3, 10), 1)
    assert "3-week streak" in adherence.wording
    # A week later the unmet week is over and the streak is broken.
    later = summarize(history, [], at("2025-03-19T12:00")).adherence
    assert later.current_streak == 0
    assert later.longest_streak == 3


def test_the_longest_streak_spans_the_whole_history_not_just_the_window() -> None:
    start = date(2023, 1, 2)  # a Monday
    history = [
        session(datetime.combine(start + timedelta(weeks=w, days=d), datetime.min.time(), UTC))
        for w in range(5)
        for d in (0, 2)
    ]
    adherence = summarize(history, [], at("2025-03-12T12:00"), weeks=8).adherence
    assert adherence.longest_streak == 5
    assert adherence.current_streak == 0
    assert adherence.weeks_meeting_goal == 0
    assert adherence.sessions_total == 10
    assert adherence.enough_data


def test_adherence_is_too_little_data_before_the_first_full_week() -> None:
    empty = summarize([], [], at("2025-03-12T12:00")).adherence
    assert not empty.enough_data and empty.wording.startswith("Too little data: no sessions")
    assert empty.weeks[-1] == (date(2025, 3, 10), 0) and len(empty.weeks) == 8
    first_week = summarize([session("2025-03-10T08:00")], [], at("2025-03-12T12:00")).adherence
    assert not first_week.enough_data
    assert first_week.wording.startswith("Too little data: your first full week")
    assert first_week.sessions_total == 1


# --- pain over time -------------------------------------------------------------------------


def test_rolling_averages_use_every_rating_in_the_days_ending_that_day() -> None:
    sessions = [session("2025-03-03T08:00", before=4), session("2025-03-12T08:00", before=5, after=3)]
    entries = [diary("2025-03-05T20:00", 6), diary("2025-03-10T20:00", 2)]
    pain = summarize(sessions, entries, at("2025-03-12T12:00"), weeks=1).pain
    assert pain.rolling7 == ((date(2025, 3, 10), 4.0), (date(2025, 3, 11), 4.0), (date(2025, 3, 12), 3.5))
    assert pain.rolling28 == ((date(2025, 3, 10), 4.0), (date(2025, 3, 11), 4.0), (date(2025, 3, 12), 4.25))
    assert [p.before for p in pain.points] == [5]  # the window is this week only


def test_rolling_averages_are_none_on_days_without_ratings_in_range() -> None:
    pain = summarize([session("2025-02-10T08:00", before=6)], [], at("2025-03-12T12:00"), weeks=2).pain
    assert len(pain.rolling7) == len(pain.rolling28) == 10  # Monday 3 March to Wednesday 12 March
    assert all(value is None for _, value in pain.rolling7)
    assert pain.rolling28[0] == (date(2025, 3, 3), 6.0)  # 4 Feb to 3 Mar holds the 10 Feb rating
    assert pain.rolling28[7] == (date(2025, 3, 10), None)  # 11 Feb to 10 Mar holds none
    assert pain.points == ()


def test_the_trend_compares_the_first_and_the_last_seven_days_of_ratings() -> None:
    entries = [
        diary("2025-02-01T08:00", 8),
        diary("2025-02-03T08:00", 6),
        diary("2025-02-07T08:00", 7),
        diary("2025-02-20T08:00", 5),
        diary("2025-02-25T08:00", 3),
        diary("2025-02-26T08:00", 4),
    ]
    trend = summarize([], entries, at("2025-02-26T20:00")).pain.trend
    assert (trend.before, trend.after, trend.delta) == (7.0, 4.0, -3.0)
    assert trend.meaningful


def test_the_trend_needs_ratings_two_weeks_apart() -> None:
    close = [diary("2025-02-01T08:00", 8), diary("2025-02-05T08:00", 6), diary("2025-02-13T08:00", 5)]
    assert not summarize([], close, at("2025-02-26T20:00")).pain.trend.enough_data
    apart = [*close[:2], diary("2025-02-14T08:00", 5)]  # 1-7 Feb against 8-14 Feb
    trend = summarize([], apart, at("2025-02-26T20:00")).pain.trend
    assert trend.enough_data and (trend.before, trend.after) == (7.0, 5.0)


def test_the_immediate_change_averages_done_sessions_rated_both_times() -> None:
    rated = [
        session("2025-03-03T08:00", before=6, after=4),
        session("2025-03-04T08:00", before=7, after=4),
        session("2025-03-05T08:00", before=5, after=4),
        session("2025-03-06T08:00", status="skipped", before=9, after=9),  # not done
        session("2025-03-07T08:00", before=8),  # no rating after
    ]
    pain = summarize(rated, [], at("2025-03-12T12:00")).pain
    assert (pain.immediate.before, pain.immediate.after) == (6.0, 4.0)
    assert pain.immediate.meaningful
    assert pain.enough_data
    assert pain.wording.startswith(
        "Straight after a session (average of 3 sessions): pain fell by 2.0 points"
    )
    assert [p.before for p in pain.points] == [6, 7, 5, 9, 8]
    too_few = summarize(rated[:2], [], at("2025-03-12T12:00")).pain
    assert not too_few.enough_data
    assert too_few.wording.startswith(
        "Too little data: rate your pain before and after at least 3 sessions (2 so far)."
    )


def test_region_trends_follow_the_body_map_order_and_leave_out_general_entries() -> None:
    entries = [
        diary("2025-03-03T08:00", 5, region="lats_left"),
        diary("2025-03-04T08:00", 6, region="neck_base"),
        diary("2025-03-05T08:00", 4, region="lats_left"),
        diary("2025-03-06T08:00", 7),
    ]
    regions = summarize([], entries, at("2025-03-12T12:00")).regions
    assert [r.region for r in regions] == ["neck_base", "lats_left"]
    assert [pain for _, pain in regions[1].points] == [5, 4]
    assert not regions[1].trend.enough_data


# --- stress alongside pain ------------------------------------------------------------------


def test_the_stress_pain_correlation_is_pearsons_r_over_daily_means() -> None:
    stress = [1, 2, 3, 4, 5, 6, 7]
    pain = [2, 1, 4, 3, 6, 5, 8]
    entries = [
        diary(f"2025-03-0{d + 1}T08:00", p, stress=s)
        for d, (s, p) in enumerate(zip(stress, pain, strict=True))
    ]
    result = summarize([], entries, at("2025-03-12T12:00")).stress
    assert result.correlation == pytest.approx(statistics.correlation(stress, pain))
    assert result.enough_data
    assert result.wording.startswith("A strong link: on days with more stress, you tended to have more pain")
    assert "not proof" in result.wording


def test_two_ratings_on_one_day_are_averaged() -> None:
    sessions = [session("2025-03-10T08:00", before=6, stress=2)]
    entries = [diary("2025-03-10T20:00", 4, stress=4), diary("2025-03-11T20:00", 3)]
    points = summarize(sessions, entries, at("2025-03-12T12:00")).stress.points
    assert points == ((date(2025, 3, 10), 3.0, 5.0), (date(2025, 3, 11), None, 3.0))


def test_the_correlation_needs_seven_days_and_some_variation() -> None:
    six = [diary(f"2025-03-0{d + 1}T08:00", d, stress=d) for d in range(6)]
    result = summarize([], six, at("2025-03-12T12:00")).stress
    assert result.correlation is None and not result.enough_data
    assert (
        result.wording
        == "Too little data: rate your stress and your pain on at least 7 different days (6 so far)."
    )
    flat = [diary(f"2025-03-0{d + 1}T08:00", d, stress=5) for d in range(8)]
    result = summarize([], flat, at("2025-03-12T12:00")).stress
    assert result.correlation is None and not result.enough_data
    assert result.wording.startswith("Too little data: your stress or pain ratings have not changed")


# --- what helps you -------------------------------------------------------------------------


def test_effect_counts_come_from_rated_sessions_and_feedback_from_all() -> None:
    history = [
        session("2025-03-03T08:00", before=6, after=4, steps=(step("a"), step("b", done=0, skipped=True))),
        session(
            "2025-03-04T08:00",
            before=5,
            after=5,
            steps=(step("a", 30, "too_much", "moderate"), step("b", 60, "too_much", "gentle")),
        ),
        session("2025-03-05T08:00", status="stopped", steps=(step("b", 20, "sharp_pain", "firm"),)),
        session("2025-03-06T08:00", status="skipped", before=7, after=3, steps=(step("c", 0),)),
        session("2025-03-07T08:00", steps=(step("a", 60, "too_much", "firm"),)),
    ]
    effects = {e.technique: e for e in estimate_effects(history)}
    assert set(effects) == {"a", "b", "c"}
    a, b, c = effects["a"], effects["b"], effects["c"]
    assert (a.sessions, a.helped, a.too_much, a.sharp_pain, a.too_much_intensity) == (2, 1, 2, 0, "moderate")
    assert (b.sessions, b.helped, b.too_much, b.sharp_pain, b.too_much_intensity) == (1, 0, 1, 1, "gentle")
    assert (c.sessions, c.helped, c.too_much, c.sharp_pain, c.too_much_intensity) == (0, 0, 0, 0, None)
    # Never used in a rated session: the posterior is the prior, 0 +/- tau.
    assert c.estimate == pytest.approx(0.0, abs=1e-9)
    assert c.sd == pytest.approx(EFFECT_PRIOR_SD)
    assert (c.low, c.high) == pytest.approx((-Z95 * EFFECT_PRIOR_SD, Z95 * EFFECT_PRIOR_SD))
    for effect in effects.values():
        assert effect.low == pytest.approx(effect.estimate - Z95 * effect.sd)
        assert effect.high == pytest.approx(effect.estimate + Z95 * effect.sd)


def dense_posterior(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same model computed the slow way: the n x n marginal covariance of y per sigma."""
    n, p = x.shape
    design = np.column_stack([np.ones(n), x])
    prior_cov = np.diag([INTERCEPT_PRIOR_SD**2] + [EFFECT_PRIOR_SD**2] * p)
    log_weights, means, variances = [], [], []
    for sigma in NOISE_GRID:
        s2 = sigma**2
        marginal = s2 * np.eye(n) + design @ prior_cov @ design.T
        _, logdet = np.linalg.slogdet(marginal)
        log_lik = -0.5 * (logdet + y @ np.linalg.solve(marginal, y))
        log_prior = -(NOISE_PRIOR_DF / 2 + 1) * math.log(s2) - NOISE_PRIOR_DF * NOISE_PRIOR_SD**2 / (2 * s2)
        log_weights.append(log_lik + log_prior + math.log(s2))
        cov = np.linalg.inv(np.linalg.inv(prior_cov) + design.T @ design / s2)
        means.append(cov @ design.T @ y / s2)
        variances.append(np.diag(cov))
    w = np.exp(np.array(log_weights) - max(log_weights))
    w /= w.sum()
    mean = w @ np.array(means)
    second = w @ (np.array(variances) + np.array(means) ** 2)
    return mean[1:], np.sqrt(second - mean**2)[1:]


def test_the_posterior_matches_a_direct_dense_computation() -> None:
    rng = np.random.default_rng(7)
    techniques = ["a", "b", "c", "d", "e"]
    used = rng.random((12, 5)) < 0.5
    used[used.sum(axis=1) == 0, 0] = True  # a session with nothing done does not count
    changes = rng.integers(-3, 2, size=12)
    history = [
        session(
            at("2025-01-06T08:00") + timedelta(days=i),
            before=6,
            after=int(6 + changes[i]),
            steps=tuple(step(t, done=60 if used[i, j] else 0) for j, t in enumerate(techniques)),
        )
        for i in range(12)
    ]
    mean, sd = dense_posterior(used.astype(float), changes.astype(float))
    effects = {e.technique: e for e in estimate_effects(history)}
    for j, technique in enumerate(techniques):
        assert effects[technique].estimate == pytest.approx(mean[j], abs=1e-9)
        assert effects[technique].sd == pytest.approx(sd[j], abs=1e-9)


def test_a_consistent_effect_is_estimated_close_to_its_size_with_enough_sessions() -> None:
    # 'a' is used every other session; pain falls by 2 points with it and not at all without.
    history = [
        session(
            at("2025-01-06T08:00") + timedelta(days=i),
            before=6,
            after=4 if i % 2 == 0 else 6,
            steps=(step("a", done=60 if i % 2 == 0 else 0), step("b")),
        )
        for i in range(40)
    ]
    effects = estimate_effects(history)
    assert effects[0].technique == "a"
    assert effects[0].estimate == pytest.approx(-2.0, abs=0.1)
    assert effects[0].high < 0
    assert (effects[0].sessions, effects[0].helped) == (20, 20)
    assert effects[1].low < 0 < effects[1].high  # 'b' was used every time: nothing to learn


def test_effects_are_ordered_best_first_with_ties_broken_by_id() -> None:
    history = [session("2025-03-03T08:00", steps=(step("zeta"), step("alpha"), step("mid", 0)))]
    assert [e.technique for e in estimate_effects(history)] == ["alpha", "mid", "zeta"]
    assert estimate_effects([]) == ()


def test_effects_are_shown_from_the_sixth_rated_session() -> None:
    history = [
        session(at("2025-03-01T08:00") + timedelta(days=i), before=6, after=4, steps=(step("a"),))
        for i in range(MIN_SESSIONS_FOR_EFFECTS)
    ]
    now = at("2025-03-12T12:00")
    before = summarize(history[:-1], [], now)
    assert not before.effects_shown
    assert before.effects_wording == (
        "Too little data: rate your pain before and after at least 6 sessions "
        "to see what seems to help you (5 so far)."
    )
    assert [e.technique for e in before.effects] == ["a"]  # computed anyway, for the planner
    shown = summarize(history, [], now)
    assert shown.effects_shown
    assert shown.effects_wording.startswith("From 6 sessions you rated before and after.")
    assert "not proof" in shown.effects_wording


# --- progression -----------------------------------------------------------------------------


def two_a_week(pains: list[float], skip_week: int | None = None) -> list[SessionRecord]:
    """Two sessions a week for the 8 complete weeks before Monday 10 March 2025, one block
    (2 weeks) per pain value; each block's two pain values average to it."""
    history = []
    for week in range(8):
        monday = at("2025-01-13T08:00") + timedelta(weeks=week)
        pain = pains[week // 2]
        days = (0,) if week == skip_week else (0, 3)
        for index, day in enumerate(days):
            before = math.floor(pain) if index == 0 else math.ceil(pain)
            history.append(session(monday + timedelta(days=day), before=before, after=before))
    return history


NOW = at("2025-03-12T12:00")


def test_progression_rises_once_per_block_with_a_meaningful_fall_and_the_goal_met() -> None:
    assert progression_level(two_a_week([8, 6, 4, 3.5]), NOW) == 2  # falls: 2, 2, 0.5 points
    assert progression_level(two_a_week([8, 6, 4, 2]), NOW) == 3
    assert progression_level(two_a_week([8, 8, 8, 8]), NOW) == 0
    assert progression_level(two_a_week([4, 6, 8, 10]), NOW) == 0


def test_progression_needs_the_goal_met_in_every_week_of_the_block() -> None:
    assert progression_level(two_a_week([8, 6, 4, 3.5], skip_week=4), NOW) == 1  # block 3 missed a week


def test_progression_is_zero_with_too_little_data_and_ignores_the_current_week() -> None:
    assert progression_level([], NOW) == 0
    this_week = [session("2025-03-10T08:00", before=9), session("2025-03-11T08:00", before=1)]
    assert progression_level(this_week, NOW) == 0
    history = two_a_week([8, 6, 4, 2])
    assert summarize(history, [], NOW).progression == progression_level(history, NOW) == 3


# --- determinism and the clock --------------------------------------------------------------


def test_a_naive_now_is_taken_as_utc_and_output_is_deterministic() -> None:
    history = two_a_week([8, 6, 4, 2])
    naive = summarize(history, [], datetime(2025, 3, 12, 12, 0))
    assert naive == summarize(history, [], NOW)
    assert summarize(history, [], NOW) == summarize(list(history), [], NOW)


def test_weeks_is_clamped_to_a_sane_range() -> None:
    assert len(summarize([], [], NOW, weeks=0).adherence.weeks) == 1
    assert len(summarize([], [], NOW, weeks=10_000).adherence.weeks) == 520
