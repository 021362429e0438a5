"""The target panel beside a figure: the torso from behind (and/or from the front) with the
worked areas filled, the tool's spot ringed and the sides labelled.

It is drawn from the same side as the scene: a scene facing you gets a panel facing you, so
the two never mirror each other; a side view or a view from behind gets the back (and the
front too when the chest is worked). The shapes are in a 100 x 130 box and are the
person's LEFT side; the right side is their mirror image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Point = tuple[float, float]

OUTLINE = (
    "M44,22 L56,22 L57,28 C68,30 80,31 86,35 C90,38 90,44 88,50 L84,60 C82,72 80,84 80,96 "
    "C82,106 84,116 82,126 L18,126 C16,116 18,106 20,96 C20,84 18,72 16,60 L12,50 "
    "C10,44 10,38 14,35 C20,31 32,30 43,28 Z"
)
BACK_AREAS: dict[str, str] = {
    # Seen from behind the person's left is on your left: these are the LEFT shapes.
    "neck_base": "M44,21 L56,21 L57,31 L43,31 Z",
    "upper_trapezius": "M43,29 C34,31 22,32 15,36 L17,42 C26,40 36,38 44,37 Z",
    "between_shoulder_blades": "M38,40 L46.5,40 L46.5,68 L40,68 Z",
    "shoulder_blade": "M20,42 L36,40 L37,64 C34,70 29,72 26,68 Z",
    "thoracic_spine": "M39.5,72 L46.5,72 L46.5,98 L40.5,98 Z",
    "lats": "M16,54 C22,62 30,70 37,74 L38,100 C30,100 24,98 21,96 C21,82 19,68 16,54 Z",
    "glute": "M22,104 C28,100 40,100 47,103 L47,124 L22,124 C20,116 20,110 22,104 Z",
}
FRONT_AREAS: dict[str, str] = {
    # From the front the person's left is on your right: these are the LEFT shapes.
    "chest": "M53,38 C62,36 76,36 82,40 C84,48 82,56 78,60 C70,64 58,64 53,60 Z",
    "upper_trapezius": "M57,29 C66,31 78,32 85,36 L83,40 C74,38 64,36 56,35 Z",
    "lats": "M84,52 C86,62 84,76 82,90 L78,92 C79,78 80,64 80,54 Z",
}
SPOTS_BACK: dict[str, Point] = {
    # The person's LEFT side seen from behind (on your left).
    "neck_base": (50, 26),
    "upper_trapezius": (30, 35),
    "between_shoulder_blades": (42.5, 54),
    "shoulder_blade": (29, 55),
    "thoracic_spine": (43, 85),
    "lats": (24, 78),
    "glute": (34, 113),
}
SPOTS_FRONT: dict[str, Point] = {
    # The person's LEFT side seen from the front (on your right).
    "chest": (68, 48),
    "upper_trapezius": (70, 34),
    "lats": (82, 70),
}
ACROSS_Y = {"between_shoulder_blades": 54.0, "thoracic_spine": 66.0, "shoulder_blade": 55.0}


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """What the panel shows: the regions, the side, and the tool's spot."""

    regions: tuple[str, ...]
    per_side: bool
    worked: str
    """`left`, `right` or `both`."""
    view: str
    """The scene's view: `front` gives a panel seen from the front."""
    tool: str = ""
    spot: str = ""
    """The area the tool (or the hand) is on."""
    placement: str = "point"
    """`point`, `across` (a roller across the back), `lengthwise`, `side` (a roller under the side)."""
    both_hands: bool = False


def mirror_path(path: str) -> str:
    return re.sub(
        r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)",
        lambda m: f"{_f(100 - float(m.group(1)))},{m.group(2)}",
        path,
    )


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def areas(spec: PanelSpec) -> list[tuple[str, str]]:
    """(area, person side) pairs to fill for the side being worked."""
    out: list[tuple[str, str]] = []
    for region in spec.regions:
        side = "left" if region.endswith("_left") else "right" if region.endswith("_right") else "none"
        area = region.removesuffix("_left").removesuffix("_right")
        if spec.per_side and side != "none" and side != spec.worked:
            continue
        out.append((area, side))
    return out


def panel_views(spec: PanelSpec) -> list[str]:
    found = {a for a, _ in areas(spec)}
    if spec.view == "front":
        return ["front"]
    views = []
    on_back = spec.tool and spec.spot and spec.spot != "chest"
    if found - {"chest"} or on_back or not found:
        views.append("back")
    if "chest" in found:
        views.append("front")
    return views


def _view(view: str, spec: PanelSpec, hatch: str) -> str:
    out = ['<circle cx="50" cy="11" r="10" class="pn"/>', f'<path d="{OUTLINE}" class="pn"/>']
    shapes = BACK_AREAS if view == "back" else FRONT_AREAS
    for area, side in areas(spec):
        if area not in shapes:
            continue
        path = shapes[area]
        if side == "none":
            paths = [path] if area == "neck_base" else [path, mirror_path(path)]
        else:
            # Both tables hold the person's LEFT shapes; the right side is their mirror image.
            paths = [path if side == "left" else mirror_path(path)]
        for p in paths:
            out.append(f'<path d="{p}" class="pnt"/><path d="{p}" fill="url(#{hatch})"/>')
    if view == "back":
        out.append('<path d="M50,22 L50,124" class="pnb" stroke-dasharray="2.5 2"/>')
        for y in range(32, 124, 8):
            out.append(f'<rect x="48.2" y="{y}" width="3.6" height="4.5" rx="1.4" class="pnk"/>')
    else:
        out.append('<path d="M50,34 L50,66" class="pnb"/>')
    out.append(_tool(view, spec))
    return "".join(out)


def _tool(view: str, spec: PanelSpec) -> str:
    tool, area = spec.tool, spec.spot
    if not tool or tool == "towel" or tool == "heat_pack":
        return ""
    if spec.placement == "lengthwise":
        if view != "back":
            return ""
        return '<rect x="44" y="14" width="12" height="112" rx="6" class="pnr" stroke-dasharray="4 2"/>'
    if not area:
        return ""
    if (view == "back") == (area == "chest"):
        return ""
    spots = SPOTS_BACK if view == "back" else SPOTS_FRONT
    if area not in spots:
        return ""
    if spec.placement == "side":
        on_viewer_left = (spec.worked == "left") == (view == "back")
        x = 2.0 if on_viewer_left else 72.0
        return f'<rect x="{_f(x)}" y="56" width="26" height="12" rx="6" class="pnr" stroke-dasharray="4 2"/>'
    if spec.placement == "across":
        y = ACROSS_Y.get(area, 54.0)
        if tool == "peanut_ball":
            return "".join(f'<circle cx="{x}" cy="{_f(y)}" r="6.5" class="pnr"/>' for x in (41, 59))
        return (
            f'<rect x="6" y="{_f(y - 6)}" width="88" height="12" rx="6" class="pnr" stroke-dasharray="4 2"/>'
        )
    x, y = spots[area]
    sides = ["left", "right"] if spec.worked == "both" else [spec.worked]
    points: list[Point] = []
    if area == "neck_base":
        points = [(44.5, 26.0), (55.5, 26.0)] if spec.both_hands else [(x, y)]
    else:
        for s in sides:
            # The table is the person's LEFT side; the right side is mirrored about x = 50.
            points.append((x, y) if s == "left" else (100 - x, y))
    out = []
    for sx, sy in points:
        out.append(f'<circle cx="{_f(sx)}" cy="{_f(sy)}" r="4.5" class="pnr"/>')
        out.append(f'<circle cx="{_f(sx)}" cy="{_f(sy)}" r="1.3" class="pnd"/>')
    return "".join(out)


def draw_panel(spec: PanelSpec, x0: float, width: float, height: float, hatch: str) -> str:
    """The panel as SVG in the box starting at x0 (the figure's height)."""
    inner = width - 3
    found = areas(spec)
    views = panel_views(spec)
    out = [
        f'<rect x="{_f(x0)}" y="4" width="{_f(inner)}" height="{_f(height - 8)}" rx="6" class="pnb"/>',
        f'<text x="{_f(x0 + inner / 2)}" y="17" text-anchor="middle" class="lb">'
        f"{'Target' if found else 'Whole body'}</text>",
    ]
    scale = 0.78 if len(views) == 1 else 0.47
    w = 100 * scale
    for i, view in enumerate(views):
        left = x0 + (inner - w) / 2
        top = 26.0 + i * (130 * scale + 14)
        out.append(
            f'<g transform="translate({_f(left)} {_f(top)}) scale({_f(scale)})">'
            f"{_view(view, spec, hatch)}</g>"
        )
        out.append(
            f'<text x="{_f(left + w / 2)}" y="{_f(top + 130 * scale + 9)}" text-anchor="middle" class="nt">'
            f"{'from behind' if view == 'back' else 'from the front'}</text>"
        )
        # Which side is which in this view: from behind the person's left is on your left.
        lw, rw = ("L", "R") if view == "back" else ("R", "L")
        y = top + 40 * scale
        out.append(f'<text x="{_f(x0 + 4)}" y="{_f(y)}" class="lb">{lw}</text>')
        out.append(f'<text x="{_f(x0 + inner - 4)}" y="{_f(y)}" text-anchor="end" class="lb">{rw}</text>')
    if found:
        note = f"{spec.worked} side" if spec.worked in ("left", "right") else "both sides"
        if not spec.per_side and all(a == "neck_base" for a, _ in found):
            note = "middle"
        out.append(
            f'<text x="{_f(x0 + inner / 2)}" y="{_f(height - 10)}" text-anchor="middle" class="lb">'
            f"{note}</text>"
        )
    return "".join(out)
