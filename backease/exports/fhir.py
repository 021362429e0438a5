"""Pain and stress ratings as a FHIR R4 Bundle of Observations (see docs/exports.md).

The bundle (type `collection`) holds one Patient and one Observation per rating:
each pain diary entry, and each session's pain before and after; the same for stress
when it was rated. The Patient has no name or other identifying detail: personal
mode is anonymous, so whoever receives the file links it to you themselves.

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
from datetime import datetime
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from backease.content.loader import load_content
from backease.store.models import PainEntry, Person, Session

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


def fhir_bundle(person: Person) -> dict[str, Any]:
    """The person's pain and stress ratings as a validated FHIR R4 Bundle (JSON data).

    Validating the bundle validates every resource in it against its own R4B model
    (Patient, Observation); a failure raises pydantic's ValidationError.
    """
    patient_id = _uuid(person, "patient")
    entries: list[dict[str, Any]] = [
        {"fullUrl": f"urn:uuid:{patient_id}", "resource": {"resourceType": "Patient", "id": patient_id}}
    ]
    for observation in _observations(person, patient_id):
        entries.append({"fullUrl": f"urn:uuid:{observation['id']}", "resource": observation})
    for contributor in CONTRIBUTORS:
        for resource in contributor(person, patient_id):
            entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
    now = timezone.now()
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(person, "bundle", now.isoformat()),
        "type": "collection",
        "timestamp": _when(now),
        "entry": entries,
    }
    Bundle.model_validate(bundle)
    return bundle
