"""The content library: coverage the product promises, and a loader that names problems."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from backease.content.loader import CONTENT_DIR, ContentError, load_content, parse_content
from backease.core.library import Library
from backease.core.vocab import DEFAULT_TOOLS, REGIONS, TOOLS


def test_the_library_has_at_least_forty_techniques_in_every_kind_required(library: Library) -> None:
    kinds = Counter(t.kind for t in library.techniques)
    assert len(library.techniques) >= 40
    assert kinds["warm_up"] >= 6
    assert kinds["self_massage"] >= 12
    assert kinds["trigger_point"] >= 6
    assert kinds["stretch"] + kinds["mobility"] >= 10
    assert kinds["relaxation"] >= 4


def test_every_region_and_tool_has_an_entry(library: Library) -> None:
    assert {r.id for r in library.regions} == set(REGIONS)
    assert {t.id for t in library.tools} == set(TOOLS)
    assert {t.id for t in library.tools if t.default} == set(DEFAULT_TOOLS)


def test_the_six_massage_types_are_described(library: Library) -> None:
    ids = {m.id for m in library.massage_types}
    assert ids == {"swedish", "deep_tissue", "trigger_point_therapy", "myofascial_release", "sports", "thai"}
    for massage in library.massage_types:
        assert (
            massage.what_it_is and massage.suits and massage.what_to_expect and massage.choosing_a_therapist
        )


def test_trigger_point_holds_last_thirty_to_ninety_seconds_by_default(library: Library) -> None:
    for tech in library.techniques:
        if tech.kind == "trigger_point":
            assert tech.sustained_pressure
            assert 30 <= tech.default_seconds <= 90, tech.id


def test_every_technique_cites_a_reference_or_says_expert_opinion(library: Library) -> None:
    references = {r.id for r in library.references}
    for tech in library.techniques:
        assert tech.evidence == "expert_opinion" or tech.references
        assert set(tech.references) <= references


def test_every_reference_can_be_found(library: Library) -> None:
    for ref in library.references:
        assert ref.doi or ref.url or ref.kind == "book", ref.id


def test_every_region_is_reached_by_some_technique(library: Library) -> None:
    reached = {r for t in library.techniques if t.kind not in ("warm_up", "relaxation") for r in t.regions}
    assert reached >= set(REGIONS)


def test_the_product_brief_items_are_in_the_content(library: Library) -> None:
    ids = " ".join(library.technique_ids())
    for needle in (
        "foam_roller",
        "ball",
        "peanut",
        "doorway",
        "thread_the_needle",
        "cat_cow",
        "box_breathing",
    ):
        assert needle in ids, needle
    topics = {tip.topic for tip in library.tips}
    assert {"warm_up", "consistency", "listen", "hydration", "aftercare", "precautions", "tools"} <= topics
    assert any(t.heat_option for t in library.techniques)
    assert any(t.rub_note for t in library.techniques)
    assert any(t.before_session for t in library.techniques)


# --- the loader names the file, entry and field of a problem ----------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit_first_technique(content_dir: Path, edit: object) -> str:
    path = content_dir / "techniques" / "self_massage.yaml"
    data = yaml.safe_load(path.read_text())
    entry = data["techniques"][0]
    edit(entry)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(entry["id"])


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda e: e.update(muscles=["rhomboid"]), "muscles", "unknown id 'rhomboid'"),
        (lambda e: e.update(regions=["between_shoulder_blade_left"]), "regions", ""),
        (lambda e: e.update(tools=["tenis_ball"]), "tools", ""),
        (lambda e: e.pop("steps"), "steps", "required field is missing"),
        (lambda e: e.update(min_seconds=200), "default_seconds", "min (200)"),
        (lambda e: e.update(default_seconds=61), "default_seconds", "multiples of 5"),
        (lambda e: e.update(colour="red"), "colour", "unknown field"),
        (lambda e: e.update(references=["made_up_2024"]), "references", "made_up_2024"),
        (lambda e: e.update(position="upside_down"), "position", ""),
        (
            lambda e: e.update(per_side=True, regions=["between_shoulder_blades_left"]),
            "regions",
            "both sides",
        ),
        (lambda e: e.update(intensities=[]), "intensities", "at least one"),
        (lambda e: e.update(evidence="expert_opinion", references=[]), None, None),
    ],
)
def test_a_broken_technique_is_reported_with_file_entry_and_field(
    content_copy: Path, edit: object, field: str | None, words: str | None
) -> None:
    entry = _edit_first_technique(content_copy, edit)
    if field is None:
        parse_content(content_copy)  # a valid edit still loads
        return
    with pytest.raises(ContentError) as info:
        parse_content(content_copy)
    message = str(info.value)
    assert message.startswith("techniques/self_massage.yaml: entry ")
    assert entry in message and info.value.field.startswith(field) and words in message


def test_a_duplicate_technique_id_is_reported(content_copy: Path) -> None:
    path = content_copy / "techniques" / "self_massage.yaml"
    data = yaml.safe_load(path.read_text())
    data["techniques"].append(dict(data["techniques"][0]))
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError, match="duplicate id"):
        parse_content(content_copy)


def test_invalid_yaml_is_reported_with_the_file(content_copy: Path) -> None:
    (content_copy / "tips.yaml").write_text("tips: [unclosed")
    with pytest.raises(ContentError, match=r"^tips.yaml: .*not valid YAML"):
        parse_content(content_copy)


def test_a_missing_region_entry_is_reported(content_copy: Path) -> None:
    path = content_copy / "regions.yaml"
    data = yaml.safe_load(path.read_text())
    data["regions"] = [r for r in data["regions"] if r["id"] != "lats_left"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError, match=r"regions\.yaml: entry 'lats_left'"):
        parse_content(content_copy)


def test_the_parsed_library_is_cached_and_the_cache_follows_the_files(
    content_copy: Path, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    first = load_content(content_copy, cache_dir)
    cached = list(cache_dir.glob("content-*.pickle"))
    assert len(cached) == 1
    load_content.cache_clear()
    assert load_content(content_copy, cache_dir) == first
    _edit_first_technique(content_copy, lambda e: e.update(name="Renamed"))
    load_content.cache_clear()
    renamed = load_content(content_copy, cache_dir)
    assert renamed.library.techniques != first.library.techniques
    assert len(list(cache_dir.glob("content-*.pickle"))) == 1
    load_content.cache_clear()


def test_a_corrupt_cache_is_ignored(content_copy: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    load_content(content_copy, cache_dir)
    for path in cache_dir.glob("content-*.pickle"):
        path.write_bytes(b"garbage")
    load_content.cache_clear()
    assert len(load_content(content_copy, cache_dir).library.techniques) >= 40
    load_content.cache_clear()


def test_trigger_point_cues_leave_the_hold_time_to_the_timer(library: Library) -> None:
    # The plan sets each hold's length; a cue naming another length would contradict it.
    for tech in library.techniques:
        if tech.kind == "trigger_point":
            for variant in tech.intensities:
                assert "seconds" not in variant.cue, (tech.id, variant.cue)
