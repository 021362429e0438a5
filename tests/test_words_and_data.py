"""Words and data agree (SCREENING.md): a precaution's words name exactly what it rules out,
and the techniques and plans say what they are (issue 14, item 5)."""

from __future__ import annotations

import pytest

from backease.content.loader import load_content
from backease.core.library import Library, Technique
from backease.core.planner import PainArea, Plan, Profile, plan_session, step_alternatives
from backease.core.screening import RuleSet, screen
from backease.core.vocab import TOOLS


def tech(library: Library, technique_id: str) -> Technique:
    found = library.technique(technique_id)
    assert found is not None
    return found


def plans(answers: dict[str, object], rules: RuleSet, library: Library, **profile: object) -> list[Plan]:
    result = screen(answers, rules)
    return [plan_session(Profile(**profile), result, library, seed=seed) for seed in range(6)]  # type: ignore[arg-type]


def offered(
    plan: Plan, answers: dict[str, object], rules: RuleSet, library: Library, **profile: object
) -> set[str]:
    """Every technique in the plan or offered as a swap for one of its steps."""
    result = screen(answers, rules)
    out = {s.technique for s in plan.steps}
    for index in range(len(plan.steps)):
        out |= {t.id for t in step_alternatives(plan, index, Profile(**profile), result, library)}  # type: ignore[arg-type]
    return out


FRAGILE = [{"osteoporosis": True}, {"long_term_steroids": True}, {"age": 75}, {"immune_risk": True}]


@pytest.mark.parametrize("answers", FRAGILE, ids=["osteoporosis", "steroids", "age 75", "soon"])
def test_no_arching_over_a_chair_is_planned_or_offered_where_the_words_say_so(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    note = library.precaution_words("no_spinal_pressure")
    assert "no arching back over a roller or the back of a chair" in note
    assert "no_spinal_pressure" in tech(library, "chair_thoracic_extension").excluded_by
    profile = {
        "causes": ("posture", "imbalance"),
        "areas": (PainArea("thoracic_spine_left", 6),),
        "minutes": 30,
    }
    for plan in plans(answers, rules, library, **profile):
        assert "chair_thoracic_extension" not in offered(plan, answers, rules, library, **profile)


@pytest.mark.parametrize("answers", FRAGILE[:3], ids=["osteoporosis", "steroids", "age 75"])
def test_fragile_bones_still_get_an_active_extension_with_nothing_to_arch_over(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    lift = tech(library, "seated_chest_lift")
    assert not lift.spinal_pressure and not lift.loaded_end_range and not lift.body_weight_on_tool
    assert "brooke_wavell_2022_osteoporosis_exercise" in lift.references
    for plan in plans(answers, rules, library, causes=("posture",), minutes=20):
        assert "seated_chest_lift" in {s.technique for s in plan.steps}


def test_gentle_pressure_only_says_no_firm_ball_and_no_gentle_plan_uses_one(
    library: Library, rules: RuleSet
) -> None:
    assert "no firm massage ball" in library.precaution_words("gentle_pressure_only")
    for answers in (
        {"reduced_sensation": True},
        {"osteoporosis": True},
        {"cancer_history": True, "clinician_cleared": True},
    ):
        profile = {
            "tools": TOOLS,
            "areas": (PainArea("between_shoulder_blades_left", 7, True),),
            "minutes": 30,
        }
        for plan in plans(answers, rules, library, **profile):
            for technique_id in offered(plan, answers, rules, library, **profile):
                assert "massage_ball" not in tech(library, technique_id).tools, (answers, technique_id)


def test_every_pressure_hold_on_the_chest_keeps_the_chest_pain_stop_line(library: Library) -> None:
    for item in library.techniques:
        if item.kind in ("self_massage", "trigger_point") and any(
            r.startswith("chest") for r in item.regions
        ):
            assert any("call emergency services" in line for line in item.stop_if), item.id
    armpit = tech(library, "pincer_hold_front_of_armpit")
    assert armpit.evidence == "very_low"


def test_the_peanut_ball_check_is_one_a_person_lying_on_it_can_do(library: Library) -> None:
    steps = tech(library, "peanut_ball_along_spine_floor").steps
    lying = steps[steps.index(next(s for s in steps if s.startswith("Lie back"))) + 1 :]
    assert not any("straddle" in s or "gap" in s for s in lying)
    assert any("Lying down, feel" in s and "roll onto your side" in s for s in lying)


def test_wall_angels_are_not_called_a_stretch(library: Library) -> None:
    angels = tech(library, "wall_angels")
    texts = [angels.name, angels.summary, angels.pressure_cue, *(v.cue for v in angels.intensities)]
    assert not any("stretch" in text.lower() for text in texts)


GLUTES = {
    "fist_kneading_glutes",
    "massage_ball_glutes_seated",
    "ball_on_wall_glute_hold",
    "seated_figure_four_glute_stretch",
}


def test_glute_work_enters_an_upper_back_plan_only_for_a_glute_area_or_long_sitting_and_says_it_is_optional(
    library: Library, rules: RuleSet
) -> None:
    upper = (PainArea("between_shoulder_blades_left", 6),)
    for causes in ((), ("sport",), ("repetitive", "sport"), ("stress",)):
        for plan in plans({}, rules, library, causes=causes, areas=upper, tools=TOOLS, minutes=60):
            assert not GLUTES & {s.technique for s in plan.steps}, causes
    seen = set()
    for areas, causes in (((*upper, PainArea("glute_right", 5)), ()), (upper, ("posture",))):
        for plan in plans({}, rules, library, causes=causes, areas=areas, tools=TOOLS, minutes=60):
            for step in plan.steps:
                if step.technique in GLUTES:
                    seen.add(causes)
                    assert "ptional" in step.reason, step.reason
    assert seen == {(), ("posture",)}


def test_muscular_imbalance_gets_a_gentle_strengthening_option_that_says_what_backs_it(
    library: Library, rules: RuleSet
) -> None:
    strengthening = [t for t in library.techniques if t.strengthens and "imbalance" in t.causes]
    assert len(strengthening) >= 3
    for item in strengthening:
        assert item.variant("gentle") is not None and item.kind == "mobility"
    cochrane = [t for t in strengthening if "gross_2015_cochrane_exercise_neck" in t.references]
    assert len(cochrane) >= 3
    for item in cochrane:
        assert "neck pain" in item.evidence_note and "not been tested on its own" in item.evidence_note
    for minutes in (10, 20, 45):
        for plan in plans({}, rules, library, causes=("imbalance",), minutes=minutes):
            chosen = [s for s in plan.steps if tech(library, s.technique).strengthens]
            assert chosen, minutes
            assert any("Gentle strengthening" in s.reason and "evidence" in s.reason for s in chosen)
    # A plan that must stay gentle still has one, done gently.
    for plan in plans({"anticoagulants": True, "age": 72}, rules, library, causes=("imbalance",), minutes=20):
        chosen = [s for s in plan.steps if tech(library, s.technique).strengthens]
        assert chosen and all(s.intensity == "gentle" for s in chosen)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_content().library


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_content().rules
