"""The `safety` context processor: what every page needs to know about the last screen.

base.html shows a banner on every page when the last safety check advised seeing a
clinician (`soon`, or worse) or when logged pain rose by 3 or more points since it
(SCREENING.md: the screen is offered again then).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from backease.content.loader import load_content
from backease.store import services


def safety(request: HttpRequest) -> dict[str, Any]:
    """`safety`: level, advice and the title that goes with it, whether a screen exists,
    and whether a re-check is due.

    One query (`services.safety_state`), run only when a template uses `safety`, and
    at most once per request."""

    def state() -> dict[str, Any]:
        cached = getattr(request, "_backease_safety", None)
        if cached is None:
            rows = getattr(request, "_backease_state_rows", None)
            owner = getattr(request, "person_ref", None)  # None: signed out (server mode)
            if rows is None and owner is not None:
                rows = services.state_rows(owner=owner)
            found = services.safety_state(rows) if rows is not None else None
            cached = {
                "screened": found is not None and found.screened,
                "level": found.level if found is not None else "",
                "advice": found.advice if found is not None else "",
                # The result's title, saying what the advice says (Content.result_title).
                "title": load_content().result_title(found.level, found.advice) if found is not None else "",
                "needs_recheck": found is not None and found.needs_recheck,
            }
            request._backease_safety = cached  # type: ignore[attr-defined]
        return cached

    return {"safety": SimpleLazyObject(state)}
