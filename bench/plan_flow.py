"""How well plans flow: steps, position changes, floor trips and wall-clock time.

    .venv/bin/python -m bench.plan_flow [--profiles 1000] [--minutes 15] [--before]

Plans `--profiles` random profiles (the same generator as bench/plan_latency.py, with
the minutes fixed) and prints, over the plans that have steps: steps per plan, position
changes, trips down to the floor, the plans that get up from the floor to relax, those
that come back to a standing or seated position before going down to the floor, the
share of steps under 45 s, the wall-clock length of the session including the get-ready
countdowns the players run before each step, and the share of steps with no swap choice
(`step_alternatives`; one count per left/right pair). For a planner without
`prepare_seconds` (before issue 8) the countdowns are the web player's old fixed lead-ins:
5 s first, 8 s on a new position, 3 s otherwise.

`--before` measures the same plans as the planner made them before relaxation stayed on
the floor and swaps could change position (main at af89e27): plans are made without
`_relax_on_the_floor`, and swap choices are counted with that version's rule
(`same_position_alternatives`).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
from collections.abc import Sequence
from dataclasses import replace

from backease.content.loader import load_content
from backease.core import planner
from backease.core.library import Library, Technique
from backease.core.planner import (
    Plan,
    PlanStep,
    Profile,
    ScreeningOutcome,
    gets_up_to_relax,
    plan_session,
    step_alternatives,
)
from backease.core.screening import screen
from backease.core.vocab import NO_FLOOR_POSITIONS, PHASE_OF_KIND, region_base, region_side
from bench.plan_latency import ANSWER_CHOICES, random_profile


def same_position_alternatives(
    plan: Plan, index: int, profile: Profile, safety: ScreeningOutcome, library: Library
) -> list[Technique]:
    """The swap choices of a step as counted before (main at af89e27): same phase and
    position, the step's own time within the technique's limits, nothing moved."""
    step = plan.steps[index]
    current = library.technique(step.technique)
    if current is None:
        return []
    limits = planner._limits(profile, safety, plan.desk_break, planner.NO_ADAPTATION)
    used = {s.technique for s in plan.steps}
    wanted = {region_base(r) for r in step.regions}
    sides = {s.side for s in plan.steps if s.technique == step.technique}
    out = []
    for tech in library.techniques:
        if tech.id in used or PHASE_OF_KIND[tech.kind] != PHASE_OF_KIND[current.kind]:
            continue
        if not planner._allowed(tech, limits) or tech.per_side != current.per_side:
            continue
        if tech.position != current.position or not tech.min_seconds <= step.seconds <= tech.max_seconds:
            continue
        if wanted and not wanted & {region_base(r) for r in tech.regions}:
            continue
        touched = [r for r in tech.regions if region_side(r) in (*sides, "none") or not tech.per_side]
        if not any(r in limits.avoided for r in touched):
            out.append(tech)
    return out


def countdowns(steps: Sequence[PlanStep]) -> list[int]:
    """Each step's get-ready seconds: the plan's own, or the old web player's lead-ins."""
    out = []
    for i, step in enumerate(steps):
        own = getattr(step, "prepare_seconds", None)
        if own is not None:
            out.append(int(own))
        elif i == 0:
            out.append(5)
        else:
            out.append(8 if steps[i - 1].position != step.position else 3)
    return out


def floor_trips(steps: Sequence[PlanStep]) -> int:
    trips = 0
    down = False
    for step in steps:
        now_down = step.position not in NO_FLOOR_POSITIONS
        if now_down and not down:
            trips += 1
        down = now_down
    return trips


def back_before_the_floor(positions: Sequence[str]) -> bool:
    """Whether a plan comes back to a standing or seated position it left before it goes
    down to the floor (seated, standing, seated, floor)."""
    blocks = [p for i, p in enumerate(positions) if i == 0 or positions[i - 1] != p]
    up = list(itertools.takewhile(lambda p: p in ("standing", "seated"), blocks))
    return len(up) < len(blocks) and len(up) != len(set(up))


def summary(name: str, values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{name:<28} mean {statistics.fmean(values):7.2f}  median {statistics.median(values):6.1f}"
        f"  p95 {p95:6.1f}  max {max(values):6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--before", action="store_true", help="measure the planner as it was at af89e27")
    args = parser.parse_args()
    alternatives = step_alternatives
    if args.before:
        planner._relax_on_the_floor = lambda units, *_: units  # type: ignore[assignment]
        alternatives = same_position_alternatives  # type: ignore[assignment]
    content = load_content()
    rng = random.Random(2026)
    steps_n: list[float] = []
    changes: list[float] = []
    trips: list[float] = []
    short: list[float] = []
    wall: list[float] = []
    shortest: list[float] = []
    up_to_relax = 0
    back_before_floor = 0
    swappable = 0
    swap_steps = 0
    for _ in range(args.profiles):
        profile = replace(random_profile(rng), minutes=args.minutes)
        result = screen(rng.choice(ANSWER_CHOICES), content.rules)
        plan = plan_session(profile, result, content.library, seed=rng.randint(0, 9999))
        steps = plan.steps
        if not steps:
            continue
        steps_n.append(len(steps))
        changes.append(sum(1 for a, b in itertools.pairwise(steps) if a.position != b.position))
        trips.append(floor_trips(steps))
        short.append(100 * sum(1 for s in steps if s.seconds < 45) / len(steps))
        shortest.append(min(s.seconds for s in steps))
        wall.append(sum(s.seconds for s in steps) + sum(countdowns(steps)))
        if gets_up_to_relax(steps):
            up_to_relax += 1
        if back_before_the_floor([s.position for s in steps]):
            back_before_floor += 1
        seen: set[str] = set()
        for index, step in enumerate(steps):
            if step.technique in seen:
                continue  # the other side of a step already counted
            seen.add(step.technique)
            swap_steps += 1
            if alternatives(plan, index, profile, result, content.library):
                swappable += 1
    print(f"{len(steps_n)} plans of {args.minutes} minutes ({args.profiles} random profiles)")
    print(summary("steps per plan", steps_n))
    print(summary("position changes", changes))
    print(summary("trips to the floor", trips))
    print(f"{'plans with 2+ floor trips':<28} {sum(1 for t in trips if t >= 2)}")
    print(f"{'plans that get up to relax':<28} {up_to_relax}")
    print(f"{'seated/standing, then back':<28} {back_before_floor} (e.g. seated, standing, seated, floor)")
    print(summary("% of steps under 45 s", short))
    print(summary("shortest step (s)", shortest))
    print(summary("wall clock (s)", wall))
    print(f"{'plans off the minutes asked':<28} {sum(1 for w in wall if w != args.minutes * 60)}")
    none = swap_steps - swappable
    print(f"{'steps with no swap choice':<28} {none} of {swap_steps} ({100 * none / swap_steps:.1f} %)")


if __name__ == "__main__":
    main()
