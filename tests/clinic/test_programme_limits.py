"""A therapist's programme stays within each technique's limits (issue 14 item 8; SCREENING.md
"A therapist's programme cannot go past these limits").

A step's time per side (holds included) stays within the technique's `max_seconds` unless
the therapist records why; with numb skin, blood thinners or fragile bones never above it.
The editor, templates and the client's session all obey it, and no refusal names the
client's safety answers (an adherence-only therapist may not see them).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic import programmes
from backease.clinic.models import CareLink, Flag, Programme
from backease.content.loader import load_content
from backease.core.library import Technique
from backease.store import services
from backease.store.models import Person, Plan
from tests.clinic.conftest import signed_in
from tests.clinic.test_programmes import DOORWAY, WALL_BALL, form, step, url

pytestmark = pytest.mark.django_db

PINCER = "pincer_hold_front_of_armpit"
NUMB_AND_PREGNANT = {"pregnancy_weeks": 30, "reduced_sensation": True}
SAFETY_WORDS = re.compile(r"numb|sensation|feel|pregnan|blood|thinner|bone|osteopor|steroid|70", re.I)
"""Words that would give away the client's safety answers in a refusal."""


def pincer() -> Technique:
    tech = load_content().library.technique(PINCER)
    assert tech is not None
    return tech


def error_of(response: Any) -> str:
    """The editor's error line, as the therapist reads it."""
    assert response.status_code == 400, response.status_code
    page = response.content.decode().replace("&#x27;", "'")
    found = re.search(r'data-testid="error">\s*<p><strong>That did not work.</strong>(.*?)</p>', page, re.S)
    assert found, page[:2000]
    return " ".join(found.group(1).split())


def test_a_600_s_hold_twice_for_a_pregnant_client_with_numb_skin_is_refused_even_with_a_reason(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, NUMB_AND_PREGNANT)
    long_hold = step(PINCER, seconds=600, holds=2, longer_because="She asked for long holds")
    message = error_of(signed_in(therapist).post(url(person_a), form(steps=[long_hold])))
    assert message.startswith("step 1 seconds:")
    assert "above this technique's safe maximum for this client" in message
    assert programmes.limit_words(pincer()) in message  # the limit, in words
    assert not SAFETY_WORDS.search(message)
    assert not Programme.objects.exists()
    # Within the maximum it is saved.
    within = step(PINCER, seconds=pincer().max_seconds)
    assert signed_in(therapist).post(url(person_a), form(steps=[within])).status_code == 302


def test_an_adherence_only_therapist_is_refused_without_the_clients_answers(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    link.share = CareLink.Share.ADHERENCE
    link.save()
    services.record_screening(person_a, NUMB_AND_PREGNANT)
    response = signed_in(therapist).post(url(person_a), form(steps=[step(PINCER, seconds=600, holds=2)]))
    message = error_of(response)
    assert "above this technique's safe maximum for this client" in message
    assert not SAFETY_WORDS.search(message)
    page = response.content.decode()
    assert "For this client, at most" in page  # the field's hint says the limit, not why


def test_a_step_above_the_technique_maximum_needs_a_recorded_reason(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, {})
    browser = signed_in(therapist)
    long_hold = step(PINCER, seconds=300)
    message = error_of(browser.post(url(person_a), form(steps=[long_hold])))
    assert message.startswith("step 1 why longer:")
    assert programmes.limit_words(pincer()) in message
    assert not Programme.objects.exists()

    because = "Chronic trigger point; reviewed in clinic"
    saved = browser.post(url(person_a), form(steps=[long_hold | {"longer_because": because}]))
    assert saved.status_code == 302
    assert Programme.objects.get().steps[0]["longer_because"] == because
    # The client does it as the therapist set it.
    row = Programme.objects.get()
    assert signed_in(client_a).post(f"/me/programmes/{row.pk}/start/").status_code == 302
    plan = Plan.objects.get(person=person_a, seed=services.PROGRAMME_SEED)
    assert {s["seconds"] for s in plan.data["steps"]} == {300}


def test_a_reason_is_dropped_for_a_step_within_the_maximum(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    short = step(PINCER, seconds=60, longer_because="not needed")
    assert signed_in(therapist).post(url(person_a), form(steps=[short])).status_code == 302
    assert Programme.objects.get().steps[0]["longer_because"] == ""


@pytest.mark.parametrize(
    "answers",
    [
        {"anticoagulants": True},
        {"osteoporosis": True},
        {"long_term_steroids": True},
        {"age": 72},
        {"reduced_sensation": True},
    ],
    ids=["blood thinners", "osteoporosis", "long-term steroids", "age 72", "numb skin"],
)
def test_numb_skin_blood_thinners_and_fragile_bones_never_go_past_the_maximum(
    therapist: User, person_a: Person, link: CareLink, answers: dict[str, Any]
) -> None:
    services.record_screening(person_a, answers)
    long_hold = step(PINCER, seconds=pincer().max_seconds + 30, longer_because="Reviewed in clinic")
    message = error_of(signed_in(therapist).post(url(person_a), form(steps=[long_hold])))
    assert "safe maximum for this client" in message and not SAFETY_WORDS.search(message)


def test_at_69_a_recorded_reason_still_allows_a_longer_step(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    services.record_screening(person_a, {"age": 69})
    long_hold = step(PINCER, seconds=pincer().max_seconds + 30, longer_because="Reviewed in clinic")
    assert signed_in(therapist).post(url(person_a), form(steps=[long_hold])).status_code == 302


def test_a_template_above_the_maximum_is_not_given_to_a_client_with_numb_skin(
    therapist: User, client_b: User, person_a: Person, link: CareLink
) -> None:
    person_b = person_for(client_b)
    CareLink.objects.create(therapist=therapist, client=person_b)
    services.record_screening(person_a, {"reduced_sensation": True})
    browser = signed_in(therapist)
    long_hold = step(PINCER, seconds=300, longer_because="For desk workers with old knots")
    assert (
        browser.post("/clinic/templates/new/", form(title="Long holds", steps=[long_hold])).status_code == 302
    )
    template = Programme.objects.get(is_template=True)
    response = browser.post(
        f"/clinic/templates/{template.pk}/assign/", {"clients": [person_b.pk, person_a.pk]}
    )
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "above this technique's safe maximum for this client" in page
    assert not SAFETY_WORDS.search(page.split("safe maximum for this client")[0][-200:])
    assert not Programme.objects.filter(template=template).exists()  # nobody got it
    ok = browser.post(f"/clinic/templates/{template.pk}/assign/", {"clients": [person_b.pk]})
    assert ok.status_code == 302


def test_a_template_above_the_maximum_needs_a_reason(therapist: User) -> None:
    response = signed_in(therapist).post(
        "/clinic/templates/new/", form(title="Long", steps=[step(PINCER, seconds=300)])
    )
    assert error_of(response).startswith("step 1 why longer:")
    assert not Programme.objects.exists()


def test_a_long_step_given_before_the_client_answered_numb_skin_is_left_out_and_flagged(
    therapist: User, client_a: User, person_a: Person, link: CareLink
) -> None:
    steps = [step(PINCER, seconds=300, longer_because="Reviewed in clinic"), step(WALL_BALL), step(DOORWAY)]
    cleaned = programmes.clean(
        {"title": "Desk back", "note": "", "days_per_week": 3, "steps": steps}, load_content().library
    )
    row = programmes.save_for_client(therapist, person_a, cleaned)
    services.record_screening(person_a, {"reduced_sensation": True})
    programmes.report_blocked(row)
    flag = Flag.objects.get(client=person_a, key__contains=PINCER)
    assert "above this technique's safe maximum for this client" in flag.detail
    assert not SAFETY_WORDS.search(flag.detail)
    today = signed_in(client_a).get("/today/").content.decode().replace("&#x27;", "'")
    assert "Longer than this technique's safe maximum, so it is left out" in today
    signed_in(client_a).post(f"/me/programmes/{row.pk}/start/")
    plan = Plan.objects.get(person=person_a, seed=services.PROGRAMME_SEED)
    assert PINCER not in {s["technique"] for s in plan.data["steps"]}
    assert all(
        s["seconds"] <= load_content().library.technique(s["technique"]).max_seconds
        for s in plan.data["steps"]
    )  # type: ignore[union-attr]


def test_the_editor_names_the_time_field_and_its_limit(
    therapist: User, person_a: Person, link: CareLink
) -> None:
    page = signed_in(therapist).post(url(person_a), form(steps=[step(PINCER)]) | {"action": "update"})
    text = page.content.decode()
    tech = pincer()
    assert f"Usually {tech.min_seconds}-{tech.max_seconds} s. At most {programmes.limit_words(tech)}" in text
    assert f'<label for="step-0-longer_because">Why longer than {programmes.limit_words(tech)}' in text
