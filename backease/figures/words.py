"""The text alternative of a figure, written from the same spec the picture is drawn from.

The key poses' own words, the tool and where it goes, the highlighted areas, the side
shown and the movement, in a few plain sentences; per-side words are rendered for the
side with backease.core.sides (the same function the technique's words use).
"""

from __future__ import annotations

from collections.abc import Mapping

from backease.figures.demo import Figure

_LANDMARK_WORDS = {
    "rhomboid": "the muscles between the {side} shoulder blade and the spine, not on the spine",
    "rhomboid_high": "the muscles between the top of the {side} shoulder blade and the spine",
    "rhomboid_low": "the muscles between the bottom of the {side} shoulder blade and the spine",
    "infraspinatus": "the flat middle of the {side} shoulder blade, away from the spine",
    "thoracic": "the band of muscle beside the {side} side of the spine in the middle of the back",
    "thoracic_low": "the muscles beside the spine just below the shoulder blades",
    "thoracic_high": "the muscles beside the spine at the top of the shoulder blades",
    "spine_t8": "the back just below the shoulder blades",
    "spine_t6": "the middle of the upper back",
    "spine_t4": "the upper back at the top of the shoulder blades",
    "lat": "the side of the back just below the {side} armpit",
    "pec_minor": "the {side} upper chest below the middle of the collarbone, over the ribs",
    "glute": "the top of the {side} buttock, just below the rim of the pelvis",
    "ischium": "under the {side} buttock",
    "upper_trap": "the top of the {side} shoulder, halfway between the neck and the shoulder tip",
    "shoulder_top": "the top of the {side} shoulder",
}
_DEMO_TOOLS = {
    "foam_roller": "A foam roller",
    "tennis_ball": "A tennis ball",
    "massage_ball": "A firm massage ball",
    "peanut_ball": "A peanut ball",
    "massage_stick": "A massage stick",
    "hook_cane": "The knob of a hook-shaped cane",
    "percussion_massager": "A percussion massager",
    "heat_pack": "A covered heat pack",
    "towel": "A towel",
}
_DEMO_MOVES = {
    "circles": "It moves in small, slow circles.",
    "roll": "It rolls slowly to and fro between the two positions.",
    "press": "It eases into the pressure, holds still, then eases off.",
    "stretch": "It moves slowly into the stretch, holds still, then comes back.",
    "repeat": "It moves slowly to and fro between the positions.",
    "sequence": "It moves through the positions one after another.",
    "breathe": "The belly rises and falls with slow breaths.",
    "still": "",
}


def _side_words(text: str, side: str) -> str:
    """Per-side words written with {side} and {other}, for the side being worked."""
    from backease.core.sides import as_side, render_side

    return render_side(text, as_side(side))


def describe(demo: Figure, side: str = "", labels: Mapping[str, str] | None = None) -> str:
    """A few plain sentences saying what the picture shows, for screen readers and print.

    `labels` maps region ids to their names ("Between the shoulder blades (left)").
    """
    from backease.figures.render import worked_side as demo_worked_side

    labels = labels or {}
    worked = demo_worked_side(demo, side)
    text_side = worked if worked in ("left", "right") else "left"
    parts = [demo.key_words[0].rstrip(".") + "."]
    for words in demo.key_words[1:]:
        parts.append(f"Then: {words[0].lower()}{words[1:].rstrip('.')}.")
    tool = demo.tool
    if tool is not None and tool.id in _DEMO_TOOLS:
        base = tool.at[:-2] if tool.at.endswith(("_l", "_r")) else tool.at
        spot = _LANDMARK_WORDS.get(base, "")
        name = _DEMO_TOOLS[tool.id]
        if tool.id == "towel" and tool.rests == "hands":
            parts.append("A towel is held taut between the hands.")
        elif tool.id == "towel":
            parts.append("A towel runs from the hands to under the balls of the feet.")
        elif tool.id == "foam_roller" and tool.axis == "lengthwise":
            parts.append("A foam roller runs along the spine from the head to the tailbone.")
        elif tool.id == "heat_pack":
            parts.append("A covered heat pack lies across the tops of the shoulders.")
        elif spot:
            verb = "lies across" if tool.id == "foam_roller" and tool.axis == "across" else "is on"
            if tool.to:
                to_base = tool.to[:-2] if tool.to.endswith(("_l", "_r")) else tool.to
                to_spot = _LANDMARK_WORDS.get(to_base, "")
                parts.append(
                    f"{name} {verb} {spot}, moving to {to_spot}." if to_spot else f"{name} {verb} {spot}."
                )
            else:
                parts.append(f"{name} {verb} {spot}.")
    regions = [
        r
        for r in demo.regions
        if not demo.per_side or not r.endswith(("_left", "_right")) or r.endswith(f"_{worked}")
    ]
    if regions:
        names = [labels.get(r, r.replace("_", " ")) for r in regions]
        parts.append(f"Highlighted: {', '.join(names)}.")
    if demo.per_side:
        other = "left" if text_side == "right" else "right"
        parts.append(f"Shown for the {text_side} side; the {other} side is done the same way, mirrored.")
    move = _DEMO_MOVES.get(demo.move, "")
    if move:
        parts.append(move)
    if demo.words:
        parts.append(demo.words.rstrip(".") + ".")
    text = " ".join(parts)
    text = text.replace("{side}", "{side}")
    return (
        _side_words(text, text_side) if demo.per_side else text.replace("{side} ", "").replace("{side}", "")
    )
