"""Small 3D vector and rotation helpers for the body model (plain tuples, no dependencies)."""

from __future__ import annotations

import math

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]
"""A rotation matrix as three rows."""

ORIGIN: Vec = (0.0, 0.0, 0.0)
X: Vec = (1.0, 0.0, 0.0)
Y: Vec = (0.0, 1.0, 0.0)
Z: Vec = (0.0, 0.0, 1.0)
IDENTITY: Mat = (X, Y, Z)


def add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + b[0] * k, a[1] + b[1] * k, a[2] + b[2] * k)


def sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def scale(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a: Vec) -> float:
    return math.sqrt(dot(a, a))


def unit(a: Vec) -> Vec:
    n = norm(a)
    return (0.0, 0.0, 0.0) if n < 1e-9 else scale(a, 1.0 / n)


def lerp(a: Vec, b: Vec, t: float) -> Vec:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def dist(a: Vec, b: Vec) -> float:
    return norm(sub(a, b))


def mat_vec(m: Mat, v: Vec) -> Vec:
    return (dot(m[0], v), dot(m[1], v), dot(m[2], v))


def mat_mul(a: Mat, b: Mat) -> Mat:
    cols = ((b[0][0], b[1][0], b[2][0]), (b[0][1], b[1][1], b[2][1]), (b[0][2], b[1][2], b[2][2]))
    return (
        (dot(a[0], cols[0]), dot(a[0], cols[1]), dot(a[0], cols[2])),
        (dot(a[1], cols[0]), dot(a[1], cols[1]), dot(a[1], cols[2])),
        (dot(a[2], cols[0]), dot(a[2], cols[1]), dot(a[2], cols[2])),
    )


def transpose(m: Mat) -> Mat:
    return ((m[0][0], m[1][0], m[2][0]), (m[0][1], m[1][1], m[2][1]), (m[0][2], m[1][2], m[2][2]))


def axis_angle(axis: Vec, degrees: float) -> Mat:
    """Rotation by `degrees` about `axis` (right-hand rule)."""
    x, y, z = unit(axis)
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    t = 1 - c
    return (
        (t * x * x + c, t * x * y - s * z, t * x * z + s * y),
        (t * x * y + s * z, t * y * y + c, t * y * z - s * x),
        (t * x * z - s * y, t * y * z + s * x, t * z * z + c),
    )


def rot_x(degrees: float) -> Mat:
    return axis_angle(X, degrees)


def rot_y(degrees: float) -> Mat:
    return axis_angle(Y, degrees)


def rot_z(degrees: float) -> Mat:
    return axis_angle(Z, degrees)


def columns(m: Mat) -> tuple[Vec, Vec, Vec]:
    """The frame's axes (the images of X, Y and Z)."""
    t = transpose(m)
    return t[0], t[1], t[2]


def from_columns(x: Vec, y: Vec, z: Vec) -> Mat:
    return transpose((x, y, z))


MIRROR: Mat = ((-1.0, 0.0, 0.0), Y, Z)
"""Reflection across the body's mid-plane (the person's left <-> right)."""


def mirrored(m: Mat) -> Mat:
    """The same rotation for the other side of the body (conjugated by the reflection)."""
    return mat_mul(MIRROR, mat_mul(m, MIRROR))
