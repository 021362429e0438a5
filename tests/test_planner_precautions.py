"""Every precaution of the safety contract, obeyed by the plan: one concrete case per rule.

The content says which precautions rule a technique out (`Technique.excluded_by`,
computed from its facts when it is loaded); these tests check real people's plans.
"""

from __future__ import annotations

import pytest

from backease.core.library import Library
from backease.core.planner import (
    PainArea,
    Plan,
    Profile,
    plan_session,
    recommend_massage_types,
    step_alternatives,
    swap_step,
)
from backease.core.screening import RuleSet, screen
from backease.core.vocab import REGIONS, TOOLS

EVERY_AREA = tuple(PainArea(region, 6, knot=True) for region in REGIONS)


def plans(
    library: Library, rules: RuleSet, answers: dict[str, object], **kw: object
) -> list[tuple[Profile, Plan]]:
    """Plans with every tool at hand for many seeds, times and pain maps."""
    out = []
    for seed in range(12):
        for minutes, areas in ((10, EVERY_AREA[:4]), (30, EVERY_AREA), (60, EVERY_AREA[4:])):
            options: dict[str, object] = {"tools": TOOLS, "minutes": minutes, "areas": areas, **kw}
            profile = Profile(**options)  # type: ignore[arg-type]
            out.append((profile, plan_session(profile, screen(answers, rules), library, seed=seed)))
    return out


def techniques_in(library: Library, plan: Plan) -> set[str]:
    return {s.technique for s in plan.steps}


def swap_choices(
    library: Library, rules: RuleSet, answers: dict[str, object], profile: Profile, plan: Plan
) -> set[str]:
    result = screen(answers, rules)
    return {
        t.id for i in range(len(plan.steps)) for t in step_alternatives(plan, i, profile, result, library)
    }


FRAGILE = {"age": 72, "osteoporosis": True}


def test_a_72_year_old_with_osteoporosis_never_gets_a_roller_or_a_ball_under_body_weight(
    library: Library, rules: RuleSet
) -> None:
    banned = {"foam_roller_beside_spine", "peanut_ball_along_spine_floor", "foam_roller_lats"}
    for profile, plan in plans(library, rules, FRAGILE, pressure="firm"):
        used = techniques_in(library, plan) | swap_choices(library, rules, FRAGILE, profile, plan)
        assert not banned & used
        for technique in used:
            tech = library.technique(technique)
            assert tech is not None
            assert not tech.body_weight_on_tool, technique
            assert not tech.spinal_pressure, technique
            on_the_floor = tech.position not in ("standing", "seated")
            assert not (
                on_the_floor
                and {"foam_roller", "peanut_ball", "massage_ball", "tennis_ball"} & set(tech.tools)
            )
        assert {s.intensity for s in plan.steps} == {"gentle"}


def test_loaded_twists_forward_bends_and_door_frame_traction_never_reach_fragile_bones(
    library: Library, rules: RuleSet
) -> None:
    for answers in (FRAGILE, {"long_term_steroids": True}, {"age": 80}):
        for profile, plan in plans(library, rules, answers, pressure="firm"):
            used = techniques_in(library, plan) | swap_choices(library, rules, answers, profile, plan)
            assert (
                not {
                    "doorframe_upper_back_traction",
                    "seated_towel_upper_back_traction",
                    "doorframe_lat_stretch",
                    "childs_pose_side_reach",
                }
                & used
            )
            for step in plan.steps:
                # The hand-assisted variants (easing a twist further) are capped away.
                if step.technique in (
                    "seated_thoracic_rotation",
                    "thread_the_needle",
                    "standing_overhead_side_bend",
                    "self_hug_upper_back_stretch",
                    "cat_cow",
                ):
                    assert step.intensity == "gentle"


def test_blood_thinners_never_get_a_massage_gun_or_a_firm_ball_and_stay_gentle(
    library: Library, rules: RuleSet
) -> None:
    answers = {"anticoagulants": True}
    for profile, plan in plans(library, rules, answers, pressure="firm", causes=("sport",)):
        assert "percussion_massager_upper_back" not in techniques_in(library, plan)
        assert not any({"massage_ball", "percussion_massager"} & set(s.tools) for s in plan.steps)
        assert {s.intensity for s in plan.steps} == {"gentle"}
        for technique in swap_choices(library, rules, answers, profile, plan):
            tech = library.technique(technique)
            assert tech is not None and not {"massage_ball", "percussion_massager"} & set(tech.tools)
            assert not tech.sustained_pressure


def test_numb_skin_gets_no_heat_pack_step_and_no_heat_in_the_checklist(
    library: Library, rules: RuleSet
) -> None:
    answers = {"reduced_sensation": True}
    for profile, plan in plans(library, rules, answers):
        assert "heat_pack" not in {tool for s in plan.steps for tool in s.tools}
        assert "heat_pack_upper_back" not in techniques_in(library, plan)
        assert "heat_pack_upper_back" not in swap_choices(library, rules, answers, profile, plan)
        assert not any("or a heat pack" in line for line in plan.before)
        assert any("No heat packs" in line for line in plan.before)


@pytest.mark.parametrize("weeks", [16, 24, 38])
def test_pregnancy_from_16_weeks_never_lies_on_the_back_or_face_down(
    library: Library, rules: RuleSet, weeks: int
) -> None:
    answers = {"pregnancy_weeks": weeks}
    for profile, plan in plans(library, rules, answers):
        positions = {s.position for s in plan.steps}
        for technique in swap_choices(library, rules, answers, profile, plan):
            tech = library.technique(technique)
            assert tech is not None
            positions.add(tech.position)
        assert not {"supine", "prone"} & positions


def test_soon_is_gentle_with_no_sustained_holds_and_nothing_on_the_spine(
    library: Library, rules: RuleSet
) -> None:
    answers = {"constant_or_night_pain": True}
    for profile, plan in plans(library, rules, answers, pressure="firm"):
        assert plan.level == "soon" and plan.steps
        assert {s.intensity for s in plan.steps} == {"gentle"}
        used = techniques_in(library, plan) | swap_choices(library, rules, answers, profile, plan)
        for technique in used:
            tech = library.technique(technique)
            assert tech is not None
            assert not tech.sustained_pressure and not tech.spinal_pressure, technique
        assert {"gentle_pressure_only", "no_sustained_pressure", "no_spinal_pressure"} <= set(
            plan.precautions
        )


def test_a_swap_keeps_the_gentle_cap_of_a_soon_result(library: Library, rules: RuleSet) -> None:
    answers = {"constant_or_night_pain": True}
    profile = Profile(tools=TOOLS, minutes=30, pressure="firm", areas=EVERY_AREA)
    result = screen(answers, rules)
    plan = plan_session(profile, result, library)
    for index in range(len(plan.steps)):
        for tech in step_alternatives(plan, index, profile, result, library):
            swapped = swap_step(plan, index, tech.id, profile, result, library)
            assert {s.intensity for s in swapped.steps} == {"gentle"}
            break


def test_the_plan_checklist_says_each_precaution_in_the_words_of_precautions_yaml(
    library: Library, rules: RuleSet
) -> None:
    plan = plans(library, rules, {"anticoagulants": True})[0][1]
    for precaution in ("gentle_pressure_only", "no_sustained_pressure", "no_firm_tools"):
        item = library.precaution(precaution)
        assert item is not None and item.note in plan.before


def test_massage_types_follow_the_gentle_cap_of_a_soon_result(library: Library, rules: RuleSet) -> None:
    ranked = recommend_massage_types(
        Profile(causes=("sport",)), screen({"constant_or_night_pain": True}, rules), library
    )
    unsuitable = {s.massage_type.id for s in ranked if not s.suitable}
    assert {"deep_tissue", "sports", "trigger_point_therapy"} <= unsuitable


def test_fragile_bones_rule_out_thai_massage_with_its_passive_twists(
    library: Library, rules: RuleSet
) -> None:
    ranked = recommend_massage_types(Profile(), screen(FRAGILE, rules), library)
    assert "thai" in {s.massage_type.id for s in ranked if not s.suitable}


def test_muscular_imbalance_brings_in_a_chest_stretch_and_gentle_strengthening_with_reasons(
    library: Library, rules: RuleSet
) -> None:
    plan = plan_session(Profile(causes=("imbalance",), minutes=15), screen({}, rules), library)
    reasons = {s.technique: s.reason for s in plan.steps}
    assert any("tight muscles can pull the shoulders forward" in r for r in reasons.values())
    strengthening = [t for t in reasons if getattr(library.technique(t), "strengthens", False)]
    assert strengthening and "weaker side of an imbalance" in reasons[strengthening[0]]
    without = plan_session(Profile(minutes=15), screen({}, rules), library)
    assert not any("imbalance" in s.reason for s in without.steps)


# --- the clinical reviewer's people, with every tool at hand (issue 14) ----------------------

FIRM_TOOLS = {
    "massage_ball",
    "foam_roller",
    "peanut_ball",
    "massage_stick",
    "hook_cane",
    "percussion_massager",
}
"""SCREENING.md: no firm ball, roller, peanut ball, massage gun, or hook-cane or stick lever hold."""
TOUCHING = set(TOOLS) - {"hands", "wall", "doorway", "chair", "towel"}
BACK = set(REGIONS) - {"chest_left", "chest_right"}
SOON_CASES = {
    "night pain": {"age": 45, "constant_or_night_pain": True},
    "weight loss": {"age": 58, "unexplained_weight_loss": True},
    "a new lump, place not given": {"age": 40, "back_lump_or_deformity": True},
    "a new lump, not sure where": {"age": 40, "back_lump_or_deformity": True, "lump_regions": ["not_sure"]},
    "not improving after 6 weeks": {"age": 38, "not_improving_6_weeks": True},
    "gallstone-type pain": {"age": 51, "pain_after_meals": True},
    "kidney transplant": {"age": 47, "immune_risk": True},
}
BLEEDING_CASES = {
    "warfarin": {"age": 71, "anticoagulants": True},
    "rivaroxaban": {"age": 64, "anticoagulants": True},
    "haemophilia": {"age": 26, "anticoagulants": True},
}
CANCER_CASES = {
    "cleared breast cancer": {"age": 56, "cancer_history": True, "clinician_cleared": True},
    "cleared chemotherapy": {
        "age": 49,
        "cancer_history": True,
        "active_cancer_treatment": True,
        "clinician_cleared": True,
    },
}


def _everything_offered(
    library: Library, rules: RuleSet, answers: dict[str, object], **kw: object
) -> tuple[list[Plan], list[object]]:
    """The plans with every tool and firm pressure asked for, and every technique in them or
    offered as a swap."""
    out_plans, used = [], []
    for profile, plan in plans(library, rules, answers, pressure="firm", causes=("sport",), **kw):
        out_plans.append(plan)
        for technique in techniques_in(library, plan) | swap_choices(library, rules, answers, profile, plan):
            used.append(library.technique(technique))
    return out_plans, used


@pytest.mark.parametrize("answers", list(SOON_CASES.values()), ids=list(SOON_CASES))
def test_nobody_awaiting_a_check_lies_on_a_ball_or_roller_or_uses_a_firm_tool_with_every_tool_at_hand(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    hands_only_on_back = "back_lump_or_deformity" in answers
    out_plans, used = _everything_offered(library, rules, answers)
    for plan in out_plans:
        assert plan.level == "soon" and plan.steps
        assert {s.intensity for s in plan.steps} == {"gentle"}
    for tech in used:
        assert tech is not None
        assert not FIRM_TOOLS & set(tech.tools), tech.id
        assert not tech.body_weight_on_tool and not tech.spinal_pressure and not tech.sustained_pressure, (
            tech.id
        )
        if hands_only_on_back and BACK & set(tech.regions):
            assert not TOUCHING & set(tech.tools), tech.id


@pytest.mark.parametrize("answers", list(BLEEDING_CASES.values()), ids=list(BLEEDING_CASES))
def test_blood_thinners_and_bleeding_disorders_get_hands_and_a_soft_ball_on_a_wall_only_with_every_tool(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    out_plans, used = _everything_offered(library, rules, answers)
    for plan in out_plans:
        assert {s.intensity for s in plan.steps} == {"gentle"}
    for tech in used:
        assert tech is not None
        assert not FIRM_TOOLS & set(tech.tools), tech.id  # no hook-cane or stick lever holds either
        assert not tech.body_weight_on_tool and not tech.sustained_pressure, tech.id
        if "tennis_ball" in tech.tools:
            assert "wall" in tech.tools and tech.position == "standing", tech.id


@pytest.mark.parametrize("answers", list(CANCER_CASES.values()), ids=list(CANCER_CASES))
def test_cleared_cancer_gets_nothing_on_the_spine_and_no_body_weight_on_a_tool_with_every_tool(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    out_plans, used = _everything_offered(library, rules, answers)
    for plan in out_plans:
        assert plan.level == "self_care_with_precautions"
        assert {s.intensity for s in plan.steps} == {"gentle"}
    for tech in used:
        assert tech is not None
        assert not tech.spinal_pressure and not tech.body_weight_on_tool, tech.id
        if "active_cancer_treatment" in answers:
            assert not tech.sustained_pressure, tech.id


def test_the_slow_release_techniques_stay_out_of_a_blood_thinner_plan(
    library: Library, rules: RuleSet
) -> None:
    for _profile, plan in plans(library, rules, {"anticoagulants": True}):
        assert not any("myofascial_release" in s.technique for s in plan.steps)


@pytest.mark.parametrize(
    "answers",
    [
        {"worse_cough_sneeze_strain": True},
        FRAGILE,
        {"reduced_sensation": True},
        {"cancer_history": True, "clinician_cleared": True},
    ],
)
def test_a_massage_gun_never_reaches_a_plan_that_must_stay_gentle(
    library: Library, rules: RuleSet, answers: dict[str, object]
) -> None:
    assert "gentle_pressure_only" in screen(answers, rules).precautions
    for profile, plan in plans(library, rules, answers, pressure="firm"):
        used = {tool for step in plan.steps for tool in step.tools}
        assert "percussion_massager" not in used
        assert "percussion_massager_upper_back" not in swap_choices(library, rules, answers, profile, plan)
