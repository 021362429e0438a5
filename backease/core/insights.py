"""Progress insights over one person's history: pure functions, no clock, no database.

`summarize(sessions, entries, now)` answers "is this working, and what helps me?":
sessions per week against the 2-3 goal and streaks, pain before/after and its trend
(rolling 7- and 28-day averages), per-region trends, stress alongside pain, whether a
change is clinically meaningful, and, per technique, its association with the pain
change straight after a session (a small Bayesian linear model). Every figure says when
there is too little data. docs/insights.md gives each method and threshold in full.

`now` is always passed in (the clock is never read); dates are calendar days in the
timezone of `now`, and weeks start on Monday. Records after `now` are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import numpy as np

from backease.core.history import PainRecord, SessionRecord, TechniqueEffect, step_done
from backease.core.vocab import INTENSITY_RANK, REGIONS, Intensity

GOAL_LOW = 2
GOAL_HIGH = 3
"""The consistency goal: 2-3 sessions a week (shared/PRODUCT.md)."""
MIN_SESSIONS_FOR_EFFECTS = 6
"""Sessions rated before and after needed before "what helps you" is shown."""

MEANINGFUL_POINTS = 2.0
MEANINGFUL_FRACTION = 0.30
"""Farrar 2001 (farrar_2001_nrs): on the 0-10 scale, a fall of about 2 points or 30 %
matched what people called "much improved"."""
MIN_RATED_SESSIONS = 3
"""Sessions rated before and after needed for the average immediate change."""
MIN_TREND_RATINGS = 3
TREND_SPAN_DAYS = 14
"""A trend compares the first and the last 7 days of ratings, so they must not overlap."""
MIN_STRESS_DAYS = 7
"""Days with both stress and pain rated needed for the stress-pain correlation."""
MAX_WEEKS = 520

# The Bayesian model of "what helps you" (docs/insights.md, "What helps you").
EFFECT_PRIOR_SD = 1.0
"""tau: the prior sd of a technique's effect, in pain points (shrinks toward no effect)."""
INTERCEPT_PRIOR_SD = 10.0
NOISE_PRIOR_DF = 4.0
NOISE_PRIOR_SD = 1.5
"""Scaled inverse chi-squared prior on the noise variance: worth 4 sessions at sd 1.5."""
NOISE_GRID = np.geomspace(0.5, 6.0, 24)
"""Noise sds (pain points) the posterior is averaged over; 0.5 acts as the floor."""
Z95 = 1.959963984540054

PROGRESSION_MAX = 3
PROGRESSION_BLOCK_WEEKS = 2

TOO_LITTLE = "Too little data"
_EPS = 1e-9


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """A change in pain on the 0-10 scale, judged against Farrar 2001.

    `delta` is after - before (negative is less pain); `percent` is delta as a percentage
    of before (None when before is 0). `meaningful` is True only for a fall of at least
    2 points or 30 %. Rises are never "meaningful" here; the wording says they are rises.
    """

    before: float | None
    after: float | None
    delta: float | None
    percent: float | None
    meaningful: bool
    enough_data: bool
    wording: str


@dataclass(frozen=True, slots=True)
class Adherence:
    """Done sessions per week (Monday first, oldest first) against the 2-3 a week goal."""

    weeks: tuple[tuple[date, int], ...]
    goal_low: int
    goal_high: int
    weeks_meeting_goal: int
    current_streak: int
    longest_streak: int
    sessions_total: int
    enough_data: bool
    wording: str


@dataclass(frozen=True, slots=True)
class PainPoint:
    """The ratings of one session; `at` is its start in the timezone of `now`."""

    at: datetime
    before: int | None
    after: int | None
    stress_before: int | None
    stress_after: int | None


@dataclass(frozen=True, slots=True)
class PainTrend:
    """Pain per session and over time.

    `rolling7`/`rolling28`: for each day of the window, the mean of every pain rating
    (session "pain before" and diary entries) in the 7 or 28 days ending that day.
    `trend`: the first 7 days of ratings in the window against the last 7.
    `immediate`: mean pain before against mean pain after, over the done sessions in the
    window rated both times. `enough_data` when either of them has enough.
    """

    points: tuple[PainPoint, ...]
    rolling7: tuple[tuple[date, float | None], ...]
    rolling28: tuple[tuple[date, float | None], ...]
    trend: Change
    immediate: Change
    enough_data: bool
    wording: str


@dataclass(frozen=True, slots=True)
class RegionTrend:
    """Diary ratings of one region and their trend (first vs last 7 days)."""

    region: str
    points: tuple[tuple[datetime, int], ...]
    trend: Change


@dataclass(frozen=True, slots=True)
class StressPain:
    """Daily mean stress and mean pain, and the correlation between them."""

    points: tuple[tuple[date, float | None, float | None], ...]
    correlation: float | None
    enough_data: bool
    wording: str


@dataclass(frozen=True, slots=True)
class Insights:
    """Everything the insights page, the report and `backease stats` show.

    `effects` always lists every technique in the history (the planner uses them and the
    feedback counts); show the estimates to the person only when `effects_shown`.
    """

    adherence: Adherence
    pain: PainTrend
    regions: tuple[RegionTrend, ...]
    stress: StressPain
    effects: tuple[TechniqueEffect, ...]
    effects_shown: bool
    effects_wording: str
    progression: int
    rated: int = 0
    """Sessions that count and were rated before and after: what "what helps you" learns from."""


# --- meaningful change ------------------------------------------------------------------


def _points(value: float) -> str:
    text = f"{value:.1f}"
    return f"{text} point" if text == "1.0" else f"{text} points"


def _change_text(before: float, after: float, delta: float, meaningful: bool) -> str:
    """The change as a phrase starting in lower case, e.g. 'pain fell by 2.0 points ...'."""
    span = f"from {before:.1f} to {after:.1f}"
    if round(delta, 1) == 0:
        return f"no real change ({span}): not yet meaningful"
    if delta > 0:
        return f"pain rose by {_points(delta)}, {span}"
    fall = -delta
    share = f" ({fall / before * 100:.0f} %)" if before > 0 else ""
    text = f"pain fell by {_points(fall)}{share}, {span}"
    if meaningful:
        return f"{text}: a meaningful change (2 points or 30 %, Farrar 2001)"
    return f"{text}: not yet meaningful (that takes a fall of 2 points or 30 %)"


def _phrase(change: Change) -> str:
    """The wording of a Change with enough data, as a phrase in lower case."""
    return _change_text(change.before or 0.0, change.after or 0.0, change.delta or 0.0, change.meaningful)


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:] + "."


def _no_change(wording: str) -> Change:
    return Change(None, None, None, None, False, False, wording)


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def assess_change(before: float | None, after: float | None) -> Change:
    """Compare two pain levels (0-10). Meaningful: a fall of >= 2 points or >= 30 %.

    The thresholds are Farrar et al. 2001 (farrar_2001_nrs). A missing or non-finite
    value gives `enough_data=False`. Differences are rounded to 9 decimals first, so a
    fall of exactly 2 points or 30 % between averages counts despite float rounding.
    """
    first, last = _finite(before), _finite(after)
    if first is None or last is None:
        return Change(first, last, None, None, False, False, f"{TOO_LITTLE} to compare yet.")
    delta = round(last - first, 9)
    percent = round(delta / first * 100, 9) if first > 0 else None
    fall = -delta
    meaningful = fall > 0 and (
        fall >= MEANINGFUL_POINTS - _EPS or (first > 0 and fall / first >= MEANINGFUL_FRACTION - _EPS)
    )
    wording = _sentence(_change_text(first, last, delta, meaningful))
    return Change(first, last, delta, percent, meaningful, True, wording)


# --- preparing the history --------------------------------------------------------------


@dataclass(slots=True)
class _Prepared:
    """The history up to `now`, oldest first: each session with its local time, local date
    and `done` flag (worked out once), each entry with its local time and date, and the
    number of done sessions per week (keyed by Monday)."""

    now: datetime
    today: date
    this_week: date
    sessions: list[tuple[datetime, date, bool, SessionRecord]]
    entries: list[tuple[datetime, date, PainRecord]]
    week_counts: dict[date, int]


def _local(moment: datetime, zone: tzinfo) -> datetime:
    # A naive record is taken to be in the timezone of `now` (docs/insights.md).
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _shift(day: date, days: int) -> date:
    """day + days, clamped to the calendar's range."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def _prepare(sessions: Iterable[SessionRecord], entries: Iterable[PainRecord], now: datetime) -> _Prepared:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # a naive `now` is taken as UTC
    zone = now.tzinfo
    assert zone is not None
    local_sessions = []
    for session in sessions:
        moment = _local(session.started_at, zone)
        if moment <= now:
            local_sessions.append((moment, moment.date(), session.done, session))
    local_entries = []
    for entry in entries:
        moment = _local(entry.at, zone)
        if moment <= now:
            local_entries.append((moment, moment.date(), entry))
    local_sessions.sort(key=lambda item: item[0])
    local_entries.sort(key=lambda item: item[0])
    by_ordinal: dict[int, int] = {}
    for _, day, done, _ in local_sessions:
        if done:
            week = day.toordinal() - day.weekday()
            by_ordinal[week] = by_ordinal.get(week, 0) + 1
    counts = {date.fromordinal(week): count for week, count in by_ordinal.items()}
    today = now.date()
    return _Prepared(now, today, _monday(today), local_sessions, local_entries, counts)


# --- adherence --------------------------------------------------------------------------


def _adherence(prepared: _Prepared, weeks: int) -> Adherence:
    counts = prepared.week_counts
    this_week = prepared.this_week
    shown = tuple(
        (week, counts.get(week, 0)) for week in (_shift(this_week, -7 * k) for k in range(weeks - 1, -1, -1))
    )
    met = {week for week, count in counts.items() if count >= GOAL_LOW}
    # The unfinished current week only counts once the goal is already met.
    current = 0
    week = this_week if this_week in met else _shift(this_week, -7)
    while week in met:
        current += 1
        week = _shift(week, -7)
    longest = run = 0
    previous: date | None = None
    for week in sorted(met):
        run = run + 1 if previous is not None and (week - previous).days == 7 else 1
        longest = max(longest, run)
        previous = week
    total = sum(counts.values())
    meeting = sum(1 for _, count in shown if count >= GOAL_LOW)
    enough = total > 0 and min(counts) < this_week
    goal = f"{GOAL_LOW}–{GOAL_HIGH} sessions a week"
    so_far = counts.get(this_week, 0)
    this_week_text = f"This week so far: {so_far} session{'' if so_far == 1 else 's'}."
    if total == 0:
        wording = f"{TOO_LITTLE}: no sessions done yet. The goal is {goal}."
    elif not enough:
        wording = f"{TOO_LITTLE}: your first full week is not over yet. The goal is {goal}. {this_week_text}"
    else:
        streak = f"You are on a {current}-week streak" if current else "You are not on a streak at the moment"
        wording = (
            f"You met the goal of {goal} in {meeting} of the last {len(shown)} weeks. "
            f"{streak} (longest: {longest} week{'' if longest == 1 else 's'}). {this_week_text}"
        )
    return Adherence(
        weeks=shown,
        goal_low=GOAL_LOW,
        goal_high=GOAL_HIGH,
        weeks_meeting_goal=meeting,
        current_streak=current,
        longest_streak=longest,
        sessions_total=total,
        enough_data=enough,
        wording=wording,
    )


# --- pain over time ---------------------------------------------------------------------


def _pain_ratings(prepared: _Prepared) -> list[tuple[date, int]]:
    """Every pain rating in time order: session "pain before" and diary entries."""
    ratings = [(day, s.pain_before) for _, day, _, s in prepared.sessions if s.pain_before is not None]
    ratings += [(day, e.pain) for _, day, e in prepared.entries]
    ratings.sort(key=lambda item: item[0])
    return ratings


def _rolling(
    ratings: Sequence[tuple[date, int]], start: date, end: date, width: int
) -> tuple[tuple[date, float | None], ...]:
    """For each day from start to end, the mean of the ratings in the `width` days ending then."""
    if end < start:
        return ()
    first = _shift(start, -(width - 1))
    length = (end - first).days + 1
    sums = [0.0] * length
    counts = [0] * length
    for day, value in ratings:
        if first <= day <= end:
            index = (day - first).days
            sums[index] += value
            counts[index] += 1
    series: list[tuple[date, float | None]] = []
    total, count = 0.0, 0
    for index in range(length):
        total += sums[index]
        count += counts[index]
        if index >= width:
            total -= sums[index - width]
            count -= counts[index - width]
        if index >= width - 1:
            series.append((_shift(first, index), total / count if count else None))
    return tuple(series)


def _block_trend(ratings: Sequence[tuple[date, float]], what: str) -> Change:
    """The mean of the first 7 days of ratings against the mean of the last 7."""
    if len(ratings) < MIN_TREND_RATINGS:
        return _no_change(f"{TOO_LITTLE}: the trend needs at least {MIN_TREND_RATINGS} {what} ratings.")
    first_day, last_day = ratings[0][0], ratings[-1][0]
    if (last_day - first_day).days < TREND_SPAN_DAYS - 1:
        return _no_change(f"{TOO_LITTLE}: the trend needs {what} ratings at least 2 weeks apart.")
    early = [value for day, value in ratings if (day - first_day).days < 7]
    late = [value for day, value in ratings if (last_day - day).days < 7]
    return assess_change(sum(early) / len(early), sum(late) / len(late))


def _pain_trend(prepared: _Prepared, start: date, weeks: int) -> PainTrend:
    in_window = [(moment, done, s) for moment, day, done, s in prepared.sessions if day >= start]
    points = tuple(
        PainPoint(moment, s.pain_before, s.pain_after, s.stress_before, s.stress_after)
        for moment, _, s in in_window
        if s.pain_before is not None
        or s.pain_after is not None
        or s.stress_before is not None
        or s.stress_after is not None
    )
    ratings = _pain_ratings(prepared)
    rolling7 = _rolling(ratings, start, prepared.today, 7)
    rolling28 = _rolling(ratings, start, prepared.today, 28)
    trend = _block_trend([(day, float(value)) for day, value in ratings if day >= start], "pain")
    rated = [
        (s.pain_before, s.pain_after)
        for _, done, s in in_window
        if done and s.pain_before is not None and s.pain_after is not None
    ]
    if len(rated) >= MIN_RATED_SESSIONS:
        immediate = assess_change(
            sum(b for b, _ in rated) / len(rated), sum(a for _, a in rated) / len(rated)
        )
    else:
        immediate = _no_change(
            f"{TOO_LITTLE}: rate your pain before and after at least {MIN_RATED_SESSIONS} sessions "
            f"({len(rated)} so far)."
        )
    enough = immediate.enough_data or trend.enough_data
    period = f"the last {weeks} week{'' if weeks == 1 else 's'}"
    if immediate.enough_data:
        first = f"Straight after a session (average of {len(rated)} sessions): {_phrase(immediate)}."
    else:
        first = immediate.wording
    if trend.enough_data:
        second = f"Over {period} (first 7 days against last 7): {_phrase(trend)}."
    else:
        second = trend.wording
    # A part with enough data comes first, so the wording opens with "Too little data" only
    # when neither part has enough.
    wording = f"{second} {first}" if trend.enough_data and not immediate.enough_data else f"{first} {second}"
    return PainTrend(points, rolling7, rolling28, trend, immediate, enough, wording)


_REGION_RANK: dict[str, int] = {region: rank for rank, region in enumerate(REGIONS)}


def _region_order(region: str) -> tuple[int, str]:
    """Body-map order (vocab.REGIONS), then any other region id alphabetically."""
    return _REGION_RANK.get(region, len(REGIONS)), region


def _region_trends(prepared: _Prepared, start: date) -> tuple[RegionTrend, ...]:
    by_region: dict[str, list[tuple[datetime, date, int]]] = {}
    for moment, day, entry in prepared.entries:
        if entry.region and day >= start:
            by_region.setdefault(entry.region, []).append((moment, day, entry.pain))
    trends = []
    for region in sorted(by_region, key=_region_order):
        rows = by_region[region]
        trend = _block_trend([(day, float(pain)) for _, day, pain in rows], "pain")
        trends.append(RegionTrend(region, tuple((moment, pain) for moment, _, pain in rows), trend))
    return tuple(trends)


# --- stress alongside pain --------------------------------------------------------------


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= _EPS or syy <= _EPS:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _link_words(r: float) -> str:
    size = abs(r)
    if size < 0.1:
        return "No clear link so far"
    strength = "A weak" if size < 0.3 else "A moderate" if size < 0.5 else "A strong"
    direction = "more" if r > 0 else "less"
    return f"{strength} link: on days with more stress, you tended to have {direction} pain"


def _stress_pain(prepared: _Prepared, start: date) -> StressPain:
    stress: dict[date, list[int]] = {}
    pain: dict[date, list[int]] = {}
    for _, day, _, s in prepared.sessions:
        if day >= start:
            if s.stress_before is not None:
                stress.setdefault(day, []).append(s.stress_before)
            if s.pain_before is not None:
                pain.setdefault(day, []).append(s.pain_before)
    for _, day, e in prepared.entries:
        if day >= start:
            pain.setdefault(day, []).append(e.pain)
            if e.stress is not None:
                stress.setdefault(day, []).append(e.stress)

    def mean(values: list[int] | None) -> float | None:
        return sum(values) / len(values) if values else None

    points = tuple(
        (day, mean(stress.get(day)), mean(pain.get(day))) for day in sorted(stress.keys() | pain.keys())
    )
    pairs = [(s, p) for _, s, p in points if s is not None and p is not None]
    correlation = None
    if len(pairs) < MIN_STRESS_DAYS:
        wording = (
            f"{TOO_LITTLE}: rate your stress and your pain on at least {MIN_STRESS_DAYS} different days "
            f"({len(pairs)} so far)."
        )
    else:
        correlation = _pearson([s for s, _ in pairs], [p for _, p in pairs])
        if correlation is None:
            wording = (
                f"{TOO_LITTLE}: your stress or pain ratings have not changed yet, so there is nothing "
                "to compare."
            )
        else:
            wording = (
                f"{_link_words(correlation)} (r = {correlation:.2f}, over {len(pairs)} days). "
                "This is a link in your own ratings, not proof that one causes the other."
            )
    return StressPain(points, correlation, correlation is not None, wording)


# --- what helps you ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one session adds to the running totals of a history (`Totals`).

    Kept per session by the store, so the totals can be updated when a session changes
    (subtract its old contribution, add the new one) instead of read from all history.
    """

    week: date | None
    """The Monday of its (local) start date when the session counts (`SessionRecord.done`)."""
    change: int | None
    """pain_after - pain_before when the session counts and was rated both times."""
    before: int | None
    """pain_before then."""
    techniques: tuple[str, ...]
    """Every technique in its steps, sorted, once each."""
    used: tuple[str, ...]
    """Techniques with a step done (`step_done`), sorted, once each."""
    too_much: tuple[tuple[str, str], ...]
    """(technique, intensity) of each step with 'too much' feedback."""
    sharp_pain: tuple[str, ...]
    """The technique of each step with 'sharp pain' feedback."""

    def to_data(self) -> dict[str, object]:
        return {
            "week": self.week.isoformat() if self.week is not None else None,
            "change": self.change,
            "before": self.before,
            "techniques": list(self.techniques),
            "used": list(self.used),
            "too_much": [list(pair) for pair in self.too_much],
            "sharp_pain": list(self.sharp_pain),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Contribution:
        week = data.get("week")
        return cls(
            week=date.fromisoformat(week) if isinstance(week, str) else None,
            change=data.get("change"),
            before=data.get("before"),
            techniques=tuple(data.get("techniques", ())),
            used=tuple(data.get("used", ())),
            too_much=tuple((str(t), str(i)) for t, i in data.get("too_much", ())),
            sharp_pain=tuple(data.get("sharp_pain", ())),
        )


def contribution(session: SessionRecord, zone: tzinfo) -> Contribution:
    """A session's contribution; its week is counted in `zone` (a naive start is in `zone`)."""
    done = session.done
    day = _local(session.started_at, zone).date()
    return Contribution(
        week=_monday(day) if done else None,
        change=session.pain_after - session.pain_before
        if session.pain_after is not None and session.pain_before is not None and done
        else None,
        before=session.pain_before if session.pain_after is not None and done else None,
        techniques=tuple(sorted({s.technique for s in session.steps})),
        used=tuple(sorted({s.technique for s in session.steps if step_done(s.seconds_done)})),
        too_much=tuple((s.technique, s.intensity) for s in session.steps if s.feedback == "too_much"),
        sharp_pain=tuple(s.technique for s in session.steps if s.feedback == "sharp_pain"),
    )


def _bump(counts: dict[Any, int], key: Any, delta: int) -> None:
    value = counts.get(key, 0) + delta
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)


@dataclass(slots=True)
class Totals:
    """Running totals over a whole history: done sessions per week and what "what helps
    you" needs (X'X, X'y and y'y of its model, see `_posterior`, and the feedback counts).

    `add(c)` and `add(c, -1)` are exact inverses, and zero counts are dropped, so totals
    kept up to date session by session equal totals recomputed from the whole history.
    """

    weeks: dict[date, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    """Sessions whose steps include the technique (every technique ever planned is listed)."""
    used: dict[str, int] = field(default_factory=dict)
    """Rated done sessions in which the technique was used."""
    helped: dict[str, int] = field(default_factory=dict)
    change_sums: dict[str, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    """(a, b) with a < b: rated done sessions in which both were used."""
    too_much: dict[tuple[str, str], int] = field(default_factory=dict)
    sharp_pain: dict[str, int] = field(default_factory=dict)
    rated: int = 0
    before_total: int = 0
    """Sum of pain before over the rated done sessions (for the plain averages)."""
    change_total: int = 0
    change_squares: int = 0

    def add(self, item: Contribution, sign: int = 1) -> None:
        if item.week is not None:
            _bump(self.weeks, item.week, sign)
        for technique in item.techniques:
            _bump(self.present, technique, sign)
        for pair in item.too_much:
            _bump(self.too_much, pair, sign)
        for technique in item.sharp_pain:
            _bump(self.sharp_pain, technique, sign)
        if item.change is None:
            return
        self.rated += sign
        self.before_total += sign * (item.before or 0)
        self.change_total += sign * item.change
        self.change_squares += sign * item.change * item.change
        for i, technique in enumerate(item.used):
            _bump(self.used, technique, sign)
            _bump(self.change_sums, technique, sign * item.change)
            if item.change < 0:
                _bump(self.helped, technique, sign)
            for other in item.used[i + 1 :]:
                _bump(self.pairs, (technique, other), sign)

    def to_data(self) -> dict[str, object]:
        return {
            "weeks": {week.isoformat(): n for week, n in sorted(self.weeks.items())},
            "present": dict(sorted(self.present.items())),
            "used": dict(sorted(self.used.items())),
            "helped": dict(sorted(self.helped.items())),
            "change_sums": dict(sorted(self.change_sums.items())),
            "pairs": [[a, b, n] for (a, b), n in sorted(self.pairs.items())],
            "too_much": [[t, i, n] for (t, i), n in sorted(self.too_much.items())],
            "sharp_pain": dict(sorted(self.sharp_pain.items())),
            "rated": self.rated,
            "before_total": self.before_total,
            "change_total": self.change_total,
            "change_squares": self.change_squares,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Totals:
        return cls(
            weeks={date.fromisoformat(w): int(n) for w, n in data.get("weeks", {}).items()},
            present=dict(data.get("present", {})),
            used=dict(data.get("used", {})),
            helped=dict(data.get("helped", {})),
            change_sums=dict(data.get("change_sums", {})),
            pairs={(a, b): int(n) for a, b, n in data.get("pairs", [])},
            too_much={(t, i): int(n) for t, i, n in data.get("too_much", [])},
            sharp_pain=dict(data.get("sharp_pain", {})),
            rated=int(data.get("rated", 0)),
            before_total=int(data.get("before_total", 0)),
            change_total=int(data.get("change_total", 0)),
            change_squares=int(data.get("change_squares", 0)),
        )


def totals_of(sessions: Iterable[SessionRecord], zone: tzinfo) -> Totals:
    """The totals of a history, recomputed from every session."""
    totals = Totals()
    for session in sessions:
        totals.add(contribution(session, zone))
    return totals


def _posterior(xtx: np.ndarray, xty: np.ndarray, yty: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of each technique's effect (docs/insights.md).

    Model: change_s = b0 + sum_t x_st beta_t + e_s, e_s ~ N(0, sigma^2); beta_t ~ N(0, tau^2),
    b0 ~ N(0, 10^2); sigma^2 ~ scaled-inv-chi^2(4, 1.5^2). For each sigma on a grid the
    posterior of (b0, beta) is normal; the grid points are weighted by the marginal
    likelihood times the prior, and the mixture's mean and sd are returned.
    Only X'X, X'y and y'y are needed (column 0 is the intercept; `Totals` keeps them):
    X is 0/1, so X'X[i, j] counts the rated sessions that used both i and j.
    """
    k = xty.size
    prior_precision = np.full(k, 1.0 / EFFECT_PRIOR_SD**2)
    prior_precision[0] = 1.0 / INTERCEPT_PRIOR_SD**2
    variances = NOISE_GRID**2
    precision = xtx[None, :, :] / variances[:, None, None] + np.diag(prior_precision)[None, :, :]
    covariance = np.linalg.inv(precision)
    scaled = xty[None, :] / variances[:, None]
    means = np.einsum("gij,gj->gi", covariance, scaled)
    _, logdet = np.linalg.slogdet(precision)
    quadratic = yty / variances - np.einsum("gi,gi->g", scaled, means)
    log_likelihood = -0.5 * (n * np.log(variances) + logdet + quadratic)
    log_prior = -(NOISE_PRIOR_DF / 2 + 1) * np.log(variances) - NOISE_PRIOR_DF * NOISE_PRIOR_SD**2 / (
        2 * variances
    )
    # The grid is even in log(sigma), so each point also carries d(sigma^2) ~ sigma^2.
    log_weight = log_likelihood + log_prior + np.log(variances)
    weights = np.exp(log_weight - log_weight.max())
    weights /= weights.sum()
    mean = weights @ means
    second = weights @ (np.diagonal(covariance, axis1=1, axis2=2) + means**2)
    sd = np.sqrt(np.maximum(second - mean**2, 0.0))
    return mean[1:], sd[1:]


def estimate_effects(sessions: Sequence[SessionRecord]) -> tuple[TechniqueEffect, ...]:
    """Per technique, the pain change associated with using it; best (most negative) first.

    See `effects_from_totals` and docs/insights.md ("What helps you").
    """
    return effects_from_totals(totals_of(sessions, UTC))[0]


def effects_from_totals(totals: Totals) -> tuple[tuple[TechniqueEffect, ...], int]:
    """Per technique, the pain change associated with using it; best (most negative) first.

    A technique is "used" in a session when one of its steps is done (seconds_done > 0).
    Only done sessions rated before and after enter the model and the `sessions`/`helped`
    counts; "too much" and "sharp pain" are counted over every session. Every technique
    in the history is listed (one never used in a rated session has the prior: 0 +/- tau).
    Columns are in technique-id order and ties are broken by technique id, so the output
    is deterministic. Also returns the number of rated sessions (done, rated before and after).
    """
    techniques = sorted(totals.present)
    if not techniques:
        return (), totals.rated
    column = {technique: i + 1 for i, technique in enumerate(techniques)}
    k = len(techniques) + 1
    xtx = np.zeros((k, k), dtype=np.float64)
    xty = np.zeros(k, dtype=np.float64)
    xtx[0, 0] = totals.rated
    xty[0] = totals.change_total
    for technique, count in totals.used.items():
        i = column[technique]
        xtx[0, i] = xtx[i, 0] = xtx[i, i] = count
        xty[i] = totals.change_sums.get(technique, 0)
    for (a, b), count in totals.pairs.items():
        i, j = column[a], column[b]
        xtx[i, j] = xtx[j, i] = count
    mean, sd = _posterior(xtx, xty, float(totals.change_squares), totals.rated)
    gentlest: dict[str, Intensity] = {}
    too_much: dict[str, int] = {}
    for (technique, intensity), count in totals.too_much.items():
        too_much[technique] = too_much.get(technique, 0) + count
        if intensity in INTENSITY_RANK and (
            technique not in gentlest or INTENSITY_RANK[intensity] < INTENSITY_RANK[gentlest[technique]]
        ):
            gentlest[technique] = intensity
    effects = []
    for technique in techniques:
        position = column[technique] - 1
        estimate, spread = float(mean[position]), float(sd[position])
        effects.append(
            TechniqueEffect(
                technique=technique,
                sessions=totals.used.get(technique, 0),
                helped=totals.helped.get(technique, 0),
                estimate=estimate,
                sd=spread,
                low=estimate - Z95 * spread,
                high=estimate + Z95 * spread,
                too_much=too_much.get(technique, 0),
                sharp_pain=totals.sharp_pain.get(technique, 0),
                too_much_intensity=gentlest.get(technique),
            )
        )
    effects.sort(key=lambda effect: (effect.estimate, effect.technique))
    return tuple(effects), totals.rated


def _effects_wording(rated: int) -> str:
    if rated < MIN_SESSIONS_FOR_EFFECTS:
        return (
            f"{TOO_LITTLE}: rate your pain before and after at least {MIN_SESSIONS_FOR_EFFECTS} sessions "
            f"to see what seems to help you ({rated} so far)."
        )
    return (
        f"From {rated} sessions you rated before and after. Each figure is the change in pain that went "
        "with using a technique, pulled toward 'no effect' until there is enough data. The range shows "
        "where the true value probably lies (95 %); if it includes 0, we cannot tell yet. With many "
        "techniques, one may look helpful by chance. This is a link in your own sessions, not proof: "
        "other things change from day to day too."
    )


# --- progression ------------------------------------------------------------------------


def _progression(prepared: _Prepared) -> int:
    """+1 for each of the last three 2-week blocks of complete weeks in which mean pain
    before fell meaningfully against the block before and both weeks met the goal."""
    counts = prepared.week_counts
    blocks = PROGRESSION_MAX + 1
    first_week = _shift(prepared.this_week, -7 * PROGRESSION_BLOCK_WEEKS * blocks)
    sums = [0.0] * blocks
    rated = [0] * blocks
    for _, day, done, session in prepared.sessions:
        if session.pain_before is None or not done or day < first_week or day >= prepared.this_week:
            continue
        block = (day - first_week).days // (7 * PROGRESSION_BLOCK_WEEKS)
        sums[block] += session.pain_before
        rated[block] += 1
    level = 0
    for block in range(1, blocks):
        if not rated[block] or not rated[block - 1]:
            continue
        start = _shift(first_week, 7 * PROGRESSION_BLOCK_WEEKS * block)
        kept_up = all(
            counts.get(_shift(start, 7 * week), 0) >= GOAL_LOW for week in range(PROGRESSION_BLOCK_WEEKS)
        )
        change = assess_change(sums[block - 1] / rated[block - 1], sums[block] / rated[block])
        if kept_up and change.meaningful:
            level += 1
    return level


def progression_level(sessions: Sequence[SessionRecord], now: datetime, totals: Totals | None = None) -> int:
    """0-3: how far to progress duration and intensity (docs/insights.md, "Progression").

    The 6 complete weeks before the current one form three 2-week blocks. The level rises
    by one for each block in which the mean "pain before" of done sessions fell
    meaningfully (assess_change) against the 2 weeks before it AND each of its weeks had
    at least GOAL_LOW done sessions. With too little data it is 0.

    With `totals` (of the history up to `now`, weeks in the timezone of `now`), the
    sessions need only cover the days from `window_start(now)`.
    """
    prepared = _prepare(sessions, (), now)
    if totals is not None:
        prepared.week_counts = dict(totals.weeks)
    return _progression(prepared)


def window_start(now: datetime, weeks: int = 8) -> date:
    """The first day (in the timezone of `now`) that `summarize(..., weeks, totals=...)`
    and `progression_level(..., totals=...)` read sessions and entries from: the window
    of `weeks` weeks, the 27 days before it for the rolling averages, and the 8 weeks
    that progression compares."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    weeks = min(max(int(weeks), 1), MAX_WEEKS)
    this_week = _monday(now.date())
    start = _shift(this_week, -7 * (weeks - 1) - 27)
    return min(start, _shift(this_week, -7 * PROGRESSION_BLOCK_WEEKS * (PROGRESSION_MAX + 1)))


# --- all together -----------------------------------------------------------------------


def summarize(
    sessions: Sequence[SessionRecord],
    entries: Sequence[PainRecord],
    now: datetime,
    weeks: int = 8,
    totals: Totals | None = None,
) -> Insights:
    """All insights as of `now`, over the last `weeks` weeks (1-520; the current week included).

    Adherence streaks, what helps you and progression look at the whole history up to
    `now`; the weekly counts, pain points, rolling averages, trends and stress figures
    look at the window of the last `weeks` weeks (rolling averages also use the 27 days
    before it).

    `totals`: the `Totals` of the whole history up to `now` (weeks counted in the timezone
    of `now`), kept up to date by the store. Given them, `sessions` and `entries` need
    only cover the days from `window_start(now, weeks)`, and the result is the same as
    from the whole history.
    """
    weeks = min(max(int(weeks), 1), MAX_WEEKS)
    prepared = _prepare(sessions, entries, now)
    start = _shift(prepared.this_week, -7 * (weeks - 1))
    if totals is None:
        zone = prepared.now.tzinfo
        assert zone is not None
        totals = totals_of((session for _, _, _, session in prepared.sessions), zone)
    else:
        prepared.week_counts = dict(totals.weeks)
    effects, rated = effects_from_totals(totals)
    return Insights(
        adherence=_adherence(prepared, weeks),
        pain=_pain_trend(prepared, start, weeks),
        regions=_region_trends(prepared, start),
        stress=_stress_pain(prepared, start),
        effects=effects,
        effects_shown=rated >= MIN_SESSIONS_FOR_EFFECTS,
        effects_wording=_effects_wording(rated),
        progression=_progression(prepared),
        rated=rated,
    )
