"""A programme over weeks: each week's dose, the rules that step it up or down, the weekly
check-in, and what the person sees of it (docs/programme.md).

A programme runs for M weeks (6 by default) from its start day; week 1 is the 7 days from
that day, week 2 the next 7, counted in the person's zone. The planned days are the
schedule's days (`Profile.session_days`). Each week has a `Dose`: minutes, hold and rolling
times, rounds, pressure and sessions a week. The dose moves along a small ladder (`LADDER`),
one rung at a time, once a week, by these rules (`decide`):

- up after a week whose planned sessions were all done, with no "too much", no "sharp pain"
  and pain after no higher than pain before in any session rated;
- down after "too much", "sharp pain", a diary pain of 7 or more that week, or a screening
  at `soon` (or worse);
- held otherwise (a mixed week: a session missed, or pain after higher than before).

A dose never goes past the person's precautions (`DoseLimits`: gentle pressure only caps
pressure; no sustained pressure caps holds) nor past what the techniques themselves allow
(`Technique.max_seconds`); the planner clamps each step to its own technique's limits as well.
Every change carries its reason in words ("Holds 45 s -> 60 s: 3 sessions done, none too
much").

Pure: no Django. `backease.store.programmes` reads and writes the stored programme.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from backease.core.errors import InputError
from backease.core.library import Library, Technique
from backease.core.vocab import INTENSITIES, INTENSITY_RANK, Intensity, Level

Action = Literal["start", "up", "hold", "down"]
ACTIONS: tuple[Action, ...] = get_args(Action)
Status = Literal["active", "finished", "stopped"]
STATUSES: tuple[Status, ...] = get_args(Status)
Source = Literal["self", "therapist"]
SOURCES: tuple[Source, ...] = get_args(Source)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEEKS = 6
MIN_WEEKS, MAX_WEEKS = 2, 12
DEFAULT_DAYS: tuple[str, ...] = ("mon", "wed", "fri")
"""The source material prescribes self-massage 2-3 times a week (PRODUCT.md)."""
DAYS_PER_WEEK = (1, 2, 3, 4, 5, 6, 7)

DIARY_PAIN_DOWN = 7
"""A diary pain of 7 or more in a week steps the dose down (severe pain on the 0-10 scale)."""
STEP_DOWN_LEVELS: frozenset[Level] = frozenset({"soon", "urgent", "emergency"})
"""A screening at `soon` or worse steps the dose down (SCREENING.md: `soon` is gentle only)."""

SHORT_HOLD = 30
"""The longest hold under `no_sustained_pressure` ("keep moving": techniques that press on one
spot are left out by the planner; what is left holds stretches, kept short)."""

PAIN_MIN, PAIN_MAX = 0, 10
ACTIVITY_MIN, ACTIVITY_MAX = 0, 10
ACTIVITY_LENGTH = 80
PGIC_MIN, PGIC_MAX = 1, 7
PGIC_WORDS: tuple[str, ...] = (
    "very much improved",
    "much improved",
    "minimally improved",
    "no change",
    "minimally worse",
    "much worse",
    "very much worse",
)
"""Patient Global Impression of Change: the standard seven-point scale (1 very much improved to
7 very much worse) that Farrar 2001 (farrar_2001_nrs) used as its anchor: "much" or "very much
improved" (1 or 2) was taken as the change that matters, and matched a fall in pain of about
2 points or 30 %."""
PGIC_MEANINGFUL = 2
"""PGIC 1 or 2 counts as an improvement that matters (Farrar 2001)."""
PGIC_WEEKS = (2, 4)
"""The PGIC is asked at weeks 2 and 4 and in the last week (`pgic_weeks`)."""

PSFS_MCID = 2.0
"""Patient-Specific Functional Scale (Stratford 1995): about 2 points (Abbott & Schmitt 2014,
abbott_2014_psfs_mid: 1.3 small, 2.3 medium, 2.7 large change that people noticed)."""


# --- the dose ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dose:
    """One week's dose. `step` is the rung of `LADDER` it came from (caps may have lowered
    some of its values); the rules move it one rung at a time."""

    minutes: int
    hold_seconds: int
    rolling_seconds: int
    rounds: int
    pressure: Intensity
    sessions_per_week: int
    step: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "hold_seconds": self.hold_seconds,
            "rolling_seconds": self.rolling_seconds,
            "rounds": self.rounds,
            "pressure": self.pressure,
            "sessions_per_week": self.sessions_per_week,
            "step": self.step,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Dose:
        pressure = data.get("pressure")
        return cls(
            minutes=int(data["minutes"]),
            hold_seconds=int(data["hold_seconds"]),
            rolling_seconds=int(data["rolling_seconds"]),
            rounds=int(data["rounds"]),
            pressure=pressure if pressure in INTENSITIES else "gentle",
            sessions_per_week=int(data["sessions_per_week"]),
            step=int(data.get("step", 0)),
        )

    def describe(self) -> str:
        """The dose in words: "15 min, holds 45 s, rolling 60 s, 1 round, moderate pressure, 3 a week"."""
        rounds = f"{self.rounds} round{'s' if self.rounds != 1 else ''}"
        return (
            f"{self.minutes} min, holds {self.hold_seconds} s, rolling {self.rolling_seconds} s,"
            f" {rounds}, {self.pressure} pressure, {self.sessions_per_week} a week"
        )


# (minutes, hold s, rolling s, rounds, pressure). The source material: 10-30 minutes a session;
# trigger-point holds of 30-90 s; one round, then a second of the best-working release.
_RUNGS: tuple[tuple[int, int, int, int, Intensity], ...] = (
    (10, 30, 45, 1, "gentle"),
    (12, 45, 60, 1, "gentle"),
    (15, 45, 60, 1, "moderate"),
    (15, 60, 75, 1, "moderate"),
    (20, 60, 90, 2, "moderate"),
    (20, 75, 90, 2, "firm"),
    (25, 90, 120, 2, "firm"),
    (30, 90, 120, 3, "firm"),
)
LADDER_TOP = len(_RUNGS) - 1


def rung(step: int, sessions_per_week: int) -> Dose:
    """The uncapped dose of a rung of the ladder (clamped to the ladder's ends)."""
    step = max(0, min(LADDER_TOP, step))
    minutes, hold, rolling, rounds, pressure = _RUNGS[step]
    return Dose(minutes, hold, rolling, rounds, pressure, sessions_per_week, step)


LADDER: tuple[Dose, ...] = tuple(rung(i, 3) for i in range(len(_RUNGS)))
"""The dose ladder at 3 sessions a week (sessions a week follow the planned days)."""


@dataclass(frozen=True, slots=True)
class DoseLimits:
    """What a dose may never pass: the person's precautions and the techniques' own limits."""

    max_pressure: Intensity = "firm"
    max_hold_seconds: int = 10_000
    max_rolling_seconds: int = 10_000
    max_minutes: int = 60
    why_pressure: str = ""
    """Why pressure is capped, in words (empty when it is not)."""
    why_hold: str = ""
    why_minutes: str = ""
    """Why minutes are capped, in words ("the 15 minutes you chose")."""


def is_hold(tech: Technique) -> bool:
    """A technique whose time is a hold: pressure on one spot, or a stretch."""
    return tech.sustained_pressure or tech.kind == "stretch"


def is_rolling(tech: Technique) -> bool:
    """A technique whose time is rolling or kneading (self-massage that keeps moving)."""
    return tech.kind == "self_massage" and not tech.sustained_pressure


def dose_limits(
    precautions: Iterable[str],
    library: Library | None = None,
    max_minutes: int = 60,
    *,
    chosen_minutes: int | None = None,
    chosen_pressure: Intensity | None = None,
) -> DoseLimits:
    """The caps on a dose from the precautions in force (the screening's, with those its level
    adds: `planner.effective_precautions`), from the library's techniques (no hold longer
    than the longest any hold technique allows, the same for rolling) and from what the person
    chose: a session no longer than the minutes they have (`chosen_minutes`) and no firmer
    than the pressure they asked for (`chosen_pressure`; None: no preference). A programme
    builds up within those; the person raises them in their profile."""
    active = set(precautions)
    max_hold = max_rolling = 10_000
    why_hold = ""
    if library is not None:
        holds = [t.max_seconds for t in library.techniques if is_hold(t)]
        rolls = [t.max_seconds for t in library.techniques if is_rolling(t)]
        max_hold = max(holds, default=max_hold)
        max_rolling = max(rolls, default=max_rolling)
    if "no_sustained_pressure" in active:
        max_hold = min(max_hold, SHORT_HOLD)
        why_hold = "no long holds, from your safety check"
    gentle = "gentle_pressure_only" in active
    max_pressure: Intensity = "gentle" if gentle else "firm"
    why_pressure = "gentle pressure only, from your safety check" if gentle else ""
    if chosen_pressure is not None and INTENSITY_RANK[chosen_pressure] < INTENSITY_RANK[max_pressure]:
        max_pressure = chosen_pressure
        why_pressure = f"the {chosen_pressure} pressure you chose"
    why_minutes = ""
    if chosen_minutes is not None and chosen_minutes < max_minutes:
        max_minutes = chosen_minutes
        why_minutes = f"the {chosen_minutes} minutes you chose"
    return DoseLimits(
        max_pressure=max_pressure,
        max_hold_seconds=max_hold,
        max_rolling_seconds=max_rolling,
        max_minutes=max_minutes,
        why_pressure=why_pressure,
        why_hold=why_hold,
        why_minutes=why_minutes,
    )


def capped(dose: Dose, limits: DoseLimits) -> Dose:
    """The dose within the limits."""
    pressure = min(dose.pressure, limits.max_pressure, key=INTENSITY_RANK.__getitem__)
    return replace(
        dose,
        minutes=min(dose.minutes, limits.max_minutes),
        hold_seconds=min(dose.hold_seconds, limits.max_hold_seconds),
        rolling_seconds=min(dose.rolling_seconds, limits.max_rolling_seconds),
        pressure=pressure,
    )


def starting_dose(minutes: int, pressure: Intensity, sessions_per_week: int, limits: DoseLimits) -> Dose:
    """Week 1's dose: the highest rung within the minutes and pressure the person chose (the
    lowest rung when even that is more), within the limits."""
    step = 0
    for i, (rung_minutes, _, _, _, rung_pressure) in enumerate(_RUNGS):
        if rung_minutes <= minutes and INTENSITY_RANK[rung_pressure] <= INTENSITY_RANK[pressure]:
            step = i
    return capped(rung(step, sessions_per_week), limits)


# --- the rules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionFact:
    """A session in a programme week, as the rules see it."""

    day: date
    """The local date it was started."""
    done: bool
    """It counts (`core.history.session_counts`)."""
    pain_before: int | None = None
    pain_after: int | None = None
    too_much: int = 0
    """Steps on which "too much" was pressed."""
    sharp_pain: int = 0


@dataclass(frozen=True, slots=True)
class WeekFacts:
    """What happened in one programme week."""

    planned: int
    sessions: tuple[SessionFact, ...] = ()
    diary_max: int | None = None
    """The highest pain in the diary that week."""
    level: Level | None = None
    """The screening level in force at the end of the week (None: no screening)."""

    @property
    def done(self) -> int:
        return sum(1 for s in self.sessions if s.done)

    @property
    def too_much(self) -> int:
        """Sessions with "too much" pressed."""
        return sum(1 for s in self.sessions if s.too_much)

    @property
    def sharp_pain(self) -> int:
        return sum(1 for s in self.sessions if s.sharp_pain)

    @property
    def pain_rose(self) -> int:
        """Sessions with pain after higher than pain before."""
        return sum(
            1
            for s in self.sessions
            if s.pain_before is not None and s.pain_after is not None and s.pain_after > s.pain_before
        )


@dataclass(frozen=True, slots=True)
class DoseChange:
    """The dose of a week and why: `before` is last week's (None at the start)."""

    week: int
    action: Action
    before: Dose | None
    after: Dose
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "action": self.action,
            "before": self.before.to_json() if self.before is not None else None,
            "after": self.after.to_json(),
            "reason": self.reason,
        }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def differences(before: Dose, after: Dose) -> list[str]:
    """What changed, in words: ["holds 45 s -> 60 s", "pressure gentle -> moderate"]."""
    out = []
    if before.hold_seconds != after.hold_seconds:
        out.append(f"holds {before.hold_seconds} s -> {after.hold_seconds} s")
    if before.rolling_seconds != after.rolling_seconds:
        out.append(f"rolling {before.rolling_seconds} s -> {after.rolling_seconds} s")
    if before.minutes != after.minutes:
        out.append(f"minutes {before.minutes} -> {after.minutes}")
    if before.rounds != after.rounds:
        out.append(f"rounds {before.rounds} -> {after.rounds}")
    if before.pressure != after.pressure:
        out.append(f"pressure {before.pressure} -> {after.pressure}")
    if before.sessions_per_week != after.sessions_per_week:
        out.append(f"sessions a week {before.sessions_per_week} -> {after.sessions_per_week}")
    return out


def _sentence(parts: Sequence[str]) -> str:
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _down_causes(facts: WeekFacts) -> list[str]:
    causes = []
    if facts.too_much:
        causes.append(f"'too much' in {_plural(facts.too_much, 'session')}")
    if facts.sharp_pain:
        causes.append(f"sharp pain in {_plural(facts.sharp_pain, 'session')}")
    if facts.diary_max is not None and facts.diary_max >= DIARY_PAIN_DOWN:
        causes.append(f"pain {facts.diary_max} in your diary")
    if facts.level in STEP_DOWN_LEVELS:
        causes.append(f"your safety check says '{facts.level}'")
    return causes


def decide(
    week: int, before: Dose, facts: WeekFacts, limits: DoseLimits, sessions_per_week: int | None = None
) -> DoseChange:
    """Week `week`'s dose from last week's (`before`) and what happened last week (`facts`).

    Down one rung on "too much", sharp pain, a diary pain of 7 or more or a `soon` (or worse)
    screening; up one rung after every planned session done with none of those and pain after
    no higher than before; otherwise held. Always within `limits`. The reason says what changed
    and why, e.g. "Holds 45 s -> 60 s: 3 sessions done, none too much".
    """
    per_week = sessions_per_week if sessions_per_week is not None else before.sessions_per_week
    down = _down_causes(facts)
    done = facts.done
    if down:
        wanted = rung(before.step - 1, per_week)
        why = ", ".join(down)
        action: Action = "down"
    elif facts.planned > 0 and done >= facts.planned and not facts.pain_rose:
        wanted = rung(before.step + 1, per_week)
        why = f"{_plural(done, 'session')} done, none too much"
        if any(s.pain_after is not None for s in facts.sessions):
            why += ", pain after no higher than before"
        action = "up"
    else:
        wanted = replace(before, sessions_per_week=per_week)
        if done < facts.planned:
            why = f"{done} of {facts.planned} planned sessions done"
        else:
            why = f"pain after was higher than before in {_plural(facts.pain_rose, 'session')}"
        action = "hold"
    after = capped(wanted, limits)
    if INTENSITY_RANK[after.pressure] > INTENSITY_RANK[before.pressure] + 1:
        # One level firmer a week at most (after a cap is lifted, say).
        after = replace(after, pressure=INTENSITIES[INTENSITY_RANK[before.pressure] + 1])
    changes = differences(before, after)
    held = _held_back(wanted, after, limits)
    if action == "hold" and changes:  # the limits tightened since last week (a new precaution)
        return DoseChange(week, "down", before, after, f"{_sentence(changes)} ({'; '.join(held)}): {why}")
    if action == "hold":
        return DoseChange(week, "hold", before, after, f"Kept as it was: {why}")
    if not changes:
        if action == "down":
            return DoseChange(week, "hold", before, after, f"Kept at the lightest dose: {why}")
        at_top = "the top of the ladder" if before.step >= LADDER_TOP else "; ".join(held) or "its limits"
        # The rung stays too: a dose the limits hold back does not climb unseen.
        return DoseChange(week, "hold", before, before, f"Kept as it was ({at_top}): {why}")
    text = f"{_sentence(changes)}: {why}"
    if action == "up" and held:
        text += "; " + "; ".join(held)
    return DoseChange(week, action, before, after, text)


def _held_back(wanted: Dose, after: Dose, limits: DoseLimits) -> list[str]:
    """What the limits kept from the wanted dose, in words ("pressure stays gentle: ...")."""
    out = []
    if wanted.pressure != after.pressure:
        cap = (
            limits.why_pressure
            if after.pressure == limits.max_pressure
            else "one level firmer a week at most"
        )
        out.append(f"pressure stays {after.pressure}: {cap}")
    if wanted.hold_seconds > after.hold_seconds:
        out.append(
            f"holds stay {after.hold_seconds} s: {limits.why_hold or 'the longest any technique allows'}"
        )
    if wanted.rolling_seconds > after.rolling_seconds:
        out.append(f"rolling stays {after.rolling_seconds} s: the longest any technique allows")
    if wanted.minutes > after.minutes:
        out.append(f"minutes stay {after.minutes}: {limits.why_minutes or 'the longest session'}")
    return out


def start_change(dose: Dose, minutes: int, pressure: Intensity, limits: DoseLimits) -> DoseChange:
    """Week 1's entry: the starting dose and where it came from."""
    # What the person chose is said first; the caps listed are the safety check's.
    caps = [c for c in (limits.why_pressure, limits.why_hold) if c and not c.endswith("you chose")]
    reason = f"Starting dose from your {minutes} minutes and {pressure} pressure"
    # The ladder's rung may start below what was chosen (10 minutes is its gentle first rung):
    # say so, rather than leave "moderate pressure" beside a gentle dose.
    lighter = []
    if dose.minutes < minutes:
        lighter.append(f"{dose.minutes} minutes")
    if INTENSITY_RANK[dose.pressure] < INTENSITY_RANK[pressure] and not limits.why_pressure:
        lighter.append(f"{dose.pressure} pressure")
    if lighter:
        reason += f": {' and '.join(lighter)} to begin with, building up as weeks go well"
    if caps:
        reason += "; capped: " + ", ".join(caps)
    return DoseChange(1, "start", None, dose, reason)


# --- weeks ------------------------------------------------------------------------------------


def week_number(started_on: date, day: date) -> int:
    """The programme week of a local date (1 from the start day; 0 before it)."""
    if day < started_on:
        return 0
    return (day - started_on).days // 7 + 1


def week_span(started_on: date, week: int) -> tuple[date, date]:
    """The first local date of a week and the first date after it."""
    start = started_on + timedelta(weeks=week - 1)
    return start, start + timedelta(weeks=1)


def planned_days(start: date, end: date, days: Sequence[str]) -> tuple[date, ...]:
    """The dates from `start` up to `end` (not included) that fall on the planned weekdays."""
    wanted = {WEEKDAYS.index(d) for d in days if d in WEEKDAYS}
    out = []
    day = start
    while day < end:
        if day.weekday() in wanted:
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


def pgic_weeks(weeks: int) -> tuple[int, ...]:
    """The weeks the PGIC is asked: 2, 4 (within the programme) and the last."""
    return tuple(sorted({w for w in PGIC_WEEKS if w < weeks} | {weeks}))


def check_days(field_name: str, value: object) -> tuple[str, ...]:
    """Planned weekdays (a list, or text "mon,wed,fri"), in week order; InputError otherwise."""
    if isinstance(value, str):
        value = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not value or any(d not in WEEKDAYS for d in value):
        raise InputError(
            field_name, "must be weekdays from mon,tue,wed,thu,fri,sat,sun, e.g. mon,wed,fri", WEEKDAYS
        )
    return tuple(d for d in WEEKDAYS if d in value)


def check_weeks(field_name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_WEEKS <= value <= MAX_WEEKS:
        raise InputError(field_name, f"must be a whole number of weeks from {MIN_WEEKS} to {MAX_WEEKS}")
    return value


def _check_whole(field_name: str, value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(field_name, f"must be a whole number from {low} to {high} ({what})")
    return value


def check_pain(value: object) -> int:
    return _check_whole("pain", value, PAIN_MIN, PAIN_MAX, "0 no pain, 10 worst imaginable")


def check_activity_score(value: object) -> int:
    return _check_whole(
        "score", value, ACTIVITY_MIN, ACTIVITY_MAX, "0 unable to do it, 10 as before the problem"
    )


def check_pgic(value: object) -> int | None:
    if value is None:
        return None
    return _check_whole(
        "pgic", value, PGIC_MIN, PGIC_MAX, "1 very much improved ... 4 no change ... 7 very much worse"
    )


def check_activity(value: object) -> str:
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not text:
        raise InputError(
            "activity", f"name one activity your back makes hard (up to {ACTIVITY_LENGTH} characters)"
        )
    if len(text) > ACTIVITY_LENGTH:
        raise InputError("activity", f"must be at most {ACTIVITY_LENGTH} characters")
    return text


# --- what the person sees ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekView:
    number: int
    start: date
    end: date
    """The first date after the week."""
    planned: tuple[date, ...]
    done: tuple[date, ...]
    """Local dates of the sessions done (that count) this week, one per session."""
    missed: tuple[date, ...]
    """Planned days gone by with no session done, as many as the week is short."""
    dose: Dose | None
    """None for a week not reached yet (its dose is decided when the week before ends)."""
    action: Action | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "planned": [d.isoformat() for d in self.planned],
            "done": [d.isoformat() for d in self.done],
            "missed": [d.isoformat() for d in self.missed],
            "dose": self.dose.to_json() if self.dose is not None else None,
            "action": self.action,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class CheckInView:
    week: int
    at: datetime
    pain: int
    activity: str
    activity_score: int
    pgic: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "at": self.at.isoformat(),
            "pain": self.pain,
            "activity": self.activity,
            "activity_score": self.activity_score,
            "pgic": self.pgic,
            "pgic_words": PGIC_WORDS[self.pgic - 1] if self.pgic else None,
        }


@dataclass(frozen=True, slots=True)
class Measure:
    """First against last check-in on one measure, judged against its minimal important change."""

    name: str
    first: float | None
    last: float | None
    delta: float | None
    meaningful: bool
    """A change that matters, for the better."""
    worse: bool
    """A change that matters, for the worse (the MIC the other way)."""
    mic: str
    """The minimal important change in words, with its source."""
    wording: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "first": self.first,
            "last": self.last,
            "delta": self.delta,
            "meaningful": self.meaningful,
            "worse": self.worse,
            "mic": self.mic,
            "wording": self.wording,
        }


PAIN_MIC = "a fall of 2 points or 30 % (Farrar 2001)"
ACTIVITY_MIC = "a rise of 2 points (Abbott & Schmitt 2014)"
PGIC_MIC = "'much improved' or 'very much improved' (Farrar 2001)"


@dataclass(frozen=True, slots=True)
class Summary:
    """The end of a programme: first against last check-in."""

    checkins: int
    pain: Measure
    activity: Measure
    pgic: int | None
    pgic_words: str
    pgic_meaningful: bool
    wording: str

    def to_json(self) -> dict[str, Any]:
        return {
            "checkins": self.checkins,
            "pain": self.pain.to_json(),
            "activity": self.activity.to_json(),
            "pgic": self.pgic,
            "pgic_words": self.pgic_words,
            "pgic_meaningful": self.pgic_meaningful,
            "pgic_mic": PGIC_MIC,
            "wording": self.wording,
        }


@dataclass(frozen=True, slots=True)
class PsfsChange:
    """First against latest PSFS score (0-10, higher is better), against PSFS_MCID."""

    before: float | None
    after: float | None
    delta: float | None
    meaningful: bool
    """A rise of at least PSFS_MCID points (better function)."""
    worse: bool
    """A fall of at least PSFS_MCID points."""
    enough_data: bool
    wording: str


def psfs_change(before: float | None, after: float | None) -> PsfsChange:
    """First against latest PSFS score (0-10, higher is better); used by the programme's
    summary and the clinic's outcome measures alike."""
    if before is None or after is None:
        return PsfsChange(before, after, None, False, False, False, "Too little data: one check-in so far.")
    delta = round(after - before, 2)
    meaningful = delta >= PSFS_MCID - 1e-9
    worse = delta <= -PSFS_MCID + 1e-9
    span = f"{before:g} → {after:g}"
    if meaningful:
        text = f"Up {delta:g} points ({span}): a change that matters (2 points or more)."
    elif worse:
        text = f"Down {-delta:g} points ({span}): a change that matters, for the worse."
    elif delta == 0:
        text = f"No change ({span})."
    else:
        direction = "Up" if delta > 0 else "Down"
        text = f"{direction} {abs(delta):g} points ({span}): less than the 2 points that matter."
    return PsfsChange(before, after, delta, meaningful, worse, True, text)


def summarize(checkins: Sequence[CheckInView]) -> Summary:
    """First against last check-in: pain (NPRS) against Farrar 2001, the activity (PSFS) against
    Abbott & Schmitt 2014, and the last PGIC."""
    from backease.core.insights import MEANINGFUL_POINTS, assess_change

    ordered = sorted(checkins, key=lambda c: (c.week, c.at))
    pair = len(ordered) >= 2
    first = ordered[0] if ordered else None
    last = ordered[-1] if ordered else None
    nrs = assess_change(
        float(first.pain) if pair and first else None, float(last.pain) if pair and last else None
    )
    pain = Measure(
        "pain",
        nrs.before,
        nrs.after,
        nrs.delta,
        nrs.meaningful,
        nrs.delta is not None and nrs.delta >= MEANINGFUL_POINTS,
        PAIN_MIC,
        nrs.wording,
    )
    psfs = psfs_change(
        float(first.activity_score) if pair and first else None,
        float(last.activity_score) if pair and last else None,
    )
    name = first.activity if first else ""
    activity = Measure(
        name or "activity",
        psfs.before,
        psfs.after,
        psfs.delta,
        psfs.meaningful,
        psfs.worse,
        ACTIVITY_MIC,
        psfs.wording,
    )
    pgic = next((c.pgic for c in reversed(ordered) if c.pgic is not None), None)
    words = PGIC_WORDS[pgic - 1] if pgic else ""
    pgic_meaningful = pgic is not None and pgic <= PGIC_MEANINGFUL
    if not pair:
        wording = "One check-in or none: nothing to compare yet."
    else:
        parts = [f"Pain: {pain.wording}", f"{activity.name}: {activity.wording}"]
        if pgic is not None:
            parts.append(f"You said: {words}.")
        wording = " ".join(parts)
    return Summary(len(ordered), pain, activity, pgic, words, pgic_meaningful, wording)


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    """A programme as the person sees it now."""

    run_id: int
    weeks: int
    week: int
    """The current week (1..weeks; `weeks` once it is over)."""
    started_on: date
    ends_on: date
    """The first date after the last week."""
    days: tuple[str, ...]
    time: str
    planned_this_week: int
    done_this_week: int
    dose: Dose
    """This week's dose."""
    changes: tuple[DoseChange, ...]
    timeline: tuple[WeekView, ...]
    checkins: tuple[CheckInView, ...]
    checkin_due: bool
    pgic_due: bool
    finished: bool
    summary: Summary | None
    status: Status = "active"
    source: Source = "self"
    source_id: int | None = None
    pgic_weeks: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "source": self.source,
            "source_id": self.source_id,
            "weeks": self.weeks,
            "week": self.week,
            "started_on": self.started_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "days": list(self.days),
            "time": self.time,
            "planned_this_week": self.planned_this_week,
            "done_this_week": self.done_this_week,
            "headline": headline(self),
            "dose": self.dose.to_json(),
            "changes": [c.to_json() for c in self.changes],
            "timeline": [w.to_json() for w in self.timeline],
            "checkins": [c.to_json() for c in self.checkins],
            "checkin_due": self.checkin_due,
            "pgic_due": self.pgic_due,
            "pgic_weeks": list(self.pgic_weeks),
            "finished": self.finished,
            "summary": self.summary.to_json() if self.summary is not None else None,
        }


def headline(view: ProgrammeView) -> str:
    """ "Week 3 of 6 · session 2 of 3 this week" (the session to do next; "all 3 sessions done
    this week" once they are), or "Programme finished" at the end."""
    if view.finished:
        return f"Programme finished · {view.weeks} weeks"
    planned = view.planned_this_week
    if planned and view.done_this_week >= planned:
        return f"Week {view.week} of {view.weeks} · all {planned} sessions done this week"
    return f"Week {view.week} of {view.weeks} · session {view.done_this_week + 1} of {planned} this week"


def week_view(
    number: int,
    started_on: date,
    days: Sequence[str],
    done_days: Sequence[date],
    today: date,
    change: DoseChange | None,
    planned: tuple[date, ...] | None = None,
) -> WeekView:
    """One week of the timeline: planned, done and missed days, and its dose and reason.
    `planned` as decided for the week (kept with its dose), else from the weekdays `days`."""
    start, end = week_span(started_on, number)
    if planned is None:
        planned = planned_days(start, end, days)
    done = tuple(sorted(d for d in done_days if start <= d < end))
    gone = [d for d in planned if d < today]
    short = max(0, len(gone) - len(done))
    missed = tuple(d for d in gone if d not in done)[:short]
    return WeekView(
        number,
        start,
        end,
        planned,
        done,
        missed,
        change.after if change else None,
        change.action if change else None,
        change.reason if change else "",
    )


def build_view(
    *,
    run_id: int,
    started_on: date,
    weeks: int,
    days: Sequence[str],
    time: str,
    today: date,
    changes: Sequence[DoseChange],
    done_days: Sequence[date],
    checkins: Sequence[CheckInView],
    status: Status = "active",
    source: Source = "self",
    source_id: int | None = None,
    planned_by_week: Mapping[int, tuple[date, ...]] | None = None,
) -> ProgrammeView:
    """The programme as the person sees it on local date `today`. `changes` are the decided
    weeks (week 1's start and each week reached since), `done_days` the local dates of the
    sessions done since the start, `planned_by_week` the planned dates kept with decided weeks."""
    kept = planned_by_week or {}
    ends_on = started_on + timedelta(weeks=weeks)
    finished = status != "active" or today >= ends_on
    current = max(1, min(weeks, week_number(started_on, today)))
    by_week = {c.week: c for c in changes}
    timeline = tuple(
        week_view(n, started_on, days, done_days, today, by_week.get(n), kept.get(n))
        for n in range(1, weeks + 1)
    )
    this = timeline[current - 1]
    dose = next((c.after for c in sorted(changes, key=lambda c: -c.week) if c.week <= current), None)
    if dose is None:  # pragma: no cover - the store always decides week 1
        dose = rung(0, len(days))
    ordered = tuple(sorted(checkins, key=lambda c: (c.week, c.at)))
    this_week = [c for c in ordered if c.week == current]
    pgic_at = pgic_weeks(weeks)
    checkin_due = not finished and not this_week
    pgic_due = not finished and current in pgic_at and not any(c.pgic is not None for c in this_week)
    summary = summarize(ordered) if (finished or current == weeks) else None
    return ProgrammeView(
        run_id=run_id,
        weeks=weeks,
        week=current,
        started_on=started_on,
        ends_on=ends_on,
        days=tuple(days),
        time=time,
        planned_this_week=len(this.planned),
        done_this_week=len(this.done),
        dose=dose,
        changes=tuple(sorted(changes, key=lambda c: c.week)),
        timeline=timeline,
        checkins=ordered,
        checkin_due=checkin_due,
        pgic_due=pgic_due,
        finished=finished,
        summary=summary,
        status=status,
        source=source,
        source_id=source_id,
        pgic_weeks=pgic_at,
    )
