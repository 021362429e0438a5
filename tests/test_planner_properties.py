"""Property tests: every planner invariant holds for any profile and screening."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backease.content.loader import parse_content
from backease.core.flow import POSITION_ORDER, floor_trips, on_floor
from backease.core.planner import (
    MIN_MINUTES,
    NO_ADAPTATION,
    PainArea,
    Plan,
    Profile,
    _allowed,
    _label,
    _limits,
    _useful_seconds,
    gets_up_to_relax,
    plan_session,
)
from backease.core.programme import LADDER_TOP, is_hold, is_rolling, rung
from backease.core.screening import ScreeningResult, screen
from backease.core.script import plan_countdowns
from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    CAUSES,
    DEFAULT_TOOLS,
    INTENSITIES,
    NO_FLOOR_POSITIONS,
    PHASE_OF_KIND,
    PHASES,
    REGIONS,
    TOOLS,
    region_side,
)

CONTENT = parse_content()
LIBRARY = CONTENT.library
RULES = CONTENT.rules

areas = st.lists(
    st.builds(PainArea, st.sampled_from(REGIONS), st.integers(0, 10), st.booleans()),
    max_size=6,
    unique_by=lambda a: a.region,
).map(tuple)

profiles = st.builds(
    Profile,
    areas=areas,
    causes=st.lists(st.sampled_from(CAUSES), max_size=3, unique=True).map(tuple),
    tools=st.lists(st.sampled_from(TOOLS), max_size=8, unique=True).map(tuple),
    minutes=st.integers(2, 60),
    pressure=st.one_of(st.none(), st.sampled_from(INTENSITIES)),
    no_floor=st.booleans(),
    stress=st.integers(0, 10),
)

region_lists = st.lists(st.sampled_from(REGIONS), max_size=3, unique=True)

answers = st.fixed_dictionaries(
    {},
    optional={
        "anticoagulants": st.just(True),
        "osteoporosis": st.just(True),
        "long_term_steroids": st.just(True),
        "reduced_sensation": st.just(True),
        "arm_pain_or_tingling": st.just(True),
        "pregnancy_weeks": st.integers(4, 40),
        "age": st.integers(18, 95),
        "acute_injury_regions": region_lists,
        "skin_problem_regions": region_lists,
        "recent_surgery_or_fracture_regions": region_lists,
        "constant_or_night_pain": st.just(True),
        "chest_pain": st.just(True),
        "fever": st.just(True),
        "cancer_history": st.just(True),
        "active_cancer_treatment": st.just(True),
        "clinician_cleared": st.just(True),
        "back_lump_or_deformity": st.just(True),
        "lump_regions": st.lists(st.sampled_from([*REGIONS, "not_sure"]), max_size=2, unique=True),
        "immune_risk": st.just(True),
        "pain_after_meals": st.just(True),
    },
)

# --- what each precaution rules out, read from SCREENING.md independently of the content ------

FIRM_TOOLS = {
    "massage_ball",
    "foam_roller",
    "peanut_ball",
    "massage_stick",
    "hook_cane",
    "percussion_massager",
}
"""no_firm_tools: no firm ball, roller, peanut ball, stick or hook-cane lever, massage gun."""
NOT_GENTLE_TOOLS = {"massage_ball", "percussion_massager"}
"""gentle_pressure_only: no firm ball, no massage gun (precautions.yaml says so)."""
TOUCHING_TOOLS = set(TOOLS) - {"hands", "wall", "doorway", "chair", "towel"}
"""Tools that touch the body: no_tools_on_back keeps every one of them off the back."""
BACK = set(REGIONS) - {"chest_left", "chest_right"}
SOON_LIMITS = {
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_firm_tools",
    "no_body_weight_on_tools",
}
"""SCREENING.md: what a soon screen adds."""


def _refused_by_facts(tech: Any, precautions: set[str]) -> set[str]:
    """The precautions a technique breaks, read from its facts independently of `excluded_by`."""
    tools = set(tech.tools)
    facts = {
        "no_spinal_pressure": tech.spinal_pressure,
        "no_sustained_pressure": tech.sustained_pressure,
        "no_neck_pressure": tech.neck_pressure,
        "no_body_weight_on_tools": tech.body_weight_on_tool,
        "no_loaded_end_range": tech.loaded_end_range,
        "no_heat": tech.heat_option or "heat_pack" in tools,
        "no_firm_tools": bool(FIRM_TOOLS & tools),
        "gentle_pressure_only": bool(NOT_GENTLE_TOOLS & tools),
        "no_tools_on_back": bool(TOUCHING_TOOLS & tools) and bool(BACK & set(tech.regions)),
        "no_lying_on_back": tech.position == "supine",
        "no_lying_face_down": tech.position == "prone",
    }
    return {p for p, breaks in facts.items() if breaks and p in precautions}


def _in_force(result: Any) -> set[str]:
    """Every precaution a plan under this screening obeys: its own, and a soon level's."""
    return set(result.precautions) | (SOON_LIMITS if result.level == "soon" else set())


def _check_invariants(profile: Profile, result: ScreeningResult, plan: Plan, swapped: bool = False) -> None:
    """Every invariant of a plan; `swapped` for one the person changed with swap_step."""
    precautions = set(result.precautions)
    if result.level in ("emergency", "urgent"):
        assert plan.steps == () and plan.total_seconds == 0 and plan.refused
        return
    # Total time equals the requested minutes to the second, get-ready countdowns included.
    assert plan.total_seconds == profile.minutes * 60
    assert sum(step.seconds + step.prepare_seconds for step in plan.steps) == plan.total_seconds
    # Each countdown is the one definition the players use.
    assert [s.prepare_seconds for s in plan.steps] == plan_countdowns(LIBRARY, plan.steps)
    # Warm-up first, relaxation last; in between, each position's release before its stretches.
    phases = [PHASE_OF_KIND[step.kind] for step in plan.steps]
    assert phases == sorted(phases, key=lambda p: {"warm_up": 0, "relaxation": 2}.get(p, 1))
    # Every plan ends with relaxation (product brief: a relaxation finish in every plan).
    assert plan.steps[-1].kind == "relaxation", [s.technique for s in plan.steps]
    for a, b in itertools.pairwise(plan.steps):
        if a.position == b.position and {PHASE_OF_KIND[a.kind], PHASE_OF_KIND[b.kind]} <= {
            "release",
            "stretch",
        }:
            assert PHASES.index(PHASE_OF_KIND[a.kind]) <= PHASES.index(PHASE_OF_KIND[b.kind])
    # The session goes down to the floor at most once.
    assert floor_trips(s.position for s in plan.steps) <= 1
    # Positions are grouped: the main work visits each position once, standing and seated
    # (in the order that changes position less) before the floor, the floor in POSITION_ORDER.
    main = [s.position for s in plan.steps if PHASE_OF_KIND[s.kind] in ("release", "stretch")]
    blocks = [p for i, p in enumerate(main) if i == 0 or main[i - 1] != p]
    assert len(blocks) == len(set(blocks))
    down = [p for p in blocks if on_floor(p)]
    assert blocks[len(blocks) - len(down) :] == down == sorted(down, key=POSITION_ORDER.__getitem__)
    avoided = {p[len(AVOID_REGION_PREFIX) :] for p in precautions if p.startswith(AVOID_REGION_PREFIX)}
    tools = set(profile.tools or DEFAULT_TOOLS)
    for step in plan.steps:
        tech = LIBRARY.technique(step.technique)
        assert tech is not None
        # Each step within its technique's bounds, in 5-second quanta, and from 6 minutes
        # on at least its useful length: no 20-second steps.
        assert tech.min_seconds <= step.seconds <= tech.max_seconds
        assert step.seconds % 5 == 0
        if profile.minutes >= 6:
            assert step.seconds >= _useful_seconds(tech)
        assert step.kind == tech.kind and step.position == tech.position
        # Only techniques whose tools are all available.
        assert set(step.tools) <= tools
        # Regions: a subset of the technique's, one side only for a sided step.
        assert set(step.regions) <= set(tech.regions)
        if step.side in ("left", "right"):
            assert tech.per_side
            assert all(region_side(r) in (step.side, "none") for r in step.regions)
        # Precautions are honoured, read from the technique's facts and the contract's words.
        assert not _refused_by_facts(tech, _in_force(result)), (tech.id, _in_force(result))
        assert not avoided & set(step.regions)
        if "gentle_pressure_only" in precautions or result.level == "soon":
            assert step.intensity == "gentle"
        if "no_spinal_pressure" in precautions:
            assert not tech.spinal_pressure
        if "no_sustained_pressure" in precautions:
            assert not tech.sustained_pressure
        if "no_neck_pressure" in precautions:
            assert not tech.neck_pressure
        if "no_lying_on_back" in precautions:
            assert step.position != "supine"
        if "no_lying_face_down" in precautions:
            assert step.position != "prone"
        if profile.no_floor or profile.minutes < 6:
            assert step.position in NO_FLOOR_POSITIONS
        assert tech.variant(step.intensity) is not None
        assert step.reason.strip()
    # Per-side techniques: a technique appears as left and right steps, or one side.
    if swapped:
        return  # what a swap leaves out of the painful regions is the person's choice
    # Every painful region is worked on, or the plan says why not.
    worked = {r for step in plan.steps for r in step.regions}
    for area in profile.areas:
        assert area.region in worked or any(_label(area.region) in note for note in plan.notes)
    # Once on the floor, relaxation stays there, unless no floor relaxation is left to use.
    if gets_up_to_relax(plan.steps):
        limits = _limits(profile, result, profile.minutes < 6, NO_ADAPTATION)
        used = {s.technique for s in plan.steps}
        left = [
            t.id
            for t in LIBRARY.techniques
            if t.kind == "relaxation" and on_floor(t.position) and _allowed(t, limits) and t.id not in used
        ]
        assert not left, f"got up to relax while {left} could be done on the floor"
    assert plan.before and plan.after


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles, raw_answers=answers, seed=st.integers(0, 2**16))
def test_every_plan_honours_every_invariant(profile: Profile, raw_answers: dict[str, Any], seed: int) -> None:
    result = screen(raw_answers, RULES)
    plan = plan_session(profile, result, LIBRARY, seed=seed)
    _check_invariants(profile, result, plan)


@settings(max_examples=50, deadline=None)
@given(profile=profiles, raw_answers=answers, seed=st.integers(0, 2**16))
def test_the_same_input_and_seed_give_the_same_plan(
    profile: Profile, raw_answers: dict[str, Any], seed: int
) -> None:
    result = screen(raw_answers, RULES)
    assert plan_session(profile, result, LIBRARY, seed=seed) == plan_session(
        profile, result, LIBRARY, seed=seed
    )


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.integers(20, 60),
    seed=st.integers(0, 1000),
    painful=st.lists(st.sampled_from(REGIONS), min_size=1, max_size=5, unique=True),
)
def test_with_every_tool_and_time_every_painful_region_gets_a_targeted_step(
    minutes: int, seed: int, painful: list[str]
) -> None:
    profile = Profile(areas=tuple(PainArea(r, 6) for r in painful), tools=TOOLS, minutes=minutes)  # type: ignore[arg-type]
    plan = plan_session(profile, screen({}, RULES), LIBRARY, seed=seed)
    worked = {r for step in plan.steps for r in step.regions if step.kind not in ("warm_up", "relaxation")}
    assert set(painful) <= worked
    assert plan.notes == ()


@pytest.mark.parametrize("minutes", [2, 3, 5, 6, 10, 30, 60])
def test_a_pregnant_user_with_no_tools_and_no_floor_still_gets_a_full_plan(minutes: int) -> None:
    result = screen({"pregnancy_weeks": 30}, RULES)
    profile = Profile(areas=(PainArea("between_shoulder_blades_left", 5),), minutes=minutes, no_floor=True)
    plan = plan_session(profile, result, LIBRARY)
    _check_invariants(profile, result, plan)
    assert {s.position for s in plan.steps} <= {"standing", "seated"}


# --- precautions as data: nothing the content excludes ever reaches a plan ----------------

from dataclasses import dataclass as _dataclass  # noqa: E402

from backease.core.library import Technique  # noqa: E402
from backease.core.planner import step_alternatives  # noqa: E402
from backease.core.vocab import INTENSITY_RANK, PRECAUTIONS  # noqa: E402

TOOLS_BY_ID = {t.id: t for t in LIBRARY.tools}


@_dataclass(frozen=True)
class _Safety:
    level: Any
    precautions: tuple[str, ...]
    advice: str = ""


def _check_obeys(tech: Technique, intensity: str, safety: _Safety) -> None:
    precautions = _in_force(safety)
    assert not _refused_by_facts(tech, precautions), (tech.id, precautions)
    for tool in tech.tools:
        assert not set(TOOLS_BY_ID[tool].excluded_by) & precautions, (tech.id, tool)
    assert not set(tech.excluded_by) & precautions, tech.id
    if "gentle_pressure_only" in precautions:
        assert intensity == "gentle", tech.id
    cap = tech.cap_under(precautions)
    if cap is not None:
        assert INTENSITY_RANK[intensity] <= INTENSITY_RANK[cap], tech.id  # type: ignore[index]


every_tool_profiles = st.builds(
    Profile,
    areas=areas,
    causes=st.lists(st.sampled_from(CAUSES), max_size=3, unique=True).map(tuple),
    tools=st.just(TOOLS),
    minutes=st.integers(2, 60),
    pressure=st.one_of(st.none(), st.sampled_from(INTENSITIES)),
    no_floor=st.just(False),
    stress=st.integers(0, 10),
)


@pytest.mark.parametrize("precaution", PRECAUTIONS)
@settings(max_examples=110, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=every_tool_profiles,
    others=st.lists(st.sampled_from(PRECAUTIONS), max_size=3, unique=True),
    avoided=st.lists(st.sampled_from(REGIONS), max_size=2, unique=True),
    level=st.sampled_from(["self_care_with_precautions", "soon"]),
    seed=st.integers(0, 2**16),
)
def test_no_plan_swap_choice_or_swap_contains_anything_the_content_excludes(
    precaution: str, profile: Profile, others: list[str], avoided: list[str], level: str, seed: int
) -> None:
    # 11 precautions x 110 profiles with every tool at hand = 1,210 plans, each with the
    # swap choices of every step, and the plan once each step is swapped for its first choice.
    from backease.core.planner import swap_step

    regions = [f"{AVOID_REGION_PREFIX}{r}" for r in avoided]
    safety = _Safety(level, tuple(dict.fromkeys([precaution, *others, *regions])))

    def obeyed(steps: Any) -> None:
        for step in steps:
            tech = LIBRARY.technique(step.technique)
            assert tech is not None
            _check_obeys(tech, step.intensity, safety)
            assert not set(avoided) & set(step.regions), (step.technique, avoided)

    plan = plan_session(profile, safety, LIBRARY, seed=seed)
    assert plan.steps and plan.steps[-1].kind == "relaxation"
    obeyed(plan.steps)
    for index in range(len(plan.steps)):
        options = step_alternatives(plan, index, profile, safety, LIBRARY)
        for alternative in options:
            _check_obeys(alternative, "gentle", safety)
        if options:
            swapped = swap_step(plan, index, options[0].id, profile, safety, LIBRARY)
            obeyed(swapped.steps)
            assert swapped.steps[-1].kind == "relaxation"


# --- swaps keep every invariant -------------------------------------------------------------

from backease.core.planner import swap_step  # noqa: E402


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles, raw_answers=answers, seed=st.integers(0, 2**16))
def test_every_swap_offered_keeps_the_time_the_precautions_and_the_position_order(
    profile: Profile, raw_answers: dict[str, Any], seed: int
) -> None:
    result = screen(raw_answers, RULES)
    plan = plan_session(profile, result, LIBRARY, seed=seed)
    for index, step in enumerate(plan.steps):
        options = step_alternatives(plan, index, profile, result, LIBRARY)
        assert options == step_alternatives(plan, index, profile, result, LIBRARY)  # deterministic
        for tech in options:
            swapped = swap_step(plan, index, tech.id, profile, result, LIBRARY)
            assert swapped == swap_step(plan, index, tech.id, profile, result, LIBRARY)
            assert swapped.steps[index].technique == tech.id
            assert sum(s.seconds + s.prepare_seconds for s in swapped.steps) == profile.minutes * 60
            _check_invariants(profile, result, swapped, swapped=True)
            for new in swapped.steps:
                new_tech = LIBRARY.technique(new.technique)
                assert new_tech is not None
                _check_obeys(new_tech, new.intensity, _Safety(result.level, result.precautions))
            assert gets_up_to_relax(swapped.steps) <= gets_up_to_relax(plan.steps), step.technique


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles, raw_answers=answers, seed=st.integers(0, 2**16), step=st.integers(0, LADDER_TOP))
def test_a_dose_never_takes_a_step_past_its_technique_or_the_precautions(
    profile: Profile, raw_answers: dict[str, Any], seed: int, step: int
) -> None:
    result = screen(raw_answers, RULES)
    dose = rung(step, 3)
    plan = plan_session(profile, result, LIBRARY, seed=seed, dose=dose)
    if result.level in ("emergency", "urgent"):
        assert plan.steps == ()
        return
    # Within what the person chose: no longer than their minutes, no firmer than they asked.
    minutes = max(MIN_MINUTES, min(dose.minutes, profile.minutes))
    assert plan.minutes == minutes and plan.total_seconds == minutes * 60
    gentle = "gentle_pressure_only" in result.precautions or result.level == "soon"
    for item in plan.steps:
        tech = LIBRARY.technique(item.technique)
        assert tech is not None
        assert tech.min_seconds <= item.seconds <= tech.max_seconds
        if is_hold(tech):
            assert item.seconds <= max(tech.min_seconds, dose.hold_seconds)
        if is_rolling(tech):
            assert item.seconds <= max(tech.min_seconds, dose.rolling_seconds)
        if gentle:
            assert item.intensity == "gentle"
        lightest = min((v.intensity for v in tech.intensities), key=INTENSITIES.index)
        asked = (
            dose.pressure
            if profile.pressure is None
            else min(dose.pressure, profile.pressure, key=INTENSITIES.index)
        )
        allowed = max(asked, lightest, key=INTENSITIES.index)
        assert INTENSITIES.index(item.intensity) <= INTENSITIES.index(allowed)
        assert not _refused_by_facts(tech, _in_force(result))
