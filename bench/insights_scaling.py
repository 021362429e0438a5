"""How `summarize()` scales with the length of a person's history.

    .venv/bin/python bench/insights_scaling.py [--runs 7] [--seed 2026]

Builds synthetic histories of daily sessions (about 8 steps each from 40 techniques,
about 70 % rated before and after, a diary entry every other day) ending at `now`, and
times `backease.core.insights.summarize` on 100, 1,000, 3,650, 10,000 and 100,000
sessions: the median of several runs, the time per session, and the growth ratio
between sizes (time ratio / size ratio; 1.0 is linear). Target (issue 4): 10 years of
daily use (3,650 sessions) in < 100 ms, and near-linear growth.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from backease.core.history import PainRecord, SessionRecord, StepRecord
from backease.core.insights import estimate_effects, summarize
from backease.core.vocab import INTENSITIES, REGIONS

SIZES = (100, 1_000, 3_650, 10_000, 100_000)
TARGET_SIZE = 3_650
TARGET_MS = 100.0
TECHNIQUES = tuple(f"technique_{i:02d}" for i in range(40))
NOW = datetime(2026, 6, 10, 20, 0, tzinfo=ZoneInfo("Europe/London"))


def synthetic(count: int, seed: int) -> tuple[list[SessionRecord], list[PainRecord]]:
    rng = random.Random(seed)
    first = NOW.astimezone(UTC) - timedelta(days=count)
    sessions, entries = [], []
    for day in range(count):
        moment = first + timedelta(days=day, minutes=rng.randint(0, 600))
        chosen = rng.sample(TECHNIQUES, 6)
        steps = [
            StepRecord(
                t,
                "both",
                90,
                rng.choice([0, 90, 90, 90]),
                rng.choice(INTENSITIES),
                rng.choice(["", "", "too_much"]),
            )
            for t in chosen
        ]
        steps += [
            StepRecord(chosen[1], "left", 60, 60, "moderate"),
            StepRecord(chosen[1], "right", 60, 60, "moderate"),
        ]
        before = rng.randint(2, 8)
        rated = rng.random() < 0.7
        sessions.append(
            SessionRecord(
                started_at=moment,
                status="completed" if rng.random() < 0.9 else "stopped",
                pain_before=before,
                pain_after=max(0, before - rng.randint(-1, 3)) if rated else None,
                stress_before=rng.randint(0, 10),
                stress_after=rng.randint(0, 10),
                steps=tuple(steps),
            )
        )
        if day % 2 == 0:
            entries.append(
                PainRecord(
                    moment + timedelta(hours=3),
                    rng.randint(0, 10),
                    rng.choice(["", *REGIONS]),
                    rng.randint(0, 10),
                )
            )
    return sessions, entries


def timings_ms(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """The median and the fastest of `runs` calls, in milliseconds, after one warm-up call."""
    call()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"summarize() over synthetic daily histories (median of {args.runs} runs, 3 for 100,000):")
    print(
        f"  {'sessions':>9} {'steps':>9} {'diary':>7} {'ms/call':>9} {'fastest':>9} "
        f"{'us/session':>11} {'growth':>7}"
    )
    previous: tuple[int, float] | None = None
    results: dict[int, float] = {}
    for size in SIZES:
        sessions, entries = synthetic(size, args.seed)
        steps = sum(len(s.steps) for s in sessions)
        runs = 3 if size >= 100_000 else args.runs
        ms, fastest = timings_ms(partial(summarize, sessions, entries, NOW), runs)
        results[size] = ms
        growth = "" if previous is None else f"{(ms / previous[1]) / (size / previous[0]):.2f}"
        print(
            f"  {size:>9,} {steps:>9,} {len(entries):>7,} {ms:>9.2f} {fastest:>9.2f} "
            f"{ms * 1000 / size:>11.2f} {growth:>7}"
        )
        if size == TARGET_SIZE:
            effects, _ = timings_ms(partial(estimate_effects, sessions), args.runs)
            print(f"  {'':>9} of which estimate_effects: {effects:.2f} ms")
        previous = (size, ms)
    verdict = "PASS" if results[TARGET_SIZE] < TARGET_MS else "FAIL"
    print(
        f"target: {TARGET_SIZE:,} sessions (10 years of daily use) < {TARGET_MS:.0f} ms: "
        f"{results[TARGET_SIZE]:.1f} ms {verdict}"
    )
    overall = (results[SIZES[-1]] / results[1_000]) / (SIZES[-1] / 1_000)
    print(f"growth 1,000 -> 100,000 sessions: {overall:.2f} (time ratio / size ratio; 1.0 is linear)")


if __name__ == "__main__":
    main()
