"""Render the app icons (PNG) from their SVG sources with the browser the tests use.

    .venv/bin/python scripts/make_icons.py

Writes icon-192.png, icon-512.png and maskable-512.png next to the SVGs in
backease/front/static/front/icons/. The maskable icon keeps its drawing inside the
central safe zone (80 % circle) and fills the whole square, as launchers crop it.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "backease" / "front" / "static" / "front" / "icons"
CHROMIUM = os.environ.get("BACKEASE_CHROMIUM", "/usr/bin/chromium")
OUTPUTS = (
    ("app.svg", "icon-192.png", 192),
    ("app.svg", "icon-512.png", 512),
    ("maskable.svg", "maskable-512.png", 512),
)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for source, target, size in OUTPUTS:
            page = browser.new_page(viewport={"width": size, "height": size})
            svg = (ICONS / source).read_text(encoding="utf-8")
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f"<html><body style='margin:0;background:transparent'>{sized}</body></html>")
            page.screenshot(
                path=str(ICONS / target),
                omit_background=True,
                clip={"x": 0, "y": 0, "width": size, "height": size},
            )
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
