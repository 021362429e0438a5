"""The operations of the JSON API and its error handling.

Every operation acts for `request.auth` (the local owner) and reads or writes only
through `backease.store.services`. Bad input is a 422 naming the field
(`{"detail": [{"field", "message", "allowed"}]}`), an unknown id a 404
(`{"detail": "..."}`); no input produces a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from pydantic import BaseModel, Field

from backease.api import api
from backease.api import schemas as s
from backease.content.loader import load_content
from backease.core import planner
from backease.core.errors import Conflict, InputError, Missing, SafetyStop
from backease.core.library import Faq, Muscle, Region, Tip
from backease.core.sides import as_side
from backease.core.vocab import KINDS, REGIONS, TOOLS
from backease.exports import shapes
from backease.store import programmes, services
from backease.store.models import PainEntry, Person, Plan, Session, StepLog
from backease.store.zones import person_zone, save_time_zone


def _links(status: int, source: str, **targets: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from a response to the operations that take what it made: `source` is
    the field of the response body (`id`), each target an operation of this module with its
    path parameters (`"$id"` stands for that field). Clients and schemathesis's stateful
    phase follow them."""
    links = {
        name: {
            "operationId": f"{__name__.replace('.', '_')}_{name}",
            "parameters": {
                key: (f"$response.body#/{source}" if value == "$id" else value)
                for key, value in params.items()
            },
        }
        for name, params in targets.items()
    }
    return {"responses": {str(status): {"links": links}}}


NOT_FOUND: dict[int, Any] = {404: s.Message}
INVALID: dict[int, Any] = {422: s.Invalid}
CONFLICT: dict[int, Any] = {409: s.Refused}


# --- errors -------------------------------------------------------------------------------


def invalid(request: HttpRequest, errors: list[dict[str, Any]], status: int = 422) -> HttpResponse:
    return api.create_response(request, {"detail": errors}, status=status)


@api.exception_handler(InputError)
def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return invalid(request, [{"field": exc.field, "message": exc.message, "allowed": list(exc.allowed)}])


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    """409: the input is fine but the stored state refuses it (an ended session...)."""
    details = [{"field": exc.field, "message": exc.message, "allowed": list(exc.allowed)}]
    return invalid(request, details, status=409)


@api.exception_handler(SafetyStop)
def safety_stop(request: HttpRequest, exc: SafetyStop) -> HttpResponse:
    """409 with `reason: "safety"`: the person's level is now urgent or emergency, so the
    session has ended; `level` and `advice` say why and what to do (the screening's advice)."""
    body = {
        "detail": [{"field": exc.field, "message": exc.message, "allowed": []}],
        "reason": exc.reason,
        "level": exc.level,
        "advice": exc.advice,
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(Missing)
def missing(request: HttpRequest, exc: Missing) -> HttpResponse:
    return api.create_response(request, {"detail": f"{exc.field}: {exc.message}"}, status=404)


def _field(loc: Sequence[Any]) -> str:
    """'pain' from ('body', 'payload', 'pain'); 'plan_id' from ('path', 'plan_id')."""
    parts = list(loc)
    source = str(parts.pop(0)) if parts else "body"
    if source == "body" and parts:
        parts.pop(0)  # the operation's parameter name, which the client never sees
    # Unions add the member's type to the location ("function-after[...]"): not a field.
    names = [str(p) for p in parts if isinstance(p, int) or "[" not in str(p)]
    return ".".join(names) or source


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dataclass_type": "must be an object",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "is too long (at most {max_length} characters)",
    "too_long": "has too many items (at most {max_length})",
}


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            return template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            return str(error.get("msg", "is not valid"))
    if kind.startswith(("datetime", "date", "timezone")):
        return "must be a date and time like 2025-01-31T08:30:00+00:00"
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """ninja's request validation, in the same shape as InputError."""
    errors = [{"field": _field(e.get("loc", ())), "message": _message(e), "allowed": []} for e in exc.errors]
    return invalid(request, errors)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja reports a body that is not JSON as a 400; it is bad input like any other.
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return invalid(request, [{"field": "body", "message": "is not valid JSON", "allowed": []}])
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return invalid(request, [{"field": "body", "message": "is too large", "allowed": []}], status=413)


def _changes(payload: BaseModel, nullable: Sequence[str] = ()) -> dict[str, Any]:
    """The fields the client sent; null only where it means "clear this"."""
    fields = payload.model_dump(exclude_unset=True)
    for name, value in fields.items():
        if value is None and name not in nullable:
            raise InputError(name, "must not be null; leave it out to keep it as it is")
    return fields


# --- person-scoped lookups (an unknown id is a 404) ---------------------------------------


def _person(request: HttpRequest) -> Person:
    person = getattr(request, "auth", None)
    assert isinstance(person, Person)
    return person


def _get_plan(request: HttpRequest, plan_id: int) -> Plan:
    try:
        return services.get_plan(_person(request), plan_id)
    except InputError as exc:
        raise HttpError(404, exc.message) from None


def _get_session(request: HttpRequest, session_id: int) -> Session:
    try:
        return services.get_session(_person(request), session_id)
    except InputError as exc:
        raise HttpError(404, exc.message) from None


def _get_pain_entry(request: HttpRequest, entry_id: int) -> PainEntry:
    try:
        return services.get_pain_entry(_person(request), entry_id)
    except InputError as exc:
        raise HttpError(404, exc.message) from None


# --- shapes -------------------------------------------------------------------------------


def _pain_out(row: PainEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at,
        "region": row.region,
        "pain": row.pain,
        "stress": row.stress,
        "note": row.note,
    }


# --- CSRF ---------------------------------------------------------------------------------

meta = Router(tags=["csrf"])


@meta.get("/csrf", auth=None, response=s.CsrfOut)
@decorate_view(ensure_csrf_cookie)
def csrf(request: HttpRequest) -> dict[str, str]:
    """The CSRF token (also set as the `csrftoken` cookie). Send it back as `X-CSRFToken`."""
    return {"csrf_token": get_token(request)}


# --- screening ----------------------------------------------------------------------------

screening = Router(tags=["screening"])


@screening.get("/questions", response=list[s.QuestionOut])
def screening_questions(request: HttpRequest) -> Any:
    """The safety questions, emergency signs first."""
    return load_content().rules.questions


@screening.post("", response={200: shapes.ScreeningOut, **INVALID})
def take_screening(request: HttpRequest, payload: s.ScreeningIn) -> Any:
    """Answer the safety screen; the result decides what a plan may contain."""
    row, _result = services.record_screening(_person(request), payload.answers)
    return shapes.screening_out(row)


@screening.get("/latest", response={200: shapes.ScreeningOut, **NOT_FOUND})
def latest_screening(request: HttpRequest) -> Any:
    row = services.latest_screening(_person(request))
    if row is None:
        raise HttpError(404, "no screening yet")
    return shapes.screening_out(row)


# --- profile ------------------------------------------------------------------------------

profile = Router(tags=["profile"])


@profile.get("", response=s.ProfileBody)
def get_profile(request: HttpRequest) -> Any:
    """The saved profile (the defaults until one is saved)."""
    return services.profile_to_data(services.get_profile(_person(request)))


@profile.put("", response={200: s.ProfileBody, **INVALID})
def put_profile(request: HttpRequest, payload: s.ProfileBody) -> Any:
    """Replace the profile. Nothing is saved if any field is wrong."""
    saved = services.save_profile(_person(request), payload.model_dump())
    return services.profile_to_data(saved)


# --- settings -----------------------------------------------------------------------------

person_settings = Router(tags=["settings"])


def _settings_out(person: Person) -> dict[str, Any]:
    return {"time_zone": person_zone(person).key, "chosen": bool(person.time_zone)}


@person_settings.get("", response=s.SettingsOut)
def get_settings(request: HttpRequest) -> Any:
    """The person's time zone (what "today" and weeks are counted in)."""
    return _settings_out(_person(request))


@person_settings.put("", response={200: s.SettingsOut, **INVALID})
def put_settings(request: HttpRequest, payload: s.SettingsIn) -> Any:
    """Change the time zone (an IANA name). Nothing is saved if it is not a known zone."""
    person = _person(request)
    save_time_zone(person, payload.time_zone)
    return _settings_out(person)


# --- programme ----------------------------------------------------------------------------

programme = Router(tags=["programme"])


@programme.get("", response={200: s.ProgrammeOut, **NOT_FOUND})
def get_programme(request: HttpRequest) -> Any:
    """The programme: this week, its dose and why it changed, the timeline, the check-ins and,
    at the end, first against last. 404 when there is none (running or finished)."""
    view = programmes.programme_view(_person(request))
    if view is None:
        raise Missing("programme", "no programme; start one with POST /api/programme")
    return view.to_json()


@programme.post("", response={201: s.ProgrammeOut, **INVALID, **CONFLICT})
def start_programme(request: HttpRequest, payload: s.ProgrammeIn) -> Any:
    """Start a programme today (weeks count from today, in the person's zone); its days and
    time become the schedule. 409 when one is already running."""
    view = programmes.start_programme(
        _person(request), weeks=payload.weeks, days=payload.days, time=payload.time
    )
    return Status(201, view.to_json())


@programme.delete("", response={204: None, **NOT_FOUND})
def stop_programme(request: HttpRequest) -> Any:
    """Stop the running programme (kept, marked stopped). 404 when none is running."""
    if not programmes.stop_programme(_person(request)):
        raise Missing("programme", "no programme is running")
    return Status(204, None)


@programme.post("/checkin", response={201: s.CheckInOut, **NOT_FOUND, **INVALID})
def programme_checkin(request: HttpRequest, payload: s.CheckInIn) -> Any:
    """This week's check-in (a second one the same week replaces it). 404 without a programme."""
    row = programmes.record_checkin(
        _person(request),
        pain=payload.pain,
        activity=payload.activity,
        activity_score=payload.activity_score,
        pgic=payload.pgic,
    )
    return Status(201, row.to_json())


# --- plans --------------------------------------------------------------------------------

plans = Router(tags=["plans"])


@plans.post(
    "",
    response={200: shapes.PlanOut, **INVALID},
    # No link to a step's alternatives: a plan refused for safety has no step 0.
    openapi_extra=_links(200, "id", get_plan={"plan_id": "$id"}),
)
def make_plan(request: HttpRequest, payload: s.PlanIn | None = None) -> Any:
    """Plan a session from the saved profile and the latest screening."""
    seed = payload.seed if payload is not None else None
    return shapes.plan_out(services.make_plan(_person(request), seed=seed))


@plans.get("/latest", response={200: shapes.PlanOut, **NOT_FOUND})
def latest_plan(request: HttpRequest) -> Any:
    row = services.latest_plan(_person(request))
    if row is None:
        raise HttpError(404, "no plan yet")
    return shapes.plan_out(row)


@plans.get("/{plan_id}", response={200: shapes.PlanOut, **NOT_FOUND, **INVALID})
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return shapes.plan_out(_get_plan(request, plan_id))


@plans.get(
    "/{plan_id}/steps/{index}/alternatives", response={200: list[s.AlternativeOut], **NOT_FOUND, **INVALID}
)
def step_alternatives(request: HttpRequest, plan_id: int, index: int) -> Any:
    """Techniques that could replace this step (and its other side), in its position or
    another one where the plan still goes standing, seated, then down to the floor once."""
    return services.alternatives(_person(request), _get_plan(request, plan_id), index)


@plans.post(
    "/{plan_id}/steps/{index}/swap", response={200: shapes.PlanOut, **NOT_FOUND, **INVALID, **CONFLICT}
)
def swap_step(request: HttpRequest, plan_id: int, index: int, payload: s.SwapIn) -> Any:
    """Do this step (both sides) with one of its alternatives. The plan's total time stays
    the same: a change of position moves the get-ready countdowns, and the step (or, when
    it has no room, the others) gives or takes that time."""
    row = _get_plan(request, plan_id)
    return shapes.plan_out(services.swap_step(_person(request), row, index, payload.technique))


# --- sessions -----------------------------------------------------------------------------

sessions = Router(tags=["sessions"])


@sessions.post(
    "",
    response={201: s.SessionOut, **NOT_FOUND, **INVALID, **CONFLICT},
    openapi_extra=_links(
        201,
        "id",
        get_session={"session_id": "$id"},
        patch_session={"session_id": "$id"},
        put_step={"session_id": "$id", "index": 0},
        finish_session={"session_id": "$id"},
        delete_session={"session_id": "$id"},
    ),
)
def start_session(request: HttpRequest, payload: s.SessionIn) -> Any:
    """Start a session of a plan (a plan refused for safety cannot be started). While the
    latest safety check says urgent or emergency nothing starts: 409 with `reason: "safety"`."""
    row = services.start_session(_person(request), _get_plan(request, payload.plan_id))
    return Status(201, services.session_as_data(row))


PAGE_DEFAULT = 100
PAGE_MAX = 500
OFFSET_MAX = 10**9
"""Far beyond any list (ten years of daily use is 3,650 sessions), and well inside the
64-bit OFFSET both databases take: PostgreSQL answered a 20-digit offset with a 500."""

Limit = Annotated[
    int, Query(ge=1, le=PAGE_MAX, description=f"how many to return, 1 to {PAGE_MAX} (default {PAGE_DEFAULT})")
]
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="how many of the newest to skip")]


def _paged(request: HttpRequest, response: HttpResponse, limit: int, offset: int, total: int) -> None:
    """Say where the list goes on (`limit` and `offset` are checked by their schema): the
    `X-Total-Count` header (every item) and a `Link: <...>; rel="next"` header while
    items are left."""
    response["X-Total-Count"] = str(total)
    if offset + limit < total:
        response["Link"] = f'<{request.path}?limit={limit}&offset={offset + limit}>; rel="next"'


@sessions.get("", response={200: list[s.SessionOut], **INVALID})
def list_sessions(
    request: HttpRequest, response: HttpResponse, limit: Limit = PAGE_DEFAULT, offset: Offset = 0
) -> Any:
    """Sessions, newest first, `limit` (1-500, default 100) from `offset`. The
    `X-Total-Count` header gives how many there are, and a `Link` header with
    `rel="next"` the address of the next page while there are more."""
    person = _person(request)
    _paged(request, response, limit, offset, services.count_sessions(person))
    return [services.session_as_data(row) for row in services.sessions(person, limit=limit, offset=offset)]


@sessions.get("/{session_id}", response={200: s.SessionOut, **NOT_FOUND, **INVALID})
def get_session(request: HttpRequest, session_id: int) -> Any:
    return services.session_as_data(_get_session(request, session_id))


MAX_WRITE_KEY = 100


def _once(request: HttpRequest, row: Session, write: Callable[[], Any], current: Callable[[], Any]) -> Any:
    """Apply a session write once per `Idempotency-Key` (docs/phone.md).

    The player sends a key with each save and the same key when it retries one (after
    being offline, or when the answer was lost). A key seen before answers with the
    current state and changes nothing; a write refused for bad input keeps its key
    unused, as the key is stored in the same transaction as the write. Keys are kept
    `services.WRITE_KEY_DAYS` days.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return write()
    if len(key) > MAX_WRITE_KEY:
        raise InputError("Idempotency-Key", f"must be at most {MAX_WRITE_KEY} characters")
    try:
        with transaction.atomic():
            if services.write_key_seen(row.person, key):
                return current()
            result = write()
            services.remember_write_key(row.person, key)
            return result
    except IntegrityError:
        # The same write arrived twice at once: the other copy was applied.
        return current()
    except SafetyStop:
        # The refused write rolled back the safety stop it made with it: make it again.
        services.safety_stop(row)
        raise


@sessions.patch("/{session_id}", response={200: s.SessionOut, **NOT_FOUND, **INVALID, **CONFLICT})
def patch_session(request: HttpRequest, session_id: int, payload: s.SessionPatch) -> Any:
    """Change scores, notes, stop reason or status; only the fields sent change.

    An `Idempotency-Key` header makes a repeated write (a retry) count once."""
    row = _get_session(request, session_id)
    fields = _changes(payload, nullable=("pain_before", "pain_after", "stress_before", "stress_after"))
    return _once(
        request,
        row,
        lambda: services.session_as_data(services.edit_session(row, **fields)),
        lambda: services.session_as_data(services.get_session(row.person, row.id)),
    )


@sessions.put("/{session_id}/steps/{index}", response={200: s.StepLogOut, **NOT_FOUND, **INVALID, **CONFLICT})
def put_step(request: HttpRequest, session_id: int, index: int, payload: s.StepIn) -> Any:
    """Save progress on a step as it goes. Feedback 'sharp_pain' stops the session. While
    the latest safety check says urgent or emergency nothing is saved and the session ends:
    409 with `reason: "safety"`, `level` and `advice`.

    An `Idempotency-Key` header makes a repeated write (a retry) count once."""
    row = _get_session(request, session_id)
    fields = _changes(payload)

    def current() -> Any:
        log = StepLog.objects.filter(session=row, index=index).first()
        if log is None:
            raise Missing("index", f"step {index} does not exist in this session")
        return services.step_as_data(log)

    return _once(
        request, row, lambda: services.step_as_data(services.log_step(row, index, **fields)), current
    )


@sessions.post("/{session_id}/finish", response={200: s.SessionOut, **NOT_FOUND, **INVALID, **CONFLICT})
def finish_session(request: HttpRequest, session_id: int, payload: s.FinishIn) -> Any:
    """End a session: completed, stopped or skipped, with the scores after.

    An `Idempotency-Key` header makes a repeated write (a retry) count once."""
    row = _get_session(request, session_id)
    fields = _changes(payload, nullable=("pain_after", "stress_after"))
    return _once(
        request,
        row,
        lambda: services.session_as_data(services.finish_session(row, **fields)),
        lambda: services.session_as_data(services.get_session(row.person, row.id)),
    )


@sessions.delete("/{session_id}", response={204: None, **NOT_FOUND, **INVALID})
def delete_session(request: HttpRequest, session_id: int) -> Any:
    """Delete a session and its step logs."""
    services.delete_session(_get_session(request, session_id))
    return Status(204, None)


# --- pain diary ---------------------------------------------------------------------------

pain = Router(tags=["pain diary"])


def _entry_time(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    if timezone.is_naive(at):
        at = at.replace(tzinfo=UTC)
    return services.check_moment("at", at)


@pain.post(
    "",
    response={201: s.PainOut, **INVALID},
    openapi_extra=_links(201, "id", delete_pain_entry={"entry_id": "$id"}),
)
def add_pain_entry(request: HttpRequest, payload: s.PainIn) -> Any:
    """Add a diary entry (region '' means the upper back in general)."""
    at = _entry_time(payload.at)
    row = services.add_pain_entry(
        _person(request), payload.pain, region=payload.region, stress=payload.stress, note=payload.note, at=at
    )
    return Status(201, _pain_out(row))


@pain.get("", response={200: list[s.PainOut], **INVALID})
def list_pain_entries(
    request: HttpRequest, response: HttpResponse, limit: Limit = PAGE_DEFAULT, offset: Offset = 0
) -> Any:
    """Diary entries, newest first, `limit` (1-500, default 100) from `offset`; the
    `X-Total-Count` and `Link` (`rel="next"`) headers as for sessions."""
    person = _person(request)
    _paged(request, response, limit, offset, services.count_pain_entries(person))
    return [_pain_out(row) for row in services.pain_entries(person, limit=limit, offset=offset)]


@pain.delete("/{entry_id}", response={204: None, **NOT_FOUND, **INVALID})
def delete_pain_entry(request: HttpRequest, entry_id: int) -> Any:
    services.delete_pain_entry(_get_pain_entry(request, entry_id))
    return Status(204, None)


# --- library ------------------------------------------------------------------------------

library = Router(tags=["library"])


def _choice(field: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    """A filter value: one of `allowed`, or None for any (an empty value from a form too)."""
    if not value:
        return None
    if value not in allowed:
        raise InputError(field, f"unknown {field} '{value[:40]}'", allowed)
    return value


def _enum(ids: tuple[str, ...]) -> Any:
    """The schema of a query parameter taking one id of a closed vocabulary (from core.vocab,
    so it lists exactly what `_choice` accepts), or '' for any."""
    return Field(json_schema_extra={"enum": ["", *ids]})


KindFilter = Annotated[
    str, _enum(KINDS), Query("", description="only techniques of this kind; '' or left out: any")
]
RegionFilter = Annotated[
    str, _enum(REGIONS), Query("", description="only techniques for this region; '' or left out: any")
]
ToolFilter = Annotated[
    str, _enum(TOOLS), Query("", description="only techniques that need this tool; '' or left out: any")
]
SideChoice = Annotated[
    str,
    _enum(("left", "right")),
    Query("", description="the side worked, for a technique done one side at a time ('' or left out: left)"),
]


@library.get("/techniques", response={200: list[s.SidedTechnique], **INVALID})
def techniques(
    request: HttpRequest, kind: KindFilter = "", region: RegionFilter = "", tool: ToolFilter = ""
) -> Any:
    """Techniques, optionally only of a kind, for a region, or needing a tool. A technique
    done one side at a time has its words for the left side (`side`); ask for the right
    side with /techniques/{id}?side=right."""
    of_kind = _choice("kind", kind, KINDS)
    for_region = _choice("region", region, REGIONS)
    needing = _choice("tool", tool, TOOLS)
    return [
        s.SidedTechnique.of(t)
        for t in load_content().library.techniques
        if (of_kind is None or t.kind == of_kind)
        and (for_region is None or for_region in t.regions)
        and (needing is None or needing in t.tools)
    ]


@library.get("/techniques/{technique_id}", response={200: s.SidedTechnique, **NOT_FOUND, **INVALID})
def technique(request: HttpRequest, technique_id: str, side: SideChoice = "") -> Any:
    """One technique, with the words (how-to, cues, spoken lines, mistakes, stop signs) for
    the side worked: `side=left` or `right` for a technique done one side at a time."""
    found = load_content().library.technique(technique_id)
    if found is None:
        raise HttpError(404, f"no technique with id '{technique_id[:80]}'")
    chosen = _choice("side", side, ("left", "right"))
    if chosen is not None and not found.per_side:
        raise InputError("side", f"'{found.id}' works both sides at once; leave out side", ())
    return s.SidedTechnique.of(found, as_side(chosen) if chosen else None)


@library.get("/regions", response=list[Region])
def regions(request: HttpRequest) -> Any:
    """The body-map regions."""
    return load_content().library.regions


@library.get("/muscles", response=list[Muscle])
def muscles(request: HttpRequest) -> Any:
    return load_content().library.muscles


@library.get("/massage-types", response=list[s.MassageTypeOut])
def massage_types(request: HttpRequest) -> Any:
    """Professional massage types, best fit first for the saved profile and latest screening."""
    person = _person(request)
    ranked = planner.recommend_massage_types(
        services.get_profile(person), services.outcome(person), load_content().library
    )
    return [suggestion.to_json(rank) for rank, suggestion in enumerate(ranked, start=1)]


@library.get("/tips", response=list[Tip])
def tips(request: HttpRequest) -> Any:
    return load_content().library.tips


@library.get("/faq", response=list[Faq])
def faq(request: HttpRequest) -> Any:
    return load_content().library.faq


api.add_router("/", meta)
api.add_router("/screening", screening)
api.add_router("/profile", profile)
api.add_router("/settings", person_settings)
api.add_router("/programme", programme)
api.add_router("/plans", plans)
api.add_router("/sessions", sessions)
api.add_router("/pain", pain)
api.add_router("/library", library)
