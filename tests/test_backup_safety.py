"""Backups that are safe to restore: older backups still restore, and every hostile file
is refused with the usual one-line refusal and nothing changed (a full dump of the store
before and after). Runs on SQLite and, with DATABASE_URL set, on PostgreSQL."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from backease.cli.main import run
from backease.core.errors import InputError
from backease.exports import backup as backup_module
from backease.exports.backup import load_backup, make_backup, restore_backup
from backease.store import services
from backease.store.models import Person, Session

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
BACKUPS = sorted(FIXTURES.glob("backup-*.json"))
MODELS = backup_module.MODELS
"""Every table a backup holds: the store must be the same before and after a refusal."""
PAGES = ("/", "/history/", "/insights/", "/export/", "/report/")
API = ("/api/screening/latest", "/api/plans/latest", "/api/sessions", "/api/pain", "/api/profile")


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model, every field."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BACKUPS[-1].read_text(encoding="utf-8"))
    return data


def test_there_is_a_backup_fixture_of_this_version() -> None:
    import backease

    assert any(f"backup-{backease.__version__}-" in path.name for path in BACKUPS), (
        "run scripts/make_backup_fixture.py and commit the file"
    )


@pytest.mark.parametrize("path", BACKUPS, ids=[p.name for p in BACKUPS])
def test_a_backup_made_by_an_earlier_version_restores_and_every_page_shows_it(
    client: Client, path: Path
) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = restore_backup(data)
    assert counts["sessions"] == len(data["sessions"]) and counts["pain_entries"] == len(data["pain_entries"])
    owner = Person.objects.get()
    assert owner.key == "local" and services.local_owner().pk == owner.pk
    again = make_backup(owner)
    for name in backup_module.SECTIONS:
        # A section added later (programmes) is left out when empty, as older backups are.
        assert again.get(name) == data.get(name), name
    for url in (*PAGES, *API):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])


# --- hostile backups ------------------------------------------------------------------------

TOMORROW_AND_MORE = (timezone.now() + timedelta(days=2)).isoformat()


def at(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set the value at a dotted path with [i] indexes, e.g. 'sessions[0].steps[1].side'."""

    def change(data: dict[str, Any]) -> None:
        keys: list[Any] = []
        for part in path.replace("]", "").replace("[", ".").split("."):
            keys.append(int(part) if part.isdigit() else part)
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("year 1 at +14:00", at("pain_entries[0].at", "0001-01-01T00:00:00+14:00"), "pain_entries[0].at"),
    ("year 9999 at -14:00", at("pain_entries[0].at", "9999-12-31T23:59:59-14:00"), "pain_entries[0].at"),
    ("before 2000", at("sessions[0].started_at", "1999-12-31T23:59:59+00:00"), "sessions[0].started_at"),
    ("after tomorrow", at("sessions[0].started_at", TOMORROW_AND_MORE), "sessions[0].started_at"),
    ("no time zone", at("person.created_at", "2025-01-01T00:00:00"), "person.created_at"),
    ("not a time", at("plans[0].created_at", "yesterday"), "plans[0].created_at"),
    ("reasons without keys", at("screenings[0].reasons", [{}]), "screenings[0].reasons[0].question"),
    (
        "a reason of the wrong type",
        at("screenings[0].reasons", [{"question": 1, "message": "m", "source": "s"}]),
        "screenings[0].reasons[0].question",
    ),
    ("a plan step without a name", lambda d: d["plans"][0]["data"]["steps"][0].pop("name"), "plans[0].data"),
    ("a plan step of the wrong type", at("plans[0].data.steps[0].seconds", "long"), "plans[0].data"),
    ("deeply nested plan data", at("plans[0].data.notes", nested(50)), "plans[0].data"),
    ("deeply nested answers", at("screenings[0].answers", {"age": nested(200)}), "screenings[0].answers"),
    ("NaN in answers", at("screenings[0].answers", {"age": float("nan")}), "screenings[0].answers"),
    ("a NUL in a note", at("pain_entries[0].note", "a\x00b"), "pain_entries[0].note"),
    ("a lone surrogate", at("sessions[0].notes", "\ud800"), "sessions[0].notes"),
    ("a lone surrogate in JSON", at("profile.causes", ["\udfff"]), "profile.causes"),
    (
        "a huge number",
        at("sessions[0].steps[0].seconds_planned", 2**70),
        "sessions[0].steps[0].seconds_planned",
    ),
    ("a huge id", at("pain_entries[0].id", 2**64), "pain_entries[0].id"),
    ("a huge number in JSON", at("screenings[0].answers", {"age": 10**30}), "screenings[0].answers"),
    ("minutes beyond the column", at("plans[0].minutes", 40000), "plans[0].minutes"),
    ("pain 11", at("sessions[0].pain_before", 11), "sessions[0].pain_before"),
    ("a long stop reason", at("sessions[1].stop_reason", "x" * 201), "sessions[1].stop_reason"),
    ("an unknown level", at("screenings[0].level", "fine"), "screenings[0].level"),
    ("a float for a whole number", at("pain_entries[0].pain", 4.0), "pain_entries[0].pain"),
]


@pytest.fixture
def before() -> dict[str, list[dict[str, Any]]]:
    """An empty store but for its local owner (the usual state before a restore)."""
    services.local_owner()
    return dump()


@pytest.mark.parametrize(("change", "field"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_a_hostile_backup_is_refused_naming_the_field_and_changes_nothing(
    before: dict[str, Any], change: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = copy.deepcopy(fixture_data())
    change(data)
    with pytest.raises(InputError) as refused:
        restore_backup(data)
    assert refused.value.field.startswith(field), refused.value
    assert dump() == before


def test_every_hostile_change_is_a_change_the_fixture_restores_without() -> None:
    restore_backup(copy.deepcopy(fixture_data()))  # the base file is fine: the change is what is refused


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"format": "backease-backup", "x": NaN}', "JSON has no NaN"),
        (b'{"format": Infinity}', "JSON has no Infinity"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"{oops", "not valid JSON"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_backup_is_refused(
    before: dict[str, Any], raw: bytes, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_backup(io.BytesIO(raw))
    assert dump() == before


def test_reading_stops_at_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_module, "MAX_BYTES", 10)
    monkeypatch.setattr(backup_module, "READ_CHUNK", 4)
    stream = io.BytesIO(b"[" + b"1," * 100 + b"1]")
    with pytest.raises(InputError, match="too big"):
        load_backup(stream)
    assert stream.tell() <= 12  # it stopped reading soon after the limit


def hostile_file(tmp_path: Path) -> Path:
    data = fixture_data()
    data["pain_entries"][0]["at"] = "0001-01-01T00:00:00+14:00"
    target = tmp_path / "hostile.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    return target


def test_the_cli_refuses_a_hostile_backup_in_one_line_with_exit_2(
    before: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["import", str(hostile_file(tmp_path))])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and "pain_entries[0].at" in err and "year 2000" in err
    assert dump() == before


def test_the_cli_refuses_deeply_nested_json_in_one_line_with_exit_2(
    before: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deep.json"
    target.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(SystemExit) as exit_info:
        run(["import", str(target)])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "nested too deeply" in err
    assert dump() == before


def test_the_web_import_refuses_a_hostile_backup_with_400_naming_the_field(
    client: Client, before: dict[str, Any], tmp_path: Path
) -> None:
    content = hostile_file(tmp_path).read_bytes()
    upload = SimpleUploadedFile("backup.json", content, content_type="application/json")
    response = client.post("/import/", {"backup": upload})
    assert response.status_code == 400
    assert "pain_entries[0].at" in response.content.decode()
    assert dump() == before
    for url in (*PAGES, *API[1:]):
        assert client.get(url).status_code in (200, 404), url


# --- the same hostile backups as files, read record by record ------------------------------

READ_WHOLE = {
    "NaN in answers",
    "a huge number",
    "a huge id",
    "a huge number in JSON",
    "a lone surrogate in JSON",
}
"""Refused by the parser itself, before any record: the refusal names the file ("backup")."""
REPLACED = {"a lone surrogate"}
"""The parser (yajl) reads a lone high surrogate at the end of a text as "?": such a file
(which backease never writes) restores with "?" there, and nothing that cannot be stored."""


@pytest.mark.parametrize(("name", "change", "field"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_backup_file_is_refused_naming_the_field_and_changes_nothing(
    before: dict[str, Any], name: str, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    """What `backease import` and /import/ read: the file, streamed record by record."""
    data = copy.deepcopy(fixture_data())
    change(data)
    raw = json.dumps(data).encode()
    if name in REPLACED:
        restore_backup(load_backup(io.BytesIO(raw)))
        assert Session.objects.order_by("id").first().notes == "?"  # type: ignore[union-attr]
        return
    with pytest.raises(InputError) as refused:
        restore_backup(load_backup(io.BytesIO(raw)))
    if name in READ_WHOLE:
        assert refused.value.field in ("backup", field) or refused.value.field.startswith(field), (
            refused.value
        )
    else:
        assert refused.value.field.startswith(field), refused.value
    assert dump() == before


def test_a_backup_file_restores_as_the_same_backup_in_memory_does(tmp_path: Path) -> None:
    data = fixture_data()
    counts = restore_backup(load_backup(io.BytesIO(json.dumps(data).encode())))
    owner = Person.objects.get()
    again = make_backup(owner)
    for name in backup_module.SECTIONS:
        # A section added later (programmes) is left out when empty, as older backups are.
        assert again.get(name) == data.get(name), name
    assert counts["sessions"] == len(data["sessions"])
    assert counts["steps"] == sum(len(s["steps"]) for s in data["sessions"])


def test_a_record_over_the_size_limit_is_refused_by_name_before_anything_is_written(
    before: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_module, "MAX_RECORD", 100_000)
    data = fixture_data()
    data["sessions"][0]["notes"] = "x" * 200_000
    with pytest.raises(InputError) as refused:
        load_backup(io.BytesIO(json.dumps(data).encode()))
    assert refused.value.field == "sessions[0]" and "too large" in refused.value.message
    assert dump() == before


def test_a_link_to_a_record_later_in_the_file_is_refused_naming_it(before: dict[str, Any]) -> None:
    data = fixture_data()
    linked = next(i for i, s in enumerate(data["sessions"]) if s["plan_id"] is not None)
    reordered = {k: v for k, v in data.items() if k != "plans"}
    reordered["plans"] = data["plans"]  # after the sessions that use them
    with pytest.raises(InputError) as refused:
        restore_backup(load_backup(io.BytesIO(json.dumps(reordered).encode())))
    assert refused.value.field == f"sessions[{linked}].plan_id" and "before it" in refused.value.message
    assert dump() == before
