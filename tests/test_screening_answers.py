"""Answers: bad input is refused with a clear message naming the field; properties of the screen."""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from backease.content.rules_schema import parse_rules
from backease.core.errors import InputError
from backease.core.screening import RuleSet, screen, validate_answers
from backease.core.vocab import LEVEL_RANK, REGIONS

SCREENING_YAML = Path(__file__).resolve().parents[1] / "backease" / "content" / "screening.yaml"


@cache
def load() -> RuleSet:
    return parse_rules(SCREENING_YAML, yaml.safe_load(SCREENING_YAML.read_text(encoding="utf-8")))


@cache
def raw_rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(SCREENING_YAML.read_text(encoding="utf-8"))
    return list(data["rules"])


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load()


def refused(answers: object, rules: RuleSet) -> InputError:
    with pytest.raises(InputError) as caught:
        screen(answers, rules)  # type: ignore[arg-type]
    return caught.value


# --- bad input ---------------------------------------------------------------------------------


def test_an_unknown_question_is_refused_with_a_suggestion_and_the_allowed_ids(rules: RuleSet) -> None:
    error = refused({"chest_pian": True}, rules)
    assert error.field == "chest_pian"
    assert "did you mean 'chest_pain'" in error.message
    assert "chest_pain" in error.allowed and "age" in error.allowed
    assert str(error).startswith("chest_pian: unknown question")


def test_an_unknown_question_far_from_any_id_is_refused_without_a_guess(rules: RuleSet) -> None:
    error = refused({"zzzz": True}, rules)
    assert error.field == "zzzz"
    assert "did you mean" not in error.message


@pytest.mark.parametrize("value", ["yes", "true", "no", 1, 0, 1.0, [True], {"yes": True}])
def test_a_yes_no_answer_must_be_a_json_boolean(rules: RuleSet, value: object) -> None:
    error = refused({"fever": value}, rules)
    assert error.field == "fever"
    assert "true or false" in error.message
    assert error.allowed == ("true", "false")


def test_yes_as_text_is_refused_and_the_message_says_what_was_given(rules: RuleSet) -> None:
    error = refused({"chest_pain": "yes"}, rules)
    assert error.field == "chest_pain"
    assert "'yes'" in error.message


def test_one_instead_of_true_is_refused(rules: RuleSet) -> None:
    assert refused({"anticoagulants": 1}, rules).field == "anticoagulants"


def test_a_boolean_age_is_refused(rules: RuleSet) -> None:
    error = refused({"age": True}, rules)
    assert error.field == "age"
    assert "number" in error.message


@pytest.mark.parametrize("value", [300, 121, -1, 120.5, math.inf, math.nan, 10**400])
def test_an_age_outside_0_to_120_is_refused(rules: RuleSet, value: float) -> None:
    error = refused({"age": value}, rules)
    assert error.field == "age"
    assert "from 0 to 120" in error.message


@pytest.mark.parametrize("value", ["50", [50], {"years": 50}])
def test_an_age_that_is_not_a_number_is_refused(rules: RuleSet, value: object) -> None:
    assert refused({"age": value}, rules).field == "age"


@pytest.mark.parametrize("value", [-1, 46, -0.5])
def test_pregnancy_weeks_outside_0_to_45_are_refused(rules: RuleSet, value: float) -> None:
    error = refused({"pregnancy_weeks": value}, rules)
    assert error.field == "pregnancy_weeks"
    assert "from 0 to 45" in error.message


def test_an_unknown_region_is_refused_with_a_suggestion(rules: RuleSet) -> None:
    error = refused({"acute_injury_regions": ["upper_trapezius_lft"]}, rules)
    assert error.field == "acute_injury_regions"
    assert "did you mean 'upper_trapezius_left'" in error.message
    assert error.allowed == REGIONS


def test_a_region_list_given_as_a_string_is_refused(rules: RuleSet) -> None:
    error = refused({"skin_problem_regions": "neck_base"}, rules)
    assert error.field == "skin_problem_regions"
    assert "list of region ids" in error.message


@pytest.mark.parametrize(
    "value",
    [[["neck_base"]], [{"id": "neck_base"}], [None], [1], {"neck_base": True}, True, 3],
)
def test_nested_junk_in_a_region_list_is_refused(rules: RuleSet, value: object) -> None:
    assert (
        refused({"recent_surgery_or_fracture_regions": value}, rules).field
        == "recent_surgery_or_fracture_regions"
    )


@pytest.mark.parametrize("answers", [["chest_pain"], "chest_pain=true", 42, None, [("fever", True)]])
def test_answers_that_are_not_a_mapping_are_refused(rules: RuleSet, answers: object) -> None:
    assert refused(answers, rules).field == "answers"


def test_a_non_text_key_is_refused(rules: RuleSet) -> None:
    assert refused({1: True}, rules).field == "answers"


def test_a_long_junk_value_is_shortened_in_the_message(rules: RuleSet) -> None:
    error = refused({"fever": "x" * 500}, rules)
    assert len(str(error)) < 200


def test_valid_answers_come_back_typed_and_omitted_or_null_answers_are_left_out(rules: RuleSet) -> None:
    raw = {
        "fever": False,
        "age": 52,
        "pregnancy_weeks": 12.5,
        "acute_injury_regions": ["neck_base", "neck_base", "lats_left"],
        "chest_pain": None,
    }
    assert validate_answers(raw, rules) == {
        "fever": False,
        "age": 52.0,
        "pregnancy_weeks": 12.5,
        "acute_injury_regions": ("neck_base", "lats_left"),
    }
    assert isinstance(validate_answers({"age": 52}, rules)["age"], float)
    assert validate_answers({"skin_problem_regions": ("chest_left",)}, rules) == {
        "skin_problem_regions": ("chest_left",)
    }


def test_the_first_bad_answer_does_not_depend_on_the_good_ones(rules: RuleSet) -> None:
    assert refused({"fever": True, "age": "old", "chest_pain": False}, rules).field == "age"


# --- properties ----------------------------------------------------------------------------------
# An independent reading of the rules file (strings, not the parsed core records), so that the
# properties do not just repeat the evaluator.

_COMPARE = re.compile(r"^([a-z0-9_]+)(>=|<=|>|<)(\d+(?:\.\d+)?)$")


def _places(value: object) -> list[object]:
    return [r for r in value if r != "not_sure"] if isinstance(value, list) else []


def _holds(term: object, answers: dict[str, object]) -> bool:
    if isinstance(term, dict) and "any" in term:
        return any(_holds(inner, answers) for inner in term["any"])
    if isinstance(term, dict) and "not_answered" in term:
        value = answers.get(term["not_answered"])
        return value is None or (isinstance(value, list) and not _places(value))
    if isinstance(term, dict) and "not_sure" in term:
        value = answers.get(term["not_sure"])
        return isinstance(value, list) and "not_sure" in value
    assert isinstance(term, str)
    match = _COMPARE.match(term.replace(" ", ""))
    if match:
        value = answers.get(match.group(1))
        if value is None:
            return False
        limit = float(match.group(3))
        return {
            ">=": value >= limit,  # type: ignore[operator]
            ">": value > limit,  # type: ignore[operator]
            "<=": value <= limit,  # type: ignore[operator]
            "<": value < limit,  # type: ignore[operator]
        }[match.group(2)]
    value = answers.get(term)
    return value is True or len(_places(value)) > 0


def firing_rules(answers: dict[str, object]) -> list[dict[str, Any]]:
    return [rule for rule in raw_rules() if all(_holds(term, answers) for term in rule["when"])]


def _value(
    question_type: str, minimum: float | None, maximum: float | None, not_sure: bool = False
) -> st.SearchStrategy[object]:
    if question_type == "bool":
        return st.booleans()
    if question_type == "number":
        assert minimum is not None and maximum is not None
        return st.one_of(
            st.integers(int(minimum), int(maximum)),
            st.floats(minimum, maximum, allow_nan=False, allow_infinity=False),
        )
    return st.lists(st.sampled_from([*REGIONS, "not_sure"] if not_sure else REGIONS), max_size=4)


QUESTIONS = load().questions
BOOL_IDS = [q.id for q in QUESTIONS if q.type == "bool"]
REGION_IDS = [q.id for q in QUESTIONS if q.type == "regions"]


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    chosen = draw(st.lists(st.sampled_from([q.id for q in QUESTIONS]), unique=True, max_size=len(QUESTIONS)))
    out: dict[str, object] = {}
    for question in QUESTIONS:
        if question.id in chosen:
            out[question.id] = draw(
                _value(question.type, question.minimum, question.maximum, question.not_sure)
            )
    return out


@settings(max_examples=400, deadline=None)
@given(answer_sets())
def test_the_level_is_never_less_serious_than_any_rule_that_fires(answers: dict[str, object]) -> None:
    rules = load()
    result = screen(answers, rules)
    cleared = answers.get("clinician_cleared") is True
    firing = firing_rules(answers)
    combined = {c.id for c in rules.combinations}
    assert {r.rule for r in result.reasons} - combined == {rule["id"] for rule in firing}
    for rule in firing:
        if cleared and rule.get("standing_condition"):
            assert LEVEL_RANK[result.level] <= LEVEL_RANK["self_care_with_precautions"]
        else:
            assert LEVEL_RANK[result.level] <= LEVEL_RANK[rule["level"]], rule["id"]
    # Two soon flags that still count as soon (not lowered by clearance) make it urgent.
    soon = [r for r in firing if r["level"] == "soon" and not (cleared and r.get("standing_condition"))]
    if len(soon) >= 2:
        assert LEVEL_RANK[result.level] <= LEVEL_RANK["urgent"]
        # The combination is the reason only when no rule of its own already made it urgent
        # or worse (else it would say the same thing twice).
        already = any(
            LEVEL_RANK[r["level"]] <= LEVEL_RANK["urgent"]
            for r in firing
            if not (cleared and r.get("standing_condition"))
        )
        assert ("two_soon_flags" in {r.rule for r in result.reasons}) is not already
    else:
        assert "two_soon_flags" not in {r.rule for r in result.reasons}
    if not firing:
        assert result.level == "self_care"


@settings(max_examples=400, deadline=None)
@given(answer_sets(), st.sampled_from(BOOL_IDS))
def test_adding_a_yes_never_lowers_the_level_except_clinician_cleared(
    answers: dict[str, object], question: str
) -> None:
    rules = load()
    before = screen({**answers, question: False}, rules)
    after = screen({**answers, question: True}, rules)
    if question == "clinician_cleared":
        # The designed exception: it may lower urgent/soon flags from a standing
        # condition, but never an emergency, and never below self-care with
        # precautions. Another flag can still hold the level up (cancer history with
        # constant night pain: urgent, then soon once cleared).
        if before.level == "emergency":
            assert after.level == "emergency"
        if after.level != before.level:
            assert before.level in ("urgent", "soon")
            assert after.level in ("soon", "self_care_with_precautions")
            assert LEVEL_RANK[after.level] > LEVEL_RANK[before.level]
    else:
        assert LEVEL_RANK[after.level] <= LEVEL_RANK[before.level]
        # No flag's own limit is ever dropped (the gentle-plan limits of a soon screen
        # belong to that level: a more serious screen refuses a plan altogether).
        own = set(before.precautions) - set(rules.precautions_for(before.level))
        assert own <= set(after.precautions)


@settings(max_examples=200, deadline=None)
@given(answer_sets(), st.sampled_from(REGION_IDS), st.sampled_from(REGIONS))
def test_adding_a_region_never_lowers_the_level_or_drops_a_precaution(
    answers: dict[str, object], question: str, region: str
) -> None:
    rules = load()
    current = list(answers.get(question, []))  # type: ignore[call-overload]
    before = screen(answers, rules)
    after = screen({**answers, question: [*current, region]}, rules)
    assert LEVEL_RANK[after.level] <= LEVEL_RANK[before.level]
    own = set(before.precautions) - set(rules.precautions_for(before.level))
    follow_up = rules.question(question)
    assert follow_up is not None
    if follow_up.asked_if is not None:
        # Where a lump is: a place named replaces "hands only on the back" with leaving that
        # place alone, unless "not sure" still stands; without the lump it changes nothing.
        if answers.get(follow_up.asked_if) is not True:
            assert after == before
            return
        if "not_sure" not in current:
            own.discard("no_tools_on_back")
    assert own <= set(after.precautions)
    assert f"avoid_region:{region}" in after.precautions


@settings(max_examples=200, deadline=None)
@given(answer_sets(), st.integers(0, 120), st.integers(0, 120))
def test_an_older_age_is_never_screened_less_seriously(
    answers: dict[str, object], first: int, second: int
) -> None:
    rules = load()
    younger, older = sorted((first, second))
    assert (
        LEVEL_RANK[screen({**answers, "age": older}, rules).level]
        <= LEVEL_RANK[screen({**answers, "age": younger}, rules).level]
    )


@settings(max_examples=200, deadline=None)
@given(answer_sets())
def test_every_result_is_well_formed(answers: dict[str, object]) -> None:
    result_json = screen(answers, load()).to_json()
    assert list(result_json) == ["level", "reasons", "precautions", "advice", "rationale", "clearance"]
    assert (result_json["rationale"] is not None) == (result_json["level"] == "self_care")
    precautions = result_json["precautions"]
    assert isinstance(precautions, list) and len(precautions) == len(set(precautions))
