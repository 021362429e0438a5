"""The programme in the FHIR export (backease.exports.fhir; docs/exports.md): a CarePlan with
its period, status, the session as an activity timed on the planned days and time, this
week's dose, each week's dose change with its reason, and the weekly check-ins as
Observations it points to. Validated by fhir.resources (R4B)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation

from backease.exports.fhir import CHECKIN_PAIN_TEXT, PAIN_CODE, PGIC_TEXT, PSFS_TEXT, fhir_bundle
from backease.store import programmes, services
from backease.store.models import Person
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
MONDAY = datetime(2026, 10, 12, 9, 0, tzinfo=KOLKATA)
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 5}],
    "tools": ["tennis_ball", "wall", "doorway"],
    "minutes": 15,
}


@pytest.fixture
def person() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    save_time_zone(person, "Asia/Kolkata")
    person.refresh_from_db()
    return person


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def done(person: Person, when: datetime) -> None:
    plan = services.make_plan(person, seed=1, now=when)
    row = services.start_session(person, plan, now=when)
    services.log_step(row, 0, seconds_done=60)
    services.log_step(row, 1, seconds_done=60)
    services.close_session(row, "completed", pain_before=5, pain_after=4)


def test_a_self_started_programme_is_a_valid_care_plan_with_its_timing_dose_and_checkins(
    person: Person,
) -> None:
    programmes.start_programme(person, weeks=6, days="mon,wed,fri", time="19:00", now=MONDAY)
    for day in (0, 2, 4):
        done(person, MONDAY + timedelta(days=day, hours=1))
    programmes.record_checkin(person, pain=6, activity="carrying the shopping", activity_score=3, now=MONDAY)
    week2 = MONDAY + timedelta(days=8)
    programmes.record_checkin(person, pain=4, activity="", activity_score=5, pgic=2, now=week2)
    bundle = fhir_bundle(person, week2)
    Bundle.model_validate(bundle)
    (plan,) = resources(bundle, "CarePlan")
    CarePlan.model_validate(plan)
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["period"] == {"start": "2026-10-12", "end": "2026-11-22"}
    assert plan["title"] == "6-week self-care programme"
    assert plan["description"].startswith("Week 2 of 6")
    assert plan["note"][0]["text"] == "Started by the person themselves."
    (activity,) = plan["activity"]
    detail = activity["detail"]
    assert detail["status"] == "in-progress"
    repeat = detail["scheduledTiming"]["repeat"]
    assert repeat["dayOfWeek"] == ["mon", "wed", "fri"] and repeat["timeOfDay"] == ["19:00:00"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 1, "wk")
    view = programmes.programme_view(person, week2)
    assert view is not None and view.changes[-1].action == "up"
    assert detail["description"] == f"This week (week 2): {view.dose.describe()}."
    assert repeat["duration"] == view.dose.minutes
    assert [p["text"] for p in activity["progress"]] == [f"Week {c.week}: {c.reason}" for c in view.changes]
    assert activity["progress"][1]["time"] == "2026-10-19"
    # The check-ins: average pain (LOINC 72514-3), the activity (PSFS) and the PGIC, as outcomes.
    ids = {ref["reference"].removeprefix("urn:uuid:") for ref in activity["outcomeReference"]}
    checkins = [o for o in resources(bundle, "Observation") if o["id"] in ids]
    assert len(checkins) == 5
    for obs in checkins:
        Observation.model_validate(obs)
    texts = sorted((o["code"]["text"], o["valueInteger"]) for o in checkins)
    assert texts == sorted(
        [(CHECKIN_PAIN_TEXT, 6), (CHECKIN_PAIN_TEXT, 4), (PSFS_TEXT, 3), (PSFS_TEXT, 5), (PGIC_TEXT, 2)]
    )
    pain = next(o for o in checkins if o["code"]["text"] == CHECKIN_PAIN_TEXT)
    assert pain["code"]["coding"][0]["code"] == PAIN_CODE
    pgic = next(o for o in checkins if o["code"]["text"] == PGIC_TEXT)
    assert "much improved" in pgic["note"][1]["text"]


def test_a_finished_programme_is_a_completed_care_plan(person: Person) -> None:
    programmes.start_programme(person, weeks=2, days="tue,thu", time="07:15", now=MONDAY)
    after = MONDAY + timedelta(days=15)
    (plan,) = resources(fhir_bundle(person, after), "CarePlan")
    CarePlan.model_validate(plan)
    assert plan["status"] == "completed" and plan["activity"][0]["detail"]["status"] == "completed"
    assert plan["period"] == {"start": "2026-10-12", "end": "2026-10-25"}


def test_a_therapists_programme_says_who_started_it(person: Person) -> None:
    programmes.start_programme(
        person, weeks=4, days="mon,thu", time="18:30", now=MONDAY, source="therapist", source_id=7
    )
    bundle = fhir_bundle(person, MONDAY)
    Bundle.model_validate(bundle)
    (plan,) = resources(bundle, "CarePlan")
    CarePlan.model_validate(plan)
    assert plan["title"] == "4-week home programme from a therapist"
    assert plan["note"][0]["text"] == "Started by a therapist (clinic mode)."
    assert plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]["dayOfWeek"] == ["mon", "thu"]
    assert "outcomeReference" not in plan["activity"][0]  # no check-in yet


def test_without_a_programme_there_is_no_care_plan(person: Person) -> None:
    assert resources(fhir_bundle(person), "CarePlan") == []
