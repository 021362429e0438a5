"""A printable home programme (a handout): its steps on one A4 or Letter page, each with
its figure (key poses side by side), time, pressure, cue and stop signs, and blocked steps
marked with the reason.

Whoever holds a programme builds a `Handout` (clinic mode: `backease.clinic.programmes`)
and a front end renders it with `render_handout`, inside its own page (the clinic's
handout pages for the therapist and the client) or on its own. The stylesheets it needs
are `STYLESHEET` (screen) and `PRINT_STYLESHEET` (print), static paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

STYLESHEET = "exports/handout.css"
PRINT_STYLESHEET = "exports/handout-print.css"


@dataclass(frozen=True, slots=True)
class HandoutStep:
    """One step as the handout prints it: words, ready to show."""

    number: int
    technique: str
    name: str
    side: str
    """The side id the figure is drawn for: left, right, both or none."""
    sides: str
    """The side in words, from the labels in content; unused for a per-side step done on both sides."""
    per_side: bool
    """A per-side technique done on both sides: the time is "each side"."""
    time: str
    intensity: str
    note: str = ""
    cue: str = ""
    stop_if: tuple[str, ...] = ()
    written_for_left: bool = False
    """The words name a side and read for the left one: the handout says to swap them."""
    blocked: tuple[str, ...] = ()
    """Why the person should leave this step out, in plain words (nothing: do it)."""


@dataclass(frozen=True, slots=True)
class Handout:
    """A programme as the handout prints it."""

    title: str
    total: str
    """How long a session takes, in words ("5 min 55 s")."""
    days_per_week: int
    steps: tuple[HandoutStep, ...]
    note: str = ""
    client_name: str = ""
    therapist: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    on_hold: bool = False
    """The person's last safety check asks them to see a doctor first."""


def render_handout(handout: Handout) -> SafeString:
    """The handout as HTML (its heading, steps and footer), for a page to place."""
    return mark_safe(render_to_string("exports/handout.html", {"handout": handout}))
