"""`backease session`, `log` and `history`: the terminal on the same store as the web app.

Sessions run on a fake clock with scripted keys and answers (through
`store_commands.terminal_hook`), so no test waits on the wall clock.
"""

from __future__ import annotations

import io
import itertools
import json
import os
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console

from backease.cli import store_commands
from backease.cli.main import run
from backease.cli.player import (
    SAVE_EVERY,
    FakeClock,
    LineKeys,
    Player,
    PlayerState,
    RealClock,
    ScriptedKeys,
    ScriptedPrompter,
    Step,
    Terminal,
    steps_from_plan,
)
from backease.store import services
from backease.store.models import PainEntry, Plan, Session, StepLog

pytestmark = pytest.mark.django_db

SESSION_KEYS = {
    "id",
    "plan_id",
    "started_at",
    "finished_at",
    "status",
    "pain_before",
    "pain_after",
    "stress_before",
    "stress_after",
    "stop_reason",
    "notes",
    "steps",
}
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": False}],
    "tools": ["tennis_ball"],
    "minutes": 6,
}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


class Fake:
    """The outside world of one `backease session` run: fake clock, scripted keys and answers."""

    def __init__(
        self, keys: list[tuple[Any, ...]] | None = None, interactive: bool = True, **answers: Any
    ) -> None:
        self.interactive = interactive
        self.clock = FakeClock()
        self.keys = ScriptedKeys(list(keys or []), self.clock)
        self.prompter = ScriptedPrompter(
            scores=answers.get("scores", [5, 6, 3, 4]), confirms=answers.get("confirms", [False])
        )
        self.screen = io.StringIO()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Fake:
        def hook(speed: float, console: Console) -> Terminal:
            self.speed = speed
            console = Console(file=self.screen, width=100)
            return Terminal(self.clock, self.keys, self.prompter, console, self.interactive)

        monkeypatch.setattr(store_commands, "terminal_hook", hook)
        return self

    @property
    def output(self) -> str:
        return self.screen.getvalue()


@pytest.fixture
def owner_plan() -> Plan:
    """A safety check, a saved profile and a plan made from them, as the web app's setup
    page leaves them."""
    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(person, PROFILE)
    return services.make_plan(person)


def flat(text: str) -> str:
    """Text with Rich's line wrapping undone."""
    return " ".join(text.split())


def steps_of(plan: Plan) -> list[dict[str, Any]]:
    return list(plan.data["steps"])


def session_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "session", *args, "--json")
    assert code == 0, err
    return dict(json.loads(out))


# --- log ----------------------------------------------------------------------------------


def test_log_stores_a_diary_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "log", "4", "--region", "lats_left", "--stress", "3", "--note", "after work")
    assert code == 0 and "4/10" in out
    (entry,) = services.pain_entries(services.local_owner())
    assert (entry.pain, entry.region, entry.stress, entry.note) == (4, "lats_left", 3, "after work")


def test_log_json_prints_the_stored_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "log", "2", "--json")
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("pain", "region", "stress", "note")} == {
        "pain": 2,
        "region": "",
        "stress": None,
        "note": "",
    }
    assert data["id"] == PainEntry.objects.get().id and data["needs_recheck"] is False


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["11"], "pain: must be a whole number from 0 to 10"),
        (["4", "--region", "lats_lef"], "did you mean 'lats_left'"),
        (["4", "--stress", "12"], "stress: must be a whole number from 0 to 10"),
        (["4", "--note", "x" * 2001], "note: is too long"),
        (["four"], "four"),
    ],
)
def test_log_refuses_bad_input_with_one_line_and_exit_2_storing_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str], hint: str
) -> None:
    code, out, err = cli(capsys, "log", *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and hint in err
    assert PainEntry.objects.count() == 0


def test_log_offers_the_safety_check_when_pain_jumps_by_3(capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "log", "2")
    code, out, _ = cli(capsys, "log", "6")
    assert code == 0 and "safety questions" in " ".join(out.split())


# --- history ------------------------------------------------------------------------------


def test_history_lists_sessions_and_diary_entries(
    capsys: pytest.CaptureFixture[str], owner_plan: Plan
) -> None:
    person = services.local_owner()
    session = services.start_session(person, owner_plan)
    services.log_step(session, 0, seconds_done=60)  # a minute done: the session counts
    services.update_session(session, pain_before=6, pain_after=3, status="completed")
    services.add_pain_entry(person, 5, region="neck_base", note="stiff [b]morning[/b]")
    code, out, _ = cli(capsys, "history")
    assert code == 0
    assert "completed" in out and "6 -> 3" in out and "This week: 1 session " in out
    assert "Base of the neck" in out or "neck" in out.lower()
    assert "[b]morning[/b]" in out  # notes are shown as typed, never as markup


def test_history_json_lists_both_and_respects_the_limit(
    capsys: pytest.CaptureFixture[str], owner_plan: Plan
) -> None:
    person = services.local_owner()
    for _ in range(3):
        services.start_session(person, owner_plan)
        services.add_pain_entry(person, 4)
    code, out, _ = cli(capsys, "history", "--json", "--limit", "2")
    data = json.loads(out)
    assert code == 0 and set(data) == {"sessions", "pain_entries"}
    assert len(data["sessions"]) == 2 and len(data["pain_entries"]) == 2
    assert set(data["sessions"][0]) == SESSION_KEYS
    assert len(data["sessions"][0]["steps"]) == len(steps_of(owner_plan))


def test_history_with_nothing_stored_says_how_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "history")
    assert code == 0 and "backease session" in out


# --- session ------------------------------------------------------------------------------


def test_a_session_runs_the_whole_plan_on_a_fake_clock_and_is_stored(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake().install(monkeypatch)
    data = session_json(capsys)
    assert set(data) == SESSION_KEYS
    assert data["plan_id"] == owner_plan.id and data["status"] == "completed"
    assert (data["pain_before"], data["stress_before"], data["pain_after"], data["stress_after"]) == (
        5,
        6,
        3,
        4,
    )
    planned = steps_of(owner_plan)
    assert [s["seconds_done"] for s in data["steps"]] == [s["seconds"] for s in planned]
    assert [s["intensity"] for s in data["steps"]] == [s["intensity"] for s in planned]
    assert not any(s["skipped"] or s["feedback"] for s in data["steps"])
    assert fake.clock.now() >= owner_plan.total_seconds
    assert fake.prompter.asked[0].startswith("Anything new")


def test_a_session_made_in_the_cli_is_what_the_web_sees(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    Fake().install(monkeypatch)
    data = session_json(capsys)
    person = services.local_owner()
    (stored,) = services.sessions(person)
    assert services.session_as_data(stored) == data
    assert services.get_session(person, data["id"]).status == "completed"
    # Every step's own time was done; the plan's total adds the get-ready countdowns.
    assert services.seconds_done(stored) == sum(s["seconds"] for s in steps_of(owner_plan))
    assert services.weekly_counts(person)[-1][1] == 1


def test_too_much_lowers_this_and_every_later_step_by_one_level(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    planned = steps_of(owner_plan)
    at = next(i for i, s in enumerate(planned) if s["intensity"] != "gentle")
    Fake(keys=[(at, 3.0, "t")]).install(monkeypatch)
    data = session_json(capsys)
    gentler = {"firm": "moderate", "moderate": "gentle", "gentle": "gentle"}
    expected = [s["intensity"] if i < at else gentler[s["intensity"]] for i, s in enumerate(planned)]
    assert [s["intensity"] for s in data["steps"]] == expected
    assert data["steps"][at]["feedback"] == "too_much" and data["status"] == "completed"
    assert data["steps"][at]["seconds_done"] == planned[at]["seconds"]


def test_sharp_pain_stops_the_session_and_says_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake(keys=[(1, 3.0, "x")]).install(monkeypatch)
    data = session_json(capsys)
    assert data["status"] == "stopped" and data["stop_reason"] == "sharp pain"
    assert data["finished_at"] is not None and data["pain_after"] == 3
    assert data["steps"][1]["feedback"] == "sharp_pain" and data["steps"][1]["seconds_done"] == 3
    assert all(s["seconds_done"] == 0 for s in data["steps"][2:])
    assert "emergency number" in flat(fake.output) and "GP or physiotherapist" in flat(fake.output)


def test_quit_midway_keeps_the_progress(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    Fake(keys=[(2, 4.0, "q")]).install(monkeypatch)
    data = session_json(capsys)
    planned = steps_of(owner_plan)
    assert data["status"] == "stopped" and data["stop_reason"] == "quit"
    assert [s["seconds_done"] for s in data["steps"][:3]] == [planned[0]["seconds"], planned[1]["seconds"], 4]
    assert all(s["seconds_done"] == 0 for s in data["steps"][3:])


def test_ctrl_c_mid_step_keeps_the_progress_and_marks_the_session_stopped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake().install(monkeypatch)

    def interrupt(state: PlayerState) -> str | None:
        if state.index == 1 and state.elapsed >= 7:
            raise KeyboardInterrupt
        return None

    monkeypatch.setattr(fake.keys, "poll", interrupt)
    code, _, _ = cli(capsys, "session")
    assert code == 130 and "What you did so far is saved" in fake.output
    session = Session.objects.get()
    assert session.status == "stopped" and session.stop_reason == "interrupted"
    assert StepLog.objects.get(session=session, index=1).seconds_done == 7
    assert StepLog.objects.get(session=session, index=0).seconds_done == steps_of(owner_plan)[0]["seconds"]


def test_skip_marks_the_step_skipped_and_moves_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    Fake(keys=[(0, 2.0, "s")]).install(monkeypatch)
    data = session_json(capsys)
    assert data["steps"][0]["skipped"] is True and data["steps"][0]["seconds_done"] == 2
    assert data["steps"][1]["skipped"] is False and data["status"] == "completed"


def test_back_replays_the_previous_step_and_counts_all_the_time_done(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    Fake(keys=[(1, 3.0, "b")]).install(monkeypatch)
    data = session_json(capsys)
    planned = steps_of(owner_plan)
    assert data["steps"][0]["seconds_done"] == 2 * planned[0]["seconds"]
    assert data["steps"][1]["seconds_done"] == 3 + planned[1]["seconds"]


def test_pause_holds_the_countdown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake(keys=[(0, 2.0, "p"), (0, 2.0, "p", 30.0)]).install(monkeypatch)
    data = session_json(capsys)
    assert data["steps"][0]["seconds_done"] == steps_of(owner_plan)[0]["seconds"]
    assert fake.clock.now() >= owner_plan.total_seconds + 30


def test_a_session_without_a_plan_makes_one_from_the_saved_profile(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.record_screening(services.local_owner(), {})
    services.save_profile(services.local_owner(), PROFILE)
    Fake().install(monkeypatch)
    data = session_json(capsys)
    plan = Plan.objects.get()
    assert data["plan_id"] == plan.id and plan.minutes == 6


def test_minutes_and_new_plan_make_a_fresh_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    Fake().install(monkeypatch)
    data = session_json(capsys, "--minutes", "3")
    plan = Plan.objects.get(id=data["plan_id"])
    assert plan.id != owner_plan.id and plan.total_seconds == 180
    assert services.get_profile(services.local_owner()).minutes == 6  # the saved profile is unchanged
    Fake().install(monkeypatch)
    again = session_json(capsys, "--new-plan")
    assert again["plan_id"] not in (owner_plan.id, plan.id)


@pytest.mark.parametrize(
    ("args", "hint"), [(["--minutes", "99"], "minutes"), (["--speed", "0"], "speed"), (["--speed", "x"], "x")]
)
def test_session_refuses_bad_options_with_exit_2_storing_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    owner_plan: Plan,
    args: list[str],
    hint: str,
) -> None:
    Fake().install(monkeypatch)
    code, _, err = cli(capsys, "session", *args)
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1 and hint in err
    assert Session.objects.count() == 0 and Plan.objects.count() == 1


def test_a_screen_that_refuses_a_plan_exits_3_with_the_guidance(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    services.record_screening(services.local_owner(), {"chest_pain": True})
    fake = Fake().install(monkeypatch)
    code, out, _ = cli(capsys, "session")
    assert code == 3 and Session.objects.count() == 0
    assert "emergency" in (out + fake.output).lower()
    code, out, _ = cli(capsys, "session", "--json")
    assert code == 3 and json.loads(out)["level"] == "emergency"


def test_a_new_sign_at_anything_new_stops_the_session_before_it_starts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    monkeypatch.setattr("backease.cli.questionnaire.ask_screening", lambda rules: {"chest_pain": True})
    Fake(confirms=[True]).install(monkeypatch)
    code, _, _ = cli(capsys, "session")
    assert code == 3 and Session.objects.count() == 0
    assert services.latest_screening(services.local_owner()).level == "emergency"  # type: ignore[union-attr]


def test_a_plan_older_than_the_latest_screen_is_replaced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    services.record_screening(services.local_owner(), {"anticoagulants": True})
    Fake().install(monkeypatch)
    data = session_json(capsys)
    plan = Plan.objects.get(id=data["plan_id"])
    assert plan.id != owner_plan.id and plan.level == "self_care_with_precautions"
    assert {s["intensity"] for s in data["steps"]} == {"gentle"}


def test_a_pain_jump_asks_for_the_safety_check_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    person = services.local_owner()
    services.add_pain_entry(person, 2)
    services.add_pain_entry(person, 7)
    fake = Fake(confirms=[False]).install(monkeypatch)
    session_json(capsys)
    assert fake.prompter.asked[0] == "Answer them now?" and "3 or more points higher" in flat(fake.output)


def test_speed_reaches_the_real_clock(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake().install(monkeypatch)
    session_json(capsys, "--speed", "20")
    assert fake.speed == 20.0


# --- the player on its own ----------------------------------------------------------------


class ListRecorder:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, int, dict[str, Any]]] = []

    def step(self, index: int, **fields: Any) -> None:
        self.calls.append((self.clock.now(), index, fields))


def two_sided() -> list[Step]:
    return [
        Step("thread_the_needle", "Thread the needle", "mobility", 30, "left", "moderate", "Reach through."),
        Step("thread_the_needle", "Thread the needle", "mobility", 30, "right", "moderate", "Reach through."),
        Step("seated_belly_breathing", "Seated belly breathing", "relaxation", 60, "none", "gentle"),
    ]


def test_progress_is_saved_at_least_every_5_seconds_and_at_each_step_change() -> None:
    clock = FakeClock()
    recorder = ListRecorder(clock)
    Player(two_sided(), recorder, clock, ScriptedKeys([]), Console(file=io.StringIO())).run()
    saves = [(t, i) for t, i, fields in recorder.calls if "seconds_done" in fields]
    for (t1, _), (t2, _) in itertools.pairwise(saves):
        assert t2 - t1 <= SAVE_EVERY
    last = {i: f["seconds_done"] for _, i, f in recorder.calls if "seconds_done" in f}
    assert last == {0: 30, 1: 30, 2: 60}


def test_the_display_shows_the_step_countdown_switch_sides_and_next_step() -> None:
    clock = FakeClock()
    console = Console(file=io.StringIO(), width=100)
    play = Player(two_sided(), ListRecorder(clock), clock, ScriptedKeys([]), console)
    play.state.elapsed = 10
    console.print(play.render())
    first = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Step 1 of 3" in first and "Left side" in first and "intensity: moderate" in first
    assert "0:20" in first and "Reach through." in first and "Next: switch sides (right)" in first
    play.state.index, play.state.elapsed = 1, 1
    console.print(play.render())
    second = console.file.getvalue()[len(first) :]  # type: ignore[attr-defined]
    assert "Switch sides: now the right side" in second and "Next: Seated belly breathing, 1:00" in second


def test_too_much_at_gentle_says_so_and_changes_no_intensity() -> None:
    clock = FakeClock()
    recorder = ListRecorder(clock)
    steps = two_sided()
    Player(steps, recorder, clock, ScriptedKeys([(2, 1.0, "t")]), Console(file=io.StringIO())).run()
    assert [s.intensity for s in steps] == ["moderate", "moderate", "gentle"]
    assert any(f.get("feedback") == "too_much" and i == 2 for _, i, f in recorder.calls)


def test_too_much_switches_to_the_gentler_cue() -> None:
    clock = FakeClock()
    steps = two_sided()
    cues = {"gentle": "Move only as far as is easy."}
    play = Player(
        steps,
        ListRecorder(clock),
        clock,
        ScriptedKeys([(0, 1.0, "t")]),
        Console(file=io.StringIO()),
        cue_for=lambda technique, intensity, side: cues.get(intensity, ""),
    )
    play.run()
    assert [s.cue for s in steps[:2]] == ["Move only as far as is easy."] * 2


def test_the_real_clock_runs_speed_times_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    slept: list[float] = []
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    monkeypatch.setattr("time.sleep", slept.append)
    clock = RealClock(speed=10)
    now[0] += 2
    clock.sleep(5)
    assert clock.now() == 20 and slept == [0.5]


def test_line_keys_read_letters_from_a_pipe_and_stop_at_the_end() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd) as stream:
        keys = LineKeys(stream)
        assert keys.poll(PlayerState()) is None
        os.write(write_fd, b"T\n")
        assert keys.poll(PlayerState()) == "t"
        os.write(write_fd, b" \nz\n")
        assert keys.poll(PlayerState()) == "p"
        assert keys.poll(PlayerState()) is None
        os.close(write_fd)
        assert keys.poll(PlayerState()) is None and keys.closed


def test_each_step_starts_after_its_get_ready_countdown_so_the_session_takes_the_planned_time() -> None:
    clock = FakeClock()
    recorder = ListRecorder(clock)
    steps = [replace(step, prepare=prepare) for step, prepare in zip(two_sided(), (5, 5, 10), strict=True)]
    console = Console(file=io.StringIO(), width=100)
    Player(steps, recorder, clock, ScriptedKeys([]), console).run()
    # 5 + 30, 5 + 30, 10 + 60 seconds: nothing done counts during a countdown.
    assert clock.now() == pytest.approx(140, abs=0.5)
    last = {i: f["seconds_done"] for _, i, f in recorder.calls if "seconds_done" in f}
    assert last == {0: 30, 1: 30, 2: 60}
    play = Player(steps, ListRecorder(clock), clock, ScriptedKeys([]), console)
    play._enter(2)
    play.state.elapsed += 3
    console.print(play.render())
    assert "Get ready: the timer starts in 0:07" in console.file.getvalue()  # type: ignore[attr-defined]


def test_the_terminal_player_counts_down_what_the_plan_budgets(owner_plan: Plan) -> None:
    steps = steps_from_plan(steps_of(owner_plan))
    assert [s.prepare for s in steps] == [s["prepare_seconds"] for s in steps_of(owner_plan)]
    assert sum(s.prepare + s.seconds for s in steps) == owner_plan.total_seconds


class EndsElsewhere(ScriptedPrompter):
    """Answers "Pain now" only after the web app, in another window, has ended the session."""

    def score(self, question: str) -> int | None:
        if question == "Pain now":
            running = Session.objects.get(status="running")
            services.finish_session(running, "stopped", stop_reason="ended in the web app")
        return super().score(question)


def test_ratings_typed_after_the_web_app_ended_the_session_are_still_saved(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake().install(monkeypatch)
    fake.prompter = EndsElsewhere(scores=[5, 6, 2, 3])
    data = session_json(capsys)
    session = Session.objects.get()
    assert (session.status, session.stop_reason) == ("stopped", "ended in the web app")
    assert (session.pain_after, session.stress_after) == (2, 3)
    assert data["pain_after"] == 2
