"""The pre-visit intake and the visit's check per kind of massage (docs/clinic.md).

A therapist sends an intake to a client who shares with them (`send`); the client fills it
in (`read_form`, then `submit`): the safety screen, recorded as a real screening so the
client's own safety advice follows it, the massage intake's facts that the pre-treatment
rules read (content/pretreatment.yaml), and what a massage intake asks in words (medicines,
skin problems, goals for the visit), with consent to treatment. Before a later visit the form
starts from the client's last answers ("Anything changed since last time?").

The therapist's visit page runs `backease.core.pretreatment.check` over the latest intake
(`visit_check`). Who may read an intake is `latest_for_therapist` / `intake_for_client`
(404 otherwise); the views write every read to the client's access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone

from backease.accounts.models import User
from backease.clinic.access import link_for
from backease.clinic.models import Intake
from backease.content.loader import Content, load_content
from backease.content.pretreatment_words import how_words
from backease.core.errors import InputError
from backease.core.pretreatment import (
    OFF_MAP_PLACES,
    Fact,
    PretreatmentCheck,
    check,
    validate_intake,
)
from backease.core.screening import ScreeningResult, evaluate, validate_answers
from backease.core.vocab import NOT_SURE
from backease.store import services
from backease.store.models import Person
from backease.store.zones import local_time

TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("medicines", "Which medicines do you take now? Include blood thinners, steroids and painkillers."),
    ("skin", "Any skin problems (rashes, cuts, bruises, sunburn, infections)? Where?"),
    ("goals", "What would you like from this visit?"),
)
"""What the intake asks in words, in the order the form shows it."""
MAX_TEXT = 500
REFER_LEVELS = ("emergency", "urgent")

HEADLINE = {"go": "go", "modify": "modify", "not_today": "not today", "refer": "do not treat, refer"}
"""The decision as the therapist reads it (the same words as `backease massage-check`)."""

CLIENT_PLACE_WORDS = {
    "left_arm": "Left arm",
    "right_arm": "Right arm",
    "left_leg": "Left leg",
    "right_leg": "Right leg",
    "abdomen": "Tummy (abdomen)",
    "elsewhere": "Somewhere else",
    NOT_SURE: "Not sure",
}


# --- who may read which intake ----------------------------------------------------------------


def send(therapist: User, client_id: int, now: datetime | None = None) -> Intake:
    """The intake the client has still to fill in for this therapist, or a new one.

    404 unless the client shares with the therapist now (`access.link_for`)."""
    link = link_for(therapist, client_id)
    waiting = Intake.objects.filter(
        therapist=therapist, client=link.client, submitted_at__isnull=True
    ).first()
    if waiting is not None:
        return waiting
    return Intake.objects.create(therapist=therapist, client=link.client, created_at=now or timezone.now())


def latest_for_therapist(therapist: User, client_id: int) -> tuple[Person, Intake | None, Intake | None]:
    """(the client, their latest filled-in intake for this therapist, one still waiting).
    404 unless the client shares with the therapist now."""
    client = link_for(therapist, client_id).client
    rows = Intake.objects.filter(therapist=therapist, client=client)
    done = rows.filter(submitted_at__isnull=False).order_by("-submitted_at", "-id").first()
    waiting = rows.filter(submitted_at__isnull=True).first()
    return client, done, waiting


def intake_for_client(person: Person, intake_id: int) -> Intake:
    """The client's own intake, while they still share with the therapist who sent it (404
    else: someone else's intake, or one from a therapist they stopped sharing with)."""
    row = Intake.objects.filter(pk=intake_id, client=person).select_related("therapist").first()
    if row is None or row.therapist_id is None:
        raise Http404("no such intake")
    if not person.care_links.filter(therapist_id=row.therapist_id, ended_at__isnull=True).exists():
        raise Http404("no such intake")
    return row


def previous_intake(person: Person, before: Intake | None = None) -> Intake | None:
    """The client's last filled-in intake (for any therapist): what "Anything changed since
    last time?" shows. The client's own answers, never shown to anyone else from here."""
    rows = Intake.objects.filter(client=person, submitted_at__isnull=False)
    if before is not None:
        rows = rows.exclude(pk=before.pk)
    return rows.order_by("-submitted_at", "-id").first()


# --- the form ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filled:
    """A valid intake form: the answers to store and to record as a screening."""

    screen: dict[str, Any]
    """The safety screen's answers (validated)."""
    answers: dict[str, Any]
    """The screen's answers and the intake's facts, as stored (JSON: lists, numbers, text)."""
    texts: dict[str, str]
    unchanged: bool


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def raw_facts(post: QueryDict, content: Content) -> dict[str, object]:
    """The intake's facts in a form, as sent (numbers left as text when not numbers, so the
    validation names the field). A follow-up of a fact answered no is dropped."""
    raw: dict[str, object] = {}
    for fact in content.pretreatment.facts:
        if fact.type == "bool":
            if fact.id in post:
                raw[fact.id] = True
        elif fact.type == "number":
            text = post.get(fact.id, "").strip()
            if not text:
                continue
            try:
                number: object = float(text) if len(text) <= 20 else text
            except ValueError:
                number = text
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            raw[fact.id] = number
        elif fact.type == "places":
            places = post.getlist(fact.id)
            if places:
                raw[fact.id] = [_short(p) for p in places]
        else:
            choice = post.get(fact.id, "").strip()
            if choice:
                raw[fact.id] = _short(choice)
    for fact in content.pretreatment.facts:
        if fact.asked_if is not None and raw.get(fact.asked_if) is not True:
            raw.pop(fact.id, None)
    return raw


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_form(post: QueryDict, content: Content | None = None) -> Filled:
    """Check a sent intake form. Raises `InputError` naming the field (nothing is stored)."""
    from backease.front.views import _answers_from_post

    content = content or load_content()
    texts: dict[str, str] = {}
    for name, _question in TEXT_FIELDS:
        text = post.get(name, "").strip()
        if len(text) > MAX_TEXT:
            raise InputError(name, f"is too long ({len(text)} characters; at most {MAX_TEXT})")
        texts[name] = text
    raw: dict[str, object] = {**_answers_from_post(post, content.rules), **raw_facts(post, content)}
    screen, every = validate_intake(raw, content.rules, content.pretreatment)
    if post.get("consent") != "yes":
        raise InputError("consent", "tick it to agree to treatment: the visit needs your consent")
    answers = {key: _json(value) for key, value in every.items() if value is not None}
    return Filled(screen=dict(screen), answers=answers, texts=texts, unchanged=post.get("unchanged") == "yes")


def submit(intake: Intake, filled: Filled, now: datetime | None = None) -> Intake:
    """Store a filled-in intake and record its safety screen as the client's screening.

    Refused (InputError) when this intake was already filled in: a later visit gets a new one."""
    moment = now or timezone.now()
    with transaction.atomic():
        row = Intake.objects.select_for_update().get(pk=intake.pk)
        if row.submitted_at is not None:
            raise InputError("intake", "was already filled in; your therapist can send a new one")
        screening, _ = services.record_screening(
            row.client, filled.screen, today=local_time(row.client, moment).today
        )
        row.answers = filled.answers
        row.medicines = filled.texts.get("medicines", "")
        row.skin = filled.texts.get("skin", "")
        row.goals = filled.texts.get("goals", "")
        row.unchanged = filled.unchanged
        row.consent_at = moment
        row.submitted_at = moment
        row.screening = screening
        row.save()
    return row


# --- the visit's check ------------------------------------------------------------------------


def visit_check(intake: Intake, today: date | None = None) -> tuple[ScreeningResult, PretreatmentCheck]:
    """The pre-treatment check over a filled-in intake: its safety screen as it stands today
    (a clinician clearance kept while it lasts, as the client's own advice does) and its facts.
    """
    content = load_content()
    day = today or local_time(intake.client).today
    clearance = None
    if intake.screening is not None:
        clearance = services.stored_clearance(intake.screening, content.rules)
    screen_raw = {k: v for k, v in intake.answers.items() if content.rules.question(k) is not None}
    fact_raw = {k: v for k, v in intake.answers.items() if content.pretreatment.fact(k) is not None}
    _, facts = validate_intake({**screen_raw, **fact_raw}, content.rules, content.pretreatment)
    result = evaluate(
        validate_answers(screen_raw, content.rules), content.rules, clearance=clearance, today=day
    )
    kinds = {m.id: m.pressure for m in content.library.massage_types}
    return result, check(result, facts, content.rules, content.pretreatment, kinds)


def place_label(content: Content, place: str) -> str:
    """A place as the client reads it (a body-map region's label, or an off-map place)."""
    for region in content.library.regions:
        if region.id == place:
            return region.label
    return CLIENT_PLACE_WORDS.get(place, place.replace("_", " "))


def type_views(content: Content, result: PretreatmentCheck) -> list[dict[str, Any]]:
    """Each kind of massage as the visit page shows it: name, decision, why (with sources),
    how to modify, and the client's safety answers behind it."""
    names = {m.id: m.name for m in content.library.massage_types}
    refs = {r.id: r for r in content.library.references}
    out = []
    for item in result.types:
        said = list(dict.fromkeys((r.message, r.source) for f in item.findings for r in f.because))
        cited = [
            f"{refs[r].authors.split(',')[0]} {refs[r].year}" if r in refs else r for r in item.references
        ]
        out.append(
            {
                "id": item.massage_type,
                "name": names.get(item.massage_type, item.massage_type),
                "decision": item.decision,
                "headline": HEADLINE[item.decision],
                "findings": [{"reason": f.reason, "source": f.source} for f in item.findings],
                "said": [{"message": m, "source": s} for m, s in said],
                "how": how_words(content, item, place_label) if item.decision == "modify" else [],
                "sources": list(dict.fromkeys(cited)),
            }
        )
    return out


# --- the answers in words ------------------------------------------------------------------------


def _fact_answer(content: Content, fact: Fact, value: Any) -> str:
    if fact.type == "bool":
        return "Yes" if value is True else "No"
    if fact.type == "places":
        return ", ".join(place_label(content, p) for p in value) if isinstance(value, list) else str(value)
    if fact.type == "choice":
        return (
            content.library.label("intensity", str(value))
            if str(value) in ("gentle", "moderate", "firm")
            else str(value)
        )
    return f"{value:g}" if isinstance(value, float) else str(value)


def answer_rows(content: Content, intake: Intake) -> list[dict[str, str]]:
    """Every answer of a filled-in intake, question and answer in words, in the form's order
    (only what was answered yes, a number, or a place: a box left unticked is "no")."""
    rows: list[dict[str, str]] = []
    answers = intake.answers
    for question in content.rules.questions:
        value = answers.get(question.id)
        if value is None or value is False or value == []:
            continue
        if question.type == "bool":
            words = "Yes"
        elif question.type == "number":
            words = f"{value:g}" if isinstance(value, float) else str(value)
        else:
            words = (
                ", ".join(place_label(content, p) for p in value) if isinstance(value, list) else str(value)
            )
        rows.append({"id": question.id, "question": question.short or question.text, "answer": words})
    for fact in content.pretreatment.facts:
        value = answers.get(fact.id)
        if value is None or value is False or value == []:
            continue
        rows.append({"id": fact.id, "question": fact.text, "answer": _fact_answer(content, fact, value)})
    for name, asked in TEXT_FIELDS:
        text = getattr(intake, name)
        if text:
            rows.append({"id": name, "question": asked, "answer": text})
    return rows


def fact_views(content: Content, values: dict[str, Any], error_field: str = "") -> list[dict[str, Any]]:
    """The intake's facts as the form shows them, with the answers so far."""
    regions = [(r.id, r.label) for r in content.library.regions]
    places = [
        *regions,
        *((p, CLIENT_PLACE_WORDS[p]) for p in OFF_MAP_PLACES),
        (NOT_SURE, CLIENT_PLACE_WORDS[NOT_SURE]),
    ]
    views: dict[str, dict[str, Any]] = {}
    for fact in content.pretreatment.facts:
        value = values.get(fact.id)
        # Where a clot was is most often a limb: those come first there.
        order = [*places[len(regions) :], *places[: len(regions)]] if fact.id == "dvt_places" else places
        views[fact.id] = {
            "f": fact,
            "value": "" if value is None else (f"{value:g}" if isinstance(value, float) else value),
            "checked": value is True,
            "places": [
                {"id": pid, "label": label, "checked": isinstance(value, list | tuple) and pid in value}
                for pid, label in order
            ]
            if fact.type == "places"
            else [],
            "choices": [
                {"id": c, "label": content.library.label("intensity", c), "checked": value == c}
                for c in fact.choices
            ],
            "invalid": error_field == fact.id,
            "followups": [],
        }
    # A follow-up (where the clot was) opens under the yes/no it follows (front/check.js).
    out = []
    for fact in content.pretreatment.facts:
        if fact.asked_if is not None and fact.asked_if in views:
            views[fact.asked_if]["followups"].append(views[fact.id])
        else:
            out.append(views[fact.id])
    return out
