"""A full JSON backup of one person's data, and its lossless restore (docs/exports.md).

`make_backup(person)` returns everything stored for the person: the person, the
profile (with the planned schedule), screenings, plans, sessions with their step
logs, pain diary entries and technique choices, each with its id and timestamps.
Not the keys of recent saves (`WriteKey`): they are kept a week only, and a save sent
again after a restore sets the same values in the same order (docs/exports.md).

Programmes (`ProgrammeRun`, with each run's decided weeks and check-ins nested in it) are in
the optional section `programmes`, left out when there are none, so a backup without them
(every backup made before programmes existed) restores as before.

`restore_backup(data)` puts such a backup into an empty store, with the same ids and
the same timestamps. It checks the whole file first (format, schema version, every
field of every record, the links between records) and writes nothing unless all of
it is good; the writes then happen in one transaction.
"""

from __future__ import annotations

import codecs
import math
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

import ijson
import pydantic
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

import backease
from backease.core import planner, programme
from backease.core.errors import InputError
from backease.core.reminders import parse_quiet
from backease.core.vocab import INTENSITIES, LEVELS, REGIONS, SIDES
from backease.core.zones import check_zone
from backease.exports import shapes
from backease.store import services
from backease.store.models import (
    LOCAL_OWNER,
    CheckIn,
    PainEntry,
    Person,
    Plan,
    Profile,
    ProgrammeRun,
    ProgrammeWeek,
    Screening,
    Session,
    StepLog,
    TechniqueChoice,
)

FORMAT = "backease-backup"
SCHEMA_VERSION = 1
ADDED_FIELDS: dict[str, Any] = {"clearance": None, "time_zone": "", "quiet_hours": "", "reminders_on": True}
"""Fields added after backups were first written, with the value a backup without one reads
as (null; "" for a time zone not chosen or no quiet hours; reminders on)."""
SECTIONS = (
    "person",
    "profile",
    "screenings",
    "plans",
    "sessions",
    "pain_entries",
    "technique_choices",
    "programmes",
)
OPTIONAL_SECTIONS = ("programmes",)
"""Sections added after backups were first written: absent means none (and left out when empty)."""
HEADER = ("format", "schema_version", "app_version", "exported_at")
TECHNIQUE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
"""Step logs and choices keep technique ids as they were: a later content version may
have renamed a technique, and the history must still restore."""

INSERT_BATCH = 500
PLAN_BATCH = 25
"""Plans are written fewer at a time when restoring a file: each holds a whole plan (kilobytes)."""

MODELS: tuple[type[models.Model], ...] = (
    Person,
    Profile,
    Screening,
    Plan,
    Session,
    StepLog,
    PainEntry,
    TechniqueChoice,
    ProgrammeRun,
    ProgrammeWeek,
    CheckIn,
)


# --- making a backup ----------------------------------------------------------------------


NOT_BACKED_UP = ("person", "key", "user", "snoozed_until", "calendar_token")
"""Links to the person (implied), `Person.key` (the restored person is the local owner),
`Person.user` (server mode's account: a backup holds self-care data, not sign-in details),
and two things of the moment rather than of the history: a reminder's snooze and the secret
of the subscribable calendar URL (a restored person makes a new one; docs/reminders.md).
The reminders' delivery bookkeeping (backease.reminders) is not backed up either."""


def _fields(model: type[models.Model], skip: tuple[str, ...] = ()) -> list[models.Field[Any, Any]]:
    """The stored fields of a model, as the backup names them (foreign keys by `*_id`)."""
    return [f for f in model._meta.concrete_fields if f.name not in (*NOT_BACKED_UP, *skip)]


def _dump(row: models.Model, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in _fields(type(row), skip):
        value = getattr(row, field.attname)
        if field.attname in ADDED_FIELDS and value == ADDED_FIELDS[field.attname]:
            continue  # left out when empty, so backups stay as earlier versions wrote them
        data[field.attname] = value.isoformat() if isinstance(value, datetime | date) else value
    return data


def _index(log: StepLog) -> int:
    return log.index


def make_backup(person: Person) -> dict[str, Any]:
    """Everything stored for the person, as JSON-ready data."""
    profile = Profile.objects.filter(person=person).first()
    found = Session.objects.filter(person=person).order_by("id").prefetch_related("steps")
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": backease.__version__,
        "exported_at": timezone.now().isoformat(),
        "person": _dump(person),
        "profile": _dump(profile) if profile is not None else None,
        "screenings": [_dump(s) for s in Screening.objects.filter(person=person).order_by("id")],
        "plans": [_dump(p) for p in Plan.objects.filter(person=person).order_by("id")],
        "sessions": [
            {
                **_dump(s),
                "steps": [
                    _dump(log, ("session",)) for log in sorted(s.steps.all(), key=lambda log: log.index)
                ],
            }
            for s in found
        ],
        "pain_entries": [_dump(e) for e in PainEntry.objects.filter(person=person).order_by("id")],
        "technique_choices": [_dump(c) for c in TechniqueChoice.objects.filter(person=person).order_by("id")],
        **_programmes(person),
    }


def _programmes(person: Person) -> dict[str, Any]:
    """The `programmes` section (left out when there are none): each run with its decided
    weeks and its check-ins."""
    runs = (
        ProgrammeRun.objects.filter(person=person)
        .order_by("id")
        .prefetch_related("programme_weeks", "checkins")
    )
    if not runs:
        return {}
    return {
        "programmes": [
            {
                **_dump(run),
                "decided_weeks": [_dump(w, ("run",)) for w in sorted(run.programme_weeks.all(), key=_week)],
                "checkins": [_dump(c, ("run",)) for c in sorted(run.checkins.all(), key=_week)],
            }
            for run in runs
        ]
    }


def _week(row: Any) -> int:
    return int(row.week)


# --- reading a backup ---------------------------------------------------------------------


MAX_BYTES = 150 * 1024 * 1024
"""The largest backup read: 20 years of daily sessions (about 5.8 MB a year) with room."""
READ_CHUNK = 1024 * 1024
MAX_JSON_DEPTH = 12
"""Nesting allowed inside a stored JSON value (a plan is 4 deep)."""
MAX_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1


MAX_PARSE_DEPTH = 256
"""Nesting the reader follows at all (a stored value may be MAX_JSON_DEPTH deep)."""
MAX_RECORD = 1_000_000
"""The most one record (a session with its steps, a plan...) may hold: values plus characters
of text, about a megabyte of JSON. The largest in ten years of daily use is about 20 kB."""
LIST_SECTIONS = ("screenings", "plans", "sessions", "pain_entries", "technique_choices", "programmes")
STREAMED = "(records read one at a time)"
"""Stands for a list section in BackupFile.members: its records are read when restoring."""


class _Reader:
    """The backup's bytes for the parser: never past MAX_BYTES, and UTF-8 or refused. A
    stream that cannot seek (a pipe) is copied to a temporary file on the way, to be read
    again when restoring."""

    def __init__(self, stream: IO[bytes], field: str, copy: IO[bytes] | None = None) -> None:
        self.stream, self.field, self.copy = stream, field, copy
        self.size = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(READ_CHUNK if size is None or size < 0 else min(size, READ_CHUNK))
        self.size += len(chunk)
        if self.size > MAX_BYTES:
            limit = MAX_BYTES // (1024 * 1024)
            raise InputError(self.field, f"is too big: a backease backup is at most {limit} MB")
        try:
            self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise InputError(self.field, "is not UTF-8 text, so not a backease backup") from None
        if self.copy is not None:
            self.copy.write(chunk)
        return chunk


def _parse_error(exc: Exception) -> str:
    """What ijson's parser (yajl) found wrong, in the words load_backup always used."""
    text = str(exc)
    constant = re.search(r"[:\[,]\s*-?(NaN|Infinity)", text)
    if constant:
        return f"is not a backease backup: JSON has no {constant.group(1)}"
    if "overflow" in text:
        return "is not a backease backup: it holds a number too large to store"
    first = (text.strip().splitlines() or ["it ends too early"])[0].strip()
    if first.lower().startswith("incomplete"):
        first = "it ends too early"
    return f"is not valid JSON ({first})"


def _events(reader: _Reader) -> Iterator[tuple[str, Any]]:
    """The parser's events, nested at most MAX_PARSE_DEPTH deep; any fault an InputError."""
    depth = 0
    try:
        for event, value in ijson.basic_parse(reader, use_float=True, buf_size=READ_CHUNK):
            if event == "start_map" or event == "start_array":
                depth += 1
                if depth > MAX_PARSE_DEPTH:
                    raise InputError(reader.field, "is not a backease backup: its JSON is nested too deeply")
            elif event == "end_map" or event == "end_array":
                depth -= 1
            yield event, value
    except ijson.JSONError as exc:
        raise InputError(reader.field, _parse_error(exc)) from None
    except UnicodeDecodeError:  # the parser's own decoding of a \\u escape: a lone surrogate
        raise InputError(reader.field, "holds text that is not valid Unicode (a lone surrogate)") from None


def _value_of(events: Iterator[tuple[str, Any]], first: tuple[str, Any], where: str, build: bool) -> Any:
    """One JSON value from its first event on, built (or only walked, `build` False) and at
    most MAX_RECORD values and characters."""
    event, value = first
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder() if build else None
    weight, depth = 1, 1
    if builder is not None:
        builder.event(event, value)
    for event, value in events:
        if event == "start_map" or event == "start_array":
            depth += 1
        elif event == "end_map" or event == "end_array":
            depth -= 1
        elif isinstance(value, str):
            weight += len(value)
        weight += 1
        if weight > MAX_RECORD:
            raise InputError(
                where, f"is too large for one record (over {MAX_RECORD:,} values and characters)"
            )
        if builder is not None:
            builder.event(event, value)
        if depth == 0:
            return builder.value if builder is not None else None
    raise InputError(where, "is cut short")  # the parser says so first


def _top_level(reader: _Reader, build_lists: bool) -> Iterator[tuple[str, int | None, Any]]:
    """(name, None, value) for each top-level member, and (name, index, record) for each
    record of a list section, in file order, one at a time. Unknown members are walked,
    never built (the caller refuses them by name)."""
    events = _events(reader)
    first = next(events, None)
    if first is None or first[0] != "start_map":
        _drain(events)
        raise InputError("backup", "is not a backease backup (expected a JSON object)")
    for event, value in events:
        if event == "end_map":
            _drain(events)
            return
        name = str(value)
        start = next(events)
        known = name in HEADER or name in SECTIONS
        if name in LIST_SECTIONS and start[0] == "start_array":
            yield name, None, STREAMED
            index = 0
            for item in events:
                if item[0] == "end_array":
                    break
                yield name, index, _value_of(events, item, f"{name}[{index}]", build_lists)
                index += 1  # noqa: SIM113 (items read the same events)
            continue
        yield name, None, _value_of(events, start, name, known)


def _drain(events: Iterator[tuple[str, Any]]) -> None:
    """Read to the end, so that trailing garbage is refused as the parser sees it."""
    for _ in events:
        pass


class BackupFile:
    """A backup to restore record by record (see `load_backup`): its top-level members in
    file order (list sections as STREAMED), with the header values, the person and the
    profile, and a way to read its records again."""

    def __init__(self, stream: IO[bytes], field: str) -> None:
        self.stream, self.field = stream, field
        self.members: dict[str, Any] = {}

    def _read(self, reader: _Reader) -> None:
        for name, index, value in _top_level(reader, build_lists=False):
            if index is None:
                self.members[name] = value

    def records(self) -> Iterator[tuple[str, int, Any]]:
        """Every record of the list sections, in file order, built one at a time."""
        self.stream.seek(0)
        for name, index, value in _top_level(_Reader(self.stream, self.field), build_lists=True):
            if index is not None:
                yield name, index, value


def load_backup(stream: IO[bytes], field: str = "backup") -> BackupFile:
    """A backup file, read once to check it is one JSON object of at most MAX_BYTES, in
    UTF-8, nested at most MAX_PARSE_DEPTH deep, without NaN or Infinity, and with no record
    over MAX_RECORD; `restore_backup` reads it again, record by record. Only the header,
    the person and the profile are kept in memory, so a backup of 150 MB is restored in a
    bounded amount of memory (tests/test_backup_memory.py measures it).

    Every way the bytes can be wrong is an InputError naming `field`.
    """
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)
        backup = BackupFile(stream, field)
        backup._read(_Reader(stream, field))
        return backup
    copy = tempfile.TemporaryFile()  # noqa: SIM115 (a pipe: kept, to be read again)
    backup = BackupFile(copy, field)
    backup._read(_Reader(stream, field, copy))
    return backup


def _no_constant(name: str) -> object:
    raise InputError("backup", f"is not a backease backup: JSON has no {name}")


def _text(raw: str, where: str) -> str:
    """Text a database can store: no NUL characters, no lone surrogates."""
    if "\x00" in raw:
        raise InputError(where, "must not contain NUL characters")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(where, "must be valid Unicode text") from None
    return raw


def _json_value(raw: object, where: str) -> object:
    """A stored JSON value: nested at most MAX_JSON_DEPTH deep, plain text, finite numbers."""
    pending: list[tuple[object, int]] = [(raw, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(where, f"is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
        if isinstance(value, dict):
            for key, item in value.items():
                _text(key, where)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _text(value, where)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(where, "must hold finite numbers only")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
            raise InputError(where, "holds a number too large to store")
    return raw


def _value(field: models.Field[Any, Any], raw: object, where: str) -> object:
    """A JSON value checked against the field's type and range (no silent conversions)."""
    if raw is None:
        if field.null:
            return None
        raise InputError(where, "must not be empty (null)")
    if isinstance(field, models.DateTimeField):
        if not isinstance(raw, str):
            raise InputError(where, "must be a date and time in ISO 8601 form")
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InputError(where, f"'{raw[:40]}' is not a date and time in ISO 8601 form") from None
        return services.check_moment(where, moment)
    if isinstance(field, models.DateField):
        if not isinstance(raw, str):
            raise InputError(where, "must be a date as YYYY-MM-DD")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InputError(where, f"'{raw[:40]}' is not a date as YYYY-MM-DD") from None
    if isinstance(field, models.BooleanField):
        if not isinstance(raw, bool):
            raise InputError(where, "must be true or false")
        return raw
    if isinstance(field, models.IntegerField | models.ForeignKey):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InputError(where, "must be a whole number")
        if isinstance(field, models.AutoField | models.ForeignKey):
            if not 1 <= raw <= MAX_ID:
                raise InputError(where, "must be a positive id")
            return raw
        # The column's range on every database (SQLite alone would take more).
        low, high = BaseDatabaseOperations.integer_field_ranges.get(
            field.get_internal_type(), (-MAX_NUMBER - 1, MAX_NUMBER)
        )
        if not low <= raw <= high:
            raise InputError(where, f"must be a whole number from {low} to {high}")
        return raw
    if isinstance(field, models.CharField | models.TextField):
        if not isinstance(raw, str):
            raise InputError(where, "must be text")
        return _text(raw, where)
    return _json_value(raw, where)  # JSONField: any JSON; checked by the record's own checks


def _record(
    model: type[models.Model],
    raw: object,
    where: str,
    check: Callable[[dict[str, Any]], None] | None = None,
    skip: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
) -> tuple[dict[str, Any], models.Model]:
    """One record of the backup as an unsaved model row, fully checked."""
    if not isinstance(raw, dict):
        raise InputError(where, "must be an object")
    fields = _fields(model, skip)
    names = {f.attname for f in fields}
    unknown = sorted(set(raw) - names - set(extra))
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", "unknown field", sorted(names | set(extra)))
    values: dict[str, Any] = {}
    for field in fields:
        if field.attname not in raw:
            if field.attname in ADDED_FIELDS:  # newer than some backups: absent means none
                values[field.attname] = ADDED_FIELDS[field.attname]
                continue
            raise InputError(f"{where}.{field.attname}", "is missing")
        values[field.attname] = _value(field, raw[field.attname], f"{where}.{field.attname}")
    if check is not None:
        try:
            check(values)
        except InputError as exc:
            raise InputError(f"{where}.{exc.field}", exc.message, exc.allowed) from None
    row = model(**values)
    try:
        # Links between records are checked by the caller (nothing is stored yet), ids
        # are unique in an empty store once they are unique in the file, and JSON
        # fields (where an empty list is a fine value) by the record's own checks.
        exclude = [f.name for f in fields if f.is_relation or isinstance(f, models.JSONField)]
        exclude += ["person", "session", "run"]
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise InputError(f"{where}.{name}", " ".join(messages)) from None
    return values, row


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise InputError(name, "must be a list")
    return value


def _unique(rows: list[models.Model], name: str) -> None:
    seen: set[object] = set()
    for i, row in enumerate(rows):
        if row.pk in seen:
            raise InputError(f"{name}[{i}].id", f"id {row.pk} is used twice")
        seen.add(row.pk)


def _choice(field: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(field, f"unknown {field} '{value}'", allowed)


# Per-record checks: the same rules the services apply to new input.


def _check_person(values: dict[str, Any]) -> None:
    if values["time_zone"]:
        check_zone("time_zone", values["time_zone"])


def _check_profile(values: dict[str, Any]) -> None:
    services.profile_from_data(values)
    days = values["session_days"]
    if not isinstance(days, list) or any(d not in services.WEEKDAYS for d in days):
        raise InputError("session_days", "must be a list of weekdays", services.WEEKDAYS)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", values["session_time"]):
        raise InputError("session_time", "must be a time as HH:MM, e.g. 18:30")
    parse_quiet("quiet_hours", values["quiet_hours"])


def _shown_by(schema: type[pydantic.BaseModel], shown: dict[str, Any]) -> None:
    """Refuse a record the API could not show: its response schema must accept it."""
    try:
        schema.model_validate(shown)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        message = "is missing" if error["type"] == "missing" else error["msg"]
        raise InputError(where or "record", message) from None


def _check_screening(values: dict[str, Any]) -> None:
    _choice("level", values["level"], LEVELS)
    if not isinstance(values["answers"], dict):
        raise InputError("answers", "must be an object of question ids to answers")
    if not isinstance(values["reasons"], list) or not all(isinstance(r, dict) for r in values["reasons"]):
        raise InputError("reasons", "must be a list of objects")
    if not isinstance(values["precautions"], list) or not all(
        isinstance(p, str) for p in values["precautions"]
    ):
        raise InputError("precautions", "must be a list of precaution ids")
    clearance = values.get("clearance")
    if clearance is not None:
        if not isinstance(clearance, dict) or set(clearance) != {"given_on", "rules"}:
            raise InputError("clearance", "must be null or an object with given_on and rules")
        try:
            date.fromisoformat(str(clearance["given_on"]))
        except ValueError:
            raise InputError("clearance.given_on", "must be a date as YYYY-MM-DD") from None
        rules = clearance["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise InputError("clearance.rules", "must be a list of rule ids")
    _shown_by(shapes.ScreeningOut, shapes.screening_out(Screening(**values)))


def _check_plan(values: dict[str, Any]) -> None:
    _choice("level", values["level"], LEVELS)
    if not isinstance(values["profile"], dict):
        raise InputError("profile", "must be an object")
    services.profile_from_data(values["profile"])
    data = values["data"]
    if not isinstance(data, dict):
        raise InputError("data", "must be an object (the plan)")
    try:
        planner.plan_from_record(data)
    except InputError:
        raise
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise InputError("data", f"is not a plan this version can read ({exc.__class__.__name__})") from None
    shown = shapes.plan_out(Plan(**values))
    try:
        _shown_by(shapes.PlanOut, shown)
    except InputError as exc:
        raise InputError(f"data.{exc.field}", exc.message) from None


def _check_session(values: dict[str, Any]) -> None:
    for name in ("pain_before", "pain_after", "stress_before", "stress_after"):
        services.check_score(name, values[name], optional=True)
    services.check_note("notes", values["notes"])
    services.check_note("stop_reason", values["stop_reason"])


def _check_step(values: dict[str, Any]) -> None:
    if not TECHNIQUE_ID.fullmatch(values["technique"]):
        raise InputError("technique", f"'{values['technique'][:40]}' is not a technique id")
    _choice("side", values["side"], SIDES)
    _choice("intensity", values["intensity"], INTENSITIES)
    _choice("feedback", values["feedback"], ("", *services.FEEDBACK))
    if values["seconds_done"] > 3600:
        raise InputError("seconds_done", "must be a whole number of seconds from 0 to 3600")


def _check_entry(values: dict[str, Any]) -> None:
    _choice("region", values["region"], ("", *REGIONS))
    services.check_score("pain", values["pain"])
    services.check_score("stress", values["stress"], optional=True)
    services.check_note("note", values["note"])


def _check_choice(values: dict[str, Any]) -> None:
    if not TECHNIQUE_ID.fullmatch(values["technique"]):
        raise InputError("technique", f"'{values['technique'][:40]}' is not a technique id")


def _check_run(values: dict[str, Any]) -> None:
    _choice("status", values["status"], programme.STATUSES)
    _choice("source", values["source"], programme.SOURCES)
    programme.check_weeks("weeks", values["weeks"])


def _check_programme_week(values: dict[str, Any]) -> None:
    _choice("action", values["action"], programme.ACTIONS)
    dose = values["dose"]
    keys = ("minutes", "hold_seconds", "rolling_seconds", "rounds", "sessions_per_week", "step")
    if (
        not isinstance(dose, dict)
        or dose.get("pressure") not in INTENSITIES
        or any(isinstance(dose.get(k), bool) or not isinstance(dose.get(k), int) for k in keys)
    ):
        raise InputError("dose", f"must be an object of whole numbers ({', '.join(keys)}) and a pressure")
    days = values["planned_days"]
    if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise InputError("planned_days", "must be a list of dates as YYYY-MM-DD")
    for day in days:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise InputError("planned_days", f"'{day[:40]}' is not a date as YYYY-MM-DD") from None


def _check_checkin(values: dict[str, Any]) -> None:
    values["activity"] = programme.check_activity(values["activity"])
    programme.check_pgic(values["pgic"])


def _programme_rows(raw: object, where: str) -> tuple[models.Model, list[models.Model], list[models.Model]]:
    """One run of the `programmes` section, with its decided weeks and check-ins (unsaved,
    linked to the run's id in the file), each checked."""
    _, run = _record(ProgrammeRun, raw, where, _check_run, extra=("decided_weeks", "checkins"))
    assert isinstance(raw, dict)
    children: dict[str, list[models.Model]] = {}
    for key, model, check in (
        ("decided_weeks", ProgrammeWeek, _check_programme_week),
        ("checkins", CheckIn, _check_checkin),
    ):
        found = raw.get(key, [])
        if not isinstance(found, list):
            raise InputError(f"{where}.{key}", "must be a list")
        rows, weeks = [], set()
        for j, child_raw in enumerate(found):
            values, row = _record(model, child_raw, f"{where}.{key}[{j}]", check, skip=("run",))
            if values["week"] in weeks:
                raise InputError(f"{where}.{key}[{j}].week", f"week {values['week']} is listed twice")
            weeks.add(values["week"])
            row.run_id = run.pk  # type: ignore[attr-defined]
            rows.append(row)
        children[key] = rows
    return run, children["decided_weeks"], children["checkins"]


def _one_active(runs: list[models.Model]) -> None:
    active = [i for i, run in enumerate(runs) if run.status == "active"]  # type: ignore[attr-defined]
    if len(active) > 1:
        raise InputError(f"programmes[{active[1]}].status", "only one programme can be active")


class _Parsed:
    """Every row of a backup, checked and ready to insert (nothing saved yet)."""

    def __init__(self, data: object) -> None:
        if not isinstance(data, dict):
            raise InputError("backup", "is not a backease backup (expected a JSON object)")
        if data.get("format") != FORMAT:
            found = data.get("format")
            what = f"'{str(found)[:40]}'" if found is not None else "missing"
            raise InputError("format", f"is {what}: this is not a backease backup (expected '{FORMAT}')")
        version = data.get("schema_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InputError("schema_version", "must be a whole number from 1")
        if version > SCHEMA_VERSION:
            raise InputError(
                "schema_version",
                f"this backup was made by a newer backease (schema {version}); this version reads "
                f"schema {SCHEMA_VERSION}: update backease, then restore it",
            )
        unknown = sorted(set(data) - set(HEADER) - set(SECTIONS))
        if unknown:
            raise InputError(unknown[0], "unknown section", (*HEADER, *SECTIONS))
        missing = [name for name in SECTIONS if name not in data and name not in OPTIONAL_SECTIONS]
        if missing:
            raise InputError(missing[0], "is missing from the backup")
        self.data = data
        self.runs: list[models.Model] = []
        self.programme_weeks: list[models.Model] = []
        self.checkins: list[models.Model] = []

    def check(self) -> None:
        data = self.data
        _, self.person = _record(Person, data["person"], "person", _check_person)
        self.profile: list[models.Model] = []
        if data["profile"] is not None:
            self.profile = [_record(Profile, data["profile"], "profile", _check_profile)[1]]
        self.screenings = [
            _record(Screening, raw, f"screenings[{i}]", _check_screening)[1]
            for i, raw in enumerate(_list(data, "screenings"))
        ]
        self.plans = [
            _record(Plan, raw, f"plans[{i}]", _check_plan)[1] for i, raw in enumerate(_list(data, "plans"))
        ]
        self.sessions: list[models.Model] = []
        self.steps: list[models.Model] = []
        for i, raw in enumerate(_list(data, "sessions")):
            _, session = _record(Session, raw, f"sessions[{i}]", _check_session, extra=("steps",))
            self.sessions.append(session)
            steps = raw.get("steps")
            if not isinstance(steps, list):
                raise InputError(f"sessions[{i}].steps", "must be a list")
            indexes: set[int] = set()
            for j, step_raw in enumerate(steps):
                where = f"sessions[{i}].steps[{j}]"
                values, step = _record(StepLog, step_raw, where, _check_step, skip=("session",))
                if values["index"] in indexes:
                    raise InputError(f"{where}.index", f"step {values['index']} is listed twice")
                indexes.add(values["index"])
                step.session_id = session.pk  # type: ignore[attr-defined]
                self.steps.append(step)
        self.entries = [
            _record(PainEntry, raw, f"pain_entries[{i}]", _check_entry)[1]
            for i, raw in enumerate(_list(data, "pain_entries"))
        ]
        self.choices = [
            _record(TechniqueChoice, raw, f"technique_choices[{i}]", _check_choice)[1]
            for i, raw in enumerate(_list(data, "technique_choices"))
        ]
        for i, raw in enumerate(_list(data, "programmes") if "programmes" in data else []):
            run, weeks, checkins = _programme_rows(raw, f"programmes[{i}]")
            self.runs.append(run)
            self.programme_weeks += weeks
            self.checkins += checkins
        _one_active(self.runs)
        _unique(self.programme_weeks, "decided_weeks")
        _unique(self.checkins, "checkins")
        for name, rows in (
            ("screenings", self.screenings),
            ("plans", self.plans),
            ("sessions", self.sessions),
            ("pain_entries", self.entries),
            ("technique_choices", self.choices),
            ("programmes", self.runs),
        ):
            _unique(rows, name)
        _unique(self.steps, "steps")
        self._check_links()

    def _check_links(self) -> None:
        screenings = {s.pk for s in self.screenings}
        for i, plan in enumerate(self.plans):
            linked = plan.screening_id  # type: ignore[attr-defined]
            if linked is not None and linked not in screenings:
                raise InputError(f"plans[{i}].screening_id", f"no screening with id {linked} in the backup")
        plans = {p.pk for p in self.plans}
        for i, session in enumerate(self.sessions):
            linked = session.plan_id  # type: ignore[attr-defined]
            if linked is not None and linked not in plans:
                raise InputError(f"sessions[{i}].plan_id", f"no plan with id {linked} in the backup")
        techniques: set[str] = set()
        for i, choice in enumerate(self.choices):
            technique = choice.technique  # type: ignore[attr-defined]
            if technique in techniques:
                raise InputError(f"technique_choices[{i}].technique", f"'{technique}' is listed twice")
            techniques.add(technique)

    def counts(self) -> dict[str, int]:
        return {
            "person": 1,
            "profile": len(self.profile),
            "screenings": len(self.screenings),
            "plans": len(self.plans),
            "sessions": len(self.sessions),
            "steps": len(self.steps),
            "pain_entries": len(self.entries),
            "technique_choices": len(self.choices),
            "programmes": len(self.runs),
            "checkins": len(self.checkins),
        }


# --- restoring ----------------------------------------------------------------------------


def store_is_empty() -> bool:
    """True when nothing is stored but, at most, the automatically made local owner."""
    if Person.objects.count() > 1:
        return False
    return not any(model.objects.exists() for model in MODELS if model is not Person)


def _groups(parsed: _Parsed) -> list[tuple[type[models.Model], list[models.Model]]]:
    return [
        (Profile, parsed.profile),
        (Screening, parsed.screenings),
        (Plan, parsed.plans),
        (Session, parsed.sessions),
        (StepLog, parsed.steps),
        (PainEntry, parsed.entries),
        (TechniqueChoice, parsed.choices),
        (ProgrammeRun, parsed.runs),
        (ProgrammeWeek, parsed.programme_weeks),
        (CheckIn, parsed.checkins),
    ]


def _insert(model: type[models.Model], rows: list[models.Model]) -> None:
    """Insert rows keeping their timestamps (bulk_create would stamp "now")."""
    if not rows:
        return
    stamps = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [[getattr(row, f.attname) for f in stamps] for row in rows]
    if all(row.pk is not None for row in rows) or connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(rows, batch_size=INSERT_BATCH)  # type: ignore[attr-defined]
    else:  # new ids, and a database that cannot say which: one insert per row
        for row in rows:
            row.save(force_insert=True)
    if stamps:
        _put_back(model, stamps, rows, saved)


def _write(parsed: _Parsed) -> None:
    person = parsed.person
    person.key = LOCAL_OWNER  # type: ignore[attr-defined]
    Person.objects.all().delete()  # the empty, automatically made owner, if any
    _insert(Person, [person])
    for model, rows in _groups(parsed):
        for row in rows:
            if hasattr(row, "person_id"):
                row.person_id = person.pk
        _insert(model, rows)
    _reset_sequences()
    services.rebuild_aggregates(person.pk)  # derived facts and totals (not in the backup)


def _write_into(parsed: _Parsed, person: Person) -> None:
    """The backup's records as `person`'s, each with a new id (links between them follow)."""
    new_ids: dict[type[models.Model], dict[int, int]] = {}
    links = {
        Plan: ("screening_id", Screening),
        Session: ("plan_id", Plan),
        StepLog: ("session_id", Session),
        ProgrammeWeek: ("run_id", ProgrammeRun),
        CheckIn: ("run_id", ProgrammeRun),
    }
    for model, rows in _groups(parsed):
        old_ids = [row.pk for row in rows]
        for row in rows:
            row.pk = None
            if hasattr(row, "person_id"):
                row.person_id = person.pk
            if model in links:
                attname, target = links[model]
                old = getattr(row, attname)
                if old is not None:
                    setattr(row, attname, new_ids[target][old])
        _insert(model, rows)
        new_ids[model] = {old: row.pk for old, row in zip(old_ids, rows, strict=True)}
    services.rebuild_aggregates(person.pk)


def person_is_empty(person: Person) -> bool:
    """True when nothing but the person row itself is stored for `person`."""
    return not any(
        model.objects.filter(person=person).exists()  # type: ignore[attr-defined]
        for model in MODELS
        if model not in (Person, StepLog, ProgrammeWeek)  # these hang off sessions and runs
    )


def _put_back(
    model: type[models.Model], stamps: list[Any], rows: list[models.Model], saved: list[list[Any]]
) -> None:
    """bulk_create stamps auto_now / auto_now_add fields with "now": put the saved ones back.

    One parameterised UPDATE run for every row (executemany): linear and quick, where
    bulk_update's CASE expressions grow with the batch.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = %s" for f in stamps)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_value(value, connection) for f, value in zip(stamps, values, strict=True)] + [row.pk]
        for row, values in zip(rows, saved, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for row, values in zip(rows, saved, strict=True):
        for f, value in zip(stamps, values, strict=True):
            setattr(row, f.attname, value)


def _reset_sequences() -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def restore_backup(data: object, into: Person | None = None) -> dict[str, int]:
    """Restore a backup into an empty store; returns how many records of each kind.

    `into`, a person with an account (server mode): the backup becomes that person's
    own records instead, with new ids, and only while they have none yet; no other
    person's rows are read or changed. Without an account (the local owner), the whole
    store must be empty and the records keep their ids.

    Raises InputError, and changes nothing, when the data is not a backease backup, was
    made by a newer schema, has any bad record, or when the store (or the person) is not empty.
    """
    account = into if into is not None and into.user_id is not None else None  # type: ignore[attr-defined]
    if isinstance(data, BackupFile):
        return _restore_file(data, account)
    if account is not None:
        return _restore_into(data, account)
    parsed = _Parsed(data)
    if not store_is_empty():
        raise InputError(
            "store",
            "is not empty: a backup can only be restored into an empty backease "
            "(start one with a new data directory, BACKEASE_DATA_DIR, or a new database)",
        )
    parsed.check()
    try:
        with transaction.atomic():
            if not store_is_empty():  # something was saved meanwhile
                raise InputError("store", "is not empty: something was saved while the backup was read")
            _write(parsed)
    except DatabaseError as exc:
        raise InputError(
            "backup", f"could not be restored ({exc.__class__.__name__}); nothing was changed"
        ) from None
    return parsed.counts()


def _restore_into(data: object, person: Person) -> dict[str, int]:
    parsed = _Parsed(data)
    refused = "already holds your data: a backup can only be restored into an account with none yet"
    if not person_is_empty(person):
        raise InputError("account", refused)
    parsed.check()
    try:
        with transaction.atomic():
            Person.objects.select_for_update().filter(pk=person.pk).first()  # one restore at a time
            if not person_is_empty(person):
                raise InputError("account", refused)
            _write_into(parsed, person)
    except DatabaseError as exc:
        raise InputError(
            "backup", f"could not be restored ({exc.__class__.__name__}); nothing was changed"
        ) from None
    return parsed.counts()


# --- restoring a file, record by record ---------------------------------------------------


def _restore_file(backup: BackupFile, into: Person | None) -> dict[str, int]:
    """`restore_backup` for a BackupFile: the same checks, one record at a time.

    The header, the person and the profile are checked first (with the same words as for
    a backup in memory); then each record is checked and written as it is read, in one
    transaction, so that any bad record undoes everything. A record may link only to records
    before it in the file (a plan to its screening, a session to its plan), as every backup
    backease writes does; memory holds one batch of rows and the ids seen so far."""
    _Parsed(backup.members)
    for name in LIST_SECTIONS:
        if backup.members.get(name, STREAMED) != STREAMED:
            raise InputError(name, "must be a list")
    _, person = _record(Person, backup.members["person"], "person")
    profile = []
    if backup.members["profile"] is not None:
        profile = [_record(Profile, backup.members["profile"], "profile", _check_profile)[1]]
    refused = "already holds your data: a backup can only be restored into an account with none yet"
    if into is None and not store_is_empty():
        raise InputError(
            "store",
            "is not empty: a backup can only be restored into an empty backease "
            "(start one with a new data directory, BACKEASE_DATA_DIR, or a new database)",
        )
    if into is not None and not person_is_empty(into):
        raise InputError("account", refused)
    try:
        with transaction.atomic():
            if into is None:
                if not store_is_empty():
                    raise InputError("store", "is not empty: something was saved while the backup was read")
                person.key = LOCAL_OWNER  # type: ignore[attr-defined]
                Person.objects.all().delete()  # the empty, automatically made owner, if any
                _insert(Person, [person])
                writer = _Writer(person, keep_ids=True)
            else:
                Person.objects.select_for_update().filter(pk=into.pk).first()  # one restore at a time
                if not person_is_empty(into):
                    raise InputError("account", refused)
                writer = _Writer(into, keep_ids=False)
            writer.queue(Profile, profile)
            for name, index, raw in backup.records():
                writer.record(name, index, raw)
            writer.flush()
            if into is None:
                _reset_sequences()
            services.rebuild_aggregates(writer.person.pk)
    except DatabaseError as exc:
        raise InputError(
            "backup", f"could not be restored ({exc.__class__.__name__}); nothing was changed"
        ) from None
    return {"person": 1, "profile": len(profile), **writer.counts}


class _Writer:
    """Checks each record as `_Parsed.check` does and writes it in batches, in file order.
    keep_ids: the records keep their ids (the local owner's empty store); otherwise each
    gets a new id and the links between them follow (an account's own records)."""

    def __init__(self, person: Person, keep_ids: bool) -> None:
        self.person, self.keep_ids = person, keep_ids
        self.counts = {"screenings": 0, "plans": 0, "sessions": 0, "steps": 0, "pain_entries": 0}
        self.counts["technique_choices"] = 0
        self.counts["programmes"] = self.counts["checkins"] = 0
        self.seen: dict[str, set[int]] = {
            name: set() for name in (*LIST_SECTIONS, "steps", "decided_weeks", "checkins")
        }
        self.new_ids: dict[str, dict[int, int]] = {"screenings": {}, "plans": {}}
        self.techniques: set[str] = set()
        self.active = False
        self.model: type[models.Model] | None = None
        self.rows: list[models.Model] = []
        self.steps: list[list[models.Model]] = []

    def _unique(self, name: str, where: str, row: models.Model) -> None:
        if row.pk in self.seen[name]:
            raise InputError(f"{where}.id", f"id {row.pk} is used twice")
        self.seen[name].add(row.pk)

    def _linked(self, where: str, linked: int | None, name: str, what: str) -> int | None:
        if linked is None:
            return None
        if linked not in self.seen[name]:
            raise InputError(where, f"no {what} with id {linked} before it in the backup")
        return linked if self.keep_ids else self.new_ids[name][linked]

    def record(self, name: str, index: int, raw: object) -> None:
        where = f"{name}[{index}]"
        if name == "screenings":
            row = _record(Screening, raw, where, _check_screening)[1]
            self._unique(name, where, row)
            self.queue(Screening, [row])
        elif name == "plans":
            row = _record(Plan, raw, where, _check_plan)[1]
            self._unique(name, where, row)
            self.switch(Plan)  # the screenings before it are written: their new ids are known
            row.screening_id = self._linked(  # type: ignore[attr-defined]
                f"{where}.screening_id",
                row.screening_id,  # type: ignore[attr-defined]
                "screenings",
                "screening",
            )
            self.queue(Plan, [row])
        elif name == "sessions":
            row = _record(Session, raw, where, _check_session, extra=("steps",))[1]
            self._unique(name, where, row)
            self.switch(Session)
            row.plan_id = self._linked(f"{where}.plan_id", row.plan_id, "plans", "plan")  # type: ignore[attr-defined]
            steps_raw = raw.get("steps") if isinstance(raw, dict) else None
            if not isinstance(steps_raw, list):
                raise InputError(f"{where}.steps", "must be a list")
            steps, indexes = [], set()
            for j, step_raw in enumerate(steps_raw):
                at = f"{where}.steps[{j}]"
                values, step = _record(StepLog, step_raw, at, _check_step, skip=("session",))
                if values["index"] in indexes:
                    raise InputError(f"{at}.index", f"step {values['index']} is listed twice")
                indexes.add(values["index"])
                if step.pk in self.seen["steps"]:
                    raise InputError(f"steps[{self.counts['steps'] + j}].id", f"id {step.pk} is used twice")
                self.seen["steps"].add(step.pk)
                steps.append(step)
            self.queue(Session, [row], steps)
        elif name == "programmes":
            self._programme(where, raw)
        elif name == "pain_entries":
            row = _record(PainEntry, raw, where, _check_entry)[1]
            self._unique(name, where, row)
            self.queue(PainEntry, [row])
        else:
            row = _record(TechniqueChoice, raw, where, _check_choice)[1]
            self._unique(name, where, row)
            technique = row.technique  # type: ignore[attr-defined]
            if technique in self.techniques:
                raise InputError(f"{where}.technique", f"'{technique}' is listed twice")
            self.techniques.add(technique)
            self.queue(TechniqueChoice, [row])
        self.counts[name] += 1

    def _programme(self, where: str, raw: object) -> None:
        """A run with its decided weeks and check-ins, written at once (a person has few)."""
        run, weeks, checkins = _programme_rows(raw, where)
        self._unique("programmes", where, run)
        for name, rows in (("decided_weeks", weeks), ("checkins", checkins)):
            for j, row in enumerate(rows):
                self._unique(name, f"{where}.{name}[{j}]", row)
        if run.status == "active":  # type: ignore[attr-defined]
            if self.active:
                raise InputError(f"{where}.status", "only one programme can be active")
            self.active = True
        self.switch(ProgrammeRun)
        self.flush()
        run.person_id = self.person.pk  # type: ignore[attr-defined]
        if not self.keep_ids:
            run.pk = None
        _insert(ProgrammeRun, [run])
        for row in [*weeks, *checkins]:
            row.run_id = run.pk  # type: ignore[attr-defined]
            if not self.keep_ids:
                row.pk = None
        for row in checkins:
            row.person_id = self.person.pk  # type: ignore[attr-defined]
        _insert(ProgrammeWeek, weeks)
        _insert(CheckIn, checkins)
        self.counts["checkins"] += len(checkins)

    def queue(
        self, model: type[models.Model], rows: list[models.Model], steps: list[Any] | None = None
    ) -> None:
        """Rows to write; written when INSERT_BATCH are waiting or another kind comes."""
        self.switch(model)
        self.rows.extend(rows)
        if steps is not None:
            self.steps.append(steps)
            self.counts["steps"] += len(steps)
        if len(self.rows) >= (PLAN_BATCH if model is Plan else INSERT_BATCH):
            self.flush()

    def switch(self, model: type[models.Model]) -> None:
        """Write what waits if it is of another kind (so rows are written in file order)."""
        if self.model is not model:
            self.flush()
            self.model = model

    def flush(self) -> None:
        model, rows, steps = self.model, self.rows, self.steps
        self.rows, self.steps = [], []
        if model is None or not rows:
            return
        old_ids = [row.pk for row in rows]
        for row in rows:
            if hasattr(row, "person_id"):
                row.person_id = self.person.pk
            if not self.keep_ids:
                row.pk = None
        _insert(model, rows)
        if model in (Screening, Plan) and not self.keep_ids:
            name = "screenings" if model is Screening else "plans"
            self.new_ids[name].update(zip(old_ids, (row.pk for row in rows), strict=True))
        if model is Session:
            logs = []
            for session, its_steps in zip(rows, steps, strict=True):
                for step in its_steps:
                    step.session_id = session.pk  # type: ignore[attr-defined]
                    if not self.keep_ids:
                        step.pk = None
                    logs.append(step)
            _insert(StepLog, logs)
