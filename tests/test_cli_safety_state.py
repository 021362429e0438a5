"""One safety state for every front end: the terminal's screen, profile, plan and
turned-off techniques are the store's, the same rows the web app and the API use.

Sessions run on the fake terminal of test_cli_store (fake clock, scripted answers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from backease.cli.main import run
from backease.content.loader import load_content
from backease.core.planner import PainArea, Profile
from backease.store import services
from backease.store.models import Plan, Screening, Session, TechniqueChoice
from tests.test_cli_store import Fake

pytestmark = pytest.mark.django_db

EVERY_TOOL_PROFILE = {
    "areas": [
        {"region": "between_shoulder_blades_left", "pain": 6, "knot": True},
        {"region": "upper_trapezius_right", "pain": 5, "knot": False},
    ],
    "tools": ["massage_ball", "tennis_ball", "foam_roller", "percussion_massager", "wall", "chair"],
    "minutes": 20,
    "pressure": "firm",
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def answers_file(tmp_path: Path, answers: dict[str, Any], name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(answers))
    return str(path)


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "plan", *args, "--json")
    assert code == 0, err
    return dict(json.loads(out))


def flat(text: str) -> str:
    return " ".join(text.split())


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def owner() -> Any:
    return services.local_owner()


# --- screen -------------------------------------------------------------------------------


def test_screen_with_answers_stores_the_screening_the_web_api_then_returns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(
        capsys, "screen", "--answers", answers_file(tmp_path, {"anticoagulants": True}), "--json"
    )
    printed = json.loads(out)
    row = Screening.objects.get()
    assert code == 0 and printed["id"] == row.id and row.answers == {"anticoagulants": True}
    latest = Client().get("/api/screening/latest").json()
    assert latest["id"] == row.id and latest["level"] == printed["level"] == "self_care_with_precautions"
    assert latest["precautions"] == printed["precautions"]


def test_the_interactive_screen_stores_what_was_answered(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backease.cli.questionnaire.ask_screening", lambda rules: {"osteoporosis": True})
    code, out, _ = cli(capsys, "screen")
    row = Screening.objects.get()
    assert code == 0 and row.answers == {"osteoporosis": True}
    assert "Saved as your safety check of" in flat(out)


def test_the_web_today_page_shows_the_safety_state_stored_by_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    cli(capsys, "screen", "--answers", answers_file(tmp_path, {"anticoagulants": True}))
    made = plan_json(capsys)
    page = Client().get("/today/").content.decode()
    assert "Self-care is fine, with some limits" in page
    names = {t.id: t.name for t in load_content().library.techniques}
    assert all(names[s["technique"]] in page for s in made["steps"])
    assert Client().get("/api/plans/latest").json()["id"] == made["plan_id"]


def test_screen_no_save_shows_the_result_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "screen", "--answers", answers_file(tmp_path, {"fever": True}), "--no-save")
    assert code == 0 and "See a doctor today" in out and "Not saved" in out
    assert Screening.objects.count() == 0


def test_bad_answers_store_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "screen", "--answers", answers_file(tmp_path, {"fevr": True}))
    assert code == 2 and "fever" in one_line(err) and Screening.objects.count() == 0


def test_input_that_ends_mid_screen_is_one_line_exit_2_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, _, err = cli(capsys, "screen")
    assert code == 2 and one_line(err).startswith("error: input:")
    assert Screening.objects.count() == 0


# --- start --------------------------------------------------------------------------------

START_PROFILE = Profile(
    areas=(PainArea("between_shoulder_blades_right", 7, True), PainArea("lats_left", 4, False)),
    causes=("posture",),
    tools=("massage_ball", "foam_roller", "wall"),
    minutes=12,
    pressure="moderate",
    no_floor=True,
    stress=6,
)


def fake_start(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Any]) -> None:
    monkeypatch.setattr("backease.cli.questionnaire.ask_screening", lambda rules: dict(answers))
    monkeypatch.setattr("backease.cli.questionnaire.ask_profile", lambda library: START_PROFILE)


def test_start_saves_the_answers_the_profile_and_the_plan_it_shows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_start(monkeypatch, {"anticoagulants": True})
    code, out, _ = cli(capsys, "start", "--json")
    shown = json.loads(out)
    assert code == 0
    assert Screening.objects.get().answers == {"anticoagulants": True}
    assert services.get_profile(owner()) == START_PROFILE
    stored = Plan.objects.get()
    assert shown["plan_id"] == stored.id and shown["screening"]["source"] == "stored"
    assert [s["technique"] for s in shown["steps"]] == [s["technique"] for s in stored.data["steps"]]


def test_start_answers_reach_the_session_which_runs_the_steps_that_were_shown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_start(monkeypatch, {"anticoagulants": True})
    shown = json.loads(cli(capsys, "start", "--json")[1])
    Fake().install(monkeypatch)
    code, out, err = cli(capsys, "session", "--json")
    ran = json.loads(out)
    assert code == 0, err
    assert ran["plan_id"] == shown["plan_id"]
    assert [(s["technique"], s["side"]) for s in ran["steps"]] == [
        (s["technique"], s["side"]) for s in shown["steps"]
    ]
    assert {s["intensity"] for s in ran["steps"]} == {"gentle"}  # blood thinners: gentle only
    # The areas, tools and "no floor" given in start shaped the plan.
    assert any("between_shoulder_blades_right" in s["regions"] for s in shown["steps"])
    assert any(set(s["tools"]) & {"massage_ball", "foam_roller", "wall"} for s in shown["steps"])
    assert all(s["position"] != "floor" for s in shown["steps"])


def test_start_with_an_emergency_answer_stores_it_and_asks_nothing_more(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_start(monkeypatch, {"chest_pain": True})
    monkeypatch.setattr("backease.cli.questionnaire.ask_profile", lambda library: pytest.fail("asked"))
    code, out, _ = cli(capsys, "start")
    assert code == 3 and "EMERGENCY" in out
    assert Screening.objects.get().level == "emergency" and Plan.objects.count() == 0


# --- plan ---------------------------------------------------------------------------------


def test_plan_without_answers_follows_the_latest_stored_screening_and_says_which(
    capsys: pytest.CaptureFixture[str],
) -> None:
    row, _ = services.record_screening(owner(), {"anticoagulants": True})
    made = plan_json(capsys)
    assert made["screening"] == {
        "source": "stored",
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "level": "self_care_with_precautions",
    }
    assert made["level"] == "self_care_with_precautions"
    code, out, _ = cli(capsys, "plan")
    assert code == 0
    assert f"Following your safety check of {row.created_at.astimezone():%Y-%m-%d %H:%M}" in flat(out)
    assert "Self-care is fine, with some limits" in out and "Self-care is a reasonable start" not in out


def test_plan_without_any_screening_says_there_is_none_yet(capsys: pytest.CaptureFixture[str]) -> None:
    made = plan_json(capsys)
    assert made["screening"] == {"source": "none", "id": None, "created_at": None}
    code, out, _ = cli(capsys, "plan")
    assert code == 0 and "No safety check yet" in flat(out)


def test_plan_saves_the_plan_it_prints_as_todays_plan(capsys: pytest.CaptureFixture[str]) -> None:
    services.record_screening(owner(), {})
    made = plan_json(capsys, "--minutes", "8")
    stored = services.latest_plan(owner())
    assert stored is not None and stored.id == made["plan_id"] and stored.minutes == 8
    assert [s["technique"] for s in stored.data["steps"]] == [s["technique"] for s in made["steps"]]


def test_plan_options_replace_the_saved_profile_only_for_that_plan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.record_screening(owner(), {})
    services.save_profile(owner(), {**EVERY_TOOL_PROFILE, "minutes": 6, "no_floor": True})
    saved = plan_json(capsys)
    assert saved["minutes"] == 6 and all(s["position"] != "floor" for s in saved["steps"])
    shorter = plan_json(capsys, "--minutes", "4", "--tool", "wall")
    assert shorter["minutes"] == 4 and all(set(s["tools"]) <= {"wall", "hands"} for s in shorter["steps"])
    assert services.get_profile(owner()).minutes == 6


def test_plan_with_answers_follows_them_and_stores_nothing_unless_save(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    services.record_screening(owner(), {})
    path = answers_file(tmp_path, {"osteoporosis": True})
    what_if = plan_json(capsys, "--answers", path)
    assert what_if["screening"]["source"] == "answers" and what_if["plan_id"] is None
    assert "no_spinal_pressure" in what_if["precautions"]
    assert Screening.objects.count() == 1 and Plan.objects.count() == 0
    saved = plan_json(capsys, "--answers", path, "--save")
    assert saved["screening"]["source"] == "stored" and saved["plan_id"] == Plan.objects.get().id
    assert services.latest_screening(owner()).answers == {"osteoporosis": True}  # type: ignore[union-attr]


def test_save_without_answers_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "plan", "--save")
    assert code == 2 and out == "" and one_line(err).startswith("error: save:")


def test_after_an_emergency_screen_plan_shows_the_emergency_with_no_steps_and_session_refuses(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    cli(capsys, "screen", "--answers", answers_file(tmp_path, {"chest_pain": True}))
    code, out, _ = cli(capsys, "plan")
    assert code == 3 and "EMERGENCY" in out and "No plan today" in out and "Total:" not in out
    code, out, _ = cli(capsys, "plan", "--json")
    refused = json.loads(out)
    assert code == 3 and refused["level"] == "emergency" and refused["steps"] == []
    assert refused["plan_id"] is None and Plan.objects.count() == 0
    fake = Fake().install(monkeypatch)
    code, out, err = cli(capsys, "session")
    line = one_line(err)
    assert code == 3 and "emergency" in line and "call your emergency number" in line
    assert "EMERGENCY" in fake.output and Session.objects.count() == 0 and Plan.objects.count() == 0
    assert fake.prompter.asked == []  # nothing asked: no pain ratings before a refusal


def test_an_urgent_latest_screen_refuses_the_session_even_with_an_older_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.record_screening(owner(), {})
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    services.make_plan(owner())
    services.record_screening(owner(), {"fever": True})
    Fake().install(monkeypatch)
    code, out, err = cli(capsys, "session", "--json")
    assert code == 3 and json.loads(out)["level"] == "urgent"
    assert "doctor today" in one_line(err) and Session.objects.count() == 0


def test_after_a_blood_thinner_screen_plan_keeps_its_limits_without_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    cli(capsys, "screen", "--answers", answers_file(tmp_path, {"anticoagulants": True}))
    library = load_content().library
    for seed in range(5):
        made = plan_json(capsys, "--seed", str(seed))
        assert made["level"] == "self_care_with_precautions"
        assert {"gentle_pressure_only", "no_sustained_pressure", "no_firm_tools"} <= set(made["precautions"])
        assert {s["intensity"] for s in made["steps"]} == {"gentle"}
        held = [s["technique"] for s in made["steps"] if library.technique(s["technique"]).sustained_pressure]  # type: ignore[union-attr]
        assert held == []
        # no_firm_tools: the firm massage ball and the percussion massager stay out.
        assert not {t for s in made["steps"] for t in s["tools"]} & {"massage_ball", "percussion_massager"}


# --- session ------------------------------------------------------------------------------


def test_session_without_a_screen_and_without_a_terminal_refuses_with_one_line_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    Fake(interactive=False).install(monkeypatch)
    code, out, err = cli(capsys, "session", "--yes")
    line = one_line(err)
    assert code == 3 and out == "" and "no safety check yet" in line and "backease screen" in line
    assert Session.objects.count() == 0 and Screening.objects.count() == 0


def test_session_from_a_pipe_with_no_screen_refuses_in_a_real_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("backease")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"BACKEASE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(exe), "session", "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 3
    assert one_line(done.stderr).startswith("no session: there is no safety check yet")


def test_session_without_a_screen_asks_it_first_in_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    monkeypatch.setattr("backease.cli.questionnaire.ask_screening", lambda rules: {"anticoagulants": True})
    fake = Fake().install(monkeypatch)
    code, out, err = cli(capsys, "session", "--json")
    ran = json.loads(out)
    assert code == 0, err
    assert Screening.objects.get().answers == {"anticoagulants": True}
    assert {s["intensity"] for s in ran["steps"]} == {"gentle"}
    assert "First, the safety check" in fake.output
    assert not any(q.startswith("Anything new") for q in fake.prompter.asked)  # just asked


def test_session_that_asks_the_screen_first_stops_at_an_emergency_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backease.cli.questionnaire.ask_screening", lambda rules: {"coughing_blood": True})
    Fake().install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 3 and "emergency" in one_line(err) and Session.objects.count() == 0


# --- turned-off techniques ----------------------------------------------------------------


def first_massage_step(made: dict[str, Any]) -> str:
    return str(next(s["technique"] for s in made["steps"] if s["kind"] not in ("warm_up", "mobility")))


def test_a_turned_off_technique_never_appears_in_terminal_plans(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services.record_screening(owner(), {})
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    banned = first_massage_step(plan_json(capsys))
    services.set_technique_enabled(owner(), banned, False, "You pressed 'sharp pain' during this technique.")
    path = answers_file(tmp_path, {})
    for seed in range(8):
        assert banned not in {s["technique"] for s in plan_json(capsys, "--seed", str(seed))["steps"]}
        what_if = plan_json(capsys, "--seed", str(seed), "--answers", path)
        assert banned not in {s["technique"] for s in what_if["steps"]}
    Fake().install(monkeypatch)
    code, out, _ = cli(capsys, "session", "--new-plan", "--json")
    assert code == 0 and banned not in {s["technique"] for s in json.loads(out)["steps"]}


def test_techniques_lists_the_turned_off_ones_with_when_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    services.set_technique_enabled(
        owner(), "foam_roller_lats", False, "You pressed 'sharp pain' during this technique."
    )
    code, out, _ = cli(capsys, "techniques")
    choice = TechniqueChoice.objects.get()
    assert code == 0 and "foam_roller_lats" in out and "sharp pain" in flat(out)
    assert f"{choice.updated_at.astimezone():%Y-%m-%d %H:%M}" in out
    code, out, _ = cli(capsys, "techniques", "--json")
    (listed,) = json.loads(out)
    assert listed == {
        "id": "foam_roller_lats",
        "name": load_content().library.technique("foam_roller_lats").name,  # type: ignore[union-attr]
        "reason": "You pressed 'sharp pain' during this technique.",
        "turned_off_at": choice.updated_at.isoformat(),
    }


def test_techniques_enable_turns_one_back_on_for_the_next_plan(capsys: pytest.CaptureFixture[str]) -> None:
    services.set_technique_enabled(owner(), "foam_roller_lats", False, "sharp pain")
    code, out, _ = cli(capsys, "techniques", "--enable", "foam_roller_lats", "--json")
    result = json.loads(out)
    assert code == 0 and result == {"enabled": "foam_roller_lats", "changed": True, "turned_off": []}
    assert services.disabled_techniques(owner()) == frozenset()
    code, out, _ = cli(capsys, "techniques", "--enable", "foam_roller_lats")
    assert code == 0 and "was not turned off" in flat(out)
    code, out, _ = cli(capsys, "techniques")
    assert code == 0 and "No technique is turned off" in out


def test_techniques_enable_with_an_unknown_id_is_one_line_exit_2_with_a_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.set_technique_enabled(owner(), "foam_roller_lats", False, "sharp pain")
    code, out, err = cli(capsys, "techniques", "--enable", "foam_roller_lat")
    line = one_line(err)
    assert code == 2 and out == ""
    assert line.startswith("error: enable: unknown technique 'foam_roller_lat'") and "did you mean" in line
    assert services.disabled_techniques(owner()) == frozenset({"foam_roller_lats"})


def test_plan_asks_for_the_safety_check_again_when_logged_pain_jumps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.record_screening(owner(), {})
    assert plan_json(capsys)["needs_recheck"] is False
    services.add_pain_entry(owner(), 2)
    services.add_pain_entry(owner(), 6)
    assert plan_json(capsys)["needs_recheck"] is True
    code, out, _ = cli(capsys, "plan")
    assert code == 0 and "answer the safety questions again" in flat(out)


def test_massage_types_follow_the_latest_stored_safety_check(capsys: pytest.CaptureFixture[str]) -> None:
    before = json.loads(cli(capsys, "massage-types", "--json")[1])
    services.record_screening(owner(), {"fever": True})
    after = json.loads(cli(capsys, "massage-types", "--json")[1])
    assert any(t["suitable"] for t in before) and not any(t["suitable"] for t in after)


def test_a_store_that_cannot_be_reached_is_one_line_exit_1_never_a_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("backease")
    env = os.environ | {
        "BACKEASE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    done = subprocess.run([str(exe), "plan"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert one_line(done.stderr).startswith("error: store: cannot use the database (")


def test_a_newer_safety_check_remakes_the_shown_plan_with_the_same_choices(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.record_screening(owner(), {})
    services.save_profile(owner(), EVERY_TOOL_PROFILE)
    shown = plan_json(capsys, "--minutes", "5", "--tool", "wall", "--tool", "chair")
    services.record_screening(owner(), {"anticoagulants": True})
    fake = Fake().install(monkeypatch)
    code, out, err = cli(capsys, "session", "--json")
    ran = json.loads(out)
    remade = Plan.objects.get(id=ran["plan_id"])
    assert code == 0, err
    assert (
        remade.id != shown["plan_id"] and remade.minutes == 5 and remade.level == "self_care_with_precautions"
    )
    assert all(set(s["tools"]) <= {"wall", "chair", "hands"} for s in remade.data["steps"])
    assert {s["intensity"] for s in ran["steps"]} == {"gentle"}
    first = load_content().library.technique(ran["steps"][0]["technique"])
    assert first is not None and f"1. {first.name}" in fake.output  # the new plan is listed first
