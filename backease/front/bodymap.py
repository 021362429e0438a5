"""The body map's geometry (front/_bodymap.html): the figure and one shape per region.

Shapes are on a 220 x 400 figure (the SVG shows x 14-206, y 2-350). Left-side shapes are
drawn once and mirrored for the right. The back view shows the person's left on the
viewer's left; the front view shows it on the viewer's right.

Every region is a target of at least 44 x 44 CSS px on a 390 px wide phone, where the
back view is about 358 px wide (1.86 px per unit), so at least 24 units each way. The
strips beside the spine are drawn narrower than that, clear of the spine, so that the
spine itself never reads as a place to press; each has an invisible, larger hit area
(`HIT_AREAS`) that reaches the midline and the next shape but overlaps no other region's
shape or hit area (tests/browser/test_housekeeping_pages.py measures both).
"""

from __future__ import annotations

import re
from typing import Any

from backease.core.library import Library
from backease.core.vocab import REGIONS

MAP_WIDTH = 220
Shape = tuple[str, tuple[int, int]]
"""An SVG path and where the knot dot goes."""

_BACK_SHAPES: dict[str, Shape] = {
    "neck_base": ("M99,58 L121,58 L123,80 C116,84 104,84 97,80 Z", (110, 70)),
    "upper_trapezius_left": (
        "M97,80 C88,88 68,90 55,94 C48,97 47,106 53,108 C68,106 86,103 97,101 Z",
        (75, 97),
    ),
    # Between the inner edge of the shoulder blade and the spine (the rhomboids).
    "between_shoulder_blades_left": ("M93,107 L106,107 L106,160 L88,160 Z", (98, 132)),
    "shoulder_blade_left": ("M58,111 L82,109 L80,152 C79,162 72,162 70,154 L57,120 Z", (71, 128)),
    # The muscles beside the spine of the mid back; the spine itself is not a target.
    "thoracic_spine_left": ("M88,167 L106,167 L106,226 L90,226 Z", (98, 196)),
    "lats_left": (
        "M53,128 L63,152 C67,162 74,166 81,167 L82,230 C76,238 69,240 63,238 C58,218 54,196 50,172 Z",
        (66, 196),
    ),
    "glute_left": ("M66,268 C76,258 98,258 107,264 L107,296 C96,302 76,302 66,294 Z", (86, 280)),
}
_FRONT_SHAPES: dict[str, Shape] = {
    # The person's left chest is on the viewer's right in the front view.
    "chest_left": (
        "M114,104 C124,98 146,98 154,104 C160,118 160,134 154,144 C142,152 122,152 114,144 Z",
        (136, 124),
    ),
}
_HIT_AREAS: dict[str, str] = {
    # 26 units wide (48 px at 390 px, 44 px at 360 px), from just past the shoulder
    # blade or the lats to the midline; stacked one above the other without overlap.
    "between_shoulder_blades_left": "M83.5,105 L109.5,105 L109.5,163 L83.5,163 Z",
    "thoracic_spine_left": "M83.5,164 L109.5,164 L109.5,230 L83.5,230 Z",
}
BODY_OUTLINE = (
    "M97,78 C90,86 68,90 54,94 C44,98 40,106 42,118 L48,172 C52,202 60,224 62,240 C58,260 54,282 56,302 "
    "C58,320 64,332 72,338 L108,338 L110,332 L112,338 L148,338 C156,332 162,320 164,302 "
    "C166,282 162,260 158,240 C160,224 168,202 172,172 L178,118 C180,106 176,98 166,94 "
    "C152,90 130,86 123,78 Z"
)
ARM_OUTLINE = "M44,104 C34,108 30,118 30,132 L26,212 L20,282 C20,294 34,296 35,284 L43,214 L49,152 Z"
LEG_OUTLINE = "M66,336 L72,398 L104,398 L108,338 Z"


def mirror(path: str) -> str:
    """The same path mirrored left-right about the figure's midline."""
    return re.sub(
        r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)",
        lambda m: f"{MAP_WIDTH - float(m.group(1)):g},{m.group(2)}",
        path,
    )


def _both_sides(base: dict[str, Shape]) -> dict[str, Shape]:
    out = dict(base)
    for region, (path, (x, y)) in base.items():
        if region.endswith("_left"):
            out[region.removesuffix("_left") + "_right"] = (mirror(path), (MAP_WIDTH - x, y))
    return out


BACK_SHAPES = _both_sides(_BACK_SHAPES)
FRONT_SHAPES = _both_sides(_FRONT_SHAPES)
HIT_AREAS = {
    **_HIT_AREAS,
    **{r.removesuffix("_left") + "_right": mirror(p) for r, p in _HIT_AREAS.items() if r.endswith("_left")},
}
assert set(BACK_SHAPES) | set(FRONT_SHAPES) == set(REGIONS), "every region needs a shape on the map"
assert set(HIT_AREAS) <= set(BACK_SHAPES), "hit areas belong to regions of the back view"


def body_map(library: Library, selected: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """What front/_bodymap.html draws: the outline and one shape per region, per view."""
    selected = selected or {}
    labels: dict[str, str] = {r.id: r.label for r in library.regions}

    def view(shapes: dict[str, Shape]) -> list[dict[str, Any]]:
        return [
            {
                "id": region,
                "label": labels[region],
                "path": path,
                "hit": HIT_AREAS.get(region, ""),
                "knot_x": x,
                "knot_y": y,
                "selected": region in selected,
                "knot": selected.get(region, {}).get("knot", False),
            }
            for region, (path, (x, y)) in shapes.items()
        ]

    return {
        "outline": BODY_OUTLINE,
        "arms": (ARM_OUTLINE, mirror(ARM_OUTLINE)),
        "legs": (LEG_OUTLINE, mirror(LEG_OUTLINE)),
        "back": view(BACK_SHAPES),
        "front": view(FRONT_SHAPES),
    }
