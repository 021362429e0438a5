"""Side-aware words: per-side text is written once with placeholders and rendered for the
side being worked (core/sides.py), and the content check refuses what cannot be."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from backease.content.loader import CONTENT_DIR, ContentError, parse_content
from backease.core.sides import render_side

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
