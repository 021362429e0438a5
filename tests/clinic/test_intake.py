"""The pre-visit intake and the visit page (docs/clinic.md, "Intake and the visit page"):
the form, bad input, who may read it (and that each read is logged), "Anything changed since
last time?", and the intake as FHIR Questionnaire / QuestionnaireResponse."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from backease.accounts.access_log import log_of
from backease.accounts.models import User
from backease.clinic.models import CareLink, Intake, Notice
from backease.store import services
from backease.store.models import Person, Screening
from tests.clinic.conftest import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _send(therapist: User, person: Person) -> Intake:
    response = signed_in(therapist).post(f"/clinic/clients/{person.pk}/intake/")
    assert response.status_code == 302
    return Intake.objects.get(client=person, submitted_at__isnull=True)


def _fill(browser: Client, intake: Intake, **fields: Any) -> Any:
    data: dict[str, Any] = {"consent": "yes", "pressure_preference": "moderate"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return browser.post(f"/me/intakes/{intake.pk}/", data)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_therapist_sends_an_intake_and_the_client_gets_a_notice(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    intake = _send(therapist, person_a)
    notice = Notice.objects.get(recipient=client_a, key=f"intake:{intake.pk}")
    assert notice.url == f"/me/intakes/{intake.pk}/"
    # Sending again while one waits gives the same one.
    assert _send(therapist, person_a).pk == intake.pk
    page = _text(signed_in(client_a).get(notice.url))
    assert "Before your visit" in page and "Sam Rivera" in page
    assert "Signs that need help right now" in page  # the safety screen's own questions
    assert "What pressure do you prefer?" in page and "I agree to the treatment" in page


def test_the_filled_intake_records_a_screening_and_the_visit_page_decides_per_type(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    intake = _send(therapist, person_a)
    client = signed_in(client_a)
    response = _fill(
        client,
        intake,
        anticoagulants="yes",
        medicines="Warfarin 5 mg",
        goals="Looser shoulders",
        areas_to_avoid=["left_leg"],
        pressure_preference="firm",
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.submitted_at is not None and intake.consent_at is not None
    assert intake.medicines == "Warfarin 5 mg"
    # A real screening: the client's own safety advice follows it.
    latest = services.latest_screening(person_a)
    assert latest is not None and latest.pk == intake.screening_id
    assert "gentle_pressure_only" in latest.precautions
    done = _text(client.get(f"/me/intakes/{intake.pk}/"))
    assert "Sent to Sam Rivera" in done and "Warfarin 5 mg" in done

    page = _text(signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/visit/"))
    for kind, decision in (
        ("swedish", "modify"),
        ("deep_tissue", "not_today"),
        ("trigger_point_therapy", "not_today"),
        ("sports", "not_today"),
        ("myofascial_release", "not_today"),
        ("thai", "not_today"),
    ):
        assert f'data-testid="type-{kind}" data-decision="{decision}"' in page
    assert "Pressure: no firmer than gentle" in page
    assert "the left leg" in page  # the client's areas to leave alone
    assert "Source: NCCIH" in page
    assert "Warfarin 5 mg" in page and "Looser shoulders" in page


def test_a_red_flag_says_do_not_treat_refer_with_the_client_s_advice(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    intake = _send(therapist, person_a)
    assert _fill(signed_in(client_a), intake, fever="yes").status_code == 302
    advice = Screening.objects.get(person=person_a).advice
    assert advice
    page = signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/visit/").content.decode()
    assert "Do not treat, refer" in page
    from django.utils.html import escape

    assert escape(advice) in page
    assert page.count('data-decision="refer"') == 6


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"consent": None}, "consent"),
        ({"pressure_preference": "very firm"}, "pressure_preference"),
        ({"surgery_weeks_ago": "ninety"}, "surgery_weeks_ago"),
        ({"surgery_weeks_ago": "80"}, "surgery_weeks_ago"),
        ({"areas_to_avoid": ["left_calf"]}, "areas_to_avoid"),
        ({"pregnancy_weeks": "50"}, "pregnancy_weeks"),
        ({"medicines": "x" * 501}, "medicines"),
    ],
)
def test_bad_input_says_what_is_wrong_and_stores_nothing(
    therapist: User, client_a: User, person_a: Person, link: CareLink, fields: dict[str, Any], field: str
) -> None:
    intake = _send(therapist, person_a)
    response = _fill(signed_in(client_a), intake, **fields)
    assert response.status_code == 400
    text = _text(response)
    assert "Please check this answer" in text and f"{field}:" in text
    assert "Nothing was saved yet" in text
    intake.refresh_from_db()
    assert intake.submitted_at is None and intake.answers == {}
    assert not Screening.objects.filter(person=person_a).exists()


def test_a_dvt_follow_up_is_dropped_when_no_clot_is_ticked(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    intake = _send(therapist, person_a)
    assert _fill(signed_in(client_a), intake, dvt_places=["left_leg"], dvt_doctor_ok="yes").status_code == 302
    intake.refresh_from_db()
    assert "dvt_places" not in intake.answers and "dvt_doctor_ok" not in intake.answers


def test_anything_changed_since_last_time_shows_the_last_answers_filled_in(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    client = signed_in(client_a)
    first = _send(therapist, person_a)
    _fill(client, first, medicines="Ibuprofen", pressure_preference="gentle", areas_to_avoid=["left_arm"])
    second = _send(therapist, person_a)
    assert second.pk != first.pk
    page = _text(client.get(f"/me/intakes/{second.pk}/"))
    assert "Anything changed since last time?" in page
    assert "Ibuprofen" in page  # shown, and in the text box
    assert re.search(r'name="pressure_preference" value="gentle" checked', page)
    assert re.search(r'name="areas_to_avoid" value="left_arm" checked', page)
    assert 'name="consent" value="yes" required>' in page  # consent is asked again
    # The client confirms: the same answers are stored for this visit.
    response = client.post(
        f"/me/intakes/{second.pk}/",
        {
            "unchanged": "yes",
            "consent": "yes",
            "medicines": "Ibuprofen",
            "pressure_preference": "gentle",
            "areas_to_avoid": "left_arm",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.unchanged and second.answers == first.answers
    assert second.answers == {"areas_to_avoid": ["left_arm"], "pressure_preference": "gentle"}
    assert "the client said nothing had changed" in _text(
        signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/visit/")
    )


def test_a_filled_intake_cannot_be_sent_twice(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    intake = _send(therapist, person_a)
    client = signed_in(client_a)
    _fill(client, intake, medicines="first")
    response = _fill(client, intake, medicines="second")
    assert response.status_code == 200  # the filled-in page, unchanged
    intake.refresh_from_db()
    assert intake.medicines == "first"
    assert Screening.objects.filter(person=person_a).count() == 1


def test_only_the_linked_therapist_reads_the_intake_and_every_read_is_logged(
    therapist: User,
    outsider: User,
    client_a: User,
    client_b: User,
    person_a: Person,
    link: CareLink,
    admin_user: User,
) -> None:
    intake = _send(therapist, person_a)
    _fill(signed_in(client_a), intake, medicines="SECRETmeds")
    visit = f"/clinic/clients/{person_a.pk}/visit/"
    before = log_of(person_a).filter(what__contains="intake").count()
    assert "SECRETmeds" in signed_in(therapist).get(visit).content.decode()
    assert log_of(person_a).filter(what__contains="intake", actor=therapist).count() == before + 1
    # An unlinked therapist, another client, and the client themselves on the clinic page: nothing.
    for who in (outsider, client_b):
        for url in (visit, f"/me/intakes/{intake.pk}/"):
            response = signed_in(who).get(url)
            assert response.status_code in (403, 404), (who, url)
            assert "SECRETmeds" not in response.content.decode()
        assert signed_in(who).post(f"/clinic/clients/{person_a.pk}/intake/").status_code in (403, 404)
    # An admin reads it in Django's admin, and that is logged too.
    page = signed_in(admin_user).get(f"/admin/clinic/intake/{intake.pk}/change/")
    assert page.status_code == 200 and "SECRETmeds" in page.content.decode()
    assert log_of(person_a).filter(actor=admin_user, what__contains="intake").exists()
    # When the client stops sharing, their therapist no longer reads it.
    link.ended_at = NOW
    link.save()
    assert signed_in(therapist).get(visit).status_code == 404
    assert signed_in(client_a).get(f"/me/intakes/{intake.pk}/").status_code == 404


def test_an_adherence_only_share_still_lets_the_client_give_their_intake(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    """The client fills the intake in for this therapist: sending it is consent to them
    reading it, whatever the diary share says."""
    link.share = CareLink.Share.ADHERENCE
    link.save()
    intake = _send(therapist, person_a)
    _fill(signed_in(client_a), intake, medicines="Paracetamol")
    assert "Paracetamol" in signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/visit/").content.decode()


def test_the_visit_page_without_an_intake_offers_to_send_one(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    page = _text(signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/visit/"))
    assert "Send an intake form" in page and "No intake filled in yet" in page


def test_the_intake_is_a_questionnaire_and_its_answers_a_response_in_the_fhir_export(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from backease.exports.fhir import fhir_bundle

    assert not [e for e in fhir_bundle(person_a)["entry"] if e["resource"]["resourceType"] == "Questionnaire"]
    intake = _send(therapist, person_a)
    _fill(
        signed_in(client_a),
        intake,
        anticoagulants="yes",
        recent_dvt="yes",
        dvt_places=["left_leg"],
        surgery_weeks_ago="8",
        surgery_places=["abdomen"],
        medicines="Apixaban",
        pressure_preference="gentle",
    )
    bundle = fhir_bundle(person_a)
    Bundle.model_validate(bundle)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    (form,) = by_type["Questionnaire"]
    (response,) = by_type["QuestionnaireResponse"]
    Questionnaire.model_validate(form)
    QuestionnaireResponse.model_validate(response)
    patient = by_type["Patient"][0]["id"]
    assert response["subject"]["reference"] == f"urn:uuid:{patient}"
    assert response["questionnaire"].startswith(form["url"]) and response["status"] == "completed"

    def answers(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            if "answer" in item:
                out[item["linkId"]] = item["answer"]
            out.update(answers(item.get("item", [])))
        return out

    got = answers(response["item"])
    assert got["anticoagulants"] == [{"valueBoolean": True}]
    assert got["osteoporosis"] == [{"valueBoolean": False}]  # asked, left unticked: no
    assert got["dvt_places"][0]["valueCoding"]["code"] == "left_leg"
    assert got["surgery_weeks_ago"] == [{"valueDecimal": 8}]
    assert got["pressure_preference"][0]["valueCoding"]["code"] == "gentle"
    assert got["medicines"] == [{"valueString": "Apixaban"}]
    assert got["consent"] == [{"valueBoolean": True}]
    # Every answer's question is in the Questionnaire.
    asked = set(answers_ids(form["item"]))
    assert set(got) <= asked


def answers_ids(items: list[dict[str, Any]]) -> list[str]:
    out = []
    for item in items:
        out.append(item["linkId"])
        out += answers_ids(item.get("item", []))
    return out
