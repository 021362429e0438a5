"""Programme pages: a therapist's editor for a client's programme and for templates,
assigning a template to several clients, printable handouts, and the client starting
their programme from Today.

The editor works without JavaScript: each button posts the whole form back (add a step,
move one, remove one, start from the planner's suggestion, save), and nothing is stored
until "Save". Rules live in `backease.clinic.programmes`; a client's data is reached
only through `backease.clinic.access`, and each read or change is logged.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backease.accounts.access_log import log_access
from backease.accounts.mode import current_person
from backease.accounts.models import User
from backease.clinic import engine, programmes
from backease.clinic.access import active_links, client_for, link_for, own_programme, therapist_required
from backease.clinic.models import CareLink, Programme
from backease.content.loader import load_content
from backease.core import planner
from backease.core.errors import InputError
from backease.core.library import Library, Technique
from backease.exports.handout import PRINT_STYLESHEET, STYLESHEET, Handout, HandoutStep, render_handout
from backease.store.models import Person

FIELDS = ("title", "note", "days_per_week", "starts_on", "ends_on", "weeks", "session_time", "max_growth")
STEP_FIELDS = programmes.STEP_FIELDS


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _label(person: Person) -> str:
    return person.user.label if person.user is not None else (person.name or f"Client {person.pk}")


# --- the editor's form ------------------------------------------------------------------------


def _form_from_row(row: Programme | None, client: Person | None = None) -> dict[str, Any]:
    """The editor's form for a stored programme (or a new one: for a client, on their own
    schedule's days and time)."""
    if row is None:
        days, time = engine.planned(Programme(days_per_week=3), client) if client is not None else ((), "")
        return {
            "title": "",
            "note": "",
            "days_per_week": "3",
            "starts_on": "",
            "ends_on": "",
            "weeks": "",
            "session_days": list(days),
            "session_time": time,
            "max_growth": str(engine.DEFAULT_GROWTH),
            "steps": [],
        }
    days, time = engine.planned(row, client) if client is not None else (tuple(row.session_days or ()), "")
    return {
        "title": row.title,
        "note": row.note,
        "days_per_week": str(row.days_per_week),
        "starts_on": row.starts_on.isoformat() if row.starts_on else "",
        "ends_on": row.ends_on.isoformat() if row.ends_on else "",
        "weeks": str(row.weeks or ""),
        "session_days": list(days),
        "session_time": row.session_time or time,
        "max_growth": str(row.max_growth),
        "steps": [
            {name: str(step[name]) for name in STEP_FIELDS}
            for step in programmes.steps_of(row, load_content().library)
        ],
    }


def _form_from_post(post: QueryDict) -> dict[str, Any]:
    form: dict[str, Any] = {name: post.get(name, "")[:2000] for name in FIELDS}
    form["session_days"] = [d[:3] for d in post.getlist("session_days")][:7]
    count = post.get("step_count", "0")
    count_number = min(int(count), programmes.MAX_STEPS + 1) if count.isdigit() else 0
    form["steps"] = [
        {name: post.get(f"step-{i}-{name}", "")[:400] for name in STEP_FIELDS} for i in range(count_number)
    ]
    return form


def _new_step(technique: str, library: Library, safety: programmes.Safety | None) -> dict[str, str]:
    tech = library.technique(technique)
    if tech is None or tech.before_session:
        raise InputError("add a step", "choose a technique from the library")
    seconds = max(programmes.MIN_SECONDS, min(programmes.MAX_SECONDS, tech.default_seconds))
    seconds -= seconds % planner.QUANTUM
    options = programmes.intensities_of(tech)
    cap = planner.intensity_cap(tech, safety.outcome) if safety is not None else "firm"
    fitting = [i for i in options if programmes.RANK[i] <= programmes.RANK[cap]] or [options[0]]
    middle = "moderate" if "moderate" in fitting else fitting[-1]
    return {
        "technique": tech.id,
        "seconds": str(seconds),
        "holds": "0",
        "sides": programmes.sides_of(tech)[0],
        "intensity": middle,
        "note": "",
        "longer_because": "",
    }


def _act(
    form: dict[str, Any], action: str, post: QueryDict, library: Library, safety: programmes.Safety | None
) -> None:
    """Apply an editor button (add, remove-N, up-N, down-N) to the unsaved form."""
    steps: list[dict[str, str]] = form["steps"]
    if action == "add":
        if len(steps) >= programmes.MAX_STEPS:
            raise InputError("steps", f"a programme has at most {programmes.MAX_STEPS} steps")
        steps.append(_new_step(post.get("add_technique", ""), library, safety))
        return
    verb, _, number = action.partition("-")
    if not number.isdigit() or not 0 <= int(number) < len(steps):
        return
    i = int(number)
    if verb == "remove":
        del steps[i]
    elif verb == "up" and i > 0:
        steps[i - 1], steps[i] = steps[i], steps[i - 1]
    elif verb == "down" and i < len(steps) - 1:
        steps[i + 1], steps[i] = steps[i], steps[i + 1]


def _time_hint(tech: Technique, strict: bool) -> str:
    """The seconds field's hint: the technique's usual times and its limit (SCREENING.md)."""
    usual = f"Usually {tech.min_seconds}-{tech.max_seconds} s."
    if strict:
        return f"{usual} For this client, at most {programmes.limit_words(tech)}."
    return f"{usual} At most {programmes.limit_words(tech)}, unless you say why below."


def _editor_context(
    form: dict[str, Any], library: Library, safety: programmes.Safety | None, *, detail: bool = True
) -> dict[str, Any]:
    """The form as the editor shows it: each step with its choices, time and blockers."""
    rows = []
    valid: list[dict[str, Any]] = []
    for i, raw in enumerate(form["steps"]):
        tech = library.technique(raw.get("technique", ""))
        try:
            step = programmes.clean_step(i + 1, raw, library, None, check_time=False)
        except InputError:
            step = None
        strict = safety is not None and safety.strict_times
        blocked: list[str] = []
        if step is not None:
            valid.append(step)
            if safety is not None:
                found = programmes.blockers(step, safety, library)
                blocked = (
                    programmes.blocker_words(found, library)
                    if detail
                    else (["The client's own safety answers leave this step out."] if found else [])
                )
        rows.append(
            {
                "i": i,
                "number": i + 1,
                "raw": raw,
                "name": tech.name if tech else raw.get("technique", ""),
                "kind": library.label("kind", tech.kind) if tech else "",
                "sides": [(s, library.label("side", s)) for s in programmes.sides_of(tech)] if tech else [],
                "intensities": [(v, library.label("intensity", v)) for v in programmes.intensities_of(tech)]
                if tech
                else [],
                "range": _time_hint(tech, strict) if tech else "",
                "limit": programmes.limit_words(tech) if tech else "",
                "strict": strict,
                "over": bool(step and tech and programmes.step_seconds(step) > tech.max_seconds),
                "seconds_field": f"step {i + 1} seconds",
                "because_field": f"step {i + 1} why longer",
                "blocked": blocked,
                "last": i == len(form["steps"]) - 1,
                "valid": step is not None,
            }
        )
    groups: dict[str, list[tuple[str, str]]] = {}
    for tech in programmes.choosable(library):
        groups.setdefault(library.label("kind", tech.kind), []).append((tech.id, tech.name))
    total = programmes.session_seconds(valid, library)
    kept = [
        step for step, row in zip(valid, (r for r in rows if r["valid"]), strict=True) if not row["blocked"]
    ]
    return {
        "client_total": programmes.duration_words(programmes.session_seconds(kept, library))
        if len(kept) < len(valid)
        else "",
        "form": form,
        "rows": rows,
        "groups": list(groups.items()),
        "total": programmes.duration_words(total),
        "step_count": len(form["steps"]),
        "max_steps": programmes.MAX_STEPS,
        "days": range(1, 8),
        "weekdays": list(engine.DAY_WORDS.items()),
        "growth_choices": engine.GROWTH_CHOICES,
    }


# --- a client's programme ---------------------------------------------------------------------------


@therapist_required
@require_http_methods(["GET", "POST"])
def client_programme(request: HttpRequest, client_id: int) -> HttpResponse:
    """The therapist's programme for one client: build it, change it, save it (or as a template)."""
    therapist = _user(request)
    link = link_for(therapist, client_id)
    client = link.client
    full = link.share == CareLink.Share.FULL
    library = load_content().library
    safety = programmes.safety_of(client)
    row = programmes.current_by(therapist, client)
    error: InputError | None = None
    status = 200
    if request.method == "POST":
        form = _form_from_post(request.POST)
        action = request.POST.get("action", "update")
        try:
            if action == "suggest":
                if not full:
                    raise InputError(
                        "suggestion",
                        "the planner's suggestion needs the client's diary, which they do not share",
                    )
                log_access(therapist, client, "view", "profile and screening, for the planner's suggestion")
                form["steps"] = [
                    {name: str(step[name]) for name in programmes.STEP_FIELDS}
                    for step in programmes.suggestion(client)
                ]
            elif action == "save":
                cleaned = programmes.clean(
                    form, library, safety.outcome, strict_times=safety.strict_times, detail=full
                )
                row = programmes.save_for_client(therapist, client, cleaned)
                log_access(therapist, client, "change", f"programme '{row.title}' (revision {row.revision})")
                return redirect(reverse("clinic_programme", args=[client_id]) + "?saved=1")
            elif action == "restart":
                if row is None:
                    raise InputError("weeks", "save the programme first")
                engine.sync(row, again=True)
                log_access(therapist, client, "change", f"started the weeks of '{row.title}' again")
                return redirect(reverse("clinic_programme", args=[client_id]) + "?saved=1")
            elif action == "save_template":
                template = programmes.save_template(therapist, programmes.clean(form, library))
                return redirect(reverse("clinic_templates") + f"?saved={template.pk}")
            else:
                # A new step's pressure starts within the client's limit only when the client
                # shares it: with adherence only the editor never shows the limit, not even so.
                _act(form, action, request.POST, library, safety if full else None)
        except InputError as exc:
            error, status = exc, 400
    else:
        form = _form_from_row(row, client)
        log_access(therapist, client, "view", "programme")
    ctx = _editor_context(form, library, safety, detail=full)
    ctx["weeks_status"] = engine.status(row) if row is not None else None
    ctx.update(
        {
            "client": client,
            "client_name": _label(client),
            "row": row,
            "full": full,
            "error": error,
            "saved": request.GET.get("saved") == "1",
            "refused": safety.refused,
            "level_words": programmes.LEVEL_WORDS.get(safety.outcome.level, "") if full else "",
            "action": reverse("clinic_programme", args=[client_id]),
            "for_client": True,
        }
    )
    return render(request, "clinic/programme_edit.html", ctx, status=status)


@therapist_required
@require_POST
def stop_programme(request: HttpRequest, client_id: int) -> HttpResponse:
    """Stop the therapist's current programme for a client (it is archived, not deleted)."""
    therapist = _user(request)
    client = client_for(therapist, client_id)
    row = programmes.current_by(therapist, client)
    if row is not None:
        programmes.archive(row)
        log_access(therapist, client, "change", f"stopped programme '{row.title}'")
    return redirect("clinic_programme", client_id=client_id)


# --- templates ----------------------------------------------------------------------------------


def _own_template(therapist: User, template_id: int) -> Programme:
    row = own_programme(therapist, template_id)
    if not row.is_template or row.archived_at is not None:
        raise Http404("no such template")
    return row


@therapist_required
@require_http_methods(["GET"])
def templates(request: HttpRequest) -> HttpResponse:
    """The therapist's templates, each with a form to assign it to several clients at once."""
    therapist = _user(request)
    library = load_content().library
    rows = [
        {
            "row": t,
            "total": programmes.duration_words(
                programmes.session_seconds(programmes.steps_of(t, library), library)
            ),
            "steps": len(t.steps),
        }
        for t in programmes.templates_of(therapist)
    ]
    clients = [{"id": link.client_id, "name": _label(link.client)} for link in active_links(therapist)]
    ctx = {
        "rows": rows,
        "clients": clients,
        "saved": request.GET.get("saved", ""),
        "assigned": request.GET.get("assigned", ""),
    }
    return render(request, "clinic/templates.html", ctx)


@therapist_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    """Make or change a template (no client: any intensity the technique has)."""
    therapist = _user(request)
    row = _own_template(therapist, template_id) if template_id is not None else None
    library = load_content().library
    error: InputError | None = None
    status = 200
    if request.method == "POST":
        form = _form_from_post(request.POST)
        action = request.POST.get("action", "update")
        try:
            if action in ("save", "save_template"):
                row = programmes.save_template(therapist, programmes.clean(form, library), row)
                return redirect(reverse("clinic_templates") + f"?saved={row.pk}")
            _act(form, action, request.POST, library, None)
        except InputError as exc:
            error, status = exc, 400
    else:
        form = _form_from_row(row)
    ctx = _editor_context(form, library, None)
    action_url = (
        reverse("clinic_template", args=[row.pk]) if row is not None else reverse("clinic_template_new")
    )
    ctx.update({"row": row, "error": error, "action": action_url, "for_client": False, "full": True})
    return render(request, "clinic/programme_edit.html", ctx, status=status)


@therapist_required
@require_POST
def assign_template(request: HttpRequest, template_id: int) -> HttpResponse:
    """Give a template to several clients at once (one transaction; each gets a copy)."""
    therapist = _user(request)
    template = _own_template(therapist, template_id)
    ids = [int(i) for i in request.POST.getlist("clients") if i.isdigit()][: programmes.MAX_CLIENTS]
    clients = [client_for(therapist, i) for i in dict.fromkeys(ids)]
    try:
        made = programmes.assign(therapist, template, clients)
    except InputError as exc:
        ctx = {"rows": [], "clients": [], "error": exc}
        return render(request, "clinic/templates.html", ctx, status=400)
    for row in made:
        log_access(therapist, row.client, "change", f"assigned programme '{row.title}'")  # type: ignore[arg-type]
    return redirect(reverse("clinic_templates") + f"?assigned={len(made)}")


# --- handouts ------------------------------------------------------------------------------------


def _handout(
    request: HttpRequest, programme: Programme, safety: programmes.Safety | None, back: str
) -> HttpResponse:
    """The programme as a printable handout (backease.exports.handout) in the site's page."""
    library = load_content().library
    allowed = (
        programmes.allowed_steps(programme, safety, library)
        if safety is not None
        else programmes.steps_of(programme, library)
    )
    document = Handout(
        title=programme.title,
        total=programmes.duration_words(programmes.session_seconds(allowed, library)),
        days_per_week=programme.days_per_week,
        steps=tuple(
            HandoutStep(
                number=view["number"],
                technique=view["technique"],
                name=view["name"],
                side=view["side_id"],
                sides=view["sides"],
                per_side=view["per_side"],
                time=view["time"],
                intensity=view["intensity"],
                note=view["note"],
                cue=view["cue"],
                stop_if=tuple(view["stop_if"]),
                written_for_left=view["written_for_left"],
                blocked=tuple(view["blocked"]),
            )
            for view in programmes.step_views(programme, safety, library)
        ),
        note=programme.note,
        client_name=_label(programme.client) if programme.client is not None else "",
        therapist=programme.therapist.label if programme.therapist is not None else "",
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        on_hold=safety is not None and safety.refused,
    )
    ctx = {
        "programme": programme,
        "handout_html": render_handout(document),
        "handout_css": STYLESHEET,
        "handout_print_css": PRINT_STYLESHEET,
        "back": back,
        "hide_safety_banner": True,
    }
    return render(request, "clinic/handout.html", ctx)


@therapist_required
@require_http_methods(["GET"])
def handout(request: HttpRequest, programme_id: int) -> HttpResponse:
    """A printable one-page handout of a programme or template the therapist made."""
    therapist = _user(request)
    programme = own_programme(therapist, programme_id)
    safety = None
    back = reverse("clinic_templates")
    if programme.client is not None:
        link = link_for(therapist, programme.client_id)  # type: ignore[arg-type]
        log_access(therapist, programme.client, "export", f"handout of programme '{programme.title}'")
        safety = programmes.safety_of(programme.client) if link.share == CareLink.Share.FULL else None
        back = reverse("clinic_programme", args=[programme.client_id])
    return _handout(request, programme, safety, back)


@require_http_methods(["GET"])
def my_handout(request: HttpRequest, programme_id: int) -> HttpResponse:
    """The client prints their own programme (blocked steps marked, with the reason)."""
    person = current_person(request)
    programme = programmes.own(person, programme_id)
    if programme is None:
        raise Http404("no such programme")
    return _handout(request, programme, programmes.safety_of(person), reverse("today"))


@require_POST
def start_programme(request: HttpRequest, programme_id: int) -> HttpResponse:
    """Start (or carry on) a session of the client's programme and open the player."""
    person = current_person(request)
    programme = next((p for p in programmes.current_for(person) if p.pk == programme_id), None)
    if programme is None:
        raise Http404("no such programme")
    try:
        session = programmes.start(person, programme)
    except InputError as exc:
        return render(request, "clinic/start_refused.html", {"error": exc}, status=400)
    return redirect("session", session_id=session.id)
