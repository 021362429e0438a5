"""Clinical vignettes: whole people, written from the SCREENING.md sources, and what the screen says.

Each row: the answers a person would give, the level we expect, the exact set of
precautions, and a note on why (with the source behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from backease.content.rules_schema import parse_rules
from backease.core.screening import RuleSet, screen

SCREENING_YAML = Path(__file__).resolve().parents[1] / "backease" / "content" / "screening.yaml"


@cache
def load() -> RuleSet:
    return parse_rules(SCREENING_YAML, yaml.safe_load(SCREENING_YAML.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load()


@dataclass(frozen=True)
class Vignette:
    name: str
    answers: dict[str, object]
    level: str
    precautions: frozenset[str]
    note: str


def v(name: str, answers: dict[str, object], level: str, precautions: set[str], note: str) -> Vignette:
    return Vignette(name, answers, level, frozenset(precautions), note)


NONE: set[str] = set()
CANCER = {"gentle_pressure_only", "no_spinal_pressure", "no_body_weight_on_tools"}
"""SCREENING.md: cleared cancer history (its limits stand whatever the level)."""
BLOOD_THINNERS = {"gentle_pressure_only", "no_sustained_pressure", "no_firm_tools", "no_body_weight_on_tools"}
"""SCREENING.md: blood thinners or a bleeding disorder."""
SOON = {
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_firm_tools",
    "no_body_weight_on_tools",
}
"""SCREENING.md: a soon result allows a gentle plan only, on top of the flags' own limits."""

VIGNETTES = [
    # --- emergencies -------------------------------------------------------------------------
    v(
        "woman, 45, upper back pain with nausea and a cold sweat",
        {"age": 45, "cold_sweat_nausea_faint": True},
        "emergency",
        NONE,
        "Heart attack in women often shows as back or jaw pain with nausea and sweating (AHA).",
    ),
    v(
        "man, 62, pain between the shoulder blades and chest tightness on exertion",
        {"age": 62, "chest_pain": True},
        "emergency",
        NONE,
        "Chest tightness with back pain: heart attack until proven otherwise (AHA, NHS).",
    ),
    v(
        "man, 55, back ache and jaw ache while gardening",
        {"age": 55, "jaw_pain": True},
        "emergency",
        NONE,
        "Jaw pain is a listed heart attack warning sign (AHA).",
    ),
    v(
        "man, 68, sudden ripping pain through to the back, with high blood pressure",
        {"age": 68, "sudden_tearing_pain": True},
        "emergency",
        NONE,
        "Sudden tearing chest/upper back pain is the classic sign of aortic dissection (NHS).",
    ),
    v(
        "woman, 34, on the pill after a long flight, sharp pain breathing in and breathless",
        {"age": 34, "pain_worse_breathing_in": True, "short_of_breath": True},
        "emergency",
        NONE,
        "Pleuritic pain with breathlessness may be a pulmonary embolism (NHS).",
    ),
    v(
        "man, 40, swollen calf after surgery, now sharp pain when breathing in",
        {"age": 40, "calf_swelling": True, "pain_worse_breathing_in": True},
        "emergency",
        NONE,
        "A DVT with new chest symptoms: the clot may have reached the lung (NHS DVT, PE).",
    ),
    v(
        "woman, 50, coughing up blood with pain at the side of the back",
        {"age": 50, "coughing_blood": True},
        "emergency",
        NONE,
        "Coughing blood is a pulmonary embolism sign (NHS).",
    ),
    v(
        "cyclist, 29, hit by a car, mid-back pain",
        {"age": 29, "major_trauma": True},
        "emergency",
        NONE,
        "Back pain after major trauma: possible spinal fracture (NHS back pain, Finucane 2020).",
    ),
    v(
        "man, 64, prostate cancer treated 3 years ago, mid-back ache, right foot has started to drag",
        {"age": 64, "cancer_history": True, "one_leg_weak": True},
        "emergency",
        CANCER,
        "After cancer, new weakness in even one leg can be spinal cord compression (NICE NG234);"
        " the contract makes one weak leg urgent alone, and we take the more cautious level.",
    ),
    v(
        "woman, 66, breast cancer 5 years ago, mid-back pain and legs feel heavy and numb",
        {"age": 66, "cancer_history": True, "both_legs_weak_or_numb": True},
        "emergency",
        CANCER,
        "Metastatic spinal cord compression (NICE NG234): no delay.",
    ),
    v(
        "man, 59, prostate cancer, cleared by his GP last month, now cannot pass urine",
        {"age": 59, "cancer_history": True, "clinician_cleared": True, "bladder_bowel_change": True},
        "emergency",
        CANCER,
        "A new nerve sign is never overridden by an earlier clearance (NICE NG234, NHS back pain).",
    ),
    v(
        "woman, 78, shivering and hot, her daughter finds her confused",
        {"age": 78, "fever": True, "confused_or_drowsy": True},
        "emergency",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Infection with confusion: possible sepsis (NHS sepsis, kidney infection).",
    ),
    v(
        "man, 35, back pain and suddenly very drowsy, no temperature taken",
        {"age": 35, "confused_or_drowsy": True},
        "emergency",
        NONE,
        "New confusion or drowsiness alone: treated as an emergency (NHS sepsis).",
    ),
    v(
        "woman, 63, breast cancer 4 years ago, new upper back pain and dropping her cup",
        {"age": 63, "cancer_history": True, "arm_weakness_or_clumsiness": True},
        "emergency",
        CANCER,
        "After cancer, any new limb weakness or clumsiness may be metastatic cord compression:"
        " an oncological emergency (NICE NG234).",
    ),
    v(
        "kidney transplant recipient, 48, shivering with a fever and mid-back pain",
        {"age": 48, "immune_risk": True, "fever": True},
        "emergency",
        NONE,
        "Immunosuppression plus fever: possible spinal infection or sepsis (Finucane 2020; NHS sepsis).",
    ),
    v(
        "man, 50, injects drugs, back pain, temperature 38.5",
        {"age": 50, "immune_risk": True, "fever": True, "constant_or_night_pain": True},
        "emergency",
        NONE,
        "Injecting drug use with fever and unrelenting pain: spinal infection until proven otherwise"
        " (Finucane 2020).",
    ),
    # --- urgent ------------------------------------------------------------------------------
    v(
        "man, 66, ache between the shoulder blades when he walks uphill, gone after resting",
        {"age": 66, "pain_with_exertion": True},
        "urgent",
        NONE,
        "Exertional pain easing with rest can be angina felt in the back: urgent GP (NHS angina; AHA).",
    ),
    v(
        "woman, 58, exertional back pain, her physio said it was muscular",
        {"age": 58, "pain_with_exertion": True, "clinician_cleared": True},
        "urgent",
        NONE,
        "Possible angina is an acute sign, never a standing condition: clearance does not lower it.",
    ),
    v(
        "man, 61, stiff neck and upper back, fumbling buttons, feels unsteady",
        {"age": 61, "arm_weakness_or_clumsiness": True},
        "urgent",
        NONE,
        "Hand clumsiness and imbalance suggest cervical myelopathy: prompt assessment (Davies 2018).",
    ),
    v(
        "woman, 39, mid-back pain and her right foot has started to catch",
        {"age": 39, "one_leg_weak": True},
        "urgent",
        NONE,
        "New one-sided leg weakness is a neurological deficit: same-day examination (Finucane 2020).",
    ),
    v(
        "woman, 74, osteoporosis, sudden severe mid-back pain getting out of a chair",
        {"age": 74, "osteoporosis": True, "sudden_severe_onset": True},
        "urgent",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Sudden severe pain with fragile bones: possible vertebral fragility fracture (Finucane 2020).",
    ),
    v(
        "man, 55, 5 years of prednisolone for asthma, sudden severe back pain",
        {"age": 55, "long_term_steroids": True, "sudden_severe_onset": True},
        "urgent",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Long-term steroids weaken bone: sudden severe onset may be a fracture (Finucane 2020).",
    ),
    v(
        "woman, 52, back pain worse on coughing, and it wakes her at night",
        {"age": 52, "worse_cough_sneeze_strain": True, "constant_or_night_pain": True},
        "urgent",
        NONE,
        "Two soon-level flags together: red flags are weak alone and concerning together (Finucane 2020).",
    ),
    v(
        "man, 57, first back pain ever, and a new lump over his spine",
        {"age": 57, "first_episode": True, "back_lump_or_deformity": True},
        "urgent",
        {"no_tools_on_back"},
        "First episode over 50 plus a new lump: two soon flags, so urgent (Finucane 2020; NHS back pain).",
    ),
    v(
        "man, 45, on HIV medicines, pain not better after 7 weeks",
        {"age": 45, "immune_risk": True, "not_improving_6_weeks": True},
        "urgent",
        NONE,
        "Immune risk plus a lack of improvement: two soon flags together (Finucane 2020).",
    ),
    v(
        "30 weeks pregnant, pain under the ribs and a headache",
        {"age": 31, "pregnancy_weeks": 30, "pregnancy_warning_signs": True},
        "urgent",
        {"no_lying_on_back", "no_lying_face_down"},
        "Possible pre-eclampsia: call the midwife or GP now (NHS).",
    ),
    v(
        "woman, 42, burning pain in a band around the left ribs, rash starting",
        {"age": 42, "band_rash": True},
        "urgent",
        NONE,
        "Shingles: antivirals work best within 3 days (NHS).",
    ),
    v(
        "man, 48, fever, burning when peeing and pain in the side under the ribs",
        {"age": 48, "fever": True, "urinary_symptoms": True},
        "urgent",
        NONE,
        "Possible kidney infection (NHS).",
    ),
    v(
        "woman, 74, osteoporosis, slipped on a step last week, sharp mid-back pain",
        {"age": 74, "osteoporosis": True, "recent_minor_injury": True},
        "urgent",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Minor trauma with weak bones: fragility fracture (Downie 2013).",
    ),
    v(
        "man, 58, on prednisolone for years, back hurt after lifting a box",
        {"age": 58, "long_term_steroids": True, "recent_minor_injury": True},
        "urgent",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Prolonged steroid use plus minor trauma: fracture risk (Downie 2013).",
    ),
    v(
        "woman, 64, lost 6 kg without trying, pain wakes her every night",
        {"age": 64, "unexplained_weight_loss": True, "constant_or_night_pain": True},
        "urgent",
        NONE,
        "Weight loss with non-mechanical pain: screen for malignancy or infection (Finucane 2020).",
    ),
    v(
        "man, 52, had bowel cancer, new upper back pain, not yet seen anyone",
        {"age": 52, "cancer_history": True},
        "urgent",
        CANCER,
        "Thoracic pain with a cancer history: assess within 24 h (NICE NG234).",
    ),
    v(
        "man, 45, severe pain at the top of the stomach through to the back after drinking",
        {"age": 45, "severe_upper_abdominal_pain": True},
        "urgent",
        NONE,
        "Possible acute pancreatitis (NHS).",
    ),
    v(
        "woman, 38, yellow eyes and an ache under the right shoulder blade",
        {"age": 38, "yellow_skin_or_eyes": True, "pain_after_meals": True},
        "urgent",
        NONE,
        "Jaundice with biliary pain: gallbladder or liver (NHS gallstones).",
    ),
    v(
        "woman, 60, chemotherapy now, back pain, has not asked her team",
        {"age": 60, "cancer_history": True, "active_cancer_treatment": True},
        "urgent",
        CANCER | {"no_sustained_pressure"},
        "Back pain during cancer treatment needs the cancer team first (NICE NG234, Macmillan).",
    ),
    # --- soon --------------------------------------------------------------------------------
    v(
        "58-year-old, first episode of back pain, otherwise well",
        {"age": 58, "first_episode": True},
        "soon",
        SOON,
        "First episode over 50: rule out malignancy (Finucane 2020).",
    ),
    v(
        "first episode of back pain, age not given",
        {"first_episode": True},
        "soon",
        SOON,
        "Unknown age is treated as possibly over 50 (cautious).",
    ),
    v(
        "office worker, 36, neck and shoulder pain with tingling down the right arm",
        {"age": 36, "arm_pain_or_tingling": True},
        "soon",
        SOON | {"no_neck_pressure"},
        "Possible nerve root irritation in the neck: check within days; no neck pressure.",
    ),
    v(
        "man, 44, back pain no better after 8 weeks of stretching",
        {"age": 44, "not_improving_6_weeks": True},
        "soon",
        SOON,
        "Not improving after 6 weeks of self-care: see a GP or physio (NHS back pain).",
    ),
    v(
        "woman, 51, pain under the right ribs into the shoulder blade after fatty meals",
        {"age": 51, "pain_after_meals": True},
        "soon",
        SOON,
        "Possible gallstones (NHS).",
    ),
    v(
        "rower, 27, collarbone plate fitted 8 weeks ago, tight upper back",
        {"age": 27, "recent_surgery_or_fracture_regions": ["chest_left", "upper_trapezius_left"]},
        "soon",
        SOON | {"avoid_region:chest_left", "avoid_region:upper_trapezius_left"},
        "Recent surgery: check with the surgeon; the areas are left out (Bartsch 2021).",
    ),
    v(
        "on warfarin, first back pain at 67",
        {"age": 67, "anticoagulants": True, "first_episode": True},
        "soon",
        SOON | BLOOD_THINNERS,
        "The soon flag wins, but the blood-thinner limits still apply (NCCIH, BHF).",
    ),
    v(
        "man, 35, back pain that jolts when he sneezes, otherwise well",
        {"age": 35, "worse_cough_sneeze_strain": True},
        "soon",
        SOON,
        "Pain worse on coughing or straining alone: a GP check within days (NHS back pain).",
    ),
    v(
        "woman, 41, partner noticed one shoulder blade now sticks out more",
        {"age": 41, "back_lump_or_deformity": True, "lump_regions": ["shoulder_blade_right"]},
        "soon",
        SOON | {"avoid_region:shoulder_blade_right"},
        "A new change in the shape of the back: an urgent GP appointment (NHS back pain); the place"
        " she named is left alone.",
    ),
    v(
        "man, 38, on methotrexate and a biologic for arthritis, tight upper back",
        {"age": 38, "immune_risk": True},
        "soon",
        SOON,
        "Immunosuppression alone, no fever: check within days (Finucane 2020).",
    ),
    v(
        "woman, 33, sudden severe spasm between the shoulder blades reaching for a shelf",
        {"age": 33, "sudden_severe_onset": True},
        "soon",
        SOON,
        "Sudden severe onset without fragile bones: usually spasm, check within days (Finucane 2020).",
    ),
    v(
        "man, 59, first back pain, his GP said self-care is fine, now no better after 6 weeks",
        {"age": 59, "first_episode": True, "clinician_cleared": True, "not_improving_6_weeks": True},
        "soon",
        SOON,
        "The cleared first-episode flag no longer counts, so one soon flag remains: soon, not urgent.",
    ),
    v(
        "on apixaban, 64, osteoporosis, back pain that gets worse on straining",
        {"age": 64, "anticoagulants": True, "osteoporosis": True, "worse_cough_sneeze_strain": True},
        "soon",
        SOON | {"no_firm_tools", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Limits-only facts do not count towards the combination; one soon flag stays soon.",
    ),
    # --- the clinical reviewer's cases (issue 14) ---------------------------------------------
    v(
        "woman, 58, breast cancer 6 years ago, upper back ache and tingling down the left arm",
        {"age": 58, "cancer_history": True, "arm_pain_or_tingling": True},
        "emergency",
        CANCER | {"no_neck_pressure"},
        "With cancer, radicular pain or sensory loss down a limb is an oncological emergency:"
        " contact at once (NICE NG234).",
    ),
    v(
        "man, 61, lung cancer 3 years ago, cleared by his oncologist, now tingling down one arm",
        {"age": 61, "cancer_history": True, "clinician_cleared": True, "arm_pain_or_tingling": True},
        "emergency",
        CANCER | {"no_neck_pressure"},
        "A clearance never lowers a nerve sign after cancer (NICE NG234).",
    ),
    v(
        "woman, 55, cleared breast cancer, pain now wakes her at night",
        {"age": 55, "cancer_history": True, "clinician_cleared": True, "constant_or_night_pain": True},
        "urgent",
        CANCER,
        "Nocturnal spinal pain with cancer: within 24 hours, whatever a clearance said (NICE NG234).",
    ),
    v(
        "man, 66, cleared prostate cancer, pain worse when he coughs",
        {"age": 66, "cancer_history": True, "clinician_cleared": True, "worse_cough_sneeze_strain": True},
        "urgent",
        CANCER,
        "Spinal pain worse on straining with cancer: within 24 hours (NICE NG234).",
    ),
    v(
        "woman, 44, a lump on her back, not sure exactly where",
        {"age": 44, "back_lump_or_deformity": True, "lump_regions": ["not_sure"]},
        "soon",
        SOON | {"no_tools_on_back"},
        "A lump: an urgent GP appointment (NHS back pain); with no place given, no tool on the back.",
    ),
    v(
        "man, 50, a lump he did not place",
        {"age": 50, "back_lump_or_deformity": True},
        "soon",
        SOON | {"no_tools_on_back"},
        "The place left out counts as not known: hands only on the back.",
    ),
    v(
        "kidney transplant recipient, 52, tight upper back, no fever",
        {"age": 52, "immune_risk": True},
        "soon",
        SOON,
        "Immunosuppression alone: check within days; a gentle plan with no firm tools and no body"
        " weight on a roller or ball (Finucane 2020; SCREENING.md).",
    ),
    v(
        "on rivaroxaban, 68, stiff upper back",
        {"age": 68, "anticoagulants": True},
        "self_care_with_precautions",
        BLOOD_THINNERS,
        "Blood thinners: hands and a soft ball against a wall only (NCCIH, BHF).",
    ),
    v(
        "man, 29, haemophilia A, sore shoulders from climbing",
        {"age": 29, "anticoagulants": True},
        "self_care_with_precautions",
        BLOOD_THINNERS,
        "A bleeding disorder: no firm tools, no lever holds, no body weight on a roller or ball.",
    ),
    v(
        "woman, 47, chemotherapy finished last month, her oncologist said self-care is fine",
        {"age": 47, "cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True},
        "self_care_with_precautions",
        CANCER | {"no_sustained_pressure"},
        "Cleared cancer treatment: gentle, no holds, nothing on the spine, no body weight on a tool.",
    ),
    # --- self-care with precautions ---------------------------------------------------------
    v(
        "on warfarin, desk worker",
        {"age": 54, "anticoagulants": True},
        "self_care_with_precautions",
        BLOOD_THINNERS,
        "Blood thinners: bruising risk (NCCIH, BHF).",
    ),
    v(
        "pregnant 20 weeks, otherwise well",
        {"age": 30, "pregnancy_weeks": 20},
        "self_care_with_precautions",
        {"no_lying_on_back", "no_lying_face_down"},
        "After 16 weeks, avoid lying flat on the back (NHS exercise in pregnancy).",
    ),
    v(
        "pregnant 10 weeks, otherwise well",
        {"age": 30, "pregnancy_weeks": 10},
        "self_care",
        NONE,
        "Before 16 weeks positions are not limited.",
    ),
    v(
        "retired teacher, 76, stiff upper back, no other problems",
        {"age": 76},
        "self_care_with_precautions",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "Age 70 or over: bones may be weaker (Downie 2013; Bartsch 2021).",
    ),
    v(
        "woman, 61, osteoporosis, sore shoulders from gardening",
        {"age": 61, "osteoporosis": True},
        "self_care_with_precautions",
        {"no_spinal_pressure", "gentle_pressure_only", "no_body_weight_on_tools", "no_loaded_end_range"},
        "No rolling on the spine with osteoporosis (Bartsch 2021).",
    ),
    v(
        "man, 57, type 2 diabetes with numb patches, tight upper back",
        {"age": 57, "reduced_sensation": True},
        "self_care_with_precautions",
        {"gentle_pressure_only", "no_heat"},
        "Reduced feeling: pressure could be too much without noticing.",
    ),
    v(
        "lifter, 31, strained left lat yesterday, it is swollen",
        {"age": 31, "acute_injury_regions": ["lats_left"]},
        "self_care_with_precautions",
        {"avoid_region:lats_left"},
        "Acute local inflammation: leave the area alone (Bartsch 2021).",
    ),
    v(
        "woman, 39, eczema flare on the right shoulder blade",
        {"age": 39, "skin_problem_regions": ["shoulder_blade_right"]},
        "self_care_with_precautions",
        {"avoid_region:shoulder_blade_right"},
        "Broken or inflamed skin: do not massage it (NCCIH).",
    ),
    v(
        "woman, 63, breast cancer 10 years ago, seen by her physio for this pain",
        {"age": 63, "cancer_history": True, "clinician_cleared": True},
        "self_care_with_precautions",
        CANCER,
        "Cleared standing condition becomes a precaution: gentle pressure, nothing on the spine, no"
        " body weight on a roller or ball (Macmillan).",
    ),
    v(
        "man, 70, on chemotherapy, his oncologist said gentle self-care is fine",
        {"age": 70, "cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True},
        "self_care_with_precautions",
        {
            "gentle_pressure_only",
            "no_sustained_pressure",
            "no_spinal_pressure",
            "no_body_weight_on_tools",
            "no_loaded_end_range",
        },
        "Cleared cancer treatment plus age 70: every limit applies (Macmillan; Downie 2013).",
    ),
    v(
        "man, 55, first back pain, physio assessed it and said carry on",
        {"age": 55, "first_episode": True, "clinician_cleared": True},
        "self_care_with_precautions",
        NONE,
        "First episode over 50, cleared by a clinician: no referral needed.",
    ),
    # --- self-care ---------------------------------------------------------------------------
    v(
        "climber with knots, nothing else",
        {"age": 28},
        "self_care",
        NONE,
        "Muscular upper back pain without flags: self-care is reasonable.",
    ),
    v(
        "desk worker, 34, stiff between the shoulder blades, had back pain before",
        {"age": 34, "first_episode": False},
        "self_care",
        NONE,
        "Posture-related stiffness without flags.",
    ),
    v(
        "man, 45, first ever back pain at 45",
        {"age": 45, "first_episode": True},
        "self_care",
        NONE,
        "First episode under 50 is not a flag.",
    ),
    v(
        "woman, 40, pulled a muscle lifting a child, no fragile bones",
        {"age": 40, "recent_minor_injury": True},
        "self_care",
        NONE,
        "A minor strain alone is not a flag; fragility would make it urgent.",
    ),
    v(
        "nothing answered at all",
        {},
        "self_care",
        NONE,
        "Omitted answers count as no.",
    ),
]


def test_there_are_at_least_30_vignettes_covering_every_level() -> None:
    assert len(VIGNETTES) >= 30
    assert {vignette.level for vignette in VIGNETTES} == {
        "emergency",
        "urgent",
        "soon",
        "self_care_with_precautions",
        "self_care",
    }
    assert len({vignette.name for vignette in VIGNETTES}) == len(VIGNETTES)


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[vignette.name for vignette in VIGNETTES])
def test_each_vignette_gets_the_expected_level_and_exact_precautions(
    rules: RuleSet, vignette: Vignette
) -> None:
    result = screen(vignette.answers, rules)
    assert result.level == vignette.level, vignette.note
    assert set(result.precautions) == vignette.precautions, vignette.note
    assert len(result.precautions) == len(set(result.precautions))
    assert bool(result.reasons) == (vignette.level != "self_care"), "a flagged result must say why"
    urgent_gp = {"unexplained_weight_loss", "constant_or_night_pain", "back_lump_or_deformity"}
    urgent_gp.add("worse_cough_sneeze_strain")
    if result.level == "soon" and urgent_gp & set(vignette.answers):
        assert "Ask for an urgent GP appointment" in result.advice, vignette.note
    else:
        assert result.advice == rules.advice_for(result.level)
    assert result.plan_allowed == (vignette.level not in ("emergency", "urgent"))


def test_clearance_of_a_cancer_history_never_lowers_constant_night_pain_below_urgent() -> None:
    from backease.content.loader import parse_content
    from backease.core.screening import screen

    rules = parse_content().rules
    answers = {"cancer_history": True, "constant_or_night_pain": True}
    assert screen(answers, rules).level == "urgent"
    assert screen({**answers, "clinician_cleared": True}, rules).level == "urgent"
