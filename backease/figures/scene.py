"""From a posed body to flat shapes: the camera, the body's parts, tools, props and marks.

Every shape has a stable `key`, so the same part can be matched from one frame of a
movement to the next (the renderer animates each key's path between frames), and a
`depth` (larger is nearer the viewer) for painting far things first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from backease.figures.body import (
    HEAD_RADIUS,
    RADIUS,
    SIDES,
    Body,
    columns,
    h,
    hand_points,
    trunk_surface,
)
from backease.figures.geometry import Vec, add, cross, dot, lerp, norm, scale, sub, unit

Point = tuple[float, float]
GAP: Point = (math.nan, math.nan)
"""Between two strokes of one shape (a hand's fingers)."""


@dataclass(frozen=True, slots=True)
class Camera:
    """An orthographic view. `yaw` 0 looks at the person's front, 90 at their right side,
    180 at their back, -90 at their left side; `pitch` 90 looks straight down."""

    yaw: float = 0.0
    pitch: float = 0.0

    def basis(self) -> tuple[Vec, Vec, Vec]:
        """Screen right, screen up and the direction towards the viewer, in body space."""
        y, p = math.radians(self.yaw), math.radians(self.pitch)
        toward = (-math.sin(y) * math.cos(p), math.sin(p), math.cos(y) * math.cos(p))
        up = (math.sin(y) * math.sin(p), math.cos(p), -math.cos(y) * math.sin(p))
        right = cross(up, toward)
        return right, up, toward

    def project(self, p: Vec) -> tuple[float, float, float]:
        """Screen x (right), screen y (down) and depth (nearer is larger), in cm."""
        right, up, toward = self.basis()
        return dot(p, right), -dot(p, up), dot(p, toward)

    def flat(self, p: Vec) -> Point:
        x, y, _ = self.project(p)
        return (x, y)

    def vector(self, v: Vec) -> Point:
        right, up, _ = self.basis()
        return (dot(v, right), -dot(v, up))

    def depth(self, p: Vec) -> float:
        return dot(p, self.basis()[2])

    def facing(self, normal: Vec) -> float:
        """How much a surface with this normal faces the viewer (1 straight on, <0 away)."""
        return dot(normal, self.basis()[2])


@dataclass
class Shape:
    """One flat shape of a frame, in screen cm (y down)."""

    key: str
    kind: str
    """`line` (a stroke through points), `poly` (closed, straight), `smooth` (closed, curved
    through the points), `ellipse` (points: centre, two conjugate semi-axes) or `path`
    (open, curved through the points)."""
    points: list[Point]
    cls: str
    depth: float
    width: float = 0.0
    """Stroke width in cm for lines."""
    part: str = "body"
    """`body`, `tool`, `prop`, `target`, `mark`: what the shape draws (tests use it)."""


@dataclass
class Label:
    at: Point
    text: str
    anchor: str = "start"


@dataclass
class Frame:
    """Everything drawn at one moment of a figure, in screen cm."""

    shapes: list[Shape] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    contacts: dict[str, tuple[Vec, Vec]] = field(default_factory=dict)
    """Where each tool or hand touches the body (world point, landmark point) for tests."""


# --- the body --------------------------------------------------------------------------------

NEAR_CUT = 4.0
"""A limb this much further from the viewer than the trunk's centre is drawn paler."""


def body_shapes(body: Body, cam: Camera, prefix: str = "") -> list[Shape]:
    """The body as flat shapes: limbs as thick strokes, the trunk and head as outlines."""
    out: list[Shape] = []
    j = body.joints
    mid_depth = cam.depth(j["thoracic"])

    def limb(key: str, a: Vec, b: Vec, r: float, far_test: bool = True) -> None:
        d = (cam.depth(a) + cam.depth(b)) / 2
        cls = "bf" if far_test and d < mid_depth - NEAR_CUT else "bl"
        out.append(Shape(prefix + key, "line", [cam.flat(a), cam.flat(b)], cls, d, width=2 * r))

    for s in SIDES:
        limb(f"thigh_{s}", j[f"hip_{s}"], j[f"knee_{s}"], h(RADIUS["thigh"]))
        limb(f"shin_{s}", j[f"knee_{s}"], j[f"ankle_{s}"], h(RADIUS["shin"]))
        heel, toe, ankle = j[f"heel_{s}"], j[f"toe_{s}"], j[f"ankle_{s}"]
        d = cam.depth(ankle)
        cls = "bf" if d < mid_depth - NEAR_CUT else "bl"
        out.append(
            Shape(
                prefix + f"foot_{s}",
                "line",
                [cam.flat(lerp(heel, ankle, 0.35)), cam.flat(toe)],
                cls,
                d - 0.1,
                width=2 * h(RADIUS["foot"]),
            )
        )
        limb(f"upper_arm_{s}", j[f"shoulder_{s}"], j[f"elbow_{s}"], h(RADIUS["upper_arm"]))
        limb(f"forearm_{s}", j[f"elbow_{s}"], j[f"wrist_{s}"], h(RADIUS["forearm"]))
        out.extend(_hand(body, s, cam, prefix, mid_depth))
        # The slope from the base of the neck to the shoulder (upper trapezius).
        c7 = j["c7"]
        shoulder = j[f"shoulder_{s}"]
        a = lerp(c7, shoulder, 0.05)
        b = lerp(c7, shoulder, 0.8)
        out.append(
            Shape(
                prefix + f"trap_{s}",
                "line",
                [cam.flat(a), cam.flat(b)],
                "bl",
                min(cam.depth(a), cam.depth(b)) + 0.5,
                width=2 * h(RADIUS["trap"]),
            )
        )
    out.extend(_trunk(body, cam, prefix))
    # Neck and head.
    neck_top = j["skull"]
    out.append(
        Shape(
            prefix + "neck",
            "line",
            [cam.flat(j["c7"]), cam.flat(neck_top)],
            "bl",
            cam.depth(j["c7"]) + 0.2,
            width=2 * h(RADIUS["neck"]),
        )
    )
    out.extend(_head(body, cam, prefix))
    return out


def _trunk(body: Body, cam: Camera, prefix: str) -> list[Shape]:
    """The trunk's outline from its cross-sections, and the ends seen when it points at you."""
    right, up, _toward = cam.basis()
    centres = [cam.flat(c) for c, *_ in body.sections]
    first, last = body.sections[0][0], body.sections[-1][0]
    axis2 = cam.vector(sub(last, first))
    length = math.hypot(*axis2)
    left_edge: list[Point] = []
    right_edge: list[Point] = []
    for i, (_, lx, fz, w, d) in enumerate(body.sections):
        # The local axis on screen, from the neighbouring sections.
        a = body.sections[max(0, i - 1)][0]
        b = body.sections[min(len(body.sections) - 1, i + 1)][0]
        v = cam.vector(sub(b, a))
        if math.hypot(*v) < 0.25 * norm(sub(b, a)) or length < 8:
            v = axis2 if length >= 8 else (0.0, -1.0)
        n = math.hypot(*v) or 1.0
        perp = (-v[1] / n, v[0] / n)
        # The screen direction `perp` as a 3D direction in the picture plane.
        perp3 = add(scale(right, perp[0]), up, -perp[1])
        half = math.sqrt((w * dot(lx, perp3)) ** 2 + (d * dot(fz, perp3)) ** 2)
        c = centres[i]
        left_edge.append((c[0] + perp[0] * half, c[1] + perp[1] * half))
        right_edge.append((c[0] - perp[0] * half, c[1] - perp[1] * half))
    outline = left_edge + right_edge[::-1]
    depth = cam.depth(body.joints["thoracic"])
    shapes = [Shape(prefix + "trunk", "smooth", outline, "bl", depth)]
    # The top and bottom cross-sections as ellipses, for views along the trunk.
    for key, index in (("chest", -1), ("hips", 0)):
        centre, lx, fz, w, d = body.sections[index]
        shapes.append(
            Shape(
                prefix + f"trunk_{key}",
                "ellipse",
                [cam.flat(centre), cam.vector(scale(lx, w)), cam.vector(scale(fz, d))],
                "bl",
                depth + (0.05 if key == "chest" else 0.0),
            )
        )
    return shapes


def _head(body: Body, cam: Camera, prefix: str) -> list[Shape]:
    centre = body.joints["head"]
    r = h(HEAD_RADIUS)
    _hl, hu, hf = columns(body.segments["head"].frame)
    depth = cam.depth(centre)
    out = [Shape(prefix + "head", "ellipse", [cam.flat(centre), (r, 0.0), (0.0, r)], "bl", depth + 0.3)]
    # Hair over the back and top of the head shows which way the head faces from any side.
    hair_c = add(add(centre, hf, -0.3 * r), hu, 0.14 * r)
    facing = cam.facing(hf)
    out.append(
        Shape(
            prefix + "hair",
            "ellipse",
            [cam.flat(hair_c), (0.9 * r, 0.0), (0.0, 0.9 * r)],
            "hair",
            depth + 0.3 - facing * r + 0.01,
        )
    )
    if abs(facing) > 0.6:
        return out  # a nose seen end-on reads as a blot: only in profile
    nose_a = add(centre, hf, 0.8 * r)
    nose_b = add(add(centre, hf, 1.18 * r), hu, -0.12 * r)
    out.append(
        Shape(
            prefix + "nose",
            "line",
            [cam.flat(nose_a), cam.flat(nose_b)],
            "bn",
            depth + 0.3 + facing * r * 1.05 - 0.2,
            width=0.3 * r,
        )
    )
    return out


def _hand(body: Body, side: str, cam: Camera, prefix: str, mid_depth: float) -> list[Shape]:
    hand = body.hands[side]
    pts = hand_points(hand)
    d = cam.depth(pts["knuckles"])
    cls = "bf" if d < mid_depth - NEAR_CUT else "bl"
    half = h(0.02)
    t = hand.thumb
    w, k = pts["wrist"], pts["knuckles"]
    palm = [
        cam.flat(add(add(w, t, half * 0.8), hand.fingers, h(0.008))),
        cam.flat(add(k, t, half)),
        cam.flat(add(k, t, -half)),
        cam.flat(add(add(w, t, -half * 0.8), hand.fingers, h(0.008))),
    ]
    out = [Shape(prefix + f"palm_{side}", "poly", palm, cls, d + 0.05, width=h(0.014))]
    # The four fingers and the thumb as one shape of five strokes (a gap between strokes).
    strokes: list[Point] = []
    for i in range(4):
        if strokes:
            strokes.append(GAP)
        strokes += [cam.flat(pts[f"finger{i}_{j}"]) for j in ("base", "mid", "tip")]
    strokes += [GAP, cam.flat(pts["thumb_base"]), cam.flat(pts["thumb_tip"])]
    depth = max(cam.depth(pts["finger1_mid"]), cam.depth(pts["thumb_tip"])) + 0.1
    out.append(Shape(prefix + f"fingers_{side}", "line", strokes, cls, depth, width=h(0.0115)))
    return out


def spine_shapes(body: Body, cam: Camera, prefix: str = "") -> list[Shape]:
    """The spine's bumps down the back, where the back faces the viewer."""
    out: list[Shape] = []
    points: list[Point] = []
    depths: list[float] = []
    for seg, heights in (
        ("thorax", (0.155, 0.13, 0.105, 0.08, 0.055, 0.03)),
        ("abdomen", (0.05, 0.02)),
        ("pelvis", (0.05,)),
    ):
        for y in heights:
            p, n = trunk_surface(body, seg, h(y), 0.0, "back")
            if cam.facing(n) > 0.35:
                points.append(cam.flat(p))
                depths.append(cam.depth(p))
    if len(points) >= 2:
        out.append(
            Shape(prefix + "spine", "line", points, "spine", max(depths) + 0.2, width=1.2, part="mark")
        )
    return out


# --- target areas on the body ---------------------------------------------------------------

AREA_PATCHES: dict[str, tuple[str, float, float]] = {
    # body-map area -> (landmark base, half-size along the body, half-size across), cm
    "neck_base": ("neck_back", 4.5, 3.5),
    "upper_trapezius": ("upper_trap", 2.6, 6.0),
    "between_shoulder_blades": ("rhomboid", 8.5, 2.3),
    "shoulder_blade": ("infraspinatus", 6.5, 5.0),
    "thoracic_spine": ("thoracic", 8.5, 2.0),
    "lats": ("lat", 8.0, 3.5),
    "chest": ("pec_minor", 4.5, 5.5),
    "glute": ("glute", 5.5, 6.0),
}


def target_shapes(body: Body, cam: Camera, areas: list[tuple[str, str]], prefix: str = "") -> list[Shape]:
    """The worked areas as patches on the body (hidden when on the far side). A patch lies
    on the skin, so it is painted over the trunk it is on, whatever the trunk's depth."""
    out: list[Shape] = []
    _, up, _ = columns(body.segments["thorax"].frame)
    trunk_depth = cam.depth(body.joints["thoracic"])
    for area, side in areas:
        base, along, across = AREA_PATCHES[area]
        sides = [side] if side in SIDES else ([""] if area == "neck_base" else list(SIDES))
        for s in sides:
            name = f"{base}_{s}" if s else base
            point, normal = body.landmark(name)
            facing = cam.facing(normal)
            if facing < -0.25:
                continue
            if area == "upper_trapezius":
                t1 = unit(sub(body.joints[f"shoulder_{s}"], body.joints["c7"]))
                t2 = unit(cross(normal, t1))
                a_len, b_len = across, along
            else:
                t1 = unit(sub(up, scale(normal, dot(up, normal))))
                t2 = unit(cross(normal, t1))
                a_len, b_len = along, across
            centre = cam.flat(point)
            a2 = cam.vector(scale(t1, a_len))
            b2 = cam.vector(scale(t2, b_len))
            # Seen edge-on, keep a band just inside the outline.
            n2 = cam.vector(normal)
            for vec_name in ("a", "b"):
                v = a2 if vec_name == "a" else b2
                if math.hypot(*v) < 2.0:
                    nn = math.hypot(*n2) or 1.0
                    v = (n2[0] / nn * 2.0, n2[1] / nn * 2.0)
                    centre = (centre[0] - n2[0] / nn * 2.2, centre[1] - n2[1] / nn * 2.2)
                    if vec_name == "a":
                        a2 = v
                    else:
                        b2 = v
            key = f"target_{area}_{s or 'mid'}"
            depth = max(cam.depth(point), trunk_depth) + 0.6
            out.append(Shape(prefix + key, "ellipse", [centre, a2, b2], "tg", depth, part="target"))
    return out


# --- helpers for tools, props and marks ---------------------------------------------------------


def ellipse_of_disc(cam: Camera, centre: Vec, axis: Vec, r: float) -> list[Point]:
    """A disc of radius r facing along `axis`, as (centre, two conjugate semi-axes) on screen."""
    a = unit(cross(axis, (0.0, 1.0, 0.0)))
    if norm(a) < 0.1:
        a = unit(cross(axis, (1.0, 0.0, 0.0)))
    b = unit(cross(axis, a))
    return [cam.flat(centre), cam.vector(scale(a, r)), cam.vector(scale(b, r))]


def circle(centre: Point, r: float) -> list[Point]:
    return [centre, (r, 0.0), (0.0, r)]
