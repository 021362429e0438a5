"""The session planner: profile + screening result + library -> a timed, safe plan.

How a plan is built (docs/planner.md explains it for therapists):

1. Safety first. An `emergency` or `urgent` screen gives a plan with no steps, only the
   guidance. Every precaution becomes a hard filter on techniques (avoided regions,
   no spinal pressure, no sustained pressure, no neck pressure, positions) or a cap on
   intensity (gentle pressure only; a `soon` level also caps at gentle).
2. Eligible techniques are those whose tools are all available and that pass every
   filter. Below 6 minutes the plan is a "desk break": standing and seated steps only.
3. The time is split between the four phases (warm-up, release, stretch, relaxation);
   causes and stress move the split. Each phase takes its best-scoring techniques
   until its share is filled. Painful regions are covered first, most painful first.
4. Durations are fitted so the total equals the requested minutes to the second: each
   step gets time in proportion to its technique's default and the pain it targets,
   within the technique's minimum and maximum (in 5-second quanta).

Everything is deterministic for the same input and `seed`; the seed only breaks ties
between equally good techniques.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from backease.core.errors import InputError, Missing
from backease.core.flow import (
    POSITION_ORDER,
    PREPARE_FLOOR,
    PREPARE_SAME,
    floor_trips,
    on_floor,
    position_changes,
)
from backease.core.history import TechniqueEffect
from backease.core.library import Library, MassageType, Technique
from backease.core.programme import Dose, is_hold, is_rolling
from backease.core.script import ScriptLine, countdowns, plan_scripts
from backease.core.sides import render_side
from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    CAUSES,
    DEFAULT_TOOLS,
    INTENSITIES,
    INTENSITY_RANK,
    NO_FLOOR_POSITIONS,
    PHASE_OF_KIND,
    PHASES,
    POSITIONS,
    REGIONS,
    TOOLS,
    Cause,
    Intensity,
    Kind,
    Level,
    Phase,
    Position,
    RegionId,
    Side,
    ToolId,
    closest,
    region_base,
    region_side,
)

MIN_MINUTES = 2
MAX_MINUTES = 60
DESK_BREAK_BELOW_MINUTES = 6
QUANTUM = 5
"""Durations move in 5-second steps, so the player can announce round numbers."""

# Share of the session each phase starts from, before causes and stress shift it.
BASE_SHARES: dict[Phase, float] = {"warm_up": 0.15, "release": 0.40, "stretch": 0.30, "relaxation": 0.15}

# Between the shoulder blades, where hands hardly reach, many people find a roller or a
# ball against a wall the easiest way in (a common experience, not a tested finding);
# these tools get a small bonus when they reach that region.
PREFERRED_TOOLS_BY_REGION: dict[str, frozenset[str]] = {
    "between_shoulder_blades": frozenset({"foam_roller", "tennis_ball", "massage_ball", "peanut_ball"}),
}

# Causes that call for particular work (product brief: "posture -> chest openers and
# thoracic extension"): the phase, the regions a technique must reach, the reason, and
# whether an extension (`Technique.extension`) is preferred among those that fit.
CAUSE_TARGETS: dict[str, tuple[tuple[Phase, frozenset[str], str, bool], ...]] = {
    "posture": (
        (
            "stretch",
            frozenset({"chest_left", "chest_right"}),
            "Opens the chest, which sitting hunched tightens",
            False,
        ),
        (
            "stretch",
            frozenset({"thoracic_spine_left", "thoracic_spine_right"}),
            "Moves the mid-back the opposite way to a desk slump",
            True,
        ),
    ),
    "repetitive": (
        (
            "stretch",
            frozenset({"chest_left", "chest_right"}),
            "Balances the pull of repeated forward work",
            False,
        ),
    ),
    # Muscular imbalance (tight chest and upper trapezius, weaker muscles between the
    # shoulder blades; a clinical model, not a tested finding): stretch the tight side and
    # move the weaker side through its range. Techniques that suit it say so (`causes`).
    "imbalance": (
        (
            "stretch",
            frozenset({"chest_left", "chest_right"}),
            "Stretches the chest, whose tight muscles can pull the shoulders forward",
            False,
        ),
        (
            "stretch",
            frozenset({"between_shoulder_blades_left", "between_shoulder_blades_right"}),
            "Works the muscles between the shoulder blades through their range,"
            " the weaker side of an imbalance",
            False,
        ),
    ),
}

# Muscular imbalance gets a gentle strengthening option (issue 14): of everything in a plan,
# exercise has the best evidence for long-lasting neck pain (Gross 2015, Cochrane), and the
# weaker side of an imbalance is the muscles between and below the shoulder blades.
CAUSE_STRENGTHENING: dict[str, str] = {
    "imbalance": (
        "Gentle strengthening for the muscles between your shoulder blades, the weaker side of an"
        " imbalance; exercise like this has better evidence for long-lasting neck pain than"
        " massage or stretching, though it is less studied for the upper back"
    ),
}

# Glute work is not upper back work: it enters a plan only when the person marked a glute
# area, or chose the cause that means long sitting. Of the causes (PRODUCT.md), `posture` is
# the desk-sitting one ("stiffness from sitting and posture"); `repetitive` is movement, not
# sitting. Either way its reason says it is optional.
SITTING_CAUSE: Cause = "posture"
OPTIONAL_GLUTE_REASON = "Optional: loosens the top of your buttocks, which long hours of sitting tighten"

REFUSED_LEVELS: frozenset[Level] = frozenset({"emergency", "urgent"})

SOON_PRECAUTIONS: tuple[str, ...] = (
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_firm_tools",
    "no_body_weight_on_tools",
)
"""SCREENING.md: a `soon` result allows a gentle plan only, with these on top of its own
(screening.yaml's `level_precautions` says the same; a test holds the two together)."""

USEFUL_SECONDS: dict[Kind, int] = {
    "warm_up": 60,
    "self_massage": 60,
    "trigger_point": 60,
    "stretch": 45,
    "mobility": 60,
    "relaxation": 60,
}
"""The shortest step worth getting into position for (kept within the technique's own
minimum and maximum): a minute of work, 45 s for a stretch (a 30-second hold with time
to ease in and out). Only a session too short for even one such step goes below it."""

LONG_SECONDS: dict[Kind, int] = {
    "warm_up": 60,
    "self_massage": 90,
    "trigger_point": 90,
    "stretch": 60,
    "mobility": 60,
    "relaxation": 120,
}
"""The step length the planner fills phases with (or the technique's default when that
is longer, within its maximum): fewer, longer steps rather than many short ones."""


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PainArea:
    """A region the person marked on the body map, with pain 0-10."""

    region: RegionId
    pain: int
    knot: bool = False
    """The person marked a knot (a tender spot) here: trigger-point work is favoured."""

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            hint = closest(str(self.region), REGIONS)
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError("area", f"unknown region '{self.region}'{suffix}", REGIONS)
        if isinstance(self.pain, bool) or not isinstance(self.pain, int) or not 0 <= self.pain <= 10:
            raise InputError("pain", f"pain for {self.region} must be a whole number from 0 to 10")


@dataclass(frozen=True, slots=True)
class Profile:
    """What the person told us: where it hurts, why, what they have, how long."""

    areas: tuple[PainArea, ...] = ()
    causes: tuple[Cause, ...] = ()
    tools: tuple[ToolId, ...] = ()
    """Tools at hand. Empty means the defaults: hands, a wall, a doorway, a chair."""
    minutes: int = 15
    pressure: Intensity | None = None
    """Preferred pressure; None lets the planner choose (firmer for sport)."""
    no_floor: bool = False
    stress: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise InputError("minutes", f"must be a whole number from {MIN_MINUTES} to {MAX_MINUTES}")
        if not MIN_MINUTES <= self.minutes <= MAX_MINUTES:
            raise InputError(
                "minutes", f"{self.minutes} is out of range; must be from {MIN_MINUTES} to {MAX_MINUTES}"
            )
        if isinstance(self.stress, bool) or not isinstance(self.stress, int) or not 0 <= self.stress <= 10:
            raise InputError("stress", "must be a whole number from 0 to 10")
        _check_ids("cause", self.causes, CAUSES)
        _check_ids("tool", self.tools, TOOLS)
        if self.pressure is not None and self.pressure not in INTENSITIES:
            raise InputError("pressure", f"unknown pressure '{self.pressure}'", INTENSITIES)
        seen: set[str] = set()
        for area in self.areas:
            if area.region in seen:
                raise InputError("area", f"region '{area.region}' is given more than once")
            seen.add(area.region)

    @property
    def available_tools(self) -> frozenset[ToolId]:
        """The tools the planner may use."""
        return frozenset(self.tools or DEFAULT_TOOLS)

    @property
    def target_intensity(self) -> Intensity:
        """The pressure asked for, or the default: firm for sport, moderate otherwise."""
        if self.pressure is not None:
            return self.pressure
        return "firm" if "sport" in self.causes else "moderate"


def _check_ids(field_name: str, values: Iterable[str], allowed: tuple[str, ...]) -> None:
    for value in values:
        if value not in allowed:
            hint = closest(str(value), allowed)
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError(field_name, f"unknown {field_name} '{value}'{suffix}", allowed)


class ScreeningOutcome(Protocol):
    """What the planner needs of a screening result (`core.screening.ScreeningResult`)."""

    @property
    def level(self) -> Level: ...
    @property
    def precautions(self) -> tuple[str, ...]: ...
    @property
    def advice(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Adaptation:
    """What the person's own history tells the planner (see docs/planner.md, "Learning").

    `effects` come from `core.insights.estimate_effects`; `learned` says whether there are
    enough rated sessions to act on the estimates (the counts of "too much" are used
    either way). `disabled` techniques are left out until the person turns them back on.
    `progression` (0-3) lengthens holds and, at 2 or more, allows one step firmer
    pressure when the planner chooses it, as pain has been falling over the weeks.
    """

    effects: tuple[TechniqueEffect, ...] = ()
    learned: bool = False
    disabled: frozenset[str] = frozenset()
    progression: int = 0

    def effect(self, technique: str) -> TechniqueEffect | None:
        for item in self.effects:
            if item.technique == technique:
                return item
        return None


NO_ADAPTATION = Adaptation()
HISTORY_BONUS_LIMIT = 3.0
"""The most a technique's own history can add to or take from its score (scores of
painful-region matches are 2 + pain, so history reorders, it does not overrule)."""
PRIOR_SD = 1.0
"""Spread of the effect drawn for a technique with no data: keeps some exploration."""


# --- outputs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One timed step of a session."""

    technique: str
    name: str
    kind: Kind
    seconds: int
    side: Side
    intensity: Intensity
    regions: tuple[RegionId, ...]
    tools: tuple[ToolId, ...]
    position: Position
    reason: str
    cue: str
    """How to do it at this intensity."""
    prepare_seconds: int = 0
    """The get-ready countdown before the step (`core.script.countdowns`), budgeted
    inside the plan's minutes: the step's own time starts after it."""
    script: tuple[ScriptLine, ...] = ()
    """What the voice says in the get-ready and the hold, and when (`core.script`)."""

    def to_json(self) -> dict[str, object]:
        """The step in the public JSON shape."""
        return {
            "technique": self.technique,
            "kind": self.kind,
            "seconds": self.seconds,
            "prepare_seconds": self.prepare_seconds,
            "side": self.side,
            "intensity": self.intensity,
            "regions": list(self.regions),
            "tools": list(self.tools),
            "position": self.position,
            "reason": self.reason,
            "script": [line.to_json() for line in self.script],
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """A session plan. A plan refused for safety has no steps and says why."""

    level: Level
    minutes: int
    total_seconds: int
    precautions: tuple[str, ...]
    before: tuple[str, ...]
    after: tuple[str, ...]
    steps: tuple[PlanStep, ...]
    advice: str = ""
    desk_break: bool = False
    notes: tuple[str, ...] = ()
    """Plain remarks about what could not be done (e.g. a region no tool reaches)."""

    @property
    def refused(self) -> bool:
        """True when the screening does not allow self-care now."""
        return self.level in REFUSED_LEVELS

    def to_json(self) -> dict[str, object]:
        """The plan in the public JSON shape (`backease plan --json`)."""
        return {
            "level": self.level,
            "minutes": self.minutes,
            "total_seconds": self.total_seconds,
            "precautions": list(self.precautions),
            "before": list(self.before),
            "after": list(self.after),
            "steps": [step.to_json() for step in self.steps],
        }


# --- constraints ----------------------------------------------------------------------


def effective_precautions(safety: ScreeningOutcome) -> tuple[str, ...]:
    """The screening's precautions, plus those a `soon` level adds (SCREENING.md)."""
    out = list(safety.precautions)
    if safety.level == "soon":
        out += [p for p in SOON_PRECAUTIONS if p not in out]
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Limits:
    avoided: frozenset[str]
    max_intensity: Intensity
    positions: frozenset[Position]
    precautions: frozenset[str]
    """Every precaution in force; a technique whose `excluded_by` meets it is refused."""
    tools: frozenset[ToolId]
    disabled: frozenset[str] = frozenset()


def _limits(
    profile: Profile, safety: ScreeningOutcome, desk_break: bool, adaptation: Adaptation = NO_ADAPTATION
) -> _Limits:
    precautions = frozenset(effective_precautions(safety))
    positions = set(POSITIONS)
    if profile.no_floor or desk_break:
        positions &= set(NO_FLOOR_POSITIONS)
    return _Limits(
        avoided=frozenset(
            p[len(AVOID_REGION_PREFIX) :] for p in precautions if p.startswith(AVOID_REGION_PREFIX)
        ),
        max_intensity="gentle" if "gentle_pressure_only" in precautions else "firm",
        positions=frozenset(positions),
        precautions=precautions,
        tools=profile.available_tools,
        disabled=adaptation.disabled,
    )


def _allowed(tech: Technique, limits: _Limits) -> bool:
    """Whether a technique passes every hard filter (sides are checked later).

    The safety filter is the technique's `excluded_by` (computed from the content when
    it is loaded, see `core.library.exclusions_of`): one source of truth for every
    precaution, positions and tools included.
    """
    if tech.before_session or tech.id in limits.disabled:
        return False
    if not set(tech.tools) <= limits.tools or tech.position not in limits.positions:
        return False
    return limits.precautions.isdisjoint(tech.excluded_by)


def _any_setup_limits(safety: ScreeningOutcome, disabled: frozenset[str]) -> _Limits:
    """The limits of a screening and a person's turned-off techniques, whatever tools,
    time or floor they have (a therapist's programme brings its own)."""
    limits = _limits(Profile(), safety, False, Adaptation(disabled=disabled))
    return replace(limits, tools=frozenset(TOOLS), positions=frozenset(POSITIONS))


def intensity_cap(tech: Technique, safety: ScreeningOutcome) -> Intensity:
    """The strongest pressure a screening allows for a technique (`gentle_pressure_only`,
    a `soon` level, or the technique's own cap under a precaution), as `_intensity` caps it."""
    limits = _any_setup_limits(safety, frozenset())
    declared = tech.cap_under(limits.precautions)
    if declared is None:
        return limits.max_intensity
    return min(limits.max_intensity, declared, key=INTENSITY_RANK.__getitem__)


def step_blockers(
    tech: Technique,
    side: Side,
    intensity: Intensity,
    safety: ScreeningOutcome,
    disabled: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """Why a planned step (say, a therapist's) may not be done under this screening: the
    same hard filters as `plan_session` (`_allowed`, avoided regions, intensity caps).

    Returns ids, empty when the step is fine: `level:<level>` (the screening refuses
    self-care), `turned_off` (the person turned the technique off), each precaution that
    excludes the technique, `avoid_region:<region>` for a region of this side to leave
    alone, and `intensity:<cap>` when the pressure is above what is allowed.
    """
    if safety.level in REFUSED_LEVELS:
        return (f"level:{safety.level}",)
    limits = _any_setup_limits(safety, disabled)
    out: list[str] = []
    if tech.id in disabled:
        out.append("turned_off")
    if tech.before_session or not _allowed(tech, limits):
        out += sorted(limits.precautions & set(tech.excluded_by))
    regions = [r for r in tech.regions if side not in ("left", "right") or region_side(r) in (side, "none")]
    out += [f"{AVOID_REGION_PREFIX}{r}" for r in regions if r in limits.avoided]
    cap = intensity_cap(tech, safety)
    if INTENSITY_RANK[intensity] > INTENSITY_RANK[cap]:
        out.append(f"intensity:{cap}")
    return tuple(out)


def session_checklists(safety: ScreeningOutcome, library: Library) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The before and after checklists of a session under this screening (as in every plan)."""
    limits = _any_setup_limits(safety, frozenset())
    return _checklists(Profile(), limits, safety, False, library)


def _too_much_cap(tech: Technique, adaptation: Adaptation) -> Intensity | None:
    """One level below the gentlest intensity at which the person pressed "too much"."""
    effect = adaptation.effect(tech.id)
    if effect is None or effect.too_much_intensity is None:
        return None
    return INTENSITIES[max(0, INTENSITY_RANK[effect.too_much_intensity] - 1)]


def _intensity(
    tech: Technique, profile: Profile, limits: _Limits, adaptation: Adaptation = NO_ADAPTATION
) -> Intensity:
    """The strongest variant the technique has that does not exceed what is allowed."""
    phase = PHASE_OF_KIND[tech.kind]
    target = profile.target_intensity
    if profile.pressure is None and adaptation.progression >= 2 and phase == "release":
        # Pain has fallen for weeks: allow one step firmer when backease chooses.
        target = INTENSITIES[min(len(INTENSITIES) - 1, INTENSITY_RANK[target] + 1)]
    if phase in ("warm_up", "relaxation"):
        wanted: Intensity = "gentle"
    elif phase == "stretch":
        wanted = min(target, "moderate", key=INTENSITY_RANK.__getitem__)
    else:
        wanted = target
    cap = min(wanted, limits.max_intensity, key=INTENSITY_RANK.__getitem__)
    declared = tech.cap_under(limits.precautions)
    if declared is not None:
        cap = min(cap, declared, key=INTENSITY_RANK.__getitem__)
    too_much = _too_much_cap(tech, adaptation)
    if too_much is not None:
        cap = min(cap, too_much, key=INTENSITY_RANK.__getitem__)
    options = [v.intensity for v in tech.intensities if INTENSITY_RANK[v.intensity] <= INTENSITY_RANK[cap]]
    if options:
        return max(options, key=INTENSITY_RANK.__getitem__)
    return min((v.intensity for v in tech.intensities), key=INTENSITY_RANK.__getitem__)


# --- candidate units ------------------------------------------------------------------


@dataclass(slots=True)
class _Unit:
    """A technique chosen for the plan, done on one or two sides."""

    tech: Technique
    sides: tuple[Side, ...]
    score: float
    weights: tuple[float, ...]
    """Time weight of each side's step: more pain, more time."""
    reasons: tuple[str, ...]
    """Why it is in the plan, for each side's step: templates that name the step's side
    with placeholders (`core.sides`), rendered when the steps are made."""
    covers: frozenset[str]
    intensity: Intensity
    seconds: list[int] = field(default_factory=list)
    cap: int = 0
    """The longest step per side the week's dose allows (0: the technique's own maximum)."""

    @property
    def phase(self) -> Phase:
        return PHASE_OF_KIND[self.tech.kind]

    def total(self, attr: str) -> int:
        value: int = getattr(self.tech, attr)
        return value * len(self.sides)

    @property
    def position(self) -> Position:
        return self.tech.position

    def high(self) -> int:
        """The longest time per side: the technique's maximum, or the dose's hold or rolling
        time when that is shorter (never below the technique's own minimum)."""
        return self.cap or self.tech.max_seconds

    def most(self) -> int:
        """The longest time of all its sides."""
        return self.high() * len(self.sides)

    def low(self, useful: bool) -> int:
        """The shortest time per side: a useful step, or the technique's own minimum (the
        dose's hold or rolling time when that is shorter)."""
        return min(_useful_seconds(self.tech) if useful else self.tech.min_seconds, self.high())

    def cost(self) -> int:
        """Roughly what the unit takes of a session: its preferred time and countdowns."""
        return (_preferred_seconds(self.tech) + PREPARE_SAME) * len(self.sides)


def _useful_seconds(tech: Technique) -> int:
    """The shortest useful step of a technique (USEFUL_SECONDS, within its own limits)."""
    return max(tech.min_seconds, min(USEFUL_SECONDS[tech.kind], tech.max_seconds))


def _preferred_seconds(tech: Technique) -> int:
    """The step length a technique is planned around (LONG_SECONDS, within its limits)."""
    wanted = max(LONG_SECONDS[tech.kind], tech.default_seconds)
    return max(_useful_seconds(tech), min(wanted, tech.max_seconds))


# How a reason line names a region: "between your shoulder blades (left)". For a step of a
# per-side technique the side is a placeholder, said for the side of the step.
_REGION_PHRASES: dict[str, str] = {
    "neck_base": "at the base of your neck",
    "upper_trapezius": "at the top of your {side} shoulder",
    "between_shoulder_blades": "between your shoulder blades ({side})",
    "shoulder_blade": "over your {side} shoulder blade",
    "thoracic_spine": "beside your mid-back spine ({side})",
    "lats": "in your {side} side, below the armpit",
    "chest": "in the {side} side of your chest",
    "glute": "at the top of your {side} buttock",
}


def _glute_only(regions: Sequence[str]) -> bool:
    """Whether regions are all at the top of the buttocks (glute work, not upper back work)."""
    return bool(regions) and all(region_base(r) == "glute" for r in regions)


def _label(region: str, step_side: Side = "none") -> str:
    """A region in words; on a left or right step its side is `{side}` when it is the side
    worked and `{other}` when it is not, so the reason reads right on either side."""
    side: str = region_side(region)
    if step_side in ("left", "right") and side != "none":
        side = "{side}" if side == step_side else "{other}"
    return _REGION_PHRASES[region_base(region)].format(side=side)


def _sides_for(
    tech: Technique, pains: dict[str, PainArea], limits: _Limits
) -> tuple[tuple[Side, ...], frozenset[str], str]:
    """The sides to work, the painful regions covered, and a note on any side left out."""
    if tech.per_side:
        sides: list[Side] = []
        notes: list[str] = []
        for side in ("left", "right"):
            regions = [r for r in tech.regions if region_side(r) in (side, "none")]
            if any(r in limits.avoided for r in regions):
                # Only one side is left, so the note names the other one relative to it.
                notes.append("the {other} side left out, as the safety check advises")
                continue
            sides.append(side)
        covered = frozenset(r for r in tech.regions if r in pains and region_side(r) in (*sides, "none"))
        painful_sides = {region_side(r) for r in covered} - {"none"}
        if PHASE_OF_KIND[tech.kind] == "release" and len(painful_sides) == 1 and len(sides) == 2:
            sides = [painful_sides.pop()]
            notes.append("{side} side only, as that is where it hurts")
        return tuple(sides), covered, "; ".join(notes)
    if any(r in limits.avoided for r in tech.regions):
        return (), frozenset(), ""
    covered = frozenset(r for r in tech.regions if r in pains)
    sided = any(region_side(r) != "none" for r in tech.regions)
    return ("both" if sided else "none",), covered, ""


def _score(
    tech: Technique,
    covered: frozenset[str],
    pains: dict[str, PainArea],
    profile: Profile,
    rng: random.Random,
) -> float:
    """How well a technique fits the profile."""
    score = 0.0
    for region in covered:
        area = pains[region]
        score += 2 + area.pain
        if area.knot and tech.kind == "trigger_point":
            score += 4
        preferred = PREFERRED_TOOLS_BY_REGION.get(region_base(region), frozenset())
        if preferred & set(tech.tools):
            score += 2
    matched = [c for c in profile.causes if c in tech.causes]
    score += 2 * len(matched)
    if "sport" in profile.causes and tech.variant("firm") is not None:
        score += 1
    # Ties between equally good techniques are broken by the seed (and only ties:
    # every other difference in score is at least 1).
    score += rng.random() * 0.9
    return score


def _reason(
    tech: Technique, covered: frozenset[str], pains: dict[str, PainArea], profile: Profile, side: Side
) -> str:
    """Why a technique is in the plan, for its step on `side`: the most painful region that
    step works on. A template: on a left or right step it names the sides with
    placeholders (`_label`), rendered for the step by `core.sides.render_side`."""
    here = [r for r in covered if side not in ("left", "right") or region_side(r) in (side, "none")]
    top = max(here, key=lambda r: (pains[r].pain, r), default=None)
    phase = PHASE_OF_KIND[tech.kind]
    if top is None and covered:
        # A stretch done on both sides while only the other side hurts.
        other = max(covered, key=lambda r: (pains[r].pain, r))
        return (
            f"The {{side}} side as well, for balance: it hurts {_label(other, side)} ({pains[other].pain}/10)"
        )
    if top is not None:
        area = pains[top]
        if area.knot and tech.kind == "trigger_point":
            return f"Holds pressure on the knot you marked {_label(top, side)}"
        if phase == "warm_up":
            return f"Gently warms up the muscles {_label(top, side)} before any pressure"
        if phase == "stretch":
            if tech.strengthens:
                verb = "Gently strengthens the muscles where it hurts"
            else:
                verb = (
                    "Moves the area where it hurts" if tech.kind == "mobility" else "Stretches where it hurts"
                )
            return f"{verb}: {_label(top, side)} ({area.pain}/10)"
        return f"Works on the pain you rated {area.pain}/10 {_label(top, side)}"
    matched = [c for c in profile.causes if c in tech.causes]
    return _generic_reason(tech, matched, profile)


_CAUSE_WORDS: dict[str, str] = {
    "posture": "stiffness from sitting and posture",
    "stress": "tension from stress",
    "sport": "tightness after training",
    "repetitive": "strain from repeated movements",
    "imbalance": "tight muscles pulling against weaker ones",
    "sleep": "stiffness after sleeping awkwardly",
    "injury": "an old strain",
    "unknown": "general stiffness",
}


def _generic_reason(tech: Technique, matched: Sequence[str], profile: Profile) -> str:
    phase = PHASE_OF_KIND[tech.kind]
    if phase == "warm_up":
        return "Warms the muscles up gently before any pressure"
    if phase == "relaxation":
        if profile.stress >= 5:
            return f"Slow breathing to settle your stress (you rated it {profile.stress}/10)"
        return "Calms the body down at the end; slow breathing eases muscle tension"
    if matched:
        return f"Suits {_CAUSE_WORDS[matched[0]]}"
    if phase == "stretch":
        if tech.strengthens:
            return "Gentle strengthening for the muscles that hold your upper back and shoulders"
        return "Keeps the range of motion you gained from the massage"
    return "Loosens the upper back muscles in general"


def _history(tech: Technique, adaptation: Adaptation, rng: random.Random) -> tuple[float, str]:
    """Thompson sampling: a score bonus drawn from the technique's estimated effect.

    Each plan draws one plausible effect per technique from its posterior (a normal with
    the estimate's mean and sd; techniques never rated use N(0, PRIOR_SD)), so what has
    helped is preferred while uncertain techniques still get tried. The bonus is bounded.
    Returns the bonus and a reason to add ("helped you in 5 of 6 sessions").
    """
    if not adaptation.learned:
        return 0.0, ""
    effect = adaptation.effect(tech.id)
    mean, sd = (effect.estimate, effect.sd) if effect is not None else (0.0, PRIOR_SD)
    draw = rng.gauss(mean, max(sd, 0.05))
    bonus = max(-HISTORY_BONUS_LIMIT, min(HISTORY_BONUS_LIMIT, -1.5 * draw))
    reason = ""
    if (
        effect is not None
        and effect.sessions >= 3
        and effect.estimate < 0
        and 2 * effect.helped > effect.sessions
    ):
        reason = f"it helped you in {effect.helped} of {effect.sessions} sessions"
    return bonus, reason


def _candidates(
    library: Library,
    profile: Profile,
    limits: _Limits,
    rng: random.Random,
    adaptation: Adaptation = NO_ADAPTATION,
    dose: Dose | None = None,
) -> dict[Phase, list[_Unit]]:
    pains: dict[str, PainArea] = {a.region: a for a in profile.areas}
    out: dict[Phase, list[_Unit]] = {phase: [] for phase in PHASES}
    glutes_wanted = SITTING_CAUSE in profile.causes or any(_glute_only((a.region,)) for a in profile.areas)
    for tech in library.techniques:
        if not _allowed(tech, limits):
            continue
        glutes = _glute_only(tech.regions)
        if glutes and not glutes_wanted:
            continue
        sides, covered, side_note = _sides_for(tech, pains, limits)
        if not sides:
            continue
        score = _score(tech, covered, pains, profile, rng)
        bonus, helped = _history(tech, adaptation, rng)
        score += bonus
        reasons = []
        for side in sides:
            reason = _reason(tech, covered, pains, profile, side)
            if glutes:
                reason = (
                    f"{reason}; optional, as it works below the upper back"
                    if covered
                    else OPTIONAL_GLUTE_REASON
                )
            for extra in (helped, side_note):
                if extra:
                    reason = f"{reason}; {extra}"
            if _too_much_cap(tech, adaptation) is not None:
                reason = f"{reason}; gentler than before, as you pressed 'too much'"
            reasons.append(reason + ".")
        weights = []
        for side in sides:
            # Release work gets more time on the more painful side; stretches stay
            # equal on both sides, for balance.
            same = PHASE_OF_KIND[tech.kind] != "release" or side == "both"
            pain = max(
                (pains[r].pain for r in covered if same or region_side(r) in (side, "none")), default=0
            )
            weight = _preferred_seconds(tech) * (1 + pain / 10)
            if PHASE_OF_KIND[tech.kind] in ("release", "stretch"):
                # Progression: holds grow by 10 % per level as pain keeps falling.
                weight *= 1 + 0.1 * adaptation.progression
            if tech.kind == "relaxation":
                weight *= 1 + profile.stress / 20
            weights.append(weight)
        intensity = _intensity(tech, profile, limits, adaptation)
        unit = _Unit(
            tech, sides, score, tuple(weights), tuple(reasons), covered, intensity, cap=_dose_cap(tech, dose)
        )
        out[PHASE_OF_KIND[tech.kind]].append(unit)
    for units in out.values():
        units.sort(key=lambda u: (-u.score, u.tech.id))
    return out


def _dose_cap(tech: Technique, dose: Dose | None) -> int:
    """The longest step per side a programme's dose allows a technique: its hold time for
    holds, its rolling time for rolling, within the technique's own minimum and maximum
    (0: no cap, the technique's maximum)."""
    if dose is None:
        return 0
    if is_hold(tech):
        wanted = dose.hold_seconds
    elif is_rolling(tech):
        wanted = dose.rolling_seconds
    else:
        return 0
    wanted -= wanted % QUANTUM
    return max(tech.min_seconds, min(wanted, tech.max_seconds))


ROUND_WORDS = ("Second", "Third", "Fourth")


def _extra_rounds(units: list[_Unit], rounds: int) -> list[_Unit]:
    """Copies of the best release unit for a dose of more than one round ("Second round: ...")."""
    release = [u for u in units if u.phase == "release"] or [u for u in units if u.phase == "stretch"]
    if rounds <= 1 or not release:
        return []
    best = max(release, key=lambda u: (u.score, u.tech.id))
    return [
        _Unit(
            best.tech,
            best.sides,
            best.score - 0.5 - n,
            best.weights,
            tuple(
                f"{ROUND_WORDS[min(n, len(ROUND_WORDS) - 1)]} round: {r[0].lower()}{r[1:]}"
                for r in best.reasons
            ),
            best.covers,
            best.intensity,
            cap=best.cap,
        )
        for n in range(rounds - 1)
    ]


# --- selection and timing ---------------------------------------------------------------


def _shares(profile: Profile) -> dict[Phase, float]:
    shares = dict(BASE_SHARES)
    shares["relaxation"] += 0.01 * profile.stress
    if "stress" in profile.causes:
        shares["relaxation"] += 0.05
    if "posture" in profile.causes:
        shares["stretch"] += 0.05
    if "sport" in profile.causes:
        shares["release"] += 0.05
    if not profile.areas:
        shares["release"] -= 0.10
        shares["stretch"] += 0.10
    total = sum(shares.values())
    return {phase: value / total for phase, value in shares.items()}


COHESION_BONUS = 1.5
"""Score added to a technique in a position the plan already uses (twice that for a
lying relaxation when the plan is already on the floor), or taken from one that would
be the plan's only step on the floor, while a phase is filled."""


def _cohesion(unit: _Unit, used: set[Position]) -> float:
    if unit.phase == "relaxation" and on_floor(unit.position) and any(on_floor(p) for p in used):
        # Already down on the floor: relax lying down rather than get up to sit.
        return 2 * COHESION_BONUS
    if unit.position in used:
        return COHESION_BONUS
    if on_floor(unit.position) and not any(on_floor(p) for p in used):
        return -COHESION_BONUS
    return 0.0


def _select(
    candidates: dict[Phase, list[_Unit]], profile: Profile, total: int, library: Library, rounds: int = 1
) -> tuple[list[_Unit], bool]:
    """Pick units per phase: cover painful regions first, then fill each phase's share."""
    shares = _shares(profile)
    chosen: dict[Phase, list[_Unit]] = {phase: [] for phase in PHASES}
    # A technique whose shortest time and countdown overrun the whole session (a heat
    # pack in a 2-minute break) cannot be in it.
    pool = {
        phase: [u for u in units if u.low(False) * len(u.sides) + PREPARE_FLOOR <= total]
        for phase, units in candidates.items()
    }
    covered: set[str] = set()
    # Most painful regions first: the best release technique for each, then a stretch.
    for phase in ("release", "stretch"):
        for area in sorted(profile.areas, key=lambda a: (-a.pain, a.region)):
            if area.region in covered and phase == "release":
                continue
            if any(area.region in u.covers for u in chosen[phase]):
                continue
            best = next((u for u in pool[phase] if area.region in u.covers), None)
            if best is not None:
                chosen[phase].append(best)
                pool[phase].remove(best)
                covered |= best.covers
    for cause in profile.causes:
        strengthening = CAUSE_STRENGTHENING.get(cause)
        if strengthening is None or any(u.tech.strengthens for u in chosen["stretch"]):
            continue
        used = {u.position for p in PHASES for u in chosen[p]}
        options = [u for u in pool["stretch"] if u.tech.strengthens and cause in u.tech.causes]
        if options:
            best = max(options, key=lambda u: (u.score + _cohesion(u, used), u.tech.id))
            if not best.covers:
                best.reasons = tuple(strengthening + "." for _ in best.sides)
            chosen["stretch"].append(best)
            pool["stretch"].remove(best)
    for cause in profile.causes:
        for phase, regions, reason, extension in CAUSE_TARGETS.get(cause, ()):
            if any(regions & set(u.tech.regions) for u in chosen[phase]):
                continue
            fitting = [u for u in pool[phase] if regions & set(u.tech.regions)]
            if extension:  # an extension first, when one fits (the chair's or an active one)
                fitting.sort(key=lambda u: not u.tech.extension)
            # Prefer a technique the content says suits this cause.
            best = next((u for u in fitting if cause in u.tech.causes), fitting[0] if fitting else None)
            if best is not None:
                if not best.covers:
                    best.reasons = tuple(reason + "." for _ in best.sides)
                chosen[phase].append(best)
                pool[phase].remove(best)
    for phase in PHASES:
        budget = shares[phase] * total
        while pool[phase]:
            # Fewer position changes: among techniques of about the same value, one in a
            # position the plan already uses wins, and a lone trip to the floor loses.
            used = {u.position for p in PHASES for u in chosen[p]}
            best = max(pool[phase], key=lambda u: (u.score + _cohesion(u, used), u.tech.id))
            spent = sum(u.cost() for u in chosen[phase])
            if chosen[phase] and spent + best.cost() / 2 > budget:
                break
            chosen[phase].append(best)
            pool[phase].remove(best)
    units = [u for phase in PHASES for u in chosen[phase]]
    units += _extra_rounds(units, rounds)
    spare = [u for phase in ("release", "stretch", "warm_up", "relaxation") for u in pool[phase]]
    return _fit_count(units, spare, total, library)


def _relax_on_the_floor(
    units: list[_Unit], candidates: dict[Phase, list[_Unit]], total: int, useful: bool, library: Library
) -> list[_Unit]:
    """Once the work has gone down to the floor, relax there too instead of getting up.

    Each standing or seated relaxation is replaced by the best floor relaxation that the
    precautions and tools allow and the plan does not have yet (lying on the back or the
    side). When none is left, a seated one is dropped if a floor relaxation already
    closes the plan and the time can still be filled without it; otherwise it stays and
    comes last, so the plan gets up once, at the end, and never goes down again.
    """
    if not any(on_floor(u.position) for u in units if u.phase != "relaxation"):
        return units
    out = list(units)

    def fits(trial: list[_Unit]) -> bool:
        countdown = _prepare_total(trial, library)
        shortest = sum(u.low(useful) * len(u.sides) for u in trial) + countdown
        longest = sum(u.most() for u in trial) + countdown
        return shortest <= total <= longest

    for unit in [u for u in out if u.phase == "relaxation" and not on_floor(u.position)]:
        have = {u.tech.id for u in out}
        i = out.index(unit)
        spare = [c for c in candidates["relaxation"] if on_floor(c.position) and c.tech.id not in have]
        choice = next((c for c in spare if fits([*out[:i], c, *out[i + 1 :]])), None)
        if choice is not None:
            out[i] = choice
    # Then drop what is left seated, once a floor relaxation closes the plan (one that was
    # put in above for a later seated one counts too).
    for unit in [u for u in out if u.phase == "relaxation" and not on_floor(u.position)]:
        rest = [u for u in out if u is not unit]
        if any(u.phase == "relaxation" and on_floor(u.position) for u in rest) and fits(rest):
            out = rest
    return out


def _order(units: list[_Unit]) -> list[_Unit]:
    """The units in the order they are done: warm-up first, relaxation last, and the
    positions grouped so the session changes position as little as it can, going down to
    the floor once.

    Warm-ups (all standing or seated) come first, ending in the position the main work
    starts in. The main work (self-massage, trigger points, stretches and mobility) is
    grouped by position: standing and seated (in whichever order changes position less
    after the warm-ups; standing first when it makes no difference), then the floor
    positions in POSITION_ORDER; within a position, release comes before stretching, and
    self-massage before holds. Relaxation ends the session, staying down if the main work
    ended on the floor and otherwise keeping any floor relaxation for the very end.
    """
    warm = [u for u in units if u.phase == "warm_up"]
    main = [u for u in units if u.phase in ("release", "stretch")]
    relax = [u for u in units if u.phase == "relaxation"]
    best: list[_Unit] = []
    fewest = -1
    # Only the positions the units are in can come first (standing first when either can).
    mains = [p for p in NO_FLOOR_POSITIONS if any(u.position == p for u in main)] or ["standing"]
    warms = [p for p in NO_FLOOR_POSITIONS if any(u.position == p for u in warm)] or ["standing"]
    for main_first, warm_first in itertools.product(mains, warms):
        ordered = _arranged(warm, main, relax, main_first, warm_first)
        changes = position_changes(u.position for u in ordered for _ in u.sides)
        if fewest < 0 or changes < fewest:
            best, fewest = ordered, changes
    return best


def _arranged(
    warm: list[_Unit], main: list[_Unit], relax: list[_Unit], main_first: str, warm_first: str
) -> list[_Unit]:
    """One arrangement for `_order`: the main work's standing or seated block first
    (`main_first`), and the warm-ups' (`warm_first`) when the main work does not decide it."""

    def rank(position: Position, first: str) -> tuple[bool, bool, int]:
        return on_floor(position), position != first, POSITION_ORDER[position]

    main = sorted(
        main,
        key=lambda u: (rank(u.position, main_first), PHASES.index(u.phase), u.tech.kind != "self_massage"),
    )
    first = main[0].position if main else None
    warm = sorted(
        warm, key=lambda u: (on_floor(u.position), u.position == first, rank(u.position, warm_first))
    )
    relax = list(relax)
    before = (warm + main)[-1].position if warm or main else None
    if before is not None and on_floor(before):
        relax.sort(key=lambda u: (not on_floor(u.position), u.position != before, POSITION_ORDER[u.position]))
    else:
        relax.sort(key=lambda u: (on_floor(u.position), u.position != before, POSITION_ORDER[u.position]))
    return warm + main + relax


def _prepare_total(units: list[_Unit], library: Library) -> int:
    """The get-ready countdowns of the units' steps, in the order they are done."""
    return sum(countdowns(library, [(u.tech, side, u.position) for u in _order(units) for side in u.sides]))


def _fit_count(
    units: list[_Unit], spare: list[_Unit], total: int, library: Library
) -> tuple[list[_Unit], bool]:
    """Drop or add units until the step durations can meet the total after countdowns.

    Returns the units and whether every step can have at least its useful length
    (USEFUL_SECONDS); when even one useful step does not fit (a very short session),
    the techniques' own minimums are used instead.
    """
    units = list(units)
    # Every plan ends with relaxation (product brief: "relaxation/breathing steps at the
    # end of every plan"): the best relaxation chosen is never dropped to make room.
    finish = max(
        (u for u in units if u.phase == "relaxation"), key=lambda u: (u.score, u.tech.id), default=None
    )

    def keep_priority(unit: _Unit) -> tuple[int, float]:
        # Dropped first: extra units of crowded phases, lowest score; painful-region
        # coverage goes last ("when time allows"), and the relaxation finish never.
        if unit is finish:
            return (2, 0.0)
        same_phase = sum(1 for u in units if u.phase == unit.phase)
        return (1 if unit.covers else 0, -same_phase + unit.score / 100)

    def shortest(useful: bool, trial: list[_Unit] | None = None) -> int:
        trial = units if trial is None else trial
        return sum(u.low(useful) * len(u.sides) for u in trial) + _prepare_total(trial, library)

    # Keep at least one piece of work before the relaxation finish: a desk break too short
    # for useful lengths gets the techniques' own minimums rather than breathing alone.
    keep = 2 if finish is not None and len(units) > 1 else 1
    while shortest(True) > total and len(units) > keep:
        units.remove(min(units, key=keep_priority))
    useful = shortest(True) <= total
    while shortest(useful) > total and len(units) > 1:  # pragma: no cover - content fits one step
        units.remove(min(units, key=keep_priority))
    spare = list(spare)
    round_two: list[_Unit] = []
    while sum(u.most() for u in units) + _prepare_total(units, library) < total:
        if spare:
            candidate = spare.pop(0)
            if shortest(useful, [*units, candidate]) <= total:
                units.append(candidate)
            continue
        # Everything eligible is in: repeat the best units as a second round.
        source = [u for u in units if u.phase in ("release", "stretch")] or units
        best = max(source, key=lambda u: (u.score, u.tech.id))
        copy = _Unit(
            best.tech,
            best.sides,
            best.score - 0.5,
            best.weights,
            tuple(f"Second round: {r[0].lower()}{r[1:]}" for r in best.reasons),
            best.covers,
            best.intensity,
            cap=best.cap,
        )
        round_two.append(copy)
        units.append(copy)
        if len(round_two) > 200:  # pragma: no cover - content guarantees a fill long before
            break
    return units, useful


def _allocate(units: list[_Unit], total: int, useful: bool = True) -> None:
    """Give each step whole 5-second quanta so the steps add up to `total` exactly.

    Each unit gets time in proportion to its weight (a scale factor found by
    bisection), clamped per side between its useful (or, when `useful` is False, its
    technique's) minimum and its maximum; rounding leftovers are then handed out one
    quantum at a time.
    """
    q_total = total // QUANTUM

    def bounds(u: _Unit) -> tuple[int, int]:
        low = -(-u.low(useful) // QUANTUM)
        high = u.high() // QUANTUM
        return low, high

    def fill(scale: float) -> float:
        amount = 0.0
        for u in units:
            low, high = bounds(u)
            amount += sum(min(max(scale * w, low), high) for w in u.weights)
        return amount

    lo, hi = 0.0, 1.0
    while fill(hi) < q_total and hi < 1e9:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if fill(mid) < q_total:
            lo = mid
        else:
            hi = mid
    per_side: list[list[int]] = []
    for u in units:
        low, high = bounds(u)
        per_side.append([int(min(max(hi * w, low), high)) for w in u.weights])
    remainder = q_total - sum(sum(s) for s in per_side)
    order = sorted(range(len(units)), key=lambda i: (-max(units[i].weights), units[i].tech.id))
    # Hand out (or take back) leftovers, whole units first so both sides stay equal.
    for whole in (True, False):
        changed = True
        while remainder != 0 and changed:
            changed = False
            step = 1 if remainder > 0 else -1
            for i in order:
                low, high = bounds(units[i])
                sides = per_side[i]
                targets = (
                    range(len(sides)) if whole else [min(range(len(sides)), key=lambda k: step * sides[k])]
                )
                need = len(targets)
                if need > abs(remainder) or any(not low <= sides[k] + step <= high for k in targets):
                    continue
                for k in targets:
                    sides[k] += step
                remainder -= step * need
                changed = True
                if remainder == 0:
                    break
    for u, sides in zip(units, per_side, strict=True):
        u.seconds = [s * QUANTUM for s in sides]


def _steps(units: list[_Unit], library: Library) -> list[PlanStep]:
    steps: list[PlanStep] = []
    prepare = countdowns(library, [(u.tech, side, u.position) for u in units for side in u.sides])
    for u in units:
        variant = u.tech.variant(u.intensity)
        cue = variant.cue if variant else ""
        for side, seconds, reason in zip(u.sides, u.seconds, u.reasons, strict=True):
            if side in ("left", "right"):
                regions = tuple(r for r in u.tech.regions if region_side(r) in (side, "none"))
            else:
                regions = u.tech.regions
            steps.append(
                PlanStep(
                    technique=u.tech.id,
                    name=u.tech.name,
                    kind=u.tech.kind,
                    seconds=seconds,
                    side=side,
                    intensity=u.intensity,
                    regions=regions,
                    tools=u.tech.tools,
                    position=u.tech.position,
                    reason=render_side(reason, side),
                    cue=render_side(cue, side),
                    prepare_seconds=prepare[len(steps)],
                )
            )
    return with_scripts(steps, library)


def with_scripts(steps: Sequence[PlanStep], library: Library) -> list[PlanStep]:
    """The steps, each with its script (`core.script.plan_scripts`)."""
    return [replace(s, script=lines) for s, lines in zip(steps, plan_scripts(library, steps), strict=True)]


# --- checklists -----------------------------------------------------------------------


def _checklists(
    profile: Profile, limits: _Limits, safety: ScreeningOutcome, desk_break: bool, library: Library
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    before = ["Drink a glass of water."]
    if desk_break:
        before.append("Stand up, loosen your shoulders and breathe out slowly.")
    elif "no_heat" in limits.precautions:
        before.append(
            "Warm up first: the first steps are gentle movement. If you take a warm shower"
            " beforehand, test the water with a part of you that feels normally; no heat packs."
        )
    else:
        heat = "heat_pack" in limits.tools
        before.append(
            "The first steps warm you up; a warm shower beforehand helps too"
            + (", or a heat pack (warm, not hot, and not on skin that feels numb)." if heat else ".")
        )
    before.append("Breathe out as you press; never hold your breath.")
    before.append(
        "Stop at once on sharp, shooting or burning pain, numbness, tingling or dizziness;"
        " press 'too much' if it is just too strong."
    )
    for precaution in effective_precautions(safety):
        item = library.precaution(precaution)
        if item is not None:
            before.append(item.note)
    avoided = sorted(limits.avoided)
    if avoided:
        before.append("Leave alone: " + ", ".join(_label(r) for r in avoided) + ".")
    after = [
        "Drink some water.",
        "Rest a minute and breathe slowly before you get up.",
        "Rate your pain 0-10 now, so you can see what helps.",
        "Mild soreness the next day is common; if pain is worse the next day, go gentler next time.",
    ]
    if not desk_break:
        after.append("Aim for 2-3 sessions a week; short desk breaks in between help.")
    return tuple(before), tuple(after)


# --- public API -----------------------------------------------------------------------


def plan_session(
    profile: Profile,
    safety: ScreeningOutcome,
    library: Library,
    seed: int = 0,
    adaptation: Adaptation = NO_ADAPTATION,
    dose: Dose | None = None,
) -> Plan:
    """Build a timed session plan that honours every precaution of the screening.

    With an `adaptation` from the person's history, it prefers what has helped them,
    keeps exploring, eases techniques where they pressed "too much", leaves out those
    they turned off, and progresses slowly while pain falls. Deterministic for the same
    input, history and seed. Raises InputError when nothing at all can be planned.

    With a programme's `dose` (`core.programme.Dose`), the week's dose sets the minutes, the
    pressure asked for, the longest hold and rolling step and the rounds of the best release
    work; the precautions, the "too much" caps and each technique's own limits still bound
    every step (the dose replaces the slower `progression`).
    """
    if dose is not None:
        # The dose builds up within what the person chose: no longer than their minutes, no
        # firmer than the pressure they asked for (`programme.dose_limits` caps the stored
        # dose the same way; this also holds a shorter session chosen just for today).
        minutes = max(MIN_MINUTES, min(MAX_MINUTES, dose.minutes, profile.minutes))
        pressure = dose.pressure
        if profile.pressure is not None:
            pressure = min(pressure, profile.pressure, key=INTENSITY_RANK.__getitem__)
        profile = replace(profile, minutes=minutes, pressure=pressure)
        adaptation = replace(adaptation, progression=0)
    total = profile.minutes * 60
    if safety.level in REFUSED_LEVELS:
        return Plan(
            level=safety.level,
            minutes=profile.minutes,
            total_seconds=0,
            precautions=safety.precautions,
            before=(),
            after=(),
            steps=(),
            advice=safety.advice,
        )
    desk_break = profile.minutes < DESK_BREAK_BELOW_MINUTES
    limits = _limits(profile, safety, desk_break, adaptation)
    rng = random.Random(seed)
    candidates = _candidates(library, profile, limits, rng, adaptation, dose)
    if not any(candidates.values()):
        raise InputError(
            "tool", "no technique fits these tools and limits; add 'hands' or another tool", TOOLS
        )
    units, useful = _select(candidates, profile, total, library, dose.rounds if dose is not None else 1)
    units = _order(_relax_on_the_floor(units, candidates, total, useful, library))
    _allocate(units, total - _prepare_total(units, library), useful)
    steps = _steps(units, library)
    before, after = _checklists(profile, limits, safety, desk_break, library)
    return Plan(
        level=safety.level,
        minutes=profile.minutes,
        total_seconds=sum(s.prepare_seconds + s.seconds for s in steps),
        precautions=effective_precautions(safety),
        before=before,
        after=after,
        steps=tuple(steps),
        advice=safety.advice,
        desk_break=desk_break,
        notes=_coverage_notes(profile, steps, limits) + _adaptation_notes(adaptation) + _dose_notes(dose),
    )


def _dose_notes(dose: Dose | None) -> tuple[str, ...]:
    if dose is None:
        return ()
    return (
        f"This week's programme dose: {dose.describe()} (within your precautions and each step's limits).",
    )


def _adaptation_notes(adaptation: Adaptation) -> tuple[str, ...]:
    notes = []
    if adaptation.progression:
        notes.append("Your pain has been falling, so holds are a little longer than before.")
    if adaptation.disabled:
        count = len(adaptation.disabled)
        notes.append(
            f"{count} technique{'s are' if count > 1 else ' is'} left out after 'sharp pain';"
            " you can turn them back on under Insights."
        )
    return tuple(notes)


def _coverage_notes(profile: Profile, steps: Sequence[PlanStep], limits: _Limits) -> tuple[str, ...]:
    worked = {r for s in steps for r in s.regions}
    notes = []
    for area in profile.areas:
        if area.region in limits.avoided:
            notes.append(f"The area {_label(area.region)} is left alone, as the safety check advises.")
        elif area.region not in worked:
            notes.append(
                f"No step reaches the area {_label(area.region)} with these tools, limits and time;"
                " more tools or minutes would help."
            )
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class MassageSuggestion:
    """A professional massage type, ranked for this person, with the reasons."""

    massage_type: MassageType
    score: float
    suitable: bool
    reasons: tuple[str, ...]

    def to_json(self, rank: int) -> dict[str, object]:
        """The type with its rank, verdict and reasons (CLI `--json` and the API)."""
        return {
            **json_ready(asdict(self.massage_type)),
            "rank": rank,
            "suitable": self.suitable,
            "reasons": list(self.reasons),
        }


def recommend_massage_types(
    profile: Profile, safety: ScreeningOutcome, library: Library
) -> tuple[MassageSuggestion, ...]:
    """Rank the professional massage types for this profile, best first, each with why.

    The person's precautions and level apply to each type (SCREENING.md, "Professional
    massage advice obeys the same precautions"): a `soon`, urgent or emergency screen rules
    every type out until a clinician has seen them; a type whose `avoid_precautions` meet a
    precaution is ruled out (so gentle pressure only leaves out deep tissue, sports, Thai
    and trigger point work); each precaution's `massage` words go with every type it lets
    through (pregnancy: only a therapist trained in it, on the side or seated). Ruled-out
    types stay in the list, last, with `suitable=False` and the reason. Every type says why
    it ranks where it does: what suits the person, and how its pressure compares with theirs.
    """
    precautions = effective_precautions(safety)
    knots = any(a.knot for a in profile.areas)
    wanted = profile.target_intensity
    conditions: list[str] = []
    for precaution in precautions:
        if precaution.startswith(AVOID_REGION_PREFIX):
            continue
        item = library.precaution(precaution)
        if item is not None and item.massage and item.massage not in conditions:
            conditions.append(item.massage)
    avoided = [p[len(AVOID_REGION_PREFIX) :] for p in precautions if p.startswith(AVOID_REGION_PREFIX)]
    if avoided:
        conditions.append(
            "Ask the therapist to leave these areas alone: " + ", ".join(_label(r) for r in avoided) + "."
        )
    out: list[MassageSuggestion] = []
    for kind in library.massage_types:
        reasons: list[str] = []
        suitable = True
        if safety.level in REFUSED_LEVELS or safety.level == "soon":
            suitable = False
            when = "within days" if safety.level == "soon" else "today"
            reasons.append(
                f"Not now: see your clinician first ({when}), as your safety check advises; ask them"
                " whether massage is fine for you."
            )
        blocked = sorted(set(precautions) & set(kind.avoid_precautions))
        if blocked:
            suitable = False
            labels = []
            for p in blocked:
                item = library.precaution(p)
                labels.append(item.label.lower() if item is not None else p.replace("_", " "))
            reasons.append("Not advised for you now: " + ", ".join(labels) + ".")
        if suitable:
            reasons.extend(conditions)
        score = 0.0
        for cause in profile.causes:
            if cause in kind.suits_causes:
                score += 2
                reasons.append(f"Suits {_CAUSE_WORDS[cause]}.")
        if kind.id == "sports" and "sport" in profile.causes:
            # Product brief: an active person gets a sports-massage suggestion.
            score += 2
            reasons.append("Made for active people: flexibility and recovery after training.")
        if knots and kind.id in ("trigger_point_therapy", "deep_tissue"):
            score += 2
            reasons.append("Works on the knots you marked.")
        gap = INTENSITY_RANK[kind.pressure] - INTENSITY_RANK[wanted]
        score += 1 - abs(gap)
        if gap == 0:
            reasons.append(f"Matches the {wanted} pressure you prefer.")
        else:
            reasons.append(
                f"Its {kind.pressure} pressure is {'firmer' if gap > 0 else 'lighter'} than the {wanted}"
                " pressure you prefer, so it ranks lower."
            )
        if profile.stress >= 6 and kind.id == "swedish":
            score += 2
            reasons.append(f"Relaxing: you rated your stress {profile.stress}/10.")
        out.append(MassageSuggestion(kind, score, suitable, tuple(reasons)))
    out.sort(key=lambda s: (not s.suitable, -s.score, s.massage_type.id))
    return tuple(out)


def gets_up_to_relax(steps: Sequence[PlanStep]) -> bool:
    """Whether a relaxation step is done standing or seated after a step on the floor."""
    down = False
    for step in steps:
        if down and step.kind == "relaxation" and not on_floor(step.position):
            return True
        down = down or on_floor(step.position)
    return False


def covered_regions(plan: Plan) -> frozenset[str]:
    """Every region some step of the plan works on."""
    return frozenset(r for step in plan.steps for r in step.regions)


# --- storing and editing plans ------------------------------------------------------------


def plan_to_record(plan: Plan) -> dict[str, object]:
    """Everything in a plan, as JSON-ready data (steps with names and cues)."""

    return json_ready(asdict(plan))


def json_ready(value: dict[str, Any]) -> dict[str, Any]:
    """`asdict` output with every tuple turned into a list, ready for JSON fields."""

    def plain(item: object) -> object:
        if isinstance(item, tuple | list):
            return [plain(x) for x in item]
        if isinstance(item, dict):
            return {key: plain(x) for key, x in item.items()}
        return item

    return {key: plain(x) for key, x in value.items()}


def plan_from_record(data: dict[str, Any], library: Library | None = None) -> Plan:
    """A plan back from `plan_to_record` data.

    With the `library`, a plan stored before countdowns were budgeted gets the countdowns
    the players run, and one stored before scripts gets its script."""
    fields = dict(data)
    fields.pop("programme", None)  # a therapist's programme the plan came from (backease.clinic)
    raw = list(data.get("steps", ()))
    steps = tuple(
        PlanStep(
            **{
                **step,
                "regions": tuple(step["regions"]),
                "tools": tuple(step["tools"]),
                "script": tuple(ScriptLine.from_json(line) for line in step.get("script", ())),
            }
        )
        for step in raw
    )
    if library is not None:
        if any("prepare_seconds" not in step for step in raw):
            prepare = countdowns(
                library, [(library.technique(s.technique), s.side, s.position) for s in steps]
            )
            steps = tuple(
                s if "prepare_seconds" in step else replace(s, prepare_seconds=countdown)
                for s, step, countdown in zip(steps, raw, prepare, strict=True)
            )
        if any("script" not in step for step in raw):
            steps = tuple(with_scripts(steps, library))
    fields["steps"] = steps
    for name in ("precautions", "before", "after", "notes"):
        fields[name] = tuple(data.get(name, ()))
    return Plan(**fields)


def _flow_holds(steps: Sequence[tuple[str, Phase]]) -> bool:
    """Whether a sequence of (position, phase) keeps the order plans are made in.

    Down to the floor at most once; the main work visits each position once, standing,
    seated, then the floor positions in POSITION_ORDER, with release before stretching
    within a position; warm-ups and relaxation each visit a position once.
    """
    if floor_trips(p for p, _ in steps) > 1:
        return False
    for phases in (("warm_up",), ("release", "stretch"), ("relaxation",)):
        part = [(p, ph) for p, ph in steps if ph in phases]
        blocks = [p for n, (p, _) in enumerate(part) if n == 0 or part[n - 1][0] != p]
        if len(blocks) != len(set(blocks)):
            return False
        if phases == ("release", "stretch"):
            # Standing and seated in either order, then the floor positions in order.
            if blocks != sorted(blocks, key=lambda p: (on_floor(p), POSITION_ORDER[p] if on_floor(p) else 0)):
                return False
            for (p1, ph1), (p2, ph2) in itertools.pairwise(part):
                if p1 == p2 and PHASES.index(ph1) > PHASES.index(ph2):
                    return False
    return True


def _swap_times(
    plan: Plan, old: str, tech: Technique, library: Library
) -> tuple[list[int], list[int]] | None:
    """Each step's seconds and countdown once `tech` replaces every step of `old`, or None.

    None when the swap would break the plan's flow (see `_flow_holds`; nor may it make the
    plan get up from the floor to relax) or cannot keep its time. A new position changes
    the countdowns around the step, and a new technique may need a longer or allow only a
    shorter step: the swapped steps give or take that time first, then the other steps,
    5 seconds at a time from the one with the most room, so the total stays exact and
    every step stays within its technique's limits and at least its useful length.
    """
    mine = [i for i, s in enumerate(plan.steps) if s.technique == old]
    positions = [tech.position if i in mine else s.position for i, s in enumerate(plan.steps)]
    phases = [PHASE_OF_KIND[s.kind] for s in plan.steps]
    if not _flow_holds(list(zip(positions, phases, strict=True))):
        return None
    swapped = [
        replace(s, kind=tech.kind, position=tech.position) if i in mine else s
        for i, s in enumerate(plan.steps)
    ]
    if gets_up_to_relax(swapped) and not gets_up_to_relax(plan.steps):
        return None
    techniques = [tech if i in mine else library.technique(s.technique) for i, s in enumerate(plan.steps)]
    prepare = countdowns(
        library, [(t, s.side, p) for t, s, p in zip(techniques, plan.steps, positions, strict=True)]
    )
    target = sum(s.seconds + s.prepare_seconds for s in plan.steps) - sum(prepare)

    def bounds(i: int) -> tuple[int, int]:
        own = tech if i in mine else library.technique(plan.steps[i].technique)
        if own is None:  # renamed in the content since the plan was made: keep its time
            return plan.steps[i].seconds, plan.steps[i].seconds
        return (own.min_seconds if plan.desk_break else _useful_seconds(own)), own.max_seconds

    limits = [bounds(i) for i in range(len(plan.steps))]
    seconds = [s.seconds for s in plan.steps]
    for i in mine:
        seconds[i] = min(max(seconds[i], limits[i][0]), limits[i][1])
    others = [i for i in range(len(plan.steps)) if i not in mine]
    while (left := target - sum(seconds)) != 0:
        move = QUANTUM if left > 0 else -QUANTUM
        fits = [i for i in range(len(seconds)) if limits[i][0] <= seconds[i] + move <= limits[i][1]]
        own = [i for i in mine if i in fits]
        if own:  # the swapped steps first, side by side so both sides stay even
            seconds[min(own, key=lambda i: (move * seconds[i], i))] += move
            continue
        room = [i for i in others if i in fits]
        if not room:
            return None
        side = 0 if move < 0 else 1  # the most room above the minimum, or below the maximum
        seconds[max(room, key=lambda i: (abs(limits[i][side] - seconds[i]), -i))] += move
    return seconds, prepare


def step_alternatives(
    plan: Plan,
    index: int,
    profile: Profile,
    safety: ScreeningOutcome,
    library: Library,
    adaptation: Adaptation = NO_ADAPTATION,
) -> tuple[Technique, ...]:
    """Techniques that could replace step `index` (and its other side).

    An alternative is of the same phase, passes every safety filter, needs only tools at
    hand, is done per side exactly when the step is, works at least one of the step's
    regions (any for a step with none), and is not already in the plan. It may be done in
    another position when the plan still flows afterwards (standing, seated, then the
    floor, down once; see `_swap_times`), and it must fit the step's time, which moves by
    the change in get-ready countdowns so the total stays exact.
    """
    if not 0 <= index < len(plan.steps):
        raise Missing("index", f"step {index} does not exist; the plan has {len(plan.steps)} steps")
    step = plan.steps[index]
    current = library.technique(step.technique)
    if current is None:
        return ()
    limits = _limits(profile, safety, plan.desk_break, adaptation)
    used = {s.technique for s in plan.steps}
    wanted_regions = {region_base(r) for r in step.regions}
    sides = {s.side for s in plan.steps if s.technique == step.technique}
    out = []
    for tech in library.techniques:
        if tech.id in used or PHASE_OF_KIND[tech.kind] != PHASE_OF_KIND[current.kind]:
            continue
        if not _allowed(tech, limits) or tech.per_side != current.per_side:
            continue
        if wanted_regions and not wanted_regions & {region_base(r) for r in tech.regions}:
            continue
        touched = [r for r in tech.regions if region_side(r) in (*sides, "none") or not tech.per_side]
        if any(r in limits.avoided for r in touched):
            continue
        if _swap_times(plan, step.technique, tech, library) is None:
            continue
        out.append(tech)
    return tuple(out)


def swap_step(
    plan: Plan,
    index: int,
    technique_id: str,
    profile: Profile,
    safety: ScreeningOutcome,
    library: Library,
    adaptation: Adaptation = NO_ADAPTATION,
) -> Plan:
    """The plan with step `index` (and its other side) done with another technique.

    The total stays the same: in a new position, the swapped steps give or take the
    change in get-ready countdowns. Raises InputError when the technique is not one of
    `step_alternatives`.
    """
    options = {t.id: t for t in step_alternatives(plan, index, profile, safety, library, adaptation)}
    if technique_id not in options:
        raise InputError("technique", f"'{technique_id}' cannot replace this step", sorted(options))
    tech = options[technique_id]
    old = plan.steps[index]
    times = _swap_times(plan, old.technique, tech, library)
    assert times is not None  # step_alternatives checked it
    seconds, prepare = times
    limits = _limits(profile, safety, plan.desk_break, adaptation)
    intensity = _intensity(tech, profile, limits, adaptation)
    variant = tech.variant(intensity)
    steps = []
    for step, step_seconds, countdown in zip(plan.steps, seconds, prepare, strict=True):
        if step.technique != old.technique:
            steps.append(replace(step, seconds=step_seconds, prepare_seconds=countdown))
            continue
        if step.side in ("left", "right"):
            regions = tuple(r for r in tech.regions if region_side(r) in (step.side, "none"))
        else:
            regions = tech.regions
        steps.append(
            PlanStep(
                technique=tech.id,
                name=tech.name,
                kind=tech.kind,
                seconds=step_seconds,
                side=step.side,
                intensity=intensity,
                regions=regions,
                tools=tech.tools,
                position=tech.position,
                reason=f"Your choice, instead of {old.name.lower()}.",
                cue=render_side(variant.cue, step.side) if variant else "",
                prepare_seconds=countdown,
            )
        )
    return replace(plan, steps=tuple(with_scripts(steps, library)))
