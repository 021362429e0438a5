"""Side-aware words: per-side text is written once with placeholders and rendered for the
side being worked (core/sides.py), and the content check refuses what cannot be."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from backease.content.loader import CONTENT_DIR, ContentError, parse_content
from backease.core.library import Library, Technique
from backease.core.sides import render_side, render_technique, side_texts

LEVATOR = (
    "Hold the edge of the seat with your {side} hand, or let that arm hang. Turn your head about"
    " halfway to the {other}. {Other} armpit, {Side} neck."
)


def test_render_side_says_the_worked_side_and_the_other_one() -> None:
    left = render_side(LEVATOR, "left")
    assert left == (
        "Hold the edge of the seat with your left hand, or let that arm hang. Turn your head about"
        " halfway to the right. Right armpit, Left neck."
    )
    assert render_side(LEVATOR, "right") == (
        "Hold the edge of the seat with your right hand, or let that arm hang. Turn your head about"
        " halfway to the left. Left armpit, Right neck."
    )


def test_a_text_shown_without_a_side_is_rendered_for_the_side_done_first() -> None:
    assert render_side(LEVATOR, "both") == render_side(LEVATOR, "left")
    assert render_side(LEVATOR, "none") == render_side(LEVATOR, "left")


def test_text_without_placeholders_is_unchanged_and_unknown_names_are_left_alone() -> None:
    assert render_side("Sit tall.", "right") == "Sit tall."
    assert render_side("Sit {tall} on your {side} hip.", "right") == "Sit {tall} on your right hip."


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(content_dir: Path, file: str, technique_id: str, edit: object) -> None:
    path = content_dir / "techniques" / file
    data = yaml.safe_load(path.read_text())
    entry = next(t for t in data["techniques"] if t["id"] == technique_id)
    edit(entry)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_an_unknown_placeholder_is_refused(content_copy: Path) -> None:
    _edit(
        content_copy,
        "stretch.yaml",
        "levator_scapulae_stretch",
        lambda e: e["steps"].insert(1, "Hold the seat with your {sdie} hand."),
    )
    with pytest.raises(ContentError, match=r"field 'steps.1': unknown placeholder \{sdie\}"):
        parse_content(content_copy)


def test_a_placeholder_in_a_technique_done_on_both_sides_at_once_is_refused(content_copy: Path) -> None:
    _edit(
        content_copy,
        "stretch.yaml",
        "seated_chin_tuck",
        lambda e: e["mistakes"].append("Lifting your {side} hand."),
    )
    with pytest.raises(ContentError, match=r"seated_chin_tuck'.*mistakes.2.*only for per-side"):
        parse_content(content_copy)


def test_a_name_or_summary_is_written_for_either_side(content_copy: Path) -> None:
    _edit(
        content_copy,
        "stretch.yaml",
        "levator_scapulae_stretch",
        lambda e: e.update(summary="Turn your nose to your {other} armpit."),
    )
    with pytest.raises(ContentError, match=r"field 'summary': is shown without a side"):
        parse_content(content_copy)


# The levator scapulae stretch as the issue quoted it: written for the right side and spoken
# unchanged for both, so "Left side." was followed by the right side's words.
OLD_LEVATOR_STEPS = [
    "Sit tall on a chair or stool with your feet flat.",
    "Hold the edge of the seat with your right hand, or let that arm hang, to keep your right shoulder down.",
    "Turn your head about halfway to the left, so your nose points towards your left armpit.",
    "Let your chin drop slowly towards your chest until you feel a stretch at the back of the right side"
    " of your neck.",
]


def test_the_levator_text_quoted_in_the_issue_is_refused(content_copy: Path) -> None:
    _edit(
        content_copy, "stretch.yaml", "levator_scapulae_stretch", lambda e: e.update(steps=OLD_LEVATOR_STEPS)
    )
    with pytest.raises(
        ContentError, match=r"levator_scapulae_stretch'.*'steps.1': names a fixed side \('right'\)"
    ):
        parse_content(content_copy)


def test_a_per_side_text_that_leaves_the_side_to_guess_is_refused(content_copy: Path) -> None:
    _edit(
        content_copy,
        "trigger_point.yaml",
        "ball_on_wall_rhomboid_hold",
        lambda e: e["mistakes"].append("Leaning on one shoulder blade only."),
    )
    with pytest.raises(ContentError, match=r"'mistakes.3': 'one shoulder blade' leaves the side to guess"):
        parse_content(content_copy)


def test_the_left_levator_stretch_says_the_left_hand_and_the_left_side_of_the_neck(library: Library) -> None:
    tech = library.technique("levator_scapulae_stretch")
    assert tech is not None
    left = " ".join(render_technique(tech, "left").steps)
    assert "seat with your left hand" in left and "keep your left shoulder down" in left
    assert "halfway to the right" in left and "towards your right armpit" in left
    assert "back of the left side of your neck" in left
    right = " ".join(render_technique(tech, "right").steps)
    assert "seat with your right hand" in right and "back of the right side of your neck" in right


def _mirror(text: str) -> str:
    """Left and right swapped, as a person facing a mirror would read them."""
    swap = {"left": "right", "right": "left", "Left": "Right", "Right": "Left"}
    return re.sub(r"\b(left|right|Left|Right)\b", lambda m: swap[m.group(1)], text)


def _texts(tech: Technique) -> list[str]:
    """Every per-side text as the players, pages, print, CLI and API show it."""
    return list(side_texts(tech).values())


def test_every_per_side_technique_renders_mirrored_left_and_right(library: Library) -> None:
    per_side = [t for t in library.techniques if t.per_side]
    assert len(per_side) >= 36
    for tech in per_side:
        left, right = render_technique(tech, "left"), render_technique(tech, "right")
        named = [t for t in _texts(tech) if "{side}" in t or "{other}" in t]
        assert any("{" in s for s in tech.steps), f"{tech.id}: the how-to never names the side"
        for before, on_left, on_right in zip(_texts(tech), _texts(left), _texts(right), strict=True):
            assert "{" not in on_left and "{" not in on_right, tech.id
            assert on_left == _mirror(on_right), f"{tech.id}: {on_left!r} is not the mirror of {on_right!r}"
            if before in named:
                assert on_left != on_right
