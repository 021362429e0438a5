"""`{% technique_figure %}`: a technique's figure, drawn from its spec (backease.figures)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import mark_safe

from backease.content.loader import load_content
from backease.figures import describe, render_svg

register = template.Library()


@register.simple_tag
def figure_url(technique: str, side: str = "") -> str:
    """The URL of a technique's figure file for `side`, with the figures' version (so it is
    cached for a year and refetched when the figures change)."""
    from django.urls import reverse

    from backease.front.figure_views import figures_version

    query = f"side={side}&" if side in ("left", "right", "both") else ""
    return f"{reverse('figure_svg', args=[technique])}?{query}v={figures_version()}"


@register.inclusion_tag("front/_figure.html", takes_context=True)
def technique_figure(
    context: template.Context,
    technique: str,
    side: str = "",
    size: str = "page",
    caption: bool = False,
    still: bool = False,
    as_file: bool = False,
) -> dict[str, Any]:
    """The figure for `technique` on `side` ("left", "right", "both" or ""), as inline SVG.

    `size` is a CSS hook ("page", "card", "player", "handout", "report"); `caption` also
    shows the text alternative under the picture (on the technique page and in print);
    `still` draws the key poses side by side and nothing moves (handouts and reports:
    paper does not move). `as_file` links the figure file instead (an `<img>`, loaded when
    it comes into view and cached: a page of many figures stays light).
    """
    content = load_content()
    figure = content.figures.get(technique)
    if figure is None:
        return {"figure": None}
    # Several figures can share a page: number them so the ids inside each SVG stay unique.
    counter = context.render_context.setdefault("technique_figure_count", [0])
    counter[0] += 1
    labels: dict[str, str] = {r.id: r.label for r in content.library.regions}
    words = describe(figure, side, labels)
    if as_file:
        src = figure_url(technique, side)
        return {"figure": figure, "src": src, "words": words, "size": size, "caption": caption}
    title = f"How to do it: {figure.name}"
    svg = render_svg(figure, side, title=title, description=words, uid=f"{counter[0]}", still=still)
    return {"figure": figure, "svg": mark_safe(svg), "words": words, "size": size, "caption": caption}
