"""The `backease` command line.

Every command can print `--json`. Bad input is one line on stderr and exit code 2;
a plan refused for safety exits with code 3 (its JSON is still printed).

`plan`, `screen` and `library` must feel instant: they import neither Django nor,
once the content cache is warm, pydantic or YAML; Rich is imported only to draw
human output.
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
    from backease.core.planner import Profile
    from backease.core.screening import ScreeningResult

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


@app.command()
def screen(answers: AnswersOption = None, json_: JsonOption = False) -> None:
    """Answer the safety screen (interactively, or from --answers FILE.json)."""
    if answers is None and not json_:
        from backease.cli.questionnaire import ask_screening

        result = _screen(ask_screening(_content().rules))
    else:
        result = _screen(_read_answers(answers))
    if json_:
        _print_json(result.to_json())
        return
    from backease.cli.render import print_screening

    print_screening(result)


@app.command()
def plan(
    minutes: Annotated[int, typer.Option("--minutes", help="Session length, 2-60 minutes.")] = 15,
    area: AreaOption = [],  # noqa: B006 - Typer reads the default, never mutates it
    knot: KnotOption = [],  # noqa: B006
    tool: ToolOption = [],  # noqa: B006
    cause: CauseOption = [],  # noqa: B006
    pressure: PressureOption = None,
    stress: StressOption = 0,
    no_floor: Annotated[bool, typer.Option("--no-floor", help="Standing and seated steps only.")] = False,
    answers: AnswersOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Vary the choice among equally good techniques.")] = 0,
    json_: JsonOption = False,
) -> None:
    """Build a timed self-massage plan for today."""
    from backease.core.planner import plan_session

    profile = _profile(minutes, area, knot, tool, cause, pressure, stress, no_floor)
    result = _screen(_read_answers(answers))
    session = plan_session(profile, result, _content().library, seed=seed)
    if json_:
        _print_json(session.to_json())
    else:
        from backease.cli.render import print_plan

        print_plan(session, result)
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
    json_: JsonOption = False,
) -> None:
    """Show one technique in full: steps, cues, mistakes, when to stop, evidence."""
    lib = _content().library
    found = lib.technique(technique)
    if found is None:
        _choice("technique", technique, lib.technique_ids())
        raise AssertionError  # pragma: no cover - _choice raised
    if json_:
        from dataclasses import asdict

        data = asdict(found)
        data["references"] = [asdict(r) for r in lib.references if r.id in found.references]
        _print_json(data)
        return
    from backease.cli.render import print_technique

    print_technique(found, lib)


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
    """The kinds of professional massage, ranked for you."""
    from backease.core.planner import recommend_massage_types

    profile = _profile(15, area, knot, [], cause, pressure, stress, False)
    ranked = recommend_massage_types(profile, _screen(_read_answers(answers)), _content().library)
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
) -> None:
    """Screen, describe your back, and get today's plan: the interactive way in."""
    from backease.cli.questionnaire import ask_profile, ask_screening
    from backease.cli.render import print_plan, print_screening
    from backease.core.planner import plan_session

    content = _content()
    result = _screen(ask_screening(content.rules))
    if not result.plan_allowed:
        print_screening(result)
        raise typer.Exit(EXIT_REFUSED)
    session = plan_session(ask_profile(content.library), result, content.library, seed=seed)
    print_plan(session, result)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (personal mode: keep 127.0.0.1).")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Start the web app (migrates the database first) and print its address."""
    from backease.web.server import serve as run_server

    run_server(host=host, port=port)


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
    }
    if json_:
        _print_json({"ok": True, "counts": counts})
        return
    sys.stdout.write(
        "content ok: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()) + "\n"
    )


from backease.cli import export_commands, stats_commands, store_commands  # noqa: E402 - session, log, history (they load Django lazily)

store_commands.register(app)
stats_commands.register(app)
export_commands.register(app)


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
    except (Abort, KeyboardInterrupt):
        sys.stderr.write("\nstopped.\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
