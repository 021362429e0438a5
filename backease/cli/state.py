"""The stored safety state, as the terminal commands use it.

The screen, the profile, today's plan and the turned-off techniques live in the same
store as the web app's (`backease.store.services`); this module only decides when the
store is there, opens it, and describes a stored screening in words. Django is imported
only when a store exists, so a first `backease plan` on a new computer stays instant.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backease.core.screening import ScreeningResult
    from backease.store.models import Screening

DATABASE_FILE = "backease.sqlite3"
"""The SQLite file in the data folder; `backease.web.settings` uses the same name."""


def database_file() -> Path:
    """Where the SQLite store lives when DATABASE_URL is not set (as in the settings)."""
    configured = os.environ.get("BACKEASE_DATA_DIR")
    if configured:
        return Path(configured) / DATABASE_FILE
    import platformdirs

    return Path(platformdirs.user_data_dir("backease", appauthor=False)) / DATABASE_FILE


def store_exists() -> bool:
    """True when there may be stored data: a database server is configured, the SQLite
    file exists, or Django is already set up in this process (the web app, the tests)."""
    if os.environ.get("DATABASE_URL"):
        return True
    if "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            return True
    return database_file().exists()


def open_store() -> None:
    """Set up Django and bring the database up to date (quietly) before first use."""
    from backease.store.setup import pending_migrations, setup

    setup()
    if pending_migrations():
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    global ZONE
    ZONE = owner_zone()


ZONE: tzinfo | None = None
"""The zone the terminal shows times in: the local owner's (set by `open_store`)."""


def owner_zone() -> tzinfo:
    """The local owner's time zone (this computer's until they choose one); in server mode,
    where the terminal has no owner, this computer's."""
    from django.conf import settings

    from backease.core.zones import system_zone_name, zone
    from backease.store.models import LOCAL_OWNER, Person
    from backease.store.zones import zone_named

    if getattr(settings, "MODE", "personal") == "server":
        return zone(system_zone_name())
    return zone_named(Person.objects.filter(key=LOCAL_OWNER).values_list("time_zone", flat=True).first())


def local_time(moment: datetime) -> str:
    """A stored time in the person's time zone (`backease settings --tz`; this computer's
    until one is chosen)."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def result_of(row: Screening) -> ScreeningResult:
    """A stored screening as the core's result (for printing its reasons)."""
    from backease.core.screening import Reason, ScreeningResult

    reasons = tuple(
        Reason(str(r.get("question", "")), str(r.get("message", "")), str(r.get("source", "")))
        for r in row.reasons
    )
    return ScreeningResult(row.level, reasons, tuple(row.precautions), row.advice)  # type: ignore[arg-type]


def screening_json(row: Screening | None, source: str) -> dict[str, Any]:
    """Which safety check a plan used: `stored` (with its id and time), `answers` (a
    file, not stored) or `none` (no check yet)."""
    if row is None:
        return {"source": source, "id": None, "created_at": None}
    return {"source": source, "id": row.id, "created_at": row.created_at.isoformat(), "level": row.level}


LEVEL_WORDS = {
    "emergency": "a sign that needs emergency help",
    "urgent": "a sign that needs a doctor today",
    "soon": "a sign that needs a clinician within days",
    "self_care_with_precautions": "self-care, with limits",
    "self_care": "self-care",
}


def describe(row: Screening) -> str:
    """'your safety check of 2026-11-27 14:05 (self-care, with limits)'."""
    return f"your safety check of {local_time(row.created_at)} ({LEVEL_WORDS.get(row.level, row.level)})"


def refusal(row: Screening | None) -> str:
    """The one line `backease session` prints when it will not start, saying why and what to do."""
    if row is None:
        return (
            "no session: there is no safety check yet and no terminal to ask it in; "
            "run `backease screen` (or `backease start`) in a terminal first"
        )
    when = local_time(row.created_at)
    if row.level == "emergency":
        return (
            f"no session: your safety check of {when} found a sign that needs emergency help; "
            "call your emergency number now (if an answer was a mistake, run `backease screen` again)"
        )
    return (
        f"no session: your safety check of {when} advises seeing a doctor today, not self-massage; "
        "once a doctor has checked you, run `backease screen` again"
    )
