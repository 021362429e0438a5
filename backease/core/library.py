"""Typed records for the content library (techniques, anatomy, tools, references).

These are plain frozen dataclasses so that the planner and the CLI can use them
without importing a validation library. `backease.content.loader` validates the YAML
files into these records (with pydantic) and checks every cross-reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    BACK_REGIONS,
    INTENSITY_RANK,
    Benefit,
    Cause,
    EvidenceGrade,
    Intensity,
    Kind,
    Position,
    RegionId,
    Side,
    ToolId,
)

# Unknown keys in a YAML entry are errors, so a typo never silently drops a field.
_STRICT: dict[str, Any] = {"extra": "forbid", "str_strip_whitespace": True}


@dataclass(frozen=True, slots=True)
class Reference:
    """A published source, verified to exist, that a technique or rule cites."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    kind: Literal["article", "review", "guideline", "web", "book"]
    title: str
    authors: str
    year: int
    source: str
    """Journal with volume/pages, publisher, or the organisation behind a web page."""
    doi: str | None = None
    url: str | None = None
    note: str = ""
    """What this source supports in backease, in one plain sentence."""


@dataclass(frozen=True, slots=True)
class Region:
    """One clickable area of the body map."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: RegionId
    label: str
    side: Side
    view: Literal["back", "front"]
    muscles: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Muscle:
    """A muscle of the anatomy explorer: what it does and where it refers pain."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    name: str
    location: str
    actions: str
    refers_pain_to: str
    trigger_point_notes: str
    regions: tuple[RegionId, ...]
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tool:
    """Something a technique needs. `default` tools are assumed when none are named."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: ToolId
    name: str
    description: str
    default: bool = False
    substitutes: tuple[ToolId, ...] = ()
    safety_note: str = ""
    excluded_by: tuple[str, ...] = ()
    """Precautions under which this tool is never used (e.g. `no_firm_tools` for a firm
    ball): every technique that needs it is ruled out by them too."""
    cautions: tuple[str, ...] = ()
    """Precautions that rule out some ways of using this tool (e.g. lying on it); the
    safety note must say so, and a content test holds the two together. `no_tools_on_back`
    here rules out every technique that uses the tool on a back region (TOOL_ON_BACK)."""


@dataclass(frozen=True, slots=True)
class Precaution:
    """One precaution of the safety contract (SCREENING.md), in plain words."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    label: str
    """A short name ("Gentle pressure only")."""
    note: str
    """One plain sentence saying what it means for a session, shown with every plan."""
    mentions: str = ""
    """A regular expression matching words of a safety note that speak of the condition
    behind this precaution ("blood thinner"); empty when no note names one condition."""
    massage: str = ""
    """What this precaution means for a professional massage, in one plain sentence the
    massage guide shows with every type it does not rule out ("tell the therapist...");
    empty when it changes nothing there."""


@dataclass(frozen=True, slots=True)
class IntensityCap:
    """The strongest intensity a technique may be done at under one precaution."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    precaution: str
    intensity: Intensity


@dataclass(frozen=True, slots=True)
class IntensityVariant:
    """How to do a technique at one intensity."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    intensity: Intensity
    cue: str


SPOKEN_WORD_LIMITS: dict[str, int] = {
    "setup": 30,
    "setup_short": 15,
    "go": 10,
    "cues": 15,
    "breathing": 15,
    "stop": 20,
}
"""The most words each spoken line may have (each cue counts on its own). espeak-ng at its
default rate says the library's lines at 3.2 words a second: the longest set-up (26 words)
in 8.7 s, the longest stop line (19 words) in 6.9 s (bench/spoken_lines.py)."""


@dataclass(frozen=True, slots=True)
class Spoken:
    """What the voice says for a technique, written for the ear: someone lying on a roller
    with their eyes closed. The full how-to (`steps`, `stop_if`) stays on screen and in
    print; these lines are short enough to say in the get-ready and during the hold.

    Any line may name the side through placeholders (`core.sides`).
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    setup: str
    """At most 30 words: the position and where the tool goes (said in the get-ready)."""
    go: str
    """The very first instruction of the hold, said right after "Go."."""
    cues: tuple[str, ...]
    """One or two cues for the middle of the hold."""
    breathing: str
    """How to breathe during the hold."""
    stop: str
    """At most 20 words: the signs to stop for that matter most here. A technique whose
    stop_if asks to call emergency services for chest pain says so here too."""
    setup_short: str = ""
    """A shorter set-up for a later appearance in the same session (the second side, a
    second round), when the person has just heard the full one."""


@dataclass(frozen=True, slots=True)
class Technique:
    """One exercise, self-massage or breathing practice the planner can schedule.

    Durations are in seconds and, for `per_side` techniques, per side.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    name: str
    kind: Kind
    summary: str
    regions: tuple[RegionId, ...]
    """Regions the technique works on; per-side techniques list both sides."""
    muscles: tuple[str, ...]
    tools: tuple[ToolId, ...]
    """Every tool listed is required; an empty tuple means nothing is needed."""
    position: Position
    default_seconds: int
    min_seconds: int
    max_seconds: int
    per_side: bool
    intensities: tuple[IntensityVariant, ...]
    steps: tuple[str, ...]
    breathing_cue: str
    pressure_cue: str
    mistakes: tuple[str, ...]
    stop_if: tuple[str, ...]
    spinal_pressure: bool
    """Puts a roller, ball, tool or edge on the spine (rolling across it counts, whatever
    the tilt), or loads the spine in extension over one."""
    sustained_pressure: bool
    """Holds pressure on one spot (trigger-point style) rather than moving."""
    neck_pressure: bool
    """Presses on the neck; left out when arm symptoms suggest an irritated nerve root."""
    benefits: tuple[Benefit, ...]
    evidence: EvidenceGrade
    evidence_note: str
    """One plain sentence on how strong the evidence is for this kind of technique."""
    spoken: Spoken
    """The lines the players speak (`Spoken`); per-side lines use side placeholders."""
    references: tuple[str, ...] = ()
    causes: tuple[Cause, ...] = ()
    """Causes this technique is particularly suited to (the planner weighs these)."""
    rub_note: str = ""
    """Optional note on using a topical muscle rub with this technique."""
    heat_option: bool = False
    """True when heat (a warm shower or heat pack) is part of it; `no_heat` rules it out."""
    before_session: bool = False
    """Done before the timed session (a warm shower): the planner puts it in the
    before-checklist instead of timing it as a step."""
    body_weight_on_tool: bool = False
    """Body weight rests on a roller or ball: lying, side-lying, on all fours or sitting
    on it. Leaning on one against a wall while standing does not count."""
    loaded_end_range: bool = False
    """Hands, a towel or strap, a door frame or hanging body weight push a twist, bend
    or traction further than the muscles alone take it."""
    extension: bool = False
    """Moves the upper back into extension (arching back, or lifting the chest): the
    opposite of a desk slump, which the planner looks for when posture is a cause."""
    strengthens: bool = False
    """A gentle strengthening exercise: the muscles work against gravity, a wall or a towel
    rather than being stretched or pressed (planned in the stretch phase, kind `mobility`;
    the planner brings one in for muscular imbalance)."""
    also_excluded_by: tuple[str, ...] = ()
    """Precautions that rule this technique out beyond those its facts imply (declared
    in YAML, with the reason in a comment)."""
    max_intensity_under: tuple[IntensityCap, ...] = ()
    """Caps on intensity under a precaution, when only the stronger variants are a
    problem (e.g. a hand easing a twist further in the moderate variant)."""
    excluded_by: tuple[str, ...] = ()
    """Every precaution that rules this technique out, sorted. Computed by the loader from
    the facts above (`exclusions_of`), never written in YAML; the planner reads only this."""

    def variant(self, intensity: Intensity) -> IntensityVariant | None:
        """The variant for an intensity, or None when the technique has none."""
        for item in self.intensities:
            if item.intensity == intensity:
                return item
        return None

    def cap_under(self, precautions: Iterable[str]) -> Intensity | None:
        """The lowest `max_intensity_under` cap that these precautions trigger, or None."""
        active = set(precautions)
        caps: list[Intensity] = [c.intensity for c in self.max_intensity_under if c.precaution in active]
        if not caps:
            return None
        return min(caps, key=INTENSITY_RANK.__getitem__)


# What each fact of a technique means for the safety contract (SCREENING.md).
FACT_PRECAUTIONS: tuple[tuple[str, str], ...] = (
    ("spinal_pressure", "no_spinal_pressure"),
    ("sustained_pressure", "no_sustained_pressure"),
    ("neck_pressure", "no_neck_pressure"),
    ("body_weight_on_tool", "no_body_weight_on_tools"),
    ("loaded_end_range", "no_loaded_end_range"),
    ("heat_option", "no_heat"),
)
POSITION_PRECAUTIONS: dict[str, str] = {"supine": "no_lying_on_back", "prone": "no_lying_face_down"}
TOOL_ON_BACK = "no_tools_on_back"
"""SCREENING.md: a lump whose place is not given: no tool touches any back region."""


def exclusions_of(tech: Technique, tools: Mapping[ToolId, Tool]) -> tuple[str, ...]:
    """Every precaution that rules a technique out, derived from its facts.

    Its tools' `excluded_by`, a tool marked `no_tools_on_back` used on a back region, its
    pressure, load and heat facts, its position, a missing gentle variant
    (`gentle_pressure_only`), and whatever it declares in `also_excluded_by`.
    """
    out = set(tech.also_excluded_by)
    on_back = any(region in BACK_REGIONS for region in tech.regions)
    for tool_id in tech.tools:
        tool = tools.get(tool_id)
        if tool is not None:
            out.update(tool.excluded_by)
            if on_back and TOOL_ON_BACK in tool.cautions:
                out.add(TOOL_ON_BACK)
    for fact, precaution in FACT_PRECAUTIONS:
        if getattr(tech, fact):
            out.add(precaution)
    if tech.position in POSITION_PRECAUTIONS:
        out.add(POSITION_PRECAUTIONS[tech.position])
    if tech.variant("gentle") is None:
        out.add("gentle_pressure_only")
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class MassageType:
    """A kind of professional massage for the massage-types guide."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    name: str
    what_it_is: str
    suits: str
    what_to_expect: str
    pressure: Intensity
    suits_causes: tuple[Cause, ...]
    avoid_when: tuple[str, ...]
    avoid_precautions: tuple[str, ...]
    """Precaution ids (SCREENING.md) under which this type is not advised."""
    evidence: EvidenceGrade
    evidence_note: str
    choosing_a_therapist: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tip:
    """A short piece of self-care advice (warm-up, consistency, hydration...)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    topic: Literal[
        "warm_up",
        "consistency",
        "listen",
        "hydration",
        "aftercare",
        "precautions",
        "tools",
        "posture",
        "anatomy",
        "stress",
    ]
    title: str
    body: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Faq:
    """A frequently asked question with a plain answer."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    question: str
    answer: str
    references: tuple[str, ...] = ()


LabelGroup = Literal[
    "kind",
    "phase",
    "side",
    "position",
    "intensity",
    "cause",
    "benefit",
    "evidence",
    "level",
    "voice",
    "move_floor",
    "move",
]
"""The groups of ids that have words in labels.yaml (each a vocabulary of core/vocab.py)."""


@dataclass(frozen=True, slots=True)
class Labels:
    """The words for one group of ids (labels.yaml): `words[id]` is what people read."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: LabelGroup
    words: dict[str, str]


@dataclass(frozen=True, slots=True)
class Library:
    """Everything the content files hold, validated and cross-checked."""

    techniques: tuple[Technique, ...]
    regions: tuple[Region, ...]
    muscles: tuple[Muscle, ...]
    tools: tuple[Tool, ...]
    massage_types: tuple[MassageType, ...]
    tips: tuple[Tip, ...]
    faq: tuple[Faq, ...]
    references: tuple[Reference, ...]
    precautions: tuple[Precaution, ...] = ()
    labels: tuple[Labels, ...] = ()
    _by_id: dict[str, Technique] = field(default_factory=dict, compare=False, repr=False)
    _precaution_by_id: dict[str, Precaution] = field(default_factory=dict, compare=False, repr=False)
    _words: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({t.id: t for t in self.techniques})
        self._precaution_by_id.update({p.id: p for p in self.precautions})
        self._words.update({group.id: group.words for group in self.labels})

    def label(self, group: LabelGroup, value: str) -> str:
        """The words people read for the id `value` of `group` (labels.yaml): 'Left side'
        for ("side", "left"), 'Trigger-point release' for ("kind", "trigger_point").
        The content check makes every id of each group have words; an unknown id is
        returned as it is."""
        return self._words.get(group, {}).get(value, value)

    def precaution(self, precaution_id: str) -> Precaution | None:
        """The plain words for a precaution id, or None (e.g. `avoid_region:...`)."""
        return self._precaution_by_id.get(precaution_id)

    def precaution_words(self, precaution_id: str) -> str:
        """A precaution in plain words: its note (content/precautions.yaml), or for
        `avoid_region:<region>` which area to leave alone."""
        if precaution_id.startswith(AVOID_REGION_PREFIX):
            region_id = precaution_id[len(AVOID_REGION_PREFIX) :]
            label = next((r.label for r in self.regions if r.id == region_id), region_id)
            return f"Leave this area alone: {label}."
        known = self.precaution(precaution_id)
        return known.note if known is not None else precaution_id.replace("_", " ")

    def technique(self, technique_id: str) -> Technique | None:
        """The technique with this id, or None."""
        return self._by_id.get(technique_id)

    def technique_ids(self) -> tuple[str, ...]:
        """Every technique id, in library order."""
        return tuple(t.id for t in self.techniques)
