"""The shapes a stored screening and plan take when they leave the store: the API answers
with them (`backease.api`, documented in /api/openapi.json), and a backup's restore refuses
a record that would not fit them (`backease.exports.backup`), so a restored record is one the
API can show. They live here, below both, so that neither imports the other.

`screening_out` and `plan_out` make the shape from a row; `ScreeningOut` and `PlanOut` are
its schema (pydantic), with closed lists of ids stated as enums from core's vocabulary.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from backease.content.loader import load_content
from backease.core.screening import rationale_json
from backease.core.script import LINE_KINDS, SCRIPT_PHASES, record_countdowns, record_scripts
from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    INTENSITIES,
    KINDS,
    LEVELS,
    POSITIONS,
    PRECAUTIONS,
    REGIONS,
    SIDES,
    TOOLS,
)
from backease.store import services
from backease.store.models import Plan, Screening


def one_of(choices: tuple[str, ...], description: str | None = None) -> Any:
    """An output field whose value is one of a closed vocabulary (from core.vocab)."""
    return Field(description=description, json_schema_extra={"enum": list(choices)})


PRECAUTION_IDS = (*PRECAUTIONS, *(AVOID_REGION_PREFIX + region for region in REGIONS))
"""Every precaution a screening or plan may carry (SCREENING.md)."""

Region = Annotated[str, one_of(REGIONS)]
Tool = Annotated[str, one_of(TOOLS)]
Precaution = Annotated[str, one_of(PRECAUTION_IDS)]


class Shape(BaseModel):
    """A shape read from a dict or an object's attributes."""

    model_config = ConfigDict(from_attributes=True)


# --- a screening --------------------------------------------------------------------------


class ReasonOut(Shape):
    question: str
    message: str
    source: str


class RationaleOut(Shape):
    title: str
    text: str = Field(description="why upper back pain with no flag is self-care, in plain words")
    source: str


class ClearanceOut(Shape):
    given_on: date = Field(description="the day clinician_cleared was first answered yes")
    expires_on: date = Field(description="12 weeks later: from this day it no longer lowers any flag")
    active: bool
    rules: list[str] = Field(description="the standing rules that fired when the clearance was given")


class ScreeningOut(Shape):
    id: int
    created_at: datetime
    level: str = one_of(LEVELS)
    reasons: list[ReasonOut]
    precautions: list[Precaution] = Field(
        description="limits every plan keeps; a soon result adds gentle_pressure_only,"
        " no_sustained_pressure and no_spinal_pressure"
    )
    advice: str
    title: str = Field(
        description="the result's title, saying what its advice says (an advice asking for an urgent GP"
        " appointment has that title, not the level's)"
    )
    rationale: RationaleOut | None = Field(
        description="on a self_care result: why self-care is reasonable (Finucane 2020; NHS); else null"
    )
    clearance: ClearanceOut | None = Field(
        description="the clinician clearance this screening used (it lasts 12 weeks), or null"
    )


def screening_out(row: Screening) -> dict[str, Any]:
    """A stored screening in the shape of `ScreeningOut`."""
    return {
        "id": row.id,
        "created_at": row.created_at,
        "level": row.level,
        "reasons": row.reasons,
        "precautions": row.precautions,
        "advice": row.advice,
        "title": load_content().result_title(row.level, row.advice),
        "rationale": rationale_json(load_content().rules.rationale) if row.level == "self_care" else None,
        "clearance": services.clearance_state(row),
    }


# --- a plan -------------------------------------------------------------------------------


class ScriptLineOut(Shape):
    phase: str = one_of(
        SCRIPT_PHASES, "prepare: the get-ready before the step's timer; hold: while the timer runs"
    )
    at: float = Field(description="seconds from the start of its phase when the line is said")
    kind: str = one_of(LINE_KINDS)
    text: str = Field(description="the words, rendered for the step's side")
    must_hear: bool = Field(
        description="a player never cancels it (a line that would overlap it is dropped instead), and"
        " the hold's timer starts only once the get-ready's must-hear lines have been said"
    )
    speak_seconds: float = Field(description="how long the line takes to say at the default speech rate")


class PlanStepOut(Shape):
    index: int
    technique: str
    name: str
    kind: str = one_of(KINDS)
    seconds: int
    prepare_seconds: int = Field(
        description="the get-ready countdown before the step; steps plus countdowns make the plan's minutes"
    )
    side: str = one_of(SIDES)
    intensity: str = one_of(INTENSITIES)
    regions: list[Region]
    tools: list[Tool]
    position: str = one_of(POSITIONS)
    reason: str
    cue: str
    script: list[ScriptLineOut] = Field(
        description="what the voice says in the step, in order of speaking (the speech schedule)"
    )


class PlanOut(Shape):
    id: int
    created_at: datetime
    seed: int
    level: str = one_of(LEVELS)
    minutes: int
    total_seconds: int
    precautions: list[Precaution]
    before: list[str]
    after: list[str]
    advice: str
    desk_break: bool
    notes: list[str]
    steps: list[PlanStepOut] = Field(description="empty when the safety check asks you to see a doctor first")


def plan_out(row: Plan) -> dict[str, Any]:
    """A stored plan in the shape of `PlanOut`."""
    data = row.data
    return {
        "id": row.id,
        "created_at": row.created_at,
        "seed": row.seed,
        "level": row.level,
        "minutes": row.minutes,
        "total_seconds": row.total_seconds,
        "precautions": data.get("precautions", []),
        "before": data.get("before", []),
        "after": data.get("after", []),
        "advice": data.get("advice", ""),
        "desk_break": data.get("desk_break", False),
        "notes": data.get("notes", []),
        "steps": plan_steps(data.get("steps", [])),
    }


def plan_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored plan's steps, numbered, each with its get-ready countdown and script."""
    # Plans stored before countdowns were budgeted, or before scripts were, get the
    # countdowns and scripts the players run.
    library = load_content().library
    countdowns = record_countdowns(library, steps)
    scripts = record_scripts(library, steps)
    return [
        {"index": i, "prepare_seconds": countdown, **step, "script": script}
        for i, (step, countdown, script) in enumerate(zip(steps, countdowns, scripts, strict=True))
    ]
