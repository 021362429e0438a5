"""Words for the side being worked.

A per-side technique is written once, with placeholders for its sides, and rendered
for each step by `render_side`. The side of a step is the side of the body being
worked: stretched, pressed or massaged (INTERFACES.md, "Sides"). For the levator
scapulae stretch of the left side, "Hold the seat with your {side} hand and turn your
head to the {other}" reads "Hold the seat with your left hand and turn your head to
the right", and the left side of the neck is stretched.

The placeholders:
    {side}   the side being worked: "left" or "right"
    {other}  the other side: "right" or "left"
    {Side}, {Other}   the same, capitalised for the start of a sentence

Nobody else substitutes "left" and "right": every page, the CLI, the API, print and
the players call this module, so the words, the label and the figure agree.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from backease.core.library import IntensityVariant, Spoken, Technique
from backease.core.vocab import SIDES, Side

Worked = Literal["left", "right"]

DEFAULT_SIDE: Worked = "left"
"""The side a per-side text is shown for when no side is chosen (a technique page, a
handout line done on each side): the side the planner does first."""

_OTHER: dict[Worked, Worked] = {"left": "right", "right": "left"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")
PLACEHOLDERS: tuple[str, ...] = ("side", "other", "Side", "Other")
"""The names allowed between braces in a per-side text."""

# A side named outright: what a per-side text may only say through a placeholder.
_FIXED_SIDE = re.compile(r"\b(left|right)\b", re.IGNORECASE)

# Words that leave the reader to guess which side is meant ("one shoulder blade", "the
# other hand", "the opposite shoulder"): in a per-side text the side is known, so say it.
_BODY_PARTS = (
    r"(?:side|hand|arm|shoulder(?: blade)?|armpit|elbow|wrist|ear|hip|knee|leg|foot|ankle"
    r"|buttock|thigh|collarbone|chest|neck)s?"
)
_AMBIGUOUS_SIDE = re.compile(
    rf"\b(?:one|other|opposite|that)\s+{_BODY_PARTS}\b|\bon that side\b|\bside you are working\b",
    re.IGNORECASE,
)


def as_side(value: str) -> Side:
    """A stored or typed side id as a Side ("none" for anything else), for rendering."""
    for side in SIDES:
        if value == side:
            return side
    return "none"


def worked_side(side: Side) -> Worked:
    """The side a text is rendered for: the step's side, or DEFAULT_SIDE for both/none."""
    return side if side == "left" or side == "right" else DEFAULT_SIDE


def render_side(text: str, side: Side) -> str:
    """`text` with its side placeholders filled in for the side being worked.

    `both` and `none` render the text for DEFAULT_SIDE (a text without placeholders is
    returned unchanged, whatever the side). Unknown names between braces are left as
    they are; the content check refuses them.
    """
    if "{" not in text:
        return text
    this = worked_side(side)
    words = {"side": this, "other": _OTHER[this]}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        word = words.get(name.lower())
        if word is None or name not in PLACEHOLDERS:
            return match.group(0)
        return word.capitalize() if name[0].isupper() else word

    return _PLACEHOLDER.sub(fill, text)


def has_placeholders(text: str) -> bool:
    """Whether `text` names a side through a placeholder."""
    return any(m.group(1) in PLACEHOLDERS for m in _PLACEHOLDER.finditer(text))


def unknown_placeholders(text: str) -> list[str]:
    """Names between braces that are not side placeholders (`{left}`, `{sdie}`)."""
    return [m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(1) not in PLACEHOLDERS]


def fixed_side_words(text: str) -> list[str]:
    """The sides `text` names outright ("left", "Right"), outside its placeholders."""
    return [m.group(0) for m in _FIXED_SIDE.finditer(_PLACEHOLDER.sub(" ", text))]


def ambiguous_side_words(text: str) -> list[str]:
    """Phrases that leave the side to guess ("one shoulder blade", "your other hand")."""
    return [m.group(0) for m in _AMBIGUOUS_SIDE.finditer(text)]


def side_texts(tech: Technique) -> dict[str, str]:
    """Every text of a technique that is rendered for a side, by field path
    (`steps.2`, `intensities.gentle`, `spoken.setup`), for the content checks."""
    out: dict[str, str] = {f"steps.{i}": s for i, s in enumerate(tech.steps)}
    out.update({f"intensities.{v.intensity}": v.cue for v in tech.intensities})
    out["breathing_cue"] = tech.breathing_cue
    out["pressure_cue"] = tech.pressure_cue
    out.update({f"mistakes.{i}": m for i, m in enumerate(tech.mistakes)})
    out.update({f"stop_if.{i}": s for i, s in enumerate(tech.stop_if)})
    out.update({f"spoken.{name}": text for name, text in spoken_texts(tech.spoken).items()})
    return out


def spoken_texts(spoken: Spoken) -> dict[str, str]:
    """The spoken lines by name (`setup`, `cues.0`...), empty optional ones left out."""
    out = {"setup": spoken.setup, "go": spoken.go}
    out.update({f"cues.{i}": c for i, c in enumerate(spoken.cues)})
    out.update({"breathing": spoken.breathing, "stop": spoken.stop})
    if spoken.setup_short:
        out["setup_short"] = spoken.setup_short
    return out


def render_spoken(spoken: Spoken, side: Side) -> Spoken:
    """The spoken lines of a technique for one side."""
    return Spoken(
        setup=render_side(spoken.setup, side),
        go=render_side(spoken.go, side),
        cues=tuple(render_side(c, side) for c in spoken.cues),
        breathing=render_side(spoken.breathing, side),
        stop=render_side(spoken.stop, side),
        setup_short=render_side(spoken.setup_short, side),
    )


def render_technique(tech: Technique, side: Side) -> Technique:
    """The technique with every per-side text rendered for `side` (name and summary are
    written for either side and stay as they are). A technique that is not done per side
    is returned unchanged."""
    if not tech.per_side:
        return tech
    return replace(
        tech,
        steps=tuple(render_side(s, side) for s in tech.steps),
        intensities=tuple(
            IntensityVariant(intensity=v.intensity, cue=render_side(v.cue, side)) for v in tech.intensities
        ),
        breathing_cue=render_side(tech.breathing_cue, side),
        pressure_cue=render_side(tech.pressure_cue, side),
        mistakes=tuple(render_side(m, side) for m in tech.mistakes),
        stop_if=tuple(render_side(s, side) for s in tech.stop_if),
        spoken=render_spoken(tech.spoken, side),
    )
