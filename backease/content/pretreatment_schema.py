"""Parse and check `pretreatment.yaml` into the records of `backease.core.pretreatment`.

The grammar is described at the top of `pretreatment.yaml` and in `docs/pretreatment.md`.
Every problem raises `ContentError` naming the file, the entry and the field: an unknown
key, a rule without a source or references, an unknown massage type, precaution, fact,
position or place, a modify rule that modifies nothing. `check_against_advice` then holds
the rules to the client's own massage-type advice (the loader calls it with the library).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from pydantic import StrictBool, TypeAdapter, ValidationError

from backease.content.errors import ContentError
from backease.core.pretreatment import (
    ALL_TYPES,
    CAUTION,
    OFF_MAP_PLACES,
    PLACES,
    AtLeast,
    AtLevel,
    Below,
    Change,
    Decision,
    Either,
    Fact,
    FactType,
    HasPrecaution,
    No,
    PretreatmentRule,
    PretreatmentRules,
    Term,
    Unknown,
    Yes,
    check,
)
from backease.core.screening import RuleSet, ScreeningResult
from backease.core.vocab import LEVELS, PRECAUTIONS, Intensity, Level, Position

FILE = "pretreatment.yaml"
_STRICT: dict[str, Any] = {"extra": "forbid", "str_strip_whitespace": True}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COMPARISON = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(>=|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_TOP_LEVEL = ("facts", "places", "request_source", "rules")


@dataclass(frozen=True, slots=True)
class _FactEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    type: FactType
    text: str
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    asked_if: str | None = None


@dataclass(frozen=True, slots=True)
class _RuleEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT
    id: str
    when: list[Any]
    types: str | list[str]
    decision: Decision
    reason: str
    source: str
    references: tuple[str, ...]
    pressure_cap: Intensity | None = None
    limits: tuple[str, ...] = ()
    avoid_positions: tuple[Position, ...] = ()
    use_positions: tuple[Position, ...] = ()
    avoid_areas: tuple[str, ...] = ()
    gentle_areas: tuple[str, ...] = ()
    avoid_areas_from: str | None = None
    avoid_screened_regions: StrictBool = False


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    return ".".join(str(part) for part in error["loc"]) or "-", error["msg"]


def parse_pretreatment(
    data: object, screen_rules: RuleSet, massage_types: tuple[str, ...]
) -> PretreatmentRules:
    """The pre-treatment rules from YAML data, checked against the screen's questions and
    the massage type ids. Raises `ContentError(file, entry, field, message)` on the first
    problem. Reference ids are checked by the loader, which knows references.yaml."""
    if not isinstance(data, dict):
        raise ContentError(FILE, "-", "-", "the file must be a mapping with 'facts', 'places' and 'rules'")
    for key in data:
        if key not in _TOP_LEVEL:
            raise ContentError(
                FILE, "-", str(key), f"unknown top-level key (allowed: {', '.join(_TOP_LEVEL)})"
            )
    for key in _TOP_LEVEL:
        if key not in data:
            raise ContentError(FILE, "-", key, "missing")
    facts = _parse_facts(data["facts"], screen_rules)
    words = _parse_places(data["places"])
    request_source = data["request_source"]
    if not isinstance(request_source, str) or not request_source.strip():
        raise ContentError(FILE, "-", "request_source", "must be a non-empty text")
    known: dict[str, str] = {q.id: q.type for q in screen_rules.questions}
    known.update({f.id: f.type for f in facts})
    rules = _parse_rules(data["rules"], known, massage_types)
    return PretreatmentRules(
        facts=facts, rules=rules, place_words=words, request_source=" ".join(request_source.split())
    )


def _parse_facts(raw: object, screen_rules: RuleSet) -> tuple[Fact, ...]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(FILE, "-", "facts", "must be a non-empty list")
    adapter = TypeAdapter(_FactEntry)
    out: list[Fact] = []
    for index, entry in enumerate(raw):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, dict) else f"#{index + 1}"
        if not isinstance(entry, dict):
            raise ContentError(FILE, name, "-", "each fact must be a mapping")
        try:
            item = adapter.validate_python(entry)
        except ValidationError as exc:
            raise ContentError(FILE, name, *_first_error(exc)) from None

        def fail(field_name: str, message: str, fact_id: str = item.id) -> NoReturn:
            raise ContentError(FILE, fact_id, field_name, message)

        if not _ID.match(item.id):
            fail("id", "must be lower_snake_case")
        if any(f.id == item.id for f in out):
            fail("id", "duplicate id")
        if screen_rules.question(item.id) is not None:
            fail("id", "the safety screen already asks this; use its answer")
        if not item.text:
            fail("text", "must not be empty")
        if item.type == "number":
            if item.minimum is None or item.maximum is None or item.minimum > item.maximum:
                fail("minimum", "a number fact needs a minimum no more than its maximum")
        elif item.minimum is not None or item.maximum is not None:
            fail("minimum", "only number facts have a minimum/maximum")
        if (item.type == "choice") != bool(item.choices):
            fail("choices", "a choice fact lists its choices, and only a choice fact has them")
        if item.asked_if is not None:
            parent = next((f for f in out if f.id == item.asked_if), None)
            if parent is None or parent.type != "bool":
                fail("asked_if", f"'{item.asked_if}' must be a yes/no fact listed before this one")
        out.append(
            Fact(
                id=item.id,
                type=item.type,
                text=" ".join(item.text.split()),
                help=" ".join(item.help.split()),
                minimum=item.minimum,
                maximum=item.maximum,
                choices=item.choices,
                asked_if=item.asked_if,
            )
        )
    return tuple(out)


def _parse_places(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise ContentError(FILE, "places", "-", "must be a mapping from place id to words")
    for key in raw:
        if key not in OFF_MAP_PLACES:
            raise ContentError(
                FILE, "places", str(key), f"unknown place (allowed: {', '.join(OFF_MAP_PLACES)})"
            )
    out: list[tuple[str, str]] = []
    for place in OFF_MAP_PLACES:
        words = raw.get(place)
        if not isinstance(words, str) or not words.strip():
            raise ContentError(FILE, "places", place, "every place off the body map needs words")
        out.append((place, words.strip()))
    return tuple(out)


def _parse_rules(
    raw: object, known: Mapping[str, str], massage_types: tuple[str, ...]
) -> tuple[PretreatmentRule, ...]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(FILE, "-", "rules", "must be a non-empty list")
    adapter = TypeAdapter(_RuleEntry)
    out: list[PretreatmentRule] = []
    for index, entry in enumerate(raw):
        name = str(entry.get("id", f"#{index + 1}")) if isinstance(entry, dict) else f"#{index + 1}"
        if not isinstance(entry, dict):
            raise ContentError(FILE, name, "-", "each rule must be a mapping")
        try:
            item = adapter.validate_python(entry)
        except ValidationError as exc:
            raise ContentError(FILE, name, *_first_error(exc)) from None
        rule = _build_rule(item, known, massage_types)
        if any(r.id == rule.id for r in out):
            raise ContentError(FILE, rule.id, "id", "duplicate id")
        out.append(rule)
    return tuple(out)


def _build_rule(
    raw: _RuleEntry, known: Mapping[str, str], massage_types: tuple[str, ...]
) -> PretreatmentRule:
    def fail(field_name: str, message: str) -> NoReturn:
        raise ContentError(FILE, raw.id, field_name, message)

    if not _ID.match(raw.id):
        fail("id", "must be lower_snake_case")
    for field_name in ("reason", "source"):
        if not getattr(raw, field_name):
            fail(field_name, "must not be empty")
    if not raw.references:
        fail("references", "cite at least one reference")
    if raw.decision == "go":
        fail("decision", "no rule says go: go is what is left when no rule fires")
    if not raw.when:
        fail("when", "must list at least one term")
    when = tuple(_parse_term(raw.id, f"when[{i}]", term, known) for i, term in enumerate(raw.when))
    if isinstance(raw.types, str):
        if raw.types != ALL_TYPES:
            fail("types", f"'{raw.types}': give a list of massage type ids, or 'all'")
        types = massage_types
    else:
        if not raw.types:
            fail("types", "name at least one massage type")
        for value in raw.types:
            if value not in massage_types:
                fail("types", f"unknown massage type '{value}' (allowed: {', '.join(massage_types)})")
        if len(set(raw.types)) != len(raw.types):
            fail("types", "each massage type may appear once")
        types = tuple(raw.types)
    for value in raw.limits:
        if value not in PRECAUTIONS:
            fail("limits", f"unknown precaution '{value}'")
    for field_name in ("avoid_areas", "gentle_areas"):
        for value in getattr(raw, field_name):
            if value not in PLACES:
                fail(field_name, f"unknown place '{value}'")
    if raw.avoid_areas_from is not None and known.get(raw.avoid_areas_from) != "places":
        fail("avoid_areas_from", f"'{raw.avoid_areas_from}' is not a places fact")
    change = Change(
        pressure_cap=raw.pressure_cap,
        limits=raw.limits,
        avoid_positions=raw.avoid_positions,
        use_positions=raw.use_positions,
        avoid_areas=raw.avoid_areas,
        gentle_areas=raw.gentle_areas,
    )
    modifies = change != Change() or raw.avoid_areas_from is not None or raw.avoid_screened_regions
    if raw.decision != "modify" and modifies:
        fail("decision", "only a modify rule says how to modify")
    if raw.decision == "modify" and not modifies and not any(_mentions_fact(t) for t in when):
        fail("decision", "a modify rule says how, as data (pressure_cap, limits, positions or areas)")
    return PretreatmentRule(
        id=raw.id,
        when=when,
        types=types,
        decision=raw.decision,
        reason=" ".join(raw.reason.split()),
        source=raw.source,
        references=raw.references,
        change=change,
        avoid_areas_from=raw.avoid_areas_from,
        avoid_screened_regions=raw.avoid_screened_regions,
    )


def _mentions_fact(term: Term) -> bool:
    """A modify rule on a plain fact (cancer treatment now) may say how in words only:
    the places it names (a port, treated skin) are not on any map."""
    if isinstance(term, Either):
        return any(_mentions_fact(inner) for inner in term.terms)
    return isinstance(term, Yes | AtLeast | Below)


def _parse_term(rule_id: str, where: str, raw: object, known: Mapping[str, str]) -> Term:
    def fail(message: str) -> ContentError:
        return ContentError(FILE, rule_id, where, message)

    def fact(fact_id: object, *types: str) -> str:
        if not isinstance(fact_id, str) or fact_id not in known:
            raise fail(f"unknown question or fact '{fact_id}'")
        if types and known[fact_id] not in types:
            raise fail(f"'{fact_id}' is a {known[fact_id]} answer; this term takes {' or '.join(types)}")
        return fact_id

    if isinstance(raw, str):
        match = _COMPARISON.match(raw)
        if match:
            name = fact(match.group(1), "number")
            value = float(match.group(3))
            return AtLeast(name, value) if match.group(2) == ">=" else Below(name, value)
        name = fact(raw.strip(), "bool", "places", "regions")
        return Yes(name)
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "any":
            if not isinstance(value, list) or len(value) < 2:
                raise fail("'any' needs a list of at least two terms")
            return Either(
                tuple(
                    _parse_term(rule_id, f"{where}.any[{i}]", inner, known) for i, inner in enumerate(value)
                )
            )
        if key == "not":
            return No(fact(value, "bool"))
        if key == "unknown":
            return Unknown(fact(value, "number", "places", "regions"))
        if key == "precaution":
            if value != "avoid_region" and value not in PRECAUTIONS:
                raise fail(f"unknown precaution '{value}' (allowed: {', '.join(PRECAUTIONS)}, avoid_region)")
            return HasPrecaution(str(value))
        if key == "level":
            levels = value if isinstance(value, list) else [value]
            for level in levels:
                if level not in LEVELS:
                    raise fail(f"unknown level '{level}' (allowed: {', '.join(LEVELS)})")
            typed: tuple[Level, ...] = tuple(levels)
            return AtLevel(typed)
    raise fail(
        f"not a term: {raw!r} (use a question or fact id, a comparison like 'surgery_weeks_ago<6', "
        "{not: fact}, {unknown: fact}, {precaution: id}, {level: [...]} or {any: [...]})"
    )


# --- the rules against the client's own massage-type advice ---------------------------------------


def check_against_advice(
    rules: PretreatmentRules,
    screen_rules: RuleSet,
    massage_types: Mapping[str, tuple[Intensity, tuple[str, ...]]],
    massage_words: frozenset[str],
) -> None:
    """The check is never less cautious than the client's own massage advice
    (`planner.recommend_massage_types`): with each precaution alone in force, a kind of
    massage whose `avoid_precautions` name it must be "not today" or stricter, and one it
    lets through with a condition (a precaution with `massage` words in precautions.yaml,
    or an area to avoid) must be "modify" or stricter; a `soon` screen must be "not today"
    and an urgent or emergency one "refer". The rules only ever add caution, so checking
    one precaution at a time holds for any mix.

    `massage_types` maps each id to (its pressure, its avoid_precautions)."""
    pressures = {type_id: pressure for type_id, (pressure, _) in massage_types.items()}

    def decisions(level: Level, precautions: tuple[str, ...]) -> dict[str, Decision]:
        screen = ScreeningResult(level=level, reasons=(), precautions=precautions, advice="")
        result = check(screen, {}, screen_rules, rules, pressures, precautions=precautions)
        return {t.massage_type: t.decision for t in result.types}

    def too_lax(found: Decision, least: Decision, type_id: str, what: str) -> None:
        if CAUTION[found] < CAUTION[least]:
            raise ContentError(
                FILE,
                type_id,
                "rules",
                f"{what}: the client's own massage advice says at least '{least}', these rules say '{found}'",
            )

    for precaution in (*PRECAUTIONS, "avoid_region:neck_base"):
        found = decisions("self_care_with_precautions", (precaution,))
        for type_id, (_, avoid) in massage_types.items():
            if precaution in avoid:
                too_lax(found[type_id], "not_today", type_id, f"with '{precaution}'")
            elif precaution in massage_words or precaution.startswith("avoid_region:"):
                too_lax(found[type_id], "modify", type_id, f"with '{precaution}'")
    for level, least in (("soon", "not_today"), ("urgent", "refer"), ("emergency", "refer")):
        found = decisions(level, ())  # type: ignore[arg-type]
        for type_id in massage_types:
            too_lax(found[type_id], least, type_id, f"at level '{level}'")  # type: ignore[arg-type]
