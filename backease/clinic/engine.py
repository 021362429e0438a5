"""A therapist's home programme on the programme engine (`backease.core.programme`,
`backease.store.programmes`; docs/clinic.md, "Programmes over weeks").

Giving a client a programme starts an engine run for them (`source="therapist"`,
`source_id` the programme's id) on the planned days and time the therapist chose (by
default the client's own schedule). The engine keeps them as the client's schedule, so
the client's reminders, calendar and Today follow the therapist's days, and it decides each
week's dose by its rules (up after a week done as planned, held on a mixed week, down after
"too much", sharp pain, a diary pain of 7 or more or a `soon` safety check), with the reason.

The therapist's step times are week 1's dose. Each later week every step's time moves in
proportion to the engine's dose (`factor`: the mean change of its minutes, hold and rolling
times since week 1), never below 10 s, never more than `Programme.max_growth`
percent above what the therapist set, and never past the technique's own maximum (issue 14:
a step the therapist made longer than that, with a reason, never grows). Pressure never goes
above the therapist's; when the engine's pressure steps down, the step's does too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from backease.clinic.models import Programme
from backease.core import planner
from backease.core import programme as core
from backease.core.library import Library, Technique
from backease.core.programme import Dose, ProgrammeView
from backease.core.vocab import INTENSITY_RANK
from backease.store import programmes as engine
from backease.store import services
from backease.store.models import Person, ProgrammeRun
from backease.store.zones import local_time

GROWTH_CHOICES = (0, 25, 50, 100)
"""How much longer than set a step may grow, in percent, as the editor offers it."""
DEFAULT_GROWTH = 50
MIN_SECONDS = 10
MAX_SECONDS = 600
MAX_STEP_SECONDS = 1200
"""As `backease.clinic.programmes` (the editor's limits), repeated here to avoid a circle."""

SPREAD: dict[int, tuple[str, ...]] = {
    1: ("wed",),
    2: ("mon", "thu"),
    3: ("mon", "wed", "fri"),
    4: ("mon", "tue", "thu", "fri"),
    5: ("mon", "tue", "wed", "thu", "fri"),
    6: ("mon", "tue", "wed", "thu", "fri", "sat"),
    7: core.WEEKDAYS,
}
"""Planned days for a number of days a week, spread over the week (when the client's own
schedule has another number of days)."""

DAY_WORDS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


# --- what the therapist chose, filled in from the client's schedule ----------------------------


def planned(programme: Programme, client: Person | None) -> tuple[tuple[str, ...], str]:
    """The programme's planned days and time: the therapist's, else the client's schedule
    (its days when it has as many as the programme's days a week, else that many spread)."""
    saved_days, saved_time = services.schedule(client) if client is not None else (core.DEFAULT_DAYS, "18:00")
    days = tuple(d for d in core.WEEKDAYS if d in (programme.session_days or []))
    if not days:
        count = max(1, min(7, programme.days_per_week or 3))
        days = tuple(saved_days) if len(saved_days) == count else SPREAD[count]
    return days, programme.session_time or saved_time


def weeks_for(programme: Programme, start: date) -> int:
    """The run's weeks: the therapist's, else up to the end date from `start`, else 6
    (within the engine's 2 to 12)."""
    if programme.weeks:
        weeks = int(programme.weeks)
    elif programme.ends_on is not None:
        weeks = math.ceil(((programme.ends_on - start).days + 1) / 7)
    else:
        weeks = core.DEFAULT_WEEKS
    return max(core.MIN_WEEKS, min(core.MAX_WEEKS, weeks))


def days_words(days: tuple[str, ...] | list[str]) -> str:
    return ", ".join(DAY_WORDS.get(d, d) for d in days)


# --- the run ------------------------------------------------------------------------------------


def run_of(programme: Programme) -> ProgrammeRun | None:
    """The client's running engine run of this programme, if any."""
    if programme.client_id is None:
        return None
    return ProgrammeRun.objects.filter(
        person_id=programme.client_id,
        status=ProgrammeRun.Status.ACTIVE,
        source="therapist",
        source_id=programme.pk,
    ).first()


@dataclass(frozen=True, slots=True)
class Synced:
    """What `sync` did: `state` is started, kept, restarted, waiting (starts later), ended,
    busy (another therapist's programme runs), stopped or none; `words` say it."""

    state: str
    words: str


def _other_therapists(run: ProgrammeRun, programme: Programme) -> bool:
    """The run is of a current programme another therapist set this client."""
    if run.source != "therapist" or run.source_id is None:
        return False
    return (
        Programme.objects.filter(pk=run.source_id, client_id=programme.client_id, archived_at__isnull=True)
        .exclude(therapist_id=programme.therapist_id)
        .exists()
    )


def ran_before(programme: Programme) -> bool:
    """A run of this programme has been (finished, or stopped by the client or a newer run)."""
    return ProgrammeRun.objects.filter(
        person_id=programme.client_id, source="therapist", source_id=programme.pk
    ).exists()


def sync(programme: Programme, now: datetime | None = None, *, again: bool = False) -> Synced:
    """Put the client's engine run in step with the therapist's programme, after a save or
    an assignment (and on the client's Today, for a programme whose start date has come).

    No run yet: one starts today on the planned days and time, which become the client's
    schedule (their reminders follow). It replaces a run the client started themselves, or
    one of an older programme (kept, marked stopped); never another therapist's current one.
    A run of this programme carries on; new days or a new time change the schedule; other
    weeks start it again from week 1. An archived programme's run stops. Once a run of it
    has ended (finished, or stopped by the client), saving it does not start another; with
    `again` (the editor's "Start its weeks again") it does."""
    client = programme.client
    if client is None or programme.is_template:
        return Synced("none", "")
    now = now or timezone.now()
    run = run_of(programme)
    if programme.archived_at is not None:
        if run is not None:
            engine.stop_programme(client, now)
            return Synced("stopped", "Its weeks were stopped.")
        return Synced("none", "")
    today = local_time(client, now).today
    if programme.starts_on is not None and programme.starts_on > today:
        return Synced("waiting", f"Its weeks start on {programme.starts_on:%-d %B %Y}.")
    if programme.ends_on is not None and programme.ends_on < today:
        return Synced("ended", "Its end date has passed.")
    days, time = planned(programme, client)
    state = "started"
    if run is not None:
        if run.weeks == weeks_for(programme, run.started_on):
            if services.schedule(client) != (days, time):
                services.save_schedule(client, list(days), time)
            return Synced("kept", f"Week-by-week on {days_words(days)} at {time}.")
        engine.stop_programme(client, now)
        state = "restarted"
    else:
        if not again and ran_before(programme):
            return Synced("over", "Its weeks are over or were stopped; start them again to restart week 1.")
        running = engine.active_run(client)
        if running is not None:
            if _other_therapists(running, programme):
                return Synced(
                    "busy",
                    "Another therapist's programme is running week by week for this client, on "
                    "their days: this one is shown without weeks or reminders.",
                )
            engine.stop_programme(client, now)
    weeks = weeks_for(programme, today)
    engine.start_programme(
        client, weeks=weeks, days=list(days), time=time, now=now, source="therapist", source_id=programme.pk
    )
    anew = " again from week 1" if state == "restarted" or again else ""
    return Synced(state, f"{weeks} weeks{anew}, on {days_words(days)} at {time}.")


def status(programme: Programme, now: datetime | None = None) -> Synced:
    """Where the programme's weeks stand, for the therapist's editor (`state`: running,
    waiting, busy, over, ended or none), without starting anything."""
    client = programme.client
    if client is None or programme.is_template or programme.archived_at is not None:
        return Synced("none", "")
    view = view_of(programme, now)
    if view is not None and not view.finished:
        when = f"on {days_words(view.days)} at {view.time} (the client's schedule)"
        return Synced("running", f"{core.headline(view)}, {when}.")
    today = local_time(client, now).today
    if programme.starts_on is not None and programme.starts_on > today:
        day = f"{programme.starts_on:%-d %B %Y}"
        return Synced("waiting", f"Its weeks start on {day}, when the client opens Today.")
    running = engine.active_run(client)
    if running is not None and _other_therapists(running, programme):
        return Synced(
            "busy",
            "Another therapist's programme is running week by week for this client: this one is "
            "shown without weeks or reminders.",
        )
    if ran_before(programme):
        return Synced("over", "Its weeks are over or were stopped.")
    return Synced("none", "Its weeks have not started.")


def view_of(programme: Programme, now: datetime | None = None) -> ProgrammeView | None:
    """The client's engine view of this programme (running, or finished and still the one
    shown), else None. Decides any week's dose now due."""
    if programme.client is None:
        return None
    view = engine.programme_view(programme.client, now)
    if view is None or view.source != "therapist" or view.source_id != programme.pk:
        return None
    return view


# --- the dose applied to the therapist's steps --------------------------------------------------


def factor(base: Dose, dose: Dose) -> float:
    """How far the engine's dose moved from week 1: the mean of its minutes', hold time's and
    rolling time's ratios (each rung of the ladder moves at least one of them, so every step
    up or down moves the therapist's times, all in the same proportion)."""
    pairs = (
        (dose.minutes, base.minutes),
        (dose.hold_seconds, base.hold_seconds),
        (dose.rolling_seconds, base.rolling_seconds),
    )
    return sum(now / max(1, then) for now, then in pairs) / len(pairs)


def _floor(seconds: int) -> int:
    return seconds - seconds % planner.QUANTUM


def step_ceiling(step: dict[str, Any], tech: Technique, max_growth: int) -> int:
    """The longest a step's time (per side, or per hold) may grow to: `max_growth` percent
    above what the therapist set, within the technique's maximum (holds included) and the
    editor's limits. A step set above the technique's maximum (with a reason) never grows."""
    seconds = int(step["seconds"])
    holds = max(int(step.get("holds") or 0), 1)
    if seconds * holds > tech.max_seconds:
        return seconds
    ceiling = min(
        seconds * (100 + max(0, max_growth)) // 100,
        tech.max_seconds // holds,
        MAX_SECONDS,
        MAX_STEP_SECONDS // holds,
    )
    return max(seconds, _floor(ceiling))


def _lower(intensity: str, drop: int, tech: Technique) -> str:
    """The step's pressure `drop` levels lower, among those the technique has."""
    if drop <= 0:
        return intensity
    levels = sorted((v.intensity for v in tech.intensities), key=INTENSITY_RANK.__getitem__)
    target = INTENSITY_RANK.get(intensity, 0) - drop  # type: ignore[call-overload]
    fitting = [level for level in levels if INTENSITY_RANK[level] <= target]
    return str(fitting[-1] if fitting else levels[0])


def dosed_steps(
    steps: list[dict[str, Any]], library: Library, base: Dose, dose: Dose, max_growth: int
) -> list[dict[str, Any]]:
    """The therapist's steps at this week's dose (`base` is week 1's, the one they set):
    each time in proportion, within `step_ceiling`, never under 10 s; pressure lowered as
    far as the engine's pressure went down, never raised. Each step keeps what was set in
    `set_seconds` and `set_intensity`."""
    drop = max(0, INTENSITY_RANK[base.pressure] - INTENSITY_RANK[dose.pressure])
    ratio = factor(base, dose)
    out = []
    for step in steps:
        tech = library.technique(step["technique"])
        moved = dict(step, set_seconds=int(step["seconds"]), set_intensity=step["intensity"])
        if tech is not None:
            seconds = int(step["seconds"])
            wanted = round(seconds * ratio / planner.QUANTUM) * planner.QUANTUM
            ceiling = step_ceiling(step, tech, max_growth)
            moved["seconds"] = max(min(seconds, MIN_SECONDS), min(ceiling, wanted))
            moved["intensity"] = _lower(step["intensity"], drop, tech)
        out.append(moved)
    return out


def week_one(view: ProgrammeView) -> Dose:
    """Week 1's dose: what the therapist's times stand for."""
    first = next((c for c in view.changes if c.week == 1), None)
    return first.after if first is not None else view.dose


def steps_now(
    programme: Programme, steps: list[dict[str, Any]], library: Library, view: ProgrammeView | None
) -> list[dict[str, Any]]:
    """The steps as the client does them this week (as set without a run of this programme)."""
    if view is None:
        return steps
    return dosed_steps(steps, library, week_one(view), view.dose, programme.max_growth)


# --- the dose changes in words ------------------------------------------------------------------

ACTION_WORDS = {
    "start": "The times you set",
    "up": "Longer",
    "hold": "Same as the week before",
    "down": "Shorter or gentler",
}
CLIENT_ACTION_WORDS = {
    "start": "The times your therapist set",
    "up": "A little longer this week",
    "hold": "The same as last week",
    "down": "Shorter or gentler this week",
}


def why(reason: str) -> str:
    """The engine's reason without its rung numbers ("Holds 45 s -> 60 s: 3 sessions done,
    none too much" -> "3 sessions done, none too much"): the client's step times say the
    rest. A start's reason is about the client's own minutes, not the therapist's."""
    if reason.startswith("Starting dose"):
        return ""
    _, sep, rest = reason.partition(": ")
    return rest if sep else reason


def for_therapist(text: str) -> str:
    """A reason worded to the client, as the therapist reads it."""
    return (
        text.replace("your diary", "the diary")
        .replace("your safety check", "the safety check")
        .replace("You said:", "The client said:")
    )


def change_words(action: str | None, reason: str, *, client: bool = False) -> str:
    """A week's dose change for the client's steps, in words."""
    if action is None:
        return ""
    words = (CLIENT_ACTION_WORDS if client else ACTION_WORDS).get(action, action)
    cause = why(reason)
    if not client:
        cause = for_therapist(cause)
    return f"{words}: {cause}" if cause else words


# --- the client's weeks on the therapist's client page --------------------------------------------


def for_client_page(
    person: Person, therapist_id: int, *, full: bool, now: datetime | None = None
) -> dict[str, Any] | None:
    """The client's programme weeks as their therapist's client page shows them: the weeks
    (planned, done, missed) for any share; with a full share also each week's dose change
    and its reason, and the weekly check-ins (pain, the activity, the PGIC). None when the
    client has no programme on the engine."""
    view = engine.programme_view(person, now)
    if view is None:
        return None
    source = "The client's own programme"
    if view.source == "therapist":
        mine = Programme.objects.filter(pk=view.source_id, client=person, therapist_id=therapist_id).first()
        source = f"Your programme '{mine.title}'" if mine is not None else "Another therapist's programme"
    weeks = []
    for week in view.timeline:
        change = next((c for c in view.changes if c.week == week.number), None)
        weeks.append(
            {
                "number": week.number,
                "start": week.start,
                "last": week.end - timedelta(days=1),
                "planned": len(week.planned),
                "done": len(week.done),
                "missed": len(week.missed),
                "current": week.number == view.week and not view.finished,
                "reached": change is not None,
                "change": change_words(change.action, change.reason) if (full and change is not None) else "",
            }
        )
    checkins = [
        {
            "week": c.week,
            "at": c.at,
            "pain": c.pain,
            "activity": c.activity,
            "score": c.activity_score,
            "pgic": core.PGIC_WORDS[c.pgic - 1] if c.pgic else "",
        }
        for c in view.checkins
    ]
    return {
        "headline": core.headline(view),
        "source": source,
        "status": view.status,
        "days": days_words(view.days),
        "time": view.time,
        "started_on": view.started_on,
        "last_day": view.ends_on - timedelta(days=1),
        "weeks": weeks,
        "checkins": checkins if full else [],
        "summary": for_therapist(view.summary.wording) if (full and view.summary is not None) else "",
        "checkin_due": view.checkin_due,
    }
