"""The `backease` command line.

Every command can print `--json`. Bad input is one line on stderr and exit code 2;
a plan refused for safety exits with code 3 (its JSON is still printed).

The safety check, the profile, today's plan and the turned-off techniques are the
store's (`backease.cli.state`, `backease.store.services`): the same rows the web app uses.
`library`, `screen --no-save` and a `plan` on a computer with nothing stored yet must feel
instant: they import neither Django nor, once the content cache is warm, pydantic or
YAML; Rich is imported only to draw human output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from backease.core.errors import InputError
from backease.core.vocab import CAUSES, INTENSITIES, KINDS, REGIONS, TOOLS, closest

if TYPE_CHECKING:
    from backease.content.loader import Content
    from backease.core.planner import Plan as CorePlan
    from backease.core.planner import Profile
    from backease.core.screening import ScreeningResult
    from backease.store.models import Screening

EXIT_STORE = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3

app = typer.Typer(
    name="backease",
    help="Self-care for upper back pain: a safety screen, a personal self-massage plan, a guided session.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
content_app = typer.Typer(help="Work with the content library files.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from backease import __version__

        sys.stdout.write(f"backease {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """Self-care for upper back pain: a safety screen, a personal self-massage plan, a guided session."""


app.add_typer(content_app, name="content")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable layout.")]
AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers", help="Screening answers as a JSON file (ids from SCREENING.md).", show_default=False
    ),
]


# --- helpers ------------------------------------------------------------------------------


def _content() -> Content:
    from backease.content.loader import load_content

    return load_content()


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def _read_answers(path: Path | None) -> dict[str, object]:
    if path is None:
        return {}
    from backease.cli.files import read_json

    data = read_json(path, "answers")
    if not isinstance(data, dict):
        raise InputError("answers", f"{path} must hold a JSON object of question ids to answers")
    return data


def _screen(answers: dict[str, object]) -> ScreeningResult:
    from backease.core.screening import screen

    return screen(answers, _content().rules)


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        hint = closest(value, allowed)
        suffix = f"; did you mean '{hint}'?" if hint else ""
        raise InputError(field, f"unknown {field} '{value}'{suffix}", allowed)
    return value


def _parse_area(text: str) -> tuple[str, int]:
    """`REGION[:PAIN]`; pain defaults to 5 when left out."""
    region, _, pain_text = text.partition(":")
    _choice("area", region.strip(), REGIONS)
    if not pain_text:
        return region.strip(), 5
    try:
        pain = int(pain_text)
    except ValueError:
        raise InputError("area", f"pain in '{text}' must be a whole number from 0 to 10") from None
    if not 0 <= pain <= 10:
        raise InputError("area", f"pain in '{text}' must be from 0 to 10")
    return region.strip(), pain


def _profile(
    minutes: int,
    areas: list[str],
    knots: list[str],
    tools: list[str],
    causes: list[str],
    pressure: str | None,
    stress: int,
    no_floor: bool,
) -> Profile:
    from backease.core.planner import PainArea, Profile

    parsed = dict(_parse_area(a) for a in areas)
    for knot in knots:
        _choice("knot", knot, REGIONS)
        parsed.setdefault(knot, 5)
    return Profile(
        areas=tuple(PainArea(region, pain, knot=region in knots) for region, pain in parsed.items()),  # type: ignore[arg-type]
        causes=tuple(_choice("cause", c, CAUSES) for c in causes),  # type: ignore[misc]
        tools=tuple(_choice("tool", t, TOOLS) for t in tools),  # type: ignore[misc]
        minutes=minutes,
        pressure=_choice("pressure", pressure, INTENSITIES) if pressure else None,  # type: ignore[arg-type]
        no_floor=no_floor,
        stress=stress,
    )


AreaOption = Annotated[
    list[str],
    typer.Option("--area", help="Where it hurts: REGION[:PAIN 0-10], repeatable (see `backease regions`)."),
]
KnotOption = Annotated[list[str], typer.Option("--knot", help="A region where you feel a knot, repeatable.")]
ToolOption = Annotated[
    list[str],
    typer.Option("--tool", help="A tool you have, repeatable. Default: hands, wall, doorway, chair."),
]
CauseOption = Annotated[
    list[str], typer.Option("--cause", help=f"What brought it on, repeatable: {', '.join(CAUSES)}.")
]
PressureOption = Annotated[
    str | None,
    typer.Option("--pressure", help="Preferred pressure: gentle, moderate or firm.", show_default=False),
]
StressOption = Annotated[int, typer.Option("--stress", help="Stress today, 0-10.")]


# --- commands -----------------------------------------------------------------------------


SaveOption = Annotated[
    bool,
    typer.Option("--save", help="Store the --answers as your latest safety check, and the plan as today's."),
]


def _interactive_answers(json_: bool) -> dict[str, object]:
    """Ask the screen in the terminal; with --json the questions go to stderr."""
    import contextlib

    from backease.cli.questionnaire import ask_screening

    rules = _content().rules
    if not json_:
        return ask_screening(rules)
    with contextlib.redirect_stdout(sys.stderr):
        return ask_screening(rules)


@app.command()
def screen(
    answers: AnswersOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Only show the result; store nothing.")] = False,
    json_: JsonOption = False,
) -> None:
    """Answer the safety screen (interactively, or from --answers FILE.json) and store it.

    The stored result is what `plan`, `session` and the web app follow from then on.
    """
    given = _interactive_answers(json_) if answers is None else _read_answers(answers)
    result = _screen(given)  # validates the answers before anything is stored
    row = None
    if not no_save:
        from backease.cli import state

        state.open_store()
        from backease.store import services

        row, result = services.record_screening(services.local_owner(), given)
    if json_:
        saved = {"id": row.id if row else None, "created_at": row.created_at.isoformat() if row else None}
        # The title that goes with the advice, as every front end shows it (labels.yaml or the rule's).
        title = _content().result_title(result.level, result.advice)
        _print_json({**result.to_json(), "title": title, **saved})
        return
    from backease.cli.render import console, print_screening

    print_screening(result, _content().library)
    if row is None:
        console.print("Not saved (--no-save).", markup=False)
        return
    from backease.cli import state

    console.print(
        f"Saved as your safety check of {state.local_time(row.created_at)}: "
        "`backease plan`, `backease session` and the web app follow it.",
        markup=False,
    )


def _given_profile(
    base: Profile,
    minutes: int | None,
    areas: list[str],
    knots: list[str],
    tools: list[str],
    causes: list[str],
    pressure: str | None,
    stress: int | None,
    no_floor: bool | None,
) -> Profile:
    """`base` (the saved profile, or the defaults) with each option that was given in its place."""
    from dataclasses import replace

    given = _profile(
        minutes if minutes is not None else base.minutes,
        areas,
        knots,
        tools,
        causes,
        pressure,
        stress if stress is not None else base.stress,
        bool(no_floor),
    )
    return replace(
        base,
        areas=given.areas if areas or knots else base.areas,
        tools=given.tools if tools else base.tools,
        causes=given.causes if causes else base.causes,
        pressure=given.pressure if pressure else base.pressure,
        minutes=given.minutes,
        stress=given.stress,
        no_floor=base.no_floor if no_floor is None else no_floor,
    )


@app.command()
def plan(
    minutes: Annotated[
        int | None,
        typer.Option(
            "--minutes", help="Session length, 2-60 minutes (default: saved, or 15).", show_default=False
        ),
    ] = None,
    area: AreaOption = [],  # noqa: B006 - Typer reads the default, never mutates it
    knot: KnotOption = [],  # noqa: B006
    tool: ToolOption = [],  # noqa: B006
    cause: CauseOption = [],  # noqa: B006
    pressure: PressureOption = None,
    stress: Annotated[
        int | None, typer.Option("--stress", help="Stress today, 0-10.", show_default=False)
    ] = None,
    no_floor: Annotated[
        bool | None,
        typer.Option(
            "--no-floor/--floor",
            help="Standing and seated steps only (or allow the floor).",
            show_default=False,
        ),
    ] = None,
    answers: AnswersOption = None,
    save: SaveOption = False,
    seed: Annotated[int, typer.Option("--seed", help="Vary the choice among equally good techniques.")] = 0,
    json_: JsonOption = False,
) -> None:
    """Build today's self-massage plan from your latest safety check, and save it.

    Without --answers the plan follows the latest stored safety check and the saved
    profile (options given here replace saved values for this plan), leaves out the
    techniques you turned off, and is saved as today's plan for `backease session`.
    With --answers FILE it follows those answers and stores nothing, unless --save.
    """
    from backease.cli import state
    from backease.core.planner import Profile as CoreProfile
    from backease.core.planner import plan_session

    if save and answers is None:
        raise InputError("save", "--save stores the answers of --answers FILE; give both")
    given = _read_answers(answers) if answers is not None else None
    from_file = _screen(given) if given is not None else None  # validates the answers first
    options = (minutes, area, knot, tool, cause, pressure, stress, no_floor)
    library = _content().library
    if not save and not state.store_exists():
        # Nothing stored on this computer yet: plan from the options alone, store nothing.
        profile = _given_profile(CoreProfile(), *options)
        result = from_file if from_file is not None else _screen({})
        session = plan_session(profile, result, library, seed=seed)
        _show_plan(session, result, state.screening_json(None, "answers" if given else "none"), None, json_)
        return

    state.open_store()
    from backease.store import services

    person = services.local_owner()
    profile = _given_profile(services.get_profile(person), *options)
    if from_file is not None and not save:
        # A "what if" plan: these answers, the person's turned-off techniques and history.
        adapted = plan_session(profile, from_file, library, seed=seed, adaptation=services.adaptation(person))
        source = state.screening_json(None, "answers")
        _show_plan(adapted, from_file, source, None, json_, recheck=services.needs_recheck(person))
        return
    row: Screening | None
    if given is not None:
        row, result = services.record_screening(person, given)
    else:
        row = services.latest_screening(person)
        result = state.result_of(row) if row is not None else _screen({})
    source = state.screening_json(row, "stored" if row is not None else "none")
    if not result.plan_allowed:  # nothing to store: say why and stop
        _show_plan(plan_session(profile, result, library, seed=seed), result, source, None, json_, row)
        return
    stored = services.make_plan(person, seed=seed, profile=profile)
    recheck = services.needs_recheck(person)
    _show_plan(services.core_plan(stored), result, source, stored.id, json_, row, recheck=recheck)


def _show_plan(
    session: CorePlan,
    result: ScreeningResult,
    source: dict[str, Any],
    plan_id: int | None,
    json_: bool,
    row: Screening | None = None,
    *,
    recheck: bool = False,
) -> None:
    """Print a plan and which safety check it follows; exit 3 when refused for safety.

    `recheck`: logged pain rose by 3 or more since the last check (SCREENING.md asks again).
    """
    if json_:
        _print_json({**session.to_json(), "plan_id": plan_id, "screening": source, "needs_recheck": recheck})
    else:
        from backease.cli import state
        from backease.cli.render import console, print_plan

        if row is not None:
            console.print(f"Following {state.describe(row)}.", markup=False)
        elif source["source"] == "answers":
            console.print("Following the answers in the file (not saved; add --save to keep them).")
        else:
            console.print(
                "No safety check yet: this plan assumes none of the warning signs. "
                "Run `backease screen` (or `backease start`) first.",
                style="bold yellow",
                markup=False,
            )
        if recheck:
            console.print(
                "Your pain is 3 or more points higher than when you last logged it: please answer the "
                "safety questions again (`backease screen`).",
                style="bold yellow",
                markup=False,
            )
        print_plan(session, result, _content().library)
        if plan_id is not None:
            console.print("Saved as today's plan: `backease session` runs it.", markup=False)
    if session.refused:
        raise typer.Exit(EXIT_REFUSED)


@app.command()
def library(
    kind: Annotated[str | None, typer.Option("--kind", help=f"One of: {', '.join(KINDS)}.")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="A region id (see `backease regions`).")
    ] = None,
    tool: Annotated[str | None, typer.Option("--tool", help="Only techniques that use this tool.")] = None,
    json_: JsonOption = False,
) -> None:
    """List the techniques, optionally filtered by kind, region or tool."""
    if kind:
        _choice("kind", kind, KINDS)
    if region:
        _choice("region", region, REGIONS)
    if tool:
        _choice("tool", tool, TOOLS)
    techniques = [
        t
        for t in _content().library.techniques
        if (not kind or t.kind == kind)
        and (not region or region in t.regions)
        and (not tool or tool in t.tools)
    ]
    if json_:
        _print_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "kind": t.kind,
                    "regions": list(t.regions),
                    "tools": list(t.tools),
                    "position": t.position,
                    "spinal_pressure": t.spinal_pressure,
                    "sustained_pressure": t.sustained_pressure,
                    "min_seconds": t.min_seconds,
                    "max_seconds": t.max_seconds,
                    "per_side": t.per_side,
                }
                for t in techniques
            ]
        )
        return
    from backease.cli.render import print_library

    print_library(techniques)


@app.command()
def show(
    technique: Annotated[str, typer.Argument(help="A technique id (see `backease library`).")],
    side: Annotated[
        str | None,
        typer.Option(
            "--side",
            help="left or right: the words for working that side (a technique done one side at a time"
            " is shown for the left side without it).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Show one technique in full: steps, cues, spoken lines, mistakes, when to stop, evidence."""
    from backease.core.sides import DEFAULT_SIDE, as_side, render_technique

    lib = _content().library
    found = lib.technique(technique)
    if found is None:
        _choice("technique", technique, lib.technique_ids())
        raise AssertionError  # pragma: no cover - _choice raised
    if side is not None:
        _choice("side", side, ("left", "right"))
        if not found.per_side:
            raise InputError("side", f"'{technique}' works both sides at once; leave out --side")
    shown = as_side(side or DEFAULT_SIDE) if found.per_side else "none"
    found = render_technique(found, shown)
    if json_:
        from dataclasses import asdict

        data = asdict(found)
        data["side"] = shown
        data["references"] = [asdict(r) for r in lib.references if r.id in found.references]
        _print_json(data)
        return
    from backease.cli.render import print_technique

    print_technique(found, lib, shown)


@app.command("massage-types")
def massage_types(
    area: AreaOption = [],  # noqa: B006
    knot: KnotOption = [],  # noqa: B006
    cause: CauseOption = [],  # noqa: B006
    pressure: PressureOption = None,
    stress: StressOption = 0,
    answers: AnswersOption = None,
    json_: JsonOption = False,
) -> None:
    """The kinds of professional massage, ranked for you (and your latest safety check,
    unless --answers FILE is given)."""
    from backease.cli import state
    from backease.core.planner import recommend_massage_types

    profile = _profile(15, area, knot, [], cause, pressure, stress, False)
    safety = _screen(_read_answers(answers))
    if answers is None and state.store_exists():
        state.open_store()
        from backease.store import services

        row = services.latest_screening(services.local_owner())
        if row is not None:
            safety = state.result_of(row)
    ranked = recommend_massage_types(profile, safety, _content().library)
    if json_:
        _print_json([s.to_json(rank) for rank, s in enumerate(ranked, start=1)])
        return
    from backease.cli.render import print_massage_types

    print_massage_types(ranked)


@app.command()
def regions(json_: JsonOption = False) -> None:
    """The body-map regions, with their muscles."""
    lib = _content().library
    if json_:
        from dataclasses import asdict

        _print_json([asdict(r) for r in lib.regions])
        return
    from backease.cli.render import print_regions

    print_regions(lib)


@app.command()
def start(
    seed: Annotated[int, typer.Option("--seed", help="Vary the choice among equally good techniques.")] = 0,
    json_: JsonOption = False,
) -> None:
    """Screen, describe your back, and get today's plan: the interactive way in.

    The answers, the profile (areas, pain, knots, tools, minutes, causes, pressure,
    floor) and the plan are stored: `backease session` and the web app use them.
    With --json the questions go to stderr and the plan's JSON to stdout.
    """
    import contextlib

    from backease.cli import state
    from backease.cli.questionnaire import ask_profile
    from backease.core.planner import plan_session

    state.open_store()
    from django.db import transaction

    from backease.store import services

    content = _content()
    person = services.local_owner()
    row, result = services.record_screening(person, _interactive_answers(json_))
    source = state.screening_json(row, "stored")
    if not result.plan_allowed:
        # No profile questions: the person needs help, not a plan.
        _show_plan(
            plan_session(services.get_profile(person), result, content.library),
            result,
            source,
            None,
            json_,
            row,
        )
        return
    with contextlib.redirect_stdout(sys.stderr) if json_ else contextlib.nullcontext():
        profile = ask_profile(content.library)
    with transaction.atomic():
        services.save_profile(person, services.profile_to_data(profile))
        stored = services.make_plan(person, seed=seed, profile=profile)
    _show_plan(services.core_plan(stored), result, source, stored.id, json_, row)


@app.command()
def migrate(json_: JsonOption = False) -> None:
    """Bring the database up to date. In server mode, run it once before starting (or after
    upgrading) the app processes; it is safe to run again."""
    from backease.store.setup import migrate as run_migrate

    applied = run_migrate()
    if json_:
        _print_json({"applied": applied})
    elif applied:
        print(f"Applied {len(applied)} migration(s), from {applied[0]} to {applied[-1]}.")
    else:
        print("The database is up to date.")


@content_app.command("check")
def content_check(json_: JsonOption = False) -> None:
    """Validate every content file; name the file, entry and field of any problem."""
    from backease.content.loader import ContentError, parse_content

    try:
        content = parse_content()
    except ContentError as exc:
        if json_:
            _print_json(
                {"ok": False, "file": exc.file, "entry": exc.entry, "field": exc.field, "error": str(exc)}
            )
        _fail(str(exc), 1)
    lib = content.library
    counts = {
        "techniques": len(lib.techniques),
        "regions": len(lib.regions),
        "muscles": len(lib.muscles),
        "tools": len(lib.tools),
        "massage_types": len(lib.massage_types),
        "tips": len(lib.tips),
        "faq": len(lib.faq),
        "references": len(lib.references),
        "screening_questions": len(content.rules.questions),
        "screening_rules": len(content.rules.rules),
        "pretreatment_rules": len(content.pretreatment.rules),
    }
    if json_:
        _print_json({"ok": True, "counts": counts})
        return
    sys.stdout.write(
        "content ok: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()) + "\n"
    )


from backease.cli import (  # noqa: E402 - session, log, history (they load Django lazily)
    export_commands,
    massage_commands,
    programme_commands,
    schedule_commands,
    server_commands,
    settings_commands,
    stats_commands,
    store_commands,
)

store_commands.register(app)
stats_commands.register(app)
settings_commands.register(app)
programme_commands.register(app)
export_commands.register(app)
server_commands.register(app)
massage_commands.register(app)
schedule_commands.register(app)


# --- entry point --------------------------------------------------------------------------


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: one-line errors, stable exit codes."""
    from typer.exceptions import Abort, TyperException

    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="backease", standalone_mode=False)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(EXIT_BAD_INPUT)
    except TyperException as exc:  # usage errors from option parsing
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `backease`: show the help
            sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        sys.stderr.write(f"error: {exc.format_message()}\n")
        sys.exit(getattr(exc, "exit_code", EXIT_BAD_INPUT) or EXIT_BAD_INPUT)
    except EOFError:  # a question was asked and the input ended (e.g. a pipe ran dry)
        sys.stderr.write("error: input: it ended before every question was answered\n")
        sys.exit(EXIT_BAD_INPUT)
    except Abort as exc:
        if isinstance(exc.__cause__, EOFError):  # click turns the end of input into Abort
            sys.stderr.write("error: input: it ended before every question was answered\n")
            sys.exit(EXIT_BAD_INPUT)
        sys.stderr.write("\nstopped.\n")
        sys.exit(130)
    except Exception as exc:  # the store cannot be reached or used: one line, never a traceback
        if "django.db" in sys.modules:
            from django.db import Error as DatabaseError

            if isinstance(exc, DatabaseError):
                detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                sys.stderr.write(f"error: store: cannot use the database ({detail})\n")
                sys.exit(EXIT_STORE)
        raise
    except KeyboardInterrupt:
        sys.stderr.write("\nstopped.\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
