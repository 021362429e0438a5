"""Typed bodies of the JSON API, documented in /api/openapi.json.

Request bodies (`Input`) are strict: JSON types must match (`"5"` is not a number,
`1` is not `true`) and unknown keys are refused, so a typo never silently does
nothing. Ranges and lengths are checked here; ids (regions, tools, techniques...) are
checked by the services, which name what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from backease.content.loader import load_content
from backease.core.library import Technique
from backease.core.planner import REFUSED_LEVELS
from backease.core.programme import ACTIVITY_LENGTH, DEFAULT_WEEKS, MAX_WEEKS, MIN_WEEKS
from backease.core.screening import QuestionGroup, QuestionType
from backease.core.sides import DEFAULT_SIDE, render_technique
from backease.core.vocab import (
    CAUSES,
    EVIDENCE_GRADES,
    INTENSITIES,
    NOT_SURE,
    POSITIONS,
    REGIONS,
    SIDES,
    TOOLS,
    Side,
)
from backease.core.zones import MAX_NAME as MAX_ZONE_NAME
from backease.core.zones import available_zones
from backease.exports.shapes import (
    Precaution,
    Tool,
    one_of,
)
from backease.store.services import FEEDBACK, FINAL_STATUSES, MAX_NOTE

MAX_ID = 100
"""No id in the vocabulary or the library is near this long."""
MAX_STOP_REASON = 200
"""The stored column's length (Session.stop_reason)."""
MAX_SEED = 2**31 - 1
REFUSED = sorted(REFUSED_LEVELS)


@dataclass(frozen=True, slots=True)
class SidedTechnique(Technique):
    """A technique with its per-side words rendered for one side (`core.sides`)."""

    side: Annotated[
        str,
        Field(
            description="the side the words are for, the side worked: left or right for a technique"
            " done one side at a time (left unless ?side= says otherwise), none for the others",
            json_schema_extra={"enum": ["left", "right", "none"]},
        ),
    ] = "none"

    @classmethod
    def of(cls, tech: Technique, side: Side | None = None) -> SidedTechnique:
        """`tech` rendered for `side` (DEFAULT_SIDE when None), or as it is when not per side."""
        shown: Side = (side or DEFAULT_SIDE) if tech.per_side else "none"
        rendered = render_technique(tech, shown)
        return cls(**{f.name: getattr(rendered, f.name) for f in fields(Technique)}, side=shown)


def plain_text(value: str) -> str:
    """Refuse text a database cannot store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _id(choices: tuple[str, ...] | None = None, description: str = "") -> Any:
    extra: dict[str, Any] = {"enum": list(choices)} if choices is not None else {}
    return Field(max_length=MAX_ID, description=description, json_schema_extra=extra or None)


def technique_ids(schema: dict[str, Any]) -> None:
    """The library's technique ids, listed when the schema is made (they are content)."""
    schema["enum"] = [t.id for t in load_content().library.techniques]


def question_ids(schema: dict[str, Any]) -> None:
    schema["enum"] = [q.id for q in load_content().rules.questions]


def question_ids_or_null(schema: dict[str, Any]) -> None:
    schema["enum"] = [*(q.id for q in load_content().rules.questions), None]


def massage_type_ids(schema: dict[str, Any]) -> None:
    schema["enum"] = [m.id for m in load_content().library.massage_types]


def integral(value: object) -> object:
    """JSON Schema's integer: 59.0 is the whole number 59 (59.5 stays a refusal)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def omittable(**kwargs: Any) -> Any:
    """A field that may be left out (it then keeps its stored value) but is never null:
    null is refused naming it, and the schema says so (no `null` type; the `default`
    pydantic would show as null is taken out by `_no_null_defaults`)."""
    return Field(None, **kwargs)


def _nullable(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(o.get("type") == "null" for o in prop.get("anyOf", []))


def _no_null_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and not _nullable(prop):
            del prop["default"]


Whole = Annotated[int, BeforeValidator(integral)]
MAX_DB_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_DB_ID), BeforeValidator(integral)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED), BeforeValidator(integral)]
Note = Annotated[str, Field(max_length=MAX_NOTE), AfterValidator(plain_text)]
StopReason = Annotated[str, Field(max_length=MAX_STOP_REASON), AfterValidator(plain_text)]
Score = Annotated[int, Field(ge=0, le=10, description="0 (none) to 10 (worst)"), BeforeValidator(integral)]
RegionId = Annotated[str, _id(REGIONS, "a body-map region id")]
OptionalRegionId = Annotated[str, _id(("", *REGIONS), "a region id, or '' for the upper back in general")]
ToolId = Annotated[str, _id(TOOLS, "a tool id")]
CauseId = Annotated[str, _id(CAUSES, "a cause id")]
PressureId = Annotated[str, _id(("", *INTENSITIES), "'' (or null) lets the planner choose")]
IntensityId = Annotated[str, _id(INTENSITIES)]
FeedbackId = Annotated[str, _id(("", *FEEDBACK), "'sharp_pain' stops the session")]
StatusId = Annotated[str, _id(FINAL_STATUSES)]
AnyStatusId = Annotated[str, _id((*FINAL_STATUSES, "running"))]
TechniqueId = Annotated[
    str,
    Field(
        max_length=MAX_ID,
        description="a technique id from /api/plans/{id}/steps/{index}/alternatives",
        json_schema_extra=technique_ids,
    ),
]


class Input(Schema):
    """A request body: strict JSON types, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_no_null_defaults)


# --- errors and CSRF ----------------------------------------------------------------------


class FieldError(Schema):
    field: str = Field(description="the field at fault, e.g. 'pain' or 'areas.0.region'")
    message: str
    allowed: list[str] = Field(description="the accepted values, when there is a fixed list")


class Invalid(Schema):
    """422: the input was refused and nothing was stored."""

    detail: list[FieldError]


class Refused(Invalid):
    """409: the input is fine but what is stored refuses it (an ended session...). A session
    refused because the person's safety level is now urgent or emergency says so with
    `reason: "safety"`, the `level` and the screening's `advice`; it has ended."""

    reason: str | None = Field(None, json_schema_extra={"enum": ["safety", None]})
    level: str | None = Field(None, json_schema_extra={"enum": [*REFUSED, None]})
    advice: str | None = Field(None, description="what the safety check advises now")


class Message(Schema):
    """404 (no such id), 403 (CSRF check failed)."""

    detail: str


class CsrfOut(Schema):
    csrf_token: str = Field(description="send it back as the X-CSRFToken header on POST/PUT/PATCH/DELETE")


# --- screening ----------------------------------------------------------------------------


class QuestionOut(Schema):
    id: str = Field(json_schema_extra=question_ids)
    group: str = one_of(get_args(QuestionGroup))
    type: str = one_of(get_args(QuestionType))
    text: str
    help: str
    minimum: float | None
    maximum: float | None
    asked_if: str | None = Field(
        description="a follow-up: ask it only when this yes/no question is answered yes (null: always ask)",
        json_schema_extra=question_ids_or_null,
    )
    not_sure: str = Field(
        description="the words of a \"not_sure\" answer this 'regions' question also takes; empty when none"
    )


def _answers_schema(schema: dict[str, Any]) -> None:
    """Each question of the screen (content/screening.yaml) as a property of its own type."""
    properties: dict[str, Any] = {}
    for question in load_content().rules.questions:
        prop: dict[str, Any]
        if question.type == "bool":
            prop = {"type": ["boolean", "null"]}
        elif question.type == "number":
            prop = {"type": ["number", "null"]}
            if question.minimum is not None:
                prop["minimum"] = question.minimum
            if question.maximum is not None:
                prop["maximum"] = question.maximum
        else:
            ids = [*REGIONS, NOT_SURE] if question.not_sure else list(REGIONS)
            prop = {"type": ["array", "null"], "items": {"type": "string", "enum": ids}}
        properties[question.id] = {**prop, "description": question.text}
    schema.update(type="object", properties=properties, additionalProperties=False)


class ScreeningIn(Input):
    answers: dict[str, Any] = Field(
        description=(
            "question id -> answer: true/false for 'bool' questions, a number for 'number' questions,"
            " a list of region ids for 'regions' questions (plus \"not_sure\" where the question has"
            " not_sure words, e.g. lump_regions); left out or null means no."
        ),
        examples=[
            {"chest_pain": False, "age": 42, "acute_injury_regions": []},
            {"back_lump_or_deformity": True, "lump_regions": ["not_sure"]},
        ],
        json_schema_extra=_answers_schema,
    )


# --- profile ------------------------------------------------------------------------------


class Area(Input):
    region: RegionId
    pain: Score
    knot: bool = Field(False, description="a knot (tender spot) is marked here")


class ProfileBody(Input):
    """What the planner starts from. Fields left out take their defaults."""

    areas: list[Area] = Field(default_factory=list, max_length=50)
    causes: list[CauseId] = Field(default_factory=list, max_length=50)
    tools: list[ToolId] = Field(
        default_factory=list, max_length=50, description="none means hands, a wall, a doorway and a chair"
    )
    minutes: Whole = Field(15, ge=2, le=60)
    pressure: PressureId | None = ""
    no_floor: bool = Field(False, description="cannot get down on the floor: standing and seated only")
    stress: Score = 0


# --- settings -----------------------------------------------------------------------------


def zone_names(schema: dict[str, Any]) -> None:
    """Every IANA zone name the zone database knows (listed when the schema is made)."""
    schema["enum"] = sorted(available_zones())


class SettingsIn(Input):
    time_zone: str = Field(
        max_length=MAX_ZONE_NAME,
        description="an IANA time zone name, e.g. Europe/Paris: today, weeks, streaks and calendar "
        "files count in it (docs/time-zones.md)",
        json_schema_extra=zone_names,
    )


class SettingsOut(Schema):
    time_zone: str = Field(description="the IANA time zone name days and weeks are counted in")
    chosen: bool = Field(
        description="false until the person (or their browser) chose a zone: the computer's zone "
        "(personal mode) or the site's (server mode) is used"
    )


# --- plans --------------------------------------------------------------------------------


class PlanIn(Input):
    seed: Seed | None = Field(
        None, description="breaks ties between equally good techniques; null: a new one"
    )


class AlternativeOut(Schema):
    id: str = Field(json_schema_extra=technique_ids)
    name: str
    summary: str
    tools: list[Tool]
    position: str = one_of(
        POSITIONS, "may differ from the step's when the plan still flows (docs/planner.md)"
    )


class SwapIn(Input):
    technique: TechniqueId


# --- sessions -----------------------------------------------------------------------------


class SessionIn(Input):
    plan_id: Id


class StepLogOut(Schema):
    index: int
    technique: str
    side: str = one_of(SIDES)
    seconds_planned: int
    seconds_done: int
    intensity: str = one_of(INTENSITIES)
    feedback: str = one_of(("", *FEEDBACK))
    skipped: bool


class SessionOut(Schema):
    id: int
    plan_id: int | None
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(json_schema_extra={"enum": ["running", *FINAL_STATUSES]})
    pain_before: int | None
    pain_after: int | None
    stress_before: int | None
    stress_after: int | None
    stop_reason: str
    notes: str
    steps: list[StepLogOut]


class SessionPatch(Input):
    """Only the fields you send change. Scores may be null to clear them."""

    pain_before: Score | None = None
    pain_after: Score | None = None
    stress_before: Score | None = None
    stress_after: Score | None = None
    notes: Note = omittable()
    stop_reason: StopReason = omittable(description="once recorded, it stays")
    status: AnyStatusId = omittable(description="an ended session keeps its status")


class FinishIn(Input):
    status: StatusId
    pain_after: Score | None = None
    stress_after: Score | None = None
    notes: Note = omittable()


class StepIn(Input):
    """Only the fields you send change."""

    seconds_done: Whole = omittable(ge=0, le=3600, description="only grows: a smaller value is ignored")
    intensity: IntensityId = omittable()
    feedback: FeedbackId = omittable()
    skipped: bool = omittable()


# --- pain diary ---------------------------------------------------------------------------


class PainIn(Input):
    pain: Score
    region: OptionalRegionId = ""
    stress: Score | None = None
    note: Note = ""
    at: datetime | None = Field(
        None, strict=False, description="ISO 8601; defaults to now; a time without a zone is read as UTC"
    )


class PainOut(Schema):
    id: int
    at: datetime
    region: str = one_of(("", *REGIONS), "'' for the upper back in general")
    pain: int
    stress: int | None
    note: str


# --- library ------------------------------------------------------------------------------


class MassageTypeOut(Schema):
    """A professional massage type, ranked for the saved profile and latest screening."""

    id: str = Field(json_schema_extra=massage_type_ids)
    name: str
    what_it_is: str
    suits: str
    what_to_expect: str
    pressure: str = one_of(INTENSITIES)
    suits_causes: list[Annotated[str, one_of(CAUSES)]]
    avoid_when: list[str]
    avoid_precautions: list[Precaution]
    evidence: str = one_of(EVIDENCE_GRADES)
    evidence_note: str
    choosing_a_therapist: str
    references: list[str]
    rank: int = Field(description="1 is the best fit")
    suitable: bool
    reasons: list[str]


# --- programme ----------------------------------------------------------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Pressure = Literal["gentle", "moderate", "firm"]
DoseAction = Literal["start", "up", "hold", "down"]
RunStatus = Literal["active", "finished", "stopped"]
RunSource = Literal["self", "therapist"]


class ProgrammeIn(Input):
    weeks: int = Field(
        DEFAULT_WEEKS, ge=MIN_WEEKS, le=MAX_WEEKS, description="how many weeks the programme runs"
    )
    days: list[Weekday] | None = Field(
        None,
        min_length=1,
        max_length=7,
        description="planned weekdays (they become the schedule); null: the schedule's days",
    )
    time: str | None = Field(
        None,
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="planned time, HH:MM (it becomes the schedule's); null: the schedule's time",
    )


class CheckInIn(Input):
    pain: Score = Field(description="average pain this week, 0 (none) to 10 (worst imaginable): NPRS")
    activity: Annotated[str, Field(max_length=ACTIVITY_LENGTH), AfterValidator(plain_text)] | None = Field(
        None,
        description="one activity the back makes hard (PSFS); empty or null after the first check-in:"
        " the same one",
    )
    activity_score: Annotated[int, Field(ge=0, le=10), BeforeValidator(integral)] = Field(
        description="how well the activity can be done, 0 (unable) to 10 (as before the problem)"
    )
    pgic: Annotated[int, Field(ge=1, le=7), BeforeValidator(integral)] | None = Field(
        None,
        description="PGIC since the start: 1 very much improved, 2 much improved, 3 minimally improved,"
        " 4 no change, 5 minimally worse, 6 much worse, 7 very much worse (asked at weeks 2, 4, last)",
    )


class DoseOut(Schema):
    minutes: int
    hold_seconds: int
    rolling_seconds: int
    rounds: int
    pressure: Pressure
    sessions_per_week: int
    step: int = Field(description="the rung of the dose ladder (0 the lightest)")


class DoseChangeOut(Schema):
    week: int
    action: DoseAction
    before: DoseOut | None
    after: DoseOut
    reason: str = Field(description="what changed and why, in words")


class WeekOut(Schema):
    number: int
    start: date
    end: date = Field(description="the first date after the week")
    planned: list[date]
    done: list[date]
    missed: list[date]
    dose: DoseOut | None = Field(description="null for a week not reached yet")
    action: DoseAction | None
    reason: str


class CheckInOut(Schema):
    week: int
    at: datetime
    pain: int
    activity: str
    activity_score: int
    pgic: int | None
    pgic_words: str | None


class MeasureOut(Schema):
    name: str
    first: float | None
    last: float | None
    delta: float | None
    meaningful: bool = Field(description="a change that matters, for the better")
    worse: bool = Field(description="a change that matters, for the worse")
    mic: str = Field(description="the minimal important change, with its source")
    wording: str


class SummaryOut(Schema):
    checkins: int
    pain: MeasureOut
    activity: MeasureOut
    pgic: int | None
    pgic_words: str
    pgic_meaningful: bool
    pgic_mic: str
    wording: str


class ProgrammeOut(Schema):
    run_id: int
    status: RunStatus
    source: RunSource
    source_id: int | None
    weeks: int
    week: int = Field(description="the current week, counted from the start day in the person's zone")
    started_on: date
    ends_on: date = Field(description="the first date after the last week")
    days: list[Weekday]
    time: str
    planned_this_week: int
    done_this_week: int
    headline: str = Field(description='e.g. "Week 3 of 6 · session 2 of 3 this week"')
    dose: DoseOut
    changes: list[DoseChangeOut]
    timeline: list[WeekOut]
    checkins: list[CheckInOut]
    checkin_due: bool
    pgic_due: bool
    pgic_weeks: list[int]
    finished: bool
    summary: SummaryOut | None
