"""Draw a `Figure` as one inline SVG: the scene on the left, the target areas on the right.

The scene is a simple jointed figure (rounded segments for torso and limbs, a circle for
the head) in its pose, with the props (floor, wall, door frame, chair), the tool where
the spec puts it, the target areas hatched, and the movement as arrows or as a second,
paler key frame that the two positions cross-fade between (still under reduced motion
and in print). The panel on the right shows the back and/or front of the body with the
target areas hatched, the tool's spot marked and the sides labelled, so the side and
the spot never rest on the pose alone.

Pure Python: no Django, no other backease module beyond the figure specs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from backease.figures.spec import Figure, Pose

Point = tuple[float, float]

WIDTH, HEIGHT = 300, 206
SCENE_W = 208
FLOOR_Y = 172.0

# Segment lengths and widths (scene units).
TORSO, NECK, HEAD_R = 56.0, 7.0, 11.0
UPPER_ARM, FOREARM = 27.0, 26.0
THIGH, SHIN, FOOT = 38.0, 37.0, 10.0
TORSO_W, ARM_W, LEG_W = 24.0, 8.5, 11.0
SHOULDER_HALF, HIP_HALF = 19.0, 11.0

INK = "#1f2933"
BODY = "#3e4c5e"
BODY_FAR = "#8796a8"
GHOST = "#c3ccd6"
TARGET = "#d9480f"
TOOL_FILL = "#ffd43b"
TOOL_INK = "#343a40"
PROP_FILL = "#e9ecef"
PROP_INK = "#6c757d"

STYLE = """
.fig-label{font:600 10.5px system-ui,sans-serif;fill:#1f2933}
.fig-note{font:9.5px system-ui,sans-serif;fill:#495057}
.fig-anim .fig-a{animation:fig-a 7s ease-in-out infinite}
.fig-anim .fig-b{animation:fig-b 7s ease-in-out infinite}
@keyframes fig-a{0%,35%{opacity:1}50%,85%{opacity:.25}100%{opacity:1}}
@keyframes fig-b{0%,35%{opacity:.45}50%,85%{opacity:1}100%{opacity:.45}}
@media (prefers-reduced-motion: reduce){.fig-anim .fig-a,.fig-anim .fig-b{animation:none}}
@media print{.fig-anim .fig-a,.fig-anim .fig-b{animation:none}}
"""


def _vec(angle: float, length: float = 1.0) -> Point:
    rad = math.radians(angle)
    return (math.sin(rad) * length, -math.cos(rad) * length)


def _add(a: Point, b: Point, k: float = 1.0) -> Point:
    return (a[0] + b[0] * k, a[1] + b[1] * k)


def _angle(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(b[0] - a[0], -(b[1] - a[1])))


def _dist(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _pt(p: Point) -> str:
    return f"{_f(p[0])},{_f(p[1])}"


def _circle(c: Point, r: float, fill: str, stroke: str = "none", width: float = 0.0) -> str:
    edge = f' stroke="{stroke}" stroke-width="{_f(width)}"' if width else ""
    return f'<circle cx="{_f(c[0])}" cy="{_f(c[1])}" r="{_f(r)}" fill="{fill}"{edge}/>'


def _seat(x: float, y: float, width: float) -> str:
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(width)}" height="5" rx="2" fill="{PROP_FILL}" '
        f'stroke="{PROP_INK}" stroke-width="1.5"/>'
    )


def _text(x: float, y: float, text: str, cls: str = "fig-label", anchor: str = "start") -> str:
    return f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" class="{cls}">{escape(text)}</text>'


@dataclass
class Skeleton:
    """Joint positions of one pose on screen."""

    view: str
    pelvis: Point
    neck: Point
    ctrl: Point
    """The control point of the torso curve (side view)."""
    head: Point
    shoulder_near: Point
    shoulder_far: Point
    hip_near: Point
    hip_far: Point
    arms: dict[str, tuple[Point, Point, Point]] = field(default_factory=dict)
    legs: dict[str, tuple[Point, Point, Point, Point]] = field(default_factory=dict)
    torso_angle: float = 0.0

    def torso_at(self, t: float) -> Point:
        """A point on the torso's mid-line, t=0 at the pelvis and 1 at the neck."""
        if t < 0 or t > 1:
            base, tip = (self.pelvis, self.neck)
            d = _vec(self.torso_angle, TORSO)
            return (base[0] + d[0] * t, base[1] + d[1] * t) if t < 0 else _add(tip, d, t - 1)
        a, c, b = self.pelvis, self.ctrl, self.neck
        u = 1 - t
        return (
            u * u * a[0] + 2 * u * t * c[0] + t * t * b[0],
            u * u * a[1] + 2 * u * t * c[1] + t * t * b[1],
        )

    def normal_at(self, t: float, edge: str) -> Point:
        """Unit vector from the mid-line to the back (or front) surface at t."""
        # Past either end the torso continues straight, so use the end's direction.
        t0 = max(0.0, min(0.96, t - 0.02))
        t1 = t0 + 0.04
        angle = _angle(self.torso_at(t0), self.torso_at(t1))
        return _vec(angle - 90 if edge == "back" else angle + 90)

    def surface(self, t: float, edge: str, out: float = 0.0) -> Point:
        return _add(self.torso_at(t), self.normal_at(t, edge), TORSO_W / 2 + out)


def _bend(
    shoulder: Point, target: Point, upper: float, lower: float, outward: float = 0.0
) -> tuple[Point, Point]:
    """Two-segment reach: the elbow and the hand.

    The elbow is the lower of the two solutions, or with `outward` (-1 left, 1 right) the one
    further out to that side, as when both hands reach behind the neck.
    """
    d = _dist(shoulder, target)
    direction = _angle(shoulder, target)
    if d >= upper + lower - 0.5:
        elbow = _add(shoulder, _vec(direction, upper))
        return elbow, _add(elbow, _vec(direction, lower))
    d = max(d, abs(upper - lower) + 0.5)
    cos_a = (upper * upper + d * d - lower * lower) / (2 * upper * d)
    a = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    options = [_add(shoulder, _vec(direction + s * a, upper)) for s in (1, -1)]
    elbow = max(options, key=(lambda p: p[0] * outward) if outward else (lambda p: p[1]))
    return elbow, target


def skeleton(pose: Pose) -> Skeleton:
    """Forward kinematics from the pose's angles."""
    pelvis = pose.pelvis
    d = _vec(pose.torso)
    length = TORSO if pose.view == "side" else TORSO * pose.length
    neck = _add(pelvis, d, length)
    mid = _add(pelvis, d, length / 2)
    back = _vec(pose.torso - 90)
    ctrl = _add(mid, back, pose.bend)
    head = _add(neck, _vec(pose.head), NECK + HEAD_R)
    if pose.view == "side":
        end = neck if pose.bend == 0 else _add(neck, _vec(_angle(ctrl, neck)), 0)
        shoulder = _add(end, _vec(_angle(ctrl, neck)), -7)
        s_near = s_far = shoulder
        h_near = h_far = pelvis
    else:
        across = _vec(pose.torso - 90)  # towards your left as you look
        top = _add(neck, d, -5)
        s_near, s_far = _add(top, across, SHOULDER_HALF), _add(top, across, -SHOULDER_HALF)
        h_near, h_far = _add(pelvis, across, HIP_HALF), _add(pelvis, across, -HIP_HALF)
        head = _add(neck, _vec(pose.head), NECK + HEAD_R + 1)
    sk = Skeleton(pose.view, pelvis, neck, ctrl, head, s_near, s_far, h_near, h_far, torso_angle=pose.torso)
    for name, limb, start in (("arm_near", pose.arm_near, s_near), ("arm_far", pose.arm_far, s_far)):
        elbow = _add(start, _vec(limb.upper), UPPER_ARM * limb.scale)
        sk.arms[name] = (start, elbow, _add(elbow, _vec(limb.lower), FOREARM))
    for name, limb, start in (("leg_near", pose.leg_near, h_near), ("leg_far", pose.leg_far, h_far)):
        knee = _add(start, _vec(limb.upper), THIGH * limb.scale)
        ankle = _add(knee, _vec(limb.lower), SHIN)
        foot_angle = limb.end if limb.end is not None else (90 if pose.facing == 1 else 270)
        if pose.view != "side" and limb.end is None:
            foot_angle = 270 if name == "leg_near" else 90
            toe = _add(ankle, _vec(foot_angle), FOOT * 0.45)
        else:
            toe = _add(ankle, _vec(foot_angle), FOOT)
        sk.legs[name] = (start, knee, ankle, toe)
    return sk


# --- where areas sit -------------------------------------------------------------------------

# Side view: (edge, from, to) along the torso, 0 = pelvis, 1 = base of the neck.
_SIDE_AREAS: dict[str, tuple[str, float, float]] = {
    "neck_base": ("back", 1.0, 1.2),
    "upper_trapezius": ("back", 0.86, 1.02),
    "between_shoulder_blades": ("back", 0.6, 0.9),
    "shoulder_blade": ("back", 0.58, 0.88),
    "thoracic_spine": ("back", 0.45, 0.74),
    "lats": ("back", 0.36, 0.7),
    "chest": ("front", 0.66, 0.92),
    "glute": ("back", -0.22, 0.06),
}
# Side view: where a tool or hand touches, (edge, t).
_SIDE_SPOTS: dict[str, tuple[str, float]] = {
    "neck_base": ("back", 1.1),
    "upper_trapezius": ("top", 1.0),
    "between_shoulder_blades": ("back", 0.7),
    "shoulder_blade": ("back", 0.68),
    "thoracic_spine": ("back", 0.6),
    "lats": ("back", 0.66),
    "chest": ("front", 0.8),
    "glute": ("back", -0.1),
}
# Front and back views: (across, along) on the torso; across is -1..1 from the person's
# right side to their left as seen from behind (flipped for the front view below).
_FLAT_SPOTS: dict[str, tuple[float, float]] = {
    "neck_base": (0.0, 1.12),
    "upper_trapezius": (0.64, 0.97),
    "between_shoulder_blades": (0.36, 0.72),
    "shoulder_blade": (0.66, 0.7),
    "thoracic_spine": (0.34, 0.48),
    "lats": (0.82, 0.45),
    "chest": (0.5, 0.78),
    "glute": (0.6, -0.1),
}
_FRONT_AREAS = ("upper_trapezius", "chest")
_BACK_AREAS = tuple(a for a in _FLAT_SPOTS if a != "chest")


def _flat_spot(sk: Skeleton, area: str, person_side: str) -> Point:
    """A spot on the torso in a front or back view, on the person's given side."""
    across, along = _FLAT_SPOTS[area]
    # Seen from behind, the person's left is on your left; from the front, on your right.
    sign = -1.0 if person_side == "left" else 1.0
    if sk.view == "front":
        sign = -sign
    if person_side == "none":
        sign = 0.0
    d = _vec(sk.torso_angle)
    right = _vec(sk.torso_angle + 90)
    half = HIP_HALF + (SHOULDER_HALF - HIP_HALF) * max(0.0, min(1.0, along))
    base = _add(sk.pelvis, d, _dist(sk.pelvis, sk.neck) * along)
    return _add(base, right, sign * across * (half + 1))


def _side_spot(sk: Skeleton, area: str, out: float = 0.0) -> Point:
    edge, t = _SIDE_SPOTS[area]
    if edge == "top":
        angle = _angle(sk.torso_at(0.9), sk.neck)
        return _add(_add(sk.neck, _vec(angle), TORSO_W / 2 - 4 + out), _vec(angle - 90), 3)
    if area == "neck_base":
        angle = _angle(sk.neck, sk.head)
        return _add(_add(sk.neck, _vec(angle), 5), _vec(angle - 90), 5 + out)
    return sk.surface(t, edge, out)


# --- SVG pieces -------------------------------------------------------------------------------


def _line(a: Point, b: Point, color: str, width: float, extra: str = "") -> str:
    return (
        f'<path d="M{_pt(a)}L{_pt(b)}" stroke="{color}" stroke-width="{_f(width)}" '
        f'stroke-linecap="round" fill="none"{extra}/>'
    )


def _poly(points: list[Point], color: str, width: float) -> str:
    d = "M" + "L".join(_pt(p) for p in points)
    return (
        f'<path d="{d}" stroke="{color}" stroke-width="{_f(width)}" stroke-linecap="round" '
        f'stroke-linejoin="round" fill="none"/>'
    )


def _body(sk: Skeleton, pose: Pose, near: str, far: str) -> str:
    """The figure: far limbs first (paler), then torso and head, then near limbs."""
    out: list[str] = []
    legs, arms = sk.legs, sk.arms
    if sk.view == "side":
        hip, knee, ankle, toe = legs["leg_far"]
        out.append(_poly([hip, knee, ankle], far, LEG_W))
        out.append(_line(ankle, toe, far, 6))
        out.append(_poly(list(arms["arm_far"]), far, ARM_W))
        out.append(
            f'<path d="M{_pt(sk.pelvis)}Q{_pt(sk.ctrl)} {_pt(sk.neck)}" stroke="{near}" '
            f'stroke-width="{_f(TORSO_W)}" stroke-linecap="round" fill="none"/>'
        )
        out.append(_line(sk.neck, _add(sk.neck, _vec(_angle(sk.neck, sk.head)), NECK + 2), near, 9))
        out.append(f'<circle cx="{_f(sk.head[0])}" cy="{_f(sk.head[1])}" r="{_f(HEAD_R)}" fill="{near}"/>')
        # A small nose shows which way the face points.
        face = _angle(sk.neck, sk.head) + 90 * pose.facing
        nose = _add(sk.head, _vec(face), HEAD_R + 2.5)
        out.append(_line(_add(sk.head, _vec(face), HEAD_R - 2), nose, near, 4))
        hip, knee, ankle, toe = legs["leg_near"]
        out.append(_poly([hip, knee, ankle], near, LEG_W))
        out.append(_line(ankle, toe, near, 6))
        out.append(_poly(list(arms["arm_near"]), near, ARM_W))
        return "".join(out)
    # Front and back views: legs, torso, arms and head all in the same tone.
    for name in ("leg_near", "leg_far"):
        hip, knee, ankle, toe = legs[name]
        out.append(_poly([hip, knee, ankle], near, LEG_W))
        out.append(_line(ankle, toe, near, 6))
    d = _vec(sk.torso_angle)
    right = _vec(sk.torso_angle + 90)
    top = _add(sk.neck, d, -4)
    shape = [
        _add(top, right, -SHOULDER_HALF + 2),
        _add(top, right, SHOULDER_HALF - 2),
        _add(_add(sk.pelvis, d, 4), right, HIP_HALF + 3),
        _add(_add(sk.pelvis, d, -6), right, HIP_HALF + 2),
        _add(_add(sk.pelvis, d, -6), right, -HIP_HALF - 2),
        _add(_add(sk.pelvis, d, 4), right, -HIP_HALF - 3),
    ]
    out.append(
        f'<path d="M{"L".join(_pt(p) for p in shape)}Z" fill="{near}" stroke="{near}" '
        f'stroke-width="7" stroke-linejoin="round"/>'
    )
    out.append(_line(sk.neck, _add(sk.neck, _vec(_angle(sk.neck, sk.head)), NECK + 3), near, 10))
    out.append(f'<circle cx="{_f(sk.head[0])}" cy="{_f(sk.head[1])}" r="{_f(HEAD_R + 1)}" fill="{near}"/>')
    if sk.view == "front":
        # The nose shows where the face points when the head is turned.
        head_angle = _angle(sk.neck, sk.head)
        nose = _add(_add(sk.head, _vec(head_angle + 90), pose.turn * 8), _vec(head_angle), -2)
        out.append(f'<circle cx="{_f(nose[0])}" cy="{_f(nose[1])}" r="2.2" fill="#ffffff" opacity=".85"/>')
    if sk.view == "back":
        # The spine, so a tool or hand can be seen to stay beside it.
        low, high = _add(sk.pelvis, d, 2), _add(sk.neck, d, -3)
        out.append(_line(low, high, "#ffffff", 1.6, ' stroke-dasharray="2.5 2.5" opacity=".8"'))
    for name in ("arm_near", "arm_far"):
        # A white edge keeps an arm readable where it crosses the body.
        out.append(_poly(list(arms[name]), "#ffffff", ARM_W + 3))
        out.append(_poly(list(arms[name]), near, ARM_W))
    return "".join(out)


def _props(
    pose: Pose, sk: Skeleton, wall_x: float | None, seat_drop: float = 0.0
) -> tuple[str, list[tuple[Point, str, str]]]:
    """Floor, wall, door frame, chair, mat, pillow, shower; and their labels."""
    out: list[str] = []
    labels: list[tuple[Point, str, str]] = []
    if not pose.caption.startswith("seen from above"):
        out.append(_line((4, FLOOR_Y + 2), (SCENE_W - 4, FLOOR_Y + 2), PROP_INK, 2))
    if "mat" in pose.props:
        out.append(
            f'<rect x="14" y="{_f(FLOOR_Y - 2)}" width="{SCENE_W - 28}" height="4" rx="2" '
            f'fill="{PROP_FILL}" stroke="{PROP_INK}" stroke-width="1"/>'
        )
    if "wall" in pose.props:
        if pose.view == "side":
            x = wall_x if wall_x is not None else sk.pelvis[0] - 30
            right = x > sk.pelvis[0]
            band = x if right else x - 10
            out.append(
                f'<rect x="{_f(band)}" y="8" width="10" height="{_f(FLOOR_Y - 6)}" fill="url(#HATCH_WALL)"/>'
            )
            out.append(_line((x, 8), (x, FLOOR_Y + 2), PROP_INK, 1.5))
            labels.append(((x + 13, 20) if right else (x - 13, 20), "wall", "start" if right else "end"))
        else:
            out.append(
                f'<rect x="30" y="6" width="{SCENE_W - 60}" height="{_f(FLOOR_Y - 4)}" '
                f'fill="url(#HATCH_WALL)" opacity=".7"/>'
            )
            labels.append(((34, FLOOR_Y - 6), "wall behind", "start"))
    hands = [sk.arms["arm_near"][2], sk.arms["arm_far"][2]]
    outer = max(hands, key=lambda h: abs(h[0] - sk.pelvis[0]))
    outward = 1 if outer[0] > sk.pelvis[0] else -1
    if "side_wall" in pose.props:
        x = outer[0] + 5 * outward
        band = x if outward > 0 else x - 10
        out.append(
            f'<rect x="{_f(band)}" y="8" width="10" height="{_f(FLOOR_Y - 6)}" fill="url(#HATCH_WALL)"/>'
        )
        out.append(_line((x, 8), (x, FLOOR_Y + 2), PROP_INK, 1.5))
        labels.append(((x + 13 * outward, 20), "wall", "start" if outward > 0 else "end"))
    if "doorway" in pose.props:
        x = outer[0] + 5 * outward
        out.append(
            f'<rect x="{_f(x - 4)}" y="6" width="8" height="{_f(FLOOR_Y - 4)}" fill="{PROP_FILL}" '
            f'stroke="{PROP_INK}" stroke-width="1.5"/>'
        )
        labels.append(((x + 13 * outward, 96), "door frame", "up"))
    if "chair" in pose.props:
        out.append(_chair(pose, sk, seat_drop))
    if "pillow" in pose.props:
        hx, hy = sk.head
        out.append(
            f'<rect x="{_f(hx - 16)}" y="{_f(hy + HEAD_R - 3)}" width="32" height="7" rx="3.5" '
            f'fill="{PROP_FILL}" stroke="{PROP_INK}" stroke-width="1"/>'
        )
    if "shower" in pose.props:
        hx = sk.head[0] - 18
        out.append(_line((hx - 12, 6), (hx + 6, 6), PROP_INK, 3))
        out.append(_line((hx + 6, 6), (hx + 6, 12), PROP_INK, 3))
        for i in range(4):
            x = hx + 2 + i * 4
            out.append(_line((x, 16), (x + 4, 30 + i * 4), "#4dabf7", 1.3, ' stroke-dasharray="3 3"'))
        labels.append(((hx - 14, 16), "warm water", "end"))
    return "".join(out), labels


def _chair(pose: Pose, sk: Skeleton, drop: float = 0.0) -> str:
    out = []
    px, py = sk.pelvis
    seat_y = py + 7 + drop
    if pose.view == "side" and pose.position == "seated":
        x0, x1 = px - 14, px + 24
        out.append(_seat(x0, seat_y, x1 - x0))
        out.append(_line((x0 + 2, seat_y + 5), (x0 + 2, FLOOR_Y + 1), PROP_INK, 2.5))
        out.append(_line((x1 - 2, seat_y + 5), (x1 - 2, FLOOR_Y + 1), PROP_INK, 2.5))
        out.append(_line((x0 - 1, seat_y), (x0 - 3, seat_y - 40), PROP_INK, 3))
        return "".join(out)
    if pose.view == "side":
        # Standing at a chair: its back is where the hands rest.
        hand = sk.arms["arm_near"][2]
        top = hand[1] + 4
        seat_y = top + 36
        x0, x1 = hand[0] + 2, hand[0] + 32
        out.append(_line((x0, top), (x0, FLOOR_Y + 1), PROP_INK, 3))
        out.append(_seat(x0, seat_y, x1 - x0))
        out.append(_line((x1 - 2, seat_y + 5), (x1 - 2, FLOOR_Y + 1), PROP_INK, 2.5))
        return "".join(out)
    out.append(_seat(px - 26, seat_y, 52))
    out.append(_line((px - 23, seat_y + 5), (px - 23, FLOOR_Y + 1), PROP_INK, 2.5))
    out.append(_line((px + 23, seat_y + 5), (px + 23, FLOOR_Y + 1), PROP_INK, 2.5))
    return "".join(out)


def _arrow(d: str, marker_id: str, both: bool = False, color: str = INK) -> str:
    start = f' marker-start="url(#{marker_id}s)"' if both else ""
    return (
        f'<path d="{d}" stroke="#ffffff" stroke-width="5" fill="none" stroke-linecap="round"/>'
        f'<path d="{d}" stroke="{color}" stroke-width="2" fill="none" stroke-linecap="round" '
        f'marker-end="url(#{marker_id}e)"{start}/>'
    )


def _circle_arrow(c: Point, r: float, marker_id: str) -> str:
    a, b = _add(c, _vec(20, r)), _add(c, _vec(330, r))
    d = f"M{_pt(a)}A{_f(r)},{_f(r)} 0 1 1 {_pt(b)}"
    return _arrow(d, marker_id)


@dataclass
class Placed:
    """The scene pieces that depend on the figure, not just the pose."""

    tool: str = ""
    under: str = ""
    labels: list[tuple[Point, str, str]] = field(default_factory=list)
    wall_x: float | None = None
    contact: Point | None = None


def _reach(pose: Pose, sk: Skeleton, figure: Figure, spot_of: dict[str, Point]) -> None:
    """Bend the reaching arm(s) so the hand lands on the spot."""
    if not figure.reach:
        return
    names = ("arm_near", "arm_far") if figure.reach == "both" else (figure.reach,)
    for name in names:
        target = spot_of.get(name) or spot_of["any"]
        shoulder = sk.arms[name][0]
        outward = 0.0
        if figure.reach == "both":
            outward = -1.0 if name == "arm_near" else 1.0
        elbow, hand = _bend(shoulder, target, UPPER_ARM, FOREARM, outward)
        sk.arms[name] = (shoulder, elbow, hand)


def _spots(sk: Skeleton, figure: Figure, side: str) -> dict[str, Point]:
    """Where the tool or hands touch in the scene, per reaching arm."""
    area = figure.at
    if not area:
        return {}
    if sk.view == "side":
        out = 0.0 if figure.tool in ("hands", "") else 5.0
        return {"any": _side_spot(sk, area, out)}
    if area == "neck_base":
        return {
            "any": _flat_spot(sk, area, "none"),
            "arm_near": _add(_flat_spot(sk, area, "none"), _vec(sk.torso_angle + 90), -4),
            "arm_far": _add(_flat_spot(sk, area, "none"), _vec(sk.torso_angle + 90), 4),
        }
    worked = side if side in ("left", "right") else figure.shows
    if figure.reach == "both" or not figure.per_side:
        left_screen = _flat_spot(sk, area, "left" if sk.view == "back" else "right")
        right_screen = _flat_spot(sk, area, "right" if sk.view == "back" else "left")
        return {"any": left_screen, "arm_near": left_screen, "arm_far": right_screen}
    return {"any": _flat_spot(sk, area, worked)}


def _tool(figure: Figure, sk: Skeleton, spots: dict[str, Point], ids: str) -> Placed:
    placed = Placed()
    tool, area = figure.tool, figure.at
    if not tool or tool == "hands":
        if tool == "hands" and spots:
            placed.contact = spots["any"]
        return placed
    if figure.placement == "lengthwise":
        a = sk.surface(-0.1, "back", 6)
        b = _add(sk.head, sk.normal_at(1.0, "back"), HEAD_R - 2)
        placed.under = _line(a, b, TOOL_INK, 14) + _line(a, b, TOOL_FILL, 11)
        placed.labels.append(((a[0] + (b[0] - a[0]) * 0.5, FLOOR_Y + 13), "roller along the spine", "middle"))
        return placed
    if sk.view == "side" and tool == "towel":
        hand = sk.arms["arm_near"][2]
        foot = sk.legs["leg_near"][3]
        ball = _add(sk.legs["leg_near"][2], (6, 2))
        placed.tool = _line(hand, ball, TOOL_INK, 4) + _line(hand, ball, TOOL_FILL, 2)
        placed.labels.append(((foot[0] + 4, foot[1] - 22), "towel", "start"))
        return placed
    if sk.view == "side":
        spot = spots["any"]
        edge, t = _SIDE_SPOTS[area]
        if tool in ("foam_roller", "tennis_ball", "massage_ball", "peanut_ball"):
            r = {"foam_roller": 9.0, "peanut_ball": 6.5}.get(tool, 5.0)
            if edge == "top":
                edge, t = "back", 0.9
            centre = sk.surface(t, edge, r)
            if area == "glute" and figure.pose.position == "seated":
                # Under the buttock, on the seat.
                centre = (sk.pelvis[0] - 4, sk.pelvis[1] + 7 + r - 1)
                edge = "under"
            placed.contact = centre
            normal = sk.normal_at(t, edge) if edge != "under" else (0.0, 1.0)
            pieces = [_circle(centre, r, TOOL_FILL, TOOL_INK, 1.6)]
            if tool == "foam_roller":
                pieces.append(_circle(centre, 3, "none", TOOL_INK, 1))
            placed.tool = "".join(pieces)
            if "wall" in figure.pose.props and abs(normal[0]) > 0.5:
                placed.wall_x = centre[0] + r * (1 if normal[0] > 0 else -1)
            name = {"foam_roller": "foam roller", "peanut_ball": "peanut ball"}.get(tool, "ball")
            away = _add(centre, normal, r + 9)
            anchor = "end" if normal[0] < -0.3 else "start" if normal[0] > 0.3 else "middle"
            if anchor == "middle" and normal[1] > 0:
                away = _add(centre, normal, r + 14)
            if edge == "under":
                away, anchor = (centre[0] - 14, centre[1] + 16), "end"
            elif normal[1] > 0.5:  # under a body lying down: name it below the floor line
                away, anchor = (centre[0], FLOOR_Y + 13), "middle"
            if "wall" in figure.pose.props and placed.wall_x is not None:
                right = placed.wall_x > centre[0]
                away = (placed.wall_x + (14 if right else -14), centre[1] + 4)
                anchor = "start" if right else "end"
            placed.labels.append((away, name, anchor))
            return placed
        if tool == "massage_stick":
            mid = _add(sk.neck, _vec(_angle(sk.torso_at(0.9), sk.neck)), -6)
            a, b = _add(mid, (-34, 4)), _add(mid, (34, 4))
            placed.tool = _line(a, b, TOOL_INK, 6) + _line(a, b, TOOL_FILL, 3.5)
            for end in (a, b):
                placed.tool += _line(_add(end, (0, 0)), _add(end, (0, 0.1)), TOOL_INK, 8)
            placed.contact = mid
            placed.labels.append(((mid[0] + 38, mid[1] - 6), "massage stick", "start"))
            spots["arm_near"], spots["arm_far"] = _add(b, (-3, 1)), _add(a, (3, 1))
            return placed
        if tool == "hook_cane":
            tip = sk.surface(t, "back", 2)
            up = _vec(_angle(sk.torso_at(0.9), sk.neck))
            back = sk.normal_at(0.9, "back")
            # Over the top of the shoulder (just above the base of the neck in a side view), then
            # straight down in front of the chest to the hands, clear of the face.
            top = _add(_add(sk.neck, up, 4), back, 2)
            front = sk.surface(0.5, "front", 20)
            handle = _add(front, (4, 12))
            shoulder_front = sk.surface(0.97, "front", 8)
            d = (
                f"M{_pt(tip)}C{_pt(_add(_add(tip, back, 12), up, 22))} {_pt(_add(top, back, 12))} {_pt(top)}"
                f"Q{_pt(_add(shoulder_front, up, 6))} {_pt(shoulder_front)}L{_pt(handle)}"
            )
            placed.tool = (
                f'<path d="{d}" stroke="{TOOL_INK}" stroke-width="6" fill="none" stroke-linecap="round"/>'
                f'<path d="{d}" stroke="{TOOL_FILL}" stroke-width="3.5" fill="none" stroke-linecap="round"/>'
                + _circle(tip, 3.5, TOOL_FILL, TOOL_INK, 1.5)
            )
            placed.contact = tip
            placed.labels.append(((front[0] + 14, front[1] - 30), "hook cane", "start"))
            spots["arm_near"] = _add(front, (2, -2))
            spots["arm_far"] = _add(front, (4, 9))
            return placed
        if tool == "heat_pack":
            a = sk.surface(0.78, "back", 3)
            b = _add(sk.neck, _vec(_angle(sk.torso_at(0.9), sk.neck)), 9)
            c = sk.surface(0.97, "front", 2)
            d = f"M{_pt(a)}Q{_pt(_add(b, (-10, -2)))} {_pt(b)}T{_pt(c)}"
            placed.tool = (
                f'<path d="{d}" stroke="{TOOL_INK}" stroke-width="9" fill="none" stroke-linecap="round"/>'
                f'<path d="{d}" stroke="{TOOL_FILL}" stroke-width="6" fill="none" stroke-linecap="round"/>'
            )
            placed.contact = b
            placed.labels.append(((b[0] + 12, b[1] - 10), "heat pack", "start"))
            return placed
    # Front and back views: the tool sits on the spot.
    found = spots.get("any")
    if found is None:
        return placed
    spot = found
    placed.contact = spot
    outward = -1 if spot[0] < sk.neck[0] else 1
    if tool == "percussion_massager":
        # The head rests on the muscle; the handle points down and in, to the hand across the body.
        handle = _add(spot, (-outward * 12, 20))
        placed.tool = (
            _line(spot, handle, TOOL_INK, 9)
            + _line(spot, handle, TOOL_FILL, 6)
            + _circle(spot, 4.5, TOOL_FILL, TOOL_INK, 1.5)
        )
        side_anchor = "end" if outward < 0 else "start"
        placed.labels.append(((spot[0] + outward * 18, spot[1] + 8), "massager", side_anchor))
        spots["tool_hand"] = handle
        return placed
    if tool == "massage_stick":
        # Laid over the top of the shoulder: its front half comes down in front of the chest.
        top = _add(spot, (outward * 2, -4))
        handle = _add(spot, (-outward * 6, 34))
        d = f"M{_pt(top)}Q{_pt(_add(spot, (outward * 10, 10)))} {_pt(handle)}"
        placed.tool = (
            f'<path d="{d}" stroke="{TOOL_INK}" stroke-width="6" fill="none" stroke-linecap="round"/>'
            f'<path d="{d}" stroke="{TOOL_FILL}" stroke-width="3.5" fill="none" stroke-linecap="round"/>'
        )
        placed.labels.append(
            ((spot[0] + outward * 14, spot[1] + 10), "stick", "end" if outward < 0 else "start")
        )
        spots["tool_hand"] = handle
        return placed
    if tool == "foam_roller" and figure.pose.position == "side_lying":
        # Lying on the side: the roller is under the lower side of the chest, below the armpit.
        down = _vec(sk.torso_angle - 90)
        base = _add(sk.pelvis, _vec(sk.torso_angle), _dist(sk.pelvis, sk.neck) * 0.74)
        centre = _add(base, down, SHOULDER_HALF + 1.5 + 9)
        placed.tool = _circle(centre, 9, TOOL_FILL, TOOL_INK, 1.6) + _circle(centre, 3, "none", TOOL_INK, 1)
        placed.contact = centre
        placed.labels.append(((centre[0], FLOOR_Y + 13), "foam roller", "middle"))
        return placed
    r = 5.0
    placed.tool = _circle(spot, r, TOOL_FILL, TOOL_INK, 1.6)
    return placed


def _scene_targets(sk: Skeleton, figure: Figure, side: str, ids: str) -> str:
    """The target areas hatched on the scene figure where this view shows them."""
    out: list[str] = []
    for area, person_side in _areas(figure, side):
        if sk.view == "side":
            edge, t0, t1 = _SIDE_AREAS[area]
            if area == "neck_base":
                angle = _angle(sk.neck, sk.head)
                a = _add(_add(sk.neck, _vec(angle), -1), _vec(angle - 90), 4)
                b = _add(a, _vec(angle), NECK + 3)
                pts = [a, b]
            else:
                pts = [sk.surface(t0 + (t1 - t0) * i / 6, edge, -4) for i in range(7)]
            d = "M" + "L".join(_pt(p) for p in pts)
            out.append(
                f'<path d="{d}" stroke="{TARGET}" stroke-width="7" fill="none" stroke-linecap="round"/>'
            )
            out.append(
                f'<path d="{d}" stroke="url(#{ids}h)" stroke-width="7" fill="none" stroke-linecap="round"/>'
            )
            continue
        visible = _FRONT_AREAS if sk.view == "front" else _BACK_AREAS
        if area not in visible:
            continue
        spot = _flat_spot(sk, area, person_side)
        rx, ry = {
            "neck_base": (4.0, 5.0),
            "between_shoulder_blades": (3.2, 8.0),
            "thoracic_spine": (3.2, 8.0),
            "lats": (3.5, 9.0),
            "glute": (5.0, 6.0),
            "upper_trapezius": (5.5, 3.5),
        }.get(area, (6.0, 5.0))
        out.append(
            f'<ellipse cx="{_f(spot[0])}" cy="{_f(spot[1])}" rx="{_f(rx)}" ry="{_f(ry)}" fill="{TARGET}" '
            f'transform="rotate({_f(sk.torso_angle)} {_pt(spot)})"/>'
            f'<ellipse cx="{_f(spot[0])}" cy="{_f(spot[1])}" rx="{_f(rx)}" ry="{_f(ry)}" fill="url(#{ids}h)" '
            f'transform="rotate({_f(sk.torso_angle)} {_pt(spot)})"/>'
        )
    return "".join(out)


def _areas(figure: Figure, side: str) -> list[tuple[str, str]]:
    """(area, person side) pairs to highlight for the side being worked."""
    out: list[tuple[str, str]] = []
    for region in figure.regions:
        person_side = "left" if region.endswith("_left") else "right" if region.endswith("_right") else "none"
        area = region.removesuffix("_left").removesuffix("_right")
        if figure.per_side and person_side != "none" and person_side != side:
            continue
        out.append((area, person_side))
    return out


def worked_side(figure: Figure, side: str) -> str:
    """The side a picture shows: the step's side, else the spec's for per-side techniques."""
    if not figure.per_side:
        return "both"
    return side if side in ("left", "right") else figure.shows


def _moves(figure: Figure, sk: Skeleton, ghost: Skeleton | None, placed: Placed, marker: str) -> str:
    out: list[str] = []
    move = figure.move
    contact = placed.contact
    if move in ("along", "circles", "hold") and contact is None and figure.at:
        contact = _spots(sk, figure, figure.shows).get("any")
    if move == "along" and contact is not None:
        if sk.view == "side":
            edge, t = _SIDE_SPOTS[figure.at]
            if edge == "top":
                # Over the top of the shoulder: forwards and back.
                along = _vec(_angle(sk.torso_at(0.9), sk.neck) + 90)
                base = _add(contact, _vec(_angle(sk.torso_at(0.9), sk.neck)), 9)
            else:
                # Along the back, drawn on the body's mid-line where the tool works.
                t = max(0.15, min(0.85, t))
                along = _vec(_angle(sk.torso_at(t - 0.1), sk.torso_at(t + 0.1)))
                base = sk.torso_at(t)
            out.append(
                _arrow(f"M{_pt(_add(base, along, -12))}L{_pt(_add(base, along, 12))}", marker, both=True)
            )
        elif figure.pose.position == "side_lying":
            along = _vec(sk.torso_angle, 12)
            base = _add(sk.pelvis, _vec(sk.torso_angle), _dist(sk.pelvis, sk.neck) * 0.74)
            out.append(_arrow(f"M{_pt(_add(base, along, -1))}L{_pt(_add(base, along))}", marker, both=True))
        else:
            outward = 1 if contact[0] > sk.neck[0] else -1
            if figure.at in ("upper_trapezius", "chest"):
                # Out along the muscle and back; the inner end stops short of the neck.
                delta, base = (9.0, 0.0), _add(contact, (outward * 6, -10))
            else:
                delta, base = (0.0, 12.0), _add(contact, (outward * 10, 0))
            out.append(_arrow(f"M{_pt(_add(base, delta, -1))}L{_pt(_add(base, delta))}", marker, both=True))
    elif move == "circles":
        if figure.track == "hands":
            for name in ("arm_near", "arm_far"):
                hand = sk.arms[name][2]
                out.append(_circle_arrow(_add(hand, (0, -12)), 8, marker))
        elif figure.track == "shoulder":
            out.append(_circle_arrow(_add(sk.neck, (-2, -2)), 10, marker))
        elif contact is not None:
            # Around the ball or the fingertips: small circles on the spot.
            out.append(_circle_arrow(contact, 10 if figure.tool != "hands" else 8, marker))
    elif move == "frames" and ghost is not None:
        for a, b in _tracked(figure.track, sk, ghost):
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            normal = _vec(_angle(a, b) - 90, min(40.0, _dist(a, b) * 0.35))
            # Bow the arrow away from the body so it does not cross it.
            if _dist(_add(mid, normal), sk.pelvis) < _dist(_add(mid, normal, -1), sk.pelvis):
                normal = (-normal[0], -normal[1])
            ctrl = _add(mid, normal)
            out.append(_arrow(f"M{_pt(a)}Q{_pt(ctrl)} {_pt(b)}", marker, both=True))
    elif move == "squeeze" and sk.view in ("back", "front"):
        for person_side in ("left", "right"):
            outer = _flat_spot(sk, "shoulder_blade", person_side)
            inner = _flat_spot(sk, "between_shoulder_blades", person_side)
            start = _add(outer, _vec(_angle(inner, outer)), 8)
            out.append(_arrow(f"M{_pt(start)}L{_pt(inner)}", marker))
    elif move == "turn":
        turn = figure.then.turn if figure.then is not None else figure.pose.turn
        direction = 1 if turn >= 0 else -1
        y = _add(sk.neck, _vec(sk.torso_angle), -22)[1]
        a, b = (sk.neck[0] - 24 * direction, y), (sk.neck[0] + 24 * direction, y)
        out.append(_arrow(f"M{_pt(a)}Q{sk.neck[0]:.1f},{y + 16:.1f} {_pt(b)}", marker))
    elif move == "breathe" and sk.view == "side":
        belly = sk.surface(0.3, "front", 4)
        n = sk.normal_at(0.3, "front")
        out.append(_arrow(f"M{_pt(_add(belly, n, 14))}L{_pt(_add(belly, n, 28))}", marker, both=True))
    return "".join(out)


def _tracked(track: str, a: Skeleton, b: Skeleton) -> list[tuple[Point, Point]]:
    def joint(sk: Skeleton, name: str) -> Point:
        if name == "hand_near":
            return sk.arms["arm_near"][2]
        if name == "hand_far":
            return sk.arms["arm_far"][2]
        if name == "head":
            if sk.view == "side":  # in front of the face
                return _add(sk.head, _vec(_angle(sk.neck, sk.head) + 90), HEAD_R + 7)
            return _add(sk.head, _vec(_angle(sk.neck, sk.head)), HEAD_R + 5)
        if name == "knee_near":
            return sk.legs["leg_near"][1]
        if name == "back":
            return sk.surface(0.55, "back", 7)
        return sk.neck

    names = ["hand_near", "hand_far"] if track == "hands" else [track or "back"]
    pairs = [(joint(a, n), joint(b, n)) for n in names]
    return [(p, q) for p, q in pairs if _dist(p, q) > 6]


# --- the side panel --------------------------------------------------------------------------

# Torso diagram, seen from behind, in a 100 x 130 box. Left-side shapes; the person's left is
# on your left from behind. Right-side shapes are mirrored about x = 50.
_PANEL_OUTLINE = (
    "M44,22 L56,22 L57,28 C68,30 80,31 86,35 C90,38 90,44 88,50 L84,60 C82,72 80,84 80,96 "
    "C82,106 84,116 82,126 L18,126 C16,116 18,106 20,96 C20,84 18,72 16,60 L12,50 "
    "C10,44 10,38 14,35 C20,31 32,30 43,28 Z"
)
_PANEL_AREAS: dict[str, str] = {
    "neck_base": "M44,21 L56,21 L57,31 L43,31 Z",
    "upper_trapezius": "M43,29 C34,31 22,32 15,36 L17,42 C26,40 36,38 44,37 Z",
    "between_shoulder_blades": "M38,40 L46.5,40 L46.5,68 L40,68 Z",
    "shoulder_blade": "M20,42 L36,40 L37,64 C34,70 29,72 26,68 Z",
    "thoracic_spine": "M39.5,72 L46.5,72 L46.5,98 L40.5,98 Z",
    "lats": "M16,54 C22,62 30,70 37,74 L38,100 C30,100 24,98 21,96 C21,82 19,68 16,54 Z",
    "glute": "M22,104 C28,100 40,100 47,103 L47,124 L22,124 C20,116 20,110 22,104 Z",
}
_PANEL_FRONT_AREAS: dict[str, str] = {
    # From the front the person's left is on your right: these are the LEFT chest shapes.
    "chest": "M53,38 C62,36 76,36 82,40 C84,48 82,56 78,60 C70,64 58,64 53,60 Z",
    "upper_trapezius": "M57,29 C66,31 78,32 85,36 L83,40 C74,38 64,36 56,35 Z",
}
_PANEL_SPOTS: dict[str, Point] = {
    "neck_base": (50, 26),
    "upper_trapezius": (30, 35),
    "between_shoulder_blades": (42.5, 54),
    "shoulder_blade": (29, 55),
    "thoracic_spine": (43, 85),
    "lats": (24, 78),
    "chest": (32, 48),  # your left as you look, i.e. the person's right, seen from the front
    "glute": (34, 113),
}
_PANEL_ACROSS_Y = {"between_shoulder_blades": 54.0, "thoracic_spine": 66.0, "shoulder_blade": 55.0}


def _mirror_path(path: str) -> str:
    import re

    return re.sub(
        r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)",
        lambda m: f"{_f(100 - float(m.group(1)))},{m.group(2)}",
        path,
    )


def _panel_view(view: str, figure: Figure, side: str, ids: str) -> str:
    """One torso diagram (back or front) with hatched targets and the tool's spot."""
    out = [
        '<circle cx="50" cy="11" r="10" fill="#eef1f4" stroke="#5f6b7a" stroke-width="1.2"/>',
        f'<path d="{_PANEL_OUTLINE}" fill="#eef1f4" stroke="#5f6b7a" stroke-width="1.2"/>',
    ]
    areas = _areas(figure, side)
    shapes = _PANEL_AREAS if view == "back" else _PANEL_FRONT_AREAS
    for area, person_side in areas:
        if area not in shapes:
            continue
        path = shapes[area]
        paths = [path, _mirror_path(path)] if person_side == "none" and area != "neck_base" else [path]
        if person_side != "none":
            # In both views the shapes above are the person's LEFT side (on your left from behind,
            # on your right from the front); the right side is their mirror image.
            paths = [path if person_side == "left" else _mirror_path(path)]
        for p in paths:
            out.append(f'<path d="{p}" fill="{TARGET}" stroke="#8a2c05" stroke-width=".8"/>')
            out.append(f'<path d="{p}" fill="url(#{ids}h)"/>')
    if view == "back":
        # The spine, drawn as a column of small bumps: tools stay off it.
        out.append('<path d="M50,22 L50,124" stroke="#5f6b7a" stroke-width="1" stroke-dasharray="2.5 2"/>')
        for y in range(32, 124, 8):
            out.append(f'<rect x="48.2" y="{y}" width="3.6" height="4.5" rx="1.4" fill="#5f6b7a"/>')
    else:
        out.append('<path d="M50,34 L50,66" stroke="#5f6b7a" stroke-width="1.2"/>')
    out.append(_panel_tool(view, figure, side))
    return "".join(out)


def _panel_tool(view: str, figure: Figure, side: str) -> str:
    tool, area = figure.tool, figure.at
    ring = 'fill="none" stroke="#1f2933" stroke-width="1.8"'
    if not tool or tool == "towel":
        return ""
    if figure.placement == "lengthwise":
        if view != "back":
            return ""
        return f'<rect x="44" y="14" width="12" height="112" rx="6" {ring} stroke-dasharray="4 2"/>'
    if not area:
        return ""
    if (view == "back") == (area == "chest"):
        return ""
    if figure.placement == "across" and area == "lats":
        # A roller under the side of the chest, at right angles to the body.
        worked = worked_side(figure, side)
        on_viewer_left = (worked == "left") == (view == "back")
        x = 2.0 if on_viewer_left else 72.0
        return f'<rect x="{_f(x)}" y="56" width="26" height="12" rx="6" {ring} stroke-dasharray="4 2"/>'
    if figure.placement == "across":
        y = _PANEL_ACROSS_Y.get(area, 54.0)
        if tool == "peanut_ball":
            return (
                f'<circle cx="41" cy="{_f(y)}" r="6.5" {ring}/><circle cx="59" cy="{_f(y)}" r="6.5" {ring}/>'
                f'<path d="M47,{_f(y - 2)} L53,{_f(y - 2)} M47,{_f(y + 2)} L53,{_f(y + 2)}" '
                'stroke="#1f2933" stroke-width="1.2"/>'
            )
        return f'<rect x="6" y="{_f(y - 6)}" width="88" height="12" rx="6" {ring} stroke-dasharray="4 2"/>'
    x, y = _PANEL_SPOTS[area]
    worked = worked_side(figure, side)
    sides = ["left", "right"] if worked == "both" else [worked]
    out = []
    if area == "neck_base":
        spots = [(44.5, 26.0), (55.5, 26.0)] if figure.reach == "both" else [(x, y)]
    else:
        spots = []
        for s in sides:
            # (x, y) is on your left as you look: the person's left from behind, their right from the front.
            on_viewer_left = (s == "left") if view == "back" else (s == "right")
            spots.append((x, y) if on_viewer_left else (100 - x, y))
    for sx, sy in spots:
        out.append(f'<circle cx="{_f(sx)}" cy="{_f(sy)}" r="4.5" {ring}/>')
        out.append(f'<circle cx="{_f(sx)}" cy="{_f(sy)}" r="1.3" fill="#1f2933"/>')
    return "".join(out)


def _panel(figure: Figure, side: str, ids: str) -> str:
    areas = {a for a, _ in _areas(figure, side)}
    views = []
    on_back = figure.tool and (figure.placement == "lengthwise" or (figure.at and figure.at != "chest"))
    if areas - {"chest"} or on_back or not areas:
        views.append("back")
    if "chest" in areas:
        views.append("front")
    x0 = SCENE_W + 4
    inner = WIDTH - x0 - 3
    out = [
        f'<rect x="{x0}" y="4" width="{inner}" height="{HEIGHT - 8}" rx="6" fill="#ffffff" '
        f'stroke="#adb5bd" stroke-width="1"/>',
        f'<text x="{_f(x0 + inner / 2)}" y="17" text-anchor="middle" class="fig-label">'
        f"{'Target' if areas else 'Whole body'}</text>",
    ]
    scale = 0.8 if len(views) == 1 else 0.48
    width = 100 * scale
    for i, view in enumerate(views):
        left = x0 + (inner - width) / 2
        top = 28.0 + i * (130 * scale + 14)
        out.append(
            f'<g transform="translate({_f(left)} {_f(top)}) scale({_f(scale)})">'
            f"{_panel_view(view, figure, side, ids)}</g>"
        )
        label_y = top + 130 * scale + 9
        out.append(
            _text(
                left + width / 2,
                label_y,
                "from behind" if view == "back" else "from the front",
                "fig-note",
                "middle",
            )
        )
        # Which side is which, for this view: from behind the person's left is on your left.
        left_word, right_word = ("L", "R") if view == "back" else ("R", "L")
        out.append(f'<text x="{_f(x0 + 4)}" y="{_f(top + 40 * scale)}" class="fig-label">{left_word}</text>')
        out.append(_text(x0 + inner - 4, top + 40 * scale, right_word, anchor="end"))
    worked = worked_side(figure, side)
    if areas:
        note = f"{worked} side" if worked in ("left", "right") else "both sides"
        if not figure.per_side and all(a in ("neck_base",) for a in areas):
            note = "middle"
        out.append(_text(x0 + inner / 2, HEIGHT - 10, note, anchor="middle"))
    return "".join(out)


# --- the whole picture -----------------------------------------------------------------------


_MARKER = (
    'viewBox="0 0 10 10" refX="6" refY="5" markerWidth="4.5" markerHeight="4.5" orient="auto-start-reverse"'
)


def _defs(ids: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{ids}h" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="2" height="5" fill="#ffffff" opacity=".75"/></pattern>'
        f'<pattern id="{ids}w" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(-45)">'
        f'<rect width="6" height="6" fill="{PROP_FILL}"/>'
        f'<rect width="1.2" height="6" fill="{PROP_INK}"/></pattern>'
        f'<marker id="{ids}me" {_MARKER}>'
        f'<path d="M0,0 L10,5 L0,10 Z" fill="{INK}"/></marker>'
        f'<marker id="{ids}ms" {_MARKER}>'
        f'<path d="M0,0 L10,5 L0,10 Z" fill="{INK}"/></marker>'
        "</defs>"
    )


def _caption(pose: Pose) -> str:
    if pose.caption:
        return pose.caption
    return {"side": "side view", "front": "facing you", "back": "seen from behind"}[pose.view]


def render_svg(
    figure: Figure, side: str = "", *, title: str = "", description: str = "", uid: str = ""
) -> str:
    """The figure as an inline `<svg>` element.

    `side` is the step's side (`left`, `right`, `both` or empty); a per-side technique is
    drawn for that side, or for the spec's side when none is given. `title` and
    `description` become the SVG's accessible name and description. `uid` keeps the ids
    inside the SVG unique when a page shows several.
    """
    worked = worked_side(figure, side)
    ids = f"fg-{uid or figure.technique}-{worked}-"
    mirror = (
        figure.per_side
        and figure.pose.view != "side"
        and worked in ("left", "right")
        and worked != figure.shows
    )
    pose = figure.pose
    sk = skeleton(pose)
    spot_side = figure.shows if figure.per_side else "both"
    spots = _spots(sk, figure, spot_side)
    placed = _tool(figure, sk, spots, ids)
    if "tool_hand" in spots and figure.reach in ("arm_near", "arm_far"):
        spots[figure.reach] = spots["tool_hand"]
    _reach(pose, sk, figure, spots)
    ghost = None
    ghost_svg = ""
    if figure.then is not None:
        ghost = skeleton(figure.then)
        _reach(figure.then, ghost, figure, _spots(ghost, figure, spot_side))
        ghost_svg = _body(ghost, figure.then, GHOST, GHOST)
    scene_targets = _scene_targets(sk, figure, figure.shows, ids)
    seat_drop = 9.0 if figure.at == "glute" and pose.position == "seated" and figure.tool else 0.0
    props, prop_labels = _props(pose, sk, placed.wall_x, seat_drop)
    marker = f"{ids}m"
    moves = _moves(figure, sk, ghost, placed, marker)
    body = _body(sk, pose, BODY, BODY_FAR)
    animated = ghost is not None
    scene = [props, placed.under]
    if animated:
        scene.append(f'<g class="fig-b">{ghost_svg}</g><g class="fig-a">{body}{scene_targets}</g>')
    else:
        scene.append(body + scene_targets)
    scene.append(placed.tool)
    scene.append(moves)
    scene_svg = "".join(scene).replace("url(#HATCH_WALL)", f"url(#{ids}w)")
    if mirror:
        scene_svg = f'<g transform="matrix(-1 0 0 1 {SCENE_W} 0)">{scene_svg}</g>'
    labels = []
    for (x, y), text, anchor in prop_labels + placed.labels:
        if mirror:
            x = SCENE_W - x
            anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        turn = f' transform="rotate(-90 {_f(x)} {_f(y)})"' if anchor == "up" else ""
        labels.append(
            f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{"middle" if anchor == "up" else anchor}" '
            f'class="fig-label" stroke="#ffffff" stroke-width="3" paint-order="stroke"{turn}>'
            f"{escape(text)}</text>"
        )
    labels.append(f'<text x="6" y="{HEIGHT - 5}" class="fig-note">{escape(_caption(pose))}</text>')
    if figure.move == "hold":
        labels.append(_text(SCENE_W - 6, HEIGHT - 5, "hold still", anchor="end"))
    elif figure.move == "breathe":
        labels.append(_text(SCENE_W - 6, HEIGHT - 5, "slow breaths", anchor="end"))
    elif ghost is not None:
        labels.append(_text(SCENE_W - 6, HEIGHT - 5, "pale: other position", "fig-note", "end"))
    accessible = ""
    if title:
        accessible += f'<title id="{ids}t">{escape(title)}</title>'
    if description:
        accessible += f'<desc id="{ids}d">{escape(description)}</desc>'
    labelled = f' aria-labelledby="{ids}t"' if title else ""
    described = f' aria-describedby="{ids}d"' if description else ""
    classes = "figure-svg fig-anim" if animated else "figure-svg"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="{classes}" role="img"'
        f'{labelled}{described} data-figure="{escape(figure.technique)}" data-side="{worked}">'
        f"{accessible}<style>{STYLE}</style>{_defs(ids)}"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f"{scene_svg}{''.join(labels)}{_panel(figure, worked, ids)}</svg>"
    )
