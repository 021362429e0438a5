"""`backease export ...` and `backease import FILE` (see docs/exports.md).

    backease export csv --what sessions|steps|pain [-o FILE]
    backease export backup [-o FILE]      full JSON backup
    backease export fhir [-o FILE]        FHIR R4 Bundle of pain and stress Observations
    backease export ics [-o FILE]         the planned sessions as a calendar
    backease export report [-o FILE]      the printable clinician report (HTML)
    backease import FILE                  restore a backup into an empty store

Output goes to stdout unless `-o FILE` is given; the file is then written whole or
not at all (a temporary file next to it, renamed into place), readable only by you.
Django is imported inside the commands, so the rest of the CLI stays fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backease.core.errors import InputError

if TYPE_CHECKING:
    from backease.store.models import Person

CSV_KINDS = ("sessions", "steps", "pain")

export_app = typer.Typer(
    help="Export your data: CSV, a full backup, FHIR, a calendar, or the clinician report.",
    no_args_is_help=True,
)

OutputOption = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="Write to this file instead of the screen.", show_default=False),
]


# --- helpers ------------------------------------------------------------------------------


def _person() -> Person:
    from backease.cli.store_commands import _store

    _store()
    from backease.store import services

    return services.local_owner()


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("output", f"folder not found: {folder}")
    if path.is_dir():
        raise InputError("output", f"{path} is a folder; give a file name")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError("output", f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise InputError("output", f"cannot write {path}: {exc.strerror or exc}") from None


def _emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    write_atomically(output, text.encode("utf-8"))
    sys.stderr.write(f"Saved {what} to {output}.\n")


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


# --- export -------------------------------------------------------------------------------


@export_app.command("csv")
def export_csv(
    what: Annotated[str, typer.Option("--what", help="sessions, steps or pain (the diary).")] = "sessions",
    output: OutputOption = None,
) -> None:
    """Sessions, their steps, or your pain diary as CSV."""
    if what not in CSV_KINDS:
        raise InputError("what", f"unknown export '{what}'", CSV_KINDS)
    person = _person()
    from backease.exports import csv_export

    make = {"sessions": csv_export.sessions_csv, "steps": csv_export.steps_csv, "pain": csv_export.pain_csv}
    _emit(make[what](person), output, f"the {what} CSV")


@export_app.command("backup")
def export_backup(output: OutputOption = None) -> None:
    """Everything stored, as one JSON file that `backease import` can restore."""
    person = _person()
    from backease.exports.backup import make_backup

    _emit(_json(make_backup(person)), output, "the backup")


@export_app.command("fhir")
def export_fhir(output: OutputOption = None) -> None:
    """Your pain and stress ratings as a FHIR R4 Bundle (JSON) for a clinic's system."""
    person = _person()
    from backease.exports.fhir import fhir_bundle

    _emit(_json(fhir_bundle(person)), output, "the FHIR bundle")


@export_app.command("ics")
def export_ics(output: OutputOption = None) -> None:
    """Your planned session days and time as a calendar file (.ics)."""
    person = _person()
    from django.utils import timezone

    from backease.exports.ics import calendar_ics

    _emit(calendar_ics(person, timezone.now()).decode("utf-8"), output, "the calendar")


@export_app.command("report")
def export_report(output: OutputOption = None) -> None:
    """The one-page clinician report as HTML (open it in a browser to print)."""
    person = _person()
    from django.utils import timezone

    from backease.exports.report import render_report

    # for_file: a page that works offline, without the links that only work on the site.
    _emit(render_report(person, timezone.now(), for_file=True), output, "the report")


# --- import -------------------------------------------------------------------------------


def import_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `backease export backup`.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable line.")] = False,
) -> None:
    """Restore a backup into an empty backease (nothing is changed if anything is wrong)."""
    from backease.cli.store_commands import _store

    _store()
    from backease.exports.backup import load_backup, restore_backup

    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise InputError("file", f"file not found: {file}") from None
    except IsADirectoryError:
        raise InputError("file", f"{file} is a folder, not a file") from None
    except OSError as exc:
        raise InputError("file", f"cannot read {file}: {exc.strerror or exc}") from None
    with handle:
        try:
            data = load_backup(handle, "file")
        except OSError as exc:
            raise InputError("file", f"cannot read {file}: {exc.strerror or exc}") from None
        counts = restore_backup(data)  # reads the file again, record by record
    if json_:
        sys.stdout.write(_json({"restored": counts}))
        return
    parts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    sys.stdout.write(f"Restored: {parts}.\n")


# --- registration -------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    """Add `export ...` and `import` to the `backease` app."""
    app.add_typer(export_app, name="export")
    app.command("import")(import_command)
