"""The body model: segments with anthropometric proportions, joint angles, named landmarks.

Segment lengths are fractions of standing height H from the table of Drillis and Contini
(1966) as reproduced in Winter, *Biomechanics and Motor Control of Human Movement*, 4th ed.
(Wiley, 2009), Figure 4.1: upper arm 0.186 H, forearm 0.146 H, hand 0.108 H, thigh 0.245 H,
shank 0.246 H, ankle height 0.039 H, foot length 0.152 H, shoulder (acromion) height
0.818 H, hip (greater trochanter) height 0.530 H, chin 0.870 H, shoulder width 0.259 H,
hip width 0.191 H, chest width 0.174 H. The trunk is split into pelvis, abdomen and thorax at
those heights. Depths (front to back) and limb thicknesses are not in the table: they are
drawing choices, kept close to an average adult.

Coordinates are centimetres in a right-handed frame: x towards the person's LEFT, y up,
z forwards (where the person faces when standing with no turn). `pose_body(pose)` runs the
forward kinematics (and the reaches, by two-bone inverse kinematics) and returns a `Body`:
joint positions, segment frames, and `landmark(name)` for the named spots on the surface
where a hand or a tool goes.

Pure Python, no Django.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

from backease.figures.geometry import (
    IDENTITY,
    Mat,
    Vec,
    add,
    axis_angle,
    columns,
    cross,
    dist,
    dot,
    from_columns,
    lerp,
    mat_mul,
    mat_vec,
    mirrored,
    norm,
    rot_x,
    rot_y,
    rot_z,
    scale,
    sub,
    unit,
)

HEIGHT = 170.0
"""Standing height H in cm; every length below is a fraction of it."""

# --- proportions (fractions of H: Winter 2009, Fig. 4.1, after Drillis and Contini 1966) -----
HIP_HEIGHT = 0.530
SHOULDER_HEIGHT = 0.818
CHIN_HEIGHT = 0.870
UPPER_ARM = 0.186
FOREARM = 0.146
HAND = 0.108
THIGH = 0.245
SHANK = 0.246
ANKLE_HEIGHT = 0.039
FOOT = 0.152
SHOULDER_WIDTH = 0.259
HIP_WIDTH = 0.191
CHEST_WIDTH = 0.174

# The trunk in three segments, hip joints to the base of the neck (C7) at 0.835 H.
PELVIS_LEN = 0.065
ABDOMEN_LEN = 0.075
THORAX_LEN = 0.165
NECK_LEN = 0.05
HEAD_RADIUS = 0.064
"""The head drawn as a ball reaching from the chin to the top of the head (1.0 H)."""
HIP_HALF = 0.055
"""Half the distance between the hip joint centres."""
GIRDLE_PIVOT = (0.022, THORAX_LEN - 0.022)
"""Where the shoulder girdle turns on the thorax (half-width, height), fractions of H."""
GIRDLE_LEN = 0.083
"""From that pivot out to the shoulder joint, which then sits at 0.818 H."""

# Half-widths and half-depths of the trunk's cross-sections (fractions of H): drawing choices
# matching the widths of the table (hip 0.191 H, chest 0.174 H).
SECTIONS: tuple[tuple[str, float, float, float], ...] = (
    # (segment, height along it, half-width, half-depth)
    ("pelvis", -0.02, 0.094, 0.066),
    ("pelvis", PELVIS_LEN, 0.080, 0.058),
    ("abdomen", ABDOMEN_LEN * 0.6, 0.082, 0.060),
    ("thorax", 0.03, 0.087, 0.064),
    ("thorax", 0.09, 0.091, 0.072),
    ("thorax", 0.135, 0.094, 0.066),
)

RADIUS = {
    "neck": 0.03,
    "trap": 0.028,
    "upper_arm": 0.025,
    "forearm": 0.02,
    "thigh": 0.039,
    "shin": 0.026,
    "foot": 0.019,
}
"""Half-thickness of each limb as drawn (fraction of H)."""


def h(fraction: float) -> float:
    """A fraction of height in cm."""
    return fraction * HEIGHT


SIDES = ("l", "r")


# --- the pose ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reach:
    """A hand placed on a landmark (or on a tool's handle), solved by inverse kinematics.

    `contact` is the part of the hand that touches: `palm`, `fingertips`, `knuckles` (a loose
    fist), `pinch` (thumb in front, fingers behind) or `grip` (holding a handle).
    `fingers` is a direction hint for the fingers along the surface (`up`, `down`,
    `forward`, `back`, `in` towards the mid-line, `out`), and `elbow` the way the elbow
    points (`down`, `out`, `back`, `forward`, `up`).
    """

    hand: str
    to: str
    contact: str = "palm"
    fingers: str = "down"
    elbow: str = "down"
    offset: Vec = (0.0, 0.0, 0.0)
    """Extra offset from the landmark in the thorax frame (cm), e.g. to move along a muscle."""


@dataclass(frozen=True, slots=True)
class Pose:
    """Joint angles in degrees and the root's place, for one key pose.

    Spine joints (`lumbar`, `thorax`, `neck`, `head`) are (flexion forwards, side bend to the
    person's left, turn to the person's left). A girdle is (elevation, protraction). Arms
    and legs are (plane, elevation, rotation): the plane of elevation (0 forwards, 90 out to
    the side, 180 backwards, -90 across the body), the elevation from hanging straight down
    (90 level, 180 straight up) and the rotation about the bone (internal positive). Elbows
    and knees give their flexion; ankles their dorsiflexion. `root` is the centre between
    the hip joints; `turn`, `lean` and `tilt` turn the whole body (to the left, forwards, to
    the left).
    """

    root: Vec = (0.0, h(HIP_HEIGHT), 0.0)
    turn: float = 0.0
    lean: float = 0.0
    tilt: float = 0.0
    lumbar: Vec = (0.0, 0.0, 0.0)
    thorax: Vec = (0.0, 0.0, 0.0)
    neck: Vec = (0.0, 0.0, 0.0)
    head: Vec = (0.0, 0.0, 0.0)
    girdle_l: tuple[float, float] = (0.0, 0.0)
    girdle_r: tuple[float, float] = (0.0, 0.0)
    arm_l: Vec = (90.0, 6.0, 0.0)
    arm_r: Vec = (90.0, 6.0, 0.0)
    elbow_l: float = 10.0
    elbow_r: float = 10.0
    forearm_l: float = 0.0
    forearm_r: float = 0.0
    """Pronation: the palm turns from facing the body to facing backwards."""
    wrist_l: float = 0.0
    wrist_r: float = 0.0
    """Wrist flexion towards the palm (negative bends the hand back)."""
    hand_l: str = "relaxed"
    hand_r: str = "relaxed"
    leg_l: Vec = (0.0, 0.0, 0.0)
    leg_r: Vec = (0.0, 0.0, 0.0)
    knee_l: float = 0.0
    knee_r: float = 0.0
    ankle_l: float = 0.0
    ankle_r: float = 0.0
    breath: float = 0.0
    """0 breathed out, 1 breathed in: the belly and chest are fuller."""
    reaches: tuple[Reach, ...] = ()

    def mirror(self) -> Pose:
        """The same pose with the person's left and right swapped."""
        x, y, z = self.root
        return replace(
            self,
            root=(-x, y, z),
            turn=-self.turn,
            tilt=-self.tilt,
            lumbar=_mirror_spine(self.lumbar),
            thorax=_mirror_spine(self.thorax),
            neck=_mirror_spine(self.neck),
            head=_mirror_spine(self.head),
            girdle_l=self.girdle_r,
            girdle_r=self.girdle_l,
            arm_l=self.arm_r,
            arm_r=self.arm_l,
            elbow_l=self.elbow_r,
            elbow_r=self.elbow_l,
            forearm_l=self.forearm_r,
            forearm_r=self.forearm_l,
            wrist_l=self.wrist_r,
            wrist_r=self.wrist_l,
            hand_l=self.hand_r,
            hand_r=self.hand_l,
            leg_l=self.leg_r,
            leg_r=self.leg_l,
            knee_l=self.knee_r,
            knee_r=self.knee_l,
            ankle_l=self.ankle_r,
            ankle_r=self.ankle_l,
            reaches=tuple(
                replace(
                    r,
                    hand=other_side(r.hand),
                    to=mirror_name(r.to),
                    offset=(-r.offset[0], r.offset[1], r.offset[2]),
                    fingers={"left": "right", "right": "left"}.get(r.fingers, r.fingers),
                )
                for r in self.reaches
            ),
        )


def _mirror_spine(v: Vec) -> Vec:
    return (v[0], -v[1], -v[2])


def other_side(s: str) -> str:
    return {"l": "r", "r": "l"}.get(s, s)


def mirror_name(name: str) -> str:
    """`rhomboid_l` <-> `rhomboid_r`; names without a side stay as they are."""
    if name.endswith("_l"):
        return name[:-2] + "_r"
    if name.endswith("_r"):
        return name[:-2] + "_l"
    return name


_NUMERIC_FIELDS = (
    "turn", "lean", "tilt", "elbow_l", "elbow_r", "forearm_l", "forearm_r", "wrist_l", "wrist_r",
    "knee_l", "knee_r", "ankle_l", "ankle_r", "breath",
)  # fmt: skip
_VECTOR_FIELDS = (
    "root", "lumbar", "thorax", "neck", "head", "girdle_l", "girdle_r", "arm_l", "arm_r", "leg_l", "leg_r",
)  # fmt: skip


def blend(a: Pose, b: Pose, t: float) -> Pose:
    """The pose a fraction `t` of the way from `a` to `b` (angles interpolated linearly).

    Hand shapes and reaches come from the nearer pose; the renderer interpolates reached
    hands by position (see `pose_body`).
    """
    if t <= 0:
        return a
    if t >= 1:
        return b
    values: dict[str, object] = {}
    for name in _NUMERIC_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        values[name] = x + (y - x) * t
    for name in _VECTOR_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        values[name] = tuple(p + (q - p) * t for p, q in zip(x, y, strict=True))
    near = a if t < 0.5 else b
    values["hand_l"], values["hand_r"] = near.hand_l, near.hand_r
    values["reaches"] = near.reaches
    return replace(a, **values)  # type: ignore[arg-type]


# --- the posed body --------------------------------------------------------------------------


@dataclass
class Segment:
    """A posed body part: where it starts and its frame (columns: left, up, forwards)."""

    origin: Vec
    frame: Mat


@dataclass
class Hand:
    """A posed hand: the wrist, the frame (fingers, palm normal, thumb side) and its shape."""

    wrist: Vec
    fingers: Vec
    palm: Vec
    """The direction the palm faces."""
    thumb: Vec
    shape: str


@dataclass
class Body:
    """Joint positions and frames of one posed body, and its landmarks."""

    pose: Pose
    segments: dict[str, Segment] = field(default_factory=dict)
    joints: dict[str, Vec] = field(default_factory=dict)
    hands: dict[str, Hand] = field(default_factory=dict)
    sections: list[tuple[Vec, Vec, Vec, float, float]] = field(default_factory=list)
    """Trunk cross-sections: (centre, left axis, forwards axis, half-width, half-depth)."""
    reached: dict[str, float] = field(default_factory=dict)
    """For each reaching hand, how far its contact point ended from the target (cm)."""

    def landmark(self, name: str) -> tuple[Vec, Vec]:
        """The named spot on the body surface and the outward normal there."""
        return landmark(self, name)

    def lowest(self) -> float:
        """The lowest point of the body (y), for standing it on the floor."""
        return min(y for _, y in self._extremes())

    def _extremes(self) -> list[tuple[str, float]]:
        out = []
        r = {
            "knee_l": h(RADIUS["thigh"]) * 0.75,
            "knee_r": h(RADIUS["thigh"]) * 0.75,
            "heel_l": 0.0,
            "heel_r": 0.0,
            "toe_l": 0.0,
            "toe_r": 0.0,
            "elbow_l": h(RADIUS["upper_arm"]),
            "elbow_r": h(RADIUS["upper_arm"]),
            "head": h(HEAD_RADIUS),
        }
        for name, radius in r.items():
            out.append((name, self.joints[name][1] - radius))
        for centre, left, fwd, w, d in self.sections:
            # The lowest point of a cross-section's ellipse.
            low = math.sqrt((w * left[1]) ** 2 + (d * fwd[1]) ** 2)
            out.append(("trunk", centre[1] - low))
        for s in SIDES:
            out.append((f"hand_{s}", min(p[1] for p in hand_points(self.hands[s]).values()) - 0.8))
        return out


def _spine(v: Vec) -> Mat:
    flex, side, twist = v
    return mat_mul(rot_y(twist), mat_mul(rot_x(flex), rot_z(-side)))


def _limb(plane: float, elevation: float, rotation: float) -> Mat:
    """A left limb's rotation from hanging straight down (see `Pose`)."""
    p = math.radians(plane)
    direction = (math.sin(p), 0.0, math.cos(p))
    axis = cross((0.0, -1.0, 0.0), direction)
    return mat_mul(axis_angle(axis, elevation), rot_y(-rotation))


def _sided(m: Mat, side: str) -> Mat:
    return m if side == "l" else mirrored(m)


def _local(seg: Segment, p: Vec) -> Vec:
    return add(seg.origin, mat_vec(seg.frame, p))


def pose_body(pose: Pose) -> Body:
    """Forward kinematics of a pose, then the reaches. Lengths in cm.

    The same pose is posed once (a figure asks for it many times while it is staged); the
    caller gets its own copy to change.
    """
    b = _posed(pose)
    return Body(pose, dict(b.segments), dict(b.joints), dict(b.hands), list(b.sections), dict(b.reached))


@lru_cache(maxsize=8192)
def _posed(pose: Pose) -> Body:
    body = Body(pose)
    root_frame = mat_mul(rot_y(pose.turn), mat_mul(rot_x(pose.lean), rot_z(-pose.tilt)))
    breath = pose.breath
    pelvis = Segment(pose.root, root_frame)
    lumbar = Segment(_local(pelvis, (0, h(PELVIS_LEN), 0)), mat_mul(root_frame, _spine(pose.lumbar)))
    thorax_frame = mat_mul(lumbar.frame, _spine(pose.thorax))
    thorax = Segment(_local(lumbar, (0, h(ABDOMEN_LEN), 0)), thorax_frame)
    neck = Segment(_local(thorax, (0, h(THORAX_LEN), -h(0.012))), mat_mul(thorax_frame, _spine(pose.neck)))
    head = Segment(_local(neck, (0, h(NECK_LEN), 0)), mat_mul(neck.frame, _spine(pose.head)))
    body.segments.update(pelvis=pelvis, abdomen=lumbar, thorax=thorax, neck=neck, head=head)
    body.joints.update(
        pelvis=pelvis.origin,
        lumbar=lumbar.origin,
        thoracic=thorax.origin,
        c7=neck.origin,
        skull=head.origin,
        head=_local(head, (0, h(0.045), h(0.008))),
    )
    for seg_name, y, w, d in SECTIONS:
        seg = {"pelvis": pelvis, "abdomen": lumbar, "thorax": thorax}[seg_name]
        left, _, fwd = columns(seg.frame)
        fuller = d
        if seg_name == "abdomen":
            fuller = d + breath * 0.012
        elif seg_name == "thorax":
            fuller = d + breath * 0.004
        centre = _local(seg, (0, h(y), 0))
        if seg_name == "abdomen":
            centre = add(centre, fwd, h(breath * 0.006))
        body.sections.append((centre, left, fwd, h(w), h(fuller)))

    for s in SIDES:
        sign = 1.0 if s == "l" else -1.0
        elevation, protraction = pose.girdle_l if s == "l" else pose.girdle_r
        pivot = _local(thorax, (sign * h(GIRDLE_PIVOT[0]), h(GIRDLE_PIVOT[1]), 0))
        g = _sided(mat_mul(rot_y(-protraction), rot_z(elevation)), s)
        girdle_frame = mat_mul(thorax_frame, g)
        shoulder = add(pivot, mat_vec(girdle_frame, (sign * h(GIRDLE_LEN), h(0.004), 0)))
        body.joints[f"girdle_{s}"] = pivot
        body.joints[f"shoulder_{s}"] = shoulder
        body.segments[f"girdle_{s}"] = Segment(pivot, girdle_frame)
        arm = pose.arm_l if s == "l" else pose.arm_r
        upper_frame = mat_mul(thorax_frame, _sided(_limb(*arm), s))
        flex = pose.elbow_l if s == "l" else pose.elbow_r
        elbow = add(shoulder, mat_vec(upper_frame, (0, -h(UPPER_ARM), 0)))
        fore_frame = mat_mul(upper_frame, rot_x(-flex))
        pron = pose.forearm_l if s == "l" else pose.forearm_r
        fore_frame = mat_mul(fore_frame, _sided(rot_y(-pron), s))
        wrist = add(elbow, mat_vec(fore_frame, (0, -h(FOREARM), 0)))
        wrist_flex = pose.wrist_l if s == "l" else pose.wrist_r
        hand_frame = mat_mul(fore_frame, _sided(rot_z(-wrist_flex), s))
        body.joints[f"elbow_{s}"] = elbow
        body.joints[f"wrist_{s}"] = wrist
        body.segments[f"upper_arm_{s}"] = Segment(shoulder, upper_frame)
        body.segments[f"forearm_{s}"] = Segment(elbow, fore_frame)
        left_axis, up_axis, fwd_axis = columns(hand_frame)
        medial = scale(left_axis, -sign)
        body.hands[s] = Hand(
            wrist,
            scale(up_axis, -1.0),
            medial,
            fwd_axis,
            pose.hand_l if s == "l" else pose.hand_r,
        )

        hip = _local(pelvis, (sign * h(HIP_HALF), 0, 0))
        leg = pose.leg_l if s == "l" else pose.leg_r
        thigh_frame = mat_mul(root_frame, _sided(_limb(*leg), s))
        knee = add(hip, mat_vec(thigh_frame, (0, -h(THIGH), 0)))
        shin_frame = mat_mul(thigh_frame, rot_x(pose.knee_l if s == "l" else pose.knee_r))
        ankle = add(knee, mat_vec(shin_frame, (0, -h(SHANK), 0)))
        foot_frame = mat_mul(shin_frame, rot_x(-(pose.ankle_l if s == "l" else pose.ankle_r)))
        heel = add(ankle, mat_vec(foot_frame, (0, -h(ANKLE_HEIGHT), -h(0.032))))
        toe = add(ankle, mat_vec(foot_frame, (0, -h(ANKLE_HEIGHT) * 0.7, h(FOOT - 0.032))))
        body.joints.update({f"hip_{s}": hip, f"knee_{s}": knee, f"ankle_{s}": ankle})
        body.joints.update({f"heel_{s}": heel, f"toe_{s}": toe})
        body.segments[f"thigh_{s}"] = Segment(hip, thigh_frame)
        body.segments[f"shin_{s}"] = Segment(knee, shin_frame)
        body.segments[f"foot_{s}"] = Segment(ankle, foot_frame)

    for reach in pose.reaches:
        solve_reach(body, reach)
    return body


# --- hands -----------------------------------------------------------------------------------

HAND_SHAPES = ("relaxed", "open", "fist", "fingertips", "pinch", "grip", "fist_tight")
_CURL = {
    # (finger curl at the knuckles, at the middle joints, thumb spread), degrees
    "relaxed": (20.0, 25.0, 25.0),
    "open": (0.0, 5.0, 35.0),
    "fingertips": (35.0, 35.0, 30.0),
    "pinch": (40.0, 40.0, 80.0),
    "grip": (70.0, 95.0, 55.0),
    "fist": (85.0, 100.0, 20.0),
    "fist_tight": (90.0, 110.0, 15.0),
}
PALM_LEN = 0.058
FINGER_LEN = 0.05


def hand_points(hand: Hand) -> dict[str, Vec]:
    """Knuckles, finger joints and tips, thumb base and tip, in world coordinates."""
    curl_a, curl_b, spread = _CURL.get(hand.shape, _CURL["relaxed"])
    f, n, t = hand.fingers, hand.palm, hand.thumb
    out: dict[str, Vec] = {"wrist": hand.wrist}
    knuckle_line = add(hand.wrist, f, h(PALM_LEN))
    out["knuckles"] = knuckle_line
    for i, across in enumerate((-0.018, -0.006, 0.006, 0.018)):
        base = add(knuckle_line, t, h(across))
        length = h(FINGER_LEN) * (0.82 if i in (0, 3) else 1.0)
        # Curling bends the finger towards the palm's side.
        d1 = add(scale(f, math.cos(math.radians(curl_a))), n, math.sin(math.radians(curl_a)))
        mid = add(base, d1, length * 0.5)
        a2 = curl_a + curl_b
        d2 = add(scale(f, math.cos(math.radians(a2))), n, math.sin(math.radians(a2)))
        tip = add(mid, d2, length * 0.55)
        out[f"finger{i}_base"], out[f"finger{i}_mid"], out[f"finger{i}_tip"] = base, mid, tip
    thumb_base = add(add(hand.wrist, f, h(0.018)), t, h(0.022))
    s = math.radians(spread)
    tdir = unit(add(add(scale(f, math.cos(s)), t, math.sin(s) * 0.6), n, math.sin(s) * 0.5))
    out["thumb_base"] = thumb_base
    out["thumb_tip"] = add(thumb_base, tdir, h(0.05))
    tips = [out[f"finger{i}_tip"] for i in range(4)]
    out["fingertips"] = scale(add(tips[1], tips[2]), 0.5)
    out["palm"] = add(add(hand.wrist, f, h(PALM_LEN * 0.55)), n, h(0.012))
    front = [out[f"finger{i}_{j}"] for i in (1, 2) for j in ("base", "mid")]
    out["fist_front"] = add(scale(add(add(front[0], front[1]), add(front[2], front[3])), 0.25), f, h(0.006))
    out["pinch"] = scale(add(out["thumb_tip"], out["fingertips"]), 0.5)
    out["fist_back"] = add(knuckle_line, n, -h(0.012))
    out["grip"] = add(add(hand.wrist, f, h(PALM_LEN * 0.9)), n, h(0.022))
    return out


ORIGIN3: Vec = (0.0, 0.0, 0.0)

_CONTACT_POINT = {
    "palm": "palm",
    "fingertips": "fingertips",
    "knuckles": "fist_back",
    "pinch": "pinch",
    "grip": "grip",
}
_CONTACT_SHAPE = {
    "palm": "open",
    "fingertips": "fingertips",
    "knuckles": "fist",
    "pinch": "pinch",
    "grip": "grip",
}


def _direction(word: str, body: Body, side: str, normal: Vec) -> Vec:
    """A direction named in words, in the thorax's frame; `a+b` adds two directions."""
    if "+" in word:
        total: Vec = (0.0, 0.0, 0.0)
        for part in word.split("+"):
            total = add(total, _direction(part, body, side, normal))
        return unit(total)
    left, up, fwd = columns(body.segments["thorax"].frame)
    sign = 1.0 if side == "l" else -1.0
    table = {
        "up": up,
        "down": scale(up, -1),
        "forward": fwd,
        "back": scale(fwd, -1),
        "left": left,
        "right": scale(left, -1),
        "in": scale(left, -sign),
        "out": scale(left, sign),
        "normal": normal,
    }
    return table[word]


def solve_reach(body: Body, reach: Reach, target: tuple[Vec, Vec] | None = None) -> None:
    """Place a hand on its target: orient it to the surface, then bend the arm to it."""
    s = reach.hand
    point, normal = target if target is not None else body.landmark(reach.to)
    left, up, fwd = columns(body.segments["thorax"].frame)
    point = add(add(add(point, left, reach.offset[0]), up, reach.offset[1]), fwd, reach.offset[2])
    hint = _direction(reach.fingers, body, s, normal)
    contact = reach.contact
    if contact == "fingertips":
        # The fingertips press into the surface; the palm faces the hint.
        fingers = scale(normal, -1)
        palm = unit(sub(hint, scale(fingers, dot(hint, fingers))))
        if norm(palm) < 0.1:
            palm = unit(cross(fingers, left))
    elif contact == "knuckles":
        # A loose fist with the backs of the knuckles on the surface, fingers along the hint.
        palm = normal
        fingers = unit(sub(hint, scale(normal, dot(hint, normal))))
        if norm(fingers) < 0.1:
            fingers = unit(cross(normal, left))
    elif contact == "grip":
        # The hint is the handle's axis; the fingers wrap round it.
        palm = scale(normal, -1)
        fingers = unit(cross(hint, palm))
    else:
        palm = scale(normal, -1)
        fingers = unit(sub(hint, scale(normal, dot(hint, normal))))
        if norm(fingers) < 0.1:
            fingers = unit(cross(normal, left))
    sign = 1.0 if s == "l" else -1.0
    # A left hand's thumb is palm x fingers (for the right hand, the opposite).
    thumb = unit(scale(cross(palm, fingers), sign))
    hand = Hand(ORIGIN3, fingers, palm, thumb, _CONTACT_SHAPE.get(contact, "open"))
    local = hand_points(hand)[_CONTACT_POINT.get(contact, "palm")]
    wrist = sub(point, local)
    shoulder = body.joints[f"shoulder_{s}"]
    elbow_hint = _direction(reach.elbow, body, s, normal)
    elbow = _two_bone(shoulder, wrist, h(UPPER_ARM), h(FOREARM), elbow_hint)
    # If the wrist is out of reach, the arm points at it fully stretched.
    wrist_reached = add(elbow, unit(sub(wrist, elbow)), h(FOREARM))
    body.reached[s] = dist(wrist_reached, wrist)
    body.joints[f"elbow_{s}"] = elbow
    body.joints[f"wrist_{s}"] = wrist_reached
    body.hands[s] = Hand(wrist_reached, fingers, palm, thumb, hand.shape)
    upper = unit(sub(elbow, shoulder))
    body.segments[f"upper_arm_{s}"] = Segment(shoulder, _frame_along(upper, elbow_hint))
    fore = unit(sub(wrist_reached, elbow))
    body.segments[f"forearm_{s}"] = Segment(elbow, _frame_along(fore, elbow_hint))


def _frame_along(axis_down: Vec, hint: Vec) -> Mat:
    """A frame whose -y is `axis_down` (a limb pointing along it)."""
    y = scale(axis_down, -1)
    x = unit(cross(y, hint))
    if norm(x) < 0.1:
        x = unit(cross(y, (0.0, 0.0, 1.0)))
    z = cross(x, y)
    return from_columns(x, y, z)


def _two_bone(root: Vec, target: Vec, upper: float, lower: float, hint: Vec) -> Vec:
    """The elbow (or knee) for a two-bone chain from `root` to `target`, bending towards `hint`."""
    d = dist(root, target)
    axis = unit(sub(target, root))
    if d >= upper + lower - 1e-6:
        return add(root, axis, upper)
    d = max(d, abs(upper - lower) + 1e-3)
    a = (upper * upper - lower * lower + d * d) / (2 * d)
    r = math.sqrt(max(0.0, upper * upper - a * a))
    bend = sub(hint, scale(axis, dot(hint, axis)))
    if norm(bend) < 1e-6:
        bend = unit(cross(axis, (1.0, 0.0, 0.0)))
    return add(add(root, axis, a), unit(bend), r)


# --- landmarks -------------------------------------------------------------------------------


def trunk_surface(body: Body, segment: str, height: float, across: float, face: str) -> tuple[Vec, Vec]:
    """A point on the back (or front) of a trunk segment, `across` cm to the person's left.

    `height` is in cm from the segment's origin; the cross-section there is interpolated
    from the table of sections.
    """
    seg = body.segments[segment]
    left, up, fwd = columns(seg.frame)
    w, d = _section_size(segment, height)
    if segment == "abdomen":
        d += h(body.pose.breath * 0.012)
    x = max(-0.97 * w, min(0.97 * w, across))
    z = d * math.sqrt(max(0.0, 1 - (x / w) ** 2))
    if face == "back":
        z = -z
    point = add(add(add(seg.origin, up, height), left, x), fwd, z)
    normal = unit(add(scale(left, x / (w * w)), fwd, z / (d * d)))
    return point, normal


def _section_size(segment: str, height: float) -> tuple[float, float]:
    """Half-width and half-depth of the trunk at `height` cm along `segment`."""
    offsets = {"pelvis": 0.0, "abdomen": h(PELVIS_LEN), "thorax": h(PELVIS_LEN + ABDOMEN_LEN)}
    y = offsets[segment] + height
    table = [(offsets[s] + h(a), h(w), h(d)) for s, a, w, d in SECTIONS]
    if y <= table[0][0]:
        return table[0][1], table[0][2]
    for (y0, w0, d0), (y1, w1, d1) in itertools.pairwise(table):
        if y <= y1:
            t = (y - y0) / (y1 - y0)
            return w0 + (w1 - w0) * t, d0 + (d1 - d0) * t
    return table[-1][1], table[-1][2]


# Back and front of the trunk: (segment, height in H, across in H towards the side, face).
_TRUNK_LANDMARKS: dict[str, tuple[str, float, float, str]] = {
    "spine_t2": ("thorax", 0.148, 0.0, "back"),
    "spine_t4": ("thorax", 0.125, 0.0, "back"),
    "spine_t6": ("thorax", 0.098, 0.0, "back"),
    "spine_t8": ("thorax", 0.07, 0.0, "back"),
    "spine_t10": ("thorax", 0.04, 0.0, "back"),
    "lower_back": ("abdomen", 0.03, 0.0, "back"),
    "sacrum": ("pelvis", 0.025, 0.0, "back"),
    "rhomboid": ("thorax", 0.108, 0.027, "back"),
    "rhomboid_high": ("thorax", 0.128, 0.026, "back"),
    "rhomboid_low": ("thorax", 0.085, 0.027, "back"),
    "infraspinatus": ("thorax", 0.105, 0.062, "back"),
    "scapula_top": ("thorax", 0.14, 0.04, "back"),
    "scapula_bottom": ("thorax", 0.068, 0.052, "back"),
    "thoracic": ("thorax", 0.08, 0.022, "back"),
    "thoracic_high": ("thorax", 0.118, 0.022, "back"),
    "thoracic_low": ("thorax", 0.045, 0.022, "back"),
    "lat": ("thorax", 0.085, 0.08, "back"),
    "lat_low": ("thorax", 0.05, 0.078, "back"),
    "pec_minor": ("thorax", 0.128, 0.05, "front"),
    "chest_upper": ("thorax", 0.138, 0.025, "front"),
    "chest_outer": ("thorax", 0.13, 0.07, "front"),
    "sternum": ("thorax", 0.11, 0.0, "front"),
    "belly": ("abdomen", 0.03, 0.0, "front"),
    "belly_side": ("abdomen", 0.035, 0.03, "front"),
    "chest_hand": ("thorax", 0.115, 0.035, "front"),
    "glute": ("pelvis", 0.012, 0.05, "back"),
    "hip_side": ("pelvis", 0.0, 0.09, "back"),
    "waist": ("abdomen", 0.02, 0.075, "back"),
}
_SIDED_TRUNK = {
    "rhomboid", "rhomboid_high", "rhomboid_low", "infraspinatus", "scapula_top", "scapula_bottom",
    "thoracic", "thoracic_high", "thoracic_low", "lat", "lat_low", "pec_minor", "chest_upper",
    "chest_outer", "glute", "hip_side", "belly_side", "chest_hand", "waist",
}  # fmt: skip

LANDMARKS = (
    *(n for n in _TRUNK_LANDMARKS if n not in _SIDED_TRUNK),
    *(f"{n}_{s}" for n in _SIDED_TRUNK for s in SIDES),
    "c7",
    "neck_back",
    "skull_base",
    "head_top",
    "forehead",
    *(f"{n}_{s}" for n in ("neck_back", "neck_side", "upper_trap", "levator", "shoulder_top") for s in SIDES),
    *(
        f"{n}_{s}"
        for n in (
            "axilla_back", "axilla_front", "head_side", "above_elbow", "elbow_back", "shoulder_front",
            "shoulder_back", "scap_sup", "scap_inf", "scap_lat", "ischium", "knee_front", "thigh_top",
            "foot_ball", "wrist_back", "hand_back",
        )
        for s in SIDES
    ),
)  # fmt: skip
"""Every named spot a hand or a tool can go (`_l`/`_r` are the person's left and right)."""


def landmark(body: Body, name: str) -> tuple[Vec, Vec]:
    """Where a named landmark is, and the surface normal there (pointing out of the body)."""
    side = ""
    base = name
    if name.endswith(("_l", "_r")):
        base, side = name[:-2], name[-1]
    sign = 1.0 if side == "l" else -1.0
    if base in _TRUNK_LANDMARKS and (base in _SIDED_TRUNK) == bool(side):
        segment_name, height, across, face = _TRUNK_LANDMARKS[base]
        return trunk_surface(body, segment_name, h(height), sign * h(across) if side else 0.0, face)
    left, up, fwd = columns(body.segments["thorax"].frame)
    neck = body.segments["neck"]
    n_left, n_up, n_fwd = columns(neck.frame)
    r_neck = h(RADIUS["neck"])
    if base == "c7":
        return add(add(neck.origin, n_fwd, -r_neck), n_up, h(0.006)), scale(n_fwd, -1)
    if base == "neck_back":
        mid = add(neck.origin, n_up, h(0.022))
        if not side:
            return add(mid, n_fwd, -r_neck), scale(n_fwd, -1)
        n = unit(add(scale(n_fwd, -0.85), n_left, sign * 0.5))
        return add(mid, n, r_neck), n
    if base == "neck_side":
        mid = add(neck.origin, n_up, h(0.025))
        n = scale(n_left, sign)
        return add(mid, n, r_neck), n
    if base == "skull_base":
        head = body.segments["head"]
        _, hu, hf = columns(head.frame)
        return add(add(head.origin, hf, -h(0.03)), hu, h(0.01)), scale(hf, -1)
    if base in ("head_top", "forehead", "head_side"):
        centre = body.joints["head"]
        hl, hu, hf = columns(body.segments["head"].frame)
        r = h(HEAD_RADIUS)
        n = {"head_top": hu, "forehead": unit(add(hf, hu, 0.3)), "head_side": scale(hl, sign)}[base]
        return add(centre, n, r), n
    if base in ("upper_trap", "levator", "shoulder_top"):
        root = add(body.joints["c7"], up, -h(0.006))
        shoulder = body.joints[f"shoulder_{side}"]
        r = h(RADIUS["trap"])
        g_left, g_up, g_fwd = columns(body.segments[f"girdle_{side}"].frame)
        if base == "upper_trap":
            # Halfway from the side of the neck to the shoulder tip.
            p = lerp(root, shoulder, 0.56)
            return add(p, g_up, r), g_up
        if base == "shoulder_top":
            p = lerp(root, shoulder, 0.85)
            return add(p, g_up, r), g_up
        p = lerp(root, shoulder, 0.22)
        n = unit(add(g_up, g_fwd, -0.9))
        return add(add(p, n, r), g_up, -h(0.004)), n
    if base in ("axilla_back", "axilla_front"):
        shoulder = body.joints[f"shoulder_{side}"]
        forward = 1.0 if base == "axilla_front" else -1.0
        p = add(add(add(shoulder, up, -h(0.045)), fwd, forward * h(0.04)), left, -sign * h(0.012))
        n = unit(add(scale(fwd, forward), left, sign * 0.5))
        return p, n
    if base in ("scap_sup", "scap_inf", "scap_lat"):
        # The shoulder blade's corners move with the shoulder girdle.
        g = body.segments[f"girdle_{side}"]
        g_left, g_up, g_fwd = columns(g.frame)
        out_, down, back = {"scap_sup": (0.03, 0.03, 0.058), "scap_inf": (0.042, 0.115, 0.06),
                             "scap_lat": (0.075, 0.035, 0.05)}[base]  # fmt: skip
        p = add(add(add(g.origin, g_left, sign * h(out_)), g_up, -h(down)), g_fwd, -h(back))
        return p, scale(g_fwd, -1)
    if base in ("shoulder_front", "shoulder_back"):
        shoulder = body.joints[f"shoulder_{side}"]
        forward = 1.0 if base == "shoulder_front" else -1.0
        n = unit(add(scale(fwd, forward), left, sign * 0.35))
        return add(add(shoulder, n, h(RADIUS["upper_arm"]) * 1.1), up, -h(0.01)), n
    if base in ("above_elbow", "elbow_back"):
        seg = body.segments[f"upper_arm_{side}"]
        a_left, a_up, a_fwd = columns(seg.frame)
        r = h(RADIUS["upper_arm"])
        along = h(UPPER_ARM) * (0.78 if base == "above_elbow" else 0.97)
        n = scale(a_fwd, -1.0) if base == "elbow_back" else unit(add(scale(a_fwd, -1.0), a_left, sign))
        return add(add(seg.origin, a_up, -along), n, r), n
    if base == "ischium":
        p_left, p_up, p_fwd = columns(body.segments["pelvis"].frame)
        p = add(add(add(body.joints["pelvis"], p_left, sign * h(0.05)), p_up, -h(0.06)), p_fwd, -h(0.035))
        return p, scale(p_up, -1)
    if base == "thigh_top":
        seg = body.segments[f"thigh_{side}"]
        _t_left, t_up, t_fwd = columns(seg.frame)
        p = add(add(seg.origin, t_up, -h(THIGH) * 0.8), t_fwd, h(RADIUS["thigh"]) * 0.9)
        return p, t_fwd
    if base == "knee_front":
        seg = body.segments[f"shin_{side}"]
        _, _s_up, s_fwd = columns(seg.frame)
        return add(seg.origin, s_fwd, h(RADIUS["shin"])), s_fwd
    if base == "foot_ball":
        seg = body.segments[f"foot_{side}"]
        _, f_up, f_fwd = columns(seg.frame)
        p = add(add(seg.origin, f_up, -h(ANKLE_HEIGHT)), f_fwd, h(FOOT - 0.06))
        return p, scale(f_up, -1)
    if base in ("wrist_back", "hand_back"):
        hand = body.hands[side]
        p = hand.wrist if base == "wrist_back" else add(hand.wrist, hand.fingers, h(PALM_LEN * 0.5))
        return add(p, hand.palm, -h(0.012)), scale(hand.palm, -1)
    raise KeyError(f"unknown landmark {name!r}")


__all__ = [
    "HEIGHT",
    "IDENTITY",
    "LANDMARKS",
    "Body",
    "Hand",
    "Pose",
    "Reach",
    "blend",
    "hand_points",
    "landmark",
    "pose_body",
]
