"""The error types of the core layer: bad input, and input that conflicts with what is stored."""

from __future__ import annotations

from collections.abc import Iterable


class InputError(ValueError):
    """Input that the core cannot accept. Names the field and what is allowed.

    The CLI prints `str(error)` as one line and exits with code 2; the API turns it
    into a 4xx JSON body with `field` and `message`.
    """

    def __init__(self, field: str, message: str, allowed: Iterable[str] | None = None) -> None:
        self.field = field
        self.message = message
        self.allowed = tuple(allowed) if allowed is not None else ()
        text = f"{field}: {message}"
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        super().__init__(text)


class Conflict(InputError):
    """Input that is fine in itself but conflicts with what is stored now, e.g. a status
    for a session that has already ended. The API answers 409; elsewhere it is an
    InputError like any other (CLI exit 2, a form names the field)."""


class Missing(InputError):
    """Input that names something that does not exist, e.g. a step past the end of a
    plan. The API answers 404; elsewhere it is an InputError like any other."""


class SafetyStop(Conflict):
    """A session refused or ended because the person's safety level is now `urgent` or
    `emergency` (SCREENING.md: a running session stops at once and never resumes).

    Carries the level and the screening's advice, so every front end can say why and what
    to do: the API answers 409 with `reason: "safety"`, the players stop and show the advice.
    """

    reason = "safety"

    def __init__(self, level: str, advice: str) -> None:
        self.level = level
        self.advice = advice
        message = (
            "your latest safety check says to call emergency services now: this session has stopped"
            if level == "emergency"
            else "your latest safety check says to see a doctor first: this session has stopped"
        )
        super().__init__("session", message)
