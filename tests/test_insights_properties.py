"""Property tests: insights never fail, never give NaN, and say "too little data" consistently."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backease.core.history import PainRecord, SessionRecord, StepRecord
from backease.core.insights import (
    MIN_SESSIONS_FOR_EFFECTS,
    PROGRESSION_MAX,
    TOO_LITTLE,
    Change,
    Insights,
    progression_level,
    summarize,
)
from backease.core.vocab import INTENSITIES, REGIONS, SIDES

ZONES = [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
TECHNIQUES = ["ball_on_wall", "doorway_stretch", "foam_roll", "breathing", "neck_glide", "thread_needle"]
FEEDBACK = ["", "helped", "neutral", "too_much", "sharp_pain"]
STATUSES = ["running", "completed", "skipped", "stopped"]

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.sampled_from(ZONES)
)
scores = st.one_of(st.none(), st.integers(0, 10))
steps = st.builds(
    StepRecord,
    technique=st.sampled_from(TECHNIQUES),
    side=st.sampled_from(SIDES),
    seconds_planned=st.integers(0, 600),
    seconds_done=st.integers(0, 600),
    intensity=st.sampled_from(INTENSITIES),
    feedback=st.sampled_from(FEEDBACK),
    skipped=st.booleans(),
)
sessions = st.builds(
    SessionRecord,
    started_at=moments,
    status=st.sampled_from(STATUSES),
    pain_before=scores,
    pain_after=scores,
    stress_before=scores,
    stress_after=scores,
    steps=st.lists(steps, max_size=8).map(tuple),
)
entries = st.builds(
    PainRecord,
    at=moments,
    pain=st.integers(0, 10),
    region=st.sampled_from(["", *REGIONS[:4]]),
    stress=scores,
)


def floats_in(value: object) -> list[float]:
    """Every float inside a result, however deeply nested."""
    if isinstance(value, float):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [f for field in dataclasses.fields(value) for f in floats_in(getattr(value, field.name))]
    if isinstance(value, tuple | list):
        return [f for item in value for f in floats_in(item)]
    return []


def check_change(change: Change) -> None:
    assert change.wording
    if change.enough_data:
        assert change.before is not None and change.after is not None and change.delta is not None
        assert not change.wording.startswith(TOO_LITTLE)
        assert change.meaningful == (
            change.delta < 0 and (-change.delta >= 2 - 1e-9 or -change.delta / change.before >= 0.3 - 1e-9)
        )
    else:
        assert change.delta is None and change.percent is None and not change.meaningful
        assert change.wording.startswith(TOO_LITTLE)


def check(result: Insights, history: list[SessionRecord], now: datetime, weeks: int) -> None:
    assert all(math.isfinite(f) for f in floats_in(result))

    adherence = result.adherence
    assert len(adherence.weeks) == weeks
    assert all(week.weekday() == 0 for week, _ in adherence.weeks)
    assert all((b[0] - a[0]).days == 7 for a, b in zip(adherence.weeks, adherence.weeks[1:], strict=False))
    assert adherence.weeks[-1][0] <= now.date() < adherence.weeks[-1][0] + timedelta(days=7)
    assert sum(count for _, count in adherence.weeks) <= adherence.sessions_total
    assert 0 <= adherence.current_streak <= adherence.longest_streak
    assert adherence.weeks_meeting_goal <= weeks
    assert adherence.enough_data == (not adherence.wording.startswith(TOO_LITTLE))
    assert adherence.enough_data <= (adherence.sessions_total > 0)

    pain = result.pain
    check_change(pain.trend)
    check_change(pain.immediate)
    assert pain.enough_data == (pain.trend.enough_data or pain.immediate.enough_data)
    assert pain.enough_data == (not pain.wording.startswith(TOO_LITTLE))
    days = (now.date() - adherence.weeks[0][0]).days + 1
    assert (
        [d for d, _ in pain.rolling7]
        == [d for d, _ in pain.rolling28]
        == [adherence.weeks[0][0] + timedelta(days=i) for i in range(days)]
    )
    assert all(v is None or 0 <= v <= 10 for _, v in (*pain.rolling7, *pain.rolling28))
    assert all(p.at <= now for p in pain.points)

    for region in result.regions:
        assert region.points
        check_change(region.trend)

    stress = result.stress
    assert stress.enough_data == (stress.correlation is not None)
    assert stress.enough_data == (not stress.wording.startswith(TOO_LITTLE))
    assert stress.correlation is None or -1 <= stress.correlation <= 1

    estimates = [e.estimate for e in result.effects]
    assert estimates == sorted(estimates)
    for effect in result.effects:
        assert 0 <= effect.helped <= effect.sessions
        assert effect.sd >= 0 and effect.low <= effect.estimate <= effect.high
    rated = sum(1 for s in history if s.started_at <= now and s.done and s.pain_change is not None)
    assert result.effects_shown == (rated >= MIN_SESSIONS_FOR_EFFECTS)
    assert result.effects_shown == (not result.effects_wording.startswith(TOO_LITTLE))

    assert 0 <= result.progression <= PROGRESSION_MAX
    assert result.progression == progression_level(history, now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(sessions, max_size=40),
    diary=st.lists(entries, max_size=30),
    now=moments,
    weeks=st.integers(1, 30),
)
def test_any_history_gives_finite_consistent_insights(
    history: list[SessionRecord], diary: list[PainRecord], now: datetime, weeks: int
) -> None:
    result = summarize(history, diary, now, weeks)
    check(result, history, now, weeks)
    assert result == summarize(history, diary, now, weeks)


@settings(max_examples=50, deadline=None)
@given(now=moments, weeks=st.integers(1, 30))
def test_an_empty_history_is_too_little_data_everywhere(now: datetime, weeks: int) -> None:
    result = summarize([], [], now, weeks)
    check(result, [], now, weeks)
    assert not result.adherence.enough_data and not result.pain.enough_data and not result.stress.enough_data
    assert result.effects == () and not result.effects_shown and result.progression == 0
    assert result.regions == () and result.pain.points == ()


@settings(max_examples=100, deadline=None)
@given(one=sessions, now=moments)
def test_one_session_never_has_enough_data_for_trends(one: SessionRecord, now: datetime) -> None:
    result = summarize([one], [], now)
    check(result, [one], now, 8)
    assert not result.pain.enough_data and not result.stress.enough_data and not result.effects_shown
    assert result.adherence.sessions_total == (1 if one.done and one.started_at <= now else 0)


def clustered_history(seed: int, count: int) -> tuple[list[SessionRecord], list[PainRecord]]:
    """Bursts of daily use separated by gaps of 1-6 months, with some unrated sessions."""
    rng = random.Random(seed)
    moment = datetime(2016, 1, 4, 7, 30, tzinfo=UTC)
    history, diary = [], []
    for index in range(count):
        moment += timedelta(days=rng.choice([1, 1, 1, 2, 3]) if rng.random() > 0.01 else rng.randint(30, 180))
        chosen = rng.sample(TECHNIQUES, rng.randint(2, 6))
        rated = rng.random() < 0.7
        before = rng.randint(0, 10)
        history.append(
            SessionRecord(
                started_at=moment + timedelta(minutes=rng.randint(0, 600)),
                status=rng.choice(STATUSES),
                pain_before=before if rated else None,
                pain_after=max(0, before - rng.randint(-1, 3)) if rated else None,
                stress_before=rng.randint(0, 10) if rng.random() < 0.5 else None,
                steps=tuple(
                    StepRecord(
                        t,
                        "both",
                        60,
                        rng.choice([0, 30, 60]),
                        rng.choice(INTENSITIES),
                        rng.choice(FEEDBACK),
                    )
                    for t in chosen
                ),
            )
        )
        if index % 3 == 0:
            diary.append(
                PainRecord(moment, rng.randint(0, 10), rng.choice(["", *REGIONS]), rng.randint(0, 10))
            )
    return history, diary


def test_thousands_of_sessions_with_gaps_of_months_give_consistent_insights() -> None:
    history, diary = clustered_history(11, 5000)
    for now in (history[2500].started_at, history[-1].started_at + timedelta(days=200)):
        for weeks in (1, 8, 52):
            check(summarize(history, diary, now, weeks), history, now, weeks)
    long_gap = summarize(history, diary, history[-1].started_at + timedelta(days=200))
    assert long_gap.adherence.current_streak == 0 and long_gap.adherence.weeks_meeting_goal == 0
    assert long_gap.pain.points == () and not long_gap.pain.enough_data
    assert long_gap.effects_shown and long_gap.adherence.longest_streak > 1


def test_sessions_without_ratings_count_for_adherence_but_not_for_pain() -> None:
    start = datetime(2025, 1, 6, 8, tzinfo=UTC)
    minute = (StepRecord("warm_up", "both", 60, 60, "moderate"),)
    history = [SessionRecord(start + timedelta(days=d), "completed", steps=minute) for d in range(0, 60, 2)]
    now = start + timedelta(days=60)
    result = summarize(history, [], now)
    check(result, history, now, 8)
    assert result.adherence.enough_data and result.adherence.current_streak > 0
    assert not result.pain.enough_data and result.pain.points == ()
    assert all(value is None for _, value in result.pain.rolling7)
    assert all(e.sessions == 0 for e in result.effects) and not result.effects_shown


def test_dates_before_now_are_days_in_the_timezone_of_now() -> None:
    late = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    minute = (StepRecord("warm_up", "both", 60, 60, "moderate"),)
    paris = summarize(
        [SessionRecord(late, "completed", 5, steps=minute)], [], datetime(2025, 3, 10, 12, tzinfo=ZONES[1])
    )
    assert paris.adherence.weeks[-1] == (date(2025, 3, 10), 1)
    assert paris.pain.rolling7[-1] == (date(2025, 3, 10), 5.0)
