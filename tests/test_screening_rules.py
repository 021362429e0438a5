"""Every screening rule, every combination, clinician_cleared, ordering and output shape."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from backease.content.loader import ContentError
from backease.content.rules_schema import parse_rules
from backease.core.screening import (
    NO_FLAGS,
    Answered,
    AnyOf,
    Compare,
    NotAnswered,
    NotSure,
    Rule,
    RuleSet,
    ScreeningResult,
    Term,
    no_flags,
    screen,
)
from backease.core.vocab import LEVEL_RANK, LEVELS, PRECAUTIONS, REGIONS, is_precaution

SCREENING_YAML = Path(__file__).resolve().parents[1] / "backease" / "content" / "screening.yaml"

# Reference ids the screening may cite (SCREENING.md sources; references.yaml holds them).
SCREENING_REFERENCES = {
    # Verified additions for precautions the foam-rolling consensus did not cover:
    # fragile bones (osteoporosis exercise consensus) and heat on numb skin (burn report).
    "brooke_wavell_2022_osteoporosis_exercise",
    "jose_2005_hot_water_bottles_diabetes",
    "finucane_2020_red_flags",
    "downie_2013_red_flags",
    "nice_ng234_spinal_metastases",
    "nhs_angina",
    "davies_2018_cervical_myelopathy",
    "aha_heart_attack_signs",
    "nhs_heart_attack",
    "nhs_aortic_dissection",
    "nhs_pulmonary_embolism",
    "nhs_kidney_infection",
    "nhs_shingles",
    "nhs_gallstones",
    "nhs_acute_pancreatitis",
    "nhs_pre_eclampsia",
    "nhs_back_pain",
    "nhs_dvt",
    "nhs_sepsis",
    "nhs_exercise_in_pregnancy",
    "nccih_massage",
    "bhf_blood_thinners_bruising",
    "bartsch_2021_foam_rolling_delphi",
    "macmillan_massage",
}

# Every question id of SCREENING.md (plus the context questions `age`, `first_episode`,
# `clinician_cleared`), with its type.
CONTRACT_QUESTIONS = {
    **dict.fromkeys(
        [
            "chest_pain",
            "jaw_pain",
            "short_of_breath",
            "cold_sweat_nausea_faint",
            "sudden_tearing_pain",
            "coughing_blood",
            "major_trauma",
            "both_legs_weak_or_numb",
            "bladder_bowel_change",
            "confused_or_drowsy",
            "fever",
            "pain_worse_breathing_in",
            "calf_swelling",
            "cancer_history",
            "band_rash",
            "severe_upper_abdominal_pain",
            "yellow_skin_or_eyes",
            "pregnancy_warning_signs",
            "recent_minor_injury",
            "constant_or_night_pain",
            "unexplained_weight_loss",
            "arm_pain_or_tingling",
            "urinary_symptoms",
            "pain_after_meals",
            "not_improving_6_weeks",
            "pain_with_exertion",
            "arm_weakness_or_clumsiness",
            "one_leg_weak",
            "worse_cough_sneeze_strain",
            "back_lump_or_deformity",
            "immune_risk",
            "sudden_severe_onset",
            "anticoagulants",
            "osteoporosis",
            "long_term_steroids",
            "reduced_sensation",
            "active_cancer_treatment",
            "first_episode",
            "clinician_cleared",
        ],
        "bool",
    ),
    "age": "number",
    "pregnancy_weeks": "number",
    "acute_injury_regions": "regions",
    "skin_problem_regions": "regions",
    "recent_surgery_or_fracture_regions": "regions",
    "lump_regions": "regions",
}


@cache
def load() -> RuleSet:
    return parse_rules(SCREENING_YAML, yaml.safe_load(SCREENING_YAML.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load()


def raw_yaml() -> dict[str, Any]:
    data = yaml.safe_load(SCREENING_YAML.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


GENTLE_PLAN = (
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_body_weight_on_tools",
    "no_firm_tools",
)
"""SCREENING.md: what a soon screen carries, in vocabulary order."""


def in_order(*precautions: str) -> tuple[str, ...]:
    """Precautions as a result lists them: once each, in the contract's vocabulary order."""
    return tuple(sorted(set(precautions), key=PRECAUTIONS.index))


def fired(result: ScreeningResult) -> set[str]:
    return {reason.rule for reason in result.reasons}


def at_least(level: str, than: str) -> bool:
    """True if `level` is as serious as `than`, or more."""
    return LEVEL_RANK[level] <= LEVEL_RANK[than]  # type: ignore[index]


# --- building answers that satisfy a rule ---------------------------------------------------


def _term_options(term: Term, rules: RuleSet) -> Iterator[dict[str, object]]:
    """Each minimal set of answers that makes one term hold."""
    if isinstance(term, Answered):
        question = rules.question(term.question)
        assert question is not None
        yield {term.question: True if question.type == "bool" else ["thoracic_spine_left"]}
    elif isinstance(term, Compare):
        offsets = {">=": 0, ">": 1, "<=": 0, "<": -1}
        yield {term.question: term.value + offsets[term.op]}
    elif isinstance(term, NotAnswered):
        yield {}
    elif isinstance(term, NotSure):
        yield {term.question: ["not_sure"]}
    else:
        for inner in term.terms:
            yield from _term_options(inner, rules)


def _flatten(terms: tuple[Term, ...]) -> list[Term]:
    out: list[Term] = []
    for term in terms:
        out.extend(_flatten(term.terms) if isinstance(term, AnyOf) else [term])
    return out


def satisfying_answers(rule: Rule, rules: RuleSet) -> list[dict[str, object]]:
    """Every minimal answer set that makes the rule fire (one per choice inside `any`)."""
    out = []
    for parts in itertools.product(*(list(_term_options(term, rules)) for term in rule.when)):
        answers: dict[str, object] = {}
        for part in parts:
            answers.update(part)
        out.append(answers)
    return out


def expected_precautions(rule: Rule, answers: dict[str, object]) -> set[str]:
    out = set(rule.precautions)
    if rule.avoid_regions_from:
        named = answers.get(rule.avoid_regions_from, [])
        out |= {f"avoid_region:{region}" for region in named if region != "not_sure"}  # type: ignore[attr-defined]
    return out


RULE_IDS = [rule.id for rule in load().rules]
CASES = [
    pytest.param(rule.id, answers, id=f"{rule.id}-{index}")
    for rule in load().rules
    for index, answers in enumerate(satisfying_answers(rule, load()))
]


@pytest.mark.parametrize(("rule_id", "answers"), CASES)
def test_each_rule_fires_on_its_minimal_answers_at_its_level_with_its_precautions(
    rules: RuleSet, rule_id: str, answers: dict[str, object]
) -> None:
    rule = rules.rule(rule_id)
    assert rule is not None
    result = screen(answers, rules)
    assert rule_id in fired(result)
    assert at_least(result.level, rule.level)
    assert expected_precautions(rule, answers) <= set(result.precautions)


@pytest.mark.parametrize(("rule_id", "answers"), CASES)
def test_each_rule_stays_silent_when_any_one_of_its_answers_is_taken_away(
    rules: RuleSet, rule_id: str, answers: dict[str, object]
) -> None:
    assert answers, "every rule needs at least one answer to fire"
    rule = rules.rule(rule_id)
    assert rule is not None
    # A left-out number can itself be a condition (first_episode_over_50 with no age given).
    cautious = {t.question for t in _flatten(rule.when) if isinstance(t, NotAnswered)}
    for key in answers:
        if key in cautious:
            continue
        reduced = {k: v for k, v in answers.items() if k != key}
        assert rule_id not in fired(screen(reduced, rules)), f"{rule_id} fired without {key}"


@pytest.mark.parametrize(("rule_id", "answers"), CASES)
def test_each_rule_stays_silent_when_its_answers_are_no(
    rules: RuleSet, rule_id: str, answers: dict[str, object]
) -> None:
    rule = rules.rule(rule_id)
    assert rule is not None
    # "Not sure" taken back is "no place given", itself a condition (back_lump_place_not_given).
    cautious = {t.question for t in _flatten(rule.when) if isinstance(t, NotAnswered)}
    for key, value in answers.items():
        if key in cautious:
            continue
        if value is True:
            assert rule_id not in fired(screen({**answers, key: False}, rules))
        elif isinstance(value, list):
            assert rule_id not in fired(screen({**answers, key: []}, rules))


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_each_number_threshold_is_exact(rules: RuleSet, rule_id: str) -> None:
    rule = rules.rule(rule_id)
    assert rule is not None
    compares = [t for t in rule.when if isinstance(t, Compare)]
    for answers in satisfying_answers(rule, rules):
        for term in compares:
            if term.question not in answers:
                continue
            below = {">=": -1, ">": 0, "<=": 1, "<": 0}[term.op] + term.value
            assert rule_id not in fired(screen({**answers, term.question: below}, rules))


def test_every_rule_cites_at_least_one_screening_reference_and_a_source(rules: RuleSet) -> None:
    for rule in rules.rules:
        assert rule.references, rule.id
        assert set(rule.references) <= SCREENING_REFERENCES, rule.id
        assert rule.source.strip(), rule.id
        assert rule.message.strip(), rule.id


def test_every_contract_question_exists_with_its_type(rules: RuleSet) -> None:
    assert {q.id: q.type for q in rules.questions} == CONTRACT_QUESTIONS


def test_every_question_is_plain_second_person_and_numbers_have_ranges(rules: RuleSet) -> None:
    for question in rules.questions:
        assert question.text.endswith("?"), question.id
        assert "you" in question.text.lower(), question.id
        assert len(question.text) <= 160, question.id
    age = rules.question("age")
    weeks = rules.question("pregnancy_weeks")
    assert age is not None and (age.minimum, age.maximum) == (0, 120)
    assert weeks is not None and (weeks.minimum, weeks.maximum) == (0, 45)


def test_every_precaution_and_level_of_the_contract_is_used(rules: RuleSet) -> None:
    used = {p for rule in rules.rules for p in rule.precautions}
    assert used == set(PRECAUTIONS)
    assert {rule.avoid_regions_from for rule in rules.rules} - {None} == {
        "acute_injury_regions",
        "skin_problem_regions",
        "recent_surgery_or_fracture_regions",
        "lump_regions",
    }
    assert {rule.level for rule in rules.rules} == set(LEVELS) - {"self_care"}


def test_single_question_rules_have_the_contract_levels(rules: RuleSet) -> None:
    contract = {
        "emergency": [
            "chest_pain",
            "jaw_pain",
            "short_of_breath",
            "cold_sweat_nausea_faint",
            "sudden_tearing_pain",
            "coughing_blood",
            "major_trauma",
            "both_legs_weak_or_numb",
            "bladder_bowel_change",
        ],
        "urgent": [
            "fever",
            "pain_worse_breathing_in",
            "calf_swelling",
            "cancer_history",
            "band_rash",
            "severe_upper_abdominal_pain",
            "yellow_skin_or_eyes",
            "pregnancy_warning_signs",
            "pain_with_exertion",
            "arm_weakness_or_clumsiness",
            "one_leg_weak",
        ],
        "soon": [
            "constant_or_night_pain",
            "unexplained_weight_loss",
            "arm_pain_or_tingling",
            "urinary_symptoms",
            "pain_after_meals",
            "not_improving_6_weeks",
            "worse_cough_sneeze_strain",
            "back_lump_or_deformity",
            "immune_risk",
            "sudden_severe_onset",
        ],
    }
    for level, questions in contract.items():
        for question in questions:
            assert screen({question: True}, rules).level == level, question


# --- combinations ----------------------------------------------------------------------------

# Written out here, independently of the rules file: each combination rule needs every part.
COMBINATIONS = {
    "breathing_pain_and_breathless": {"pain_worse_breathing_in": True, "short_of_breath": True},
    "calf_swelling_and_breathing_pain": {"calf_swelling": True, "pain_worse_breathing_in": True},
    "cancer_with_nerve_signs": {"cancer_history": True, "both_legs_weak_or_numb": True},
    "confused_with_fever": {"confused_or_drowsy": True, "fever": True},
    "urinary_symptoms_with_fever": {"urinary_symptoms": True, "fever": True},
    "minor_injury_fragile_bones": {"recent_minor_injury": True, "osteoporosis": True},
    "weight_loss_and_constant_pain": {"unexplained_weight_loss": True, "constant_or_night_pain": True},
    "first_episode_over_50": {"first_episode": True, "age": 50},
    "cancer_with_arm_symptoms": {"cancer_history": True, "arm_weakness_or_clumsiness": True},
    "cancer_with_night_or_strain_pain": {"cancer_history": True, "constant_or_night_pain": True},
    "immune_risk_with_fever": {"immune_risk": True, "fever": True},
    "sudden_onset_fragile_bones": {"sudden_severe_onset": True, "age": 70},
}


@pytest.mark.parametrize(("rule_id", "answers"), list(COMBINATIONS.items()))
def test_each_combination_rule_needs_every_part(
    rules: RuleSet, rule_id: str, answers: dict[str, object]
) -> None:
    assert rule_id in fired(screen(answers, rules))
    for key in answers:
        alone = {k: v for k, v in answers.items() if k != key}
        if key == "age":
            alone["age"] = 49 if rule_id == "first_episode_over_50" else 69
        assert rule_id not in fired(screen(alone, rules)), f"{rule_id} fired without {key}"


def test_the_rule_ids_are_the_documented_ones(rules: RuleSet) -> None:
    assert [rule.id for rule in rules.rules] == [
        "chest_pain",
        "jaw_pain",
        "short_of_breath",
        "cold_sweat_nausea_faint",
        "sudden_tearing_pain",
        "coughing_blood",
        "major_trauma",
        "both_legs_weak_or_numb",
        "bladder_bowel_change",
        "confused_or_drowsy",
        "confused_with_fever",
        "breathing_pain_and_breathless",
        "calf_swelling_and_breathing_pain",
        "cancer_with_nerve_signs",
        "cancer_with_arm_symptoms",
        "immune_risk_with_fever",
        "fever",
        "pain_worse_breathing_in",
        "calf_swelling",
        "cancer_with_night_or_strain_pain",
        "cancer_history",
        "active_cancer_treatment",
        "band_rash",
        "severe_upper_abdominal_pain",
        "yellow_skin_or_eyes",
        "pregnancy_warning_signs",
        "minor_injury_fragile_bones",
        "weight_loss_and_constant_pain",
        "urinary_symptoms_with_fever",
        "pain_with_exertion",
        "arm_weakness_or_clumsiness",
        "one_leg_weak",
        "sudden_onset_fragile_bones",
        "constant_or_night_pain",
        "unexplained_weight_loss",
        "arm_pain_or_tingling",
        "urinary_symptoms",
        "pain_after_meals",
        "not_improving_6_weeks",
        "worse_cough_sneeze_strain",
        "back_lump_or_deformity",
        "back_lump_place_not_given",
        "immune_risk",
        "sudden_severe_onset",
        "first_episode_over_50",
        "recent_surgery_or_fracture",
        "anticoagulants",
        "osteoporosis",
        "long_term_steroids",
        "age_70_or_over",
        "pregnancy_16_weeks",
        "acute_injury",
        "skin_problem",
        "reduced_sensation",
    ]


def test_sharp_pain_on_breathing_in_is_urgent_and_with_breathlessness_an_emergency(rules: RuleSet) -> None:
    assert screen({"pain_worse_breathing_in": True}, rules).level == "urgent"
    result = screen({"pain_worse_breathing_in": True, "short_of_breath": True}, rules)
    assert result.level == "emergency"
    assert "breathing_pain_and_breathless" in fired(result)


def test_a_swollen_calf_is_urgent_and_with_pain_on_breathing_in_an_emergency(rules: RuleSet) -> None:
    assert screen({"calf_swelling": True}, rules).level == "urgent"
    result = screen({"calf_swelling": True, "pain_worse_breathing_in": True}, rules)
    assert result.level == "emergency"
    assert "calf_swelling_and_breathing_pain" in fired(result)


@pytest.mark.parametrize("nerve_sign", ["both_legs_weak_or_numb", "one_leg_weak", "bladder_bowel_change"])
def test_cancer_history_with_nerve_signs_is_an_emergency_even_when_cleared(
    rules: RuleSet, nerve_sign: str
) -> None:
    for cleared in (False, True):
        result = screen({"cancer_history": True, nerve_sign: True, "clinician_cleared": cleared}, rules)
        assert result.level == "emergency"
        assert "cancer_with_nerve_signs" in fired(result)


def test_confusion_with_fever_is_an_emergency_and_points_to_sepsis(rules: RuleSet) -> None:
    result = screen({"confused_or_drowsy": True, "fever": True}, rules)
    assert result.level == "emergency"
    assert "confused_with_fever" in fired(result)
    assert any("sepsis" in reason.message for reason in result.reasons)


def test_confusion_alone_is_treated_as_an_emergency(rules: RuleSet) -> None:
    assert screen({"confused_or_drowsy": True}, rules).level == "emergency"


def test_fever_alone_is_urgent(rules: RuleSet) -> None:
    assert screen({"fever": True}, rules).level == "urgent"


def test_urinary_symptoms_are_soon_and_with_fever_urgent(rules: RuleSet) -> None:
    assert screen({"urinary_symptoms": True}, rules).level == "soon"
    result = screen({"urinary_symptoms": True, "fever": True}, rules)
    assert result.level == "urgent"
    assert "urinary_symptoms_with_fever" in fired(result)


@pytest.mark.parametrize(
    "fragile",
    [{"osteoporosis": True}, {"long_term_steroids": True}, {"age": 70}, {"age": 88}],
)
def test_a_minor_injury_with_fragile_bones_is_urgent(rules: RuleSet, fragile: dict[str, object]) -> None:
    result = screen({"recent_minor_injury": True, **fragile}, rules)
    assert result.level == "urgent"
    assert "minor_injury_fragile_bones" in fired(result)


def test_a_minor_injury_alone_or_at_69_is_not_urgent(rules: RuleSet) -> None:
    assert screen({"recent_minor_injury": True}, rules).level == "self_care"
    assert screen({"recent_minor_injury": True, "age": 69}, rules).level == "self_care"


def test_a_minor_injury_with_fragile_bones_stays_urgent_when_cleared(rules: RuleSet) -> None:
    result = screen({"recent_minor_injury": True, "osteoporosis": True, "clinician_cleared": True}, rules)
    assert result.level == "urgent"


def test_weight_loss_is_soon_night_pain_is_soon_and_both_together_urgent(rules: RuleSet) -> None:
    assert screen({"unexplained_weight_loss": True}, rules).level == "soon"
    assert screen({"constant_or_night_pain": True}, rules).level == "soon"
    result = screen({"unexplained_weight_loss": True, "constant_or_night_pain": True}, rules)
    assert result.level == "urgent"
    assert "weight_loss_and_constant_pain" in fired(result)


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"first_episode": True, "age": 50}, "soon"),
        ({"first_episode": True, "age": 72}, "soon"),
        ({"first_episode": True, "age": 49}, "self_care"),
        ({"first_episode": True}, "soon"),
        ({"first_episode": False, "age": 60}, "self_care"),
        ({"age": 60}, "self_care"),
    ],
)
def test_first_episode_over_50_is_soon_and_unknown_age_counts_as_over_50(
    rules: RuleSet, answers: dict[str, object], level: str
) -> None:
    result = screen(answers, rules)
    assert result.level == level
    assert ("first_episode_over_50" in fired(result)) == (level == "soon")


def test_recent_surgery_or_fracture_is_soon_and_avoids_each_region(rules: RuleSet) -> None:
    result = screen({"recent_surgery_or_fracture_regions": ["shoulder_blade_right", "neck_base"]}, rules)
    assert result.level == "soon"
    assert result.precautions == (
        *GENTLE_PLAN,
        "avoid_region:neck_base",
        "avoid_region:shoulder_blade_right",
    )


@pytest.mark.parametrize(
    ("weeks", "limited"), [(0, False), (15, False), (16, True), (30, True), (41.5, True)]
)
def test_pregnancy_from_16_weeks_rules_out_lying_on_the_back_and_face_down(
    rules: RuleSet, weeks: float, limited: bool
) -> None:
    result = screen({"pregnancy_weeks": weeks}, rules)
    if limited:
        assert result.level == "self_care_with_precautions"
        assert result.precautions == ("no_lying_on_back", "no_lying_face_down")
    else:
        assert result == no_flags(rules)


@pytest.mark.parametrize("answers", [{"osteoporosis": True}, {"long_term_steroids": True}, {"age": 70}])
def test_weak_bones_mean_no_spinal_pressure_and_gentle_pressure(
    rules: RuleSet, answers: dict[str, object]
) -> None:
    result = screen(answers, rules)
    assert result.level == "self_care_with_precautions"
    assert result.precautions == (
        "gentle_pressure_only",
        "no_spinal_pressure",
        "no_body_weight_on_tools",
        "no_loaded_end_range",
    )


def test_blood_thinners_mean_gentle_no_holds_no_firm_tools_and_no_body_weight_on_a_tool(
    rules: RuleSet,
) -> None:
    result = screen({"anticoagulants": True}, rules)
    assert result.level == "self_care_with_precautions"
    assert result.precautions == (
        "gentle_pressure_only",
        "no_sustained_pressure",
        "no_body_weight_on_tools",
        "no_firm_tools",
    )
    assert result.reasons[0].source == "NCCIH; BHF"


def test_reduced_sensation_means_gentle_pressure_and_no_heat(rules: RuleSet) -> None:
    result = screen({"reduced_sensation": True}, rules)
    assert (result.level, result.precautions) == (
        "self_care_with_precautions",
        ("gentle_pressure_only", "no_heat"),
    )


def test_arm_pain_is_soon_and_keeps_pressure_off_the_neck(rules: RuleSet) -> None:
    result = screen({"arm_pain_or_tingling": True}, rules)
    assert (result.level, result.precautions) == ("soon", in_order(*GENTLE_PLAN, "no_neck_pressure"))


def test_a_band_rash_is_urgent_and_says_not_to_massage_the_area(rules: RuleSet) -> None:
    result = screen({"band_rash": True}, rules)
    assert result.level == "urgent"
    assert "not massage the area" in result.reasons[0].message
    assert "3 days" in result.reasons[0].message


@pytest.mark.parametrize(
    ("key", "value"), [("acute_injury_regions", ["lats_left"]), ("skin_problem_regions", ["lats_left"])]
)
def test_injured_or_broken_skin_regions_are_avoided(rules: RuleSet, key: str, value: list[str]) -> None:
    result = screen({key: value}, rules)
    assert (result.level, result.precautions) == ("self_care_with_precautions", ("avoid_region:lats_left",))


# --- clinician_cleared ----------------------------------------------------------------------


def test_cancer_history_is_urgent_and_gentle_self_care_off_the_spine_once_a_clinician_cleared_it(
    rules: RuleSet,
) -> None:
    assert screen({"cancer_history": True}, rules).level == "urgent"
    result = screen({"cancer_history": True, "clinician_cleared": True}, rules)
    assert result.level == "self_care_with_precautions"
    assert result.precautions == ("gentle_pressure_only", "no_spinal_pressure", "no_body_weight_on_tools")
    assert "clinician" in result.reasons[0].message
    assert result.plan_allowed


def test_active_cancer_treatment_needs_clearance_to_reach_self_care(rules: RuleSet) -> None:
    assert screen({"active_cancer_treatment": True}, rules).level == "urgent"
    assert screen({"active_cancer_treatment": True, "cancer_history": True}, rules).level == "urgent"
    result = screen(
        {"active_cancer_treatment": True, "cancer_history": True, "clinician_cleared": True}, rules
    )
    assert result.level == "self_care_with_precautions"
    assert result.precautions == (
        "gentle_pressure_only",
        "no_sustained_pressure",
        "no_spinal_pressure",
        "no_body_weight_on_tools",
    )


def test_first_episode_over_50_is_cleared_by_a_clinician(rules: RuleSet) -> None:
    result = screen({"first_episode": True, "age": 58, "clinician_cleared": True}, rules)
    assert result.level == "self_care_with_precautions"


def test_only_cancer_and_age_flags_are_standing_conditions(rules: RuleSet) -> None:
    standing = {rule.id for rule in rules.rules if rule.standing_condition}
    assert standing == {"cancer_history", "active_cancer_treatment", "first_episode_over_50"}
    for rule in rules.rules:
        if rule.standing_condition:
            assert rule.level in ("urgent", "soon")
            assert rule.cleared_message


@pytest.mark.parametrize(
    ("rule_id", "answers"),
    [case for case in CASES if not load().rule(case.values[0]).standing_condition],  # type: ignore[arg-type,union-attr]
)
def test_clinician_cleared_never_changes_an_acute_sign(
    rules: RuleSet, rule_id: str, answers: dict[str, object]
) -> None:
    before = screen(answers, rules)
    after = screen({**answers, "clinician_cleared": True}, rules)
    assert after.level == before.level
    assert [r.message for r in after.reasons if r.rule == rule_id] == [
        r.message for r in before.reasons if r.rule == rule_id
    ]


def test_clinician_cleared_alone_changes_nothing(rules: RuleSet) -> None:
    assert screen({"clinician_cleared": True}, rules) == no_flags(rules)


def test_cleared_cancer_with_a_new_acute_sign_is_still_referred(rules: RuleSet) -> None:
    result = screen({"cancer_history": True, "clinician_cleared": True, "fever": True}, rules)
    assert result.level == "urgent"
    assert [r.rule for r in result.reasons] == ["fever", "cancer_history"]


# --- aggregation ------------------------------------------------------------------------------


def test_the_most_serious_level_wins_and_reasons_come_most_serious_first(rules: RuleSet) -> None:
    result = screen(
        {"anticoagulants": True, "not_improving_6_weeks": True, "chest_pain": True, "fever": True},
        rules,
    )
    assert result.level == "emergency"
    assert [r.rule for r in result.reasons] == [
        "chest_pain",
        "fever",
        "not_improving_6_weeks",
        "anticoagulants",
    ]
    assert result.advice == rules.advice_for("emergency")
    assert not result.plan_allowed


def test_omitted_answers_count_as_no(rules: RuleSet) -> None:
    assert screen({}, rules) == no_flags(rules)
    all_no: dict[str, object] = {
        q.id: (False if q.type == "bool" else []) for q in rules.questions if q.type != "number"
    }
    assert screen(all_no, rules) == no_flags(rules)
    assert screen({"chest_pain": None, "age": None}, rules) == no_flags(rules)


def test_no_flags_is_self_care_with_the_self_care_advice(rules: RuleSet) -> None:
    result = no_flags(rules)
    assert (result.level, result.reasons, result.precautions) == ("self_care", (), ())
    assert result.advice == rules.advice_for("self_care")
    assert dataclasses.replace(result, rationale=None) == NO_FLAGS
    assert result.rationale is not None and result.rationale == rules.rationale
    assert result.plan_allowed


def test_precautions_are_deduplicated_in_a_stable_order(rules: RuleSet) -> None:
    answers = {
        "skin_problem_regions": ["upper_trapezius_left", "neck_base"],
        "acute_injury_regions": ["neck_base", "chest_right"],
        "pregnancy_weeks": 20,
        "reduced_sensation": True,
        "osteoporosis": True,
        "anticoagulants": True,
        "age": 75,
    }
    expected = (
        "gentle_pressure_only",
        "no_sustained_pressure",
        "no_spinal_pressure",
        "no_lying_on_back",
        "no_lying_face_down",
        "no_body_weight_on_tools",
        "no_loaded_end_range",
        "no_heat",
        "no_firm_tools",
        "avoid_region:neck_base",
        "avoid_region:upper_trapezius_left",
        "avoid_region:chest_right",
    )
    assert screen(answers, rules).precautions == expected
    reordered = dict(reversed(list(answers.items())))
    assert screen(reordered, rules).precautions == expected
    assert all(is_precaution(p) for p in expected)
    assert [p.split(":")[1] for p in expected if ":" in p] == [
        r for r in REGIONS if f"avoid_region:{r}" in expected
    ]


def test_to_json_has_exactly_the_contract_shape(rules: RuleSet) -> None:
    result = screen({"anticoagulants": True, "acute_injury_regions": ["upper_trapezius_left"]}, rules)
    data = result.to_json()
    assert list(data) == ["level", "reasons", "precautions", "advice", "rationale", "clearance"]
    assert data["rationale"] is None and data["clearance"] is None
    assert data["level"] == "self_care_with_precautions"
    assert data["reasons"] == [
        {"question": "anticoagulants", "message": result.reasons[0].message, "source": "NCCIH; BHF"},
        {"question": "acute_injury_regions", "message": result.reasons[1].message, "source": "Bartsch 2021"},
    ]
    assert data["precautions"] == [
        "gentle_pressure_only",
        "no_sustained_pressure",
        "no_body_weight_on_tools",
        "no_firm_tools",
        "avoid_region:upper_trapezius_left",
    ]
    assert isinstance(data["advice"], str) and data["advice"]
    assert json.loads(json.dumps(data)) == data


def test_reasons_name_a_question_of_the_screen(rules: RuleSet) -> None:
    for rule in rules.rules:
        assert rules.question(rule.question) is not None, rule.id


def test_advice_gives_plain_next_steps_for_every_level(rules: RuleSet) -> None:
    emergency = rules.advice_for("emergency")
    for number in ("999", "112", "911"):
        assert number in emergency
    assert "Do not drive yourself" in emergency
    assert "Do not massage" in emergency
    assert "today" in rules.advice_for("urgent") and "111" in rules.advice_for("urgent")
    assert "few days" in rules.advice_for("soon")
    with_limits = rules.advice_for("self_care_with_precautions")
    assert "limits" in with_limits and "sharp pain" in with_limits
    # Shared by every precaution rule, so it names no limit that only some of them have
    # (it used to explain "no spinal pressure" to people on blood thinners).
    assert "spine" not in with_limits and "pressure only" not in with_limits
    assert "sharp" in rules.advice_for("self_care")
    assert rules.advice_for("self_care") == NO_FLAGS.advice


def test_plan_is_allowed_only_below_urgent(rules: RuleSet) -> None:
    for level in LEVELS:
        result = ScreeningResult(level=level, reasons=(), precautions=(), advice="")
        assert result.plan_allowed == (level not in ("emergency", "urgent"))


# --- the rules file is checked strictly ------------------------------------------------------


def _broken(edit: Any) -> ContentError:
    data = copy.deepcopy(raw_yaml())
    edit(data)
    with pytest.raises(ContentError) as caught:
        parse_rules(SCREENING_YAML, data)
    return caught.value


def _rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_the_real_rules_file_loads(rules: RuleSet) -> None:
    assert len(rules.rules) == len(raw_yaml()["rules"])


def test_a_rule_naming_an_unknown_question_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever")["when"].append("fevre"))
    assert (error.file, error.entry, error.field) == ("screening.yaml", "fever", "when[1]")
    assert "fevre" in str(error)


def test_an_unknown_question_inside_any_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "minor_injury_fragile_bones")["when"][1]["any"].append("bones"))
    assert error.entry == "minor_injury_fragile_bones" and error.field == "when[1].any[3]"


def test_a_bad_level_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever").update(level="very_urgent"))
    assert (error.entry, error.field) == ("fever", "level")


def test_a_self_care_rule_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever").update(level="self_care"))
    assert (error.entry, error.field) == ("fever", "level")


def test_a_bad_precaution_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "anticoagulants")["precautions"].append("no_massage"))
    assert (error.entry, error.field) == ("anticoagulants", "precautions")


def test_an_unknown_rule_key_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever").update(levle="urgent"))
    assert (error.entry, error.field) == ("fever", "levle")


def test_an_unknown_question_key_is_rejected() -> None:
    error = _broken(lambda d: d["questions"][0].update(hint="x"))
    assert (error.entry, error.field) == ("chest_pain", "hint")


def test_a_standing_condition_on_an_emergency_rule_is_rejected() -> None:
    def edit(d: dict[str, Any]) -> None:
        _rule(d, "chest_pain").update(standing_condition=True, cleared_message="x")

    error = _broken(edit)
    assert (error.entry, error.field) == ("chest_pain", "standing_condition")


def test_a_standing_condition_without_a_cleared_message_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "cancer_history").pop("cleared_message"))
    assert (error.entry, error.field) == ("cancer_history", "cleared_message")


def test_comparing_a_yes_no_question_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever").update(when=["fever>=1"]))
    assert (error.entry, error.field) == ("fever", "when[0]")


def test_a_bare_number_question_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "age_70_or_over").update(when=["age"]))
    assert (error.entry, error.field) == ("age_70_or_over", "when[0]")


def test_a_threshold_outside_the_question_range_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "age_70_or_over").update(when=["age>=170"]))
    assert (error.entry, error.field) == ("age_70_or_over", "when[0]")


def test_clinician_cleared_cannot_be_a_sign() -> None:
    error = _broken(lambda d: _rule(d, "fever")["when"].append("clinician_cleared"))
    assert (error.entry, error.field) == ("fever", "when")


def test_avoid_regions_from_must_be_a_regions_question() -> None:
    error = _broken(lambda d: _rule(d, "acute_injury").update(avoid_regions_from="fever"))
    assert (error.entry, error.field) == ("acute_injury", "avoid_regions_from")


def test_a_duplicate_rule_id_is_rejected() -> None:
    error = _broken(lambda d: d["rules"].append(copy.deepcopy(_rule(d, "fever"))))
    assert (error.entry, error.field) == ("fever", "id")


def test_a_question_no_rule_uses_is_rejected() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["questions"].append(
            {"id": "hiccups", "group": "soon", "type": "bool", "text": "Do you have hiccups?"}
        )

    error = _broken(edit)
    assert (error.entry, error.field) == ("hiccups", "id")


def test_missing_advice_for_a_level_is_rejected() -> None:
    error = _broken(lambda d: d["advice"].pop("soon"))
    assert (error.entry, error.field) == ("advice", "soon")


def test_an_unknown_top_level_key_is_rejected() -> None:
    error = _broken(lambda d: d.update(version=2))
    assert error.field == "version"


def test_a_rule_without_references_is_rejected() -> None:
    error = _broken(lambda d: _rule(d, "fever").update(references=[]))
    assert (error.entry, error.field) == ("fever", "references")


def test_the_therapist_docs_list_every_rule_question_and_text(rules: RuleSet) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "screening.md").read_text(encoding="utf-8")
    for rule in rules.rules:
        assert f"| `{rule.id}` |" in docs, rule.id
    for question in rules.questions:
        assert f"| `{question.id}` |" in docs and question.text in docs, question.id


def test_the_most_serious_level_wins_whatever_the_order_of_the_rules_file(rules: RuleSet) -> None:
    answers = {"anticoagulants": True, "not_improving_6_weeks": True, "fever": True, "jaw_pain": True}
    backwards = dataclasses.replace(rules, rules=tuple(reversed(rules.rules)))
    result = screen(answers, backwards)
    assert result.level == "emergency"
    assert [r.rule for r in result.reasons] == [
        "jaw_pain",
        "fever",
        "not_improving_6_weeks",
        "anticoagulants",
    ]
    assert result.precautions == screen(answers, rules).precautions


def test_a_cleared_standing_condition_ranks_below_a_soon_flag(rules: RuleSet) -> None:
    result = screen({"cancer_history": True, "clinician_cleared": True, "not_improving_6_weeks": True}, rules)
    assert result.level == "soon"
    assert [r.rule for r in result.reasons] == ["not_improving_6_weeks", "cancer_history"]
    # The cleared cancer history keeps its own limits; a soon screen adds the gentle-plan limits.
    assert result.precautions == GENTLE_PLAN


# --- the extended contract: new signs, combinations, soon limits, clearance, rationale -------


def test_pain_on_exertion_is_urgent_and_never_lowered_by_a_clearance(rules: RuleSet) -> None:
    from datetime import date

    from backease.core.screening import Clearance

    assert screen({"pain_with_exertion": True}, rules).level == "urgent"
    cleared = screen({"pain_with_exertion": True, "clinician_cleared": True}, rules)
    assert cleared.level == "urgent"
    assert cleared.clearance is None  # nothing standing fired, so nothing to clear
    covering = Clearance(date(2026, 1, 5), frozenset({"pain_with_exertion", "cancer_history"}))
    forced = screen(
        {"pain_with_exertion": True, "cancer_history": True, "clinician_cleared": True},
        rules,
        clearance=covering,
        today=date(2026, 1, 6),
    )
    assert forced.level == "urgent"
    assert [r.rule for r in forced.reasons] == ["pain_with_exertion", "cancer_history"]
    pain = rules.rule("pain_with_exertion")
    assert pain is not None and not pain.standing_condition


@pytest.mark.parametrize("arm", ["arm_pain_or_tingling", "arm_weakness_or_clumsiness"])
@pytest.mark.parametrize("cancer", ["cancer_history", "active_cancer_treatment"])
def test_cancer_with_arm_symptoms_is_an_emergency_even_when_cleared(
    rules: RuleSet, arm: str, cancer: str
) -> None:
    assert screen({arm: True}, rules).level in ("urgent", "soon")
    result = screen({arm: True, cancer: True}, rules)
    assert result.level == "emergency"
    assert result.reasons[0].rule == "cancer_with_arm_symptoms"
    assert result.reasons[0].source == "NICE NG234"
    cleared = screen({arm: True, cancer: True, "clinician_cleared": True}, rules)
    assert cleared.level == "emergency"
    assert not cleared.plan_allowed


@pytest.mark.parametrize("sign", ["constant_or_night_pain", "worse_cough_sneeze_strain"])
@pytest.mark.parametrize("cancer", ["cancer_history", "active_cancer_treatment"])
def test_cancer_with_night_or_strain_pain_stays_urgent_whatever_the_clearance(
    rules: RuleSet, sign: str, cancer: str
) -> None:
    from datetime import date

    from backease.core.screening import Clearance

    for cleared in (False, True):
        result = screen({cancer: True, sign: True, "clinician_cleared": cleared}, rules)
        assert result.level == "urgent", (cancer, sign, cleared)
        assert "cancer_with_night_or_strain_pain" in fired(result)
    # Even a clearance that names every cancer rule does not lower it.
    covering = Clearance(date(2026, 1, 5), frozenset(r.id for r in rules.rules))
    forced = screen(
        {cancer: True, sign: True, "clinician_cleared": True},
        rules,
        clearance=covering,
        today=date(2026, 1, 6),
    )
    assert forced.level == "urgent"
    rule = rules.rule("cancer_with_night_or_strain_pain")
    assert rule is not None and not rule.standing_condition


def test_one_weak_leg_is_urgent(rules: RuleSet) -> None:
    result = screen({"one_leg_weak": True}, rules)
    assert (result.level, [r.rule for r in result.reasons]) == ("urgent", ["one_leg_weak"])


@pytest.mark.parametrize("question", ["worse_cough_sneeze_strain", "back_lump_or_deformity"])
def test_nhs_back_pain_signs_are_soon_with_a_gentle_plan(rules: RuleSet, question: str) -> None:
    answers: dict[str, object] = {question: True}
    if question == "back_lump_or_deformity":
        answers["lump_regions"] = ["thoracic_spine_left"]
    result = screen(answers, rules)
    expected = GENTLE_PLAN + (("avoid_region:thoracic_spine_left",) if "lump_regions" in answers else ())
    assert (result.level, result.precautions) == ("soon", expected)
    assert result.reasons[0].source == "NHS"


@pytest.mark.parametrize(
    "question",
    [
        "unexplained_weight_loss",
        "constant_or_night_pain",
        "back_lump_or_deformity",
        "worse_cough_sneeze_strain",
    ],
)
def test_the_soon_advice_for_weight_loss_night_pain_and_a_lump_asks_for_an_urgent_gp_appointment(
    rules: RuleSet, question: str
) -> None:
    # SCREENING.md, in the NHS back-pain page's words (which list pain worse on coughing too).
    result = screen({question: True}, rules)
    assert result.level == "soon"
    assert "Ask for an urgent GP appointment" in result.advice
    assert "next few days" not in result.advice
    assert "urgent GP appointment" in result.reasons[0].message
    assert "Ask for an urgent GP appointment" not in screen({"pain_after_meals": True}, rules).advice
    # A more serious level keeps its own advice.
    assert screen({question: True, "fever": True}, rules).advice == rules.advice_for("urgent")


def test_a_lump_avoids_each_place_named_and_with_no_place_keeps_every_tool_off_the_back(
    rules: RuleSet,
) -> None:
    named = screen({"back_lump_or_deformity": True, "lump_regions": ["lats_left", "neck_base"]}, rules)
    assert {"avoid_region:lats_left", "avoid_region:neck_base"} <= set(named.precautions)
    assert "no_tools_on_back" not in named.precautions
    for place in (
        {},
        {"lump_regions": []},
        {"lump_regions": ["not_sure"]},
        {"lump_regions": ["lats_left", "not_sure"]},
    ):
        result = screen({"back_lump_or_deformity": True, **place}, rules)
        assert result.level == "soon"
        assert "no_tools_on_back" in result.precautions, place
        assert "back_lump_place_not_given" in fired(result)
        assert not any(p.endswith("not_sure") for p in result.precautions)
    # Where, without a lump, changes nothing.
    assert screen({"lump_regions": ["lats_left"]}, rules).level == "self_care"
    question = rules.question("lump_regions")
    assert question is not None and question.asked_if == "back_lump_or_deformity" and question.not_sure


def test_a_weakened_immune_system_is_soon_and_with_fever_an_emergency(rules: RuleSet) -> None:
    assert screen({"immune_risk": True}, rules).level == "soon"
    result = screen({"immune_risk": True, "fever": True}, rules)
    assert result.level == "emergency"
    assert result.reasons[0].rule == "immune_risk_with_fever"
    assert "Finucane 2020" in result.reasons[0].source


@pytest.mark.parametrize("fragile", [{"osteoporosis": True}, {"long_term_steroids": True}, {"age": 70}])
def test_sudden_severe_onset_is_soon_and_with_fragile_bones_urgent(
    rules: RuleSet, fragile: dict[str, object]
) -> None:
    assert screen({"sudden_severe_onset": True, "age": 69}, rules).level == "soon"
    result = screen({"sudden_severe_onset": True, **fragile}, rules)
    assert result.level == "urgent"
    assert result.reasons[0].rule == "sudden_onset_fragile_bones"


def test_nice_cg75_is_no_longer_cited_and_ng234_is(rules: RuleSet) -> None:
    text = SCREENING_YAML.read_text(encoding="utf-8")
    assert "CG75" not in text and "cg75" not in text
    cited = {ref for rule in rules.rules for ref in rule.references}
    assert "nice_ng234_spinal_metastases" in cited


def test_two_soon_flags_together_are_urgent_and_the_reason_says_the_combination_is_why(
    rules: RuleSet,
) -> None:
    result = screen({"worse_cough_sneeze_strain": True, "pain_after_meals": True}, rules)
    assert result.level == "urgent"
    assert [r.rule for r in result.reasons] == [
        "two_soon_flags",
        "pain_after_meals",
        "worse_cough_sneeze_strain",
    ]
    first = result.reasons[0]
    assert "together" in first.message and "combination is why" in first.message
    assert first.source == "Finucane 2020"
    assert not result.plan_allowed


def test_one_soon_flag_alone_stays_soon(rules: RuleSet) -> None:
    for question in ("worse_cough_sneeze_strain", "immune_risk", "not_improving_6_weeks"):
        result = screen({question: True}, rules)
        assert result.level == "soon"
        assert "two_soon_flags" not in fired(result)


def test_limits_only_facts_do_not_count_towards_the_combination(rules: RuleSet) -> None:
    answers = {
        "not_improving_6_weeks": True,
        "anticoagulants": True,
        "osteoporosis": True,
        "reduced_sensation": True,
        "age": 75,
        "pregnancy_weeks": 20,
        "acute_injury_regions": ["neck_base"],
    }
    result = screen(answers, rules)
    assert result.level == "soon"
    assert "two_soon_flags" not in fired(result)


def test_a_cleared_standing_soon_flag_does_not_count_but_an_uncleared_one_does(rules: RuleSet) -> None:
    answers = {"first_episode": True, "age": 58, "not_improving_6_weeks": True}
    assert screen(answers, rules).level == "urgent"
    assert "two_soon_flags" in fired(screen(answers, rules))
    cleared = screen({**answers, "clinician_cleared": True}, rules)
    assert cleared.level == "soon"
    assert "two_soon_flags" not in fired(cleared)


def test_an_urgent_flag_with_a_soon_flag_is_not_a_combination(rules: RuleSet) -> None:
    result = screen({"fever": True, "not_improving_6_weeks": True}, rules)
    assert result.level == "urgent"
    assert "two_soon_flags" not in fired(result)


def test_a_soon_screen_carries_the_gentle_plan_limits_on_top_of_its_own(rules: RuleSet) -> None:
    result = screen({"arm_pain_or_tingling": True, "anticoagulants": True}, rules)
    assert result.level == "soon"
    assert result.precautions == in_order(*GENTLE_PLAN, "no_neck_pressure", "no_firm_tools")
    assert set(rules.precautions_for("soon")) == set(GENTLE_PLAN)
    for level in ("emergency", "urgent", "self_care_with_precautions", "self_care"):
        assert rules.precautions_for(level) == ()  # type: ignore[arg-type]
    assert screen({"not_improving_6_weeks": True}, rules).precautions == GENTLE_PLAN


def test_the_planner_adds_the_same_soon_limits_as_the_rules_file(rules: RuleSet) -> None:
    from backease.core.planner import SOON_PRECAUTIONS

    assert set(SOON_PRECAUTIONS) == set(rules.precautions_for("soon"))


def test_only_a_self_care_result_carries_the_written_rationale(rules: RuleSet) -> None:
    result = screen({"age": 30}, rules)
    assert result.level == "self_care"
    assert result.rationale is not None
    assert "Finucane 2020" in result.rationale.text and "NHS" in result.rationale.text
    assert "between the shoulder blades" in result.rationale.text
    assert "2 to 3 weeks" in result.rationale.text
    assert result.rationale.source == "Finucane 2020; NHS"
    assert set(result.rationale.references) == {"finucane_2020_red_flags", "nhs_back_pain"}
    assert result.to_json()["rationale"] == {
        "title": result.rationale.title,
        "text": result.rationale.text,
        "source": "Finucane 2020; NHS",
    }
    for answers in ({"anticoagulants": True}, {"not_improving_6_weeks": True}, {"fever": True}):
        assert screen(answers, rules).rationale is None


# --- clearance: 12 weeks, and only what was there -----------------------------------------


def _clearance(given: str, *rule_ids: str) -> Any:
    from datetime import date

    from backease.core.screening import Clearance

    return Clearance(date.fromisoformat(given), frozenset(rule_ids))


def test_a_clearance_lowers_its_standing_flag_until_the_day_before_12_weeks(rules: RuleSet) -> None:
    from datetime import date, timedelta

    answers = {"cancer_history": True, "clinician_cleared": True}
    clearance = _clearance("2026-01-05", "cancer_history")
    assert clearance.expires_on == date(2026, 3, 30)
    last_day = screen(answers, rules, clearance=clearance, today=date(2026, 3, 29))
    assert last_day.level == "self_care_with_precautions"
    assert last_day.precautions == ("gentle_pressure_only", "no_spinal_pressure", "no_body_weight_on_tools")
    assert last_day.to_json()["clearance"] == {
        "given_on": "2026-01-05",
        "expires_on": "2026-03-30",
        "active": True,
        "rules": ["cancer_history"],
    }
    ended = screen(answers, rules, clearance=clearance, today=date(2026, 3, 29) + timedelta(days=1))
    assert ended.level == "urgent"
    assert ended.precautions == (
        "gentle_pressure_only",
        "no_spinal_pressure",
        "no_body_weight_on_tools",
    )  # the flag's own limits stay
    message = ended.reasons[0].message
    assert "ended on 30 March 2026" in message and "5 January 2026" in message
    assert ended.to_json()["clearance"]["active"] is False  # type: ignore[index]


def test_a_clearance_never_lowers_a_standing_flag_that_was_not_there_when_it_was_given(
    rules: RuleSet,
) -> None:
    from datetime import date

    clearance = _clearance("2026-01-05", "cancer_history")
    answers = {"cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True}
    result = screen(answers, rules, clearance=clearance, today=date(2026, 2, 1))
    assert result.level == "urgent"
    treatment = next(r for r in result.reasons if r.rule == "active_cancer_treatment")
    assert "does not cover this one" in treatment.message
    history = next(r for r in result.reasons if r.rule == "cancer_history")
    assert "clinician has checked this pain" in history.message
    # Both flags keep their limits whatever the level.
    assert result.precautions == (
        "gentle_pressure_only",
        "no_sustained_pressure",
        "no_spinal_pressure",
        "no_body_weight_on_tools",
    )


def test_a_clearance_given_with_the_answers_covers_what_fires_now(rules: RuleSet) -> None:
    from datetime import date

    result = screen(
        {"first_episode": True, "age": 61, "clinician_cleared": True}, rules, today=date(2026, 5, 1)
    )
    assert result.clearance is not None
    assert result.clearance.given_on == date(2026, 5, 1)
    assert result.clearance.rules == frozenset({"first_episode_over_50"})
    assert result.level == "self_care_with_precautions"


def test_answering_no_to_clinician_cleared_ignores_a_stored_clearance(rules: RuleSet) -> None:
    from datetime import date

    clearance = _clearance("2026-01-05", "cancer_history")
    result = screen({"cancer_history": True}, rules, clearance=clearance, today=date(2026, 1, 6))
    assert result.level == "urgent"
    assert result.clearance is None


# --- the new sections of the rules file are checked strictly -----------------------------------


def test_a_combination_that_does_not_raise_the_level_is_rejected() -> None:
    error = _broken(lambda d: d["combine"][0].update(level="soon"))
    assert (error.entry, error.field) == ("two_soon_flags", "level")


def test_a_combination_of_one_flag_is_rejected() -> None:
    error = _broken(lambda d: d["combine"][0].update(at_least=1))
    assert (error.entry, error.field) == ("two_soon_flags", "at_least")


def test_a_combination_without_references_is_rejected() -> None:
    error = _broken(lambda d: d["combine"][0].update(references=[]))
    assert (error.entry, error.field) == ("two_soon_flags", "references")


def test_an_unknown_level_precaution_is_rejected() -> None:
    error = _broken(lambda d: d["level_precautions"].update(soon=["no_massage"]))
    assert (error.entry, error.field) == ("level_precautions", "soon")


def test_a_rationale_without_references_is_rejected() -> None:
    error = _broken(lambda d: d["self_care_rationale"].update(references=[]))
    assert (error.entry, error.field) == ("self_care_rationale", "references")


PRECAUTION_WORDS = {
    "gentle_pressure_only": "gentle pressure only",
    "no_sustained_pressure": "one spot",
    "no_firm_tools": "firm tools",
    "no_spinal_pressure": "off your spine",
    "no_body_weight_on_tools": "lie or sit on them",
    "no_loaded_end_range": "never pushes a twist, bend or stretch further",
    "no_heat": "no heat packs",
    "no_lying_on_back": "on your back",
    "no_lying_face_down": "face down",
    "no_tools_on_back": "hands only",
}


def test_each_precaution_rule_says_in_words_every_limit_it_sets(rules: RuleSet) -> None:
    for rule in rules.rules:
        if rule.level != "self_care_with_precautions":
            continue  # a "soon" result's gentle limits are in the soon advice
        message = " ".join(rule.message.split()).lower()
        for precaution in rule.precautions:
            if precaution in PRECAUTION_WORDS:
                assert PRECAUTION_WORDS[precaution] in message, (rule.id, precaution)


def test_weight_loss_with_constant_pain_gives_its_own_reason_once(rules: RuleSet) -> None:
    result = screen({"unexplained_weight_loss": True, "constant_or_night_pain": True}, rules)
    assert result.level == "urgent"
    ids = [reason.rule for reason in result.reasons]
    assert "weight_loss_and_constant_pain" in ids and "two_soon_flags" not in ids


def test_two_soon_flags_with_no_rule_of_their_own_are_urgent_together(rules: RuleSet) -> None:
    alone = [
        r.question
        for r in rules.rules
        if r.level == "soon"
        and r.question
        and len(r.when) == 1
        and getattr(r.when[0], "question", None) == r.question
        and not r.standing_condition
        and getattr(rules.question(r.question), "type", "") == "bool"
    ]
    checked = 0
    for first, second in itertools.combinations(alone, 2):
        result = screen({first: True, second: True}, rules)
        own = [reason.rule for reason in result.reasons if reason.rule != "two_soon_flags"]
        if any(getattr(rules.rule(rule_id), "level", "") != "soon" for rule_id in own):
            continue  # a rule of their own already covers this pair
        checked += 1
        assert result.level == "urgent", (first, second)
        assert result.reasons[0].rule == "two_soon_flags"
    assert checked >= 3
