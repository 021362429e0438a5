"""Exports and imports: CSV, the full backup and its restore, FHIR, the calendar, and the CLI."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
import pytest
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from icalendar import Calendar

from backease.cli.main import run
from backease.core.errors import InputError
from backease.exports import backup as backup_module
from backease.exports import fhir as fhir_module
from backease.exports.backup import make_backup, restore_backup
from backease.exports.csv_export import pain_csv, safe_cell, sessions_csv, steps_csv
from backease.exports.fhir import PAIN_CODE, PAIN_DISPLAY, STRESS_TEXT, fhir_bundle
from backease.exports.ics import calendar_ics, next_start
from backease.store import services
from backease.store.models import (
    PainEntry,
    Person,
    Plan,
    Profile,
    Screening,
    Session,
    StepLog,
    TechniqueChoice,
)

pytestmark = pytest.mark.django_db

MODELS: tuple[type[models.Model], ...] = (
    Person,
    Profile,
    Screening,
    Plan,
    Session,
    StepLog,
    PainEntry,
    TechniqueChoice,
)
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["tennis_ball", "foam_roller"],
    "causes": ["posture", "stress"],
    "minutes": 12,
    "pressure": "moderate",
    "stress": 6,
}
DAY = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)  # a Monday
OLD = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model, field by field (timestamps included)."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def person() -> Person:
    return services.local_owner()


@pytest.fixture
def history(person: Person) -> Person:
    """A few weeks of use: a profile and schedule, two screenings, plans, sessions, a diary."""
    services.save_profile(person, PROFILE)
    services.save_schedule(person, ["tue", "thu", "sat"], "07:45")
    services.record_screening(person, {})
    services.record_screening(person, {"pregnancy_weeks": 24})
    plan = services.make_plan(person, seed=3)
    done = services.start_session(person, plan, now=DAY)
    services.update_session(done, pain_before=6, stress_before=7)
    services.log_step(done, 0, seconds_done=60, feedback="helped")
    services.log_step(done, 1, seconds_done=30, intensity="gentle", feedback="too_much")
    services.log_step(done, 2, skipped=True)
    services.update_session(
        done, pain_after=3, stress_after=4, notes="=1+1 felt good, schön", status="completed"
    )
    stopped = services.start_session(person, services.make_plan(person, seed=4), now=DAY + timedelta(days=2))
    services.update_session(stopped, pain_before=5)
    services.log_step(stopped, 0, seconds_done=20, feedback="sharp_pain")  # stops it, turns it off
    services.start_session(person, plan, now=DAY + timedelta(days=4))  # still running, untouched
    services.add_pain_entry(person, 4, region="lats_left", stress=5, note="@home, desk day", at=DAY)
    services.add_pain_entry(person, 7, at=DAY + timedelta(days=1), note='said "ouch"\nthen -rested')
    # Old timestamps, so a restore that stamped "now" would show.
    Screening.objects.update(created_at=OLD)
    Plan.objects.update(created_at=OLD + timedelta(hours=1))
    Profile.objects.update(updated_at=OLD + timedelta(hours=2))
    Session.objects.update(updated_at=OLD + timedelta(hours=3))
    StepLog.objects.update(updated_at=OLD + timedelta(hours=4))
    TechniqueChoice.objects.update(updated_at=OLD + timedelta(hours=5))
    Person.objects.update(created_at=OLD - timedelta(days=1), name="")
    return Person.objects.get(pk=person.pk)


# --- CSV ----------------------------------------------------------------------------------


def test_sessions_csv_has_a_header_and_one_row_per_session_oldest_first(history: Person) -> None:
    text = sessions_csv(history)
    assert text.splitlines()[0] == (
        "id,started_at,finished_at,status,pain_before,pain_after,stress_before,stress_after,"
        "stop_reason,notes,steps_done,seconds_done,counts_toward_goal"
    )
    found = rows(text)
    assert [r["status"] for r in found] == ["completed", "stopped", "running"]
    first = found[0]
    assert first["started_at"] == DAY.isoformat()
    assert (first["pain_before"], first["pain_after"], first["stress_before"], first["stress_after"]) == (
        "6",
        "3",
        "7",
        "4",
    )
    assert (first["steps_done"], first["seconds_done"], first["counts_toward_goal"]) == ("2", "90", "true")
    assert found[1]["stop_reason"] == "sharp pain"
    assert found[1]["counts_toward_goal"] == "false"  # stopped after 20 seconds
    assert found[2]["finished_at"] == "" and found[2]["pain_before"] == ""


def test_csv_text_cannot_start_a_formula_and_keeps_unicode_quotes_and_newlines(history: Person) -> None:
    sessions = rows(sessions_csv(history))
    assert sessions[0]["notes"] == "'=1+1 felt good, schön"
    diary = rows(pain_csv(history))
    assert diary[0]["note"] == "'@home, desk day"
    assert diary[1]["note"] == 'said "ouch"\nthen -rested'  # starts with a letter: left alone
    for value, cell in [("+44", "'+44"), ("-1", "'-1"), ("\tx", "'\tx"), ("a=b", "a=b"), ("", "")]:
        assert safe_cell(value) == cell
    assert safe_cell(5) == 5 and safe_cell(None) == "" and safe_cell(True) == "true"


def test_steps_csv_lists_every_step_log(history: Person) -> None:
    found = rows(steps_csv(history))
    assert len(found) == StepLog.objects.count()
    assert list(found[0]) == [
        "session_id",
        "index",
        "technique",
        "side",
        "seconds_planned",
        "seconds_done",
        "intensity",
        "feedback",
        "skipped",
    ]
    first_session = Session.objects.order_by("started_at").first()
    assert first_session is not None
    mine = [r for r in found if r["session_id"] == str(first_session.id)]
    assert [r["index"] for r in mine] == [str(i) for i in range(len(mine))]
    assert (mine[0]["seconds_done"], mine[0]["feedback"], mine[0]["skipped"]) == ("60", "helped", "false")
    assert (mine[1]["intensity"], mine[1]["feedback"]) == ("gentle", "too_much")
    assert mine[2]["skipped"] == "true"


def test_pain_csv_lists_diary_entries_oldest_first(history: Person) -> None:
    text = pain_csv(history)
    assert text.splitlines()[0] == "at,region,pain,stress,note"
    found = rows(text)
    assert [(r["region"], r["pain"], r["stress"]) for r in found] == [("lats_left", "4", "5"), ("", "7", "")]


def test_csv_of_an_empty_history_is_just_the_header(person: Person) -> None:
    assert sessions_csv(person).strip().count("\n") == 0
    assert steps_csv(person).startswith("session_id,")
    assert pain_csv(person) == "at,region,pain,stress,note\r\n"


# --- backup and restore -------------------------------------------------------------------


def wipe() -> None:
    Person.objects.all().delete()


def test_a_backup_has_a_versioned_header_and_every_kind_of_record(history: Person) -> None:
    data = make_backup(history)
    assert data["format"] == "backease-backup" and data["schema_version"] == 1
    assert data["app_version"] and datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    assert (
        data["profile"]["session_days"] == ["tue", "thu", "sat"]
        and data["profile"]["session_time"] == "07:45"
    )
    assert len(data["screenings"]) == 2 and len(data["plans"]) == 2 and len(data["sessions"]) == 3
    assert sum(len(s["steps"]) for s in data["sessions"]) == StepLog.objects.count()
    assert len(data["pain_entries"]) == 2 and len(data["technique_choices"]) == 1
    assert json.loads(json.dumps(data)) == data  # plain JSON


def test_backup_then_wipe_then_restore_gives_identical_data(history: Person) -> None:
    before = snapshot()
    data = json.loads(json.dumps(make_backup(history)))
    wipe()
    assert all(not rows_ for rows_ in snapshot().values())
    counts = restore_backup(data)
    assert snapshot() == before
    assert counts == {
        "person": 1,
        "profile": 1,
        "screenings": 2,
        "plans": 2,
        "sessions": 3,
        "steps": StepLog.objects.count(),
        "pain_entries": 2,
        "technique_choices": 1,
        "programmes": 0,
        "checkins": 0,
    }


def test_restore_replaces_the_automatically_made_empty_owner(history: Person) -> None:
    before = snapshot()
    data = make_backup(history)
    wipe()
    fresh = services.local_owner()  # what the web app or CLI makes on first use
    assert fresh.pk != history.pk
    restore_backup(data)
    assert snapshot() == before
    assert services.local_owner().pk == history.pk


def test_after_a_restore_new_records_get_new_ids(history: Person) -> None:
    data = make_backup(history)
    wipe()
    # A brand-new database: PostgreSQL's id sequences start again at 1.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
            cursor.execute(sql)
    restore_backup(data)
    owner = services.local_owner()
    entry = services.add_pain_entry(owner, 2)
    screening, _ = services.record_screening(owner, {})
    plan = services.make_plan(owner)
    session = services.start_session(owner, plan)
    assert entry.pk > max(e["id"] for e in data["pain_entries"])
    assert screening.pk > max(s["id"] for s in data["screenings"])
    assert plan.pk > max(p["id"] for p in data["plans"])
    assert session.pk > max(s["id"] for s in data["sessions"])


def test_a_backup_of_an_empty_history_restores(person: Person) -> None:
    data = make_backup(person)
    assert data["profile"] is None and data["sessions"] == []
    wipe()
    restore_backup(data)
    assert Person.objects.get().pk == person.pk


def broken(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


REFUSED = [
    (("format",), "something-else", "format"),
    (("format",), KeyError, "format"),
    (("schema_version",), 2, "schema_version"),
    (("schema_version",), "1", "schema_version"),
    (("pain_entries", 0, "pain"), 11, "pain_entries[0].pain"),
    (("pain_entries", 0, "pain"), "4", "pain_entries[0].pain"),
    (("pain_entries", 0, "region"), "lower_back", "pain_entries[0].region"),
    (("pain_entries", 0, "at"), "yesterday", "pain_entries[0].at"),
    (("pain_entries", 0, "at"), "2025-03-03T17:00:00", "pain_entries[0].at"),
    (("pain_entries", 0, "colour"), "red", "pain_entries[0].colour"),
    (("pain_entries", 1, "id"), None, "pain_entries[1].id"),
    (("sessions", 0, "pain_after"), -1, "sessions[0].pain_after"),
    (("sessions", 0, "status"), "paused", "sessions[0].status"),
    (("sessions", 0, "plan_id"), 999, "sessions[0].plan_id"),
    (("sessions", 0, "steps", 0, "feedback"), "lovely", "sessions[0].steps[0].feedback"),
    (("sessions", 0, "steps", 1, "index"), 0, "sessions[0].steps[1].index"),
    (("sessions", 0, "steps", 0, "skipped"), 0, "sessions[0].steps[0].skipped"),
    (("sessions", 0, "steps"), KeyError, "sessions[0].steps"),
    (("sessions",), {}, "sessions"),
    (("profile", "minutes"), 500, "profile.minutes"),
    (("profile", "session_days"), ["someday"], "profile.session_days"),
    (("profile", "areas"), [{"region": "knee", "pain": 3}], "profile.area"),
    (("screenings", 0, "level"), "fine", "screenings[0].level"),
    (("plans", 0, "screening_id"), 12345, "plans[0].screening_id"),
    (("plans", 0, "data"), {"steps": [{"nonsense": 1}]}, "plans[0].data"),
    (("technique_choices", 0, "technique"), "Not An Id!", "technique_choices[0].technique"),
    (("person",), "me", "person"),
    (("pain_entries",), KeyError, "pain_entries"),
    (("extra",), [], "extra"),
]


@pytest.mark.parametrize(("path", "value", "field"), REFUSED)
def test_a_bad_backup_is_refused_naming_the_problem_and_changes_nothing(
    history: Person, path: tuple[Any, ...], value: Any, field: str
) -> None:
    data = make_backup(history)
    wipe()
    services.local_owner()
    before = snapshot()
    with pytest.raises(InputError) as error:
        restore_backup(broken(data, path, value))
    assert error.value.field == field, str(error.value)
    assert snapshot() == before


def test_a_duplicated_record_is_refused(history: Person) -> None:
    data = make_backup(history)
    data["pain_entries"].append(dict(data["pain_entries"][0]))
    wipe()
    with pytest.raises(InputError, match="used twice"):
        restore_backup(data)
    assert not Person.objects.exists()


@pytest.mark.parametrize("data", [None, [], "backup", 42, {"format": "backease-backup"}])
def test_something_that_is_not_a_backup_is_refused(person: Person, data: object) -> None:
    with pytest.raises(InputError):
        restore_backup(data)
    assert snapshot()["Person"] == [
        {
            "id": person.pk,
            "name": "",
            "key": "local",
            "user_id": None,
            "created_at": person.created_at,
            "time_zone": "",
        }
    ]


def test_a_newer_schema_says_to_update(history: Person) -> None:
    data = make_backup(history)
    data["schema_version"] = 7
    wipe()
    with pytest.raises(InputError, match="newer backease"):
        restore_backup(data)


def test_restoring_into_a_store_with_data_is_refused_and_changes_nothing(history: Person) -> None:
    data = make_backup(history)
    before = snapshot()
    with pytest.raises(InputError) as error:
        restore_backup(data)
    assert error.value.field == "store" and "not empty" in str(error.value)
    assert snapshot() == before


def test_restoring_when_only_a_diary_entry_exists_is_refused(history: Person) -> None:
    data = make_backup(history)
    wipe()
    services.add_pain_entry(services.local_owner(), 3)
    before = snapshot()
    with pytest.raises(InputError, match="not empty"):
        restore_backup(data)
    assert snapshot() == before


def test_a_database_failure_while_writing_rolls_everything_back(
    history: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_backup(history)
    wipe()
    owner = services.local_owner()

    def fail() -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(backup_module, "_reset_sequences", fail)
    with pytest.raises(InputError, match="nothing was changed"):
        restore_backup(data)
    assert list(Person.objects.values_list("pk", flat=True)) == [owner.pk]
    assert not Session.objects.exists() and not PainEntry.objects.exists()


# --- FHIR ---------------------------------------------------------------------------------


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_fhir_bundle_and_every_resource_validate(history: Person) -> None:
    bundle = fhir_bundle(history)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = Patient if resource["resourceType"] == "Patient" else Observation
        model.model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    json.dumps(bundle)


def test_pain_observations_use_loinc_72514_3_with_the_value_and_body_site(history: Person) -> None:
    bundle = fhir_bundle(history)
    (patient,) = resources(bundle, "Patient")
    assert set(patient) == {"resourceType", "id"}  # anonymous: no name, no identifiers
    pain = [o for o in resources(bundle, "Observation") if "coding" in o["code"]]
    # 2 diary entries + session 1 before/after + session 2 before.
    assert len(pain) == 5
    for obs in pain:
        assert obs["code"]["coding"] == [
            {"system": "http://loinc.org", "code": PAIN_CODE, "display": PAIN_DISPLAY}
        ]
        assert obs["status"] == "final"
        assert obs["category"][0]["coding"][0]["code"] == "survey"
        assert obs["subject"] == {"reference": f"urn:uuid:{patient['id']}"}
        assert isinstance(obs["valueInteger"], int) and 0 <= obs["valueInteger"] <= 10
        assert datetime.fromisoformat(obs["effectiveDateTime"]).tzinfo is not None
    assert PAIN_CODE == "72514-3"
    assert PAIN_DISPLAY == "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
    diary = [o for o in pain if o["note"][0]["text"] == "From the pain diary."]
    assert [(o["valueInteger"], o["bodySite"]["text"]) for o in diary] == [
        (4, "Side of the back under the armpit (left)"),
        (7, "Upper back"),
    ]
    assert diary[0]["note"][1]["text"] == "@home, desk day"
    session = [o for o in pain if "session" in o["note"][0]["text"]]
    assert sorted((o["valueInteger"], "before" in o["note"][0]["text"]) for o in session) == [
        (3, False),
        (5, True),
        (6, True),
    ]
    assert all(o["bodySite"] == {"text": "Upper back"} for o in session)


def test_stress_observations_are_coded_by_text_only(history: Person) -> None:
    stress = [o for o in resources(fhir_bundle(history), "Observation") if "coding" not in o["code"]]
    assert sorted(o["valueInteger"] for o in stress) == [4, 5, 7]  # diary; session before and after
    times = [
        datetime.fromisoformat(o["effectiveDateTime"]) for o in resources(fhir_bundle(history), "Observation")
    ]
    assert times == sorted(times)  # oldest first
    for obs in stress:
        assert obs["code"] == {"text": STRESS_TEXT}
        assert "bodySite" not in obs


def test_a_resource_that_is_not_valid_fhir_is_never_returned(
    history: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fhir_module._observation

    def bad(*args: Any) -> dict[str, Any]:
        return {**real(*args), "valueInteger": "seven"}

    monkeypatch.setattr(fhir_module, "_observation", bad)
    with pytest.raises(pydantic.ValidationError, match="valueInteger"):
        fhir_bundle(history)


def test_fhir_ids_are_stable_between_exports(history: Person) -> None:
    first = [e["fullUrl"] for e in fhir_bundle(history)["entry"]]
    second = [e["fullUrl"] for e in fhir_bundle(history)["entry"]]
    assert first == second and len(set(first)) == len(first)


def test_a_fhir_bundle_with_no_ratings_holds_only_the_patient(person: Person) -> None:
    bundle = fhir_bundle(person)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


# --- calendar -----------------------------------------------------------------------------


def event_of(data: bytes) -> Any:
    calendar = Calendar.from_ical(data)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


def test_the_calendar_parses_back_with_a_weekly_rule_on_the_planned_days(history: Person) -> None:
    now = datetime(2025, 3, 5, 12, 0)  # a Wednesday, local time
    data = calendar_ics(history, now)
    calendar, event = event_of(data)
    assert str(calendar["version"]) == "2.0" and "backease" in str(calendar["prodid"])
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU", "TH", "SA"]
    start = event["dtstart"].dt
    # Thursday, in the person's zone (this computer's until chosen: UTC here)
    assert start == datetime(2025, 3, 6, 7, 45, tzinfo=UTC) and start.tzinfo is not None
    assert event["duration"].dt == timedelta(minutes=12)
    assert str(event["summary"]) == "Upper back self-care (12 min)"
    description = str(event["description"])
    assert "Before:" in description and "After:" in description and "water" in description
    assert "ATTENDEE" not in data.decode() and "URL" not in data.decode() and "http" not in data.decode()
    assert event["dtstamp"].dt.tzinfo is not None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 3, 4, 7, 0), datetime(2025, 3, 4, 7, 45)),  # Tuesday, still ahead: today
        (datetime(2025, 3, 4, 7, 45), datetime(2025, 3, 6, 7, 45)),  # Tuesday, the time has come
        (datetime(2025, 3, 8, 23, 0), datetime(2025, 3, 11, 7, 45)),  # Saturday night: next Tuesday
    ],
)
def test_the_calendar_starts_on_the_next_planned_day(now: datetime, expected: datetime) -> None:
    paris = ZoneInfo("Europe/Paris")
    found = next_start(("tue", "thu", "sat"), "07:45", now, paris)
    assert found == expected.replace(tzinfo=paris) and found.tzinfo is paris


def test_only_one_planned_day_a_week_can_start_a_week_later() -> None:
    found = next_start(("mon",), "18:00", datetime(2025, 3, 3, 19, 0), ZoneInfo("UTC"))
    assert found.replace(tzinfo=None) == datetime(2025, 3, 10, 18, 0)


def test_an_aware_now_is_read_in_the_given_zone() -> None:
    now = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)  # 07:00 in Paris: Tuesday's 07:45 is ahead
    paris = ZoneInfo("Europe/Paris")
    assert next_start(("tue", "thu", "sat"), "07:45", now, paris) == datetime(2025, 3, 4, 7, 45, tzinfo=paris)
    kolkata = ZoneInfo("Asia/Kolkata")  # 11:30 there: Thursday next
    assert next_start(("tue", "thu", "sat"), "07:45", now, kolkata) == datetime(
        2025, 3, 6, 7, 45, tzinfo=kolkata
    )


def test_the_calendar_uses_the_defaults_without_a_profile_and_a_stable_uid(person: Person) -> None:
    now = datetime(2025, 3, 3, 9, 0)
    _, event = event_of(calendar_ics(person, now))
    assert event["rrule"]["BYDAY"] == ["MO", "WE", "FR"]
    assert event["dtstart"].dt.replace(tzinfo=None) == datetime(2025, 3, 3, 18, 0)
    assert event["duration"].dt == timedelta(minutes=15)
    _, again = event_of(calendar_ics(person, now + timedelta(days=3)))
    assert str(event["uid"]) == str(again["uid"])


# --- CLI ----------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.mark.parametrize("what", ["sessions", "steps", "pain"])
def test_export_csv_prints_the_table(history: Person, capsys: pytest.CaptureFixture[str], what: str) -> None:
    code, out, _ = cli(capsys, "export", "csv", "--what", what)
    make = {"sessions": sessions_csv, "steps": steps_csv, "pain": pain_csv}[what]
    assert code == 0 and out == make(history)


def test_export_csv_of_an_unknown_kind_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "export", "csv", "--what", "plans")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "what" in err and "sessions, steps, pain" in err


def test_export_to_a_file_writes_it_whole_and_private(
    history: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "backup.json"
    code, out, err = cli(capsys, "export", "backup", "-o", str(target))
    assert code == 0 and out == "" and "Saved" in err
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "backease-backup" and len(data["sessions"]) == 3
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json"]  # no temporary file left


def test_export_into_a_missing_folder_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "export", "backup", "-o", str(tmp_path / "nowhere" / "b.json"))
    assert code == 2 and err.startswith("error: output: folder not found")


def test_export_fhir_and_ics_print_to_stdout(history: Person, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "export", "fhir")
    assert code == 0
    Bundle.model_validate(json.loads(out))
    code, out, _ = cli(capsys, "export", "ics")
    assert code == 0 and out.startswith("BEGIN:VCALENDAR")
    event_of(out.encode())


def test_export_report_writes_the_clinician_report(
    history: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("backease.exports.report")
    target = tmp_path / "report.html"
    code, _, err = cli(capsys, "export", "report", "-o", str(target))
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert "<html" in page.lower() and "/static/" not in page  # works offline, opened from disk


def test_import_restores_a_backup_into_an_empty_store(
    history: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = snapshot()
    target = tmp_path / "b.json"
    target.write_text(json.dumps(make_backup(history)), encoding="utf-8")
    wipe()
    code, out, err = cli(capsys, "import", str(target))
    assert code == 0, err
    assert out.startswith("Restored: 1 person, 1 profile, 2 screenings, 2 plans, 3 sessions")
    assert snapshot() == before


def test_import_json_prints_the_counts(
    history: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "b.json"
    target.write_text(json.dumps(make_backup(history)), encoding="utf-8")
    wipe()
    code, out, _ = cli(capsys, "import", str(target), "--json")
    assert code == 0 and json.loads(out)["restored"]["pain_entries"] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"format": "other-app", "schema_version": 1}', "not a backease backup"),
        (b"[1, 2, 3]", "not a backease backup"),
    ],
)
def test_import_of_a_bad_file_is_one_line_exit_2_and_changes_nothing(
    person: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    target = tmp_path / "bad.json"
    target.write_bytes(content)
    before = snapshot()
    code, out, err = cli(capsys, "import", str(target))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert snapshot() == before


def test_import_of_a_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "import", str(tmp_path / "none.json"))
    assert code == 2 and "file not found" in err


def test_import_into_a_store_with_data_is_exit_2(
    history: Person, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "b.json"
    target.write_text(json.dumps(make_backup(history)), encoding="utf-8")
    before = snapshot()
    code, _, err = cli(capsys, "import", str(target))
    assert code == 2 and "store: is not empty" in err
    assert snapshot() == before
