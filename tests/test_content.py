"""The content library: coverage the product promises, and a loader that names problems."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from backease.content.loader import CONTENT_DIR, ContentError, load_content, parse_content
from backease.core.library import SPOKEN_WORD_LIMITS, Library
from backease.core.sides import render_technique, spoken_texts
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


# --- precautions as data --------------------------------------------------------------------


def _condition_groups(library: Library) -> dict[str, set[str]]:
    """Each `mentions` pattern of precautions.yaml with the precautions that share it."""
    groups: dict[str, set[str]] = {}
    for item in library.precautions:
        if item.mentions:
            groups.setdefault(item.mentions, set()).add(item.id)
    return groups


def test_every_precaution_of_the_contract_has_plain_words_once(library: Library) -> None:
    from backease.core.vocab import PRECAUTIONS

    assert [p.id for p in library.precautions] == list(PRECAUTIONS)
    for item in library.precautions:
        assert item.label and item.note.endswith(".")


def test_every_tool_safety_note_names_exactly_the_conditions_its_data_rules_out(library: Library) -> None:
    # "Avoid it if you take blood thinners" must match `excluded_by`/`cautions`, and every
    # precaution the data lists for a tool must be said in its note: they never disagree.
    import re

    groups = _condition_groups(library)
    for tool in library.tools:
        data = set(tool.excluded_by) | set(tool.cautions)
        for pattern, precautions in groups.items():
            said = re.search(pattern, tool.safety_note, re.IGNORECASE) is not None
            listed = bool(data & precautions)
            assert said == listed, (tool.id, pattern, said, sorted(data))


def test_a_technique_that_speaks_of_a_condition_is_ruled_out_or_capped_by_it(library: Library) -> None:
    import re

    groups = _condition_groups(library)
    for tech in library.techniques:
        texts = [tech.summary, *tech.steps, tech.pressure_cue, *tech.mistakes, *tech.stop_if]
        texts += [v.cue for v in tech.intensities]
        capped = {c.precaution for c in tech.max_intensity_under}
        for pattern, precautions in groups.items():
            if any(re.search(pattern, text, re.IGNORECASE) for text in texts):
                assert precautions & (set(tech.excluded_by) | capped), (tech.id, pattern)


def test_each_technique_is_ruled_out_by_everything_its_facts_imply(library: Library) -> None:
    tools = {t.id: t for t in library.tools}
    for tech in library.techniques:
        implied = set()
        if tech.spinal_pressure:
            implied.add("no_spinal_pressure")
        if tech.sustained_pressure:
            implied.add("no_sustained_pressure")
        if tech.neck_pressure:
            implied.add("no_neck_pressure")
        if tech.body_weight_on_tool:
            implied.add("no_body_weight_on_tools")
        if tech.loaded_end_range:
            implied.add("no_loaded_end_range")
        if tech.heat_option:
            implied.add("no_heat")
        if tech.position == "supine":
            implied.add("no_lying_on_back")
        if tech.position == "prone":
            implied.add("no_lying_face_down")
        for tool in tech.tools:
            implied |= set(tools[tool].excluded_by)
        assert implied <= set(tech.excluded_by), (tech.id, implied - set(tech.excluded_by))


def test_the_review_findings_are_classified_in_the_content(library: Library) -> None:
    def tech(technique_id: str):  # type: ignore[no-untyped-def]
        found = library.technique(technique_id)
        assert found is not None
        return found

    # Rolling across the spine is spinal pressure, whatever the tilt.
    assert tech("foam_roller_beside_spine").spinal_pressure
    # Body weight on a roller or ball: floor, side-lying, sitting on it.
    for technique_id in (
        "foam_roller_across_upper_back",
        "foam_roller_beside_spine",
        "foam_roller_lats",
        "peanut_ball_along_spine_floor",
        "massage_ball_on_floor_between_shoulder_blades",
        "massage_ball_hold_between_shoulder_blades_floor",
        "massage_ball_glutes_seated",
        "foam_roller_thoracic_extension",
        "foam_roller_lengthwise_breathing",
    ):
        assert "no_body_weight_on_tools" in tech(technique_id).excluded_by, technique_id
    for technique_id in ("doorframe_upper_back_traction", "seated_towel_upper_back_traction"):
        assert tech(technique_id).loaded_end_range
    assert tech("seated_thoracic_rotation").cap_under(["no_loaded_end_range"]) == "gentle"
    assert "no_firm_tools" in tech("percussion_massager_upper_back").excluded_by
    knuckles = " ".join(tech("knuckle_circles_beside_spine").steps)
    assert "bottom of your ribs" in knuckles and "down towards your waist" not in knuckles
    for technique_id in ("hook_cane_upper_back", "hook_cane_hold_between_shoulder_blades"):
        cane = " ".join(render_technique(tech(technique_id), "right").steps)
        assert "over your left shoulder" in cane and "with your left hand" in cane and "right hand" in cane
        assert "between your spine and your right shoulder blade" in cane
    # Chest work near the nerves to the arm: a soft ball, no firm variant, out with arm symptoms.
    for technique_id in ("ball_on_wall_pec_minor_hold", "ball_on_wall_chest"):
        chest = tech(technique_id)
        assert "massage_ball" not in chest.tools and chest.variant("firm") is None
        assert "no_neck_pressure" in chest.excluded_by
        assert any("hollow just below the outer end of the collarbone" in step for step in chest.steps)
    assert "no_heat" in tech("heat_pack_upper_back").excluded_by
    # Only techniques where heat is part of the practice are heat techniques.
    assert {t.id for t in library.techniques if t.heat_option} == {"warm_shower", "heat_pack_upper_back"}


def test_excluded_by_is_computed_and_cannot_be_written_in_yaml(content_copy: Path) -> None:
    _edit_first_technique(content_copy, lambda e: e.update(excluded_by=[]))
    with pytest.raises(ContentError, match="also_excluded_by"):
        parse_content(content_copy)


def test_a_tool_caution_no_technique_needs_is_reported(content_copy: Path) -> None:
    path = content_copy / "tools.yaml"
    data = yaml.safe_load(path.read_text())
    for tool in data["tools"]:
        if tool["id"] == "tennis_ball":
            tool["cautions"] = ["no_heat"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError, match=r"tools\.yaml: entry 'tennis_ball': field 'cautions'"):
        parse_content(content_copy)


def test_a_roller_technique_taking_body_weight_must_be_listed_in_the_tool_cautions(
    content_copy: Path,
) -> None:
    path = content_copy / "tools.yaml"
    data = yaml.safe_load(path.read_text())
    for tool in data["tools"]:
        if tool["id"] == "foam_roller":
            tool["cautions"] = ["no_spinal_pressure"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError, match="no_body_weight_on_tools"):
        parse_content(content_copy)


# --- one pressure scale ---------------------------------------------------------------------

SCALE = {"gentle": "3 to 4 out of 10", "moderate": "5 to 6 out of 10", "firm": "7 out of 10"}
_NUMBERS = r"\d+(?: to \d+)? out of 10"


def test_every_intensity_cue_uses_its_own_range_of_the_one_pressure_scale(library: Library) -> None:
    import re

    for tech in library.techniques:
        for variant in tech.intensities:
            found = re.findall(_NUMBERS, variant.cue)
            assert all(number == SCALE[variant.intensity] for number in found), (tech.id, variant.cue)
            if tech.kind in ("self_massage", "trigger_point", "stretch", "mobility"):
                assert SCALE[variant.intensity] in variant.cue, (tech.id, variant.intensity)


def test_texts_shared_by_every_intensity_name_no_pressure_number(library: Library) -> None:
    # Steps, pressure lines and the rest are shown whatever intensity the plan chose, so a
    # number there would contradict a gentle or a firm cue.
    import re

    for tech in library.techniques:
        shared = [tech.summary, *tech.steps, tech.breathing_cue, tech.pressure_cue, *tech.mistakes]
        shared += [*tech.stop_if, tech.evidence_note, tech.rub_note]
        for text in shared:
            assert not re.search(_NUMBERS, text), (tech.id, text)


def test_tips_faq_and_precautions_quote_only_the_pressure_scale(library: Library) -> None:
    import re

    texts = [t.body for t in library.tips] + [f.answer for f in library.faq]
    texts += [p.note for p in library.precautions]
    for text in texts:
        for number in re.findall(r"\d+(?: to \d+)?(?= out of 10)", text):
            assert f"{number} out of 10" in SCALE.values(), text


# --- sources and honesty ----------------------------------------------------------------------

ROM_IN_HEALTHY_PEOPLE = {
    "wilke_2020_foam_rolling_rom",
    "wiewelhove_2019_foam_rolling_meta",
    "cheatham_2015_smr_review",
}


def test_self_massage_backed_only_by_range_of_motion_studies_is_graded_very_low(library: Library) -> None:
    for tech in library.techniques:
        if tech.references and set(tech.references) <= ROM_IN_HEALTHY_PEOPLE:
            assert tech.evidence == "very_low", tech.id


def test_the_foam_rolling_consensus_is_cited_only_for_foam_rolling(library: Library) -> None:
    delphi = "bartsch_2021_foam_rolling_delphi"
    for tech in library.techniques:
        if delphi in tech.references:
            assert "foam_roller" in tech.tools, tech.id
    for faq in library.faq:
        if delphi in faq.references:
            assert "roll" in faq.answer.lower(), faq.id
    for tip in library.tips:
        if delphi in tip.references:
            assert "roll" in tip.body.lower(), tip.id


def test_no_tool_is_claimed_to_work_best(library: Library) -> None:
    texts = [t.body for t in library.tips] + [f.answer for f in library.faq]
    texts += [t.summary for t in library.techniques] + [t.description for t in library.tools]
    for text in texts:
        assert "works best" not in text and "one of the best ways" not in text, text


# --- seed items -------------------------------------------------------------------------------


def test_there_is_a_self_myofascial_release_technique_that_holds_instead_of_rolling(library: Library) -> None:
    release = [t for t in library.techniques if "myofascial_release" in t.id]
    assert release
    for tech in release:
        assert tech.sustained_pressure and "no_sustained_pressure" in tech.excluded_by
        assert tech.variant("firm") is None
        assert "foam_roller" not in tech.tools
        for step in tech.steps:
            assert not any(word in step.lower() for word in ("rolling", "roll the", "roll it")), step
        assert "ajimsha_2015_myofascial_release" in tech.references


def test_the_faq_answers_posture_and_stress_relief_with_sources(library: Library) -> None:
    answers = {f.id: f for f in library.faq}
    assert "slater_2019_sit_up_straight" in answers["posture"].references
    assert "evidence is low" in answers["stress_relief"].answer
    assert answers["stress_relief"].references


def test_muscular_imbalance_is_a_cause_some_techniques_suit(library: Library) -> None:
    suited = {t.id for t in library.techniques if "imbalance" in t.causes}
    assert {"doorway_chest_opener", "wall_angels", "upper_trapezius_stretch"} <= suited


def test_moving_techniques_never_ask_for_a_hold_in_the_steps_every_intensity_shares(library: Library) -> None:
    # Under no_sustained_pressure the plan says "keep moving"; a technique allowed then must
    # not tell you to stop on a spot in its shared steps or its gentle cue.
    import re

    for tech in library.techniques:
        if tech.sustained_pressure or tech.kind not in ("self_massage", "trigger_point"):
            continue
        gentle = tech.variant("gentle")
        for text in [*tech.steps, gentle.cue if gentle else ""]:
            assert not re.search(r"\bpause (there|on)\b|\bhold (still|steady)\b", text, re.IGNORECASE), (
                tech.id,
                text,
            )


# --- spoken lines (docs/content.md) -------------------------------------------------------------


def _edit_technique(content_dir: Path, technique_id: str, edit: object) -> None:
    for path in (content_dir / "techniques").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        for entry in data["techniques"]:
            if entry["id"] == technique_id:
                edit(entry)  # type: ignore[operator]
                path.write_text(yaml.safe_dump(data, sort_keys=False))
                return
    raise AssertionError(technique_id)


def test_every_technique_has_spoken_lines_short_enough_for_their_moment(library: Library) -> None:
    for tech in library.techniques:
        spoken = tech.spoken
        assert 1 <= len(spoken.cues) <= 2 and spoken.setup_short, tech.id
        for side in ("left", "right") if tech.per_side else ("none",):
            lines = spoken_texts(render_technique(tech, side).spoken)  # type: ignore[arg-type]
            for name, line in lines.items():
                assert "{" not in line and line.endswith((".", "?")), (tech.id, name, line)
                assert len(line.split()) <= SPOKEN_WORD_LIMITS[name.split(".")[0]], (tech.id, name)
        # The short form is for someone who heard the full set-up minutes ago.
        assert len(spoken.setup_short.split()) <= max(len(spoken.setup.split()), 10), tech.id


def test_a_chest_technique_keeps_its_emergency_line_when_spoken(library: Library) -> None:
    chest = [t for t in library.techniques if any("emergency services" in s for s in t.stop_if)]
    assert {"palm_sweeps_chest", "ball_on_wall_chest", "ball_on_wall_pec_minor_hold"} <= {t.id for t in chest}
    for tech in chest:
        assert "chest pain" in tech.spoken.stop.lower() and "call emergency services" in tech.spoken.stop


@pytest.mark.parametrize(
    ("technique", "edit", "field", "words"),
    [
        ("cat_cow", lambda e: e.pop("spoken"), "spoken", "required field is missing"),
        (
            "cat_cow",
            lambda e: e["spoken"].update(setup="Kneel " * 31),
            "spoken.setup",
            "31 words; at most 30",
        ),
        ("cat_cow", lambda e: e["spoken"].update(stop="Stop " * 21), "spoken.stop", "21 words; at most 20"),
        ("cat_cow", lambda e: e["spoken"].update(go="Go " * 11), "spoken.go", "at most 10"),
        ("cat_cow", lambda e: e["spoken"].update(cues=[]), "spoken.cues", "one or two"),
        (
            "cat_cow",
            lambda e: e["spoken"].update(cues=["One.", "Two.", "Three."]),
            "spoken.cues",
            "one or two",
        ),
        ("cat_cow", lambda e: e["spoken"].update(breathing=""), "spoken.breathing", "must not be empty"),
        ("cat_cow", lambda e: e["spoken"].update(pace="slow"), "spoken.pace", "unknown field"),
        (
            "palm_sweeps_chest",
            lambda e: e["spoken"].update(stop="Stop if your arm tingles or the pain turns sharp."),
            "spoken.stop",
            "call emergency services",
        ),
        (
            "levator_scapulae_stretch",
            lambda e: e["spoken"].update(go="Turn your head to the left."),
            "spoken.go",
            "names a fixed side ('left')",
        ),
    ],
)
def test_a_broken_spoken_line_is_reported_with_its_field(
    content_copy: Path, technique: str, edit: object, field: str, words: str
) -> None:
    _edit_technique(content_copy, technique, edit)
    with pytest.raises(ContentError) as info:
        parse_content(content_copy)
    assert f"entry '{technique}'" in str(info.value)
    assert info.value.field == field and words in str(info.value)


# --- words for ids (labels.yaml) --------------------------------------------------------------


def test_every_id_of_each_labelled_vocabulary_has_words() -> None:
    from backease.content.loader import LABELLED

    library = load_content().library
    for group, ids in LABELLED.items():
        for value in ids:
            words = library.label(group, value)  # type: ignore[arg-type]
            assert words and words != value, (group, value)
    assert library.label("side", "left") == "Left side"
    assert library.label("kind", "trigger_point") == "Trigger-point release"


@pytest.mark.parametrize(
    ("edit", "entry", "field", "words"),
    [
        (lambda groups: groups["side"]["words"].pop("both"), "side", "words.both", "every id needs words"),
        (
            lambda groups: groups["kind"]["words"].update(massage="Massage"),
            "kind",
            "words.massage",
            "not a kind",
        ),
        (lambda groups: groups["level"]["words"].update(urgent="  "), "level", "words.urgent", "needs words"),
        (lambda groups: groups.pop("phase"), "phase", "id", "every group"),
    ],
)
def test_a_broken_label_is_reported_with_file_entry_and_field(
    content_copy: Path, edit: object, entry: str, field: str, words: str
) -> None:
    path = content_copy / "labels.yaml"
    data = yaml.safe_load(path.read_text())
    groups = {group["id"]: group for group in data["labels"]}
    edit(groups)  # type: ignore[operator]
    data["labels"] = list(groups.values())
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ContentError) as caught:
        parse_content(content_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == ("labels.yaml", entry, field)
    assert words in str(caught.value)


def test_words_for_ids_are_written_once_in_the_content_not_in_python() -> None:
    """The labels of labels.yaml are content: no module of ours spells them again."""
    from backease.content.loader import CONTENT_DIR as content_dir

    package = content_dir.parent
    copies = []
    for path in package.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        copies += [
            f"{path.relative_to(package)}: {words}"
            for words in ('"Left side"', '"Both sides"', '"Trigger-point release"', '"Lying face down"')
            if words in text
        ]
    assert copies == []
