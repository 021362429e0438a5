"""The pre-treatment check: per kind of massage, go, modify or not today, and why.

Before a hands-on treatment a massage therapist checks the client's intake against what
they plan to do. This module does that check from two things a massage practice has:

- the client's safety screen (`core.screening`): its level, its precautions and the
  reasons behind them, with the client's own answers;
- the massage intake's facts that the screen does not ask (`pretreatment.yaml`, `facts`):
  a recent blood clot and where, a recent operation with where and how many weeks ago,
  areas the client wants left alone, and the pressure they prefer.

The rules are data (`backease/content/pretreatment.yaml`, parsed by
`backease.content.pretreatment_schema`); each gives, for some kinds of massage, a decision
with its reason, its sources and, for "modify", how (a pressure cap, areas to leave alone,
positions, limits). Every rule that fires counts, and the most cautious decision wins:
`go` < `modify` < `not_today` < `refer`. An urgent or emergency screen means "do not
treat, refer", with the advice the client sees; a `soon` screen means not today.

The check is never less cautious than the client's own massage-type advice
(`core.planner.recommend_massage_types`): the content check holds the rules to it, and a
property test tries it on random answers. Pure: no Django, no files, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from backease.core.errors import InputError
from backease.core.screening import (
    AnswerValue,
    Reason,
    RuleSet,
    ScreeningResult,
    evaluate,
    validate_answers,
)
from backease.core.vocab import (
    AVOID_REGION_PREFIX,
    INTENSITIES,
    INTENSITY_RANK,
    NOT_SURE,
    POSITIONS,
    REGIONS,
    Intensity,
    Level,
    Position,
    closest,
)

Decision = Literal["go", "modify", "not_today", "refer"]
DECISIONS: tuple[Decision, ...] = ("go", "modify", "not_today", "refer")
"""From least to most cautious; the most cautious decision of the rules that fire wins."""
CAUTION: dict[Decision, int] = {name: rank for rank, name in enumerate(DECISIONS)}

OFF_MAP_PLACES: tuple[str, ...] = ("left_arm", "right_arm", "left_leg", "right_leg", "abdomen", "elsewhere")
"""Places a massage intake names that the upper-back body map does not (a clot in a leg,
an operation on the abdomen). `PLACES` is these plus the body-map regions."""
PLACES: tuple[str, ...] = (*REGIONS, *OFF_MAP_PLACES)

FactType = Literal["bool", "number", "places", "choice"]
ALL_TYPES = "all"
"""`types: all` in a rule: every kind of massage in massage_types.yaml."""


# --- the rules, as data -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the massage intake asks that the safety screen does not."""

    id: str
    type: FactType
    text: str
    """The question as the client reads it."""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    """The allowed answers of a `choice` fact."""
    asked_if: str | None = None
    """A follow-up, asked only when this yes/no fact is answered yes."""


@dataclass(frozen=True, slots=True)
class Yes:
    """A yes/no answer (screen or intake) is yes, or a list names at least one place."""

    fact: str


@dataclass(frozen=True, slots=True)
class No:
    """A yes/no answer is not yes (left out counts as no)."""

    fact: str


@dataclass(frozen=True, slots=True)
class Below:
    """A number answer is given and below `value`."""

    fact: str
    value: float


@dataclass(frozen=True, slots=True)
class AtLeast:
    """A number answer is given and at least `value`."""

    fact: str
    value: float


@dataclass(frozen=True, slots=True)
class Unknown:
    """A number answer is left out, or a list of places names none (left out or empty) or
    says "not sure": the cautious reading of an answer that is not (all) there."""

    fact: str


@dataclass(frozen=True, slots=True)
class HasPrecaution:
    """The safety screen's precautions include this one (`avoid_region` for any area)."""

    precaution: str


@dataclass(frozen=True, slots=True)
class AtLevel:
    """The safety screen ended at one of these levels."""

    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class Either:
    """At least one of the terms holds."""

    terms: tuple[Term, ...]


Term = Yes | No | Below | AtLeast | Unknown | HasPrecaution | AtLevel | Either


@dataclass(frozen=True, slots=True)
class Change:
    """How a treatment is modified, as data (every field may be empty)."""

    pressure_cap: Intensity | None = None
    """No firmer than this."""
    limits: tuple[str, ...] = ()
    """Precaution ids whose massage words say what to leave out (precautions.yaml)."""
    avoid_positions: tuple[Position, ...] = ()
    use_positions: tuple[Position, ...] = ()
    """The positions to treat in instead (e.g. side-lying and seated in pregnancy)."""
    avoid_areas: tuple[str, ...] = ()
    """Places (`PLACES`) to leave alone."""
    gentle_areas: tuple[str, ...] = ()
    """Places where pressure stays gentle whatever the cap elsewhere."""


@dataclass(frozen=True, slots=True)
class PretreatmentRule:
    """One rule: when every term holds, these kinds of massage get this decision."""

    id: str
    when: tuple[Term, ...]
    types: tuple[str, ...]
    """Massage type ids (massage_types.yaml); `all` is expanded when the file is read."""
    decision: Decision
    reason: str
    """Why, in plain words a therapist reads; for `modify` it also says how."""
    source: str
    """Short label of the sources, e.g. "NCCIH; BHF"."""
    references: tuple[str, ...]
    change: Change = field(default_factory=Change)
    avoid_areas_from: str | None = None
    """A places fact whose named places are left alone."""
    avoid_screened_regions: bool = False
    """Leave alone every area the safety screen says to (its `avoid_region:` precautions)."""


@dataclass(frozen=True, slots=True)
class PretreatmentRules:
    """The intake facts, the rules, and the words for places off the body map."""

    facts: tuple[Fact, ...] = ()
    rules: tuple[PretreatmentRule, ...] = ()
    place_words: tuple[tuple[str, str], ...] = ()
    """Words for each id of `OFF_MAP_PLACES` (body-map regions use regions.yaml)."""
    request_source: str = ""
    """The label shown with what the client asked for (areas, pressure): not a rule."""

    def fact(self, fact_id: str) -> Fact | None:
        """The intake fact with this id, or None."""
        for item in self.facts:
            if item.id == fact_id:
                return item
        return None


# --- the result -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason behind a decision: a rule that fired, or what the client asked for."""

    rule: str
    """The rule id; `client_request` for the client's own wishes."""
    decision: Decision
    reason: str
    source: str
    references: tuple[str, ...]
    because: tuple[Reason, ...] = ()
    """The safety screen's reasons this rule acts on (their words are the client's)."""


@dataclass(frozen=True, slots=True)
class Modifications:
    """How to modify the treatment: the union of every `modify` finding's change."""

    pressure_cap: Intensity | None = None
    avoid_areas: tuple[str, ...] = ()
    gentle_areas: tuple[str, ...] = ()
    avoid_positions: tuple[Position, ...] = ()
    use_positions: tuple[Position, ...] = ()
    limits: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is to be modified."""
        return not (
            self.pressure_cap
            or self.avoid_areas
            or self.gentle_areas
            or self.avoid_positions
            or self.use_positions
            or self.limits
        )


@dataclass(frozen=True, slots=True)
class TypeCheck:
    """The check for one kind of massage."""

    massage_type: str
    decision: Decision
    findings: tuple[Finding, ...]
    """The findings that decide: those whose decision is the type's (none for go)."""
    modifications: Modifications
    """How to modify it (empty unless the decision is `modify`)."""
    references: tuple[str, ...]
    """Every source behind the decision: the rules' and the safety screen's."""


@dataclass(frozen=True, slots=True)
class PretreatmentCheck:
    """The check for every kind of massage, with the screen it follows."""

    level: Level
    advice: str
    """The safety screen's advice, word for word as the client sees it."""
    types: tuple[TypeCheck, ...]
    notes: tuple[str, ...] = ()
    """Context for the therapist (e.g. the week and trimester of a pregnancy)."""

    def for_type(self, massage_type: str) -> TypeCheck:
        """The check of one kind of massage (KeyError if unknown)."""
        for item in self.types:
            if item.massage_type == massage_type:
                return item
        raise KeyError(massage_type)


# --- answers --------------------------------------------------------------------------------

Facts = Mapping[str, AnswerValue | str]
"""Validated answers: the screen's (`AnswerValue`) and the intake's (a choice is text)."""


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _validate_fact(fact: Fact, value: object) -> AnswerValue | str:
    if fact.type == "bool":
        if not isinstance(value, bool):
            raise InputError(fact.id, f"must be true or false, not {_describe(value)}", ("true", "false"))
        return value
    if fact.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise InputError(fact.id, f"must be a number, not {_describe(value)}")
        low, high = fact.minimum, fact.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise InputError(fact.id, f"must be a number from {low:g} to {high:g}, not {_describe(value)}")
        return float(value)
    if fact.type == "choice":
        if not isinstance(value, str) or value not in fact.choices:
            hint = closest(value, fact.choices) if isinstance(value, str) else None
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError(fact.id, f"unknown answer {_describe(value)}{suffix}", fact.choices)
        return value
    allowed = (*PLACES, NOT_SURE)
    if not isinstance(value, list | tuple):
        raise InputError(fact.id, f"must be a list of places, not {_describe(value)}", allowed)
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            hint = closest(item, allowed) if isinstance(item, str) else None
            suffix = f"; did you mean '{hint}'?" if hint else ""
            raise InputError(fact.id, f"unknown place {_describe(item)}{suffix}", allowed)
        if item not in out:
            out.append(item)
    return tuple(out)


def validate_intake(
    raw: Mapping[str, object], screen_rules: RuleSet, rules: PretreatmentRules
) -> tuple[dict[str, AnswerValue], dict[str, AnswerValue | str]]:
    """Split and check one mapping of answers: the safety screen's question ids and the
    intake's fact ids. Returns (screen answers, every answer). Raises `InputError` naming
    the field for an unknown id (with the closest match) or a bad answer."""
    if not isinstance(raw, Mapping):
        raise InputError("answers", f"must be a mapping of question ids to answers, not {_describe(raw)}")
    allowed = (*(q.id for q in screen_rules.questions), *(f.id for f in rules.facts))
    screen_raw: dict[str, object] = {}
    intake: dict[str, AnswerValue | str] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise InputError("answers", f"ids must be text, not {_describe(key)}", allowed)
        fact = rules.fact(key)
        if fact is None:
            if screen_rules.question(key) is None:
                hint = closest(key, allowed)
                suffix = f"; did you mean '{hint}'?" if hint else ""
                raise InputError(key, f"unknown question '{key}'{suffix}", allowed)
            screen_raw[key] = value
        elif value is not None:
            intake[key] = _validate_fact(fact, value)
    screen_answers = validate_answers(screen_raw, screen_rules)
    return screen_answers, {**screen_answers, **intake}


# --- evaluation -------------------------------------------------------------------------------


def _places(value: AnswerValue | str | None) -> tuple[str, ...]:
    return tuple(p for p in value if p != NOT_SURE) if isinstance(value, tuple) else ()


def holds(term: Term, facts: Facts, screening: ScreeningResult, precautions: tuple[str, ...]) -> bool:
    """Whether one term holds for these answers and this safety screen."""
    if isinstance(term, Either):
        return any(holds(inner, facts, screening, precautions) for inner in term.terms)
    if isinstance(term, HasPrecaution):
        if term.precaution == "avoid_region":
            return any(p.startswith(AVOID_REGION_PREFIX) for p in precautions)
        return term.precaution in precautions
    if isinstance(term, AtLevel):
        return screening.level in term.levels
    value = facts.get(term.fact)
    if isinstance(term, Yes):
        return value is True or bool(_places(value))
    if isinstance(term, No):
        return value is not True
    if isinstance(term, Unknown):
        return value is None or (isinstance(value, tuple) and (not _places(value) or NOT_SURE in value))
    if not isinstance(value, float):
        return False
    return value < term.value if isinstance(term, Below) else value >= term.value


def _screen_reasons(
    rule: PretreatmentRule, screening: ScreeningResult, screen_rules: RuleSet
) -> tuple[Reason, ...]:
    """The screen's reasons behind a rule's precaution or level terms."""
    wanted = {t.precaution for t in _flat(rule.when) if isinstance(t, HasPrecaution)}
    by_level = any(isinstance(t, AtLevel) for t in _flat(rule.when))
    out: list[Reason] = []
    for reason in screening.reasons:
        source = screen_rules.rule(reason.rule)
        adds = set(source.precautions) if source is not None else set()
        if source is not None and source.avoid_regions_from is not None:
            adds.add("avoid_region")
        if by_level or adds & wanted:
            out.append(reason)
    return tuple(out)


def _flat(terms: tuple[Term, ...]) -> list[Term]:
    out: list[Term] = []
    for term in terms:
        out.extend(_flat(term.terms) if isinstance(term, Either) else [term])
    return out


def _ordered(values: list[str], order: tuple[str, ...]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(values))
    return tuple(sorted(unique, key=lambda v: order.index(v) if v in order else len(order)))


def _positions(values: list[Position]) -> tuple[Position, ...]:
    return tuple(p for p in POSITIONS if p in values)


@dataclass
class _Gathered:
    findings: list[tuple[Finding, tuple[str, ...]]] = field(default_factory=list)
    """Each finding with every reference behind it (the rule's and the screen's reasons')."""
    caps: list[Intensity] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    gentle: list[str] = field(default_factory=list)
    avoid_positions: list[Position] = field(default_factory=list)
    use_positions: list[Position] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)

    def take(self, change: Change) -> None:
        if change.pressure_cap is not None:
            self.caps.append(change.pressure_cap)
        self.avoid.extend(change.avoid_areas)
        self.gentle.extend(change.gentle_areas)
        self.avoid_positions.extend(change.avoid_positions)
        self.use_positions.extend(change.use_positions)
        self.limits.extend(change.limits)


def check(
    screening: ScreeningResult,
    facts: Facts,
    screen_rules: RuleSet,
    rules: PretreatmentRules,
    massage_types: Mapping[str, Intensity],
    precautions: tuple[str, ...] | None = None,
) -> PretreatmentCheck:
    """The pre-treatment check of every kind of massage.

    `screening` is the client's safety screen (as stored, with any clinician clearance);
    `facts` are the validated answers (`validate_intake`: the screen's and the intake's);
    `massage_types` maps each massage type id to its usual pressure, in the guide's order.
    `precautions` are the precautions in force (default: the screen's plus those its level
    adds, `planner.effective_precautions`).
    """
    from backease.core.planner import effective_precautions

    in_force = precautions if precautions is not None else effective_precautions(screening)
    screened_regions = [p[len(AVOID_REGION_PREFIX) :] for p in in_force if p.startswith(AVOID_REGION_PREFIX)]
    gathered = {type_id: _Gathered() for type_id in massage_types}
    for rule in rules.rules:
        if not all(holds(term, facts, screening, in_force) for term in rule.when):
            continue
        because = _screen_reasons(rule, screening, screen_rules)
        finding = Finding(rule.id, rule.decision, rule.reason, rule.source, rule.references, because)
        extra: list[str] = []
        if rule.avoid_areas_from is not None:
            extra.extend(_places(facts.get(rule.avoid_areas_from)))
        if rule.avoid_screened_regions:
            extra.extend(screened_regions)
        refs = list(rule.references)
        for reason in because:
            source = screen_rules.rule(reason.rule)
            if source is not None:
                refs.extend(source.references)
        for type_id in rule.types:
            if type_id not in gathered:
                continue
            into = gathered[type_id]
            into.findings.append((finding, tuple(refs)))
            into.take(rule.change)
            into.avoid.extend(extra)
    _client_requests(facts, massage_types, gathered, rules.request_source)
    out: list[TypeCheck] = []
    for type_id, into in gathered.items():
        decision: Decision = max(
            (f.decision for f, _ in into.findings), key=CAUTION.__getitem__, default="go"
        )
        # Only the findings that decide are shown: a "refer" lists no pressure caps.
        kept = [(f, refs) for f, refs in into.findings if f.decision == decision]
        modifications = Modifications()
        if decision == "modify":
            cap: Intensity | None = None
            for value in into.caps:
                if cap is None or INTENSITY_RANK[value] < INTENSITY_RANK[cap]:
                    cap = value
            modifications = Modifications(
                pressure_cap=cap,
                avoid_areas=_ordered(into.avoid, PLACES),
                gentle_areas=_ordered([g for g in into.gentle if g not in into.avoid], PLACES),
                avoid_positions=_positions(into.avoid_positions),
                use_positions=_positions([p for p in into.use_positions if p not in into.avoid_positions]),
                limits=tuple(dict.fromkeys(into.limits)),
            )
        out.append(
            TypeCheck(
                massage_type=type_id,
                decision=decision,
                findings=tuple(f for f, _ in kept),
                modifications=modifications,
                references=tuple(dict.fromkeys(r for _, refs in kept for r in refs)),
            )
        )
    return PretreatmentCheck(
        level=screening.level, advice=screening.advice, types=tuple(out), notes=_notes(facts)
    )


REQUEST = "client_request"
"""The `rule` of a finding that is the client's own wish, not a clinical rule."""


def _client_requests(
    facts: Facts, massage_types: Mapping[str, Intensity], gathered: dict[str, _Gathered], source: str
) -> None:
    """What the client asked for: areas left alone, and no firmer than the pressure they
    prefer. Each makes a kind of massage "modify" at least; neither ever lifts a limit."""
    areas = _places(facts.get("areas_to_avoid"))
    preferred = facts.get("pressure_preference")
    for type_id, usual in massage_types.items():
        into = gathered[type_id]
        if areas:
            words = "The client asked for these areas to be left alone."
            into.findings.append((Finding(REQUEST, "modify", words, source, ()), ()))
            into.avoid.extend(areas)
        if isinstance(preferred, str) and preferred in INTENSITIES:
            wish: Intensity = preferred
            if INTENSITY_RANK[wish] < INTENSITY_RANK[usual]:
                words = f"The client prefers {wish} pressure: no firmer than that."
                into.findings.append((Finding(REQUEST, "modify", words, source, ()), ()))
                into.caps.append(wish)


def _notes(facts: Facts) -> tuple[str, ...]:
    weeks = facts.get("pregnancy_weeks")
    if isinstance(weeks, float) and weeks > 0:
        words = ("first", "second", "third")[trimester(weeks) - 1]
        return (f"Pregnant: week {weeks:g}, {words} trimester.",)
    return ()


def trimester(weeks: float) -> int:
    """The trimester of a pregnancy week: 1 before week 14, 2 to week 27, 3 from week 28."""
    return 1 if weeks < 14 else (2 if weeks < 28 else 3)


def check_answers(
    raw: Mapping[str, object],
    screen_rules: RuleSet,
    rules: PretreatmentRules,
    massage_types: Mapping[str, Intensity],
    today: date | None = None,
) -> tuple[ScreeningResult, PretreatmentCheck]:
    """Validate one mapping of answers (the screen's and the intake's), screen them, and
    check every kind of massage. Raises `InputError` on a bad answer."""
    screen_answers, facts = validate_intake(raw, screen_rules, rules)
    screening = evaluate(screen_answers, screen_rules, today=today)
    return screening, check(screening, facts, screen_rules, rules, massage_types)


def finding_json(finding: Finding) -> dict[str, object]:
    """One finding as shown in JSON: the screen's reasons in the client's words."""
    return {
        "rule": finding.rule,
        "decision": finding.decision,
        "reason": finding.reason,
        "source": finding.source,
        "references": list(finding.references),
        "because": [
            {"question": r.question, "message": r.message, "source": r.source} for r in finding.because
        ],
    }


def type_json(item: TypeCheck) -> dict[str, object]:
    """One kind of massage's check as shown in JSON (ids; front ends add names and words)."""
    mods = item.modifications
    return {
        "massage_type": item.massage_type,
        "decision": item.decision,
        "findings": [finding_json(f) for f in item.findings],
        "modifications": {
            "pressure_cap": mods.pressure_cap,
            "avoid_areas": list(mods.avoid_areas),
            "gentle_areas": list(mods.gentle_areas),
            "avoid_positions": list(mods.avoid_positions),
            "use_positions": list(mods.use_positions),
            "limits": list(mods.limits),
        },
        "references": list(item.references),
    }
