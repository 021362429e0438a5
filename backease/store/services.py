"""Everything that reads or writes stored data, used by the pages, the API and the CLI.

Functions take the person they act for, validate their input (raising
`backease.core.errors.InputError` naming the field, before anything is written) and
call the pure core for screening and planning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from backease.content.loader import load_content
from backease.core import planner
from backease.core import reminders as reminder_rules
from backease.core.errors import Conflict, InputError, Missing, SafetyStop
from backease.core.history import PainRecord, SessionRecord, StepRecord
from backease.core.history import TechniqueChoice as CoreTechniqueChoice
from backease.core.planner import PainArea, plan_from_record, plan_session, plan_to_record
from backease.core.screening import (
    Clearance,
    RuleSet,
    ScreeningResult,
    evaluate,
    screen,
    validate_answers,
)
from backease.core.vocab import REGIONS, Level
from backease.core.zones import LocalTime, start_of
from backease.store.models import (
    LOCAL_OWNER,
    HistoryTotals,
    PainEntry,
    Person,
    Plan,
    Profile,
    Screening,
    Session,
    SessionFacts,
    StepLog,
    TechniqueChoice,
    WriteKey,
)
from backease.store.signals import history_changed
from backease.store.zones import local_time, person_zone, zone_named

if TYPE_CHECKING:
    from backease.core.insights import Insights, Totals

MAX_NOTE = 2000
FEEDBACK = tuple(choice for choice, _ in StepLog.Feedback.choices)
FINAL_STATUSES = ("completed", "skipped", "stopped")
RECHECK_RISE = 3
"""SCREENING.md: the screen is offered again when logged pain jumps by 3 or more."""


# --- the person -------------------------------------------------------------------------


def local_owner() -> Person:
    """The single person of personal mode, created on first use.

    `Person.key` is unique, so simultaneous first writes cannot make two owners: the
    one whose insert loses gets an IntegrityError and reads the winner's row.

    Server mode has no local owner: each person's data belongs to their account, so this
    refuses (InputError) rather than put self-care data beside the accounts' where no one
    signs in to see it (the terminal's self-care commands say so in one line).
    """
    if getattr(settings, "MODE", "personal") == "server":
        raise InputError(
            "mode",
            "this backease runs in server mode, where each person's data belongs to their account; "
            "use the web app, or the API with a personal access token (docs/accounts.md)",
        )
    person = Person.objects.filter(key=LOCAL_OWNER).first()
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return Person.objects.create(key=LOCAL_OWNER)
    except IntegrityError:
        return Person.objects.get(key=LOCAL_OWNER)


# --- validation helpers -------------------------------------------------------------------


def check_score(field: str, value: object, *, optional: bool = False) -> int | None:
    """A 0-10 rating (pain or stress)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise InputError(field, "must be a whole number from 0 to 10")
    return value


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No stored time is earlier than this (nor later than now + LATEST_AHEAD)."""
LATEST_AHEAD = timedelta(days=1)


def check_moment(field: str, value: object, now: datetime | None = None) -> datetime:
    """A time zone-aware moment between the year 2000 and now + 1 day, in UTC.

    The same rule for the API, the diary and every timestamp of a backup: a time outside
    it (say year 1 at +14:00) cannot be shown by PostgreSQL or Python after the offset is
    applied, and every page would fail.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InputError(field, "must be a date and time with a time zone offset, e.g. +00:00")
    latest = (now or timezone.now()) + LATEST_AHEAD
    try:
        moment = value.astimezone(UTC)
        inside = EARLIEST <= moment <= latest
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise InputError(field, "must be a time between the year 2000 and tomorrow")
    return moment


def check_note(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InputError(field, "must be text")
    if len(value) > MAX_NOTE:
        raise InputError(field, f"is too long ({len(value)} characters; at most {MAX_NOTE})")
    return value


# --- profile ------------------------------------------------------------------------------


def profile_from_data(data: dict[str, Any]) -> planner.Profile:
    """A validated core profile from stored or submitted data."""
    areas = data.get("areas") or []
    if not isinstance(areas, list):
        raise InputError("areas", "must be a list of {region, pain, knot}")
    parsed = []
    for item in areas:
        if not isinstance(item, dict) or "region" not in item:
            raise InputError("areas", "each area needs a region and a pain 0-10")
        knot = item.get("knot", False)
        if not isinstance(knot, bool):
            raise InputError("knot", "must be true or false")
        parsed.append(PainArea(item["region"], item.get("pain", 5), knot))
    for name in ("causes", "tools"):
        if not isinstance(data.get(name) or [], list):
            raise InputError(name, "must be a list")
    no_floor = data.get("no_floor", False)
    if not isinstance(no_floor, bool):
        raise InputError("no_floor", "must be true or false")
    return planner.Profile(
        areas=tuple(parsed),
        causes=tuple(data.get("causes") or ()),
        tools=tuple(data.get("tools") or ()),
        minutes=data.get("minutes", 15),
        pressure=data.get("pressure") or None,
        no_floor=no_floor,
        stress=data.get("stress", 0),
    )


def profile_to_data(profile: planner.Profile) -> dict[str, Any]:
    return {
        "areas": [{"region": a.region, "pain": a.pain, "knot": a.knot} for a in profile.areas],
        "causes": list(profile.causes),
        "tools": list(profile.tools),
        "minutes": profile.minutes,
        "pressure": profile.pressure or "",
        "no_floor": profile.no_floor,
        "stress": profile.stress,
    }


def get_profile(person: Person) -> planner.Profile:
    """The person's saved profile, or the defaults."""
    row = Profile.objects.filter(person=person).first()
    if row is None:
        return planner.Profile()
    return profile_from_data(_row_profile_data(row))


def _row_profile_data(row: Profile) -> dict[str, Any]:
    return {
        "areas": row.areas,
        "causes": row.causes,
        "tools": row.tools,
        "minutes": row.minutes,
        "pressure": row.pressure,
        "no_floor": row.no_floor,
        "stress": row.stress,
    }


def save_profile(person: Person, data: dict[str, Any]) -> planner.Profile:
    """Validate and store the profile. Nothing is written if any field is wrong."""
    profile = profile_from_data(data)
    values = profile_to_data(profile)
    Profile.objects.update_or_create(person=person, defaults=values)
    return profile


# --- screening ----------------------------------------------------------------------------


def record_screening(
    person: Person, answers: dict[str, Any], today: date | None = None
) -> tuple[Screening, ScreeningResult]:
    """Evaluate and store a screen. Bad answers raise InputError and store nothing.

    A clinician clearance is kept from the previous screening while `clinician_cleared`
    is still answered yes and it has not ended (12 weeks): same day, same standing rules,
    so answering yes again neither restarts it nor widens it to new flags. Otherwise a
    yes gives a new clearance today, for the standing rules that fire now.
    """
    if not isinstance(answers, dict):
        raise InputError("answers", "must be an object of question ids to answers")
    rules = load_content().rules
    checked = validate_answers(answers, rules)
    day = today if today is not None else local_time(person).today
    previous = Screening.objects.filter(person=person).first()
    earlier = stored_clearance(previous, rules) if previous is not None else None
    kept = earlier if earlier is not None and earlier.active_on(day) else None
    result = evaluate(checked, rules, clearance=kept, today=day)
    cleaned = {k: (list(v) if isinstance(v, tuple) else v) for k, v in answers.items() if v is not None}
    row = Screening.objects.create(
        person=person,
        answers=cleaned,
        level=result.level,
        reasons=_reasons_json(result),
        precautions=list(result.precautions),
        advice=result.advice,
        clearance=_clearance_json(result.clearance),
    )
    if result.level in planner.REFUSED_LEVELS:
        stop_sessions_for_safety(person)
    return row, result


def _reasons_json(result: ScreeningResult) -> list[dict[str, str]]:
    return [{"question": r.question, "message": r.message, "source": r.source} for r in result.reasons]


def _clearance_json(clearance: Clearance | None) -> dict[str, Any] | None:
    if clearance is None:
        return None
    return {"given_on": clearance.given_on.isoformat(), "rules": sorted(clearance.rules)}


def stored_clearance(row: Screening, rules: RuleSet | None = None) -> Clearance | None:
    """The clearance a stored screening used, or None (also for an unreadable one)."""
    data = row.clearance
    if not isinstance(data, dict):
        return None
    try:
        given_on = date.fromisoformat(str(data.get("given_on", "")))
    except ValueError:
        return None
    ids = data.get("rules")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    weeks = (rules if rules is not None else load_content().rules).clearance.weeks
    return Clearance(given_on=given_on, rules=frozenset(ids), weeks=weeks)


def current_result(row: Screening, today: date | None = None) -> ScreeningResult | None:
    """A stored screening evaluated again today, when its clearance has ended; else None.

    A clearance lasts 12 weeks: after that the flags it lowered come back, with a message
    that says the clearance has ended and to see the clinician again.
    """
    rules = load_content().rules
    clearance = stored_clearance(row, rules)
    if clearance is None:
        return None
    day = today if today is not None else local_time(row.person_id).today
    if clearance is None or clearance.active_on(day):
        return None
    try:
        checked = validate_answers(row.answers, rules)
    except InputError:
        return None
    return evaluate(checked, rules, clearance=clearance, today=day)


def latest_screening(person: Person, today: date | None = None) -> Screening | None:
    """The latest stored screening, as it stands today.

    When its clinician clearance has ended, the row's level, reasons, precautions and
    advice are those of the screen evaluated again today (in memory: the stored record
    is left as it was answered), so every page, the API, the planner and the terminal
    see the flag come back and ask the questions again.
    """
    row = Screening.objects.filter(person_id=person.pk).first()
    if row is None:
        return None
    again = current_result(row, today if today is not None else local_time(person).today)
    if again is not None:
        row.level = again.level
        row.reasons = _reasons_json(again)
        row.precautions = list(again.precautions)
        row.advice = again.advice
    return row


def clearance_state(row: Screening | None, today: date | None = None) -> dict[str, Any] | None:
    """The clearance of a stored screening as shown: given_on, expires_on, active, rules."""
    if row is None:
        return None
    clearance = stored_clearance(row)
    if clearance is None:
        return None
    return clearance.to_json(today if today is not None else local_time(row.person_id).today)


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """A stored screening as the planner needs it."""

    level: Level
    precautions: tuple[str, ...]
    advice: str


def outcome(person: Person) -> StoredOutcome:
    """The latest screening result, or an empty screen's (self-care) when none yet."""
    return _outcome_of(latest_screening(person))


def _outcome_of(row: Screening | None) -> StoredOutcome:
    if row is None:
        empty = screen({}, load_content().rules)
        return StoredOutcome(empty.level, empty.precautions, empty.advice)
    return StoredOutcome(row.level, tuple(row.precautions), row.advice)  # type: ignore[arg-type]


# --- plans --------------------------------------------------------------------------------


def make_plan(
    person: Person,
    seed: int | None = None,
    profile: planner.Profile | None = None,
    now: datetime | None = None,
) -> Plan:
    """Plan a session from the saved profile and the latest screening, and store it. With a
    programme running, the plan follows this week's dose (`store.programmes.current_dose`)."""
    profile = profile if profile is not None else get_profile(person)
    if seed is None:
        last = Plan.objects.filter(person=person, seed__gte=0).first()
        seed = 0 if last is None else (last.seed + 1) % 1_000_000
    screening = latest_screening(person)
    safety = _outcome_of(screening)
    # Today's plan is the running programme's session for today: this week's dose.
    from backease.store.programmes import current_dose

    dose = current_dose(person, now)
    result = plan_session(
        profile, safety, load_content().library, seed=seed, adaptation=adaptation(person, now), dose=dose
    )
    row = Plan.objects.create(
        person=person,
        screening=screening,
        profile=profile_to_data(profile),
        seed=seed,
        level=result.level,
        minutes=result.minutes,
        total_seconds=result.total_seconds,
        data=plan_to_record(result),
    )
    close_unfinished(person, row, now)
    prune_plans(person)
    return row


NEW_PLAN_STOP = "a new plan was made"
"""The stop reason of a session left unfinished when the person made a new plan."""


def close_unfinished(person: Person, plan: Plan, now: datetime | None = None) -> int:
    """End the person's sessions of older plans left unfinished (the tab closed, the
    terminal quit): still running though started longer ago than their plan lasts, so not
    being played now. Each is stopped with the reason `NEW_PLAN_STOP`, keeping what was
    done; how many. A session still within its plan's time is left to carry on."""
    now = now or timezone.now()
    running = Session.objects.filter(person_id=person.pk, status=Session.Status.RUNNING)
    running = running.exclude(plan_id=plan.pk)
    closed = 0
    for session in running.select_related("plan").prefetch_related("steps"):
        lasts = session.plan.total_seconds if session.plan is not None else 0
        lasts = lasts or sum(step.seconds_planned for step in session.steps.all())
        if session.started_at + timedelta(seconds=lasts) < now:
            stop_session(session, NEW_PLAN_STOP)
            closed += 1
    return closed


PROGRAMME_SEED = -1
"""The seed of a plan made from a therapist's programme (`save_programme_plan`), which the
planner never uses: such a plan is a session of that programme, never "today's plan"
(`latest_plan` and the Today rows skip it)."""


def save_programme_plan(
    person: Person, plan: planner.Plan, programme: dict[str, Any], screening: Screening | None
) -> Plan:
    """Store a plan built from a therapist's programme (backease.clinic.programmes), in the
    planner's shape plus `programme` (id, title, therapist, revision) for the player."""
    row = Plan.objects.create(
        person=person,
        screening=screening,
        profile={},
        seed=PROGRAMME_SEED,
        level=plan.level,
        minutes=plan.minutes,
        total_seconds=plan.total_seconds,
        data={**plan_to_record(plan), "programme": programme},
    )
    prune_plans(person)
    return row


PLANS_KEPT = 10
"""Plans no session refers to are deleted, except the newest PLANS_KEPT."""


def prune_plans(person: Person, keep: int = PLANS_KEPT) -> int:
    """Delete the person's plans that no session refers to, except the newest `keep`.

    Plans that a session was started from stay (the session's record links to them).
    Returns how many were deleted.
    """
    newest = (
        Plan.objects.filter(person=person).order_by("-created_at", "-id").values_list("id", flat=True)[:keep]
    )
    old = Plan.objects.filter(person=person, sessions__isnull=True).exclude(id__in=list(newest))
    deleted, _ = old.delete()
    return deleted


WRITE_KEY_DAYS = 7
"""How long a write's `Idempotency-Key` is remembered (docs/phone.md). The player resends a
save until the server answers it, in the order it made them, so a copy of a write can only
arrive again while that phone still holds it: minutes to days later. Older keys are pruned;
a copy that still turns up later is applied again, which repeats the same values in the
same order (every session write sets fields, and seconds done only grow)."""
PRUNE_WRITE_KEYS_EVERY = 100
"""Old write keys are pruned when a new key's id is a multiple of this: once in about this
many writes, with no counter to keep (`backease store housekeeping` prunes them too)."""


def write_key_seen(person: Person, key: str) -> bool:
    """True when a write with this key was applied for the person (and not yet pruned)."""
    return WriteKey.objects.filter(person=person, key=key).exists()


def remember_write_key(person: Person, key: str) -> None:
    """Keep the key of a write just applied, in the write's transaction; now and then, prune.

    Raises IntegrityError when the same key was stored meanwhile (the same write twice).
    """
    row = WriteKey.objects.create(person=person, key=key)
    if row.pk % PRUNE_WRITE_KEYS_EVERY == 0:
        prune_write_keys()


def prune_write_keys(now: datetime | None = None, days: int = WRITE_KEY_DAYS) -> int:
    """Delete every person's write keys older than `days`; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = WriteKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def latest_plan(person: Person) -> Plan | None:
    """The person's latest plan from the planner (not one made from a programme)."""
    return Plan.objects.filter(person=person, seed__gte=0).first()


def get_plan(person: Person, plan_id: int) -> Plan:
    """The person's plan with this id (InputError when there is none)."""
    row = Plan.objects.filter(person=person, id=plan_id).first()
    if row is None:
        raise InputError("plan", f"no plan with id {plan_id}")
    return row


def core_plan(row: Plan) -> planner.Plan:
    """The stored plan as the planner's Plan (with its script, computed for a plan stored
    before scripts were)."""
    return plan_from_record(row.data, load_content().library)


def alternatives(person: Person, row: Plan, index: int) -> list[dict[str, Any]]:
    """Techniques that could replace step `index` of a stored plan."""
    options = planner.step_alternatives(
        core_plan(row),
        index,
        profile_from_data(row.profile),
        outcome(person),
        load_content().library,
        adaptation(person),
    )
    return [
        {"id": t.id, "name": t.name, "summary": t.summary, "tools": list(t.tools), "position": t.position}
        for t in options
    ]


def swap_step(person: Person, row: Plan, index: int, technique: str) -> Plan:
    """Replace a step (both sides) with an alternative; the plan is updated in place."""
    if row.sessions.exists():
        raise Conflict("plan", "this plan has a session already; make a new plan to change it")
    new = planner.swap_step(
        core_plan(row),
        index,
        technique,
        profile_from_data(row.profile),
        outcome(person),
        load_content().library,
        adaptation(person),
    )
    row.data = plan_to_record(new)
    row.save(update_fields=["data"])
    return row


# --- sessions -----------------------------------------------------------------------------


SAFETY_STOP = "safety"
"""The stop reason of a session ended because the person's safety level became urgent or
emergency (SCREENING.md: it stops at once, in every player, and never resumes)."""


def _refusing(person_id: int) -> SafetyStop | None:
    """The refusal to carry on when the person's current level (their latest screening as
    it stands today, a clinician clearance that has ended included) is urgent or emergency."""
    row = latest_screening(Person(pk=person_id))
    if row is None or row.level not in planner.REFUSED_LEVELS:
        return None
    return SafetyStop(row.level, row.advice)


def stop_sessions_for_safety(person: Person) -> int:
    """End every running session of the person with the reason `SAFETY_STOP`; how many."""
    running = list(Session.objects.filter(person_id=person.pk, status=Session.Status.RUNNING))
    for session in running:
        stop_session(session, SAFETY_STOP)
    return len(running)


def safety_stop(session: Session) -> SafetyStop | None:
    """When the person's current level is urgent or emergency: end this session (if it is
    still running) with the reason `SAFETY_STOP`, in its own transaction, and return the
    refusal for the caller to raise. None when the level allows self-care."""
    refusal = _refusing(session.person_id)
    if refusal is not None:
        stop_session(session, SAFETY_STOP)
    return refusal


def resume_session(session: Session) -> Session:
    """A running session about to be carried on (the player opened again): SafetyStop
    when the person's level is now urgent or emergency (the session is then ended)."""
    refusal = safety_stop(session)
    if refusal is not None:
        raise refusal
    return session


def start_session(person: Person, plan: Plan, now: datetime | None = None) -> Session:
    """Start a session of a plan. A plan refused for safety cannot be started, and nothing
    starts while the person's current level is urgent or emergency (SafetyStop; any
    session still running is ended)."""
    refusal = _refusing(person.pk)
    if refusal is not None:
        stop_sessions_for_safety(person)
        raise refusal
    if plan.level in planner.REFUSED_LEVELS or not plan.data.get("steps"):
        raise InputError("plan", "this plan has no steps: the safety check asks you to see a doctor first")
    with transaction.atomic():
        session = Session.objects.create(person=person, plan=plan, started_at=now or timezone.now())
        StepLog.objects.bulk_create(
            StepLog(
                session=session,
                index=i,
                technique=step["technique"],
                side=step["side"],
                seconds_planned=step["seconds"],
                intensity=step["intensity"],
            )
            for i, step in enumerate(plan.data["steps"])
        )
        refresh_facts(session)
    return session


def get_session(person: Person, session_id: int) -> Session:
    """The person's session with this id (InputError when there is none)."""
    row = Session.objects.filter(person=person, id=session_id).first()
    if row is None:
        raise InputError("session", f"no session with id {session_id}")
    return row


SESSION_SCORES = ("pain_before", "pain_after", "stress_before", "stress_after")
SESSION_FIELDS = (*SESSION_SCORES, "notes", "stop_reason", "status")
STEP_FIELDS = ("seconds_done", "intensity", "feedback", "skipped")
MAX_STOP_REASON = 200


def _session_changes(fields: dict[str, Any]) -> dict[str, Any]:
    """The validated values of a session update (InputError naming the field)."""
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in SESSION_FIELDS:
            raise InputError(name, "unknown field", sorted(SESSION_FIELDS))
        if name in SESSION_SCORES:
            changes[name] = check_score(name, value, optional=True)
        elif name == "notes":
            changes[name] = check_note(name, value)
        elif name == "stop_reason":
            changes[name] = check_note(name, value)
            if len(value) > MAX_STOP_REASON:
                raise InputError(name, f"is too long ({len(value)} characters; at most {MAX_STOP_REASON})")
        elif name == "status":
            if value not in (*FINAL_STATUSES, "running"):
                raise InputError("status", f"unknown status '{value}'", (*FINAL_STATUSES, "running"))
            changes[name] = value
    return changes


def _locked_session(session: Session) -> Session:
    """The session's current row, locked until the transaction ends.

    On PostgreSQL `select_for_update` locks the row; on SQLite every transaction takes
    the write lock when it begins (`"transaction_mode": "IMMEDIATE"` in the settings),
    so the row read here is the one the write replaces.
    """
    row = Session.objects.select_for_update().filter(pk=session.pk).first()
    if row is None:
        raise InputError("session", f"no session with id {session.pk}")
    return row


def _apply_session_changes(row: Session, changes: dict[str, Any]) -> list[str]:
    """Put `changes` on the locked `row` under the rules below; the fields changed.

    - An ended session (completed, skipped, stopped) never returns to running and keeps
      its status; sending the status it has is fine (a retried request).
    - A stop reason, once recorded, is never erased or replaced.
    - Ending a session sets its end time once.
    """
    status = changes.get("status")
    if status is not None and row.status != "running" and status != row.status:
        raise Conflict(
            "status",
            f"this session has already ended ({row.status}); its status cannot change",
            (row.status,),
        )
    reason = changes.get("stop_reason")
    if reason is not None and row.stop_reason and reason != row.stop_reason:
        raise Conflict(
            "stop_reason",
            f"this session was already stopped ('{row.stop_reason}'); its stop reason stays",
            (row.stop_reason,),
        )
    changed = [name for name, value in changes.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, changes[name])
    if row.status in FINAL_STATUSES and row.finished_at is None:
        row.finished_at = timezone.now()
        changed.append("finished_at")
    return changed


def _copy_row(target: Session, row: Session) -> None:
    """Give the caller's object the stored values (it may have been read earlier)."""
    for field in Session._meta.concrete_fields:
        setattr(target, field.attname, getattr(row, field.attname))


def update_session(session: Session, **fields: Any) -> Session:
    """Set pain/stress before/after, notes, stop reason, or end with a status.

    Only the fields given are written, in one transaction on the locked row, so a save
    racing with a stop can never undo it (see `_apply_session_changes` for the rules).
    """
    changes = _session_changes(fields)
    return _write_session(session, lambda row: changes)


def _write_session(session: Session, changes_for: Callable[[Session], dict[str, Any]]) -> Session:
    """Apply `changes_for(locked row)` to the session in one transaction, under the rules
    of `_apply_session_changes`, and refresh its derived facts.

    While the person's level is urgent or emergency the session is ended for safety first;
    ratings and notes are still saved, but a status that would carry it on or end it
    otherwise is refused with the SafetyStop."""
    refusal = safety_stop(session)
    with transaction.atomic():
        row = _locked_session(session)
        try:
            changed = _apply_session_changes(row, changes_for(row))
        except Conflict as conflict:
            if refusal is not None and conflict.field == "status":
                raise refusal from None
            raise
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
            refresh_facts(row)
    _copy_row(session, row)
    return session


def _stop(row: Session, reason: str) -> dict[str, Any]:
    """The changes that stop a running session; a reason already recorded stays."""
    return {"status": "stopped"} if row.stop_reason else {"status": "stopped", "stop_reason": reason}


def close_session(session: Session, status: str, stop_reason: str = "", **ratings: Any) -> Session:
    """End a session a player has just played, with the ratings asked afterwards.

    In one transaction on the locked row: when the session is still running it ends with
    `status` (and `stop_reason`); when it has already ended elsewhere meanwhile (the web app
    in another window) that ending stays, and the ratings are saved all the same, so the
    answers typed at the end are never lost to the race.
    """
    if status not in FINAL_STATUSES:
        raise InputError("status", f"a session ends as one of {', '.join(FINAL_STATUSES)}", FINAL_STATUSES)
    changes = _session_changes(ratings)

    def with_ending(row: Session) -> dict[str, Any]:
        if row.status != "running":
            return changes
        ending = {"status": status}
        if stop_reason and not row.stop_reason:
            ending["stop_reason"] = stop_reason
        return {**changes, **_session_changes(ending)}

    return _write_session(session, with_ending)


def stop_session(session: Session, reason: str) -> Session:
    """Stop a running session with a reason; an ended session is left as it is."""
    with transaction.atomic():
        row = _locked_session(session)
        if row.status == "running":
            changed = _apply_session_changes(row, _stop(row, reason))
            row.save(update_fields=[*changed, "updated_at"])
            refresh_facts(row)
    _copy_row(session, row)
    return session


def log_step(session: Session, index: int, **fields: Any) -> StepLog:
    """Record progress on one step: seconds done, intensity, feedback, skipped.

    Saves from a closing page can arrive together and out of order, so the session and
    then the step are locked in one transaction, only the fields given are written, and
    seconds done only grow. Feedback 'sharp_pain' stops the session in the same
    transaction. While the person's level is urgent or emergency nothing is saved: the
    session is ended for safety and SafetyStop raised.
    """
    probe = StepLog(seconds_done=0)
    for name, value in fields.items():
        _set_step_field(probe, name, value)  # every field checked before anything is locked
    refusal = safety_stop(session)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        row = _locked_session(session)
        log = StepLog.objects.select_for_update().filter(session=row, index=index).first()
        if log is None:
            raise Missing("index", f"step {index} does not exist in this session")
        if row.status != "running":
            raise Conflict("session", "this session is finished; its steps can no longer change")
        for name, value in fields.items():
            _set_step_field(log, name, value)
        log.save(update_fields=[*fields, "updated_at"])
        if fields.get("feedback") == "sharp_pain":
            changed = _apply_session_changes(row, _stop(row, "sharp pain"))
            row.save(update_fields=[*changed, "updated_at"])
            # Left out of later plans until the person turns it back on.
            TechniqueChoice.objects.update_or_create(
                person_id=row.person_id,
                technique=log.technique,
                defaults={"disabled": True, "reason": "You pressed 'sharp pain' during this technique."},
            )
        refresh_facts(row)
    _copy_row(session, row)
    return log


def _set_step_field(log: StepLog, name: str, value: Any) -> None:
    if name == "seconds_done":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
            raise InputError("seconds_done", "must be a whole number of seconds from 0 to 3600")
        log.seconds_done = max(log.seconds_done, value)
    elif name == "intensity":
        if value not in ("gentle", "moderate", "firm"):
            raise InputError("intensity", f"unknown intensity '{value}'", ("gentle", "moderate", "firm"))
        log.intensity = value
    elif name == "feedback":
        if value not in ("", *FEEDBACK):
            raise InputError("feedback", f"unknown feedback '{value}'", FEEDBACK)
        log.feedback = value
    elif name == "skipped":
        if not isinstance(value, bool):
            raise InputError("skipped", "must be true or false")
        log.skipped = value
    else:
        raise InputError(name, "unknown field", STEP_FIELDS)


def delete_session(session: Session) -> None:
    with transaction.atomic():
        forget_facts(session)
        session.delete()


def unfinished_session(person: Person, plan: Plan) -> Session | None:
    """The latest session of this plan that was started and not finished, if any."""
    return (
        Session.objects.filter(person=person, plan=plan, status=Session.Status.RUNNING)
        .order_by("-started_at", "-id")
        .first()
    )


def delete_everything(person: Person) -> dict[str, int]:
    """Delete the person and everything kept about them; how many of each were deleted.

    Profile, safety checks, plans, sessions with their step logs, diary entries and
    technique choices all hang off the person (on_delete=CASCADE), so they go with it.

    A person with an account (server mode) keeps the person row, and with it what others
    recorded about them: the access log goes only with the account (docs/accounts.md).
    Every store table that hangs off the person is emptied for them instead, and
    `signals.everything_deleted` lets clinic mode end their care links and tell each
    therapist, in the same transaction.
    """
    counts = {
        "sessions": Session.objects.filter(person=person).count(),
        "diary_entries": PainEntry.objects.filter(person=person).count(),
        "plans": Plan.objects.filter(person=person).count(),
        "safety_checks": Screening.objects.filter(person=person).count(),
    }
    with transaction.atomic():
        if person.user_id is None:  # type: ignore[attr-defined]
            Person.objects.filter(id=person.id).delete()
            return counts
        from backease.store.signals import everything_deleted

        for relation in Person._meta.related_objects:
            model = relation.related_model
            if model._meta.app_label == "store" and (relation.one_to_many or relation.one_to_one):
                model._default_manager.filter(**{relation.field.name: person}).delete()  # type: ignore[union-attr]
        everything_deleted.send(sender=Person, person=person)
    return counts


def sessions(person: Person, limit: int = 50, offset: int = 0, *, steps: bool = True) -> list[Session]:
    """The person's sessions, newest first, `limit` of them from `offset` (see `count_sessions`)."""
    found = Session.objects.filter(person=person).order_by("-started_at", "-id").select_related("facts")
    if steps:
        found = found.prefetch_related("steps")
    return list(found[offset : offset + limit])


def count_sessions(person: Person) -> int:
    return Session.objects.filter(person=person).count()


def facts_of(session: Session) -> SessionFacts:
    """The session's stored facts (counts toward the goal, time and steps done); worked out
    now if missing."""
    try:
        return session.facts
    except SessionFacts.DoesNotExist:
        refresh_facts(session)
        return SessionFacts.objects.get(session_id=session.pk)


def counted_per_day(person: Person, first_day: date, days: int = 31) -> dict[date, int]:
    """Sessions that count per day (in the person's zone), from `first_day` for `days` days."""
    local = local_time(person)
    start, _ = local.day_bounds(first_day)
    end, _ = local.day_bounds(first_day + timedelta(days=days))
    found = done_sessions(person).filter(started_at__gte=start, started_at__lt=end)
    per_day: dict[date, int] = {}
    for started in found.values_list("started_at", flat=True):
        day = local.day_of(started)
        per_day[day] = per_day.get(day, 0) + 1
    return per_day


# --- pain diary ---------------------------------------------------------------------------


def add_pain_entry(
    person: Person,
    pain: object,
    region: object = "",
    stress: object = None,
    note: object = "",
    at: datetime | None = None,
) -> PainEntry:
    """Add a diary entry. Region is optional ('' means the upper back in general)."""
    if region not in ("", *REGIONS):
        raise InputError("region", f"unknown region '{region}'", REGIONS)
    return PainEntry.objects.create(
        person=person,
        at=timezone.now() if at is None else check_moment("at", at),
        region=region,
        pain=check_score("pain", pain),
        stress=check_score("stress", stress, optional=True),
        note=check_note("note", note),
    )


def pain_entries(person: Person, limit: int = 50, offset: int = 0) -> list[PainEntry]:
    """The person's diary entries, newest first, `limit` of them from `offset`."""
    return list(PainEntry.objects.filter(person=person).order_by("-at", "-id")[offset : offset + limit])


def count_pain_entries(person: Person) -> int:
    return PainEntry.objects.filter(person=person).count()


def needs_recheck(person: Person) -> bool:
    """True when the latest logged pain is 3 or more above the one before it.

    Pain is logged in the diary and as a session's "pain before"; both count, newest
    first. A screening taken after the jump clears the prompt.
    """
    state = safety_state(state_rows(person=person))
    return state is not None and state.needs_recheck


@dataclass(frozen=True, slots=True)
class SafetyState:
    """What every page shows about safety: the last screen and whether a re-check is due."""

    screened: bool
    level: str
    advice: str
    needs_recheck: bool


def _state_sql(with_plan: bool, extra: Sequence[str] = ()) -> str:
    """One statement: the local owner (`{owner}`, with their stored time zone), their latest
    screen, newest two diary ratings and newest two sessions' "pain before" (each from its
    (person, time) index), and with `with_plan` the latest plan (id, data, whether a session
    uses it), the profile, the count and last change of the person's turned-off techniques
    ('t'), and the `extra` SELECTs (what other apps show on Today, backease.front.today).
    Rows are (kind, at, number, text, text)."""
    q = connection.ops.quote_name
    screening, entry, session, plan, profile, choice, person = (
        q(m._meta.db_table) for m in (Screening, PainEntry, Session, Plan, Profile, TechniqueChoice, Person)
    )
    owner = "{owner}"
    parts = [
        f"SELECT 'o', NULL, {owner}, (SELECT {q('time_zone')} FROM {person} WHERE id = {owner}), NULL",
        f"SELECT * FROM (SELECT 's', created_at, id, level, advice FROM {screening} "
        f"WHERE person_id = {owner} ORDER BY created_at DESC, id DESC LIMIT 1) s",
        # The latest screen's clinician clearance: once it has ended, the flag comes back.
        # (Every row of a derived table names a real column in the time slot: PostgreSQL
        # types a bare NULL there as text, which a UNION with timestamps refuses.)
        f"SELECT * FROM (SELECT 'c', created_at, id, CAST(clearance AS TEXT), NULL FROM {screening} "
        f"WHERE person_id = {owner} ORDER BY created_at DESC, id DESC LIMIT 1) c",
        f"SELECT * FROM (SELECT 'd', {q('at')}, pain, NULL, NULL FROM {entry} "
        f"WHERE person_id = {owner} ORDER BY {q('at')} DESC, id DESC LIMIT 2) d",
        f"SELECT * FROM (SELECT 'r', started_at, pain_before, NULL, NULL FROM {session} "
        f"WHERE person_id = {owner} AND pain_before IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 2) r",
    ]
    if with_plan:
        parts += [
            f"SELECT * FROM (SELECT 'p', created_at, id, CAST(data AS TEXT), CASE WHEN EXISTS "
            f"(SELECT 1 FROM {session} u WHERE u.plan_id = {plan}.id) THEN 'used ' ELSE '' END "
            f"|| CASE WHEN EXISTS (SELECT 1 FROM {session} u WHERE u.plan_id = {plan}.id "
            f"AND u.status = 'running') THEN 'unfinished ' ELSE '' END "
            f"|| level || ' ' || COALESCE(CAST(screening_id AS TEXT), '') "
            f"FROM {plan} WHERE person_id = {owner} AND seed >= 0 "
            f"ORDER BY created_at DESC, id DESC LIMIT 1) p",
            f"SELECT * FROM (SELECT 'q', created_at, id, CAST(precautions AS TEXT), NULL FROM {screening} "
            f"WHERE person_id = {owner} ORDER BY created_at DESC, id DESC LIMIT 1) q",
            f"SELECT 'f', NULL, COUNT(*), NULL, NULL FROM {profile} WHERE person_id = {owner}",
            # The techniques the person turned off (they also block a therapist's programme
            # steps): any change changes the page.
            f"SELECT 't', MAX(updated_at), COUNT(*), NULL, NULL FROM {choice} WHERE person_id = {owner}",
            *extra,
        ]
    return " UNION ALL ".join(parts)


def _moment(value: object) -> datetime | None:
    """A datetime from a raw row (SQLite gives text, in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, ZoneInfo("UTC"))
    return moment


OwnerRef = tuple[Literal["key", "user_id"], str | int]
"""Who a request acts for, without reading their row: ("key", "local") for the local owner,
("user_id", id) for a signed-in user of server mode (set as `request.person_ref`)."""


def state_rows(
    with_plan: bool = False,
    person: Person | None = None,
    owner: OwnerRef | None = None,
    extra: Sequence[str] = (),
) -> tuple[tuple[Any, ...], ...]:
    """The rows of `_state_sql` for `person`, or the person `owner` names (the local owner
    when neither is given), in one query (see `safety_state` and the Today page)."""
    sql = _state_sql(with_plan, extra)
    count = sql.count("{owner}")
    params: list[int | str]
    if person is not None:
        sql, params = sql.replace("{owner}", "%s"), [person.pk] * count
    else:
        column, value = owner or ("key", LOCAL_OWNER)
        q = connection.ops.quote_name
        subquery = f"(SELECT id FROM {q(Person._meta.db_table)} WHERE {q(column)} = %s)"
        sql, params = sql.replace("{owner}", subquery), [value] * count
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple((kind, _moment(at), *rest) for kind, at, *rest in cursor.fetchall())


def state_zone(rows: tuple[tuple[Any, ...], ...]) -> ZoneInfo:
    """The person's zone, from the rows of `state_rows` (no query)."""
    return zone_named(rows[0][3] if rows else None)


def _clearance_ended(text: str, today: date) -> bool:
    """Whether a stored clearance (JSON text) has ended by `today`; unreadable ones count as
    ended so that the screen is evaluated again."""
    try:
        data = json.loads(text)
        given = date.fromisoformat(str(data["given_on"]))
    except (ValueError, TypeError, KeyError):
        return True
    weeks = load_content().rules.clearance.weeks
    return today >= given + timedelta(weeks=weeks)


def safety_state(rows: tuple[tuple[Any, ...], ...] | None = None) -> SafetyState | None:
    """The local owner's safety state in ONE indexed query (or from `state_rows` already
    read): the latest screen, and whether logged pain rose by RECHECK_RISE or more since
    it (the newest two pain ratings of the diary and of sessions, newest first). None
    when there is no owner yet."""
    rows = state_rows() if rows is None else rows
    if not rows or rows[0][2] is None:
        return None
    screen = next((row for row in rows if row[0] == "s"), None)
    points = [(row[1], row[2]) for row in rows if row[0] in ("d", "r")]
    points.sort(key=lambda p: p[0], reverse=True)
    recheck = len(points) >= 2 and points[0][1] - points[1][1] >= RECHECK_RISE
    if recheck and screen is not None:
        recheck = screen[1] < points[0][0]
    if screen is None:
        return SafetyState(False, "", "", recheck)
    cleared = next((row for row in rows if row[0] == "c" and row[3] not in (None, "null")), None)
    today = LocalTime.at(timezone.now(), state_zone(rows)).today
    if cleared is not None and _clearance_ended(cleared[3], today):
        # Rare: the latest screen's clearance has ended; evaluate it again (one more query).
        stored = Screening.objects.filter(pk=cleared[2]).first()
        again = current_result(stored, today) if stored is not None else None
        if again is not None:
            return SafetyState(True, again.level, again.advice, recheck)
    return SafetyState(True, screen[3] or "", screen[4] or "", recheck)


# --- history ------------------------------------------------------------------------------


def done_sessions(person: Person) -> models.QuerySet[Session]:
    """Sessions that count toward the goal (`backease.core.history.session_counts`: not
    skipped, at least a minute of steps done), read from their stored facts."""
    return Session.objects.filter(person=person, facts__counted=True)


def weekly_counts(
    person: Person, weeks: int = 8, now: datetime | None = None, totals: Totals | None = None
) -> list[tuple[datetime, int]]:
    """Sessions that count (see `done_sessions`) per week, Monday-start in local time,
    oldest first, for the 2-3 goal: weeks in the person's zone, each start their local
    Monday midnight. Read from the running totals (no session is read)."""
    local = local_time(person, now)
    mondays = [local.week_start - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    totals = totals if totals is not None else totals_until(person, local.now)
    return [(start_of(day, local.zone), totals.weeks.get(day, 0)) for day in mondays]


# --- history summaries (added by the session player / history helper) ---------------------

PAIN_CHANGE_MINIMUM = 3
"""Fewer sessions rated before and after than this is "too little data" for an average."""


@dataclass(frozen=True, slots=True)
class PainChange:
    """Mean pain before and after, over sessions rated both times (None: too little data)."""

    sessions: int
    before: float | None
    after: float | None


def pain_change(
    person: Person, minimum: int = PAIN_CHANGE_MINIMUM, totals: Totals | None = None
) -> PainChange:
    """Average pain before and after a session, over the sessions that count and were
    rated both times (the same sessions as insights' "rated sessions").

    Method: the plain mean of `pain_before` and of `pain_after` over those sessions;
    with fewer than `minimum` of them there is too little data.
    """
    totals = totals if totals is not None else totals_until(person, timezone.now())
    if totals.rated < minimum:
        return PainChange(totals.rated, None, None)
    before = totals.before_total / totals.rated
    after = (totals.before_total + totals.change_total) / totals.rated
    return PainChange(totals.rated, round(before, 1), round(after, 1))


def seconds_done(session: Session) -> int:
    """Seconds of the session's steps actually done (uses prefetched step logs)."""
    return sum(log.seconds_done for log in session.steps.all())


# --- CLI store commands (added by the CLI helper) -------------------------------------------


def session_as_data(session: Session) -> dict[str, Any]:
    """A session in the API's JSON shape (also `backease session/history --json`)."""
    return {
        "id": session.id,
        "plan_id": session.plan_id,
        "started_at": session.started_at.isoformat(),
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
        "status": session.status,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "stress_before": session.stress_before,
        "stress_after": session.stress_after,
        "stop_reason": session.stop_reason,
        "notes": session.notes,
        "steps": [step_as_data(log) for log in session.steps.all()],
    }


def step_as_data(log: StepLog) -> dict[str, Any]:
    """A step log in the API's JSON shape."""
    return {
        "index": log.index,
        "technique": log.technique,
        "side": log.side,
        "seconds_planned": log.seconds_planned,
        "seconds_done": log.seconds_done,
        "intensity": log.intensity,
        "feedback": log.feedback,
        "skipped": log.skipped,
    }


def pain_entry_as_data(entry: PainEntry) -> dict[str, Any]:
    """A diary entry in the API's JSON shape."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "region": entry.region,
        "pain": entry.pain,
        "stress": entry.stress,
        "note": entry.note,
    }


# --- JSON API helper: diary entries by id, ending sessions ------------------------------------
# Appended by the API helper (backease/api/routes.py uses these).


def get_pain_entry(person: Person, entry_id: int) -> PainEntry:
    """The person's diary entry with this id (InputError when there is none)."""
    row: PainEntry | None = PainEntry.objects.filter(person=person, id=entry_id).first()
    if row is None:
        raise InputError("entry", f"no pain entry with id {entry_id}")
    return row


def delete_pain_entry(entry: PainEntry) -> None:
    entry.delete()


def edit_session(session: Session, **fields: Any) -> Session:
    """`update_session` for the API and pages: a session that has ended keeps its status.

    A session stopped for sharp pain must stay on record as stopped, even if a page
    that was still open later asks to finish it as completed. Sending the same status
    again is fine (a retried request). The rule is checked on the locked row.
    """
    return update_session(session, **fields)


def finish_session(session: Session, status: str, **fields: Any) -> Session:
    """End a session as completed, skipped or stopped (see `edit_session`)."""
    if status not in FINAL_STATUSES:
        raise InputError("status", f"a session ends as one of {', '.join(FINAL_STATUSES)}", FINAL_STATUSES)
    return edit_session(session, status=status, **fields)


# --- pages helper: onboarding and today's plan ----------------------------------------------
# Appended by the front-pages helper (backease/front/views.py uses these).


def has_profile(person: Person) -> bool:
    """True once the person has saved a profile (the body map and tools)."""
    return Profile.objects.filter(person=person).exists()


def plan_has_session(plan: Plan) -> bool:
    """True when a session was started from this plan (it can then no longer be edited)."""
    return plan.sessions.exists()


# --- history, technique choices and schedule (lead) ----------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SESSION_DAYS = ("mon", "wed", "fri")
"""Three sessions a week: the 2-3 a week the consistency tip recommends."""


def history(
    person: Person, since: datetime | None = None
) -> tuple[tuple[SessionRecord, ...], tuple[PainRecord, ...]]:
    """The person's sessions (with steps) and diary entries as core records, oldest first
    (only those from `since` on, when given). Three queries, no model instances."""
    found = Session.objects.filter(person=person)
    diary = PainEntry.objects.filter(person=person)
    logs = StepLog.objects.filter(session__person=person)
    if since is not None:
        found = found.filter(started_at__gte=since)
        diary = diary.filter(at__gte=since)
        logs = logs.filter(session__started_at__gte=since)
    by_session: dict[int, list[StepRecord]] = {}
    for session_id, *fields in logs.order_by("session_id", "index").values_list(
        "session_id", *STEP_RECORD_FIELDS
    ):
        by_session.setdefault(session_id, []).append(StepRecord(*fields))
    records = tuple(
        _record(row, tuple(by_session.get(row[0], ())))
        for row in found.order_by("started_at", "id").values_list("id", *SESSION_RECORD_FIELDS)
    )
    entries = tuple(
        PainRecord(at=at, pain=pain, region=region, stress=stress)
        for at, pain, region, stress in diary.order_by("at", "id").values_list(
            "at", "pain", "region", "stress"
        )
    )
    return records, entries


# --- facts and running totals (what insights and planning read instead of all history) -----


STEP_RECORD_FIELDS = (
    "technique",
    "side",
    "seconds_planned",
    "seconds_done",
    "intensity",
    "feedback",
    "skipped",
)
"""StepLog columns in the order of StepRecord's fields."""
SESSION_RECORD_FIELDS = ("started_at", "status", "pain_before", "pain_after", "stress_before", "stress_after")
"""Session columns in the order of SessionRecord's fields (before `steps`)."""


def _record(row: tuple[Any, ...], steps: tuple[StepRecord, ...]) -> SessionRecord:
    """A SessionRecord from (id, *SESSION_RECORD_FIELDS) and its steps."""
    _, started, status, pain_before, pain_after, stress_before, stress_after = row
    return SessionRecord(started, status, pain_before, pain_after, stress_before, stress_after, steps)


def _session_record(session_id: int, lock: bool = False) -> tuple[SessionRecord, ZoneInfo] | None:
    """The session and its steps as a record, with its person's zone (read in the same
    query); `lock` locks the session's row first (so refreshes of one session's facts run
    one after the other, each seeing the last)."""
    found = Session.objects.filter(pk=session_id)
    if lock:
        found = found.select_for_update(of=("self",))
    row = found.values_list("id", *SESSION_RECORD_FIELDS, "person__time_zone").first()
    if row is None:
        return None
    logs = StepLog.objects.filter(session_id=session_id).order_by("index").values_list(*STEP_RECORD_FIELDS)
    return _record(row[:-1], tuple(StepRecord(*fields) for fields in logs)), zone_named(row[-1])


def _facts_values(record: SessionRecord, zone: ZoneInfo) -> dict[str, Any]:
    from backease.core.insights import contribution

    return {
        "counted": record.done,
        "seconds_done": record.seconds_done,
        "steps_done": record.steps_done,
        "contribution": contribution(record, zone).to_data(),
    }


def _locked_totals(person_id: int, zone: ZoneInfo) -> tuple[HistoryTotals, Totals]:
    """The person's totals row, locked for this transaction; rebuilt first when missing
    (a store from before totals existed) or counted in another zone than the person's."""
    from backease.core.insights import Totals

    row = HistoryTotals.objects.select_for_update().filter(person_id=person_id).first()
    if row is None or row.zone != zone.key:
        rebuild_aggregates(person_id)
        row = HistoryTotals.objects.select_for_update().get(person_id=person_id)
    return row, Totals.from_data(row.data)


def refresh_facts(session: Session) -> None:
    """Bring the session's facts, and the person's totals, up to date with what is stored.

    Called by every write to a session or its steps, in its transaction, with the
    session's row locked. When its contribution to the totals is unchanged (most progress
    saves) only the facts row is updated; otherwise its old contribution is swapped for
    the new one in the person's totals, with the totals' row locked.
    """
    from backease.core.insights import Contribution

    with transaction.atomic():
        found = _session_record(session.pk, lock=True)
        stored = SessionFacts.objects.filter(session_id=session.pk).first()
        if found is None:
            return
        record, zone = found
        values = _facts_values(record, zone)
        if stored is not None and stored.contribution == values["contribution"]:
            if any(getattr(stored, name) != value for name, value in values.items()):
                SessionFacts.objects.filter(session_id=session.pk).update(**values)
            return
        row, totals = _locked_totals(session.person_id, zone)
        stored = SessionFacts.objects.filter(session_id=session.pk).first()  # a rebuild may have run
        if stored is not None:
            totals.add(Contribution.from_data(stored.contribution), -1)
            SessionFacts.objects.filter(session_id=session.pk).update(**values)
        else:
            SessionFacts.objects.create(session_id=session.pk, **values)
        totals.add(Contribution.from_data(values["contribution"]))
        row.data = totals.to_data()
        row.save(update_fields=["data"])


def forget_facts(session: Session) -> None:
    """Take a session that is about to be deleted out of the totals."""
    from backease.core.insights import Contribution

    with transaction.atomic():
        row, totals = _locked_totals(session.person_id, person_zone(session.person_id))
        stored = SessionFacts.objects.filter(session_id=session.pk).first()
        if stored is None:
            return
        totals.add(Contribution.from_data(stored.contribution), -1)
        stored.delete()
        row.data = totals.to_data()
        row.save(update_fields=["data"])


REBUILD_CHUNK = 1000
"""Sessions read at a time by `rebuild_aggregates`."""


def rebuild_aggregates(person: Person | int) -> Totals:
    """Recompute every session's facts and the person's totals from the whole history
    (after a restore, a change of the person's time zone, or by `backease store
    rebuild-aggregates`); weeks are counted in the person's zone."""
    from backease.core.insights import contribution, totals_of

    person_id = person if isinstance(person, int) else person.pk
    zone = person_zone(person)
    with transaction.atomic():
        SessionFacts.objects.filter(session__person_id=person_id).delete()
        totals = totals_of((), zone)
        # A chunk of sessions at a time (with their steps), oldest first: a restored history
        # of any length is rebuilt in a bounded amount of memory.
        found = Session.objects.filter(person_id=person_id).order_by("started_at", "id")
        ids = list(found.values_list("id", flat=True))
        for start in range(0, len(ids), REBUILD_CHUNK):
            chunk = list(
                found.filter(id__in=ids[start : start + REBUILD_CHUNK]).values_list(
                    "id", *SESSION_RECORD_FIELDS
                )
            )
            by_session: dict[int, list[StepRecord]] = {}
            steps = StepLog.objects.filter(session_id__in=[row[0] for row in chunk])
            for session_id, *fields in steps.order_by("session_id", "index").values_list(
                "session_id", *STEP_RECORD_FIELDS
            ):
                by_session.setdefault(session_id, []).append(StepRecord(*fields))
            facts = []
            for row in chunk:
                record = _record(row, tuple(by_session.get(row[0], ())))
                added = contribution(record, zone)
                totals.add(added)
                facts.append(
                    SessionFacts(
                        session_id=row[0],
                        counted=record.done,
                        seconds_done=record.seconds_done,
                        steps_done=record.steps_done,
                        contribution=added.to_data(),
                    )
                )
            SessionFacts.objects.bulk_create(facts, batch_size=500)
        HistoryTotals.objects.update_or_create(
            person_id=person_id, defaults={"zone": zone.key, "data": totals.to_data()}
        )
        history_changed.send(sender=Person, person_id=person_id)
    return totals


def totals_until(person: Person, now: datetime) -> Totals:
    """The person's running totals without the sessions that start after `now` (normally
    none: one indexed query that finds nothing)."""
    from backease.core.insights import Contribution, Totals

    row = HistoryTotals.objects.filter(person=person).first()
    if row is None or row.zone != person_zone(person).key:
        totals = rebuild_aggregates(person)
    else:
        totals = Totals.from_data(row.data)
    later = SessionFacts.objects.filter(session__person=person, session__started_at__gt=now)
    for data in later.values_list("contribution", flat=True):
        totals.add(Contribution.from_data(data), -1)
    return totals


def _window(
    person: Person, now: datetime, weeks: int = 8
) -> tuple[tuple[SessionRecord, ...], tuple[PainRecord, ...]]:
    """The sessions (ratings and whether they count, without their steps) and diary
    entries that insights and planning read beyond the totals: from `window_start`."""
    from backease.core.insights import window_start

    first_day = window_start(now, weeks)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=now.tzinfo)
    found = Session.objects.filter(person=person, started_at__gte=since).order_by("started_at", "id")
    records = tuple(
        SessionRecord(started, status, before, after, stress_before, stress_after, counted=bool(counted))
        for started, status, before, after, stress_before, stress_after, counted in found.values_list(
            *SESSION_RECORD_FIELDS, "facts__counted"
        )
    )
    entries = PainEntry.objects.filter(person=person, at__gte=since).order_by("at", "id")
    return records, tuple(
        PainRecord(at=at, pain=pain, region=region, stress=stress)
        for at, pain, region, stress in entries.values_list("at", "pain", "region", "stress")
    )


def technique_choices(person: Person) -> tuple[CoreTechniqueChoice, ...]:
    """The techniques the person has turned off or back on."""
    return tuple(
        CoreTechniqueChoice(c.technique, c.disabled, c.reason)
        for c in TechniqueChoice.objects.filter(person=person)
    )


def disabled_techniques(person: Person) -> frozenset[str]:
    return frozenset(c.technique for c in technique_choices(person) if c.disabled)


def turned_off_rows(person: Person) -> list[TechniqueChoice]:
    """The stored choices of the techniques turned off, newest first (when and why: for
    `backease techniques`)."""
    return list(TechniqueChoice.objects.filter(person=person, disabled=True).order_by("-updated_at", "id"))


def set_technique_enabled(person: Person, technique: str, enabled: bool, reason: str = "") -> None:
    """Turn a technique off (the planner leaves it out) or back on."""
    library = load_content().library
    if library.technique(technique) is None:
        raise InputError("technique", f"unknown technique '{technique}'", library.technique_ids())
    if not isinstance(enabled, bool):
        raise InputError("enabled", "must be true or false")
    reason = check_note("reason", reason)[:200]
    TechniqueChoice.objects.update_or_create(
        person=person, technique=technique, defaults={"disabled": not enabled, "reason": reason}
    )


def schedule(person: Person) -> tuple[tuple[str, ...], str]:
    """The planned session days (mon..sun) and time (HH:MM)."""
    row = Profile.objects.filter(person=person).first()
    if row is None:
        return DEFAULT_SESSION_DAYS, "18:00"
    return tuple(row.session_days) or DEFAULT_SESSION_DAYS, row.session_time


_KEEP: Any = object()
"""`save_schedule`'s "leave this as it is"."""


def save_schedule(
    person: Person, days: object, time: object, *, quiet: object = _KEEP, reminders: object = _KEEP
) -> None:
    """Validate and store the planned days and time, and (when given) the quiet hours
    ("22:00-07:00", or ""/None for none) and whether reminders are on. InputError naming
    the field, nothing stored, on bad input."""
    if not isinstance(days, list | tuple) or not days or any(d not in WEEKDAYS for d in days):
        raise InputError("days", "must be a non-empty list of weekdays", WEEKDAYS)
    if not isinstance(time, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", time):
        raise InputError("time", "must be a time as HH:MM, e.g. 18:30")
    fields = ["session_days", "session_time", "updated_at"]
    quiet_hours = ""
    if quiet is not _KEEP:
        quiet_hours = reminder_rules.quiet_text(reminder_rules.parse_quiet("quiet", quiet))
        fields.append("quiet_hours")
    if reminders is not _KEEP:
        if not isinstance(reminders, bool):
            raise InputError("reminders", "must be true or false (on or off)")
        fields.append("reminders_on")
    ordered = [d for d in WEEKDAYS if d in days]
    row, _ = Profile.objects.get_or_create(person=person)
    row.session_days = ordered
    row.session_time = time
    if "quiet_hours" in fields:
        row.quiet_hours = quiet_hours
    if "reminders_on" in fields:
        row.reminders_on = bool(reminders)
    row.save(update_fields=fields)


def reminder_schedule(person: Person) -> reminder_rules.Schedule:
    """The schedule as the reminder rules read it: days, time, quiet hours, on or off."""
    return reminder_state(person)[0]


def reminder_state(person: Person) -> tuple[reminder_rules.Schedule, datetime | None]:
    """The schedule as the reminder rules read it, and the end of the latest snooze (one query)."""
    row = (
        Profile.objects.filter(person=person)
        .values_list("session_days", "session_time", "quiet_hours", "reminders_on", "snoozed_until")
        .first()
    )
    if row is None:
        return reminder_rules.Schedule(
            DEFAULT_SESSION_DAYS, reminder_rules.parse_clock("time", "18:00")
        ), None
    days, clock, quiet, on, until = row
    schedule = reminder_rules.Schedule(
        days=tuple(days) or DEFAULT_SESSION_DAYS,
        time=reminder_rules.parse_clock("time", clock),
        quiet=reminder_rules.parse_quiet("quiet", quiet),
        on=on,
    )
    return schedule, until


def snoozed_until(person: Person) -> datetime | None:
    """The end of the person's latest snooze of a reminder, if any."""
    return reminder_state(person)[1]


def save_snooze(person: Person, until: datetime | None) -> None:
    """Store the end of a snooze (None: no snooze)."""
    row, _ = Profile.objects.get_or_create(person=person)
    row.snoozed_until = until
    row.save(update_fields=["snoozed_until", "updated_at"])


# --- the subscribable calendar URL (/calendar/<token>.ics; docs/reminders.md) ------------------


def calendar_token(person: Person) -> str | None:
    """The secret of the person's subscribable calendar URL, or None when there is none."""
    return Profile.objects.filter(person=person).values_list("calendar_token", flat=True).first()


def make_calendar_token(person: Person) -> str:
    """A new secret for the calendar URL (the old URL, if any, stops working at once)."""
    import secrets

    token = secrets.token_urlsafe(24)
    row, _ = Profile.objects.get_or_create(person=person)
    row.calendar_token = token
    row.save(update_fields=["calendar_token", "updated_at"])
    return token


def revoke_calendar_token(person: Person) -> None:
    """Turn the calendar URL off: calendar apps subscribed to it get nothing more."""
    Profile.objects.filter(person=person).update(calendar_token=None)


def person_by_calendar_token(token: str) -> Person | None:
    """The person whose calendar URL has this secret, or None."""
    if not token or len(token) > 64:
        return None
    row = Profile.objects.filter(calendar_token=token).select_related("person").first()
    return row.person if row is not None else None


def adaptation(person: Person, now: datetime | None = None) -> planner.Adaptation:
    """What the person's history up to `now` tells the planner: effects, too-much,
    turned-off, progression. Reads the running totals and the last few weeks only."""
    from backease.core.insights import MIN_SESSIONS_FOR_EFFECTS, effects_from_totals, progression_level

    now = local_time(person, now).now
    totals = totals_until(person, now)
    effects, rated = effects_from_totals(totals)
    records, _ = _window(person, now)
    # The same rule as the insights page's "effects shown".
    return planner.Adaptation(
        effects=effects,
        learned=rated >= MIN_SESSIONS_FOR_EFFECTS,
        disabled=disabled_techniques(person),
        progression=progression_level(records, now, totals),
    )


# --- insights, report and exports pages (web helper: insights/report/export) -----------------
# backease/front/insights_views.py, backease/exports/report.py and `backease stats` use these.


def insights(person: Person, now: datetime | None = None, weeks: int = 8) -> Insights:
    """The person's insights (adherence, pain trend, what helps) over the last `weeks` weeks."""
    from backease.core.insights import MAX_WEEKS, summarize  # numpy: loaded only when needed

    # Days and weeks are counted in the person's zone, as the running totals are.
    now = local_time(person, now).now
    if weeks > MAX_WEEKS:
        records, entries = history(person)
        return summarize(records, entries, now, weeks=weeks)
    records, entries = _window(person, now, weeks)
    return summarize(records, entries, now, weeks=weeks, totals=totals_until(person, now))


def rated_sessions(person: Person) -> int:
    """Sessions that count, rated before and after: what "what helps you" learns from
    (the same count as backease.core.insights), from the running totals."""
    return totals_until(person, timezone.now()).rated


@dataclass(frozen=True, slots=True)
class TechniqueUse:
    """How often a technique was done (time spent on it) since a moment."""

    technique: str
    sessions: int
    seconds: int


def technique_usage(person: Person, since: datetime | None = None) -> list[TechniqueUse]:
    """Techniques done (`step_done`) in the person's sessions that count, most used first."""
    logs = StepLog.objects.filter(session__person=person, session__facts__counted=True, seconds_done__gt=0)
    if since is not None:
        logs = logs.filter(session__started_at__gte=since)
    rows = (
        logs.values("technique")
        .annotate(sessions=models.Count("session", distinct=True), seconds=models.Sum("seconds_done"))
        .order_by("-sessions", "-seconds", "technique")
    )
    return [TechniqueUse(r["technique"], r["sessions"], r["seconds"] or 0) for r in rows]


@dataclass(frozen=True, slots=True)
class Note:
    """A note the person wrote, on a session or in the pain diary."""

    at: datetime
    source: str
    """'session' or 'diary'."""
    text: str


def recent_notes(person: Person, limit: int = 5, since: datetime | None = None) -> list[Note]:
    """The newest non-empty notes from sessions and the diary, newest first."""
    found = Session.objects.filter(person=person).exclude(notes="")
    diary = PainEntry.objects.filter(person=person).exclude(note="")
    if since is not None:
        found = found.filter(started_at__gte=since)
        diary = diary.filter(at__gte=since)
    notes = [Note(s.started_at, "session", s.notes) for s in found.order_by("-started_at")[:limit]]
    notes += [Note(e.at, "diary", e.note) for e in diary.order_by("-at")[:limit]]
    notes.sort(key=lambda n: n.at, reverse=True)
    return notes[:limit]


def history_span(person: Person) -> tuple[datetime, datetime] | None:
    """The first and last moment anything was recorded (sessions and diary), or None."""
    found = Session.objects.filter(person=person).aggregate(
        a=models.Min("started_at"), b=models.Max("started_at")
    )
    diary = PainEntry.objects.filter(person=person).aggregate(a=models.Min("at"), b=models.Max("at"))
    times = [t for t in (*found.values(), *diary.values()) if t is not None]
    return (min(times), max(times)) if times else None
