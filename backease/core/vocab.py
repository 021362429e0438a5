"""The public vocabulary: stable ids used by the CLI, the API, exports and content.

Defined once here (see shared/PRODUCT.md, "Public vocabulary"); every other module
imports these names instead of repeating the strings.
"""

from __future__ import annotations

import difflib
from typing import Literal, get_args

RegionId = Literal[
    "neck_base",
    "upper_trapezius_left",
    "upper_trapezius_right",
    "between_shoulder_blades_left",
    "between_shoulder_blades_right",
    "shoulder_blade_left",
    "shoulder_blade_right",
    "thoracic_spine_left",
    "thoracic_spine_right",
    "lats_left",
    "lats_right",
    "chest_left",
    "chest_right",
    "glute_left",
    "glute_right",
]
ToolId = Literal[
    "hands",
    "foam_roller",
    "tennis_ball",
    "massage_ball",
    "peanut_ball",
    "massage_stick",
    "hook_cane",
    "percussion_massager",
    "wall",
    "doorway",
    "chair",
    "towel",
    "heat_pack",
]
Kind = Literal["warm_up", "self_massage", "trigger_point", "stretch", "mobility", "relaxation"]
Position = Literal["standing", "seated", "supine", "prone", "side_lying", "all_fours"]
Intensity = Literal["gentle", "moderate", "firm"]
Side = Literal["left", "right", "both", "none"]
Cause = Literal["posture", "stress", "sport", "repetitive", "imbalance", "sleep", "injury", "unknown"]
Level = Literal["emergency", "urgent", "soon", "self_care_with_precautions", "self_care"]
Benefit = Literal["pain_relief", "circulation", "range_of_motion", "stress_reduction"]
EvidenceGrade = Literal["moderate", "low", "very_low", "expert_opinion"]
Phase = Literal["warm_up", "release", "stretch", "relaxation"]

REGIONS: tuple[RegionId, ...] = get_args(RegionId)
TOOLS: tuple[ToolId, ...] = get_args(ToolId)
KINDS: tuple[Kind, ...] = get_args(Kind)
POSITIONS: tuple[Position, ...] = get_args(Position)
INTENSITIES: tuple[Intensity, ...] = get_args(Intensity)
SIDES: tuple[Side, ...] = get_args(Side)
CAUSES: tuple[Cause, ...] = get_args(Cause)
LEVELS: tuple[Level, ...] = get_args(Level)
BENEFITS: tuple[Benefit, ...] = get_args(Benefit)
EVIDENCE_GRADES: tuple[EvidenceGrade, ...] = get_args(EvidenceGrade)

VoiceWord = Literal["go", "seconds_left"]
VOICE_WORDS: tuple[VoiceWord, ...] = get_args(VoiceWord)
"""The fixed words of the spoken script (labels.yaml, group `voice`; core/script.py)."""

DEFAULT_TOOLS: tuple[ToolId, ...] = ("hands", "wall", "doorway", "chair")
"""Tools assumed when the user names none: everyone has hands, a wall, a doorway, a chair."""

NO_FLOOR_POSITIONS: tuple[Position, ...] = ("standing", "seated")
"""Positions allowed when the user cannot get down on the floor."""

PHASE_OF_KIND: dict[Kind, Phase] = {
    "warm_up": "warm_up",
    "self_massage": "release",
    "trigger_point": "release",
    "stretch": "stretch",
    "mobility": "stretch",
    "relaxation": "relaxation",
}
PHASES: tuple[Phase, ...] = ("warm_up", "release", "stretch", "relaxation")
"""Plan order: warm-up, then self-massage/trigger points, then stretch/mobility, then relaxation."""

# Levels from most to least serious; "most serious wins" (SCREENING.md).
LEVEL_RANK: dict[Level, int] = {level: rank for rank, level in enumerate(LEVELS)}
INTENSITY_RANK: dict[Intensity, int] = {name: rank for rank, name in enumerate(INTENSITIES)}

# Precaution ids (SCREENING.md). `avoid_region:<region id>` is parameterised.
PRECAUTIONS: tuple[str, ...] = (
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_lying_on_back",
    "no_lying_face_down",
    "no_neck_pressure",
    "no_body_weight_on_tools",
    "no_loaded_end_range",
    "no_heat",
    "no_firm_tools",
    "no_tools_on_back",
)
AVOID_REGION_PREFIX = "avoid_region:"

NOT_SURE = "not_sure"
"""The answer to a regions question (that allows it) when the person does not know where."""

FRONT_REGIONS: tuple[RegionId, ...] = ("chest_left", "chest_right")
"""The regions of the body map's front view; every other region is on the back."""
BACK_REGIONS: tuple[RegionId, ...] = tuple(r for r in REGIONS if r not in FRONT_REGIONS)


def region_side(region: str) -> Side:
    """The side a region id names: `left`, `right`, or `none` for midline regions."""
    if region.endswith("_left"):
        return "left"
    if region.endswith("_right"):
        return "right"
    return "none"


def region_base(region: str) -> str:
    """The region id without its side suffix (`lats_left` -> `lats`)."""
    for suffix in ("_left", "_right"):
        if region.endswith(suffix):
            return region[: -len(suffix)]
    return region


def closest(word: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    """The allowed id closest to a mistyped one, for "did you mean" hints."""
    matches = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.5)
    return matches[0] if matches else None


def is_precaution(value: str) -> bool:
    """True for a known precaution id, including `avoid_region:<region id>`."""
    if value.startswith(AVOID_REGION_PREFIX):
        return value[len(AVOID_REGION_PREFIX) :] in REGIONS
    return value in PRECAUTIONS
