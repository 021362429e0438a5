"""The main pages: welcome, the safety check, the body map, today's plan, the library,
anatomy, massage types, tips and privacy.

Views stay short: they read the form, call `backease.store.services` (which validates
and stores) and turn the result into display data. Every stored object is fetched
through a helper below that only finds the local owner's data (`_latest_plan_or_404`).
Bad input re-renders the form with a message naming the field, with status 400, and
stores nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backease.accounts.mode import current_person
from backease.content.loader import load_content
from backease.core import planner
from backease.core.errors import InputError
from backease.core.library import LabelGroup, Library, Region, Technique
from backease.core.screening import Question, RuleSet, validate_answers
from backease.core.sides import DEFAULT_SIDE, render_technique
from backease.core.vocab import (
    CAUSES,
    DEFAULT_TOOLS,
    INTENSITIES,
    KINDS,
    NOT_SURE,
    PHASE_OF_KIND,
    REGIONS,
    TOOLS,
    Side,
)
from backease.core.zones import LocalTime
from backease.front import page_cache, programme_views
from backease.front import today as today_sections
from backease.front.bodymap import body_map
from backease.store import services
from backease.store.models import Person, Plan, Screening
from backease.store.zones import local_time

# --- words for ids ----------------------------------------------------------------------------


def label(group: LabelGroup, value: str) -> str:
    """The words for an id of the vocabulary (content/labels.yaml, `Library.label`)."""
    return load_content().library.label(group, value)


def result_title(level: str, advice: str) -> str:
    """A safety check result's title, saying what its advice says (`Content.result_title`)."""
    return load_content().result_title(level, advice)


def side_label(side: str) -> str:
    """A step's side as its card says it: nothing for a step on no one side."""
    return label("side", side) if side in ("left", "right", "both") else ""


TIP_TOPICS = {
    "warm_up": "Warming up",
    "consistency": "Keeping at it",
    "listen": "Listening to your body",
    "hydration": "Drinking water",
    "aftercare": "After a session",
    "precautions": "Staying safe",
    "tools": "Tools",
    "posture": "Posture",
    "anatomy": "Your upper back",
    "stress": "Stress and pain",
}
REFUSED_LEVELS = planner.REFUSED_LEVELS

# --- the safety check: every question on one page, most serious first -------------------------

CHECK_GROUPS: tuple[tuple[str, str], ...] = (
    ("emergency", "Signs that need help right now"),
    ("urgent", "Signs to see a doctor today"),
    ("soon", "Signs to get checked within days"),
    ("precaution", "Things that change how you massage"),
    ("context", "About you"),
)
MAX_FIELD_CHARS = 200
"""Longer form values are refused before any parsing (no huge strings in messages)."""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def _check_length(field: str, values: Iterable[str]) -> None:
    for value in values:
        if len(value) > MAX_FIELD_CHARS:
            raise InputError(field, f"is too long ({len(value)} characters; at most {MAX_FIELD_CHARS})")


def _answers_from_post(post: QueryDict, rules: RuleSet) -> dict[str, object]:
    """The raw answers in a check form: ticked boxes, numbers (left as text when not a
    number, so validation names the field), region lists. Unknown keys are ignored."""
    raw: dict[str, object] = {}
    for question in rules.questions:
        if question.type == "bool":
            if question.id in post:
                raw[question.id] = True
        elif question.type == "number":
            text = post.get(question.id, "").strip()
            if not text:
                continue
            try:
                number = float(text) if len(text) <= 20 else text
            except ValueError:
                number = text
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            raw[question.id] = number
        else:
            regions = post.getlist(question.id)
            if regions:
                raw[question.id] = [_short(r) for r in regions]
    return raw


def _question_view(question: Question, value: object, regions: tuple[Region, ...]) -> dict[str, Any]:
    shown: Any = value
    if question.type == "number" and isinstance(value, float) and value.is_integer():
        shown = int(value)
    if question.type == "number" and isinstance(value, str):
        shown = _short(value)
    short = question.short or question.text
    options: list[tuple[str, str]] = [(r.id, r.label) for r in regions]
    if question.not_sure:
        options.append((NOT_SURE, question.not_sure))
    return {
        "q": question,
        "short": short,
        "more": short != question.text or bool(question.help),
        "value": shown,
        "checked": value is True,
        "any": isinstance(value, list | tuple) and bool(value),
        "regions": [
            {"id": option, "label": label, "checked": isinstance(value, list | tuple) and option in value}
            for option, label in options
        ]
        if question.type == "regions"
        else [],
    }


def _check_context(
    person: Person, rules: RuleSet, values: dict[str, object], error: InputError | None = None
) -> dict[str, Any]:
    """The one-page check: every group of questions, with the answers so far."""
    regions = load_content().library.regions
    return {
        "mode": "form",
        "groups": [
            {
                "id": group,
                "title": title,
                "questions": [
                    {
                        **_question_view(q, values.get(q.id), regions),
                        # A follow-up (where the lump is) opens under the row it follows.
                        "followups": [
                            _question_view(f, values.get(f.id), regions)
                            for f in rules.questions
                            if f.asked_if == q.id
                        ],
                    }
                    for q in rules.questions
                    if q.group == group and q.asked_if is None
                ],
            }
            for group, title in CHECK_GROUPS
        ],
        "error": error,
        "error_label": _question_label(rules, error.field) if error else "",
        "clearance_note": _clearance_note(services.clearance_state(services.latest_screening(person))),
    }


def _question_label(rules: RuleSet, field: str) -> str:
    question = rules.question(field)
    return question.text if question else field


def _result_context(
    level: str, reasons: list[dict[str, str]], precautions: list[str], advice: str
) -> dict[str, Any]:
    return {
        "mode": "result",
        "level": level,
        "level_title": result_title(level, advice),
        "reasons": reasons,
        "precautions": precaution_words(precautions),
        "advice": advice,
        "refused": level in REFUSED_LEVELS,
        "hide_safety_banner": True,
        # SCREENING.md: a self-care result says why upper back pain alone is self-care.
        "rationale": load_content().rules.rationale if level == "self_care" else None,
    }


def _clearance_note(state: dict[str, Any] | None) -> str:
    """What the check says next to the clinician_cleared question about an earlier clearance."""
    if state is None:
        return ""
    given = _long_date(str(state["given_on"]))
    ends = _long_date(str(state["expires_on"]))
    if state["active"]:
        return (
            f"You told us on {given} that a clinician said self-care is fine. That lasts 12 weeks, "
            f"until {ends}; ticking yes again keeps that date. It does not cover new signs."
        )
    return (
        f"Your clinician's clearance of {given} ended on {ends} (it lasts 12 weeks). Tick yes only "
        "if a doctor or physio has seen you about this pain again since then."
    )


def _long_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """The safety questions, all on one page, emergency signs first.

    The answers are stored when the page is sent. An emergency answer shows the emergency
    message first; a result with nothing to say beyond "self-care" goes straight on to
    where it hurts (which says so at the top); any other result is shown on its own.
    """
    rules = load_content().rules
    person = current_person(request)
    if request.method != "POST":
        return render(request, "front/check.html", _check_context(person, rules, {}))
    raw = _answers_from_post(request.POST, rules)
    try:
        answers = validate_answers(raw, rules)
    except InputError as error:
        return render(request, "front/check.html", _check_context(person, rules, raw, error), status=400)
    row, _ = services.record_screening(person, dict(answers))
    clearance = _clearance_note(services.clearance_state(row))
    if row.level == "self_care" and not clearance:
        return redirect("setup")
    ctx = _result_context(row.level, row.reasons, row.precautions, row.advice)
    ctx["clearance_note"] = clearance
    return render(request, "front/check.html", ctx)


def _region_labels(library: Library) -> dict[str, str]:
    return {r.id: r.label for r in library.regions}


def _tool_names(library: Library) -> dict[str, str]:
    return {t.id: t.name for t in library.tools}


def precaution_words(precautions: Iterable[str]) -> list[str]:
    """Each precaution in plain words (content/precautions.yaml, shared with the planner)."""
    library = load_content().library
    return [library.precaution_words(item) for item in precautions]


# --- setup: body map, tools, time, pressure -----------------------------------------------------

SETUP_FIELDS = {
    "region": "Where it hurts",
    "area": "Where it hurts",
    "pain": "Pain",
    "knot": "Knot",
    "tool": "Tools",
    "tools": "Tools",
    "cause": "Causes",
    "causes": "Causes",
    "minutes": "Minutes",
    "pressure": "Pressure",
    "stress": "Stress",
    "no_floor": "Floor",
    "plan": "Plan",
}
PRESSURE_CHOICES = (
    ("gentle", "Gentle", "Light pressure, nothing that hurts."),
    ("moderate", "Moderate", "A good ache that eases as you go."),
    ("firm", "Firm", "Strong pressure, for people used to massage."),
    ("auto", "Let backease choose", "Moderate, or firm if you train for a sport."),
)


def _whole_number(field: str, text: str, low: int, high: int, what: str = "") -> int:
    text = text.strip()
    if not re.fullmatch(r"-?\d{1,6}", text):
        raise InputError(field, f"{what}must be a whole number from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise InputError(field, f"{what}{value} is out of range; it must be from {low} to {high}")
    return value


def _profile_data_from_post(post: QueryDict, labels: dict[str, str]) -> dict[str, Any]:
    """The profile as `services.save_profile` takes it, from the setup form."""
    regions = post.getlist("region")
    tools = post.getlist("tool")
    causes = post.getlist("cause")
    _check_length("region", regions)
    _check_length("tool", tools)
    _check_length("cause", causes)
    areas = []
    for region in dict.fromkeys(regions):
        if region not in REGIONS:
            raise InputError("region", f"unknown region '{_short(region)}'", REGIONS)
        # No pain score is made up: an area ticked without one is asked about.
        answer = post.get(f"pain_{region}", "").strip()
        if not answer:
            raise InputError("pain", f"say how much {labels[region]} hurts: choose a number from 0 to 10")
        pain = _whole_number("pain", answer, 0, 10, f"pain for {labels[region]} ")
        areas.append({"region": region, "pain": pain, "knot": f"knot_{region}" in post})
    pressure = post.get("pressure", "auto")
    if pressure not in (*INTENSITIES, "auto"):
        raise InputError("pressure", f"unknown pressure '{_short(pressure)}'", (*INTENSITIES, "auto"))
    return {
        "areas": areas,
        "causes": list(dict.fromkeys(causes)),
        "tools": list(dict.fromkeys(tools)),
        "minutes": _whole_number(
            "minutes", post.get("minutes", "15"), planner.MIN_MINUTES, planner.MAX_MINUTES
        ),
        "pressure": "" if pressure == "auto" else pressure,
        "no_floor": "no_floor" in post,
        "stress": _whole_number("stress", post.get("stress", "0"), 0, 10),
    }


def _pain_answer(text: str) -> int | None:
    """A 0-10 answer sent back after an error, or None when there was none."""
    text = text.strip()
    return int(text) if text.isdigit() and int(text) <= 10 else None


def _setup_form(library: Library, data: dict[str, Any], raw: QueryDict | None = None) -> dict[str, Any]:
    """Display values for the setup form, from saved data or (after an error) the post."""
    if raw is not None:
        selected = {
            r: {"pain": _pain_answer(raw.get(f"pain_{r}", "")), "knot": f"knot_{r}" in raw}
            for r in raw.getlist("region")
            if r in REGIONS
        }
        tools = set(raw.getlist("tool"))
        causes = set(raw.getlist("cause"))
        minutes = _short(raw.get("minutes", "15"))
        pressure = raw.get("pressure", "auto")
        stress = _short(raw.get("stress", "0"))
        no_floor = "no_floor" in raw
    else:
        selected = {a["region"]: {"pain": a["pain"], "knot": a["knot"]} for a in data["areas"]}
        tools = set(data["tools"] or DEFAULT_TOOLS)
        causes = set(data["causes"])
        minutes = data["minutes"]
        pressure = data["pressure"] or "auto"
        stress = data["stress"]
        no_floor = data["no_floor"]
    tool_rows = {t.id: t for t in library.tools}
    return {
        "map": body_map(library, selected),
        "pain_scale": list(range(11)),
        "areas": [
            {
                "id": r.id,
                "label": r.label,
                "view": r.view,
                "selected": r.id in selected,
                "pain": selected.get(r.id, {}).get("pain"),
                "knot": selected.get(r.id, {}).get("knot", False),
            }
            for r in library.regions
        ],
        "tools": [
            {
                "id": t,
                "name": tool_rows[t].name,
                "checked": t in tools,
                "description": tool_rows[t].description,
            }
            for t in TOOLS
            if t in tool_rows
        ],
        "causes": [{"id": c, "label": label("cause", c), "checked": c in causes} for c in CAUSES],
        "minutes": minutes,
        "min_minutes": planner.MIN_MINUTES,
        "max_minutes": planner.MAX_MINUTES,
        "pressures": [
            {"id": p, "label": label, "hint": hint, "checked": p == pressure}
            for p, label, hint in PRESSURE_CHOICES
        ],
        "stress": stress,
        "no_floor": no_floor,
        "summary": _choices_summary(
            minutes, [tool_rows[t].name for t in TOOLS if t in tools and t in tool_rows], pressure, no_floor
        ),
    }


def _choices_summary(minutes: object, tools: list[str], pressure: str, no_floor: bool) -> str:
    """The setup's choices in one line, so they need not be opened to be known (the pressure
    only when one was chosen: by default backease chooses it)."""
    label = next((label for p, label, _ in PRESSURE_CHOICES if p == pressure), pressure)
    parts = [f"{minutes} minutes", ", ".join(tools) or "your hands"]
    if pressure != "auto":
        parts.append(f"pressure: {label.lower()}")
    if no_floor:
        parts.append("no floor")
    return " · ".join(parts)


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Where it hurts (body map), tools, time, causes and pressure -> a new plan."""
    person = current_person(request)
    library = load_content().library
    screening = services.latest_screening(person)
    ctx: dict[str, Any] = {"screening": screening}
    if screening is None or screening.level in REFUSED_LEVELS:
        if screening is not None:
            ctx.update(
                _result_context(screening.level, screening.reasons, screening.precautions, screening.advice)
            )
            ctx["hide_safety_banner"] = False
        status = 200 if request.method == "GET" else 400
        return render(request, "front/setup.html", ctx, status=status)
    if request.method == "POST":
        labels = _region_labels(library)
        first_plan = services.latest_plan(person) is None
        try:
            data = _profile_data_from_post(request.POST, labels)
            with transaction.atomic():
                profile = services.profile_from_data(data)
                plan = services.make_plan(person, profile=profile)
                services.save_profile(person, data)
        except InputError as error:
            ctx.update(form=_setup_form(library, {}, request.POST), error=error)
            ctx["error_label"] = SETUP_FIELDS.get(error.field, error.field)
            ctx["open_choices"] = error.field not in ("region", "area", "pain", "knot")
            ctx.update(_check_summary(screening.level, screening.precautions, screening.advice))
            return render(request, "front/setup.html", ctx, status=400)
        if first_plan:
            # A first run goes straight on to the new plan's "before you start"; Today is
            # where a returning person starts (and where a refusal is explained).
            try:
                session = services.start_session(person, plan)
            except InputError:  # a safety stop too
                return redirect("today")
            return redirect("session", session_id=session.id)
        return redirect("today")
    data = services.profile_to_data(services.get_profile(person))
    ctx["form"] = _setup_form(library, data)
    ctx.update(_check_summary(screening.level, screening.precautions, screening.advice))
    return render(request, "front/setup.html", ctx)


def _check_summary(level: str, precautions: Iterable[str], advice: str) -> dict[str, Any]:
    """What the setup page says of the safety check (a plain self-care result has no page of
    its own: its reasons are one tap away here)."""
    return {
        "level_title": result_title(level, advice),
        "precautions": precaution_words(precautions),
        "rationale": load_content().rules.rationale if level == "self_care" else None,
    }


# --- today's plan ---------------------------------------------------------------------------


def _latest_plan_or_404(person: Person) -> Plan:
    row = services.latest_plan(person)
    if row is None:
        raise Http404("no plan yet")
    return row


def _clock(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def _words(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    parts = [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    if rest or not minutes:
        parts.append(f"{rest} seconds")
    return " ".join(parts)


def _phase_runs(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps in the order they are done, in runs of the same phase.

    Plans group positions (docs/planner.md, "Flow"), so a phase can come back: standing
    massage and stretches, then seated ones. A phase that has more than one run names
    its positions ("Stretch and mobility (seated)").
    """
    runs: list[dict[str, Any]] = []
    for step in steps:
        if runs and runs[-1]["kind"] == step["phase"]:
            runs[-1]["steps"].append(step)
        else:
            runs.append({"kind": step["phase"], "steps": [step]})
    counts = Counter(run["kind"] for run in runs)
    for number, run in enumerate(runs, start=1):
        run["id"] = f"{run['kind']}-{number}"
        run["label"] = label("phase", run["kind"])
        if counts[run["kind"]] > 1:
            positions = list(dict.fromkeys(s["position"].lower() for s in run["steps"]))
            run["label"] += f" ({' and '.join(positions)})"
    return runs


def checked_today(person: Person, screening: Screening | None) -> bool:
    """Whether the safety check was answered today (in the person's zone): then "anything
    new since your last check?" is not asked again today (the first run asked it minutes
    ago; a pain jump still asks, in the safety banner)."""
    if screening is None:
        return False
    local = local_time(person)
    return local.day_of(screening.created_at) == local.today


def _plan_context(person: Person, row: Plan | None) -> dict[str, Any]:
    """Everything today.html shows about a stored plan, grouped by phase."""
    if row is None:
        return {"plan": None, "has_profile": services.has_profile(person)}
    plan = services.core_plan(row)
    screening = services.latest_screening(person)
    # A plan follows the latest check if it was made from it, or from one with the same result.
    current = screening is not None and (
        row.screening_id == screening.id
        or (row.level == screening.level and set(plan.precautions) == set(screening.precautions))
    )
    steps = [
        {
            "index": i,
            "technique": step.technique,
            "name": step.name,
            "kind": label("kind", step.kind),
            "time": _clock(step.seconds),
            "time_words": _words(step.seconds),
            "side": side_label(step.side),
            "side_id": step.side,
            "intensity": label("intensity", step.intensity),
            "position": label("position", step.position),
            "reason": step.reason,
            "cue": step.cue,
            "phase": PHASE_OF_KIND[step.kind],
        }
        for i, step in enumerate(plan.steps)
    ]
    refused = plan.refused or (screening is not None and screening.level in REFUSED_LEVELS)
    level = screening.level if refused and screening is not None else plan.level
    advice = screening.advice if refused and screening is not None else plan.advice
    return {
        "plan": plan,
        "row": row,
        "refused": refused,
        "level": level,
        "level_title": result_title(level, advice),
        "advice": advice,
        "screened": screening is not None,
        "checked_today": checked_today(person, screening),
        "current": current,
        "editable": current and not refused and not services.plan_has_session(row),
        "phases": _phase_runs(steps),
        "step_count": len(steps),
        "precautions": precaution_words(plan.precautions),
        "unfinished": services.unfinished_session(person, row),
    }


def _render_today(
    request: HttpRequest,
    person: Person,
    error: InputError | None = None,
    status: int = 200,
    csrf_token: str | None = None,
) -> HttpResponse:
    ctx = _plan_context(person, services.latest_plan(person))
    ctx["error"] = error
    if csrf_token is not None:
        ctx["csrf_token"] = csrf_token
    template = "front/_plan.html" if _is_htmx(request) else "front/today.html"
    if not _is_htmx(request):
        # What other apps add above the plan (clinic mode: "From your therapist").
        rows = getattr(request, "_backease_state_rows", None)
        ctx["sections"] = today_sections.shown(person, rows)
        # The programme's week and session, this week's dose, the check-in when it is due.
        ctx["programme"] = programme_views.today_context(person, rows)
    return render(request, template, ctx, status=status)


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The latest plan as cards, with swap, new plan and start.

    Served from `page_cache` while nothing it shows has changed: one indexed query."""
    rows = services.state_rows(
        with_plan=True,
        owner=request.person_ref,  # type: ignore[attr-defined]
        extra=(*today_sections.state_sql(), *programme_views.state_sql()),
    )
    request._backease_state_rows = rows  # type: ignore[attr-defined]  # for the safety banner
    # The day is part of the key: a clinician clearance ends with the date, not with a write.
    key = ("today", _is_htmx(request), rows, LocalTime.at(timezone.now(), services.state_zone(rows)).today)
    return page_cache.cached_page(
        request, key, lambda token: _render_today(request, current_person(request), csrf_token=token)
    )


@require_POST
def regenerate(request: HttpRequest) -> HttpResponse:
    """Make a new plan from the saved profile, with the next seed."""
    person = current_person(request)
    if not services.has_profile(person):
        return redirect("setup")
    try:
        services.make_plan(person)
    except InputError as error:
        return _render_today(request, person, error, status=400)
    return redirect("today")


@require_http_methods(["GET", "POST"])
def swap(request: HttpRequest, index: int) -> HttpResponse:
    """GET: the alternatives for step `index`. POST: put the chosen one in its place."""
    person = current_person(request)
    row = _latest_plan_or_404(person)
    ctx = _plan_context(person, row)
    if not 0 <= index < ctx["step_count"]:
        raise Http404("no such step")
    step = next(s for phase in ctx["phases"] for s in phase["steps"] if s["index"] == index)
    if request.method == "POST":
        try:
            if not ctx["editable"]:
                raise InputError("plan", "this plan cannot be changed now; make a new plan instead")
            technique = request.POST.get("technique", "")
            _check_length("technique", [technique])
            services.swap_step(person, row, index, technique)
        except InputError as error:
            return _render_today(request, person, error, status=400)
        if _is_htmx(request):
            return _render_today(request, person)
        return redirect("today")
    options = services.alternatives(person, row, index) if ctx["editable"] else []
    tools = _tool_names(load_content().library)
    for option in options:
        option["tool_names"] = ", ".join(tools.get(t, t) for t in option["tools"]) or "Nothing needed"
        moved = label("position", option["position"])
        option["moved"] = moved if moved != step["position"] else ""
    swap_ctx = {"step": step, "options": options, "editable": ctx["editable"]}
    template = "front/_swap.html" if _is_htmx(request) else "front/swap.html"
    return render(request, template, swap_ctx)


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Start a session of the latest plan and open the player."""
    person = current_person(request)
    row = _latest_plan_or_404(person)
    ctx = _plan_context(person, row)
    try:
        if ctx["refused"]:
            raise InputError("plan", "the safety check asks you to see a doctor before self-massage")
        if not ctx["current"]:
            raise InputError(
                "plan", "your safety answers changed since this plan was made; make a new plan first"
            )
        # An unfinished session of this plan is carried on, not started again.
        unfinished = services.unfinished_session(person, row)
        session = services.resume_session(unfinished) if unfinished else services.start_session(person, row)
    except InputError as error:
        return _render_today(request, person, error, status=400)
    return redirect("session", session_id=session.id)


# --- welcome and the guides ---------------------------------------------------------------------


@require_GET
def welcome(request: HttpRequest) -> HttpResponse:
    """What backease is and does, and the way in."""
    person = current_person(request)
    row = services.latest_plan(person)
    ready = None
    if row is not None:
        ctx = _plan_context(person, row)
        if ctx["current"] and not ctx["refused"]:
            ready = {"minutes": row.minutes, "unfinished": ctx["unfinished"] is not None}
    return render(
        request,
        "front/welcome.html",
        {"has_plan": row is not None, "ready": ready, "first_run_minutes": FIRST_RUN_MINUTES},
    )


FIRST_RUN_MINUTES = 2
"""What the welcome page promises, from opening to the first step for a person with no warning
sign: measured by tests/browser/test_first_run.py (taps, and words read at 238 a minute)."""


def _technique_card(tech: Technique, tools: dict[str, str]) -> dict[str, Any]:
    from backease.front.figure_views import figures_version

    per = " per side" if tech.per_side else ""
    return {
        "t": tech,
        "figure_version": figures_version(),
        "kind": label("kind", tech.kind),
        "tools": ", ".join(tools.get(t, t) for t in tech.tools) or "Nothing needed",
        "time": f"{_clock(tech.default_seconds)}{per}",
    }


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """Every technique, filtered by kind, region and tool."""
    lib = load_content().library
    tools = _tool_names(lib)
    filters = {name: request.GET.get(name, "") for name in ("kind", "region", "tool")}
    allowed = {"kind": KINDS, "region": REGIONS, "tool": TOOLS}
    error = None
    for name, value in filters.items():
        if value and value not in allowed[name]:
            error = InputError(name, f"unknown {name} '{_short(value)}'", allowed[name])
            filters[name] = ""
    found = [
        t
        for t in lib.techniques
        if (not filters["kind"] or t.kind == filters["kind"])
        and (not filters["region"] or filters["region"] in t.regions)
        and (not filters["tool"] or filters["tool"] in t.tools)
    ]
    ctx = {
        "cards": [_technique_card(t, tools) for t in found],
        "filters": filters,
        "kinds": [(k, label("kind", k)) for k in KINDS],
        "regions": [(r.id, r.label) for r in lib.regions],
        "tools": [(t.id, t.name) for t in lib.tools],
        "total": len(lib.techniques),
        "error": error,
    }
    return render(request, "front/library.html", ctx, status=400 if error else 200)


def _technique_or_404(technique_id: str) -> Technique:
    tech = load_content().library.technique(technique_id)
    if tech is None:
        raise Http404("no such technique")
    return tech


def _references(lib: Library, ids: Iterable[str]) -> list[Any]:
    by_id = {r.id: r for r in lib.references}
    return [by_id[i] for i in ids if i in by_id]


@require_GET
def technique(request: HttpRequest, technique: str) -> HttpResponse:
    """One technique: how to do it, cues, mistakes, when to stop, and the evidence."""
    tech = _technique_or_404(technique)
    lib = load_content().library
    regions = _region_labels(lib)
    muscles = {m.id: m.name for m in lib.muscles}
    # A per-side technique is shown for one side at a time (the side worked), left first.
    side: Side = "none"
    error = None
    if tech.per_side:
        wanted = request.GET.get("side", "") or DEFAULT_SIDE
        side = "right" if wanted == "right" else "left" if wanted == "left" else DEFAULT_SIDE
        if wanted != side:
            error = InputError("side", f"unknown side '{_short(wanted)}'", ("left", "right"))
        tech = render_technique(tech, side)
    ctx = {
        "t": tech,
        "side": side if tech.per_side else "",
        "sides": [(s, label("side", s)) for s in ("left", "right")] if tech.per_side else [],
        "error": error,
        "kind": label("kind", tech.kind),
        "position": label("position", tech.position),
        "tools": [tool for tool in lib.tools if tool.id in tech.tools],
        "time": _clock(tech.default_seconds),
        "min_time": _clock(tech.min_seconds),
        "max_time": _clock(tech.max_seconds),
        "variants": [(label("intensity", v.intensity), v.cue) for v in tech.intensities],
        "benefits": [label("benefit", b) for b in tech.benefits],
        "evidence": label("evidence", tech.evidence),
        "references": _references(lib, tech.references),
        "regions": [(r, regions.get(r, r)) for r in tech.regions],
        "muscles": [muscles.get(m, m.replace("_", " ")) for m in tech.muscles],
    }
    return render(request, "front/technique.html", ctx, status=400 if error else 200)


@require_GET
def anatomy(request: HttpRequest) -> HttpResponse:
    """The body map as links to each region."""
    lib = load_content().library
    return render(
        request,
        "front/anatomy.html",
        {
            "map": body_map(lib),
            "back": [r for r in lib.regions if r.view == "back"],
            "front": [r for r in lib.regions if r.view == "front"],
        },
    )


def _region_or_404(region_id: str) -> Region:
    for item in load_content().library.regions:
        if item.id == region_id:
            return item
    raise Http404("no such region")


@require_GET
def region(request: HttpRequest, region: str) -> HttpResponse:
    """One body-map region: its muscles and the techniques that reach it."""
    place = _region_or_404(region)
    lib = load_content().library
    tools = _tool_names(lib)
    muscles = [m for m in lib.muscles if m.id in place.muscles or place.id in m.regions]
    ctx = {
        "region": place,
        "muscles": [{"m": m, "references": _references(lib, m.references)} for m in muscles],
        "cards": [_technique_card(t, tools) for t in lib.techniques if place.id in t.regions],
    }
    return render(request, "front/region.html", ctx)


@require_GET
def massage_types(request: HttpRequest) -> HttpResponse:
    """The kinds of professional massage, ranked for the saved profile and screen."""
    person = current_person(request)
    lib = load_content().library
    profile = services.get_profile(person)
    ranked = planner.recommend_massage_types(profile, services.outcome(person), lib)
    personal = services.has_profile(person)
    # Reasons that come from the safety check alone: those a clear check would not give.
    clear = services.StoredOutcome("self_care", (), "")
    neutral = {
        s.massage_type.id: set(s.reasons) for s in planner.recommend_massage_types(profile, clear, lib)
    }
    suitable_scores = [s.score for s in ranked if s.suitable and s.score > 0]
    best = sorted(suitable_scores, reverse=True)[:2]
    items = [
        {
            "m": s.massage_type,
            "suitable": s.suitable,
            "suits_you": personal and s.suitable and s.score > 0 and s.score in best,
            "reasons": s.reasons
            if personal
            else [r for r in s.reasons if r not in neutral[s.massage_type.id]],
            "pressure": label("intensity", s.massage_type.pressure),
            "evidence": label("evidence", s.massage_type.evidence),
            "references": _references(lib, s.massage_type.references),
        }
        for s in ranked
    ]
    return render(request, "front/massage_types.html", {"items": items, "personal": personal})


@require_GET
def tips(request: HttpRequest) -> HttpResponse:
    """Self-care tips by topic, and the FAQ."""
    lib = load_content().library
    topics = [
        {"id": topic, "label": label, "tips": [t for t in lib.tips if t.topic == topic]}
        for topic, label in TIP_TOPICS.items()
    ]
    faq = [{"question": f.question, "blocks": answer_blocks(f.answer)} for f in lib.faq]
    return render(request, "front/tips.html", {"topics": [t for t in topics if t["tips"]], "faq": faq})


def answer_blocks(text: str) -> list[dict[str, Any]]:
    """An answer as paragraphs, each with the list of its lines that start with "- " (the
    FAQ answer written from the rules lists its signs that way)."""
    blocks = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        items = [line[2:] for line in lines if line.startswith("- ")]
        lead = " ".join(line for line in lines if not line.startswith("- "))
        blocks.append({"text": lead, "items": items})
    return blocks


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """What is stored, where, and that nothing leaves the machine."""
    database = settings.DATABASES["default"]
    sqlite = database["ENGINE"] == "django.db.backends.sqlite3"
    ctx = {
        "sqlite": sqlite,
        "database_path": str(database["NAME"]) if sqlite else "",
        "data_dir": str(settings.DATA_DIR),
    }
    return render(request, "front/privacy.html", ctx)


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it did not keep, with no connection."""
    return render(request, "front/offline.html")
