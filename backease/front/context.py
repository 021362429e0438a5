"""The `safety` context processor: what every page needs to know about the last screen.

base.html shows a banner on every page when the last safety check advised seeing a
clinician (`soon`, or worse) or when logged pain rose by 3 or more points since it
(SCREENING.md: the screen is offered again then).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from backease.store import services


def safety(request: HttpRequest) -> dict[str, Any]:
    """`safety`: level, advice, whether a screen exists, and whether a re-check is due."""
    person = services.local_owner()
    row = services.latest_screening(person)
    return {
        "safety": {
            "screened": row is not None,
            "level": row.level if row is not None else "",
            "advice": row.advice if row is not None else "",
            "needs_recheck": services.needs_recheck(person),
        }
    }
