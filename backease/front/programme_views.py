"""The programme in the pages (docs/programme.md, "In the app"): the programme page (the weeks
as a timeline, each week's dose and why it changed, the check-in trend against the minimal
important change, first against last at the end), starting and stopping one, the weekly
check-in, and what Today shows of it.

The rules and what the person sees are `backease.core.programme`; the store reads and writes
the programme (`backease.store.programmes`). Views only turn the form into calls and the
`ProgrammeView` into a page.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from backease.accounts.mode import current_person
from backease.core import programme as core
from backease.core.errors import Conflict, InputError, Missing
from backease.core.programme import ProgrammeView, WeekView
from backease.exports import charts
from backease.store import programmes, services
from backease.store.models import CheckIn, Person, ProgrammeRun, ProgrammeWeek, Session, SessionFacts
from backease.store.zones import local_time

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ACTION_WORDS = {"start": "Start", "up": "Stepped up", "hold": "Kept", "down": "Stepped down"}
FINISHED_SHOWN_DAYS = 14
"""Today points to a finished programme's results for this many days after its end."""


def clock() -> datetime:
    """Now (tests put a fixed clock here)."""
    return timezone.now()


def state_sql() -> tuple[str, ...]:
    """Today's rows for the programme (added to its one query, `services.state_rows`): the
    latest run, the check-ins, and the sessions that count, so the cached Today changes when
    any of them does (the day is in the key already). Their kinds start with 'prog' (the
    other parts of the query use single letters)."""
    from django.db import connection

    q = connection.ops.quote_name
    run, checkin, session, facts = (
        q(m._meta.db_table) for m in (ProgrammeRun, CheckIn, Session, SessionFacts)
    )
    owner = "{owner}"
    return (
        f"SELECT * FROM (SELECT 'prog', created_at, id, status, CAST(weeks AS TEXT) FROM {run} "
        f"WHERE person_id = {owner} ORDER BY created_at DESC, id DESC LIMIT 1) prog",
        f"SELECT 'prog-checkins', MAX({q('at')}), COUNT(*), NULL, NULL FROM {checkin} "
        f"WHERE person_id = {owner}",
        f"SELECT 'prog-sessions', MAX(s.updated_at), COUNT(*), NULL, NULL FROM {session} s JOIN {facts} f "
        f"ON f.session_id = s.id WHERE s.person_id = {owner} AND f.counted",
    )


# --- what a page shows of a programme --------------------------------------------------------


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _week_rows(view: ProgrammeView, today: date) -> list[dict[str, Any]]:
    """The timeline: each week with its days (planned, done, missed, to come), its dose and
    why, the current one marked."""
    rows = []
    for week in view.timeline:
        rows.append(
            {
                "week": week,
                "current": week.number == view.week and not view.finished,
                "last": week.end - timedelta(days=1),
                "past": week.end <= today,
                "days": _days(week, today),
                "counts": _counts(week, today),
                "action": ACTION_WORDS.get(week.action or "", ""),
                "dose": week.dose.describe() if week.dose is not None else "",
            }
        )
    return rows


def _days(week: WeekView, today: date) -> list[dict[str, str]]:
    """A week's days to show: each planned day and each day a session was done."""
    done = list(week.done)
    out = []
    for day in sorted(set(week.planned) | set(week.done)):
        if day in done:
            state, words = "done", "done"
            done.remove(day)
        elif day in week.missed:
            state, words = "missed", "missed"
        elif day < today:
            state, words = "made-up", "made up another day"
        elif day == today:
            state, words = "today", "planned today"
        else:
            state, words = "planned", "planned"
        if day not in week.planned:
            words += " (an extra day)"
        out.append({"state": state, "label": _day(day), "words": words, "short": f"{day:%a}"[:2]})
    return out


def _counts(week: WeekView, today: date) -> str:
    planned, done, missed = len(week.planned), len(week.done), len(week.missed)
    if week.start > today:
        return f"{planned} planned"
    text = f"{done} of {planned} done"
    if missed:
        text += f", {missed} missed"
    return text


def _changes(view: ProgrammeView) -> list[dict[str, Any]]:
    return [
        {
            "week": change.week,
            "action": change.action,
            "action_words": ACTION_WORDS[change.action],
            "dose": change.after.describe(),
            "reason": change.reason,
        }
        for change in view.changes
    ]


def _trend(view: ProgrammeView) -> list[charts.Chart]:
    checkins = view.checkins
    name = checkins[0].activity if checkins else "Activity"
    found = [
        charts.checkin_chart(
            "pain-trend",
            "Average pain",
            "pain",
            [(c.week, c.pain) for c in checkins],
            view.weeks,
            "lower is better",
        ),
        charts.checkin_chart(
            "activity-trend",
            name[:1].upper() + name[1:],
            "activity",
            [(c.week, c.activity_score) for c in checkins],
            view.weeks,
            "higher is better",
        ),
    ]
    return [chart for chart in found if chart is not None]


def _pgic_rows(view: ProgrammeView) -> list[dict[str, Any]]:
    return [
        {"week": c.week, "value": c.pgic, "words": core.PGIC_WORDS[c.pgic - 1]}
        for c in view.checkins
        if c.pgic is not None
    ]


def _summary(view: ProgrammeView) -> dict[str, Any] | None:
    summary = view.summary
    if summary is None and len(view.checkins) >= 2:  # before the end: first against latest
        summary = core.summarize(view.checkins)
    if summary is None:
        return None
    rows = []
    for measure, label, better in (
        (summary.pain, "Average pain", "lower is better"),
        (summary.activity, summary.activity.name[:1].upper() + summary.activity.name[1:], "higher is better"),
    ):
        verdict = "–"
        if measure.delta is not None:
            verdict = "Yes, better" if measure.meaningful else "Yes, worse" if measure.worse else "Not yet"
        rows.append(
            {
                "label": label,
                "better": better,
                "first": charts.number(measure.first, 0),
                "last": charts.number(measure.last, 0),
                "delta": charts.signed(measure.delta, 0),
                "mic": measure.mic,
                "verdict": verdict,
                "wording": measure.wording,
            }
        )
    return {
        "summary": summary,
        "rows": rows,
        "pgic_mic": core.PGIC_MIC,
        "final": view.finished,
    }


def _schedule_words(days: tuple[str, ...] | list[str], time: str) -> str:
    return f"{', '.join(DAY_NAMES[d] for d in days if d in DAY_NAMES)} at {time}"


def _start_form(person: Person, **given: Any) -> dict[str, Any]:
    days, time = services.schedule(person)
    chosen = given.get("days", days)
    return {
        "weeks": given.get("weeks", core.DEFAULT_WEEKS),
        "min_weeks": core.MIN_WEEKS,
        "max_weeks": core.MAX_WEEKS,
        "days": [(key, DAY_NAMES[key], key in chosen) for key in core.WEEKDAYS],
        "time": given.get("time", time),
    }


def _context(person: Person, **extra: Any) -> dict[str, Any]:
    local = local_time(person, clock())
    view = programmes.programme_view(person, local.now)
    ctx: dict[str, Any] = {
        "view": view,
        "zone": local.name,
        "now": local.now,
        "form": _start_form(person, **extra.pop("form", {})),
    }
    if view is not None:
        ctx.update(
            {
                "headline": core.headline(view),
                "active": view.status == "active" and not view.finished,
                "weeks": _week_rows(view, local.today),
                "changes": _changes(view),
                "charts": _trend(view),
                "pgic": _pgic_rows(view),
                "result": _summary(view),
                "schedule": _schedule_words(view.days, view.time),
                "last_day": view.ends_on - timedelta(days=1),
                "checkin_open": _checkin_open(view, local.today),
                "last_checkin_due": view.status == "finished"
                and _checkin_open(view, local.today)
                and not any(c.week == view.weeks for c in view.checkins),
            }
        )
    ctx.update(extra)
    return ctx


def _checkin_open(view: ProgrammeView, today: date) -> bool:
    """A check-in can be recorded: while the programme runs, and in the week after its end
    (the last week's, for the summary; as `programmes.record_checkin`)."""
    if view.status == "stopped":
        return False
    return (today - view.ends_on).days < 7


# --- pages -------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def programme(request: HttpRequest) -> HttpResponse:
    """The programme: a form to start one, or the running (or last finished) one."""
    person = current_person(request)
    flag = request.GET.get("done", "")
    return render(request, "front/programme.html", _context(person, done=flag))


def _whole(value: str) -> object:
    """A form's number as an int when it is one (the core refuses anything else, naming it)."""
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 4 else text


@require_POST
def programme_start(request: HttpRequest) -> HttpResponse:
    """Start a programme: weeks, planned days and time (they become the schedule). Bad input:
    400 and the form says which field and why; one already running: 409; nothing stored."""
    person = current_person(request)
    weeks = request.POST.get("weeks", "")[:10]
    days = [d[:10] for d in request.POST.getlist("days")[:7]]
    time = request.POST.get("time", "").strip()[:10]
    try:
        # Any text may reach the store: `core.check_weeks` refuses what is not 2-12, naming it.
        chosen: Any = _whole(weeks)
        programmes.start_programme(person, weeks=chosen, days=days, time=time, now=clock())
    except Conflict as error:  # (a Conflict is an InputError too: this comes first)
        return render(request, "front/programme.html", _context(person, start_error=error), status=409)
    except InputError as error:
        ctx = _context(person, start_error=error, form={"weeks": weeks, "days": days, "time": time})
        return render(request, "front/programme.html", ctx, status=400)
    _plan_this_week(person)
    return redirect(reverse("programme") + "?done=started")


def _plan_this_week(person: Person) -> None:
    """Make Today's plan from this week's dose (`services.make_plan` follows it). Without a
    profile, or when the safety check pauses plans, Today says so itself: nothing to do."""
    if not services.has_profile(person):
        return
    with contextlib.suppress(InputError):
        services.make_plan(person, now=clock())


@require_POST
def programme_stop(request: HttpRequest) -> HttpResponse:
    """Stop the running programme (kept, marked stopped; Today's plan goes back to your own)."""
    person = current_person(request)
    programmes.stop_programme(person, clock())
    return redirect(reverse("programme") + "?done=stopped")


def _checkin_form(person: Person, view: ProgrammeView, **given: Any) -> dict[str, Any]:
    from backease.front.player_views import _scale

    first = view.checkins[0].activity if view.checkins else ""
    this_week = next((c for c in view.checkins if c.week == view.week), None)
    pain = given.get("pain", this_week.pain if this_week else None)
    score = given.get("score", this_week.activity_score if this_week else None)
    pgic = given.get("pgic", this_week.pgic if this_week else None)
    return {
        "pain": _scale(
            "pain", "Your average back pain over the last week", "0 no pain, 10 worst imaginable", pain, True
        ),
        "score": _scale(
            "score",
            "How well can you do it now?",
            "0 unable to do it, 10 able to do it as before the problem",
            score,
            True,
        ),
        "activity": given.get("activity", first),
        "first_activity": first,
        "activity_length": core.ACTIVITY_LENGTH,
        "pgic_asked": view.week in view.pgic_weeks,
        "pgic_options": [
            {"value": i, "words": words, "checked": str(pgic) == str(i)}
            for i, words in enumerate(core.PGIC_WORDS, start=1)
        ],
        "replacing": this_week is not None,
    }


@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    """The weekly check-in: average pain, one activity and, at weeks 2, 4 and the last, the
    PGIC. Bad input: 400, the form says which field and why, nothing stored."""
    person = current_person(request)
    local = local_time(person, clock())
    view = programmes.programme_view(person, local.now)
    if view is None or not _checkin_open(view, local.today):
        if request.method == "POST":
            error = Missing("programme", "no programme is running; start one first")
            return render(request, "front/programme.html", _context(person, start_error=error), status=400)
        return redirect("programme")
    if request.method == "POST":
        given = {
            "pain": request.POST.get("pain", "")[:10],
            "score": request.POST.get("score", "")[:10],
            "activity": request.POST.get("activity", "")[:200],
            "pgic": request.POST.get("pgic", "")[:10],
        }
        try:
            programmes.record_checkin(
                person,
                pain=_whole(given["pain"]),
                activity=given["activity"],
                activity_score=_whole(given["score"]),
                pgic=_whole(given["pgic"]) if given["pgic"].strip() else None,
                now=local.now,
            )
        except InputError as error:
            ctx = {
                "view": view,
                "headline": core.headline(view),
                "error": error,
                "form": _checkin_form(person, view, **given),
            }
            return render(request, "front/programme_checkin.html", ctx, status=400)
        return redirect(reverse("programme") + "?done=checkin#trend")
    ctx = {"view": view, "headline": core.headline(view), "form": _checkin_form(person, view)}
    return render(request, "front/programme_checkin.html", ctx)


# --- Today ---------------------------------------------------------------------------------------


def _plan_stale(person: Person, view: ProgrammeView) -> bool:
    """Whether Today's plan was made before this week's dose was decided (a new week began
    since, or the programme was started from the terminal or the API): Today then offers this
    week's plan. A plan made after it follows it (`services.make_plan`)."""
    if view.finished or view.status != "active":
        return False
    plan = services.latest_plan(person)
    decided = (
        ProgrammeWeek.objects.filter(run_id=view.run_id, week=view.week)
        .values_list("decided_at", flat=True)
        .first()
    )
    return plan is not None and decided is not None and plan.created_at < decided


def today_context(
    person: Person, rows: tuple[tuple[Any, ...], ...] | None = None, now: datetime | None = None
) -> dict[str, Any] | None:
    """What Today shows of the programme: the headline and this week's dose, the check-in
    prompt when due; a finished one's results for a fortnight; None without one. `rows`:
    Today's rows (`state_sql`), which say without a query whether there is one to show."""
    if rows is not None:
        latest = next((row for row in rows if row[0] == "prog"), None)
        if latest is None or latest[3] == ProgrammeRun.Status.STOPPED:
            return None
    local = local_time(person, now or clock())
    view = programmes.programme_view(person, local.now)
    if view is None:
        return None
    if view.finished and (local.today - view.ends_on).days >= FINISHED_SHOWN_DAYS:
        return None
    return {
        "view": view,
        "headline": core.headline(view),
        "dose": view.dose.describe(),
        "plan_stale": _plan_stale(person, view),
        "checkin_due": view.checkin_due,
        "pgic_due": view.pgic_due,
        "last_checkin_open": view.finished
        and view.status == "finished"
        and _checkin_open(view, local.today)
        and not any(c.week == view.weeks for c in view.checkins),
    }
