"""How much of a session the voice speaks, over many plans (issue 16 item 3).

    .venv/bin/python bench/speech_share.py             # 1,000 seeded plans
    .venv/bin/python bench/speech_share.py --plans 200
    .venv/bin/python bench/speech_share.py --espeak 30  # also say 30 plans' get-readies with espeak-ng

Plays varied plans (areas, tools, 5-30 minutes, the floor or not, precautions; the same
generator as tests/test_script_speech.py) through a model of the browser's speech queue
(tests/speech_model.py), at the web player's default and slowest rates, and prints the
share of session time the voice is speaking, what a person misses, and how much the
get-ready waits at the slower rate. The baseline, in the same run and on the same plans,
is the web player before the schedule: its first-time monologue, queued over the
countdown and the timer (the issue measured 740 of 900 s, 82 %). Target: at most 25 %.

`--espeak N` checks the model's words-a-second figure against a real voice: the must-hear
get-ready lines of N plans are said with espeak-ng at the web player's default rate (175
words a minute x 0.95) and at its slowest (x 0.5), timed with soxi, and compared with each
step's countdown. Needs espeak-ng and sox.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backease.content.loader import load_content
from backease.core.planner import Plan
from backease.core.script import DEFAULT_RATE, DEFAULT_WPS, LINE_GAP, SLOWEST_RATE, SLOWEST_WPS
from tests.speech_model import old_script, play, problems, varied_plans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--espeak", type=int, default=0, help="say this many plans' get-readies with espeak-ng"
    )
    args = parser.parse_args()
    content = load_content()
    started = time.perf_counter()
    plans = list(varied_plans(args.plans, content.library, content.rules, seed=args.seed))
    total = sum(p.total_seconds for p in plans)
    made = time.perf_counter() - started
    print(f"{len(plans)} plans, {total / 3600:.1f} hours of sessions (made in {made:.1f} s)")
    for name, wps in (("default", DEFAULT_WPS), ("slowest", SLOWEST_WPS)):
        for player in ("old", "rules"):
            heard = missed = waited = played = 0.0
            missed_lines = 0
            for plan in plans:
                steps = old_script(plan, content.library) if player == "old" else list(plan.steps)
                playback = play(steps, wps, player)
                heard += playback.heard_seconds()
                played += playback.total
                waited += playback.total - plan.total_seconds
                found = problems(steps, playback, budget=False)
                missed += bool(found)
                missed_lines += len(found)
            label = "before (monologue)" if player == "old" else "the schedule      "
            share = 100 * heard / played
            print(
                f"  {name:<7} rate ({wps:.2f} words/s), {label}: speech {share:5.1f} % of session time;"
                f" plans with something missed {int(missed):4d} ({missed_lines} lines/steps);"
                f" get-ready waited {waited / len(plans):5.1f} s a plan"
            )
    if args.espeak:
        return espeak_check(plans[: args.espeak])
    return 0


ESPEAK_WPM = 175
"""espeak-ng's default rate in words a minute: the rate 1.0 of `core.script.NORMAL_WPS`."""


def espeak_check(plans: list[Plan]) -> int:
    """Say each step's must-hear get-ready lines with espeak-ng and compare with its countdown."""
    missing = [tool for tool in ("espeak-ng", "soxi") if shutil.which(tool) is None]
    if missing:
        print(f"needs {' and '.join(missing)}: apt-get install espeak-ng sox", file=sys.stderr)
        return 1
    said: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"

        def seconds(text: str, wpm: int) -> float:
            if (text, wpm) not in said:
                subprocess.run(["espeak-ng", "-s", str(wpm), "-w", str(wav), text], check=True)
                out = subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True)
                said[(text, wpm)] = float(out.stdout)
            return said[(text, wpm)]

        for name, rate in (("default", DEFAULT_RATE), ("slowest", SLOWEST_RATE)):
            wpm = round(ESPEAK_WPM * rate)
            shares: list[float] = []
            waits: list[float] = []
            for plan in plans:
                for step in plan.steps:
                    lines = [line for line in step.script if line.phase == "prepare" and line.must_hear]
                    if not lines:
                        continue
                    spoken = sum(seconds(line.text, wpm) for line in lines) + LINE_GAP * (len(lines) - 1)
                    shares.append(spoken / step.prepare_seconds)
                    waits.append(max(0.0, spoken - step.prepare_seconds))
            over = [w for w in waits if w > 0]
            print(
                f"  espeak-ng at {wpm} words a minute ({name} rate): {len(shares)} get-readies said in"
                f" {100 * statistics.median(shares):.0f} % of their countdown (median, max"
                f" {100 * max(shares):.0f} %); {len(over)} ran over it"
                + (f", by {max(over):.1f} s at most (the timer waits)" if over else "")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
