"""`backease massage-check`: the pre-treatment check per kind of massage, in the terminal.

A massage therapist's way to see the check (docs/pretreatment.md) before the visit pages
exist: the client's answers in one JSON file (the safety screen's question ids and the
massage intake's facts), and per kind of massage go / modify / not today / do not treat,
with the reasons and their sources. Nothing is stored; no database is opened.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backease.core.errors import InputError

if TYPE_CHECKING:
    from backease.content.loader import Content
    from backease.core.pretreatment import PretreatmentCheck
    from backease.core.screening import ScreeningResult

HEADLINE = {
    "go": "go",
    "modify": "modify",
    "not_today": "not today",
    "refer": "do not treat, refer",
}
"""The decision as the therapist reads it."""


def check_json(content: Content, screening: ScreeningResult, result: PretreatmentCheck) -> dict[str, Any]:
    """The whole check as `--json` prints it: the screen, then each kind with its name,
    decision, findings, modifications (ids and words) and references."""
    from backease.content.pretreatment_words import how_words
    from backease.core.pretreatment import type_json

    names = {m.id: m.name for m in content.library.massage_types}
    types: list[dict[str, Any]] = []
    for item in result.types:
        data = type_json(item)
        data["name"] = names.get(item.massage_type, item.massage_type)
        data["headline"] = HEADLINE[item.decision]
        data["modifications"]["how"] = how_words(content, item)  # type: ignore[index]
        types.append(data)
    return {
        "level": result.level,
        "title": content.result_title(result.level, result.advice),
        "advice": result.advice,
        "notes": list(result.notes),
        "screening": screening.to_json(),
        "types": types,
    }


def print_check(content: Content, screening: ScreeningResult, result: PretreatmentCheck) -> None:
    """The check, per kind of massage, for a therapist reading a terminal."""
    from rich import box
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.text import Text

    from backease.content.pretreatment_words import how_words

    console = Console(highlight=False)
    refs = {r.id: r for r in content.library.references}
    names = {m.id: m.name for m in content.library.massage_types}
    title = content.result_title(result.level, result.advice)
    console.print(Text(f"Safety check: {title}", style="bold"))
    if result.level in ("emergency", "urgent", "soon"):
        console.print(Text(f"Advice the client was given: {result.advice}"))
    for note in result.notes:
        console.print(Text(note))
    style = {"go": "bold green", "modify": "bold yellow", "not_today": "bold red", "refer": "bold red"}
    for item in result.types:
        body: list[Text] = [Text(f"{f.reason} ({f.source})") for f in item.findings]
        said = list(dict.fromkeys((r.message, r.source) for f in item.findings for r in f.because))
        if said:
            body.append(Text("The client's safety check said:", style="dim"))
            body.extend(Text(f"  {message} ({source})", style="dim") for message, source in said)
        for line in how_words(content, item):
            body.append(Text(f"- {line}"))
        if item.decision == "go":
            body.append(Text("Nothing in the answers limits this kind of massage."))
        if item.references:
            cited = [
                f"{refs[r].authors.split(',')[0]} {refs[r].year}" if r in refs else r for r in item.references
            ]
            body.append(Text("Sources: " + "; ".join(dict.fromkeys(cited)), style="dim"))
        heading = f"{names.get(item.massage_type, item.massage_type)}: {HEADLINE[item.decision]}"
        console.print(
            Panel(Group(*body), title=Text(heading, style=style[item.decision]), width=96, box=box.ROUNDED)
        )


def massage_check(
    answers: Annotated[
        Path,
        typer.Option(
            "--answers",
            help="The client's answers as a JSON file: safety-screen question ids (SCREENING.md) and "
            "massage-intake facts (docs/pretreatment.md).",
            show_default=False,
        ),
    ],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable layout.")] = False,
) -> None:
    """Before a hands-on treatment: per kind of massage, go, modify (how), not today (why)
    or do not treat and refer, with each rule's sources. Stores nothing."""
    from datetime import date

    from backease.cli.files import read_json
    from backease.content.loader import load_content
    from backease.core.pretreatment import check_answers

    raw = read_json(answers, "answers")
    if not isinstance(raw, dict):
        raise InputError("answers", f"{answers} must hold a JSON object of question ids to answers")
    content = load_content()
    kinds = {m.id: m.pressure for m in content.library.massage_types}
    screening, result = check_answers(raw, content.rules, content.pretreatment, kinds, today=date.today())
    if json_:
        import json

        sys.stdout.write(
            json.dumps(check_json(content, screening, result), indent=2, ensure_ascii=False) + "\n"
        )
        return
    print_check(content, screening, result)


def register(app: typer.Typer) -> None:
    """Add `massage-check` to the `backease` app."""
    app.command("massage-check")(massage_check)
