"""The pre-treatment check per kind of massage (issue 19, item 2; docs/pretreatment.md):
every rule with its source, the vignettes a massage practice meets, the check never less
cautious than the client's own massage advice, the content check refusing a broken rule,
and `backease massage-check` in the terminal."""

from __future__ import annotations

import copy
import functools
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backease.cli.main import run
from backease.content import loader
from backease.content.errors import ContentError
from backease.content.loader import CONTENT_DIR, Content, parse_content
from backease.content.pretreatment_schema import FILE, check_against_advice, parse_pretreatment
from backease.core.planner import Profile, effective_precautions, recommend_massage_types
from backease.core.pretreatment import CAUTION, PretreatmentCheck, TypeCheck, check, check_answers
from backease.core.screening import ScreeningResult, screen
from backease.core.vocab import REGIONS

TODAY = date(2026, 12, 8)
KINDS = ("swedish", "deep_tissue", "trigger_point_therapy", "myofascial_release", "sports", "thai")
FIRM = ("deep_tissue", "trigger_point_therapy", "sports", "thai")


def pressures(content: Content) -> dict[str, Any]:
    return {m.id: m.pressure for m in content.library.massage_types}


def run_check(content: Content, answers: dict[str, object]) -> tuple[ScreeningResult, PretreatmentCheck]:
    return check_answers(answers, content.rules, content.pretreatment, pressures(content), today=TODAY)


def kinds_of(result: PretreatmentCheck) -> dict[str, TypeCheck]:
    return {t.massage_type: t for t in result.types}


# --- one case per rule: it fires, decides, and cites its sources -------------------------------

# rule id -> (answers, or a screen's level and precautions when no answers reach the rule alone;
# the kind of massage it decides)
CASES: dict[str, tuple[dict[str, object] | tuple[str, tuple[str, ...]], str]] = {
    "red_flag_refer": ({"fever": True}, "swedish"),
    "soon_not_today": ({"not_improving_6_weeks": True}, "swedish"),
    "firm_pressure_ruled_out": ({"anticoagulants": True}, "deep_tissue"),
    "gentle_pressure_cap": ({"osteoporosis": True}, "swedish"),
    "long_holds_ruled_out": ({"anticoagulants": True}, "myofascial_release"),
    "keep_moving": ({"anticoagulants": True}, "swedish"),
    "thai_spine_ruled_out": ({"osteoporosis": True}, "thai"),
    "spine_off_limits": ({"long_term_steroids": True}, "myofascial_release"),
    "thai_stretches_ruled_out": ({"age": 74}, "thai"),
    "no_pushed_stretches": ({"osteoporosis": True}, "swedish"),
    "pregnancy_thai_ruled_out": ({"pregnancy_weeks": 30}, "thai"),
    "pregnancy_side_lying": ({"pregnancy_weeks": 30}, "deep_tissue"),
    # Arm symptoms and a lump without a place come with a `soon` screen (not today): their
    # modify rules matter for a screen whose level a future rule change leaves lower.
    "arm_symptoms_neck": (("self_care_with_precautions", ("no_neck_pressure",)), "swedish"),
    "numb_skin_no_heat": ({"reduced_sensation": True}, "swedish"),
    "no_firm_tools": ({"anticoagulants": True}, "swedish"),
    "lump_untouched": (("self_care_with_precautions", ("no_tools_on_back",)), "swedish"),
    "screened_areas_avoided": ({"skin_problem_regions": ["lats_left"]}, "sports"),
    "recent_clot_not_cleared": ({"recent_dvt": True, "dvt_places": ["left_leg"]}, "swedish"),
    "recent_clot_place_unknown": ({"recent_dvt": True, "dvt_doctor_ok": True}, "swedish"),
    "recent_clot_site": ({"recent_dvt": True, "dvt_doctor_ok": True, "dvt_places": ["left_leg"]}, "swedish"),
    "recent_clot_firm_work": (
        {"recent_dvt": True, "dvt_doctor_ok": True, "dvt_places": ["left_leg"]},
        "sports",
    ),
    "recent_clot_gentle": (
        {"recent_dvt": True, "dvt_doctor_ok": True, "dvt_places": ["left_leg"]},
        "swedish",
    ),
    "recent_operation": ({"surgery_weeks_ago": 4, "surgery_places": ["abdomen"]}, "swedish"),
    "operation_place_unknown": ({"surgery_weeks_ago": 8}, "swedish"),
    "operation_weeks_unknown": ({"surgery_places": ["abdomen"]}, "swedish"),
    "operation_site": ({"surgery_weeks_ago": 8, "surgery_places": ["abdomen"]}, "swedish"),
    "cancer_treatment_areas": (
        {"cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True},
        "swedish",
    ),
    "pregnancy_legs": ({"pregnancy_weeks": 10}, "swedish"),
}


def test_every_rule_has_a_case(content: Content) -> None:
    assert {r.id for r in content.pretreatment.rules} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_decides_with_its_sources(content: Content, rule_id: str) -> None:
    given, kind = CASES[rule_id]
    rule = next(r for r in content.pretreatment.rules if r.id == rule_id)
    if isinstance(given, tuple):
        level, precautions = given
        screening = ScreeningResult(level=level, reasons=(), precautions=precautions, advice="")  # type: ignore[arg-type]
        result = check(screening, {}, content.rules, content.pretreatment, pressures(content))
    else:
        _, result = run_check(content, given)
    item = result.for_type(kind)
    assert item.decision == rule.decision, (rule_id, item)
    assert rule_id in [f.rule for f in item.findings]
    assert set(rule.references) <= set(item.references)
    known = {r.id for r in content.library.references}
    assert rule.references and set(rule.references) <= known
    assert rule.source and rule.reason


# --- vignettes ------------------------------------------------------------------------------------


def test_pregnant_at_30_weeks_is_treated_side_lying_or_seated_and_never_gets_thai(content: Content) -> None:
    _, result = run_check(content, {"pregnancy_weeks": 30})
    kinds = kinds_of(result)
    assert "Pregnant: week 30, third trimester." in result.notes
    assert kinds["thai"].decision == "not_today"
    assert "stretches" in kinds["thai"].findings[0].reason
    for kind in KINDS[:-1]:
        item = kinds[kind]
        assert item.decision == "modify", kind
        assert item.modifications.use_positions == ("seated", "side_lying")
        assert set(item.modifications.avoid_positions) == {"supine", "prone"}
        assert set(item.modifications.gentle_areas) == {"left_leg", "right_leg"}
        assert "nhs_exercise_in_pregnancy" in item.references and "rcog_2015_vte_pregnancy" in item.references


def test_warfarin_rules_out_deep_tissue_and_caps_swedish_at_gentle(content: Content) -> None:
    screening, result = run_check(content, {"anticoagulants": True})
    kinds = kinds_of(result)
    for kind in (*FIRM, "myofascial_release"):
        assert kinds[kind].decision == "not_today", kind
    deep = kinds["deep_tissue"]
    assert "gentle pressure only" in deep.findings[0].reason
    # The screen's own words (blood thinners) go with it, with their sources.
    assert any("Blood thinners" in r.message for f in deep.findings for r in f.because)
    assert {"nccih_massage", "bhf_blood_thinners_bruising"} <= set(deep.references)
    swedish = kinds["swedish"]
    assert swedish.decision == "modify" and swedish.modifications.pressure_cap == "gentle"
    assert {"no_sustained_pressure", "no_firm_tools"} <= set(swedish.modifications.limits)
    assert screening.level == "self_care_with_precautions"


def test_a_clot_last_month_in_the_left_calf_means_not_today_until_the_doctor_agrees(content: Content) -> None:
    answers: dict[str, object] = {"recent_dvt": True, "dvt_places": ["left_leg"]}
    _, result = run_check(content, answers)
    assert {t.decision for t in result.types} == {"not_today"}
    assert all("nhs_dvt" in t.references for t in result.types)
    # The doctor treating it has said massage is fine: never on that leg, and gentle (a clot is
    # treated with blood thinners, whether or not the client said so).
    _, result = run_check(content, {**answers, "dvt_doctor_ok": True})
    swedish = result.for_type("swedish")
    assert swedish.decision == "modify"
    assert swedish.modifications.avoid_areas == ("left_leg",)
    assert swedish.modifications.pressure_cap == "gentle"
    assert result.for_type("deep_tissue").decision == "not_today"
    # Not sure where the clot was: ask first.
    _, result = run_check(content, {**answers, "dvt_doctor_ok": True, "dvt_places": ["left_leg", "not_sure"]})
    assert result.for_type("swedish").decision == "not_today"


def test_a_red_swollen_calf_now_means_do_not_treat_refer(content: Content) -> None:
    screening, result = run_check(content, {"calf_swelling": True})
    assert {t.decision for t in result.types} == {"refer"}
    assert result.advice == screening.advice
    assert any("blood clot" in r.message for r in result.for_type("swedish").findings[0].because)


def test_osteoporosis_leaves_gentle_swedish_and_myofascial_off_the_spine(content: Content) -> None:
    _, result = run_check(content, {"osteoporosis": True, "age": 66})
    kinds = kinds_of(result)
    for kind in FIRM:
        assert kinds[kind].decision == "not_today", kind
    for kind in ("swedish", "myofascial_release"):
        mods = kinds[kind].modifications
        assert kinds[kind].decision == "modify"
        assert mods.pressure_cap == "gentle"
        assert {"no_spinal_pressure", "no_loaded_end_range"} <= set(mods.limits)
        assert "brooke_wavell_2022_osteoporosis_exercise" in kinds[kind].references


def test_chest_surgery_4_weeks_ago_means_not_today(content: Content) -> None:
    answers: dict[str, object] = {
        "recent_surgery_or_fracture_regions": ["chest_left"],
        "surgery_weeks_ago": 4,
        "surgery_places": ["chest_left"],
    }
    screening, result = run_check(content, answers)
    assert screening.level == "soon"
    for item in result.types:
        assert item.decision == "not_today"
        assert {"soon_not_today", "recent_operation"} <= {f.rule for f in item.findings}
    # Ten weeks on, with the screen's 3 months not yet over: still the screen's "see someone first".
    # The intake alone (an operation elsewhere, 10 weeks ago): leave the area alone.
    _, later = run_check(content, {"surgery_weeks_ago": 10, "surgery_places": ["chest_left"]})
    assert later.for_type("swedish").decision == "modify"
    assert later.for_type("swedish").modifications.avoid_areas == ("chest_left",)


def test_eczema_on_the_upper_back_leaves_those_areas_alone(content: Content) -> None:
    areas = ["between_shoulder_blades_left", "between_shoulder_blades_right"]
    _, result = run_check(content, {"skin_problem_regions": areas})
    for item in result.types:
        assert item.decision == "modify"
        assert list(item.modifications.avoid_areas) == areas
        assert "nccih_massage" in item.references


def test_cancer_under_chemotherapy_means_refer_until_cleared_then_gentle_swedish_only(
    content: Content,
) -> None:
    answers: dict[str, object] = {"cancer_history": True, "active_cancer_treatment": True}
    screening, result = run_check(content, answers)
    assert screening.level == "urgent"
    assert {t.decision for t in result.types} == {"refer"}
    assert result.advice == screening.advice
    _, cleared = run_check(content, {**answers, "clinician_cleared": True})
    kinds = kinds_of(cleared)
    assert kinds["swedish"].decision == "modify"
    assert any("chemotherapy port" in f.reason for f in kinds["swedish"].findings)
    assert "cancer_council_2014_massage_cancer" in kinds["swedish"].references
    assert all(kinds[k].decision == "not_today" for k in KINDS if k != "swedish")


@pytest.mark.parametrize("sign", ["chest_pain", "sudden_tearing_pain", "both_legs_weak_or_numb", "fever"])
def test_a_red_flag_says_do_not_treat_refer_with_the_words_the_client_saw(
    content: Content, sign: str
) -> None:
    screening, result = run_check(content, {sign: True, "pressure_preference": "firm"})
    assert screening.level in ("emergency", "urgent")
    assert result.advice == screening.advice
    for item in result.types:
        assert item.decision == "refer"
        assert [f.rule for f in item.findings] == ["red_flag_refer"]
        assert [r.message for r in item.findings[0].because] == [r.message for r in screening.reasons]
        assert item.modifications.empty


def test_nothing_in_the_answers_means_go_and_the_clients_wishes_only_add_limits(content: Content) -> None:
    _, result = run_check(content, {})
    assert {t.decision for t in result.types} == {"go"}
    _, result = run_check(content, {"pressure_preference": "gentle", "areas_to_avoid": ["neck_base"]})
    deep = result.for_type("deep_tissue")
    assert deep.decision == "modify" and deep.modifications.pressure_cap == "gentle"
    assert deep.modifications.avoid_areas == ("neck_base",)
    # A wish for firm pressure never lifts a limit.
    _, result = run_check(content, {"pressure_preference": "firm", "anticoagulants": True})
    assert result.for_type("swedish").modifications.pressure_cap == "gentle"
    assert result.for_type("deep_tissue").decision == "not_today"


# --- never less cautious than the client's own advice ---------------------------------------------

BOOLS = [
    "anticoagulants",
    "osteoporosis",
    "long_term_steroids",
    "reduced_sensation",
    "active_cancer_treatment",
    "cancer_history",
    "clinician_cleared",
    "arm_pain_or_tingling",
    "back_lump_or_deformity",
    "fever",
    "not_improving_6_weeks",
    "calf_swelling",
    "recent_dvt",
    "dvt_doctor_ok",
]
PLACES_ = st.lists(st.sampled_from([*REGIONS[:6], "left_leg", "abdomen", "not_sure"]), max_size=2)
answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        **{name: st.booleans() for name in BOOLS},
        "pregnancy_weeks": st.integers(0, 42),
        "age": st.integers(18, 95),
        "skin_problem_regions": st.lists(st.sampled_from(REGIONS), max_size=2),
        "acute_injury_regions": st.lists(st.sampled_from(REGIONS), max_size=2),
        "dvt_places": PLACES_,
        "surgery_weeks_ago": st.integers(0, 52),
        "surgery_places": PLACES_,
        "areas_to_avoid": PLACES_,
        "pressure_preference": st.sampled_from(["gentle", "moderate", "firm"]),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_strategy)
def test_a_decision_is_never_less_cautious_than_the_clients_own_massage_advice(
    content: Content, answers: dict[str, object]
) -> None:
    screening, result = run_check(content, answers)
    advice = {s.massage_type.id: s for s in recommend_massage_types(Profile(), screening, content.library)}
    conditions = [
        p
        for p in effective_precautions(screening)
        if p.startswith("avoid_region:")
        or ((item := content.library.precaution(p)) is not None and bool(item.massage))
    ]
    for item in result.types:
        if screening.level in ("urgent", "emergency"):
            assert item.decision == "refer"
        elif not advice[item.massage_type].suitable:
            assert CAUTION[item.decision] >= CAUTION["not_today"], (answers, item)
        elif conditions:
            assert CAUTION[item.decision] >= CAUTION["modify"], (answers, item)
        if item.decision == "modify":
            assert not item.modifications.empty or any(
                f.rule == "cancer_treatment_areas" for f in item.findings
            )


# --- the content check refuses a broken rule ---------------------------------------------------------


def raw_yaml() -> dict[str, Any]:
    data = yaml.safe_load((CONTENT_DIR / FILE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def broken(content: Content, edit: Any) -> ContentError:
    data = copy.deepcopy(raw_yaml())
    edit(data)
    kinds = tuple(m.id for m in content.library.massage_types)
    with pytest.raises(ContentError) as caught:
        rules = parse_pretreatment(data, content.rules, kinds)
        check_against_advice(
            rules,
            content.rules,
            {m.id: (m.pressure, m.avoid_precautions) for m in content.library.massage_types},
            frozenset(p.id for p in content.library.precautions if p.massage),
        )
    return caught.value


def rule_of(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def test_the_real_file_loads_with_every_kind_of_massage(content: Content) -> None:
    assert len(content.pretreatment.rules) == len(raw_yaml()["rules"])
    covered = {t for r in content.pretreatment.rules for t in r.types}
    assert covered == set(KINDS)


def test_a_rule_without_references_is_refused(content: Content) -> None:
    error = broken(content, lambda d: rule_of(d, "firm_pressure_ruled_out").update(references=[]))
    assert (error.file, error.entry, error.field) == (FILE, "firm_pressure_ruled_out", "references")


def test_a_rule_without_a_source_is_refused(content: Content) -> None:
    error = broken(content, lambda d: rule_of(d, "pregnancy_legs").pop("source"))
    assert (error.entry, error.field) == ("pregnancy_legs", "source")


def test_an_unknown_massage_type_is_refused(content: Content) -> None:
    error = broken(content, lambda d: rule_of(d, "firm_pressure_ruled_out").update(types=["deep_tisue"]))
    assert (error.entry, error.field) == ("firm_pressure_ruled_out", "types")
    assert "unknown massage type 'deep_tisue'" in str(error)


def test_an_unknown_precaution_is_refused_in_a_term_and_in_limits(content: Content) -> None:
    error = broken(content, lambda d: rule_of(d, "keep_moving").update(when=[{"precaution": "no_holds"}]))
    assert (error.entry, error.field) == ("keep_moving", "when[0]")
    assert "unknown precaution 'no_holds'" in str(error)
    error = broken(content, lambda d: rule_of(d, "keep_moving").update(limits=["no_holds"]))
    assert (error.entry, error.field) == ("keep_moving", "limits")


def test_an_unknown_fact_is_refused(content: Content) -> None:
    error = broken(content, lambda d: rule_of(d, "recent_operation").update(when=["surgery_week<6"]))
    assert (error.entry, error.field) == ("recent_operation", "when[0]")


def test_rules_less_cautious_than_the_clients_advice_are_refused(content: Content) -> None:
    def drop(data: dict[str, Any]) -> None:
        data["rules"] = [r for r in data["rules"] if r["id"] != "long_holds_ruled_out"]

    error = broken(content, drop)
    assert error.field == "rules" and "no_sustained_pressure" in str(error)
    error = broken(content, lambda d: rule_of(d, "red_flag_refer").update(when=[{"level": "emergency"}]))
    assert "at level 'urgent'" in str(error)


def test_backease_content_check_fails_on_a_rule_without_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = raw_yaml()
    rule_of(data, "pregnancy_side_lying")["references"] = []
    (target / FILE).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(loader, "parse_content", functools.partial(parse_content, target))
    with pytest.raises(SystemExit) as exit_info:
        run(["content", "check"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.count("\n") == 1
    assert "pretreatment.yaml: entry 'pregnancy_side_lying': field 'references'" in err


# --- the terminal ------------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def test_massage_check_prints_each_kind_with_its_decision_reasons_and_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"pregnancy_weeks": 30, "anticoagulants": True})
    code, out, _ = cli(capsys, "massage-check", "--answers", path)
    text = " ".join(out.split())
    assert code == 0
    assert "Swedish massage: modify" in text and "Thai massage: not today" in text
    assert "Deep tissue massage: not today" in text
    assert "Position: sitting, lying on your side." in text
    assert "Sources:" in text and "NHS 2026" in text
    code, out, _ = cli(capsys, "massage-check", "--answers", path, "--json")
    data = json.loads(out)
    assert code == 0 and data["level"] == "self_care_with_precautions"
    kinds = {t["massage_type"]: t for t in data["types"]}
    assert list(kinds) == list(KINDS)
    assert kinds["swedish"]["decision"] == "modify"
    assert kinds["swedish"]["modifications"]["pressure_cap"] == "gentle"
    assert kinds["swedish"]["modifications"]["use_positions"] == ["seated", "side_lying"]
    assert kinds["thai"]["headline"] == "not today"
    assert all(t["references"] for t in data["types"])


def test_massage_check_says_do_not_treat_refer_with_the_clients_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "massage-check", "--answers", write(tmp_path, {"chest_pain": True}))
    text = " ".join(out.split())
    assert code == 0
    assert text.count(": do not treat, refer") == 6
    advice = screen({"chest_pain": True}, loader.load_rules()).advice
    assert " ".join(advice.split()) in text


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        ({"pregnancy_week": 30}, "pregnancy_week", "pregnancy_weeks"),
        ({"dvt_places": ["left_calf"]}, "dvt_places", "left_leg"),
        ({"pressure_preference": "hard"}, "pressure_preference", "gentle"),
        ({"surgery_weeks_ago": 60}, "surgery_weeks_ago", "0 to 52"),
        ({"recent_dvt": "yes"}, "recent_dvt", "true or false"),
        ({"anticoagulants": "yes"}, "anticoagulants", "true or false"),
        ([1, 2], "answers", "JSON object"),
        ("{not json", "answers", "not valid JSON"),
    ],
)
def test_massage_check_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, field: str, hint: str
) -> None:
    code, out, err = cli(capsys, "massage-check", "--answers", write(tmp_path, data))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {field}") and hint in err and err.count("\n") == 1


def test_massage_check_needs_the_answers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "massage-check")
    assert code == 2 and "--answers" in err


def test_the_therapist_docs_list_every_rule_and_fact(content: Content) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "pretreatment.md").read_text(encoding="utf-8")
    for rule in content.pretreatment.rules:
        assert f"| `{rule.id}` |" in docs, rule.id
    for fact in content.pretreatment.facts:
        assert f"| `{fact.id}` |" in docs, fact.id
