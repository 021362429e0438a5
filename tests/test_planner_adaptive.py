"""Adaptive planning: what helped is preferred, too much eases, sharp pain turns off."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from backease.content.loader import parse_content
from backease.core.history import TechniqueEffect
from backease.core.library import Library
from backease.core.planner import Adaptation, PainArea, Profile, plan_session
from backease.core.screening import RuleSet, screen
from backease.core.vocab import INTENSITIES

TECHNIQUE_IDS = parse_content().library.technique_ids()
PROFILE = Profile(
    minutes=15, areas=(PainArea("upper_trapezius_left", 6),), tools=("hands", "wall", "tennis_ball")
)


def effect(
    technique: str, estimate: float, sessions: int = 8, helped: int = 0, **kw: object
) -> TechniqueEffect:
    return TechniqueEffect(
        technique=technique,
        sessions=sessions,
        helped=helped,
        estimate=estimate,
        sd=0.3,
        low=estimate - 0.6,
        high=estimate + 0.6,
        **kw,  # type: ignore[arg-type]
    )


def techniques(plan: object) -> list[str]:
    return [s.technique for s in plan.steps]  # type: ignore[attr-defined]


def test_without_history_the_plan_is_the_plain_one(library: Library, rules: RuleSet) -> None:
    result = screen({}, rules)
    assert plan_session(PROFILE, result, library, seed=3, adaptation=Adaptation()) == plan_session(
        PROFILE, result, library, seed=3
    )


def test_a_technique_that_helped_is_chosen_more_often_and_says_why(library: Library, rules: RuleSet) -> None:
    result = screen({}, rules)
    base = [plan_session(PROFILE, result, library, seed=seed) for seed in range(30)]
    # A usable technique that is rarely chosen for this profile without history. The
    # stretch slots all go to the painful area here, so the free choice is relaxation
    # (seated, like the rest of this plan, so flow does not decide it).
    counts = Counter(t for plan in base for t in set(techniques(plan)))
    candidate = next(
        t.id
        for t in library.techniques
        if t.kind in ("stretch", "mobility", "relaxation")
        and t.position == "seated"
        and set(t.tools) <= set(PROFILE.tools)
        and not t.per_side
        and counts[t.id] < 10
    )
    learned = Adaptation(effects=(effect(candidate, -2.0, sessions=6, helped=5),), learned=True)
    adapted = [plan_session(PROFILE, result, library, seed=seed, adaptation=learned) for seed in range(30)]
    chosen = sum(candidate in techniques(plan) for plan in adapted)
    assert chosen > counts[candidate]
    reasons = [s.reason for plan in adapted for s in plan.steps if s.technique == candidate]
    assert reasons and all("helped you in 5 of 6 sessions" in r for r in reasons)


def test_exploration_still_tries_techniques_without_data(library: Library, rules: RuleSet) -> None:
    result = screen({}, rules)
    favourite = plan_session(PROFILE, result, library, seed=0)
    learned = Adaptation(effects=tuple(effect(t, -1.0) for t in set(techniques(favourite))), learned=True)
    seen = {
        t for seed in range(40) for t in techniques(plan_session(PROFILE, result, library, seed, learned))
    }
    assert seen - set(techniques(favourite))


def test_too_much_lowers_that_techniques_intensity_from_then_on(library: Library, rules: RuleSet) -> None:
    profile = Profile(minutes=15, tools=("foam_roller", "tennis_ball", "wall", "hands"), pressure="firm")
    result = screen({}, rules)
    plan = plan_session(profile, result, library)
    firm = next(s for s in plan.steps if s.intensity == "firm")
    eased = Adaptation(effects=(effect(firm.technique, 0.0, too_much=1, too_much_intensity="firm"),))
    again = plan_session(profile, result, library, adaptation=eased)
    for step in again.steps:
        if step.technique == firm.technique:
            assert step.intensity in ("gentle", "moderate")
            assert "too much" in step.reason


def test_a_technique_turned_off_after_sharp_pain_never_appears(library: Library, rules: RuleSet) -> None:
    result = screen({}, rules)
    plan = plan_session(PROFILE, result, library)
    off = frozenset(techniques(plan)[:3])
    for seed in range(10):
        again = plan_session(PROFILE, result, library, seed=seed, adaptation=Adaptation(disabled=off))
        assert not off & set(techniques(again))
        assert again.total_seconds == PROFILE.minutes * 60
        assert any("sharp pain" in note for note in again.notes)


def test_progression_lengthens_holds_when_pain_has_been_falling(library: Library, rules: RuleSet) -> None:
    result = screen({}, rules)
    plain = plan_session(PROFILE, result, library, seed=1)
    grown = plan_session(PROFILE, result, library, seed=1, adaptation=Adaptation(progression=3))
    assert any("falling" in note for note in grown.notes)
    release = [s for s in grown.steps if s.kind in ("self_massage", "trigger_point", "stretch", "mobility")]
    before = [s for s in plain.steps if s.kind in ("self_massage", "trigger_point", "stretch", "mobility")]
    assert sum(s.seconds for s in release) / len(release) >= sum(s.seconds for s in before) / len(before)


def test_progression_never_overrides_the_safety_limits(library: Library, rules: RuleSet) -> None:
    result = screen({"anticoagulants": True}, rules)
    plan = plan_session(PROFILE, result, library, adaptation=Adaptation(progression=3))
    assert {s.intensity for s in plan.steps} == {"gentle"}


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    estimates=st.dictionaries(
        st.sampled_from(TECHNIQUE_IDS),
        st.floats(-4, 4),
        max_size=12,
    ),
    progression=st.integers(0, 3),
    too_much=st.sampled_from([None, *INTENSITIES]),
)
def test_adaptation_is_deterministic_and_keeps_every_plan_exact(
    library: Library,
    rules: RuleSet,
    seed: int,
    estimates: dict[str, float],
    progression: int,
    too_much: str | None,
) -> None:
    effects = tuple(effect(t, e, too_much_intensity=too_much) for t, e in sorted(estimates.items()))
    adaptation = Adaptation(effects=effects, learned=True, progression=progression)
    result = screen({}, rules)
    plan = plan_session(PROFILE, result, library, seed=seed, adaptation=adaptation)
    assert plan == plan_session(PROFILE, result, library, seed=seed, adaptation=adaptation)
    assert plan.total_seconds == PROFILE.minutes * 60
    for step in plan.steps:
        tech = library.technique(step.technique)
        assert tech is not None and tech.min_seconds <= step.seconds <= tech.max_seconds
