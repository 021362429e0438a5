"""Figures: every technique shown moving, drawn from the body model, true to its side.

What is checked is what a person sees: the rendered SVG (valid, animated, with the key poses
for reduced motion, no two techniques alike when rasterised) and the posed bodies behind it
(the tool and the hands on their landmarks, nothing on the neck or the lower back, far
things painted behind near ones, the worked side where the person has it in every view).
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from backease.content.loader import CONTENT_DIR, Content, ContentError, parse_content
from backease.figures import Figure, describe, render_svg
from backease.figures.demo import Moment, Stage, frames, key_moments, moments
from backease.figures.draw import paint_order
from backease.figures.geometry import dist, dot, sub
from tests.figure_raster import iou, rasterise

SVG = "{http://www.w3.org/2000/svg}"
ALIKE = 0.85
"""Two techniques' key poses, rasterised, may share at most this much of their drawing."""


def _sides(tech: Any) -> list[str]:
    return ["left", "right"] if tech.per_side else [""]


@pytest.fixture(scope="module")
def rendered(content: Content) -> dict[tuple[str, str], str]:
    """Every figure for every side it can have, rendered once for the module."""
    labels = {r.id: r.label for r in content.library.regions}
    out = {}
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        for side in _sides(tech):
            out[(tech.id, side)] = render_svg(
                figure, side, title=f"How to do it: {tech.name}", description=describe(figure, side, labels)
            )
    return out


@pytest.fixture(scope="module")
def staged(content: Content) -> dict[str, tuple[Stage, list[Moment]]]:
    """Every figure posed at every moment of its loop and at its key poses."""
    out = {}
    for tech in content.library.techniques:
        demo = content.figures[tech.id]
        out[tech.id] = (Stage(demo), moments(demo) + key_moments(demo))
    return out


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(content_dir: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = content_dir / "figures.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_every_technique_has_exactly_one_figure_drawn_from_the_body_model(content: Content) -> None:
    assert sorted(content.figures) == sorted(t.id for t in content.library.techniques)
    assert all(isinstance(f, Figure) for f in content.figures.values())


def test_every_figure_is_valid_svg_that_moves_with_key_poses_for_reduced_motion(
    content: Content, rendered: dict[tuple[str, str], str]
) -> None:
    for (tech_id, _side), svg in rendered.items():
        root = ET.fromstring(svg)
        tech = next(t for t in content.library.techniques if t.id == tech_id)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img", tech_id
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text == f"How to do it: {tech.name}"
        assert desc is not None and desc.text and len(desc.text) > 40
        assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get(
            "id"
        )
        groups = {g.get("class"): g for g in root.iter(f"{SVG}g") if g.get("class") in ("live", "keys")}
        live, keys = groups["live"], groups["keys"]
        animations = [
            e
            for e in root.iter()
            if e.tag in (f"{SVG}animate", f"{SVG}animateTransform", f"{SVG}animateMotion")
        ]
        assert animations, f"{tech_id}: nothing moves"
        assert all(float(a.get("dur", "0s").rstrip("s")) >= 0.5 for a in animations), tech_id
        assert len([g for g in keys if g.tag == f"{SVG}g"]) >= 2, f"{tech_id}: fewer than two key poses"
        assert not [e for e in keys.iter() if "animate" in e.tag], f"{tech_id}: a key pose moves"
        assert live is not None
        style = root.find(f"{SVG}style")
        assert style is not None and style.text
        assert re.search(
            r"prefers-reduced-motion:reduce\)\{\.fg \.live\{display:none\}\.fg \.keys\{display:inline",
            style.text,
        )
        assert re.search(r"@media print\{\.fg \.live\{display:none\}", style.text)


def test_a_figure_for_paper_shows_its_key_poses_side_by_side_and_nothing_moves(content: Content) -> None:
    for tech in content.library.techniques:
        svg = render_svg(content.figures[tech.id], _sides(tech)[0], still=True)
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if "animate" in e.tag], tech.id
        cells = [g for g in root.iter(f"{SVG}g") if (g.get("clip-path") or "").startswith("url(#")]
        assert len(cells) >= 2, tech.id
        assert float(root.get("viewBox", "0 0 0 0").split()[2]) > 300, tech.id


def test_no_two_techniques_look_alike(content: Content, rendered: dict[tuple[str, str], str]) -> None:
    grids = {
        t.id: rasterise(rendered[(t.id, "right" if t.per_side else "")], cell=3.0)
        for t in content.library.techniques
    }
    closest = max((iou(grids[a], grids[b]), a, b) for a, b in itertools.combinations(grids, 2))
    assert closest[0] <= ALIKE, f"{closest[1]} and {closest[2]} share {closest[0]:.0%} of their key poses"


def test_the_comparison_notices_two_figures_drawn_alike(content: Content) -> None:
    # The check above must be able to fail: the same figure under two names is alike.
    a = content.figures["ball_on_wall_between_shoulder_blades"]
    svg = render_svg(a, "right")
    assert iou(rasterise(svg), rasterise(render_svg(a, "right", uid="x"))) > ALIKE


def test_left_and_right_mirror_each_other_and_differ(
    content: Content, rendered: dict[tuple[str, str], str]
) -> None:
    for tech in content.library.techniques:
        if not tech.per_side:
            continue
        left, right = rendered[(tech.id, "left")], rendered[(tech.id, "right")]
        assert 'data-side="left"' in left and 'data-side="right"' in right
        assert left != right, tech.id
        # Each key pose of the right figure, flipped in place, is the left figure's.
        flipped = ET.fromstring(right)
        left_cells = _cells(ET.fromstring(left))
        right_cells = _cells(flipped)
        assert len(left_cells) == len(right_cells) >= 2, tech.id
        for a, b in zip(left_cells, right_cells, strict=True):
            assert (a.get("transform") or "").startswith("matrix(-1 0 0 1 "), tech.id
            assert not b.get("transform"), tech.id
            b.set("transform", a.get("transform") or "")
        coarse = 4.0
        mirrored = rasterise(ET.tostring(flipped, encoding="unicode"), cell=coarse)
        left_grid = rasterise(left, cell=coarse)
        assert iou(mirrored, left_grid) > 0.97, tech.id
        assert iou(rasterise(right, cell=coarse), left_grid) < 0.97, tech.id


def _cells(root: ET.Element) -> list[ET.Element]:
    keys = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "keys")
    return [inner for cell in keys if cell.tag == f"{SVG}g" for inner in cell if inner.tag == f"{SVG}g"]


def test_the_worked_side_is_where_the_person_has_it_in_every_view(content: Content) -> None:
    """From behind the person's right is on your right, facing you on your left; from the side
    the worked side faces you; the target patch and the panel agree."""
    for tech in content.library.techniques:
        demo = content.figures[tech.id]
        if not tech.per_side:
            continue
        stage = Stage(demo)
        body = stage.stage(Moment(0, len(demo.keys) - 1, len(demo.keys) - 1, 1.0)).body
        cam = stage.cam
        worked = demo.shows[0]
        pelvis_x = cam.flat(body.joints["pelvis"])[0]
        right_hip_x = cam.flat(body.joints["hip_r"])[0]
        left_hip_x = cam.flat(body.joints["hip_l"])[0]
        if demo.view == "back" and abs(demo.yaw) < 45 and demo.pitch < 60:
            assert right_hip_x > pelvis_x > left_hip_x, tech.id
        if demo.view == "front" and abs(demo.yaw) < 45:
            assert right_hip_x < pelvis_x < left_hip_x, tech.id
        if demo.view == "side" and abs(demo.yaw) < 45:
            assert cam.depth(body.joints[f"hip_{worked}"]) > cam.depth(body.joints["pelvis"]), tech.id
        # The panel shows the side being worked, and faces the way the scene does.
        for side in ("left", "right"):
            svg = render_svg(demo, side)
            assert f">{side} side</text>" in svg, tech.id
            if demo.view == "front":
                assert "from the front" in svg and "from behind" not in svg, tech.id


def test_tools_and_hands_touch_their_landmarks(
    content: Content, staged: dict[str, tuple[Stage, list[Moment]]]
) -> None:
    for tech_id, (stage, ms) in staged.items():
        for m in ms:
            posed = stage.stage(m)
            if posed.contact is not None:
                point, landmark = posed.contact
                assert dist(point, landmark) < 2.5, (
                    f"{tech_id}: the tool is {dist(point, landmark):.1f} cm off"
                )
            for reach in (stage.demo.keys[m.a] if m.w < 0.5 else stage.demo.keys[m.b]).reaches:
                gap = posed.body.reached.get(reach.hand, 0.0)
                assert gap < 3.0, f"{tech_id}: the {reach.hand} hand stops {gap:.1f} cm short of {reach.to}"


def test_a_tool_held_by_the_floor_or_a_wall_rests_on_it(
    content: Content, staged: dict[str, tuple[Stage, list[Moment]]]
) -> None:
    from backease.figures.demo import TOOL_RADIUS, place_props

    for tech_id, (stage, ms) in staged.items():
        tool = stage.demo.tool
        if tool is None or tool.rests not in ("floor", "wall"):
            continue
        wall = place_props(stage).wall
        last = len(stage.demo.keys) - 1
        for m in ms:
            if tool.rests == "wall" and not (m.a == m.b == last):
                continue  # leaning in: the ball is held against the wall from then on
            posed = stage.stage(m)
            centre = posed.tool_points["centre"]
            r = TOOL_RADIUS[tool.id]
            if tool.rests == "floor" and tool.axis != "lengthwise":
                assert abs(centre[1] - r) < 1.5, f"{tech_id}: the {tool.id} floats {centre[1] - r:.1f} cm"
            if tool.rests == "wall" and wall is not None and tool.id in ("tennis_ball", "massage_ball"):
                gap = dot(sub(centre, wall[0]), wall[1]) - r
                assert -1.0 < gap < 2.5, f"{tech_id}: the ball is {gap:.1f} cm from the wall"


def test_no_ball_roller_stick_or_massager_on_the_neck_or_the_lower_back(
    content: Content, staged: dict[str, tuple[Stage, list[Moment]]]
) -> None:
    for tech_id, (stage, ms) in staged.items():
        tool = stage.demo.tool
        if tool is None or tool.id in ("towel", "heat_pack", "hook_cane"):
            continue
        for m in ms:
            posed = stage.stage(m)
            body = posed.body
            pts = posed.tool_points
            tool_points = [p for k, p in pts.items() if not k.endswith("axis")]
            if tool.id == "foam_roller" and tool.axis != "lengthwise":
                # The roller's surface line nearest the body: its centre line, radius away.
                tool_points = [pts["centre"]]
            avoid = [
                body.landmark(n)[0]
                for n in ("neck_side_l", "neck_side_r", "neck_back", "lower_back", "sacrum")
            ]
            radius = {
                "foam_roller": 7.5,
                "peanut_ball": 5.0,
                "massage_stick": 1.2,
                "percussion_massager": 2.6,
            }
            for p in tool_points:
                for spot in avoid:
                    clearance = dist(p, spot) - radius.get(tool.id, 3.6)
                    assert clearance > 2.5, (
                        f"{tech_id}: the {tool.id} comes within {clearance:.1f} cm of the neck or lower back"
                    )


def test_far_things_are_painted_behind_near_ones_in_every_frame(content: Content) -> None:
    """A tool between the body and the wall or the floor, a limb on the far side of the trunk
    and a hand behind the back are never painted over the part in front of them, in any
    frame of the loop (a part that passes the trunk is painted on both sides of it)."""
    for tech in content.library.techniques:
        demo = content.figures[tech.id]
        fr, _, _ = frames(demo, moments(demo))
        order = paint_order(fr)
        for i, frame in enumerate(fr):
            painted = [key for key, shown in order if shown[i]]
            at = {key: n for n, key in enumerate(painted)}
            trunk = next(s for s in frame.shapes if s.key == "trunk")
            for shape in frame.shapes:
                if shape.key not in at:
                    continue
                if shape.part == "tool" and demo.tool is not None and demo.tool.rests:
                    assert at[shape.key] < at["trunk"], f"{tech.id}: the {shape.key} is painted over the body"
                if shape.part == "body" and not shape.key.startswith("trunk"):
                    if shape.depth < trunk.depth - 12:
                        assert at[shape.key] < at["trunk"], (
                            f"{tech.id}: {shape.key} is painted over the trunk"
                        )
                    if shape.depth > trunk.depth + 12:
                        assert at[shape.key] > at["trunk"], f"{tech.id}: {shape.key} is hidden by the trunk"
                if shape.part == "target":
                    assert at[shape.key] > at["trunk"], f"{tech.id}: {shape.key} is hidden by the trunk"


def test_the_text_alternative_names_the_side_and_the_movement(content: Content) -> None:
    labels = {r.id: r.label for r in content.library.regions}
    for tech in content.library.techniques:
        figure = content.figures[tech.id]
        for side in _sides(tech):
            words = describe(figure, side, labels)
            if side:
                other = "left" if side == "right" else "right"
                assert f"Shown for the {side} side" in words, tech.id
                assert f"({other})" not in words.split("Shown")[0], tech.id
            assert "{" not in words, tech.id
    roller = describe(content.figures["foam_roller_across_upper_back"], "", labels)
    assert "foam roller" in roller and "rolls slowly" in roller and "lower back" in roller


def test_two_figures_on_one_page_never_share_an_id(content: Content) -> None:
    figure = content.figures["ball_on_wall_between_shoulder_blades"]
    ids_a = set(re.findall(r'id="([^"]+)"', render_svg(figure, "left", title="a", uid="1")))
    ids_b = set(re.findall(r'id="([^"]+)"', render_svg(figure, "left", title="a", uid="2")))
    assert ids_a and not ids_a & ids_b


def test_a_figure_draws_on_the_pages_colours(content: Content) -> None:
    svg = render_svg(content.figures["cat_cow"])
    assert "var(--fig-body," in svg and "var(--fig-target," in svg
    assert 'fill="#ffffff"' not in svg.split("</defs>", 1)[1]  # no white card behind the scene
    standalone = render_svg(content.figures["cat_cow"], standalone=True)
    assert "prefers-color-scheme:dark" in standalone and "prefers-color-scheme:dark" not in svg


def test_a_technique_without_a_figure_is_a_content_error(content_copy: Path) -> None:
    _edit(content_copy, lambda data: data["figures"].pop("cat_cow"))
    with pytest.raises(ContentError) as caught:
        parse_content(content_copy)
    assert (caught.value.file, caught.value.entry) == ("figures.yaml", "figures.cat_cow")


@pytest.mark.parametrize(
    ("edit", "entry", "field"),
    [
        (
            lambda d: d["figures"].update(no_such_technique={"keys": ["stand"]}),
            "figures.no_such_technique",
            "-",
        ),
        (lambda d: d["figures"]["cat_cow"].update(keys=["upside_down"]), "figures.cat_cow", "keys"),
        (
            lambda d: d["figures"]["cat_cow"].update(tool={"id": "chainsaw", "at": "lat_r"}),
            "figures.cat_cow",
            "tool.id",
        ),
        (lambda d: d["figures"]["cat_cow"].update(colour="red"), "figures.cat_cow", "colour"),
        (lambda d: d["figures"]["cat_cow"].update(view="upside_down"), "figures.cat_cow", "view"),
        (lambda d: d["figures"]["cat_cow"].update(keys=["stand", "stand_soft"]), "figures.cat_cow", "keys"),
        (
            lambda d: d["figures"]["cat_cow"].update(tool={"id": "foam_roller", "at": "lat_r"}),
            "figures.cat_cow",
            "tool",
        ),
        (lambda d: d["figures"]["ball_on_wall_chest"].pop("tool"), "figures.ball_on_wall_chest", "tool"),
        (
            lambda d: d["figures"]["ball_on_wall_chest"]["tool"].update(at="pec_minor_l"),
            "figures.ball_on_wall_chest",
            "tool.at",
        ),
        (lambda d: d["poses"]["stand"].update(arm_l=[90, 10]), "poses.stand", "arm_l"),
        (
            lambda d: d["poses"]["knuckles_on_back"]["reach"]["l"].update(to="spleen"),
            "poses.knuckles_on_back",
            "reach.l.to",
        ),
        (
            lambda d: d["figures"]["levator_scapulae_stretch"].update(view="front"),
            "figures.levator_scapulae_stretch",
            "view",
        ),
    ],
    ids=[
        "unknown technique",
        "unknown pose",
        "unknown tool",
        "unknown field",
        "unknown view",
        "pose shows another position",
        "tool not used",
        "tool missing",
        "tool on the other side",
        "joint angles",
        "unknown landmark",
        "facing you with back targets",
    ],
)
def test_a_broken_figure_spec_names_the_file_entry_and_field(
    content_copy: Path, edit: Callable[[dict[str, Any]], None], entry: str, field: str
) -> None:
    _edit(content_copy, edit)
    with pytest.raises(ContentError) as caught:
        parse_content(content_copy)
    assert (caught.value.file, caught.value.entry, caught.value.field) == ("figures.yaml", entry, field)


def test_the_renderer_does_not_import_django() -> None:
    code = (
        "import sys, backease.figures\n"
        "from backease.content.loader import load_content\n"
        "c = load_content()\n"
        "[backease.figures.render_svg(c.figures[t]) for t in ('cat_cow', 'levator_scapulae_stretch')]\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_segment_lengths_follow_the_anthropometric_table() -> None:
    # Winter (2009), Fig. 4.1, after Drillis and Contini (1966): fractions of height.
    from backease.figures.body import HEIGHT, Pose, pose_body

    body = pose_body(Pose(arm_l=(90, 0, 0), elbow_l=0))
    j = body.joints
    assert math.isclose(dist(j["shoulder_l"], j["elbow_l"]) / HEIGHT, 0.186, abs_tol=1e-6)
    assert math.isclose(dist(j["elbow_l"], j["wrist_l"]) / HEIGHT, 0.146, abs_tol=1e-6)
    assert math.isclose(dist(j["hip_l"], j["knee_l"]) / HEIGHT, 0.245, abs_tol=1e-6)
    assert math.isclose(dist(j["knee_l"], j["ankle_l"]) / HEIGHT, 0.246, abs_tol=1e-6)
    assert abs(j["shoulder_l"][1] / HEIGHT - 0.818) < 0.01
    assert abs(j["hip_l"][1] / HEIGHT - 0.530) < 1e-6


@pytest.mark.django_db
def test_every_technique_page_shows_its_figure_with_alt_text(client: Any, content: Content) -> None:
    shown = []
    for tech in content.library.techniques:
        response = client.get(f"/library/{tech.id}/")
        assert response.status_code == 200
        html = response.content.decode()
        svg = re.search(
            r'<figure class="technique-figure[^"]*" data-testid="figure">\s*(<svg.*?</svg>)', html, re.S
        )
        if svg is None:
            continue
        root = ET.fromstring(svg.group(1))
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        if (
            root.get("role") == "img"
            and title is not None
            and title.text == f"How to do it: {tech.name}"
            and desc is not None
            and desc.text
            and desc.text in html.split("</svg>", 1)[1]
        ):
            shown.append(tech.id)
    total = len(content.library.techniques)
    assert len(shown) == total, f"{len(shown)}/{total} technique pages show their figure with alt text"


__all__ = ["np"]


@pytest.mark.django_db
def test_a_figure_file_is_served_cacheable_with_an_etag_and_nothing_personal(client: Any) -> None:
    from backease.front.figure_views import figures_version

    left = client.get("/figures/levator_scapulae_stretch.svg", {"side": "left"})
    assert left.status_code == 200 and left["Content-Type"].startswith("image/svg+xml")
    assert "Set-Cookie" not in left and "Cookie" not in left.get("Vary", "")
    assert left["Cache-Control"] == "public, max-age=86400" and left["ETag"]
    root = ET.fromstring(left.content)
    assert root.get("data-side") == "left" and "prefers-color-scheme:dark" in left.content.decode()
    right = client.get("/figures/levator_scapulae_stretch.svg", {"side": "right"})
    assert right.content != left.content and right["ETag"] != left["ETag"]
    again = client.get(
        "/figures/levator_scapulae_stretch.svg", {"side": "left"}, HTTP_IF_NONE_MATCH=left["ETag"]
    )
    assert again.status_code == 304 and not again.content
    versioned = client.get("/figures/cat_cow.svg", {"v": figures_version(), "preview": "1"})
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert 'viewBox="0 0 212 206"' in versioned.content.decode()  # no target panel
    still = client.get("/figures/cat_cow.svg", {"still": "1"}).content.decode()
    assert "<animate" not in still


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/figures/cat_cow.svg?side=middle", 400, "side"),
        ("/figures/cat_cow.svg?still=yes", 400, "still"),
        ("/figures/no_such_technique.svg", 404, "technique"),
    ],
)
def test_a_bad_figure_request_says_which_field(client: Any, url: str, status: int, field: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["field"] == field


@pytest.mark.django_db
def test_a_figure_file_is_sent_compressed(client: Any) -> None:
    response = client.get("/figures/cat_cow.svg", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    assert len(response.content) < 12_000
