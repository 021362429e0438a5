"""A sheet of every technique's figure, to look at them all at phone width.

    .venv/bin/python scripts/figure_sheet.py --out /tmp/sheet            # key poses, both sides
    .venv/bin/python scripts/figure_sheet.py --out /tmp/sheet --moving   # 4 moments of each loop
    .venv/bin/python scripts/figure_sheet.py --out /tmp/sheet --ids cat_cow,thread_the_needle

Writes sheet.html (every figure, key poses side by side as on paper) and, with Chromium
(BACKEASE_CHROMIUM or /usr/bin/chromium), PNG pages of a few figures each at a phone's
width (390 CSS px), named page-01.png, page-02.png, ... With --moving, each figure is shown
at four moments of its loop instead (the animation paused there). It prints each figure's
size on the wire (gzip) with the median and the largest.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backease.content.loader import parse_content
from backease.figures import describe, render_svg

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{margin:0;padding:6px;font:13px system-ui,sans-serif;background:{bg};color:{fg}}}
h2{{font-size:13px;margin:10px 0 2px}} .row{{display:flex;flex-wrap:wrap;gap:4px}}
.cell{{width:{cell}}} svg{{width:100%;height:auto;border:1px solid #ccc;border-radius:6px;background:{card}}}
p{{margin:2px 0 8px;font-size:11px;color:{muted}}}</style></head><body>{body}
<script>
for (const svg of document.querySelectorAll('svg[data-at]')) {{
  svg.pauseAnimations(); svg.setCurrentTime(parseFloat(svg.dataset.at));
}}
</script></body></html>"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ids", default="", help="comma-separated technique ids (default: all)")
    parser.add_argument("--moving", action="store_true", help="four moments of each loop")
    parser.add_argument("--per-page", type=int, default=6)
    parser.add_argument("--dark", action="store_true", help="dark page colours")
    parser.add_argument("--no-png", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio of the PNGs")
    parser.add_argument("--grid", action="store_true", help="figures only, two to a row, 1200 px wide")
    args = parser.parse_args()
    content = parse_content()
    labels = {r.id: r.label for r in content.library.regions}
    wanted = [i for i in args.ids.split(",") if i]
    techniques = [t for t in content.library.techniques if not wanted or t.id in wanted]
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("page-*.*"):
        old.unlink()
    blocks: list[str] = []
    sizes: list[tuple[int, str]] = []
    for tech in techniques:
        figure = content.figures[tech.id]
        sides = ["right", "left"] if tech.per_side else [""]
        cells = []
        for side in sides:
            words = describe(figure, side, labels)
            title = f"How to do it: {tech.name}"
            live = render_svg(
                figure, side, title=title, description=words, uid=f"{tech.id}{side}", standalone=True
            )
            sizes.append((len(gzip.compress(live.encode(), 9)), f"{tech.id} {side}".strip()))
            if args.moving:
                for k, frac in enumerate((0.0, 0.25, 0.5, 0.75)):
                    svg = render_svg(figure, side, title=title, uid=f"{tech.id}{side}{k}")
                    at = _loop_seconds(svg) * frac
                    cells.append(svg.replace("<svg ", f'<svg data-at="{at:.2f}" ', 1))
            else:
                cells.append(render_svg(figure, side, title=title, uid=f"{tech.id}{side}s", still=True))
            if not args.grid:
                cells.append(f"<p>{escape(side or 'both sides')}: {escape(words)}</p>")
        width = "49%" if args.moving or args.grid else "100%"
        inner = "".join(f'<div class="cell">{c}</div>' if c.startswith("<svg") else c for c in cells)
        blocks.append(
            f'<section><h2>{escape(tech.id)}</h2><div class="row" style="--w:{width}">{inner}</div></section>'
        )
    colours = (
        {"bg": "#121817", "fg": "#e7eeec", "card": "#1b2322", "muted": "#a8b7b3"}
        if args.dark
        else {"bg": "#f6f4ef", "fg": "#1d2727", "card": "#ffffff", "muted": "#4a5857"}
    )
    cell = "49%" if args.moving or args.grid else "100%"
    (args.out / "sheet.html").write_text(
        PAGE.format(body="".join(blocks), cell=cell, **colours), encoding="utf-8"
    )
    values = sorted(s for s, _ in sizes)
    largest = max(sizes)
    print(
        f"{len(sizes)} figures; gzip size median {statistics.median(values) / 1024:.1f} KB, "
        f"largest {largest[0] / 1024:.1f} KB ({largest[1]})"
    )
    if not args.no_png:
        chromium = os.environ.get("BACKEASE_CHROMIUM", "/usr/bin/chromium")
        per = args.per_page
        for page, start in enumerate(range(0, len(blocks), per), 1):
            html = args.out / f"page-{page:02d}.html"
            html.write_text(
                PAGE.format(body="".join(blocks[start : start + per]), cell=cell, **colours), encoding="utf-8"
            )
            png = args.out / f"page-{page:02d}.png"
            height = 290 * per * (2 if not args.moving else 1) + 60
            page_width = 1200 if args.grid else 390
            if args.grid:
                height = 460 * per
            subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--force-device-scale-factor={args.scale}",
                 f"--window-size={page_width},{height}", f"--screenshot={png}", html.as_uri()],
                check=False, capture_output=True, timeout=120,
            )  # fmt: skip
        print(f"wrote {args.out / 'sheet.html'} and {page} PNG pages")
    return 0


def _loop_seconds(svg: str) -> float:
    import re

    found = re.findall(r'dur="([0-9.]+)s"', svg)
    return max((float(x) for x in found), default=1.0)


if __name__ == "__main__":
    raise SystemExit(main())
