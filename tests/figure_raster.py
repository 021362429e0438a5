"""Rasterise the key poses of a rendered figure SVG into a coarse grid, for comparing shapes.

Only what the figures use: <path> (M L H V C Q A Z, and q t), group transforms
(translate, scale, matrix), stroke widths from the attribute, fills for closed paths.
Arcs are sampled as straight lines between their ends (enough to compare shapes).
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np

SVG = "{http://www.w3.org/2000/svg}"
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _transform(text: str | None) -> Matrix:
    m = IDENTITY
    if not text:
        return m
    for name, args in re.findall(r"(\w+)\(([^)]*)\)", text):
        v = [float(x) for x in re.split(r"[ ,]+", args.strip()) if x]
        if name == "matrix":
            n: Matrix = (v[0], v[1], v[2], v[3], v[4], v[5])
        elif name == "translate":
            n = (1, 0, 0, 1, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "scale":
            n = (v[0], 0, 0, v[1] if len(v) > 1 else v[0], 0, 0)
        else:
            continue
        m = _mul(m, n)
    return m


def _apply(m: Matrix, p: tuple[float, float]) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return (a * p[0] + c * p[1] + e, b * p[0] + d * p[1] + f)


def path_polylines(d: str) -> list[tuple[list[tuple[float, float]], bool]]:
    """The path as polylines (points, closed?)."""
    tokens = re.findall(r"[MLHVCQAZTmlhvcqaztS]|-?\d*\.?\d+(?:e-?\d+)?", d)
    out: list[tuple[list[tuple[float, float]], bool]] = []
    pts: list[tuple[float, float]] = []
    cur = (0.0, 0.0)
    last_ctrl: tuple[float, float] | None = None
    i = 0
    cmd = ""

    def num() -> float:
        nonlocal i
        v = float(tokens[i])
        i += 1
        return v

    while i < len(tokens):
        if re.match(r"[A-Za-z]", tokens[i]):
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                if pts:
                    out.append((pts, True))
                pts = []
                continue
        rel = cmd.islower()
        base = cur if rel else (0.0, 0.0)
        up = cmd.upper()
        if up == "M":
            if pts:
                out.append((pts, False))
            cur = (base[0] + num(), base[1] + num())
            pts = [cur]
            cmd = "l" if rel else "L"
        elif up == "L":
            cur = (base[0] + num(), base[1] + num())
            pts.append(cur)
        elif up == "H":
            cur = ((cur[0] if rel else 0.0) + num(), cur[1])
            pts.append(cur)
        elif up == "V":
            cur = (cur[0], (cur[1] if rel else 0.0) + num())
            pts.append(cur)
        elif up == "C":
            c1 = (base[0] + num(), base[1] + num())
            c2 = (base[0] + num(), base[1] + num())
            end = (base[0] + num(), base[1] + num())
            for t in (0.25, 0.5, 0.75, 1.0):
                u = 1 - t
                pts.append((
                    u**3 * cur[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * end[0],
                    u**3 * cur[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * end[1],
                ))  # fmt: skip
            cur = end
        elif up in ("Q", "T"):
            if up == "Q":
                ctrl = (base[0] + num(), base[1] + num())
            else:
                ctrl = (2 * cur[0] - last_ctrl[0], 2 * cur[1] - last_ctrl[1]) if last_ctrl else cur
            end = (base[0] + num(), base[1] + num())
            for t in (0.33, 0.66, 1.0):
                u = 1 - t
                pts.append(
                    (
                        u * u * cur[0] + 2 * u * t * ctrl[0] + t * t * end[0],
                        u * u * cur[1] + 2 * u * t * ctrl[1] + t * t * end[1],
                    )
                )
            last_ctrl = ctrl
            cur = end
            continue
        elif up == "A":
            for _ in range(5):
                num()
            cur = (base[0] + num(), base[1] + num())
            pts.append(cur)
        else:
            i += 1
        last_ctrl = None
    if pts:
        out.append((pts, False))
    return out


LABELS = {
    "bl": 1, "bn": 1, "bf": 2, "hair": 3, "tg": 4, "tl": 5, "tls": 5, "tlb": 5, "tlc": 5, "tlo": 5, "heat": 5,
    "pc": 6, "pcl": 6, "pm": 6, "pp": 6, "pw": 6, "pwb": 6, "pd": 6, "pf": 6, "pl": 6,
    "mk": 7, "mkf": 7, "spine": 8, "scap": 8, "scan": 9, "wat": 9,
}  # fmt: skip
"""What each drawing class paints, as a label: the body, its far side, hair, targets, tools,
props, marks. Halos paint the background (0), as they do on screen."""


def rasterise(
    svg: str, group_class: str = "keys", width: float = 212.0, height: float = 206.0, cell: float = 2.5
) -> np.ndarray:
    """A grid of labels: what the group paints where (the scene only, not the panel or the
    text), painted in order so nearer parts cover farther ones."""
    root = ET.fromstring(svg)
    nx, ny = int(width / cell), int(height / cell)
    grid = np.zeros((ny, nx), dtype=np.int8)
    xs = (np.arange(nx) + 0.5) * cell
    ys = (np.arange(ny) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    group = None
    for g in root.iter(f"{SVG}g"):
        if group_class in (g.get("class") or "").split():
            group = g
            break
    assert group is not None, f"no group of class {group_class!r}"

    def walk(node: ET.Element, m: Matrix) -> None:
        for child in node:
            tag = child.tag.replace(SVG, "")
            mm = _mul(m, _transform(child.get("transform")))
            if tag == "g":
                walk(child, mm)
            elif tag == "path":
                cls = (child.get("class") or "").split()
                halo = bool({"h", "mkh", "lbh"} & set(cls))
                label = 0 if halo else max((LABELS.get(c, 0) for c in cls), default=0) or 1
                stroke_only = bool(
                    {
                        "k",
                        "kb",
                        "mk",
                        "pf",
                        "pl",
                        "pcl",
                        "pd",
                        "spine",
                        "scap",
                        "tls",
                        "tlb",
                        "tlo",
                        "heat",
                        "wat",
                        "tlc",
                    }
                    & set(cls)
                )
                w = float(child.get("stroke-width") or 1.0) * abs(mm[0] or mm[3])
                for pts, closed in path_polylines(child.get("d") or ""):
                    tp = np.array([_apply(mm, p) for p in pts])
                    mask = np.zeros(grid.shape, dtype=bool)
                    if closed and not stroke_only and len(tp) >= 3:
                        _fill(mask, gx, gy, tp)
                    _stroke(mask, gx, gy, tp, max(w, cell * 0.6))
                    grid[mask] = label

    walk(group, IDENTITY)
    return grid


def _stroke(grid: np.ndarray, gx: np.ndarray, gy: np.ndarray, pts: np.ndarray, width: float) -> None:
    r2 = (width / 2) ** 2
    for a, b in itertools.pairwise(pts):
        ab = b - a
        denom = float(ab @ ab) or 1e-9
        t = np.clip(((gx - a[0]) * ab[0] + (gy - a[1]) * ab[1]) / denom, 0, 1)
        dx = gx - (a[0] + t * ab[0])
        dy = gy - (a[1] + t * ab[1])
        grid |= dx * dx + dy * dy <= r2
    if len(pts) == 1:
        grid |= (gx - pts[0][0]) ** 2 + (gy - pts[0][1]) ** 2 <= r2


def _fill(grid: np.ndarray, gx: np.ndarray, gy: np.ndarray, pts: np.ndarray) -> None:
    inside = np.zeros(grid.shape, dtype=bool)
    n = len(pts)
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        if y1 == y2:
            continue
        crosses = ((gy >= min(y1, y2)) & (gy < max(y1, y2))) & (gx < x1 + (gy - y1) * (x2 - x1) / (y2 - y1))
        inside ^= crosses
    grid |= inside


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Of the cells either picture paints, the share both paint with the same thing."""
    union = np.logical_or(a > 0, b > 0).sum()
    return float(((a == b) & (a > 0)).sum() / union) if union else 1.0
