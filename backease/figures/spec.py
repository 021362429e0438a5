"""The figure specs in backease/content/figures.yaml, checked: key poses and one figure per technique.

`poses:` are key poses as joint angles (backease/figures/body.py `Pose`); `figures:` gives
every technique one figure: its view, its key poses, the rhythm of its movement, the tool
and the landmark it goes on, the props around it. `parse_figures_file` checks both against
the techniques (ids, tools, the position the body actually takes, the side) and returns
`demo.Figure` values that `render_svg` draws.

This module imports nothing from Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


class SpecError(Exception):
    """A figure spec is broken; names the entry and the field."""

    def __init__(self, entry: str, field_name: str, message: str) -> None:
        self.entry, self.field, self.message = entry, field_name, message
        super().__init__(f"entry '{entry}': field '{field_name}': {message}")


@dataclass(frozen=True, slots=True)
class TechniqueFacts:
    """What the checks need from a technique (kept free of the library types)."""

    id: str
    name: str
    position: str
    tools: tuple[str, ...]
    regions: tuple[str, ...]
    per_side: bool


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


def _base(region: str) -> str:
    for suffix in ("_left", "_right"):
        if region.endswith(suffix):
            return region[: -len(suffix)]
    return region


_DEMO_POSE_FIELDS = {
    "like", "words", "root", "turn", "lean", "tilt", "lumbar", "thorax", "spine", "neck", "head",
    "girdle_l", "girdle_r", "girdles", "arm_l", "arm_r", "arms", "elbow_l", "elbow_r", "elbows",
    "forearm_l", "forearm_r", "forearms", "wrist_l", "wrist_r", "hand_l", "hand_r", "hands",
    "leg_l", "leg_r", "legs", "knee_l", "knee_r", "knees", "ankle_l", "ankle_r", "ankles", "breath",
    "reach",
}  # fmt: skip
_DEMO_FIGURE_FIELDS = {
    "view", "yaw", "pitch", "frame", "keys", "move", "seconds", "breathing", "tool", "props", "fixed",
    "marks", "track", "shows", "chair", "wall", "words", "caption", "stills",
}  # fmt: skip
DEMO_PROPS = ("wall", "chair", "doorway", "mat", "pillow", "shower")
DEMO_MARKS = ("spine", "scan", "water", "heat", "box", "wave", "scapulae")
DEMO_TRACKS = ("hand_l", "hand_r", "head", "knee_l", "knee_r", "hands")
REACH_FIELDS = {"to", "contact", "fingers", "elbow", "offset"}
CONTACTS = ("palm", "fingertips", "knuckles", "pinch", "grip")
DIRECTIONS = ("up", "down", "forward", "back", "left", "right", "in", "out", "normal")


@dataclass(frozen=True, slots=True)
class DemoPose:
    """A parsed key pose and the words that describe it."""

    pose: Any
    words: str


def _vec3(value: Any, entry: str, name: str, size: int = 3) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != size:
        raise SpecError(entry, name, f"must be a list of {size} numbers")
    return tuple(_number(v, entry, name) for v in value)


def _directions(value: Any, entry: str, field_name: str) -> str:
    """A direction word, or several joined by `+` (`back+out`)."""
    if not isinstance(value, str):
        raise SpecError(entry, field_name, f"must be a direction: {', '.join(DIRECTIONS)}")
    for part in value.split("+"):
        _choice(part, DIRECTIONS, entry, field_name)
    return value


def parse_demo_poses(raw: Any) -> dict[str, DemoPose]:
    """The `poses:` of figures.yaml: joint angles (see backease/figures/body.py `Pose`)."""
    from dataclasses import replace

    from backease.figures.body import HAND_SHAPES, LANDMARKS, Pose, Reach

    data = _mapping(raw, "poses", "-")
    out: dict[str, DemoPose] = {}
    for pose_id, value in data.items():
        entry = f"poses.{pose_id}"
        spec = _mapping(value, entry, "-")
        for key in spec:
            if key not in _DEMO_POSE_FIELDS:
                raise SpecError(entry, str(key), "unknown field")
        base = DemoPose(Pose(), "")
        if "like" in spec:
            if spec["like"] not in out:
                raise SpecError(entry, "like", f"unknown pose {spec['like']!r} (define it above)")
            base = out[spec["like"]]
        pose = base.pose
        words = spec.get("words", base.words)
        if not isinstance(words, str) or not words.strip():
            raise SpecError(entry, "words", "must be a sentence for the text alternative")
        changes: dict[str, Any] = {}
        for name in ("turn", "lean", "tilt", "breath"):
            if name in spec:
                changes[name] = _number(spec[name], entry, name)
        if "root" in spec:
            changes["root"] = _vec3(spec["root"], entry, "root")
        for name in ("lumbar", "thorax", "neck", "head"):
            if name in spec:
                changes[name] = _vec3(spec[name], entry, name)
        if "spine" in spec:
            f, s, t = _vec3(spec["spine"], entry, "spine")
            lum = changes.get("lumbar", pose.lumbar)
            tho = changes.get("thorax", pose.thorax)
            changes["lumbar"] = (lum[0] + 0.4 * f, lum[1] + 0.4 * s, lum[2] + 0.4 * t)
            changes["thorax"] = (tho[0] + 0.6 * f, tho[1] + 0.6 * s, tho[2] + 0.6 * t)
        for both, left, right, size in (
            ("girdles", "girdle_l", "girdle_r", 2),
            ("arms", "arm_l", "arm_r", 3),
            ("legs", "leg_l", "leg_r", 3),
        ):
            if both in spec:
                v = _vec3(spec[both], entry, both, size)
                changes[left] = changes[right] = v
            for name in (left, right):
                if name in spec:
                    changes[name] = _vec3(spec[name], entry, name, size)
        for both, left, right in (
            ("elbows", "elbow_l", "elbow_r"),
            ("forearms", "forearm_l", "forearm_r"),
            ("knees", "knee_l", "knee_r"),
            ("ankles", "ankle_l", "ankle_r"),
        ):
            if both in spec:
                changes[left] = changes[right] = _number(spec[both], entry, both)
            for name in (left, right):
                if name in spec:
                    changes[name] = _number(spec[name], entry, name)
        for name in ("wrist_l", "wrist_r"):
            if name in spec:
                changes[name] = _number(spec[name], entry, name)
        if "hands" in spec:
            changes["hand_l"] = changes["hand_r"] = _choice(spec["hands"], HAND_SHAPES, entry, "hands")
        for name in ("hand_l", "hand_r"):
            if name in spec:
                changes[name] = _choice(spec[name], HAND_SHAPES, entry, name)
        if "reach" in spec:
            # A pose's reaches start from its base pose's: a hand given here replaces that
            # hand's reach, and `null` lets the hand go (back to its joint angles).
            by_hand = {r.hand: r for r in pose.reaches}
            raw_reach = spec["reach"] or {}
            for hand, r in _mapping(raw_reach, entry, "reach").items():
                field_name = f"reach.{hand}"
                if hand not in ("l", "r"):
                    raise SpecError(entry, field_name, "use l or r for the person's left or right hand")
                if r is None:
                    by_hand.pop(hand, None)
                    continue
                r = _mapping(r, entry, field_name)
                for key in r:
                    if key not in REACH_FIELDS:
                        raise SpecError(entry, f"{field_name}.{key}", "unknown field")
                to = r.get("to")
                if not isinstance(to, str) or not (to in LANDMARKS or to.startswith("tool:")):
                    raise SpecError(entry, f"{field_name}.to", f"unknown landmark {to!r}")
                by_hand[hand] = Reach(
                    hand=hand,
                    to=to,
                    contact=_choice(r.get("contact", "palm"), CONTACTS, entry, f"{field_name}.contact"),
                    fingers=_directions(r.get("fingers", "down"), entry, f"{field_name}.fingers"),
                    elbow=_directions(r.get("elbow", "down"), entry, f"{field_name}.elbow"),
                    offset=_vec3(r.get("offset", [0, 0, 0]), entry, f"{field_name}.offset"),  # type: ignore[arg-type]
                )
            changes["reaches"] = tuple(by_hand[h] for h in ("l", "r") if h in by_hand)
        out[str(pose_id)] = DemoPose(replace(pose, **changes), words.strip())
    return out


def parse_demos(
    raw: Any, poses: Mapping[str, DemoPose], techniques: Iterable[TechniqueFacts]
) -> dict[str, Any]:
    """The `figures:` of figures.yaml, checked against the techniques."""
    from backease.figures.body import LANDMARKS
    from backease.figures.demo import DEFAULT_SECONDS, MOVES, SUPPORTS, VIEWS, Figure, ToolSpec

    data = _mapping(raw, "figures", "-")
    known = {t.id: t for t in techniques}
    out: dict[str, Any] = {}
    for tech_id, value in data.items():
        entry = f"figures.{tech_id}"
        if tech_id not in known:
            raise SpecError(entry, "-", f"no technique has the id '{tech_id}'")
        tech = known[tech_id]
        spec = _mapping(value, entry, "-")
        for key in spec:
            if key not in _DEMO_FIGURE_FIELDS:
                raise SpecError(entry, str(key), "unknown field")
        keys = spec.get("keys")
        if not isinstance(keys, list) or not keys:
            raise SpecError(entry, "keys", "must list one or more key poses")
        for k in keys:
            if k not in poses:
                raise SpecError(entry, "keys", f"unknown pose {k!r}")
        move = _choice(spec.get("move", "still"), MOVES, entry, "move")
        if move in ("roll", "press", "stretch", "repeat", "sequence") and len(keys) < 2:
            raise SpecError(entry, "keys", f"a '{move}' movement needs at least two key poses")
        seconds = _number(spec.get("seconds", DEFAULT_SECONDS[move]), entry, "seconds")
        if not 0.5 <= seconds <= 30:
            raise SpecError(entry, "seconds", "must be between 0.5 and 30")
        tool = None
        if "tool" in spec:
            t = _mapping(spec["tool"], entry, "tool")
            for key in t:
                if key not in ("id", "at", "to", "rests", "axis"):
                    raise SpecError(entry, f"tool.{key}", "unknown field")
            tid = _choice(t.get("id"), TOOLS, entry, "tool.id")
            at = t.get("at", "")
            for name in ("at", "to"):
                v = t.get(name, "")
                if v and v not in LANDMARKS:
                    raise SpecError(entry, f"tool.{name}", f"unknown landmark {v!r}")
            if tid != "hands" and not at and tid != "towel":
                raise SpecError(entry, "tool.at", "say on which landmark the tool goes")
            tool = ToolSpec(
                id=tid,
                at=str(at),
                to=str(t.get("to", "")),
                rests=_choice(t.get("rests", ""), SUPPORTS, entry, "tool.rests"),
                axis=_choice(t.get("axis", "across"), ("across", "lengthwise", "side"), entry, "tool.axis"),
            )
        props = spec.get("props", [])
        if not isinstance(props, list):
            raise SpecError(entry, "props", "must be a list")
        for p in props:
            _choice(p, DEMO_PROPS, entry, "props")
        fixed = spec.get("fixed", [])
        for f in fixed:
            _choice(f, ("hand_l", "hand_r", "foot_l", "foot_r", "support_knees"), entry, "fixed")
        marks = spec.get("marks", [])
        for mk in marks:
            _choice(mk, DEMO_MARKS, entry, "marks")
        breathing = (4.0, 0.0, 6.0, 0.0)
        if "breathing" in spec:
            breathing = _vec3(spec["breathing"], entry, "breathing", 4)  # type: ignore[assignment]
        words = spec.get("words", "")
        if not isinstance(words, str):
            raise SpecError(entry, "words", "must be text")
        stills = spec.get("stills", [])
        if not isinstance(stills, list) or any(
            not isinstance(i, int) or not 1 <= i <= len(keys) for i in stills
        ):
            raise SpecError(entry, "stills", f"must list key pose numbers from 1 to {len(keys)}")
        demo = Figure(
            technique=tech_id,
            name=tech.name,
            view=_choice(spec.get("view", "side"), tuple(VIEWS), entry, "view"),
            keys=tuple(poses[k].pose for k in keys),
            key_words=tuple(poses[k].words for k in keys),
            move=move,
            seconds=seconds,
            yaw=_number(spec.get("yaw", 0), entry, "yaw"),
            pitch=_number(spec.get("pitch", 0), entry, "pitch"),
            frame=_choice(spec.get("frame", "whole"), ("whole", "upper"), entry, "frame"),
            tool=tool,
            props=tuple(props),
            fixed=tuple(fixed),
            marks=tuple(marks),
            track=_choice(spec["track"], DEMO_TRACKS, entry, "track") if "track" in spec else "",
            breathing=breathing,  # type: ignore[arg-type]
            words=words.strip(),
            regions=tech.regions,
            per_side=tech.per_side,
            shows=_choice(spec.get("shows", "right"), ("left", "right"), entry, "shows"),
            chair=_choice(spec.get("chair", "behind"), ("behind", "left", "right", "front"), entry, "chair"),
            wall=_choice(spec.get("wall", "behind"), ("behind", "front", "left", "right"), entry, "wall"),
            caption=str(spec.get("caption", "")),
            stills=tuple(i - 1 for i in stills),
        )
        _check_demo(demo, tech, entry)
        out[tech_id] = demo
    missing = sorted(set(known) - set(out))
    if missing:
        raise SpecError(f"figures.{missing[0]}", "-", "every technique needs a figure; this one has none")
    return out


def _check_demo(demo: Any, tech: TechniqueFacts, entry: str) -> None:
    """Position, tools and sides of a body-model figure agree with its technique."""
    from backease.figures.demo import Moment, Stage
    from backease.figures.posture import position_of

    stage = Stage(demo)
    for i in range(len(demo.keys)):
        position = position_of(stage.stage(Moment(0, i, i, 1.0)).body)
        if position != tech.position:
            raise SpecError(
                entry, "keys", f"key pose {i + 1} shows {position}, the technique is {tech.position}"
            )
    shown = set(demo.tools)
    hands_used = any(r for k in demo.keys for r in k.reaches)
    needed = set(tech.tools)
    if "hands" in needed:
        if not hands_used:
            raise SpecError(entry, "keys", "the technique uses your hands: a key pose must reach with a hand")
        needed.discard("hands")
    missing = sorted(needed - shown)
    if missing:
        raise SpecError(
            entry, "tool", f"the technique needs {', '.join(missing)}, the figure does not show it"
        )
    extra = sorted(shown - needed - ({"chair"} if tech.position == "seated" else set()))
    if extra:
        raise SpecError(entry, "tool", f"the figure shows {', '.join(extra)}, the technique does not use it")
    if demo.view == "front" and tech.per_side:
        # A per-side figure facing you shows the person's right on your left: the panel is
        # then drawn from the front too, so it can only show what the front shows.
        from_front = {"chest", "upper_trapezius", "lats"}
        hidden = sorted({_base(r) for r in tech.regions} - from_front)
        if hidden:
            raise SpecError(
                entry,
                "view",
                f"a figure facing you cannot show {', '.join(hidden)} on the target panel's side: "
                "draw it from behind or from the side",
            )
    tool_side = demo.tool.at[-2:] if demo.tool is not None else ""
    if tech.per_side and tool_side in ("_l", "_r") and tool_side[-1] != demo.shows[0]:
        raise SpecError(entry, "tool.at", f"the figure shows the {demo.shows} side, the tool is on the other")


def parse_figures_file(raw: Any, techniques: Iterable[TechniqueFacts]) -> dict[str, Any]:
    """figures.yaml (poses: and figures:), checked; the figures keyed by technique id."""
    data = _mapping(raw, "-", "-")
    for key in data:
        if key not in ("poses", "figures"):
            raise SpecError("-", str(key), "unknown top-level key (use poses: and figures:)")
    poses = parse_demo_poses(data.get("poses") or {})
    return parse_demos(data.get("figures") or {}, poses, techniques)
