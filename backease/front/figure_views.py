"""`GET /figures/<technique>.svg`: one technique's figure as a file (no personal data).

For reuse where inline SVG does not fit: the Library's small moving previews, handouts
and anything else that links to a picture. The answer depends only on the content and the
query, so it is cacheable: an ETag, a day's max-age, and a year (immutable) when the URL
carries the figures' version (`v=`, see `figures_version`); it is sent compressed.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from backease import __version__
from backease.content.loader import CONTENT_DIR, load_content
from backease.figures import describe, render_svg
from backease.figures.render import FORMAT

SIDES = ("", "left", "right", "both")


@cache
def figures_version() -> str:
    """A short digest of what the figures are drawn from: the code's version, the
    renderer's format and the content files."""
    digest = hashlib.blake2b(f"{__version__}:{FORMAT}".encode(), digest_size=6)
    for path in sorted(CONTENT_DIR.rglob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _bad(field: str, message: str) -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {message}", "field": field}, status=400)


@require_GET
@gzip_page  # a figure holds no secret, so compressing it leaks nothing (BREACH)
def figure_svg(request: HttpRequest, technique: str) -> HttpResponse:
    """One figure: `side` (left, right or both), `still=1` (key poses side by side),
    `preview=1` (the scene without the target panel, for small previews)."""
    content = load_content()
    figure = content.figures.get(technique)
    if figure is None:
        return JsonResponse(
            {"detail": f"technique: no technique '{technique[:40]}'", "field": "technique"}, status=404
        )
    side = request.GET.get("side", "")
    if side not in SIDES:
        return _bad("side", f"must be left, right or both, not '{side[:20]}'")
    flags = {}
    for name in ("still", "preview"):
        value = request.GET.get(name, "0")
        if value not in ("0", "1"):
            return _bad(name, f"must be 0 or 1, not '{value[:20]}'")
        flags[name] = value == "1"
    etag = (
        '"'
        + hashlib.blake2b(
            f"{figures_version()}:{technique}:{side}:{flags}".encode(), digest_size=10
        ).hexdigest()
        + '"'
    )
    versioned = request.GET.get("v") == figures_version()
    cache_control = "public, max-age=31536000, immutable" if versioned else "public, max-age=86400"
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        labels: dict[str, str] = {r.id: r.label for r in content.library.regions}
        svg = render_svg(
            figure,
            side,
            title=f"How to do it: {figure.name}",
            description=describe(figure, side, labels),
            uid="f",
            still=flags["still"],
            standalone=True,
            panel=not flags["preview"],
        )
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
