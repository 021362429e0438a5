"""Which technique position a posed body shows, read from its geometry (not from a label).

The content check uses it so a figure cannot claim a position its body does not take.
"""

from __future__ import annotations

from backease.figures.body import Body, columns
from backease.figures.geometry import sub, unit


def position_of(body: Body) -> str:
    """`standing`, `seated`, `supine`, `prone`, `side_lying`, `all_fours` or `unclear`."""
    ground = body.lowest()
    j = body.joints
    pelvis = j["pelvis"][1] - ground
    feet = min(j["ankle_l"][1], j["ankle_r"][1]) - ground
    knees = min(j["knee_l"][1], j["knee_r"][1]) - ground
    left, _, front = columns(body.segments["pelvis"].frame)
    trunk = unit(sub(j["c7"], j["pelvis"]))
    if pelvis < 32 and knees > 4 and (abs(left[1]) > 0.6 or abs(front[1]) > 0.45):
        if abs(left[1]) > 0.6:
            return "side_lying"
        return "supine" if front[1] > 0 else "prone"
    if knees < 13 and pelvis < 75 and trunk[1] < 0.8:
        return "all_fours"
    if pelvis < 32:
        if abs(left[1]) > 0.6:
            return "side_lying"
        if front[1] > 0.45:
            return "supine"
        if front[1] < -0.45:
            return "prone"
        return "unclear"
    if feet < 14 and pelvis >= 62:
        return "standing"
    if feet < 14 and 30 <= pelvis < 62:
        return "seated"
    return "unclear"
