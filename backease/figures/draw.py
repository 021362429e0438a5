"""Write a demonstration figure as one SVG: the moving scene, its key poses, the target panel.

The scene animates with SMIL (`<animate>` on each part's path, no script), looping at the
technique's own rhythm. Under `prefers-reduced-motion` and in print the moving scene is
hidden and the key poses are shown side by side instead; `still=True` draws only the key
poses (for handouts and reports: paper does not move). Colours come from CSS custom
properties (`--fig-body`, `--fig-target`, ...) with light fallbacks, so a page can restyle
the figure for dark mode; a standalone file carries its own dark-mode colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from backease.figures.demo import (
    Figure,
    Moment,
    Props,
    Stage,
    frames,
    hand_circles,
    key_moments,
    moments,
    period,
    wall_shapes,
)
from backease.figures.scene import Frame, Label, Shape

WIDTH, HEIGHT = 300.0, 206.0
SCENE_W = 212.0
"""The scene's width; the target panel fills the rest."""
TOP, BOTTOM = 4.0, 190.0
"""The scene's vertical extent (a caption line sits below it)."""

COLOURS = {
    "bg": "#ffffff",
    "body": "#3d4b5c",
    "far": "#8c99a8",
    "hair": "#222b35",
    "target": "#e8590c",
    "tool": "#f5b700",
    "tool-ink": "#5b4a14",
    "prop": "#e3e8ec",
    "prop-ink": "#7b8794",
    "ink": "#1f2933",
    "soft": "#495057",
}
DARK = {
    "bg": "#1b2322",
    "body": "#c3cfcc",
    "far": "#6d7e7a",
    "hair": "#eef3f1",
    "target": "#ff8f4d",
    "tool": "#e8b400",
    "tool-ink": "#2a2305",
    "prop": "#2a3634",
    "prop-ink": "#8fa39e",
    "ink": "#e7eeec",
    "soft": "#a8b7b3",
}


def _v(name: str) -> str:
    return f"var(--fig-{name},{COLOURS[name]})"


STYLE = (
    ".fg .bl,.fg .bn{fill:V(body);stroke:V(body)}.fg .bf{fill:V(far);stroke:V(far)}"
    ".fg .hair{fill:V(hair)}.fg .h{fill:V(bg);stroke:V(bg)}"
    ".fg .tg{fill:V(target);opacity:.85}.fg .tl{fill:V(tool);stroke:V(tool-ink);stroke-width:.9}"
    ".fg .tlb{fill:none;stroke:V(tool)}.fg .tlc{fill:none;stroke:V(tool-ink);stroke-width:.8}"
    ".fg .tls{fill:none;stroke:V(tool)}.fg .tlo{fill:none;stroke:V(tool-ink)}"
    ".fg .heat{fill:none;stroke:V(target);opacity:.8}"
    ".fg .pc,.fg .pm,.fg .pp{fill:V(prop);stroke:V(prop-ink)}"
    ".fg .pcl,.fg .pl,.fg .pf{stroke:V(prop-ink);fill:none}"
    ".fg .pd{stroke:V(prop-ink);fill:none;opacity:.55}.fg .pwb{opacity:.3}"
    ".fg .spine{fill:none;stroke:V(bg);stroke-dasharray:1.6 2.4;opacity:.9}"
    ".fg .scan{fill:V(target);opacity:.25}.fg .scap{fill:none;stroke:V(bg);opacity:.85}"
    ".fg .mk{fill:none;stroke:V(ink);stroke-width:1.6;stroke-linecap:round;stroke-linejoin:round}"
    ".fg .mkh{fill:none;stroke:V(bg);stroke-width:4.2;stroke-linecap:round}"
    ".fg .mkf{fill:V(ink)}.fg .wat{fill:none;stroke:#4dabf7;stroke-width:1.2;stroke-dasharray:3 4}"
    ".fg .k{fill:none;stroke-linecap:round;stroke-linejoin:round}.fg .kb{fill:none;stroke-linecap:butt}"
    ".fg text{font-family:system-ui,sans-serif;fill:V(ink)}.fg .lb{font-size:10px;font-weight:600}"
    ".fg .nt{font-size:9px;fill:V(soft)}.fg .lbh{stroke:V(bg);stroke-width:3;paint-order:stroke}"
    ".fg .keys{display:none}"
    "@media (prefers-reduced-motion:reduce){.fg .live{display:none}.fg .keys{display:inline}}"
    "@media print{.fg .live{display:none}.fg .keys{display:inline}}"
    ".fg .pn{fill:V(prop);stroke:V(prop-ink);stroke-width:1.2}"
    ".fg .pnt{fill:V(target);stroke:V(target);stroke-width:.8}"
    ".fg .pnk{fill:V(prop-ink)}.fg .pnr{fill:none;stroke:V(ink);stroke-width:1.8}.fg .pnd{fill:V(ink)}"
    ".fg .pnb{fill:none;stroke:V(prop-ink);stroke-width:1}"
).replace("V(", "VAR(")


def _style(standalone: bool) -> str:
    css = STYLE
    for name in COLOURS:
        css = css.replace(f"VAR({name})", _v(name))
    if standalone:
        dark = ";".join(f"--fig-{k}:{v}" for k, v in DARK.items())
        css += f"@media (prefers-color-scheme:dark){{.fg{{{dark}}}}}"
    return css


# --- path data -----------------------------------------------------------------------------------


def _n(v: float) -> str:
    s = f"{v:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _p(x: float, y: float) -> str:
    return f"{_n(x)},{_n(y)}"


KAPPA = 0.5523


def path_data(shape: Shape, fit: Fit) -> str:
    pts = [fit.point(p) for p in shape.points]
    kind = shape.kind
    if kind == "line":
        # Strokes separated by a gap (a hand's fingers) are subpaths of one path.
        out, pen = [], "M"
        for p in pts:
            if math.isnan(p[0]):
                pen = "M"
                continue
            out.append(pen + _p(*p))
            pen = "L"
        return "".join(out)
    if kind == "poly":
        return "M" + "L".join(_p(*p) for p in pts) + "Z"
    if kind == "ellipse":
        c = pts[0]
        a = fit.vector(shape.points[1])
        b = fit.vector(shape.points[2])
        k = KAPPA

        def at(u: float, v: float) -> str:
            return _p(c[0] + a[0] * u + b[0] * v, c[1] + a[1] * u + b[1] * v)

        return (
            f"M{at(1, 0)}C{at(1, k)} {at(k, 1)} {at(0, 1)}C{at(-k, 1)} {at(-1, k)} {at(-1, 0)}"
            f"C{at(-1, -k)} {at(-k, -1)} {at(0, -1)}C{at(k, -1)} {at(1, -k)} {at(1, 0)}Z"
        )
    closed = kind == "smooth"
    n = len(pts)
    if n < 3:
        return "M" + "L".join(_p(*p) for p in pts)
    out = [f"M{_p(*pts[0])}"]
    segments = n if closed else n - 1
    for i in range(segments):
        p0 = pts[(i - 1) % n] if closed or i > 0 else pts[0]
        p1 = pts[i]
        p2 = pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if closed or i + 2 < n else pts[-1]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append(f"C{_p(*c1)} {_p(*c2)} {_p(*p2)}")
    return "".join(out) + ("Z" if closed else "")


@dataclass
class Fit:
    """Screen cm -> viewBox units: a scale and an offset (and a cell offset for key poses)."""

    scale: float
    dx: float
    dy: float

    def point(self, p: tuple[float, float]) -> tuple[float, float]:
        return (p[0] * self.scale + self.dx, p[1] * self.scale + self.dy)

    def vector(self, v: tuple[float, float]) -> tuple[float, float]:
        return (v[0] * self.scale, v[1] * self.scale)


def _bounds(
    frames_: list[Frame], upper_only: bool, floor_y: float, floor: bool = True
) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for frame in frames_:
        for shape in frame.shapes:
            if shape.part in ("prop", "mark") and not shape.key.startswith(
                ("chair_backrest", "chair_seat", "shower")
            ):
                continue
            if upper_only and shape.key.split("_")[0] in ("thigh", "shin", "foot", "chair"):
                continue
            pad = shape.width / 2
            pts = shape.points
            if shape.kind == "ellipse":
                c, a, b = pts
                rx = math.hypot(a[0], b[0])
                ry = math.hypot(a[1], b[1])
                xs += [c[0] - rx, c[0] + rx]
                ys += [c[1] - ry, c[1] + ry]
                continue
            for x, y in pts:
                if math.isnan(x):
                    continue
                xs += [x - pad, x + pad]
                ys += [y - pad, y + pad]
    if floor and not upper_only:
        ys.append(floor_y)
    return min(xs), min(ys), max(xs), max(ys)


def fit_box(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> Fit:
    x0, y0, x1, y1 = bounds
    bx0, by0, bx1, by1 = box
    w, hgt = max(1.0, x1 - x0), max(1.0, y1 - y0)
    s = min((bx1 - bx0) / w, (by1 - by0) / hgt)
    dx = bx0 + ((bx1 - bx0) - w * s) / 2 - x0 * s
    dy = by0 + ((by1 - by0) - hgt * s) / 2 - y0 * s
    return Fit(s, dx, dy)


# --- the animated scene ----------------------------------------------------------------------


def _ordered_keys(frames_: list[Frame]) -> list[str]:
    """Every shape key once, painted from far to near (by its median depth)."""
    seen: list[str] = []
    for key, _ in paint_order(frames_):
        if key not in seen:
            seen.append(key)
    return seen


SWAP = 6.0
"""A part this much nearer or farther than the trunk's middle is in front of it or behind it."""


def paint_order(frames_: list[Frame]) -> list[tuple[str, list[bool]]]:
    """What to paint, far to near, and in which frames each is shown.

    A part that passes from behind the trunk to in front of it (a hand reaching behind the
    back, an arm sweeping over) is painted twice, behind and in front of the trunk, each
    shown only in its own frames: SVG has no depth, so the order is the painter's.
    """
    n = len(frames_)
    depth: dict[str, list[float | None]] = {}
    for i, frame in enumerate(frames_):
        for shape in frame.shapes:
            depth.setdefault(shape.key, [None] * n)[i] = shape.depth
    trunk = depth.get("trunk", [0.0] * n)
    entries: list[tuple[float, str, list[bool]]] = []
    for key, ds in depth.items():
        present = [d is not None for d in ds]
        states = []
        for d, t in zip(ds, trunk, strict=True):
            if d is None or t is None or key.startswith("trunk") or d < -1e4:
                states.append("")
            else:
                states.append("b" if d < t - SWAP else "f" if d > t + SWAP else "")
        if "b" in states and "f" in states:
            # Frames in between take the state of the nearest frame that has one.
            filled = list(states)
            for i, st in enumerate(states):
                if not st:
                    filled[i] = min((abs(i - j), states[j]) for j in range(n) if states[j])[1]
            for state in ("b", "f"):
                mask = [p and f == state for p, f in zip(present, filled, strict=True)]
                vals = sorted(d for d, m in zip(ds, mask, strict=True) if m and d is not None)
                entries.append((vals[len(vals) // 2], key, mask))
            continue
        vals = sorted(d for d in ds if d is not None)
        value = vals[len(vals) // 2]
        # A part that is ever behind the trunk (and never in front) is painted before it,
        # and the other way round; in between it may go either side.
        trunk_mid = sorted(t for t in trunk if t is not None)[len(trunk) // 2] if trunk else 0.0
        if "b" in states:
            value = min(value, trunk_mid - 0.01)
        elif "f" in states:
            value = max(value, trunk_mid + 0.01)
        entries.append((value, key, present))
    entries.sort(key=lambda e: e[0])
    return [(key, mask) for _, key, mask in entries]


_HALO = {"bl", "bf"}


def _emit(
    frames_: list[Frame], times: list[float], dur: float, fit: Fit, ids: str, animate: bool
) -> tuple[list[str], list[str]]:
    """Defs (each moving part's path, animated once) and the uses that paint them, far to
    near, with a halo of the background colour round the body's parts."""
    defs: list[str] = []
    body: list[str] = []
    defined: dict[str, str] = {}
    for key, shown in paint_order(frames_):
        per_frame = [next((s for s in frame.shapes if s.key == key), None) for frame in frames_]
        first = next(s for s in per_frame if s is not None)
        datas: list[str] = []
        last: Shape = first
        for s in per_frame:
            if s is not None:
                last = s
            datas.append(path_data(last, fit))
        if not animate and not shown[0]:
            continue
        width = first.width * fit.scale
        line = first.kind in ("line", "path")
        cls = first.cls
        shape_cls = ("kb " if cls == "tlb" else "k " if line else "") + cls
        sw = f' stroke-width="{_n(width)}"' if width and (line or cls.startswith(("p", "tl"))) else ""
        if not line and cls in _HALO:
            sw = ' stroke-width=".6"'
        halo = f' class="h{" k" if line else ""}" stroke-width="{_n(width + 2.6 if line else 2.6)}"'
        moving = animate and len(set(datas)) > 1
        if not moving:
            paths = (
                f'<path d="{datas[0]}"{halo}/>' if cls in _HALO else ""
            ) + f'<path d="{datas[0]}" class="{shape_cls}"{sw}/>'
        else:
            pid = defined.get(key)
            if pid is None:
                pid = f"{ids}{len(defined)}"
                defined[key] = pid
                kt, vals = _compress(times, datas)
                defs.append(
                    f'<path id="{pid}" d="{datas[0]}"><animate attributeName="d" dur="{dur:g}s" '
                    f'repeatCount="indefinite" keyTimes="{";".join(_n4(t) for t in kt)}" '
                    f'values="{";".join(vals)}"/></path>'
                )
            ref = f'href="#{pid}"'
            paths = (f"<use {ref}{halo}/>" if cls in _HALO else "") + f'<use {ref} class="{shape_cls}"{sw}/>'
        if animate and not all(shown):
            kt, vals = _compress(times, ["1" if v else "0" for v in shown])
            paths = (
                f'<g><animate attributeName="opacity" dur="{dur:g}s" repeatCount="indefinite" '
                'calcMode="discrete" '
                f'keyTimes="{";".join(_n4(t) for t in kt)}" values="{";".join(vals)}"/>{paths}</g>'
            )
        body.append(paths)
    return defs, body


def _compress(times: list[float], values: list[str]) -> tuple[list[float], list[str]]:
    """Drop samples in the middle of a run of equal values (the run still holds)."""
    kt: list[float] = []
    vals: list[str] = []
    n = len(values)
    for i, (t, v) in enumerate(zip(times, values, strict=True)):
        if 0 < i < n - 1 and values[i - 1] == v == values[i + 1]:
            continue
        kt.append(t)
        vals.append(v)
    return kt, vals


def _n4(t: float) -> str:
    return f"{t:.4f}".rstrip("0").rstrip(".") or "0"


# --- marks ------------------------------------------------------------------------------------


def _arrow_head(tip: tuple[float, float], towards: tuple[float, float], size: float = 4.2) -> str:
    dx, dy = tip[0] - towards[0], tip[1] - towards[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    left = (tip[0] - ux * size - uy * size * 0.6, tip[1] - uy * size + ux * size * 0.6)
    right = (tip[0] - ux * size + uy * size * 0.6, tip[1] - uy * size - ux * size * 0.6)
    return f'<path d="M{_p(*tip)}L{_p(*left)}L{_p(*right)}Z" class="mkf"/>'


def arrow(points: list[tuple[float, float]], both: bool = False, curved: bool = True) -> str:
    """A movement arrow through screen points (viewBox units), with a white halo."""
    if len(points) < 2:
        return ""
    if curved and len(points) == 3:
        a, c, b = points
        d = f"M{_p(*a)}Q{_p(*c)} {_p(*b)}"
        end_from, start_from = c, c
    else:
        d = "M" + "L".join(_p(*p) for p in points)
        end_from, start_from = points[-2], points[1]
    out = f'<path d="{d}" class="mkh"/><path d="{d}" class="mk"/>' + _arrow_head(points[-1], end_from)
    if both:
        out += _arrow_head(points[0], start_from)
    return out


def circle_arrow(c: tuple[float, float], r: float) -> str:
    a = (c[0] + r * math.sin(math.radians(30)), c[1] - r * math.cos(math.radians(30)))
    b = (c[0] + r * math.sin(math.radians(330)), c[1] - r * math.cos(math.radians(330)))
    d = f"M{_p(*a)}A{_n(r)},{_n(r)} 0 1 1 {_p(*b)}"
    tangent_from = (b[0] - 3, b[1] + 1.5)
    return f'<path d="{d}" class="mkh"/><path d="{d}" class="mk"/>' + _arrow_head(b, tangent_from)


# --- the figure ---------------------------------------------------------------------------------


@dataclass
class Drawn:
    """The scene part of a figure (without the panel), and what tests check."""

    svg: str
    keys_svg: str
    labels: list[str]
    numbers: list[str]
    """The key poses' numbers (x|y|anchor|text), shown with the key poses."""
    frames: list[Frame]
    key_frames: list[Frame]
    fit: Fit
    stage: Stage
    props: Props
    dur: float


def draw_scene(
    demo: Figure, ids: str, box: tuple[float, float, float, float] = (4, TOP, SCENE_W - 4, BOTTOM)
) -> Drawn:
    ms = moments(demo)
    frames_, stage, props = frames(demo, ms)
    kms = key_moments(demo)
    key_frames, _, _ = frames(demo, kms)
    floor_y = -stage.floor
    upper = demo.frame == "upper"
    extra = Frame(shapes=[s for s in props.shapes if s.key.startswith("shower")])
    bounds = _bounds([*frames_, *key_frames, extra], upper, floor_y, floor=stage.cam.pitch == 0)
    fit = fit_box(_pad(bounds, demo), box)
    dur = period(demo)
    times = [m.t for m in ms]
    defs, body = _emit(frames_, times, dur, fit, ids + "p", animate=True)
    back = _props_svg(stage, props, fit, bounds, box, floor_y, ids, upper)
    marks = _marks_svg(demo, stage, frames_, key_frames, kms, fit)
    moving = "".join(body)
    if demo.move == "circles" and not hand_circles(demo):
        moving = f"<g>{moving}{_circling(stage, fit, demo.seconds)}</g>"
    clip = f"{ids}c"
    defs.append(
        f'<clipPath id="{clip}"><rect x="{_n(box[0] - 4)}" y="{_n(box[1] - 4)}" '
        f'width="{_n(box[2] - box[0] + 8)}" height="{_n(box[3] - box[1] + 4)}"/></clipPath>'
    )
    pattern, dot = breath_pattern(demo) if demo.move == "breathe" else ("", "")
    live = (
        f'<g class="live" clip-path="url(#{clip})">'
        f'<g data-flip="{_n(SCENE_W)}">{back}{moving}{marks}</g>{dot}</g>'
        f"{pattern}"
    )
    keys_svg, numbers = _keys_svg(demo, stage, props, key_frames, bounds, box, floor_y, ids, upper)
    labels = _labels(stage, props, frames_, fit)
    return Drawn(
        svg=f"<defs>{''.join(defs)}</defs>{live}",
        keys_svg=keys_svg,
        labels=labels,
        numbers=numbers,
        frames=frames_,
        key_frames=key_frames,
        fit=fit,
        stage=stage,
        props=props,
        dur=dur,
    )


def _circling(stage: Stage, fit: Fit, seconds: float) -> str:
    """Small circles of the whole body against its tool, as a translation of the group."""
    tool = stage.demo.tool
    assert tool is not None
    n = stage.working.tool_normal
    if tool.rests in ("floor", "seat"):
        e1, e2 = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)
    else:
        flat = (n[0], 0.0, n[2])
        e1 = (0.0, 1.0, 0.0)
        e2 = (-flat[2], 0.0, flat[0])
    r = 2.0 * fit.scale
    values = []
    for i in range(9):
        a = 2 * math.pi * i / 8
        v = stage.cam.vector(
            (
                e1[0] * math.cos(a) + e2[0] * math.sin(a),
                e1[1] * math.cos(a) + e2[1] * math.sin(a),
                e1[2] * math.cos(a) + e2[2] * math.sin(a),
            )
        )
        values.append(f"{_n(v[0] * r)} {_n(v[1] * r)}")
    return (
        f'<animateTransform attributeName="transform" type="translate" dur="{seconds:g}s" '
        f'repeatCount="indefinite" values="{";".join(values)}"/>'
    )


def _pad(bounds: tuple[float, float, float, float], demo: Figure) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    m = 6.0
    return (x0 - m, y0 - m, x1 + m, y1 + (2.0 if demo.frame != "upper" else m))


def _props_svg(
    stage: Stage,
    props: Props,
    fit: Fit,
    bounds: tuple[float, float, float, float],
    box: tuple[float, float, float, float],
    floor_y: float,
    ids: str,
    upper: bool,
) -> str:
    out: list[str] = []
    bx0, by0, bx1, by1 = box
    # Screen-cm bounds of the whole box, for props that run to its edges.
    inv = (
        (bx0 - fit.dx) / fit.scale,
        (by0 - fit.dy) / fit.scale,
        (bx1 - fit.dx) / fit.scale,
        (by1 - fit.dy) / fit.scale,
    )
    if props.wall is not None:
        for s in wall_shapes(stage, props.wall, (inv[0], inv[1], inv[2], floor_y)):
            fill = ' fill="url(#HATCHWALL)"' if s.cls in ("pw", "pwb") else ""
            width = f' stroke-width="{_n(s.width * fit.scale)}"' if s.width else ""
            out.append(f'<path d="{path_data(s, fit)}" class="{s.cls}"{fill}{width}/>')
    for s in props.shapes:
        line = s.kind in ("line", "path")
        sw = f' stroke-width="{_n((s.width or 0.8) * fit.scale if line else 0.9)}"'
        out.append(f'<path d="{path_data(s, fit)}" class="{("k " if line else "") + s.cls}"{sw}/>')
    if stage.cam.pitch == 0 and not upper:
        y = fit.point((0, floor_y))[1]
        out.append(f'<path d="M{_n(bx0)},{_n(y)}H{_n(bx1)}" class="pf" stroke-width="1.6"/>')
    return "".join(out)


def _marks_svg(
    demo: Figure,
    stage: Stage,
    frames_: list[Frame],
    key_frames: list[Frame],
    kms: list[Moment],
    fit: Fit,
    still: bool = False,
) -> str:
    """Arrows for the direction and kind of movement, drawn from the key frames."""
    out: list[str] = []
    move = demo.move
    contact0 = key_frames[0].contacts.get("tool")
    contact1 = key_frames[-1].contacts.get("tool")
    cam = stage.cam
    if move == "circles":
        c = contact1 or contact0
        if c is None:
            c = next((v for k, v in key_frames[-1].contacts.items()), None)
        if c is not None:
            centre = fit.point(cam.flat(c[0]))
            out.append(circle_arrow(centre, 9.0))
    elif (
        move == "roll"
        and contact0 is not None
        and contact1 is not None
        and math.dist(fit.point(cam.flat(contact0[0])), fit.point(cam.flat(contact1[0]))) > 4
    ):
        # (A tool that slides along itself, like a stick over the shoulder, shows its own move.)
        a = fit.point(cam.flat(contact0[0]))
        b = fit.point(cam.flat(contact1[0]))
        # Beside the body, away from it: offset from the trunk's centre.
        trunk = next(s for s in key_frames[0].shapes if s.key == "trunk")
        cx = sum(p[0] for p in trunk.points) / len(trunk.points)
        cy = sum(p[1] for p in trunk.points) / len(trunk.points)
        centre = fit.point((cx, cy))
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        ox, oy = mx - centre[0], my - centre[1]
        length = math.hypot(ox, oy) or 1.0
        off = 16.0
        dx, dy = b[0] - a[0], b[1] - a[1]
        span = math.hypot(dx, dy) or 1.0
        if span < 10:
            dx, dy = dx / span * 10, dy / span * 10
        a2 = (mx - dx * 0.6 + ox / length * off, my - dy * 0.6 + oy / length * off)
        b2 = (mx + dx * 0.6 + ox / length * off, my + dy * 0.6 + oy / length * off)
        out.append(arrow([a2, b2], both=True, curved=False))
    if move == "press":
        c = contact1 or next(iter(key_frames[-1].contacts.values()), None)
        if c is not None:
            out.append(_hold_ring(fit.point(cam.flat(c[0])), period(demo), still))
    if move == "circles" and contact1 is None and contact0 is None:
        hands = [v for k, v in key_frames[-1].contacts.items() if k.startswith("hand")]
        for c in hands:
            out.append(circle_arrow(fit.point(cam.flat(c[0])), 7.0))
    if move == "breathe":
        out.append(_breath_marks(demo, stage, fit, still))
    if "water" in demo.marks:
        out.append(_water(stage, fit, still))
    if "heat" in demo.marks:
        out.append(_heat(stage, fit, still))
    if demo.track:
        pts = [_track_point(demo.track, f) for f in key_frames]
        screen = [fit.point(p) for p in pts if p is not None]
        if len(screen) >= 2 and math.hypot(screen[-1][0] - screen[0][0], screen[-1][1] - screen[0][1]) > 3:
            a, b = screen[0], screen[-1]
            mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
            dx, dy = b[0] - a[0], b[1] - a[1]
            span = math.hypot(dx, dy)
            if span < 14:
                # A small movement (the head sliding back): a readable arrow beside it, away
                # from the trunk, not a blot on the joint.
                trunk = next(s for s in key_frames[0].shapes if s.key == "trunk")
                tx = sum(p[0] for p in trunk.points) / len(trunk.points)
                ty = sum(p[1] for p in trunk.points) / len(trunk.points)
                cx, cy = fit.point((tx, ty))
                ox, oy = mx - cx, my - cy
                olen = math.hypot(ox, oy) or 1.0
                mx, my = mx + ox / olen * 24, my + oy / olen * 24
                ux, uy = dx / span, dy / span
                a, b = (mx - ux * 8, my - uy * 8), (mx + ux * 8, my + uy * 8)
                out.append(arrow([a, b], both=move in ("repeat", "roll", "sequence"), curved=False))
                return "".join(out)
            bow = 0.25
            bend = (mx - dy * bow, my + dx * bow)
            out.append(arrow([a, bend, b], both=move in ("repeat", "roll", "sequence"), curved=True))
    return "".join(out)


def _hold_ring(c: tuple[float, float], dur: float, still: bool = False) -> str:
    """A ring round the pressed spot whose arc fills while the press is held."""
    r = 8.0
    length = 2 * math.pi * r
    ring = f'<circle cx="{_n(c[0])}" cy="{_n(c[1])}" r="{_n(r)}" class="mkh" stroke-width="3.4"/>'
    if still:
        return ring + f'<circle cx="{_n(c[0])}" cy="{_n(c[1])}" r="{_n(r)}" class="mk"/>'
    arc = (
        f'<circle cx="{_n(c[0])}" cy="{_n(c[1])}" r="{_n(r)}" class="mk" stroke-dasharray="{_n(length)}" '
        f'transform="rotate(-90 {_n(c[0])} {_n(c[1])})">'
        f'<animate attributeName="stroke-dashoffset" dur="{dur:g}s" repeatCount="indefinite" '
        f'keyTimes="0;0.18;0.82;1" values="{_n(length)};{_n(length)};0;0"/></circle>'
    )
    return ring + arc


def _breath_marks(demo: Figure, stage: Stage, fit: Fit, still: bool = False) -> str:
    """The breathing pattern: arrows at the belly, and a box or a wave with a moving dot."""
    cam = stage.cam
    body = stage.working.body
    period(demo)
    out: list[str] = []
    belly, normal = body.landmark("belly")
    n2 = cam.vector(normal)
    if math.hypot(*n2) > 0.4:
        a = fit.point(cam.flat(add3(belly, normal, 5)))
        b = fit.point(cam.flat(add3(belly, normal, 13)))
        out.append(arrow([a, b], both=True, curved=False))
    return "".join(out)


def breath_pattern(demo: Figure, right: float = SCENE_W) -> tuple[str, str]:
    """The breathing pattern at the scene's top right: the still drawing, and the dot that
    moves round it (part of the moving scene)."""
    out: list[str] = []
    moving = ""
    dur = period(demo)
    b_in, hold, b_out, pause = demo.breathing
    total = b_in + hold + b_out + pause
    x0, y0 = right - 40.0, 10.0
    if "box" in demo.marks:
        size = 26.0
        square = f"M{_p(x0, y0 + size)}L{_p(x0, y0)}L{_p(x0 + size, y0)}L{_p(x0 + size, y0 + size)}Z"
        out.append(f'<path d="{square}" class="mk" stroke-width="1.2"/>')
        for (x, y), word, anchor in (
            ((x0 - 3, y0 + size / 2 + 3), "in", "end"),
            ((x0 + size / 2, y0 - 3), "hold", "middle"),
            ((x0 + size + 3, y0 + size / 2 + 3), "out", "start"),
            ((x0 + size / 2, y0 + size + 9), "hold", "middle"),
        ):
            out.append(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" class="nt">{word}</text>')
        marks = [0.0, b_in / total, (b_in + hold) / total, (b_in + hold + b_out) / total, 1.0]
        moving = (
            f'<circle r="3" class="mkf"><animateMotion dur="{dur:g}s" repeatCount="indefinite" '
            f'path="{square}" keyPoints="0;0.25;0.5;0.75;1" keyTimes="{";".join(_n4(m) for m in marks)}" '
            'calcMode="linear"/></circle>'
        )
    elif "wave" in demo.marks:
        width = 40.0
        x0 = right - width - 8
        split = x0 + width * b_in / (b_in + b_out)
        top, base = y0 + 2, y0 + 16
        wave = f"M{_p(x0, base)}L{_p(split, top)}L{_p(x0 + width, base)}"
        out.append(f'<path d="{wave}" class="mk" stroke-width="1.2"/>')
        out.append(
            f'<text x="{_n((x0 + split) / 2 - 2)}" y="{_n(base + 9)}" text-anchor="middle" class="nt">'
            f"in {b_in:g}</text>"
        )
        out.append(
            f'<text x="{_n((split + x0 + width) / 2 + 2)}" y="{_n(base + 9)}" text-anchor="middle" '
            f'class="nt">out {b_out:g}</text>'
        )
        marks = [0.0, b_in / total, 1.0]
        moving = (
            f'<circle r="2.8" class="mkf"><animateMotion dur="{dur:g}s" repeatCount="indefinite" '
            f'path="{wave}" keyPoints="0;0.5;1" keyTimes="{";".join(_n4(m) for m in marks)}" '
            'calcMode="linear"/></circle>'
        )
    return "".join(out), moving


def add3(
    a: tuple[float, float, float], b: tuple[float, float, float], k: float
) -> tuple[float, float, float]:
    return (a[0] + b[0] * k, a[1] + b[1] * k, a[2] + b[2] * k)


def _water(stage: Stage, fit: Fit, still: bool = False) -> str:
    """Warm water falling from the shower head over the shoulders."""
    cam = stage.cam
    body = stage.working.body
    head = body.joints["head"]
    out = []
    for i, (dx, dz) in enumerate(((-14, 6), (-6, 10), (6, 10), (14, 6))):
        top = (head[0] + dx * 0.4, head[1] + 30, head[2] + 14 + dz * 0.2)
        low = body.landmark("shoulder_top_l" if dx > 0 else "shoulder_top_r")[0]
        low = (low[0] + dx * 0.3, low[1] + 2, low[2] - 4 + i)
        a, b = fit.point(cam.flat(top)), fit.point(cam.flat(low))
        anim = '<animate attributeName="stroke-dashoffset" dur="1s" repeatCount="indefinite" values="14;0"/>'
        out.append(f'<path d="M{_p(*a)}L{_p(*b)}" class="wat">{"" if still else anim}</path>')
    return "".join(out)


def _heat(stage: Stage, fit: Fit, still: bool = False) -> str:
    """Warmth rising from the heat pack."""
    cam = stage.cam
    pts = stage.working.tool_points
    out = []
    for key in ("a", "mid", "b"):
        if key not in pts:
            continue
        x, y = fit.point(cam.flat(pts[key]))
        d = f"M{_p(x, y - 6)}q3,-3 0,-6t0,-6"
        anim = '<animate attributeName="opacity" dur="3s" repeatCount="indefinite" values="0;.9;0"/>'
        out.append(f'<path d="{d}" class="heat" stroke-width="1.4">{"" if still else anim}</path>')
    return "".join(out)


def _track_point(track: str, frame: Frame) -> tuple[float, float] | None:
    names = {
        "hand_l": "palm_l",
        "hand_r": "palm_r",
        "head": "head",
        "knee_l": "shin_l",
        "knee_r": "shin_r",
    }
    key = names.get(track, track)
    shape = next((s for s in frame.shapes if s.key == key), None)
    if shape is None:
        return None
    if shape.kind == "ellipse":
        return shape.points[0]
    xs = [p[0] for p in shape.points]
    ys = [p[1] for p in shape.points]
    return (sum(xs) / len(xs), sum(ys) / len(ys))


def _keys_svg(
    demo: Figure,
    stage: Stage,
    props: Props,
    key_frames: list[Frame],
    bounds: tuple[float, float, float, float],
    box: tuple[float, float, float, float],
    floor_y: float,
    ids: str,
    upper: bool,
) -> tuple[str, list[str]]:
    """The key poses side by side (or one above the other for lying figures), numbered."""
    n = len(key_frames)
    numbers: list[str] = []
    bx0, by0, bx1, by1 = box
    x0, y0, x1, y1 = _pad(bounds, demo)
    tall = (y1 - y0) > (x1 - x0) * 0.8
    out: list[str] = []
    for i, frame in enumerate(key_frames):
        if tall:
            cw = (bx1 - bx0) / n
            cell = (bx0 + i * cw + 2, by0 + 10, bx0 + (i + 1) * cw - 2, by1)
        else:
            ch = (by1 - by0 - 4) / n
            cell = (bx0 + 10, by0 + i * ch + 2, bx1, by0 + (i + 1) * ch)
        fit = fit_box((x0, y0, x1, y1), cell)
        _, body = _emit([frame], [0.0], 1.0, fit, f"{ids}k{i}p", animate=False)
        back = _props_svg(stage, props, fit, bounds, cell, floor_y, f"{ids}k{i}", upper)
        if i == n - 1:
            body.append(_marks_svg(demo, stage, [frame], key_frames, [], fit, still=True))
        clip = f"{ids}k{i}c"
        out.append(
            f'<clipPath id="{clip}"><rect x="{_n(cell[0] - 2)}" y="{_n(cell[1] - 2)}" '
            f'width="{_n(cell[2] - cell[0] + 4)}" '
            f'height="{_n(cell[3] - cell[1] + 4)}"/></clipPath>'
            f'<g clip-path="url(#{clip})"><g data-flip="{_n(cell[0] + cell[2])}">{back}{"".join(body)}'
            "</g></g>"
        )
        label_at = (cell[0] + 2, cell[1] + 9) if tall else (cell[0] - 8, cell[1] + 10)
        numbers.append(f"{label_at[0]:.1f}|{label_at[1]:.1f}|start|{i + 1}")
    return f'<g class="keys">{"".join(out)}</g>', numbers


def _labels(stage: Stage, props: Props, frames_: list[Frame], fit: Fit) -> list[str]:
    """Names of the tool and the props, placed beside them (never mirrored)."""
    out: list[str] = []
    labels: list[Label] = list(props.labels)
    if frames_:
        labels += frames_[0].labels
    body_c = None
    trunk = next((s for s in frames_[0].shapes if s.key == "trunk"), None) if frames_ else None
    if trunk is not None:
        body_c = fit.point(
            (
                sum(p[0] for p in trunk.points) / len(trunk.points),
                sum(p[1] for p in trunk.points) / len(trunk.points),
            )
        )
    for label in labels:
        x, y = fit.point(label.at)
        anchor = label.anchor
        if body_c is not None and anchor == "start":
            # Put the name on the side away from the body.
            if x < body_c[0]:
                x, anchor = x - 10, "end"
            else:
                x += 10
            y += 3
        out.append(f"{x:.1f}|{y:.1f}|{anchor}|{escape(label.text)}")
    return out


def still_keys(demo: Figure, ids: str) -> tuple[str, float, list[tuple[float, float, str]]]:
    """The key poses side by side at full size (for paper): the SVG and the scene's width."""
    kms = key_moments(demo)
    key_frames, stage, props = frames(demo, kms)
    floor_y = -stage.floor
    extra = Frame(shapes=[s for s in props.shapes if s.key.startswith("shower")])
    bounds = _pad(
        _bounds([*key_frames, extra], demo.frame == "upper", floor_y, floor=stage.cam.pitch == 0), demo
    )
    upper = demo.frame == "upper"
    x0, y0, x1, y1 = bounds
    tall = (y1 - y0) > (x1 - x0) * 0.8
    n = len(key_frames)
    numbers: list[tuple[float, float, str]] = []
    cell_w = SCENE_W if not tall else max(110.0, (BOTTOM - TOP) * (x1 - x0) / (y1 - y0) + 16)
    out: list[str] = []
    for i, frame in enumerate(key_frames):
        cell = (4 + i * cell_w, TOP + 8, 4 + (i + 1) * cell_w - 8, BOTTOM)
        fit = fit_box(bounds, cell)
        _, body = _emit([frame], [0.0], 1.0, fit, f"{ids}s{i}p", animate=False)
        back = _props_svg(stage, props, fit, bounds, cell, floor_y, f"{ids}s{i}", upper)
        if i == n - 1:
            body.append(_marks_svg(demo, stage, [frame], key_frames, [], fit, still=True))
        out.append(
            f'<clipPath id="{ids}s{i}c"><rect x="{_n(cell[0] - 4)}" y="0" width="{_n(cell_w)}" '
            f'height="{_n(BOTTOM + 2)}"/></clipPath><g clip-path="url(#{ids}s{i}c)">'
            f'<g data-flip="{_n(cell[0] + cell[2])}">{back}{"".join(body)}</g></g>'
        )
        if i + 1 < n:
            ax = cell[2] + 4
            out.append(arrow([(ax - 5, TOP + 6), (ax + 5, TOP + 6)], curved=False))
        numbers.append((cell[0] + 2, TOP + 10, str(i + 1)))
    if demo.move == "breathe":
        out.append(breath_pattern(demo, 4 + n * cell_w)[0])
    return "".join(out), 4 + n * cell_w, numbers
