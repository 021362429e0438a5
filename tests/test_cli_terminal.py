"""The terminal player as a person meets it: it needs a terminal (or `--yes`), asks for
pain rather than making a score up, shows words rather than ids, has `--version`, and
reports the time done as History does.

Sessions run on the fake terminal of test_cli_store (fake clock, scripted keys and answers).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from backease import __version__
from backease.cli.player import ConsolePrompter
from backease.content.loader import load_content
from backease.core.vocab import CAUSES
from backease.store import services
from backease.store.models import Plan, Session
from tests.test_cli_store import Fake, cli, flat, owner_plan  # noqa: F401 - owner_plan is a fixture

pytestmark = pytest.mark.django_db


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--version")
    assert code == 0 and out == f"backease {__version__}\n" and err == ""


def test_a_session_without_a_terminal_exits_2_with_one_line_and_stores_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    fake = Fake(interactive=False).install(monkeypatch)
    code, out, err = cli(capsys, "session")
    assert code == 2 and out == ""
    assert "--yes" in one_line(err) and "terminal" in err
    assert Session.objects.count() == 0 and fake.prompter.asked == []


def test_with_yes_a_session_without_a_terminal_plays_and_stores_no_ratings(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    fake = Fake(interactive=False).install(monkeypatch)
    code, _, err = cli(capsys, "session", "--yes")
    assert code == 0, err
    session = Session.objects.get()
    assert fake.prompter.asked == []  # not even "anything new?"
    assert (session.pain_before, session.stress_before, session.pain_after, session.stress_after) == (
        None,
        None,
        None,
        None,
    )
    assert session.status == "completed" and services.facts_of(session).counted  # its steps were done


def test_with_yes_a_session_stopped_at_once_does_not_count_toward_the_goal(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    Fake([(0, 3, "q")], interactive=False).install(monkeypatch)
    code, _, err = cli(capsys, "session", "--yes")
    assert code == 0, err
    session = Session.objects.get()
    assert session.status == "stopped" and not services.facts_of(session).counted
    assert services.weekly_counts(services.local_owner(), weeks=1)[0][1] == 0


def test_with_yes_a_pain_jump_refuses_instead_of_skipping_the_safety_questions(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    person = services.local_owner()
    services.add_pain_entry(person, 2)
    services.add_pain_entry(person, 7)
    assert services.needs_recheck(person)
    Fake(interactive=False).install(monkeypatch)
    code, _, err = cli(capsys, "session", "--yes")
    assert code == 3 and "safety questions" in one_line(err) and Session.objects.count() == 0


def test_session_from_dev_null_exits_2_in_a_real_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("backease")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"BACKEASE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(exe), "session"], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert one_line(done.stderr).startswith("error: session: no terminal")


def test_enter_at_a_pain_question_asks_again_and_s_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    prompter = ConsolePrompter(Console(file=screen, width=100))
    monkeypatch.setattr("sys.stdin", io.StringIO("\n\n7\n"))
    assert prompter.score("Pain right now") == 7
    assert screen.getvalue().count("Please type a whole number") == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("s\n5\n"))
    assert prompter.score("Pain now") is None


def test_the_profile_questions_ask_for_pain_and_never_store_a_made_up_5(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No signs; area 4 with Enter at its pain question (asked again), then 2; no knot;
    # default tools, no cause, 10 minutes, default pressure, stress 1, floor yes.
    lines = ["n", "n", "n", "n", "", "", "", "", "", "n", "n", "4", "", "2", "n", "", "", "10", "", "1", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = cli(capsys, "start")
    assert code == 0, out
    assert "Please type a whole number from 0 to 10" in out
    areas = services.profile_to_data(services.get_profile(services.local_owner()))["areas"]
    assert [a["pain"] for a in areas] == [2]


def test_start_lists_the_causes_in_words_not_ids(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As above, with causes 5 and 8 picked (muscular imbalance, not sure).
    lines = ["n", "n", "n", "n", "", "", "", "", "", "n", "n", "4", "2", "n", "", "5 8", "10", "", "1", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = cli(capsys, "start")
    assert code == 0, out
    library = load_content().library
    listed = [line.strip() for line in out.splitlines() if re.match(r"^\s+\d+\. ", line)]
    for number, cause in enumerate(CAUSES, start=1):
        assert f"{number}. {library.label('cause', cause)}" in listed
        assert f"{number}. {cause}" not in listed
    stored = services.profile_to_data(services.get_profile(services.local_owner()))
    assert stored["causes"] == ["imbalance", "unknown"]


def test_the_screen_names_its_limits_in_words_not_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "answers.json"
    path.write_text('{"anticoagulants": true, "acute_injury_regions": ["upper_trapezius_left"]}')
    code, out, _ = cli(capsys, "screen", "--answers", str(path), "--no-save")
    text = flat(out)
    assert code == 0
    assert "gentle_pressure_only" not in text and "avoid_region:" not in text
    assert "Gentle pressure only" in text and "Leave this area alone: Top of the shoulder (left)" in text


def test_the_region_questions_list_areas_by_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No to the three groups of signs, yes to "any of these" in the precautions group.
    monkeypatch.setattr("sys.stdin", io.StringIO("n\nn\nn\nn\n" + "\n" * 12))
    code, out, _ = cli(capsys, "screen", "--no-save")
    assert code == 0 and "Between the shoulder blades (left)" in out
    assert "between_shoulder_blades_left" not in out


def test_the_end_of_a_session_reports_the_time_done_as_history_does(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,  # noqa: F811
) -> None:
    fake = Fake([(1, 5, "q")]).install(monkeypatch)
    code, _, err = cli(capsys, "session")
    assert code == 0, err
    said = flat(fake.output).split("Saved: stopped (quit), ")[1].split(" done.")[0]
    code, history, _ = cli(capsys, "history")
    assert said in flat(history)
    done = services.facts_of(Session.objects.get()).seconds_done
    assert said.startswith(f"{done // 60}:{done % 60:02d} of ")
