"""Parse and check `screening.yaml` into the records of `backease.core.screening`.

The grammar is described at the top of `screening.yaml` and in `docs/screening.md`.
Every problem raises `ContentError` naming the file, the entry and the field: unknown
keys, unknown question ids in a rule, bad levels or precautions, a comparison on a
yes/no question, a standing condition on an emergency rule, a question no rule uses...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from pydantic import StrictBool, TypeAdapter, ValidationError

from backease.content.errors import ContentError
from backease.core.screening import (
    CLINICIAN_CLEARED,
    REFERRAL_LEVELS,
    Answered,
    AnyOf,
    ClearancePolicy,
    Combination,
    Compare,
    NotAnswered,
    NotSure,
    Operator,
    Question,
    Rationale,
    Rule,
    RuleSet,
    Term,
    TimeLimit,
)
from backease.core.vocab import LEVELS, Level, is_precaution

_STRICT: dict[str, Any] = {"extra": "forbid", "str_strip_whitespace": True}
_TOP_LEVEL = ("questions", "rules", "advice")
_OPTIONAL = ("combine", "level_precautions", "self_care_rationale", "clearance", "programme_time_limit")
_COMPARISON = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_LEVELS: tuple[Level, ...] = ("emergency", "urgent", "soon", "self_care_with_precautions")


@dataclass(frozen=True, slots=True)
class _RuleEntry:
    """One rule as written in the YAML file (before its terms are parsed)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    when: list[Any]
    level: Level
    message: str
    source: str
    references: tuple[str, ...]
    question: str | None = None
    precautions: tuple[str, ...] = ()
    avoid_regions_from: str | None = None
    standing_condition: StrictBool = False
    cleared_message: str = ""
    advice: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class _CombineEntry:
    """One combination as written in the YAML file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    count: Level
    at_least: int
    level: Level
    message: str
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _RationaleEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    title: str
    text: str
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _TimeLimitEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    when: list[Any]
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _ClearanceEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    weeks: int
    expired_note: str
    not_covered_note: str


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    return ".".join(str(part) for part in error["loc"]) or "-", error["msg"]


def parse_rules(path: Path, data: object) -> RuleSet:
    """The screening rules from YAML data already loaded from `path`.

    Raises `ContentError(file, entry, field, message)` on the first problem.
    """
    file = path.name
    if not isinstance(data, dict):
        raise ContentError(
            file, "-", "-", "the file must be a mapping with 'questions', 'rules' and 'advice'"
        )
    for key in data:
        if key not in _TOP_LEVEL + _OPTIONAL:
            allowed = ", ".join(_TOP_LEVEL + _OPTIONAL)
            raise ContentError(file, "-", str(key), f"unknown top-level key (allowed: {allowed})")
    for key in _TOP_LEVEL:
        if key not in data:
            raise ContentError(file, "-", key, "missing")
    questions = _parse_questions(file, data["questions"])
    by_id = {q.id: q for q in questions}
    rules = _parse_rules(file, data["rules"], by_id)
    advice = _parse_advice(file, data["advice"])
    combinations = _parse_combinations(file, data.get("combine", []), {r.id for r in rules})
    level_precautions = _parse_level_precautions(file, data.get("level_precautions", {}))
    rationale = _parse_rationale(file, data.get("self_care_rationale"))
    clearance = _parse_clearance(file, data.get("clearance"))
    time_limit = _parse_time_limit(file, data.get("programme_time_limit"), by_id)

    used = {q for rule in rules for q in _questions_in(rule.when)}
    for question in questions:
        if question.id != CLINICIAN_CLEARED and question.id not in used:
            raise ContentError(file, question.id, "id", "no rule uses this question")
    # "When to see someone" is written from the rules: every sign they refer for has words.
    referring = {q for rule in rules if rule.level in REFERRAL_LEVELS for q in _questions_in(rule.when)}
    for question in questions:
        if question.id in referring and not question.sign:
            raise ContentError(
                file, question.id, "sign", "a question of an emergency, urgent or soon rule needs a sign"
            )
    return RuleSet(
        questions=tuple(questions),
        rules=tuple(rules),
        advice=advice,
        combinations=combinations,
        level_precautions=level_precautions,
        rationale=rationale,
        clearance=clearance,
        time_limit=time_limit,
    )


# --- questions ----------------------------------------------------------------------


def _parse_questions(file: str, raw: object) -> list[Question]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(file, "-", "questions", "must be a non-empty list")
    adapter = TypeAdapter(Question)
    out: list[Question] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, dict) else f"#{index + 1}"
        if not isinstance(entry, dict):
            raise ContentError(file, name, "-", "each question must be a mapping")
        try:
            question = adapter.validate_python(entry)
        except ValidationError as exc:
            raise ContentError(file, name, *_first_error(exc)) from None

        if question.id in seen:
            raise ContentError(file, question.id, "id", "duplicate id")
        seen.add(question.id)
        _check_question(file, question, {q.id: q for q in out})
        out.append(question)
    if CLINICIAN_CLEARED not in seen:
        raise ContentError(file, CLINICIAN_CLEARED, "id", "the clinician_cleared question is required")
    cleared = next(q for q in out if q.id == CLINICIAN_CLEARED)
    if cleared.type != "bool":
        raise ContentError(file, CLINICIAN_CLEARED, "type", "must be bool")
    return out


SHORT_WORDS = 14
"""The safety check lists every question on one page by its short form."""


def _check_question(file: str, question: Question, earlier: dict[str, Question]) -> None:
    def fail(field_name: str, message: str) -> NoReturn:
        raise ContentError(file, question.id, field_name, message)

    if question.asked_if is not None:
        parent = earlier.get(question.asked_if)
        if parent is None or parent.type != "bool":
            fail("asked_if", f"'{question.asked_if}' must be a yes/no question listed before this one")
        elif parent.group != question.group:
            fail("asked_if", f"a follow-up is asked in the same group as '{parent.id}' ({parent.group})")
    if question.not_sure and question.type != "regions":
        fail("not_sure", "only regions questions can take 'not sure'")

    if not _ID.match(question.id):
        fail("id", "must be lower_snake_case")
    if not question.text:
        fail("text", "must not be empty")
    if len(question.short.split()) > SHORT_WORDS:
        fail("short", f"at most {SHORT_WORDS} words (the full question is one tap away)")
    numeric = question.minimum is not None or question.maximum is not None
    if question.type == "number":
        if question.minimum is None or question.maximum is None:
            fail("minimum", "a number question needs a minimum and a maximum")
        if question.minimum > question.maximum:
            fail("minimum", "must not be more than maximum")
    elif numeric:
        fail("minimum", f"only number questions have a minimum/maximum, not {question.type}")


# --- rules --------------------------------------------------------------------------


def _parse_rules(file: str, raw: object, questions: dict[str, Question]) -> list[Rule]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(file, "-", "rules", "must be a non-empty list")
    adapter = TypeAdapter(_RuleEntry)
    out: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, dict) else f"#{index + 1}"
        if not isinstance(entry, dict):
            raise ContentError(file, name, "-", "each rule must be a mapping")
        try:
            raw_rule = adapter.validate_python(entry)
        except ValidationError as exc:
            raise ContentError(file, name, *_first_error(exc)) from None
        rule = _build_rule(file, raw_rule, questions)
        if rule.id in seen:
            raise ContentError(file, rule.id, "id", "duplicate id")
        seen.add(rule.id)
        out.append(rule)
    return out


def _build_rule(file: str, raw: _RuleEntry, questions: dict[str, Question]) -> Rule:
    def fail(field_name: str, message: str) -> NoReturn:
        raise ContentError(file, raw.id, field_name, message)

    if not _ID.match(raw.id):
        fail("id", "must be lower_snake_case")
    if raw.level not in _RULE_LEVELS:
        fail("level", f"a rule's level must be one of {', '.join(_RULE_LEVELS)}")
    for field_name in ("message", "source"):
        if not getattr(raw, field_name):
            fail(field_name, "must not be empty")
    if not raw.references:
        fail("references", "cite at least one reference")
    if not raw.when:
        fail("when", "must list at least one term")
    when = tuple(_parse_term(file, raw.id, f"when[{i}]", term, questions) for i, term in enumerate(raw.when))
    mentioned = _questions_in(when)
    if CLINICIAN_CLEARED in mentioned:
        fail("when", "clinician_cleared is not a sign: it only changes standing_condition rules")
    question = raw.question if raw.question is not None else mentioned[0]
    if question not in questions:
        fail("question", f"unknown question '{question}'")
    if question not in mentioned:
        fail("question", f"'{question}' must be one of the questions in 'when' ({', '.join(mentioned)})")
    for value in raw.precautions:
        if not is_precaution(value):
            fail("precautions", f"unknown precaution '{value}'")
    if len(set(raw.precautions)) != len(raw.precautions):
        fail("precautions", "each precaution may appear once")
    if raw.avoid_regions_from is not None:
        source_question = questions.get(raw.avoid_regions_from)
        if source_question is None:
            fail("avoid_regions_from", f"unknown question '{raw.avoid_regions_from}'")
        elif source_question.type != "regions":
            fail("avoid_regions_from", f"'{raw.avoid_regions_from}' is not a regions question")
    if raw.level == "self_care_with_precautions" and not raw.precautions and raw.avoid_regions_from is None:
        fail("precautions", "a self_care_with_precautions rule must add precautions or avoid_regions_from")
    if raw.standing_condition:
        if raw.level not in ("urgent", "soon"):
            fail(
                "standing_condition", "only urgent or soon rules can be standing conditions (never emergency)"
            )
        if not raw.cleared_message:
            fail("cleared_message", "a standing condition needs the message shown after clinician_cleared")
    elif raw.cleared_message:
        fail("cleared_message", "only standing conditions have a cleared_message")
    if raw.advice and raw.level not in ("urgent", "soon"):
        fail("advice", "only urgent or soon rules replace the level's advice")
    if raw.advice and not raw.title.strip():
        # The result's title must say what its advice says (a "soon" title read "in the next
        # few days" above advice asking for an urgent GP appointment).
        fail("title", "a rule with its own advice needs the title that goes with it")
    if raw.title and not raw.advice:
        fail("title", "only a rule with its own advice has a title of its own")
    return Rule(
        id=raw.id,
        level=raw.level,
        message=raw.message,
        source=raw.source,
        references=raw.references,
        when=when,
        question=question,
        precautions=raw.precautions,
        avoid_regions_from=raw.avoid_regions_from,
        standing_condition=raw.standing_condition,
        cleared_message=raw.cleared_message,
        advice=" ".join(raw.advice.split()),
        title=" ".join(raw.title.split()),
    )


def _parse_term(file: str, rule_id: str, where: str, raw: object, questions: dict[str, Question]) -> Term:
    def fail(message: str) -> ContentError:
        return ContentError(file, rule_id, where, message)

    def known(question_id: str) -> Question:
        question = questions.get(question_id)
        if question is None:
            raise fail(f"unknown question '{question_id}'")
        return question

    if isinstance(raw, str):
        match = _COMPARISON.match(raw)
        if match:
            question = known(match.group(1))
            if question.type != "number":
                raise fail(f"'{question.id}' is a {question.type} question: compare only number questions")
            value = float(match.group(3))
            low, high = question.minimum, question.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                raise fail(f"{value:g} is outside the range of '{question.id}'")
            operator: Operator = match.group(2)  # type: ignore[assignment]
            return Compare(question.id, operator, value)
        question = known(raw.strip())
        if question.type == "number":
            raise fail(f"'{question.id}' is a number question: use a comparison such as '{question.id}>=16'")
        return Answered(question.id)
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "any":
            if not isinstance(value, list) or len(value) < 2:
                raise fail("'any' needs a list of at least two terms")
            return AnyOf(
                tuple(
                    _parse_term(file, rule_id, f"{where}.any[{i}]", inner, questions)
                    for i, inner in enumerate(value)
                )
            )
        if key == "not_answered":
            if not isinstance(value, str):
                raise fail("'not_answered' needs a question id")
            question = known(value)
            if question.type == "bool":
                raise fail(
                    "'not_answered' is for number and regions questions"
                    " (an omitted yes/no answer already means no)"
                )
            return NotAnswered(question.id)
        if key == "not_sure":
            if not isinstance(value, str):
                raise fail("'not_sure' needs a question id")
            question = known(value)
            if not question.not_sure:
                raise fail(
                    f"'{question.id}' does not take 'not sure' (give a regions question its not_sure words)"
                )
            return NotSure(question.id)
    raise fail(
        f"not a term: {raw!r} (use a question id, a comparison like 'age>=70', "
        "{any: [...]}, {not_answered: question} or {not_sure: question})"
    )


def _questions_in(terms: tuple[Term, ...]) -> list[str]:
    """The question ids a list of terms mentions, in order of first mention."""
    out: list[str] = []
    for term in terms:
        names = _questions_in(term.terms) if isinstance(term, AnyOf) else [term.question]
        out.extend(name for name in names if name not in out)
    return out


# --- advice -------------------------------------------------------------------------


def _parse_advice(file: str, raw: object) -> tuple[tuple[Level, str], ...]:
    if not isinstance(raw, dict):
        raise ContentError(file, "advice", "-", "must be a mapping from level to text")
    for key in raw:
        if key not in LEVELS:
            raise ContentError(file, "advice", str(key), f"unknown level (allowed: {', '.join(LEVELS)})")
    out: list[tuple[Level, str]] = []
    for level in LEVELS:
        text = raw.get(level)
        if not isinstance(text, str) or not text.strip():
            raise ContentError(file, "advice", level, "every level needs a non-empty advice text")
        out.append((level, " ".join(text.split())))
    return tuple(out)


# --- combinations, level precautions, rationale, clearance --------------------------------


def _parse_combinations(file: str, raw: object, rule_ids: set[str]) -> tuple[Combination, ...]:
    if not isinstance(raw, list):
        raise ContentError(file, "combine", "-", "must be a list")
    adapter = TypeAdapter(_CombineEntry)
    out: list[Combination] = []
    for index, entry in enumerate(raw):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, dict) else f"#{index + 1}"
        if not isinstance(entry, dict):
            raise ContentError(file, name, "-", "each combination must be a mapping")
        try:
            item = adapter.validate_python(entry)
        except ValidationError as exc:
            raise ContentError(file, name, *_first_error(exc)) from None
        if not _ID.match(item.id) or item.id in rule_ids or any(c.id == item.id for c in out):
            raise ContentError(file, item.id, "id", "must be a new lower_snake_case id (not a rule's)")
        if item.count not in ("soon", "urgent"):
            raise ContentError(file, item.id, "count", "count flags at soon or urgent")
        if item.at_least < 2:
            raise ContentError(file, item.id, "at_least", "a combination needs at least 2 flags")
        if item.level not in _RULE_LEVELS or LEVELS.index(item.level) >= LEVELS.index(item.count):
            raise ContentError(file, item.id, "level", "must be more serious than the flags it counts")
        for field_name in ("message", "source"):
            if not getattr(item, field_name):
                raise ContentError(file, item.id, field_name, "must not be empty")
        if not item.references:
            raise ContentError(file, item.id, "references", "cite at least one reference")
        out.append(
            Combination(
                id=item.id,
                count_level=item.count,
                at_least=item.at_least,
                level=item.level,
                message=" ".join(item.message.split()),
                source=item.source,
                references=item.references,
            )
        )
    return tuple(out)


def _parse_level_precautions(file: str, raw: object) -> tuple[tuple[Level, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise ContentError(file, "level_precautions", "-", "must be a mapping from level to precautions")
    out: list[tuple[Level, tuple[str, ...]]] = []
    for level in LEVELS:
        if level not in raw:
            continue
        values = raw[level]
        if not isinstance(values, list) or not values:
            raise ContentError(file, "level_precautions", level, "must be a non-empty list")
        for value in values:
            if not isinstance(value, str) or not is_precaution(value):
                raise ContentError(file, "level_precautions", level, f"unknown precaution '{value}'")
        out.append((level, tuple(values)))
    for key in raw:
        if key not in LEVELS:
            raise ContentError(
                file, "level_precautions", str(key), f"unknown level (allowed: {', '.join(LEVELS)})"
            )
    return tuple(out)


def _parse_rationale(file: str, raw: object) -> Rationale | None:
    if raw is None:
        return None
    try:
        item = TypeAdapter(_RationaleEntry).validate_python(raw)
    except ValidationError as exc:
        raise ContentError(file, "self_care_rationale", *_first_error(exc)) from None
    for field_name in ("title", "text", "source"):
        if not getattr(item, field_name):
            raise ContentError(file, "self_care_rationale", field_name, "must not be empty")
    if not item.references:
        raise ContentError(file, "self_care_rationale", "references", "cite at least one reference")
    return Rationale(
        title=item.title, text=" ".join(item.text.split()), source=item.source, references=item.references
    )


def _parse_clearance(file: str, raw: object) -> ClearancePolicy:
    if raw is None:
        return ClearancePolicy()
    try:
        item = TypeAdapter(_ClearanceEntry).validate_python(raw)
    except ValidationError as exc:
        raise ContentError(file, "clearance", *_first_error(exc)) from None
    if item.weeks < 1:
        raise ContentError(file, "clearance", "weeks", "must be at least 1")
    return ClearancePolicy(
        weeks=item.weeks,
        expired_note=" ".join(item.expired_note.split()),
        not_covered_note=" ".join(item.not_covered_note.split()),
    )


def _parse_time_limit(file: str, raw: object, questions: dict[str, Question]) -> TimeLimit | None:
    """`programme_time_limit`: the answers with which a programme step never goes past its
    technique's maximum time (SCREENING.md)."""
    if raw is None:
        return None
    entry = "programme_time_limit"
    try:
        item = TypeAdapter(_TimeLimitEntry).validate_python(raw)
    except ValidationError as exc:
        raise ContentError(file, entry, *_first_error(exc)) from None
    if not item.when:
        raise ContentError(file, entry, "when", "needs at least one term")
    if not item.source or not item.references:
        raise ContentError(file, entry, "references", "give the source and cite at least one reference")
    when = tuple(_parse_term(file, entry, f"when[{i}]", term, questions) for i, term in enumerate(item.when))
    return TimeLimit(when=when, source=item.source, references=item.references)
