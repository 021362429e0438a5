"""Illustrations: one figure per technique, drawn from data, valid, accessible and not misleading."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from backease.content.loader import CONTENT_DIR, Content, ContentError, parse_content
from backease.figures import depicted_tools, describe, render_svg
from backease.figures.render import _PANEL_SPOTS
from backease.figures.spec import POSITIONS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit_figures(content_dir: Path, edit: object) -> None:
    path = content_dir / "illustrations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_every_technique_has_exactly_one_figure(content: Content) -> None:
    ids = [t.id for t in content.library.techniques]
    assert sorted(content.figures) == sorted(ids)


@pytest.mark.parametrize("side", ["", "left", "right", "both"])
def test_the_renderer_draws_valid_svg_with_a_title_and_description_for_every_technique(
    content: Content, side: str
) -> None:
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        svg = render_svg(figure, side, title=f"How to do it: {tech.name}", description=describe(figure, side))
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg", tech.id
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        assert title is not None and title.text == f"How to do it: {tech.name}"
        assert desc is not None and desc.text and len(desc.text) > 40
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")


def test_two_figures_on_one_page_never_share_an_id(content: Content) -> None:
    figure = content.figures["ball_on_wall_between_shoulder_blades"]
    ids_a = set(re.findall(r'id="([^"]+)"', render_svg(figure, "left", title="a", uid="1")))
    ids_b = set(re.findall(r'id="([^"]+)"', render_svg(figure, "left", title="a", uid="2")))
    assert ids_a and not ids_a & ids_b


def test_each_figure_shows_the_techniques_position_and_exactly_its_tools(content: Content) -> None:
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        assert POSITIONS[figure.pose.position] == tech.position, tech.id
        shown = depicted_tools(figure)
        assert set(tech.tools) <= shown, tech.id
        # A seated figure may sit on a chair; nothing else that the technique does not use.
        assert shown - set(tech.tools) <= ({"chair"} if tech.position == "seated" else set()), tech.id


def test_no_ball_or_roller_is_drawn_on_the_spine_neck_or_lower_back(content: Content) -> None:
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        if figure.tool in ("foam_roller", "tennis_ball", "massage_ball", "peanut_ball", "hook_cane"):
            assert figure.at != "neck_base", tech.id
            if figure.placement == "lengthwise":
                # Only a technique that says it rests the spine on the roller may show one along it.
                assert tech.id == "foam_roller_lengthwise_breathing", tech.id
        if figure.tool == "foam_roller" and figure.placement == "across":
            assert figure.at in ("between_shoulder_blades", "thoracic_spine", "lats"), tech.id


def test_the_spots_for_tools_on_the_back_diagram_stay_off_the_spine() -> None:
    # The spine runs down x = 50 of the 100-wide diagram, its bumps 3.6 wide; a tool ring has radius 4.5.
    for area, (x, _) in _PANEL_SPOTS.items():
        if area in ("neck_base", "chest"):
            continue
        assert x + 4.5 < 48, area


def test_a_per_side_figure_highlights_and_names_only_the_side_being_worked(content: Content) -> None:
    labels = {r.id: r.label for r in content.library.regions}
    figure = content.figures["ball_on_wall_between_shoulder_blades"]
    left = describe(figure, "left", labels)
    right = describe(figure, "right", labels)
    assert "Between the shoulder blades (left)" in left and "(right)" not in left.split("Shown")[0]
    assert "Between the shoulder blades (right)" in right and "(left)" not in right.split("Shown")[0]
    assert 'data-side="left"' in render_svg(figure, "left")
    assert 'data-side="right"' in render_svg(figure, "right")


def test_a_front_view_figure_is_mirrored_for_the_other_side(content: Content) -> None:
    figure = content.figures["upper_trapezius_stretch"]
    assert figure.pose.view == "front" and figure.shows == "right"
    assert "matrix(-1 0 0 1" not in render_svg(figure, "right")
    assert "matrix(-1 0 0 1" in render_svg(figure, "left")


def test_the_text_alternative_says_the_position_the_tool_and_the_movement(content: Content) -> None:
    words = describe(content.figures["foam_roller_across_upper_back"])
    assert "Lying back on a foam roller" in words
    assert "away from the neck and the lower back" in words
    assert "up and down" in words


def test_an_animated_figure_keeps_still_under_reduced_motion_and_in_print(content: Content) -> None:
    animated = [f for f in content.figures.values() if f.then is not None]
    assert animated
    for figure in animated:
        svg = render_svg(figure)
        assert "fig-anim" in svg
        assert re.search(r"@media \(prefers-reduced-motion: reduce\)\{[^}]*animation:none", svg)
        assert re.search(r"@media print\{[^}]*animation:none", svg)


def test_a_technique_without_a_figure_is_a_content_error(content_copy: Path) -> None:
    _edit_figures(content_copy, lambda data: data["figures"].pop("cat_cow"))
    with pytest.raises(ContentError) as caught:
        parse_content(content_copy)
    assert (caught.value.file, caught.value.entry) == ("illustrations.yaml", "figures.cat_cow")


@pytest.mark.parametrize(
    ("edit", "entry", "field"),
    [
        (
            lambda d: d["figures"].update(no_such_technique={"pose": "standing"}),
            "figures.no_such_technique",
            "-",
        ),
        (lambda d: d["figures"]["cat_cow"].update(pose="upside_down"), "figures.cat_cow", "pose"),
        (lambda d: d["figures"]["cat_cow"].update(tool="chainsaw", at="lats"), "figures.cat_cow", "tool"),
        (lambda d: d["figures"]["cat_cow"].update(colour="red"), "figures.cat_cow", "colour"),
        (lambda d: d["poses"]["standing"].update(view="upside_down"), "poses.standing", "view"),
        (lambda d: d["figures"]["cat_cow"].update(pose="standing"), "figures.cat_cow", "pose"),
        (lambda d: d["figures"]["cat_cow"].update(tool="foam_roller", at="lats"), "figures.cat_cow", "tool"),
        (lambda d: d["figures"]["ball_on_wall_chest"].pop("tool"), "figures.ball_on_wall_chest", "tool"),
    ],
    ids=[
        "unknown id",
        "unknown pose",
        "unknown tool",
        "unknown field",
        "unknown view",
        "wrong position",
        "tool not used",
        "tool missing",
    ],
)
def test_a_broken_figure_spec_names_the_file_entry_and_field(
    content_copy: Path, edit: object, entry: str, field: str
) -> None:
    _edit_figures(content_copy, edit)
    with pytest.raises(ContentError) as caught:
        parse_content(content_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == ("illustrations.yaml", entry, field)


def test_the_renderer_does_not_import_django() -> None:
    code = (
        "import sys, backease.figures\n"
        "from backease.content.loader import parse_content\n"
        "c = parse_content()\n"
        "[backease.figures.render_svg(f) for f in c.figures.values()]\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.django_db
def test_every_technique_page_shows_its_figure_with_alt_text(client: object, content: Content) -> None:
    shown = []
    for tech in content.library.techniques:
        response = client.get(f"/library/{tech.id}/")  # type: ignore[attr-defined]
        assert response.status_code == 200
        html = response.content.decode()
        svg = re.search(
            r'<figure class="technique-figure[^"]*" data-testid="figure">\s*(<svg.*?</svg>)', html, re.S
        )
        if svg is None:
            continue
        root = ET.fromstring(svg.group(1))
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        if (
            root.get("role") == "img"
            and title is not None
            and title.text == f"How to do it: {tech.name}"
            and desc is not None
            and desc.text
            and desc.text in html.split("</svg>", 1)[1]  # also shown as the caption
        ):
            shown.append(tech.id)
    total = len(content.library.techniques)
    assert len(shown) == total, f"{len(shown)}/{total} technique pages show their figure with alt text"


def test_in_a_side_view_a_tool_for_the_back_sits_behind_the_body_and_one_for_the_chest_in_front(
    content: Content,
) -> None:
    from backease.figures.render import _spots, _tool, skeleton

    checked = 0
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        if figure.pose.view != "side" or figure.tool not in (
            "tennis_ball",
            "massage_ball",
            "peanut_ball",
            "foam_roller",
        ):
            continue
        if figure.placement == "lengthwise":
            continue
        sk = skeleton(figure.pose)
        placed = _tool(figure, sk, _spots(sk, figure, figure.shows), "t")
        assert placed.contact is not None, tech.id
        mid, back = sk.torso_at(0.5), sk.normal_at(0.5, "back")
        behind = (placed.contact[0] - mid[0]) * back[0] + (placed.contact[1] - mid[1]) * back[1]
        assert (behind < 0) if figure.at == "chest" else (behind > 0), tech.id
        if "wall" in figure.pose.props:
            assert placed.wall_x is not None, tech.id
            assert (placed.wall_x - mid[0]) * back[0] * (-1 if figure.at == "chest" else 1) > 0, tech.id
        checked += 1
    assert checked >= 15
