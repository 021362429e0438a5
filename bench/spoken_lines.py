"""Say every spoken line of the library with espeak-ng and time it (docs/content.md).

    .venv/bin/python bench/spoken_lines.py            # every line, both sides of per-side ones
    .venv/bin/python bench/spoken_lines.py --rate 120 # espeak-ng's words per minute (default 175)

Prints the words per second espeak-ng speaks them at, and the longest line of each kind,
so the word limits of the content check (`SPOKEN_WORD_LIMITS`) can be read as seconds.
Needs espeak-ng and sox (`apt-get install espeak-ng sox`); says so and exits 1 without them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def seconds(text: str, rate: int, folder: Path) -> float:
    """How long espeak-ng takes to say `text` (the WAV file's length, silence included)."""
    wav = folder / "line.wav"
    subprocess.run(["espeak-ng", "-s", str(rate), "-w", str(wav), text], check=True)
    out = subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=175, help="espeak-ng words per minute (its default: 175)")
    args = parser.parse_args()
    missing = [tool for tool in ("espeak-ng", "soxi") if shutil.which(tool) is None]
    if missing:
        print(f"needs {' and '.join(missing)}: apt-get install espeak-ng sox", file=sys.stderr)
        return 1
    from backease.content.loader import load_content
    from backease.core.library import SPOKEN_WORD_LIMITS
    from backease.core.sides import render_technique, spoken_texts

    rows: list[tuple[str, str, int, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for tech in load_content().library.techniques:
            for side in ("left", "right") if tech.per_side else ("none",):
                for name, line in spoken_texts(render_technique(tech, side).spoken).items():
                    kind = name.split(".")[0]
                    rows.append((tech.id, kind, len(line.split()), seconds(line, args.rate, Path(tmp)), line))
    words = sum(r[2] for r in rows)
    total = sum(r[3] for r in rows)
    print(f"espeak-ng at {args.rate} words a minute: {len(rows)} lines, {words} words in {total:.0f} s")
    median = statistics.median(r[2] / r[3] for r in rows)
    print(f"  {words / total:.2f} words a second overall (per line: median {median:.2f})")
    for kind, limit in SPOKEN_WORD_LIMITS.items():
        of_kind = [r for r in rows if r[1] == kind]
        longest = max(of_kind, key=lambda r: r[3])
        mean = statistics.mean(r[3] for r in of_kind)
        print(
            f"  {kind:<12} (at most {limit:>2} words): mean {mean:4.1f} s, longest {longest[3]:4.1f} s"
            f" ({longest[2]} words, {longest[0]}): {longest[4]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
