"""Interactive prompts: the safety screen and the profile, in the terminal.

Emergency signs come first, and an emergency answer is reported at once, before any
other question.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.prompt import Confirm, IntPrompt, Prompt

from backease.core.library import Library
from backease.core.planner import PainArea, Profile
from backease.core.screening import Question, RuleSet, screen
from backease.core.vocab import CAUSES, DEFAULT_TOOLS, INTENSITIES, NOT_SURE, REGIONS

console = Console(highlight=False)

GROUP_TITLES = {
    "emergency": "First, signs that need help right now. Do you have any of these with your back pain?",
    "urgent": "Do any of these apply to you?",
    "soon": "And any of these?",
    "precaution": "A few things that change how hard you should press:",
    "context": "Last, about you:",
}


def _pick_numbers(prompt: str, options: Sequence[str], default: str = "") -> list[str]:
    """Ask for numbers from a numbered list, e.g. `1 4 5`; repeats until valid."""
    while True:
        raw = Prompt.ask(prompt, default=default, show_default=bool(default), console=console)
        picked: list[str] = []
        try:
            for token in raw.replace(",", " ").split():
                index = int(token)
                if not 1 <= index <= len(options):
                    raise ValueError
                picked.append(options[index - 1])
            return picked
        except ValueError:
            console.print(f"Please type numbers from 1 to {len(options)}, separated by spaces.", style="red")


def _region_labels() -> dict[str, str]:
    from backease.content.loader import load_content

    return {r.id: r.label for r in load_content().library.regions}


def _ask(question: Question) -> object:
    if question.type == "bool":
        return Confirm.ask(f"  {question.text}", default=False, console=console)
    if question.type == "number":
        low = int(question.minimum) if question.minimum is not None else 0
        high = int(question.maximum) if question.maximum is not None else 200
        while True:
            raw = Prompt.ask(f"  {question.text} (leave empty to skip)", default="", console=console)
            if not raw.strip():
                return None
            try:
                value = int(raw)
            except ValueError:
                value = low - 1
            if low <= value <= high:
                return value
            console.print(f"  Please give a whole number from {low} to {high}.", style="red")
    options = (*REGIONS, NOT_SURE) if question.not_sure else REGIONS
    if question.not_sure:
        console.print(f"    {len(options):>2}. {question.not_sure}", markup=False)
    return _pick_numbers(f"  {question.text} (numbers from the list above; empty for none)", options)


def ask_screening(rules: RuleSet) -> dict[str, object]:
    """Ask the screening questions, group by group. Stops early on an emergency.

    Yes/no signs are shown as a list first ("any of these?"), and asked one by one
    only when the answer is yes, so a person with none of them answers in seconds.
    """
    answers: dict[str, object] = {}
    for group, title in GROUP_TITLES.items():
        questions = [q for q in rules.questions if q.group == group]
        if not questions:
            continue
        console.print(f"\n[bold]{title}[/bold]")
        signs = [q for q in questions if q.type == "bool"]
        if group != "context" and len(signs) > 1:
            for question in signs:
                console.print(f"  • {question.text}", markup=False)
            if not Confirm.ask("Does any of these apply to you?", default=False, console=console):
                signs = []
            else:
                console.print("Which ones?")
        listed = False
        for question in questions:
            if question.type == "bool" and question not in signs:
                continue
            if question.asked_if is not None and answers.get(question.asked_if) is not True:
                continue  # a follow-up (where is the lump?) only after a yes
            if question.type == "regions" and not listed:
                labels = _region_labels()
                console.print("  Body areas:")
                for number, region in enumerate(REGIONS, start=1):
                    console.print(f"    {number:>2}. {labels.get(region, region)}", markup=False)
                listed = True
            value = _ask(question)
            if value is not None and value is not False and value != []:
                answers[question.id] = value
        if group == "emergency" and answers and screen(answers, rules).level == "emergency":
            return answers
    return answers


def _ask_score(question: str) -> int:
    """A 0-10 answer, asked until one is given: no score is made up for an empty answer."""
    while True:
        raw = Prompt.ask(question, console=console).strip()
        if raw.isdigit() and int(raw) <= 10:
            return int(raw)
        console.print("  Please type a whole number from 0 to 10.", style="red")


def ask_profile(library: Library) -> Profile:
    """Where it hurts, tools, time and preferences."""
    labels: dict[str, str] = {r.id: r.label for r in library.regions}
    console.print("\n[bold]Where does it hurt?[/bold]")
    for number, region_id in enumerate(REGIONS, start=1):
        console.print(f"  {number:>2}. {labels.get(region_id, region_id)}", markup=False)
    areas = []
    for picked in _pick_numbers("Areas (numbers, e.g. 4 5)", REGIONS):
        pain = _ask_score(f"  How much does it hurt: {labels.get(picked, picked)}? 0 none, 10 worst")
        knot = Confirm.ask("  Is there a knot (a tender spot) there?", default=False, console=console)
        areas.append(PainArea(picked, pain, knot))  # type: ignore[arg-type]
    tools = [t.id for t in library.tools]
    console.print("\n[bold]Which tools do you have?[/bold]")
    for number, tool in enumerate(library.tools, start=1):
        console.print(f"  {number:>2}. {tool.name}", markup=False)
    defaults = " ".join(str(tools.index(t) + 1) for t in DEFAULT_TOOLS)
    chosen = _pick_numbers("Tools (numbers)", tools, default=defaults)
    console.print("\n[bold]What brought it on?[/bold]")
    for number, cause in enumerate(CAUSES, start=1):
        # The cause's words (labels.yaml), never its id ("imbalance", "unknown").
        console.print(f"  {number:>2}. {library.label('cause', cause)}", markup=False)
    causes = _pick_numbers("Causes (numbers, optional)", CAUSES)
    minutes = 0
    while not 2 <= minutes <= 60:
        minutes = IntPrompt.ask("\nHow many minutes do you have (2-60)?", default=15, console=console)
    pressure = Prompt.ask("Pressure you like", choices=list(INTENSITIES), default="moderate", console=console)
    stress = _ask_score("How stressed do you feel today? 0 calm, 10 extremely stressed")
    no_floor = not Confirm.ask("Can you get down on the floor?", default=True, console=console)
    return Profile(
        areas=tuple(areas),
        causes=tuple(causes),  # type: ignore[arg-type]
        tools=tuple(chosen),  # type: ignore[arg-type]
        minutes=minutes,
        pressure=pressure,  # type: ignore[arg-type]
        no_floor=no_floor,
        stress=stress,
    )
