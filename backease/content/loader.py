"""Load, validate and cache the content library.

The YAML files are validated with pydantic into the frozen records of
`backease.core.library`, then cross-checked (every id a technique names exists,
durations are consistent, per-side techniques name both sides...). A problem raises
`ContentError` naming the file, the entry and the field.

Parsing YAML and importing pydantic costs more than planning a session, so the
validated library is pickled into the user's cache directory, keyed by a hash of the
content files and the package version. A cold `backease plan` then reads one pickle.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from backease import __version__
from backease.content.errors import ContentError
from backease.core.library import (
    SPOKEN_WORD_LIMITS,
    Faq,
    Labels,
    Library,
    MassageType,
    Muscle,
    Precaution,
    Reference,
    Region,
    Technique,
    Tip,
    Tool,
    exclusions_of,
)
from backease.core.pretreatment import PretreatmentRules
from backease.core.sides import (
    ambiguous_side_words,
    fixed_side_words,
    has_placeholders,
    render_side,
    side_texts,
    spoken_texts,
    unknown_placeholders,
)
from backease.core.vocab import (
    BENEFITS,
    CAUSES,
    EVIDENCE_GRADES,
    FRONT_REGIONS,
    INTENSITIES,
    INTENSITY_RANK,
    KINDS,
    LEVELS,
    PHASES,
    POSITIONS,
    PRECAUTIONS,
    REGIONS,
    SIDES,
    TOOLS,
    VOICE_WORDS,
    is_precaution,
    region_base,
    region_side,
)

if TYPE_CHECKING:
    from backease.core.screening import RuleSet
    from backease.figures.demo import Figure

CONTENT_DIR = Path(__file__).resolve().parent
_CACHE_FORMAT = 7
LABELLED: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "phase": PHASES,
    "side": SIDES,
    "position": POSITIONS,
    "intensity": INTENSITIES,
    "cause": CAUSES,
    "benefit": BENEFITS,
    "evidence": EVIDENCE_GRADES,
    "level": LEVELS,
    "voice": VOICE_WORDS,
    "move_floor": POSITIONS,
    "move": POSITIONS,
}
"""The vocabularies labels.yaml gives words for, each with every id it must name."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Content:
    """The validated library and screening rules, as one cacheable value."""

    library: Library
    rules: RuleSet
    figures: Mapping[str, Figure] = field(default_factory=dict)
    """One figure spec per technique id (figures.yaml, drawn by backease.figures)."""
    pretreatment: PretreatmentRules = field(default_factory=PretreatmentRules)
    """The pre-treatment check per massage type (pretreatment.yaml, core/pretreatment.py)."""

    def result_title(self, level: str, advice: str) -> str:
        """A safety check result's title, in agreement with its advice: the rule's own title
        when the advice is a rule's (`RuleSet.own_title`), else the level's (labels.yaml).
        Every front end titles a result (and the soon banner) with this."""
        return self.rules.own_title(level, advice) or self.library.label("level", level)


def content_files(content_dir: Path = CONTENT_DIR) -> list[Path]:
    """Every YAML file that makes up the content, in a stable order."""
    return sorted(content_dir.rglob("*.yaml"))


def _fingerprint(files: Sequence[Path]) -> str:
    digest = hashlib.blake2b(f"{__version__}:{_CACHE_FORMAT}".encode(), digest_size=16)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """Where the parsed content is cached (the platform's user cache directory)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("backease", appauthor=False))


@cache
def load_content(content_dir: Path = CONTENT_DIR, cache_dir: Path | None = None) -> Content:
    """The validated content, from the pickle cache when the files have not changed.

    The cache is an optimisation only: if it cannot be read or written, content is
    parsed from the YAML files as usual.
    """
    files = content_files(content_dir)
    key = _fingerprint(files)
    directory = cache_dir if cache_dir is not None else default_cache_dir()
    cached = directory / f"content-{key}.pickle"
    try:
        with cached.open("rb") as handle:
            value = pickle.load(handle)
        if isinstance(value, Content):
            return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
        pass
    content = parse_content(content_dir)
    _write_cache(directory, cached, content)
    return content


def _write_cache(directory: Path, cached: Path, content: Content) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("content-*.pickle"):
            old.unlink(missing_ok=True)
        # Write to a temporary file and rename, so a crash never leaves half a cache.
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(content, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    except OSError:
        pass


def load_library() -> Library:
    """The validated content library (cached)."""
    return load_content().library


def load_rules() -> RuleSet:
    """The validated screening rules (cached)."""
    return load_content().rules


# --- parsing and validation -------------------------------------------------------


def _read_yaml(path: Path, content_dir: Path) -> Any:
    import yaml

    name = str(path.relative_to(content_dir))
    try:
        return yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.YAMLError as exc:
        raise ContentError(name, "-", "-", f"not valid YAML: {exc}") from None


def _entries(path: Path, content_dir: Path, key: str) -> list[tuple[str, dict[str, Any]]]:
    """The `key:` list of a file as (file name, entry) pairs."""
    name = str(path.relative_to(content_dir))
    data = _read_yaml(path, content_dir)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ContentError(name, "-", key, f"the file must hold a top-level list '{key}:'")
    out = []
    for index, entry in enumerate(data[key]):
        if not isinstance(entry, dict):
            raise ContentError(name, f"#{index + 1}", "-", "each entry must be a mapping")
        out.append((name, entry))
    return out


_FRIENDLY = {
    "unexpected_keyword_argument": "unknown field (check its spelling against backease/core/library.py)",
    "extra_forbidden": "unknown field (check its spelling against backease/core/library.py)",
    "missing_argument": "required field is missing",
    "missing": "required field is missing",
}


def _validate(kind: type[T], items: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, T]]:
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(kind)
    out: list[tuple[str, T]] = []
    seen: dict[str, str] = {}
    for name, entry in items:
        entry_id = str(entry.get("id", "?"))
        try:
            value = adapter.validate_python(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "-"
            raise ContentError(name, entry_id, field, _FRIENDLY.get(error["type"], error["msg"])) from None
        if entry_id in seen:
            raise ContentError(name, entry_id, "id", f"duplicate id (also in {seen[entry_id]})")
        seen[entry_id] = name
        out.append((name, value))
    return out


def parse_content(content_dir: Path = CONTENT_DIR) -> Content:
    """Parse and check every content file. Raises ContentError on the first problem."""
    from backease.content.rules_schema import parse_rules

    def single(file: str, key: str, kind: type[T]) -> list[tuple[str, T]]:
        return _validate(kind, _entries(content_dir / file, content_dir, key))

    rules = parse_rules(
        content_dir / "screening.yaml", _read_yaml(content_dir / "screening.yaml", content_dir)
    )

    technique_files = sorted((content_dir / "techniques").glob("*.yaml"))
    raw = [pair for path in technique_files for pair in _entries(path, content_dir, "techniques")]
    for name, entry in raw:
        if "excluded_by" in entry:
            raise ContentError(
                name,
                str(entry.get("id", "?")),
                "excluded_by",
                "is computed from the technique's facts; declare extra precautions in 'also_excluded_by'",
            )
    techniques = _validate(Technique, raw)
    tools = tuple(t for _, t in single("tools.yaml", "tools", Tool))
    tools_by_id = {t.id: t for t in tools}
    # One source of truth: every precaution a technique's facts imply, computed once here.
    techniques = [(f, replace(t, excluded_by=exclusions_of(t, tools_by_id))) for f, t in techniques]
    library = Library(
        techniques=tuple(t for _, t in techniques),
        regions=tuple(r for _, r in single("regions.yaml", "regions", Region)),
        muscles=tuple(m for _, m in single("muscles.yaml", "muscles", Muscle)),
        tools=tools,
        massage_types=tuple(m for _, m in single("massage_types.yaml", "massage_types", MassageType)),
        tips=tuple(t for _, t in single("tips.yaml", "tips", Tip)),
        faq=_faq(content_dir, rules),
        references=tuple(r for _, r in single("references.yaml", "references", Reference)),
        precautions=tuple(p for _, p in single("precautions.yaml", "precautions", Precaution)),
        labels=tuple(g for _, g in single("labels.yaml", "labels", Labels)),
    )
    _check_library(library, dict((t.id, f) for f, t in techniques))
    reference_ids = {r.id for r in library.references}
    for rule in rules.rules:
        _check_refs("screening.yaml", rule.id, "references", rule.references, reference_ids)
    for combination in rules.combinations:
        _check_refs("screening.yaml", combination.id, "references", combination.references, reference_ids)
    if rules.rationale is not None:
        _check_refs(
            "screening.yaml", "self_care_rationale", "references", rules.rationale.references, reference_ids
        )
    if rules.time_limit is not None:
        _check_refs(
            "screening.yaml", "programme_time_limit", "references", rules.time_limit.references, reference_ids
        )
    pretreatment = _parse_pretreatment(content_dir, library, rules, reference_ids)
    return Content(
        library=library,
        rules=rules,
        figures=_parse_figures(content_dir, library),
        pretreatment=pretreatment,
    )


def _parse_pretreatment(
    content_dir: Path, library: Library, rules: RuleSet, reference_ids: set[str]
) -> PretreatmentRules:
    """pretreatment.yaml, checked against the massage types, the screen, the references and
    the client's own massage advice (never less cautious than it)."""
    from backease.content.pretreatment_schema import FILE, check_against_advice, parse_pretreatment

    kinds = tuple(m.id for m in library.massage_types)
    parsed = parse_pretreatment(_read_yaml(content_dir / FILE, content_dir), rules, kinds)
    for rule in parsed.rules:
        _check_refs(FILE, rule.id, "references", rule.references, reference_ids)
    check_against_advice(
        parsed,
        rules,
        {m.id: (m.pressure, m.avoid_precautions) for m in library.massage_types},
        frozenset(p.id for p in library.precautions if p.massage),
    )
    return parsed


_ANSWER_FROM_RULES = ("emergency", "urgent", "soon", "own_advice", "combined", "end")


def _faq(content_dir: Path, rules: RuleSet) -> tuple[Faq, ...]:
    """faq.yaml. An entry with `answer_from_rules` (the words around the signs) gets its
    answer written from the screening rules (`core.screening.when_to_see_someone`), so it
    lists every sign they ask about and can never fall behind them."""
    from backease.core.screening import when_to_see_someone

    entries = _entries(content_dir / "faq.yaml", content_dir, "faq")
    ready: list[tuple[str, dict[str, Any]]] = []
    for name, entry in entries:
        words = entry.get("answer_from_rules")
        if words is None:
            ready.append((name, entry))
            continue
        entry_id = str(entry.get("id", "?"))
        if "answer" in entry:
            raise ContentError(
                name, entry_id, "answer", "is written from the rules; give answer_from_rules only"
            )
        if not isinstance(words, dict) or set(words) != set(_ANSWER_FROM_RULES):
            raise ContentError(
                name, entry_id, "answer_from_rules", f"must give exactly: {', '.join(_ANSWER_FROM_RULES)}"
            )
        text = {key: " ".join(str(value).split()) for key, value in words.items()}
        rest = {k: v for k, v in entry.items() if k != "answer_from_rules"}
        ready.append((name, {**rest, "answer": when_to_see_someone(rules, text)}))
    return tuple(f for _, f in _validate(Faq, ready))


def _parse_figures(content_dir: Path, library: Library) -> dict[str, Figure]:
    """figures.yaml, checked against the techniques: exactly one figure each."""
    from backease.figures import SpecError, TechniqueFacts, parse_figures_file

    facts = [
        TechniqueFacts(t.id, t.name, t.position, t.tools, t.regions, t.per_side) for t in library.techniques
    ]
    data = _read_yaml(content_dir / "figures.yaml", content_dir)
    try:
        return parse_figures_file(data, facts)
    except SpecError as exc:
        raise ContentError("figures.yaml", exc.entry, exc.field, exc.message) from None


def _check_labels(library: Library) -> None:
    """labels.yaml gives words to every id of each vocabulary, and to nothing else."""
    groups: dict[str, Labels] = {group.id: group for group in library.labels}
    for name, ids in LABELLED.items():
        group = groups.get(name)
        if group is None:
            raise ContentError("labels.yaml", name, "id", "every group of ids needs an entry")
        for value in ids:
            if not group.words.get(value, "").strip():
                raise ContentError("labels.yaml", name, f"words.{value}", "every id needs words")
        for value, words in group.words.items():
            if value not in ids:
                raise ContentError(
                    "labels.yaml", name, f"words.{value}", f"not a {name} id (allowed: {', '.join(ids)})"
                )
            if "\n" in words.strip():
                raise ContentError("labels.yaml", name, f"words.{value}", "must be one line")


def _check_refs(file: str, entry: str, field: str, values: Iterable[str], allowed: set[str]) -> None:
    for value in values:
        if value not in allowed:
            raise ContentError(file, entry, field, f"unknown id '{value}'")


def _check_library(library: Library, technique_files: dict[str, str]) -> None:
    muscle_ids = {m.id for m in library.muscles}
    reference_ids = {r.id for r in library.references}

    region_ids = [r.id for r in library.regions]
    missing: list[str] = sorted(set(REGIONS) - set(region_ids))
    if missing:
        raise ContentError("regions.yaml", missing[0], "id", "every body-map region needs an entry")
    for region in library.regions:
        _check_refs("regions.yaml", region.id, "muscles", region.muscles, muscle_ids)
        if region.side != region_side(region.id):
            raise ContentError("regions.yaml", region.id, "side", f"must be '{region_side(region.id)}'")
        view = "front" if region.id in FRONT_REGIONS else "back"
        if region.view != view:
            raise ContentError(
                "regions.yaml", region.id, "view", f"must be '{view}' (core/vocab.py FRONT_REGIONS)"
            )
    tool_ids = [t.id for t in library.tools]
    missing = sorted(set(TOOLS) - set(tool_ids))
    if missing:
        raise ContentError("tools.yaml", missing[0], "id", "every tool id needs an entry")
    _check_precautions(library)
    _check_labels(library)
    for muscle in library.muscles:
        _check_refs("muscles.yaml", muscle.id, "references", muscle.references, reference_ids)
    for massage in library.massage_types:
        _check_refs("massage_types.yaml", massage.id, "references", massage.references, reference_ids)
        for value in massage.avoid_precautions:
            if not is_precaution(value):
                raise ContentError(
                    "massage_types.yaml", massage.id, "avoid_precautions", f"unknown precaution '{value}'"
                )
    for tip in library.tips:
        _check_refs("tips.yaml", tip.id, "references", tip.references, reference_ids)
    for faq in library.faq:
        _check_refs("faq.yaml", faq.id, "references", faq.references, reference_ids)

    for tech in library.techniques:
        _check_technique(tech, technique_files[tech.id], muscle_ids, reference_ids)
    _check_tool_cautions(library)


def _check_precautions(library: Library) -> None:
    """precautions.yaml names every precaution of the contract once; ids used are known."""
    ids = [p.id for p in library.precautions]
    for missing in sorted(set(PRECAUTIONS) - set(ids)):
        raise ContentError(
            "precautions.yaml", missing, "id", "every precaution of the contract needs an entry"
        )
    for item in library.precautions:
        if item.id not in PRECAUTIONS:
            raise ContentError(
                "precautions.yaml", item.id, "id", "not a precaution of the contract (core/vocab.py)"
            )
        if item.mentions:
            try:
                re.compile(item.mentions)
            except re.error as exc:
                raise ContentError(
                    "precautions.yaml", item.id, "mentions", f"not a valid pattern: {exc}"
                ) from None
    for tool in library.tools:
        for field_name in ("excluded_by", "cautions"):
            for value in getattr(tool, field_name):
                if value not in PRECAUTIONS:
                    raise ContentError("tools.yaml", tool.id, field_name, f"unknown precaution '{value}'")


def _check_tool_cautions(library: Library) -> None:
    """A tool's `cautions` are real, and every way of using it that a precaution rules out
    through the tool itself (body weight on it, pressure on the spine) is among them."""
    for tool in library.tools:
        using = [t for t in library.techniques if tool.id in t.tools]
        for value in tool.cautions:
            if not any(value in t.excluded_by for t in using):
                raise ContentError(
                    "tools.yaml",
                    tool.id,
                    "cautions",
                    f"no technique with this tool is ruled out by '{value}'",
                )
        if tool.default:
            continue
        needed = set()
        for tech in using:
            if tech.body_weight_on_tool:
                needed.add("no_body_weight_on_tools")
        for value in sorted(needed - set(tool.cautions) - set(tool.excluded_by)):
            raise ContentError(
                "tools.yaml", tool.id, "cautions", f"'{value}' rules out a technique with this tool; list it"
            )


def _check_technique(tech: Technique, file: str, muscle_ids: set[str], reference_ids: set[str]) -> None:
    def fail(field: str, message: str) -> NoReturn:
        raise ContentError(file, tech.id, field, message)

    _check_refs(file, tech.id, "muscles", tech.muscles, muscle_ids)
    _check_refs(file, tech.id, "references", tech.references, reference_ids)
    if not 5 <= tech.min_seconds <= tech.default_seconds <= tech.max_seconds <= 1200:
        fail(
            "default_seconds",
            f"durations must satisfy 5 <= min ({tech.min_seconds}) <= default ({tech.default_seconds})"
            f" <= max ({tech.max_seconds}) <= 1200",
        )
    if any(value % 5 for value in (tech.min_seconds, tech.default_seconds, tech.max_seconds)):
        fail("default_seconds", "durations must be multiples of 5 seconds (the planner times in 5 s steps)")
    if not tech.intensities:
        fail("intensities", "at least one intensity variant is required")
    names = [v.intensity for v in tech.intensities]
    if len(set(names)) != len(names):
        fail("intensities", "each intensity may appear once")
    for field_name in ("steps", "stop_if", "benefits"):
        if not getattr(tech, field_name):
            fail(field_name, "must not be empty")
    if tech.evidence != "expert_opinion" and not tech.references:
        fail("references", "cite at least one reference, or set evidence: expert_opinion")
    if tech.kind not in ("warm_up", "relaxation") and not tech.regions:
        fail("regions", f"a {tech.kind} technique must name the regions it works on")
    if len(set(tech.regions)) != len(tech.regions):
        fail("regions", "each region may appear once")
    sided = [r for r in tech.regions if region_side(r) != "none"]
    if tech.per_side:
        if not sided:
            fail("per_side", "a per-side technique must name left and right regions")
        bases_left = {region_base(r) for r in sided if region_side(r) == "left"}
        bases_right = {region_base(r) for r in sided if region_side(r) == "right"}
        if bases_left != bases_right:
            fail("regions", "a per-side technique must name each sided region on both sides")
    if len(set(tech.tools)) != len(tech.tools):
        fail("tools", "each tool may appear once")
    for value in tech.also_excluded_by:
        if value not in PRECAUTIONS:
            fail("also_excluded_by", f"unknown precaution '{value}'")
    for cap in tech.max_intensity_under:
        if cap.precaution not in PRECAUTIONS:
            fail("max_intensity_under", f"unknown precaution '{cap.precaution}'")
        if cap.precaution in tech.excluded_by:
            fail("max_intensity_under", f"'{cap.precaution}' already rules the technique out")
        if not any(INTENSITY_RANK[v.intensity] <= INTENSITY_RANK[cap.intensity] for v in tech.intensities):
            fail("max_intensity_under", f"no variant at or below '{cap.intensity}'; use also_excluded_by")
    if tech.body_weight_on_tool and not set(tech.tools) - {"hands", "wall", "doorway", "chair", "towel"}:
        fail("body_weight_on_tool", "only a roller or ball can take body weight; the technique has none")
    _check_side_words(tech, fail)
    _check_spoken(tech, fail)


def _check_side_words(tech: Technique, fail: Callable[[str, str], NoReturn]) -> None:
    """Per-side texts name the side only through placeholders (core/sides.py), so they can
    be rendered for the side being worked; other texts hold no placeholders at all."""
    for field_name, text in (("name", tech.name), ("summary", tech.summary)):
        if has_placeholders(text) or unknown_placeholders(text):
            fail(field_name, "is shown without a side: write it for either side, without placeholders")
    for field_name, text in side_texts(tech).items():
        unknown = unknown_placeholders(text)
        if unknown:
            fail(
                field_name, f"unknown placeholder {unknown[0]} (use {{side}}, {{other}}, {{Side}}, {{Other}})"
            )
        if not tech.per_side:
            if has_placeholders(text):
                fail(field_name, "side placeholders are only for per-side techniques (per_side: true)")
            continue
        fixed = fixed_side_words(text)
        if fixed:
            fail(
                field_name,
                f"names a fixed side ('{fixed[0]}'): write {{side}} for the side being worked"
                " and {other} for the other one",
            )
        vague = ambiguous_side_words(text)
        if vague:
            fail(field_name, f"'{vague[0]}' leaves the side to guess: name it with {{side}} or {{other}}")


def _check_spoken(tech: Technique, fail: Callable[[str, str], NoReturn]) -> None:
    """Spoken lines are there, short enough to say in their phase, and keep the
    emergency line of a technique whose stop_if has one."""
    spoken = tech.spoken
    if not 1 <= len(spoken.cues) <= 2:
        fail("spoken.cues", "give one or two mid-hold cues")
    for name, text in spoken_texts(spoken).items():
        if not text:
            fail(f"spoken.{name}", "must not be empty")
        limit = SPOKEN_WORD_LIMITS[name.split(".")[0]]
        words = len(render_side(text, "left").split())
        if words > limit:
            fail(f"spoken.{name}", f"{words} words; at most {limit} so it can be said in its moment")
    emergency = [s for s in tech.stop_if if "emergency services" in s.lower()]
    if emergency:
        stop = spoken.stop.lower()
        if "emergency services" not in stop or (
            "chest pain" in emergency[0].lower() and "chest pain" not in stop
        ):
            fail(
                "spoken.stop",
                "stop_if asks to call emergency services: say 'chest pain: call emergency services'",
            )
