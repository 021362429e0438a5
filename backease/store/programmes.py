"""Programmes over weeks, stored: start, show, check in, stop, and the dose of today's plan.

The rules and what the person sees are pure (`backease.core.programme`); this module reads
what happened each week (sessions, their feedback and ratings, the diary, the screening) and
keeps each week's dose once it is decided. Week 1's dose is decided when the programme starts;
the dose of each later week is decided the first time anyone looks after the week before has
ended (lazily), once: `ProgrammeWeek` is unique per (run, week), so two requests deciding at
the same moment store one row (the loser of the insert reads the winner's, and both computed
the same thing from the same data).

Days and weeks are counted in the person's zone (`backease.store.zones.local_time`); the
planned days are the schedule's (`services.schedule`, one source of truth).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from backease.content.loader import load_content
from backease.core import planner
from backease.core import programme as core
from backease.core.errors import Conflict, InputError, Missing
from backease.core.programme import CheckInView, Dose, DoseChange, ProgrammeView
from backease.core.zones import LocalTime, start_of
from backease.store import services
from backease.store.models import (
    CheckIn,
    PainEntry,
    Person,
    ProgrammeRun,
    ProgrammeWeek,
    Screening,
    Session,
    StepLog,
)
from backease.store.zones import local_time

TIME_FIELD = "time"


def _limits(person: Person) -> core.DoseLimits:
    outcome = services.outcome(person)
    profile = services.get_profile(person)
    return core.dose_limits(
        planner.effective_precautions(outcome),
        load_content().library,
        planner.MAX_MINUTES,
        chosen_minutes=profile.minutes,
        chosen_pressure=profile.pressure,
    )


def _check_time(value: object) -> str:
    import re

    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise InputError(TIME_FIELD, "must be a time as HH:MM, e.g. 19:00")
    return value.strip()


def _check_source(source: object, source_id: object) -> tuple[str, int | None]:
    if source not in core.SOURCES:
        raise InputError("source", "must be self or therapist", core.SOURCES)
    if source_id is not None and (isinstance(source_id, bool) or not isinstance(source_id, int)):
        raise InputError("source_id", "must be a whole number (the clinic programme's id) or empty")
    return str(source), source_id


def active_run(person: Person) -> ProgrammeRun | None:
    """The person's running programme (at most one), if any."""
    return ProgrammeRun.objects.filter(person=person, status=ProgrammeRun.Status.ACTIVE).first()


def _shown_run(person: Person) -> ProgrammeRun | None:
    """The run a person sees: the active one, else the last one that finished (its summary)."""
    return (
        ProgrammeRun.objects.filter(
            person=person, status__in=[ProgrammeRun.Status.ACTIVE, ProgrammeRun.Status.FINISHED]
        )
        .order_by("-created_at", "-id")
        .first()
    )


def start_programme(
    person: Person,
    *,
    weeks: int = core.DEFAULT_WEEKS,
    days: object = None,
    time: object = None,
    now: datetime | None = None,
    source: str = "self",
    source_id: int | None = None,
) -> ProgrammeView:
    """Start a programme of `weeks` weeks today (the person's local date). `days` and `time`
    (default: the schedule's) become the schedule. Week 1's dose comes from the profile's
    minutes and pressure, within the precautions. Conflict when one is already running;
    InputError naming the field for bad input, nothing stored."""
    now = now or timezone.now()
    weeks = core.check_weeks("weeks", weeks)
    saved_days, saved_time = services.schedule(person)
    chosen_days = core.check_days("days", days) if days is not None else tuple(saved_days)
    chosen_time = _check_time(time) if time is not None else saved_time
    source, source_id = _check_source(source, source_id)
    local = local_time(person, now)
    profile = services.get_profile(person)
    limits = _limits(person)
    minutes = max(core.rung(0, 1).minutes, profile.minutes)
    dose = core.starting_dose(minutes, profile.target_intensity, len(chosen_days), limits)
    first = core.start_change(dose, profile.minutes, profile.target_intensity, limits)
    start, end = core.week_span(local.today, 1)
    try:
        with transaction.atomic():
            if active_run(person) is not None:
                raise Conflict("programme", "a programme is already running; stop it first (programme stop)")
            services.save_schedule(person, list(chosen_days), chosen_time)
            run = ProgrammeRun.objects.create(
                person=person,
                started_on=local.today,
                weeks=weeks,
                source=source,
                source_id=source_id,
                created_at=now,
            )
            _store_week(run, first, core.planned_days(start, end, chosen_days), now)
    except IntegrityError:
        raise Conflict(
            "programme", "a programme is already running; stop it first (programme stop)"
        ) from None
    view = programme_view(person, now)
    assert view is not None
    return view


def _store_week(
    run: ProgrammeRun, change: DoseChange, planned: tuple[date, ...], now: datetime
) -> ProgrammeWeek:
    row, _ = ProgrammeWeek.objects.get_or_create(
        run=run,
        week=change.week,
        defaults={
            "planned_days": [d.isoformat() for d in planned],
            "dose": change.after.to_json(),
            "action": change.action,
            "reason": change.reason[:300],
            "decided_at": now,
        },
    )
    return row


def _change_of(row: ProgrammeWeek, before: Dose | None) -> DoseChange:
    return DoseChange(row.week, row.action, before, Dose.from_json(row.dose), row.reason)  # type: ignore[arg-type]


def _changes(rows: list[ProgrammeWeek]) -> list[DoseChange]:
    out: list[DoseChange] = []
    before: Dose | None = None
    for row in sorted(rows, key=lambda r: r.week):
        change = _change_of(row, before)
        out.append(change)
        before = change.after
    return out


def _bounds(local: LocalTime, start: date, end: date) -> tuple[datetime, datetime]:
    return start_of(start, local.zone), start_of(end, local.zone)


def _week_facts(person: Person, local: LocalTime, run: ProgrammeRun, row: ProgrammeWeek) -> core.WeekFacts:
    """What happened in a week of the run, as the rules read it."""
    start, end = core.week_span(run.started_on, row.week)
    low, high = _bounds(local, start, end)
    sessions = (
        Session.objects.filter(person=person, started_at__gte=low, started_at__lt=high)
        .annotate(
            too_much=Count("steps", filter=Q(steps__feedback=StepLog.Feedback.TOO_MUCH)),
            sharp=Count("steps", filter=Q(steps__feedback=StepLog.Feedback.SHARP_PAIN)),
        )
        .values_list("started_at", "facts__counted", "pain_before", "pain_after", "too_much", "sharp")
    )
    facts = tuple(
        core.SessionFact(local.day_of(at), bool(counted), before, after, too_much, sharp)
        for at, counted, before, after, too_much, sharp in sessions
    )
    diary = PainEntry.objects.filter(person=person, at__gte=low, at__lt=high).aggregate(top=Max("pain"))[
        "top"
    ]
    level = (
        Screening.objects.filter(person=person, created_at__lt=high).values_list("level", flat=True).first()
    )
    return core.WeekFacts(len(row.planned_days), facts, diary, level)  # type: ignore[arg-type]


def _decide_due_weeks(person: Person, run: ProgrammeRun, local: LocalTime) -> list[ProgrammeWeek]:
    """Decide (once) the dose of every week reached since the last decision; all weeks' rows."""
    rows = list(ProgrammeWeek.objects.filter(run=run).order_by("week"))
    reached = min(run.weeks, core.week_number(run.started_on, local.today))
    if not rows or rows[-1].week >= reached:
        return rows
    limits = None
    days, _ = services.schedule(person)
    while rows[-1].week < reached:
        last = rows[-1]
        week = last.week + 1
        limits = limits or _limits(person)
        facts = _week_facts(person, local, run, last)
        change = core.decide(week, Dose.from_json(last.dose), facts, limits, len(days))
        start, end = core.week_span(run.started_on, week)
        try:
            with transaction.atomic():
                row = _store_week(run, change, core.planned_days(start, end, days), local.now)
        except IntegrityError:  # decided meanwhile by another request
            row = ProgrammeWeek.objects.get(run=run, week=week)
        rows.append(row)
    return rows


def _finish_if_over(run: ProgrammeRun, local: LocalTime) -> None:
    ends_on = core.week_span(run.started_on, run.weeks)[1]
    if run.status == ProgrammeRun.Status.ACTIVE and local.today >= ends_on:
        ended = start_of(ends_on, local.zone)
        ProgrammeRun.objects.filter(pk=run.pk, status=ProgrammeRun.Status.ACTIVE).update(
            status=ProgrammeRun.Status.FINISHED, ended_at=ended
        )
        run.status, run.ended_at = ProgrammeRun.Status.FINISHED, ended


def _checkin_view(row: CheckIn) -> CheckInView:
    return CheckInView(row.week, row.at, row.pain, row.activity, row.activity_score, row.pgic)


def _view(person: Person, run: ProgrammeRun, local: LocalTime) -> ProgrammeView:
    rows = _decide_due_weeks(person, run, local)
    _finish_if_over(run, local)
    days, time = services.schedule(person)
    low = start_of(run.started_on, local.zone)
    high = start_of(core.week_span(run.started_on, run.weeks)[1], local.zone)
    done = [
        local.day_of(at)
        for at in Session.objects.filter(
            person=person, started_at__gte=low, started_at__lt=high, facts__counted=True
        ).values_list("started_at", flat=True)
    ]
    checkins = [_checkin_view(c) for c in CheckIn.objects.filter(run=run)]
    return core.build_view(
        run_id=run.pk,
        started_on=run.started_on,
        weeks=run.weeks,
        days=days,
        time=time,
        today=local.today,
        changes=_changes(rows),
        done_days=done,
        checkins=checkins,
        status=run.status,  # type: ignore[arg-type]
        source=run.source,  # type: ignore[arg-type]
        source_id=run.source_id,
        planned_by_week={r.week: tuple(date.fromisoformat(d) for d in r.planned_days) for r in rows},
    )


def programme_view(person: Person, now: datetime | None = None) -> ProgrammeView | None:
    """The person's programme as they see it at `now`: the running one, else the last that
    finished (with its summary); None when there is none. Decides any week's dose now due."""
    run = _shown_run(person)
    if run is None:
        return None
    return _view(person, run, local_time(person, now))


def current_dose(person: Person, now: datetime | None = None) -> Dose | None:
    """This week's dose of the running programme (None without one, or once it is over):
    today's plan follows it."""
    run = active_run(person)
    if run is None:
        return None
    local = local_time(person, now)
    view = _view(person, run, local)
    return None if view.finished else view.dose


def session_minutes(person: Person, now: datetime | None = None) -> int:
    """How long today's session is: the running programme's dose (within the person's own
    minutes, as the plan is), else the minutes of their profile. Reminders and the calendar
    say this length."""
    minutes = services.get_profile(person).minutes
    dose = current_dose(person, now)
    return minutes if dose is None else min(minutes, dose.minutes)


def record_checkin(
    person: Person,
    *,
    pain: object,
    activity: object,
    activity_score: object,
    pgic: object = None,
    now: datetime | None = None,
) -> CheckInView:
    """Record this week's check-in (a second one the same week replaces it). `activity` may be
    left empty after the first check-in: the same activity is rated again. Missing when no
    programme is running; InputError naming the field, nothing stored."""
    now = now or timezone.now()
    checked_pain = core.check_pain(pain)
    checked_score = core.check_activity_score(activity_score)
    checked_pgic = core.check_pgic(pgic)
    run = _shown_run(person)
    local = local_time(person, now)
    ends_on = core.week_span(run.started_on, run.weeks)[1] if run is not None else None
    # The last week's check-in may come in the week after the end (the summary needs it).
    if run is None or ends_on is None or (local.today - ends_on).days >= 7:
        raise Missing("programme", "no programme is running; start one first (programme start)")
    first = CheckIn.objects.filter(run=run).order_by("week").values_list("activity", flat=True).first()
    if (activity is None or (isinstance(activity, str) and not activity.strip())) and first:
        name = first
    else:
        name = core.check_activity(activity)
    week = max(1, min(run.weeks, core.week_number(run.started_on, local.today)))
    values: dict[str, Any] = {
        "person": person,
        "at": now,
        "pain": checked_pain,
        "activity": name,
        "activity_score": checked_score,
        "pgic": checked_pgic,
    }
    try:
        with transaction.atomic():
            row, _ = CheckIn.objects.update_or_create(run=run, week=week, defaults=values)
    except IntegrityError:  # the same week's check-in written meanwhile: this one replaces it
        with transaction.atomic():
            row, _ = CheckIn.objects.update_or_create(run=run, week=week, defaults=values)
    return _checkin_view(row)


def stop_programme(person: Person, now: datetime | None = None) -> bool:
    """Stop the running programme (kept, marked stopped); False when none was running."""
    now = now or timezone.now()
    changed = ProgrammeRun.objects.filter(person=person, status=ProgrammeRun.Status.ACTIVE).update(
        status=ProgrammeRun.Status.STOPPED, ended_at=now
    )
    return changed > 0
