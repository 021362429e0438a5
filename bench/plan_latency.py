"""Planner speed and CLI cold start, measured in one run.

    .venv/bin/python bench/plan_latency.py [--profiles 1000] [--runs 20]

Prints the median and p95 time of `plan_session` over varied profiles and the cold
start of `backease plan --json` as a ratio to a bare `python -c pass` measured in the
same run. Targets (issue 2): median plan < 5 ms; cold start <= 10x bare Python.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backease.content.loader import load_content
from backease.core.planner import PainArea, Profile, plan_session
from backease.core.screening import screen
from backease.core.vocab import CAUSES, INTENSITIES, REGIONS, TOOLS

ANSWER_CHOICES = [
    {},
    {},
    {"anticoagulants": True},
    {"osteoporosis": True},
    {"pregnancy_weeks": 24},
    {"acute_injury_regions": ["lats_left"]},
    {"arm_pain_or_tingling": True},
    {"age": 72},
]


def random_profile(rng: random.Random) -> Profile:
    regions = rng.sample(REGIONS, rng.randint(0, 5))
    return Profile(
        areas=tuple(PainArea(r, rng.randint(0, 10), rng.random() < 0.2) for r in regions),
        causes=tuple(rng.sample(CAUSES, rng.randint(0, 3))),
        tools=tuple(rng.sample(TOOLS, rng.randint(0, 8))),
        minutes=rng.randint(2, 60),
        pressure=rng.choice([None, *INTENSITIES]),
        no_floor=rng.random() < 0.2,
        stress=rng.randint(0, 10),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_planner(count: int) -> None:
    content = load_content()
    rng = random.Random(2026)
    cases = [
        (random_profile(rng), screen(rng.choice(ANSWER_CHOICES), content.rules), rng.randint(0, 9999))
        for _ in range(count)
    ]
    for profile, result, seed in cases[:20]:  # warm up
        plan_session(profile, result, content.library, seed=seed)
    timings = []
    for profile, result, seed in cases:
        start = time.perf_counter()
        plan_session(profile, result, content.library, seed=seed)
        timings.append((time.perf_counter() - start) * 1000)
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"plan_session over {count} varied profiles:")
    print(f"  median {median:.2f} ms, p95 {p95:.2f} ms, max {max(timings):.2f} ms")
    print(f"  target median < 5 ms: {'PASS' if median < 5 else 'FAIL'}")


def time_command(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    # The first run warms the OS file cache and the content cache.
    subprocess.run(command, capture_output=True, check=False, env=env)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def bench_cold_start(runs: int) -> None:
    backease = str(Path(sys.executable).with_name("backease"))
    plan_args = [backease, "plan", "--minutes", "15", "--area", "lats_left:5", "--json"]
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as used:
        # Never the person's own store: an empty data folder, and one with a saved safety check.
        base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        fresh = base | {"BACKEASE_DATA_DIR": empty}
        stored = base | {"BACKEASE_DATA_DIR": used}
        answers = Path(used) / "answers.json"
        answers.write_text("{}")
        subprocess.run(
            [backease, "screen", "--answers", str(answers)], capture_output=True, check=True, env=stored
        )
        bare = time_command([sys.executable, "-c", "pass"], runs)
        plan = time_command(plan_args, runs, fresh)
        plan_stored = time_command(plan_args, runs, stored)
        screen_cmd = time_command([backease, "library", "--json"], runs, fresh)
    print(f"cold start, median of {runs} runs:")
    print(f"  python -c pass:          {bare:7.1f} ms")
    print(f"  backease plan --json:    {plan:7.1f} ms  ({plan / bare:.1f}x bare Python; nothing stored yet)")
    print(f"  the same, with a store:  {plan_stored:7.1f} ms  ({plan_stored / bare:.1f}x; reads and saves)")
    print(f"  backease library --json: {screen_cmd:7.1f} ms  ({screen_cmd / bare:.1f}x bare Python)")
    print(f"  target plan <= 10x (nothing stored): {'PASS' if plan / bare <= 10 else 'FAIL'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bench_planner(args.profiles)
    bench_cold_start(args.runs)


if __name__ == "__main__":
    main()
