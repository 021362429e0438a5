"""Illustrations for every technique, drawn from data (see docs/illustrations.md).

`body` is the articulated body model (proportions, joint angles, landmarks), `demo` stages a
figure's key poses, tool and props in time, `scene` flattens a posed body for a view, `draw`
writes the moving scene and its key poses, `panel` the target panel and `render` the whole
SVG; `spec` checks the specs in backease/content/figures.yaml, and `words` writes the text
alternative from the same spec. No Django here. The figures are made by this project and
shared under the project's licence (Apache-2.0).
"""

from backease.figures.demo import Figure
from backease.figures.render import render_svg, worked_side
from backease.figures.spec import SpecError, TechniqueFacts, parse_figures_file
from backease.figures.words import describe

__all__ = [
    "Figure",
    "SpecError",
    "TechniqueFacts",
    "describe",
    "parse_figures_file",
    "render_svg",
    "worked_side",
]
