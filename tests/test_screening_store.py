"""The extended screen everywhere it is used: stored clearance (12 weeks, only what was there),
the web check, the API, the backup and the terminal."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backease.content.loader import load_content
from backease.store import services
from backease.store.models import Person, Plan, Screening

pytestmark = pytest.mark.django_db

JSON = "application/json"
NEW_QUESTIONS = {
    "pain_with_exertion": "urgent",
    "arm_weakness_or_clumsiness": "urgent",
    "one_leg_weak": "urgent",
    "worse_cough_sneeze_strain": "soon",
    "back_lump_or_deformity": "soon",
    "immune_risk": "soon",
    "sudden_severe_onset": "soon",
}
SOON_LIMITS = [
    "gentle_pressure_only",
    "no_sustained_pressure",
    "no_spinal_pressure",
    "no_body_weight_on_tools",
    "no_firm_tools",
]
"""SCREENING.md: what a soon screen carries, in the contract's order."""
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 5, "knot": True}],
    "tools": ["hands", "wall", "foam_roller", "tennis_ball"],
    "causes": ["posture"],
    "minutes": 15,
}


@pytest.fixture
def owner() -> Person:
    return services.local_owner()


def html(response: Any) -> str:
    return str(response.content.decode())


def walk_check(client: Client, answers: dict[str, Any]) -> Any:
    """Send the one-page check; a plain self-care result goes on to the setup page."""
    return client.post("/check/", {"go": "next", **answers}, follow=True)


# --- the store keeps the clearance --------------------------------------------------------------


def test_a_clearance_is_stored_with_the_day_and_the_standing_rules_that_fired(owner: Person) -> None:
    row, result = services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=date(2026, 3, 2)
    )
    assert row.clearance == {"given_on": "2026-03-02", "rules": ["cancer_history"]}
    assert row.level == result.level == "self_care_with_precautions"
    assert services.clearance_state(row, today=date(2026, 3, 3)) == {
        "given_on": "2026-03-02",
        "expires_on": "2026-05-25",
        "active": True,
        "rules": ["cancer_history"],
    }
    plain, _ = services.record_screening(owner, {"anticoagulants": True})
    assert plain.clearance is None


def test_answering_yes_again_keeps_the_first_day_and_never_widens_the_clearance(owner: Person) -> None:
    services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=date(2026, 3, 2)
    )
    answers = {"cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True}
    row, result = services.record_screening(owner, answers, today=date(2026, 4, 1))
    assert row.clearance == {"given_on": "2026-03-02", "rules": ["cancer_history"]}
    # Cancer treatment started after the clearance was given: not lowered.
    assert result.level == "urgent"
    treatment = next(r for r in row.reasons if "cancer treatment" in r["message"])
    assert "does not cover this one" in treatment["message"]


def test_answering_no_ends_the_clearance_and_a_later_yes_starts_a_new_one(owner: Person) -> None:
    services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=date(2026, 3, 2)
    )
    services.record_screening(owner, {"cancer_history": True}, today=date(2026, 3, 9))
    row, result = services.record_screening(
        owner,
        {"cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True},
        today=date(2026, 3, 16),
    )
    assert row.clearance == {"given_on": "2026-03-16", "rules": ["active_cancer_treatment", "cancer_history"]}
    assert result.level == "self_care_with_precautions"


def test_after_12_weeks_the_stored_flag_comes_back_everywhere_and_a_plan_is_refused(
    owner: Person, client: Client
) -> None:
    services.save_profile(owner, PROFILE)
    today = timezone.localdate()
    given = today - timedelta(weeks=12)
    row, result = services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=given
    )
    assert result.level == "self_care_with_precautions"  # as it was answered
    latest = services.latest_screening(owner)
    assert latest is not None and latest.id == row.id
    assert latest.level == "urgent"
    assert "ended on" in latest.reasons[0]["message"]
    assert latest.precautions == ["gentle_pressure_only", "no_spinal_pressure", "no_body_weight_on_tools"]
    assert Screening.objects.get(pk=row.pk).level == "self_care_with_precautions"  # record unchanged
    assert services.outcome(owner).level == "urgent"
    assert services.make_plan(owner).data["steps"] == []

    body = client.get("/api/screening/latest").json()
    assert body["level"] == "urgent"
    assert body["clearance"] == {
        "given_on": given.isoformat(),
        "expires_on": today.isoformat(),
        "active": False,
        "rules": ["cancer_history"],
    }
    # The check asks the question again and says the clearance has ended.
    page = html(walk_check_to_context(client))
    assert 'data-testid="clearance-note"' in page and "ended on" in page


def test_the_day_before_12_weeks_the_clearance_still_holds(owner: Person) -> None:
    given = timezone.localdate() - timedelta(weeks=12) + timedelta(days=1)
    services.record_screening(owner, {"cancer_history": True, "clinician_cleared": True}, today=given)
    latest = services.latest_screening(owner)
    assert latest is not None and latest.level == "self_care_with_precautions"


def test_a_yes_after_the_clearance_ended_starts_a_new_one(owner: Person) -> None:
    services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=date(2026, 1, 5)
    )
    row, result = services.record_screening(
        owner, {"cancer_history": True, "clinician_cleared": True}, today=date(2026, 4, 6)
    )
    assert row.clearance == {"given_on": "2026-04-06", "rules": ["cancer_history"]}
    assert result.level == "self_care_with_precautions"


def walk_check_to_context(client: Client) -> Any:
    """The check as it opens: every question, the clearance one with its note."""
    return client.get("/check/")


# --- the web check ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "group"), list(NEW_QUESTIONS.items()))
def test_each_new_question_is_asked_in_its_group_of_the_web_check(
    client: Client, question: str, group: str
) -> None:
    page = html(client.get("/check/")).replace("&#x27;", "'")
    spec = load_content().rules.question(question)
    assert spec is not None and spec.group == group
    # The group's part of the page, up to the next group (a follow-up inside has its own fieldset).
    section = page.split(f'data-group="{group}"', 1)[1].split('data-group="', 1)[0]
    assert f'name="{question}"' in section
    # The short form in the row; the full question and its help one tap away.
    assert spec.short and spec.short in section
    assert spec.text in section
    assert spec.help and spec.help in section
    assert page.count(f'name="{question}"') == 1


def test_the_web_check_stores_two_soon_signs_as_urgent_and_says_the_combination_is_why(
    client: Client,
) -> None:
    response = walk_check(client, {"worse_cough_sneeze_strain": "yes", "back_lump_or_deformity": "yes"})
    page = html(response)
    assert "See a doctor today" in page
    assert "combination is why" in page
    assert "No self-massage plan for now" in page
    assert Screening.objects.get().level == "urgent"


def test_the_web_check_shows_pain_on_exertion_as_urgent(client: Client) -> None:
    walk_check(client, {"pain_with_exertion": "yes", "clinician_cleared": "yes"})
    assert Screening.objects.get().level == "urgent"


def test_a_soon_result_on_the_web_lists_the_gentle_plan_limits(client: Client) -> None:
    page = html(walk_check(client, {"immune_risk": "yes"}))
    row = Screening.objects.get()
    assert row.level == "soon"
    assert row.precautions == SOON_LIMITS
    assert "Your plan will keep to these limits" in page


def test_a_self_care_result_on_the_web_explains_why_with_its_sources(client: Client) -> None:
    page = html(walk_check(client, {"age": "35"}))
    rationale = load_content().rules.rationale
    assert rationale is not None
    assert 'data-testid="rationale"' in page
    assert rationale.title in page
    assert "Finucane 2020" in page and "between the shoulder blades" in page
    assert "Sources: Finucane 2020; NHS" in page


def test_a_result_with_limits_has_no_self_care_rationale(client: Client) -> None:
    page = html(walk_check(client, {"anticoagulants": "yes"}))
    assert 'data-testid="rationale"' not in page


def test_an_active_clearance_is_explained_next_to_the_question(owner: Person, client: Client) -> None:
    services.record_screening(owner, {"cancer_history": True, "clinician_cleared": True})
    page = html(walk_check_to_context(client))
    assert 'data-testid="clearance-note"' in page
    assert "ticking yes again keeps that date" in page


# --- the API ---------------------------------------------------------------------------------------


def send(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/screening", json.dumps(body), content_type=JSON)


def test_the_api_lists_every_new_question_in_its_group(client: Client) -> None:
    questions = {q["id"]: q for q in client.get("/api/screening/questions").json()}
    for question, group in NEW_QUESTIONS.items():
        assert questions[question]["group"] == group
        assert questions[question]["type"] == "bool"


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"pain_with_exertion": True}, "urgent"),
        ({"arm_weakness_or_clumsiness": True, "cancer_history": True}, "emergency"),
        ({"one_leg_weak": True}, "urgent"),
        ({"worse_cough_sneeze_strain": True}, "soon"),
        ({"back_lump_or_deformity": True}, "soon"),
        ({"immune_risk": True, "fever": True}, "emergency"),
        ({"sudden_severe_onset": True, "osteoporosis": True}, "urgent"),
        ({"sudden_severe_onset": True, "not_improving_6_weeks": True}, "urgent"),
    ],
)
def test_the_api_returns_the_new_levels(client: Client, answers: dict[str, Any], level: str) -> None:
    response = send(client, {"answers": answers})
    assert response.status_code == 200
    assert response.json()["level"] == level


def test_the_api_returns_the_rationale_only_for_self_care_and_the_gentle_limits_for_soon(
    client: Client,
) -> None:
    calm = send(client, {"answers": {"age": 30}}).json()
    assert calm["level"] == "self_care"
    assert calm["rationale"]["source"] == "Finucane 2020; NHS"
    assert "2 to 3 weeks" in calm["rationale"]["text"]
    assert calm["clearance"] is None
    soon = send(client, {"answers": {"back_lump_or_deformity": True}}).json()
    assert soon["rationale"] is None
    assert soon["precautions"] == [*SOON_LIMITS, "no_tools_on_back"]  # a lump with no place given


def test_the_api_reports_a_clearance_and_its_end(client: Client) -> None:
    body = send(client, {"answers": {"first_episode": True, "age": 60, "clinician_cleared": True}}).json()
    today = timezone.localdate()
    assert body["level"] == "self_care_with_precautions"
    assert body["clearance"] == {
        "given_on": today.isoformat(),
        "expires_on": (today + timedelta(weeks=12)).isoformat(),
        "active": True,
        "rules": ["first_episode_over_50"],
    }


def test_the_openapi_schema_describes_rationale_and_clearance(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    out = schema["components"]["schemas"]["ScreeningOut"]["properties"]
    assert "rationale" in out and "clearance" in out


# --- exports ---------------------------------------------------------------------------------------


def test_a_backup_keeps_the_new_answers_and_the_clearance_and_reads_an_older_one(owner: Person) -> None:
    from backease.core.errors import InputError
    from backease.exports.backup import _Parsed, make_backup

    answers = {"immune_risk": True, "cancer_history": True, "clinician_cleared": True}
    services.record_screening(owner, answers, today=date(2026, 3, 2))
    data = json.loads(json.dumps(make_backup(owner)))
    saved = data["screenings"][0]
    assert saved["answers"] == answers
    assert saved["clearance"] == {"given_on": "2026-03-02", "rules": ["cancer_history"]}
    _Parsed(data).check()
    del saved["clearance"]  # a backup written before clearances were stored
    _Parsed(data).check()
    saved["clearance"] = {"given_on": "yesterday", "rules": []}
    with pytest.raises(InputError) as caught:
        _Parsed(data).check()
    assert caught.value.field == "screenings[0].clearance.given_on"


# --- the terminal ----------------------------------------------------------------------------------


def test_backease_screen_prints_the_rationale_and_json_carries_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from backease.cli.main import run

    def cli(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_info:
            run(list(args))
        assert exit_info.value.code in (0, None)
        return capsys.readouterr().out

    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"age": 33}))
    out = " ".join(cli("screen", "--answers", str(path), "--no-save").split())
    assert "Why self-care is reasonable" in out and "Finucane 2020" in out
    data = json.loads(cli("screen", "--answers", str(path), "--no-save", "--json"))
    assert data["rationale"]["title"].startswith("Why self-care")
    assert data["clearance"] is None


def test_a_stored_plan_after_an_expired_clearance_is_not_current(owner: Person) -> None:
    services.save_profile(owner, PROFILE)
    services.record_screening(owner, {"cancer_history": True, "clinician_cleared": True})
    plan = services.make_plan(owner)
    assert plan.level == "self_care_with_precautions" and plan.data["steps"]
    row = Screening.objects.get()
    row.clearance = {
        "given_on": (timezone.localdate() - timedelta(weeks=13)).isoformat(),
        "rules": ["cancer_history"],
    }
    row.save()
    again = services.make_plan(owner)
    assert again.level == "urgent" and again.data["steps"] == []
    assert Plan.objects.count() == 2


def test_a_cleared_result_on_the_web_says_until_when_the_clearance_lasts(client: Client) -> None:
    page = html(walk_check(client, {"cancer_history": "yes", "clinician_cleared": "yes"}))
    ends = timezone.localdate() + timedelta(weeks=12)
    assert Screening.objects.get().level == "self_care_with_precautions"
    assert 'data-testid="clearance-note"' in page
    assert f"until {ends.day} {ends.strftime('%B')} {ends.year}" in page


def test_an_urgent_result_does_not_suggest_clearance_can_lower_a_new_sign(client: Client) -> None:
    page = " ".join(html(walk_check(client, {"one_leg_weak": "yes"})).split())
    assert "it never changes the advice for new warning signs" in page


def test_every_page_banner_follows_an_ended_clearance(owner: Person, client: Client) -> None:
    services.save_profile(owner, PROFILE)
    services.record_screening(owner, {"cancer_history": True, "clinician_cleared": True})
    services.make_plan(owner)
    state = services.safety_state(services.state_rows(person=owner))
    assert state is not None and state.level == "self_care_with_precautions"
    assert "Your last safety check advised seeing a" not in html(client.get("/today/"))
    row = Screening.objects.get()
    row.clearance = {
        "given_on": (timezone.localdate() - timedelta(weeks=12)).isoformat(),
        "rules": ["cancer_history"],
    }
    row.save(update_fields=["clearance"])
    state = services.safety_state(services.state_rows(person=owner))
    assert state is not None and state.level == "urgent"
    today = html(client.get("/today/"))
    assert "Your last safety check advised seeing a" in today
    assert 'data-testid="start"' not in today
