"""Pain and stress ratings, and the programme, as a FHIR R4 Bundle (see docs/exports.md).

The bundle (type `collection`) holds one Patient and one Observation per rating:
each pain diary entry, and each session's pain before and after; the same for stress
when it was rated. The Patient has no name or other identifying detail: personal
mode is anonymous, so whoever receives the file links it to you themselves.

A programme over weeks (`backease.store.programmes`: the running one, else the last that
finished) is a CarePlan: its period, its status, one activity (the self-care session) whose
timing is the planned days and time and whose description is this week's dose, each week's
dose change with its reason as the activity's progress notes, and the weekly check-ins as
Observations (average pain, the one activity's 0-10 score, the PGIC) it points to as
outcomes. Whether the person or a therapist started it is said in a note.

- Pain: LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
  valueInteger 0-10, bodySite.text the body-map region (or "Upper back").
- Stress: no LOINC code we could verify means a self-rated 0-10 stress score (LOINC
  93038-8 "Stress level" is a five-answer question, not a 0-10 scale), so the code
  is text only: "Stress level, self-rated 0-10".

The bundle, and with it every resource in it, is validated with `fhir.resources.R4B`
(FHIR 4.3.0; fhir.resources 8 has no plain R4 package, and for Bundle, Patient and
Observation R4B is the same on the wire as R4) before it is returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from backease.content.loader import load_content
from backease.core.programme import PGIC_WORDS, CheckInView, ProgrammeView, headline
from backease.store.models import PainEntry, Person, Session
from backease.store.programmes import programme_view

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
STRESS_TEXT = "Stress level, self-rated 0-10"
UPPER_BACK = "Upper back"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "backease:fhir-export")


def _uuid(person: Person, *parts: object) -> str:
    """A stable id: the same record gives the same id in every export."""
    key = "/".join(str(p) for p in (person.pk, person.created_at.isoformat(), *parts))
    return str(uuid.uuid5(NAMESPACE, key))


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _observation(
    obs_id: str,
    patient: str,
    kind: str,
    value: int,
    at: datetime,
    body_site: str | None,
    notes: list[str],
) -> dict[str, Any]:
    if kind == "pain":
        code: dict[str, Any] = {
            "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
            "text": "Pain, self-rated 0-10",
        }
    else:
        code = {"text": STRESS_TEXT}
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "category": [
            {"coding": [{"system": CATEGORY_SYSTEM, "code": "survey", "display": "Survey"}], "text": "Survey"}
        ],
        "code": code,
        "subject": {"reference": f"urn:uuid:{patient}"},
        "effectiveDateTime": _when(at),
        "performer": [{"reference": f"urn:uuid:{patient}"}],
        "valueInteger": value,
    }
    if body_site is not None:
        resource["bodySite"] = {"text": body_site}
    texts = [n for n in notes if n.strip()]
    if texts:
        resource["note"] = [{"text": text} for text in texts]
    return resource


def _observations(person: Person, patient: str) -> list[dict[str, Any]]:
    labels = {r.id: r.label for r in load_content().library.regions}
    found: list[tuple[datetime, dict[str, Any]]] = []
    for entry in PainEntry.objects.filter(person=person).order_by("at", "id"):
        site = labels.get(entry.region, entry.region) if entry.region else UPPER_BACK
        diary = ["From the pain diary.", entry.note]
        pain_id = _uuid(person, "diary", entry.pk, "pain")
        found.append((entry.at, _observation(pain_id, patient, "pain", entry.pain, entry.at, site, diary)))
        if entry.stress is not None:
            stress_id = _uuid(person, "diary", entry.pk, "stress")
            observation = _observation(stress_id, patient, "stress", entry.stress, entry.at, None, diary)
            found.append((entry.at, observation))
    for session in Session.objects.filter(person=person).order_by("started_at", "id"):
        after_at = session.finished_at or session.started_at
        for kind, moment, at, value in (
            ("pain", "before", session.started_at, session.pain_before),
            ("pain", "after", after_at, session.pain_after),
            ("stress", "before", session.started_at, session.stress_before),
            ("stress", "after", after_at, session.stress_after),
        ):
            if value is None:
                continue
            note = f"Rated just {moment} a self-care session (self-massage and stretches)."
            obs_id = _uuid(person, "session", session.pk, kind, moment)
            site = UPPER_BACK if kind == "pain" else None
            found.append((at, _observation(obs_id, patient, kind, value, at, site, [note])))
    found.sort(key=lambda item: item[0])
    return [observation for _, observation in found]


Contributor = Callable[[Person, str], list[dict[str, Any]]]
CONTRIBUTORS: list[Contributor] = []
"""More resources for a person's bundle from the parts above this layer, each called with the
person and their Patient's id (clinic mode adds the pre-visit intakes as a Questionnaire and
QuestionnaireResponses: backease/clinic/fhir_intake.py, registered by the clinic app)."""


def contribute(contributor: Contributor) -> None:
    """Add resources to every person's bundle (once per function)."""
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)


# --- the programme as a CarePlan -------------------------------------------------------------

CAREPLAN_STATUS = {"active": "active", "finished": "completed", "stopped": "revoked"}
ACTIVITY_STATUS = {"active": "in-progress", "finished": "completed", "stopped": "stopped"}
SESSION_TEXT = "Self-care session: self-massage, trigger-point release and stretches for the upper back"
CHECKIN_PAIN_TEXT = "Average pain over the past week, self-rated 0-10 (weekly check-in)"
PSFS_TEXT = "Patient-Specific Functional Scale, one activity, 0-10 (weekly check-in)"
PGIC_TEXT = "Patient Global Impression of Change, 1-7 (weekly check-in)"
RULES_NOTE = (
    "Each week's dose: up one step after a week whose planned sessions were all done with no 'too "
    "much', no sharp pain and pain after no higher than before; held on a mixed week; down one step "
    "after 'too much', sharp pain, a diary pain of 7 or more or a safety check at 'soon'. Never past "
    "the person's precautions or a technique's own limits."
)


def _checkin_observations(
    person: Person, patient: str, view: ProgrammeView, checkin: CheckInView
) -> list[dict[str, Any]]:
    """A check-in as Observations: the average pain (LOINC 72514-3, as the diary's), the
    activity's score (PSFS, text only: no LOINC code for one PSFS item we could verify) and
    the PGIC when asked (text only)."""
    week = f"Week {checkin.week} of {view.weeks} of the programme."
    key = ("checkin", view.run_id, checkin.week)
    pain = _observation(
        _uuid(person, *key, "pain"), patient, "pain", checkin.pain, checkin.at, UPPER_BACK, [week]
    )
    pain["code"]["text"] = CHECKIN_PAIN_TEXT
    activity = _observation(
        _uuid(person, *key, "psfs"),
        patient,
        "psfs",
        checkin.activity_score,
        checkin.at,
        None,
        [week, f"Activity: {checkin.activity}"],
    )
    activity["code"] = {"text": PSFS_TEXT}
    found = [pain, activity]
    if checkin.pgic is not None:
        pgic = _observation(
            _uuid(person, *key, "pgic"),
            patient,
            "pgic",
            checkin.pgic,
            checkin.at,
            None,
            [week, f"Since the start: {PGIC_WORDS[checkin.pgic - 1]}."],
        )
        pgic["code"] = {"text": PGIC_TEXT}
        found.append(pgic)
    return found


def _care_plan(person: Person, patient: str, view: ProgrammeView, outcomes: list[str]) -> dict[str, Any]:
    """The programme as a CarePlan: period, status, the session as its one activity (the
    planned days and time as its timing, this week's dose as its description), each week's
    dose change with its reason as progress, the check-ins (`outcomes`, their ids) as outcomes."""
    last_day = view.ends_on - timedelta(days=1)
    period = {"start": view.started_on.isoformat(), "end": last_day.isoformat()}
    by_whom = "a therapist (clinic mode)" if view.source == "therapist" else "the person themselves"
    changes = [
        {
            "time": view.timeline[c.week - 1].start.isoformat(),
            "text": f"Week {c.week}: {c.reason}",
        }
        for c in view.changes
        if c.week <= len(view.timeline)
    ]
    detail: dict[str, Any] = {
        "code": {"text": SESSION_TEXT},
        "status": ACTIVITY_STATUS.get(view.status, "unknown"),
        "doNotPerform": False,
        "scheduledTiming": {
            "repeat": {
                "boundsPeriod": period,
                "frequency": max(1, len(view.days)),
                "period": 1,
                "periodUnit": "wk",
                "dayOfWeek": list(view.days),
                "timeOfDay": [f"{view.time}:00"],
                "duration": view.dose.minutes,
                "durationUnit": "min",
            }
        },
        "description": f"This week (week {view.week}): {view.dose.describe()}.",
    }
    activity: dict[str, Any] = {"detail": detail}
    if changes:
        activity["progress"] = changes
    if outcomes:
        activity["outcomeReference"] = [{"reference": f"urn:uuid:{o}"} for o in outcomes]
    weeks = f"{view.weeks}-week"
    title = (
        f"{weeks} home programme from a therapist"
        if view.source == "therapist"
        else f"{weeks} self-care programme"
    )
    return {
        "resourceType": "CarePlan",
        "id": _uuid(person, "careplan", view.run_id),
        "status": CAREPLAN_STATUS.get(view.status, "unknown"),
        "intent": "plan",
        "category": [{"text": "Self-care for upper back pain: self-massage and stretching"}],
        "title": title,
        "description": f"{headline(view)}. Planned on {', '.join(view.days)} at {view.time}; the dose "
        "steps up, holds or steps down once a week by the rules in the note.",
        "subject": {"reference": f"urn:uuid:{patient}"},
        "period": period,
        "activity": [activity],
        "note": [
            {"text": f"Started by {by_whom}."},
            {"text": RULES_NOTE},
        ],
    }


def _programme(person: Person, patient: str, now: datetime | None) -> list[dict[str, Any]]:
    """The programme's CarePlan and its check-ins' Observations (none without a programme)."""
    view = programme_view(person, now)
    if view is None:
        return []
    observations = [o for c in view.checkins for o in _checkin_observations(person, patient, view, c)]
    return [_care_plan(person, patient, view, [o["id"] for o in observations]), *observations]


def fhir_bundle(person: Person, now: datetime | None = None) -> dict[str, Any]:
    """The person's pain and stress ratings, and their programme, as a validated FHIR R4
    Bundle (JSON data).

    Validating the bundle validates every resource in it against its own R4B model
    (Patient, Observation, CarePlan); a failure raises pydantic's ValidationError.
    """
    patient_id = _uuid(person, "patient")
    entries: list[dict[str, Any]] = [
        {"fullUrl": f"urn:uuid:{patient_id}", "resource": {"resourceType": "Patient", "id": patient_id}}
    ]
    for observation in _observations(person, patient_id):
        entries.append({"fullUrl": f"urn:uuid:{observation['id']}", "resource": observation})
    for resource in _programme(person, patient_id, now):
        entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    for contributor in CONTRIBUTORS:
        for resource in contributor(person, patient_id):
            entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    now = now or timezone.now()
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(person, "bundle", now.isoformat()),
        "type": "collection",
        "timestamp": _when(now),
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return bundle
