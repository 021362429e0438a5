"""The installable web app: the manifest and the service worker (docs/phone.md).

The service worker is served from the root (`/sw.js`) so it may control every page,
with `Service-Worker-Allowed: /`. Its script is the static file front/sw.js with two
lines put in front: a version (a hash of the static files, so an update replaces the
old caches) and the list of static files to keep for offline use.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.templatetags.static import static
from django.urls import reverse

STATIC_DIR = Path(__file__).parent / "static"
SHELL_FILES = (
    "front/app.css",
    "front/app.js",
    "front/print.css",
    "front/player.css",
    "front/player.js",
    "front/offline.js",
    "front/zone.js",
    "front/notify.js",
    "front/icon.svg",
    "front/icons/app.svg",
    "front/icons/icon-192.png",
    "front/icons/icon-512.png",
    "front/icons/maskable-512.png",
    "front/vendor/htmx.min.js",
)
"""Static files the pages need, kept by the service worker when it installs (the others
are kept as they are first used)."""

THEME_COLOUR = "#2f6f62"


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: name, icons, colours, start page, standalone display."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    data = {
        "name": "backease: self-care for upper back pain",
        "short_name": "backease",
        "description": "Safe, timed self-massage and stretching sessions for upper back pain.",
        "id": "/",
        "start_url": reverse("today"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "lang": "en",
        "icons": [
            {"src": static("front/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("front/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("front/icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("front/icons/app.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Type"] = "application/manifest+json"
    return response


@cache
def _worker_script() -> str:
    source = (STATIC_DIR / "front" / "sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for name in SHELL_FILES:
        path = STATIC_DIR / name
        if path.exists():
            digest.update(path.read_bytes())
    shell = [static(name) for name in SHELL_FILES if (STATIC_DIR / name).exists()]
    header = (
        f"const VERSION = {json.dumps(digest.hexdigest()[:16])};\n"
        f"const SHELL = {json.dumps(shell)};\n"
        f"const OFFLINE_URL = {json.dumps(reverse('offline'))};\n"
    )
    return header + source


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, allowed to control the whole site."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    response = HttpResponse(_worker_script(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
