"""Illustrations for every technique, drawn from data (see docs/illustrations.md).

`spec` checks the scene specs in backease/content/illustrations.yaml, `render` draws one as
inline SVG and `words` writes its text alternative from the same spec. No Django here.
The figures are made by this project and shared under the project's licence (Apache-2.0).
"""

from backease.figures.render import render_svg, worked_side
from backease.figures.spec import Figure, Pose, SpecError, TechniqueFacts, depicted_tools, parse_illustrations
from backease.figures.words import describe

__all__ = [
    "Figure",
    "Pose",
    "SpecError",
    "TechniqueFacts",
    "depicted_tools",
    "describe",
    "parse_illustrations",
    "render_svg",
    "worked_side",
]
