"""How much of a session the voice speaks, over many plans (issue 16 item 3).

    .venv/bin/python bench/speech_share.py             # 1,000 seeded plans
    .venv/bin/python bench/speech_share.py --plans 200

Plays varied plans (areas, tools, 5-30 minutes, the floor or not, precautions; the same
generator as tests/test_script_speech.py) through a model of the browser's speech queue
(tests/speech_model.py), at the web player's default and slowest rates, and prints the
share of session time the voice is speaking, what a person misses, and how much the
get-ready waits at the slower rate. The baseline, in the same run and on the same plans,
is the web player before the schedule: its first-time monologue, queued over the
countdown and the timer (the issue measured 740 of 900 s, 82 %). Target: at most 25 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backease.content.loader import load_content
from backease.core.script import DEFAULT_WPS, SLOWEST_WPS
from tests.speech_model import old_script, play, problems, varied_plans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=16)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
