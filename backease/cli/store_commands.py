"""The commands that use the stored data: `session`, `log`, `history` and `techniques`.

They read and write the same database as the web app (the one `backease.web.settings`
chooses from BACKEASE_DATA_DIR / DATABASE_URL), only through `backease.store.services`.
Django and Rich are imported inside the commands, so `plan`, `screen` and `library`
stay fast.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from backease.core.errors import InputError, SafetyStop
from backease.core.vocab import REGIONS, closest

if TYPE_CHECKING:
    from rich.console import Console

    from backease.cli.player import Terminal
    from backease.store.models import Person, Plan, Screening, Session

EXIT_REFUSED = 3
MAX_SPEED = 1000.0

terminal_hook: Callable[[float, Console], Terminal] | None = None
"""Tests set this to give `session` a fake clock, scripted keys and scripted answers."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable layout.")]


# --- helpers ------------------------------------------------------------------------------


def _store() -> None:
    """Set up Django and bring the database up to date (quietly) before first use."""
    from backease.cli import state

    state.open_store()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _local(moment: datetime) -> str:
    """A stored time in the person's time zone (this computer's until they choose one)."""
    from backease.cli.state import local_time

    return local_time(moment)


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _done_of(session: Session) -> str:
    """Time done of the steps' own time ("3:20 of 14:00"), as History shows it: the
    get-ready countdowns are in the plan's total, not in either figure."""
    from backease.store import services

    planned = sum(log.seconds_planned for log in session.steps.all())
    return f"{_mmss(services.facts_of(session).seconds_done)} of {_mmss(planned)}"


def _score_text(value: int | None) -> str:
    return "-" if value is None else str(value)


def _region_label(region: str) -> str:
    if not region:
        return "upper back"
    from backease.content.loader import load_content

    labels: dict[str, str] = {r.id: r.label for r in load_content().library.regions}
    return labels.get(region, region)


def _check_region(region: str) -> str:
    if region and region not in REGIONS:
        hint = closest(region, REGIONS)
        suffix = f"; did you mean '{hint}'?" if hint else "; see `backease regions`"
        raise InputError("region", f"unknown region '{region}'{suffix}")
    return region


# --- session ------------------------------------------------------------------------------


def _choose_plan(person: Person, minutes: int | None, new_plan: bool) -> tuple[Plan, bool]:
    """The plan the person was last shown (from `start`, `plan` or the web app), and False;
    or a fresh one and True: when asked, when there is none, when the time differs, or
    when a newer safety check was stored after the plan was made (then from the same
    choices as the plan shown)."""
    from dataclasses import replace

    from backease.store import services

    plan = services.latest_plan(person)
    screening = services.latest_screening(person)
    stale = plan is not None and screening is not None and plan.screening_id != screening.id
    if minutes is not None and (plan is None or plan.minutes != minutes):
        profile = replace(services.get_profile(person), minutes=minutes)  # validates minutes
        return services.make_plan(person, profile=profile), True
    if plan is None or new_plan:
        return services.make_plan(person), True
    if stale:  # the same choices (time, areas, tools) under the newer safety check
        return services.make_plan(person, profile=services.profile_from_data(plan.profile)), True
    return plan, False


def _refuse(screening: Screening | None, console: Console, json_: bool) -> NoReturn:
    """No session: show the safety advice, say why on one stderr line, and exit 3."""
    from rich.panel import Panel

    from backease.cli import state
    from backease.cli.render import LEVEL_STYLE, level_title

    line = state.refusal(screening)
    if json_:
        _print_json(
            {
                "refused": True,
                "level": screening.level if screening else None,
                "advice": screening.advice if screening else line,
                "screening": state.screening_json(screening, "stored" if screening else "none"),
            }
        )
    elif screening is not None:
        title = level_title(screening.level, screening.advice)
        style = LEVEL_STYLE.get(screening.level, "bold")
        console.print(Panel(screening.advice, title=title, border_style=style, width=88))
    sys.stderr.write(line + "\n")
    raise typer.Exit(EXIT_REFUSED)


def _stopped_for_safety(stop: SafetyStop, session: Session, console: Console, json_: bool) -> NoReturn:
    """The safety check became urgent or emergency while the session ran (answered in the
    web app, say): the store has ended it. Show the check's advice, say why, and exit 3."""
    from rich.panel import Panel

    from backease.cli.render import LEVEL_STYLE, level_title
    from backease.store import services

    if json_:
        _print_json(
            {
                "refused": True,
                "level": stop.level,
                "advice": stop.advice,
                "session": services.session_as_data(session),
            }
        )
    else:
        console.print("Session stopped: your safety answers changed while it was running.", style="bold red")
        title = level_title(stop.level, stop.advice)
        style = LEVEL_STYLE.get(stop.level, "bold")
        console.print(Panel(stop.advice, title=title, border_style=style, width=88))
    what = (
        "needs emergency help: call your emergency number now"
        if stop.level == "emergency"
        else ("advises seeing a doctor today, not self-massage")
    )
    sys.stderr.write(f"session stopped: your latest safety check {what}; the session cannot be carried on\n")
    raise typer.Exit(EXIT_REFUSED)


def _first_screen(person: Person, terminal: Terminal) -> Screening:
    """No safety check yet: ask it now and store it."""
    from backease.cli.questionnaire import ask_screening
    from backease.content.loader import load_content
    from backease.store import services

    terminal.console.print("First, the safety check: a few questions before any massage.", style="bold")
    with contextlib.redirect_stdout(terminal.console.file):
        answers = ask_screening(load_content().rules)
    row, _ = services.record_screening(person, answers)
    return row


def _outline(console: Console, plan: Plan) -> None:
    """The steps of a plan made just now, so the person sees what they are about to do."""
    from backease.content.loader import load_content

    library = load_content().library
    for number, step in enumerate(plan.data["steps"], start=1):
        found = library.technique(step["technique"])
        name = found.name if found else step["technique"]
        side = "" if step["side"] in ("both", "none") else f" ({step['side']})"
        console.print(
            f"  {number:>2}. {name}{side}, {_mmss(step['seconds'])}, {step['intensity']}", markup=False
        )


def _recheck(person: Person, terminal: Terminal) -> bool:
    """Offer the safety questions again; True when a new screening was stored."""
    from backease.store import services

    console = terminal.console
    if services.needs_recheck(person):
        console.print(
            "Your pain is 3 or more points higher than last time you logged it. "
            "Please answer the safety questions again.",
            style="bold yellow",
        )
        again = terminal.prompter.confirm("Answer them now?", True)
    else:
        again = terminal.prompter.confirm(
            "Anything new since your last safety check (a new symptom, injury, illness or medicine)?", False
        )
    if not again:
        return False
    from backease.cli.questionnaire import ask_screening
    from backease.content.loader import load_content

    with contextlib.redirect_stdout(console.file):
        answers = ask_screening(load_content().rules)
    services.record_screening(person, answers)
    return True


class _StoreRecorder:
    """Sends the player's progress to the store as it happens."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def step(self, index: int, **fields: Any) -> None:
        from backease.store import services

        services.log_step(self.session, index, **fields)


def _cue_for(technique: str, intensity: str, side: str) -> str:
    """The cue of another intensity, in the words for the step's side."""
    from backease.content.loader import load_content
    from backease.core.sides import as_side, render_side

    found = load_content().library.technique(technique)
    variant = found.variant(intensity) if found else None  # type: ignore[arg-type]
    return render_side(variant.cue, as_side(side)) if variant else ""


def _checklist(console: Console, title: str, items: list[str]) -> None:
    if items:
        console.print(title, style="bold underline")
        for item in items:
            console.print(f"  [ ] {item}", markup=False)


@contextlib.contextmanager
def _interrupt_saves(session: Session, console: Console) -> Iterator[None]:
    """Ctrl-C during a session: the player has saved the progress; mark the session stopped."""
    try:
        yield
    except KeyboardInterrupt:
        from backease.store import services

        services.stop_session(session, "interrupted")  # left as it is if it has ended meanwhile
        console.print("Stopped. What you did so far is saved.", style="bold")
        raise


def session_command(
    minutes: Annotated[
        int | None,
        typer.Option(
            "--minutes", help="Make a plan of this many minutes (2-60) instead.", show_default=False
        ),
    ] = None,
    new_plan: Annotated[bool, typer.Option("--new-plan", help="Make a fresh plan first.")] = False,
    speed: Annotated[
        float, typer.Option("--speed", help="Run the clock this many times faster (demos).")
    ] = 1.0,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Play without asking anything (no pain or stress ratings are stored); needed when no "
            "terminal is attached.",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "--no-voice",
            help="Do not speak (the words still show). Without it, each step is spoken with the "
            "system's text-to-speech (espeak-ng) when there is one.",
        ),
    ] = False,
    voice_rate: Annotated[
        str,
        typer.Option(
            "--voice-rate",
            help="How fast the voice speaks: normal or slow (the timer waits for the set-up to be said).",
        ),
    ] = "normal",
    json_: JsonOption = False,
) -> None:
    """Run today's plan as a guided session in the terminal, saved as you go.

    Each step shows and says its set-up, what to stop for and its cues (the same script as
    the web player); the timer starts once the set-up has been said.

    Keys: p pause/resume, s skip, b back, t too much, x sharp pain (stop), q quit.
    """
    if not 0 < speed <= MAX_SPEED:
        raise InputError("speed", f"must be more than 0 and at most {MAX_SPEED:g}")
    from backease.cli.voice import NO_TTS, VOICE_WPS, Silent, Voice

    if voice_rate not in VOICE_WPS:
        raise InputError("voice-rate", f"must be one of {', '.join(VOICE_WPS)}")
    if minutes is not None:
        from backease.core.planner import Profile as CoreProfile

        CoreProfile(minutes=minutes)  # checks the range before anything is asked or stored
    _store()
    from rich.console import Console

    from backease.cli.player import SHARP_PAIN_ADVICE, Player, real_terminal, steps_from_plan
    from backease.core.planner import REFUSED_LEVELS
    from backease.store import services

    # With --json the display goes to stderr, so stdout holds only the JSON.
    console = Console(stderr=json_, highlight=False)
    terminal = terminal_hook(speed, console) if terminal_hook else real_terminal(speed, console)
    console = terminal.console
    if not terminal.interactive and not yes:
        # Nobody to answer: a whole session would play unseen and store no ratings.
        raise InputError(
            "session",
            "no terminal to ask about pain and read keys; run it in a terminal, or add --yes to play "
            "today's plan without questions (no ratings are stored)",
        )
    person = services.local_owner()
    screening = services.latest_screening(person)
    asked = False
    if screening is None:
        if not terminal.interactive:
            _refuse(None, console, json_)
        screening, asked = _first_screen(person, terminal), True
    # `outcome` is the level the planner follows (the stored check, as the store reads it today).
    if screening.level in REFUSED_LEVELS or services.outcome(person).level in REFUSED_LEVELS:
        _refuse(services.latest_screening(person), console, json_)
    if yes and not asked and services.needs_recheck(person):
        # --yes answers no question, and a pain jump must not be waved through.
        sys.stderr.write(
            "no session: your pain is 3 or more points higher than last time; answer the safety "
            "questions again first (`backease screen`)\n"
        )
        raise typer.Exit(EXIT_REFUSED)
    if not yes and not asked and _recheck(person, terminal):
        screening = services.latest_screening(person)
        if screening is not None and screening.level in REFUSED_LEVELS:
            _refuse(screening, console, json_)
    plan, fresh = _choose_plan(person, minutes, new_plan)  # a newer check makes a new plan
    if plan.level in REFUSED_LEVELS:
        # The check may have been answered elsewhere meanwhile: show the one that refuses.
        _refuse(services.latest_screening(person), console, json_)
    if not plan.data.get("steps"):
        sys.stderr.write("no session: today's plan has no steps; make another with `backease plan`\n")
        raise typer.Exit(EXIT_REFUSED)

    data = plan.data
    title = f"Today's session: {_mmss(plan.total_seconds)}, {len(data['steps'])} steps"
    console.print(title, style="bold")
    if fresh:
        _outline(console, plan)
    if plan.level != "self_care" and data.get("advice"):
        console.print(data["advice"], style="cyan")
    _checklist(console, "Before you start", list(data.get("before", [])))

    ask = (lambda question: None) if yes else terminal.prompter.score
    pain_before = ask("Pain right now")
    stress_before = ask("Stress right now")
    session = services.start_session(person, plan)
    services.update_session(session, pain_before=pain_before, stress_before=stress_before)

    wps = VOICE_WPS[voice_rate]
    speaker = None if quiet else terminal.find_speaker(wps)
    if speaker is None and not quiet:
        console.print(NO_TTS, style="dim")
    player = Player(
        steps_from_plan(data["steps"]),
        _StoreRecorder(session),
        terminal.clock,
        terminal.keys,
        console,
        cue_for=_cue_for,
        voice=Voice(speaker or Silent(), wps),
    )
    try:
        with _interrupt_saves(session, console):
            outcome = player.run()
    except SafetyStop as stop:
        _stopped_for_safety(stop, services.get_session(person, session.id), console, json_)
    session.refresh_from_db()

    if outcome.stop_reason == "sharp pain":
        console.print()
        for number, line in enumerate(SHARP_PAIN_ADVICE):
            console.print(line, style="bold red" if number == 0 else None, markup=False)
        console.print()
    pain_after = ask("Pain now")
    stress_after = ask("Stress now")
    # Ended elsewhere while the ratings were asked (the web app)? Its ending stays; the
    # ratings are saved all the same.
    services.close_session(
        session, outcome.status, outcome.stop_reason or "", pain_after=pain_after, stress_after=stress_after
    )
    session = services.get_session(person, session.id)

    if json_:
        _print_json(services.session_as_data(session))
        return
    console.print(
        f"Saved: {session.status}"
        + (f" ({session.stop_reason})" if session.stop_reason else "")
        + f", {_done_of(session)} done."
        + f" Pain {_score_text(session.pain_before)} -> {_score_text(session.pain_after)},"
        + f" stress {_score_text(session.stress_before)} -> {_score_text(session.stress_after)}.",
        style="bold",
    )
    if outcome.stop_reason != "sharp pain":
        _checklist(console, "Afterwards", list(data.get("after", [])))


# --- log ----------------------------------------------------------------------------------


def log_command(
    pain: Annotated[int, typer.Argument(help="Pain right now, 0-10.")],
    region: Annotated[
        str,
        typer.Option("--region", help="Where (a region id, see `backease regions`); default: upper back."),
    ] = "",
    stress: Annotated[
        int | None, typer.Option("--stress", help="Stress right now, 0-10.", show_default=False)
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A short note (at most 2000 characters).")] = "",
    json_: JsonOption = False,
) -> None:
    """Add a pain diary entry."""
    _check_region(region)
    _store()
    from backease.store import services

    person = services.local_owner()
    entry = services.add_pain_entry(person, pain, region=region, stress=stress, note=note)
    recheck = services.needs_recheck(person)
    if json_:
        _print_json({**services.pain_entry_as_data(entry), "needs_recheck": recheck})
        return
    from rich.console import Console

    console = Console(highlight=False)
    extra = "" if entry.stress is None else f", stress {entry.stress}/10"
    console.print(
        f"Logged pain {entry.pain}/10 ({_region_label(entry.region)}){extra} at {_local(entry.at)}.",
        markup=False,
    )
    if recheck:
        console.print(
            "Your pain is 3 or more points higher than last time. Please answer the safety questions "
            "again: `backease session` asks them first, or use the safety check in the app.",
            style="bold yellow",
            markup=False,
        )


# --- history ------------------------------------------------------------------------------


def history_command(
    limit: Annotated[int, typer.Option("--limit", help="How many sessions and diary entries.", min=1)] = 20,
    json_: JsonOption = False,
) -> None:
    """List your sessions and recent pain diary entries."""
    _store()
    from backease.store import services

    person = services.local_owner()
    rows = services.sessions(person, limit=limit)
    entries = services.pain_entries(person, limit=limit)
    if json_:
        _print_json(
            {
                "sessions": [services.session_as_data(s) for s in rows],
                "pain_entries": [services.pain_entry_as_data(e) for e in entries],
            }
        )
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not rows and not entries:
        console.print("Nothing yet: run `backease session` or `backease log PAIN` to start your history.")
        return
    table = Table(title=f"Sessions ({len(rows)})", box=box.SIMPLE_HEAD)
    for column in ("date", "status", "done", "pain before -> after", "stress before -> after"):
        table.add_column(column)
    for s in rows:
        status = s.status + (f" ({s.stop_reason})" if s.stop_reason else "")
        table.add_row(
            _local(s.started_at),
            status,
            _done_of(s),
            f"{_score_text(s.pain_before)} -> {_score_text(s.pain_after)}",
            f"{_score_text(s.stress_before)} -> {_score_text(s.stress_after)}",
        )
    if rows:
        console.print(table)
    this_week = services.weekly_counts(person, weeks=1)[0][1]
    console.print(f"This week: {this_week} session{'s' if this_week != 1 else ''} (the goal is 2-3).")
    if entries:
        diary = Table(title=f"Pain diary ({len(entries)})", box=box.SIMPLE_HEAD)
        for column in ("date", "where", "pain", "stress", "note"):
            diary.add_column(column)
        for e in entries:
            diary.add_row(
                _local(e.at), _region_label(e.region), str(e.pain), _score_text(e.stress), Text(e.note)
            )
        console.print(diary)


# --- techniques ---------------------------------------------------------------------------


def techniques_command(
    enable: Annotated[
        str | None,
        typer.Option(
            "--enable", help="Turn this technique back on (an id from the list).", show_default=False
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """List the techniques turned off (after 'sharp pain', or by you), or turn one back on.

    Plans in the terminal and the web app leave turned-off techniques out.
    """
    from backease.content.loader import load_content

    library = load_content().library
    if enable is not None and library.technique(enable) is None:
        hint = closest(enable, library.technique_ids())
        suffix = f"; did you mean '{hint}'?" if hint else "; see `backease library`"
        raise InputError("enable", f"unknown technique '{enable}'{suffix}")
    _store()
    from backease.store import services

    person = services.local_owner()
    changed = False
    if enable is not None:
        changed = enable in services.disabled_techniques(person)
        if changed:
            services.set_technique_enabled(person, enable, True, "You turned it back on.")
    rows = services.turned_off_rows(person)
    names = {t.id: t.name for t in library.techniques}
    if json_:
        listed = [
            {
                "id": r.technique,
                "name": names.get(r.technique, r.technique),
                "reason": r.reason,
                "turned_off_at": r.updated_at.isoformat(),
            }
            for r in rows
        ]
        _print_json({"enabled": enable, "changed": changed, "turned_off": listed} if enable else listed)
        return
    from rich.console import Console

    console = Console(highlight=False)
    if enable is not None:
        name = names.get(enable, enable)
        console.print(
            f"Turned back on: {name}. New plans may include it again."
            if changed
            else f"{name} was not turned off; nothing changed.",
            markup=False,
        )
    if not rows:
        console.print("No technique is turned off: plans may use every technique that suits you.")
        return
    console.print(f"Turned off ({len(rows)}): plans leave these out.", style="bold")
    for r in rows:
        console.print(f"  {r.technique}  ({names.get(r.technique, r.technique)})", markup=False)
        why = f": {r.reason}" if r.reason else ""
        console.print(f"      since {_local(r.updated_at)}{why}", markup=False, style="dim")
    console.print("To turn one back on: backease techniques --enable ID", markup=False)


# --- maintenance ------------------------------------------------------------------------

store_app = typer.Typer(help="Look after the stored data.", no_args_is_help=True)


@store_app.command("rebuild-aggregates")
def rebuild_aggregates_command(json_: JsonOption = False) -> None:
    """Recompute the per-session facts and running totals that insights and planning read.

    They are kept up to date on every write; run this after editing the database by hand
    or to check them (it prints whether the stored totals already matched).
    """
    _store()
    from backease.store import services
    from backease.store.models import HistoryTotals

    person = services.local_owner()
    before = HistoryTotals.objects.filter(person=person).values_list("data", flat=True).first()
    totals = services.rebuild_aggregates(person)
    matched = before == totals.to_data()
    sessions = services.count_sessions(person)
    if json_:
        _print_json({"sessions": sessions, "rated": totals.rated, "matched": matched})
        return
    state = "they matched the stored totals" if matched else "the stored totals were out of date: fixed"
    typer.echo(f"Rebuilt the totals of {sessions} sessions ({totals.rated} rated before and after): {state}.")


@store_app.command("housekeeping")
def housekeeping_command(json_: JsonOption = False) -> None:
    """Delete what is only kept for a while: write keys older than a week, unused old plans.

    The app does this as it goes (old write keys about once in 100 saves, old plans when a
    new one is made); this does it now.
    """
    _store()
    from backease.store import services

    keys = services.prune_write_keys()
    plans = services.prune_plans(services.local_owner())
    if json_:
        _print_json({"write_keys": keys, "plans": plans})
        return
    typer.echo(
        f"Deleted {keys} write keys older than {services.WRITE_KEY_DAYS} days "
        f"and {plans} plans no session uses (the newest {services.PLANS_KEPT} are kept)."
    )


# --- registration -------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Add `session`, `log`, `history`, `techniques` and `store` to the `backease` app."""
    app.command("session")(session_command)
    app.command("log")(log_command)
    app.command("history")(history_command)
    app.command("techniques")(techniques_command)
    app.add_typer(store_app, name="store")
