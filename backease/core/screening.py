"""The safety screen: questions, rules as data, and one small evaluator.

The clinical contract is `shared/SCREENING.md`; the questions and rules themselves
live in `backease/content/screening.yaml` and are parsed into the records below by
`backease.content.rules_schema`. This module only evaluates them.

A rule fires when every term of its `when` list holds. A term is one of:

- `Answered(q)`: a yes/no question answered yes, or a region list that is not empty;
- `Compare(q, op, value)`: a number question answered, and `answer op value` holds;
- `NotAnswered(q)`: a number question left out (used to be cautious when age is unknown),
  or a regions question that names no region (left out, empty, or only "not sure");
- `NotSure(q)`: a regions question answered with "not sure" among its answers;
- `AnyOf(terms)`: at least one of the terms holds.

Every rule that fires adds a reason and its precautions; the most serious level wins.
Three more steps, all data in the rules file:

- clinician clearance: a person who answers `clinician_cleared` has rules marked
  `standing_condition` (cancer history, first episode over 50) turned from urgent/soon
  into self-care with precautions, but only the standing rules that fired when the
  clearance was given (`Clearance.rules`) and only for `Clearance.weeks` weeks from
  `Clearance.given_on`. Emergency rules can never be standing conditions;
- combinations (`Combination`): two or more flags at one level (after clearance) raise
  the level, e.g. two `soon` flags make the screen `urgent` (Finucane 2020);
- level precautions: a screen that ends at a level (e.g. `soon`) carries the limits the
  contract sets for that level, on top of the flags' own.

`today` is always injected by the caller (the store, the CLI), so the core stays pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from backease.core.errors import InputError
from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    LEVEL_RANK,
    NOT_SURE,
    PRECAUTIONS,
    REGIONS,
    Level,
    closest,
)

QuestionType = Literal["bool", "number", "regions"]
QuestionGroup = Literal["emergency", "urgent", "soon", "precaution", "context"]
Operator = Literal[">=", ">", "<=", "<"]

CLINICIAN_CLEARED = "clinician_cleared"
"""The question id that turns standing-condition flags into precautions."""

_STRICT: dict[str, Any] = {"extra": "forbid", "str_strip_whitespace": True}


@dataclass(frozen=True, slots=True)
class Question:
    """One screening question, as a person sees it."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    group: QuestionGroup
    type: QuestionType
    text: str
    """The question as asked: plain, short, second person."""
    help: str = ""
    """One line of explanation."""
    short: str = ""
    """The question in a few words, as the one-page safety check lists it (the full `text`
    and `help` are one tap away); empty: the check shows `text`."""
    minimum: float | None = None
    maximum: float | None = None
    asked_if: str | None = None
    """A follow-up: asked only when this yes/no question is answered yes (e.g. where a
    lump is, after "have you noticed a lump?")."""
    not_sure: str = ""
    """The words of a "not sure" answer (`vocab.NOT_SURE`) that a regions question also
    takes ("Not sure where"); empty when it takes none."""
    sign: str = ""
    """The sign in a few plain words ("coughing up blood"), for "When to see someone", which
    is written from the rules (`when_to_see_someone`). Required of every question a rule at
    emergency, urgent or soon level asks about."""


@dataclass(frozen=True, slots=True)
class Answered:
    """Holds when a yes/no question is answered yes, or a region list names a region."""

    question: str


@dataclass(frozen=True, slots=True)
class Compare:
    """Holds when a number question is answered and `answer <op> value` is true."""

    question: str
    op: Operator
    value: float


@dataclass(frozen=True, slots=True)
class NotAnswered:
    """Holds when a number question was left out, or a regions question names no region."""

    question: str


@dataclass(frozen=True, slots=True)
class NotSure:
    """Holds when a regions question's answers include "not sure"."""

    question: str


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Holds when at least one of its terms holds."""

    terms: tuple[Term, ...]


Term = Answered | Compare | NotAnswered | NotSure | AnyOf


@dataclass(frozen=True, slots=True)
class Rule:
    """One screening rule: when all terms hold, the level applies and the reason is shown."""

    id: str
    level: Level
    message: str
    """Plain words: what this could mean and what to do."""
    source: str
    """Short label of the sources, e.g. "NHS; AHA"."""
    references: tuple[str, ...]
    """Reference ids (references.yaml)."""
    when: tuple[Term, ...]
    question: str
    """The question the reason is reported under."""
    precautions: tuple[str, ...] = ()
    avoid_regions_from: str | None = None
    """A regions question whose listed regions each become `avoid_region:<id>`."""
    standing_condition: bool = False
    """True if `clinician_cleared` turns this urgent/soon flag into precautions."""
    cleared_message: str = ""
    """The message shown instead when `clinician_cleared` has downgraded this rule."""
    advice: str = ""
    """Next steps shown instead of the level's advice when the screen ends at this rule's
    level (e.g. "ask for an urgent GP appointment" for a lump, SCREENING.md)."""
    title: str = ""
    """The result's title when this rule's advice is given, saying the same ("Ask for an
    urgent GP appointment"); the level's own title otherwise (labels.yaml)."""


@dataclass(frozen=True, slots=True)
class Combination:
    """Flags that are weak alone but concerning together: `at_least` flags that end at
    `count_level` (after clinician clearance) raise the screen to `level`."""

    id: str
    count_level: Level
    at_least: int
    level: Level
    message: str
    """Plain words that say the combination is why."""
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rationale:
    """The written reason shown on a `self_care` result (SCREENING.md)."""

    title: str
    text: str
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClearancePolicy:
    """How long a clinician's clearance lasts, and the notes shown when it does not apply."""

    weeks: int = 12
    expired_note: str = ""
    """Added to a standing flag whose clearance has ended; `{given_on}` and `{expired_on}`
    are filled in."""
    not_covered_note: str = ""
    """Added to a standing flag that was not there when the clearance was given."""


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """SCREENING.md, "A therapist's programme cannot go past these limits": a programme step
    stays within its technique's `max_seconds` unless the therapist records a reason, and
    never goes past it when `when` holds (numb skin, blood thinners, fragile bones)."""

    when: tuple[Term, ...]
    source: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """All questions, rules and per-level advice of the screen."""

    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    advice: tuple[tuple[Level, str], ...]
    """Plain next-steps text per level."""
    combinations: tuple[Combination, ...] = ()
    level_precautions: tuple[tuple[Level, tuple[str, ...]], ...] = ()
    """Precautions a screen carries when it ends at that level (e.g. `soon`: gentle only)."""
    rationale: Rationale | None = None
    clearance: ClearancePolicy = field(default_factory=ClearancePolicy)
    time_limit: TimeLimit | None = None
    """When a programme step may never go past its technique's maximum time."""

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        for question in self.questions:
            if question.id == question_id:
                return question
        return None

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def advice_for(self, level: Level) -> str:
        """The next-steps text for a level ("" if the rules file gives none)."""
        for name, text in self.advice:
            if name == level:
                return text
        return ""

    def own_title(self, level: str, advice: str) -> str:
        """The title that goes with a result's advice when that advice is a rule's own
        (`Rule.advice`, e.g. "Ask for an urgent GP appointment"); "" when the result gives
        its level's advice, whose title is the level's (labels.yaml). Read from the advice,
        so a stored result gets the title of what it says."""
        wanted = " ".join(advice.split())
        for rule in self.rules:
            if rule.advice and rule.level == level and rule.advice == wanted:
                return rule.title
        return ""

    def precautions_for(self, level: Level) -> tuple[str, ...]:
        """The precautions a screen ending at this level carries (none for most levels)."""
        for name, precautions in self.level_precautions:
            if name == level:
                return precautions
        return ()


AnswerValue = bool | float | tuple[str, ...]
Answers = Mapping[str, AnswerValue]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the screen reached its level: the question, what it may mean, the source."""

    question: str
    message: str
    source: str
    rule: str = ""
    """The id of the rule that fired (not part of the JSON output)."""


@dataclass(frozen=True, slots=True)
class Clearance:
    """A clinician's clearance: when the person said so, and which standing rules fired then.

    It lowers only those rules, and only for `weeks` weeks from `given_on`.
    """

    given_on: date
    rules: frozenset[str]
    weeks: int = 12

    @property
    def expires_on(self) -> date:
        """The first day the clearance no longer applies."""
        return self.given_on + timedelta(weeks=self.weeks)

    def active_on(self, today: date) -> bool:
        """True from `given_on` until the day before `expires_on`."""
        return today < self.expires_on

    def to_json(self, today: date) -> dict[str, object]:
        """The stored and shown shape: dates as ISO text, the covered rule ids sorted."""
        return {
            "given_on": self.given_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "active": self.active_on(today),
            "rules": sorted(self.rules),
        }


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """The outcome of a screen."""

    level: Level
    reasons: tuple[Reason, ...]
    precautions: tuple[str, ...]
    advice: str
    rationale: Rationale | None = None
    """Why self-care is reasonable: set on a `self_care` result only."""
    clearance: Clearance | None = None
    """The clinician clearance this screen used (active or ended), if any."""
    today: date | None = None
    """The day the screen was evaluated (for the clearance's `active`)."""

    def to_json(self) -> dict[str, object]:
        """The JSON shape of SCREENING.md (level, reasons, precautions, advice), plus the
        self-care `rationale` and the `clearance` (each null when there is none)."""
        clearance: dict[str, object] | None = None
        if self.clearance is not None:
            clearance = self.clearance.to_json(self.today or self.clearance.given_on)
        return {
            "level": self.level,
            "reasons": [
                {"question": reason.question, "message": reason.message, "source": reason.source}
                for reason in self.reasons
            ],
            "precautions": list(self.precautions),
            "advice": self.advice,
            "rationale": rationale_json(self.rationale),
            "clearance": clearance,
        }

    @property
    def plan_allowed(self) -> bool:
        """False for emergency and urgent: no self-care plan is offered."""
        return self.level not in ("emergency", "urgent")


SELF_CARE_ADVICE = (
    "Nothing in your answers needs a clinician first, so self-care is a reasonable start. "
    "Go ahead with your routine. Use pressure that feels like a good ache, not pain. "
    "Stop at once if you feel sharp, shooting or burning pain, and answer the safety "
    "questions again if anything new happens."
)
"""The advice for an empty screen. screening.yaml uses the same text (a test checks)."""

NO_FLAGS = ScreeningResult(level="self_care", reasons=(), precautions=(), advice=SELF_CARE_ADVICE)
"""The result of a screen with nothing flagged."""


def no_flags(rules: RuleSet) -> ScreeningResult:
    """The result of a screen with nothing flagged, with the advice and rationale of these rules."""
    return ScreeningResult(
        level="self_care",
        reasons=(),
        precautions=(),
        advice=rules.advice_for("self_care"),
        rationale=rules.rationale,
    )


def rationale_json(rationale: Rationale | None) -> dict[str, str] | None:
    """The rationale as shown in JSON (title, text, source), or None."""
    if rationale is None:
        return None
    return {"title": rationale.title, "text": rationale.text, "source": rationale.source}


# --- answers ----------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _validate_one(question: Question, value: object) -> AnswerValue:
    field = question.id
    if question.type == "bool":
        if not isinstance(value, bool):
            raise InputError(
                field,
                f"must be true or false (a JSON boolean, not {_describe(value)})",
                ("true", "false"),
            )
        return value
    if question.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(field, f"must be a number, not {_describe(value)}")
        low = question.minimum
        high = question.maximum
        finite = isinstance(value, int) or math.isfinite(value)
        if not finite or (low is not None and value < low) or (high is not None and value > high):
            raise InputError(field, f"must be {_bounds(low, high)}, not {_describe(value)}")
        return float(value)
    allowed = (*REGIONS, NOT_SURE) if question.not_sure else REGIONS
    if not isinstance(value, list | tuple):
        raise InputError(field, f"must be a list of region ids, not {_describe(value)}", allowed)
    regions: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise InputError(field, f"each item must be a region id, not {_describe(item)}", allowed)
        if item not in allowed:
            hint = closest(item, allowed)
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError(field, f"unknown region '{_describe(item)[1:-1]}'{suffix}", allowed)
        if item not in regions:
            regions.append(item)
    return tuple(regions)


def _fmt(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"a number from {_fmt(low)} to {_fmt(high)}"
    if low is not None:
        return f"a number of at least {_fmt(low)}"
    if high is not None:
        return f"a number of at most {_fmt(high)}"
    return "a finite number"


def validate_answers(raw: Mapping[str, object], rules: RuleSet) -> dict[str, AnswerValue]:
    """Check raw answers (e.g. parsed JSON) against the questions; return typed answers.

    Raises `InputError` naming the field for an unknown key (with the closest match and
    the allowed keys), a yes/no answer that is not a JSON boolean, a number that is not
    a number or is out of range, or a region list that is not a list of region ids.
    Omitted answers, and answers given as null, count as "no" / absent.
    """
    if not isinstance(raw, Mapping):
        raise InputError("answers", f"must be a mapping of question id to answer, not {_describe(raw)}")
    allowed = tuple(question.id for question in rules.questions)
    out: dict[str, AnswerValue] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise InputError("answers", f"question ids must be text, not {_describe(key)}", allowed)
        question = rules.question(key)
        if question is None:
            hint = closest(key, allowed)
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError(key, f"unknown question '{_describe(key)[1:-1]}'{suffix}", allowed)
        if value is None:
            continue
        out[key] = _validate_one(question, value)
    return out


# --- evaluation -------------------------------------------------------------------


def _named_regions(value: AnswerValue | None) -> tuple[str, ...]:
    """The region ids of a regions answer ("not sure" is not a place)."""
    return tuple(r for r in value if r != NOT_SURE) if isinstance(value, tuple) else ()


def holds(term: Term, answers: Answers) -> bool:
    """Whether one term holds for validated answers."""
    if isinstance(term, Answered):
        value = answers.get(term.question)
        if isinstance(value, bool):
            return value
        return len(_named_regions(value)) > 0
    if isinstance(term, Compare):
        value = answers.get(term.question)
        if value is None or isinstance(value, bool | tuple):
            return False
        if term.op == ">=":
            return value >= term.value
        if term.op == ">":
            return value > term.value
        if term.op == "<=":
            return value <= term.value
        return value < term.value
    if isinstance(term, NotAnswered):
        value = answers.get(term.question)
        return value is None or (isinstance(value, tuple) and not _named_regions(value))
    if isinstance(term, NotSure):
        value = answers.get(term.question)
        return isinstance(value, tuple) and NOT_SURE in value
    return any(holds(inner, answers) for inner in term.terms)


def fires(rule: Rule, answers: Answers) -> bool:
    """Whether every term of the rule's `when` holds."""
    return all(holds(term, answers) for term in rule.when)


def _rule_precautions(rule: Rule, answers: Answers) -> list[str]:
    out = list(rule.precautions)
    if rule.avoid_regions_from is not None:
        regions = _named_regions(answers.get(rule.avoid_regions_from))
        out.extend(AVOID_REGION_PREFIX + region for region in regions)
    return out


def _precaution_order(precaution: str) -> tuple[int, int]:
    if precaution in PRECAUTIONS:
        return (0, PRECAUTIONS.index(precaution))
    region = precaution[len(AVOID_REGION_PREFIX) :]
    return (1, REGIONS.index(region) if region in REGIONS else len(REGIONS))


def clearance_from(answers: Answers, rules: RuleSet, today: date) -> Clearance | None:
    """The clearance these answers give today: the standing rules that fire now.

    None when `clinician_cleared` is not answered yes, or when no standing rule fires
    (a clearance that covers nothing lowers nothing).
    """
    if answers.get(CLINICIAN_CLEARED) is not True:
        return None
    covered = frozenset(r.id for r in rules.rules if r.standing_condition and fires(r, answers))
    if not covered:
        return None
    return Clearance(given_on=today, rules=covered, weeks=rules.clearance.weeks)


def evaluate(
    answers: Answers,
    rules: RuleSet,
    clearance: Clearance | None = None,
    today: date | None = None,
) -> ScreeningResult:
    """Evaluate every rule on already validated answers (see `screen`).

    `clearance` is a clearance given earlier (kept by the store); without one, a yes to
    `clinician_cleared` gives a new clearance today. A clearance lowers a standing rule
    only when `clinician_cleared` is still answered yes, the rule fired when the
    clearance was given, and it has not ended (`today` < `expires_on`).
    """
    day = today if today is not None else date.today()
    if answers.get(CLINICIAN_CLEARED) is not True:
        clearance = None
    elif clearance is None:
        clearance = clearance_from(answers, rules, day)
    active = clearance is not None and clearance.active_on(day)
    fired: list[tuple[Level, int, Reason]] = []
    precautions: set[str] = set()
    advice_by_level: dict[Level, str] = {}
    for index, rule in enumerate(rules.rules):
        if not fires(rule, answers):
            continue
        level: Level = rule.level
        message = rule.message
        if clearance is not None and rule.standing_condition and level in ("urgent", "soon"):
            if rule.id not in clearance.rules:
                message = _join(message, _fill(rules.clearance.not_covered_note, clearance))
            elif active:
                level = "self_care_with_precautions"
                message = rule.cleared_message or rule.message
            else:
                message = _join(message, _fill(rules.clearance.expired_note, clearance))
        fired.append((level, index, Reason(rule.question, message, rule.source, rule.id)))
        precautions.update(_rule_precautions(rule, answers))
        if rule.advice and level == rule.level:
            advice_by_level.setdefault(level, rule.advice)
    fired.extend(_combinations(fired, rules))
    fired.sort(key=lambda item: (LEVEL_RANK[item[0]], item[1]))
    level_out: Level = fired[0][0] if fired else "self_care"
    if level_out == "self_care" and precautions:
        level_out = "self_care_with_precautions"
    precautions.update(rules.precautions_for(level_out))
    return ScreeningResult(
        level=level_out,
        reasons=tuple(reason for _, _, reason in fired),
        precautions=tuple(sorted(precautions, key=_precaution_order)),
        advice=advice_by_level.get(level_out) or rules.advice_for(level_out),
        rationale=rules.rationale if level_out == "self_care" else None,
        clearance=clearance,
        today=day if clearance is not None else None,
    )


def _combinations(fired: list[tuple[Level, int, Reason]], rules: RuleSet) -> list[tuple[Level, int, Reason]]:
    """The reasons of every combination that holds and raises the level, ranked after the
    rules' own. A combination that would not raise it says nothing new: when weight loss
    and constant pain have already made the result urgent through their own rule, "two
    signs together" would be the same reason twice."""
    out: list[tuple[Level, int, Reason]] = []
    for offset, combination in enumerate(rules.combinations):
        counted = [reason for level, _, reason in fired if level == combination.count_level]
        if len(counted) < combination.at_least:
            continue
        if any(LEVEL_RANK[level] <= LEVEL_RANK[combination.level] for level, _, _ in fired):
            continue
        reason = Reason(counted[0].question, combination.message, combination.source, combination.id)
        out.append((combination.level, len(rules.rules) + offset, reason))
    return out


def _fill(note: str, clearance: Clearance) -> str:
    return note.replace("{given_on}", _day(clearance.given_on)).replace(
        "{expired_on}", _day(clearance.expires_on)
    )


def _day(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _join(message: str, note: str) -> str:
    return f"{message} {note}" if note else message


def screen(
    answers: Mapping[str, object],
    rules: RuleSet,
    clearance: Clearance | None = None,
    today: date | None = None,
) -> ScreeningResult:
    """Validate the answers, evaluate every rule, and return the most serious outcome.

    Reasons are listed most serious first (ties in rules-file order, combinations last);
    precautions are deduplicated, in the order of `vocab.PRECAUTIONS`, then
    `avoid_region:` in body-map order. See `evaluate` for `clearance` and `today`.
    """
    return evaluate(validate_answers(answers, rules), rules, clearance, today)


def strict_time_limit(answers: Answers, rules: RuleSet) -> bool:
    """Whether these answers keep every programme step within its technique's maximum time,
    whatever reason a therapist records (`RuleSet.time_limit`)."""
    limit = rules.time_limit
    return limit is not None and all(holds(term, answers) for term in limit.when)


# --- "When to see someone", written from the rules ---------------------------------------

REFERRAL_LEVELS: tuple[Level, ...] = ("emergency", "urgent", "soon")
"""The levels that send a person to someone; every sign of their rules is listed."""


def _join_or(parts: list[str]) -> str:
    """ "a, b or c"; "a, x; b; or c" when a part has commas of its own."""
    if len(parts) == 1:
        return parts[0]
    if any("," in part for part in parts):
        return "; ".join(parts[:-1]) + "; or " + parts[-1]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _term_words(term: Term, rules: RuleSet) -> str:
    if isinstance(term, AnyOf):
        return _join_or([_term_words(inner, rules) for inner in term.terms])
    question = rules.question(term.question)
    sign = question.sign if question is not None and question.sign else term.question.replace("_", " ")
    if isinstance(term, Compare):
        words = {">=": "or over", ">": "over", "<=": "or under", "<": "under"}[term.op]
        value = _fmt(term.value - 1) if term.op == ">" else _fmt(term.value)
        return f"{sign} {value} {words}" if term.op in (">=", "<=") else f"{sign} {words} {value}"
    if isinstance(term, NotAnswered):
        return f"{sign} not given"
    if isinstance(term, NotSure):
        return f"{sign} not sure"
    return sign


def _alone(rules: RuleSet) -> dict[str, Level]:
    """The level each yes/no sign reaches on its own (a rule of one term)."""
    out: dict[str, Level] = {}
    for rule in rules.rules:
        if len(rule.when) == 1 and isinstance(rule.when[0], Answered):
            question = rule.when[0].question
            if question not in out or LEVEL_RANK[rule.level] < LEVEL_RANK[out[question]]:
                out[question] = rule.level
    return out


def referral_signs(rules: RuleSet) -> dict[Level, tuple[str, ...]]:
    """Every sign the rules send a person to someone for, in plain words, by level.

    One line per rule of that level, in file order: its terms' `sign` words, joined with
    "with" (a combination) and "or" (`any`). A combination is left out only when one of its
    own signs already reaches that level alone (confusion with fever: confusion alone is
    already an emergency), so nothing a rule asks about is ever missing.
    """
    alone = _alone(rules)
    out: dict[Level, list[str]] = {level: [] for level in REFERRAL_LEVELS}
    for rule in rules.rules:
        if rule.level not in out:
            continue
        if len(rule.when) > 1 and any(
            isinstance(t, Answered)
            and LEVEL_RANK.get(alone.get(t.question, "self_care"), 9) <= LEVEL_RANK[rule.level]
            for t in rule.when
        ):
            continue
        line = ", with ".join(_term_words(term, rules) for term in rule.when)
        if line not in out[rule.level]:
            out[rule.level].append(line)
    return {level: tuple(lines) for level, lines in out.items()}


def when_to_see_someone(rules: RuleSet, words: Mapping[str, str]) -> str:
    """The FAQ answer "When should I see a doctor?", written from the rules.

    `words` gives the opening of each level's paragraph (`emergency`, `urgent`, `soon`), the
    words before the signs whose own advice replaces the level's (`own_advice`, e.g. "ask
    for an urgent GP appointment"), the words for a combination (`combined`) and a closing
    line (`end`). Paragraphs are separated by a blank line; each level's signs follow its
    opening as lines that start with "- ".
    """
    signs = referral_signs(rules)
    paragraphs = [
        "\n".join([words[level], *(f"- {sign}" for sign in signs[level])])
        for level in REFERRAL_LEVELS
        if signs[level]
    ]
    own = [_term_words(rule.when[0], rules) for rule in rules.rules if rule.advice and rule.level == "soon"]
    if own:
        paragraphs.append(f"{words['own_advice']} {_join_or(own)}.")
    for combination in rules.combinations:
        if combination.count_level == "soon" and combination.level == "urgent":
            paragraphs.append(words["combined"])
    paragraphs.append(words["end"])
    return "\n\n".join(paragraphs)


def most_serious(levels: tuple[Level, ...] | list[Level]) -> Level:
    """The most serious of some levels (`self_care` for none)."""
    return min(levels, key=LEVEL_RANK.__getitem__, default="self_care")
