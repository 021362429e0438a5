"""Every place a per-side technique is shown says the side of the step: the planner's
reasons and cues, Today's cards, the web player, the technique page (and its print),
the CLI (`plan`, `show --side`) and the API. The side is the side worked."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from backease.cli.main import run
from backease.core.library import Library
from backease.core.planner import PainArea, Profile, plan_session
from backease.core.screening import RuleSet, screen
from backease.store import services
from backease.store.models import Person

pytestmark = pytest.mark.django_db

LEVATOR = "levator_scapulae_stretch"
PLACEHOLDER = re.compile(r"\{(side|other|Side|Other)\}")
# Pain at the top of the right shoulder only: the plan stretches the levator on both sides.
PROFILE = {"areas": [{"region": "upper_trapezius_right", "pain": 7}], "minutes": 20}
LEFT_WORDS = (
    "seat with your left hand",
    "halfway to the right",
    "towards your right armpit",
    "left side of your neck",
)
RIGHT_WORDS = (
    "seat with your right hand",
    "halfway to the left",
    "towards your left armpit",
    "right side of your neck",
)


def _mirror(text: str) -> str:
    swap = {"left": "right", "right": "left", "Left": "Right", "Right": "Left"}
    return re.sub(r"\b(left|right|Left|Right)\b", lambda m: swap[m.group(1)], text)


def _says(text: str, words: tuple[str, ...]) -> bool:
    return all(w in text for w in words)


def test_a_per_side_steps_reason_and_cue_are_for_its_own_side(library: Library, rules: RuleSet) -> None:
    profiles = [
        Profile(minutes=20, areas=(PainArea("upper_trapezius_right", 7),)),
        Profile(
            minutes=30, areas=(PainArea("lats_left", 6), PainArea("between_shoulder_blades_right", 5, True))
        ),
        Profile(
            minutes=25, areas=(PainArea("chest_left", 4), PainArea("glute_right", 6)), tools=("tennis_ball",)
        ),
    ]
    seen = 0
    for profile in profiles:
        for seed in range(4):
            plan = plan_session(profile, screen({}, rules), library, seed=seed)
            for step in plan.steps:
                if step.side not in ("left", "right"):
                    continue
                seen += 1
                other = "right" if step.side == "left" else "left"
                reason = step.reason.replace(f"the {other} side left out", "")
                if "for balance" in reason:
                    assert reason.startswith(f"The {step.side} side as well, for balance"), reason
                elif re.search(r"where it hurts|pain you rated|knot you marked", reason):
                    assert re.search(rf"\b{step.side}\b", reason) and not re.search(
                        rf"\b{other}\b", reason
                    ), (
                        step.technique,
                        step.side,
                        reason,
                    )
                tech = library.technique(step.technique)
                assert tech is not None and "{" not in step.cue
    assert seen > 20


def test_the_left_levator_step_of_the_cli_plan_is_not_labelled_with_the_right_shoulder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        run(["plan", "--area", "upper_trapezius_right:7", "--minutes", "20", "--seed", "0", "--json"])
    steps = [s for s in json.loads(capsys.readouterr().out)["steps"] if s["technique"] == LEVATOR]
    by_side = {s["side"]: s["reason"] for s in steps}
    assert by_side["right"] == "Stretches where it hurts: at the top of your right shoulder (7/10)."
    assert (
        by_side["left"]
        == "The left side as well, for balance: it hurts at the top of your right shoulder (7/10)."
    )


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        run(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_show_side_renders_the_technique_for_that_side(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "show", LEVATOR, "--side", "left")
    flat = " ".join(out.replace("│", " ").split())
    assert code == 0 and _says(flat, LEFT_WORDS) and "For the left side" in flat
    code, out, _ = _cli(capsys, "show", LEVATOR, "--side", "right", "--json")
    right = json.loads(out)
    assert _says(" ".join(right["steps"]), RIGHT_WORDS) and right["side"] == "right"
    code, out, _ = _cli(capsys, "show", LEVATOR, "--json")
    plain = json.loads(out)
    assert set(plain) == set(right) and "spoken" in right and plain["side"] == "left"
    assert plain["steps"] == [_mirror(s) for s in right["steps"]]
    code, out, _ = _cli(capsys, "show", "seated_chin_tuck", "--json")
    assert json.loads(out)["side"] == "none"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["show", LEVATOR, "--side", "up"], "unknown side 'up'"),
        (["show", "seated_chin_tuck", "--side", "left"], "works both sides at once"),
    ],
)
def test_show_refuses_a_side_it_cannot_show_in_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = _cli(capsys, *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("error: side: ") and words in err


def test_the_api_gives_a_technique_for_a_side(client: Client) -> None:
    right = client.get(f"/api/library/techniques/{LEVATOR}?side=right").json()
    assert right["side"] == "right" and _says(" ".join(right["steps"]), RIGHT_WORDS)
    left = client.get(f"/api/library/techniques/{LEVATOR}").json()
    assert left["side"] == "left" and left["steps"] == [_mirror(s) for s in right["steps"]]
    assert set(left) == set(right)
    listed = client.get("/api/library/techniques?kind=stretch").json()
    assert listed and not any(PLACEHOLDER.search(json.dumps(t)) for t in listed)
    for url in (f"/api/library/techniques/{LEVATOR}?side=up", "/api/library/techniques/cat_cow?side=left"):
        response = client.get(url)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "side"


@pytest.fixture
def person() -> Person:
    owner = services.local_owner()
    services.save_profile(owner, PROFILE)
    return owner


def test_todays_cards_and_the_player_say_the_side_of_each_step(client: Client, person: Person) -> None:
    plan = services.make_plan(person, seed=0)
    levator = [(i, s) for i, s in enumerate(plan.data["steps"]) if s["technique"] == LEVATOR]
    assert [s["side"] for _, s in levator] == ["left", "right"]
    today = client.get("/today/").content.decode()
    assert "The left side as well, for balance: it hurts at the top of your right shoulder (7/10)." in today
    session = services.start_session(person, plan)
    html = client.get(f"/session/{session.id}/").content.decode()
    data: dict[str, Any] = json.loads(
        re.search(r'<script id="session-data" type="application/json">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    steps = data["steps"]
    left, right = (steps[i] for i, _ in levator)
    assert _says(" ".join(left["how"]), LEFT_WORDS) and _says(" ".join(right["how"]), RIGHT_WORDS)
    by_technique: dict[str, dict[str, Any]] = {}
    for step in steps:
        assert not PLACEHOLDER.search(json.dumps(step)), step["technique"]
        if step["side"] in ("left", "right"):
            by_technique.setdefault(step["technique"], {})[step["side"]] = step
    for sides in by_technique.values():
        if len(sides) == 2:
            for key in ("how", "stop_if", "breathing", "variants"):
                assert json.dumps(sides["left"][key]) == _mirror(json.dumps(sides["right"][key]))


def test_the_technique_page_shows_the_chosen_side_and_prints_it(client: Client) -> None:
    page = client.get(f"/library/{LEVATOR}/?side=right").content.decode()
    assert _says(page, RIGHT_WORDS) and 'aria-current="page" data-side="right"' in page
    assert 'media="print"' in page  # the print stylesheet prints the page as shown
    default = client.get(f"/library/{LEVATOR}/").content.decode()
    assert _says(default, LEFT_WORDS) and 'aria-current="page" data-side="left"' in default
    wrong = client.get(f"/library/{LEVATOR}/?side=up")
    assert wrong.status_code == 400 and "unknown side" in wrong.content.decode()
    plain = client.get("/library/seated_chin_tuck/").content.decode()
    assert 'class="side-choice"' not in plain


def _per_side(library: Library) -> list[str]:
    return [t.id for t in library.techniques if t.per_side]


def test_every_per_side_technique_is_mirrored_by_the_api_the_cli_and_its_page(
    client: Client, library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same words, left and right mirrored, wherever a technique is shown on its own."""
    fields = ("steps", "intensities", "breathing_cue", "pressure_cue", "mistakes", "stop_if", "spoken")
    for technique in _per_side(library):
        api = {
            side: client.get(f"/api/library/techniques/{technique}?side={side}").json()
            for side in ("left", "right")
        }
        shown = {
            side: json.loads(_cli(capsys, "show", technique, "--side", side, "--json")[1])
            for side in ("left", "right")
        }
        for words in (api, shown):
            left = json.dumps([words["left"][f] for f in fields])
            assert left == _mirror(json.dumps([words["right"][f] for f in fields])), technique
            assert not PLACEHOLDER.search(left) and left != json.dumps([words["right"][f] for f in fields])
        page = client.get(f"/library/{technique}/?side=right").content.decode()
        assert all(step.replace("'", "&#x27;") in page for step in api["right"]["steps"]), technique
