"""Readable terminal layouts (Rich) for the CLI's human output."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backease.core.library import Library, Technique
from backease.core.planner import MassageSuggestion, Plan
from backease.core.screening import ScreeningResult

console = Console(highlight=False)

LEVEL_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "soon": "bold yellow",
    "self_care_with_precautions": "bold cyan",
    "self_care": "bold green",
}
"""How each level's title looks; its words come from the content (`level_title`)."""


def level_title(level: str, advice: str) -> str:
    """A result's title, saying what its advice says (`Content.result_title`); an emergency's
    in capitals, since a terminal may show no colour."""
    from backease.content.loader import load_content

    title = load_content().result_title(level, advice)
    return title.upper() if level == "emergency" else title


def mmss(seconds: int) -> str:
    """Seconds as m:ss."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def _level_header(level: str, advice: str) -> Text:
    return Text(f" {level_title(level, advice)} ", style=LEVEL_STYLE.get(level, "bold"))


def print_screening(result: ScreeningResult, library: Library) -> None:
    """The screening result: level, why, the limits in words, what to do."""
    parts: list[Text | Table] = [_level_header(result.level, result.advice), Text("")]
    if result.reasons:
        for reason in result.reasons:
            parts.append(Text.assemble(("• ", "bold"), reason.message, (f"  [{reason.source}]", "dim")))
        parts.append(Text(""))
    if result.precautions:
        parts.append(Text("Limits your plan will follow:", style="bold cyan"))
        parts += [Text(f"  - {library.precaution_words(p)}", style="cyan") for p in result.precautions]
        parts.append(Text(""))
    parts.append(Text(result.advice))
    if result.rationale is not None:
        why = result.rationale
        parts += [
            Text(""),
            Text(why.title, style="bold"),
            Text.assemble(why.text, (f"  [{why.source}]", "dim")),
        ]
    if result.clearance is not None:
        cleared = result.clearance
        today = result.today or cleared.given_on
        lasts = "lasts until" if cleared.active_on(today) else "ended on"
        parts += [
            Text(""),
            Text(
                f"Clinician clearance given on {cleared.given_on:%d %b %Y}; it {lasts} "
                f"{cleared.expires_on:%d %b %Y}. After that, answer the safety questions again.",
                style="cyan",
            ),
        ]
    console.print(Panel(Group(*parts), title="Safety check", box=box.ROUNDED, expand=False, width=88))


def print_plan(plan: Plan, result: ScreeningResult, library: Library) -> None:
    """A plan as a card: each step with its time, side, intensity and cue."""
    if plan.refused:
        print_screening(result, library)
        console.print("No plan today: please get checked first.", style="bold")
        return
    title = f"Today's plan: {plan.minutes} min" + (" desk break" if plan.desk_break else "")
    header: list[Text] = [_level_header(plan.level, plan.advice)]
    if plan.level != "self_care":
        header.append(Text(plan.advice))
    console.print(Panel(Group(*header), title=title, box=box.ROUNDED, expand=False, width=88))
    _checklist("Before you start", plan.before)
    table = Table(box=box.SIMPLE_HEAD, expand=False, show_lines=False, pad_edge=False, width=100)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Step", ratio=3)
    table.add_column("Side")
    table.add_column("Time", justify="right")
    table.add_column("Pressure")
    table.add_column("How, and why", ratio=5)
    phase = ""
    for index, step in enumerate(plan.steps, start=1):
        if step.kind != phase:
            phase = step.kind
            table.add_row("", Text(step.kind.replace("_", " ").upper(), style="bold magenta"), "", "", "", "")
        side = "" if step.side in ("both", "none") else step.side
        table.add_row(
            str(index),
            Text(step.name, style="bold"),
            side,
            mmss(step.seconds),
            step.intensity,
            Text.assemble(step.cue, "\n", (step.reason, "dim italic")),
        )
    console.print(table)
    console.print(f"Total: {mmss(plan.total_seconds)} in {len(plan.steps)} steps.", style="bold")
    for note in plan.notes:
        console.print(f"Note: {note}", style="yellow")
    _checklist("Afterwards", plan.after)


def _checklist(title: str, items: Sequence[str]) -> None:
    if not items:
        return
    console.print(Text(title, style="bold underline"))
    for item in items:
        console.print(f"  [ ] {item}", markup=False)
    console.print()


def print_library(techniques: Sequence[Technique]) -> None:
    """A table of techniques."""
    table = Table(box=box.SIMPLE_HEAD, title=f"{len(techniques)} techniques")
    for column in ("id", "name", "kind", "position", "tools", "time"):
        table.add_column(column)
    for t in techniques:
        seconds = f"{t.min_seconds}-{t.max_seconds}s" + (" /side" if t.per_side else "")
        table.add_row(t.id, t.name, t.kind, t.position, ", ".join(t.tools) or "none", seconds)
    console.print(table)


def print_technique(t: Technique, library: Library, side: str = "none") -> None:
    """One technique in full, its per-side words already rendered for `side`."""
    parts: list[Text] = [Text(t.summary), Text("")]
    facts = (
        f"{t.kind.replace('_', ' ')} · {t.position.replace('_', ' ')} · tools: {', '.join(t.tools) or 'none'}"
        f" · {t.default_seconds}s ({t.min_seconds}-{t.max_seconds}s){' per side' if t.per_side else ''}"
    )
    parts += [Text(facts, style="dim"), Text("")]
    if t.per_side:
        other = "right" if side == "left" else "left"
        parts += [
            Text(f"For the {side} side: the side stretched or pressed.", style="bold"),
            Text(f"The {other} side: backease show {t.id} --side {other}", style="dim"),
            Text(""),
        ]
    parts.append(Text("Steps", style="bold"))
    parts += [Text(f"  {i}. {s}") for i, s in enumerate(t.steps, start=1)]
    parts.append(Text("\nIntensity", style="bold"))
    parts += [Text(f"  {v.intensity}: {v.cue}") for v in t.intensities]
    parts.append(Text(f"\nBreathing: {t.breathing_cue}\nPressure: {t.pressure_cue}"))
    parts.append(Text("\nCommon mistakes", style="bold"))
    parts += [Text(f"  - {m}") for m in t.mistakes]
    parts.append(Text("\nStop if", style="bold red"))
    parts += [Text(f"  - {s}") for s in t.stop_if]
    spoken = t.spoken
    parts.append(Text("\nSpoken in the player", style="bold"))
    lines = [("Set-up", spoken.setup), ("Later", spoken.setup_short), ("Go", spoken.go)]
    lines += [("Cue", cue) for cue in spoken.cues]
    lines += [("Breathing", spoken.breathing), ("Stop", spoken.stop)]
    parts += [Text(f"  {label}: {line}") for label, line in lines if line]
    if t.rub_note:
        parts.append(Text(f"\nMuscle rubs: {t.rub_note}", style="dim"))
    benefits = ", ".join(b.replace("_", " ") for b in t.benefits)
    parts.append(
        Text(f"\nMay help with: {benefits}. Evidence: {t.evidence.replace('_', ' ')}.", style="bold")
    )
    parts.append(Text(t.evidence_note))
    for ref in library.references:
        if ref.id in t.references:
            link = f" https://doi.org/{ref.doi}" if ref.doi else (f" {ref.url}" if ref.url else "")
            parts.append(Text(f"  {ref.authors} ({ref.year}). {ref.title}. {ref.source}.{link}", style="dim"))
    console.print(Panel(Group(*parts), title=t.name, subtitle=t.id, box=box.ROUNDED, width=96))


def print_massage_types(ranked: Sequence[MassageSuggestion]) -> None:
    """Massage types, best suited first."""
    for rank, s in enumerate(ranked, start=1):
        kind = s.massage_type
        style = "bold green" if s.suitable else "bold red"
        verdict = (
            "suits you"
            if s.suitable and rank <= 2
            else ("not advised now" if not s.suitable else "an option")
        )
        body: list[Text] = [
            Text(kind.what_it_is),
            Text(f"\nSuits: {kind.suits}"),
            Text(f"What to expect: {kind.what_to_expect}"),
            Text("Avoid when: " + "; ".join(kind.avoid_when)),
            Text(f"Evidence ({kind.evidence.replace('_', ' ')}): {kind.evidence_note}", style="dim"),
        ]
        if s.reasons:
            body.append(Text("\nFor you: " + " ".join(s.reasons), style=style))
        console.print(
            Panel(Group(*body), title=f"{rank}. {kind.name} ({verdict})", width=96, box=box.ROUNDED)
        )
    if ranked:
        console.print(Text("Choosing a therapist: " + ranked[0].massage_type.choosing_a_therapist))


def print_regions(library: Library) -> None:
    """The body-map regions."""
    names = {m.id: m.name for m in library.muscles}
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("id", "label", "view", "muscles"):
        table.add_column(column)
    for r in library.regions:
        table.add_row(r.id, r.label, r.view, ", ".join(names.get(m, m) for m in r.muscles))
    console.print(table)
