"""One figure as an SVG: the moving scene drawn from the body model, and the target panel.

`render_svg(figure, side)` is the one entry point. A figure is posed for the side its spec
shows and mirrored for the other side (the mirror image of a person working their right
side is the same person working their left); the labels and the panel are written for the
side being worked, never mirrored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from backease.core import sides
from backease.figures.demo import Figure
from backease.figures.draw import HEIGHT, SCENE_W, WIDTH, _n, _style, draw_scene
from backease.figures.panel import PanelSpec, draw_panel

DEFAULT_SIDE = sides.DEFAULT_SIDE
"""A per-side figure shown without a step's side shows the side the words show then."""

FORMAT = 3
"""Bumped when the drawing changes, so cached figure files are fetched again."""
TOKEN = "@@ID@@"
_FLIP = re.compile(r'data-flip="([-0-9.]+)"')

_LANDMARK_AREAS = {
    "rhomboid": "between_shoulder_blades",
    "scapula_top": "between_shoulder_blades",
    "infraspinatus": "shoulder_blade",
    "scapula_bottom": "shoulder_blade",
    "thoracic": "thoracic_spine",
    "spine": "thoracic_spine",
    "lat": "lats",
    "axilla_back": "lats",
    "pec_minor": "chest",
    "chest_upper": "chest",
    "chest_outer": "chest",
    "axilla_front": "chest",
    "glute": "glute",
    "ischium": "glute",
    "upper_trap": "upper_trapezius",
    "levator": "upper_trapezius",
    "shoulder_top": "upper_trapezius",
    "neck_back": "neck_base",
    "c7": "neck_base",
}


def landmark_area(name: str) -> str:
    """The body-map area a landmark lies in (`rhomboid_r` -> between_shoulder_blades)."""
    base = name[:-2] if name.endswith(("_l", "_r")) else name
    for prefix, area in _LANDMARK_AREAS.items():
        if base == prefix or base.startswith(prefix + "_"):
            return area
    return ""


def worked_side(figure: Figure, side: str) -> str:
    """The side a picture shows: the step's side, else DEFAULT_SIDE for per-side techniques."""
    if not figure.per_side:
        return "both"
    return side if side in ("left", "right") else DEFAULT_SIDE


def panel_spec(demo: Figure, worked: str) -> PanelSpec:
    tool = demo.tool
    spot = ""
    placement = "point"
    tool_id = ""
    both = False
    if tool is not None:
        tool_id = tool.id
        spot = landmark_area(tool.at)
        if tool.id in ("foam_roller", "peanut_ball"):
            placement = {"across": "across", "lengthwise": "lengthwise", "side": "side"}[tool.axis]
            if tool.id == "peanut_ball":
                placement = "across"
    else:
        reaches = [r for k in demo.keys for r in k.reaches]
        body_reaches = [r for r in reaches if not r.to.startswith("tool:") and landmark_area(r.to)]
        if body_reaches:
            tool_id = "hands"
            spot = landmark_area(body_reaches[-1].to)
            both = len({r.hand for r in body_reaches}) > 1
    return PanelSpec(
        regions=demo.regions,
        per_side=demo.per_side,
        worked=worked,
        view=demo.view,
        tool=tool_id,
        spot=spot,
        placement=placement,
        both_hands=both,
    )


_VIEW_WORDS = {
    "side": "side view",
    "front": "facing you",
    "back": "seen from behind",
    "above": "seen from above",
}


def rhythm_words(demo: Figure) -> str:
    """The short rhythm note under the scene ("slow circles", "in 4, out 6")."""
    if demo.move == "breathe":
        b_in, hold, out, pause = (int(x) if x == int(x) else x for x in demo.breathing)
        words = f"in {b_in}"
        if hold:
            words += f", hold {hold}"
        words += f", out {out}"
        if pause:
            words += f", pause {pause}"
        return words
    return {
        "circles": "slow circles",
        "roll": "roll slowly",
        "press": "press and hold",
        "stretch": "ease in, hold",
        "repeat": "slowly, to and fro",
        "sequence": "one after another",
        "still": "",
    }.get(demo.move, "")


@lru_cache(maxsize=256)
def _scene(demo: Figure) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """The drawn scene with a placeholder for the ids (the costly part, cached)."""
    drawn = draw_scene(demo, TOKEN)
    return drawn.svg, drawn.keys_svg, tuple(drawn.labels), tuple(drawn.numbers)


@lru_cache(maxsize=256)
def _still_scene(demo: Figure) -> tuple[str, float, tuple[str, ...]]:
    """The key poses side by side at full size, for paper."""
    from backease.figures.draw import still_keys

    svg, width, numbers = still_keys(demo, TOKEN)
    return svg, width, tuple(f"{x:.1f}|{y:.1f}|start|{t}" for x, y, t in numbers)


def render_svg(
    figure: Figure,
    side: str = "",
    *,
    title: str = "",
    description: str = "",
    uid: str = "",
    still: bool = False,
    standalone: bool = False,
    panel: bool = True,
) -> str:
    """The figure as an `<svg>` element.

    `side` is the step's side (`left`, `right`, `both` or empty). `title` and `description`
    become the SVG's accessible name and description; `uid` keeps the ids inside the SVG
    unique when a page shows several. `still` draws the key poses side by side and nothing
    moves (print, handouts, reports). `standalone` adds the dark-mode colours for a file
    shown on its own (an `<img>`), where the page's colours cannot reach. Without `panel`
    the target panel is left out (small previews).
    """
    demo = figure
    worked = worked_side(demo, side)
    ids = f"fg-{uid or demo.technique}-{worked}-"
    mirror = demo.per_side and worked in ("left", "right") and worked != demo.shows
    if still:
        scene, scene_w, numbers = _still_scene(demo)
        keys_svg = ""
        labels: tuple[str, ...] = ()
    else:
        scene, keys_svg, labels, numbers = _scene(demo)
        scene_w = SCENE_W
    scene = scene.replace(TOKEN, ids)
    keys_svg = keys_svg.replace(TOKEN, ids)
    # Each picture (the moving scene, each key pose) is mirrored in place for the other side.
    if mirror:
        scene = _FLIP.sub(r'transform="matrix(-1 0 0 1 \1 0)"', scene)
        keys_svg = _FLIP.sub(r'transform="matrix(-1 0 0 1 \1 0)"', keys_svg)
    else:
        scene = _FLIP.sub("", scene).replace("<g >", "<g>")
        keys_svg = _FLIP.sub("", keys_svg).replace("<g >", "<g>")
    texts = []
    for label in labels:
        x_s, y_s, anchor, text = label.split("|", 3)
        x = float(x_s)
        if mirror:
            x = scene_w - x
            anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        # Keep the name inside the scene (about 5.6 units a letter at this size).
        width = 5.6 * len(text)
        left = {"start": x, "end": x - width, "middle": x - width / 2}.get(anchor, x)
        x += max(0.0, 3 - left) - max(0.0, left + width - (scene_w - 3))
        texts.append(f'<text x="{_n(x)}" y="{y_s}" text-anchor="{anchor}" class="lb lbh live">{text}</text>')
    for number in numbers:
        # The key poses' numbers stay in reading order (1 on the left) on either side.
        x_s, y_s, _, text = number.split("|", 3)
        x = float(x_s)
        cls = "lb" if still else "lb keys"
        texts.append(f'<text x="{_n(x)}" y="{y_s}" class="{cls}">{text}</text>')
    caption = demo.caption or _VIEW_WORDS[demo.view]
    texts.append(f'<text x="6" y="{_n(HEIGHT - 5)}" class="nt">{escape(caption)}</text>')
    rhythm = rhythm_words(demo)
    if rhythm and not still:
        texts.append(
            f'<text x="{_n(scene_w - 6)}" y="{_n(HEIGHT - 5)}" text-anchor="end" class="nt live">'
            f"{escape(rhythm)}</text>"
        )
    width = scene_w + (WIDTH - SCENE_W) if panel else scene_w
    hatch = f"{ids}h"
    defs = (
        f'<defs><pattern id="{hatch}" width="5" height="5" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="2" height="5" fill="#ffffff" opacity=".6"/></pattern>'
        f'<pattern id="{ids}w" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)">'
        f'<rect width="1.2" height="6" class="pnk"/></pattern></defs>'
    )
    scene = scene.replace("HATCHWALL", f"{ids}w")
    keys_svg = keys_svg.replace("HATCHWALL", f"{ids}w")
    accessible = ""
    if title:
        accessible += f'<title id="{ids}t">{escape(title)}</title>'
    if description:
        accessible += f'<desc id="{ids}d">{escape(description)}</desc>'
    labelled = f' aria-labelledby="{ids}t"' if title else ""
    described = f' aria-describedby="{ids}d"' if description else ""
    body_panel = (
        draw_panel(panel_spec(demo, worked), scene_w + 2, WIDTH - SCENE_W - 2, HEIGHT, hatch) if panel else ""
    )
    classes = "figure-svg fg" + ("" if still else " fig-anim")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(HEIGHT)}" class="{classes}" '
        f'role="img"{labelled}{described} data-figure="{escape(demo.technique)}" data-side="{worked}">'
        f"{accessible}<style>{_style(standalone)}</style>{defs}{scene}{keys_svg}{''.join(texts)}{body_panel}</svg>"
    )
