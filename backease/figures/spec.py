"""The figure specs: named base poses and one small scene per technique, as checked data.

`backease/content/illustrations.yaml` holds two mappings. `poses:` are the base skeletons
(a view, the position they show, the props around them and a few joint angles);
`figures:` gives every technique one scene: a pose, the tool and where it sits, the
movement, and optionally a second key frame. `parse_illustrations` checks both against
the techniques and returns self-contained `Figure` values that `render_svg` draws.

This module imports nothing from Django or from the rest of backease, so the renderer
can be used anywhere (the web pages, a print export, a test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

VIEWS = ("side", "front", "back")
"""`side`: seen from the side; `front`: facing you; `back`: seen from behind."""

POSITIONS = {
    # figure position -> the technique `position` it may illustrate
    "standing": "standing",
    "seated": "seated",
    "supine": "supine",
    "prone": "prone",
    "side_lying": "side_lying",
    "all_fours": "all_fours",
}

PROPS = ("wall", "side_wall", "doorway", "chair", "mat", "pillow", "shower")
"""Things in the scene that are not tools you hold. `wall`, `doorway` and `chair` are also
technique tools: a figure that shows them must belong to a technique that lists them.
`side_wall` is a wall beside you in a front or back view (`wall` there is a wall behind)."""

TOOLS = (
    "hands",
    "foam_roller",
    "tennis_ball",
    "massage_ball",
    "peanut_ball",
    "massage_stick",
    "hook_cane",
    "percussion_massager",
    "towel",
    "heat_pack",
)
"""Tools a figure can place on the body (the technique tool ids that are held or lain on)."""

PLACEMENTS = ("across", "lengthwise", "point")
"""How a tool sits: a roller across the back, a roller along the spine, or on one spot."""

MOVES = ("along", "circles", "hold", "frames", "breathe", "still", "squeeze", "turn")
"""`along`: back and forth along the back; `circles`: small circles on the spot; `hold`: hold
still on one spot; `frames`: from the pose to the second key frame and back; `breathe`:
slow breathing; `still`: rest without moving; `squeeze`: shoulder blades drawn together;
`turn`: the chest turns the way the head turns."""

AREAS = (
    "neck_base",
    "upper_trapezius",
    "between_shoulder_blades",
    "shoulder_blade",
    "thoracic_spine",
    "lats",
    "chest",
    "glute",
)
"""Body-map regions without their side (`lats_left` -> `lats`)."""

JOINTS = ("hand_near", "hand_far", "hands", "head", "knee_near", "back", "shoulder")
"""Where a movement arrow goes: a joint, both hands, the middle of the back, the shoulder."""
REACHES = ("arm_near", "arm_far", "both")
"""Which hand goes to the tool or the area (the arm is bent to reach it)."""
LIMBS = ("arm_near", "arm_far", "leg_near", "leg_far")
"""In a side view `near` is the limb nearer to you. In a front or back view `near` is the
limb on your left as you look at the picture and `far` the one on your right."""


class SpecError(Exception):
    """A figure spec is broken; names the entry and the field."""

    def __init__(self, entry: str, field_name: str, message: str) -> None:
        self.entry, self.field, self.message = entry, field_name, message
        super().__init__(f"entry '{entry}': field '{field_name}': {message}")


@dataclass(frozen=True, slots=True)
class Limb:
    """Two segment angles in degrees on screen: 0 up, 90 right, 180 down, 270 left.

    `scale` shortens the first segment, for a thigh that points at you.
    """

    upper: float
    lower: float
    scale: float = 1.0
    end: float | None = None
    """For a leg, the foot's angle (default: flat, pointing the way the figure faces)."""


@dataclass(frozen=True, slots=True)
class Pose:
    """A base skeleton with its props. Angles as in `Limb`."""

    id: str
    view: str
    position: str
    words: str
    """How the pose reads in the text alternative ("Lying on your back with knees bent")."""
    pelvis: tuple[float, float]
    torso: float
    head: float
    bend: float
    """Curve of the back: positive rounds it (towards the back), negative arches it."""
    arm_near: Limb
    arm_far: Limb
    leg_near: Limb
    leg_far: Limb
    props: tuple[str, ...] = ()
    turn: float = 0.0
    """Front view only: the head turned, -1 (to your left as you look) to 1 (to your right)."""
    facing: int = 1
    """Side view: 1 faces right, -1 faces left (only the face mark and feet change)."""
    caption: str = ""
    """Shown in the corner ("seen from above"); by default it follows the view."""
    length: float = 1.0
    """Front and back views: the torso's length, shorter when it points at you (on all fours)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One technique's scene, with what the renderer needs from the technique itself."""

    technique: str
    name: str
    pose: Pose
    tool: str = ""
    placement: str = "point"
    at: str = ""
    """The area (region without side) the tool or the hands work on."""
    move: str = "still"
    then: Pose | None = None
    track: str = ""
    """The joint whose path the movement arrow follows from the pose to the key frame."""
    words: str = ""
    """Extra words for the text alternative (how it moves, what to keep off)."""
    regions: tuple[str, ...] = ()
    """The technique's regions, with sides."""
    per_side: bool = False
    shows: str = "right"
    """For a per-side technique: the side the scene as written works on (mirrored for the other)."""
    reach: str = ""
    """Which hand goes to the area: `arm_near`, `arm_far` or `both`."""


# --- parsing --------------------------------------------------------------------------------


def _mapping(value: Any, entry: str, field_name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(entry, field_name, "must be a mapping")
    return value


def _choice(value: Any, allowed: Sequence[str], entry: str, field_name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise SpecError(entry, field_name, f"unknown value {value!r}; use one of: {', '.join(allowed)}")
    return value


def _number(value: Any, entry: str, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(entry, field_name, f"must be a number, not {value!r}")
    return float(value)


def _limb(value: Any, entry: str, field_name: str) -> Limb:
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise SpecError(entry, field_name, "must be a list [upper, lower] or [upper, lower, scale, end]")
    numbers = [_number(v, entry, field_name) for v in value]
    scale = numbers[2] if len(numbers) > 2 else 1.0
    if not 0.1 <= scale <= 1.0:
        raise SpecError(entry, field_name, "scale must be between 0.1 and 1")
    return Limb(numbers[0], numbers[1], scale, numbers[3] if len(numbers) > 3 else None)


_POSE_FIELDS = {
    "view", "position", "words", "pelvis", "torso", "head", "bend", "props", "turn", "facing", "caption",
    "length",
    *LIMBS,
}  # fmt: skip


def _pose(pose_id: str, raw: Any, base: Pose | None = None) -> Pose:
    entry = f"poses.{pose_id}"
    data = _mapping(raw, entry, "-")
    for key in data:
        if key not in _POSE_FIELDS and key != "like":
            raise SpecError(entry, str(key), "unknown field")

    def get(name: str) -> Any:
        if name in data:
            return data[name]
        if base is not None:
            return getattr(base, name)
        raise SpecError(entry, name, "required field is missing")

    view = _choice(get("view"), VIEWS, entry, "view")
    position = _choice(get("position"), tuple(POSITIONS), entry, "position")
    words = get("words")
    if not isinstance(words, str) or not words.strip():
        raise SpecError(entry, "words", "must be a sentence for the text alternative")
    pelvis = get("pelvis")
    if isinstance(pelvis, tuple):
        pelvis_xy = pelvis
    elif isinstance(pelvis, list) and len(pelvis) == 2:
        pelvis_xy = (_number(pelvis[0], entry, "pelvis"), _number(pelvis[1], entry, "pelvis"))
    else:
        raise SpecError(entry, "pelvis", "must be [x, y]")
    if not (0 <= pelvis_xy[0] <= 200 and 0 <= pelvis_xy[1] <= 180):
        raise SpecError(entry, "pelvis", "must lie inside the scene (x 0-200, y 0-180)")
    limbs = {}
    for name in LIMBS:
        value = get(name)
        limbs[name] = value if isinstance(value, Limb) else _limb(value, entry, name)
    props = get("props") if ("props" in data or base is not None) else ()
    if not isinstance(props, list | tuple):
        raise SpecError(entry, "props", "must be a list")
    for prop in props:
        _choice(prop, PROPS, entry, "props")
    facing = int(_number(data.get("facing", base.facing if base else 1), entry, "facing"))
    if facing not in (1, -1):
        raise SpecError(entry, "facing", "must be 1 (faces right) or -1 (faces left)")
    turn = _number(data.get("turn", base.turn if base else 0), entry, "turn")
    if not -1 <= turn <= 1:
        raise SpecError(entry, "turn", "must be between -1 and 1")
    torso = _number(get("torso"), entry, "torso")
    return Pose(
        id=pose_id,
        view=view,
        position=position,
        words=words.strip(),
        pelvis=pelvis_xy,
        torso=torso,
        head=_number(data.get("head", base.head if base else torso), entry, "head"),
        bend=_number(data.get("bend", base.bend if base else 0), entry, "bend"),
        arm_near=limbs["arm_near"],
        arm_far=limbs["arm_far"],
        leg_near=limbs["leg_near"],
        leg_far=limbs["leg_far"],
        props=tuple(props),
        turn=turn,
        facing=facing,
        caption=str(data.get("caption", base.caption if base else "")),
        length=_length(data.get("length", base.length if base else 1.0), entry),
    )


def _length(value: Any, entry: str) -> float:
    number = _number(value, entry, "length")
    if not 0.1 <= number <= 1:
        raise SpecError(entry, "length", "must be between 0.1 and 1")
    return number


def parse_poses(raw: Any) -> dict[str, Pose]:
    """The `poses:` mapping; an entry may start from another with `like: <pose id>`."""
    data = _mapping(raw, "poses", "-")
    poses: dict[str, Pose] = {}
    for pose_id, value in data.items():
        like = value.get("like") if isinstance(value, dict) else None
        base = None
        if like is not None:
            if like not in poses:
                raise SpecError(f"poses.{pose_id}", "like", f"unknown pose '{like}' (define it above)")
            base = poses[like]
        poses[str(pose_id)] = _pose(str(pose_id), value, base)
    return poses


_FIGURE_FIELDS = {"pose", "tool", "placement", "at", "move", "then", "track", "words", "shows", "reach"}
_TOOLS_WITHOUT_SPOT = ("towel",)


@dataclass(frozen=True, slots=True)
class TechniqueFacts:
    """What the checks need from a technique (kept free of the library types)."""

    id: str
    name: str
    position: str
    tools: tuple[str, ...]
    regions: tuple[str, ...]
    per_side: bool


def depicted_tools(figure: Figure) -> set[str]:
    """The technique tool ids a figure shows (its tool and the props that are tools)."""
    props = set(figure.pose.props) | (set(figure.then.props) if figure.then is not None else set())
    shown = {
        "wall" if p == "side_wall" else p for p in props if p in ("wall", "side_wall", "doorway", "chair")
    }
    if figure.tool:
        shown.add(figure.tool)
    return shown


def parse_figures(
    raw: Any, poses: Mapping[str, Pose], techniques: Iterable[TechniqueFacts]
) -> dict[str, Figure]:
    """The `figures:` mapping, checked against the techniques: exactly one per technique."""
    data = _mapping(raw, "figures", "-")
    known = {t.id: t for t in techniques}
    figures: dict[str, Figure] = {}
    for tech_id, value in data.items():
        entry = f"figures.{tech_id}"
        if tech_id not in known:
            raise SpecError(entry, "-", f"no technique has the id '{tech_id}'")
        tech = known[tech_id]
        spec = _mapping(value, entry, "-")
        for key in spec:
            if key not in _FIGURE_FIELDS:
                raise SpecError(entry, str(key), "unknown field")
        pose_id = str(spec.get("pose"))
        if pose_id not in poses:
            raise SpecError(entry, "pose", f"unknown pose {pose_id!r}")
        pose = poses[pose_id]
        then = None
        if "then" in spec:
            if spec["then"] not in poses:
                raise SpecError(entry, "then", f"unknown pose {spec['then']!r}")
            then = poses[spec["then"]]
            if then.view != pose.view:
                raise SpecError(entry, "then", "the key frame must use the same view as the pose")
        tool = _choice(spec["tool"], TOOLS, entry, "tool") if "tool" in spec else ""
        at = _choice(spec["at"], AREAS, entry, "at") if "at" in spec else ""
        placement = _choice(spec.get("placement", "point"), PLACEMENTS, entry, "placement")
        if tool and not at and placement != "lengthwise" and tool not in _TOOLS_WITHOUT_SPOT:
            raise SpecError(entry, "at", "say where the tool goes")
        reach = _choice(spec["reach"], REACHES, entry, "reach") if "reach" in spec else ""
        if reach and not at:
            raise SpecError(entry, "at", "say where the hand goes")
        move = _choice(spec.get("move", "still"), MOVES, entry, "move")
        if move == "frames" and then is None:
            raise SpecError(entry, "then", "a 'frames' movement needs a second key frame")
        track = _choice(spec["track"], JOINTS, entry, "track") if "track" in spec else ""
        words = spec.get("words", "")
        if not isinstance(words, str):
            raise SpecError(entry, "words", "must be text")
        shows = _choice(spec.get("shows", "right"), ("left", "right"), entry, "shows")
        figure = Figure(
            technique=tech_id,
            name=tech.name,
            pose=pose,
            tool=tool,
            placement=placement,
            at=at,
            move=move,
            then=then,
            track=track,
            words=words.strip(),
            regions=tech.regions,
            per_side=tech.per_side,
            shows=shows,
            reach=reach,
        )
        _check_consistent(figure, tech, entry)
        figures[tech_id] = figure
    missing = sorted(set(known) - set(figures))
    if missing:
        raise SpecError(f"figures.{missing[0]}", "-", "every technique needs a figure; this one has none")
    return figures


def _check_consistent(figure: Figure, tech: TechniqueFacts, entry: str) -> None:
    """The picture must show the technique's position and exactly the tools it needs."""
    if POSITIONS[figure.pose.position] != tech.position:
        raise SpecError(
            entry,
            "pose",
            f"pose '{figure.pose.id}' is {figure.pose.position}, the technique is {tech.position}",
        )
    shown = depicted_tools(figure)
    needed = set(tech.tools)
    if "hands" in needed and figure.tool != "hands":
        raise SpecError(entry, "tool", "the technique uses your hands: set tool: hands")
    missing = sorted(needed - shown)
    if missing:
        raise SpecError(
            entry, "tool", f"the technique needs {', '.join(missing)}, the figure does not show it"
        )
    # A seated figure may sit on a chair even when any seat will do.
    extra = sorted(shown - needed - ({"chair"} if tech.position == "seated" else set()))
    if extra:
        raise SpecError(entry, "tool", f"the figure shows {', '.join(extra)}, the technique does not use it")
    if figure.at:
        bases = {_base(r) for r in tech.regions}
        if bases and figure.at not in bases:
            raise SpecError(entry, "at", f"'{figure.at}' is not one of the technique's regions")


def _base(region: str) -> str:
    for suffix in ("_left", "_right"):
        if region.endswith(suffix):
            return region[: -len(suffix)]
    return region


def parse_illustrations(raw: Any, techniques: Iterable[TechniqueFacts]) -> dict[str, Figure]:
    """Both parts of illustrations.yaml, checked; the figures keyed by technique id."""
    data = _mapping(raw, "-", "-")
    for key in data:
        if key not in ("poses", "figures"):
            raise SpecError("-", str(key), "unknown top-level key (use poses: and figures:)")
    poses = parse_poses(data.get("poses"))
    return parse_figures(data.get("figures"), poses, techniques)
