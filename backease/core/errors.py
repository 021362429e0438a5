"""The one error type of the core layer."""

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
