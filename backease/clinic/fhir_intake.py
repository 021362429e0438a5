"""The pre-visit intake in the client's FHIR export: one Questionnaire (the intake's questions:
the safety screen's, the massage intake's facts, the questions in words, consent) and one
QuestionnaireResponse per filled-in intake, pointing to it and to the Patient.

Added to `backease.exports.fhir.fhir_bundle` through `exports.fhir.contribute` (the exports
layer does not know clinic mode); the bundle is validated with fhir.resources R4B, and each
resource here is too (`questionnaire`, `questionnaire_response`).

- Yes/no answers are `boolean` (a box left unticked is false, as the screen reads it); numbers
  `decimal`; places and the pressure preference `choice` with codes from
  `PLACE_SYSTEM` / `PRESSURE_SYSTEM` (backease's own ids, there being no standard code set for
  upper-back body-map regions); medicines, skin problems and goals `text`; consent `boolean`,
  required.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from backease.clinic import intake as intakes
from backease.clinic.models import Intake
from backease.content.loader import Content, load_content
from backease.core.pretreatment import OFF_MAP_PLACES
from backease.core.vocab import NOT_SURE
from backease.store.models import Person

QUESTIONNAIRE_URL = "https://backease.org/fhir/Questionnaire/massage-intake"
"""The Questionnaire's canonical URL (a name, not a page that must resolve)."""
VERSION = "1"
PLACE_SYSTEM = "https://backease.org/fhir/CodeSystem/body-place"
PRESSURE_SYSTEM = "https://backease.org/fhir/CodeSystem/pressure"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "backease:fhir-intake")
CONSENT_TEXT = "I agree to the treatment."


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _places(content: Content, *, off_map: bool) -> list[dict[str, Any]]:
    ids: list[str] = [r.id for r in content.library.regions]
    if off_map:
        ids += list(OFF_MAP_PLACES)
    ids.append(NOT_SURE)
    return [
        {"valueCoding": {"system": PLACE_SYSTEM, "code": p, "display": intakes.place_label(content, p)}}
        for p in ids
    ]


def _item(
    link_id: str, text: str, kind: str, *, content: Content, off_map: bool = False, **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": link_id, "text": text}
    if kind == "bool":
        item["type"] = "boolean"
    elif kind == "number":
        item["type"] = "decimal"
    elif kind in ("regions", "places"):
        item.update(type="choice", repeats=True, answerOption=_places(content, off_map=off_map))
    elif kind == "choice":
        item["type"] = "choice"
    else:
        item["type"] = "text"
    item.update(extra)
    return item


def questionnaire(content: Content | None = None) -> dict[str, Any]:
    """The intake's questions as a FHIR Questionnaire (validated)."""
    content = content or load_content()
    screen = [
        _item(q.id, q.text, q.type, content=content, off_map=False)
        | (
            {"enableWhen": [{"question": q.asked_if, "operator": "=", "answerBoolean": True}]}
            if q.asked_if
            else {}
        )
        for q in content.rules.questions
    ]
    facts = []
    for fact in content.pretreatment.facts:
        item = _item(fact.id, fact.text, fact.type, content=content, off_map=True)
        if fact.type == "choice":
            item["answerOption"] = [
                {
                    "valueCoding": {
                        "system": PRESSURE_SYSTEM,
                        "code": c,
                        "display": content.library.label("intensity", c),
                    }
                }
                for c in fact.choices
            ]
        if fact.asked_if:
            item["enableWhen"] = [{"question": fact.asked_if, "operator": "=", "answerBoolean": True}]
        facts.append(item)
    facts += [
        _item(name, text, "text", content=content, maxLength=intakes.MAX_TEXT)
        for name, text in intakes.TEXT_FIELDS
    ]
    data: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _uuid("questionnaire", VERSION),
        "url": QUESTIONNAIRE_URL,
        "version": VERSION,
        "name": "BackeaseMassageIntake",
        "title": "Before your visit: the pre-visit massage intake",
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            {"linkId": "screen", "text": "Safety questions", "type": "group", "item": screen},
            {"linkId": "massage", "text": "For the massage", "type": "group", "item": facts},
            {"linkId": "consent", "text": CONSENT_TEXT, "type": "boolean", "required": True},
        ],
    }
    Questionnaire.model_validate(data)
    return data


def _answer(content: Content, kind: str, value: Any) -> list[dict[str, Any]]:
    if kind == "bool":
        return [{"valueBoolean": value is True}]
    if kind == "number":
        return [{"valueDecimal": value}]
    if kind in ("regions", "places"):
        return [
            {"valueCoding": {"system": PLACE_SYSTEM, "code": p, "display": intakes.place_label(content, p)}}
            for p in value
        ]
    if kind == "choice":
        label = content.library.label("intensity", value)
        return [{"valueCoding": {"system": PRESSURE_SYSTEM, "code": value, "display": label}}]
    return [{"valueString": str(value)}]


def questionnaire_response(intake: Intake, patient: str, content: Content | None = None) -> dict[str, Any]:
    """One filled-in intake as a QuestionnaireResponse (validated): every yes/no question
    asked (a box left unticked is false), every number, place, choice and text answered."""
    content = content or load_content()
    answers = intake.answers

    def asked(asked_if: str | None) -> bool:
        return asked_if is None or answers.get(asked_if) is True

    screen = []
    for q in content.rules.questions:
        value = answers.get(q.id)
        if not asked(q.asked_if) or (q.type != "bool" and value in (None, [])):
            continue
        screen.append({"linkId": q.id, "text": q.text, "answer": _answer(content, q.type, value)})
    facts = []
    for fact in content.pretreatment.facts:
        value = answers.get(fact.id)
        if not asked(fact.asked_if) or (fact.type != "bool" and value in (None, [])):
            continue
        facts.append({"linkId": fact.id, "text": fact.text, "answer": _answer(content, fact.type, value)})
    for name, text in intakes.TEXT_FIELDS:
        words = getattr(intake, name)
        if words:
            facts.append({"linkId": name, "text": text, "answer": [{"valueString": words}]})
    assert intake.submitted_at is not None
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _uuid("response", intake.client_id, intake.pk, intake.submitted_at.isoformat()),
        "questionnaire": f"{QUESTIONNAIRE_URL}|{VERSION}",
        "status": "completed",
        "subject": {"reference": f"urn:uuid:{patient}"},
        "authored": intake.submitted_at.isoformat(timespec="seconds"),
        "author": {"reference": f"urn:uuid:{patient}"},
        "item": [
            {"linkId": "screen", "text": "Safety questions", "item": screen},
            {"linkId": "massage", "text": "For the massage", "item": facts},
            {
                "linkId": "consent",
                "text": CONSENT_TEXT,
                "answer": [{"valueBoolean": intake.consent_at is not None}],
            },
        ],
    }
    if not screen:
        data["item"][0].pop("item")
    if not facts:
        data["item"][1].pop("item")
    data["item"] = [i for i in data["item"] if "item" in i or "answer" in i]
    QuestionnaireResponse.model_validate(data)
    return data


def intake_resources(person: Person, patient: str) -> list[dict[str, Any]]:
    """For `exports.fhir.fhir_bundle`: the Questionnaire and one response per filled-in intake
    of this person (nothing when they have none)."""
    rows = list(
        Intake.objects.filter(client=person, submitted_at__isnull=False).order_by("submitted_at", "id")
    )
    if not rows:
        return []
    content = load_content()
    return [questionnaire(content), *(questionnaire_response(row, patient, content) for row in rows)]
