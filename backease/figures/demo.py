"""A technique's figure as a short demonstration: key poses, a rhythm, a tool, props, marks.

`Figure` is the checked spec of one figure (parsed from backease/content/figures.yaml by
`spec.parse_figures_yaml`). `frames(demo, times)` poses the body at each moment of the
movement, places the tool on its landmark and the props around the body, and returns the
flat shapes the renderer draws. Everything is computed for the side the spec shows
(`shows`); the renderer mirrors the picture for the other side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from backease.figures.body import (
    SIDES,
    Body,
    Hand,
    Pose,
    Reach,
    blend,
    columns,
    h,
    hand_points,
    pose_body,
    solve_reach,
)
from backease.figures.geometry import Vec, add, cross, dot, lerp, norm, scale, sub, unit
from backease.figures.scene import (
    Camera,
    Frame,
    Label,
    Shape,
    body_shapes,
    circle,
    ellipse_of_disc,
    spine_shapes,
    target_shapes,
)

VIEWS = {"side": 90.0, "front": 0.0, "back": 180.0, "above": 0.0}
"""Camera yaw per view for a figure that shows the person's right side (side views look at
the worked side)."""

MOVES = ("circles", "roll", "press", "stretch", "repeat", "sequence", "breathe", "still")
"""`circles`: lean into the tool, small circles, ease off. `roll`: to and fro between the
two key poses. `press`: ease into the press, hold still, ease off. `stretch`: move into the
stretch, hold, come back. `repeat`: to and fro with a pause at each end. `sequence`: through
every key pose in turn. `breathe`: the belly (and chest) rising and falling at the breathing
pattern. `still`: resting; only the marks move (a body scan, the water)."""

DEFAULT_SECONDS = {
    "circles": 2.0,
    "roll": 6.0,
    "press": 12.0,
    "stretch": 12.0,
    "repeat": 6.0,
    "sequence": 2.5,
    "breathe": 10.0,
    "still": 10.0,
}

TOOL_RADIUS = {"tennis_ball": 3.3, "massage_ball": 3.6, "foam_roller": 7.5, "peanut_ball": 5.0}
SUPPORTS = ("floor", "wall", "seat", "hands", "")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """The tool, where it touches (a landmark) and what holds it there."""

    id: str
    at: str
    to: str = ""
    """For rolling: the landmark under the tool at the second key pose."""
    rests: str = ""
    """`floor`, `wall` or `seat` when the tool is held between the body and a surface."""
    axis: str = "across"
    """A roller lies `across` the body, `lengthwise` along the spine, or `side` (under
    the side of the chest, at right angles to the body)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One technique's figure, checked. Angles and lengths as in `body.Pose`."""

    technique: str
    name: str
    view: str
    keys: tuple[Pose, ...]
    key_words: tuple[str, ...]
    move: str
    seconds: float
    yaw: float = 0.0
    pitch: float = 0.0
    frame: str = "whole"
    """`whole` body, or `upper` (from the hips up) so the hands are big enough to read."""
    tool: ToolSpec | None = None
    props: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    """Hands or feet that stay where they are in the first key pose (`hand_l`, `foot_r`)."""
    marks: tuple[str, ...] = ()
    track: str = ""
    """The joint whose path the movement arrow follows (`hand_r`, `head`, `knee_l`, ...)."""
    breathing: tuple[float, float, float, float] = (4.0, 0.0, 6.0, 0.0)
    """In, hold, out, pause (seconds) for `breathe`."""
    words: str = ""
    regions: tuple[str, ...] = ()
    per_side: bool = False
    shows: str = "right"
    chair: str = "behind"
    """Where the chair's backrest is: `behind`, `right` or `left` (sitting sideways), or
    `front` (standing behind a chair, hands on its back)."""
    wall: str = "behind"
    """Where a wall is, seen from the person: `behind`, `front`, `left` or `right`."""
    caption: str = ""
    stills: tuple[int, ...] = ()
    """The key poses (0-based) shown side by side when nothing moves; default: all."""

    @property
    def tools(self) -> set[str]:
        """The technique tool ids the figure shows (its tool and the props that are tools)."""
        shown = {p for p in self.props if p in ("wall", "doorway", "chair")}
        if self.tool is not None:
            shown.add(self.tool.id)
        return shown


# --- the movement in time ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moment:
    """One sampled moment: between key poses `a` and `b` at `w`, with extras."""

    t: float
    a: int
    b: int
    w: float
    breath: float | None = None
    circle: float | None = None
    """Phase (radians) of the small circles, when circling."""
    effect: float = 0.0
    """0..1 progress of a mark's own movement (the scan, the hold timer)."""


def _ease(x: float) -> float:
    return x * x * (3 - 2 * x)


def period(demo: Figure) -> float:
    """Seconds for one loop of the figure's movement."""
    if demo.move == "circles":
        return demo.seconds * (2 / 0.64 if hand_circles(demo) else 5)
    if demo.move == "sequence":
        return demo.seconds * len(demo.keys)
    if demo.move == "breathe":
        return sum(demo.breathing)
    return demo.seconds


def moments(demo: Figure, steps: int = 2) -> list[Moment]:
    """The sampled moments of one loop, including every key pose and end of a hold."""
    out: list[Moment] = []
    n = len(demo.keys)
    last = n - 1

    def transition(t0: float, t1: float, a: int, b: int, include_end: bool = True) -> None:
        for k in range(steps + (1 if include_end else 0)):
            x = k / steps
            out.append(Moment(t0 + (t1 - t0) * x, a, b, _ease(x)))

    if demo.move == "circles" and hand_circles(demo):
        # The hands circle on the spot: two circles of eight steps while the body keeps still.
        transition(0.0, 0.18, 0, last, include_end=False)
        rounds, samples = 2, 8
        for i in range(rounds * samples + 1):
            t = 0.18 + 0.64 * i / (rounds * samples)
            out.append(Moment(t, last, last, 1.0, circle=2 * math.pi * i / samples))
        transition(0.82, 1.0, last, 0)
    elif demo.move in ("press", "stretch", "circles"):
        # Ease in, hold (circling, pressing or stretching), ease out.
        transition(0.0, 0.18, 0, last, include_end=False)
        out.append(Moment(0.18, last, last, 1.0))
        transition(0.82, 1.0, last, 0)
    elif demo.move == "roll":
        transition(0.0, 0.5, 0, last, include_end=False)
        transition(0.5, 1.0, last, 0)
    elif demo.move == "repeat":
        transition(0.0, 0.4, 0, last, include_end=False)
        out.append(Moment(0.4, last, last, 1.0))
        transition(0.5, 0.9, last, 0, include_end=False)
        out.append(Moment(0.9, 0, 0, 1.0))
        out.append(Moment(1.0, 0, 0, 1.0))
    elif demo.move == "sequence":
        span = 1.0 / n
        for i in range(n):
            nxt = (i + 1) % n
            t0 = i * span
            out.append(Moment(t0, i, i, 1.0))
            transition(t0 + span * 0.35, t0 + span, i, nxt, include_end=(i == n - 1))
    elif demo.move == "breathe":
        total = sum(demo.breathing)
        b_in, b_hold, b_out, _ = (x / total for x in demo.breathing)
        marks = [0.0, b_in, b_in + b_hold, b_in + b_hold + b_out, 1.0]
        for i in range(steps + 1):
            x = i / steps
            out.append(Moment(marks[0] + (marks[1] - marks[0]) * x, 0, last, _ease(x), breath=_ease(x)))
        if b_hold:
            out.append(Moment(marks[2], last, last, 1.0, breath=1.0))
        for i in range(1, steps + 1):
            x = i / steps
            out.append(Moment(marks[2] + (marks[3] - marks[2]) * x, last, 0, _ease(x), breath=1 - _ease(x)))
        if marks[3] < 1.0:
            out.append(Moment(1.0, 0, 0, 1.0, breath=0.0))
    else:  # still
        for i in range(9):
            out.append(Moment(i / 8, 0, last, 0.0 if last == 0 else _ease(min(1.0, i / 4)), effect=i / 8))
    # Keep times strictly increasing.
    cleaned: list[Moment] = []
    for m in out:
        if cleaned and m.t <= cleaned[-1].t + 1e-6:
            cleaned[-1] = m if m.t >= cleaned[-1].t else cleaned[-1]
            continue
        cleaned.append(m)
    if cleaned[0].t > 0:
        cleaned.insert(0, replace(cleaned[0], t=0.0))
    if cleaned[-1].t < 1:
        cleaned.append(replace(cleaned[0], t=1.0))
    return cleaned


def hand_circles(demo: Figure) -> bool:
    """True when the hands make the circles (no tool between the body and a surface)."""
    return demo.tool is None or not demo.tool.rests


def key_moments(demo: Figure) -> list[Moment]:
    """The key poses shown side by side when the figure does not move (at least two)."""
    last = len(demo.keys) - 1
    if demo.move == "breathe":
        return [Moment(0, 0, 0, 0.0, breath=0.0), Moment(0, last, last, 1.0, breath=1.0)]
    if demo.move == "still" and last == 0:
        return [Moment(0, 0, 0, 0.0, effect=0.1), Moment(0, 0, 0, 0.0, effect=0.9)]
    chosen = demo.stills or tuple(range(len(demo.keys)))
    return [Moment(0, i, i, 1.0, effect=1.0) for i in chosen]


# --- one moment ---------------------------------------------------------------------------------


@dataclass
class Staged:
    """One posed moment, before drawing: the body and where the tool is."""

    body: Body
    tool_points: dict[str, Vec] = field(default_factory=dict)
    tool_normal: Vec = (0.0, 1.0, 0.0)
    contact: tuple[Vec, Vec] | None = None
    """The tool's contact point and the landmark it should be on (both world points)."""


def camera(demo: Figure) -> Camera:
    if demo.view == "above":
        return Camera(yaw=demo.yaw, pitch=90.0 if demo.pitch == 0 else demo.pitch)
    return Camera(yaw=VIEWS[demo.view] + demo.yaw, pitch=demo.pitch)


def _without_reaches(pose: Pose) -> Pose:
    return replace(pose, reaches=())


def _blend_reaches(a: Pose, b: Pose, w: float) -> tuple[Reach, ...]:
    return a.reaches if w < 0.5 else b.reaches


class Stage:
    """Poses every moment of one figure consistently (the floor, the fixed hands and feet,
    a tool that rests on the floor or a wall while the body rolls over it)."""

    def __init__(self, demo: Figure) -> None:
        self.demo = demo
        self.cam = camera(demo)
        self.fixed: dict[str, tuple[Vec, Hand | None]] = {}
        self.anchor: tuple[Vec, Vec] | None = None
        # Hands and feet that stay put, and a tool the body rolls over, keep where they are
        # in the first key pose (with its reaches).
        start = self.stage(Moment(0, 0, 0, 1.0)).body
        for name in demo.fixed:
            if name == "support_knees":
                continue
            limb, s = name.split("_")
            if limb == "hand":
                self.fixed[name] = (start.hands[s].wrist, start.hands[s])
            else:
                self.fixed[name] = (start.joints[f"ankle_{s}"], None)
        tool = demo.tool
        if tool is not None and tool.rests and tool.to:
            self.anchor = start.landmark(tool.at)
            if tool.rests == "floor":
                self.anchor = (self.anchor[0], (0.0, -1.0, 0.0))
        self.floor = 0.0
        """Every moment is stood on the floor at y = 0 (its lowest point touches it)."""
        self.working = self.stage(Moment(0, len(demo.keys) - 1, len(demo.keys) - 1, 1.0))

    def progress(self, m: Moment) -> float:
        """How far the tool has moved from `at` (0) to `to` (1) at this moment."""
        last = len(self.demo.keys) - 1
        if last == 0:
            return 0.0
        pa = m.a / last
        pb = m.b / last
        return pa + (pb - pa) * m.w

    def stage(self, m: Moment) -> Staged:
        demo = self.demo
        a, b = demo.keys[m.a], demo.keys[m.b]
        pose = blend(_without_reaches(a), _without_reaches(b), m.w)
        if m.breath is not None:
            pose = replace(pose, breath=m.breath)
        pose = _kneel(pose, demo)
        tool = demo.tool
        lengthwise = tool is not None and tool.axis == "lengthwise"
        if tool is not None and tool.rests == "floor" and tool.id in TOOL_RADIUS:
            pose = _rest_on(pose, tool, self.progress(m))
        body = pose_body(pose)
        if not lengthwise:
            x, y, z = pose.root
            pose = replace(pose, root=(x, y - body.lowest(), z))
            body = pose_body(pose)
        if tool is not None and self.anchor is not None:
            # Move the body (along the floor or the wall) so the moving spot is on the tool.
            at = body.landmark(tool.at)[0]
            to = body.landmark(tool.to)[0]
            spot = lerp(at, to, self.progress(m))
            shift = sub(self.anchor[0], spot)
            if tool.rests == "floor":
                shift = (shift[0], 0.0, shift[2])
            elif tool.rests == "wall":
                n = self.anchor[1]
                shift = sub(shift, scale(n, dot(shift, n)))
            body = pose_body(replace(pose, root=add(pose.root, shift)))
        for name, (point, hand) in self.fixed.items():
            limb, s = name.split("_")
            if limb == "hand" and hand is not None:
                _place_hand(body, s, hand)
            else:
                _place_foot(body, s, point)
        staged = Staged(body)
        if tool is not None:
            _place_tool(self, staged, m)
        reaches = _blend_reaches(a, b, m.w)
        for reach in reaches:
            point, normal = _reach_target(staged, reach)
            if m.circle is not None:
                # Small circles on the spot, in the plane of the skin.
                _, up, _ = columns(body.segments["thorax"].frame)
                e1 = unit(sub(up, scale(normal, dot(up, normal))))
                e2 = unit(cross(normal, e1))
                r = 1.6
                point = add(add(point, e1, r * math.sin(m.circle)), e2, r * math.cos(m.circle))
            solve_reach(body, reach, (point, normal))
        if a.reaches != b.reaches and 0 < m.w < 1:
            _blend_hands(self, staged, a, b, m)
        return staged


def _solve(f: Callable[[float], float], low: float, high: float) -> float | None:
    """A root of f between low and high (regula falsi, Illinois), or None if none is bracketed."""
    fa, fb = f(low), f(high)
    if fa == 0:
        return low
    if fa * fb > 0:
        return None
    a, b = low, high
    side = 0
    for _ in range(14):
        c = b - fb * (b - a) / (fb - fa)
        fc = f(c)
        if abs(fc) < 0.05:
            return c
        if fc * fb > 0:
            b, fb = c, fc
            if side == -1:
                fa /= 2
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb /= 2
            side = 1
    return (a + b) / 2


def _kneel(pose: Pose, demo: Figure) -> Pose:
    """On hands and knees: tilt the trunk about the hips (the thighs keep their angle) until
    the hands and the knees are both on the floor."""
    if "support_knees" not in demo.fixed:
        return pose

    def tilted(delta: float) -> Pose:
        legs = {f"leg_{s}": (v[0], v[1] + delta, v[2]) for s, v in (("l", pose.leg_l), ("r", pose.leg_r))}
        return replace(pose, lean=pose.lean + delta, **legs)  # type: ignore[arg-type]

    def gap(delta: float) -> float:
        body = pose_body(tilted(delta))
        hands = min(min(p[1] for p in hand_points(body.hands[s]).values()) for s in SIDES)
        knees = min(body.joints[f"knee_{s}"][1] for s in SIDES) - h(0.03)
        return hands - knees

    delta = _solve(gap, -35.0, 35.0)
    return pose if delta is None else tilted(delta)


def _rest_on(pose: Pose, tool: ToolSpec, progress: float) -> Pose:
    """Lift or lower the upper body (by bending at the waist) until the spot the tool is
    under sits on top of it: a roller or ball under the back holds the back up. Lying along
    a roller, the whole body is lifted onto it."""
    diameter = 2 * TOOL_RADIUS[tool.id]
    if tool.axis == "lengthwise":
        body = _grounded(pose)
        lift = diameter - body.landmark(tool.at)[0][1]
        x, y, z = pose.root
        return replace(pose, root=(x, y - body.lowest() + lift, z))

    # Lying on the back the chest lifts by bending forwards at the waist; lying on the
    # side, by bending towards the upper side.
    left = columns(pose_body(pose).segments["pelvis"].frame)[0]
    axis = 0 if abs(left[1]) < 0.6 else 1
    sign = 1.0 if axis == 0 or left[1] < 0 else -1.0

    def bent(delta: float) -> Pose:
        v = list(pose.lumbar)
        v[axis] += sign * delta
        return replace(pose, lumbar=(v[0], v[1], v[2]))

    def height(delta: float) -> float:
        body = pose_body(bent(delta))
        spot = body.landmark(tool.at)[0]
        if tool.to:
            spot = lerp(spot, body.landmark(tool.to)[0], progress)
        # Height above the floor once the body is stood on it (a shift changes no height).
        return spot[1] - body.lowest() - diameter

    delta = _solve(height, -5.0, 60.0)
    return pose if delta is None else bent(delta)


def _grounded(pose: Pose) -> Body:
    """The posed body, stood on the floor (its lowest point at y = 0)."""
    body = pose_body(pose)
    x, y, z = pose.root
    return pose_body(replace(pose, root=(x, y - body.lowest(), z)))


def _place_foot(body: Body, s: str, ankle: Vec) -> None:
    from backease.figures.body import SHANK, THIGH, _two_bone

    hip = body.joints[f"hip_{s}"]
    _, _, fwd = columns(body.segments["pelvis"].frame)
    knee = _two_bone(hip, ankle, h(THIGH), h(SHANK), fwd)
    old_ankle = body.joints[f"ankle_{s}"]
    shift = sub(ankle, old_ankle)
    body.joints[f"knee_{s}"] = knee
    body.joints[f"ankle_{s}"] = ankle
    for part in ("heel", "toe"):
        body.joints[f"{part}_{s}"] = add(body.joints[f"{part}_{s}"], shift)


def _place_hand(body: Body, s: str, hand: Hand) -> None:
    from backease.figures.body import FOREARM, UPPER_ARM, _two_bone

    shoulder = body.joints[f"shoulder_{s}"]
    hint = sub(body.joints[f"elbow_{s}"], lerp(shoulder, body.joints[f"wrist_{s}"], 0.5))
    elbow = _two_bone(shoulder, hand.wrist, h(UPPER_ARM), h(FOREARM), hint)
    body.joints[f"elbow_{s}"] = elbow
    body.joints[f"wrist_{s}"] = hand.wrist
    body.hands[s] = hand


def _reach_target(staged: Staged, reach: Reach) -> tuple[Vec, Vec]:
    body = staged.body
    if reach.to.startswith("tool:"):
        name = reach.to[5:]
        point = staged.tool_points[name]
        shoulder = body.joints[f"shoulder_{reach.hand}"]
        axis = staged.tool_points.get(f"{name}_axis", (0.0, 1.0, 0.0))
        normal = unit(sub(shoulder, point))
        normal = unit(sub(normal, scale(axis, dot(normal, axis))))
        return point, normal
    return body.landmark(reach.to)


def _blend_hands(stage: Stage, staged: Staged, a: Pose, b: Pose, m: Moment) -> None:
    """A hand that reaches in only one of two key poses moves between the two positions."""
    body = staged.body
    for s in SIDES:
        in_a = any(r.hand == s for r in a.reaches)
        in_b = any(r.hand == s for r in b.reaches)
        if in_a == in_b:
            continue
        other = stage.stage(Moment(m.t, m.b if m.w < 0.5 else m.a, m.b if m.w < 0.5 else m.a, 1.0))
        # Interpolate the arm's joints between this moment's and the other pose's.
        w = m.w if m.w >= 0.5 else 1 - m.w
        w = 1 - w
        ob = other.body
        for joint in (f"elbow_{s}", f"wrist_{s}"):
            body.joints[joint] = lerp(body.joints[joint], ob.joints[joint], w)
        ha, hb = body.hands[s], ob.hands[s]
        body.hands[s] = Hand(
            body.joints[f"wrist_{s}"],
            unit(lerp(ha.fingers, hb.fingers, w)),
            unit(lerp(ha.palm, hb.palm, w)),
            unit(lerp(ha.thumb, hb.thumb, w)),
            ha.shape if w < 0.5 else hb.shape,
        )


# --- tools ------------------------------------------------------------------------------------


def _place_tool(stage: Stage, staged: Staged, m: Moment) -> None:
    demo = stage.demo
    tool = demo.tool
    assert tool is not None
    body = staged.body
    pts = staged.tool_points
    if tool.id == "towel" and tool.rests == "hands":
        staged.contact = None  # held taut between the hands (a towel pull-apart)
        return
    if tool.id == "towel":
        fl, _ = body.landmark("foot_ball_l")
        fr, _ = body.landmark("foot_ball_r")
        pts.update(foot_l=add(fl, (0.0, -1.0, 0.0), 0.6), foot_r=add(fr, (0.0, -1.0, 0.0), 0.6))
        staged.contact = None
        return
    name = tool.at
    point, normal = body.landmark(name)
    if tool.to:
        progress = stage.progress(m)
        p2, n2 = body.landmark(tool.to)
        point, normal = lerp(point, p2, progress), unit(lerp(normal, n2, progress))
    left, up, fwd = columns(body.segments["thorax"].frame)
    r = TOOL_RADIUS.get(tool.id, 3.0)
    tid = tool.id
    if tid in ("tennis_ball", "massage_ball"):
        centre = add(point, normal, r)
        if tool.rests == "seat":
            centre = add(point, (0.0, -1.0, 0.0), r)
        pts["centre"] = centre
        staged.contact = (point, point)
    elif tid == "peanut_ball":
        pts["centre"] = add(point, normal, r)
        pts["axis"] = left
        staged.contact = (point, point)
    elif tid == "foam_roller":
        axis = {"across": left, "lengthwise": up, "side": fwd}[tool.axis]
        if tool.rests == "floor":
            axis = unit((axis[0], 0.0, axis[2]))
        if stage.anchor is not None:
            point, normal = stage.anchor
            if tool.rests == "floor":
                normal = (0.0, -1.0, 0.0)
        pts["centre"] = add(point, normal, r)
        pts["axis"] = axis
        staged.contact = (point, point)
    elif tid == "massage_stick":
        # Over the top of the shoulder: one end in front, one behind.
        mid = add(point, normal, 1.6)
        front = add(add(mid, fwd, 22), up, -17)
        back = add(add(mid, fwd, -15), up, -30)
        # Rolling: the stick slides over the shoulder along its length, forwards then back.
        slide = (stage.progress(m) - 0.5) * 12.0
        along = unit(sub(front, back))
        front, back = add(front, along, -slide), add(back, along, -slide)
        pts.update(mid=mid, front=front, back=back)
        pts["front_axis"] = unit(sub(front, back))
        pts["back_axis"] = unit(sub(front, back))
        staged.contact = (add(mid, normal, -1.6), point)
    elif tid == "hook_cane":
        worked = tool.at[-1]
        other = "l" if worked == "r" else "r"
        knob = add(point, normal, 2.2)
        top, _top_n = body.landmark(f"shoulder_top_{other}")
        top = lerp(top, body.joints["c7"], 0.35)
        hook_top = add(top, up, 9)
        behind = add(add(lerp(knob, hook_top, 0.55), fwd, -7), up, 3)
        front_top = add(add(hook_top, fwd, 14), up, -4)
        handle = add(add(top, fwd, 20), up, -12)
        bottom = add(add(add(body.joints["lumbar"], fwd, 32), up, 2), left, -4 if worked == "r" else 4)
        pts.update(
            knob=knob, behind=behind, hook_top=hook_top, front_top=front_top, handle=handle, bottom=bottom
        )
        pts["handle_axis"] = unit(sub(handle, bottom))
        pts["bottom_axis"] = unit(sub(handle, bottom))
        staged.contact = (point, point)
    elif tid == "percussion_massager":
        head = add(point, normal, 2.6)
        barrel = add(head, normal, 11)
        worked = tool.at[-1]
        inward = scale(left, 1.0 if worked == "r" else -1.0)
        handle_end = add(add(barrel, fwd, 10), inward, 6)
        handle_end = add(handle_end, normal, -3)
        pts.update(head=head, barrel=barrel, handle_end=handle_end)
        pts["handle"] = lerp(barrel, handle_end, 0.55)
        pts["handle_axis"] = unit(sub(handle_end, barrel))
        staged.contact = (add(head, normal, -2.6), point)
    elif tid == "heat_pack":
        a, _ = body.landmark("shoulder_top_l")
        b, _ = body.landmark("shoulder_top_r")
        c7, cn = body.landmark("c7")
        mid = add(add(c7, cn, 2.0), up, -5)
        pts.update(a=add(add(a, up, 1.5), fwd, -2), mid=mid, b=add(add(b, up, 1.5), fwd, -2))
        staged.contact = (mid, add(c7, up, -5))
    staged.tool_normal = normal


def tool_shapes(stage: Stage, staged: Staged, prefix: str = "") -> tuple[list[Shape], list[Label]]:
    """The tool as shapes, and its label."""
    demo = stage.demo
    tool = demo.tool
    if tool is None:
        return [], []
    cam = stage.cam
    pts = staged.tool_points
    tid = tool.id
    out: list[Shape] = []
    labels: list[Label] = []
    support = -1e5 if tool.rests else None
    if tid in ("tennis_ball", "massage_ball"):
        c = pts["centre"]
        r = TOOL_RADIUS[tid]
        d = support if support is not None else cam.depth(c)
        out.append(Shape(prefix + "tool", "ellipse", circle(cam.flat(c), r), "tl", d, part="tool"))
        labels.append(Label(cam.flat(c), "ball"))
    elif tid == "peanut_ball":
        c, axis = pts["centre"], pts["axis"]
        r = TOOL_RADIUS[tid]
        for i, s in enumerate((-1.0, 1.0)):
            p = add(c, axis, s * (r + 0.6))
            d = -1e5 + cam.depth(p) if tool.rests else cam.depth(p)
            out.append(Shape(prefix + f"tool{i}", "ellipse", circle(cam.flat(p), r), "tl", d, part="tool"))
        labels.append(Label(cam.flat(c), "peanut ball"))
    elif tid == "foam_roller":
        c, axis = pts["centre"], pts["axis"]
        r = TOOL_RADIUS[tid]
        half = 45.0
        a, b = add(c, axis, -half), add(c, axis, half)
        base = support if support is not None else cam.depth(c)
        near, far = (a, b) if cam.depth(a) > cam.depth(b) else (b, a)
        out.append(
            Shape(prefix + "tool_far", "ellipse", ellipse_of_disc(cam, far, axis, r), "tl", base, part="tool")
        )
        out.append(
            Shape(
                prefix + "tool",
                "line",
                [cam.flat(a), cam.flat(b)],
                "tlb",
                base + 0.01,
                width=2 * r,
                part="tool",
            )
        )
        out.append(
            Shape(
                prefix + "tool_near",
                "ellipse",
                ellipse_of_disc(cam, near, axis, r),
                "tl",
                base + 0.02,
                part="tool",
            )
        )
        out.append(
            Shape(
                prefix + "tool_core",
                "ellipse",
                ellipse_of_disc(cam, near, axis, r * 0.35),
                "tlc",
                base + 0.03,
                part="tool",
            )
        )
        labels.append(Label(cam.flat(c), "foam roller"))
    elif tid == "massage_stick":
        front, back, mid = pts["front"], pts["back"], pts["mid"]
        d = cam.depth(mid)
        out.append(
            Shape(
                prefix + "tool", "line", [cam.flat(back), cam.flat(front)], "tls", d, width=2.4, part="tool"
            )
        )
        for key, end in (("tool_a", front), ("tool_b", back)):
            inner = lerp(end, mid, 0.35)
            out.append(
                Shape(
                    prefix + key,
                    "line",
                    [cam.flat(end), cam.flat(inner)],
                    "tls",
                    cam.depth(end) + 0.05,
                    width=4.0,
                    part="tool",
                )
            )
        labels.append(Label(cam.flat(mid), "massage stick"))
    elif tid == "hook_cane":
        # Behind the body (the knob and the hook) and in front of it (the shaft), painted apart.
        for key, names in (
            ("tool_back", ("knob", "behind", "hook_top")),
            ("tool", ("hook_top", "front_top", "handle", "bottom")),
        ):
            path = [cam.flat(pts[n]) for n in names]
            d = sum(cam.depth(pts[n]) for n in names) / len(names)
            out.append(Shape(prefix + key, "path", path, "tls", d, width=2.4, part="tool"))
        out.append(
            Shape(
                prefix + "tool_knob",
                "ellipse",
                circle(cam.flat(pts["knob"]), 2.4),
                "tl",
                cam.depth(pts["knob"]),
                part="tool",
            )
        )
        labels.append(Label(cam.flat(pts["front_top"]), "hook cane"))
    elif tid == "percussion_massager":
        head, barrel, end = pts["head"], pts["barrel"], pts["handle_end"]
        d = cam.depth(barrel)
        out.append(
            Shape(
                prefix + "tool_handle",
                "line",
                [cam.flat(barrel), cam.flat(end)],
                "tls",
                d,
                width=3.6,
                part="tool",
            )
        )
        out.append(
            Shape(
                prefix + "tool",
                "line",
                [cam.flat(head), cam.flat(barrel)],
                "tls",
                d + 0.05,
                width=5.5,
                part="tool",
            )
        )
        out.append(
            Shape(
                prefix + "tool_head",
                "ellipse",
                circle(cam.flat(head), 2.6),
                "tl",
                cam.depth(head) + 0.1,
                part="tool",
            )
        )
        labels.append(Label(cam.flat(barrel), "massager"))
    elif tid == "heat_pack":
        path = [cam.flat(pts[n]) for n in ("a", "mid", "b")]
        d = max(cam.depth(pts[n]) for n in ("a", "mid", "b"))
        out.append(Shape(prefix + "tool_edge", "path", path, "tlo", d + 2, width=6.0, part="tool"))
        out.append(Shape(prefix + "tool", "path", path, "tls", d + 2.1, width=4.6, part="tool"))
        labels.append(Label(cam.flat(pts["mid"]), "heat pack"))
    elif tid == "towel":
        hl = hand_points(staged.body.hands["l"])["grip"]
        hr = hand_points(staged.body.hands["r"])["grip"]
        if tool.rests == "hands":
            path = [cam.flat(hl), cam.flat(hr)]
            d = max(cam.depth(hl), cam.depth(hr))
            out.append(Shape(prefix + "tool", "line", path, "tls", d + 1, width=2.4, part="tool"))
            labels.append(Label(cam.flat(lerp(hl, hr, 0.5)), "towel"))
            return out, labels
        path = [cam.flat(hl), cam.flat(pts["foot_l"]), cam.flat(pts["foot_r"]), cam.flat(hr)]
        d = max(cam.depth(hl), cam.depth(hr))
        out.append(Shape(prefix + "tool", "line", path, "tls", d + 1, width=1.8, part="tool"))
        labels.append(Label(cam.flat(lerp(hl, pts["foot_l"], 0.5)), "towel"))
    return out, labels


# --- props --------------------------------------------------------------------------------------


@dataclass
class Props:
    """Things around the body, placed once from the working pose (they do not move)."""

    shapes: list[Shape] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    wall: tuple[Vec, Vec] | None = None
    """A point on the wall's surface and its normal (pointing into the room)."""


def place_props(stage: Stage) -> Props:
    demo = stage.demo
    cam = stage.cam
    out = Props()
    floor = stage.floor
    body = stage.working.body
    first = stage.stage(Moment(0, 0, 0, 1.0)).body
    if "wall" in demo.props:
        out.wall = _wall(stage)
    if "chair" in demo.props:
        out.shapes.extend(_chair(stage, first, floor))
    if "mat" in demo.props:
        out.shapes.append(_mat(stage))
    if "pillow" in demo.props:
        head = first.joints["head"]
        r = h(0.064)
        lying_side = abs(columns(first.segments["thorax"].frame)[0][1]) > 0.7
        top = head[1] - r + (1.0 if not lying_side else 0.5)
        low = floor
        if lying_side:
            top = head[1] - r * 0.9
        centre = (head[0], (top + low) / 2, head[2])
        pw = 42.0 if not lying_side else 26.0
        thick = max(4.0, top - low)
        corners = []
        _, up, fwd = (1, 0, 0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
        across = columns(first.segments["head"].frame)[0]
        along = unit(cross(up, across)) if norm(cross(up, across)) > 0.1 else fwd
        for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            corners.append(cam.flat(add(add(centre, along, dx * pw / 2), up, dy * thick / 2)))
        out.shapes.append(Shape("pillow", "smooth", corners, "pp", -1e5 + 2, part="prop"))
    if "doorway" in demo.props:
        out.shapes.extend(_doorway(stage, first, floor))
    if "shower" in demo.props:
        head = body.joints["head"]
        _, up, fwd = columns(body.segments["head"].frame)
        nozzle = add(add(head, (0.0, 1.0, 0.0), 38), (0.0, 0.0, 1.0), 14)
        arm_end = add(nozzle, (0.0, 0.0, 1.0), 16)
        out.shapes.append(
            Shape(
                "shower_arm",
                "line",
                [cam.flat(arm_end), cam.flat(nozzle)],
                "pl",
                -1e5,
                width=2.2,
                part="prop",
            )
        )
        out.shapes.append(
            Shape(
                "shower_head",
                "ellipse",
                ellipse_of_disc(cam, nozzle, (0.0, 1.0, 0.0), 6),
                "pp",
                -1e5 + 1,
                part="prop",
            )
        )
        out.labels.append(Label(cam.flat(add(arm_end, (0.0, 1.0, 0.0), 4)), "warm shower", "middle"))
    return out


def _mat(stage: Stage) -> Shape:
    """A mat on the floor under the body (a flat box, seen from the camera)."""
    pts: list[Vec] = []
    for k in range(len(stage.demo.keys)):
        body = stage.stage(Moment(0, k, k, 1.0)).body
        pts += [v for name, v in body.joints.items() if not name.startswith(("girdle", "wrist", "elbow"))]
    xs = [p[0] for p in pts]
    zs = [p[2] for p in pts]
    x0, x1 = min(xs) - 14, max(xs) + 14
    z0, z1 = min(zs) - 14, max(zs) + 14
    cam = stage.cam
    top = [(x0, 1.2, z0), (x1, 1.2, z0), (x1, 1.2, z1), (x0, 1.2, z1)]
    flat = [cam.flat(p) for p in top]
    if stage.cam.pitch == 0:
        # Seen from level, the mat is a thin strip: its top edge and its thickness.
        xs2 = [p[0] for p in flat]
        flat = [(min(xs2), -1.2), (max(xs2), -1.2), (max(xs2), 0.0), (min(xs2), 0.0)]
    return Shape("mat", "poly", flat, "pm", -1e6 + 1, part="prop")


def _wall(stage: Stage) -> tuple[Vec, Vec]:
    demo = stage.demo
    tool = demo.tool
    direction = {
        "behind": (0.0, 0.0, -1.0),
        "front": (0.0, 0.0, 1.0),
        "left": (1.0, 0.0, 0.0),
        "right": (-1.0, 0.0, 0.0),
    }[demo.wall]
    if tool is not None and tool.rests == "wall":
        c = stage.working.tool_points.get("centre")
        if c is not None:
            # The wall stands square to the floor, touching the tool's far side.
            far = c
            if tool.id == "peanut_ball":
                axis = stage.working.tool_points["axis"]
                far = max((add(c, axis, 5.6), add(c, axis, -5.6)), key=lambda p: dot(p, direction))
            elif tool.id == "foam_roller":
                axis = stage.working.tool_points["axis"]
                far = max((add(c, axis, 45), add(c, axis, -45)), key=lambda p: dot(p, direction))
            r = TOOL_RADIUS.get(tool.id, 3.0)
            return add(far, direction, r), scale(direction, -1)
    extreme = max(_extreme_points(stage), key=lambda p: dot(p, direction))
    return extreme, scale(direction, -1)


def _extreme_points(stage: Stage) -> list[Vec]:
    pts: list[Vec] = []
    for k in range(len(stage.demo.keys)):
        body = stage.stage(Moment(0, k, k, 1.0)).body
        for centre, lx, fz, w, d in body.sections:
            for ang in range(0, 360, 30):
                a = math.radians(ang)
                pts.append(add(add(centre, lx, w * math.cos(a)), fz, d * math.sin(a)))
        pts.append(add(body.joints["head"], (0.0, 0.0, -1.0), h(0.064)))
        for name in ("elbow_l", "elbow_r", "wrist_l", "wrist_r"):
            pts.append(body.joints[name])
    return pts


def wall_shapes(
    stage: Stage, wall: tuple[Vec, Vec], bounds: tuple[float, float, float, float]
) -> list[Shape]:
    """The wall: edge-on as a band, or as a hatched backdrop when it stands behind the body."""
    cam = stage.cam
    point, normal = wall
    facing = cam.facing(normal)
    x0, y0, x1, y1 = bounds
    if abs(facing) < 0.65:
        p = cam.flat(point)
        n2 = cam.vector(normal)
        side = 1.0 if n2[0] < 0 else -1.0  # the wall's body is on this side of its face
        band = [(p[0], y0), (p[0] + side * 7, y0), (p[0] + side * 7, y1), (p[0], y1)]
        return [
            Shape("wall_band", "poly", band, "pw", -1e6, part="prop"),
            Shape("wall_face", "line", [(p[0], y0), (p[0], y1)], "pl", -1e6 + 1, width=1.4, part="prop"),
        ]
    if facing > 0:  # the wall faces the viewer: it stands behind the body
        band = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        return [Shape("wall_band", "poly", band, "pwb", -1e6, part="prop")]
    return []


def _chair(stage: Stage, body: Body, floor: float) -> list[Shape]:
    demo = stage.demo
    cam = stage.cam
    out: list[Shape] = []
    if demo.chair == "front":
        # Standing behind a chair, hands on the top of its back.
        hands = [hand_points(body.hands[s])["palm"] for s in SIDES]
        top_y = min(p[1] for p in hands) - 2.5
        cx = (hands[0][0] + hands[1][0]) / 2
        cz = max(p[2] for p in hands) + 1.5
        seat_y = floor + 46
        back = cz
        front = cz + 40
        corners = [
            (cx - 22, seat_y, back),
            (cx + 22, seat_y, back),
            (cx + 22, seat_y, front),
            (cx - 22, seat_y, front),
        ]
        out.append(
            Shape(
                "chair_seat", "poly", [cam.flat(c) for c in corners], "pc", -1e5 + 3, width=1.2, part="prop"
            )
        )
        for i, (x, z) in enumerate(
            ((cx - 20, back), (cx + 20, back), (cx - 20, front - 2), (cx + 20, front - 2))
        ):
            top = top_y if z == back else seat_y
            out.append(
                Shape(
                    f"chair_leg{i}",
                    "line",
                    [cam.flat((x, top, z)), cam.flat((x, floor, z))],
                    "pcl",
                    -1e5 + cam.depth((x, 0, z)),
                    width=2.2,
                    part="prop",
                )
            )
        out.append(
            Shape(
                "chair_back",
                "line",
                [cam.flat((cx - 20, top_y, back)), cam.flat((cx + 20, top_y, back))],
                "pcl",
                -1e5 + 4,
                width=3.0,
                part="prop",
            )
        )
        return out
    ischia = [body.landmark(f"ischium_{s}")[0] for s in SIDES]
    seat_y = min(p[1] for p in ischia) - 0.5
    tool = demo.tool
    if tool is not None and tool.rests == "seat":
        # Sitting on a ball: the seat is under the ball.
        seat_y -= 2 * TOOL_RADIUS.get(tool.id, 3.0)
    pel = body.joints["pelvis"]
    _, _, fwd = columns(body.segments["pelvis"].frame)
    fwd = unit((fwd[0], 0.0, fwd[2]))
    left = (fwd[2], 0.0, -fwd[0])
    centre = (pel[0], seat_y, pel[2])
    back_edge = add(centre, fwd, -15.5)
    # The chair's own axes: where its front points and its left.
    cf, cl = fwd, left
    if demo.chair in ("left", "right"):
        # Sitting sideways: the backrest is on the person's right (or left).
        s = -1.0 if demo.chair == "right" else 1.0
        cf, cl = scale(left, -s), scale(fwd, s)
        back_edge = add(centre, cf, -18)
    half = 21.0
    depth = 42.0
    c0 = add(add(back_edge, cl, half), cf, 0)
    c1 = add(add(back_edge, cl, -half), cf, 0)
    c2 = add(c1, cf, depth)
    c3 = add(c0, cf, depth)
    corners = [c0, c1, c2, c3]
    seat_depth = -1e5 + 3
    out.append(
        Shape("chair_seat", "poly", [cam.flat(c) for c in corners], "pc", seat_depth, width=1.2, part="prop")
    )
    thickness = 4.0
    front_face = [c2, c3, add(c3, (0.0, -thickness, 0.0)), add(c2, (0.0, -thickness, 0.0))]
    out.append(
        Shape(
            "chair_front",
            "poly",
            [cam.flat(c) for c in front_face],
            "pc",
            seat_depth + 0.5,
            width=1.2,
            part="prop",
        )
    )
    for i, c in enumerate(corners):
        inner = add(add(c, cf, 2 if i in (0, 1) else -2), cl, -2 if i in (0, 3) else 2)
        out.append(
            Shape(
                f"chair_leg{i}",
                "line",
                [cam.flat(add(inner, (0.0, -thickness, 0.0))), cam.flat((inner[0], floor, inner[2]))],
                "pcl",
                -1e5 + cam.depth(inner) * 0.001,
                width=2.2,
                part="prop",
            )
        )
    # The backrest rises from the back edge, behind the person (or at their side).
    top = 44.0
    b0, b1 = add(c0, cf, 1.5), add(c1, cf, 1.5)
    backrest = [b0, b1, add(b1, (0.0, top, 0.0)), add(b0, (0.0, top, 0.0))]
    in_view_front = cam.depth(lerp(b0, b1, 0.5)) > cam.depth(body.joints["thoracic"])
    out.append(
        Shape(
            "chair_backrest",
            "poly",
            [cam.flat(c) for c in backrest],
            "pc",
            (cam.depth(lerp(b0, b1, 0.5)) if in_view_front else -1e5 + 2),
            width=1.2,
            part="prop",
        )
    )
    return out


def _doorway(stage: Stage, body: Body, floor: float) -> list[Shape]:
    """Door-frame posts where the hands (or forearms) rest in the first key pose."""
    cam = stage.cam
    out: list[Shape] = []
    posts: list[Vec] = []
    for s in SIDES:
        p = hand_points(body.hands[s])["palm"]
        if not posts or min(abs(p[0] - q[0]) + abs(p[2] - q[2]) for q in posts) > 12:
            posts.append(p)
    top = floor + 205
    for i, p in enumerate(posts):
        _, _, fwd = columns(body.segments["thorax"].frame)
        base = add(p, fwd, 2.5)
        d = cam.depth(base)
        out.append(
            Shape(
                f"door{i}",
                "line",
                [cam.flat((base[0], floor, base[2])), cam.flat((base[0], top, base[2]))],
                "pd",
                d - 30,
                width=7.0,
                part="prop",
            )
        )
    return out


# --- marks: arrows and the like ----------------------------------------------------------------


def frames(demo: Figure, ms: list[Moment]) -> tuple[list[Frame], Stage, Props]:
    """Every moment drawn as a frame of shapes (same keys in every frame)."""
    stage = Stage(demo)
    props = place_props(stage)
    cam = stage.cam
    areas = worked_areas(demo)
    out: list[Frame] = []
    for m in ms:
        staged = stage.stage(m)
        body = staged.body
        shapes = body_shapes(body, cam)
        if "spine" in demo.marks:
            shapes.extend(spine_shapes(body, cam))
        if "scapulae" in demo.marks:
            shapes.extend(_scapulae(body, cam))
        shapes.extend(target_shapes(body, cam, areas))
        tshapes, tlabels = tool_shapes(stage, staged)
        shapes.extend(tshapes)
        frame = Frame(shapes=shapes, labels=tlabels)
        if staged.contact is not None:
            frame.contacts["tool"] = staged.contact
        for reach in (demo.keys[m.a] if m.w < 0.5 else demo.keys[m.b]).reaches:
            target = _reach_target(staged, reach)
            from backease.figures.body import _CONTACT_POINT

            point = hand_points(body.hands[reach.hand])[_CONTACT_POINT.get(reach.contact, "palm")]
            frame.contacts[f"hand_{reach.hand}"] = (point, target[0])
        frame_marks(stage, staged, m, frame)
        out.append(frame)
    return out, stage, props


def _scapulae(body: Body, cam: Camera) -> list[Shape]:
    """The shoulder blades' outlines on the back, where the back faces the viewer."""
    out = []
    for s in SIDES:
        corners = [body.landmark(f"scap_{c}_{s}") for c in ("sup", "lat", "inf")]
        facing = cam.facing(corners[0][1])
        if facing < 0.3:
            continue
        pts = [cam.flat(p) for p, _ in corners]
        depth = max(cam.depth(p) for p, _ in corners) + 1.0
        out.append(Shape(f"scapula_{s}", "poly", pts, "scap", depth, width=1.0, part="mark"))
    return out


def worked_areas(demo: Figure) -> list[tuple[str, str]]:
    """(area, side) pairs to highlight: the technique's regions, on the side shown."""
    out = []
    for region in demo.regions:
        side = "l" if region.endswith("_left") else "r" if region.endswith("_right") else ""
        area = region.removesuffix("_left").removesuffix("_right")
        if demo.per_side and side and side != demo.shows[0]:
            continue
        out.append((area, side))
    return out


def frame_marks(stage: Stage, staged: Staged, m: Moment, frame: Frame) -> None:
    """Marks that move with the frame (a hold timer, the breathing dot, the scan band)."""
    demo = stage.demo
    cam = stage.cam
    body = staged.body
    if "scan" in demo.marks:
        # A soft band sweeping from the feet to the head.
        feet = lerp(body.joints["ankle_l"], body.joints["ankle_r"], 0.5)
        head = body.joints["head"]
        p = lerp(feet, head, m.effect)
        a, b = cam.flat(feet), cam.flat(head)
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        c = cam.flat(p)
        w = 45.0
        if abs(dy) > abs(dx):
            # An upright body: the band stays level and sweeps up.
            ux, uy = 0.0, -1.0
        band = [
            (c[0] - uy * w - ux * 6, c[1] + ux * w - uy * 6),
            (c[0] + uy * w - ux * 6, c[1] - ux * w - uy * 6),
            (c[0] + uy * w + ux * 6, c[1] - ux * w + uy * 6),
            (c[0] - uy * w + ux * 6, c[1] + ux * w + uy * 6),
        ]
        frame.shapes.append(Shape("scan", "poly", band, "scan", 1e5, part="mark"))


__all__ = ["Figure", "Moment", "Stage", "ToolSpec", "frames", "key_moments", "moments", "period"]
