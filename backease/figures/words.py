"""The text alternative of a figure, written from the same spec the picture is drawn from."""

from __future__ import annotations

from collections.abc import Mapping

from backease.figures.render import worked_side
from backease.figures.spec import Figure

_TOOL_NAMES = {
    "foam_roller": "a foam roller",
    "tennis_ball": "a tennis ball",
    "massage_ball": "a firm massage ball",
    "peanut_ball": "a peanut ball",
    "massage_stick": "a massage stick",
    "hook_cane": "the tip of a hook-shaped cane",
    "percussion_massager": "a percussion massager",
    "heat_pack": "a covered heat pack",
    "towel": "a towel",
}
_SPOT = {
    "neck_base": "the muscles at the back of the neck, either side of the spine",
    "upper_trapezius": "the top of the shoulder, halfway between the neck and the shoulder tip",
    "between_shoulder_blades": "the muscles between the shoulder blade and the spine, not on the spine",
    "shoulder_blade": "the flat middle of the shoulder blade, away from the spine",
    "thoracic_spine": "the muscles beside the spine in the middle of the back",
    "lats": "the side of the back just below the armpit",
    "chest": "the upper chest below the middle of the collarbone, over the ribs",
    "glute": "the top of the buttock, just below the rim of the pelvis",
}
_ACROSS = {
    "between_shoulder_blades": "across the upper back, between the bottom of the shoulder blades and the "
    "tops of the shoulders, away from the neck and the lower back",
    "thoracic_spine": "across the back just below the shoulder blades, away from the neck and the lower back",
    "shoulder_blade": "across the upper back at the level of the shoulder blades",
}
_MOVES = {
    "along": "Arrows: move slowly up and down along the muscle.",
    "circles": "Arrow: small, slow circles.",
    "hold": "Hold still on the spot.",
    "frames": "The pale figure shows the second position: move slowly between the two.",
    "breathe": "Breathe slowly; the arrow shows the belly rising and falling.",
    "still": "",
    "squeeze": "Arrows: draw the shoulder blades gently towards each other.",
    "turn": "Arrow: turn the chest slowly.",
}


def _tool_phrase(figure: Figure) -> str:
    tool = figure.tool
    if not tool:
        return ""
    if tool == "hands":
        return f"The hand works on {_SPOT[figure.at]}." if figure.at else ""
    name = _TOOL_NAMES[tool]
    if figure.placement == "lengthwise":
        return f"{name.capitalize()} runs along the spine from the head to the tailbone."
    if tool == "towel":
        return "A towel runs from the hands to under the balls of the feet."
    if tool == "peanut_ball":
        return f"{name.capitalize()} sits across the back with one ball on each side of the spine, which sits in the gap."  # noqa: E501
    if figure.placement == "across":
        return f"{name.capitalize()} lies {_ACROSS.get(figure.at, 'across ' + _SPOT[figure.at])}."
    return f"{name.capitalize()} sits on {_SPOT[figure.at]}."


def describe(figure: Figure, side: str = "", labels: Mapping[str, str] | None = None) -> str:
    """A few plain sentences saying what the picture shows, for screen readers and print.

    `labels` maps region ids to their names ("Between the shoulder blades (left)").
    """
    labels = labels or {}
    worked = worked_side(figure, side)
    parts = [figure.pose.words.rstrip(".") + "."]
    if figure.then is not None:
        parts.append(f"Second position: {figure.then.words[0].lower()}{figure.then.words[1:].rstrip('.')}.")
    tool = _tool_phrase(figure)
    if tool:
        parts.append(tool)
    regions = [
        r
        for r in figure.regions
        if not figure.per_side or not r.endswith(("_left", "_right")) or r.endswith(f"_{worked}")
    ]
    if regions:
        names = [labels.get(r, r.replace("_", " ")) for r in regions]
        parts.append(f"Highlighted: {', '.join(names)}.")
    if figure.per_side:
        other = "left" if worked == "right" else "right"
        parts.append(f"Shown on the {worked} side; the {other} side is done the same way.")
    move = _MOVES[figure.move]
    if move:
        parts.append(move)
    if figure.words:
        parts.append(figure.words.rstrip(".") + ".")
    return " ".join(parts)
