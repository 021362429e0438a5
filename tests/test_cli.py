"""The command line: JSON contracts, human output, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from backease.cli.main import run

# The commands read and write the store (an isolated test database).
pytestmark = pytest.mark.django_db

PLAN_KEYS = {"level", "minutes", "total_seconds", "precautions", "before", "after", "steps"}
PLAN_JSON_KEYS = PLAN_KEYS | {"plan_id", "screening", "needs_recheck"}
"""`plan --json`: the plan's contract shape, the id it was saved as, and the safety check it follows."""
STEP_KEYS = {
    "technique",
    "kind",
    "seconds",
    "prepare_seconds",
    "side",
    "intensity",
    "regions",
    "tools",
    "position",
    "reason",
    "script",
}
LIBRARY_KEYS = {
    "id",
    "name",
    "kind",
    "regions",
    "tools",
    "position",
    "spinal_pressure",
    "sustained_pressure",
    "min_seconds",
    "max_seconds",
    "per_side",
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def write(tmp_path: Path, data: object, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def test_plan_json_has_exactly_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "plan",
        "--minutes",
        "12",
        "--area",
        "between_shoulder_blades_left:6",
        "--tool",
        "tennis_ball",
        "--tool",
        "wall",
        "--json",
    )
    assert code == 0
    plan = json.loads(out)
    assert set(plan) == PLAN_JSON_KEYS
    assert (
        plan["total_seconds"]
        == 720
        == sum(step["seconds"] + step["prepare_seconds"] for step in plan["steps"])
    )
    assert plan["level"] == "self_care"
    for step in plan["steps"]:
        assert set(step) == STEP_KEYS
        assert isinstance(step["position"], str)
    assert any("between_shoulder_blades_left" in step["regions"] for step in plan["steps"])


def test_a_plan_refused_for_safety_exits_3_and_still_prints_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "plan", "--answers", write(tmp_path, {"chest_pain": True}), "--json")
    assert code == 3
    plan = json.loads(out)
    assert plan["level"] == "emergency" and plan["steps"] == [] and plan["total_seconds"] == 0


def test_a_refused_plan_in_human_form_shows_the_emergency_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "plan", "--answers", write(tmp_path, {"chest_pain": True}))
    assert code == 3
    assert "EMERGENCY" in out and "No plan today" in out


def test_plan_human_output_reads_like_a_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "plan", "--minutes", "10", "--area", "upper_trapezius_right:7")
    assert code == 0
    assert "Today's plan: 10 min" in out and "Before you start" in out and "Total: 10:00" in out


def test_precautions_from_answers_reach_the_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = write(tmp_path, {"anticoagulants": True})
    code, out, _ = cli(capsys, "plan", "--answers", answers, "--pressure", "firm", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["level"] == "self_care_with_precautions"
    assert "gentle_pressure_only" in plan["precautions"]
    assert {step["intensity"] for step in plan["steps"]} == {"gentle"}


def test_the_seed_is_accepted_and_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = json.loads(cli(capsys, "plan", "--seed", "7", "--json")[1])
    second = json.loads(cli(capsys, "plan", "--seed", "7", "--json")[1])
    assert first["steps"] == second["steps"] and first["plan_id"] != second["plan_id"]


def test_screen_json_has_exactly_the_contract_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "screen", "--answers", write(tmp_path, {"anticoagulants": True}), "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {
        "level",
        "reasons",
        "precautions",
        "advice",
        "title",
        "rationale",
        "clearance",
        "id",
        "created_at",
    }
    assert result["level"] == "self_care_with_precautions"
    assert all(set(reason) == {"question", "message", "source"} for reason in result["reasons"])


def test_screen_human_output_names_the_level(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "screen", "--answers", write(tmp_path, {"fever": True}))
    assert code == 0 and "See a doctor today" in out


def test_library_json_lists_every_technique_with_the_contract_fields(
    capsys: pytest.CaptureFixture[str], library: object
) -> None:
    code, out, _ = cli(capsys, "library", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) >= 40
    assert all(set(item) == LIBRARY_KEYS for item in items)


def test_library_filters_by_kind_region_and_tool(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cli(
        capsys, "library", "--kind", "trigger_point", "--region", "upper_trapezius_left", "--json"
    )
    items = json.loads(out)
    assert items and all(
        i["kind"] == "trigger_point" and "upper_trapezius_left" in i["regions"] for i in items
    )
    _, out, _ = cli(capsys, "library", "--tool", "foam_roller", "--json")
    assert all("foam_roller" in i["tools"] for i in json.loads(out))
    code, out, _ = cli(capsys, "library", "--kind", "stretch")
    assert code == 0 and "techniques" in out


def test_show_prints_a_technique_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "show", "ball_on_wall_between_shoulder_blades")
    assert code == 0 and "Stop if" in out and "Steps" in out
    code, out, _ = cli(capsys, "show", "ball_on_wall_between_shoulder_blades", "--json")
    data = json.loads(out)
    assert data["id"] == "ball_on_wall_between_shoulder_blades" and data["steps"]
    assert all("title" in ref for ref in data["references"])


def test_massage_types_rank_sports_massage_first_for_an_athlete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "massage-types", "--cause", "sport", "--pressure", "firm", "--json")
    ranked = json.loads(out)
    assert code == 0 and len(ranked) == 6
    assert ranked[0]["id"] == "sports"
    code, out, _ = cli(capsys, "massage-types")
    assert code == 0 and "Swedish" in out


def test_regions_lists_the_fifteen_body_map_regions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "regions", "--json")
    assert code == 0 and len(json.loads(out)) == 15
    assert cli(capsys, "regions")[0] == 0


def test_content_check_passes_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "content", "check", "--json")
    result = json.loads(out)
    assert code == 0 and result["ok"] and result["counts"]["techniques"] >= 40


@pytest.mark.parametrize(
    ("args", "field", "hint"),
    [
        (["plan", "--area", "between_shoulder_blade_left"], "area", "between_shoulder_blades_left"),
        (["plan", "--area", "lats_left:11"], "area", "0 to 10"),
        (["plan", "--area", "lats_left:-1"], "area", "0 to 10"),
        (["plan", "--area", "lats_left:bad"], "area", "whole number"),
        (["plan", "--minutes", "61"], "minutes", "2 to 60"),
        (["plan", "--minutes", "1"], "minutes", "2 to 60"),
        (["plan", "--minutes", "abc"], "--minutes", "'abc'"),
        (["plan", "--tool", "foamroller"], "tool", "foam_roller"),
        (["plan", "--cause", "postur"], "cause", "posture"),
        (["plan", "--pressure", "hard"], "pressure", "gentle"),
        (["plan", "--stress", "11"], "stress", "0 to 10"),
        (["plan", "--knot", "nowhere"], "knot", "allowed"),
        (["library", "--kind", "stretching"], "kind", "stretch"),
        (["library", "--region", "lat_left"], "region", "lats_left"),
        (["show", "ball_on_wal"], "technique", "did you mean"),
        (["plan", "--bogus"], "--bogus", ""),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], field: str, hint: str
) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert field in lines[0] and hint in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (None, "file not found"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"chest_pian": True}, "chest_pain"),
        ({"age": "old"}, "age"),
        ({"fever": "yes"}, "fever"),
        ({"acute_injury_regions": ["lats_lft"]}, "lats_left"),
    ],
)
def test_bad_answers_files_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: object, hint: str
) -> None:
    path = str(tmp_path / "missing.json") if content is None else write(tmp_path, content)
    for command in ("plan", "screen"):
        code, _, err = cli(capsys, command, "--answers", path, "--json")
        assert code == 2
        assert len(err.strip().splitlines()) == 1 and hint in err and err.startswith("error: ")


def test_plan_screen_and_library_do_not_import_django_or_pydantic_when_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing stored yet on this computer: `plan` and `screen --no-save` need no database.
    monkeypatch.setenv("BACKEASE_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    probe = (
        "import sys, atexit\n"
        "watched = ('django', 'pydantic', 'yaml', 'rich')\n"
        "atexit.register(lambda: sys.stderr.write(repr(sorted(m for m in watched if m in sys.modules))))\n"
        "from backease.cli.main import run\n"
        "run(sys.argv[1:])\n"
    )
    answers = tmp_path / "answers.json"
    answers.write_text('{"anticoagulants": true}')
    screen = ["screen", "--answers", str(answers), "--no-save", "--json"]
    for args in (["plan", "--json"], screen, ["library", "--json"]):
        subprocess.run([sys.executable, "-c", probe, "library", "--json"], capture_output=True, check=False)
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=False
        )
        loaded = done.stderr.strip().splitlines()[-1]
        assert "django" not in loaded and "pydantic" not in loaded and "yaml" not in loaded, (args, loaded)
        assert "rich" not in loaded, (args, loaded)


def test_plain_backease_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys)
    assert code == 0 and "plan" in out and "screen" in out


def test_the_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("backease")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"BACKEASE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(exe), "plan", "--minutes", "5", "--json"], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total_seconds"] == 300


def test_start_walks_a_new_user_from_screen_to_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No to every group of signs, no precautions, then: area 4 at pain 6 with a knot,
    # default tools, cause 1 (posture), 10 minutes, stress 3, defaults for the rest.
    lines = ["n", "n", "n", "n", "", "", "", "", "", "n", "n", "4", "6", "y", "", "1", "10", "", "3", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = cli(capsys, "start")
    assert code == 0, out
    assert "Today's plan: 10 min" in out and "Total: 10:00" in out


def test_start_stops_at_an_emergency_sign_with_the_emergency_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\ny\n" + "n\n" * 12))
    code, out, _ = cli(capsys, "start")
    assert code == 3
    assert "EMERGENCY" in out and "Where does it hurt" not in out


def test_a_self_care_screen_shows_why_self_care_is_reasonable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "screen", "--answers", write(tmp_path, {}), "--no-save")
    assert code == 0 and "Why self-care is reasonable" in out and "Finucane" in " ".join(out.split())


def test_a_screen_with_a_clearance_says_until_when_it_lasts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = write(tmp_path, {"cancer_history": True, "clinician_cleared": True})
    data = json.loads(cli(capsys, "screen", "--answers", answers, "--no-save", "--json")[1])
    code, out, _ = cli(capsys, "screen", "--answers", answers, "--no-save")
    expires = date.fromisoformat(data["clearance"]["expires_on"])
    assert code == 0 and f"lasts until {expires:%d %b %Y}" in " ".join(out.split())
